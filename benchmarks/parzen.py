"""Benchmark: Parzen-window log-likelihood, 10k samples × 10k test images (784-d) × 10 σ.

    python benchmarks/parzen.py [--repeats=3] [--batch_size=1000]

Times `zoo.metrics.parzen_log_likelihood(samples, test, sigmas)` with the ten σ of
Goodfellow et al. 2014 (`logspace(-1, 0, 10)`), every test row under every σ (the
protocol itself needs only 1,000 validation rows × 10 σ, then 10k rows × 1 σ, also
timed once). It prints each repeat and the median. The images are MNIST when the
zoo can load it without a download (samples: the first 10k training images as a
stand-in for generator samples; test: the test split), else seeded uniform noise:
the time depends on the shapes, not the values.
"""

import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import statistics
import sys
import time

import numpy as np

from zoo import data, metrics

SIGMAS = np.logspace(-1, 0, 10)


def images(n_samples, n_test):
    """(samples, validation, test, source) in [0, 1], flattened to 784."""
    try:
        arrays = data.load_mnist_arrays(download=False)
    except Exception as error:  # noqa: BLE001 - any failure falls back to noise
        print(f"MNIST unavailable ({error}); using uniform noise", file=sys.stderr)
        rng = np.random.default_rng(0)
        return (rng.random((n_samples, 784)), rng.random((1000, 784)),
                rng.random((n_test, 784)), "uniform noise")
    flat = lambda x: x.reshape(x.shape[0], -1).astype(np.float64) / 255.0
    return (flat(arrays["train"][0][:n_samples]), flat(arrays["validation"][0]),
            flat(arrays["test"][0][:n_test]), "MNIST")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--test", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=1000)
    args = parser.parse_args()
    samples, validation, test, source = images(args.samples, args.test)
    print(f"{source}: {samples.shape[0]} samples × {test.shape[0]} test rows × "
          f"{samples.shape[1]}-d × {len(SIGMAS)} σ, batch_size {args.batch_size}")
    seconds = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        log_likelihoods = metrics.parzen_log_likelihood(samples, test, SIGMAS, args.batch_size)
        seconds.append(time.perf_counter() - start)
        print(f"  repeat {repeat + 1}: {seconds[-1]:.2f} s")
    print(f"median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, "
          f"max {max(seconds):.2f}) for {len(SIGMAS)} σ × {test.shape[0]} rows")
    means = ", ".join(f"{s:.3f}: {m:.1f}" for s, m in zip(SIGMAS, log_likelihoods.mean(axis=1)))
    print(f"mean log-likelihood by σ: {means}")
    start = time.perf_counter()
    result = metrics.parzen_protocol(samples, validation, test, SIGMAS, batch_size=args.batch_size)
    print(f"protocol (σ on 1,000 validation rows, then the test set): σ = {result['sigma']:.4f}, "
          f"{result['mean']:.1f} ± {result['sem']:.1f} in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
