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
import subprocess
import sys
import tempfile

import numpy as np

# ZOO_BASELINE_DIR: another directory of baselines (the kill battery writes there).
BASELINE_DIR = os.environ.get("ZOO_BASELINE_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "baselines")
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


# A band must absorb what a CI machine changes: its CPU's summation order
# (threads, kernels, vector width), which training amplifies; and, pointed at
# another stored seed, the seed. What the CPU does is measured: the first
# seed is rerun with 1 thread and with oneDNN's kernels off (the stored run
# used every core, oneDNN on), each in a fresh process. Per metric:
# - "seed": where those reruns moved it by at most CPU_SHARE of the seeds'
#   standard deviation (the budget is too short for float noise to grow), the
#   band is the tested seed's own stored value ± max(CPU_MARGIN × that spread,
#   RELATIVE_FLOOR × max(1, |value|), 2 steps of a count or share metric);
# - "seeds": where they moved it more, a CPU change acts like a new seed, and
#   the band is the prediction interval for one new draw from the n ≥ 10 seeds'
#   distribution: mean ± (t(n − 1, 99.9% two-sided)·std·√(1 + 1/n) + 2 steps);
# - either clipped to the metric's possible range (a count in [0, K], a share
#   in [0, 1], a norm or distance ≥ 0).
MIN_SEEDS = 10
SEEDS = tuple(range(MIN_SEEDS))
VARIANTS = {"1 thread": dict(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1"),
            "oneDNN off": dict(TF_ENABLE_ONEDNN_OPTS="0")}
BAND_CONFIDENCE = 0.999
CPU_SHARE = 0.1  # so that a tolerance of CPU_MARGIN moves stays within one seed std
CPU_MARGIN = 10.0
RELATIVE_FLOOR = 1e-4
RESOLUTION = {"ndb": 1.0, "modes_covered": 1.0, "precision": 1.0 / N_SAMPLES,
              "recall": 1.0 / N_SAMPLES, "high_quality_fraction": 1.0 / N_SAMPLES}
BAND_RULE = (
    f"per metric, from n ≥ {MIN_SEEDS} seeds and the first seed rerun with "
    f"{' and with '.join(VARIANTS)}: where the reruns moved it by at most {CPU_SHARE:g}·std of "
    f"the seeds, 'seed': the tested seed's stored value ± max({CPU_MARGIN:g}·that move, "
    f"{RELATIVE_FLOOR:g}·max(1, |value|), 2 steps of a count or share); else 'seeds': "
    f"mean ± (t(n−1, {BAND_CONFIDENCE:.1%} two-sided)·std·√(1 + 1/n) + 2 steps); "
    "clipped to the metric's possible range")
NONNEGATIVE = ("d_grad_norm", "g_grad_norm", "gradient_penalty", "sample_std", "mean_gap",
               "sliced_wasserstein", "sliced_wasserstein_untrained", "classifier_frechet_distance",
               "classifier_frechet_distance_untrained", "parzen_sem", "parzen_sigma")
SHARES = ("precision", "recall", "high_quality_fraction", "d_real", "d_fake")


def metric_range(name, config):
    """(low, high) a metric can take for `config` (None: unbounded)."""
    from zoo import losses
    if name in SHARES and (not name.startswith("d_") or config.loss in losses.SIGMOID_LOSSES):
        return 0.0, 1.0  # d_real, d_fake: probabilities under sigmoid losses, raw means otherwise
    if name in NONNEGATIVE:
        return 0.0, None
    if name == "ndb":
        return 0.0, 100.0  # bins (zoo.suite: min(100, samples) of N_SAMPLES)
    if name == "modes_covered":
        from zoo import metrics
        return 0.0, float(len(metrics.toy_mixture_modes(config.dataset)[0]))
    if name == "classifier_score":
        return 1.0, 10.0  # exp(E KL(p(y|x) ‖ p(y))) over the shipped classifiers' 10 classes
    if name == "sample_mean":
        return tuple(float(v) for v in config.value_range)
    return None, None


def _clip(low, high, bounds):
    lo, hi = bounds
    return (low if lo is None else max(low, lo)), (high if hi is None else min(high, hi))


def band(values, variant_values, resolution=0.0, bounds=(None, None)):
    """A metric's stored band (see BAND_RULE) from its per-seed values (the
    first is the seed CI reruns) and {variant: that seed's value}."""
    from scipy import stats
    n = len(values)
    mean, std = float(np.mean(values)), float(np.std(values, ddof=1))
    spread = max(abs(float(v) - float(values[0])) for v in variant_values.values())
    entry = dict(mean=mean, std=std, values=[float(v) for v in values],
                 variant_values={k: float(v) for k, v in variant_values.items()},
                 cpu_spread=spread, range=list(bounds))
    if spread <= CPU_SHARE * std:
        tolerance = max(CPU_MARGIN * spread, RELATIVE_FLOOR * max(1.0, abs(float(values[0]))),
                        2 * resolution)
        entry.update(rule="seed", tolerance=float(tolerance))
    else:
        t = float(stats.t.ppf(0.5 + BAND_CONFIDENCE / 2, n - 1))
        slack = float(t * std * np.sqrt(1 + 1 / n) + 2 * resolution)
        entry.update(rule="seeds", low=mean - slack, high=mean + slack)
    entry["low"], entry["high"] = limits(entry, 0)
    return entry


def metric_band(name, values, variant_values, config):
    """`band` with the metric's resolution and range for `config`."""
    return band(values, variant_values, RESOLUTION.get(name, 0.0), metric_range(name, config))


def reband(record):
    """A copy of `record` with every band rebuilt by the present rule from its
    stored per-seed and per-variant values (no training)."""
    from zoo import models
    config = models.get(record["model"], record["dataset"])
    metrics = {name: metric_band(name, entry["values"], entry["variant_values"], config)
               for name, entry in record["ci"]["metrics"].items()}
    return dict(record, ci=dict(record["ci"], metrics=metrics), band_rule=BAND_RULE)


def limits(entry, index=0):
    """The (low, high) a stored metric must fall in when its seeds[index] is rerun."""
    if entry.get("rule") == "seed":
        center = entry["values"][index]
        low, high = center - entry["tolerance"], center + entry["tolerance"]
    else:  # "seeds", and files written before the rule had a name
        low, high = entry["low"], entry["high"]
    return _clip(low, high, entry.get("range", (None, None)))


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


def measure_elsewhere(model, dataset, seed, env, data_dir=None):
    """`measure` of one seed's CI budget in a fresh process with `env` added
    (a UserError there, such as data that cannot be loaded, is raised here)."""
    from zoo.errors import ERROR_PREFIX, EXIT_USER_ERROR, UserError
    command = [sys.executable, "-m", "zoo.dev.baseline", f"--model={model}",
               f"--dataset={dataset}", f"--measure_seed={seed}"]
    command += [f"--data_dir={data_dir}"] if data_dir else []
    done = subprocess.run(command, env=dict(os.environ, **env), capture_output=True, text=True)
    if done.returncode == EXIT_USER_ERROR:
        errors = [l for l in done.stderr.splitlines() if l.startswith(ERROR_PREFIX)]
        raise UserError(errors[-1][len(ERROR_PREFIX):] if errors else done.stderr[-3000:])
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} with {env} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# Runs at once while regenerating: each seed and variant is its own process
# (memory is returned between them: ten CIFAR-10 runs in one process grew to
# 18 GB), so one per core keeps the cores busy through each run's start-up.
# Op determinism makes each run's numbers independent of what runs beside it.
JOBS = max(1, min(os.cpu_count() or 1, 4))


def regenerate(model, dataset, seeds=SEEDS, data_dir=None, jobs=JOBS):
    import concurrent.futures
    import keras
    import tensorflow as tf
    plan = [(seed, None) for seed in seeds] + [(seeds[0], name) for name in VARIANTS]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {pool.submit(measure_elsewhere, model, dataset, seed, VARIANTS.get(name, {}),
                               data_dir): (seed, name) for seed, name in plan}
        try:
            for future in concurrent.futures.as_completed(futures):
                seed, name = futures[future]
                results[seed, name] = future.result()
                print(f"seed {seed}{f', {name}' if name else ''}: {results[seed, name]}",
                      flush=True)
        except BaseException:  # the first failure ends it: no new runs start
            pool.shutdown(cancel_futures=True)
            raise
    runs = [results[seed, None] for seed in seeds]
    variants = {name: results[seeds[0], name] for name in VARIANTS}
    cfg = ci_config(model, dataset, seeds[0])
    definitions = {**LOG_DEFINITIONS, **SAMPLE_DEFINITIONS}
    record = dict(
        model=model, dataset=dataset,
        command=f"python -m zoo.baseline --model={model} --dataset={dataset}"
                + (" --data_dir=DIR" if data_dir else ""),
        created=datetime.date.today().isoformat(),
        config=cfg.to_dict(),
        ci=dict(steps=cfg.steps, seeds=list(seeds),
                variants={name: dict(env) for name, env in VARIANTS.items()},
                metrics={k: metric_band(k, [r[k] for r in runs],
                                        {n: v[k] for n, v in variants.items()}, cfg)
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
    if flags.FLAGS.measure_seed is not None:  # one run for measure_elsewhere: JSON on stdout
        from zoo import distribute
        distribute.die_with_parent()  # a killed regeneration leaves no run behind
        try:
            with tempfile.TemporaryDirectory() as workdir:
                result = measure(ci_config(model, dataset, flags.FLAGS.measure_seed), workdir,
                                 flags.FLAGS.data_dir)
        except UserError as e:  # its line becomes the regeneration's (measure_elsewhere)
            return report(e)
        print(json.dumps({k: float(v) for k, v in result.items()}))
        return 0
    from zoo.files import WriteFailed
    try:
        regenerate(model, dataset, seeds, flags.FLAGS.data_dir, flags.FLAGS.jobs)
    except UserError as e:  # nothing written: the file is replaced only after every seed
        return report(e)
    except WriteFailed as e:  # the stored file stays as it was
        return report(e, code=1)
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("model", "wgan_gp", "Model name.")
    flags.DEFINE_string("dataset", "mnist", "Dataset name.")
    flags.DEFINE_list("seeds", [str(s) for s in SEEDS], f"Seeds (at least {MIN_SEEDS}).")
    flags.register_validator(
        "seeds", lambda seeds: len(seeds) >= MIN_SEEDS and all(s.strip().isdigit() for s in seeds),
        message=f"a baseline needs {MIN_SEEDS} or more seeds (integers ≥ 0) for its spread, "
                f"e.g. 0,...,{MIN_SEEDS - 1}")
    flags.DEFINE_integer("measure_seed", None, "Internal: measure one seed's CI budget, print JSON.")
    flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
    flags.DEFINE_integer("jobs", JOBS, "Runs at once (each seed and CPU variant is a process).",
                         lower_bound=1)
    from zoo.errors import parse_absl_flags
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
