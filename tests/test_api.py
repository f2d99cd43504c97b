"""The Python API a Keras user reaches for: zoo.train.run (what the command
does, with callbacks), and the keras-io route — zoo.create_model, compile(),
fit(zoo.dataset(model)) — which gives the command's weights."""

import os
import random
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework import config as tf_config

import zoo
import zoo.train
from zoo import checkpoints, models, training
from zoo.errors import UserError

TOY = dict(batch_size=64)
SMALL = {"wgan_gp/8gaussians": TOY, "gan/mnist": dict(batch_size=8),
         "dcgan/mnist": dict(batch_size=8)}


def weights(model):
    variables = model.generator.weights + model.critic.weights
    variables += model.g_optimizer.variables + model.d_optimizer.variables
    return [np.array(v.numpy()) for v in variables]


def restored(config, workdir):
    """A model holding workdir's newest checkpoint."""
    model = training.build(config)
    checkpoints.restore(checkpoints.checkpoint_manager(model, os.path.join(workdir, "checkpoints")))
    return model


class Counter(keras.callbacks.Callback):
    def __init__(self, stop_at=None):
        super().__init__()
        self.steps, self.stop_at = [], stop_at

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(int(self.model.step.numpy()))
        if self.stop_at and self.steps[-1] >= self.stop_at:
            self.model.stop_training = True


def test_run_is_the_command_with_callbacks_and_leaves_global_state(tmp_path):
    tf_config.disable_op_determinism()
    random.seed(7)
    np.random.seed(7)
    expected_python, expected_numpy = random.Random(7).random(), np.random.RandomState(7).rand()
    counter = Counter()
    model, workdir = zoo.train.run("wgan_gp", "8gaussians", steps=3, config=TOY,
                                   workdir=str(tmp_path / "run"), callbacks=[counter], verbose=0)
    assert workdir == str(tmp_path / "run") and isinstance(model, keras.Model)
    assert int(model.step) == 3 and counter.steps == [1, 2, 3]
    assert os.path.isdir(os.path.join(workdir, "export"))
    assert not tf_config.is_op_determinism_enabled()  # as it was before the call
    assert random.random() == expected_python and np.random.rand() == expected_numpy
    # the same weights the command's code path (training.train) gives
    config = models.get("wgan_gp", "8gaussians").replace(steps=3, **TOY)
    reference, _ = training.train(config, str(tmp_path / "cmd"), verbose=0, export=False)
    for x, y in zip(weights(reference), weights(model)):
        np.testing.assert_array_equal(x, y)


def test_a_callback_that_stops_ends_the_run_checkpointed(tmp_path):
    model, workdir = zoo.train.run("wgan_gp", "8gaussians", steps=6, config=TOY,
                                   workdir=str(tmp_path), callbacks=[Counter(stop_at=2)],
                                   verbose=0, export=False)
    assert int(model.step) == 2
    assert tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints")).endswith("ckpt-2")


def test_run_reports_bad_input_as_a_user_error(tmp_path):
    with pytest.raises(UserError, match="has no config field gp_wieght"):
        zoo.train.run("wgan_gp", "8gaussians", steps=1, config=dict(gp_wieght=1.0),
                      workdir=str(tmp_path))
    assert not os.path.exists(tmp_path / "checkpoints")


def fit_route(name, steps):
    """The keras-io route: registry → compile() → fit on the zoo's stream."""
    gan = zoo.create_model(name, **SMALL[name])
    gan.compile()
    gan.fit(zoo.dataset(gan), epochs=1, steps_per_epoch=steps, verbose=0)
    return gan


@pytest.mark.parametrize("name", ["gan/mnist", "dcgan/mnist"])
def test_fit_route_gives_the_trainers_weights(name, tmp_path, mnist_arrays):
    # gan/mnist: data-dependent init, dropout, momentum schedule; dcgan: BatchNorm
    tf.config.experimental.enable_op_determinism()  # as the command runs
    config = models.get(*name.split("/")).replace(steps=3, **SMALL[name])
    command, _ = training.train(config, str(tmp_path), verbose=0, export=False)
    gan = fit_route(name, 3)
    assert int(gan.step) == 3
    for x, y in zip(weights(command), weights(gan)):
        np.testing.assert_array_equal(x, y)


def test_fit_route_gives_the_commands_weights(tmp_path):
    """Against the real command, in its own process."""
    tf.config.experimental.enable_op_determinism()
    result = subprocess.run(
        [sys.executable, "-m", "zoo.train", "--model=wgan_gp", "--dataset=8gaussians",
         "--steps=4", "--batch_size=64", f"--workdir={tmp_path}"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    command = restored(models.get("wgan_gp", "8gaussians").replace(steps=4, **TOY), str(tmp_path))
    gan = fit_route("wgan_gp/8gaussians", 4)
    assert int(command.step) == int(gan.step) == 4
    for x, y in zip(weights(command), weights(gan)):
        np.testing.assert_array_equal(x, y)


def test_fit_refuses_at_once_what_it_cannot_train():
    wgan = zoo.create_model("wgan/mnist", batch_size=8)
    wgan.compile()
    with pytest.raises(UserError, match=r"^wgan's train_step calls are parts of critic phases.*"
                                        r"zoo.train.run\('wgan', ...\)"):
        wgan.fit(zoo.dataset(wgan), epochs=1, steps_per_epoch=1)
    assert int(wgan.step) == 0
    gan = zoo.create_model("wgan_gp/8gaussians")
    gan.compile()
    points = tf.data.Dataset.from_tensor_slices(np.zeros((512, 2), np.float32)).batch(256)
    with pytest.raises(UserError, match=r"takes batches shaped \(batch, 5, 2\).*got \(None, 2\); "
                                        r"pass zoo.dataset\(model\)"):
        gan.fit(points, epochs=1, steps_per_epoch=1)
    assert int(gan.step) == 0


def test_registry_listing():
    assert zoo.list_models() == models.list_configs()
    assert zoo.list_models("wgan_gp/*") == [n for n in models.list_configs()
                                           if n.startswith("wgan_gp/")]
    with pytest.raises(UserError, match="not model/config"):
        zoo.create_model("wgan_gp")
