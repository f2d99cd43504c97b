"""Input checks shared by the metrics: each bad input raises a one-line ValueError."""

import math

import numpy as np


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
