"""A run's checkpoints (checkpoints/ in its workdir): the newest three,
kept by tf.train.CheckpointManager, and the interval checkpoints in
checkpoints/kept/, never deleted; restoring by step or the newest whose
files exist; and the shards a killed save leaves."""

import os
import shutil

import tensorflow as tf

from zoo.errors import UserError

KEPT_DIR = "kept"  # checkpoints/kept/: the interval checkpoints, never swept


def checkpoint_manager(model, directory, calls=None):
    """The newest three checkpoints of `model` in `directory`. `calls`, the
    trainer's count of train_step calls (its position in the data stream),
    is saved with them where calls and generator steps differ (WGAN):
    elsewhere it equals the step."""
    items = model.checkpoint_items()
    if calls is not None and not model.calls_are_generator_steps:
        items["calls"] = calls
    return tf.train.CheckpointManager(tf.train.Checkpoint(**items), directory, max_to_keep=3)


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
            raise UserError(f"{manager.directory} has no checkpoint of step {step} (it has: "
                             f"{have}); pick one of those, or train with --keep_every")
        path = steps[step]
    if path:
        try:
            manager.checkpoint.restore(path).assert_existing_objects_matched()
        except Exception as e:  # noqa: BLE001 - any failure means unusable
            reason = str(e).strip().splitlines()[0][:160]
            raise UserError(f"checkpoint {path} cannot be restored ({reason}); "
                             f"delete {os.path.basename(path)}.* to fall back to an older one, "
                             "or use a new --workdir") from None
    return path


def weights_finite(model):
    """Whether every weight and optimizer slot is finite."""
    variables = model.weights + model.g_optimizer.variables + model.d_optimizer.variables
    return all(bool(tf.reduce_all(tf.math.is_finite(v))) for v in variables
               if "float" in str(v.dtype))


def remove_unmerged_shards(directory):
    """Removes the `ckpt-N_temp/` shard directories a checkpoint save leaves
    when it fails (or is killed) before merging them under their name."""
    for folder in (directory, os.path.join(directory, KEPT_DIR)):
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.endswith("_temp") and os.path.isdir(os.path.join(folder, name)):
                    shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def latest_checkpoint(workdir):
    """The newest listed checkpoint of `workdir` whose files exist, or None."""
    steps = checkpoint_steps(os.path.join(workdir, "checkpoints"))
    return steps[max(steps)] if steps else None
