"""DCGAN — Radford, Metz & Chintala 2015, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks".

The paper's rules (§3): strided convolutions in D, fractional-strided ones in
G, no pooling, BatchNorm in both but at G's output and D's input, no fully
connected hidden layers, ReLU in G with a tanh output, LeakyReLU 0.2 in D.
Training (§4): inputs in [−1, 1], batch 128, weights N(0, 0.02), Adam 2e-4
with β1 0.5, z ~ U(−1, 1). The layer plan is the authors'-era TensorFlow code
(carpedm20/DCGAN-tensorflow `model.py`): G projects z to an (H/16)×(W/16)×8g
map and doubles the size four times (8g, 4g, 2g, g channels, then the image);
D mirrors it with four 5×5 stride-2 convolutions (d, 2d, 4d, 8d) and a
linear output. `depth` sets the number of stride-2 layers (4: that plan; the
28×28 configs use 2, a deviation named there). Odd sizes round up, as TF's
'SAME' (28 → 14 → 7 → 4 → 2).
Layers followed by BatchNorm have no bias (BatchNorm's offset is one), as in
the authors' Newmu/dcgan_code; carpedm20 adds biases that BatchNorm cancels.
"""

import dataclasses

import keras
import tensorflow as tf

from zoo import data
from zoo.config import ConfigError, GANConfig, require
from zoo.models.base import CRITIC_LATENT, GAN
from zoo.models.layers import batch_norm, halvings, leaky_relu, normal, same_size_deconv


@dataclasses.dataclass(frozen=True)
class DCGANConfig(GANConfig):
    arch: str = "dcgan"           # the one layer plan (carpedm20 model.py)
    loss: str = "non_saturating"  # paper §3 via Goodfellow et al.: D's BCE, G's −log D(G(z))
    gf_dim: int = 64              # carpedm20 model.py gf_dim: G's last hidden layer's channels
    df_dim: int = 64              # carpedm20 df_dim: D's first layer's channels
    kernel: int = 5               # carpedm20 ops.py conv2d / deconv2d k_h = k_w = 5
    depth: int = 4                # carpedm20 model.py: four stride-2 layers in G and in D
    init_std: float = 0.02        # paper §4: all weights N(0, 0.02)
    learning_rate: float = 2e-4   # paper §4
    beta1: float = 0.5            # paper §4 (0.9 "resulted in training oscillation")
    beta2: float = 0.999          # Adam's default in both codes
    adam_epsilon: float = 1e-8    # tf.train.AdamOptimizer's default (Keras's is 1e-7)
    bn_momentum: float = 0.9      # carpedm20 ops.batch_norm decay 0.9
    bn_epsilon: float = 1e-5      # carpedm20 ops.batch_norm epsilon
    leak: float = 0.2             # paper §3: LeakyReLU slope 0.2
    # Generator updates per discriminator update: 1 as the paper's Algorithm
    # (Goodfellow et al.'s, k = 1) and Newmu/dcgan_code; carpedm20 runs 2.
    generator_updates: int = 1

    def check(self):
        super().check()
        if len(data.example_shape(self.dataset)) != 3:
            raise ConfigError(f"dcgan needs an image dataset, not {self.dataset!r}")
        for name in ("gf_dim", "df_dim", "kernel", "depth", "generator_updates"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)}")
        require(self, ("learning_rate", "adam_epsilon"), lambda v: v > 0, "positive")
        require(self, ("beta1", "beta2"), lambda v: 0 <= v < 1, "in [0, 1)")
        return self


def generator(cfg):
    h, w, c = data.example_shape(cfg.dataset)  # square images: h == w
    sizes = halvings(h, cfg.depth)[::-1]  # depth 4 at 28: 2, 4, 7, 14, 28
    channels = [cfg.gf_dim * 2 ** i for i in reversed(range(cfg.depth))]  # 8g, 4g, 2g, g
    init = lambda: normal(cfg.init_std)  # a fresh initializer per layer (see layers.normal)
    bn = lambda: batch_norm(cfg.bn_momentum, cfg.bn_epsilon)
    layers = [keras.Input((cfg.latent_dim,)),
              # "project and reshape" (paper Fig. 1): a linear map, not a hidden FC layer
              keras.layers.Dense(sizes[0] * sizes[0] * channels[0], kernel_initializer=init(),
                                 use_bias=False),
              keras.layers.Reshape((sizes[0], sizes[0], channels[0])), bn(), keras.layers.ReLU()]
    for i in range(1, cfg.depth):
        layers += [same_size_deconv(channels[i], cfg.kernel, sizes[i - 1], sizes[i],
                                    kernel_initializer=init(), use_bias=False),
                   bn(), keras.layers.ReLU()]
    layers += [same_size_deconv(c, cfg.kernel, sizes[-2], sizes[-1], kernel_initializer=init()),
               keras.layers.Activation("tanh", dtype="float32")]  # no BN at G's output (§3)
    return keras.Sequential(layers, name="generator")


def discriminator(cfg):
    h, w, c = data.example_shape(cfg.dataset)
    init = lambda: normal(cfg.init_std)
    layers = [keras.Input((h, w, c))]
    for i in range(cfg.depth):  # d, 2d, 4d, 8d channels at depth 4
        layers.append(keras.layers.Conv2D(cfg.df_dim * 2 ** i, cfg.kernel, strides=2,
                                          padding="same", kernel_initializer=init(),
                                          use_bias=i == 0))
        if i:  # no BN at D's input layer (§3)
            layers.append(batch_norm(cfg.bn_momentum, cfg.bn_epsilon))
        layers.append(leaky_relu(cfg.leak))
    layers += [keras.layers.Flatten(),
               keras.layers.Dense(1, kernel_initializer=init(), dtype="float32")]  # logit of D
    return keras.Sequential(layers, name="discriminator")


class DCGAN(GAN):
    """Per step: one discriminator update on a real batch and a fresh fake
    batch, each through D separately (as both codes: BatchNorm statistics per
    batch), minimising −log D(x) − log(1 − D(G(z))); then `generator_updates`
    generator updates on the non-saturating −log D(G(z))."""

    architectures = {"dcgan": (generator, discriminator)}

    @staticmethod
    def make_optimizers(cfg):
        adam = lambda: keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta1, beta_2=cfg.beta2,
                                             epsilon=cfg.adam_epsilon)
        return adam(), adam()

    def discriminator_step(self, real):
        n = tf.shape(real)[0]
        fake = self.generator(self.latent(n, CRITIC_LATENT), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.critic(real, training=True)
            fake_logits = self.critic(fake, training=True)
            d_loss = self.d_loss_fn(real_logits, fake_logits)
        d_grad_norm = self.minimize(self.d_optimizer, tape, d_loss, self.critic.trainable_variables)
        return dict(d_loss=d_loss, d_grad_norm=d_grad_norm,
                    **self.output_logs(real_logits, fake_logits))

    def train_step(self, real):
        logs = self.discriminator_step(real[:, 0])
        for i in range(self.config.generator_updates):
            logs.update(self.generator_step(tf.shape(real)[0], sub=i))
        self.step.assign_add(1)
        return self.report(**logs)
