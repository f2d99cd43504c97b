"""The model registry, in the style of timm.

    zoo.models.list()                      # ['wgan_gp/25gaussians', ...]
    cfg = zoo.models.get("wgan_gp", "mnist")
    gan = zoo.models.create("wgan_gp", "mnist", gp_weight=5.0)

A new model registers here: its model class and its configs module.
"""

import builtins
import importlib

from zoo.config import ConfigError

# name: (module with the model class, class name, configs module)
_REGISTRY = {
    "gan": ("zoo.models.gan", "GoodfellowGAN", "zoo.configs.gan"),
    "dcgan": ("zoo.models.dcgan", "DCGAN", "zoo.configs.dcgan"),
    "wgan": ("zoo.models.wgan", "WGAN", "zoo.configs.wgan"),
    "wgan_gp": ("zoo.models.wgan_gp", "WGANGP", "zoo.configs.wgan_gp"),
}


def names():
    return sorted(_REGISTRY)


def _configs(name):
    if name not in _REGISTRY:
        raise ConfigError(f"unknown model {name!r}; choose from {', '.join(names())}")
    return importlib.import_module(_REGISTRY[name][2]).CONFIGS


def datasets(name):
    return sorted(_configs(name))


def list():  # noqa: A001 - the registry's public name, as timm's list_models
    """Every registered (model, dataset) as 'model/dataset'."""
    return [f"{m}/{d}" for m in names() for d in datasets(m)]


def get(name, dataset):
    """The named config of `name` on `dataset`."""
    configs = _configs(name)
    if dataset not in configs:
        raise ConfigError(f"model {name!r} has no config for dataset {dataset!r}; "
                          f"choose from {', '.join(sorted(configs))}")
    return configs[dataset]


def model_class(name):
    module, cls, _ = _REGISTRY[name]
    return getattr(importlib.import_module(module), cls)


def create(name, dataset=None, config=None, **overrides):
    """A built, uncompiled model from its named config (or a given config)."""
    config = (config or get(name, dataset)).replace(**overrides).check()
    return model_class(config.model)(config)


__all__ = builtins.list(("names", "datasets", "list", "get", "create", "model_class"))
