"""Mode collapse: modes covered on the toy mixtures, k-means, NDB."""

import math
import statistics

import numpy as np

from zoo.metrics.checks import _as_point_pair, _as_points
from zoo.metrics.manifold import _distance_blocks, _squared_distances


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
