"""Training and shipping a pretrained generator (maintainer tooling).

    python -m zoo.pretrained --name=wgan_gp/8gaussians --steps=20000   # train, ship, evaluate
    (the same: python -m zoo.dev.ship --name=...)

Trains the config in its workdir (resuming), copies the export into
zoo/pretrained/<model>/<config>/, evaluates it and the untrained generator on
the fixed noise bank, and writes its record (zoo/pretrained/<model>/<config>.json:
sha256, command, steps, wall time, hardware, versions, the evaluation with
each metric's protocol and the paper's number, the licence) and the `trained`
section of its baseline. Loading and listing are zoo.pretrained's (runtime).
"""

import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time

from zoo import files
from zoo.errors import UserError
from zoo.pretrained import (EVALUATION_SAMPLES, EVALUATION_SEED, model_dir, record_path,
                            verified_dir)

WALL_FILE = "wall_time.json"  # in the run's workdir


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


# What each number of a record's evaluation measures (zoo.suite, on
# EVALUATION_SAMPLES samples of noise bank EVALUATION_SEED against as many
# examples of the test split; toy sets: fresh points of seed EVALUATION_SEED + 1).
PROTOCOLS = {
    "parzen_log_likelihood": "Goodfellow et al. 2014's Parzen window estimate (their parzen_ll.py): "
        "a Gaussian kernel density on the samples, σ picked from logspace(−1, 0, 10) by the mean "
        "log-likelihood of the first 1,000 validation images, then the mean log-likelihood of "
        "the whole test split, in nats, ± its standard error",
    "classifier_frechet_distance": "Fréchet distance between Gaussians fitted to the logits of the "
        "zoo's own classifier of the dataset (zoo.classifiers) on the samples and on the test "
        "images: the zoo's classifier metric, not Inception FID (not comparable with published FIDs)",
    "classifier_score": "exp(E KL(p(y|x) ‖ p(y))) on the zoo's classifier's predictions: 10 means "
        "every class, confidently; the Inception score's formula, not the Inception score",
    "ndb": "NDB: of 100 k-means bins of the test images' pixels, how many the samples fill in a "
        "statistically different proportion (Richardson & Weiss 2018)",
    "precision": "k-NN precision, k = 3, on pixels (Kynkäänniemi et al. 2019)",
    "recall": "k-NN recall, k = 3, on pixels (Kynkäänniemi et al. 2019)",
    "modes_covered": "lenient count: modes with at least one of the samples within 3σ of them "
        "(PacGAN's criterion asks for 0.8% of the samples)",
    "high_quality_fraction": "share of the samples within 3σ of their nearest mode",
    "sliced_wasserstein": "sliced W1 distance over 128 random directions, values scaled to [0, 1] "
        "by the value range",
    "mean_gap": "mean |E[G(z)] − E[x]| over coordinates, values scaled to [0, 1]",
}
LICENCE = "Apache-2.0, as the zoo's code"
DATA_TERMS = {
    "mnist": "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges): see its terms for your use",
    "fashion_mnist": "Fashion-MNIST (Zalando SE), MIT licence",
    "cifar10": "CIFAR-10 (A. Krizhevsky, V. Nair, G. Hinton): see its terms for your use",
}


def evaluation_section(name, trained):
    """The record's `evaluation`: each metric of the baseline's `trained`
    section with its protocol, and the paper's number where there is one."""
    from zoo.dev import reproduce
    papers = {row.metric: f"{row.paper} ({row.source})" for row in reproduce.OURS
              if row.name == name and row.paper != "—"}
    metrics = {}
    for key, value in trained["metrics"].items():
        if key in PROTOCOLS:
            metrics[key] = dict(value=value, protocol=PROTOCOLS[key])
            if key in papers:
                metrics[key]["paper"] = papers[key]
    if "parzen_sem" in trained["metrics"]:
        metrics["parzen_log_likelihood"]["standard_error"] = trained["metrics"]["parzen_sem"]
    return dict(command=trained["command"], samples=trained["samples"],
                noise_bank=trained["seed"],
                against="as many examples of the test split (toy sets: fresh points of "
                        f"seed {trained['seed'] + 1})", metrics=metrics)


def licence_section(dataset):
    return dict(weights=LICENCE, training_data=DATA_TERMS.get(dataset, "synthetic (zoo.data.toys)"))


def add_wall_time(workdir, seconds):
    """The run's wall time over every invocation that trained in `workdir`
    (a run resumed, or extended to more steps, adds up), kept in WALL_FILE."""
    from zoo.files import write_atomic
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
    from zoo.dev import baseline
    from zoo.data.formats import directory_digest
    from zoo.files import replace_directory, write_atomic
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
        entry.update(evaluation=evaluation_section(name, trained),
                     licence=licence_section(config.dataset))
        replace_directory(staged, model_dir(name))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    write_atomic(record_path(name), json.dumps(entry, indent=2) + "\n")
    write_atomic(path, json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    return entry, trained


def main(argv):
    from absl import flags
    from zoo.errors import report
    del argv
    FLAGS = flags.FLAGS
    if not FLAGS.name:
        return report("give --name=model/config to train and ship; python -m zoo.pretrained "
                      "lists the shipped generators")
    from zoo import models, training
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
    except (UserError, OSError) as e:
        return report(e)
    except (training.TrainingDiverged, files.WriteFailed) as e:
        return report(e, code=1)
    print(json.dumps(dict(record=entry, trained=trained), indent=2))
    return 0


def define_flags():
    from absl import flags
    flags.DEFINE_string("name", None, "model/config to train and ship (maintainers; without it "
                        "python -m zoo.pretrained lists the shipped generators).")
    flags.DEFINE_integer("steps", None, "Generator steps (the config's default if unset).",
                         lower_bound=1)
    flags.DEFINE_string("workdir", None, "Run directory (default runs/pretrained/<model>-<config>);"
                        " an interrupted run resumes.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")


if __name__ == "__main__":
    from absl import app
    from zoo.errors import parse_absl_flags
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
