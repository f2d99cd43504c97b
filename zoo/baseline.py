"""Stored baselines: `baselines/<model>/<dataset>.json`.

Regenerate one on purpose (it trains the CI budget once per seed):

    python -m zoo.baseline --model=wgan_gp --dataset=mnist

`tests/test_baselines.py` retrains each file's CI budget from its first seed
and fails when a metric leaves the stored band.
"""

import datetime
import json
import os
import platform
import sys
import tempfile

import numpy as np

BASELINE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "baselines")
# CI budgets: generator steps short enough for the test suite, long enough
# that the critic's estimate and the samples have moved from initialisation.
CI_STEPS = {"mnist": 20, "8gaussians": 100, "25gaussians": 100, "swissroll": 100}
SEEDS = (0, 1, 2)
N_SAMPLES = 1000

METRICS = {
    "wasserstein": "critic's estimate E[D(x)] − E[D(G(z))] at the last critic step",
    "gradient_penalty": "E[(‖∇D(x̂)‖ − 1)²] at the last critic step",
    "d_loss": "critic loss at the last critic step",
    "g_loss": "generator loss −E[D(G(z))] at the last step",
    "sample_mean": f"mean of all values of {N_SAMPLES} samples from the seed's fixed noise bank",
    "sample_std": f"std of all values of those {N_SAMPLES} samples",
    "mean_gap": f"mean |E[G(z)] − E[x]| over coordinates, {N_SAMPLES} samples vs "
                f"{N_SAMPLES} real examples (validation split for images)",
}


def baseline_path(model, dataset):
    return os.path.join(BASELINE_DIR, model, f"{dataset}.json")


def band(values):
    """Mean ± (4 std across seeds + 1e-3·max(1, |mean|)): the absolute term
    covers float differences between CPUs when the seeds happen to agree."""
    mean, std = float(np.mean(values)), float(np.std(values, ddof=1))
    slack = 4 * std + 1e-3 * max(1.0, abs(mean))
    return dict(mean=mean, std=std, low=mean - slack, high=mean + slack,
                values=[float(v) for v in values])


def real_examples(config, n=N_SAMPLES):
    from zoo import data
    split = "train" if config.dataset in data.TOY_DATASETS else "validation"
    ds = data.load(config.dataset, split, batch_size=n, seed=12345,
                   value_range=config.value_range)
    return next(iter(ds)).numpy()


def measure(config, workdir):
    """Trains `config` in a fresh `workdir`; returns the METRICS."""
    from zoo import training
    model, logs = training.train(config, workdir, verbose=0, export=False)
    samples = model.sample(N_SAMPLES, seed=config.seed).numpy()
    real = real_examples(config)
    metrics = {k: logs[k] for k in ("wasserstein", "gradient_penalty", "d_loss", "g_loss")}
    metrics.update(sample_mean=float(samples.mean()), sample_std=float(samples.std()),
                   mean_gap=float(np.abs(samples.mean(0) - real.mean(0)).mean()))
    return metrics


def ci_config(model, dataset, seed):
    from zoo import models
    cfg = models.get(model, dataset)
    steps = CI_STEPS[dataset]
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


def regenerate(model, dataset, seeds=SEEDS):
    import keras
    import tensorflow as tf
    runs = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as workdir:
            runs.append(measure(ci_config(model, dataset, seed), workdir))
            print(f"seed {seed}: {runs[-1]}")
    cfg = ci_config(model, dataset, seeds[0])
    record = dict(
        model=model, dataset=dataset,
        command=f"python -m zoo.baseline --model={model} --dataset={dataset}",
        created=datetime.date.today().isoformat(),
        config=cfg.to_dict(),
        ci=dict(steps=CI_STEPS[dataset], seeds=list(seeds),
                metrics={k: band([r[k] for r in runs]) for k in METRICS}),
        metric_definitions=METRICS,
        band_rule="mean ± (4·std over seeds + 1e-3·max(1, |mean|))",
        versions=dict(python=platform.python_version(), tensorflow=tf.__version__,
                      keras=keras.__version__, numpy=np.__version__),
        hardware=hardware(),
    )
    path = baseline_path(model, dataset)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    from zoo.training import write_atomic
    # Written only after every seed succeeded, and whole.
    write_atomic(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


def main(argv):
    from absl import flags
    from zoo import models
    model, dataset = flags.FLAGS.model, flags.FLAGS.dataset
    if dataset not in CI_STEPS:
        print(f"error: no CI budget for dataset {dataset!r}; add it to CI_STEPS", file=sys.stderr)
        return 2
    seeds = tuple(int(s) for s in flags.FLAGS.seeds)
    if len(seeds) < 3:
        print(f"error: a baseline needs at least 3 seeds for its spread, got {len(seeds)}",
              file=sys.stderr)
        return 2
    try:
        models.get(model, dataset)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    regenerate(model, dataset, seeds)
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("model", "wgan_gp", "Model name.")
    flags.DEFINE_string("dataset", "mnist", "Dataset name.")
    flags.DEFINE_list("seeds", [str(s) for s in SEEDS], "Seeds (at least 3).")
    app.run(lambda argv: sys.exit(main(argv)))
