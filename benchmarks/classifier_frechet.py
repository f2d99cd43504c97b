"""Benchmark: MNIST classifier score and classifier Fréchet distance of 10k
samples against the 10k test images, with the shipped classifier.

    python benchmarks/classifier_frechet.py [--repeats=5]

Times `zoo.classifiers.classifier_metrics` end to end (both forward passes,
the score and the Fréchet distance of the 10-d logits); the first 10k training
images stand in for generator samples (the time depends on the shapes). Prints
each repeat and the median, plus the time to load and verify the classifier.
"""

import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import statistics
import time

from zoo import classifiers, data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    arrays = data.load_mnist_arrays()
    samples = arrays["train"][0][:10000, ..., None] / 255.0
    test = arrays["test"][0][..., None] / 255.0
    start = time.perf_counter()
    model = classifiers.load("mnist")
    print(f"load and verify the classifier: {time.perf_counter() - start:.2f} s")
    times = []
    for i in range(args.repeats):
        start = time.perf_counter()
        result = classifiers.classifier_metrics(model, samples, test)
        times.append(time.perf_counter() - start)
        print(f"repeat {i}: {times[-1]:.2f} s  {result}")
    print(f"median over {args.repeats}: {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) for 10k samples vs 10k test images")


if __name__ == "__main__":
    main()
