"""The run: build a model, resume it from its workdir's newest checkpoint,
feed it the seeded data stream from where it stopped, and train it with
Keras's fit under the run's callbacks (TensorBoard scalars and sample grids,
checkpoints, a divergence guard, plain progress lines), then export the
generator. The workdir's layout and its checks live in zoo.workdirs, the
checkpoints in zoo.checkpoints, file writing in zoo.files and pictures in
zoo.pictures."""

import contextlib
import os
import shutil
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from zoo import checkpoints, data, distribute, files, models, pictures, workdirs
from zoo.errors import UserError
from zoo.files import WriteFailed, writing


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or Inf."""


class WorkerLost(RuntimeError):
    """A peer of a multi-worker run stopped answering."""


# ---- data ----------------------------------------------------------------------

def train_dataset(model, data_dir=None, calls=0):
    """Global batches of shape (batch, k, ...) with k = the real batches one
    train_step consumes (n_critic for WGAN-GP), from train_step call `calls`
    on. Call c always gets the same examples, so a resumed run replays
    nothing and skips nothing.
    (`distribute.distribute_global_batches` hands each replica its piece.)"""
    cfg, k = model.config, model.real_batches_per_step
    ds = data.load(cfg.dataset, cfg.train_split, cfg.batch_size, seed=cfg.seed,
                   value_range=cfg.value_range, data_dir=data_dir,
                   skip_batches=calls * k)
    ds = ds.map(model.config.preprocess)
    # (k, batch, ...) → (batch, k, ...): a strategy splits the batch axis, so
    # each replica gets its rows of every one of the k batches.
    ds = ds.batch(k, drop_remainder=True)
    ds = ds.map(lambda x: tf.experimental.numpy.moveaxis(x, 0, 1))
    return ds.prefetch(tf.data.AUTOTUNE)


# ---- callbacks -------------------------------------------------------------------------

class RunMonitor(keras.callbacks.Callback):
    """Per call: counts it (a Python int, written to `calls`, the variable
    saved where calls are not generator steps, only when a checkpoint is
    saved: no TensorFlow op per call), stops at the first non-finite log
    or weight without saving it, and stops once `config.steps` generator
    steps are done. Per generator step, every `log_every` steps: TensorBoard
    scalars; every `image_every`: a sample grid; every `checkpoint_every`
    (and at the end): a checkpoint."""

    def __init__(self, manager, writer, config, calls, write_images=True, keep_every=0):
        super().__init__()
        self.manager, self.writer, self.config, self.calls = manager, writer, config, calls
        self.calls_made = int(calls.numpy())
        self.write_images = write_images
        self.keep_every = keep_every
        self.keeper = checkpoints.kept_manager(manager) if keep_every else None
        self.diverged = None
        self.saved_step = None
        self.kept_step = None
        self.seen_step = None

    def on_train_batch_end(self, batch, logs=None):
        self.calls_made += 1
        step = int(self.model.step.numpy())
        if step >= self.config.steps:  # WGAN: the call that ends the last phase
            self.model.stop_training = True
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
                tf.summary.image("samples", pictures.sample_picture(self.model)[None])
        if step % cfg.checkpoint_every == 0 or self.keeps(step):
            self.save(step)

    def keeps(self, step):
        return bool(self.keep_every) and step % self.keep_every == 0

    def save(self, step):
        if not checkpoints.weights_finite(self.model):
            self.diverged = (step, {"weights": float("nan")})
            self.model.stop_training = True
            return
        if step != self.saved_step:
            self.flush()  # the logs up to a checkpoint are on disk with it
            self.calls.assign(self.calls_made)
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


# ---- the run ---------------------------------------------------------------------------------------

def construct(config, strategy=None):
    """The uncompiled model of `config` under `strategy`, its weights drawn
    from Keras's global seed set to `config.seed`; with
    `config.mixed_precision`, layers compute in float16 (outputs, losses and
    the penalty in float32)."""
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
        raise UserError("Keras refused --jit_compile (it does while op determinism is on, "
                         "or for layers without XLA support); run without it")
    return model


def create(name, data_dir=None, **overrides):
    """zoo.create_model: the registered config `name` ("model/config") with
    `overrides`, constructed and initialised as `train` does, uncompiled."""
    model_name, _, config_name = name.partition("/")
    if not config_name:
        raise UserError(f"{name!r} is not model/config; choose from {', '.join(models.list_configs())}")
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


def _fit(model, dataset, monitor, verbose, callbacks=()):
    """model.fit until the config's steps are done (the monitor stops it
    where calls are not generator steps), with a lost multi-worker peer
    reported in one line.
    `verbose` 0: silent; otherwise Keras's progress bar on a terminal, and
    StepLog's plain lines where stdout is not one."""
    progress = []
    if verbose and not _stdout_is_terminal():
        progress, verbose = [StepLog(model.config.steps, model.config.log_every)], 0
    elif verbose:
        verbose = 1
    try:
        model.caller_counts_calls = True  # the monitor stops it at the last generator step
        steps = model.config.steps - int(model.step.numpy())
        return model.fit(dataset, epochs=1,
                         steps_per_epoch=steps if model.calls_are_generator_steps else None,
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
    config = config.check()
    strategy = strategy or tf.distribute.get_strategy()
    if config.batch_size % strategy.num_replicas_in_sync:
        raise UserError(f"batch_size {config.batch_size} does not split evenly over "
                         f"{strategy.num_replicas_in_sync} replicas; use a multiple of it")
    if keep_every < 0:
        raise UserError(f"keep_every must be 0 (off) or a positive number of steps, got {keep_every}")
    if jit_compile:
        # Keras turns XLA off when op determinism is on, so XLA runs go without
        # it: same seed, close but not bit-identical weights.
        print("note: --jit_compile leaves op determinism off")
    else:
        tf.config.experimental.enable_op_determinism()
    chief = distribute.is_chief(strategy)
    workdirs.prepare_workdir(workdir, config, chief)
    # One writer per workdir: the chief holds its lock before touching it
    # (other workers write into scratch directories of their own).
    with files.exclusive(workdir) if chief else contextlib.nullcontext():
        return _train_locked(config, workdir, strategy, chief, data_dir, jit_compile, verbose,
                             export, keep_every, callbacks)


def _train_locked(config, workdir, strategy, chief, data_dir, jit_compile, verbose, export,
                  keep_every, callbacks):
    if chief:
        workdirs.tidy_workdir(workdir)
    model = build(config, strategy, jit_compile)
    calls = tf.Variable(0, dtype=tf.int64, trainable=False, name="calls")  # train_step calls
    manager = checkpoints.checkpoint_manager(model, os.path.join(workdir, "checkpoints"), calls)
    restored = checkpoints.restore(manager)  # every worker restores the chief's checkpoint
    if restored:
        print(f"resuming from {restored}")
    else:
        initialize(model, data_dir)
    if model.calls_are_generator_steps:
        calls.assign(model.step)
    logs = {}
    # Fails here, before any write, without data.
    dataset = train_dataset(model, data_dir, calls=int(calls.numpy()))
    dataset = distribute.distribute_global_batches(strategy, dataset, config.batch_size)
    try:
        if chief:
            workdirs.write_config(workdir, config)
            with writing("TensorBoard events", os.path.join(workdir, "tensorboard")):
                writer = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard"))
        else:
            # Other workers save too (saving may need them all), into a scratch
            # directory of their own; they write no logs and no export.
            scratch = tempfile.mkdtemp(prefix=f"zoo-worker{distribute.worker_id(strategy)}-")
            manager = checkpoints.checkpoint_manager(model, scratch, calls)
            writer = tf.summary.create_noop_writer()
        monitor = None
        try:
            if int(model.step.numpy()) < config.steps:
                # Every worker keeps too (a multi-worker save needs them all).
                monitor = RunMonitor(manager, writer, config, calls, write_images=chief,
                                     keep_every=keep_every)
                history = _fit(model, dataset, monitor, verbose, callbacks)
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
            workdirs.export_generator(model, workdir)
    except WriteFailed as e:
        checkpoints.remove_unmerged_shards(manager.directory)
        last = checkpoints.latest_checkpoint(workdir)
        kept = f"the last good checkpoint, {os.path.basename(last)}, is kept" if last \
            else "no checkpoint was written yet"
        raise WriteFailed(f"{e}; {kept}: free some space and run the same command again "
                          "to resume") from None
    return model, logs


