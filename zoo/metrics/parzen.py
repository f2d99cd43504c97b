"""Parzen-window log-likelihood (Goodfellow et al. 2014, Table 1 and parzen_ll.py)."""

import math

import numpy as np
import tensorflow as tf

from zoo.metrics.checks import _as_float_array


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
