"""Kill and disk-full points for the reliability battery (tests/test_faults.py,
benchmarks/kill_battery.py): runs a zoo command in this process with SIGKILL
armed at the n-th pass through a named point of its write path, or (with
`!full`) that pass failing as a full disk fails there.

    python -m zoo.faults shards:2 zoo.train --dataset=8gaussians --workdir=DIR
    python -m zoo.faults shards:2!full zoo.train --dataset=8gaussians --workdir=DIR

Points (each killed just before the named operation runs):
    shards           a checkpoint's (or SavedModel's) shards are in their
                     temporary directory, not yet merged under their name
    state            the checkpoint is complete, the `checkpoint` file not updated
    sweep            an old checkpoint half deleted (its .index gone, its data not)
    replace=<end>    a file written under a temporary name, not yet renamed to
                     its path ending in <end> (config.json, /export, samples.png,
                     a baseline or evaluation JSON)
    step             the n-th train step done, before its callbacks
    events           TensorBoard's event file flushed (full disk only)

With `!full` the pass raises what that layer raises on a full disk:
TensorFlow's file system ResourceExhaustedError ("No space left on device")
for shards, state and events, Python's OSError(ENOSPC) for replace.
`step:n!pause` stops the run at its n-th step until it is killed: it holds
its workdir without advancing (a second writer's test needs a first run that
cannot outrun it).

`check_workdir` states what a killed run must leave: nothing half-written.
"""

import errno
import glob
import json
import os
import runpy
import signal
import subprocess
import sys
import time

from zoo import models


def _die():
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(owner, name, n, matches=lambda *a, **k: True, fault=_die):
    """Replaces owner.name by a wrapper that runs `fault` (SIGKILL, or raise)
    before its n-th matching call."""
    original = getattr(owner, name)
    seen = [0]

    def wrapper(*args, **kwargs):
        if matches(*args, **kwargs):
            seen[0] += 1
            if seen[0] == n:
                fault()
        return original(*args, **kwargs)
    setattr(owner, name, wrapper)


def _pause():
    while True:
        signal.pause()


def _tf_disk_full():
    import tensorflow as tf
    raise tf.errors.ResourceExhaustedError(None, None, "zoo.faults: No space left on device")


def _os_disk_full():
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def arm(point, n=1):
    """Arms one point (see the module docstring): "name" kills, "name!full"
    fails as a full disk."""
    point, _, mode = point.partition("!")
    if mode not in ("", "full", "pause"):
        raise ValueError(f"unknown fault {mode!r}; use !full, !pause or nothing (a kill)")
    tf_fault = _tf_disk_full if mode else _die
    if mode == "pause" and point != "step":
        raise ValueError(f"!pause is for the step point, not {point!r}")
    if point == "shards":
        from tensorflow.python.ops import gen_io_ops
        _arm(gen_io_ops, "merge_v2_checkpoints", n, fault=tf_fault)
    elif point == "state":
        from tensorflow.python.checkpoint import checkpoint_management
        _arm(checkpoint_management, "update_checkpoint_state_internal", n, fault=tf_fault)
    elif point == "sweep" and not mode:
        from tensorflow.python.checkpoint import checkpoint_management
        _arm(checkpoint_management, "_delete_file_if_exists", n,
             lambda filename: not filename.endswith(".index"))
    elif point.startswith("replace="):
        text = point.split("=", 1)[1]
        _arm(os, "replace", n, lambda src, dst, **k: os.fspath(dst).endswith(text),
             fault=_os_disk_full if mode else _die)
    elif point == "step" and mode != "full":
        from zoo import training
        _arm(training.RunMonitor, "on_train_batch_end", n, fault=_pause if mode else _die)
    elif point == "events" and mode:
        from tensorflow.python.ops import summary_ops_v2
        _arm(summary_ops_v2._ResourceSummaryWriter, "flush", n, fault=tf_fault)
    else:
        raise ValueError(f"unknown fault point {point!r}{'!' + mode if mode else ''}; "
                         "see python -m zoo.faults --help")


def toy_config(name, steps, checkpoint_every):
    """The registry's toy run of `name` ("model/config", zoo.models.toy)."""
    return models.toy(*name.split("/"), steps=steps, checkpoint_every=checkpoint_every)


def train_args(name, workdir, steps, checkpoint_every):
    """zoo.train's flags for toy_config(name, steps, checkpoint_every) in workdir."""
    model, dataset = name.split("/")
    toy, default = toy_config(name, steps, checkpoint_every), models.get(model, dataset)
    sets = [f"--set={k}={v}" for k, v in toy.to_dict().items()
            if v != getattr(default, k) and k not in ("batch_size", "steps")]
    return [f"--model={model}", f"--dataset={dataset}", f"--batch_size={toy.batch_size}",
            f"--steps={steps}", *sets, f"--workdir={workdir}"]


def checkpoint_values(config, workdir):
    """The step and every variable (networks, optimizers) of workdir's newest checkpoint."""
    from zoo import checkpoints, training
    model = training.build(config)
    if not checkpoints.restore(checkpoints.checkpoint_manager(model, os.path.join(workdir, "checkpoints"))):
        raise FileNotFoundError(f"no checkpoint in {workdir}")
    variables = model.weights + model.g_optimizer.variables + model.d_optimizer.variables
    return int(model.step), [v.numpy() for v in variables]


def check_workdir(workdir):
    """Problems (a list of lines; empty when none) of what a killed run left in
    `workdir`: every file must be whole, or absent."""
    problems = []
    config = os.path.join(workdir, "config.json")
    if os.path.exists(config):
        try:
            with open(config) as f:
                json.load(f)
        except ValueError as e:
            problems.append(f"config.json is not JSON ({e})")
    state = os.path.join(workdir, "checkpoints", "checkpoint")
    if os.path.exists(state):
        import tensorflow as tf
        listed = tf.train.get_checkpoint_state(os.path.dirname(state))
        if listed is None:
            problems.append("checkpoints/checkpoint is unreadable")
        else:
            newest = listed.model_checkpoint_path
            for path in listed.all_model_checkpoint_paths:
                path = os.path.join(os.path.dirname(state), path)
                index, shards = os.path.exists(path + ".index"), glob.glob(path + ".data-*")
                if index and not shards:
                    problems.append(f"{os.path.basename(path)}.index points at missing data")
                if not index and os.path.basename(path) == os.path.basename(newest):
                    problems.append(f"the newest checkpoint {os.path.basename(path)} has no index")
    export = os.path.join(workdir, "export")
    if os.path.exists(export):
        for part in ("saved_model.pb", os.path.join("variables", "variables.index")):
            if not os.path.exists(os.path.join(export, part)):
                problems.append(f"export lacks {part}")
    png = os.path.join(workdir, "samples.png")
    if os.path.exists(png):
        with open(png, "rb") as f:
            body = f.read()
        if not (body.startswith(b"\x89PNG") and body.endswith(b"IEND\xaeB`\x82")):
            problems.append("samples.png is not a whole PNG")
    return problems


def run(module, args, point=None, kill_after=None, started=None, env=None, timeout_s=600):
    """Runs `python -m module args` (under `point` when given), SIGKILLs it
    `kill_after` seconds after `started()` first holds (polled every 50 ms),
    and returns its exit code (−9 when killed) and its output."""
    prefix = ["-m", "zoo.faults", point, module] if point else ["-m", module]
    proc = subprocess.Popen([sys.executable, *prefix, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    if kill_after is not None:
        deadline = time.time() + timeout_s
        while started and proc.poll() is None and not started() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(kill_after)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=timeout_s)
    return proc.returncode, out


def main(argv):
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    spec, _, mode = argv[0].partition("!")
    point, _, n = spec.partition(":")
    arm(f"{point}!{mode}" if mode else point, int(n or 1))
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
