"""The model registry, in the style of timm.

    zoo.models.list_configs()              # ['wgan_gp/25gaussians', ...]
    cfg = zoo.models.get("wgan_gp", "mnist")
    gan = zoo.models.create("wgan_gp", "mnist", gp_weight=5.0)

Every module of `zoo.configs` is a model: its `CONFIGS` are the named
configs and its `MODEL` the model class ("module:Class", imported on use, so
that listing configs needs no TensorFlow). Optionally it declares `TOY` and
`ONE_UPDATE` (overrides for the test suite's smallest runs, see `toy`) and
`CI_STEPS` ({config name: CI budget} where it differs from the dataset's). A
new model registers by adding its configs module; nothing here changes, and
every test that enumerates the registry picks it up.
"""

import dataclasses
import importlib
import pkgutil

from zoo import configs as _configs_package
from zoo import datasets as _datasets
from zoo.errors import UserError


def names():
    """The registered model names."""
    return sorted(m.name for m in pkgutil.iter_modules(_configs_package.__path__)
                  if not m.name.startswith("_"))


def _configs_module(name):
    if name not in names():
        raise UserError(f"unknown model {name!r}; choose from {', '.join(names())}")
    return importlib.import_module(f"zoo.configs.{name}")


def datasets(name):
    """The config names of model `name` (mostly dataset names)."""
    return sorted(_configs_module(name).CONFIGS)


def list_configs():
    """Every registered (model, config) as 'model/config'."""
    return [f"{m}/{d}" for m in names() for d in datasets(m)]


def get(name, dataset):
    """The named config of `name` on `dataset`."""
    configs = _configs_module(name).CONFIGS
    if dataset not in configs:
        raise UserError(f"model {name!r} has no config for dataset {dataset!r}; "
                          f"choose from {', '.join(sorted(configs))}")
    return configs[dataset]


# The smallest runs that still take every path of a training step: batch 8
# (a configs module's TOY adds to it, e.g. WGAN's long critic phases cut to
# 2 calls so that a short run crosses phase boundaries).
TOY = {"batch_size": 8}


def toy(name, dataset, **changes):
    """Config `name/dataset` at the size the resume, replica and kill tests
    train (TOY, and the configs module's TOY), with `changes`."""
    overrides = dict(TOY, **getattr(_configs_module(name), "TOY", {}))
    return get(name, dataset).replace(**dict(overrides, **changes))


def one_update(name, dataset, **changes):
    """`toy`, with one train_step call making one update of each network (the
    configs module's ONE_UPDATE: critic loops cut to 1): the replica test."""
    return toy(name, dataset, **dict(getattr(_configs_module(name), "ONE_UPDATE", {}), **changes))


def ci_steps(name, dataset):
    """The CI budget of `name/dataset` in generator steps: the configs
    module's CI_STEPS, else its dataset's (zoo.datasets)."""
    own = getattr(_configs_module(name), "CI_STEPS", {})
    return own.get(dataset) or _datasets.info(get(name, dataset).dataset).ci_steps


def unit_test_configs():
    """Every registered config on a dataset cheap enough for the unit tests'
    training runs (zoo.datasets: the toys and MNIST)."""
    return [c for c in list_configs()
            if _datasets.info(get(*c.split("/")).dataset).in_unit_tests]


def one_per_model():
    """One unit-test config per model, its first toy set where it has one
    (the cheapest), else its first (zoo.datasets's order): what the kill
    battery runs."""
    order = list(_datasets.DATASETS)
    cost = lambda c: (not _datasets.info(get(*c.split("/")).dataset).toy,
                      order.index(get(*c.split("/")).dataset))
    picked = {}
    for c in sorted(unit_test_configs(), key=cost):
        picked.setdefault(c.split("/")[0], c)
    return sorted(picked.values())


def model_class(name):
    """The model class of `name`: its configs module's MODEL, a class or
    "module:Class" (imported now)."""
    model = _configs_module(name).MODEL
    if isinstance(model, str):
        module, _, cls = model.partition(":")
        model = getattr(importlib.import_module(module), cls)
    return model


def configure(name, dataset=None, config=None, **overrides):
    """The named config (or a given config) with `overrides`, checked."""
    config = config or get(name, dataset)
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise UserError(f"{config.model} has no config field {', '.join(unknown)}; choose from "
                          f"{', '.join(sorted(fields))}")
    return config.replace(**overrides).check()


def create(name, dataset=None, config=None, **overrides):
    """A built, uncompiled model from its named config (or a given config)."""
    config = configure(name, dataset, config, **overrides)
    return model_class(config.model)(config)


__all__ = ["names", "datasets", "list_configs", "get", "configure", "create", "model_class",
           "toy", "one_update", "ci_steps", "unit_test_configs", "one_per_model"]
