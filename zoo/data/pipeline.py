"""Seeded, resumable `tf.data` pipelines, and the real examples that
evaluation compares samples with.

Every pipeline is a pure function of (seed, batch index), so a run resumed at
batch k sees exactly the batches an uninterrupted run would have seen,
without replaying the first k."""

import numpy as np
import tensorflow as tf

from zoo import datasets
from zoo.data import formats, sources, toys

DATASETS = tuple(datasets.DATASETS)


def _index_batches(n, batch_size, seed, shuffle, skip_batches):
    """Endless batches of example indices, epoch by epoch as a training loop
    over the data takes them: epoch e is a permutation keyed by (seed, e)
    (or the stored order), cut into n // batch_size full batches, the rest
    dropped. Starts at batch `skip_batches` without materialising what it skips."""
    per_epoch = n // batch_size
    if per_epoch == 0:
        raise sources.DataRequestError(f"batch_size {batch_size} is larger than the {n} examples "
                                       "of the split; use a smaller batch size")
    first_epoch, offset = divmod(skip_batches, per_epoch)

    def epoch_batches(epoch):
        idx = tf.range(n, dtype=tf.int64)
        if shuffle:
            idx = tf.random.experimental.stateless_shuffle(
                idx, tf.stack([tf.constant(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(
            tf.reshape(idx[:per_epoch * batch_size], [per_epoch, batch_size]))

    epochs = tf.data.Dataset.range(first_epoch, np.iinfo(np.int64).max)
    return epochs.flat_map(epoch_batches).skip(offset)


def _array_pipeline(array, batch_size, seed, shuffle, repeat, skip_batches, transform):
    table = tf.constant(array)
    if repeat:
        ds = _index_batches(len(array), batch_size, seed, shuffle, skip_batches)
    else:
        order = np.random.default_rng(seed).permutation(len(array)) if shuffle else np.arange(len(array))
        ds = tf.data.Dataset.from_tensor_slices(order).batch(batch_size).skip(skip_batches)
    return ds.map(lambda i: transform(tf.gather(table, i)), num_parallel_calls=tf.data.AUTOTUNE)


def _image_transform(value_range):
    low, high = value_range

    def transform(x):  # uint8 (B, H, W) or (B, H, W, 3) → float32 (B, H, W, C) in [low, high]
        x = tf.cast(x if x.shape.rank == 4 else x[..., None], tf.float32) / 255.0
        return x * (high - low) + low
    return transform


def _toy_pipeline(name, batch_size, seed, repeat, skip_batches):
    if name == "25gaussians":
        return _array_pipeline(toys.twentyfive_gaussians_array(seed), batch_size, seed,
                               shuffle=False, repeat=repeat, skip_batches=skip_batches,
                               transform=tf.identity)
    sampler = toys.SAMPLERS[name]
    ds = tf.data.Dataset.range(skip_batches, np.iinfo(np.int64).max)
    return ds.map(lambda k: sampler(seed, k, batch_size))


def load(name, split="train", batch_size=64, seed=0, value_range=(0.0, 1.0),
         data_dir=None, shuffle=True, repeat=True, skip_batches=0, download=True):
    """A batched, prefetched `tf.data.Dataset` of float32 examples.

    Images come as (B, H, W, C) in `value_range`; toy sets as (B, 2). With
    `repeat=True` the stream is endless and batch k is the same for a given
    seed whether or not the first k were skipped (`skip_batches`), which is how
    training resumes exactly.
    """
    if name not in DATASETS:
        raise sources.DataRequestError(f"unknown dataset {name!r}; choose from "
                                       f"{', '.join(DATASETS)}")
    if batch_size <= 0:
        raise sources.DataRequestError(f"batch_size must be positive, got {batch_size}")
    if name in toys.TOY_DATASETS:
        if split != "train":
            raise sources.DataRequestError(f"toy set {name!r} has only split 'train' (it is "
                                           "sampled anew); use split='train'")
        ds = _toy_pipeline(name, batch_size, seed, repeat, skip_batches)
    else:
        if split not in formats.SPLITS:
            raise sources.DataRequestError(f"unknown split {split!r} of {name!r}; choose from "
                                           f"{', '.join(formats.SPLITS)}")
        array, _ = sources.load_arrays(name, data_dir, download)[split]
        ds = _array_pipeline(array, batch_size, seed, shuffle, repeat, skip_batches,
                             _image_transform(value_range))
    return ds.prefetch(tf.data.AUTOTUNE)


def example_shape(name):
    return datasets.info(name).shape


def available(name, data_dir=None):
    """Whether `name` loads here without a download (toys always do)."""
    return name in toys.TOY_DATASETS or sources.available(name, data_dir)


# --------------------------------------------------------------------------
# Real examples for evaluation, in the config's value range.

def real_split(config, split, n, data_dir=None, seed=0):
    """The first n examples of an image split in stored order (toys: n fresh
    points of the seed)."""
    if config.dataset in toys.TOY_DATASETS:
        return next(iter(load(config.dataset, "train", batch_size=n, seed=seed))).numpy()
    ds = load(config.dataset, split, batch_size=1000, value_range=config.value_range,
              data_dir=data_dir, shuffle=False, repeat=False)
    return np.concatenate([b.numpy() for b in ds])[:n]


def real_examples(config, n, data_dir=None, seed=12345):
    """n shuffled validation examples (toys: training points); a split
    smaller than n (Olivetti's 40) gives one batch of the whole split."""
    toy = config.dataset in toys.TOY_DATASETS
    split = "train" if toy else "validation"
    repeat = toy or len(sources.load_arrays(config.dataset, data_dir)[split][0]) >= n
    ds = load(config.dataset, split, batch_size=n, seed=seed,
              value_range=config.value_range, data_dir=data_dir, repeat=repeat)
    return next(iter(ds)).numpy()


def unit(x, value_range):
    """Rows of x flattened and scaled from value_range to [0, 1], in float64."""
    low, high = value_range
    return (np.asarray(x, np.float64).reshape(len(x), -1) - low) / (high - low)
