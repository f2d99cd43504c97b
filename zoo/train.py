"""Trains a zoo model, from the shell or from Python.

    python -m zoo.train --model=wgan_gp [--dataset=mnist]

    import zoo.train
    model, workdir = zoo.train.run("wgan_gp", dataset="8gaussians", steps=2000,
                                   callbacks=[keras.callbacks.CSVLogger("log.csv")])

Both resume from the workdir's latest checkpoint, write TensorBoard logs there
and export the generator as a SavedModel to <workdir>/export at the end.
Bad input exits with code 2 (raises zoo.errors.UserError) with one line saying
what to fix, a workdir another run is writing among it (zoo.files.WorkdirBusy);
a diverged run (zoo.training.TrainingDiverged) or a full disk
(zoo.files.WriteFailed) exits with code 1 and keeps its last good checkpoint.
"""

import os
import random
import sys

from zoo import errors, files, models

DEFAULT_MODEL = "wgan_gp"


def default_config_name(model):
    return "mnist" if "mnist" in models.datasets(model) else models.datasets(model)[0]


def default_workdir(model, dataset=None):
    return os.path.join("runs", f"{model}-{dataset or default_config_name(model)}")


def resolve_config(model, dataset, steps=None, batch_size=None, seed=None, overrides=()):
    """The registered config, with --set overrides ("key=value" strings) and
    the run flags applied, checked."""
    from zoo.config import apply_overrides
    dataset = dataset or default_config_name(model)
    config = apply_overrides(models.get(model, dataset), overrides)
    given = dict(steps=steps, batch_size=batch_size, seed=seed)
    return config.replace(**{k: v for k, v in given.items() if v is not None}).check()


def run(model=DEFAULT_MODEL, dataset=None, *, steps=None, batch_size=None, seed=None,
        config=None, workdir=None, strategy=None, data_dir=None, callbacks=(), keep_every=0,
        jit_compile=False, mixed_precision=False, verbose=1, export=True):
    """Does what `python -m zoo.train` does and returns (model, workdir): the
    trained, compiled GAN (its `.generator` is the network) and the run
    directory (default runs/<model>-<dataset>), which holds the checkpoints,
    TensorBoard logs, the export and samples.png.

    `config`: {field: value} overrides of the registered config (what --set
    does; `zoo.models.get(model, dataset)` shows the fields). `callbacks`:
    Keras callbacks, called after the zoo's own on every train_step call.
    `verbose`: 0 silent, 1 progress. The other arguments are the command's flags.

    Global state: op determinism is on while it trains (as the command runs)
    and set back to what it was; Python's and NumPy's random states are
    restored; Keras's and TensorFlow's global seeds are left set to the
    config's seed (keras.utils.set_random_seed, which seeds the weights)."""
    import numpy as np
    from tensorflow.python.framework import config as tf_config
    from zoo import training
    settings = resolve_config(model, dataset, steps, batch_size, seed)
    settings = models.configure(settings.model, config=settings, **dict(config or {}))
    if mixed_precision:
        settings = settings.replace(mixed_precision=True)
    workdir = workdir or default_workdir(model, dataset)
    determinism = tf_config.is_op_determinism_enabled()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        gan, _ = training.train(settings, workdir, strategy, data_dir, jit_compile,
                                verbose=verbose, export=export, keep_every=keep_every,
                                callbacks=callbacks)
    finally:
        if not determinism:
            tf_config.disable_op_determinism()
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    return gan, workdir


# ---- the command ----------------------------------------------------------------

def define_flags():
    from absl import flags
    flags.DEFINE_string("model", DEFAULT_MODEL, "Model name (see --list_configs).")
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
    flags.DEFINE_integer("cpu_replicas", 2, "Logical CPU replicas for --strategy=mirrored "
                         "without GPUs.")
    flags.DEFINE_string("tpu", None, "TPU address for --strategy=tpu.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset's files (see README, "
                        "Data); default: the zoo's sources and cache.")
    flags.DEFINE_bool("jit_compile", False, "Compile the train step with XLA (off: slower on CPU).")
    flags.DEFINE_bool("mixed_precision", False, "float16 compute with loss scaling (GPUs, TPUs).")
    flags.DEFINE_bool("print_config", False, "Print the chosen --model/--dataset config as JSON "
                      "and exit.")
    flags.DEFINE_bool("list_configs", False, "List every registered config in a short table "
                      "and exit.")


def print_config(model, dataset=None):
    name = dataset or default_config_name(model)
    print(models.get(model, name).to_json())


def list_configs():
    """One line per registered config: what it trains, how long, and its loss."""
    print(f"{'model/config':<24} {'batch':>5} {'steps':>7} {'paper steps':>11}  loss")
    for name in models.list_configs():
        c = models.get(*name.split("/"))
        paper = f"{c.paper_steps:,}" if c.paper_steps else "—"
        print(f"{name:<24} {c.batch_size:>5} {c.steps:>7,} {paper:>11}  {c.loss}")
    print("\nfull values: python -m zoo.train --model=M --dataset=D --print_config")


def main(argv):
    from absl import flags
    del argv
    FLAGS = flags.FLAGS
    try:
        if FLAGS.list_configs:
            list_configs()
            return 0
        if FLAGS.print_config:
            print_config(FLAGS.model, FLAGS.dataset)
            return 0
        # A bad config is said before TensorFlow loads: in a second, not ten.
        config = resolve_config(FLAGS.model, FLAGS.dataset, FLAGS.steps, FLAGS.batch_size,
                                FLAGS.seed, FLAGS.set)
    except errors.UserError as e:
        return errors.report(e)
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
    from absl import logging as absl_logging
    from zoo import training
    absl_logging.set_verbosity(absl_logging.WARNING)  # TF's saver logs every shard at INFO
    try:
        if FLAGS.mixed_precision:
            config = config.replace(mixed_precision=True)
        workdir = FLAGS.workdir or default_workdir(config.model, FLAGS.dataset)
        strategy = distribute.make_strategy(FLAGS.strategy, FLAGS.cpu_replicas, FLAGS.tpu)
        training.train(config, workdir, strategy, FLAGS.data_dir, FLAGS.jit_compile,
                       keep_every=FLAGS.keep_every)
        if not distribute.is_chief(strategy):
            return 0  # the chief reports, and exports
    except errors.UserError as e:
        return errors.report(e)
    except (training.TrainingDiverged, training.WorkerLost, files.WriteFailed) as e:
        return errors.report(e, code=1)
    print(f"done: generator exported to {os.path.join(workdir, 'export')}; "
          f"samples in {os.path.join(workdir, 'samples.png')}")
    return 0


if __name__ == "__main__":
    from absl import app
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=errors.parse_absl_flags)
