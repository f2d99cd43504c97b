"""tf.distribute strategies by name, and global-batch input for any of them.

The same training code runs under each strategy. The input of a step is one
global batch; replica g (its `replica_id_in_sync_group`) always gets piece g
of it, so an update does not depend on how many workers or replicas share it.
"""

import json
import os

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
# Seconds a collective may wait for a peer before the step fails: a worker
# that dies makes the others fail with a clear error instead of hanging.
COLLECTIVE_TIMEOUT_S = float(os.environ.get("ZOO_COLLECTIVE_TIMEOUT", "60"))


class StrategyError(ValueError):
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


def _check_tf_config():
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
        _check_tf_config()
        options = tf.distribute.experimental.CommunicationOptions(
            timeout_seconds=COLLECTIVE_TIMEOUT_S)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    if name == "tpu":
        if not tpu and not os.environ.get("TPU_NAME"):
            # Without an address the resolver asks the GCE metadata server,
            # which off Google Cloud means a long wait for nothing.
            raise StrategyError("--strategy=tpu needs --tpu=<name or grpc://host:port> "
                                "(or TPU_NAME); use 'local' on a TPU VM")
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.OpError, RuntimeError) as e:
            raise StrategyError(f"no TPU reachable at --tpu={tpu}: "
                                f"{str(e).strip().splitlines()[0][:160]}") from None
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
