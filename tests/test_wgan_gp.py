import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import models
from zoo.models import wgan_gp
from zoo.models.base import CRITIC_LATENT, GENERATOR_LATENT, PENALTY_MIX


def conv_params(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def test_mnist_networks_have_the_codes_shapes_and_parameter_counts():
    gan = models.create("wgan_gp", "mnist")
    # gan_mnist.py, DIM = 64: Linear 128→4096, Deconv 256→128, 128→64, 64→1 (5×5).
    g_expected = (128 * 4096 + 4096) + conv_params(5, 256, 128) + conv_params(5, 128, 64) \
        + conv_params(5, 64, 1)
    # Conv 1→64, 64→128, 128→256 (5×5, stride 2), Linear 4·4·256→1.
    d_expected = conv_params(5, 1, 64) + conv_params(5, 64, 128) + conv_params(5, 128, 256) \
        + (4096 + 1)
    assert (g_expected, d_expected) == (1_554_177, 1_030_145)
    assert gan.generator.count_params() == g_expected
    assert gan.critic.count_params() == d_expected
    assert gan.generator.output_shape == (None, 28, 28, 1)
    assert gan.critic.output_shape == (None, 1)
    out = gan.generator(tf.random.normal([4, 128]))
    assert float(tf.reduce_min(out)) >= 0.0 and float(tf.reduce_max(out)) <= 1.0  # sigmoid


def test_toy_networks_are_three_layers_of_512():
    gan = models.create("wgan_gp", "8gaussians")
    mlp = 2 * 512 + 512 + 2 * (512 * 512 + 512)
    assert gan.generator.count_params() == mlp + 512 * 2 + 2
    assert gan.critic.count_params() == mlp + 512 + 1


def test_layernorm_critic_option():
    gan = models.create("wgan_gp", "mnist", critic_norm="layer")
    norms = [l for l in gan.critic.layers if isinstance(l, wgan_gp.LayerNorm)]
    assert [n.scale.shape for n in norms] == [(128,), (256,)]  # per channel, as tflib
    x = tf.random.normal([3, 7, 7, 128]) * 5 + 2
    y = norms[0](x).numpy().reshape(3, -1)
    # float32 moments of n = 6,272 values (|x| ≈ 4.3, σ = 5), bounded for any
    # summation order by (n − 1)·u = 3.7e-4 relative to Σ|terms| (u = 2^-24):
    # the mean is off by ≤ 1.6e-3, 3.2e-4 in y's units (typically √n·u·5 / 5
    # ≈ 5e-6); the variance by ≤ 3.7e-4 relative, the std by half that, and
    # ε = 1e-5 against variance 25 takes 2e-7. Bounds 1e-3; without the mean
    # subtracted y's mean is 0.4, normalised over the batch ≈ 0.013.
    np.testing.assert_allclose(y.mean(1), 0, atol=1e-3)
    np.testing.assert_allclose(y.std(1), 1, atol=1e-3)


def test_initialisers_follow_tflib():
    gan = models.create("wgan_gp", "mnist")
    kernels = {l.name: l.kernel.numpy() for l in gan.critic.layers + gan.generator.layers
               if hasattr(l, "kernel")}
    # Critic conv 64→128 (5×5, stride 2): std √(4/(25·64 + 25·128/4)), uniform.
    limit = math.sqrt(3) * math.sqrt(4 / (25 * 64 + 25 * 128 / 4))
    w = kernels["conv2d_1"] if "conv2d_1" in kernels else next(
        v for k, v in kernels.items() if v.shape == (5, 5, 64, 128))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.01)
    # Generator input Linear 128→4096, glorot: std √(2/(128+4096)).
    w = next(v for v in kernels.values() if v.shape == (128, 4096))
    assert w.std() == pytest.approx(math.sqrt(2 / (128 + 4096)), rel=0.01)


def linear_critic_gan(weights, gp_weight=10.0):
    """A toy WGAN-GP whose critic is D(x) = w·x: ‖∇D‖ = ‖w‖ everywhere."""
    gan = models.create("wgan_gp", "8gaussians", gp_weight=gp_weight, n_critic=1)
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(np.array(weights, np.float32).reshape(2, 1))
    gan.critic = critic
    gan.compile(*gan.make_optimizers(gan.config))
    return gan


def test_penalty_and_wasserstein_estimate_match_closed_forms():
    w = [3.0, 4.0]  # ‖w‖ = 5: penalty (5 − 1)² = 16 at every x̂
    gan = linear_critic_gan(w)
    real = tf.random.normal([64, 2], seed=1)
    fake = gan.generator(gan.latent(64, CRITIC_LATENT, 0))
    logs = gan.critic_step(real, 0)
    assert float(logs["gradient_penalty"]) == pytest.approx(16.0, rel=1e-5)
    expected_w = float(tf.reduce_mean(real @ np.array(w, np.float32)[:, None])
                       - tf.reduce_mean(fake @ np.array(w, np.float32)[:, None]))
    assert float(logs["wasserstein"]) == pytest.approx(expected_w, rel=1e-5, abs=1e-5)
    assert float(logs["d_loss"]) == pytest.approx(-expected_w + 10 * 16.0, rel=1e-5)


def test_penalty_is_taken_at_the_per_example_interpolates():
    # D(x) = ½‖x‖² + w·x with w = 0: ∇D(x̂) = x̂, so the penalty is
    # mean((‖εx + (1−ε)x̃‖ − 1)²) with this step's ε: a wrong x̂ or a scalar ε fails.
    gan = models.create("wgan_gp", "8gaussians", n_critic=1)
    x = keras.Input((2,))
    half_square = keras.layers.Lambda(lambda v: 0.5 * tf.reduce_sum(v * v, 1, keepdims=True))(x)
    linear = keras.layers.Dense(1, kernel_initializer="zeros")(x)
    gan.critic = keras.Model(x, keras.layers.Add()([half_square, linear]))
    gan.compile(*gan.make_optimizers(gan.config))
    real = tf.random.normal([64, 2], seed=3) * 2
    fake = gan.generator(gan.latent(64, CRITIC_LATENT, 0))
    eps = gan.uniform(64, PENALTY_MIX, 0, trailing_dims=1)
    assert len(np.unique(eps.numpy())) == 64  # one ε per example
    x_hat = eps * real + (1 - eps) * fake
    expected = tf.reduce_mean(tf.square(tf.norm(x_hat, axis=1) - 1.0))
    logs = gan.critic_step(real, 0)
    assert float(logs["gradient_penalty"]) == pytest.approx(float(expected), rel=1e-5)


def test_one_critic_update_lowers_its_loss_on_a_fixed_batch():
    gan = models.create("wgan_gp", "mnist")
    gan.compile(*gan.make_optimizers(gan.config))
    real = tf.random.uniform([16, 1, 28, 28, 1], seed=2)
    before = gan.critic_step(real[:, 0], 0)
    # The generator step has not moved: the same z and ε are drawn again.
    after = gan.critic_step(real[:, 0], 0)
    assert float(after["d_loss"]) < float(before["d_loss"])


def test_one_generator_update_lowers_its_loss():
    gan = models.create("wgan_gp", "mnist")
    gan.compile(*gan.make_optimizers(gan.config))
    before = float(gan.generator_step(16)["g_loss"])
    z = gan.latent(16, GENERATOR_LATENT)  # the same z: the step counter has not moved
    after = float(-tf.reduce_mean(gan.critic(gan.generator(z))))
    assert after < before


def test_train_step_runs_n_critic_critic_updates_and_one_generator_update():
    gan = models.create("wgan_gp", "8gaussians")
    gan.compile(*gan.make_optimizers(gan.config))
    gan.train_step(tf.random.normal([8, 5, 2]))
    assert int(gan.d_optimizer.iterations) == 5 and int(gan.g_optimizer.iterations) == 1
    assert int(gan.step) == 1


def test_paper_defaults_are_selectable():
    cfg = models.get("wgan_gp", "mnist")
    assert (cfg.gp_weight, cfg.n_critic, cfg.learning_rate, cfg.beta1, cfg.beta2,
            cfg.adam_epsilon) == (10.0, 5, 1e-4, 0.5, 0.9, 1e-8)
    paper = models.create("wgan_gp", "mnist", beta1=0.0)
    g_opt, _ = paper.make_optimizers(paper.config)
    assert float(g_opt.beta_1) == 0.0
    assert models.get("wgan_gp", "8gaussians").gp_weight == 0.1


def test_cifar_networks_have_the_codes_parameter_counts():
    # gan_cifar.py, DIM 128: Linear 128→8192 + BN(8192), deconv 5×5 512→256, 256→128
    # (each + BN), 128→3; critic conv 5×5 3→128→256→512, Linear 8192→1.
    bn = lambda c: 2 * c
    g_expected = (128 * 8192 + 8192) + bn(8192) + conv_params(5, 512, 256) + bn(256) \
        + conv_params(5, 256, 128) + bn(128) + conv_params(5, 128, 3)
    d_expected = conv_params(5, 3, 128) + conv_params(5, 128, 256) + conv_params(5, 256, 512) \
        + 8192 + 1
    assert (g_expected, d_expected) == (5_179_907, 4_114_689)
    gan = models.create("wgan_gp", "cifar10")
    trainable = lambda net: sum(int(np.prod(v.shape)) for v in net.trainable_variables)
    assert (trainable(gan.generator), trainable(gan.critic)) == (g_expected, d_expected)
    # gan_cifar_resnet.py, unconditional, DIM 128: Linear 128→2048; 3 up-blocks of
    # (1×1 shortcut, BN, 3×3, BN, 3×3); BN; 3×3 to 3. Critic: first block (3×3, 3×3,
    # 1×1 shortcut), a down-block with a 1×1 shortcut, 2 plain blocks, Linear 128→1.
    block = conv_params(1, 128, 128) + 2 * bn(128) + 2 * conv_params(3, 128, 128)
    g_expected = (128 * 2048 + 2048) + 3 * block + bn(128) + conv_params(3, 128, 3)
    d_expected = (conv_params(3, 3, 128) + conv_params(3, 128, 128) + conv_params(1, 3, 128)) \
        + (conv_params(1, 128, 128) + 2 * conv_params(3, 128, 128)) \
        + 2 * (2 * conv_params(3, 128, 128)) + 129
    assert (g_expected, d_expected) == (1_204_483, 1_053_825)
    resnet = models.create("wgan_gp", "cifar10_resnet")
    assert (trainable(resnet.generator), trainable(resnet.critic)) == (g_expected, d_expected)
    assert resnet.generator.output_shape == (None, 32, 32, 3)


def test_resnet_config_decays_the_learning_rate_linearly_per_generator_step():
    cfg = models.get("wgan_gp", "cifar10_resnet")
    assert (cfg.learning_rate, cfg.beta1, cfg.lr_decay_steps, cfg.generator_batch) == (2e-4, 0.0, 100000, 128)
    g_schedule = wgan_gp.LinearDecay(2e-4, 100000)
    d_schedule = wgan_gp.LinearDecay(2e-4, 100000, updates_per_step=5)
    assert float(g_schedule(50000)) == pytest.approx(1e-4)
    # The critic's 5 updates of generator step g all use g's rate.
    assert [float(d_schedule(5 * 50000 + i)) for i in range(5)] == pytest.approx([1e-4] * 5)
    assert float(d_schedule(5 * 100000 + 3)) == 0.0


def test_a_larger_generator_batch_is_drawn_for_the_generator_step():
    gan = models.create("wgan_gp", "8gaussians", generator_batch=512)  # batch 256
    gan.compile(*gan.make_optimizers(gan.config))
    seen = []
    generator = gan.generator
    gan.generator = lambda z, training=False: (seen.append(int(z.shape[0])), generator(z))[1]
    gan.generator.trainable_variables = generator.trainable_variables
    gan.generator_step(256)
    assert seen == [512]


def test_a_zero_critic_gradient_gives_a_finite_penalty_update():
    """A critic constant in x has ∇D(x̂) = 0 exactly: the penalty is
    (√1e-12 − 1)² and its gradient finite (the plain norm's gradient at 0 is
    NaN, which would poison the critic's update)."""
    gan = models.create("wgan_gp", "8gaussians")
    x = keras.Input((2,))
    gan.critic = keras.Model(x, keras.layers.Dense(1, kernel_initializer="zeros")(x))
    x_hat = tf.random.uniform([8, 2], seed=3)
    with tf.GradientTape() as tape:
        penalty = gan.gradient_penalty(x_hat)
    kernel = gan.critic.trainable_variables[0]  # the bias does not enter ∇D
    grad = tape.gradient(penalty, kernel)
    # float32: (√1e-12 − 1)² rounds to 2.7e-8 below (1 − 1e-6)², and the mean
    # of 8 such values is within 8.7e-8 of (1 − 1e-6)² for every summation
    # order (all enumerated); bound 2e-7. ε 10× smaller or larger moves the
    # penalty by 1.4e-6 or 4.3e-6.
    np.testing.assert_allclose(float(penalty), (1 - 1e-6) ** 2, rtol=2e-7)
    assert np.isfinite(grad.numpy()).all()
