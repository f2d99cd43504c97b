"""GAN — Goodfellow et al. 2014, "Generative Adversarial Nets".

Networks, dropout and optimizer follow the authors' pylearn2 code
(goodfeli/adversarial: `mnist.yaml`, `tfd_pretrain/`, `cifar10_*.yaml` and
its `AdversaryCost2`). The discriminator D maximises
log D(x) + log(1 − D(G(z))) (it minimises 0.5·[BCE(D(x), 1) + BCE(D(G(z)), 0)]);
the generator minimises the non-saturating −log D(G(z)) (paper §3).

Two update orders:
- "simultaneous" (the code): one minibatch and one noise batch give both
  gradients, taken at the same weights, and SGD applies both at once;
- "alternating" (the paper's Algorithm 1): k discriminator updates, each on
  its own minibatch, then one generator update on fresh noise.
"""


import keras
import numpy as np
import tensorflow as tf

from zoo import data
from zoo.configs.gan import GoodfellowGANConfig  # noqa: F401 - the model's config class
from zoo.models.base import CRITIC_LATENT, GAN, GENERATOR_LATENT
from zoo.models.layers import Maxout, MaxoutConv2D, SparseNormal, UntiedBias


def global_contrast_normalize(x, scale):
    """pylearn2's global_contrast_normalize(X, scale) with its defaults: each
    example minus its mean, then scaled to L2 norm `scale` (CIFAR-10: 55,
    about unit variance per value over 3,072 values)."""
    flat = tf.reshape(x, [tf.shape(x)[0], -1])
    flat = flat - tf.reduce_mean(flat, axis=1, keepdims=True)
    norm = tf.maximum(tf.norm(flat, axis=1, keepdims=True), 1e-8)  # its min_divisor
    return tf.reshape(flat * scale / norm, tf.shape(x))


# ---- optimizer ----------------------------------------------------------------

class DecayingLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """pylearn2's ExponentialDecay: lr₀ / decay^t, never below min_lr."""

    def __init__(self, learning_rate, decay, min_lr):
        self.learning_rate, self.decay, self.min_lr = learning_rate, decay, min_lr

    def __call__(self, iterations):
        # float64: 1.000004 is 1.0000039 in float32, 2% off by t = 10⁵ (pylearn2 used Python floats).
        t = tf.cast(iterations, tf.float64)
        lr = tf.maximum(self.learning_rate / tf.pow(tf.constant(self.decay, tf.float64), t),
                        self.min_lr)
        return tf.cast(lr, tf.float32)

    def get_config(self):
        return dict(learning_rate=self.learning_rate, decay=self.decay, min_lr=self.min_lr)


class MomentumSGD(keras.optimizers.SGD):
    """SGD with momentum (v ← μv − lr·g, w ← w + v, as pylearn2's Momentum)
    whose μ rises linearly from `momentum` at epoch `start` to `final` at
    epoch `saturate` (pylearn2's MomentumAdjustor, updated once per epoch)."""

    def __init__(self, learning_rate, momentum, final, start, saturate, updates_per_epoch, **kw):
        super().__init__(learning_rate, momentum=momentum, **kw)
        self.initial_momentum, self.final_momentum = momentum, final
        self.start, self.saturate, self.updates_per_epoch = start, saturate, updates_per_epoch

    def momentum_at(self, iterations):
        # MomentumAdjustor counts its on_monitor calls, and pylearn2's Train
        # monitors once before the first epoch: during 0-based epoch e the
        # count is e + 1 (epoch 0 uses count 1, not 0).
        count = tf.cast(iterations // self.updates_per_epoch + 1, tf.float32)
        rise = tf.clip_by_value((count - self.start) / max(self.saturate - self.start, 1), 0.0, 1.0)
        return self.initial_momentum + (self.final_momentum - self.initial_momentum) * rise

    def update_step(self, gradient, variable, learning_rate):
        lr = tf.cast(learning_rate, variable.dtype)
        mu = tf.cast(self.momentum_at(self.iterations), variable.dtype)
        velocity = self.momentums[self._get_variable_index(variable)]
        self.assign(velocity, mu * velocity - lr * tf.cast(gradient, variable.dtype))
        self.assign_add(variable, velocity)


# ---- networks -------------------------------------------------------------------

def _uniform(irange):
    return keras.initializers.RandomUniform(-irange, irange)


def _max_norm(value):
    return keras.constraints.MaxNorm(value, axis=0) if value else None


def mlp_generator(cfg):
    shape = data.example_shape(cfg.dataset)
    layers = [keras.Input((cfg.latent_dim,))]
    biases = cfg.g_hidden_bias or (0.0,) * len(cfg.g_units)
    for units, activation, bias in zip(cfg.g_units, cfg.g_activations, biases):
        layers.append(keras.layers.Dense(units, activation=activation,
                                         kernel_initializer=_uniform(cfg.g_irange),
                                         bias_initializer=keras.initializers.Constant(bias),
                                         kernel_constraint=_max_norm(cfg.g_max_col_norm)))
    output_init = (SparseNormal(cfg.g_output_sparse_init) if cfg.g_output_sparse_init
                   else _uniform(cfg.g_output_irange))
    layers += [keras.layers.Dense(int(np.prod(shape)), kernel_initializer=output_init,
                                  kernel_constraint=_max_norm(cfg.g_max_col_norm)),
               keras.layers.Activation(cfg.g_output if cfg.g_output == "sigmoid" else "linear",
                                       dtype="float32"),
               keras.layers.Reshape(shape, dtype="float32")]
    return keras.Sequential(layers, name="generator")


def maxout_discriminator(cfg):
    shape = data.example_shape(cfg.dataset)
    layers = [keras.Input(shape), keras.layers.Flatten()]
    for units in cfg.d_units:
        layers.append(Maxout(units, cfg.d_pieces, cfg.d_irange, cfg.d_max_col_norm))
    layers.append(keras.layers.Dense(1, kernel_initializer=_uniform(cfg.d_irange),
                                     kernel_constraint=_max_norm(cfg.d_max_col_norm),
                                     dtype="float32"))  # the logit of the sigmoid unit
    return keras.Sequential(layers, name="discriminator")


def conv_generator(cfg):
    """cifar10_convolutional.yaml: ReLU 8000 → sigmoid 8000 → 80 maps of
    10×10 → a 5×5 transposed convolution, stride 3, to 32×32×3 with a bias per
    output value (tied_b 0), linear output."""
    layers = [keras.Input((cfg.latent_dim,))]
    for units, activation in zip(cfg.g_units, cfg.g_activations):
        layers.append(keras.layers.Dense(units, activation=activation,
                                         kernel_initializer=_uniform(cfg.g_irange)))
    layers += [keras.layers.Reshape((10, 10, 80)),
               keras.layers.Conv2DTranspose(3, 5, strides=3, use_bias=False,
                                            kernel_initializer=_uniform(cfg.g_output_irange)),
               UntiedBias(dtype="float32")]
    return keras.Sequential(layers, name="generator")


def conv_discriminator(cfg):
    """cifar10_convolutional.yaml: conv-maxout 32×2 pieces, 8×8, pad 4, pool 4
    stride 2 (32 → 33 → 16); 32×2, 8×8, pad 3, pool 4/2 (→ 15 → 7); 192×2,
    5×5, pad 3, pool 2/2 (→ 9 → 5); maxout 500×5; sigmoid unit."""
    irange = cfg.d_irange
    return keras.Sequential([
        keras.Input(data.example_shape(cfg.dataset)),
        MaxoutConv2D(32, 2, 8, pad=4, pool=4, pool_stride=2, irange=irange),
        MaxoutConv2D(32, 2, 8, pad=3, pool=4, pool_stride=2, irange=irange),
        MaxoutConv2D(192, 2, 5, pad=3, pool=2, pool_stride=2, irange=irange),
        keras.layers.Flatten(),
        Maxout(500, 5, irange),
        keras.layers.Dense(1, kernel_initializer=_uniform(irange), dtype="float32"),
    ], name="discriminator")


ARCHITECTURES = {"mlp": (mlp_generator, maxout_discriminator),
                 "conv": (conv_generator, conv_discriminator)}


class GoodfellowGAN(GAN):
    """The original GAN; see the module docstring for its two update orders."""

    architectures = ARCHITECTURES

    @property
    def real_batches_per_step(self):
        return self.config.k if self.config.update == "alternating" else 1

    @staticmethod
    def make_optimizers(cfg):
        def sgd():
            lr = DecayingLearningRate(cfg.learning_rate, cfg.lr_decay, cfg.min_lr)
            return MomentumSGD(lr, cfg.momentum, cfg.final_momentum, cfg.momentum_start,
                               cfg.momentum_saturate, cfg.epoch_size // cfg.batch_size)
        return sgd(), sgd()

    @property
    def uses_training_images(self):
        return self.config.g_bias_from_marginals

    def initialize(self, train_images):
        if not self.config.g_bias_from_marginals:
            return
        images = train_images
        low, high = self.config.value_range
        mean = images.reshape(len(images), -1).mean(axis=0) / 255.0 * (high - low) + low
        mean = np.clip(mean, 1e-7, 1 - 1e-7)  # pixels that are always 0 get logit −16
        output = [l for l in self.generator.layers if isinstance(l, keras.layers.Dense)][-1]
        output.bias.assign(np.log(mean / (1 - mean)).astype(np.float32))

    def discriminate(self, x, training, sub):
        """D's logits; in training, with dropout on the input of each layer
        with weights (masks from the stateless streams: the same on any
        replica layout)."""
        first_weighted = next(l for l in self.critic.layers if l.weights)
        h = x
        for i, layer in enumerate(self.critic.layers):
            if training and layer.weights:
                keep = self.config.input_keep if layer is first_weighted else self.config.hidden_keep
                h = self.dropout(h, keep, sub=100 * sub + i)
            h = layer(h, training=training)
        return h

    def losses(self, real, fake, sub):
        real_logits = self.discriminate(real, True, 2 * sub)
        fake_logits = self.discriminate(fake, True, 2 * sub + 1)
        # AdversaryCost2 halves D's two terms (its learning rates assume it).
        d_loss = 0.5 * self.d_loss_fn(real_logits, fake_logits)
        g_loss = self.g_loss_fn(fake_logits)  # through the same dropout masks
        return d_loss, g_loss, self.output_logs(real_logits, fake_logits)

    def simultaneous_step(self, real):
        with tf.GradientTape(persistent=True) as tape:
            fake = self.generator(self.latent(tf.shape(real)[0], GENERATOR_LATENT), training=True)
            d_loss, g_loss, logs = self.losses(real, fake, 0)
        # Both gradients come from this forward pass, at the weights before
        # either update (the tape holds the values it read).
        d_grad_norm = self.minimize(self.d_optimizer, tape, d_loss, self.critic.trainable_variables)
        g_grad_norm = self.minimize(self.g_optimizer, tape, g_loss,
                                    self.generator.trainable_variables)
        del tape
        return dict(logs, d_loss=d_loss, g_loss=g_loss, d_grad_norm=d_grad_norm,
                    g_grad_norm=g_grad_norm)

    def alternating_step(self, real):
        n = tf.shape(real)[0]
        for i in range(self.config.k):
            fake = self.generator(self.latent(n, CRITIC_LATENT, i), training=True)
            with tf.GradientTape() as tape:
                d_loss, _, logs = self.losses(real[:, i], fake, i)
            d_grad_norm = self.minimize(self.d_optimizer, tape, d_loss,
                                        self.critic.trainable_variables)
        with tf.GradientTape() as tape:
            fake = self.generator(self.latent(n, GENERATOR_LATENT), training=True)
            g_loss = self.g_loss_fn(self.discriminate(fake, True, self.config.k * 2 + 1))
        g_grad_norm = self.minimize(self.g_optimizer, tape, g_loss,
                                    self.generator.trainable_variables)
        return dict(logs, d_loss=d_loss, g_loss=g_loss, d_grad_norm=d_grad_norm,
                    g_grad_norm=g_grad_norm)

    def train_step(self, real):
        if self.config.update == "simultaneous":
            logs = self.simultaneous_step(real[:, 0])
        else:
            logs = self.alternating_step(real)
        self.step.assign_add(1)
        return self.report(**logs)
