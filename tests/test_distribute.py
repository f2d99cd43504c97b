"""Scaling out: multi-worker equals one process, a lost worker fails fast and
resumes exactly, strategies that cannot start say why, mixed precision and XLA run."""

import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import checkpoints, launch, models, training
from zoo.errors import UserError

TOY = ["--dataset=8gaussians", "--batch_size=64"]


def toy_config(**changes):
    return models.get("wgan_gp", "8gaussians").replace(batch_size=64, **changes)


def chief_weights(workdir, config):
    """Generator and critic weights of the newest checkpoint in workdir."""
    model = training.build(config)
    manager = checkpoints.checkpoint_manager(model, os.path.join(workdir, "checkpoints"))
    assert checkpoints.restore(manager), f"no checkpoint in {workdir}"
    return int(model.step), [w.numpy() for w in model.generator.weights + model.critic.weights]


def one_process_weights(tmp_path, config):
    model, _ = training.train(config, str(tmp_path / "one"), verbose=0, export=False)
    return [w.numpy() for w in model.generator.weights + model.critic.weights]


# Adam with ε = 1 and lr 0.01 for the comparison: its first steps are
# lr·g/(|g| + ε), Lipschitz in g (constant lr/ε), so float reassociation of the
# gradient sums (a few float32 ulps, ~1e-6 relative) moves the weights by
# ~1e-6 of the update. With ε = 1e-8, lr·g/(|g| + ε) ≈ ±lr whatever |g|: a
# weight whose gradient is float noise steps either way, and how many do
# depends on the CPU (max |Δw| 3.5e-4 on one machine, bound 5e-5).
LIPSCHITZ_ADAM = dict(adam_epsilon=1.0, learning_rate=0.01)
LIPSCHITZ_ARGS = [f"--set={k}={v}" for k, v in LIPSCHITZ_ADAM.items()]


def assert_same_update(initial, a, b):
    """r = ‖a − b‖ / ‖b − initial‖ ≤ 1e-3: reassociation gives ~1e-6, plus
    rounding w − Δw to float32 (≤ √N·ulp(|w|) in norm, ~1e-4 of an update of
    lr·|g|/(|g| + 1) with |g| ≳ 0.01); measured 8e-7. A larger lr (0.1) makes
    the 15 critic updates chaotic (r 7.6e-4); a wrong data split or noise
    draw is O(1)."""
    gap = np.sqrt(sum(((x.astype(np.float64) - y) ** 2).sum() for x, y in zip(a, b)))
    size = np.sqrt(sum(((y.astype(np.float64) - w) ** 2).sum() for y, w in zip(b, initial)))
    print(f"r = {gap / size:.3g}")
    assert size > 0 and gap / size <= 1e-3


def run_workers(tmp_path, args, timeout_s=240, env=None, name="logs"):
    log_dir = tmp_path / name
    log_dir.mkdir()
    procs = launch.start_workers(2, args, env=env, log_dir=str(log_dir))
    return procs, log_dir


def test_two_workers_make_the_update_of_one_process(tmp_path):
    workdir = tmp_path / "mw"
    procs, logs = run_workers(tmp_path, TOY + ["--steps=3", f"--workdir={workdir}"] + LIPSCHITZ_ARGS)
    codes = launch.wait(procs, timeout_s=240)
    assert codes == [0, 0], (logs / "worker0.log").read_text()[-3000:]
    assert (workdir / "export" / "saved_model.pb").exists()
    assert not any(p.name.startswith("zoo-worker") for p in tmp_path.iterdir())
    config = toy_config(steps=3, **LIPSCHITZ_ADAM)
    step, weights = chief_weights(str(workdir), config)
    assert step == 3
    initial = training.build(config)
    assert_same_update([w.numpy() for w in initial.generator.weights + initial.critic.weights],
                       weights, one_process_weights(tmp_path, config))


def test_a_killed_worker_fails_the_other_fast_and_a_restart_resumes_exactly(tmp_path):
    def args(workdir):
        return TOY + ["--steps=30", f"--workdir={workdir}", "--set", "checkpoint_every=5"]
    env = dict(os.environ, ZOO_COLLECTIVE_TIMEOUT="15")
    procs, logs = run_workers(tmp_path, args(tmp_path / "whole"), env=env, name="whole-logs")
    assert launch.wait(procs, timeout_s=240) == [0, 0], (logs / "worker0.log").read_text()[-3000:]

    workdir = tmp_path / "parts"
    procs, logs = run_workers(tmp_path, args(workdir), env=env)
    deadline = time.time() + 180
    while not list((workdir / "checkpoints").glob("ckpt-10.index")):
        assert time.time() < deadline and procs[0].poll() is None, \
            (logs / "worker0.log").read_text()[-3000:]
        time.sleep(0.1)
    procs[1].kill()
    killed_at = time.time()
    code = procs[0].wait(timeout=120)  # the survivor must not hang
    waited = time.time() - killed_at
    chief_log = (logs / "worker0.log").read_text()
    assert code == 1, chief_log[-3000:]
    assert "error: a worker stopped answering" in chief_log
    assert waited < 60  # collective timeout 15 s, plus start-up of the error path
    saved = sorted(int(p.name[5:-6]) for p in (workdir / "checkpoints").glob("ckpt-*.index"))
    assert 10 <= saved[-1] < 30

    procs, logs = run_workers(tmp_path, args(workdir), env=env, name="restart-logs")
    assert launch.wait(procs, timeout_s=240) == [0, 0], (logs / "worker0.log").read_text()[-3000:]
    assert f"resuming from {workdir}/checkpoints/ckpt-{saved[-1]}" in (logs / "worker0.log").read_text()
    # Same layout, same seed, op determinism on: bit-identical to the run
    # that was never interrupted.
    config = toy_config(steps=30)
    step, resumed = chief_weights(str(workdir), config)
    _, whole = chief_weights(str(tmp_path / "whole"), config)
    assert step == 30
    for x, y in zip(resumed, whole):
        np.testing.assert_array_equal(x, y)


def train_cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "zoo.train", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("args, tf_config, message", [
    (["--strategy=multi_worker"], None, "needs TF_CONFIG"),
    (["--strategy=multi_worker"], "{not json", "TF_CONFIG is not a valid cluster spec"),
    (["--strategy=multi_worker"], '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
     "task index 3 outside its 1 addresses"),
    (["--strategy=tpu"], None, "--strategy=tpu needs --tpu="),
    (["--strategy=mirrored", "--cpu_replicas=0"], None, "--cpu_replicas must be positive"),
])
def test_a_strategy_that_cannot_start_says_why(args, tf_config, message, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "TPU_NAME")}
    if tf_config:
        env["TF_CONFIG"] = tf_config
    start = time.time()
    result = train_cli(*TOY, *args, f"--workdir={tmp_path / 'run'}", env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr
    assert time.time() - start < 60
    assert not (tmp_path / "run").exists()


def test_a_worker_whose_peers_never_come_fails_within_the_cluster_timeout(tmp_path):
    env = dict(os.environ, ZOO_CLUSTER_TIMEOUT="10",
               TF_CONFIG=launch.tf_configs(2)[0])  # worker 1 is never started
    start = time.time()
    result = train_cli(*TOY, "--strategy=multi_worker", f"--workdir={tmp_path / 'run'}",
                       env=env, timeout=120)
    assert result.returncode == 2
    assert "error: not every worker of TF_CONFIG" in result.stderr
    assert time.time() - start < 60
    assert not (tmp_path / "run").exists()


def test_mixed_precision_computes_in_float16_and_keeps_float32_losses(tmp_path):
    config = toy_config(steps=3, mixed_precision=True)
    model, logs = training.train(config, str(tmp_path), verbose=0, export=False)
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    hidden = model.critic.layers[0]
    assert hidden.compute_dtype == "float16" and hidden.kernel.dtype == "float32"
    assert model.critic.layers[-1].compute_dtype == "float32"  # the critic's output
    assert model.generator(tf.zeros([2, 2])).dtype == tf.float32
    assert all(np.isfinite(v) for v in logs.values()) and int(model.step) == 3
    # Loss scaling recovers the float32 gradient: the first step's critic loss
    # agrees with a float32 run to float16 precision (~1e-3 relative).
    ref, ref_logs = training.train(toy_config(steps=1), str(tmp_path / "f32"), verbose=0,
                                   export=False)
    mixed, mixed_logs = training.train(toy_config(steps=1, mixed_precision=True),
                                       str(tmp_path / "f16"), verbose=0, export=False)
    assert mixed_logs["wasserstein"] == pytest.approx(ref_logs["wasserstein"], rel=2e-2, abs=1e-2)
    # The default policy is left as it was.
    assert keras.config.dtype_policy().name == "float32"


def test_jit_compile_trains_with_xla(tmp_path):
    # A fresh process: op determinism, once on, cannot be turned off, and
    # Keras refuses XLA while it is on.
    result = train_cli(*TOY, "--steps=2", "--jit_compile", f"--workdir={tmp_path}", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "note: --jit_compile leaves op determinism off" in result.stdout


def test_jit_compile_under_op_determinism_is_refused(tmp_path):
    tf.config.experimental.enable_op_determinism()
    with pytest.raises(UserError, match="Keras refused --jit_compile"):
        training.build(toy_config(), jit_compile=True)
