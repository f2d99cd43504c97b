"""`python -m zoo.train` end to end: bad input gets one line, exit code 2."""

import json
import subprocess
import sys

import pytest

from zoo import models


def train(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "zoo.train", *args],
                          capture_output=True, text=True, timeout=timeout)


def error_line(result):
    lines = [l for l in result.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (["--model=stylegan"], f"unknown model 'stylegan'; choose from {', '.join(models.names())}"),
    (["--dataset=imagenet"], "no config for dataset 'imagenet'; choose from "
                             + ", ".join(models.datasets("wgan_gp"))),
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


def test_print_config_shows_the_chosen_config_and_list_configs_all():
    from zoo import models
    default = train("--print_config")  # the default model's default config
    assert default.returncode == 0, default.stderr[-2000:]
    values = json.loads(default.stdout)
    assert values == json.loads(models.get("wgan_gp", "mnist").to_json())
    assert values["gp_weight"] == 10.0 and values["n_critic"] == 5
    one = train("--model=gan", "--dataset=mnist", "--print_config")
    assert json.loads(one.stdout)["latent_bound"] == pytest.approx(3 ** 0.5)
    bad = train("--model=gan", "--dataset=imagenet", "--print_config")
    assert bad.returncode == 2 and "no config for dataset 'imagenet'" in error_line(bad)
    table = train("--list_configs")
    assert table.returncode == 0, table.stderr[-2000:]
    rows = [line.split()[0] for line in table.stdout.splitlines()[1:] if "/" in line.split(" ")[0]]
    assert rows == models.list_configs()
    assert len(table.stdout.splitlines()) < len(models.list_configs()) + 5


def evaluate(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "zoo.evaluate", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_evaluate_repeats_exactly_from_a_workdir_or_its_export(tmp_path):
    workdir = tmp_path / "run"
    ok = train("--dataset=8gaussians", "--steps=2", "--keep_every=1", f"--workdir={workdir}")
    assert ok.returncode == 0, ok.stderr[-2000:]
    first = evaluate(f"--workdir={workdir}", "--samples=500")
    assert first.returncode == 0, first.stderr[-2000:]
    results = json.loads((workdir / "evaluation-step2.json").read_text())
    assert {"sliced_wasserstein", "mean_gap", "modes_covered", "high_quality_fraction"} <= set(results)
    assert 0 <= results["modes_covered"] <= 8 and results["samples"] == 500
    again = evaluate(f"--workdir={workdir}", "--samples=500")
    assert json.loads((workdir / "evaluation-step2.json").read_text()) == results
    exported = evaluate(f"--export={workdir / 'export'}", "--samples=500")
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert json.loads((workdir / "evaluation.json").read_text()) == results
    by_step = evaluate(f"--workdir={workdir}", "--step=1", "--samples=500")
    assert by_step.returncode == 0, by_step.stderr[-2000:]
    step1 = json.loads((workdir / "evaluation-step1.json").read_text())
    assert step1.keys() == results.keys() and step1 != results
    missing = evaluate(f"--workdir={workdir}", "--step=5", "--samples=500")
    assert missing.returncode == 2
    assert error_line(missing).endswith("no checkpoint of step 5 (it has: 1, 2); pick one of "
                                        "those, or train with --keep_every")
    del again


def test_evaluate_without_a_run_says_so(tmp_path):
    result = evaluate(f"--workdir={tmp_path}")
    assert result.returncode == 2 and error_line(result).startswith("error:")
