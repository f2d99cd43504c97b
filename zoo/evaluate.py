"""Evaluates a trained generator: `python -m zoo.evaluate --workdir=DIR`
(its newest checkpoint, or `--step=N`: the checkpoint of generator step N,
among the newest three or those kept by `zoo.train --keep_every`) or
`--export=DIR` (a SavedModel written by the zoo).

Samples come from a fixed noise bank (`--seed`), so every number repeats
exactly. The metrics are zoo.suite's (the same definitions as the
stored baselines), against as many test examples as samples; the Parzen
log-likelihood of Goodfellow et al. 2014 (MNIST, faces) picks σ from
logspace(−1, 0, 10) on the first 1,000 validation images and reports the mean
± standard error over the whole test split.
With --fid, also FID, KID and IS on InceptionV3 (zoo.inception; the weights
from Keras's download or --inception_weights; not for the GCN configs, whose
samples are not images). Prints a table and writes
evaluation-step<k>.json beside the checkpoints (or evaluation.json beside the
export).
"""

import json
import os
import sys

import numpy as np

from zoo.errors import UserError

N_PARZEN_VALIDATION = 1000  # Goodfellow et al.'s σ search: the first 1,000 validation images


def evaluate(config, samples, data_dir=None, seed=0, inception_model=None, parzen=True):
    """{metric: value} of `samples` (N, ...) against as many test examples
    (toys: fresh points of seed + 1), by zoo.suite; Parzen (unless
    `parzen` is False) on the first 1,000 validation and the whole test split."""
    from zoo import data
    from zoo import suite
    split = lambda name, n, **k: np.asarray(config.preprocess(
        data.real_split(config, name, n, data_dir, **k)))
    real = split("test", len(samples), seed=seed + 1)
    parzen_splits = None
    if parzen and config.dataset in suite.PARZEN_DATASETS:
        parzen_splits = (split("validation", N_PARZEN_VALIDATION), split("test", 10 ** 6))
    results = dict(samples=len(samples), real_examples=len(real))
    results.update(suite.evaluate(config, samples, real, seed, parzen_splits, inception_model))
    return results


def samples_from_workdir(workdir, n, seed, step=None):
    from zoo import checkpoints, training, workdirs
    from zoo.generator import config_from_dict
    stored = workdirs.stored_config(workdir)
    if stored is None:
        raise UserError(f"{workdir} holds no zoo run (no config.json); pass the "
                        "--workdir of a run")
    config = config_from_dict(stored)
    model = training.build(config)
    manager = checkpoints.checkpoint_manager(model, os.path.join(workdir, "checkpoints"))
    path = checkpoints.restore(manager, step)
    if not path:
        raise UserError(f"{workdir} holds no checkpoint; train first")
    step = int(model.step.numpy())
    return config, model.sample(n, seed=seed).numpy(), os.path.join(
        workdir, f"evaluation-step{step}.json")


def samples_from_export(export, n, seed):
    import tensorflow as tf
    try:
        module = tf.saved_model.load(export)
        stored = json.loads(module.config_json.numpy().decode())
    except Exception as e:  # noqa: BLE001 - any failure means unusable
        reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
        raise UserError(f"--export {export} is not a SavedModel of the zoo ({reason}); pass the "
                        "export/ directory of a zoo run") from None
    from zoo.generator import config_from_dict
    return config_from_dict(stored), export_samples(module, n, seed), os.path.join(
        os.path.dirname(os.path.abspath(export)), "evaluation.json")


def export_samples(module, n, seed):
    """n images of a loaded zoo SavedModel from its noise bank `seed`."""
    import tensorflow as tf
    return module.sample(n=tf.constant(n), seed=tf.constant(seed, tf.int64))["images"].numpy()


def main(argv):
    from absl import flags
    del argv
    FLAGS = flags.FLAGS
    from zoo.errors import report
    from zoo import suite
    from zoo.files import WriteFailed, write_atomic, writing
    if bool(FLAGS.workdir) == bool(FLAGS.export):
        return report("give exactly one of --workdir or --export")
    if FLAGS.step is not None and not FLAGS.workdir:
        return report("--step picks a checkpoint of a --workdir; an --export has one generator")
    try:
        if FLAGS.workdir:
            config, samples, out = samples_from_workdir(FLAGS.workdir, FLAGS.samples, FLAGS.seed,
                                                        FLAGS.step)
        else:
            config, samples, out = samples_from_export(FLAGS.export, FLAGS.samples, FLAGS.seed)
        inception_model = None
        if FLAGS.fid and not suite.in_pixel_space(config):
            raise UserError(f"--fid needs images; {config.model}/{config.dataset} samples are "
                            "GCN-normalised, not pixels: evaluate without --fid")
        if FLAGS.fid:
            from zoo import inception
            inception_model = inception.load(FLAGS.inception_weights)
        results = evaluate(config, samples, FLAGS.data_dir, FLAGS.seed, inception_model)
    except (UserError, OSError, ValueError, RuntimeError) as e:
        return report(e)
    results = dict(model=config.model, dataset=config.dataset, seed=FLAGS.seed, **results)
    for key, value in results.items():
        print(f"{key:>24}  {value:.6g}" if isinstance(value, float) else f"{key:>24}  {value}")
    try:
        with writing("the evaluation", out):
            write_atomic(out, json.dumps(results, indent=2) + "\n")
    except WriteFailed as e:  # an earlier evaluation file stays as it was
        return report(e, code=1)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("workdir", None, "A run directory: evaluates its newest checkpoint.")
    flags.DEFINE_integer("step", None, "With --workdir: the checkpoint of this generator step "
                         "(default: the newest).", lower_bound=0)
    flags.DEFINE_string("export", None, "A SavedModel exported by the zoo (instead of --workdir).")
    flags.DEFINE_integer("samples", 10000, "Generator samples (Goodfellow et al.'s Parzen: 10,000).",
                         lower_bound=1)
    flags.DEFINE_integer("seed", 0, "Seed of the noise bank.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
    flags.DEFINE_bool("fid", False, "Also FID, KID and IS on InceptionV3 (images; see zoo.inception).")
    flags.DEFINE_string("inception_weights", None, "Local inception_v3_weights_tf_dim_ordering_"
                        "tf_kernels.h5 (default: Keras's download).")
    from zoo.errors import parse_absl_flags
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
