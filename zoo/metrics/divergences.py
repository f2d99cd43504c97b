"""Divergences and distances between distributions, and the GAN theory they
enter: TV, KL, JS on discrete distributions; the optimal discriminator and
the value at the optimum (Goodfellow et al. 2014, Prop. 1, Thm. 1); exact 1-D
and sliced Wasserstein distances; Gaussians in closed form."""

import math

import numpy as np

from zoo.metrics.checks import (_as_distribution_pair, _as_float_array, _as_point_pair,
                                 _log_base)


# --------------------------------------------------------------------------
# Discrete divergences.

def total_variation(p, q):
    """TV(p, q) = ½ Σ |p − q| = sup over events |P(A) − Q(A)|, in [0, 1]."""
    p, q = _as_distribution_pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


def _kl_normalised(p, q):
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf
    return float(np.sum(p[support] * (np.log(p[support]) - np.log(q[support]))))


def kl_divergence(p, q, base=None):
    """KL(p ‖ q) = Σ p log(p / q), with 0·log 0 = 0; ∞ where q = 0 < p."""
    scale = _log_base(base)
    p, q = _as_distribution_pair(p, q)
    return _kl_normalised(p, q) / scale


def js_divergence(p, q, base=None):
    """JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q) / 2; in [0, log 2]."""
    scale = _log_base(base)
    p, q = _as_distribution_pair(p, q)
    mixture = 0.5 * (p + q)
    return (0.5 * _kl_normalised(p, mixture) + 0.5 * _kl_normalised(q, mixture)) / scale


# --------------------------------------------------------------------------
# The optimal discriminator (Goodfellow et al. 2014, Prop. 1 and Thm. 1).

def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) for densities (or masses) at the
    same points; ½ where both are 0 (any value gives the same V there)."""
    p_data = _as_float_array(p_data, "p_data")
    p_g = _as_float_array(p_g, "p_g")
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got "
                         f"{p_data.shape} and {p_g.shape}")
    if np.any(p_data < 0) or np.any(p_g < 0):
        raise ValueError("p_data and p_g must be non-negative")
    total = p_data + p_g
    safe_total = np.where(total > 0, total, 1.0)
    return np.where(total > 0, p_data / safe_total, 0.5)


def _expected_log(masses, values):
    """Σ masses·log(values) over masses > 0 (0·log 0 = 0); −∞ if a value there is 0."""
    support = masses > 0
    if np.any(values[support] == 0):
        return -math.inf
    return float(np.sum(masses[support] * np.log(values[support])))


def gan_value(p_data, p_g, discriminator):
    """V(D, G) = E_p_data[log D(x)] + E_p_g[log(1 − D(x))] for discrete
    distributions and the discriminator's outputs D(x) ∈ [0, 1] at their points."""
    p_data, p_g = _as_distribution_pair(p_data, p_g)
    d = _as_float_array(discriminator, "discriminator")
    if d.shape != p_data.shape:
        raise ValueError(f"discriminator must have shape {p_data.shape}, got {d.shape}")
    if np.any(d < 0) or np.any(d > 1):
        raise ValueError("discriminator outputs must lie in [0, 1]")
    return _expected_log(p_data, d) + _expected_log(p_g, 1.0 - d)


def gan_value_at_optimum(p_data, p_g):
    """C(G) = max_D V(D, G) = −log 4 + 2·JS(p_data ‖ p_g); −log 4 iff p_g = p_data."""
    return -math.log(4.0) + 2.0 * js_divergence(p_data, p_g)


# --------------------------------------------------------------------------
# Wasserstein distances.

def _weighted_points_1d(values, weights, name):
    points = _as_float_array(values, name)
    if points.ndim != 1 or points.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {points.shape}")
    if weights is None:
        return points, np.ones_like(points)
    weights = _as_float_array(weights, f"{name}_weights")
    if weights.shape != points.shape:
        raise ValueError(f"{name}_weights must have shape {points.shape}, got {weights.shape}")
    if np.any(weights < 0) or not weights.sum() > 0:
        raise ValueError(f"{name}_weights must be non-negative with a positive sum")
    return points, weights


def _cdf_at(sorted_points, sorted_weights, at):
    """F(at) = P(X ≤ at) of the weighted points."""
    cumulative = np.concatenate([[0.0], np.cumsum(sorted_weights)])
    cumulative /= cumulative[-1]
    return cumulative[np.searchsorted(sorted_points, at, side="right")]


def wasserstein_1d(x, y, x_weights=None, y_weights=None):
    """Exact W1 between two 1-D (weighted) empirical distributions:
    ∫ |F_x(t) − F_y(t)| dt, summed over the intervals between sorted points."""
    x, x_weights = _weighted_points_1d(x, x_weights, "x")
    y, y_weights = _weighted_points_1d(y, y_weights, "y")
    x_order, y_order = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    x, x_weights, y, y_weights = x[x_order], x_weights[x_order], y[y_order], y_weights[y_order]
    breakpoints = np.sort(np.concatenate([x, y]))
    left_ends, widths = breakpoints[:-1], np.diff(breakpoints)
    cdf_gap = np.abs(_cdf_at(x, x_weights, left_ends) - _cdf_at(y, y_weights, left_ends))
    return float(np.sum(cdf_gap * widths))


def random_unit_directions(dim, count, seed=0):
    """`count` directions uniform on the unit sphere of R^dim (normalised Gaussians)."""
    gaussians = np.random.default_rng(seed).standard_normal((count, dim))
    return gaussians / np.linalg.norm(gaussians, axis=1, keepdims=True)


def sliced_wasserstein(x, y, num_projections=128, seed=0):
    """Mean over random unit directions θ of W1(θ·x, θ·y): the sliced W1
    distance (the directions are `random_unit_directions(d, num_projections, seed)`)."""
    x, y = _as_point_pair(x, y, ("x", "y"))
    if num_projections < 1:
        raise ValueError(f"num_projections must be >= 1, got {num_projections}")
    directions = random_unit_directions(x.shape[1], num_projections, seed)
    x_projected, y_projected = x @ directions.T, y @ directions.T
    return float(np.mean([wasserstein_1d(x_projected[:, i], y_projected[:, i])
                          for i in range(num_projections)]))


# --------------------------------------------------------------------------
# Gaussians in closed form.

def _gaussian_parameters(mean, cov, name):
    """mean (d,) and a symmetric cov (d, d); scalars are a 1-D Gaussian's mean and variance."""
    mean = np.atleast_1d(_as_float_array(mean, f"{name} mean"))
    cov = np.atleast_2d(_as_float_array(cov, f"{name} covariance"))
    d = mean.shape[0]
    if mean.ndim != 1 or cov.shape != (d, d):
        raise ValueError(f"{name}: mean must be (d,) and covariance (d, d), got "
                         f"{mean.shape} and {cov.shape}")
    if not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-12 * np.abs(cov).max()):
        raise ValueError(f"{name} covariance must be symmetric")
    return mean, 0.5 * (cov + cov.T)


def _gaussian_pair(mu1, cov1, mu2, cov2):
    mu1, cov1 = _gaussian_parameters(mu1, cov1, "first")
    mu2, cov2 = _gaussian_parameters(mu2, cov2, "second")
    if mu1.shape != mu2.shape:
        raise ValueError(f"the Gaussians must have the same dimension, got "
                         f"{mu1.shape[0]} and {mu2.shape[0]}")
    return mu1, cov1, mu2, cov2


def kl_gaussian(mu1, cov1, mu2, cov2):
    """KL(N(μ1, Σ1) ‖ N(μ2, Σ2)) = ½[tr(Σ2⁻¹Σ1) + (μ2−μ1)ᵀΣ2⁻¹(μ2−μ1) − d + ln(|Σ2|/|Σ1|)];
    covariances must be positive definite."""
    mu1, cov1, mu2, cov2 = _gaussian_pair(mu1, cov1, mu2, cov2)
    try:
        chol1, chol2 = np.linalg.cholesky(cov1), np.linalg.cholesky(cov2)
    except np.linalg.LinAlgError:
        raise ValueError("kl_gaussian needs positive definite covariances") from None
    whitened_cov1 = np.linalg.solve(chol2, chol1)          # L2⁻¹ L1
    whitened_shift = np.linalg.solve(chol2, mu2 - mu1)     # L2⁻¹ (μ2 − μ1)
    log_det_ratio = 2 * (np.log(np.diag(chol2)).sum() - np.log(np.diag(chol1)).sum())
    return float(0.5 * (np.sum(whitened_cov1 ** 2) + whitened_shift @ whitened_shift
                        - mu1.shape[0] + log_det_ratio))


def _psd_eigenvalues(matrix, name):
    """Eigenvalues of a symmetric PSD matrix, round-off negatives set to 0."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    scale = max(np.abs(eigenvalues).max(), np.finfo(np.float64).tiny)
    if eigenvalues.min() < -1e-8 * scale:
        raise ValueError(f"{name} must be positive semi-definite "
                         f"(eigenvalue {eigenvalues.min():.3g})")
    return np.clip(eigenvalues, 0.0, None), eigenvectors


def _trace_sqrt_product(cov1, cov2):
    """tr((Σ1Σ2)^½) as tr((Σ1^½ Σ2 Σ1^½)^½): the same eigenvalues, but of a
    symmetric PSD matrix, so `eigh` applies and nothing complex appears. Singular
    covariances need no ε·I offset (the sqrtm-based code's guard): round-off
    eigenvalues below 0 are set to 0 before the square root."""
    eigenvalues, eigenvectors = _psd_eigenvalues(cov1, "the first covariance")
    sqrt_cov1 = (eigenvectors * np.sqrt(eigenvalues)) @ eigenvectors.T
    middle = sqrt_cov1 @ cov2 @ sqrt_cov1
    middle_eigenvalues, _ = _psd_eigenvalues(0.5 * (middle + middle.T), "Σ1^½ Σ2 Σ1^½")
    return float(np.sqrt(middle_eigenvalues).sum())


def frechet_distance_gaussian(mu1, cov1, mu2, cov2):
    """‖μ1 − μ2‖² + tr(Σ1 + Σ2 − 2(Σ1Σ2)^½): the squared W2 distance between
    N(μ1, Σ1) and N(μ2, Σ2) (Dowson & Landau 1982); covariances PSD."""
    mu1, cov1, mu2, cov2 = _gaussian_pair(mu1, cov1, mu2, cov2)
    _psd_eigenvalues(cov2, "the second covariance")
    shift = mu1 - mu2
    return float(shift @ shift + np.trace(cov1) + np.trace(cov2)
                 - 2 * _trace_sqrt_product(cov1, cov2))


def wasserstein2_gaussian(mu1, cov1, mu2, cov2):
    """W2(N(μ1, Σ1), N(μ2, Σ2)) = √frechet_distance_gaussian."""
    return math.sqrt(max(frechet_distance_gaussian(mu1, cov1, mu2, cov2), 0.0))
