"""`python -m zoo.train` end to end: bad input gets one line, exit code 2."""

import json
import subprocess
import sys

import pytest


def train(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "zoo.train", *args],
                          capture_output=True, text=True, timeout=timeout)


def error_line(result):
    lines = [l for l in result.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (["--model=stylegan"], "unknown model 'stylegan'; choose from wgan_gp"),
    (["--dataset=imagenet"], "no config for dataset 'imagenet'; choose from 25gaussians, 8gaussians, mnist, swissroll"),
    (["--dataset=8gaussians", "--steps=0"], "steps must be a positive integer, got 0"),
    (["--dataset=8gaussians", "--batch_size=-4"], "batch_size must be a positive integer, got -4"),
    (["--dataset=8gaussians", "--set", "lambda=3"], "cannot override 'lambda=3'"),
    (["--dataset=8gaussians", "--strategy=horovod"], "unknown strategy 'horovod'"),
    (["--dataset=8gaussians", "--steps=ten"], "flag --steps=ten"),
    (["--dataset=8gaussians", "--seed=-1"], "seed must be in [0, 2^31), got -1"),
])
def test_bad_input_exits_2_with_one_line(args, message, tmp_path):
    result = train(*args, f"--workdir={tmp_path / 'run'}")
    assert result.returncode == 2
    assert message in error_line(result)
    assert not (tmp_path / "run").exists()


def test_a_short_run_then_a_mismatched_rerun(tmp_path):
    workdir = tmp_path / "run"
    ok = train("--dataset=8gaussians", "--steps=3", "--set", "checkpoint_every=1",
               f"--workdir={workdir}")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert (workdir / "export" / "saved_model.pb").exists()
    checkpoints = sorted(p.name for p in (workdir / "checkpoints").iterdir())
    bad = train("--dataset=8gaussians", "--steps=3", "--seed=7", f"--workdir={workdir}")
    assert bad.returncode == 2
    assert "holds a run of another config (seed=0 (now 7))" in error_line(bad)
    assert json.loads((workdir / "config.json").read_text())["seed"] == 0
    assert sorted(p.name for p in (workdir / "checkpoints").iterdir()) == checkpoints


def test_print_config_shows_every_config_and_its_values():
    result = train("--print_config")
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("wgan_gp/mnist", "wgan_gp/8gaussians", "wgan_gp/25gaussians", "wgan_gp/swissroll"):
        assert f"# {name}" in result.stdout
    assert '"gp_weight": 10.0' in result.stdout and '"n_critic": 5' in result.stdout
