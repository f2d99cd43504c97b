"""Pictures of samples: image grids, density images of 2-D points, PNG files.

    images = zoo.load("gan/mnist").generate(64, seed=0)
    zoo.save_image_grid(images, "samples.png")
"""

import numpy as np

from zoo import datasets
from zoo.files import write_atomic, writing


def image_grid(images, value_range, columns=8):
    """(N, H, W, C) images in value_range → one uint8 (rows·H, cols·W, C) grid."""
    images = np.asarray(images, np.float32)
    low, high = value_range
    images = np.clip((images - low) / (high - low), 0.0, 1.0)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * h, columns * w, c), np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[r * h:(r + 1) * h, col * w:(col + 1) * w] = image
    return (grid * 255 + 0.5).astype(np.uint8)


def scatter_image(points, extent=3.0, size=128):
    """(N, 2) points → a (size, size, 1) uint8 density image over [−extent, extent]²."""
    hist, _, _ = np.histogram2d(points[:, 1], points[:, 0], bins=size,
                                range=[[-extent, extent], [-extent, extent]])
    hist = np.flipud(hist)  # y up
    return (255 * np.minimum(hist / max(hist.max() * 0.25, 1.0), 1.0)).astype(np.uint8)[..., None]


def encode_png(picture):
    """A uint8 (H, W, C) array as PNG bytes."""
    import tensorflow as tf
    return tf.io.encode_png(np.asarray(picture, np.uint8)).numpy()


def save_image_grid(samples, path, columns=8, value_range=(0.0, 1.0)):
    """Writes `samples` to the PNG file `path` and returns the uint8 picture:
    images (N, H, W[, C]) in `value_range` (a loaded generator's [0, 1] by
    default) as a grid of `columns` columns, or 2-D points (N, 2) as a
    density image over [−3, 3]². Written whole or not at all."""
    samples = np.asarray(samples, np.float32)
    if samples.ndim == 2 and samples.shape[1] == 2:
        picture = scatter_image(samples)
    elif samples.ndim in (3, 4):
        picture = image_grid(samples if samples.ndim == 4 else samples[..., None], value_range,
                             columns)
    else:
        raise ValueError(f"save_image_grid takes images (N, H, W[, C]) or points (N, 2), "
                         f"got shape {samples.shape}")
    write_atomic(str(path), encode_png(picture))
    return picture


# ---- a model's samples ----------------------------------------------------------

def picture_samples(config):
    """How many samples a picture shows: a grid of 64 images, or 4,096 toy points."""
    return 4096 if datasets.info(config.dataset).toy else 64


def picture(samples, config):
    """A uint8 picture of `picture_samples(config)` samples: a density image
    of toy points, else an image grid."""
    if samples.ndim == 2:
        return scatter_image(samples)
    return image_grid(samples, config.value_range)


def sample_picture(model):
    """A uint8 picture of samples from the fixed noise bank of the run's seed."""
    config = model.config
    return picture(model.sample(picture_samples(config), seed=config.seed).numpy(), config)


def save_png(picture, path):
    with writing("a sample picture", path):
        write_atomic(path, encode_png(picture))
