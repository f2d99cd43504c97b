"""k-NN manifold estimates on features: precision/recall, density/coverage."""

import numpy as np

from zoo.metrics.checks import _as_point_pair, _check_neighbours


# Rows of a block of pairwise distances (memory: block × other rows × 8 bytes).
DISTANCE_BLOCK_ROWS = 1000


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
