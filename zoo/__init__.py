"""zoo: classic GANs in Keras 3 / TensorFlow, faithful to their papers."""

import os
import time

# oneDNN's CPU kernels. TensorFlow turns them on by default only on CPUs with
# AVX-512 VNNI or AMX; on an AVX2 CPU (a 2-core AMD EPYC) its Eigen fallback
# made dcgan/mnist's step 7.4× and wgan_gp/mnist's 2.1× slower (README,
# Benchmarks). TensorFlow reads the variable once, when it loads, so this
# runs before any zoo module imports it; TF_ENABLE_ONEDNN_OPTS=0 keeps Eigen.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# When the process started importing the zoo: the zero of "time to first step".
START_TIME = time.perf_counter()

__version__ = "0.1.0"


def load(name):
    """The pretrained generator `name` ("model/config", e.g. "wgan_gp/8gaussians")
    as a SavedModel, its files verified by sha256 first (zoo.pretrained)."""
    from zoo import pretrained
    return pretrained.load(name)
