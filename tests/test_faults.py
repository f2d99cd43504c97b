"""The kill battery: a run SIGKILLed at any moment — at every write point of
a checkpoint, of the export, of config.json and samples.png, of a baseline or
evaluation JSON, and at random — leaves nothing half-written and, restarted
with the same command until it completes, ends with the weights of a run that
was never interrupted, bit for bit (same seed, op determinism on). The
multi-worker peer kill is tests/test_distribute.py's; the long form, 10 random
kills per model family, is benchmarks/kill_battery.py."""

import glob
import hashlib
import os
import random
import shutil

import numpy as np
import pytest
import tensorflow as tf

from zoo import baseline, faults, models, training

STEPS, EVERY = 12, 3  # toy runs (zoo.models.toy): 12 steps, a checkpoint every 3
FAMILIES = models.one_per_model()
# Every write point, in an order where each is reached (see zoo.faults): with
# checkpoints at 3, 6, 9, 12 and the newest 3 kept, the 4th save sweeps one.
EVERY_POINT = ["replace=config.json:1", "step:5", "shards:2", "state:1", "sweep:1",
               "replace=/export:1", "replace=samples.png:1"]
EVERY_POINT_FAMILY = "wgan_gp/8gaussians"  # the cheapest run takes every point
ONE_POINT = ["state:1", "shards:2", "step:3"]  # the other families one each, in turn


def points(name):
    if name == EVERY_POINT_FAMILY:
        return EVERY_POINT
    others = [family for family in FAMILIES if family != EVERY_POINT_FAMILY]
    return [ONE_POINT[others.index(name) % len(ONE_POINT)]]


def config(name):
    return faults.toy_config(name, STEPS, EVERY)


def train_args(name, workdir):
    return faults.train_args(name, workdir, STEPS, EVERY)


def a_new_checkpoint(workdir):
    """Whether a checkpoint newer than the present one has been written:
    training has run since the call."""
    latest = lambda: tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    now = latest()
    return lambda: latest() not in (None, now)


@pytest.mark.parametrize("name", FAMILIES)
def test_killed_anywhere_and_restarted_it_ends_bit_identical(name, tmp_path):
    training.train(config(name), str(tmp_path / "whole"), verbose=0, export=False)
    workdir = str(tmp_path / "killed")
    args = train_args(name, workdir)
    rng = random.Random(name)
    kills = [(point, None) for point in points(name)]
    if name != EVERY_POINT_FAMILY:  # (its points leave no step to train)
        kills.append((None, rng.uniform(0.0, 0.5)))  # at a random moment after a checkpoint
    for point, delay in kills:
        code, out = faults.run("zoo.train", args, point, delay, a_new_checkpoint(workdir))
        if point:  # an armed point must be reached, or the battery tests nothing
            assert code == -9, f"{point} never reached:\n{out[-3000:]}"
        assert code in (-9, 0), out[-3000:]
        assert faults.check_workdir(workdir) == [], (point, delay)
    code, out = faults.run("zoo.train", args)
    assert code == 0, out[-3000:]
    assert faults.check_workdir(workdir) == []
    assert os.path.exists(os.path.join(workdir, "samples.png"))
    export = tf.saved_model.load(os.path.join(workdir, "export"))
    assert export.sample(n=tf.constant(2), seed=tf.constant(0, tf.int64))["images"].shape[0] == 2
    assert not glob.glob(os.path.join(workdir, ".*")) and not os.path.exists(workdir + "/export.old")
    step, values = faults.checkpoint_values(config(name), workdir)
    _, whole = faults.checkpoint_values(config(name), str(tmp_path / "whole"))
    assert step == STEPS
    for x, y in zip(values, whole):
        np.testing.assert_array_equal(x, y)


def digests(directory):
    return {os.path.relpath(os.path.join(d, f), directory):
            hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest()
            for d, _, files in os.walk(directory) for f in files}


def test_a_baseline_killed_while_writing_keeps_the_stored_file(tmp_path):
    stored = tmp_path / "baselines" / "wgan_gp" / "8gaussians.json"
    stored.parent.mkdir(parents=True)
    shutil.copy(baseline.baseline_path("wgan_gp", "8gaussians"), stored)
    before = digests(tmp_path / "baselines")
    env = dict(os.environ, ZOO_BASELINE_DIR=str(tmp_path / "baselines"))
    code, out = faults.run("zoo.baseline", ["--model=wgan_gp", "--dataset=8gaussians"],
                           "replace=8gaussians.json:1", env=env)
    assert code == -9, out[-3000:]  # killed with the new file written, not yet renamed
    after = digests(tmp_path / "baselines")
    assert {k: v for k, v in after.items() if not os.path.basename(k).startswith(".tmp-")} == before


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("toy") / "run"
    code, out = faults.run("zoo.train", train_args("wgan_gp/8gaussians", str(workdir)))
    assert code == 0, out[-3000:]
    return workdir


def test_an_evaluation_killed_while_writing_keeps_the_last_one(toy_run, tmp_path):
    workdir = str(tmp_path / "run")
    shutil.copytree(toy_run, workdir)
    code, out = faults.run("zoo.evaluate", ["--samples=200", f"--workdir={workdir}"])
    assert code == 0, out[-3000:]
    result = os.path.join(workdir, f"evaluation-step{STEPS}.json")
    first = open(result, "rb").read()
    code, out = faults.run("zoo.evaluate", ["--samples=300", f"--workdir={workdir}"],
                           f"replace=evaluation-step{STEPS}.json:1")
    assert code == -9, out[-3000:]
    assert open(result, "rb").read() == first  # the 300 samples' numbers never replaced it
    assert faults.check_workdir(workdir) == []


def test_the_workdir_check_finds_what_a_kill_could_break(toy_run, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(toy_run, workdir)
    assert faults.check_workdir(str(workdir)) == []
    (workdir / "samples.png").write_bytes((workdir / "samples.png").read_bytes()[:100])
    (workdir / "config.json").write_text('{"model": "wgan')
    for data in glob.glob(str(workdir / "checkpoints" / f"ckpt-{STEPS}.data-*")):
        os.remove(data)
    os.remove(workdir / "export" / "saved_model.pb")
    problems = faults.check_workdir(str(workdir))
    assert [p.split(" (")[0] for p in problems] == [
        "config.json is not JSON", f"ckpt-{STEPS}.index points at missing data",
        "export lacks saved_model.pb", "samples.png is not a whole PNG"]
