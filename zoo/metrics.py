"""Distribution distances and sample-quality metrics for GANs.

Divergences between discrete distributions (natural log unless `base` is given):
  total_variation, kl_divergence, js_divergence.
  The GAN theory of Goodfellow et al. 2014 (Prop. 1, Thm. 1):
  optimal_discriminator D* = p_data / (p_data + p_g), gan_value V(D, G) and
  gan_value_at_optimum C(G) = −log 4 + 2·JS(p_data ‖ p_g).
Wasserstein distances:
  wasserstein_1d (exact W1 of 1-D weighted samples: ∫|F_x − F_y|);
  sliced_wasserstein (mean W1 over random 1-D projections; Rabin et al. 2011,
  Deshpande et al. 2018).
Gaussians in closed form:
  kl_gaussian, frechet_distance_gaussian (= W2², Dowson & Landau 1982),
  wasserstein2_gaussian.
Sample quality on features:
  frechet_distance (FID, Heusel et al. 2017, the TTUR code's statistics);
  kernel_inception_distance (KID, Bińkowski et al. 2018: unbiased MMD², cubic
  polynomial kernel, mean and std over subsets);
  inception_score (Salimans et al. 2016, the openai/improved-gan code's splits);
  precision_recall (Kynkäänniemi et al. 2019, k-NN balls, k = 3);
  density_coverage (Naeem et al. 2020, k = 5).
Likelihood:
  parzen_log_likelihood, parzen_protocol (Gaussian Parzen window, σ picked on
  validation rows; Goodfellow et al. 2014, Table 1 and `parzen_ll.py`).
Mode collapse:
  toy_mixture_modes (the centres and σ of zoo.data's 8gaussians, 25gaussians),
  mode_statistics (modes covered, share of high-quality samples; as in
  Srivastava et al. 2017, VEEGAN), kmeans, ndb (number of statistically
  different bins, Richardson & Weiss 2018).

Everything is computed in float64 (Parzen's distances too, with TensorFlow).
Bad input raises a one-line ValueError.
"""

import math
import statistics

import numpy as np
import tensorflow as tf

# Rows of a block of pairwise distances (memory: block × other rows × 8 bytes).
DISTANCE_BLOCK_ROWS = 1000


# --------------------------------------------------------------------------
# Input checks.

def _as_float_array(values, name):
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array


def _as_points(values, name, min_rows=1):
    """A (n, d) float64 array: one row per point."""
    points = _as_float_array(values, name)
    if points.ndim != 2:
        raise ValueError(f"{name} must be 2-D (points, features), got shape {points.shape}")
    if points.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {points.shape[0]}")
    return points


def _as_point_pair(a, b, names, min_rows=1):
    a, b = _as_points(a, names[0], min_rows), _as_points(b, names[1], min_rows)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{names[0]} and {names[1]} must have the same number of "
                         f"features, got {a.shape[1]} and {b.shape[1]}")
    return a, b


def _as_distribution(values, name):
    """Non-negative masses of any shape, normalised to sum to 1."""
    masses = _as_float_array(values, name)
    if np.any(masses < 0):
        raise ValueError(f"{name} must be non-negative")
    total = masses.sum()
    if not total > 0:
        raise ValueError(f"{name} must have a positive sum")
    return masses / total


def _as_distribution_pair(p, q):
    p, q = _as_distribution(p, "p"), _as_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return p, q


def _log_base(base):
    if base is None:
        return 1.0
    if not (base > 0 and base != 1):
        raise ValueError(f"base must be positive and not 1, got {base}")
    return math.log(base)


def _check_neighbours(k, n, name):
    if not (isinstance(k, (int, np.integer)) and 1 <= k < n):
        raise ValueError(f"k must be an integer with 1 <= k < rows of {name} ({n}), got {k}")


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


# --------------------------------------------------------------------------
# k-NN manifolds: precision/recall, density/coverage.

def _squared_distances(a, b):
    """‖a_i − b_j‖² for all pairs, by ‖a‖² − 2a·b + ‖b‖², clipped at 0."""
    squared = (a * a).sum(axis=1)[:, None] - 2.0 * (a @ b.T) + (b * b).sum(axis=1)[None, :]
    return np.maximum(squared, 0.0)


def _distance_blocks(rows, columns):
    """Yields (start, distances of rows[start:start + block] to all columns)."""
    for start in range(0, rows.shape[0], DISTANCE_BLOCK_ROWS):
        block = rows[start:start + DISTANCE_BLOCK_ROWS]
        yield start, np.sqrt(_squared_distances(block, columns))


def _kth_neighbour_distances(points, k):
    """Distance of each point to its k-th nearest other point. Each row holds the
    point itself at distance 0, so the k-th neighbour is at sorted position k."""
    radii = np.empty(points.shape[0])
    for start, distances in _distance_blocks(points, points):
        radii[start:start + distances.shape[0]] = np.partition(distances, k, axis=1)[:, k]
    return radii


def _ball_counts(centres, radii, points, strict):
    """For each point, how many balls B(centre_i, radius_i) hold it; for each
    centre, whether its ball holds any point. Balls are open if `strict`.
    Centres are the rows of each distance block, as in _kth_neighbour_distances,
    so a point set tested against its own balls sees the same distances."""
    points_in = np.zeros(points.shape[0], dtype=np.int64)
    ball_hit = np.zeros(centres.shape[0], dtype=bool)
    for start, distances in _distance_blocks(centres, points):
        block_radii = radii[start:start + distances.shape[0], None]
        inside = distances < block_radii if strict else distances <= block_radii
        points_in += inside.sum(axis=0)
        ball_hit[start:start + distances.shape[0]] = inside.any(axis=1)
    return points_in, ball_hit


def precision_recall(real, fake, k=3):
    """Improved precision and recall (Kynkäänniemi et al. 2019). Each set's
    manifold is the union of closed balls around its points with radius the
    distance to the k-th nearest neighbour (as the authors' code, ≤). Precision:
    share of fake points inside the real manifold; recall: share of real points
    inside the fake manifold. Returns {"precision", "recall"}."""
    real, fake = _as_point_pair(real, fake, ("real", "fake"))
    _check_neighbours(k, real.shape[0], "real")
    _check_neighbours(k, fake.shape[0], "fake")
    fake_in_real, _ = _ball_counts(real, _kth_neighbour_distances(real, k), fake, strict=False)
    real_in_fake, _ = _ball_counts(fake, _kth_neighbour_distances(fake, k), real, strict=False)
    return {"precision": float(np.mean(fake_in_real > 0)),
            "recall": float(np.mean(real_in_fake > 0))}


def density_coverage(real, fake, k=5):
    """Density and coverage (Naeem et al. 2020), with open balls B(x_i, r_i)
    around real points, r_i the distance to the k-th nearest real neighbour
    (strict <, as the authors' code). Density: (1 / kM) Σ_j #{i : y_j ∈ B_i}
    over M fake points; coverage: share of real balls holding a fake point.
    Returns {"density", "coverage"}."""
    real, fake = _as_point_pair(real, fake, ("real", "fake"))
    _check_neighbours(k, real.shape[0], "real")
    balls_holding_fake, ball_hit = _ball_counts(
        real, _kth_neighbour_distances(real, k), fake, strict=True)
    return {"density": float(balls_holding_fake.sum() / (k * fake.shape[0])),
            "coverage": float(np.mean(ball_hit))}


# --------------------------------------------------------------------------
# Mode collapse on the toy mixtures; NDB.

def toy_mixture_modes(name):
    """(centres (K, 2), σ) of zoo.data's mixtures, as gan_toy.py makes them:
    8gaussians: 8 points on the radius-2 circle, σ 0.02, all / 1.414;
    25gaussians: the 5×5 grid over −4..4 step 2, σ 0.05, all / 2.828."""
    if name == "8gaussians":
        diagonal = 1 / math.sqrt(2)
        unit = [(1, 0), (-1, 0), (0, 1), (0, -1), (diagonal, diagonal), (diagonal, -diagonal),
                (-diagonal, diagonal), (-diagonal, -diagonal)]
        return 2.0 * np.array(unit) / 1.414, 0.02 / 1.414
    if name == "25gaussians":
        grid = [(2.0 * i, 2.0 * j) for i in range(-2, 3) for j in range(-2, 3)]
        return np.array(grid) / 2.828, 0.05 / 2.828
    raise ValueError(f"toy mixture must be '8gaussians' or '25gaussians', got {name!r}")


def _nearest_centres(points, centres):
    """(index of the nearest centre, distance to it) for each point."""
    nearest = np.empty(points.shape[0], dtype=np.int64)
    distance = np.empty(points.shape[0])
    for start, distances in _distance_blocks(points, centres):
        block = slice(start, start + distances.shape[0])
        nearest[block] = distances.argmin(axis=1)
        distance[block] = distances.min(axis=1)
    return nearest, distance


def mode_statistics(samples, centers, std, min_count=1):
    """A sample is high quality when within 3·std of its nearest centre; a mode
    is covered when at least `min_count` high-quality samples have it as nearest
    centre (min_count = 20 of 2,500 samples is PacGAN's rule for 25 modes).
    Returns {"modes_covered", "num_modes", "high_quality_fraction",
    "high_quality_counts" (per mode)}."""
    samples, centers = _as_point_pair(samples, centers, ("samples", "centers"))
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    nearest, distance = _nearest_centres(samples, centers)
    high_quality = distance <= 3 * std
    counts = np.bincount(nearest[high_quality], minlength=centers.shape[0])
    return {"modes_covered": int(np.sum(counts >= min_count)),
            "num_modes": centers.shape[0],
            "high_quality_fraction": float(high_quality.mean()),
            "high_quality_counts": counts}


def _kmeans_plus_plus(points, num_clusters, rng):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007, §6): each next centre is the
    best of 2 + ⌊ln K⌋ candidates drawn ∝ squared distance to the chosen ones,
    best meaning the lowest total squared distance once it is added."""
    num_candidates = 2 + int(math.log(num_clusters))
    centres = [points[rng.integers(points.shape[0])]]
    squared = _squared_distances(points, centres[0][None])[:, 0]
    for _ in range(1, num_clusters):
        total = squared.sum()
        candidates = rng.choice(points.shape[0], num_candidates, p=squared / total) \
            if total > 0 else rng.integers(points.shape[0], size=num_candidates)
        updated = np.minimum(squared[None], _squared_distances(points[candidates], points))
        best = int(np.argmin(updated.sum(axis=1)))
        centres.append(points[candidates[best]])
        squared = updated[best]
    return np.array(centres)


def _cluster_means(points, labels, distance, centroids):
    """Each cluster's mean; an empty cluster takes the point farthest from its centre."""
    means = centroids.copy()
    distance = distance.copy()
    for cluster in range(centroids.shape[0]):
        members = points[labels == cluster]
        if members.shape[0] == 0:
            farthest = int(distance.argmax())
            distance[farthest] = 0.0
            members = points[farthest][None]
        means[cluster] = members.mean(axis=0)
    return means


def kmeans(points, num_clusters, seed=0, max_iterations=100):
    """Lloyd's k-means from a seeded k-means++ start, until the centroids stop
    moving. Returns (centroids, labels): each point's nearest final centroid."""
    points = _as_points(points, "points")
    if not 1 <= num_clusters <= points.shape[0]:
        raise ValueError(f"num_clusters must be in [1, {points.shape[0]}] (rows), "
                         f"got {num_clusters}")
    centroids = _kmeans_plus_plus(points, num_clusters, np.random.default_rng(seed))
    for _ in range(max_iterations):
        labels, distance = _nearest_centres(points, centroids)
        new_centroids = _cluster_means(points, labels, distance, centroids)
        if np.array_equal(new_centroids, centroids):
            break
        centroids = new_centroids
    labels, _ = _nearest_centres(points, centroids)
    return centroids, labels


def two_proportion_z(count_a, total_a, count_b, total_b):
    """z of the pooled two-proportion test of count_a/total_a vs count_b/total_b
    (0 where the pooled proportion is 0 or 1)."""
    count_a, count_b = np.asarray(count_a, np.float64), np.asarray(count_b, np.float64)
    pooled = (count_a + count_b) / (total_a + total_b)
    standard_error = np.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    gap = count_a / total_a - count_b / total_b
    return np.where(standard_error > 0, gap / np.where(standard_error > 0, standard_error, 1), 0.0)


def ndb(real, fake, num_bins=100, alpha=0.05, seed=0):
    """Number of statistically different bins (Richardson & Weiss 2018): k-means
    on the real samples makes `num_bins` bins, fake samples go to the nearest
    centroid, and a bin differs when the two-proportion z-test rejects equal
    shares at level alpha (two-sided). Returns {"ndb", "ndb_fraction" (NDB/K),
    "different", "z", "real_proportions", "fake_proportions", "centroids"}."""
    real, fake = _as_point_pair(real, fake, ("real", "fake"))
    if not 1 <= num_bins <= real.shape[0]:
        raise ValueError(f"num_bins must be in [1, {real.shape[0]}] (rows of real), "
                         f"got {num_bins}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    centroids, real_bins = kmeans(real, num_bins, seed=seed)
    fake_bins, _ = _nearest_centres(fake, centroids)
    real_counts = np.bincount(real_bins, minlength=num_bins)
    fake_counts = np.bincount(fake_bins, minlength=num_bins)
    z = two_proportion_z(real_counts, real.shape[0], fake_counts, fake.shape[0])
    different = np.abs(z) > statistics.NormalDist().inv_cdf(1 - alpha / 2)
    return {"ndb": int(different.sum()), "ndb_fraction": float(different.mean()),
            "different": different, "z": z,
            "real_proportions": real_counts / real.shape[0],
            "fake_proportions": fake_counts / fake.shape[0], "centroids": centroids}


# --------------------------------------------------------------------------
# Parzen-window log-likelihood (Goodfellow et al. 2014).

def _as_flat_rows(values, name):
    """(n, ...) → (n, features) float64."""
    array = _as_float_array(values, name)
    if array.ndim < 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n, ...) with n >= 1, got {array.shape}")
    return array.reshape(array.shape[0], -1)


def _as_sigmas(sigma):
    sigmas = np.atleast_1d(_as_float_array(sigma, "sigma"))
    if sigmas.ndim != 1 or np.any(sigmas <= 0):
        raise ValueError("sigma must be a positive number or a 1-D array of them")
    return sigmas


def _parzen_block(x_block, samples, squared_sample_norms, inverse_two_variances, batch_size):
    """log Σ_i exp(−‖x − s_i‖² / 2σ²) for each σ and each x of the block,
    (num_sigmas, block): one distance computation per sample block serves every σ;
    log-sum-exp over sample blocks, then over their partial sums."""
    squared_x_norms = tf.reduce_sum(x_block * x_block, axis=1, keepdims=True)
    partials = []
    for start in range(0, samples.shape[0], batch_size):
        sample_block = samples[start:start + batch_size]
        squared = tf.maximum(
            squared_x_norms - 2.0 * tf.matmul(x_block, sample_block, transpose_b=True)
            + squared_sample_norms[None, start:start + batch_size], 0.0)
        closest = tf.reduce_min(squared, axis=1, keepdims=True)
        excess = squared - closest                       # ≥ 0: exp(−excess·c) ≤ 1
        # (σ, x, sample): −excess/2σ² ≤ 0, summed to ≥ 1; the max is added back.
        sums = tf.reduce_sum(tf.exp(-excess[None] * inverse_two_variances[:, None, None]), axis=2)
        partials.append(tf.math.log(sums) - closest[None, :, 0] * inverse_two_variances[:, None])
    return tf.reduce_logsumexp(tf.stack(partials, axis=2), axis=2)


def parzen_log_likelihood(samples, x, sigma, batch_size=1000):
    """log p(x) under the isotropic Gaussian Parzen window on `samples`:
    log mean_i N(x; s_i, σ²I) = logsumexp_i(−‖x − s_i‖²/2σ²) − log n − (d/2)·log(2πσ²),
    per row of x (trailing dims flattened), in float64. A scalar sigma gives
    shape (len(x),), a 1-D array of sigmas (len(sigmas), len(x)). Memory is
    bounded by blocks of batch_size rows of x × batch_size samples: about
    3·len(sigmas)·batch_size²·8 bytes at a time."""
    samples, x = _as_flat_rows(samples, "samples"), _as_flat_rows(x, "x")
    if samples.shape[1] != x.shape[1]:
        raise ValueError(f"samples and x must have the same number of features, "
                         f"got {samples.shape[1]} and {x.shape[1]}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    sigmas = _as_sigmas(sigma)
    samples_t = tf.constant(samples)
    squared_sample_norms = tf.reduce_sum(samples_t * samples_t, axis=1)
    inverse_two_variances = tf.constant(1.0 / (2.0 * sigmas ** 2))
    log_sums = np.concatenate(
        [_parzen_block(tf.constant(x[start:start + batch_size]), samples_t,
                       squared_sample_norms, inverse_two_variances, batch_size).numpy()
         for start in range(0, x.shape[0], batch_size)], axis=1)
    dims = x.shape[1]
    log_normaliser = math.log(samples.shape[0]) + 0.5 * dims * np.log(2 * np.pi * sigmas ** 2)
    log_likelihoods = log_sums - log_normaliser[:, None]
    return log_likelihoods[0] if np.ndim(sigma) == 0 else log_likelihoods


def parzen_protocol(samples, validation, test, sigmas=np.logspace(-1, 0, 10),
                    n_validation=1000, batch_size=1000):
    """Goodfellow et al. 2014's protocol (`parzen_ll.py`): σ maximising the mean
    log-likelihood of the first n_validation validation rows, then the test
    set's mean log-likelihood ± std / √N (numpy std, ddof 0, as the code).
    Returns {"sigma", "mean", "sem", "sigmas", "validation_scores"}."""
    sigmas = _as_sigmas(sigmas)
    validation = _as_flat_rows(validation, "validation")
    if not 1 <= n_validation <= validation.shape[0]:
        raise ValueError(f"n_validation must be in [1, {validation.shape[0]}] "
                         f"(validation rows), got {n_validation}")
    validation_scores = parzen_log_likelihood(
        samples, validation[:n_validation], sigmas, batch_size).mean(axis=1)
    best_sigma = float(sigmas[int(np.argmax(validation_scores))])
    test_log_likelihoods = parzen_log_likelihood(samples, test, best_sigma, batch_size)
    return {"sigma": best_sigma, "mean": float(test_log_likelihoods.mean()),
            "sem": float(test_log_likelihoods.std() / math.sqrt(test_log_likelihoods.size)),
            "sigmas": sigmas, "validation_scores": validation_scores}
