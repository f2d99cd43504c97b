"""Stored baselines: `baselines/<model>/<dataset>.json`.

Regenerate one on purpose (it trains the CI budget once per seed):

    python -m zoo.baseline --model=wgan_gp --dataset=mnist

`tests/test_baselines.py` retrains each file's CI budget from its first seed
and fails when a metric leaves the stored band, or when the trained
generator is no closer to the data (sliced Wasserstein) than the untrained one.
"""

import datetime
import json
import os
import platform
import sys
import tempfile

import numpy as np

# ZOO_BASELINE_DIR: another directory of baselines (the kill battery writes there).
BASELINE_DIR = os.environ.get("ZOO_BASELINE_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "baselines")
SEEDS = (0, 1, 2)
N_SAMPLES = 1000

LOG_DEFINITIONS = {
    "wasserstein": "critic's estimate E[D(x)] − E[D(G(z))] at the last critic step",
    "gradient_penalty": "E[(‖∇D(x̂)‖ − 1)²] at the last critic step",
    "d_loss": "discriminator / critic loss at the last step",
    "g_loss": "generator loss at the last step",
    "d_real": "mean D(x) on the last real batch",
    "d_fake": "mean D(G(z)) on the last fake batch",
    "d_grad_norm": "L2 norm of the last discriminator / critic gradient",
    "g_grad_norm": "L2 norm of the last generator gradient",
}
SAMPLE_DEFINITIONS = {
    "sample_mean": f"mean of all values of {N_SAMPLES} samples from the seed's fixed noise bank",
    "sample_std": f"std of all values of those {N_SAMPLES} samples",
    "mean_gap": f"mean |E[G(z)] − E[x]| over coordinates scaled to [0, 1] per value range, "
                f"{N_SAMPLES} samples vs {N_SAMPLES} real examples (validation split for images)",
    "sliced_wasserstein": "sliced W1 distance (128 directions) between those samples and "
                          "real examples, both scaled to [0, 1] per value range",
    "sliced_wasserstein_untrained": "the same for the untrained generator of the same seed",
    "parzen_log_likelihood": "MNIST, faces: Goodfellow et al.'s Parzen protocol on those samples, "
                             "σ from logspace(−1, 0, 10) on the first 1,000 validation images, "
                             "mean log-likelihood of the first 1,000 test images",
    "parzen_sem": "standard error of that mean",
    "parzen_sigma": "the σ the validation images picked",
    "ndb": "images: statistically different bins of 100 k-means bins on pixels scaled to "
           "[0, 1] (Richardson & Weiss 2018)",
    "precision": "images: k-NN precision (k = 3) on those pixels (Kynkäänniemi et al. 2019)",
    "recall": "images: k-NN recall (k = 3) on those pixels",
    "classifier_score": "images with a shipped classifier (zoo.classifiers), not GCN'd: "
                        "Inception-score formula on its predictions",
    "classifier_frechet_distance": "the same: Fréchet distance of that classifier's logits, "
                                   "samples vs real examples",
    "classifier_frechet_distance_untrained": "the same for the untrained generator of the seed",
    "modes_covered": "toy mixtures: modes with ≥ 1 high-quality sample (within 3σ) of 1,000",
    "high_quality_fraction": "toy mixtures: share of samples within 3σ of a mode",
}


def baseline_path(model, name):
    return os.path.join(BASELINE_DIR, model, f"{name}.json")


# A CI run on another CPU sums floats in another order, and training
# amplifies that like a change of seed: after 100 toy steps the last critic
# step's gradient penalty moved by 17 of the seeds' standard deviations
# between an Intel and an AMD machine (same code, same seed; 99% of 444
# metric values moved less than 7.1). So a band is the prediction interval for
# one new draw from the seeds' distribution (Student t, n − 1 degrees of
# freedom, two-sided 99.9%: 36.5·std for 3 seeds), plus an absolute term for
# metrics on which the seeds agree: 1e-3·max(1, |mean|), or two steps of a
# metric that counts (bins, modes) or takes shares of the N_SAMPLES samples.
BAND_CONFIDENCE = 0.999
RESOLUTION = {"ndb": 1.0, "modes_covered": 1.0, "precision": 1.0 / N_SAMPLES,
              "recall": 1.0 / N_SAMPLES, "high_quality_fraction": 1.0 / N_SAMPLES}
BAND_RULE = (f"mean ± (t(n−1, {BAND_CONFIDENCE:.1%} two-sided)·std·√(1 + 1/n) + "
             "max(1e-3·max(1, |mean|), 2 steps of a count or share metric)) over n seeds")


def band(values, resolution=0.0):
    """The interval a new seed's (or another CPU's) value falls in, see BAND_RULE."""
    from scipy import stats
    n = len(values)
    mean, std = float(np.mean(values)), float(np.std(values, ddof=1))
    t = float(stats.t.ppf(0.5 + BAND_CONFIDENCE / 2, n - 1))
    slack = t * std * np.sqrt(1 + 1 / n) + max(1e-3 * max(1.0, abs(mean)), 2 * resolution)
    slack = float(slack)
    return dict(mean=mean, std=std, low=mean - slack, high=mean + slack,
                values=[float(v) for v in values])


def measure(config, workdir, data_dir=None):
    """Trains `config` in a fresh `workdir`; returns its last logs and the
    metric suite of its samples (and of the untrained generator's)."""
    from zoo import data, training
    from zoo import suite
    untrained_model = training.build(config)
    training.initialize(untrained_model, data_dir)
    seen = lambda x: np.asarray(config.preprocess(x))
    real = seen(data.real_examples(config, N_SAMPLES, data_dir))
    parzen = None
    if config.dataset in suite.PARZEN_DATASETS:
        parzen = tuple(seen(data.real_split(config, split, N_SAMPLES, data_dir))
                       for split in ("validation", "test"))
    untrained = untrained_model.sample(N_SAMPLES, seed=config.seed).numpy()
    model, logs = training.train(config, workdir, verbose=0, export=False, data_dir=data_dir)
    result = dict(logs)
    result.update(suite.evaluate(config, model.sample(N_SAMPLES, seed=config.seed).numpy(),
                                 real, parzen_splits=parzen))
    before = suite.distribution_metrics(config, untrained, real)
    before.update(suite.classifier_metrics(config, untrained, real))
    for key in ("sliced_wasserstein", "classifier_frechet_distance"):
        if key in before:
            result[f"{key}_untrained"] = before[key]
    return result


def ci_config(model, name, seed):
    """The config a baseline's CI test trains: its CI budget (zoo.models.ci_steps)."""
    from zoo import models
    cfg = models.get(model, name)
    steps = models.ci_steps(model, name)
    return cfg.replace(seed=seed, steps=steps, checkpoint_every=steps, image_every=steps,
                       log_every=steps)


def hardware():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import tensorflow as tf
    gpus = tf.config.list_physical_devices("GPU")
    return f"{cpu}, {os.cpu_count()} cores, " + (f"{len(gpus)} GPU(s)" if gpus else "no accelerator")


def regenerate(model, dataset, seeds=SEEDS, data_dir=None):
    import keras
    import tensorflow as tf
    runs = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as workdir:
            runs.append(measure(ci_config(model, dataset, seed), workdir, data_dir))
            print(f"seed {seed}: {runs[-1]}")
    cfg = ci_config(model, dataset, seeds[0])
    definitions = {**LOG_DEFINITIONS, **SAMPLE_DEFINITIONS}
    record = dict(
        model=model, dataset=dataset,
        command=f"python -m zoo.baseline --model={model} --dataset={dataset}"
                + (" --data_dir=DIR" if data_dir else ""),
        created=datetime.date.today().isoformat(),
        config=cfg.to_dict(),
        ci=dict(steps=cfg.steps, seeds=list(seeds),
                metrics={k: band([r[k] for r in runs], RESOLUTION.get(k, 0.0))
                         for k in runs[0]}),
        metric_definitions={k: definitions.get(k, "train_step log at the last step")
                            for k in runs[0]},
        band_rule=BAND_RULE,
        versions=dict(python=platform.python_version(), tensorflow=tf.__version__,
                      keras=keras.__version__, numpy=np.__version__),
        hardware=hardware(),
    )
    path = baseline_path(model, dataset)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):  # the shipped generator's numbers (zoo.pretrained) stay
        with open(path) as f:
            trained = json.load(f).get("trained")
        if trained:
            record["trained"] = trained
    from zoo.files import write_atomic, writing
    # Written only after every seed succeeded, and whole.
    with writing("the baseline", path):
        write_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


def main(argv):
    from absl import flags
    from zoo.errors import UserError, report
    model, dataset = flags.FLAGS.model, flags.FLAGS.dataset
    seeds = tuple(int(s) for s in flags.FLAGS.seeds)  # checked by the flag's validator
    from zoo import models
    try:
        models.get(model, dataset)
    except UserError as e:
        return report(e)
    from zoo.files import WriteFailed
    try:
        regenerate(model, dataset, seeds, flags.FLAGS.data_dir)
    except UserError as e:  # nothing written: the file is replaced only after every seed
        return report(e)
    except WriteFailed as e:  # the stored file stays as it was
        return report(e, code=1)
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("model", "wgan_gp", "Model name.")
    flags.DEFINE_string("dataset", "mnist", "Dataset name.")
    flags.DEFINE_list("seeds", [str(s) for s in SEEDS], "Seeds (at least 3).")
    flags.register_validator(
        "seeds", lambda seeds: len(seeds) >= 3 and all(s.strip().isdigit() for s in seeds),
        message="a baseline needs 3 or more seeds (integers ≥ 0) for its spread, e.g. 0,1,2")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
    from zoo.errors import parse_absl_flags
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
