"""The shipped MNIST classifier: its recorded accuracy and hash, and the
classifier metrics on real digits versus noise."""

import json
import os
import shutil

import numpy as np
import pytest

from zoo import classifiers

pytestmark = pytest.mark.skipif(not classifiers.available("mnist"),
                                reason="no shipped MNIST classifier")


SHIPPED = sorted(f[:-5] for f in os.listdir(classifiers.CLASSIFIER_DIR) if f.endswith(".json"))


@pytest.mark.parametrize("dataset", SHIPPED)
def test_each_shipped_classifier_has_its_recorded_test_accuracy(dataset, shared_data_dir,
                                                            mnist_arrays):  # MNIST cached first
    from zoo import data
    record = json.load(open(os.path.join(classifiers.CLASSIFIER_DIR, f"{dataset}.json")))
    if dataset == "mnist":
        assert record["test_accuracy"] >= 0.99
    if not data.available(dataset, shared_data_dir):
        pytest.skip(f"{dataset} is not available on this machine")
    x, y = data.load_arrays(dataset, shared_data_dir)["test"]
    x = (x[..., None] if x.ndim == 3 else x) / 255.0
    predicted = classifiers.logits(classifiers.load(dataset), x).argmax(1)
    assert np.mean(predicted == y) == pytest.approx(record["test_accuracy"], abs=1e-4)


def test_a_changed_file_fails_the_hash_check(tmp_path, monkeypatch):
    copy = tmp_path / "classifiers"
    shutil.copytree(classifiers.CLASSIFIER_DIR, copy)
    monkeypatch.setattr(classifiers, "CLASSIFIER_DIR", str(copy))
    classifiers.load("mnist")  # the untouched copy loads
    with open(copy / "mnist" / "saved_model.pb", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ValueError, match="not the recorded"):
        classifiers.load("mnist")


def test_classifier_metrics_separate_digits_from_noise(mnist_arrays):
    test = mnist_arrays["test"][0][..., None] / 255.0
    test = test[np.random.default_rng(1).permutation(len(test))]  # halves of one distribution
    model = classifiers.load("mnist")
    real = classifiers.classifier_metrics(model, test[:5000], test[5000:])
    noise = np.random.default_rng(0).uniform(size=(5000, 28, 28, 1))
    fake = classifiers.classifier_metrics(model, noise, test[5000:])
    # Balanced, confident predictions on real digits: a score near 10 classes.
    assert real["classifier_score"] > 9.0 and fake["classifier_score"] < 2.0
    # Measured: 0.78 between random halves of the test set, 508 for uniform noise.
    assert real["classifier_frechet_distance"] < 2.0
    assert fake["classifier_frechet_distance"] > 100 * real["classifier_frechet_distance"]
