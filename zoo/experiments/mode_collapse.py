"""5. Mode collapse: the original GAN, WGAN and WGAN-GP on 8 and 25 Gaussians.

Each model is the zoo's own (its train_step, loss and paper optimizer) on the
toy sets of zoo.data, with the same budget: the same generator steps, batch
256, 2-d N(0, I) noise and networks of the same width (`dim` units a layer):
- gan: the original GAN (`common.gan_toy_config`: ReLU G, maxout D, momentum
  SGD lr 0.1 with the code's decay, the code's simultaneous update);
- wgan: WGAN with the code's MLPs (clip 0.01, RMSProp 5e-5, 5 critic steps
  a generator step, 100 for the first 25 and every 500th);
- wgan_gp: WGAN-GP's toy config (gan_toy.py: Adam 1e-4, β 0.5/0.9, λ 0.1,
  5 critic steps a generator step).
At marks during training, 2,500 samples from the model's fixed noise bank
are scored with zoo.metrics.mode_statistics against the mixture's centres and
σ (zoo.metrics.toy_mixture_modes): a sample is high quality within 3σ of its
nearest centre, and a mode is covered when at least 20 high-quality samples
have it as nearest centre (PacGAN's rule for 2,500 samples); and the same
count within 0.3 of a centre (`LOOSE_STD`), as samples sharpen slowly.

Real data scored the same way gives the reference: for a 2-D Gaussian the
share within 3σ is 1 − exp(−4.5) = 0.9889.
"""

import math

import numpy as np
import tensorflow as tf

from zoo import data, metrics, training
from zoo.experiments import common

NAME = "mode_collapse"
SAMPLES = 2500
MIN_COUNT = 20
# The looser count: within 3 × 0.1 = 0.3 of a centre, under half the gap
# between neighbouring centres on both sets (0.54 and 0.35), so a sample still
# counts for one mode at most. It tells a collapsed G (one mode, however
# sharp) from one whose modes are there but not yet within the data's 3σ.
LOOSE_STD = 0.1
MODELS = ("gan", "wgan", "wgan_gp")
CONFIGS = {"gan": common.gan_toy_config, "wgan": common.wgan_toy_config,
           "wgan_gp": common.wgan_gp_toy_config}


def score(samples, dataset):
    centres, std = metrics.toy_mixture_modes(dataset)
    stats = metrics.mode_statistics(samples, centres, std, min_count=MIN_COUNT)
    loose = metrics.mode_statistics(samples, centres, LOOSE_STD, min_count=MIN_COUNT)
    return dict(modes_covered=stats["modes_covered"], num_modes=stats["num_modes"],
                high_quality_fraction=stats["high_quality_fraction"],
                modes_covered_loose=loose["modes_covered"],
                high_quality_fraction_loose=loose["high_quality_fraction"])


def real_samples(dataset, seed):
    return next(iter(data.load(dataset, batch_size=SAMPLES, seed=seed + 1))).numpy()


def marks(steps, count):
    return sorted({0, *np.linspace(0, steps, count + 1).astype(int).tolist()})


def train(model_name, dataset, steps, dim, seed, count):
    """Trains one model, scoring its samples at each mark; returns
    (scores per mark, samples at each mark)."""
    common.seed_everything(seed)
    model = common.create(CONFIGS[model_name](dataset, dim=dim), seed)
    step_fn = tf.function(model.train_step)
    scores, snapshots = [], []
    stream = iter(training.train_dataset(model))
    for mark in marks(steps, count):
        while int(model.step.numpy()) < mark:  # WGAN: calls inside a critic phase make no step
            step_fn(next(stream))
        samples = model.sample(SAMPLES, seed=seed).numpy()
        scores.append(dict(step=mark, **score(samples, dataset)))
        snapshots.append(samples)
    return scores, snapshots


def run(out_dir, size="full", seed=0):
    datasets = common.pick(size, ["8gaussians", "25gaussians"], ["8gaussians"])
    steps = common.pick(size, 1500, 2)
    dim = common.pick(size, 128, 16)
    count = common.pick(size, 10, 1)
    curves, pictures, reference = {}, {}, {}
    for dataset in datasets:
        reference[dataset] = score(real_samples(dataset, seed), dataset)
        curves[dataset], pictures[dataset] = {}, {}
        for name in MODELS:
            curves[dataset][name], pictures[dataset][name] = train(name, dataset, steps, dim,
                                                                   seed, count)
    numbers = dict(steps=steps, dim=dim, batch=256, samples=SAMPLES, min_count=MIN_COUNT,
                   real_data=reference, gaussian_3sigma_share=1 - math.exp(-4.5),
                   curves=curves,
                   final={d: {m: c[-1] for m, c in curves[d].items()} for d in datasets})
    return common.finish(out_dir, NAME, plot(curves, pictures), numbers, size, seed)


def plot(curves, pictures):
    fig, axes = common.figure(len(MODELS) + 1, rows=len(curves), width=2.9, height=2.8)
    for row, dataset in zip(axes, curves):
        centres, _ = metrics.toy_mixture_modes(dataset)
        for ax, name in zip(row, MODELS):
            shots = pictures[dataset][name]
            steps = [c["step"] for c in curves[dataset][name]]
            chosen = [len(shots) // 4, len(shots) // 2, len(shots) - 1]
            for index, color in zip(chosen, ("0.75", "C0", "C3")):
                ax.scatter(*shots[index][:1000].T, s=1, c=color, label=f"step {steps[index]}")
            ax.scatter(*centres.T, s=12, marker="x", c="k", lw=0.8)
            ax.set_xlim(-2.2, 2.2)
            ax.set_ylim(-2.2, 2.2)
            ax.set_aspect("equal")
            final = curves[dataset][name][-1]
            ax.set_title(f"{name}, {dataset}: {final['modes_covered']}/{final['num_modes']} modes",
                         fontsize=8)
            ax.legend(fontsize=5, markerscale=4, loc="lower right")
        ax = row[-1]
        for name, color, marker in zip(MODELS, ("C3", "k", "C2"), "o^s"):
            c = curves[dataset][name]
            steps = [x["step"] for x in c]
            ax.plot(steps, [x["modes_covered"] for x in c], color=color, marker=marker, ms=3,
                    label=f"{name}: within 3σ")
            ax.plot(steps, [x["modes_covered_loose"] for x in c], color=color, marker=marker,
                    ms=3, ls="--", mfc="none", label=f"{name}: within 0.3")
        ax.set_xlabel("generator step")
        ax.set_ylabel(f"modes with ≥ {MIN_COUNT} of {SAMPLES} samples")
        ax.set_ylim(-0.5, c[-1]["num_modes"] + 0.5)
        ax.legend(fontsize=5)
    return fig
