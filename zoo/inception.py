"""FID, KID and IS on InceptionV3 by the standard protocol (TTUR /
compare_gan): images scaled to [0, 255], gray tiled to 3 channels, bilinear
resize to 299×299, pool_3 (2,048-d average pool) features for FID and KID,
softmax predictions for IS, statistics in float64 (zoo.metrics).

Weights are Keras's ImageNet InceptionV3 (keras.applications): downloaded by
Keras when its host is reachable (bounded by ZOO_INCEPTION_TIMEOUT seconds), or
a local copy of `inception_v3_weights_tf_dim_ordering_tf_kernels.h5` given
with --inception_weights, checked against Keras's pinned MD5 and, when given
(ZOO_INCEPTION_SHA256), a sha256. Keras's weights give FIDs close to, not
equal to, TTUR's TF graph: compare numbers from one extractor only.

Features of real images are cached in
$ZOO_CACHE/inception/<extractor>-<sha256 of the images>.npz.
"""

import hashlib
import os
import subprocess
import sys

import numpy as np

from zoo.errors import UserError

WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/" \
    + WEIGHTS_FILE
WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"  # keras/src/applications/inception_v3.py
EXTRACTOR = "keras-inception-v3-imagenet"
TIMEOUT_S = float(os.environ.get("ZOO_INCEPTION_TIMEOUT", "60"))


class InceptionUnavailable(UserError, RuntimeError):
    """No verified InceptionV3 weights: the message says how to supply them."""


def verify(path):
    """Checks a weights file against Keras's MD5 (and ZOO_INCEPTION_SHA256 if set)."""
    from zoo.data import formats
    if not os.path.isfile(path):
        raise InceptionUnavailable(f"--inception_weights {path} is not a file")
    if formats.file_digest(path, "md5") != WEIGHTS_MD5:
        raise InceptionUnavailable(f"{path} is not Keras's {WEIGHTS_FILE} (MD5 differs from "
                                   f"{WEIGHTS_MD5}); download it from {WEIGHTS_URL}")
    expected = os.environ.get("ZOO_INCEPTION_SHA256")
    if expected and formats.file_digest(path) != expected.lower():
        raise InceptionUnavailable(f"{path}: sha256 differs from ZOO_INCEPTION_SHA256")
    return path


def _download():
    """Keras's own download and MD5 check, in a subprocess cut at TIMEOUT_S."""
    code = ("import sys, keras; print(keras.utils.get_file(sys.argv[1], sys.argv[2], "
            "file_hash=sys.argv[3], cache_subdir='models'))")
    try:
        result = subprocess.run([sys.executable, "-c", code, WEIGHTS_FILE, WEIGHTS_URL,
                                 WEIGHTS_MD5], capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        result = None
    if result is None or result.returncode != 0:
        reason = "timed out" if result is None else \
            (result.stderr.strip().splitlines() or ["failed"])[-1][:160]
        raise InceptionUnavailable(
            f"InceptionV3 weights could not be downloaded from {WEIGHTS_URL} ({reason}); "
            f"pass --inception_weights=FILE with a copy of {WEIGHTS_FILE}")
    return result.stdout.strip().splitlines()[-1]


def load(weights=None, pretrained=True):
    """A Keras model mapping preprocessed images to (pool_3 features, predictions).
    `pretrained=False` builds it with random weights (tests of the plumbing)."""
    import keras
    path = (verify(weights) if weights else _download()) if pretrained else None
    net = keras.applications.InceptionV3(weights=path, include_top=True)
    return keras.Model(net.input, [net.get_layer("avg_pool").output, net.output])


def preprocess(images, value_range):
    """(N, H, W, 1 or 3) images in value_range → (N, 299, 299, 3) in [−1, 1]:
    [0, 255], gray tiled, bilinear resize, then Inception's x/127.5 − 1."""
    import tensorflow as tf
    low, high = value_range
    x = (tf.cast(images, tf.float32) - low) / (high - low) * 255.0
    x = tf.clip_by_value(x, 0.0, 255.0)
    if x.shape[-1] == 1:
        x = tf.tile(x, [1, 1, 1, 3])
    x = tf.image.resize(x, (299, 299), method="bilinear")
    return x / 127.5 - 1.0


def features(model, images, value_range, batch_size=100):
    """(pool_3 features, predictions) as float64 arrays."""
    pools, predictions = [], []
    for i in range(0, len(images), batch_size):
        pool, prediction = model(preprocess(images[i:i + batch_size], value_range), training=False)
        pools.append(np.asarray(pool, np.float64))
        predictions.append(np.asarray(prediction, np.float64))
    return np.concatenate(pools), np.concatenate(predictions)


def reference_features(model, real, value_range, extractor=EXTRACTOR):
    """pool_3 features of real images, cached under the sha256 of their
    values (computing them for 10,000 images takes minutes on a CPU)."""
    from zoo import data
    from zoo.data import formats
    real = np.ascontiguousarray(real, np.float32)
    key = hashlib.sha256(real.tobytes() + repr((real.shape, tuple(value_range))).encode())
    path = os.path.join(data.cache_dir(), "inception", f"{extractor}-{key.hexdigest()[:32]}.npz")
    cached = formats.read_cached(path, "features", (len(real), 2048))
    if cached is not None:
        return cached.astype(np.float64)
    pool, _ = features(model, real, value_range)
    formats.write_npz(path, features=pool.astype(np.float32))
    return pool.astype(np.float32).astype(np.float64)


def scores(model, samples, real, value_range, extractor=EXTRACTOR):
    """FID and KID (100 subsets of up to 1,000) of samples against real
    images, and IS (10 splits) of the samples."""
    from zoo import metrics
    fake_pool, fake_predictions = features(model, samples, value_range)
    real_pool = reference_features(model, real, value_range, extractor)
    subset = min(1000, len(samples), len(real_pool))
    kid_mean, kid_std = metrics.kernel_inception_distance(fake_pool, real_pool, subset_size=subset)
    is_mean, is_std = metrics.inception_score(fake_predictions, splits=min(10, len(samples)))
    return {"fid": metrics.frechet_distance(fake_pool, real_pool), "kid": kid_mean,
            "kid_std": kid_std, "inception_score": is_mean, "inception_score_std": is_std}
