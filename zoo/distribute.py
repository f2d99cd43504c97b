"""tf.distribute strategies by name, and global-batch input for any of them.

The same training code runs under each strategy. The input of a step is one
global batch; replica g (its `replica_id_in_sync_group`) always gets piece g
of it, so an update does not depend on how many workers or replicas share it.
"""

import json
import os
import select
import socket
import subprocess
import sys

import tensorflow as tf

from zoo.errors import UserError

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
# Seconds a collective may wait for a peer before the step fails: a worker
# that dies makes the others fail with a clear error instead of hanging.
COLLECTIVE_TIMEOUT_S = float(os.environ.get("ZOO_COLLECTIVE_TIMEOUT", "60"))
# Seconds for every worker of TF_CONFIG to join: TensorFlow itself waits
# forever inside the strategy's constructor, holding the GIL, so no thread of
# the process can stop it; `run_supervised` watches from a parent process.
CLUSTER_TIMEOUT_S = float(os.environ.get("ZOO_CLUSTER_TIMEOUT", "600"))
_STARTED_FD = "ZOO_STARTED_FD"
TPU_LOOKUP_TIMEOUT_S = 10  # each request to the GCE metadata server for a TPU's address


class StrategyError(UserError, ValueError):
    """A strategy that cannot start here; the message says why and what to do."""


def split_cpu(n):
    """Makes n logical CPU devices (before TensorFlow starts its runtime)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    except RuntimeError:
        pass  # runtime already started: use what exists, checked below
    devices = tf.config.list_logical_devices("CPU")
    if len(devices) < n:
        raise StrategyError(f"{n} CPU replicas asked for but TensorFlow already started with "
                            f"{len(devices)}; choose the strategy before any TensorFlow op runs")
    return [d.name for d in devices[:n]]


def mirrored_cpus(n):
    """MirroredStrategy over n logical CPUs. Reductions go through one device:
    CPU collectives need every replica to issue its all-reduces in one order,
    which Keras's gradient all-reduce and the zoo's log all-reduce don't
    promise across replica threads (seen as "Shape mismatch in the collective
    instance")."""
    return tf.distribute.MirroredStrategy(
        split_cpu(n), cross_device_ops=tf.distribute.ReductionToOneDevice())


def check_tf_config():
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise StrategyError("--strategy=multi_worker needs TF_CONFIG describing the cluster "
                            "and this worker's task; see README 'Scaling out'")
    try:
        spec = json.loads(raw)
        task, cluster = spec["task"], spec["cluster"]
        members = cluster[task["type"]]
        if not 0 <= int(task["index"]) < len(members):
            raise ValueError(f"task index {task['index']} outside its {len(members)} addresses")
    except (ValueError, KeyError, TypeError) as e:
        raise StrategyError(f"TF_CONFIG is not a valid cluster spec ({e}); expected "
                            '{"cluster": {"worker": ["host:port", ...]}, '
                            '"task": {"type": "worker", "index": i}}') from None


def run_supervised(module, args, seconds=None):
    """Runs `python -m module args` as a child and returns its exit code, or
    — when the child has not called `report_started` within `seconds` — stops
    it and returns 2 after one line saying that the cluster did not form."""
    seconds = CLUSTER_TIMEOUT_S if seconds is None else seconds
    read_end, write_end = os.pipe()
    env = dict(os.environ, **{_STARTED_FD: str(write_end)})
    child = subprocess.Popen([sys.executable, "-m", module, *args], env=env, pass_fds=(write_end,))
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], seconds)
    started = bool(ready) and os.read(read_end, 1) == b"1"
    os.close(read_end)
    if not started and child.poll() is None:
        child.kill()
        child.wait()
        workers = json.loads(os.environ["TF_CONFIG"])["cluster"]
        print(f"error: not every worker of TF_CONFIG ({workers}) joined within {seconds:.0f} s "
              "(ZOO_CLUSTER_TIMEOUT); start the same command on each with its own task index",
              file=sys.stderr, flush=True)
        return 2
    return child.wait()


def supervised():
    """Whether this process is the child of `run_supervised`."""
    return _STARTED_FD in os.environ


def die_with_parent():
    """Makes this process die with its parent (Linux): killing a supervised
    worker's parent then kills the worker, as one process would die."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def report_started():
    """Tells a supervising parent (see `run_supervised`) the strategy is up."""
    fd = os.environ.pop(_STARTED_FD, None)
    if fd is not None:
        os.write(int(fd), b"1")
        os.close(int(fd))


def make_strategy(name="default", cpu_replicas=2, tpu=None):
    """`mirrored` takes every local GPU, or `cpu_replicas` logical CPUs where
    there is none; `multi_worker` reads TF_CONFIG; `tpu` takes --tpu's address."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if cpu_replicas <= 0:
            raise StrategyError(f"--cpu_replicas must be positive, got {cpu_replicas}")
        if tf.config.list_physical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        return mirrored_cpus(cpu_replicas)
    if name == "multi_worker":
        check_tf_config()
        options = tf.distribute.experimental.CommunicationOptions(
            timeout_seconds=COLLECTIVE_TIMEOUT_S)
        strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
        report_started()
        return strategy
    if name == "tpu":
        if not tpu and not os.environ.get("TPU_NAME"):
            # Without an address the resolver asks the GCE metadata server,
            # which off Google Cloud means a long wait for nothing.
            raise StrategyError("--strategy=tpu needs --tpu=<name or grpc://host:port> "
                                "(or TPU_NAME); use 'local' on a TPU VM")
        tpu = tpu or os.environ["TPU_NAME"]
        # A TPU name is looked up through the GCE metadata server, which
        # TensorFlow asks without a time limit: bounded here, so that a
        # machine off Google Cloud fails in seconds instead of hanging.
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(TPU_LOOKUP_TIMEOUT_S)
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, OSError, tf.errors.OpError, RuntimeError) as e:  # URLError: an OSError
            reason = str(e).strip().splitlines()[0][:160]
            raise StrategyError(f"no TPU reachable at --tpu={tpu} ({reason}); run on a Cloud TPU "
                                "VM with --tpu=local, or give a TPU's name or grpc://host:port") from None
        finally:
            socket.setdefaulttimeout(previous)
        return tf.distribute.TPUStrategy(resolver)
    raise StrategyError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")


def is_chief(strategy):
    """Whether this process writes the run's files (checkpoints, logs, export)."""
    return strategy.extended.should_checkpoint


def worker_id(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    return int(resolver.task_id or 0) if resolver and resolver.task_type else 0


def distribute_global_batches(strategy, dataset, global_batch):
    """Each replica's piece of every global batch of `dataset`.

    Replica g of G gets rows [g·b, (g+1)·b), b = global_batch / G: worker w
    builds the whole global batch (from the same seed) and keeps the pieces of
    its local replicas w·R … w·R + R − 1, which take consecutive elements."""
    replicas = strategy.num_replicas_in_sync
    if replicas == 1:
        return dataset
    if global_batch % replicas:
        raise ValueError(f"global batch {global_batch} does not split over {replicas} replicas")
    per_replica = global_batch // replicas

    def dataset_fn(context):
        local = replicas // context.num_input_pipelines
        first = context.input_pipeline_id * local

        def pieces(batch):
            batch = tf.reshape(batch, [replicas, per_replica] + batch.shape[1:].as_list())
            return batch[first:first + local]
        return dataset.map(pieces).unbatch().prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)
