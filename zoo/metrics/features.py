"""Sample quality on features of a pretrained network: FID, KID, Inception score."""

import math

import numpy as np

from zoo.metrics.checks import _as_point_pair, _as_points
from zoo.metrics.divergences import frechet_distance_gaussian


# --------------------------------------------------------------------------
# Feature-based sample quality: FID, KID, Inception score.

def feature_statistics(features):
    """Mean and covariance (ddof = 1, as np.cov in the TTUR code) in float64."""
    features = _as_points(features, "features", min_rows=2)
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(
        features.shape[1], features.shape[1])


def frechet_distance(features_a, features_b):
    """Fréchet distance of Gaussians fitted to two feature sets (FID on
    Inception pool_3 features, or any other features)."""
    features_a, features_b = _as_point_pair(features_a, features_b,
                                            ("features_a", "features_b"), min_rows=2)
    return frechet_distance_gaussian(*feature_statistics(features_a),
                                     *feature_statistics(features_b))


def _polynomial_kernel(a, b):
    """k(x, y) = (x·y / d + 1)³, KID's kernel."""
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def unbiased_mmd2(x, y):
    """Unbiased MMD² (Gretton et al. 2012, Lemma 6) with KID's cubic kernel:
    off-diagonal means of k(x, x') and k(y, y') minus 2·mean k(x, y)."""
    m, n = x.shape[0], y.shape[0]
    k_xx, k_yy = _polynomial_kernel(x, x), _polynomial_kernel(y, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2 * _polynomial_kernel(x, y).mean())


def kernel_inception_distance(features_a, features_b, num_subsets=100, subset_size=1000,
                              seed=0):
    """KID: mean and std (ddof 0, as the authors' code) of the unbiased MMD² over
    `num_subsets` pairs of random subsets (without replacement) of `subset_size` rows."""
    features_a, features_b = _as_point_pair(features_a, features_b,
                                            ("features_a", "features_b"), min_rows=2)
    smallest = min(features_a.shape[0], features_b.shape[0])
    if not 2 <= subset_size <= smallest:
        raise ValueError(f"subset_size must be in [2, {smallest}] (rows of the smaller set), "
                         f"got {subset_size}")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}")
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(num_subsets):
        a = features_a[rng.choice(features_a.shape[0], subset_size, replace=False)]
        b = features_b[rng.choice(features_b.shape[0], subset_size, replace=False)]
        estimates.append(unbiased_mmd2(a, b))
    return float(np.mean(estimates)), float(np.std(estimates))


def inception_score(probabilities, splits=10):
    """Mean and std (ddof 0) over `splits` contiguous parts of
    exp(E_x[KL(p(y|x) ‖ p(y))]), p(y) the part's mean prediction (0·log 0 = 0)."""
    probabilities = _as_points(probabilities, "probabilities")
    if np.any(probabilities < 0) or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probabilities must be non-negative rows summing to 1")
    if not 1 <= splits <= probabilities.shape[0]:
        raise ValueError(f"splits must be in [1, {probabilities.shape[0]}] (rows), got {splits}")
    scores = []
    for part in np.array_split(probabilities, splits):
        marginal = part.mean(axis=0)
        safe_part = np.where(part > 0, part, 1.0)   # 0·log 0 = 0; marginal > 0 where part > 0
        safe_marginal = np.where(marginal > 0, marginal, 1.0)
        kl_rows = np.sum(part * (np.log(safe_part) - np.log(safe_marginal)), axis=1)
        scores.append(math.exp(kl_rows.mean()))
    return float(np.mean(scores)), float(np.std(scores))
