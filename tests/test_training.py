import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from zoo import checkpoints, models, training
from zoo.errors import UserError
from zoo.models import base, wgan_gp

# Configs under the reproducibility tests: every registered config on a
# dataset cheap enough here (the toys, MNIST), at its toy size (zoo.models.toy).
REPRODUCED = models.unit_test_configs()


def config(name="wgan_gp/8gaussians", **changes):
    if "/" not in name:
        name = f"wgan_gp/{name}"
    settings = dict(steps=4, checkpoint_every=2, log_every=1, image_every=2)
    settings.update(changes)
    return models.toy(*name.split("/"), **settings)


def net_weights(model):
    return [np.array(v.numpy()) for v in model.generator.weights + model.critic.weights]


def weights(model):
    variables = model.generator.weights + model.critic.weights
    variables += model.g_optimizer.variables + model.d_optimizer.variables
    return [np.array(v.numpy()) for v in variables]


def run(cfg, workdir, **kwargs):
    kwargs.setdefault("export", False)
    model, logs = training.train(cfg, str(workdir), verbose=0, **kwargs)
    return model, logs


@pytest.mark.parametrize("name", REPRODUCED)
def test_same_seed_gives_bit_identical_weights(name, tmp_path):
    a, _ = run(config(name), tmp_path / "a")
    b, _ = run(config(name), tmp_path / "b")
    for x, y in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(x, y)
    c, _ = run(config(name, seed=1), tmp_path / "c")
    assert not np.array_equal(weights(a)[0], weights(c)[0])


@pytest.mark.parametrize("name", REPRODUCED)
def test_resume_gives_the_weights_of_an_uninterrupted_run(name, tmp_path):
    whole, _ = run(config(name, steps=6), tmp_path / "whole")
    run(config(name, steps=3, checkpoint_every=100), tmp_path / "parts")
    resumed, _ = run(config(name, steps=6), tmp_path / "parts")
    assert int(resumed.step) == 6
    assert int(resumed.g_optimizer.iterations) == int(whole.g_optimizer.iterations)
    for x, y in zip(weights(whole), weights(resumed)):
        np.testing.assert_array_equal(x, y)


# Two replicas vs one device: tests/test_replicas.py.


def test_logs_under_two_replicas_equal_the_one_device_values(tmp_path, mirrored):
    # Adam with ε = 1: its steps are Lipschitz in the gradient, so the two
    # runs' weights stay ~1e-6 apart (float reassociation) and their logs
    # agree to rel 1e-4; with ε = 1e-8 a weight whose gradient is float noise
    # steps ±lr either way, moving the next step's logs by up to 4e-4.
    # Batch 64: a ReLU input within ~1e-6 of 0 may flip on one replica layout
    # and not the other, moving a batch-mean log by that example's 1/batch
    # share (at the toy size's batch 8, d_grad_norm by 2e-3 here).
    cfg = config(steps=2, batch_size=64, adam_epsilon=1.0, learning_rate=0.01)
    _, one = run(cfg, tmp_path / "one")
    _, two = run(cfg, tmp_path / "two", strategy=mirrored)
    assert one.keys() == two.keys() >= {"d_loss", "g_loss", "wasserstein", "gradient_penalty",
                                        "d_grad_norm", "g_grad_norm"}
    for key in one:
        assert two[key] == pytest.approx(one[key], rel=1e-4, abs=1e-6), key


def test_in_step_noise_is_the_same_for_any_replica_layout(mirrored):
    cfg = config()
    one = training.build(cfg)
    expected = one.latent(8, base.CRITIC_LATENT, 2).numpy()
    two = training.build(cfg, mirrored)
    halves = mirrored.run(lambda: two.latent(4, base.CRITIC_LATENT, 2))
    np.testing.assert_array_equal(
        np.concatenate([h.numpy() for h in mirrored.experimental_local_results(halves)]), expected)


def test_checkpoints_tensorboard_and_export_are_written(tmp_path):
    cfg = config()
    model, _ = run(cfg, tmp_path, export=True)
    ckpts = sorted(os.listdir(tmp_path / "checkpoints"))
    assert "ckpt-2.index" in ckpts and "ckpt-4.index" in ckpts
    assert json.loads((tmp_path / "config.json").read_text())["seed"] == cfg.seed
    tags = set()
    for event_file in (tmp_path / "tensorboard").iterdir():
        for event in tf.compat.v1.train.summary_iterator(str(event_file)):
            tags |= {v.tag for v in event.summary.value}
    assert {"train/wasserstein", "train/gradient_penalty", "train/d_grad_norm",
            "train/g_grad_norm", "train/d_loss", "train/g_loss", "samples"} <= tags
    png = tf.io.decode_png(tf.io.read_file(str(tmp_path / "samples.png")))
    assert png.shape == (128, 128, 1) and int(tf.reduce_max(png)) > 0


@pytest.mark.parametrize("name", [n for n in REPRODUCED if n.endswith("/mnist")])
def test_the_export_loads_and_runs_without_the_zoo(name, tmp_path):
    cfg = config(name, steps=1)
    model, _ = run(cfg, tmp_path, export=True)
    z = tf.random.normal([5, cfg.latent_dim], seed=4).numpy()
    np.save(tmp_path / "z.npy", z)
    expected = model.generator(z, training=False).numpy()
    script = (
        "import sys, numpy as np, tensorflow as tf\n"
        "m = tf.saved_model.load(sys.argv[1])\n"
        "out = m.signatures['serving_default'](z=tf.constant(np.load(sys.argv[2])))['images']\n"
        "s = m.sample(n=tf.constant(3), seed=tf.constant(0, tf.int64))\n"
        "assert not any(k.startswith('zoo') for k in sys.modules), 'zoo was imported'\n"
        "np.save(sys.argv[3], out.numpy())\n"
        "print(s['images'].shape, int(m.latent_dim))\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "export"),
                             str(tmp_path / "z.npy"), str(tmp_path / "out.npy")],
                            capture_output=True, text=True, timeout=120, cwd="/")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["(3,", "28,", "28,", "1)", str(cfg.latent_dim)]
    # The export runs a traced graph, in which TensorFlow may fuse ops and pick
    # other kernels (gan/mnist: 1.8e-7 from eager here), and on another CPU
    # other kernels again: any of them reorders the float32 sums. Measured
    # with every sum reordered (oneDNN's kernels against Eigen's,
    # TF_ENABLE_ONEDNN_OPTS=1 vs 0, four MNIST generators, outputs ≤ 0.7):
    # ≤ 2.4e-7. Bound 1e-5, 40× that; training-mode BatchNorm, a wrong output
    # range or another noise input are O(0.01–1).
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=0, atol=1e-5)


def test_divergence_stops_at_once_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    run(config(steps=2), tmp_path, export=True)
    export_before = (tmp_path / "export" / "saved_model.pb").read_bytes()
    generator_step = wgan_gp.WGANGP.generator_step

    def poisoned(self, n):  # from the third step on (2 done), g_loss is NaN
        logs = generator_step(self, n)
        logs["g_loss"] += tf.where(self.step >= 2, np.nan, 0.0)
        return logs
    monkeypatch.setattr(wgan_gp.WGANGP, "generator_step", poisoned)
    with pytest.raises(training.TrainingDiverged, match=r"diverged at step 3: non-finite g_loss"):
        run(config(steps=6, checkpoint_every=1), tmp_path, export=True)
    assert tf.train.latest_checkpoint(str(tmp_path / "checkpoints")).endswith("ckpt-2")
    assert (tmp_path / "export" / "saved_model.pb").read_bytes() == export_before


def test_non_finite_weights_are_never_checkpointed(tmp_path, monkeypatch):
    run(config(steps=2), tmp_path)
    generator_step = wgan_gp.WGANGP.generator_step

    def poisoned(self, n):  # the third step leaves an Inf weight, with finite logs
        logs = generator_step(self, n)
        w = self.generator.weights[0]
        w.assign(tf.where(self.step >= 2, tf.fill(w.shape, np.inf), w))
        return logs
    monkeypatch.setattr(wgan_gp.WGANGP, "generator_step", poisoned)
    with pytest.raises(training.TrainingDiverged, match="diverged at step 3: non-finite weights"):
        run(config(steps=6, checkpoint_every=1), tmp_path)
    assert tf.train.latest_checkpoint(str(tmp_path / "checkpoints")).endswith("ckpt-2")


def test_a_deleted_newest_checkpoint_falls_back_to_the_one_before(tmp_path):
    run(config(steps=4, checkpoint_every=2), tmp_path)
    for f in (tmp_path / "checkpoints").glob("ckpt-4.*"):
        f.unlink()
    model, _ = run(config(steps=4), tmp_path)
    assert int(model.step) == 4  # resumed at 2, trained 2 more


def test_a_workdir_of_another_config_is_refused_and_left_alone(tmp_path):
    run(config(steps=2), tmp_path)
    before = (tmp_path / "config.json").read_text()
    with pytest.raises(UserError, match=r"another config \(gp_weight=0.1 \(now 5.0\)"):
        run(config(steps=2, gp_weight=5.0), tmp_path)
    assert (tmp_path / "config.json").read_text() == before
    run(config(steps=3), tmp_path)  # more steps of the same config resume


def test_a_corrupt_checkpoint_is_refused(tmp_path):
    run(config(steps=2), tmp_path)
    data_file = next((tmp_path / "checkpoints").glob("ckpt-2.data-*"))
    data_file.write_bytes(data_file.read_bytes()[:100])
    with pytest.raises(UserError, match="ckpt-2 cannot be restored"):
        run(config(steps=3), tmp_path)


def test_an_unwritable_workdir_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="not writable"):
        run(config(), tmp_path / "file" / "run")


def test_an_uneven_split_over_replicas_is_refused(tmp_path, mirrored):
    with pytest.raises(UserError, match="does not split evenly"):
        run(config(batch_size=63), tmp_path, strategy=mirrored)


def test_interval_checkpoints_are_kept_and_restore_by_step(tmp_path):
    # keep_every=3 over 7 steps keeps 3 and 6 in checkpoints/kept/ while the
    # newest three (checkpoint_every=1: 5, 6, 7) rotate; evaluation restores
    # any of them by step with the weights that step had.
    at_three, _ = run(config(steps=3, checkpoint_every=1), tmp_path / "short")
    model, _ = run(config(steps=7, checkpoint_every=1), tmp_path / "long", keep_every=3)
    directory = tmp_path / "long" / "checkpoints"
    kept = sorted(p.name for p in (directory / checkpoints.KEPT_DIR).glob("*.index"))
    assert kept == ["ckpt-3.index", "ckpt-6.index"]
    assert sorted(checkpoints.checkpoint_steps(str(directory))) == [3, 5, 6, 7]
    again = training.build(config(steps=7))
    manager = checkpoints.checkpoint_manager(again, str(directory))
    assert checkpoints.restore(manager, step=3).endswith(os.path.join(checkpoints.KEPT_DIR, "ckpt-3"))
    assert int(again.step) == 3
    for x, y in zip(weights(at_three), weights(again)):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(UserError, match=r"no checkpoint of step 4 \(it has: 3, 5, 6, 7\)"):
        checkpoints.restore(manager, step=4)
    resumed, _ = run(config(steps=9, checkpoint_every=1), tmp_path / "long", keep_every=3)
    assert int(resumed.step) == 9 and 9 in checkpoints.checkpoint_steps(str(directory / checkpoints.KEPT_DIR))
