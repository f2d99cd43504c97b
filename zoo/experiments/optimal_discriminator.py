"""1. The optimal discriminator (Goodfellow et al. 2014, Prop. 1 and Thm. 1).

For a fixed generator distribution q, the discriminator maximising
V(D, G) = E_p[log D(x)] + E_q[log(1 − D(x))] is D*(x) = p(x) / (p(x) + q(x)),
and there V(D*, G) = −log 4 + 2·JS(p ‖ q) (−log 4 exactly when q = p).

The zoo's discriminator is trained with the zoo's discriminator loss
(zoo.losses "non_saturating": BCE(D(x), 1) + BCE(D(G(z)), 0) = −V) on fresh
samples of two distributions whose densities are known, then compared on a
grid with D* (zoo.metrics.optimal_discriminator) and its value with the closed
form (zoo.metrics.gan_value, gan_value_at_optimum on the grid's masses).

Networks: in 2-D, the original GAN's maxout discriminator (zoo.models.gan,
`gan_toy_config`); its builder takes a dataset's 2-D or image shape, so the
1-D discriminator is the same stack built from the zoo's `Maxout` layer:
two maxout layers of 32 units × 5 pieces, U(±0.005) weights (mnist.yaml's
irange), a linear logit. Adam (not the GAN's SGD): what is tested is the
optimum, not the optimizer's path to it.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo import losses, metrics
from zoo.experiments import common
from zoo.models import gan as gan_lib
from zoo.models.layers import Maxout

NAME = "optimal_discriminator"
BATCH = 512
# The gap D − D* is measured where the mixture (p + q)/2 has at least this share
# of its peak density: elsewhere few samples ever fall, and D is not determined.
REGION_SHARE = 0.05


class Mixture:
    """An isotropic Gaussian mixture with equal weights, known in closed form:
    its density on a numpy grid (float64) and stateless samples (TensorFlow)."""

    def __init__(self, means, std, label):
        self.means = np.atleast_2d(np.asarray(means, np.float64))
        self.std, self.label = float(std), label

    @property
    def dim(self):
        return self.means.shape[1]

    def density(self, x):
        """x: (n, d) → (n,) density."""
        squared = ((x[:, None, :] - self.means[None]) ** 2).sum(axis=2)
        norm = (2 * math.pi * self.std ** 2) ** (self.dim / 2)
        return np.exp(-squared / (2 * self.std ** 2)).mean(axis=1) / norm

    def sample(self, k, n):
        k_mode, k_noise = tf.unstack(tf.random.experimental.stateless_split(k, 2))
        modes = tf.random.stateless_uniform([n], k_mode, 0, len(self.means), tf.int32)
        centres = tf.gather(tf.constant(self.means, tf.float32), modes)
        return centres + self.std * tf.random.stateless_normal([n, self.dim], k_noise)


def normal(mean, std):
    return Mixture([[mean]], std, f"N({mean:g}, {std:g}²)")


def pairs_1d():
    return [(normal(0.0, 1.0), normal(1.5, 0.5)),
            (Mixture([[-2.0], [2.0]], 0.5, "½N(−2, ½²) + ½N(2, ½²)"), normal(0.0, 1.2))]


def pair_2d():
    # The 8gaussians layout (zoo.metrics.toy_mixture_modes), modes widened to
    # σ 0.15 so that D* changes over a scale a small net resolves in minutes.
    centres, _ = metrics.toy_mixture_modes("8gaussians")
    return Mixture(centres, 0.15, "8 modes, σ 0.15"), Mixture([[0.0, 0.0]], 0.7, "N(0, 0.7² I)")


def discriminator_1d():
    """The maxout discriminator's stack on 1-D input (see the module docstring)."""
    uniform = keras.initializers.RandomUniform(-0.005, 0.005)
    return keras.Sequential([keras.Input((1,)), Maxout(32, 5, 0.005), Maxout(32, 5, 0.005),
                             keras.layers.Dense(1, kernel_initializer=uniform)],
                            name="discriminator_1d")


def discriminator_2d():
    return gan_lib.maxout_discriminator(common.gan_toy_config(d_units=(64, 64)))


def train(p, q, steps, seed):
    """The zoo's discriminator for p.dim, trained `steps` Adam steps on fresh
    batches of p (label 1) and q (label 0) with the zoo's D loss."""
    common.seed_everything(seed)
    net = discriminator_1d() if p.dim == 1 else discriminator_2d()
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.1)
    optimizer = common.adam(schedule, net.trainable_variables, beta_1=0.9, beta_2=0.999)
    d_loss_fn, _ = losses.get("non_saturating")

    def step(i):
        k_p, k_q = tf.unstack(tf.random.experimental.stateless_split(common.key(seed, i), 2))
        real, fake = p.sample(k_p, BATCH), q.sample(k_q, BATCH)
        with tf.GradientTape() as tape:
            loss = d_loss_fn(net(real), net(fake))  # = −V(D, G) on the batch
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))
        return loss

    common.compiled_loop(step)(0, steps)
    return net


def grid_1d(p, q, points=3201):
    means = np.concatenate([p.means[:, 0], q.means[:, 0]])
    stds = max(p.std, q.std)
    return np.linspace(means.min() - 6 * stds, means.max() + 6 * stds, points)[:, None]


def grid_2d(points=101, extent=2.5):
    axis = np.linspace(-extent, extent, points)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def compare(net, p, q, grid):
    """D and D* on the grid, the gap where the densities live, and V against
    the closed form. On a grid of masses V(D) ≤ C(G) = max_D V holds for any D."""
    dens_p, dens_q = p.density(grid), q.density(grid)
    d = common.sigmoid64(net(grid.astype(np.float32)).numpy()[:, 0])
    d_star = metrics.optimal_discriminator(dens_p, dens_q)
    mixture = 0.5 * (dens_p / dens_p.sum() + dens_q / dens_q.sum())
    region = mixture >= REGION_SHARE * mixture.max()
    gap = np.abs(d - d_star)
    js = metrics.js_divergence(dens_p, dens_q)
    return dict(d=d, d_star=d_star, dens_p=dens_p, dens_q=dens_q,
                max_gap=float(gap[region].max()), mean_gap=float((gap * mixture).sum()),
                value=metrics.gan_value(dens_p, dens_q, d),
                value_closed_form=-common.LOG4 + 2.0 * js, js=js)


def summary(result, p, q):
    keys = ("max_gap", "mean_gap", "value", "value_closed_form", "js")
    return dict({k: result[k] for k in keys}, p=p.label, q=q.label,
                value_gap=result["value_closed_form"] - result["value"])


def run(out_dir, size="full", seed=0):
    steps = common.pick(size, 3000, 600)
    shifts = common.pick(size, [0.0, 0.5, 1.0, 2.0, 4.0], [0.0, 2.0])
    pairs, panels = [], []
    for p, q in common.pick(size, pairs_1d(), pairs_1d()[:1]):
        result = compare(train(p, q, steps, seed), p, q, grid_1d(p, q))
        pairs.append(summary(result, p, q))
        panels.append((p, q, result))
    numbers = dict(steps=steps, batch=BATCH, region_share=REGION_SHARE, pairs_1d=pairs)
    if size == "full":
        p, q = pair_2d()
        grid = grid_2d()
        result_2d = compare(train(p, q, steps, seed), p, q, grid)
        numbers["pair_2d"] = summary(result_2d, p, q)
    sweep = []
    p = normal(0.0, 1.0)
    for shift in shifts:
        q = normal(shift, 1.0)
        result = compare(train(p, q, steps, seed), p, q, grid_1d(p, normal(4.0, 1.0)))
        sweep.append(dict(summary(result, p, q), shift=shift))
    numbers["value_sweep"] = sweep
    numbers["minus_log4"] = -common.LOG4
    fig = plot(panels, result_2d if size == "full" else None, sweep)
    return common.finish(out_dir, NAME, fig, numbers, size, seed)


# ---- figure -------------------------------------------------------------------

def plot(panels, result_2d, sweep):
    columns = len(panels) + (2 if result_2d else 0) + 1
    fig, axes = common.figure(columns)
    axes = axes[0]
    for ax, (p, q, r) in zip(axes, panels):
        grid = grid_1d(p, q)[:, 0]
        scale = max(r["dens_p"].max(), r["dens_q"].max())
        ax.fill_between(grid, r["dens_p"] / scale, color="C0", alpha=0.2, label="p (scaled)")
        ax.fill_between(grid, r["dens_q"] / scale, color="C1", alpha=0.2, label="q (scaled)")
        ax.plot(grid, r["d_star"], "k", lw=2, label="D* = p/(p+q)")
        ax.plot(grid, r["d"], "C3--", lw=1.5, label="trained D")
        ax.set_title(f"p = {p.label}\nq = {q.label}: max gap {r['max_gap']:.3f}", fontsize=8)
        ax.set_xlim(grid[0] + 2, grid[-1] - 2)
        ax.legend(fontsize=6, loc="upper left")
    if result_2d:
        side = int(round(math.sqrt(result_2d["d"].size)))
        for ax, key, title in ((axes[len(panels)], "d", "trained D (2-D)"),
                               (axes[len(panels) + 1], "d_star", "D* = p/(p+q) (2-D)")):
            ax.imshow(result_2d[key].reshape(side, side), origin="lower", extent=[-2.5, 2.5] * 2,
                      vmin=0, vmax=1, cmap="RdBu_r")
            ax.set_title(f"{title}\nmax gap {result_2d['max_gap']:.3f}", fontsize=8)
    ax = axes[-1]
    shifts = np.linspace(0, 4.5, 37)
    p, grid = normal(0.0, 1.0), grid_1d(normal(0.0, 1.0), normal(4.5, 1.0))
    closed = [metrics.gan_value_at_optimum(p.density(grid), normal(s, 1.0).density(grid))
              for s in shifts]
    ax.plot(shifts, closed, "k", label="−log 4 + 2·JS(p‖q)")
    ax.plot([s["shift"] for s in sweep], [s["value"] for s in sweep], "C3o", label="V(trained D, G)")
    ax.axhline(-common.LOG4, color="gray", ls=":", label="−log 4")
    ax.set_xlabel("μ: q = N(μ, 1), p = N(0, 1)")
    ax.set_title("value at the optimum", fontsize=8)
    ax.legend(fontsize=6)
    return fig
