"""A run's work directory:

    config.json     the config the checkpoints were trained with
    checkpoints/    zoo.checkpoints: G, critic, both optimizers, the step and
                    the RNG seed (and WGAN's place in its critic phase)
    tensorboard/    scalars every `log_every` steps, sample grids every `image_every`
    export/         the generator as a SavedModel (written at the end of a run)
    samples.png     a sample grid from the final generator

Checking that a workdir may be written and holds a run of the same config,
recording the config, tidying what a killed run left, and the export.
Every file is written whole or not at all (a temporary name, then a rename;
TensorFlow's checkpoints the same way), so a run killed at any moment resumes
with the same command and ends with the weights of an uninterrupted run
(tests/test_faults.py).
"""

import json
import os
import shutil
import tempfile

import tensorflow as tf

from zoo import checkpoints, files, pictures
from zoo.errors import UserError
from zoo.files import TEMPORARY_PREFIXES, replace_directory, writing, write_atomic

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
    checkpoints.remove_unmerged_shards(os.path.join(workdir, "checkpoints"))


def stored_config(workdir):
    """The config.json of `workdir` as a dict, or None where there is none."""
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            stored = json.load(f)
    except (OSError, ValueError) as e:
        raise UserError(f"{path} is unreadable ({e}); restore it or use a new --workdir") from None
    if not isinstance(stored, dict) or "model" not in stored:
        raise UserError(f"{path} is not a zoo config (it names no model); restore it or use "
                         "a new --workdir")
    return stored


def prepare_workdir(workdir, config, chief=True):
    """Checks that the chief can write `workdir` and that what it holds was
    trained with `config`. Nothing is created here: the lock
    (files.exclusive) makes the directory, and removes it again if bad input
    found later (a missing data set) leaves it empty; `write_config` records
    the config once the run is known to start."""
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise UserError(f"--workdir {workdir} is not a directory; choose another --workdir")
    if chief:
        probe_dir = files.nearest_existing(workdir)  # the workdir, or where it will be made
        try:
            tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".probe-").close()
        except OSError as e:
            raise UserError(f"--workdir {workdir} is not writable ({e.strerror}); "
                             "choose a directory you can write to") from None
    has_checkpoint = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    stored = stored_config(workdir)
    if stored is not None:
        theirs = {k: v for k, v in stored.items() if k in config.identity()}
        ours = json.loads(json.dumps(config.identity()))
        if theirs != ours:
            diff = ", ".join(f"{k}={theirs.get(k)!r} (now {ours[k]!r})"
                             for k in ours if theirs.get(k) != ours[k])
            raise UserError(f"--workdir {workdir} holds a run of another config ({diff}); "
                             "use a new --workdir or the same settings")
    elif has_checkpoint:
        raise UserError(f"--workdir {workdir} holds a checkpoint but no config.json; "
                         "use a new --workdir")


def write_config(workdir, config):
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "config.json")
    with writing("config.json", path):
        write_atomic(path, config.to_json())


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
    pictures.save_png(pictures.sample_picture(model), os.path.join(workdir, "samples.png"))
    return final
