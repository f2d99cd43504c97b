"""The 2-D toy sets, generated as in the WGAN-GP code (gan_toy.py): 8gaussians
and swissroll sampled anew per batch, keyed by (seed, batch index);
25gaussians a fixed array walked in order."""

import numpy as np
import tensorflow as tf

from zoo import datasets

TOY_DATASETS = datasets.names(toy=True)

_8G_CENTERS = 2.0 * np.array(
    [(1, 0), (-1, 0), (0, 1), (0, -1)] +
    [(sx / np.sqrt(2), sy / np.sqrt(2)) for sx, sy in [(1, 1), (1, -1), (-1, 1), (-1, -1)]],
    dtype=np.float32)


def _seed_for(seed, batch_index):
    return tf.random.experimental.stateless_fold_in(
        tf.constant([seed, 0], tf.int64), batch_index)


def eight_gaussians(seed, batch_index, n):
    # A uniformly chosen centre on the radius-2 circle, N(0, 0.02^2) noise, / 1.414.
    s1, s2 = tf.unstack(tf.random.experimental.stateless_split(_seed_for(seed, batch_index), 2))
    centres = tf.gather(_8G_CENTERS, tf.random.stateless_uniform([n], s1, 0, 8, tf.int32))
    return (centres + 0.02 * tf.random.stateless_normal([n, 2], s2)) / 1.414


def swiss_roll(seed, batch_index, n):
    # scikit-learn's make_swiss_roll(noise=0.25): t = 1.5π(1 + 2u), points
    # (t cos t, 21 v, t sin t) + 0.25 N(0, I); the code keeps (x, z) and / 7.5.
    s1, s2 = tf.unstack(tf.random.experimental.stateless_split(_seed_for(seed, batch_index), 2))
    t = 1.5 * np.pi * (1 + 2 * tf.random.stateless_uniform([n], s1))
    points = tf.stack([t * tf.cos(t), t * tf.sin(t)], axis=1)
    return (points + 0.25 * tf.random.stateless_normal([n, 2], s2)) / 7.5


def twentyfive_gaussians_array(seed):
    """The code's fixed set: 4,000 points per centre of a 5×5 grid over −4..4,
    N(0, 0.05²) noise, shuffled once, / 2.828. The code then walks it in
    order, epoch after epoch, dropping each epoch's last partial batch."""
    rng = np.random.default_rng(seed)
    grid = np.array([(2 * i, 2 * j) for i in range(-2, 3) for j in range(-2, 3)], np.float32)
    points = np.repeat(grid, 4000, axis=0) + 0.05 * rng.standard_normal((100000, 2))
    return (rng.permutation(points) / 2.828).astype(np.float32)


SAMPLERS = {"8gaussians": eight_gaussians, "swissroll": swiss_roll}
