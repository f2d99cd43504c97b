"""tf.distribute strategies by name: the same training code runs under each."""

import os

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


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
    promise (seen as "Shape mismatch in the collective instance")."""
    return tf.distribute.MirroredStrategy(
        split_cpu(n), cross_device_ops=tf.distribute.ReductionToOneDevice())


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
        if "TF_CONFIG" not in os.environ:
            raise StrategyError("--strategy=multi_worker needs TF_CONFIG describing the cluster "
                                "and this worker's task; see README 'Scaling out'")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or "")
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.OpError, RuntimeError) as e:
            raise StrategyError(f"no TPU reachable at --tpu={tpu or '(auto)'}: "
                                f"{str(e).splitlines()[0][:160]}") from None
        return tf.distribute.TPUStrategy(resolver)
    raise StrategyError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
