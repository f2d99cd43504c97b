"""The model registry, in the style of timm.

    zoo.models.list_configs()              # ['wgan_gp/25gaussians', ...]
    cfg = zoo.models.get("wgan_gp", "mnist")
    gan = zoo.models.create("wgan_gp", "mnist", gp_weight=5.0)

Every module of `zoo.configs` is a model: its `CONFIGS` are the named
configs and its `MODEL` the model class ("module:Class", imported on use, so
that listing configs needs no TensorFlow). A new model registers by adding its
configs module; nothing here changes.
"""

import dataclasses
import importlib
import pkgutil

from zoo import configs as _configs_package
from zoo.config import ConfigError


def names():
    """The registered model names."""
    return sorted(m.name for m in pkgutil.iter_modules(_configs_package.__path__)
                  if not m.name.startswith("_"))


def _configs_module(name):
    if name not in names():
        raise ConfigError(f"unknown model {name!r}; choose from {', '.join(names())}")
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
        raise ConfigError(f"model {name!r} has no config for dataset {dataset!r}; "
                          f"choose from {', '.join(sorted(configs))}")
    return configs[dataset]


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
        raise ConfigError(f"{config.model} has no config field {', '.join(unknown)}; choose from "
                          f"{', '.join(sorted(fields))}")
    return config.replace(**overrides).check()


def create(name, dataset=None, config=None, **overrides):
    """A built, uncompiled model from its named config (or a given config)."""
    config = configure(name, dataset, config, **overrides)
    return model_class(config.model)(config)


__all__ = ["names", "datasets", "list_configs", "get", "configure", "create", "model_class"]
