"""The InceptionV3 protocol's plumbing: preprocessing, the weights checks and
the offline error, features and the reference cache (random weights: the
pretrained file is not in the repository)."""

import time

import numpy as np
import pytest
import tensorflow as tf

from zoo import inception, models


def test_preprocessing_is_the_protocols():
    gray = np.zeros((2, 28, 28, 1), np.float32)
    gray[1] = 1.0
    x = inception.preprocess(gray, (0.0, 1.0)).numpy()
    assert x.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(x[0], -1.0)  # black → 0 → −1
    np.testing.assert_allclose(x[1], 1.0)   # white → 255 → 1
    rgb = tf.random.uniform([1, 32, 32, 3], -1, 1, seed=1)
    y = inception.preprocess(rgb, (-1.0, 1.0)).numpy()
    expected = tf.image.resize((rgb + 1) / 2 * 255, (299, 299), method="bilinear") / 127.5 - 1
    np.testing.assert_allclose(y, expected.numpy(), atol=1e-5)
    tiled = inception.preprocess(tf.random.uniform([1, 28, 28, 1], seed=2), (0.0, 1.0)).numpy()
    np.testing.assert_array_equal(tiled[..., 0], tiled[..., 2])


def test_an_unreachable_host_gives_a_clear_error_quickly(monkeypatch):
    monkeypatch.setattr(inception, "WEIGHTS_URL", "http://127.0.0.1:9/" + inception.WEIGHTS_FILE)
    monkeypatch.setattr(inception, "TIMEOUT_S", 60)
    start = time.time()
    with pytest.raises(inception.InceptionUnavailable, match="pass --inception_weights=FILE"):
        inception.load()
    assert time.time() - start < 60


def test_a_wrong_weights_file_is_refused(tmp_path):
    fake = tmp_path / inception.WEIGHTS_FILE
    fake.write_bytes(b"not weights")
    with pytest.raises(inception.InceptionUnavailable, match="MD5 differs"):
        inception.load(str(fake))
    with pytest.raises(inception.InceptionUnavailable, match="is not a file"):
        inception.load(str(tmp_path / "missing.h5"))


def test_scores_and_the_reference_cache(tmp_path, monkeypatch, mnist_arrays):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    model = inception.load(pretrained=False)
    config = models.get("wgan_gp", "mnist")
    samples = np.random.default_rng(3).uniform(size=(20, 28, 28, 1)).astype(np.float32)
    pool, predictions = inception.features(model, samples, config.value_range, batch_size=8)
    assert pool.shape == (20, 2048) and pool.dtype == np.float64
    # float32 softmax over 1,000 classes: its normaliser is a sum of 1,000
    # positive terms, off by ≤ 999·u = 6e-5 relative for any summation order
    # (u = 2^-24; typically ~1e-6), and every output shares that factor.
    # Logits or an unnormalised output are O(1) off.
    np.testing.assert_allclose(predictions.sum(1), 1.0, rtol=1e-4)
    real = np.random.default_rng(4).uniform(size=(20, 28, 28, 1)).astype(np.float32)
    result = inception.scores(model, samples, real, config.value_range, extractor="random-weights")
    [cache] = (tmp_path / "inception").glob("random-weights-*.npz")
    assert np.load(cache)["features"].shape == (20, 2048)
    assert result["fid"] > 0 and 1.0 <= result["inception_score"] <= 1000
    again = inception.scores(model, samples, real, config.value_range, extractor="random-weights")
    assert again["fid"] == pytest.approx(result["fid"], rel=1e-6)  # from the cache
