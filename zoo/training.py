"""The run machinery every model shares: work directory, data stream,
checkpoints, TensorBoard, sample grids, divergence guard and export.

Work directory layout:
    config.json     the config the checkpoints were trained with
    checkpoints/    tf.train.CheckpointManager: G, critic, both optimizers,
                    the step (G's optimizer iterations) and the RNG seed
    tensorboard/    scalars every `log_every` steps, sample grids every `image_every`
    export/         the generator as a SavedModel (written at the end of a run)
    samples.png     a sample grid from the final generator

Every file is written whole or not at all (a temporary name, then a rename;
TensorFlow's checkpoints the same way), so a run killed at any moment resumes
with the same command and ends with the weights of an uninterrupted run
(tests/test_faults.py).
"""

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from zoo import data, distribute
from zoo import files
from zoo.files import TEMPORARY_PREFIXES, WriteFailed, writing, write_atomic  # noqa: F401
from zoo.pictures import encode_png, image_grid, scatter_image  # noqa: F401
from zoo.config import ConfigError
from zoo.errors import UserError


class UsageError(UserError, ValueError):
    """Bad input from the user: reported in one line, exit code 2."""


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or Inf."""


class WorkerLost(RuntimeError):
    """A peer of a multi-worker run stopped answering."""


# ---- work directory ----------------------------------------------------------

def tidy_workdir(workdir):
    """Undoes what a run killed while writing left behind: temporary files and
    directories, and an export moved aside but not yet replaced (the swap in
    export_generator). One run writes a workdir at a time."""
    final = os.path.join(workdir, "export")
    if os.path.isdir(final + ".old") and not os.path.exists(final):
        os.replace(final + ".old", final)
    for name in os.listdir(workdir):
        path = os.path.join(workdir, name)
        if name.startswith(TEMPORARY_PREFIXES) or name == "export.old":
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    remove_unmerged_shards(os.path.join(workdir, "checkpoints"))


def remove_unmerged_shards(directory):
    """Removes the `ckpt-N_temp/` shard directories a checkpoint save leaves
    when it fails (or is killed) before merging them under their name."""
    for folder in (directory, os.path.join(directory, KEPT_DIR)):
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.endswith("_temp") and os.path.isdir(os.path.join(folder, name)):
                    shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def stored_config(workdir):
    """The config.json of `workdir` as a dict, or None where there is none."""
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            stored = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"{path} is unreadable ({e}); restore it or use a new --workdir") from None
    if not isinstance(stored, dict) or "model" not in stored:
        raise UsageError(f"{path} is not a zoo config (it names no model); restore it or use "
                         "a new --workdir")
    return stored


def prepare_workdir(workdir, config, chief=True):
    """Checks that the chief can write `workdir` and that what it holds was
    trained with `config`. Nothing is created here: the lock
    (files.exclusive) makes the directory, and removes it again if bad input
    found later (a missing data set) leaves it empty; `write_config` records
    the config once the run is known to start."""
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise UsageError(f"--workdir {workdir} is not a directory; choose another --workdir")
    if chief:
        probe_dir = files.nearest_existing(workdir)  # the workdir, or where it will be made
        try:
            tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".probe-").close()
        except OSError as e:
            raise UsageError(f"--workdir {workdir} is not writable ({e.strerror}); "
                             "choose a directory you can write to") from None
    has_checkpoint = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    stored = stored_config(workdir)
    if stored is not None:
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
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "config.json")
    with writing("config.json", path):
        write_atomic(path, config.to_json())


# ---- data ----------------------------------------------------------------------

def train_dataset(model, data_dir=None):
    """Global batches of shape (batch, k, ...) with k = the real batches one
    train_step consumes (n_critic for WGAN-GP). Call c always gets the same
    examples, so a resumed run replays nothing and skips nothing.
    (`distribute.distribute_global_batches` hands each replica its piece.)"""
    cfg, k = model.config, model.real_batches_per_step
    ds = data.load(cfg.dataset, cfg.train_split, cfg.batch_size, seed=cfg.seed,
                   value_range=cfg.value_range, data_dir=data_dir,
                   skip_batches=model.calls_done() * k)
    ds = ds.map(model.config.preprocess)
    # (k, batch, ...) → (batch, k, ...): a strategy splits the batch axis, so
    # each replica gets its rows of every one of the k batches.
    ds = ds.batch(k, drop_remainder=True)
    ds = ds.map(lambda x: tf.experimental.numpy.moveaxis(x, 0, 1))
    return ds.prefetch(tf.data.AUTOTUNE)


# ---- checkpoints -----------------------------------------------------------------

KEPT_DIR = "kept"  # checkpoints/kept/: the interval checkpoints, never swept


def checkpoint_manager(model, directory):
    ckpt = tf.train.Checkpoint(**model.checkpoint_items())
    return tf.train.CheckpointManager(ckpt, directory, max_to_keep=3)


def kept_manager(manager):
    """The manager of checkpoints kept at fixed intervals (`keep_every`) beside
    the newest three: same checkpoint object, its own directory, none deleted."""
    return tf.train.CheckpointManager(manager.checkpoint, os.path.join(manager.directory, KEPT_DIR),
                                      max_to_keep=None)


def checkpoint_steps(directory):
    """{step: path} of every checkpoint under `directory` (a workdir's
    checkpoints/) whose files exist: the newest few and the kept ones."""
    found = {}
    for folder in (directory, os.path.join(directory, KEPT_DIR)):
        state = tf.train.get_checkpoint_state(folder) if os.path.isdir(folder) else None
        for path in state.all_model_checkpoint_paths if state else ():
            path = path if os.path.isabs(path) else os.path.join(folder, path)
            step = path.rsplit("-", 1)[-1]
            if step.isdigit() and os.path.exists(path + ".index"):
                found.setdefault(int(step), path)
    return dict(sorted(found.items()))


def restore(manager, step=None):
    """Restores the newest checkpoint whose files exist, if any, or the one of
    generator step `step` (kept or among the newest); returns its path.
    (A deleted newest checkpoint thus falls back to the one before.)"""
    if step is None:
        present = [p for p in manager.checkpoints if os.path.exists(p + ".index")]
        path = present[-1] if present else None
    else:
        steps = checkpoint_steps(manager.directory)
        if step not in steps:
            have = ", ".join(map(str, steps)) or "none"
            raise UsageError(f"{manager.directory} has no checkpoint of step {step} (it has: "
                             f"{have}); pick one of those, or train with --keep_every")
        path = steps[step]
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

def picture_samples(config):
    """How many samples a picture shows: a grid of 64 images, or 4,096 toy points."""
    return 4096 if config.dataset in data.TOY_DATASETS else 64


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


# ---- callbacks -------------------------------------------------------------------------

class RunMonitor(keras.callbacks.Callback):
    """Per step: stops at the first non-finite log or weight, without saving
    it. Every `log_every` steps: TensorBoard scalars; every `image_every`: a
    sample grid; every `checkpoint_every` (and at the end): a checkpoint."""

    def __init__(self, manager, writer, config, write_images=True, keep_every=0):
        super().__init__()
        self.manager, self.writer, self.config = manager, writer, config
        self.write_images = write_images
        self.keep_every = keep_every
        self.keeper = kept_manager(manager) if keep_every else None
        self.diverged = None
        self.saved_step = None
        self.kept_step = None
        self.seen_step = None

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step.numpy())
        logs = {k: float(np.mean(v)) for k, v in (logs or {}).items()}
        bad = {k: v for k, v in logs.items() if not np.isfinite(v)}
        if bad:
            self.diverged = (step, bad)
            self.model.stop_training = True
            return
        if step == self.seen_step:  # a call without a generator update (WGAN's long critic phases)
            return
        self.seen_step = step
        cfg = self.config
        if step % cfg.log_every == 0:
            with self.writer.as_default(step=step):
                for name, value in logs.items():
                    tf.summary.scalar(f"train/{name}", value)
        if self.write_images and step % cfg.image_every == 0:
            with self.writer.as_default(step=step):
                tf.summary.image("samples", sample_picture(self.model)[None])
        if step % cfg.checkpoint_every == 0 or self.keeps(step):
            self.save(step)

    def keeps(self, step):
        return bool(self.keep_every) and step % self.keep_every == 0

    def save(self, step):
        if not weights_finite(self.model):
            self.diverged = (step, {"weights": float("nan")})
            self.model.stop_training = True
            return
        if step != self.saved_step:
            self.flush()  # the logs up to a checkpoint are on disk with it
            with writing(f"checkpoint ckpt-{step}", self.manager.directory):
                self.manager.save(checkpoint_number=step)
            self.saved_step = step
        if self.keeps(step) and step != self.kept_step:
            with writing(f"kept checkpoint ckpt-{step}", self.keeper.directory):
                self.keeper.save(checkpoint_number=step)
            self.kept_step = step

    def flush(self):
        with writing("TensorBoard events", getattr(self.writer, "logdir", "tensorboard/")):
            self.writer.flush()

    def on_train_end(self, logs=None):
        if self.diverged is None:
            self.save(int(self.model.step.numpy()))
        self.flush()


class StepLog(keras.callbacks.Callback):
    """Progress for a stdout that is not a terminal (a log file, a cluster job,
    CI), instead of Keras's bar of carriage returns and colour codes: one plain
    line per `log_every` generator steps, and one for the last step,

        step 100/1000  3.2 steps/s  d_loss -1.234  g_loss 0.567 ...

    the rate over the steps since the previous line. A step is printed once,
    though WGAN's long critic phases end several calls on the same step."""

    def __init__(self, total_steps, log_every, stream=None):
        super().__init__()
        self.total_steps, self.log_every = total_steps, max(1, log_every)
        self.stream = stream
        self.printed_step = None
        self.last = None  # (step, time) of the previous line, or of the start
        self.pending = None  # the newest step not printed, with its logs

    def on_train_begin(self, logs=None):
        self.last = (int(self.model.step.numpy()), time.perf_counter())

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step.numpy())
        if step == self.printed_step:
            return
        if step % self.log_every == 0:
            self.line(step, logs)
        else:
            self.pending = (step, logs)

    def on_train_end(self, logs=None):
        if self.pending and self.pending[0] != self.printed_step:
            self.line(*self.pending)

    def line(self, step, logs):
        now = time.perf_counter()
        last_step, last_time = self.last
        rate = (step - last_step) / (now - last_time) if now > last_time else float("nan")
        values = "".join(f"  {k} {float(np.mean(v)):.4g}" for k, v in (logs or {}).items())
        print(f"step {step}/{self.total_steps}  {rate:.3g} steps/s{values}",
              file=self.stream or sys.stdout, flush=True)
        self.printed_step, self.last, self.pending = step, (step, now), None


def _stdout_is_terminal():
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # None, or closed
        return False


# ---- export ----------------------------------------------------------------------------------

def replace_directory(new, final):
    """Puts the complete directory `new` at `final` (same file system): the
    old one is renamed aside first and removed last; a crash in between
    leaves `<final>.old`, which tidy_workdir restores."""
    old = final + ".old"
    shutil.rmtree(old, ignore_errors=True)  # left by a crash between the renames
    if os.path.exists(final):
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def export_generator(model, workdir):
    """Writes <workdir>/export (SavedModel) and <workdir>/samples.png. The
    SavedModel is written beside the old one and swapped in only when
    complete, so a failure never leaves a broken or partial export."""
    final = os.path.join(workdir, "export")
    tmp = tempfile.mkdtemp(dir=workdir, prefix=".export-")
    try:
        module = model.serving_module()
        with writing("the export (SavedModel)", final):
            tf.saved_model.save(module, tmp, signatures=module.signatures())
            replace_directory(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save_png(sample_picture(model), os.path.join(workdir, "samples.png"))
    return final


# ---- the run ---------------------------------------------------------------------------------------

def construct(config, strategy=None):
    """The uncompiled model of `config` under `strategy`, its weights drawn
    from Keras's global seed set to `config.seed`; with
    `config.mixed_precision`, layers compute in float16 (outputs, losses and
    the penalty in float32)."""
    from zoo import models
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(config.seed)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16" if config.mixed_precision else "float32")
    try:
        with strategy.scope():
            return models.model_class(config.model)(config)
    finally:
        keras.config.set_dtype_policy(previous)


def build(config, strategy=None, jit_compile=False):
    """The compiled model of `config` under `strategy`, seeded (see
    `construct`); with mixed precision the optimizers scale the losses."""
    strategy = strategy or tf.distribute.get_strategy()
    model = construct(config, strategy)
    with strategy.scope():
        model.compile(*model.make_optimizers(config), jit_compile=jit_compile)
    if jit_compile and not model.jit_compile:
        raise UsageError("Keras refused --jit_compile (it does while op determinism is on, "
                         "or for layers without XLA support); run without it")
    return model


def create(name, data_dir=None, **overrides):
    """zoo.create_model: the registered config `name` ("model/config") with
    `overrides`, constructed and initialised as `train` does, uncompiled."""
    from zoo import models
    model_name, _, config_name = name.partition("/")
    if not config_name:
        raise UsageError(f"{name!r} is not model/config; choose from {', '.join(models.list_configs())}")
    model = construct(models.configure(model_name, config_name, **overrides))
    initialize(model, data_dir)
    return model


def fit_dataset(model, data_dir=None):
    """zoo.dataset: the command's training stream for `model`, distributed
    over the model's strategy as the command distributes it."""
    dataset = train_dataset(model, data_dir)
    return distribute.distribute_global_batches(model.distribute_strategy, dataset,
                                                model.config.batch_size)


def initialize(model, data_dir=None):
    """A fresh model's data-dependent initialisation, given the training
    images only when the model uses them."""
    images = None
    if model.uses_training_images:
        images = data.load_arrays(model.config.dataset, data_dir)[model.config.train_split][0]
    model.initialize(images)


def _fit(model, dataset, steps, monitor, verbose, callbacks=()):
    """model.fit, with a lost multi-worker peer reported in one line.
    `verbose` 0: silent; otherwise Keras's progress bar on a terminal, and
    StepLog's plain lines where stdout is not one."""
    progress = []
    if verbose and not _stdout_is_terminal():
        progress, verbose = [StepLog(model.config.steps, model.config.log_every)], 0
    elif verbose:
        verbose = 1
    try:
        model.caller_counts_calls = True  # calls_until counted WGAN's phase calls
        return model.fit(dataset, epochs=1, steps_per_epoch=steps,
                         callbacks=[monitor, *progress, *callbacks], verbose=verbose,
                         shuffle=False)
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
            tf.errors.CancelledError, tf.errors.AbortedError) as e:
        if isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy):
            reason = str(e).strip().splitlines()[0][:200]
            raise WorkerLost(f"a worker stopped answering ({type(e).__name__}: {reason}); "
                             "restart every worker with the same flags to resume from the "
                             f"last checkpoint, {monitor.manager.latest_checkpoint}") from None
        raise


def train(config, workdir, strategy=None, data_dir=None, jit_compile=False, verbose=1,
          export=True, keep_every=0, callbacks=()):
    """Trains `config` in `workdir`, resuming from its latest checkpoint, and
    exports the generator. Returns (model, logs of the last step).
    `keep_every` > 0 also keeps the checkpoint of every keep_every-th step in
    checkpoints/kept/ (never deleted), for evaluating a long run's curve.
    `callbacks`: Keras callbacks, run after the zoo's own each step (a
    callback that stops training ends the run there, checkpointed)."""
    try:
        config = config.check()
    except ConfigError as e:
        raise UsageError(str(e)) from None
    strategy = strategy or tf.distribute.get_strategy()
    if config.batch_size % strategy.num_replicas_in_sync:
        raise UsageError(f"batch_size {config.batch_size} does not split evenly over "
                         f"{strategy.num_replicas_in_sync} replicas; use a multiple of it")
    if keep_every < 0:
        raise UsageError(f"keep_every must be 0 (off) or a positive number of steps, got {keep_every}")
    if jit_compile:
        # Keras turns XLA off when op determinism is on, so XLA runs go without
        # it: same seed, close but not bit-identical weights.
        print("note: --jit_compile leaves op determinism off")
    else:
        tf.config.experimental.enable_op_determinism()
    chief = distribute.is_chief(strategy)
    prepare_workdir(workdir, config, chief)
    # One writer per workdir: the chief holds its lock before touching it
    # (other workers write into scratch directories of their own).
    with files.exclusive(workdir) if chief else contextlib.nullcontext():
        return _train_locked(config, workdir, strategy, chief, data_dir, jit_compile, verbose,
                             export, keep_every, callbacks)


def _train_locked(config, workdir, strategy, chief, data_dir, jit_compile, verbose, export,
                  keep_every, callbacks):
    if chief:
        tidy_workdir(workdir)
    model = build(config, strategy, jit_compile)
    manager = checkpoint_manager(model, os.path.join(workdir, "checkpoints"))
    restored = restore(manager)  # every worker restores the chief's checkpoint
    if restored:
        print(f"resuming from {restored}")
    else:
        initialize(model, data_dir)
    calls = model.calls_until(config.steps)
    logs = {}
    dataset = train_dataset(model, data_dir)  # fails here, before any write, without data
    dataset = distribute.distribute_global_batches(strategy, dataset, config.batch_size)
    try:
        if chief:
            write_config(workdir, config)
            with writing("TensorBoard events", os.path.join(workdir, "tensorboard")):
                writer = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard"))
        else:
            # Other workers save too (saving may need them all), into a scratch
            # directory of their own; they write no logs and no export.
            scratch = tempfile.mkdtemp(prefix=f"zoo-worker{distribute.worker_id(strategy)}-")
            manager = checkpoint_manager(model, scratch)
            writer = tf.summary.create_noop_writer()
        monitor = None
        try:
            if calls:
                # Every worker keeps too (a multi-worker save needs them all).
                monitor = RunMonitor(manager, writer, config, write_images=chief,
                                     keep_every=keep_every)
                history = _fit(model, dataset, calls, monitor, verbose, callbacks)
                logs = {k: float(np.mean(v[-1])) for k, v in history.history.items()}
        finally:
            if not chief:
                shutil.rmtree(scratch, ignore_errors=True)
        if monitor and monitor.diverged:
            step, bad = monitor.diverged
            raise TrainingDiverged(
                f"training diverged at step {step}: non-finite "
                + ", ".join(f"{k}={v}" for k, v in bad.items())
                + f"; the last good checkpoint, {manager.latest_checkpoint}, is kept")
        if export and chief:
            export_generator(model, workdir)
    except WriteFailed as e:
        remove_unmerged_shards(manager.directory)
        last = latest_checkpoint(workdir)
        kept = f"the last good checkpoint, {os.path.basename(last)}, is kept" if last \
            else "no checkpoint was written yet"
        raise WriteFailed(f"{e}; {kept}: free some space and run the same command again "
                          "to resume") from None
    return model, logs


def latest_checkpoint(workdir):
    """The newest listed checkpoint of `workdir` whose files exist, or None."""
    steps = checkpoint_steps(os.path.join(workdir, "checkpoints"))
    return steps[max(steps)] if steps else None
