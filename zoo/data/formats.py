"""File formats of the image datasets, each decoded to
{split: (uint8 images, labels)} with train / validation / test / train_full."""

import gzip
import hashlib
import io
import logging
import os
import pickle
import tempfile

import numpy as np

from zoo import datasets

SPLITS = ("train", "validation", "test", "train_full")
IMAGE_DATASETS = datasets.names(toy=False)

MNIST_PKL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
# The MD5s that the official cifar-10-python.tar.gz's batches are published
# with (the dataset page's archive; torchvision checks the same): the pickled
# batches are unpickled only when their bytes match.
CIFAR_BATCH_MD5 = {"data_batch_1": "c99cafc152244af753f735de768cd75f",
                   "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
                   "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
                   "data_batch_4": "634d18415352ddfa80567beed471001a",
                   "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
                   "test_batch": "40351d587109b95175f43aff81a1287e"}


class CorruptFile(ValueError):
    """A file whose bytes differ from the digest it must have."""


def file_digest(path, algorithm="sha256"):
    h = hashlib.new(algorithm, usedforsecurity=False)  # (MD5: the published pins only)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def directory_digest(directory):
    """One sha256 over every file under `directory` (a SavedModel): relative
    paths and contents, in sorted order, so a renamed, changed, added or
    missing file changes it."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, directory).encode())
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def digest_path(path):
    """Where write_npz records the sha256 of the file it wrote."""
    return path + ".sha256"


def write_npz(path, **arrays):
    """Writes an .npz atomically (a killed run never leaves half a file) and
    its sha256 beside it, which `verify` checks before the next read."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        digest = file_digest(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    # Killed between the two renames, the digest is stale or missing: the
    # next read then rejects the file or checks its structure, never trusts it.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".sha256")
    with os.fdopen(fd, "w") as f:
        f.write(digest + "\n")
    os.replace(tmp, digest_path(path))


def verify(path):
    """Raises CorruptFile when `path` differs from the sha256 recorded when the
    zoo wrote it; files placed by hand (no record) pass to the structure checks."""
    record = digest_path(path)
    if not os.path.exists(record):
        return
    with open(record) as f:
        expected = f.read().strip()
    actual = file_digest(path)
    if actual != expected:
        raise CorruptFile(f"{path} has sha256 {actual[:12]}…, not the {expected[:12]}… "
                          "recorded when it was written (corrupt or changed)")


def read_cached(path, key, shape):
    """Array `key` of a cache file written by write_npz, or None when there is
    none or it is unusable (corrupt, wrong shape): the caller recomputes and
    rewrites it. An unusable file is logged, never used."""
    if not os.path.exists(path):
        return None
    try:
        verify(path)
        with np.load(path, allow_pickle=False) as f:
            array = f[key]
        if array.shape != tuple(shape):
            raise ValueError(f"{path}: {key} has shape {array.shape}, not {tuple(shape)}")
        return array
    except Exception as e:  # noqa: BLE001 - any unreadable cache is recomputed
        logging.warning("ignoring the unusable cache file %s (%s); recomputing it",
                        path, str(e).splitlines()[0] if str(e) else type(e).__name__)
        return None


def hold_out(x, y, n_validation, x_test, y_test):
    """train / validation (the last n_validation of the training set) / test / train_full."""
    n = len(x) - n_validation
    return {"train": (x[:n], y[:n]), "validation": (x[n:], y[n:]),
            "test": (x_test, y_test), "train_full": (x, y)}


def mnist_from_pickle_bytes(data):
    """Verifies and decodes the Theano-era `mnist.pkl.gz` (pixels are k/256):
    nothing is unpickled before its sha256 matches the pinned one."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != MNIST_PKL_SHA256:
        raise ValueError(f"mnist.pkl.gz sha256 {digest} != pinned {MNIST_PKL_SHA256}")
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.load(
        gzip.open(io.BytesIO(data)), encoding="latin1")
    to_bytes = lambda x: np.round(x * 256).astype(np.uint8).reshape(-1, 28, 28)
    return dict(x_train_full=to_bytes(np.concatenate([x_tr, x_va])),
                y_train_full=np.concatenate([y_tr, y_va]).astype(np.uint8),
                x_test=to_bytes(x_te), y_test=y_te.astype(np.uint8))


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


def idx_arrays(directory):
    """(x_train, y_train, x_test, y_test) from the four MNIST-format IDX files."""
    if not directory or not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory} is not a directory")
    get = lambda stem: read_idx(_find(directory, [stem]))
    return (get("train-images-idx3-ubyte"), get("train-labels-idx1-ubyte"),
            get("t10k-images-idx3-ubyte"), get("t10k-labels-idx1-ubyte"))


NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
MNIST_NPZ_KEYS = ("x_train_full", "y_train_full", "x_test", "y_test")  # the zoo's MNIST cache


def npz_arrays(path, name, permute_sorted=False, keys=NPZ_KEYS, sizes=None):
    """(x_train, y_train, x_test, y_test) of an .npz holding `keys`: its
    recorded sha256 checked first (`verify`), then loaded without pickle and
    checked against the dataset's image shape, 10 classes and, for a file
    without a record, the `sizes` (n_train, n_test) if given."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist")
    verify(path)
    sizes = None if os.path.exists(digest_path(path)) else sizes  # a record is stronger
    with np.load(path, allow_pickle=False) as f:
        missing = set(keys) - set(f.files)
        if missing:
            raise ValueError(f"{path} lacks {', '.join(sorted(missing))} "
                             f"(expected {', '.join(keys)})")
        x, y, x_test, y_test = (f[k] for k in keys)
    shape = datasets.info(name).shape
    expected = shape[:2] if shape[2] == 1 else shape
    if x.dtype != np.uint8 or x.shape[1:] != expected or x_test.shape[1:] != expected:
        raise ValueError(f"{path}: expected uint8 images of shape (N, {', '.join(map(str, expected))}),"
                         f" got {x.dtype} {x.shape[1:]}")
    if len(y) != len(x) or len(y_test) != len(x_test):
        raise ValueError(f"{path}: {len(x)} training images but {len(y)} labels, "
                         f"{len(x_test)} test images but {len(y_test)} labels")
    if sizes and (len(x), len(x_test)) != tuple(sizes):
        raise ValueError(f"{path}: {len(x)} training and {len(x_test)} test images, "
                         f"not {name}'s {sizes[0]} and {sizes[1]}")
    if y.size and (np.min(y) < 0 or np.max(y) > 9 or np.min(y_test) < 0 or np.max(y_test) > 9):
        raise ValueError(f"{path}: labels outside 0–9")
    if permute_sorted:
        x, y = _unsort(x, y, path, "training"), _unsort(y, y, None, None)
        x_test, y_test = _unsort(x_test, y_test, path, "test"), _unsort(y_test, y_test, None, None)
    return x, y.astype(np.uint8).ravel(), x_test, y_test.astype(np.uint8).ravel()


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


def cifar_batches_arrays(directory):
    """(x_train, y_train, x_test, y_test) of the official `cifar-10-batches-py`."""
    folder = directory
    if not os.path.exists(os.path.join(folder, "data_batch_1")):
        folder = os.path.join(directory, "cifar-10-batches-py")
    if not os.path.exists(os.path.join(folder, "data_batch_1")):
        raise FileNotFoundError(f"no cifar-10-batches-py (data_batch_1 … 5, test_batch) in {directory}")

    def batch(name):
        path = os.path.join(folder, name)
        digest = file_digest(path, "md5")
        if digest != CIFAR_BATCH_MD5[name]:
            raise CorruptFile(f"{path} has MD5 {digest}, not the official {CIFAR_BATCH_MD5[name]}; "
                              "unpack cifar-10-python.tar.gz again")
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
        x = np.asarray(d[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return x, np.asarray(d[b"labels"], np.uint8)
    parts = [batch(f"data_batch_{i}") for i in range(1, 6)]
    x_test, y_test = batch("test_batch")
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            x_test, y_test)


def tfd_from_mat(directory):
    """TFD_48x48.mat, split by its first official fold (as Goodfellow et al.'s runs)."""
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
    fold = folds[:, 0]
    pick = lambda mask: (images[mask], labels[mask].astype(np.int8))
    return {"train": pick(fold == 0), "validation": pick(fold == 2), "test": pick(fold == 3),
            "train_full": pick((fold == 0) | (fold == 1))}


def olivetti(path):
    """olivetti_faces.npz (400 64×64 faces, 40 subjects) at TFD's 48×48, split
    by subject: 32 train, 4 validation, 4 test."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist")
    verify(path)
    with np.load(path, allow_pickle=False) as f:
        images, subject = f["images"], f["subject"].astype(np.int64)
    if images.shape != (400, 64, 64) or subject.shape != (400,):
        raise ValueError(f"{path}: expected images (400, 64, 64) and subject (400,), got "
                         f"{images.shape} and {subject.shape}")
    if subject.min() < 0 or subject.max() > 39 or np.any(np.bincount(subject, minlength=40) != 10):
        raise ValueError(f"{path}: subject must hold 0–39 ten times each")
    import tensorflow as tf
    # Area averaging, so that TFD's networks apply unchanged.
    small = tf.image.resize(images[..., None].astype(np.float32), (48, 48), method="area")
    small = np.round(small.numpy()[..., 0]).clip(0, 255).astype(np.uint8)
    pick = lambda mask: (small[mask], subject[mask].astype(np.uint8))
    return {"train": pick(subject < 32), "validation": pick((subject >= 32) & (subject < 36)),
            "test": pick(subject >= 36), "train_full": pick(subject >= 0)}
