"""Configs: one frozen dataclass per model, one named instance per dataset.

Fields every GAN shares live in `GANConfig`; a model adds its own in a
subclass. Each default carries its source in a comment where it is defined.
"""

import dataclasses
import json
import math
from typing import Tuple

from zoo.errors import UserError

# Fields that say how long and how loudly to run, not what is trained: a run
# may be resumed with other values of these.
RUN_FIELDS = ("steps", "log_every", "image_every", "checkpoint_every")


@dataclasses.dataclass(frozen=True)
class GANConfig:
    model: str
    dataset: str
    batch_size: int
    latent_dim: int
    latent_dist: str = "normal"       # "normal": N(0, I); "uniform": U(-latent_bound, latent_bound)
    latent_bound: float = 1.0
    value_range: Tuple[float, float] = (0.0, 1.0)  # range of real examples and G's output
    # The adversarial loss by name (zoo.losses); a model's config class sets
    # its paper's, a config may name another (e.g. --set loss=hinge).
    loss: str = "non_saturating"
    train_split: str = "train"        # "train" (a validation split held out) or "train_full"
    seed: int = 0
    mixed_precision: bool = False     # float16 compute, float32 weights and losses (--mixed_precision)
    steps: int = 1000                 # generator updates in a run (`--steps`)
    paper_steps: int = 0              # the paper's or its code's run length, for reference
    log_every: int = 10
    image_every: int = 100
    checkpoint_every: int = 100

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def identity(self):
        """What a checkpoint was trained with: everything but the run fields."""
        return {k: v for k, v in self.to_dict().items() if k not in RUN_FIELDS}

    def preprocess(self, real):
        """The model's own transform of real examples, after zoo.data's scaling
        to the value range (the original GAN's global contrast normalisation):
        applied by the data stream and wherever real examples are compared
        with samples. A pure function of the config: no model is built."""
        return real

    def check(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            for v in value if isinstance(value, tuple) else (value,):
                if isinstance(v, float) and not math.isfinite(v):
                    raise UserError(f"{field.name} must be a finite number, got {value}")
        for name in ("batch_size", "latent_dim", "steps", "log_every", "image_every",
                     "checkpoint_every"):
            if getattr(self, name) <= 0:
                raise UserError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not 0 <= self.seed < 2 ** 31:
            raise UserError(f"seed must be in [0, 2^31), got {self.seed}")
        if self.train_split not in ("train", "train_full"):
            raise UserError(f"train_split must be 'train' or 'train_full', got {self.train_split!r}")
        from zoo import losses
        if self.loss not in losses.LOSSES:
            raise UserError(f"loss must be one of {', '.join(losses.names())}, got {self.loss!r}")
        if self.latent_dist not in ("normal", "uniform"):
            raise UserError(f"latent_dist must be 'normal' or 'uniform', got {self.latent_dist!r}")
        return self


def require(config, names, ok, rule):
    """Raises a UserError for the first field of `names` whose value fails
    `ok`, saying that it must be `rule`."""
    for name in names:
        value = getattr(config, name)
        if not ok(value):
            raise UserError(f"{name} must be {rule}, got {value}")


def _parse(value, kind):
    if kind is bool or isinstance(kind, bool):
        if value.lower() in ("1", "true", "yes"):
            return True
        if value.lower() in ("0", "false", "no"):
            return False
        raise ValueError(value)
    if isinstance(kind, tuple):
        parts = value.strip("()[] ").split(",")
        if len(parts) != len(kind):
            raise ValueError(value)
        return tuple(type(k)(p) for k, p in zip(kind, parts))
    return type(kind)(value)


def apply_overrides(config, overrides):
    """Applies ["key=value", ...] with each value parsed as its field's type."""
    fields = {f.name for f in dataclasses.fields(config)}
    changes = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in fields:
            raise UserError(
                f"cannot override {item!r}: expected key=value with key one of "
                f"{', '.join(sorted(fields - {'model', 'dataset'}))}")
        if key in ("model", "dataset"):
            raise UserError(f"use --{key}, not an override, to choose the {key}")
        try:
            changes[key] = _parse(value.strip(), getattr(config, key))
        except ValueError:
            raise UserError(f"cannot override {key}={value!r}: expected a value like "
                              f"{getattr(config, key)!r}") from None
    return config.replace(**changes)
