"""3. Vanishing gradients (Arjovsky & Bottou 2017, §2.2, Figures 2 and 3).

A generator is held fixed and a discriminator is trained more and more
against it; after each stretch of training, the norm of the generator's
gradient (with respect to its weights, on a fixed batch of 4,096 noise
vectors) is measured under
- the saturating loss of the minimax game, E log(1 − D(G(z))) (zoo.losses
  "minimax"): its gradient is −D(G(z))·∇ logit, so as D learns to reject the
  fakes (D(G(z)) → 0) it vanishes — Arjovsky & Bottou's Theorem 2.4;
- the non-saturating −E log D(G(z)) ("non_saturating"), whose gradient
  (1 − D(G(z)))·∇ logit does not vanish (their Theorem 2.6: it grows and its
  variance with it);
- the WGAN critic's −E f(G(z)) ("wasserstein"), for a critic trained with
  weight clipping (zoo.models.wgan, RMSProp 5e-5 as the paper) and one
  trained with the gradient penalty (zoo.models.wgan_gp, Adam 1e-4).

Networks and data: 8gaussians from zoo.data; two fixed generators (see
`generators`), one whose samples are apart from the data (the theorem's
premise: a perfect discriminator exists) and one whose samples overlap it;
the original GAN's maxout discriminator (`gan_toy_config`, 64 units ×
5 pieces) trained with the zoo's D loss and Adam 1e-3, β1 0.5 (DCGAN's β1;
a larger rate than DCGAN's 2e-4, to reach the saturated regime in a few
thousand steps); the critics of zoo.models.wgan (MLP, clip 0.01) and
zoo.models.wgan_gp (toy MLP, λ 0.1 as gan_toy.py) with their own
optimizers. The paper's generators are DCGANs trained 1, 10 and 25 epochs on
LSUN; these are 2-D toy generators (deviation), which keeps the run within
a minute or two on a CPU.
"""

import keras
import numpy as np
import tensorflow as tf

from zoo import losses
from zoo.experiments import common
from zoo.models import gan as gan_lib

NAME = "vanishing_gradients"
BATCH = 256
EVAL_NOISE = 4096


def checkpoints(total):
    """Steps after which the gradient is measured: 0, then about 4 per decade."""
    marks = {0, total}
    for decade in range(5):
        for m in (1, 2, 3, 5):
            if m * 10 ** decade <= total:
                marks.add(m * 10 ** decade)
    return sorted(marks)


class Trainer:
    """A discriminator or critic, its loss and optimizer, trained step by step
    against the fixed generator on the pre-drawn real batches."""

    def __init__(self, net, loss, optimizer, generator, reals, seed):
        self.net, self.loss, self.optimizer = net, loss, optimizer
        self.generator, self.reals, self.seed = generator, reals, seed
        optimizer.build(net.trainable_variables)
        self.loop = common.compiled_loop(self.step)

    def step(self, i):
        k_z, k_mix = tf.unstack(tf.random.experimental.stateless_split(common.key(self.seed, i), 2))
        fake = self.generator(tf.random.stateless_normal([BATCH, 2], k_z))
        with tf.GradientTape() as tape:
            loss = self.loss(self.reals[i], fake, k_mix)
        variables = self.net.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def generator_gradient_norm(self, generator_loss, z):
        with tf.GradientTape() as tape:
            loss = generator_loss(self.net(self.generator(z)))
        return common.global_norm(tape.gradient(loss, self.generator.trainable_variables))


def gan_trainer(generator, reals, seed):
    net = gan_lib.maxout_discriminator(common.gan_toy_config(d_units=(64, 64)))
    d_loss, _ = losses.get("non_saturating")
    return Trainer(net, lambda real, fake, k: d_loss(net(real), net(fake)),
                   keras.optimizers.Adam(1e-3, beta_1=0.5), generator, reals, seed)


def wgan_trainer(generator, reals, seed):
    model = common.create(common.wgan_toy_config(dim=128), seed)  # clipped at creation
    net = model.critic
    return Trainer(net, lambda real, fake, k: model.d_loss_fn(net(real), net(fake)),
                   model.d_optimizer, generator, reals, seed)


def wgan_gp_trainer(generator, reals, seed):
    model = common.create(common.wgan_gp_toy_config(dim=128), seed)
    net = model.critic

    def loss(real, fake, k):
        eps = tf.random.stateless_uniform([BATCH, 1], k)
        penalty = model.gradient_penalty(eps * real + (1 - eps) * fake)
        return model.d_loss_fn(net(real), net(fake)) + model.config.gp_weight * penalty
    return Trainer(net, loss, model.d_optimizer, generator, reals, seed)


def curves(trainer, generator_losses, marks, z):
    """{loss name: [gradient norm after each mark]} as the trainer trains."""
    norms = {name: [] for name in generator_losses}
    done = 0
    for mark in marks:
        if mark > done:
            trainer.loop(done, mark - done)
            done = mark
        for name, loss in generator_losses.items():
            norms[name].append(trainer.generator_gradient_norm(loss, z))
    return norms


def generators(size, seed):
    """The fixed generators, untrained and seeded. "disjoint": the original
    GAN's toy generator, whose U(±0.05) weights (mnist.yaml's irange) put
    every sample within 0.01 of the origin, 1.41 from the data's modes (each
    σ 0.014): supports as good as disjoint, as Theorem 2.4 assumes.
    "overlapping" (full size only): the WGAN-GP toy generator, whose samples
    spread over the data's modes, so no discriminator can be perfect."""
    gens = {"disjoint": common.create(common.gan_toy_config(dim=128), seed).generator}
    if size == "full":
        gens["overlapping"] = common.create(common.wgan_gp_toy_config(dim=128), seed).generator
    return gens


def run(out_dir, size="full", seed=0):
    steps = common.pick(size, 3000, 800)
    marks = checkpoints(steps)
    common.seed_everything(seed)
    reals = common.real_batches("8gaussians", steps, BATCH, seed)
    z = tf.random.stateless_normal([EVAL_NOISE, 2], common.key(seed, -1))
    g_losses = {name: losses.get(name)[1] for name in ("minimax", "non_saturating")}
    wasserstein = {"wasserstein": losses.get("wasserstein")[1]}
    critics = common.pick(size, (wgan_trainer, wgan_gp_trainer), (wgan_gp_trainer,))
    results = {}
    for gen_name, generator in generators(size, seed).items():
        results[gen_name] = dict(gan=curves(gan_trainer(generator, reals, seed), g_losses, marks, z))
        for make in critics:
            results[gen_name][make.__name__[:-len("_trainer")]] = curves(
                make(generator, reals, seed), wasserstein, marks, z)
    numbers = dict(steps=steps, marks=marks, gradient_norms=results,
                   decay={g: summaries(r) for g, r in results.items()})
    return common.finish(out_dir, NAME, plot(marks, results), numbers, size, seed)


def summaries(results):
    """Per curve: its peak, its last value and peak / last (how far it fell)."""
    out = {}
    for model, curves_ in results.items():
        for name, values in curves_.items():
            peak, last = max(values), values[-1]
            out[f"{model}/{name}"] = dict(peak=peak, last=last,
                                          peak_over_last=peak / last if last > 0 else float("inf"))
    return out


def plot(marks, results):
    fig, axes = common.figure(len(results), width=4.6, height=3.6)
    x = np.maximum(marks, 0.5)  # step 0 drawn at ½ on the log axis
    styles = {("gan", "minimax"): ("C3o-", "GAN D, saturating log(1 − D(G(z)))"),
              ("gan", "non_saturating"): ("C0s-", "GAN D, non-saturating −log D(G(z))"),
              ("wgan", "wasserstein"): ("k^-", "WGAN critic (clip 0.01), −f(G(z))"),
              ("wgan_gp", "wasserstein"): ("C2v-", "WGAN-GP critic, −f(G(z))")}
    for ax, (gen_name, curves_) in zip(axes[0], results.items()):
        for (model, name), (style, label) in styles.items():
            if model in curves_:
                ax.plot(x, curves_[model][name], style, ms=3, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("D / critic steps against the fixed G (step 0 at ½)")
        ax.set_ylabel("‖∇_θG generator loss‖")
        ax.set_title(f"fixed G, supports {gen_name}", fontsize=8)
        ax.legend(fontsize=6)
    return fig
