"""Shared test set-up. Two logical CPU devices are made before TensorFlow
starts, so MirroredStrategy tests can run two replicas on any machine."""

import os

# TensorFlow's start-up lines off as the zoo's commands have them (zoo.quiet:
# level 3, and its filter, which a level set here would otherwise turn off):
# an xdist worker's stderr is not captured while TensorFlow starts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("ZOO_TF_LOGS", "0")
# MNIST from the zoo's own sources (official order), even where a prepared
# TFDS copy (TFDS's order) sits in the default TFDS data dir.
os.environ["TFDS_DATA_DIR"] = os.path.join(os.path.dirname(__file__), "no-tfds-data-here")

import pytest  # noqa: E402

from zoo import data, distribute  # noqa: E402

distribute.split_cpu(2)


@pytest.fixture(scope="session")
def mnist_arrays():
    """MNIST from the zoo's own sources (cache, else the PyPI wheel)."""
    return data.load_mnist_arrays()


# Development copies of data sets the zoo cannot fetch itself (CIFAR-10,
# Olivetti faces), beside the checkout when present; tests that need them skip
# without. The package itself never looks there.
SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.fixture(scope="session")
def shared_data_dir():
    return SHARED_DATA if os.path.isdir(SHARED_DATA) else None


@pytest.fixture
def mirrored():
    return distribute.mirrored_cpus(2)


# The longest modules first (about 870, 450, 350, 350 and 260 s in the serial
# run of 2026-12-07 on 2 cores, the rest under 200): setup.cfg sends whole
# modules to the xdist workers as they free up, and a long module taken last
# would run alone.
LONGEST_FIRST = ("test_baselines", "test_training", "test_pretrained", "test_faults",
                 "test_distribute")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: order kept within
