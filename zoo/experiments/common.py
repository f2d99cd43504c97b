"""What the experiments share: seeds and stateless keys, compiled training
loops, the zoo's networks on 1-D and 2-D inputs, and the figure + JSON output."""

import json
import math
import os

import matplotlib

matplotlib.use("Agg")  # headless: every figure goes to a file
import matplotlib.pyplot as plt  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from zoo import data, models, training  # noqa: E402

# Figures are committed: small PNGs (80 dpi keeps each well under 150 KB).
DPI = 80
LOG4 = math.log(4.0)


def pick(size, full, test):
    """The value of a setting at this size."""
    return full if size == "full" else test


def seed_everything(seed):
    """Keras's, TensorFlow's and numpy's global seeds, and deterministic ops:
    the same seed gives the same numbers (every data draw is stateless too)."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def key(seed, *data):
    """A stateless RNG key: the seed folded with each of `data` (ints or int tensors)."""
    k = tf.constant([seed, 0], tf.int64)
    for d in data:
        k = tf.random.experimental.stateless_fold_in(k, tf.cast(d, tf.int64))
    return k


def compiled_loop(step):
    """A tf.function running `step(i)` for i in [start, start + count) inside
    one graph (a Python loop of small steps costs more than the steps);
    returns the last step's result. count must be >= 1."""
    @tf.function
    def loop(start, count):
        result = step(start)
        for i in tf.range(start + 1, start + count):
            result = step(i)
        return result

    # Tensors, not Python ints: a new int would trace the loop anew.
    return lambda start, count: loop(tf.constant(start, tf.int64), tf.constant(count, tf.int64))


def real_batches(dataset, steps, batch, seed):
    """`steps` batches of a toy set from zoo.data, as one (steps, batch, 2) tensor."""
    return tf.stack(list(data.load(dataset, batch_size=batch, seed=seed).take(steps)))


def snapshot(variables):
    return [v.numpy() for v in variables]


def restore(variables, values):
    for v, value in zip(variables, values):
        v.assign(value)


def global_norm(grads):
    return float(tf.linalg.global_norm(grads))


# ---- the zoo's networks on the toy sets --------------------------------------------

def gan_toy_config(dataset="8gaussians", dim=128, **overrides):
    """The original GAN (zoo.configs.gan) on a 2-D toy set. The zoo has no toy
    config of it, so this one keeps mnist.yaml's nets in kind (ReLU G, maxout
    D, U(±irange) weights, momentum SGD) at gan_toy.py's scale: 2-d N(0, I)
    noise, a linear output, `dim` units per layer, batch 256, no dropout (the
    MNIST config's dropout regularises a 784-d input)."""
    config = models.get("gan", "mnist").replace(
        dataset=dataset, latent_dim=2, latent_dist="normal", value_range=(-3.0, 3.0),
        g_units=(dim,) * 3, g_activations=("relu",) * 3, g_output="linear",
        g_bias_from_marginals=False, d_units=(dim, dim), input_keep=1.0, hidden_keep=1.0,
        batch_size=256)
    return config.replace(**overrides).check()


def wgan_toy_config(dataset="8gaussians", dim=128, **overrides):
    """WGAN (zoo.configs.wgan) with the code's MLPs (`arch=mlp`, models/mlp.py)
    on a 2-D toy set: 2-d noise, `dim` units, batch 256 as gan_toy.py."""
    config = models.get("wgan", "mnist").replace(
        dataset=dataset, arch="mlp", mlp_units=dim, latent_dim=2, value_range=(-3.0, 3.0),
        batch_size=256, train_split="train")  # a toy set is one stream, split "train"
    return config.replace(**overrides).check()


def wgan_gp_toy_config(dataset="8gaussians", dim=128, **overrides):
    """WGAN-GP's own toy config (zoo.configs.wgan_gp, gan_toy.py), `dim` wide."""
    return models.get("wgan_gp", dataset).replace(dim=dim, **overrides).check()


def create(config, seed):
    """The model of `config`, its weights seeded, compiled with its paper's optimizers."""
    return training.build(config.replace(seed=seed))


def adam(learning_rate, variables, beta_1=0.5, beta_2=0.9):
    """Adam built on `variables` (WGAN-GP's β by default): for the experiments
    that train a network to its optimum against fixed distributions."""
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)
    optimizer.build(variables)
    return optimizer


def sigmoid64(logits):
    """D = sigmoid(logits) in float64, kept inside (0, 1) so that log D and
    log(1 − D) stay finite where a confident D rounds to 0 or 1."""
    logits = np.asarray(logits, np.float64)
    return np.clip(1.0 / (1.0 + np.exp(-logits)), 1e-15, 1.0 - 1e-15)


# ---- output ------------------------------------------------------------------------

def jsonable(value):
    """numpy scalars and arrays → Python numbers and lists; ±inf → "inf" / "-inf"."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    return value


def finish(out_dir, name, fig, numbers, size, seed):
    """Writes `<out_dir>/<name>.png` and `<out_dir>/<name>.json` (the numbers
    with the size and seed they came from) and returns the numbers."""
    os.makedirs(out_dir, exist_ok=True)
    numbers = dict(numbers, experiment=name, size=size, seed=seed)
    fig.savefig(os.path.join(out_dir, f"{name}.png"), dpi=DPI)
    plt.close(fig)
    compact_png(os.path.join(out_dir, f"{name}.png"))
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(jsonable(numbers), f, indent=1)
        f.write("\n")
    return numbers


def compact_png(path):
    """Rewrites a figure as a 256-colour PNG (no dithering): a third of the
    size of matplotlib's RGBA for these flat-coloured plots, so the committed
    figures stay small. Pillow comes with matplotlib."""
    from PIL import Image
    with Image.open(path) as image:
        compact = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    compact.save(path, optimize=True)


def figure(columns, rows=1, width=3.4, height=3.0):
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows),
                             squeeze=False, constrained_layout=True)
    return fig, axes
