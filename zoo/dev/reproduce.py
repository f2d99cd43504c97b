"""The reproduction report: each paper number beside ours, same protocol.

    python -m zoo.reproduce          # writes REPRODUCTION.md and docs/reproduction/*.png

Ours come from the shipped generators (zoo.pretrained), evaluated here by
zoo.evaluate's protocol on BANKS fixed noise banks (seeds 0, 1, …): a number
is the mean ± standard deviation over the banks, the Parzen log-likelihood
its protocol's own standard error on bank 0 (Goodfellow et al.'s ± std/√N over
the test images). A number that needs data, weights or training lengths this
machine lacks is listed with the commands that compute it and the wall time
they would take here, from the step rate measured on this machine (the
config's train step on a synthetic batch of its shape). Nothing in the
report is typed in by hand but the papers' own numbers, each with its source.
"""

import datetime
import os
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np

BANKS = 5
ROOT = os.getcwd()


@dataclass(frozen=True)
class Row:
    source: str   # the paper (table or figure) or the code the number comes from
    what: str     # metric and dataset
    paper: str    # the published number, "—" where the paper has none
    name: str     # model/config of ours
    metric: str   # zoo.evaluate's key
    error: str = ""  # the key of the protocol's own standard error, if it has one


OURS = [
    Row("GAN (Goodfellow et al. 2014), Table 1", "Parzen log-likelihood, MNIST",
        "225 ± 2", "gan/mnist", "parzen_log_likelihood", "parzen_sem"),
    Row("WGAN-GP (Gulrajani et al. 2017), gan_toy.py figures", "modes covered, 8 Gaussians",
        "all 8 (figure, no count)", "wgan_gp/8gaussians", "modes_covered"),
    Row("WGAN-GP, gan_toy.py", "samples within 3σ of a mode, 8 Gaussians", "—",
        "wgan_gp/8gaussians", "high_quality_fraction"),
    Row("WGAN-GP (Gulrajani et al. 2017), gan_toy.py figures", "modes covered, 25 Gaussians",
        "all 25 (figure, no count)", "wgan_gp/25gaussians", "modes_covered"),
    Row("WGAN-GP, gan_toy.py", "samples within 3σ of a mode, 25 Gaussians", "—",
        "wgan_gp/25gaussians", "high_quality_fraction"),
    Row("WGAN-GP, gan_toy.py", "sliced Wasserstein distance to the data, Swiss roll", "—",
        "wgan_gp/swissroll", "sliced_wasserstein"),
    Row("DCGAN (Radford et al. 2015)", "MNIST classifier Fréchet distance", "—",
        "dcgan/mnist", "classifier_frechet_distance"),
    Row("DCGAN", "MNIST classifier score", "—", "dcgan/mnist", "classifier_score"),
    Row("DCGAN", "Fashion-MNIST classifier Fréchet distance", "—",
        "dcgan/fashion_mnist", "classifier_frechet_distance"),
    Row("DCGAN", "Fashion-MNIST classifier score", "—", "dcgan/fashion_mnist",
        "classifier_score"),
    Row("WGAN (Arjovsky et al. 2017)", "MNIST classifier Fréchet distance", "—",
        "wgan/mnist", "classifier_frechet_distance"),
    Row("WGAN", "MNIST classifier score", "—", "wgan/mnist", "classifier_score"),
    Row("WGAN-GP", "MNIST classifier Fréchet distance", "—",
        "wgan_gp/mnist", "classifier_frechet_distance"),
    Row("WGAN-GP", "MNIST classifier score", "—", "wgan_gp/mnist", "classifier_score"),
]


@dataclass(frozen=True)
class Elsewhere:
    source: str
    what: str
    paper: str
    name: str
    needs: str       # what this machine lacks
    evaluate: str    # zoo.evaluate's flags for the number


ELSEWHERE = [
    Elsewhere("GAN, Table 1", "Parzen log-likelihood, TFD", "2057 ± 26", "gan/tfd",
              "TFD_48x48.mat (not freely redistributable)", ""),
    Elsewhere("WGAN-GP, Table 3", "Inception score, CIFAR-10 (ResNet)", "7.86 ± 0.07",
              "wgan_gp/cifar10_resnet", "the paper's length on a GPU; InceptionV3 weights",
              " --fid --samples=50000"),
    Elsewhere("PyTorch-StudioGAN README", "FID, CIFAR-10, 10k test vs 10k samples",
              "25.85 (WGAN-GP ResNet)", "wgan_gp/cifar10_resnet",
              "the paper's length on a GPU; InceptionV3 weights", " --fid"),
    Elsewhere("PyTorch-StudioGAN README", "FID, CIFAR-10, 10k test vs 10k samples",
              "49.03 (DCGAN)", "dcgan/cifar10", "a GPU; InceptionV3 weights", " --fid"),
    Elsewhere("Lucic et al. 2018 (best of model)", "FID, MNIST", "20.3 (WGAN-GP)",
              "wgan_gp/mnist", "the code's length; InceptionV3 weights", " --fid"),
    Elsewhere("Lucic et al. 2018 (best of model)", "FID, MNIST", "6.7 (WGAN)", "wgan/mnist",
              "InceptionV3 weights", " --fid"),
]


def ours(name, data_dir=None):
    """{metric: [value per bank]} of the shipped generator `name` (Parzen on
    bank 0 only: the report gives its protocol's own error), or None."""
    from zoo import evaluate, pictures, pretrained
    if name not in pretrained.available():
        return None
    generator = pretrained.load_saved_model(name)
    config = pretrained.config_of(generator)
    draw = lambda n, seed: evaluate.export_samples(generator, n, seed)
    values = {}
    for bank in range(BANKS):
        samples = draw(pretrained.EVALUATION_SAMPLES, bank)
        for key, value in evaluate.evaluate(config, samples, data_dir, bank,
                                            parzen=bank == 0).items():
            values.setdefault(key, []).append(value)
    os.makedirs(os.path.dirname(picture_path(name)), exist_ok=True)
    pictures.save_png(pictures.picture(draw(pictures.picture_samples(config), 0), config),
                      picture_path(name))
    return values


def picture_path(name):
    return os.path.join(ROOT, "docs", "reproduction", name.replace("/", "-") + ".png")


def seconds_to_train(name, steps, calls=3):
    """(wall seconds `steps` generator steps of `name` would take here, calls/s):
    its train step timed on a synthetic batch of its shape (no data needed)
    over `calls` calls after an untimed one; WGAN's long critic phases are
    counted by WGAN's own schedule (calls_until)."""
    import tensorflow as tf
    from zoo import data, models, training
    config = models.get(*name.split("/"))
    model = training.build(config)
    shape = data.example_shape(config.dataset)
    model.initialize(np.zeros((1, *shape), np.uint8) if model.uses_training_images else None)
    low, high = config.value_range
    batch = tf.random.stateless_uniform((config.batch_size, model.real_batches_per_step, *shape),
                                        (0, 0), low, high)
    ds = tf.data.Dataset.from_tensors(batch).repeat()
    total_calls = steps if model.calls_are_generator_steps else model.calls_until(steps)
    model.caller_counts_calls = True  # it times calls, WGAN's phase calls included
    model.fit(ds, epochs=1, steps_per_epoch=1, verbose=0, shuffle=False)
    start = time.perf_counter()
    model.fit(ds, epochs=1, steps_per_epoch=calls, verbose=0, shuffle=False)
    rate = calls / (time.perf_counter() - start)
    return total_calls / rate, rate


def duration(seconds):
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def summary(values, row):
    if values is None or row.metric not in values:
        return None
    v = values[row.metric]
    if row.error:
        return f"{v[0]:.1f} ± {values[row.error][0]:.1f}"
    spread = statistics.stdev(v) if len(v) > 1 else 0.0
    digits = 0 if row.metric in ("modes_covered", "ndb") else 3 if abs(v[0]) < 10 else 2
    return f"{np.mean(v):.{digits}f} ± {spread:.{digits}f}"


def report(data_dir=None, measure=True):
    from zoo import pretrained
    from zoo.dev import baseline
    lines = [
        "# Reproduction report",
        "",
        f"Written by `python -m zoo.reproduce` on {datetime.date.today().isoformat()}, "
        f"{baseline.hardware()}. Ours: the shipped generator (`zoo.load(name)`), evaluated by "
        f"`zoo.evaluate`'s protocol on {BANKS} fixed noise banks of "
        f"{pretrained.EVALUATION_SAMPLES:,} samples (seeds 0–{BANKS - 1}): mean ± standard "
        "deviation over the banks (the spread of the evaluation, not of training seeds); the "
        "Parzen log-likelihood with its protocol's standard error (± std/√N over the test "
        "images, as Goodfellow et al. report it).",
        "",
        "## Computed here",
        "",
        "| source | metric | paper | ours | model | steps | command |",
        "|---|---|---|---|---|---|---|",
    ]
    cache = {}
    for row in OURS:
        if row.name not in cache:
            cache[row.name] = ours(row.name, data_dir)
        value = summary(cache[row.name], row)
        if value is None:
            lines.append(f"| {row.source} | {row.what} | {row.paper} | not shipped yet | "
                         f"{row.name} | | `python -m zoo.pretrained --name={row.name}` |")
            continue
        record = pretrained.record(row.name)
        lines.append(f"| {row.source} | {row.what} | {row.paper} | {value} | {row.name} | "
                     f"{record['steps']:,} | `{record['command']}` |")
    lines += ["", "## Not computable on this machine", "",
              "Estimated wall time: the config's paper length at the step rate measured here "
              "(the train step on a synthetic batch of its shape, 2 CPU cores without a GPU "
              "unless the header says otherwise)." if measure else "", "",
              "| source | metric | paper | model | needs | commands | estimated time here |",
              "|---|---|---|---|---|---|---|"]
    timed = {}
    from zoo import models
    for row in ELSEWHERE:
        model_name, config_name = row.name.split("/")
        config = models.get(model_name, config_name)
        steps = config.paper_steps or config.steps
        if measure and row.name not in timed:
            timed[row.name] = seconds_to_train(row.name, steps)
        data_flag = " --data_dir=DIR" if config.dataset in ("tfd", "cifar10") else ""
        command = (f"`python -m zoo.train --model={model_name} --dataset={config_name} "
                   f"--steps={steps}{data_flag}` then `python -m zoo.evaluate "
                   f"--workdir=runs/{model_name}-{config_name}{data_flag}{row.evaluate}`")
        estimate = (f"{duration(timed[row.name][0])} ({steps:,} steps; "
                    f"{timed[row.name][1]:.3g} train-step calls/s)"
                    if row.name in timed else "not measured")
        lines.append(f"| {row.source} | {row.what} | {row.paper} | {row.name} | {row.needs} | "
                     f"{command} | {estimate} |")
    lines += ["", "## Samples", ""]
    for name in pretrained.available():  # every shipped model, with a row or not
        if name not in cache:
            cache[name] = ours(name, data_dir)  # draws its picture
        if cache[name] is not None:
            rel = os.path.relpath(picture_path(name), ROOT)
            lines += [f"**{name}** ({pretrained.record(name)['steps']:,} steps)", "",
                      f"![{name}]({rel})", ""]
    lines += ["The critic's value surface on the toy sets (WGAN-GP Figure 1a) is "
              "`python -m zoo.experiments wgan_gp_figure1`: "
              "![figure 1](docs/experiments/wgan_gp_figure1.png)", ""]
    return "\n".join(lines)


def main(argv):
    from absl import flags
    from zoo.errors import UserError, report as report_error
    from zoo.files import write_atomic
    del argv
    try:
        text = report(flags.FLAGS.data_dir, flags.FLAGS.measure)
    except (UserError, OSError) as e:
        return report_error(e)
    write_atomic(os.path.join(ROOT, flags.FLAGS.out), text)
    print(text)
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_string("out", "REPRODUCTION.md", "Where to write the report.")
    flags.DEFINE_string("data_dir", None, "Directory holding the datasets (see zoo.data).")
    flags.DEFINE_bool("measure", True, "Measure step rates for the estimated times.")
    from zoo.errors import parse_absl_flags
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
