"""The one evaluation suite (zoo.suite) that zoo.evaluate and
zoo.baseline share: one definition per metric, and no pixel-space metric on
samples that are not pixels."""

import numpy as np
import pytest

from zoo import models
from zoo import suite


def test_mean_gap_and_sliced_wasserstein_are_taken_in_unit_scale():
    # On [−1, 1] data, all-ones samples against all-minus-ones examples are the
    # whole range apart: 1 in unit scale (2 in raw values, 4 ×-scaled on GCN
    # configs before the suite was one).
    config = models.get("dcgan", "mnist")
    assert tuple(config.value_range) == (-1.0, 1.0)
    samples, real = np.ones((50, 28, 28, 1)), -np.ones((50, 28, 28, 1))
    out = suite.distribution_metrics(config, samples, real)
    assert out["mean_gap"] == pytest.approx(1.0, abs=1e-12)
    # Every projection of the two point masses is 1·|⟨1, θ⟩| apart on unit
    # vectors θ: the sliced W1 is the mean |Σθ|, positive and at most √784 = 28.
    assert 0 < out["sliced_wasserstein"] <= 28.0
    assert out["sample_mean"] == 1.0 and out["sample_std"] == 0.0


def test_gcn_samples_get_no_pixel_space_metric():
    gcn, pixels = models.get("gan", "cifar10"), models.get("gan", "mnist")
    assert not suite.in_pixel_space(gcn) and suite.in_pixel_space(pixels)
    images = np.zeros((20, 32, 32, 3), np.float32)
    assert suite.classifier_metrics(gcn, images, images) == {}
    with pytest.raises(ValueError, match="GCN"):
        suite.evaluate(gcn, images, images, inception_model=object())


def test_the_toy_suite_counts_modes():
    from zoo import metrics
    config = models.get("wgan_gp", "8gaussians")
    centres, _ = metrics.toy_mixture_modes("8gaussians")
    samples = np.repeat(centres[:3], 100, axis=0)  # three modes hit exactly
    out = suite.evaluate(config, samples, np.repeat(centres, 40, axis=0))
    assert out["modes_covered"] == 3 and out["high_quality_fraction"] == 1.0
    assert "ndb" not in out and "classifier_score" not in out
