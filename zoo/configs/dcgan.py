"""DCGAN configs. Sources: the paper (Radford et al. 2015, §3–4) and the
code it is usually run from, carpedm20/DCGAN-tensorflow (`main.py`, `model.py`).
The paper has no MNIST, Fashion-MNIST or CIFAR-10 generation experiment:
these configs apply its rules and training settings at 28×28 and 32×32."""

import dataclasses

from zoo.config import GANConfig, require
from zoo.errors import UserError

# The registry's model class for these configs, imported when a model is
# built (configs stay importable without TensorFlow).
MODEL = "zoo.models.dcgan:DCGAN"


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
        from zoo import data
        if len(data.example_shape(self.dataset)) != 3:
            raise UserError(f"{self.model} needs an image dataset, not {self.dataset!r}")
        for name in ("gf_dim", "df_dim", "kernel", "depth", "generator_updates"):
            if getattr(self, name) <= 0:
                raise UserError(f"{name} must be a positive integer, got {getattr(self, name)}")
        require(self, ("learning_rate", "adam_epsilon"), lambda v: v > 0, "positive")
        require(self, ("beta1", "beta2"), lambda v: 0 <= v < 1, "in [0, 1)")
        return self

_COMMON = dict(
    model="dcgan",
    batch_size=128,                    # paper §4
    latent_dim=100,                    # paper §4 / carpedm20 z_dim
    latent_dist="uniform", latent_bound=1.0,  # paper §4: z ~ U(−1, 1)
    value_range=(-1.0, 1.0),           # paper §4: images scaled to tanh's range
    learning_rate=2e-4, beta1=0.5,     # paper §4
    # Deviation: a default run is 1,000 steps (minutes on a CPU); carpedm20
    # trains 25 epochs (paper_steps), --steps sets the length.
    steps=1000, log_every=10, image_every=100, checkpoint_every=100,
)

# Deviation at 28×28: two stride-2 layers (G 7×7×2g → 14×14×g → 28×28, D d → 2d
# channels), as the keras-io / TensorFlow DCGAN MNIST examples, not carpedm20's
# four (28 → 14 → 7 → 4 → 2). Measured here (seed 0, default settings): with four
# the generator collapsed to one image within 300 steps (per-pixel std across
# samples 0.12 at step 300, real MNIST 0.38; also with 2 generator updates),
# with three 0.24 and partly collapsed, with two 0.31 and varied digits by step 200.
_MNIST_LIKE = dict(_COMMON, depth=2, train_split="train_full", paper_steps=25 * (60000 // 128))

CONFIGS = {
    # carpedm20 trains MNIST on all 70k images with a class-conditional net;
    # the zoo's is unconditional on the 60k training images (deviation).
    "mnist": DCGANConfig(dataset="mnist", **_MNIST_LIKE),
    "fashion_mnist": DCGANConfig(dataset="fashion_mnist", **_MNIST_LIKE),
    "cifar10": DCGANConfig(dataset="cifar10", train_split="train_full",
                           paper_steps=25 * (50000 // 128), **_COMMON),
}
