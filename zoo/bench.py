"""Benchmark: generator steps/s and images/s of a model's train step.

    python -m zoo.bench --model=wgan_gp --dataset=mnist --batch_sizes=64,50
    python -m zoo.bench --batch_sizes=64 --jit_compile=false --strategy=mirrored  # 2 logical CPUs
    python -m zoo.bench --batch_sizes=64 --jit_compile=false --workers=2          # 2 local workers
    python -m zoo.bench --model=gan --dataset=cifar10 --batch_sizes=100 --data_dir=DIR

For each batch size, with and without XLA (`jit_compile`), it times
`--steps` steps `--repeats` times after a warm-up and prints the median
(min–max). images/s counts the real images the step consumes
(batch × real batches per step: n_critic for WGAN-GP and WGAN). For WGAN a
step is one train_step call: n_critic critic updates and, past its first 25
generator iterations, the generator update (the code's long critic phases
span 20 calls). It also prints the
time from the process importing the zoo to the end of the first step, and
for each row the time from building the model to the end of its first step.
"""

import zoo  # first: its import time is the zero of "time to first step"

import statistics
import sys
import time

from absl import app, flags

flags.DEFINE_string("model", "wgan_gp", "Model name.")
flags.DEFINE_string("dataset", "mnist", "Dataset name.")
flags.DEFINE_list("batch_sizes", ["64", "50"], "Global batch sizes.")
flags.DEFINE_list("jit_compile", ["false", "true"], "XLA settings to time.")
flags.DEFINE_integer("steps", 10, "Generator steps per timed repeat.", lower_bound=1)
flags.DEFINE_integer("repeats", 5, "Timed repeats (median reported).", lower_bound=1)
flags.DEFINE_integer("warmup", 2, "Untimed steps first (tracing, XLA compilation).", lower_bound=1)
flags.DEFINE_string("strategy", "default", "default | mirrored | multi_worker (set by --workers).")
flags.DEFINE_integer("cpu_replicas", 2, "Logical CPUs for --strategy=mirrored without GPUs.")
flags.DEFINE_string("data_dir", None, "Directory holding the dataset (see zoo.data).")
flags.DEFINE_integer("workers", 0, "Time N local worker processes under multi_worker (0: this process).",
                     lower_bound=0)
flags.register_validator("batch_sizes", lambda sizes: all(s.isdigit() and int(s) for s in sizes),
                         message="must be positive integers, e.g. 64,50")
flags.register_validator("jit_compile", lambda values: all(
    v.lower() in ("1", "true", "0", "false") for v in values), message="must be true and/or false")
FLAGS = flags.FLAGS


_CLOCK = []


def clock_class():
    """Clock, a keras.callbacks.Callback: the end time of every train_step
    call. Defined on first use, so that --help does not load Keras."""
    if not _CLOCK:
        import keras

        class Clock(keras.callbacks.Callback):
            """The end time of every train_step call."""

            def __init__(self):
                super().__init__()
                self.ends = []

            def on_train_batch_end(self, batch, logs=None):
                self.ends.append(time.perf_counter())

        _CLOCK.append(Clock)
    return _CLOCK[0]


def __getattr__(name):  # `from zoo.bench import Clock` (benchmarks/vs_keras_io.py)
    if name == "Clock":
        return clock_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fit_rate(model, dataset, steps, clock):
    """train_step calls per second over `steps` calls of model.fit, from the
    first call's end to the last's (fit()'s set-up excluded)."""
    clock.ends = []
    model.caller_counts_calls = True  # it times calls, WGAN's phase calls included
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, callbacks=[clock], verbose=0)
    if steps > 1:
        return (steps - 1) / (clock.ends[-1] - clock.ends[0])
    return 1 / (clock.ends[-1] - start)


def time_config(config, jit_compile, steps, repeats, warmup, strategy=None):
    """Returns (steps/s of each repeat, seconds from build to first step end)."""
    from zoo import distribute, training

    built = time.perf_counter()
    model = training.build(config, strategy, jit_compile=jit_compile)
    dataset = distribute.distribute_global_batches(  # endless
        model.distribute_strategy, training.train_dataset(model, FLAGS.data_dir), config.batch_size)
    clock = clock_class()()
    fit_rate(model, dataset, warmup, clock)
    first_step = clock.ends[0]
    rates = [fit_rate(model, dataset, steps, clock) for _ in range(repeats)]
    assert bool(model.jit_compile) == jit_compile, "Keras turned XLA off"
    return rates, first_step - built, first_step, model.real_batches_per_step


def launch_workers(argv):
    """Runs this benchmark in FLAGS.workers local processes; prints the chief's table."""
    import tempfile
    from zoo import launch
    del argv  # absl keeps only positional arguments there; the flags are in sys.argv
    args = [a for a in sys.argv[1:] if not a.startswith(("--workers", "--strategy"))]
    with tempfile.TemporaryDirectory() as logs:
        procs = launch.start_workers(FLAGS.workers, args, log_dir=logs, module="zoo.bench")
        codes = launch.wait(procs, timeout_s=3600)
        with open(f"{logs}/worker0.log") as f:
            print("".join(l for l in f if not l.startswith(("I0000", "E0000", "W0000", "WARNING"))))
    print(f"({FLAGS.workers} worker processes on this machine, multi_worker strategy)")
    return next((c for c in codes if c), 0)


def main(argv):
    from zoo.errors import UserError, report
    try:
        return run(argv)
    except UserError as e:
        return report(e)


def run(argv):
    import tensorflow as tf
    from zoo import distribute, models
    if FLAGS.workers:
        return launch_workers(argv)
    strategy = distribute.make_strategy(FLAGS.strategy, FLAGS.cpu_replicas)
    base = models.get(FLAGS.model, FLAGS.dataset)
    print(f"{FLAGS.model}/{FLAGS.dataset}: {FLAGS.steps} steps × {FLAGS.repeats} repeats, "
          f"{FLAGS.warmup} warm-up; TF {tf.__version__}, strategy {FLAGS.strategy} with "
          f"{strategy.num_replicas_in_sync} replica(s)")
    print(f"{'batch':>5} {'xla':>5} {'steps/s':>22} {'images/s':>24} {'1st step':>9}")
    jits = sorted({j.lower() in ("1", "true") for j in FLAGS.jit_compile}, reverse=True)
    first_in_process = None
    # XLA first: Keras refuses XLA once op determinism is on, and TF cannot
    # turn determinism off; runs without XLA are timed as training runs
    # them, with determinism on.
    for jit in jits:
        if not jit:
            tf.config.experimental.enable_op_determinism()
        for batch in (int(b) for b in FLAGS.batch_sizes):
            rates, first_step, first_end, per_step = time_config(
                base.replace(batch_size=batch), jit, FLAGS.steps, FLAGS.repeats, FLAGS.warmup,
                strategy)
            first_in_process = first_in_process or first_end - zoo.START_TIME
            med = statistics.median(rates)
            images = [r * batch * per_step for r in rates]
            print(f"{batch:>5} {str(jit):>5} {med:8.3f} ({min(rates):.3f}–{max(rates):.3f}) "
                  f"{statistics.median(images):9.1f} ({min(images):.1f}–{max(images):.1f}) "
                  f"{first_step:8.1f}s")
    print(f"time from start to the end of the first step: {first_in_process:.1f} s "
          "(1st step column: from building the model, tracing and compiling included)")
    return 0


if __name__ == "__main__":
    from zoo.errors import parse_absl_flags
    app.run(lambda argv: sys.exit(main(argv)), flags_parser=parse_absl_flags)
