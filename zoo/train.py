"""Trains a zoo model: `python -m zoo.train --model=wgan_gp [--dataset=mnist]`.

Resumes from --workdir's latest checkpoint, writes TensorBoard logs there and
exports the generator as a SavedModel to <workdir>/export at the end.
Bad input exits with code 2 and one line saying what to fix; a diverged run
exits with code 1 and keeps its last good checkpoint.
"""

import os
import sys

from absl import app, flags
from absl import logging as absl_logging

from zoo import errors

flags.DEFINE_string("model", "wgan_gp", "Model name (see --print_config).")
flags.DEFINE_string("dataset", None, "Config name, usually the dataset (cifar10_resnet, …); "
                    "default: the model's mnist config.")
flags.DEFINE_string("workdir", None, "Run directory; default runs/<model>-<dataset>.")
flags.DEFINE_integer("steps", None, "Generator steps to train to (config default if unset).")
flags.DEFINE_integer("batch_size", None, "Global batch size (config default if unset).")
flags.DEFINE_integer("seed", None, "Seed of weights, data order and in-step noise.")
flags.DEFINE_multi_string("set", [], "Override a config value: --set gp_weight=5 (repeatable).")
flags.DEFINE_integer("keep_every", 0, "Also keep the checkpoint of every N-th step in "
                     "<workdir>/checkpoints/kept/ (0: only the newest 3).", lower_bound=0)
flags.DEFINE_string("strategy", "default", "default | mirrored | multi_worker | tpu.")
flags.DEFINE_integer("cpu_replicas", 2, "Logical CPU replicas for --strategy=mirrored without GPUs.")
flags.DEFINE_string("tpu", None, "TPU address for --strategy=tpu.")
flags.DEFINE_string("data_dir", None, "Directory of a prepared TFDS copy of the dataset.")
flags.DEFINE_bool("jit_compile", False, "Compile the train step with XLA (off: slower on CPU).")
flags.DEFINE_bool("mixed_precision", False, "float16 compute with loss scaling (GPUs, TPUs).")
flags.DEFINE_bool("print_config", False, "Print every registered config (or the chosen one) and exit.")
FLAGS = flags.FLAGS


def default_config_name(model):
    from zoo import models
    return "mnist" if "mnist" in models.datasets(model) else models.datasets(model)[0]


def resolve_config(model, dataset, steps=None, batch_size=None, seed=None, overrides=()):
    from zoo import models
    from zoo.config import apply_overrides
    dataset = dataset or default_config_name(model)
    config = apply_overrides(models.get(model, dataset), overrides)
    given = dict(steps=steps, batch_size=batch_size, seed=seed)
    return config.replace(**{k: v for k, v in given.items() if v is not None}).check()


def print_configs(model=None, dataset=None):
    from zoo import models
    if model:
        models.get(model, dataset) if dataset else models.datasets(model)  # validates
    for name in models.list_configs():
        m, d = name.split("/")
        if (model is None or m == model) and (dataset is None or d == dataset):
            print(f"# {name}\n{models.get(m, d).to_json()}")


def main(argv):
    del argv
    from zoo import distribute
    if FLAGS.strategy == "multi_worker" and not distribute.supervised():
        # The cluster may never form (a worker not started); TensorFlow would
        # wait for it forever, so a parent process watches the start.
        try:
            distribute.check_tf_config()  # bad input: said before any child starts
        except distribute.StrategyError as e:
            return errors.report(e)
        return distribute.run_supervised("zoo.train", sys.argv[1:])
    if distribute.supervised():
        distribute.die_with_parent()
    from zoo import training
    absl_logging.set_verbosity(absl_logging.WARNING)  # TF's saver logs every shard at INFO
    try:
        if FLAGS.print_config:
            print_configs(FLAGS.model if FLAGS["model"].present else None, FLAGS.dataset)
            return 0
        config = resolve_config(FLAGS.model, FLAGS.dataset, FLAGS.steps, FLAGS.batch_size,
                                FLAGS.seed, FLAGS.set)
        if FLAGS.mixed_precision:
            config = config.replace(mixed_precision=True)
        name = FLAGS.dataset or default_config_name(FLAGS.model)
        workdir = FLAGS.workdir or os.path.join("runs", f"{config.model}-{name}")
        strategy = distribute.make_strategy(FLAGS.strategy, FLAGS.cpu_replicas, FLAGS.tpu)
        training.train(config, workdir, strategy, FLAGS.data_dir, FLAGS.jit_compile,
                       keep_every=FLAGS.keep_every)
        if not distribute.is_chief(strategy):
            return 0  # the chief reports, and exports
    except errors.UserError as e:
        return errors.report(e)
    except (training.TrainingDiverged, training.WorkerLost) as e:
        return errors.report(e, code=1)
    print(f"done: generator exported to {os.path.join(workdir, 'export')}; "
          f"samples in {os.path.join(workdir, 'samples.png')}")
    return 0


if __name__ == "__main__":
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=errors.parse_absl_flags)
