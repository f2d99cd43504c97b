"""Runs the theory experiments: `python -m zoo.experiments NAME [NAME ...] | all`.

    python -m zoo.experiments --list
    python -m zoo.experiments optimal_discriminator --out_dir=runs/experiments
    python -m zoo.experiments all --size=test          # the reduced runs the tests use

Each experiment writes runs/experiments/<name>/<name>.png and <name>.json.
Bad input (an unknown name, a bad flag) exits with code 2 and one line.
"""

import os
import sys
import time

from absl import app, flags
from absl import logging as absl_logging

from zoo import errors, experiments

flags.DEFINE_bool("list", False, "List the experiments and exit.")
flags.DEFINE_string("out_dir", os.path.join("runs", "experiments"),
                    "Each experiment writes into <out_dir>/<name>/.")
flags.DEFINE_enum("size", "full", list(experiments.SIZES),
                  "full: the runs behind the README's figures; test: the reduced runs of the tests.")
flags.DEFINE_integer("seed", 0, "Seed of every weight and every random draw.")
FLAGS = flags.FLAGS


def chosen(args):
    """The experiments named on the command line, in the registry's order for `all`."""
    if not args:
        raise ValueError(f"name an experiment ({', '.join(experiments.names())}) or all; "
                         "see --list")
    if "all" in args:
        return experiments.names()
    for name in args:
        experiments.check_name(name)
    return list(dict.fromkeys(args))


def main(argv):
    if FLAGS.list:
        for name, what in experiments.EXPERIMENTS.items():
            print(f"{name:24s} {what}")
        return 0
    try:
        names = chosen(argv[1:])
    except ValueError as e:
        return errors.report(e)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Each trained network has its own compiled loop, which TensorFlow's
    # retracing warning mistakes for one function traced again and again.
    absl_logging.set_verbosity(absl_logging.ERROR)
    for name in names:
        out_dir = os.path.join(FLAGS.out_dir, name)
        start = time.perf_counter()
        try:
            os.makedirs(out_dir, exist_ok=True)
        except OSError as e:
            return errors.report(f"cannot write {out_dir} ({e.strerror}); choose another --out_dir")
        experiments.run(name, out_dir, size=FLAGS.size, seed=FLAGS.seed)
        print(f"{name}: {time.perf_counter() - start:.1f} s -> "
              f"{os.path.join(out_dir, name)}.png, .json", flush=True)
    return 0


if __name__ == "__main__":
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=errors.parse_absl_flags)
