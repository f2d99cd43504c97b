"""zoo.metrics against closed forms, hand-worked examples and brute force.

Each tolerance is either float round-off (1e-12 and tighter for float64 sums of
a few hundred terms) or a stated multiple of a sampling standard error."""

import math

import numpy as np
import pytest

from zoo import data, metrics

LOG2 = math.log(2.0)


def random_distribution(rng, size, zeros=0):
    """A Dirichlet(1) draw with `zeros` entries set to 0, renormalised."""
    p = rng.dirichlet(np.ones(size))
    p[rng.choice(size, zeros, replace=False)] = 0.0
    return p / p.sum()


# ---- REFERENCE.md §6: P = δ(0)×U(0,1), Q = δ(θ)×U(0,1) --------------------------

def delta_times_uniform(x_position, x_grid, y_bins=50):
    """Masses on x_grid × y-bins: all x-mass at x_position, uniform over y."""
    x_mass = (x_grid == x_position).astype(float)
    return np.outer(x_mass, np.full(y_bins, 1.0 / y_bins))


@pytest.mark.parametrize("theta", [0.5, -1.25, 3.0])
def test_disjoint_supports_give_tv_1_kl_inf_js_log2_w1_theta(theta):
    x_grid = np.array([-2.0, 0.0, 0.5, -1.25, 3.0])
    p, q = delta_times_uniform(0.0, x_grid), delta_times_uniform(theta, x_grid)
    assert metrics.total_variation(p, q) == 1.0
    assert metrics.kl_divergence(p, q) == math.inf
    assert metrics.kl_divergence(q, p) == math.inf
    # JS = ½ log(1/½) + ½ log(1/½) = log 2; exact but for round-off.
    assert metrics.js_divergence(p, q) == pytest.approx(LOG2, rel=1e-14)
    assert metrics.js_divergence(p, q, base=2) == pytest.approx(1.0, rel=1e-14)
    # W1 moves every sample's first coordinate from 0 to θ: cost |θ| exactly.
    rng = np.random.default_rng(0)
    p_samples = np.stack([np.zeros(400), rng.random(400)], axis=1)
    q_samples = np.stack([np.full(300, theta), rng.random(300)], axis=1)
    assert metrics.wasserstein_1d(p_samples[:, 0], q_samples[:, 0]) == pytest.approx(
        abs(theta), rel=1e-14)


def test_equal_distributions_have_zero_divergences():
    x_grid = np.array([-1.0, 0.0, 1.0])
    p = delta_times_uniform(0.0, x_grid)
    assert metrics.total_variation(p, p) == 0.0
    assert metrics.kl_divergence(p, p) == 0.0
    assert metrics.js_divergence(p, p) == pytest.approx(0.0, abs=1e-16)
    assert metrics.wasserstein_1d(np.zeros(10), np.zeros(7)) == 0.0


# ---- discrete divergences ------------------------------------------------------

def test_kl_is_not_symmetric_on_a_worked_example():
    p, q = [0.5, 0.5], [0.9, 0.1]
    # KL(p‖q) = ½ log(0.5/0.9) + ½ log(0.5/0.1) = log(5/3).
    assert metrics.kl_divergence(p, q) == pytest.approx(math.log(5 / 3), rel=1e-14)
    # KL(q‖p) = 0.9 log 1.8 + 0.1 log 0.2.
    reverse = 0.9 * math.log(1.8) + 0.1 * math.log(0.2)
    assert metrics.kl_divergence(q, p) == pytest.approx(reverse, rel=1e-14)
    assert abs(metrics.kl_divergence(p, q) - reverse) > 0.1
    assert metrics.kl_divergence(p, q, base=2) == pytest.approx(math.log2(5 / 3), rel=1e-14)


def test_inputs_are_normalised_and_zero_mass_contributes_nothing():
    # Unnormalised masses are divided by their sums; 0·log 0 = 0.
    assert metrics.kl_divergence([1, 1, 0], [9, 1, 0]) == pytest.approx(
        math.log(5 / 3), rel=1e-14)
    # q = 0 only where p = 0: finite; q = 0 where p > 0: infinite.
    assert metrics.kl_divergence([1, 0], [1, 1]) == pytest.approx(LOG2, rel=1e-14)
    assert metrics.kl_divergence([1, 1], [1, 0]) == math.inf
    assert metrics.total_variation([2, 0], [0, 5]) == 1.0


def test_js_is_symmetric_bounded_and_pinsker_holds_on_random_distributions():
    rng = np.random.default_rng(0)
    for trial in range(200):
        p = random_distribution(rng, 6, zeros=trial % 3)
        q = random_distribution(rng, 6, zeros=(trial // 3) % 3)
        js = metrics.js_divergence(p, q)
        assert js == pytest.approx(metrics.js_divergence(q, p), rel=1e-12, abs=1e-15)
        assert -1e-15 <= js <= LOG2 + 1e-15
        # JS ≤ TV·log 2 and Pinsker TV ≤ √(KL/2): both theorems; strict only at equality.
        tv = metrics.total_variation(p, q)
        assert js <= tv * LOG2 + 1e-15
        assert tv <= math.sqrt(metrics.kl_divergence(p, q) / 2) + 1e-15


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.kl_divergence([0.5, 0.5], [1.0]), "same shape"),
    (lambda: metrics.total_variation([-0.1, 1.1], [0.5, 0.5]), "non-negative"),
    (lambda: metrics.js_divergence([0, 0], [0.5, 0.5]), "positive sum"),
    (lambda: metrics.js_divergence([np.nan, 1], [0.5, 0.5]), "finite"),
    (lambda: metrics.kl_divergence([0.5, 0.5], [0.5, 0.5], base=1), "base"),
])
def test_divergences_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the optimal discriminator -------------------------------------------------

def test_optimal_discriminator_value_equals_the_js_form():
    rng = np.random.default_rng(1)
    for trial in range(50):
        p_data = random_distribution(rng, 8, zeros=trial % 4)
        p_g = random_distribution(rng, 8, zeros=(trial + 1) % 4)
        d_star = metrics.optimal_discriminator(p_data, p_g)
        direct = metrics.gan_value(p_data, p_g, d_star)
        # E_pdata[log D*] + E_pg[log(1 − D*)] = −log 4 + 2·JS: equal but for round-off.
        assert direct == pytest.approx(metrics.gan_value_at_optimum(p_data, p_g), rel=1e-12)
        assert direct > -math.log(4) + 1e-9          # p_g ≠ p_data: strictly above −log 4
        # D* is the maximiser: any other discriminator gives less.
        other = np.clip(d_star + rng.uniform(-0.2, 0.2, 8), 1e-3, 1 - 1e-3)
        assert metrics.gan_value(p_data, p_g, other) < direct


def test_value_at_optimum_is_minus_log_4_iff_generator_matches_data():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(metrics.optimal_discriminator(p, p), np.full(4, 0.5))
    assert metrics.gan_value(p, p, np.full(4, 0.5)) == pytest.approx(-math.log(4), rel=1e-15)
    assert metrics.gan_value_at_optimum(p, p) == pytest.approx(-math.log(4), rel=1e-15)
    # Disjoint supports: D* is 1 on the data, 0 on the samples: V = 0 = −log 4 + 2 log 2.
    p_data, p_g = [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]
    np.testing.assert_array_equal(metrics.optimal_discriminator(p_data, p_g), [1, 1, 0, 0])
    assert metrics.gan_value(p_data, p_g, [1, 1, 0, 0]) == 0.0
    assert metrics.gan_value_at_optimum(p_data, p_g) == pytest.approx(0.0, abs=1e-15)
    # Where neither has mass D* is ½.
    assert metrics.optimal_discriminator([0.0, 1.0], [0.0, 3.0]).tolist() == [0.5, 0.25]


# ---- Wasserstein-1 in one dimension ---------------------------------------------

def test_wasserstein_1d_of_equal_size_samples_is_the_mean_sorted_gap():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(300), rng.exponential(size=300)
    expected = np.mean(np.abs(np.sort(x) - np.sort(y)))   # the monotone coupling
    assert metrics.wasserstein_1d(x, y) == pytest.approx(expected, rel=1e-12)
    assert metrics.wasserstein_1d(y, x) == pytest.approx(expected, rel=1e-12)


def test_wasserstein_1d_integer_weights_equal_repeated_points():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(20), rng.standard_normal(15) + 1
    x_counts, y_counts = rng.integers(1, 5, 20), rng.integers(1, 5, 15)
    repeated = metrics.wasserstein_1d(np.repeat(x, x_counts), np.repeat(y, y_counts))
    weighted = metrics.wasserstein_1d(x, y, x_weights=x_counts, y_weights=y_counts)
    assert weighted == pytest.approx(repeated, rel=1e-12)
    # A hand example: ½δ0 + ½δ1 to δ1 moves half the mass by 1.
    assert metrics.wasserstein_1d([0, 1], [1]) == 0.5
    assert metrics.wasserstein_1d([0, 1], [0, 1], x_weights=[3, 1]) == 0.25


# ---- Gaussians in closed form ---------------------------------------------------

def kl_gaussian_1d(mu1, var1, mu2, var2):
    return 0.5 * math.log(var2 / var1) + (var1 + (mu1 - mu2) ** 2) / (2 * var2) - 0.5


def test_kl_gaussian_scalar_cases():
    assert metrics.kl_gaussian(0.0, 1.0, 1.0, 1.0) == pytest.approx(0.5, rel=1e-15)
    assert metrics.kl_gaussian(0.3, 2.0, -1.0, 0.5) == pytest.approx(
        kl_gaussian_1d(0.3, 2.0, -1.0, 0.5), rel=1e-14)
    assert metrics.kl_gaussian([1, 2], np.eye(2), [1, 2], np.eye(2)) == 0.0


def test_kl_gaussian_is_invariant_under_an_affine_map():
    # KL(N(Aμ1+b, AΣ1Aᵀ) ‖ N(Aμ2+b, AΣ2Aᵀ)) = KL of the diagonal originals = a sum of 1-D KLs.
    rng = np.random.default_rng(4)
    mu1, mu2 = rng.standard_normal(3), rng.standard_normal(3)
    var1, var2 = rng.uniform(0.5, 2, 3), rng.uniform(0.5, 2, 3)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal(3)
    expected = sum(kl_gaussian_1d(*args) for args in zip(mu1, var1, mu2, var2))
    mapped = metrics.kl_gaussian(a @ mu1 + b, a @ np.diag(var1) @ a.T,
                                 a @ mu2 + b, a @ np.diag(var2) @ a.T)
    assert mapped == pytest.approx(expected, rel=1e-10)   # round-off of a 3×3 solve


def test_frechet_distance_gaussian_closed_forms():
    # 1-D: (μ1 − μ2)² + (σ1 − σ2)².
    assert metrics.frechet_distance_gaussian(1.0, 4.0, -1.0, 9.0) == pytest.approx(
        4.0 + 1.0, rel=1e-14)
    assert metrics.wasserstein2_gaussian(1.0, 4.0, -1.0, 9.0) == pytest.approx(
        math.sqrt(5.0), rel=1e-14)
    # Commuting covariances R·diag·Rᵀ: ‖Δμ‖² + Σ(√a − √b)².
    rng = np.random.default_rng(5)
    rotation, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    a, b = rng.uniform(0.1, 3, 4), rng.uniform(0.1, 3, 4)
    shift = rng.standard_normal(4)
    expected = shift @ shift + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert metrics.frechet_distance_gaussian(
        shift, rotation @ np.diag(a) @ rotation.T, np.zeros(4),
        rotation @ np.diag(b) @ rotation.T) == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_gaussian_non_commuting_2x2():
    # For 2×2 M = Σ1Σ2 with eigenvalues λ: tr √M = √λ1 + √λ2 = √(tr M + 2√det M).
    rng = np.random.default_rng(6)
    for _ in range(20):
        f1, f2 = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
        cov1, cov2 = f1 @ f1.T + 0.01 * np.eye(2), f2 @ f2.T + 0.01 * np.eye(2)
        product = cov1 @ cov2
        trace_sqrt = math.sqrt(np.trace(product) + 2 * math.sqrt(np.linalg.det(product)))
        expected = np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt
        got = metrics.frechet_distance_gaussian(np.zeros(2), cov1, np.zeros(2), cov2)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)  # eigh round-off


def test_frechet_distance_gaussian_singular_covariances():
    # Rank-1 covariances: only the first axis varies, σ 1 vs 2: (1 − 2)² = 1.
    assert metrics.frechet_distance_gaussian(
        np.zeros(2), np.diag([1.0, 0.0]), np.zeros(2), np.diag([4.0, 0.0])) == pytest.approx(
        1.0, rel=1e-14)
    # Fewer rows than features (rank-4 sample covariances in 10-d): against the
    # eigenvalues of the non-symmetric product Σ1Σ2, which are real and ≥ 0.
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((5, 10)), rng.standard_normal((5, 10)) + 1
    (mu_a, cov_a), (mu_b, cov_b) = metrics.feature_statistics(a), metrics.feature_statistics(b)
    eigenvalues = np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0, None)
    expected = (np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                - 2 * np.sum(np.sqrt(eigenvalues)))
    # Rank 4 of 10: each side's 6 null eigenvalues come back as round-off,
    # |λ| ≲ n·ε·‖Σa‖‖Σb‖ ≈ 3e-14 (measured ≤ 1.1e-14), and enter through √λ
    # (≤ 1.8e-7 each): 2·(6 + 6)·1.8e-7 ≈ 4e-6 of FD ≈ 23.8, 1.8e-7 relative
    # (measured 8e-9; which LAPACK kernel runs decides where in that range).
    # A real error is ≥ 1e-3: the one small genuine eigenvalue (2.4e-4)
    # dropped is 0.03 absolute.
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


# ---- FID, KID, Inception score --------------------------------------------------

def test_frechet_distance_equals_the_closed_form_of_the_sample_statistics():
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((500, 6)), rng.standard_normal((400, 6)) * 2 + 1
    mu_a, cov_a = a.mean(axis=0), np.cov(a, rowvar=False)
    mu_b, cov_b = b.mean(axis=0), np.cov(b, rowvar=False)
    assert metrics.frechet_distance(a, b) == metrics.frechet_distance_gaussian(
        mu_a, cov_a, mu_b, cov_b)


def test_frechet_distance_of_one_gaussian_is_its_sampling_floor():
    # Two samples of N(0, I_d), n rows each: E‖μa − μb‖² = 2d/n and the covariance
    # term ≈ ¼‖Σa − Σb‖²_F with expectation d(d+1)/(2n): E[FD] ≈ 9e-4 here. FD is a
    # sum of ~14 squared Gaussian terms, so it lies within [E/4, 4E] but with
    # negligible probability.
    rng = np.random.default_rng(9)
    d, n = 4, 20000
    expected = 2 * d / n + d * (d + 1) / (2 * n)
    fd = metrics.frechet_distance(rng.standard_normal((n, d)), rng.standard_normal((n, d)))
    assert expected / 4 < fd < 4 * expected


def test_frechet_distance_estimates_the_gaussians_closed_form():
    rng = np.random.default_rng(10)
    f_a, f_b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    cov_a, cov_b = f_a @ f_a.T + 0.5 * np.eye(3), f_b @ f_b.T + 0.5 * np.eye(3)
    mu_a, mu_b = np.zeros(3), np.array([1.0, -0.5, 0.25])
    truth = metrics.frechet_distance_gaussian(mu_a, cov_a, mu_b, cov_b)
    estimates = [metrics.frechet_distance(rng.multivariate_normal(mu_a, cov_a, 5000),
                                          rng.multivariate_normal(mu_b, cov_b, 5000))
                 for _ in range(20)]
    # The mean of 20 independent estimates is within 4 standard errors of the truth
    # (the estimator's O(1/n) bias, ~d²/n·‖Σ‖ ≈ 0.005, is well inside that: SE ≈ 0.03).
    standard_error = np.std(estimates, ddof=1) / math.sqrt(len(estimates))
    assert abs(np.mean(estimates) - truth) < 4 * standard_error
    assert standard_error < 0.05 * truth                     # the test has teeth


def brute_force_unbiased_mmd2(x, y):
    kernel = lambda u, v: (u @ v / x.shape[1] + 1) ** 3
    m, n = len(x), len(y)
    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kernel(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_kid_with_one_full_subset_is_the_unbiased_mmd2():
    rng = np.random.default_rng(11)
    a, b = rng.standard_normal((30, 5)), rng.standard_normal((30, 5)) + 0.3
    # One subset of every row is a permutation of the sets; MMD² does not depend on order.
    mean, std = metrics.kernel_inception_distance(a, b, num_subsets=1, subset_size=30)
    assert mean == pytest.approx(brute_force_unbiased_mmd2(a, b), rel=1e-12)
    assert std == 0.0


def test_kid_is_near_zero_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((2000, 8)), rng.standard_normal((2000, 8))
    mean, std = metrics.kernel_inception_distance(a, b, num_subsets=50, subset_size=200)
    # Unbiased: the subsets' mean is 0 up to its own spread, which is at most
    # std/√50 for independent subsets and about std·200/2000 for fully shared
    # pools; 0.5·std is over 3.5 of either. (The biased estimator that keeps
    # k(x, x) terms would sit ≈ 2(E k(x,x) − E k(x,y))/200 ≈ 0.07 ≈ 4·std above 0.)
    assert abs(mean) < 0.5 * std
    shifted_mean, shifted_std = metrics.kernel_inception_distance(
        a, b + 0.5, num_subsets=50, subset_size=200)
    assert shifted_mean > 5 * shifted_std


def test_inception_score_of_uniform_predictions_is_1():
    mean, std = metrics.inception_score(np.full((100, 10), 0.1), splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_of_balanced_one_hot_predictions_is_the_class_count():
    classes, splits = 7, 5
    labels = np.tile(np.arange(classes), 4 * splits)       # every split holds each class 4 times
    mean, std = metrics.inception_score(np.eye(classes)[labels], splits=splits)
    assert mean == pytest.approx(classes, rel=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_hand_example():
    # p(y) = (¾, ¼); KL rows: log(4/3) and ½ log(4/3): IS = exp(¾ log(4/3)).
    mean, std = metrics.inception_score([[1.0, 0.0], [0.5, 0.5]], splits=1)
    assert mean == pytest.approx((4 / 3) ** 0.75, rel=1e-14) and std == 0.0


# ---- precision / recall, density / coverage ------------------------------------

def brute_force_manifold_metrics(real, fake, k):
    """Direct definitions with per-pair norms, no blocks."""
    def radii(points):
        d = np.linalg.norm(points[:, None] - points[None], axis=2)
        return np.sort(d, axis=1)[:, k]                     # position 0 is the point itself
    real_radii, fake_radii = radii(real), radii(fake)
    d = np.linalg.norm(real[:, None] - fake[None], axis=2)   # (real, fake)
    return {"precision": np.mean((d <= real_radii[:, None]).any(axis=0)),
            "recall": np.mean((d <= fake_radii[None]).any(axis=1)),
            "density": (d < real_radii[:, None]).sum() / (k * len(fake)),
            "coverage": np.mean(d.min(axis=1) < real_radii)}


@pytest.mark.parametrize("k", [1, 3, 5])
def test_manifold_metrics_match_brute_force(k):
    rng = np.random.default_rng(13)
    real, fake = rng.standard_normal((60, 2)), rng.standard_normal((50, 2)) * 1.3 + 0.4
    expected = brute_force_manifold_metrics(real, fake, k)
    got = {**metrics.precision_recall(real, fake, k=k), **metrics.density_coverage(real, fake, k=k)}
    assert got == pytest.approx(expected, rel=1e-15)
    assert 0 < got["precision"] < 1 and 0 < got["coverage"] < 1    # not a degenerate case


def test_manifold_metrics_hand_example():
    # Real 0, 1, 3, 10 (k = 1 radii 1, 1, 2, 7); fake 0.5, 2.5, 30 (radii 2, 2, 27.5).
    real, fake = np.array([[0.0], [1.0], [3.0], [10.0]]), np.array([[0.5], [2.5], [30.0]])
    # Precision: 0.5 (in B(0, 1)) and 2.5 (in B(3, 2)) but not 30 (20 > 7): 2/3.
    # Recall: 0, 1, 3 within 2 of 0.5 or 2.5, and 10 within 27.5 of 30: 1.
    assert metrics.precision_recall(real, fake, k=1) == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0}, rel=1e-15)
    # Density: 0.5 lies in the open balls of 0 and 1, 2.5 in that of 3, 30 in none:
    # 3 / (1·3) = 1. Coverage: the balls of 0, 1, 3 hold a fake point, that of 10
    # (radius 7, nearest fake 7.5) none: 3/4.
    assert metrics.density_coverage(real, fake, k=1) == pytest.approx(
        {"density": 1.0, "coverage": 0.75}, rel=1e-15)


def test_ball_boundaries_are_closed_for_precision_open_for_density():
    # Real 0, 1, 3, 10 (k = 1 radii 1, 1, 2, 7); the fake point 17 lies exactly on
    # the boundary of B(10, 7) (integers: the distances are exact in float64).
    real, fake = np.array([[0.0], [1.0], [3.0], [10.0]]), np.array([[17.0], [40.0]])
    # Closed balls (Kynkäänniemi's ≤): 17 counts, 40 does not; every real point is
    # within 23 (the fake radius) of 17.
    assert metrics.precision_recall(real, fake, k=1) == {"precision": 0.5, "recall": 1.0}
    # Open balls (Naeem's <): 17 is in none, and no real ball holds a fake point.
    assert metrics.density_coverage(real, fake, k=1) == {"density": 0.0, "coverage": 0.0}


def test_a_set_against_itself():
    # Without ties (Gaussian points): every point is in its own ball (distance 0),
    # so precision = recall = coverage = 1. Density is exactly 1: the open ball of
    # x_i holds x_i and its k − 1 nearer neighbours but not the k-th, which lies on
    # its boundary: k·N hits / (k·N). 2,500 rows span several distance blocks.
    rng = np.random.default_rng(14)
    points = rng.standard_normal((2500, 8))
    assert metrics.precision_recall(points, points, k=3) == {"precision": 1.0, "recall": 1.0}
    assert metrics.density_coverage(points, points, k=5) == {"density": 1.0, "coverage": 1.0}


def test_far_apart_sets_score_zero():
    rng = np.random.default_rng(15)
    real, fake = rng.standard_normal((200, 4)), rng.standard_normal((150, 4)) + 1000
    assert metrics.precision_recall(real, fake) == {"precision": 0.0, "recall": 0.0}
    assert metrics.density_coverage(real, fake) == {"density": 0.0, "coverage": 0.0}


# ---- mode collapse: toy mixtures, NDB, sliced Wasserstein -------------------------

def test_toy_mixture_modes_are_those_of_zoo_data():
    centres, std = metrics.toy_mixture_modes("8gaussians")
    np.testing.assert_allclose(centres, data.toys._8G_CENTERS / 1.414, rtol=1e-6)  # float32 copy
    assert std == 0.02 / 1.414
    samples = next(iter(data.load("8gaussians", batch_size=10000, seed=0))).numpy()
    stats = metrics.mode_statistics(samples, centres, std)
    # In 2-D, P(‖noise‖ ≤ 3σ) = 1 − exp(−9/2) = 0.98889; 10,000 samples: SE 1.05e-3, 5 SE.
    assert stats["modes_covered"] == 8
    assert stats["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=5.3e-3)


def test_25gaussians_modes_match_the_fixed_set():
    centres, std = metrics.toy_mixture_modes("25gaussians")
    assert centres.shape == (25, 2) and std == 0.05 / 2.828
    points = data.twentyfive_gaussians_array(0).astype(np.float64)
    stats = metrics.mode_statistics(points, centres, std)
    assert stats["modes_covered"] == 25
    # 100,000 points: SE of the share 3.3e-4, 5 SE.
    assert stats["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=1.7e-3)
    # Each mode's 4,000 points average to its centre: SE σ/√4000 = 2.8e-4 per axis, 5 SE.
    nearest = np.argmin(np.linalg.norm(points[:, None] - centres[None], axis=2), axis=1)
    assert np.bincount(nearest).tolist() == [4000] * 25
    means = np.array([points[nearest == i].mean(axis=0) for i in range(25)])
    np.testing.assert_allclose(means, centres, atol=1.4e-3)


def test_mode_statistics_hand_examples():
    centres, std = metrics.toy_mixture_modes("8gaussians")
    at_three = np.repeat(centres[[0, 3, 5]], [5, 1, 2], axis=0)
    stats = metrics.mode_statistics(at_three, centres, std)
    assert (stats["modes_covered"], stats["high_quality_fraction"]) == (3, 1.0)
    assert stats["high_quality_counts"].tolist() == [5, 0, 0, 1, 0, 2, 0, 0]
    # min_count = 2: the mode holding one sample is not covered.
    assert metrics.mode_statistics(at_three, centres, std, min_count=2)["modes_covered"] == 2
    # Half the samples at the origin, 1.414 from every centre (≫ 3σ = 0.042).
    half_far = np.concatenate([at_three, np.zeros((8, 2))])
    assert metrics.mode_statistics(half_far, centres, std)["high_quality_fraction"] == 0.5
    # Just inside and just outside 3σ of centre 0.
    edge = centres[[0, 0]] + np.array([[2.99 * std, 0], [3.01 * std, 0]])
    assert metrics.mode_statistics(edge, centres, std)["high_quality_counts"][0] == 1


def four_blobs(rng, per_blob, blobs=(0, 1, 2, 3)):
    corners = np.array([[-10.0, -10.0], [-10.0, 10.0], [10.0, -10.0], [10.0, 10.0]])
    return np.concatenate([corners[b] + rng.standard_normal((per_blob, 2)) for b in blobs])


def test_kmeans_finds_separated_blobs_exactly():
    rng = np.random.default_rng(16)
    points = four_blobs(rng, 100)
    centroids, labels = metrics.kmeans(points, 4, seed=0)
    blob_means = points.reshape(4, 100, 2).mean(axis=1)
    nearest_centroid = np.argmin(
        np.linalg.norm(blob_means[:, None] - centroids[None], axis=2), axis=1)
    assert sorted(nearest_centroid.tolist()) == [0, 1, 2, 3]
    # Converged centroids are the blob means (the blobs are 20σ apart): round-off only.
    np.testing.assert_allclose(centroids[nearest_centroid], blob_means, rtol=0, atol=1e-12)
    assert all(len(set(labels[i * 100:(i + 1) * 100])) == 1 for i in range(4))
    again, _ = metrics.kmeans(points, 4, seed=0)
    np.testing.assert_array_equal(again, centroids)


def test_two_proportion_z_hand_example():
    # 50/100 vs 70/100: pooled 0.6, SE √(0.6·0.4·0.02) = 0.069282: z = −0.2/0.069282.
    assert metrics.two_proportion_z(50, 100, 70, 100) == pytest.approx(-2.886751, rel=1e-6)
    assert metrics.two_proportion_z(0, 100, 0, 50) == 0.0


def test_ndb_of_a_sample_against_itself_is_zero():
    points = four_blobs(np.random.default_rng(17), 200)
    result = metrics.ndb(points, points, num_bins=10, seed=0)
    assert (result["ndb"], result["ndb_fraction"]) == (0, 0.0)
    np.testing.assert_array_equal(result["z"], 0.0)


def test_ndb_detects_a_missing_cluster():
    rng = np.random.default_rng(18)
    real = four_blobs(rng, 500)
    fake = four_blobs(rng, 500, blobs=(0, 1, 2))               # blob 3 missing
    result = metrics.ndb(real, fake, num_bins=4, seed=0)
    # Bins = blobs. Missing bin: ¼ vs 0, pooled 1/7, SE √(1/7·6/7·(1/2000 + 1/1500)):
    # z = 20.9165; the others ¼ vs ⅓, pooled 2/7: z = −5.4006. All four differ.
    assert (result["ndb"], result["ndb_fraction"]) == (4, 1.0)
    assert sorted(result["z"]) == pytest.approx([-5.400617, -5.400617, -5.400617, 20.916501],
                                                rel=1e-6)
    # Fake from all four blobs: every bin's shares agree at the 5% level here.
    same = metrics.ndb(real, four_blobs(rng, 500), num_bins=4, seed=0)
    assert same["ndb"] == 0


def test_sliced_wasserstein():
    rng = np.random.default_rng(19)
    x = rng.standard_normal((500, 2))
    assert metrics.sliced_wasserstein(x, x, num_projections=50) == 0.0
    # A shift by v moves every projection by θ·v exactly: SWD = mean |θ_i·v|.
    v = np.array([0.6, -0.8]) * 1.5
    swd = metrics.sliced_wasserstein(x, x + v, num_projections=2000, seed=3)
    directions = metrics.random_unit_directions(2, 2000, seed=3)
    assert swd == pytest.approx(np.mean(np.abs(directions @ v)), rel=1e-10)  # sort round-off
    # E|θ·v| over uniform θ on the circle = 2|v|/π; std of |θ·v| = |v|·√(½ − 4/π²)
    # = 0.308|v|: SE over 2,000 directions 0.0069|v|; 5 SE.
    assert swd == pytest.approx(2 * 1.5 / math.pi, abs=5 * 0.0069 * 1.5)


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.precision_recall(np.zeros((3, 2)), np.zeros((5, 2)), k=3), "k must be"),
    (lambda: metrics.density_coverage(np.zeros((6, 2)), np.zeros((5, 3))), "same number"),
    (lambda: metrics.ndb(np.zeros((5, 2)), np.zeros((5, 2)), num_bins=6), "num_bins"),
    (lambda: metrics.mode_statistics(np.zeros((5, 2)), np.zeros((3, 2)), 0.0), "std"),
    (lambda: metrics.kernel_inception_distance(np.zeros((50, 2)), np.zeros((60, 2))),
     "subset_size"),
    (lambda: metrics.inception_score([[0.5, 0.6]], splits=1), "summing to 1"),
    (lambda: metrics.frechet_distance(np.zeros((1, 2)), np.zeros((5, 2))), "at least 2 rows"),
    (lambda: metrics.frechet_distance_gaussian(0, np.diag([1.0, -1.0]), 0, np.eye(2)),
     "mean must be"),
    (lambda: metrics.frechet_distance_gaussian([0, 0], np.diag([1.0, -1.0]), [0, 0], np.eye(2)),
     "semi-definite"),
    (lambda: metrics.kl_gaussian([0, 0], np.diag([1.0, 0.0]), [0, 0], np.eye(2)),
     "positive definite"),
    (lambda: metrics.wasserstein_1d([], [1.0]), "non-empty"),
    (lambda: metrics.toy_mixture_modes("swissroll"), "toy mixture"),
    (lambda: metrics.parzen_log_likelihood(np.zeros((5, 3)), np.zeros((2, 4)), 1.0), "same number"),
    (lambda: metrics.parzen_log_likelihood(np.zeros((5, 3)), np.zeros((2, 3)), 0.0), "positive"),
    (lambda: metrics.parzen_protocol(np.zeros((5, 3)), np.zeros((9, 3)), np.zeros((2, 3))),
     "n_validation"),
])
def test_metrics_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- Parzen window ----------------------------------------------------------------

def brute_force_parzen(samples, x, sigma):
    """float64, per pair: log N(x; s, σ²I), then log-mean-exp with the max shifted out."""
    d = samples.shape[1]
    squared = np.sum((x[:, None, :] - samples[None]) ** 2, axis=2)
    log_kernel = -squared / (2 * sigma ** 2) - 0.5 * d * math.log(2 * math.pi * sigma ** 2)
    top = log_kernel.max(axis=1, keepdims=True)
    return top[:, 0] + np.log(np.exp(log_kernel - top).mean(axis=1))


def test_parzen_matches_brute_force_across_blocks_and_sigmas():
    rng = np.random.default_rng(20)
    samples, x = rng.random((53, 12)), rng.random((29, 12))
    sigmas = np.array([0.1, 0.3, 1.0, 3.0])
    # batch_size 7 leaves partial blocks on both axes.
    got = metrics.parzen_log_likelihood(samples, x, sigmas, batch_size=7)
    expected = np.stack([brute_force_parzen(samples, x, s) for s in sigmas])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # float64 throughout: it is in fact equal to round-off.
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    single = metrics.parzen_log_likelihood(samples, x, 0.3, batch_size=1000)
    assert single.shape == (29,)
    np.testing.assert_allclose(single, expected[1], rtol=1e-12)


def test_parzen_with_one_sample_is_the_gaussian_log_density():
    x, s, sigma = np.array([[1.0, 2.0, 3.0]]), np.array([[0.5, 2.5, 2.0]]), 0.7
    expected = -1.5 / (2 * sigma ** 2) - 1.5 * math.log(2 * math.pi * sigma ** 2)
    assert metrics.parzen_log_likelihood(s, x, sigma)[0] == pytest.approx(expected, rel=1e-14)


def test_parzen_is_stable_for_a_tiny_sigma():
    rng = np.random.default_rng(21)
    samples, x = rng.random((40, 20)), rng.random((10, 20))
    sigma = 1e-3          # ‖x − s‖²/2σ² ≈ 1e6: exp underflows to 0 in float64
    with np.errstate(divide="ignore"):
        naive = np.log(np.mean(np.exp(
            -np.sum((x[:, None] - samples[None]) ** 2, axis=2) / (2 * sigma ** 2)), axis=1))
    assert np.all(naive == -np.inf)
    got = metrics.parzen_log_likelihood(samples, x, sigma, batch_size=16)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, brute_force_parzen(samples, x, sigma), rtol=1e-10)


def test_parzen_protocol_picks_sigma_on_the_first_validation_rows():
    rng = np.random.default_rng(22)
    samples = rng.random((60, 5))
    # The first rows lie near samples (a small σ wins); the rest lie far away and
    # would pick the largest σ if they were used.
    near = samples[:20] + 0.02 * rng.standard_normal((20, 5))
    far = samples[:20] + 5.0
    validation, test = np.concatenate([near, far]), rng.random((30, 5))
    sigmas = np.logspace(-1.5, 0.5, 6)
    result = metrics.parzen_protocol(samples, validation, test, sigmas, n_validation=20)
    scores = np.array([brute_force_parzen(samples, near, s).mean() for s in sigmas])
    np.testing.assert_allclose(result["validation_scores"], scores, rtol=1e-12)
    assert result["sigma"] == sigmas[np.argmax(scores)] == sigmas[0]
    assert metrics.parzen_protocol(samples, validation, test, sigmas,
                                   n_validation=40)["sigma"] == sigmas[-1]
    test_ll = brute_force_parzen(samples, test, result["sigma"])
    assert result["mean"] == pytest.approx(test_ll.mean(), rel=1e-12)
    assert result["sem"] == pytest.approx(test_ll.std() / math.sqrt(30), rel=1e-10)
