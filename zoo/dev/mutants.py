"""The mutation battery: plants known bugs, one at a time, in a copy of the
checkout, runs the baseline regression tests (tests/test_baselines.py) of
the configs each bug touches, and prints whether they caught it.

    python -m zoo.dev.mutants                      # every mutant
    python -m zoo.dev.mutants --only=gp_weight_tenth,no_weight_clipping
    python -m zoo.dev.mutants --unit               # also the unit tests named per mutant
    python -m zoo.dev.mutants --list

A mutant is caught when a test fails; missed when every selected test
passes; "not run" when every one skipped (its data is not on this machine).
First the same tests run on an unmutated copy (the control): they must pass.
Each bug is a change of code, never of a config value (a changed config is
refused by the baseline test before it trains: that would catch anything).
"""

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COPIED = ("zoo", "tests", "baselines", "setup.cfg")
TOYS = ("wgan_gp/8gaussians", "wgan_gp/25gaussians", "wgan_gp/swissroll")
WGAN_GP = TOYS + ("wgan_gp/mnist",)


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    path: str          # relative to the checkout
    old: str           # must occur exactly once in path
    new: str
    configs: tuple     # "model/dataset" baselines it touches
    unit: tuple = ()   # unit tests (pytest node ids or files) that should catch it


MUTANTS = (
    Mutant("gp_weight_tenth", "WGAN-GP's penalty weighted λ/10 (λ = 1 instead of 10)",
           "zoo/models/wgan_gp.py", "(self.config.gp_weight, self.gradient_penalty(x_hat))",
           "(self.config.gp_weight / 10, self.gradient_penalty(x_hat))", WGAN_GP,
           ("tests/test_wgan_gp.py",)),
    Mutant("gp_one_eps_per_batch", "one interpolation ε for the whole batch, not one per example",
           "zoo/models/wgan_gp.py",
           "eps = self.uniform(tf.shape(real)[0], PENALTY_MIX, sub, trailing_dims=len(real.shape) - 1)",
           "eps = self.uniform(tf.shape(real)[0], PENALTY_MIX, sub, "
           "trailing_dims=len(real.shape) - 1)[:1]", WGAN_GP, ("tests/test_wgan_gp.py",)),
    Mutant("gp_at_real_data", "the penalty taken at the real data, not at the interpolates",
           "zoo/models/wgan_gp.py", "x_hat = eps * real + (1.0 - eps) * fake",
           "x_hat = real + 0.0 * eps", WGAN_GP, ("tests/test_wgan_gp.py",)),
    Mutant("gp_adam_beta1", "WGAN-GP's Adam with Keras's default β1 = 0.9 in code, not the config's",
           "zoo/models/wgan_gp.py", "keras.optimizers.Adam(lr, beta_1=cfg.beta1,",
           "keras.optimizers.Adam(lr, beta_1=0.9,", WGAN_GP, ("tests/test_models.py",)),
    Mutant("gp_one_critic_step", "one critic step per generator step instead of n_critic",
           "zoo/models/wgan_gp.py", "        for i in range(self.config.n_critic):\n"
           "            logs = self.critic_step(real[:, i], i)",
           "        for i in range(1):\n            logs = self.critic_step(real[:, i], i)",
           WGAN_GP, ("tests/test_models.py",)),
    Mutant("gp_toy_critic_layer_norm", "LayerNorm in the toy critics, which the code's have not",
           "zoo/models/wgan_gp.py", 'norm=c.critic_norm == "layer")', "norm=True)", TOYS,
           ("tests/test_models.py",)),
    Mutant("no_weight_clipping", "WGAN's critic weights never clipped",
           "zoo/models/layers.py", "return tf.clip_by_value(w, -self.c, self.c)", "return w",
           ("wgan/mnist",), ("tests/test_models.py",)),
    Mutant("wgan_rmsprop_lr_x10", "WGAN's RMSProp at 10× the config's learning rate",
           "zoo/models/wgan.py", "keras.optimizers.RMSprop(cfg.learning_rate,",
           "keras.optimizers.RMSprop(10 * cfg.learning_rate,", ("wgan/mnist",),
           ("tests/test_models.py",)),
    Mutant("saturating_generator_loss", "the generator minimises log(1 − D) instead of −log D",
           "zoo/losses.py", '"non_saturating": (_sigmoid_discriminator, lambda fake: bce(fake, 1)),',
           '"non_saturating": (_sigmoid_discriminator, lambda fake: -bce(fake, 0)),',
           ("gan/mnist", "dcgan/mnist"), ("tests/test_models.py",)),
    Mutant("critic_batchnorm_inference", "the critic's BatchNorm in inference mode while it trains",
           "zoo/models/base.py",
           "real_out, fake_out = self.critic(real, training=True), self.critic(fake, training=True)",
           "real_out, fake_out = self.critic(real, training=False), self.critic(fake, training=False)",
           ("dcgan/mnist", "lsgan/mnist", "wgan/mnist"), ("tests/test_models.py",)),
    Mutant("images_not_rescaled", "images left in [0, 1] whatever the config's value range",
           "zoo/data/pipeline.py", "return x * (high - low) + low", "return x",
           ("dcgan/mnist", "lsgan/mnist", "wgan/mnist"), ("tests/test_data.py",)),
    Mutant("gan_no_dropout", "the original GAN's discriminator trained without dropout",
           "zoo/models/gan.py", "if training and layer.weights:", "if False and layer.weights:",
           ("gan/mnist",), ("tests/test_models.py",)),
    Mutant("dcgan_adam_beta1", "DCGAN's Adam with β1 = 0.9 in code, not the paper's 0.5",
           "zoo/models/dcgan.py", "keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta1,",
           "keras.optimizers.Adam(cfg.learning_rate, beta_1=0.9,", ("dcgan/mnist", "lsgan/mnist"),
           ("tests/test_models.py",)),
    Mutant("least_squares_fake_target_half", "LSGAN's discriminator pushes fakes to ½, not 0",
           "zoo/losses.py", "+ global_mean(tf.square(_f32(fake)))),",
           "+ global_mean(tf.square(_f32(fake) - 0.5))),", ("lsgan/mnist",),
           ("tests/test_models.py",)),
)


def get(name):
    for mutant in MUTANTS:
        if mutant.name == name:
            return mutant
    raise KeyError(f"unknown mutant {name!r}; choose from {', '.join(m.name for m in MUTANTS)}")


def plant(mutant, root):
    """Applies `mutant` to the checkout copy at `root`."""
    path = os.path.join(root, mutant.path)
    text = open(path).read()
    if text.count(mutant.old) != 1:
        raise ValueError(f"mutant {mutant.name}: its code occurs {text.count(mutant.old)} times "
                         f"in {mutant.path}, not once: update the battery")
    with open(path, "w") as f:
        f.write(text.replace(mutant.old, mutant.new))


def copy_checkout(dest):
    """The package, tests and baselines at dest/main, with ../shared beside it as here."""
    main = os.path.join(dest, "main")
    os.makedirs(main)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = os.path.join(ROOT, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(main, name), ignore=ignore)
        else:
            shutil.copy(source, main)
    shared = os.path.join(os.path.dirname(ROOT), "shared")
    if os.path.isdir(shared):
        os.symlink(shared, os.path.join(dest, "shared"))
    return main


def baseline_tests(configs):
    return [f"tests/test_baselines.py::test_ci_budget_reproduces_the_stored_metrics[{c}.json]"
            for c in configs]


def run_pytest(root, tests):
    """'caught' (a test failed), 'missed' (all passed) or 'not run' (all skipped)."""
    env = dict(os.environ, PYTHONPATH=root)
    env.pop("ZOO_BASELINE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p",
                           "no:cacheprovider", *tests], cwd=root, env=env, capture_output=True,
                          text=True)
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|error)",
                                               done.stdout.splitlines()[-1] if done.stdout else "")}
    if done.returncode not in (0, 1, 5):  # interrupted, an internal or a usage error
        raise RuntimeError(f"pytest exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    if done.returncode == 1:
        return "caught"
    return "missed" if counts.get("passed") else "not run"


def check(mutant, unit=False, configs=None):
    """{'baselines': verdict, 'unit': verdict or None} for one mutant, on its
    configs' baselines (or those of `configs`)."""
    with tempfile.TemporaryDirectory(prefix="zoo-mutant-") as tmp:
        root = copy_checkout(tmp)
        plant(mutant, root)
        tests = baseline_tests(configs or mutant.configs)
        verdicts = dict(baselines=run_pytest(root, tests), unit=None)
        if unit:
            verdicts["unit"] = run_pytest(root, list(mutant.unit))
    return verdicts


def main(argv):
    from absl import flags
    if flags.FLAGS.list:
        for m in MUTANTS:
            print(f"{m.name:32s} {m.what}  [{', '.join(m.configs)}]")
        return 0
    chosen = [get(n) for n in flags.FLAGS.only] if flags.FLAGS.only else list(MUTANTS)
    within = set(flags.FLAGS.configs)
    if within:  # each mutant on its configs among these only
        chosen = [dataclasses.replace(m, configs=tuple(c for c in m.configs if c in within))
                  for m in chosen]
        chosen = [m for m in chosen if m.configs]
    if flags.FLAGS.control:  # the unmutated copy must pass, or a "caught" means nothing
        configs = sorted({c for m in chosen for c in m.configs})
        with tempfile.TemporaryDirectory(prefix="zoo-mutant-") as tmp:
            verdict = run_pytest(copy_checkout(tmp), baseline_tests(configs))
        shown = {"missed": "pass", "caught": "FAIL"}.get(verdict, verdict)
        print(f"{'control (no mutant)':32s} baselines: {shown}", flush=True)
        if verdict == "caught":
            print("the unmutated code fails its baselines: fix that first")
            return 1
    caught = run = 0
    for mutant in chosen:
        verdicts = check(mutant, flags.FLAGS.unit)
        run += verdicts["baselines"] != "not run"
        caught += verdicts["baselines"] == "caught"
        unit = f"  unit tests: {verdicts['unit']}" if verdicts["unit"] else ""
        print(f"{mutant.name:32s} baselines: {verdicts['baselines']:8s}{unit}  ({mutant.what}; "
              f"{', '.join(mutant.configs)})", flush=True)
    print(f"baselines caught {caught} of {run} mutants run ({100 * caught / max(run, 1):.0f}%)")
    return 0


if __name__ == "__main__":
    from absl import app, flags
    flags.DEFINE_list("only", [], "Mutants to run (default: all); see --list.")
    flags.DEFINE_list("configs", [], "Only these baselines (model/dataset; default: each "
                      "mutant's own).")
    flags.DEFINE_bool("unit", False, "Also run each mutant's unit tests.")
    flags.DEFINE_bool("list", False, "List the mutants and exit.")
    flags.DEFINE_bool("control", True, "First run the chosen mutants' baselines unmutated.")
    app.run(lambda argv: sys.exit(main(argv)))
