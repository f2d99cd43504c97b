"""Pretrained generators: trained, shipped and loaded by name.

    python -m zoo.pretrained --name=wgan_gp/8gaussians --steps=20000   # train, ship, evaluate
    python -m zoo.pretrained                                           # list what ships

    import zoo
    generator = zoo.load("wgan_gp/8gaussians")            # sha256 checked first
    images = generator.sample(n=64, seed=0)["images"]     # or generator.serve(z)

Each ships as `zoo/pretrained/<model>/<config>/`, the generator SavedModel
that `zoo.train` exports (plain `tf.saved_model.load` reads it; signatures
`serving_default` z → images and `sample` n, seed → images, z; the config it
was trained with in `config_json`), and `zoo/pretrained/<model>/<config>.json`,
its record: sha256 of the directory, the command that made it, steps, wall
time (summed over the invocations that trained it), hardware and versions.
Shipping also writes the `trained` section of `baselines/<model>/<config>.json`:
zoo.evaluate's metrics of the shipped generator on the fixed noise bank
(EVALUATION_SAMPLES, EVALUATION_SEED), and of the same config's untrained
generator on the same bank, which tests/test_pretrained.py checks the shipped
files against.

Weights are stored as float32, uncompressed: float16 would change the
samples and so every stored number, and the SavedModel loads with plain
TensorFlow only as a directory; git compresses what it stores.
"""

import datetime
import glob
import json
import os
import platform
import shutil
import sys
import tempfile
import time

from zoo.errors import UserError

PRETRAINED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained")
EVALUATION_SAMPLES = 10000  # zoo.evaluate's default (Goodfellow et al.'s Parzen: 10,000)
EVALUATION_SEED = 0
WALL_FILE = "wall_time.json"  # in the run's workdir


def record_path(name):
    return os.path.join(PRETRAINED_DIR, f"{name}.json")


def model_dir(name):
    return os.path.join(PRETRAINED_DIR, name)


def available():
    """Names ("model/config") of the shipped generators: records beside their
    SavedModel (not, say, the evaluation.json that zoo.evaluate --export writes)."""
    paths = [p for p in glob.glob(os.path.join(PRETRAINED_DIR, "*", "*.json"))
             if os.path.isdir(p[:-len(".json")])]
    return sorted(os.path.relpath(p, PRETRAINED_DIR)[:-len(".json")].replace(os.sep, "/")
                  for p in paths)


def record(name):
    """The shipped record of `name`; a UserError naming the shipped ones otherwise."""
    names = available()
    if name not in names:
        raise UserError(f"no pretrained generator {name!r}; available: {', '.join(names) or 'none'}")
    with open(record_path(name)) as f:
        return json.load(f)


def verified_dir(name):
    """The directory of the shipped generator `name`, once its files match
    the recorded sha256."""
    from zoo.data.formats import directory_digest
    entry = record(name)
    directory = model_dir(name)
    digest = directory_digest(directory) if os.path.isdir(directory) else "missing"
    if digest != entry["sha256"]:
        raise UserError(f"the files of pretrained generator {name} ({directory}) have sha256 "
                        f"{digest}, not the recorded {entry['sha256']}; reinstall the zoo or "
                        f"ship it again with: {entry['command']}")
    return directory


def load(name):
    """The shipped generator `name` ("model/config") as a loaded SavedModel,
    its files checked against the recorded sha256 before TensorFlow reads them."""
    import tensorflow as tf
    return tf.saved_model.load(verified_dir(name))


def config_of(generator):
    """The zoo config a loaded generator was trained with."""
    from zoo.evaluate import config_from_dict
    return config_from_dict(json.loads(generator.config_json.numpy().decode()))


def evaluate_export(directory, data_dir=None):
    """zoo.evaluate's metrics of the generator SavedModel in `directory` on
    the fixed noise bank."""
    from zoo import evaluate
    config, samples, _ = evaluate.samples_from_export(directory, EVALUATION_SAMPLES,
                                                      EVALUATION_SEED)
    return evaluate.evaluate(config, samples, data_dir, EVALUATION_SEED)


def evaluate_shipped(name, data_dir=None):
    return evaluate_export(verified_dir(name), data_dir)


def evaluate_untrained(config, data_dir=None):
    """The same metrics of `config`'s generator as initialised (step 0)."""
    from zoo import evaluate, training
    model = training.build(config)
    training.initialize(model, data_dir)
    samples = model.sample(EVALUATION_SAMPLES, seed=EVALUATION_SEED).numpy()
    return evaluate.evaluate(config, samples, data_dir, EVALUATION_SEED)


def add_wall_time(workdir, seconds):
    """The run's wall time over every invocation that trained in `workdir`
    (a run resumed, or extended to more steps, adds up), kept in WALL_FILE."""
    from zoo.training import write_atomic
    path = os.path.join(workdir, WALL_FILE)
    total = dict(seconds=0.0, invocations=0)
    if os.path.exists(path):
        with open(path) as f:
            total = json.load(f)
    total = dict(seconds=total["seconds"] + seconds, invocations=total["invocations"] + 1)
    write_atomic(path, json.dumps(total) + "\n")
    return total


def ship(name, config, workdir, command, wall, data_dir=None):
    """Copies the run's export into the package, evaluates it and the
    untrained generator, then swaps the copy in whole and writes its record
    and the `trained` section of its baseline: a failure before the swap
    changes no shipped file."""
    import keras
    import numpy as np
    import tensorflow as tf
    from zoo import baseline
    from zoo.data.formats import directory_digest
    from zoo.training import replace_directory, write_atomic
    os.makedirs(os.path.dirname(model_dir(name)), exist_ok=True)
    staged = tempfile.mkdtemp(dir=os.path.dirname(model_dir(name)), prefix=".tmp-")
    try:
        shutil.copytree(os.path.join(workdir, "export"), staged, dirs_exist_ok=True)
        trained = dict(steps=config.steps, samples=EVALUATION_SAMPLES, seed=EVALUATION_SEED,
                       command=f"python -m zoo.evaluate --export=zoo/pretrained/{name}",
                       metrics=evaluate_export(staged, data_dir),
                       untrained=evaluate_untrained(config, data_dir))
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(staged) for f in fs)
        entry = dict(name=name, model=config.model, steps=config.steps, command=command,
                     wall_seconds=round(wall["seconds"], 1), invocations=wall["invocations"],
                     hardware=baseline.hardware(), created=datetime.date.today().isoformat(),
                     versions=dict(python=platform.python_version(), tensorflow=tf.__version__,
                                   keras=keras.__version__, numpy=np.__version__),
                     storage="float32 SavedModel directory, uncompressed", bytes=size,
                     sha256=directory_digest(staged), config=config.to_dict())
        path = baseline.baseline_path(config.model, name.split("/")[1])
        with open(path) as f:
            stored = json.load(f)
        stored["trained"] = trained
        replace_directory(staged, model_dir(name))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    write_atomic(record_path(name), json.dumps(entry, indent=2) + "\n")
    write_atomic(path, json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    return entry, trained


def main(argv):
    from absl import flags
    from zoo import training
    from zoo.errors import report
    from zoo import models
    from zoo.config import ConfigError
    del argv
    FLAGS = flags.FLAGS
    if not FLAGS.name:
        for name in available():
            r = record(name)
            print(f"{name:<26} {r['steps']:>7} steps  {r['bytes'] / 1e6:6.2f} MB  {r['command']}")
        return 0
    try:
        model, _, dataset = FLAGS.name.partition("/")
        if not dataset:
            raise UserError(f"--name {FLAGS.name!r} is not model/config; e.g. wgan_gp/8gaussians")
        config = models.get(model, dataset)
        config = config.replace(steps=FLAGS.steps or config.steps).check()
        workdir = FLAGS.workdir or os.path.join("runs", "pretrained", f"{model}-{dataset}")
        command = f"python -m zoo.pretrained --name={FLAGS.name} --steps={config.steps}"
        start = time.perf_counter()
        training.train(config, workdir, data_dir=FLAGS.data_dir, verbose=2)
        wall = add_wall_time(workdir, time.perf_counter() - start)
        entry, trained = ship(FLAGS.name, config, workdir, command, wall, FLAGS.data_dir)
    except (UserError, ConfigError, OSError) as e:
        return report(e)
    print(json.dumps(dict(record=entry, trained=trained), indent=2))
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("name", None, "model/config to train and ship (none: list the shipped).")
    flags.DEFINE_integer("steps", None, "Generator steps (the config's default if unset).",
                         lower_bound=1)
    flags.DEFINE_string("workdir", None, "Run directory (default runs/pretrained/<model>-<config>);"
                        " an interrupted run resumes.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
    from zoo.errors import parse_absl_flags
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
