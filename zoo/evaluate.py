"""Evaluates a trained generator: `python -m zoo.evaluate --workdir=DIR`
(its newest checkpoint) or `--export=DIR` (a SavedModel written by the zoo).

Samples come from a fixed noise bank (`--seed`), so every number repeats
exactly. The metrics are those that fit the dataset:
- every dataset: sliced Wasserstein distance to real examples and the mean gap
  |E[G(z)] − E[x]|, both with values scaled to [0, 1] by the value range;
- images: NDB (Richardson & Weiss 2018, 100 k-means bins) and precision /
  recall (Kynkäänniemi et al. 2019, k = 3) on pixels;
- MNIST, Fashion-MNIST, CIFAR-10: the classifier score and classifier Fréchet
  distance on the shipped domain classifier (zoo.classifiers; TF-GAN's
  mnist_score recipe, not FID);
- MNIST and the face sets: the Parzen-window log-likelihood of Goodfellow et
  al. 2014 (σ from logspace(−1, 0, 10) on the first 1,000 validation images,
  mean ± standard error over the test set);
- 8gaussians, 25gaussians: modes covered and the share of high-quality samples.
With --fid, also FID, KID and IS on InceptionV3 (zoo.inception; the weights
from Keras's download or --inception_weights). Prints a table and writes
evaluation-step<k>.json beside the checkpoints (or evaluation.json beside the
export).
"""

import json
import os
import sys

import numpy as np

PARZEN_DATASETS = ("mnist", "tfd", "olivetti_faces")


def real_split(config, split, n, data_dir=None, seed=0):
    """Up to n real examples of a split, in value range (toys: n fresh points)."""
    from zoo import data
    if config.dataset in data.TOY_DATASETS:
        ds = data.load(config.dataset, "train", batch_size=n, seed=seed)
        return next(iter(ds)).numpy()
    ds = data.load(config.dataset, split, batch_size=1000, value_range=config.value_range,
                   data_dir=data_dir, shuffle=False, repeat=False)
    rows = np.concatenate([b.numpy() for b in ds])
    return rows[:n]


def unit(x, config):
    low, high = config.value_range
    return (np.asarray(x, np.float64).reshape(len(x), -1) - low) / (high - low)


def evaluate(config, samples, data_dir=None, seed=0, inception_model=None):
    """{metric: value} for `samples` (N, ...) of `config`'s dataset; with an
    InceptionV3 model (zoo.inception.load), FID, KID and IS too."""
    from zoo import classifiers, data, metrics, models
    toy = config.dataset in data.TOY_DATASETS
    real_split_seen = lambda *a, **k: np.asarray(config.preprocess(real_split(config, *a, **k)))
    test = real_split_seen("test", len(samples), data_dir, seed=seed + 1)
    fake, real = unit(samples, config), unit(test, config)
    results = {"samples": len(samples), "real_examples": len(real),
               "sliced_wasserstein": metrics.sliced_wasserstein(fake, real, seed=seed),
               "mean_gap": float(np.abs(fake.mean(0) - real.mean(0)).mean())}
    if toy and config.dataset != "swissroll":
        centres, std = metrics.toy_mixture_modes(config.dataset)
        stats = metrics.mode_statistics(samples, centres, std)
        results.update(modes_covered=stats["modes_covered"], num_modes=stats["num_modes"],
                       high_quality_fraction=stats["high_quality_fraction"])
    if not toy:
        n = min(len(fake), len(real))
        results["ndb"] = metrics.ndb(real[:n], fake[:n], num_bins=min(100, n), seed=seed)["ndb"]
        results.update(metrics.precision_recall(real[:n], fake[:n], k=3))
    pixels = not getattr(config, "gcn_scale", 0)  # GCN'd samples are not images in [0, 1]
    if not toy and pixels and classifiers.available(config.dataset):
        shape = samples.shape
        results.update(classifiers.classifier_metrics(
            classifiers.load(config.dataset), fake.reshape(shape),
            real.reshape((len(real),) + shape[1:])))
    if inception_model is not None and not toy:
        from zoo import inception
        results.update(inception.scores(inception_model, samples, config, "test", data_dir))
    if config.dataset in PARZEN_DATASETS:
        validation = unit(real_split_seen("validation", 1000, data_dir), config)
        full_test = unit(real_split_seen("test", 10 ** 6, data_dir), config)
        parzen = metrics.parzen_protocol(fake, validation, full_test,
                                         n_validation=min(1000, len(validation)))
        results.update(parzen_log_likelihood=parzen["mean"], parzen_sem=parzen["sem"],
                       parzen_sigma=parzen["sigma"])
    return results


def samples_from_workdir(workdir, n, seed):
    from zoo import training
    with open(os.path.join(workdir, "config.json")) as f:
        stored = json.load(f)
    config = config_from_dict(stored)
    model = training.build(config)
    manager = training.checkpoint_manager(model, os.path.join(workdir, "checkpoints"))
    path = training.restore(manager)
    if not path:
        raise training.UsageError(f"{workdir} holds no checkpoint; train first")
    step = int(model.step.numpy())
    return config, model.sample(n, seed=seed).numpy(), os.path.join(
        workdir, f"evaluation-step{step}.json")


def config_from_dict(stored):
    """The config a run or export recorded, rebuilt as its model's config class."""
    from zoo import models
    for name in models.datasets(stored["model"]):
        template = models.get(stored["model"], name)
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
        try:
            return template.replace(**fields)
        except TypeError:
            continue
    raise ValueError(f"cannot rebuild the config of model {stored['model']!r}")


def samples_from_export(export, n, seed):
    import tensorflow as tf
    module = tf.saved_model.load(export)
    config = config_from_dict(json.loads(module.config_json.numpy().decode()))
    out = module.sample(n=tf.constant(n), seed=tf.constant(seed, tf.int64))
    return config, out["images"].numpy(), os.path.join(os.path.dirname(os.path.abspath(export)),
                                                       "evaluation.json")


def main(argv):
    from absl import flags
    del argv
    FLAGS = flags.FLAGS
    from zoo import data, training
    from zoo.training import write_atomic
    if bool(FLAGS.workdir) == bool(FLAGS.export):
        print("error: give exactly one of --workdir or --export", file=sys.stderr)
        return 2
    try:
        if FLAGS.workdir:
            config, samples, out = samples_from_workdir(FLAGS.workdir, FLAGS.samples, FLAGS.seed)
        else:
            config, samples, out = samples_from_export(FLAGS.export, FLAGS.samples, FLAGS.seed)
        inception_model = None
        if FLAGS.fid:
            from zoo import inception
            inception_model = inception.load(FLAGS.inception_weights)
        results = evaluate(config, samples, FLAGS.data_dir, FLAGS.seed, inception_model)
    except (OSError, ValueError, RuntimeError, training.UsageError,
            data.DataUnavailableError) as e:
        print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
        return 2
    results = dict(model=config.model, dataset=config.dataset, seed=FLAGS.seed, **results)
    for key, value in results.items():
        print(f"{key:>24}  {value:.6g}" if isinstance(value, float) else f"{key:>24}  {value}")
    write_atomic(out, json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("workdir", None, "A run directory: evaluates its newest checkpoint.")
    flags.DEFINE_string("export", None, "A SavedModel exported by the zoo (instead of --workdir).")
    flags.DEFINE_integer("samples", 10000, "Generator samples (Goodfellow et al.'s Parzen: 10,000).")
    flags.DEFINE_integer("seed", 0, "Seed of the noise bank.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
    flags.DEFINE_bool("fid", False, "Also FID, KID and IS on InceptionV3 (images; see zoo.inception).")
    flags.DEFINE_string("inception_weights", None, "Local inception_v3_weights_tf_dim_ordering_"
                        "tf_kernels.h5 (default: Keras's download).")
    app.run(lambda argv: sys.exit(main(argv)))
