"""The run machinery every model shares: work directory, data stream,
checkpoints, TensorBoard, sample grids, divergence guard and export.

Work directory layout:
    config.json     the config the checkpoints were trained with
    checkpoints/    tf.train.CheckpointManager: G, critic, both optimizers,
                    the step (G's optimizer iterations) and the RNG seed
    tensorboard/    scalars every `log_every` steps, sample grids every `image_every`
    export/         the generator as a SavedModel (written at the end of a run)
    samples.png     a sample grid from the final generator
"""

import json
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from zoo import data
from zoo.config import ConfigError


class UsageError(ValueError):
    """Bad input from the user: reported in one line, exit code 2."""


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or Inf."""


# ---- work directory ----------------------------------------------------------

def _write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def prepare_workdir(workdir, config):
    """Creates `workdir` or checks that what it holds was trained with
    `config`; `write_config` records it once the run is known to start."""
    try:
        os.makedirs(workdir, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=workdir, prefix=".probe-")
        probe.close()
    except OSError as e:
        raise UsageError(f"--workdir {workdir} is not writable ({e.strerror}); "
                         "choose a directory you can write to") from None
    path = os.path.join(workdir, "config.json")
    has_checkpoint = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    if os.path.exists(path):
        try:
            with open(path) as f:
                stored = json.load(f)
        except (OSError, ValueError) as e:
            raise UsageError(f"{path} is unreadable ({e}); restore it or use a new --workdir") from None
        theirs = {k: v for k, v in stored.items() if k in config.identity()}
        ours = json.loads(json.dumps(config.identity()))
        if theirs != ours:
            diff = ", ".join(f"{k}={theirs.get(k)!r} (now {ours[k]!r})"
                             for k in ours if theirs.get(k) != ours[k])
            raise UsageError(f"--workdir {workdir} holds a run of another config ({diff}); "
                             "use a new --workdir or the same settings")
    elif has_checkpoint:
        raise UsageError(f"--workdir {workdir} holds a checkpoint but no config.json; "
                         "use a new --workdir")


def write_config(workdir, config):
    _write_atomic(os.path.join(workdir, "config.json"), config.to_json())


# ---- data ----------------------------------------------------------------------

def train_dataset(model, data_dir=None, start_step=0):
    """Batches of shape (batch, k, ...) with k = the real batches one step
    consumes (n_critic for WGAN-GP). Step s always gets the same examples,
    so resuming at `start_step` replays nothing and skips nothing."""
    cfg, k = model.config, model.real_batches_per_step
    ds = data.load(cfg.dataset, "train", cfg.batch_size, seed=cfg.seed,
                   value_range=cfg.value_range, data_dir=data_dir,
                   skip_batches=start_step * k)
    # (k, batch, ...) → (batch, k, ...): a strategy splits the batch axis, so
    # each replica gets its rows of every one of the k batches.
    ds = ds.batch(k, drop_remainder=True)
    ds = ds.map(lambda x: tf.experimental.numpy.moveaxis(x, 0, 1))
    return ds.prefetch(tf.data.AUTOTUNE)


# ---- checkpoints -----------------------------------------------------------------

def checkpoint_manager(model, workdir):
    ckpt = tf.train.Checkpoint(**model.checkpoint_items())
    return tf.train.CheckpointManager(ckpt, os.path.join(workdir, "checkpoints"), max_to_keep=3)


def restore(manager):
    """Restores the newest checkpoint whose files exist, if any; returns its
    path. (A deleted newest checkpoint thus falls back to the one before.)"""
    present = [p for p in manager.checkpoints if os.path.exists(p + ".index")]
    path = present[-1] if present else None
    if path:
        try:
            manager.checkpoint.restore(path).assert_existing_objects_matched()
        except Exception as e:  # noqa: BLE001 - any failure means unusable
            reason = str(e).strip().splitlines()[0][:160]
            raise UsageError(f"checkpoint {path} cannot be restored ({reason}); "
                             f"delete {os.path.basename(path)}.* to fall back to an older one, "
                             "or use a new --workdir") from None
    return path


def weights_finite(model):
    """Whether every weight and optimizer slot is finite."""
    variables = model.weights + model.g_optimizer.variables + model.d_optimizer.variables
    return all(bool(tf.reduce_all(tf.math.is_finite(v))) for v in variables
               if "float" in str(v.dtype))


# ---- images ----------------------------------------------------------------------------

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


def sample_picture(model, n=64):
    """A uint8 picture of samples from the fixed noise bank of the run's seed."""
    samples = model.sample(n if model.config.dataset not in data.TOY_DATASETS else 4096,
                           seed=model.config.seed).numpy()
    if samples.ndim == 2:
        return scatter_image(samples)
    return image_grid(samples, model.config.value_range)


def save_png(picture, path):
    tf.io.write_file(path, tf.io.encode_png(picture))


# ---- callbacks -------------------------------------------------------------------------

class RunMonitor(keras.callbacks.Callback):
    """Per step: stops at the first non-finite log or weight, without saving
    it. Every `log_every` steps: TensorBoard scalars; every `image_every`: a
    sample grid; every `checkpoint_every` (and at the end): a checkpoint."""

    def __init__(self, manager, writer, config):
        super().__init__()
        self.manager, self.writer, self.config = manager, writer, config
        self.diverged = None
        self.saved_step = None

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step.numpy())
        logs = {k: float(np.mean(v)) for k, v in (logs or {}).items()}
        bad = {k: v for k, v in logs.items() if not np.isfinite(v)}
        if bad:
            self.diverged = (step, bad)
            self.model.stop_training = True
            return
        cfg = self.config
        if step % cfg.log_every == 0:
            with self.writer.as_default(step=step):
                for name, value in logs.items():
                    tf.summary.scalar(f"train/{name}", value)
        if step % cfg.image_every == 0:
            with self.writer.as_default(step=step):
                tf.summary.image("samples", sample_picture(self.model)[None])
        if step % cfg.checkpoint_every == 0:
            self.save(step)

    def save(self, step):
        if not weights_finite(self.model):
            self.diverged = (step, {"weights": float("nan")})
            self.model.stop_training = True
            return
        if step != self.saved_step:
            self.manager.save(checkpoint_number=step)
            self.saved_step = step

    def on_train_end(self, logs=None):
        if self.diverged is None:
            self.save(int(self.model.step.numpy()))
        self.writer.flush()


# ---- export ----------------------------------------------------------------------------------

def export_generator(model, workdir):
    """Writes <workdir>/export (SavedModel) and <workdir>/samples.png. The
    SavedModel is written beside the old one and swapped in only when
    complete, so a failure never leaves a broken or partial export."""
    final = os.path.join(workdir, "export")
    tmp = tempfile.mkdtemp(dir=workdir, prefix=".export-")
    try:
        module = model.serving_module()
        tf.saved_model.save(module, tmp, signatures=module.signatures())
        old = final + ".old"
        shutil.rmtree(old, ignore_errors=True)  # left by a crash between the renames
        if os.path.exists(final):
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save_png(sample_picture(model), os.path.join(workdir, "samples.png"))
    return final


# ---- the run ---------------------------------------------------------------------------------------

def build(config, strategy=None, jit_compile=False):
    """The compiled model of `config` under `strategy`, seeded."""
    from zoo import models
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = models.model_class(config.model)(config)
        model.compile(*model.make_optimizers(config), jit_compile=jit_compile)
    return model


def train(config, workdir, strategy=None, data_dir=None, jit_compile=False, verbose=1,
          export=True):
    """Trains `config` in `workdir`, resuming from its latest checkpoint, and
    exports the generator. Returns (model, logs of the last step)."""
    try:
        config = config.check()
    except ConfigError as e:
        raise UsageError(str(e)) from None
    strategy = strategy or tf.distribute.get_strategy()
    if config.batch_size % strategy.num_replicas_in_sync:
        raise UsageError(f"batch_size {config.batch_size} does not split evenly over "
                         f"{strategy.num_replicas_in_sync} replicas; use a multiple of it")
    if jit_compile:
        # Keras turns XLA off when op determinism is on, so XLA runs go without
        # it: same seed, close but not bit-identical weights.
        print("note: --jit_compile leaves op determinism off")
    else:
        tf.config.experimental.enable_op_determinism()
    prepare_workdir(workdir, config)
    model = build(config, strategy, jit_compile)
    manager = checkpoint_manager(model, workdir)
    restored = restore(manager)
    if restored:
        print(f"resuming from {restored}")
    start = int(model.step.numpy())
    logs = {}
    dataset = train_dataset(model, data_dir, start)  # fails here, before any write, without data
    write_config(workdir, config)
    if start < config.steps:
        writer = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard"))
        monitor = RunMonitor(manager, writer, config)
        history = model.fit(dataset, epochs=1, steps_per_epoch=config.steps - start,
                            callbacks=[monitor], verbose=verbose, shuffle=False)
        logs = {k: float(np.mean(v[-1])) for k, v in history.history.items()}
        if monitor.diverged:
            step, bad = monitor.diverged
            raise TrainingDiverged(
                f"training diverged at step {step}: non-finite "
                + ", ".join(f"{k}={v}" for k, v in bad.items())
                + f"; the last good checkpoint, {manager.latest_checkpoint}, is kept")
    if export:
        export_generator(model, workdir)
    return model, logs
