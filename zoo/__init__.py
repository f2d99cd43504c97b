"""zoo: classic GANs in Keras 3 / TensorFlow, faithful to their papers."""

import os
import time

# oneDNN's CPU kernels. TensorFlow turns them on by default only on CPUs with
# AVX-512 VNNI or AMX; on an AVX2 CPU (a 2-core AMD EPYC) its Eigen fallback
# made dcgan/mnist's step 7.4× and wgan_gp/mnist's 2.1× slower (README,
# Benchmarks). TensorFlow reads the variable once, when it loads, so this
# runs before any zoo module imports it; TF_ENABLE_ONEDNN_OPTS=0 keeps Eigen.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# TensorFlow's ~8 start-up log lines on stderr (oneDNN, CUDA, CPU notices)
# off, here too before anything imports it; ZOO_TF_LOGS=1 or a
# TF_CPP_MIN_LOG_LEVEL of the user's keeps them (zoo.quiet).
from zoo import quiet as _quiet  # noqa: E402

_quiet.install()

# When the process started importing the zoo: the zero of "time to first step".
START_TIME = time.perf_counter()

__version__ = "0.1.0"


def load(name):
    """The pretrained generator `name` ("model/config", e.g. "gan/mnist") as a
    keras.Model: `g.generate(n, seed)`, `g(z)`, `g.sample_latent(n, seed)`,
    `g.latent_dim`, `g.record`; its files checked against the recorded sha256
    first. See zoo.generator and zoo.pretrained."""
    from zoo import pretrained
    return pretrained.load(name)


def list_pretrained(pattern="*"):
    """Names of the shipped generators matching a shell-style pattern ("wgan_gp/*")."""
    from zoo import pretrained
    return pretrained.list_pretrained(pattern)


def list_models(pattern="*"):
    """Registered configs ("model/config") matching a shell-style pattern."""
    import fnmatch
    from zoo import models
    return [n for n in models.list_configs() if fnmatch.fnmatchcase(n, pattern)]


def create_model(name, data_dir=None, **overrides):
    """The GAN of the registered config `name` ("model/config"), with config
    values overridden by keyword, seeded and initialised exactly as
    `python -m zoo.train` builds it, uncompiled: `compile()` with no
    arguments takes the config's optimizers, then `fit(zoo.dataset(gan), ...)`
    trains it as the command does. Sets Keras's global seed to the config's."""
    from zoo import training
    return training.create(name, data_dir, **overrides)


def dataset(gan, data_dir=None):
    """The training stream of a model from `create_model`: global batches
    shaped (batch, real batches per step, ...) from the config's dataset, in
    the order the command reads them (resumed where the model's step is)."""
    from zoo import training
    return training.fit_dataset(gan, data_dir)


def save_image_grid(samples, path, columns=8):
    """Writes images (N, H, W[, C]) in [0, 1], or 2-D points, to a PNG file."""
    from zoo import pictures
    return pictures.save_image_grid(samples, path, columns)


# A saved generator ("g.keras") names its class zoo>Generator, which Keras can
# build only once zoo.generator has registered it: where Keras is already
# loaded, register now (cheap); otherwise `import zoo.generator` (or any
# zoo.load) does it, and keeps `import zoo` and --help free of TensorFlow.
if "keras" in __import__("sys").modules:
    from zoo import generator as _generator  # noqa: F401,E402


def __getattr__(name):
    # `zoo.train.run(...)` after a bare `import zoo`: the submodule on first use.
    if name == "train":
        import importlib
        return importlib.import_module("zoo.train")
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")
