"""One writer per workdir, and a full disk that loses nothing.

- Two runs on one workdir: the second is refused at once (exit 2, one line
  naming the first's pid, host and start time) while the first trains on; a
  lock left by a run killed with SIGKILL does not block the next run (the
  kernel releases an flock when its holder dies).
- A full disk at every write point a run has (config.json, TensorBoard
  events, a checkpoint's shards and its state file, the export, samples.png),
  each failing with the exception its layer raises there (zoo.faults `!full`),
  and on a real tmpfs that fills up: the run stops with one line (what, where,
  how much is free), exits 1, leaves every file whole and nothing hidden, and
  the same command, rerun once there is space, ends with the weights of a run
  that never failed, bit for bit.
"""

import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from zoo import faults, files, models, training
from zoo.errors import UserError

NAME = "wgan_gp/8gaussians"
STEPS, EVERY = 12, 3  # checkpoints at 3, 6, 9, 12 (shards and state passes 1–4), export 5th


def args(workdir, steps=STEPS):
    return faults.train_args(NAME, str(workdir), steps, EVERY)


def train(workdir, steps=STEPS, point=None):
    return faults.run("zoo.train", args(workdir, steps), point)


def error_lines(out):
    return [line for line in out.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The values of an uninterrupted run's final checkpoint."""
    workdir = tmp_path_factory.mktemp("whole") / "run"
    code, out = train(workdir)
    assert code == 0, out[-3000:]
    return faults.checkpoint_values(faults.toy_config(NAME, STEPS, EVERY), str(workdir))[1]


def assert_resumes_to_the_whole_run(workdir, whole):
    code, out = train(workdir)
    assert code == 0, out[-3000:]
    assert faults.check_workdir(str(workdir)) == []
    assert not glob.glob(os.path.join(workdir, ".*")), "a hidden file was left behind"
    step, values = faults.checkpoint_values(faults.toy_config(NAME, STEPS, EVERY), str(workdir))
    assert step == STEPS
    for x, y in zip(values, whole):
        np.testing.assert_array_equal(x, y)


# ---- one writer ---------------------------------------------------------------------

def test_two_identical_runs_at_once_only_one_trains(tmp_path, whole):
    workdir = tmp_path / "run"
    # The first run stops at its last step (before that step's checkpoint) and holds the
    # workdir until killed: however slow the second run is, the first cannot pass STEPS.
    first = subprocess.Popen([sys.executable, "-m", "zoo.faults", f"step:{STEPS}!pause",
                              "zoo.train", *args(workdir, 100000)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        owner = workdir / files.OWNER_FILE
        deadline = time.time() + 300
        while not owner.exists() and first.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert owner.exists(), "the first run never took the lock"
        # The first run holds the lock: the same command again is refused.
        second = subprocess.run([sys.executable, "-m", "zoo.train", *args(workdir, 100000)],
                                capture_output=True, text=True, timeout=300)
        assert second.returncode == 2, second.stderr[-2000:]
        lines = error_lines(second.stderr)
        assert len(lines) == 1 and "step" not in second.stdout
        assert f"--workdir {workdir} is being written by another run (pid {first.pid} on host " \
            in lines[0] and ", started 20" in lines[0]
        assert first.poll() is None, "the first run stopped"
    finally:
        first.send_signal(signal.SIGKILL)  # a stale lock and owner file stay behind
        first.wait()
    assert owner.exists()
    # kill -9 released the lock: the same command resumes and finishes.
    assert_resumes_to_the_whole_run(workdir, whole)


def test_the_lock_names_its_holder_and_a_refused_run_creates_nothing(tmp_path):
    held = tmp_path / "held"
    with files.exclusive(str(held)):
        assert (held / files.OWNER_FILE).exists()
        with pytest.raises(files.WorkdirBusy, match=rf"pid {os.getpid()} on host "):
            with files.exclusive(str(held)):
                pass
    assert not held.exists()  # made for the lock, left empty: removed with it
    new = tmp_path / "a" / "b" / "run"
    # Bad input found once the lock is held: TFD, not freely redistributable,
    # is nowhere (no --data_dir, no download).
    config = models.get("gan", "tfd").replace(steps=1, batch_size=8, g_units=(16, 16),
                                              d_units=(16, 16))  # small: no 8000-unit layers
    with pytest.raises(UserError, match="tfd"):
        training.train(config, str(new), verbose=0, data_dir=str(tmp_path / "no-data"))
    assert not (tmp_path / "a").exists()


# ---- a full disk --------------------------------------------------------------------

# Every write point of a run, each failing once (zoo.faults `!full`).
FULL_POINTS = ["replace=config.json:1!full",  # config.json (Python: OSError ENOSPC)
               "events:1!full",               # TensorBoard's event file, flushed at a checkpoint
               "shards:2!full",               # the second checkpoint's data (TensorFlow)
               "state:3!full",                # the third checkpoint's `checkpoint` file
               "shards:5!full",               # the export's variables
               "replace=samples.png:1!full"]  # the sample picture


@pytest.mark.parametrize("point", FULL_POINTS)
def test_a_full_disk_at_any_write_point_loses_nothing(point, tmp_path, whole):
    workdir = tmp_path / "run"
    code, out = train(workdir, point=point)
    assert code == 1, out[-3000:]
    lines = error_lines(out)
    assert len(lines) == 1, out[-3000:]
    assert "could not write" in lines[0] and "No space left on device" in lines[0]
    assert " free there)" in lines[0] and "run the same command again to resume" in lines[0]
    assert faults.check_workdir(str(workdir)) == []
    assert not glob.glob(str(workdir / "checkpoints" / "*_temp"))
    assert not glob.glob(str(workdir / ".*"))
    assert_resumes_to_the_whole_run(workdir, whole)


def test_a_failed_export_keeps_the_previous_one(tmp_path, whole):
    workdir = tmp_path / "run"
    code, out = train(workdir, steps=6)
    assert code == 0, out[-3000:]
    before = (workdir / "export" / "saved_model.pb").read_bytes()
    code, out = train(workdir, point="shards:3!full")  # ckpt-9, ckpt-12, then the export
    assert code == 1 and "could not write the export (SavedModel)" in error_lines(out)[0]
    assert (workdir / "export" / "saved_model.pb").read_bytes() == before
    assert faults.check_workdir(str(workdir)) == []
    assert_resumes_to_the_whole_run(workdir, whole)


def mount_tmpfs(path, size):
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                            capture_output=True, text=True)
    return result.returncode == 0, result.stderr.strip()


def test_a_real_full_tmpfs_loses_nothing(tmp_path, whole):
    disk = tmp_path / "disk"
    disk.mkdir()
    # A toy checkpoint is 13 MB and is written beside the previous ones before
    # they are swept: 20 MB hold the first and refuse the second.
    mounted, why = mount_tmpfs(disk, "20m")
    if not mounted:
        pytest.skip(f"cannot mount a tmpfs here ({why or 'mount failed'}); the fault-point "
                    "variant covers every write point")
    try:
        workdir = disk / "run"
        code, out = train(workdir)
        assert code == 1, out[-3000:]
        lines = error_lines(out)
        assert len(lines) == 1 and "No space left on device" in lines[0], out[-3000:]
        assert "could not write checkpoint ckpt-6" in lines[0] and "ckpt-3, is kept" in lines[0]
        assert faults.check_workdir(str(workdir)) == []
        assert not glob.glob(str(workdir / "checkpoints" / "*_temp"))
        subprocess.run(["mount", "-o", "remount,size=80m", str(disk)], check=True)  # space freed
        assert_resumes_to_the_whole_run(workdir, whole)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_full_disk_while_evaluating_keeps_the_last_evaluation(tmp_path):
    workdir = tmp_path / "run"
    code, out = train(workdir, steps=3)
    assert code == 0, out[-3000:]
    code, out = faults.run("zoo.evaluate", ["--samples=200", f"--workdir={workdir}"])
    assert code == 0, out[-3000:]
    result = workdir / "evaluation-step3.json"
    first = result.read_bytes()
    code, out = faults.run("zoo.evaluate", ["--samples=300", f"--workdir={workdir}"],
                           "replace=evaluation-step3.json:1!full")
    lines = error_lines(out)
    assert code == 1 and len(lines) == 1, out[-3000:]
    assert lines[0].startswith(f"error: could not write the evaluation to {result}: No space left")
    assert result.read_bytes() == first and not glob.glob(str(workdir / ".*"))
