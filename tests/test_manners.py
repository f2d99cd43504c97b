"""Command manners: TensorFlow's start-up log lines hidden (zoo.quiet), plain
progress lines where stdout is not a terminal (zoo.training.StepLog), and
every command's --help exiting 0 without loading TensorFlow.
(Start-up times: benchmarks/cli_startup.py.)"""

import os
import re
import subprocess
import sys
import types

import pytest
import tensorflow as tf

# What TensorFlow 2.21 prints on stderr as it loads and first finds its devices.
NOISE = ["absl::InitializeLog", "oneDNN custom operations", "Could not find cuda drivers",
         "cuInit", "cpu_feature_guard", "This TensorFlow binary is optimized",
         "To enable the following instructions"]
ABSL_LOG_LINE = re.compile(r"^[IWEF]\d{4} ", re.M)

# Each command and flags its --help must name.
COMMANDS = {
    "zoo.train": ["--model", "--dataset", "--steps", "--workdir", "--data_dir"],
    "zoo.evaluate": ["--workdir", "--export", "--samples", "--data_dir"],
    "zoo.pretrained": ["--name", "--steps", "--data_dir"],
    "zoo.classifiers": ["--dataset", "--epochs", "--data_dir"],
    "zoo.bench": ["--model", "--batch_sizes", "--repeats", "--data_dir"],
    "zoo.baseline": ["--model", "--seeds", "--data_dir"],
    "zoo.reproduce": ["--out", "--measure", "--data_dir"],
    "zoo.experiments": ["--list", "--out_dir", "--size"],
    "zoo.launch": ["--workers", "--timeout"],
}


def user_env(**settings):
    """The environment of a user who set neither TF_CPP_MIN_LOG_LEVEL nor
    ZOO_TF_LOGS (conftest sets the first for the tests' own process)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "ZOO_TF_LOGS")}
    env.update(settings)
    return env


def python(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=env or user_env(), timeout=timeout)


def noise_in(stderr):
    return [n for n in NOISE if n in stderr] + ABSL_LOG_LINE.findall(stderr)


# ---- TensorFlow's start-up lines ----------------------------------------------------------

STEPS, LOG_EVERY = 25, 10


@pytest.fixture(scope="module")
def train_run(tmp_path_factory):
    """A short zoo.train run with stdout and stderr captured (pipes, not a terminal)."""
    workdir = tmp_path_factory.mktemp("manners") / "run"
    result = python("-m", "zoo.train", "--model=wgan_gp", "--dataset=8gaussians",
                    f"--steps={STEPS}", "--set", f"log_every={LOG_EVERY}", f"--workdir={workdir}")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_train_stderr_has_no_tensorflow_start_up_lines(train_run):
    assert noise_in(train_run.stderr) == [], train_run.stderr[-3000:]


TF_START = "import zoo, tensorflow as tf; tf.constant(1.0) + 1.0"


@pytest.mark.parametrize("setting", [dict(ZOO_TF_LOGS="1"), dict(TF_CPP_MIN_LOG_LEVEL="0")])
def test_the_lines_come_back_when_asked_for(setting):
    result = python("-c", TF_START, env=user_env(**setting))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "absl::InitializeLog" in result.stderr or ABSL_LOG_LINE.search(result.stderr), \
        result.stderr[-3000:]


def test_errors_and_tracebacks_still_reach_stderr():
    result = python("-c", TF_START + "; import sys, warnings; warnings.warn('careful'); "
                    "print('error: the zoo says so', file=sys.stderr); raise RuntimeError('boom')")
    assert result.returncode == 1
    assert noise_in(result.stderr) == [], result.stderr[-3000:]
    for expected in ["UserWarning: careful", "error: the zoo says so", "Traceback",
                     "RuntimeError: boom"]:
        assert expected in result.stderr, result.stderr[-3000:]


def test_only_log_lines_are_dropped_from_the_captured_stderr():
    """What the filter keeps of fd 2 (C-level and Python writes) while TensorFlow loads."""
    script = r"""
import os, sys
from zoo import quiet
with quiet.stderr_filtered():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    os.write(2, b"I0000 00:00:1796616725.574994    6030 port.cc:153] oneDNN custom operations are on.\n")
    os.write(2, b"E0000 00:00:1796616729.079331    6030 cuda_platform.cc:52] failed call to cuInit\n")
    os.write(2, b"To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.\n")
    os.write(2, b"F0000 a fatal line\nsomething else\n")
    print("a Python warning", file=sys.stderr)
print("after", file=sys.stderr)
"""
    result = python("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "F0000 a fatal line\nsomething else\na Python warning\nafter\n"


# ---- progress where stdout is not a terminal ---------------------------------------------

def test_piped_stdout_gets_one_plain_line_per_log_interval(train_run):
    out = train_run.stdout
    assert "\r" not in out and "\x1b[" not in out, repr(out[:500])
    steps = re.findall(r"^step (\d+)/(\d+)  [\d.]+ steps/s  .*d_loss -?[\d.]", out, re.M)
    # every log_every-th step, and the last
    assert steps == [("10", "25"), ("20", "25"), ("25", "25")], out[-2000:]
    assert len([l for l in out.splitlines() if l.startswith("step ")]) == 3


class FakeStep:
    def __init__(self):
        self.value = 0

    def numpy(self):
        return self.value


def test_step_log_prints_each_logged_step_once(capsys):
    """WGAN's long critic phases end several calls on one generator step."""
    from zoo import training
    model = types.SimpleNamespace(step=FakeStep())
    log = training.StepLog(total_steps=7, log_every=2)
    log.set_model(model)
    log.on_train_begin()
    for step in [0, 0, 1, 1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 7, 7]:
        model.step.value = step
        log.on_train_batch_end(0, {"d_loss": -1.5, "g_loss": 0.25})
    log.on_train_end()
    lines = capsys.readouterr().out.splitlines()
    assert [l.split("  ")[0] for l in lines] == ["step 0/7", "step 2/7", "step 4/7", "step 6/7",
                                                 "step 7/7"]
    assert lines[1].endswith("steps/s  d_loss -1.5  g_loss 0.25"), lines


@pytest.mark.parametrize("verbose, terminal, keras_verbose, step_log", [
    (1, True, 1, False), (2, True, 1, False), (1, False, 0, True), (2, False, 0, True),
    (0, True, 0, False), (0, False, 0, False)])
def test_fit_picks_keras_bar_on_a_terminal_plain_lines_elsewhere(
        monkeypatch, verbose, terminal, keras_verbose, step_log):
    from zoo import training
    monkeypatch.setattr(training, "_stdout_is_terminal", lambda: terminal)
    seen = {}
    model = types.SimpleNamespace(config=types.SimpleNamespace(steps=100, log_every=10),
                                  step=tf.Variable(95, dtype=tf.int64),
                                  calls_are_generator_steps=True,
                                  fit=lambda *a, **k: seen.update(k))
    training._fit(model, None, monitor="monitor", verbose=verbose, callbacks=["user"])
    assert seen["steps_per_epoch"] == 5
    assert seen["verbose"] == keras_verbose
    logs = [c for c in seen["callbacks"] if isinstance(c, training.StepLog)]
    assert len(logs) == step_log
    assert seen["callbacks"][0] == "monitor" and seen["callbacks"][-1] == "user"


# ---- --help ------------------------------------------------------------------------------

def names(flag, text):
    """Whether help text names --flag (absl writes a boolean as --[no]flag)."""
    return re.search(rf"--(\[no\])?{flag[2:]}\b", text) is not None


def imported(stderr):
    """Top-level names in `-X importtime`'s list."""
    return {line.split("|")[-1].strip() for line in stderr.splitlines()
            if line.startswith("import time:")}


@pytest.mark.parametrize("module", sorted(COMMANDS))
def test_help_exits_0_names_the_flags_and_loads_no_tensorflow(module):
    result = python("-X", "importtime", "-m", module, "--help", timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    for flag in COMMANDS[module]:
        assert names(flag, result.stdout), (flag, result.stdout[-2000:])
    loaded = imported(result.stderr)
    assert loaded, "no -X importtime list"
    assert not loaded & {"tensorflow", "keras"}, f"{module} --help imports TensorFlow/Keras"


@pytest.mark.parametrize("module", sorted(COMMANDS))
def test_helpfull_exits_0(module):
    result = python("-m", module, "--helpfull", timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert names(COMMANDS[module][0], result.stdout)


def test_a_bad_flag_still_exits_2():
    result = python("-m", "zoo.evaluate", "--no_such_flag", timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Unknown command line flag 'no_such_flag'")


@pytest.mark.parametrize("args", [["zoo.pretrained"], ["zoo.train", "--list_configs"],
                                  ["zoo.train", "--model=gan", "--print_config"]])
def test_listings_load_no_tensorflow(args):
    result = python("-X", "importtime", "-m", *args, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
    assert not imported(result.stderr) & {"tensorflow", "keras"}, f"{args} imports TensorFlow/Keras"
