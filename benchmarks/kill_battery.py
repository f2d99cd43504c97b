"""The kill battery's long form (tests/test_faults.py is the short one).

    python benchmarks/kill_battery.py                      # every family, 10 kills each
    python benchmarks/kill_battery.py --families=gan/mnist --kills=3 --steps=30

Per model (zoo.models.one_per_model, at its toy size): an uninterrupted `zoo.train` run,
then the same command SIGKILLed `--kills` times, alternately at a random
moment (uniform over the uninterrupted run's wall time, so start-up,
training, checkpoint writes and the export are all hit) and at a random
write point armed by zoo.faults, restarted after each kill. After every kill
the work directory must hold nothing half-written (zoo.faults.check_workdir);
every run that completes must end with every variable (networks, optimizers)
equal to the uninterrupted run's, bit for bit, and the next kills start a
fresh run. Then `zoo.baseline` killed at random moments and at its write
keeps the stored file, and a two-worker run (zoo.launch) has a random worker
killed `--peer_kills` times and is restarted to the uninterrupted
multi-worker weights. Prints a table: kills, runs, runs lost (must be 0).
"""

import zoo  # noqa: F401  (before TensorFlow: the zoo's process settings)

import hashlib
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

from zoo import baseline, faults, launch, models

flags.DEFINE_list("families", models.one_per_model(), "model/config pairs (zoo.models.one_per_model).")
flags.DEFINE_integer("kills", 10, "Random kills per family.")
flags.DEFINE_integer("steps", 40, "Generator steps of each run.")
flags.DEFINE_integer("checkpoint_every", 4, "Steps between checkpoints.")
flags.DEFINE_integer("baseline_kills", 3, "Random kills of zoo.baseline (wgan_gp/8gaussians).")
flags.DEFINE_integer("peer_kills", 3, "Kills of a random worker of a two-worker run (0: skip).")
flags.DEFINE_integer("seed", 0, "Seed of the kill times and points.")
FLAGS = flags.FLAGS
ARMED = ["shards", "state", "sweep", "replace=/export", "replace=samples.png",
         "replace=config.json", "step"]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def family_row(name, rng):
    """Kills a run of `name` at random moments and armed points (random
    point, n in 1..2), restarting it after each kill; a run that completes is
    compared with the uninterrupted one and, while kills remain, started
    again in a fresh directory."""
    config = faults.toy_config(name, FLAGS.steps, FLAGS.checkpoint_every)
    with tempfile.TemporaryDirectory() as tmp:
        whole, killed = os.path.join(tmp, "whole"), os.path.join(tmp, "killed")
        args = lambda workdir: faults.train_args(name, workdir, FLAGS.steps, FLAGS.checkpoint_every)
        start = time.time()
        code, out = faults.run("zoo.train", args(whole))
        span = time.time() - start
        if code:
            sys.exit(out[-3000:])
        _, reference = faults.checkpoint_values(config, whole)
        landed = at_random = runs = completed = lost = 0
        while landed < FLAGS.kills:
            runs += 1
            point = delay = None
            if runs % 2:
                delay = rng.uniform(0, span)
            else:
                point = f"{rng.choice(ARMED)}:{rng.randint(1, 2)}"
            code, out = faults.run("zoo.train", args(killed), point, delay)
            problems = faults.check_workdir(killed)
            if problems or code not in (0, -9):
                sys.exit(f"after a kill ({point or f'{delay:.2f} s'}), exit {code}: {problems}\n"
                         + out[-3000:])
            landed += code == -9
            at_random += code == -9 and point is None
            if code == 0 or landed == FLAGS.kills:
                if code:  # finish the last sequence unkilled
                    runs += 1
                    code, out = faults.run("zoo.train", args(killed))
                    if code:
                        sys.exit(out[-3000:])
                step, values = faults.checkpoint_values(config, killed)
                completed += 1
                lost += int(step != FLAGS.steps or not same(values, reference))
                shutil.rmtree(killed)
    return dict(what=f"zoo.train {name}", kills=landed, runs=runs, lost=lost,
                note=f"{at_random} at random moments, {landed - at_random} at armed points; "
                     f"{completed} completed runs compared; uninterrupted {span:.1f} s")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def baseline_row(rng):
    with tempfile.TemporaryDirectory() as tmp:
        stored = os.path.join(tmp, "wgan_gp", "8gaussians.json")
        os.makedirs(os.path.dirname(stored))
        shutil.copy(baseline.baseline_path("wgan_gp", "8gaussians"), stored)
        env = dict(os.environ, ZOO_BASELINE_DIR=tmp)
        args = ["--model=wgan_gp", "--dataset=8gaussians"]
        start = time.time()  # an uninterrupted run first: the span the kills are drawn in
        code, _ = faults.run("zoo.baseline", args, None, None, env=env)
        if code:
            sys.exit(f"zoo.baseline failed uninterrupted (exit {code})")
        span = time.time() - start
        before = digest(stored)
        landed, runs, lost = 0, 1, 0
        for i in range(FLAGS.baseline_kills + 1):
            point = "replace=8gaussians.json:1" if i == FLAGS.baseline_kills else None
            delay = None if point else rng.uniform(0, span)
            code, _ = faults.run("zoo.baseline", args, point, delay, env=env)
            runs += 1
            landed += code == -9
            lost += code == -9 and digest(stored) != before
            before = digest(stored)  # (a run that completed replaced it, whole)
    return dict(what="zoo.baseline wgan_gp/8gaussians", kills=landed, runs=runs, lost=lost,
                note="the stored file unchanged after each kill")


def peer_row(rng):
    """Two workers; a random one killed after a random new checkpoint; both restarted."""
    name = "wgan_gp/8gaussians"
    config = faults.toy_config(name, FLAGS.steps, FLAGS.checkpoint_every)
    env = dict(os.environ, ZOO_COLLECTIVE_TIMEOUT="15")
    with tempfile.TemporaryDirectory() as tmp:
        def start(workdir):
            args = faults.train_args(name, workdir, FLAGS.steps, FLAGS.checkpoint_every)
            logs = tempfile.mkdtemp(dir=tmp, prefix="logs-")
            return launch.start_workers(2, args, env=env, log_dir=logs)
        whole, killed = os.path.join(tmp, "whole"), os.path.join(tmp, "killed")
        if launch.wait(start(whole), timeout_s=600) != [0, 0]:
            sys.exit("the uninterrupted two-worker run failed")
        landed = runs = 0
        while True:
            runs += 1
            procs = start(killed)
            if landed < FLAGS.peer_kills:
                time.sleep(rng.uniform(8, 20))  # start-up takes ~8 s
                victim = procs[rng.randrange(2)]
                if victim.poll() is None:
                    victim.kill()
                    landed += 1
            codes = launch.wait(procs, timeout_s=600)
            if faults.check_workdir(killed):
                sys.exit(f"after a peer kill: {faults.check_workdir(killed)}")
            if codes == [0, 0] and landed >= FLAGS.peer_kills:
                break
        step, values = faults.checkpoint_values(config, killed)
        _, reference = faults.checkpoint_values(config, whole)
        lost = int(step != FLAGS.steps or not same(values, reference))
    return dict(what=f"zoo.launch --workers=2 {name}", kills=landed, runs=runs, lost=lost,
                note="a random worker killed; both restarted")


def main(argv):
    del argv
    rng = random.Random(FLAGS.seed)
    rows, start = [], time.time()
    for name in FLAGS.families:
        rows.append(family_row(name, rng))
        print(rows[-1], flush=True)
    if FLAGS.baseline_kills:
        rows.append(baseline_row(rng))
        print(rows[-1], flush=True)
    if FLAGS.peer_kills:
        rows.append(peer_row(rng))
        print(rows[-1], flush=True)
    print(f"\n{'run':<42} {'kills':>5} {'runs':>5} {'lost':>5}  note")
    for r in rows:
        print(f"{r['what']:<42} {r['kills']:>5} {r['runs']:>5} {r['lost']:>5}  {r['note']}")
    total = {k: sum(r[k] for r in rows) for k in ("kills", "runs", "lost")}
    print(f"{'total':<42} {total['kills']:>5} {total['runs']:>5} {total['lost']:>5}  "
          f"{(time.time() - start) / 60:.1f} min, {FLAGS.steps} steps a run")
    return 1 if total["lost"] else 0


if __name__ == "__main__":
    app.run(lambda argv: sys.exit(main(argv)))
