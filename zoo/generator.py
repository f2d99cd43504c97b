"""A trained zoo generator as a Keras model: what `zoo.load(name)` returns.

    g = zoo.load("dcgan/mnist")
    images = g.generate(64, seed=0)      # float32 (64, 28, 28, 1) in [0, 1]
    images = g(g.sample_latent(16))      # or g.predict(z): the same [0, 1] images
    g.save("g.keras"); keras.models.load_model("g.keras")

It is the zoo's own generator network, rebuilt from the config it was trained
with and given the trained weights, in front of one fixed rescaling: image
models give NHWC images in [0, 1] whatever range they were trained in ([0, 1]
for gan, [−1, 1] for dcgan and the WGANs); the toy sets give 2-D points in data
units. The network always runs in inference mode (BatchNorm's moving
statistics), as the exported SavedModel does, so one z gives one output
whatever else is in the batch.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from zoo import data, models
from zoo.models import base


def config_from_dict(stored):
    """The config a run or export recorded, rebuilt as its model's config class."""
    for name in models.datasets(stored["model"]):
        template = models.get(stored["model"], name)
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
        try:
            return template.replace(**fields)
        except TypeError:
            continue
    raise ValueError(f"cannot rebuild the config of model {stored['model']!r}")


@keras.saving.register_keras_serializable(package="zoo")
class Generator(keras.Model):
    """z (n, latent_dim) → samples: images NHWC in [0, 1], or toy points in
    data units. `config` is the zoo config (or its dict) the weights were
    trained with; `record` the shipped record, if any (see `zoo.pretrained`)."""

    def __init__(self, config, record=None, **kwargs):
        kwargs.setdefault("name", "generator")
        super().__init__(**kwargs)
        if isinstance(config, dict):
            config = config_from_dict(config)
        self.zoo_config = config
        self.latent_dim = int(config.latent_dim)
        self.images = config.dataset not in data.TOY_DATASETS
        self._record_json = json.dumps(record) if record is not None else None
        make_generator = models.model_class(config.model).architectures[config.arch][0]
        self.network = make_generator(config)  # built from its Input: weights exist now
        self.built = True

    @property
    def record(self):
        """The shipped record (steps, command, hardware, metrics with their
        protocol, the paper's number, licence), or None for an unshipped one."""
        return json.loads(self._record_json) if self._record_json else None

    def call(self, z):
        x = self.network(z, training=False)
        if not self.images:
            return x
        low, high = self.zoo_config.value_range
        return tf.clip_by_value((tf.cast(x, tf.float32) - low) / (high - low), 0.0, 1.0)

    def sample_latent(self, n, seed=0):
        """n latent vectors (float32 numpy) from the model's prior: the noise
        bank `seed` that zoo.evaluate and the SavedModel's `sample` draw."""
        key = tf.constant([seed, base.SAMPLE_LATENT], tf.int64)
        return base.draw_latent(self.zoo_config, int(n), key).numpy()

    def generate(self, n, seed=0, batch_size=1000):
        """n samples (float32 numpy) from noise bank `seed`; the same for the
        same seed."""
        z = self.sample_latent(n, seed)
        parts = [self(z[i:i + batch_size]).numpy() for i in range(0, len(z), batch_size)]
        return np.concatenate(parts).astype(np.float32)

    def get_config(self):
        return dict(name=self.name, config=self.zoo_config.to_dict(), record=self.record)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def from_saved_model(directory, record=None):
    """The Generator of a SavedModel the zoo exported (`directory`), its weights
    read from the SavedModel's variables."""
    variables = os.path.join(directory, "variables", "variables")
    stored = tf.train.load_checkpoint(variables).get_tensor("config_json/.ATTRIBUTES/VARIABLE_VALUE")
    generator = Generator(config_from_dict(json.loads(stored)), record)
    # The export tracks the network as `generator`: the same object path as here.
    status = tf.train.Checkpoint(generator=generator.network).read(variables)
    status.assert_existing_objects_matched().expect_partial()
    return generator
