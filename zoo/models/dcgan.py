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


import keras
import tensorflow as tf

from zoo import data
from zoo.configs.dcgan import DCGANConfig  # noqa: F401 - the model's config class
from zoo.models.base import GAN
from zoo.models.layers import batch_norm, halvings, leaky_relu, normal, same_size_deconv


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

    def train_step(self, real):
        logs = self.critic_step(real[:, 0])
        for i in range(self.config.generator_updates):
            logs.update(self.generator_step(tf.shape(real)[0], sub=i))
        self.step.assign_add(1)
        return self.report(**logs)
