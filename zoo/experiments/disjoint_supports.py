"""2. Disjoint supports: the parallel lines of Arjovsky et al. 2017, Example 1.

P0 is uniform on {0} × [0, 1], Pθ uniform on {θ} × [0, 1]. For θ ≠ 0 the
supports are disjoint, and
    TV(P0, Pθ) = 1,  KL(P0 ‖ Pθ) = ∞,  JS(P0, Pθ) = log 2,  W1(P0, Pθ) = |θ|
(all 0 at θ = 0): only W1 is continuous in θ and gives a gradient.

Closed forms from zoo.metrics: the two measures live on the lines x = 0 and
x = θ, so on the points {0, θ} × (a y-grid) they are exact discrete masses,
and total_variation, kl_divergence and js_divergence apply to them as they
are. Moving each (0, y) to (θ, y) costs |θ|, and W1 is at least the W1 of
the x-coordinates (a 1-Lipschitz projection), which wasserstein_1d gives:
both are |θ|, so W1 = wasserstein_1d(x-coordinates).

Beside them, for each θ: the original GAN's maxout discriminator
(`gan_toy_config`) trained on P0 (real) against Pθ (fake) with the zoo's
D loss, whose value gives the JS estimate (V + log 4) / 2, and the WGAN-GP
toy critic (zoo.configs.wgan_gp, λ = 10 as the paper) trained with the
zoo's Wasserstein loss and gradient penalty, whose E[f(P0)] − E[f(Pθ)]
estimates W1; and the gradient each gives the generator with respect to θ
(the minimax log(1 − D) loss for the GAN, −E[f] for the critic). Both nets
start from the same weights at every θ; Adam at 1e-3 (a net trained to its
optimum against fixed distributions, not a GAN run), the critic's decayed to
5e-5.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo import losses, metrics
from zoo.experiments import common
from zoo.models import gan as gan_lib

NAME = "disjoint_supports"
BATCH = 256
EVAL_BATCH = 8192


def closed_forms(theta, y_points=100):
    """TV, KL, JS and W1 between P0 and Pθ from zoo.metrics (see the docstring)."""
    columns = np.array([0.0, theta]) if theta != 0 else np.array([0.0])
    p = np.zeros((len(columns), y_points))
    q = np.zeros_like(p)
    p[0] = 1.0 / y_points
    q[-1] = 1.0 / y_points
    y = (np.arange(y_points) + 0.5) / y_points
    return dict(tv=metrics.total_variation(p, q), kl=metrics.kl_divergence(p, q),
                js=metrics.js_divergence(p, q),
                w1=metrics.wasserstein_1d(np.zeros_like(y), np.full_like(y, theta)))


def lines(k, n, theta):
    """n points of Pθ: (θ, U[0, 1])."""
    y = tf.random.stateless_uniform([n, 1], k)
    return tf.concat([tf.fill([n, 1], tf.cast(theta, tf.float32)), y], axis=1)


class Estimator:
    """A network trained afresh at each θ from the same start: its weights and
    optimizer slots are restored before each θ, so one traced loop serves all."""

    def __init__(self, net, loss, generator_loss, seed, learning_rate):
        self.net, self.loss, self.generator_loss, self.seed = net, loss, generator_loss, seed
        self.optimizer = common.adam(learning_rate, net.trainable_variables)
        self.theta = tf.Variable(0.0)
        self.start = common.snapshot(net.trainable_variables + self.optimizer.variables)
        self.loop = common.compiled_loop(self.step)

    def step(self, i):
        k_real, k_fake, k_mix = tf.unstack(
            tf.random.experimental.stateless_split(common.key(self.seed, i), 3))
        real, fake = lines(k_real, BATCH, 0.0), lines(k_fake, BATCH, self.theta)
        with tf.GradientTape() as tape:
            loss = self.loss(real, fake, k_mix)
        variables = self.net.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def fit(self, theta, steps):
        common.restore(self.net.trainable_variables + self.optimizer.variables, self.start)
        self.theta.assign(theta)
        self.loop(0, steps)

    def generator_gradient(self, theta):
        """d/dθ of the generator's loss at the trained net, on a large fixed batch."""
        theta = tf.constant(theta, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(theta)
            loss = self.generator_loss(self.net(lines(common.key(self.seed, -1), EVAL_BATCH,
                                                      theta)))
        return float(tape.gradient(loss, theta))


def gan_estimator(seed):
    """The maxout D on the zoo's D loss; JS estimate (log 4 − d_loss) / 2."""
    common.seed_everything(seed)
    net = gan_lib.maxout_discriminator(common.gan_toy_config(d_units=(64, 64)))
    d_loss, _ = losses.get("non_saturating")
    _, g_minimax = losses.get("minimax")
    # A constant rate: with disjoint supports D's optimum is at infinite
    # logits, and D keeps heading there as long as it trains.
    return Estimator(net, lambda real, fake, k: d_loss(net(real), net(fake)), g_minimax, seed,
                     1e-3)


def critic_estimator(seed, steps):
    """The WGAN-GP toy critic with its model's gradient penalty (λ = 10)."""
    common.seed_everything(seed)
    model = common.create(common.wgan_gp_toy_config(dim=128, gp_weight=10.0), seed)
    net = model.critic

    def loss(real, fake, k):
        eps = tf.random.stateless_uniform([BATCH, 1], k)
        penalty = model.gradient_penalty(eps * real + (1 - eps) * fake)
        return model.d_loss_fn(net(real), net(fake)) + model.config.gp_weight * penalty
    # Cosine decay to 5% (restored with the slots at each θ): the critic's
    # optimum is finite, and the last steps settle on it instead of jittering.
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.05)
    return Estimator(net, loss, model.g_loss_fn, seed, schedule)


def estimates(gan, critic, theta, steps, seed):
    gan.fit(theta, steps)
    critic.fit(theta, steps)
    real = lines(common.key(seed, -2), EVAL_BATCH, 0.0)
    fake = lines(common.key(seed, -3), EVAL_BATCH, theta)
    d_loss = float(losses.get("non_saturating")[0](gan.net(real), gan.net(fake)))
    return dict(theta=theta, js_estimate=(common.LOG4 - d_loss) / 2,
                w1_estimate=float(tf.reduce_mean(critic.net(real)) - tf.reduce_mean(critic.net(fake))),
                gan_generator_gradient=gan.generator_gradient(theta),
                critic_generator_gradient=critic.generator_gradient(theta))


def run(out_dir, size="full", seed=0):
    thetas = common.pick(size, [round(t, 2) for t in np.linspace(-1, 1, 21)], [-1.0, 0.0, 0.5])
    steps = common.pick(size, 600, 300)
    gan, critic = gan_estimator(seed), critic_estimator(seed, steps)
    rows = []
    for theta in thetas:
        row = dict(closed_forms(theta), **estimates(gan, critic, theta, steps, seed))
        rows.append(row)
    numbers = dict(steps=steps, batch=BATCH, log2=math.log(2), rows=rows)
    return common.finish(out_dir, NAME, plot(rows), numbers, size, seed)


def plot(rows):
    fig, axes = common.figure(3, width=3.8)
    dense = np.linspace(-1, 1, 201)
    forms = [closed_forms(float(t)) for t in dense]
    theta = [r["theta"] for r in rows]
    ax = axes[0, 0]
    ax.plot(dense, [f["tv"] for f in forms], "C0", label="TV")
    ax.plot(dense, [min(f["kl"], 1.6) for f in forms], "C1", label="KL (∞ off θ = 0, drawn at 1.6)")
    ax.plot(dense, [f["js"] for f in forms], "C2", label="JS")
    ax.plot(dense, [f["w1"] for f in forms], "k", label="W1 = |θ|")
    ax.set_xlabel("θ")
    ax.set_title("closed forms (zoo.metrics)", fontsize=8)
    ax.legend(fontsize=6)
    ax = axes[0, 1]
    ax.plot(dense, [f["js"] for f in forms], "C2", label="JS closed form")
    ax.plot(theta, [r["js_estimate"] for r in rows], "C2o", mfc="none",
            label="trained GAN D: (V + log 4)/2")
    ax.plot(dense, [f["w1"] for f in forms], "k", label="W1 closed form")
    ax.plot(theta, [r["w1_estimate"] for r in rows], "ks", mfc="none",
            label="WGAN-GP critic: E f(P0) − E f(Pθ)")
    ax.set_xlabel("θ")
    ax.set_title("what trained networks estimate", fontsize=8)
    ax.legend(fontsize=6)
    ax = axes[0, 2]
    ax.plot(theta, [abs(r["gan_generator_gradient"]) for r in rows], "C2o-",
            label="GAN: |d/dθ E log(1 − D)|")
    ax.plot(theta, [abs(r["critic_generator_gradient"]) for r in rows], "ks-",
            label="WGAN-GP: |d/dθ (−E f)|")
    ax.set_yscale("log")
    ax.set_xlabel("θ")
    ax.set_title("the generator's gradient in θ", fontsize=8)
    ax.legend(fontsize=6)
    return fig
