"""The theory of GANs as runnable experiments (issue 10).

    python -m zoo.experiments --list
    python -m zoo.experiments optimal_discriminator      # or several names, or `all`

Each experiment is a module here with `run(out_dir, size="full", seed=0) -> dict`:
it trains the zoo's own networks (zoo.models) with the zoo's losses
(zoo.losses), checks them against the closed forms of zoo.metrics, and writes
`<out_dir>/<name>.png` (a matplotlib figure) and `<out_dir>/<name>.json` (its
numbers). `size="test"` is a reduced run that tests/test_experiments.py asserts.
This module imports nothing heavy, so that the CLI can reject bad input at once.
"""

import importlib

# name: what it shows (in the order `all` runs them).
EXPERIMENTS = {
    "optimal_discriminator": "a trained D against D* = p/(p+q); V(D, G) against -log 4 + 2 JS",
    "disjoint_supports": "parallel lines: TV, KL, JS, W1 against theta, and what trained nets see",
    "vanishing_gradients": "G's gradient norm as D trains: log(1-D), -log D, WGAN critics",
    "gradient_play": "V(x, y) = xy: simultaneous steps spiral out, alternating steps orbit",
    "mode_collapse": "GAN, WGAN, WGAN-GP on 8 and 25 Gaussians: modes covered over training",
    "wgan_gp_figure1": "weight clipping against the gradient penalty: surfaces, gradients, weights",
}
SIZES = ("full", "test")


def names():
    return list(EXPERIMENTS)


def check_name(name):
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose from {', '.join(EXPERIMENTS)} "
                         "or all")


def get(name):
    """The module of experiment `name`."""
    check_name(name)
    return importlib.import_module(f"zoo.experiments.{name}")


def run(name, out_dir, size="full", seed=0):
    """Runs experiment `name`, writing its figure and JSON into `out_dir`."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    return get(name).run(out_dir, size=size, seed=seed)


__all__ = ["EXPERIMENTS", "SIZES", "names", "check_name", "get", "run"]
