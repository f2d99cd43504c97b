"""6. WGAN-GP's Figure 1 (Gulrajani et al. 2017, §3): weight clipping against
the gradient penalty.

(a) Value surfaces: a critic trained against a fixed "generator", the real
    data plus N(0, I) noise (as gan_toy.py's FIXED_GENERATOR), on each toy set
    of zoo.data, once with weight clipping (WGAN's MLP critic, clip 0.01,
    RMSProp 5e-5: zoo.models.wgan) and once with the gradient penalty
    (WGAN-GP's toy critic, λ 0.1, Adam 1e-4: zoo.models.wgan_gp). The paper:
    clipped critics are too simple to follow the data; penalised ones are not.
(b) Exploding and vanishing gradients: deep critics (12 dense layers of 512
    ReLU units, WGAN's MLP builder) on the Swiss roll, with clipping at
    c ∈ {0.1, 0.01, 0.001} and, unclipped, with the penalty (λ 10, the paper's,
    Adam 1e-4 β 0.5/0.9); then the norm of the gradient of the critic loss
    E f(fake) − E f(real) with respect to each layer's input activations, from
    the output back to the data. The paper: with clipping it grows (c = 0.1)
    or decays (c ≤ 0.01) geometrically towards the input; with the penalty it
    stays level, and ‖∇_x f‖ at the penalty's points is near 1.
(c) The share of clipped critics' weights sitting at ±c after training,
    and the weight histograms (the paper: clipping pushes weights to ±c).

Deviations, to fit minutes on a CPU: critics 128 wide in (a) (the code: 512);
in (b) a fixed generator as in (a) where the paper trains a 12-layer
generator too, and RMSProp at 1e-3 for the clipped deep critics (20× WGAN's
5e-5) so that their weights reach the bounds within a few hundred steps.
"""

import keras
import numpy as np
import tensorflow as tf

from zoo import losses
from zoo.experiments import common
from zoo.models import wgan as wgan_lib
from zoo.models.layers import Clip, apply_constraints
from zoo.models.wgan_gp import gradient_penalty

NAME = "wgan_gp_figure1"
TOY_SETS = ("8gaussians", "25gaussians", "swissroll")
CLIPS = (0.1, 0.01, 0.001)
DEEP_LAYERS = 12
EXTENT = 2.0


def fixed_fake(real, k):
    """The fixed generator: real data plus N(0, I) noise."""
    return real + tf.random.stateless_normal(tf.shape(real), k)


class CriticTrainer:
    """A critic trained on pre-drawn real batches against the fixed generator,
    with the zoo's Wasserstein loss plus gp_weight × WGAN-GP's gradient
    penalty (none under clipping: gp_weight 0)."""

    def __init__(self, net, optimizer, reals, seed, gp_weight=0.0):
        self.net, self.optimizer, self.reals, self.seed = net, optimizer, reals, seed
        self.gp_weight = gp_weight
        self.d_loss_fn, _ = losses.get("wasserstein")
        optimizer.build(net.trainable_variables)
        common.compiled_loop(self.step)(0, int(reals.shape[0]))

    def step(self, i):
        k_fake, k_mix = tf.unstack(tf.random.experimental.stateless_split(common.key(self.seed, i), 2))
        real = self.reals[i]
        fake = fixed_fake(real, k_fake)
        with tf.GradientTape() as tape:
            loss = self.d_loss_fn(self.net(real), self.net(fake))
            if self.gp_weight:
                eps = tf.random.stateless_uniform([tf.shape(real)[0], 1], k_mix)
                loss += self.gp_weight * gradient_penalty(self.net, eps * real + (1 - eps) * fake)
        variables = self.net.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss


# ---- (a) value surfaces ---------------------------------------------------------------

def surface_critics(dataset, steps, seed):
    """{'clipping': net, 'penalty': net}, trained against the fixed generator."""
    reals = common.real_batches(dataset, steps, 256, seed)
    clipped = common.create(common.wgan_toy_config(dataset, dim=128), seed)
    penalised = common.create(common.wgan_gp_toy_config(dataset, dim=128), seed)
    CriticTrainer(clipped.critic, clipped.d_optimizer, reals, seed)
    CriticTrainer(penalised.critic, penalised.d_optimizer, reals, seed,
                  gp_weight=penalised.config.gp_weight)
    return {"clipping": clipped.critic, "penalty": penalised.critic}, reals[-1].numpy()


def surface(net, points=81):
    axis = np.linspace(-EXTENT, EXTENT, points, dtype=np.float32)
    xx, yy = np.meshgrid(axis, axis)
    values = net(np.stack([xx.ravel(), yy.ravel()], axis=1)).numpy().reshape(points, points)
    return axis, values


# ---- (b) deep critics --------------------------------------------------------------

def deep_critic(clip, width):
    """WGAN's MLP builder (zoo.models.wgan.mlp), DEEP_LAYERS dense layers of
    `width`, clipped at `clip` (None: unclipped), with a linear output."""
    config = common.wgan_toy_config("swissroll", dim=width, mlp_layers=DEEP_LAYERS - 1)
    net = wgan_lib.mlp(config, 2, 1, "deep_critic", clip=Clip(clip) if clip else None)
    apply_constraints(net)
    return net


def layer_gradient_norms(net, real, fake):
    """‖∂(E f(fake) − E f(real)) / ∂h_l‖ for h_l the input of dense layer l,
    l = 1 (the data) … DEEP_LAYERS (the last hidden layer's output)."""
    x = tf.concat([real, fake], axis=0)
    n = real.shape[0]
    with tf.GradientTape() as tape:
        h, inputs = x, []
        for layer in net.layers:
            if isinstance(layer, keras.layers.Dense):
                tape.watch(h)
                inputs.append(h)
            h = layer(h)
        loss = tf.reduce_mean(h[n:]) - tf.reduce_mean(h[:n])
    return [float(tf.norm(g)) for g in tape.gradient(loss, inputs)]


def input_gradient_norm(net, real, fake, k):
    """Mean ‖∇_x f(x̂)‖ at the penalty's points x̂ between real and fake."""
    eps = tf.random.stateless_uniform([real.shape[0], 1], k)
    x_hat = eps * real + (1 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        out = net(x_hat)
    return float(tf.reduce_mean(tf.norm(tape.gradient(out, x_hat), axis=1)))


def share_at_bounds(net, clip):
    """Share of all trainable weights at exactly ±c (the clip's float32 value)."""
    values = np.concatenate([v.numpy().ravel() for v in net.trainable_variables])
    return float(np.mean(np.abs(values) >= np.float32(clip)))


def deep_critics(steps, width, batch, seed):
    reals = common.real_batches("swissroll", steps + 1, batch, seed)
    results, nets = {}, {}
    for clip in (*CLIPS, None):
        common.seed_everything(seed)
        net = deep_critic(clip, width)
        if clip:
            optimizer = keras.optimizers.RMSprop(1e-3, rho=0.99, epsilon=1e-16)
            CriticTrainer(net, optimizer, reals[:steps], seed)
        else:  # WGAN-GP's penalty at the paper's λ = 10
            CriticTrainer(net, common.adam(1e-4, net.trainable_variables), reals[:steps], seed,
                          gp_weight=10.0)
        real = reals[-1]
        fake = fixed_fake(real, common.key(seed, -1))
        norms = layer_gradient_norms(net, real, fake)
        name = f"clip {clip:g}" if clip else "penalty"
        results[name] = dict(layer_gradient_norms=norms,
                             input_over_output=norms[0] / norms[-1],
                             input_gradient_norm=input_gradient_norm(net, real, fake,
                                                                     common.key(seed, -2)),
                             share_at_bounds=share_at_bounds(net, clip) if clip else None)
        nets[name] = net
    return results, nets


# ---- the run ---------------------------------------------------------------------

def run(out_dir, size="full", seed=0):
    surface_sets = common.pick(size, TOY_SETS, ())
    surface_steps = common.pick(size, 1000, 0)
    # The test's deep critics are half as wide: clipping's per-layer gain
    # (weights at ±c) still puts c = 0.1 above 1 and c ≤ 0.01 below it.
    deep_steps, width, batch = common.pick(size, (500, 512, 64), (100, 256, 32))
    surfaces, numbers = {}, dict(surface_steps=surface_steps, deep_steps=deep_steps,
                                 deep_layers=DEEP_LAYERS, deep_width=width, deep_batch=batch)
    shares = {}
    for dataset in surface_sets:
        common.seed_everything(seed)
        nets, real = surface_critics(dataset, surface_steps, seed)
        surfaces[dataset] = ({k: surface(v) for k, v in nets.items()}, real)
        shares[dataset] = share_at_bounds(nets["clipping"], 0.01)
    numbers["surface_share_at_bounds"] = shares
    numbers["deep"], nets = deep_critics(deep_steps, width, batch, seed)
    return common.finish(out_dir, NAME, plot(surfaces, numbers["deep"], nets), numbers, size,
                         seed)


def plot(surfaces, deep, nets):
    columns = max(len(surfaces), 2)
    fig, axes = common.figure(columns, rows=3 if surfaces else 1, width=3.3, height=3.0)
    for col, (dataset, (maps, real)) in enumerate(surfaces.items()):
        for row, kind in enumerate(("clipping", "penalty")):
            ax = axes[row, col]
            axis, values = maps[kind]
            ax.contourf(axis, axis, values, levels=20, cmap="viridis")
            ax.scatter(*real[:200].T, s=1, c="orange")
            ax.set_aspect("equal")
            ax.set_title(f"{dataset}: {'weight clipping (c 0.01)' if kind == 'clipping' else 'gradient penalty'}",
                         fontsize=8)
    ax = axes[-1, 0]
    for (name, result), style in zip(deep.items(), ("C3o-", "C1s-", "C0^-", "C2D-")):
        norms = result["layer_gradient_norms"]
        ax.plot(range(1, len(norms) + 1), norms, style, ms=3, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = the data's side)")
    ax.set_ylabel("‖∂ critic loss / ∂ activations‖")
    ax.set_title(f"{DEEP_LAYERS}-layer critics ({len(norms)} layer inputs), Swiss roll", fontsize=8)
    ax.legend(fontsize=6)
    ax = axes[-1, 1]
    for name, style in (("clip 0.01", "C1"), ("penalty", "C2")):
        values = np.concatenate([v.numpy().ravel() for v in nets[name].trainable_variables
                                 if len(v.shape) == 2])
        ax.hist(values, bins=60, range=(-0.06, 0.06), color=style, alpha=0.6, label=name,
                density=True)
    share = deep["clip 0.01"]["share_at_bounds"]
    ax.set_title(f"deep critic weights (clip 0.01: {share:.0%} at ±c)", fontsize=8)
    ax.legend(fontsize=6)
    for ax in axes[-1, 2:]:
        ax.axis("off")
    return fig
