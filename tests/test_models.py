"""The zoo's other models against their papers and codes: architectures
(parameter counts worked out by hand from the layer lists), one update moves
each loss the right way, WGAN's clipping and critic schedule, the original
GAN's optimizer schedules and its two update orders."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import losses, models
from zoo.errors import UserError
from zoo.models import gan as gan_lib
from zoo.models import wgan as wgan_lib
from zoo.models.layers import Maxout


def conv(k, c_in, c_out, bias=True):
    return k * k * c_in * c_out + (c_out if bias else 0)


def bn(c):
    return 2 * c  # trainable scale and offset


def trainable(net):
    return sum(int(np.prod(v.shape)) for v in net.trainable_variables)


# ---- DCGAN -------------------------------------------------------------------

def test_dcgan_layer_plan_and_parameter_counts():
    # 32×32×3: z 100 → 2·2·512 (no bias), BN → deconv 5×5 to 256, 128, 64 (no bias, BN) → 3, tanh.
    g = models.create("dcgan", "cifar10")
    g_expected = 100 * 2048 + bn(512) + conv(5, 512, 256, False) + bn(256) \
        + conv(5, 256, 128, False) + bn(128) + conv(5, 128, 64, False) + bn(64) + conv(5, 64, 3)
    # D: conv 5×5 stride 2: 3→64 (bias), 64→128, 128→256, 256→512 (BN, no bias), linear 2·2·512 → 1.
    d_expected = conv(5, 3, 64) + conv(5, 64, 128, False) + bn(128) + conv(5, 128, 256, False) \
        + bn(256) + conv(5, 256, 512, False) + bn(512) + 2048 + 1
    assert (g_expected, d_expected) == (4_512_323, 4_309_505)
    assert (trainable(g.generator), trainable(g.critic)) == (g_expected, d_expected)
    assert g.generator.output_shape == (None, 32, 32, 3) and g.critic.output_shape == (None, 1)
    deep = models.create("dcgan", "mnist", depth=4)  # 28 → 14 → 7 → 4 → 2, and back up
    assert [l.output.shape[1] for l in deep.generator.layers if "conv2d_transpose" in l.name] \
        == [4, 7, 14, 28]
    # The MNIST configs' two stride-2 layers (a named deviation): z → 7·7·128 → 14·14·64 → 28·28·1;
    # D 1 → 64 (bias) → 128 (BN), linear 7·7·128 → 1.
    mnist = models.create("dcgan", "mnist")
    assert [l.output.shape[1] for l in mnist.generator.layers if "conv2d_transpose" in l.name] \
        == [14, 28]
    assert trainable(mnist.generator) == 100 * 49 * 128 + bn(128) + conv(5, 128, 64, False) \
        + bn(64) + conv(5, 64, 1)
    assert trainable(mnist.critic) == conv(5, 1, 64) + conv(5, 64, 128, False) + bn(128) \
        + 49 * 128 + 1
    out = mnist.generator(tf.random.uniform([4, 100], -1, 1))
    assert -1.0 <= float(tf.reduce_min(out)) and float(tf.reduce_max(out)) <= 1.0  # tanh


def test_dcgan_initialisation_is_normal_0_02():
    g = models.create("dcgan", "cifar10")
    kernel = next(v for v in g.critic.trainable_variables if v.shape == (5, 5, 256, 512)).numpy()
    # 3,276,800 draws: standard errors 1.1e-5 (mean) and 0.04% (std); the bounds
    # are 90 and 25 of them. Glorot's std here (0.0102) is 49% off.
    assert kernel.mean() == pytest.approx(0.0, abs=1e-3)
    assert kernel.std() == pytest.approx(0.02, rel=0.01)


@pytest.mark.parametrize("name,overrides", [pytest.param(n, {}, id=n) for n in models.list_configs()]
                         + [pytest.param("wgan/mnist", dict(arch="mlp"), id="wgan/mnist-mlp")])
def test_every_weight_tensor_draws_its_own_random_values(name, overrides):
    # A Keras 3 initializer fixes its seed when made: one initializer shared
    # by several layers fills each from the same stream, so their flattened
    # values start alike (scaled, for different bounds). Seen in dcgan and
    # wgan before each layer got its own. Independent draws of n >= 64 values
    # have |corr| <= 0.9 except with probability ~1e-12 (0.9·√n >= 7.2σ); a
    # shared stream gives 1 (the draws are CPU-independent: no tolerance issue).
    model = models.create(*name.split("/"), **overrides)
    tensors = [(v.path, np.ravel(v.numpy())) for net in (model.generator, model.critic)
               for v in net.weights]
    tensors = [(p, t) for p, t in tensors if t.size >= 64 and np.ptp(t) > 0]  # not constant
    assert len(tensors) >= 2
    for i, (p, a) in enumerate(tensors):
        for q, b in tensors[i + 1:]:
            n = min(a.size, b.size, 4096)
            assert abs(np.corrcoef(a[:n], b[:n])[0, 1]) < 0.9, (p, q)


def compiled(name, dataset, **overrides):
    model = models.create(name, dataset, **overrides)
    model.compile(*model.make_optimizers(model.config))
    return model


def test_dcgan_one_update_moves_each_loss_the_right_way():
    model = compiled("dcgan", "mnist")
    real = tf.random.uniform([16, 28, 28, 1], -1, 1, seed=1)
    before = float(model.critic_step(real)["d_loss"])
    after = float(model.critic_step(real)["d_loss"])  # same z: the step has not moved
    assert after < before
    before = float(model.generator_step(16, 0)["g_loss"])
    z = model.latent(16, models.base.GENERATOR_LATENT, 0)
    after = float(model.bce(model.critic(model.generator(z, training=True), training=True), 1))
    assert after < before


# ---- WGAN --------------------------------------------------------------------

def test_wgan_dcgan_nets_match_the_codes_counts():
    # models/dcgan.py at isize 32, nc 3, nz 100, ngf = ndf = 64, no biases:
    # D conv 4×4: 3→64, 64→128 (BN), 128→256 (BN), 4×4 conv 256→1.
    cifar = models.create("wgan", "cifar10")
    d_expected = conv(4, 3, 64, False) + conv(4, 64, 128, False) + bn(128) \
        + conv(4, 128, 256, False) + bn(256) + conv(4, 256, 1, False)
    # G: deconv 4×4 100→256 (1×1 → 4×4), BN, →128, BN, →64, BN, →3, tanh.
    g_expected = conv(4, 100, 256, False) + bn(256) + conv(4, 256, 128, False) + bn(128) \
        + conv(4, 128, 64, False) + bn(64) + conv(4, 64, 3, False)
    assert (d_expected, g_expected) == (663_296, 1_068_928)
    assert (trainable(cifar.critic), trainable(cifar.generator)) == (d_expected, g_expected)
    # 28×28 starts from 7×7: D 1→64 (14×14), 64→128 (7×7), 7×7 conv → 1; G mirrors it.
    mnist = models.create("wgan", "mnist")
    assert trainable(mnist.critic) == conv(4, 1, 64, False) + conv(4, 64, 128, False) + bn(128) \
        + conv(7, 128, 1, False)
    assert trainable(mnist.generator) == conv(7, 100, 128, False) + bn(128) \
        + conv(4, 128, 64, False) + bn(64) + conv(4, 64, 1, False)
    assert mnist.generator.output_shape == (None, 28, 28, 1)


def test_wgan_mlp_nets_match_the_codes_counts():
    # models/mlp.py with 512 units: 3 hidden ReLU layers, linear output, biases.
    model = models.create("wgan", "mnist", arch="mlp")
    assert trainable(model.generator) == 100 * 512 + 512 + 2 * (512 * 512 + 512) + 512 * 784 + 784
    assert trainable(model.critic) == 784 * 512 + 512 + 2 * (512 * 512 + 512) + 512 + 1
    assert (trainable(model.generator), trainable(model.critic)) == (979_216, 927_745)


def test_wgan_mlp_outputs_are_linear():
    # models/mlp.py ends in nn.Linear: the critic's f and the generator's
    # values take both signs (a ReLU after the output layer made f ≥ 0 and,
    # with weights clipped to ±0.01 at creation, f = 0 on the toy sets).
    model = models.create("wgan", "mnist", arch="mlp")
    for net in (model.generator.get_layer("generator_mlp"), model.critic.get_layer("critic_mlp")):
        assert isinstance(net.layers[-1], keras.layers.Dense), net.name
        assert sum(isinstance(l, keras.layers.ReLU) for l in net.layers) == 3, net.name
    z = np.random.default_rng(0).standard_normal((64, 100)).astype(np.float32)
    fake = model.generator(z).numpy()
    assert fake.min() < 0 < fake.max()
    # Weights at ±c with alternating signs would hide the sign; compare f's
    # pre-activation with its value: equal when the output is linear.
    critic_net = model.critic.get_layer("critic_mlp")
    hidden = keras.Sequential(critic_net.layers[:-1])(fake.reshape(64, -1))
    np.testing.assert_allclose(critic_net.layers[-1](hidden).numpy(),
                               model.critic(fake).numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
def test_wgan_critic_weights_stay_within_the_clip(arch):
    model = compiled("wgan", "mnist", arch=arch, long_first=0)
    c = model.config.clip_value
    # Clipped from the start (BatchNorm's scale is initialised near 1).
    assert all(float(tf.reduce_max(tf.abs(v))) <= c for v in model.critic.trainable_variables)
    real = tf.random.uniform([8, 5, 28, 28, 1], -1, 1, seed=2)
    for _ in range(3):
        model.train_step(real)
    values = np.concatenate([v.numpy().ravel() for v in model.critic.trainable_variables])
    assert np.abs(values).max() <= c
    assert np.mean(np.abs(values) == np.float32(c)) > 0.01  # the clip is active, not idle


def test_wgan_critic_update_raises_its_wasserstein_estimate():
    model = compiled("wgan", "mnist")
    real = tf.random.uniform([16, 28, 28, 1], -1, 1, seed=3)
    before = float(model.critic_step(real, 0)["wasserstein"])
    after = float(model.critic_step(real, 0)["wasserstein"])  # same noise
    assert after > before


def test_wgan_critic_schedule_is_the_codes():
    cfg = models.get("wgan", "mnist")
    diters = [cfg.critic_iters(g) for g in range(1002)]
    assert diters[:25] == [100] * 25 and diters[25:500] == [5] * 475
    assert diters[500] == 100 and diters[501:1000] == [5] * 499 and diters[1000] == 100
    model = compiled("wgan", "mnist")
    # 25 long phases of 20 calls, then 475 one-call phases, then one long phase.
    assert model.calls_until(501) == 25 * 20 + 475 + 20


def test_wgan_generator_moves_only_when_its_critic_phase_ends():
    model = compiled("wgan", "mnist", long_critic_iters=15, long_first=1)
    real = tf.random.uniform([8, 5, 28, 28, 1], -1, 1, seed=4)
    g_before = [v.numpy() for v in model.generator.trainable_variables]
    for call in range(3):  # generator iteration 0: 15 critic updates = 3 calls
        model.train_step(real)
        moved = any(not np.array_equal(a, b.numpy())
                    for a, b in zip(g_before, model.generator.trainable_variables))
        assert moved == (call == 2), call
        assert int(model.g_optimizer.iterations) == (call == 2)
    assert int(model.step) == 1 and int(model.d_optimizer.iterations) == 15
    model.train_step(real)  # iteration 1: a short phase, one call
    assert int(model.step) == 2 and int(model.g_optimizer.iterations) == 2


def test_wgan_runs_no_generator_pass_inside_a_long_critic_phase():
    # The generator step (forward, backward, update) runs on the call that ends
    # a phase and on no other: counted inside the traced step, so a pass that
    # ran and was thrown away would count too. The calls between log the last
    # update's values.
    model = compiled("wgan", "mnist", long_critic_iters=15, long_first=2)
    passes = tf.Variable(0, dtype=tf.int64)
    generator_step = model.generator_step

    def counted(n, sub=0):
        passes.assign_add(1)
        return generator_step(n, sub)

    model.generator_step = counted
    step = tf.function(model.train_step)
    real = tf.random.uniform([8, 5, 28, 28, 1], -1, 1, seed=4)
    logs = []
    for call in range(6):  # generator iterations 0 and 1: 15 critic updates = 3 calls each
        logs.append({k: float(v) for k, v in step(real).items()})
        assert int(passes) == (call + 1) // 3, call
    assert int(model.g_optimizer.iterations) == 2 and int(model.d_optimizer.iterations) == 30
    assert logs[0]["g_loss"] == logs[1]["g_loss"] == 0.0  # no update yet
    assert logs[3]["g_loss"] == logs[4]["g_loss"] == logs[2]["g_loss"] != 0.0
    assert logs[3]["g_grad_norm"] == logs[2]["g_grad_norm"] > 0.0
    assert logs[5]["g_loss"] != logs[2]["g_loss"]


def test_wgan_rmsprop_matches_torchs_default():
    opt, _ = wgan_lib.WGAN.make_optimizers(models.get("wgan", "mnist"))
    assert (float(opt.learning_rate), opt.rho) == (pytest.approx(5e-5), 0.99)
    for v in (0.0, 1e-20, 1e-12, 1e-4, 1.0):  # √(v + ε_keras) ≈ √v + ε_torch (1e-8)
        assert np.sqrt(v + opt.epsilon) == pytest.approx(np.sqrt(v) + 1e-8, abs=1e-8)


# ---- the original GAN ------------------------------------------------------------

def test_gan_mnist_nets_are_the_codes():
    model = models.create("gan", "mnist")
    # mnist.yaml: G 100 → ReLU 1200 → ReLU 1200 → sigmoid 784;
    # D maxout 240×5 → maxout 240×5 → sigmoid 1.
    g_expected = (100 * 1200 + 1200) + (1200 * 1200 + 1200) + (1200 * 784 + 784)
    d_expected = (784 * 1200 + 1200) + (240 * 1200 + 1200) + (240 + 1)
    assert (g_expected, d_expected) == (2_503_984, 1_231_441)
    assert (trainable(model.generator), trainable(model.critic)) == (g_expected, d_expected)
    assert [type(l) for l in model.critic.layers[1:3]] == [Maxout, Maxout]


def test_maxout_takes_the_max_over_each_units_pieces():
    layer = Maxout(2, 3, irange=0.1)
    x = tf.constant([[1.0, -2.0]])
    layer.build(x.shape)
    layer.kernel.assign(np.arange(12, dtype=np.float32).reshape(2, 6) - 5)
    z = (x.numpy() @ layer.kernel.numpy()).reshape(2, 3)  # unit i: columns 3i … 3i + 2
    np.testing.assert_allclose(layer(x).numpy()[0], z.max(axis=1))


def test_gan_noise_and_schedules_follow_the_code():
    cfg = models.get("gan", "mnist")
    assert (cfg.latent_dist, cfg.latent_bound) == ("uniform", pytest.approx(np.sqrt(3)))  # unit variance
    opt, _ = gan_lib.GoodfellowGAN.make_optimizers(cfg)
    per_epoch = 50000 // 100
    # pylearn2's MomentumAdjustor(start=1, saturate=250) during 0-based epoch e
    # uses its on_monitor count e + 1 (one call before the first epoch):
    # μ = 0.5 + 0.2·clip((e + 1 − 1) / 249, 0, 1).
    epochs = (0, 1, 2, 248, 249, 400)
    momentum = [float(opt.momentum_at(tf.constant(e * per_epoch + per_epoch - 1, tf.int64)))
                for e in epochs]  # the last update of each epoch
    assert momentum == pytest.approx([0.5 + 0.2 * min(e / 249, 1) for e in epochs])
    assert float(opt.momentum_at(tf.constant(per_epoch, tf.int64))) == pytest.approx(0.5 + 0.2 / 249)
    lr = gan_lib.DecayingLearningRate(cfg.learning_rate, cfg.lr_decay, cfg.min_lr)
    assert float(opt.learning_rate) == pytest.approx(0.1)  # the schedule at iteration 0
    assert float(lr(0)) == pytest.approx(0.1)
    assert float(lr(100000)) == pytest.approx(0.1 / 1.000004 ** 100000, rel=1e-5)
    assert float(lr(10 ** 8)) == pytest.approx(1e-6)  # the floor


def test_gan_momentum_sgd_is_pylearn2s_rule():
    opt = gan_lib.MomentumSGD(0.1, 0.5, 0.7, 1, 250, 500)
    w = tf.Variable([1.0])
    opt.build([w])
    for _ in range(2):
        opt.apply_gradients([(tf.constant([2.0]), w)])
    # v₁ = −0.2, w₁ = 0.8; v₂ = 0.5·(−0.2) − 0.2 = −0.3, w₂ = 0.5
    assert float(w.numpy()[0]) == pytest.approx(0.5)


@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_gan_one_update_moves_each_loss_the_right_way(update):
    model = compiled("gan", "mnist", update=update, input_keep=1.0, hidden_keep=1.0,
                     learning_rate=1e-3)  # a small step: the first-order decrease holds
    real = tf.random.uniform([32, 1, 28, 28, 1], seed=5) ** 4  # mostly dark, as digits
    # At initialisation D is nearly flat (weights U(±0.005), logits ~1e-3), so G's
    # gradient is ~1e-4 and its loss moves below float32 resolution: sharpen D.
    for v in model.critic.trainable_variables:
        v.assign(v * 20.0)
    z = model.latent(32, models.base.GENERATOR_LATENT)  # the G step's noise (step 0)
    fake = model.generator(z)
    d_old = [v.numpy() for v in model.critic.variables]
    d_before = float(model.losses(real[:, 0], fake, 0)[0])
    model.train_step(real)
    assert int(model.g_optimizer.iterations) == 1 and int(model.d_optimizer.iterations) == 1
    assert float(model.losses(real[:, 0], fake, 0)[0]) < d_before  # D got better on the batch
    if update == "simultaneous":  # G stepped against the D of before the update
        for v, old in zip(model.critic.variables, d_old):
            v.assign(old)
    # −log D(G(z)) against the D that G's step saw: lower with G's new weights.
    assert float(model.bce(model.critic(model.generator(z)), 1)) < float(model.bce(model.critic(fake), 1))


def test_gan_simultaneous_update_uses_one_forward_pass():
    # Both gradients at the same weights: G's update equals the update computed
    # from a copy whose D has not moved.
    model = compiled("gan", "mnist", input_keep=1.0, hidden_keep=1.0)
    real = tf.random.uniform([16, 1, 28, 28, 1], seed=6)
    z = model.latent(16, models.base.GENERATOR_LATENT)
    with tf.GradientTape() as tape:
        g_loss = model.bce(model.critic(model.generator(z, training=True)), 1)
    expected = tape.gradient(g_loss, model.generator.trainable_variables)
    w0 = [v.numpy() for v in model.generator.trainable_variables]
    model.train_step(real)
    lr = 0.1
    for before, grad, after in zip(w0, expected, model.generator.trainable_variables):
        np.testing.assert_allclose(after.numpy(), before - lr * grad.numpy(), rtol=1e-4, atol=1e-7)


def test_gan_dropout_masks_keep_the_asked_share_and_scale():
    model = compiled("gan", "mnist")
    x = tf.ones([64, 1000])
    dropped = model.dropout(x, 0.8, sub=0).numpy()
    assert set(np.unique(dropped)) == {0.0, np.float32(1.25)}  # input scale 1.25 = 1/0.8
    assert np.mean(dropped > 0) == pytest.approx(0.8, abs=0.01)  # 64,000 draws: SE 0.0016
    np.testing.assert_array_equal(model.dropout(x, 0.8, sub=0), dropped)  # same key, same mask
    assert not np.array_equal(model.dropout(x, 0.8, sub=1), dropped)


def test_gan_other_configs_are_the_yamls():
    counts = {}
    for name in ("tfd", "cifar10", "cifar10_conv"):
        model = models.create("gan", name)
        counts[name] = (trainable(model.generator), trainable(model.critic))
    # TFD: G 100 → 8000 → 8000 → 2304; D maxout 1200×5 twice on 2304 inputs.
    assert counts["tfd"] == ((100 * 8000 + 8000) + (8000 * 8000 + 8000) + (8000 * 2304 + 2304),
                             (2304 * 6000 + 6000) + (1200 * 6000 + 6000) + 1201)
    # CIFAR-10 FC: G → linear 3072; D maxout 1600×5 twice on 3072 inputs.
    assert counts["cifar10"] == ((100 * 8000 + 8000) + (8000 * 8000 + 8000) + (8000 * 3072 + 3072),
                                 (3072 * 8000 + 8000) + (1600 * 8000 + 8000) + 1601)
    # conv: G → 80×10×10 → deconv 5×5 stride 3 to 3 maps + a bias per output value;
    # D conv-maxout 8×8 3→32·2, 8×8 32→32·2, 5×5 32→192·2, maxout 500×5 on 5·5·192, sigmoid.
    assert counts["cifar10_conv"] == (
        (100 * 8000 + 8000) + (8000 * 8000 + 8000) + 5 * 5 * 80 * 3 + 32 * 32 * 3,
        conv(8, 3, 64) + conv(8, 32, 64) + conv(5, 32, 384) + (4800 * 2500 + 2500) + 501)
    assert counts["cifar10_conv"] == (64_825_072, 12_454_073)
    conv_model = models.create("gan", "cifar10_conv")
    assert [l.output.shape[1] for l in conv_model.critic.layers[:3]] == [16, 7, 5]
    cfg = models.get("gan", "cifar10")
    assert (cfg.batch_size, cfg.learning_rate, cfg.gcn_scale, cfg.g_output_irange) == (100, 0.025, 55.0, 0.5)
    assert models.get("gan", "cifar10_conv").batch_size == 128
    assert models.get("gan", "tfd").d_max_col_norm == pytest.approx(1.9365)


def test_conv_maxout_pools_as_cuda_convnet_against_a_brute_force_loop():
    from zoo.models.layers import MaxoutConv2D
    layer = MaxoutConv2D(2, 3, 3, pad=1, pool=3, pool_stride=2, irange=0.5)
    x = tf.random.normal([1, 8, 8, 2], seed=7)
    out = layer(x).numpy()[0]
    z = layer.conv(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])).numpy()[0]  # 8×8×6
    detector = z.reshape(8, 8, 2, 3).max(-1)
    size = -(-(8 - 3) // 2) + 1  # ⌈(8 − 3)/2⌉ + 1 = 4: the last window runs past the border
    assert out.shape == (size, size, 2)
    for i in range(size):
        for j in range(size):
            window = detector[2 * i:2 * i + 3, 2 * j:2 * j + 3]
            np.testing.assert_allclose(out[i, j], window.max(axis=(0, 1)), rtol=1e-6)


def test_global_contrast_normalisation_is_pylearn2s():
    x = tf.random.uniform([4, 32, 32, 3], seed=8) * 255
    y = gan_lib.global_contrast_normalize(x, 55.0).numpy().reshape(4, -1)
    # float32 sums of n = 3,072 terms, bounded for any summation order (CPU,
    # threads) by (n − 1)·u = 1.8e-4 relative to Σ|terms| (u = 2^-24):
    # the mean of x (|x| ≈ 127) is off by ≤ 0.023, which scaled by 55/‖x − x̄‖
    # (≈ 0.0135) leaves mean(y) ≤ 3.2e-4; the sum of squares is off by
    # ≤ 1.8e-4, the norm by half that plus a few roundings. Bounds 1e-3 and
    # 1e-4; skipping the mean gives mean(y) ≈ 0.86, a wrong scale is O(1).
    np.testing.assert_allclose(y.mean(1), 0, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), 55.0, rtol=1e-4)
    # Invariant to the affine pixel scaling zoo.data applies first: the two
    # means' errors (3.2e-4 and 1.6e-4 in y's units, as above) and the norms'
    # (≤ 1e-4 of |y| ≤ 1.7, each) add to ≤ 8.2e-4.
    z = gan_lib.global_contrast_normalize(x / 127.5 - 1, 55.0).numpy().reshape(4, -1)
    np.testing.assert_allclose(z, y, atol=1e-3)


def test_gan_output_bias_starts_at_the_pixel_marginals(mnist_arrays):
    model = models.create("gan", "mnist")
    assert model.uses_training_images
    model.initialize(mnist_arrays["train"][0])
    bias = model.generator.layers[2].bias.numpy()
    mean = mnist_arrays["train"][0].reshape(50000, -1).mean(0) / 255.0
    np.testing.assert_allclose(1 / (1 + np.exp(-bias)), np.clip(mean, 1e-7, 1 - 1e-7), rtol=1e-4)
    assert bias.min() < -15  # border pixels, always 0


# ---- losses ------------------------------------------------------------------

def test_each_named_loss_is_its_closed_form():
    """zoo.losses on outputs a = D's outputs on real, b on fake (one device:
    the share is the mean), against the formulas written out in float64."""
    real = np.array([[2.0], [-1.0], [0.5]], np.float32)
    fake = np.array([[-3.0], [0.25], [1.0]], np.float32)
    a, b = real.astype(np.float64), fake.astype(np.float64)
    softplus = lambda x: np.log1p(np.exp(x))  # −log sigmoid(−x)
    d_bce = softplus(-a).mean() + softplus(b).mean()  # −log D(x) − log(1 − D(G(z)))
    expected = {
        "wasserstein": (b.mean() - a.mean(), -b.mean()),
        "minimax": (d_bce, -softplus(b).mean()),          # log(1 − D(G(z)))
        "non_saturating": (d_bce, softplus(-b).mean()),   # −log D(G(z))
        "hinge": (np.maximum(0, 1 - a).mean() + np.maximum(0, 1 + b).mean(), -b.mean()),
        "least_squares": (0.5 * ((a - 1) ** 2).mean() + 0.5 * (b ** 2).mean(),
                          0.5 * ((b - 1) ** 2).mean()),
    }
    assert set(expected) == set(losses.names())
    for name, (d_value, g_value) in expected.items():
        d_loss, g_loss = losses.get(name)
        # float32 sums of 3 terms of size ≤ 4: a few ulps of 4 (≈ 5e-7).
        np.testing.assert_allclose(float(d_loss(real, fake)), d_value, atol=2e-6, err_msg=name)
        np.testing.assert_allclose(float(g_loss(fake)), g_value, atol=2e-6, err_msg=name)


def test_a_config_names_its_loss_and_an_unknown_one_is_refused():
    assert models.get("wgan_gp", "mnist").loss == "wasserstein"
    assert models.get("wgan", "mnist").loss == "wasserstein"
    assert models.get("dcgan", "mnist").loss == "non_saturating"
    assert models.get("gan", "mnist").loss == "non_saturating"
    gan = models.create("wgan_gp", "8gaussians", loss="hinge")
    assert (gan.d_loss_fn, gan.g_loss_fn) == losses.get("hinge")
    with pytest.raises(UserError, match="loss must be one of hinge, least_squares, minimax"):
        models.create("wgan_gp", "8gaussians", loss="kl")


def test_the_generator_step_lives_once_in_the_base_class():
    from zoo.models import base, dcgan, wgan
    assert dcgan.DCGAN.generator_step is base.GAN.generator_step
    assert wgan.WGAN.generator_step is base.GAN.generator_step


def test_gan_faces_generator_starts_as_tfd_pretrain_yaml():
    """pretrain.yaml's G: h1 bias −2, output weights sparse_init 100 (each of
    the 2,304 units has exactly 100 N(0, 1) weights), output bias the logit of
    each pixel's mean over the training images."""
    model = models.create("gan", "olivetti_faces")
    assert model.uses_training_images
    dense = [l for l in model.generator.layers if isinstance(l, tf.keras.layers.Dense)]
    np.testing.assert_array_equal(dense[0].bias.numpy(), 0.0)
    np.testing.assert_array_equal(dense[1].bias.numpy(), -2.0)
    kernel = dense[2].kernel.numpy()
    assert ((kernel != 0).sum(axis=0) == 100).all()
    nonzero = kernel[kernel != 0]  # 230,400 draws: the std's standard error is 0.15%
    assert abs(nonzero.mean()) < 0.01 and abs(nonzero.std() - 1.0) < 0.01
    images = np.random.default_rng(0).integers(1, 255, size=(50, 48, 48, 1), dtype=np.uint8)
    model.initialize(images)
    mean = images.reshape(50, -1).mean(0) / 255.0
    np.testing.assert_allclose(dense[2].bias.numpy(), np.log(mean / (1 - mean)), rtol=1e-5)
