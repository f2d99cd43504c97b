"""WGAN-GP — Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".

Networks follow the authors' code (igul222/improved_wgan_training,
`gan_mnist.py` and `gan_toy.py`), including its initialisers; the step is
the paper's Algorithm 1.
"""

import math

import keras
import tensorflow as tf

from zoo import data, losses
from zoo.configs.wgan_gp import WGANGPConfig  # noqa: F401 - the model's config class
from zoo.models.base import GAN, PENALTY_MIX
from zoo.models import layers
from zoo.models.layers import LayerNorm, leaky_relu, residual_block  # leaky_relu: max(0.2x, x)


# ---- initialisers of the code's tflib: uniform with the given std -----------

def _uniform(std):
    limit = std * math.sqrt(3.0)
    return keras.initializers.RandomUniform(-limit, limit)


def _linear_init(fan_in, fan_out, he=False):
    # tflib Linear: 'he' std √(2/fan_in); default ('glorot') std √(2/(fan_in+fan_out)).
    return _uniform(math.sqrt(2.0 / fan_in) if he else math.sqrt(2.0 / (fan_in + fan_out)))


def _conv_init(k, c_in, c_out, stride, transposed, he=True):
    # tflib Conv2D / Deconv2D: std √(4/(fan_in+fan_out)) with he_init=True,
    # √(2/(fan_in+fan_out)) without; the strided side's fan is divided by stride².
    fan_in, fan_out = c_in * k * k, c_out * k * k
    if transposed:
        fan_in /= stride ** 2
    else:
        fan_out /= stride ** 2
    return _uniform(math.sqrt((4.0 if he else 2.0) / (fan_in + fan_out)))


def dense(units, fan_in, he=False, activation=None, dtype=None):
    return keras.layers.Dense(units, activation=activation, dtype=dtype,
                              kernel_initializer=_linear_init(fan_in, units, he))


def conv(c_in, c_out, transposed=False, k=5, stride=2, he=True):
    layer = keras.layers.Conv2DTranspose if transposed else keras.layers.Conv2D
    return layer(c_out, k, strides=stride, padding="same",
                 kernel_initializer=_conv_init(k, c_in, c_out, stride, transposed, he))


def batch_norm():
    # tflib batchnorm: ε 1e-5, scale 1, offset 0. The code normalises with
    # batch statistics even when sampling; the zoo's export uses the moving
    # averages, so that a sample does not depend on its batch (deviation).
    return layers.batch_norm(momentum=0.9, epsilon=1e-5)


# ---- networks ----------------------------------------------------------------

def mnist_generator(cfg):
    d = cfg.dim  # z 128 → 4·4·4d → deconv 2d → crop 7×7 → deconv d → deconv 1, sigmoid
    return keras.Sequential([
        keras.Input((cfg.latent_dim,)),
        dense(4 * 4 * 4 * d, cfg.latent_dim, activation="relu"),
        keras.layers.Reshape((4, 4, 4 * d)),
        conv(4 * d, 2 * d, transposed=True), keras.layers.ReLU(),
        keras.layers.Cropping2D(((0, 1), (0, 1))),  # the code's output[:, :, :7, :7]
        conv(2 * d, d, transposed=True), keras.layers.ReLU(),
        conv(d, 1, transposed=True),
        keras.layers.Activation("sigmoid", dtype="float32"),  # float32 output under mixed precision
    ], name="generator")


def conv_critic(cfg):
    """gan_mnist.py and gan_cifar.py in WGAN-GP mode: conv 5×5 stride 2
    d → 2d → 4d, LeakyReLU 0.2, linear to 1, no normalisation (the codes'
    other modes put BatchNorm where critic_norm=layer puts LayerNorm)."""
    d, shape = cfg.dim, data.example_shape(cfg.dataset)
    norm = (lambda: [LayerNorm()]) if cfg.critic_norm == "layer" else (lambda: [])
    return keras.Sequential([
        keras.Input(shape),
        conv(shape[-1], d), leaky_relu(),
        conv(d, 2 * d), *norm(), leaky_relu(),
        conv(2 * d, 4 * d), *norm(), leaky_relu(),
        keras.layers.Flatten(),
        dense(1, 4 * 4 * 4 * d, dtype="float32"),
    ], name="critic")


def _mlp(cfg, n_in, n_out, name, norm=False):
    layers = [keras.Input((n_in,))]
    fan_in = n_in
    for _ in range(3):  # gan_toy.py: three ReLU layers of DIM, 'he' init
        layers.append(dense(cfg.dim, fan_in, he=True))
        layers += [LayerNorm()] if norm else []
        layers.append(keras.layers.ReLU())
        fan_in = cfg.dim
    layers.append(dense(n_out, fan_in, dtype="float32"))
    return keras.Sequential(layers, name=name)


def cifar_generator(cfg):
    d = cfg.dim  # gan_cifar.py: z 128 → 4·4·4d, BN → deconv 2d, BN → deconv d, BN → deconv 3, tanh
    return keras.Sequential([
        keras.Input((cfg.latent_dim,)),
        dense(4 * 4 * 4 * d, cfg.latent_dim), batch_norm(), keras.layers.ReLU(),  # BN per unit
        keras.layers.Reshape((4, 4, 4 * d)),
        conv(4 * d, 2 * d, transposed=True), batch_norm(), keras.layers.ReLU(),
        conv(2 * d, d, transposed=True), batch_norm(), keras.layers.ReLU(),
        conv(d, 3, transposed=True),
        keras.layers.Activation("tanh", dtype="float32"),
    ], name="generator")


# gan_cifar_resnet.py's convolutions are 'same', stride 1, tflib-initialised;
# its blocks are zoo.models.layers.residual_block.

def _res_conv(c_in, c_out, k, he=True):
    return conv(c_in, c_out, k=k, stride=1, he=he)


def resnet_generator(cfg):
    d = cfg.dim  # z → 4·4·d → 3 up-blocks → BN, ReLU, conv 3×3 to 3, tanh
    z = keras.Input((cfg.latent_dim,))
    x = keras.layers.Reshape((4, 4, d))(dense(4 * 4 * d, cfg.latent_dim)(z))
    for _ in range(3):
        x = residual_block(x, d, d, "up", batch_norm, _res_conv)
    x = keras.layers.ReLU()(batch_norm()(x))
    x = _res_conv(d, 3, 3, he=False)(x)
    return keras.Model(z, keras.layers.Activation("tanh", dtype="float32")(x), name="generator")


def resnet_critic(cfg):
    d = cfg.dim  # first block (no pre-activation), down-block, 2 plain blocks, ReLU, mean pool, linear
    norm = LayerNorm if cfg.critic_norm == "layer" else (lambda: keras.layers.Identity())
    x_in = keras.Input((32, 32, 3))
    shortcut = _res_conv(3, d, 1, he=False)(keras.layers.AveragePooling2D(2)(x_in))
    h = keras.layers.ReLU()(_res_conv(3, d, 3)(x_in))
    h = keras.layers.AveragePooling2D(2)(_res_conv(d, d, 3)(h))
    x = keras.layers.Add()([shortcut, h])
    x = residual_block(x, d, d, "down", norm, _res_conv)
    x = residual_block(x, d, d, None, norm, _res_conv)
    x = residual_block(x, d, d, None, norm, _res_conv)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.ReLU()(x))
    return keras.Model(x_in, dense(1, d, dtype="float32")(x), name="critic")


ARCHITECTURES = {
    "mnist_conv": (mnist_generator, conv_critic),
    "toy_mlp": (lambda c: _mlp(c, c.latent_dim, 2, "generator"),
                lambda c: _mlp(c, 2, 1, "critic", norm=c.critic_norm == "layer")),
    "cifar_conv": (cifar_generator, conv_critic),
    "cifar_resnet": (resnet_generator, resnet_critic),
}


def gradient_penalty(critic, x_hat):
    """Share of the global-batch mean of (‖∇D(x̂)‖ − 1)² for the critic D, the
    norm taken per example."""
    with tf.GradientTape() as penalty_tape:
        penalty_tape.watch(x_hat)
        d_hat = critic(x_hat, training=True)
    # ∇D(x̂) is O(1) per example: unscaled, it neither underflows nor
    # (as a loss-scaled one at 2^15 did) overflows in float16.
    grad_x_hat = penalty_tape.gradient(d_hat, x_hat)
    squares = tf.reduce_sum(tf.square(tf.reshape(grad_x_hat, [tf.shape(x_hat)[0], -1])), axis=1)
    # sqrt(Σ + 1e-12), not the norm: an exactly-zero ∇D(x̂) row would give
    # the norm's 0/0 gradient (NaN). 1e-12 is under half float32's spacing
    # at any Σ ≥ 2^-14, so those rows (‖∇D‖ ≈ 1 in training) are unchanged.
    slopes = tf.sqrt(squares + 1e-12)
    return losses.global_mean(tf.square(slopes - 1.0))


class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr · max(0, 1 − g / steps), g the generator step: an optimizer making
    `updates_per_step` updates per generator step (the critic: n_critic)
    counts g as its iterations // updates_per_step (gan_cifar_resnet.py)."""

    def __init__(self, learning_rate, steps, updates_per_step=1):
        self.learning_rate, self.steps, self.updates_per_step = learning_rate, steps, updates_per_step

    def __call__(self, iterations):
        g = tf.cast(iterations // self.updates_per_step, tf.float32)
        return self.learning_rate * tf.maximum(0.0, 1.0 - g / self.steps)

    def get_config(self):
        return dict(learning_rate=self.learning_rate, steps=self.steps,
                    updates_per_step=self.updates_per_step)


class WGANGP(GAN):
    """Algorithm 1 of the paper: n_critic critic steps on
    L = D(x̃) − D(x) + λ(‖∇D(x̂)‖ − 1)², x̂ = εx + (1−ε)x̃, then one generator
    step on −D(G(z)). (The code runs the generator step first from the second
    iteration on: the same sequence of updates but for the last one.)"""

    architectures = ARCHITECTURES

    @property
    def real_batches_per_step(self):
        return self.config.n_critic

    @staticmethod
    def make_optimizers(cfg):
        def adam(updates_per_step):
            lr = cfg.learning_rate
            if cfg.lr_decay_steps:
                lr = LinearDecay(lr, cfg.lr_decay_steps, updates_per_step)
            return keras.optimizers.Adam(lr, beta_1=cfg.beta1, beta_2=cfg.beta2,
                                         epsilon=cfg.adam_epsilon)
        return adam(1), adam(cfg.n_critic)

    def gradient_penalty(self, x_hat):
        return gradient_penalty(self.critic, x_hat)

    def critic_penalty(self, real, fake, sub):
        """λ(‖∇D(x̂)‖ − 1)² at x̂ = εx + (1−ε)x̃, one ε ~ U[0, 1] per example."""
        eps = self.uniform(tf.shape(real)[0], PENALTY_MIX, sub, trailing_dims=len(real.shape) - 1)
        x_hat = eps * real + (1.0 - eps) * fake
        return {"gradient_penalty": (self.config.gp_weight, self.gradient_penalty(x_hat))}

    def generator_step(self, n, sub=0):
        if self.config.generator_batch:  # a larger generator batch (gan_cifar_resnet.py: 2×)
            n = n * (self.config.generator_batch // self.config.batch_size)
        return super().generator_step(n, sub)

    def train_step(self, real):
        # real: (batch, n_critic, ...): one fresh real batch per critic step.
        for i in range(self.config.n_critic):
            logs = self.critic_step(real[:, i], i)
        logs.update(self.generator_step(tf.shape(real)[0]))
        self.step.assign_add(1)
        return self.report(**logs)
