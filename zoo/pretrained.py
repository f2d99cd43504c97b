"""Pretrained generators: listed and loaded by name (training and shipping
them is maintainer tooling, zoo.dev.ship, which `--name` runs).

    python -m zoo.pretrained                                           # list what ships
    python -m zoo.pretrained --name=wgan_gp/8gaussians --steps=20000   # train, ship, evaluate

    import zoo
    zoo.list_pretrained("wgan_gp/*")
    g = zoo.load("wgan_gp/8gaussians")    # a keras.Model (zoo.generator), sha256 checked first
    points = g.generate(4096, seed=0)     # images in [0, 1], or toy points in data units
    g.record                              # steps, command, hardware, metrics, licence

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

import fnmatch
import glob
import json
import os
import sys

from zoo.errors import UserError

PRETRAINED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained")
EVALUATION_SAMPLES = 10000  # zoo.evaluate's default (Goodfellow et al.'s Parzen: 10,000)
EVALUATION_SEED = 0


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


def list_pretrained(pattern="*"):
    """Names of the shipped generators matching the shell-style `pattern`
    (e.g. "wgan_gp/*", "*mnist"), as timm's list_models filters."""
    return [name for name in available() if fnmatch.fnmatchcase(name, pattern)]


def record(name):
    """The shipped record of `name`: steps, command, wall time, hardware,
    versions, sha256, the config, the evaluation (each metric's value, its
    protocol and the paper's number where there is one) and the licence.
    A UserError naming the shipped ones for an unknown name."""
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
    """The shipped generator `name` ("model/config") as a keras.Model
    (zoo.generator.Generator: the zoo's network rebuilt from the recorded
    config, with the shipped weights), its files checked against the
    recorded sha256 before TensorFlow reads them."""
    from zoo import generator
    directory = verified_dir(name)
    return generator.from_saved_model(directory, record(name))


def load_saved_model(name):
    """The shipped SavedModel of `name` as plain TensorFlow loads it
    (signatures `serving_default` and `sample`), sha256 checked first."""
    import tensorflow as tf
    return tf.saved_model.load(verified_dir(name))


def config_of(saved_model):
    """The zoo config a loaded SavedModel of the zoo was trained with."""
    from zoo.generator import config_from_dict
    return config_from_dict(json.loads(saved_model.config_json.numpy().decode()))


HEADLINES = {  # how a listing shows a metric
    "parzen_log_likelihood": "Parzen {:.1f} nats",
    "classifier_frechet_distance": "classifier FD {:.2f}",
    "modes_covered": "{:d} modes (lenient count)",
    "sliced_wasserstein": "sliced W1 {:.4f}",
}


def headline(entry):
    """A record's headline numbers: those with a paper number beside them,
    else the first of the classifier Fréchet distance, modes and sliced W1."""
    metrics = entry.get("evaluation", {}).get("metrics", {})

    def show(key):
        line = HEADLINES[key].format(metrics[key]["value"])
        if "standard_error" in metrics[key]:
            line = line.replace(" nats", f" ± {metrics[key]['standard_error']:.1f} nats")
        if "paper" in metrics[key]:
            line += f" (paper: {metrics[key]['paper'].split(' (')[0]})"
        return line
    shown = [show(k) for k in HEADLINES if k in metrics and "paper" in metrics[k]]
    fallback = ("classifier_frechet_distance", "modes_covered", "sliced_wasserstein")
    shown = shown or [show(k) for k in fallback if k in metrics][:1]
    return "; ".join(shown)


def print_listing():
    """The shipped generators: name, steps, headline metric; then how to load one."""
    names = available()
    for name in names:
        entry = record(name)
        print(f"{name:<22} {entry['steps']:>7,} steps  {headline(entry)}")
    if names:
        print(f"\nload one:  import zoo; g = zoo.load(\"{names[0]}\"); samples = g.generate(64)")
        print("full record:  zoo.load(name).record  or  zoo.pretrained.record(name)")


def main(argv):
    from absl import flags
    if flags.FLAGS.name:  # train and ship: maintainer tooling
        from zoo.dev import ship
        return ship.main(argv)
    print_listing()
    return 0


if __name__ == "__main__":
    from absl import app, flags
    from zoo.dev import ship  # --name etc. (maintainers), for parsing and --help
    from zoo.errors import parse_absl_flags
    ship.define_flags()
    flags.adopt_module_key_flags(ship)
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
