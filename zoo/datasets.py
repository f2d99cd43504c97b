"""The dataset registry: one entry per dataset, from which every list of
datasets in the zoo derives (shapes, splits, caches, what TFDS can fetch,
which datasets have a classifier or a Parzen protocol, the CI budgets).
A new dataset is one entry here plus its loader in zoo.data.sources (or
its sampler in zoo.data.toys). Pure Python: listing needs no TensorFlow."""

import dataclasses
from typing import Callable, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str
    shape: Tuple[int, ...]             # one example: (H, W, C), or (2,) for a toy point
    toy: bool = False                  # a 2-D mixture drawn in code (zoo.data.toys)
    # The validation hold-out's size given the training set's (images): the
    # last examples of the training split, so 'train' + 'validation' = 'train_full'.
    validation: Optional[Callable[[int], int]] = None
    cache_sizes: Optional[Tuple[int, int]] = None  # (train, test) of a cache placed by hand
    downloadable: bool = False         # TFDS can fetch it
    classifier: bool = False           # zoo.classifiers trains one (classifier metrics)
    parzen: bool = False               # Goodfellow et al. 2014 report a Parzen LL on it
    # CI budget: generator steps a baseline's CI test trains (a config may
    # override it in its configs module's CI_STEPS): short enough for the
    # test suite and for another CPU's float rounding not yet to have grown
    # into a different run, long enough that losses and samples have left
    # initialisation.
    ci_steps: int = 20
    # The cheap quality signal a CI budget must improve over the untrained
    # generator of the same seed (None: the numbers are stored, unchecked).
    quality_signal: Optional[str] = None
    in_unit_tests: bool = False        # cheap enough for the unit tests' training runs


# 14 toy steps: 1 thread or oneDNN off moves 8gaussians' logs by ≤ 3% (≤ 0.05
# of the seeds' std; at 30 steps by 10–30%: the runs have diverged), and the
# samples are nearer the data than the untrained generator's (docs/baselines.md).
_TOY = dict(shape=(2,), toy=True, ci_steps=14, quality_signal="sliced_wasserstein",
            in_unit_tests=True)

DATASETS = {d.name: d for d in [
    # MNIST's hold-out is the official 50k/10k cut (Goodfellow et al. 2014).
    # The untrained original GAN already matches MNIST's pixel marginals, so
    # its signal is the MNIST classifier's Fréchet distance.
    Dataset("mnist", (28, 28, 1), validation=lambda n: 10000, cache_sizes=(60000, 10000),
            downloadable=True, classifier=True, parzen=True,
            quality_signal="classifier_frechet_distance", in_unit_tests=True),
    Dataset("fashion_mnist", (28, 28, 1), validation=lambda n: min(10000, n // 6),
            cache_sizes=(60000, 10000), downloadable=True, classifier=True),
    # 2–5 steps of the large CIFAR-10 nets are too few for a reliable signal.
    Dataset("cifar10", (32, 32, 3), validation=lambda n: min(10000, n // 5),
            cache_sizes=(50000, 10000), downloadable=True, classifier=True, ci_steps=5),
    Dataset("tfd", (48, 48, 1), parzen=True),  # its folds give the splits
    Dataset("olivetti_faces", (48, 48, 1), parzen=True),
    Dataset("8gaussians", **_TOY),
    Dataset("25gaussians", **_TOY),
    Dataset("swissroll", **_TOY),
]}


def info(name):
    """The registry entry of dataset `name`."""
    return DATASETS[name]


def names(**where):
    """Dataset names, in registry order, whose entries have the given field
    values: names(toy=True), names(classifier=True), …"""
    return tuple(d.name for d in DATASETS.values()
                 if all(getattr(d, k) == v for k, v in where.items()))
