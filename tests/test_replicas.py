"""Two replicas make the update of one device, for every model.

Compared on one plain SGD update (w ← w − lr·g), not on Adam's or RMSProp's
first steps: those are lr·g/√v ≈ ±lr whatever |g|, so a weight whose gradient
is float noise can step either way, and how many do depends on the CPU's
summation order (a bound tuned on one machine failed on another). With SGD the
update is the gradient itself, and the two runs differ only by float
reassociation: the global batch is the same, every in-step draw is keyed by the
global example index, and only the order of the float32 sums of the gradient
(two half-batch sums, then their all-reduce) and of BatchNorm's moments differs.

Each network's lr makes its update a small perturbation, ‖Δw‖ = STEP·‖w‖: a
fixed lr 1 moved LSGAN's critic by 9× its norm and its generator by 10⁵×, and
the generator's gradient, taken after the critic's update, then crossed ReLU
kinks that reassociation flips (r = 6.6e-3). The lr is measured on one device
(lr = STEP·‖w‖/‖g‖, g the all-reduced gradient of the first update) and then
fixed for both compared runs, so a gradient that is twice too large under two
replicas still moves twice as far.

Bound on r = ‖w₂ − w₁‖ / ‖w₁ − w₀‖ (the two runs' gap over the update's size):
each gradient carries a relative reassociation error of a few float32 ulps
(~1e-6, measured ≤ 2.3e-6 across models) and so does the update; rounding
w − lr·g can land one ulp of w apart, at most √N·ulp(w_rms) ≈ 2⁻²³·‖w‖ in norm,
which is 1.2e-4 of an update of 1e-3·‖w‖. So r ≤ 1e-3 holds on any CPU and
thread count. A real error is O(1): a loss that is each replica's mean instead
of its share of the global-batch mean doubles the gradient under 2 replicas,
so r ≈ 1 (tested below).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import losses, models, training
from zoo.models import base

BOUND = 1e-3
STEP = 1e-3  # each network's update as a share of its weights' norm


class MeasuredSGD(keras.optimizers.SGD):
    """SGD with lr 1 on gradients scaled by `scale`; without one, the scale of
    the first update is STEP·‖w‖/‖g‖ (g all-reduced), recorded in `measured`."""

    def __init__(self, scale=None):
        super().__init__(1.0)
        self.scale = scale
        self.measured = tf.Variable(0.0, trainable=False)

    def _all_reduce_sum_gradients(self, grads_and_vars):
        pairs = [(g, v) for g, v in super()._all_reduce_sum_gradients(grads_and_vars)]
        if self.scale is not None:
            scale = tf.constant(self.scale, tf.float32)
        else:
            norm = lambda xs: tf.linalg.global_norm([tf.convert_to_tensor(x) for x in xs])
            first = STEP * norm([v for _, v in pairs]) / norm([g for g, _ in pairs])
            scale = tf.where(self.measured > 0, self.measured, first)
            self.measured.assign(scale)
        return [(g * scale, v) for g, v in pairs]


def use_sgd(model, monkeypatch, g_scale=None, d_scale=None):
    """`model` trains with MeasuredSGD; returns the list its (generator,
    critic) optimizers go into, made where the model makes them (in its
    distribution strategy's scope)."""
    made = []

    def make_optimizers(cfg):
        made[:] = MeasuredSGD(g_scale), MeasuredSGD(d_scale)
        return tuple(made)
    monkeypatch.setattr(models.model_class(model), "make_optimizers", staticmethod(make_optimizers))
    return made


def sgd_config(name):
    """The config of one update (its model's optimizers are set by `use_sgd`)."""
    model, dataset = name.split("/")
    return models.one_update(model, dataset, steps=1, checkpoint_every=1, log_every=1,
                             image_every=1)


def net_weights(model, trainable):
    nets = model.generator, model.critic
    return [np.array(v.numpy(), np.float64) for net in nets
            for v in (net.trainable_weights if trainable else net.non_trainable_weights)]


def relative_gap(start, one, two, trainable):
    """‖w(two) − w(one)‖ / ‖w(one) − w(start)‖ over the trainable weights
    (the SGD update) or the rest (BatchNorm's moving statistics, which move by
    far more than a small step: mixed with it they would hide its error)."""
    w0, w1, w2 = (net_weights(m, trainable) for m in (start, one, two))
    gap = np.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(w2, w1)))
    size = np.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(w1, w0)))
    assert size > 0 or not w0
    return gap / size if w0 else 0.0


def update_gap(cfg, tmp_path, strategy, monkeypatch):
    """r = ‖w(2 replicas) − w(1 device)‖ / ‖w(1 device) − w(initial)‖, both
    runs at the lrs a first one-device run measured: the larger of the
    trainable weights' r and the moving statistics'."""
    made = use_sgd(cfg.model, monkeypatch)
    training.train(cfg, str(tmp_path / "measure"), verbose=0, export=False)
    scales = tuple(float(optimizer.measured.numpy()) for optimizer in made)
    assert min(scales) > 0 and np.isfinite(scales).all(), scales
    start = training.build(cfg)
    training.initialize(start)  # data-dependent init (GAN's output bias), as train() does
    use_sgd(cfg.model, monkeypatch, *scales)
    one, _ = training.train(cfg, str(tmp_path / "one"), verbose=0, export=False)
    use_sgd(cfg.model, monkeypatch, *scales)
    two, _ = training.train(cfg, str(tmp_path / "two"), verbose=0, export=False, strategy=strategy)
    assert two.distribute_strategy.num_replicas_in_sync == 2
    return max(relative_gap(start, one, two, trainable) for trainable in (True, False))


@pytest.mark.parametrize("name", models.unit_test_configs())
def test_two_replicas_make_the_sgd_update_of_one_device(name, tmp_path, mirrored, monkeypatch):
    r = update_gap(sgd_config(name), tmp_path, mirrored, monkeypatch)
    print(f"{name}: r = {r:.3g}")
    assert r <= BOUND


@pytest.mark.parametrize("name", ["wgan/mnist", "dcgan/mnist"])
def test_the_bound_catches_a_loss_not_scaled_to_the_global_batch(name, tmp_path, mirrored,
                                                                 monkeypatch):
    """Each replica's own mean instead of its share of the global mean: the
    summed gradient doubles under 2 replicas. WGAN (clipping) and DCGAN
    (BatchNorm) are the models where it could hide."""
    def replica_mean(values):
        return tf.reduce_sum(values) / tf.cast(tf.shape(values)[0], values.dtype)
    monkeypatch.setattr(losses, "global_mean", replica_mean)
    monkeypatch.setattr(base.GAN, "global_mean", staticmethod(replica_mean))
    r = update_gap(sgd_config(name), tmp_path, mirrored, monkeypatch)
    print(f"{name} with the wrong scaling: r = {r:.3g}")
    assert r > 10 * BOUND


def test_a_wgan_critic_phase_spanning_calls_makes_the_update_of_one_device(tmp_path, mirrored,
                                                                         monkeypatch):
    """A phase of 2 calls: the first skips the generator step, the second runs
    it. Under MirroredStrategy the skip is a cond in cross-replica context
    (apply_gradients synchronises through merge_call); both branches must give
    one device's update, and the generator must move exactly once."""
    cfg = sgd_config("wgan/mnist").replace(long_first=1, long_critic_iters=2)
    assert cfg.critic_iters(0) // cfg.n_critic == 2
    assert update_gap(cfg, tmp_path, mirrored, monkeypatch) <= BOUND
