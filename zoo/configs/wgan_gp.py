"""WGAN-GP configs. Sources: the paper (Gulrajani et al. 2017, Algorithm 1)
and its code, igul222/improved_wgan_training (`gan_mnist.py`, `gan_toy.py`,
`gan_cifar.py`, `gan_cifar_resnet.py`). The paper's LayerNorm critic (§4) is
`--set critic_norm=layer` on any of them."""

import dataclasses

from zoo.config import GANConfig, require
from zoo.errors import UserError

# The registry's model class for these configs, imported when a model is
# built (configs stay importable without TensorFlow).
MODEL = "zoo.models.wgan_gp:WGANGP"


@dataclasses.dataclass(frozen=True)
class WGANGPConfig(GANConfig):
    # "mnist_conv" (gan_mnist.py), "toy_mlp" (gan_toy.py), "cifar_conv"
    # (gan_cifar.py) or "cifar_resnet" (gan_cifar_resnet.py)
    arch: str = "mnist_conv"
    loss: str = "wasserstein"    # paper Alg. 1: the critic's E[D(x̃)] − E[D(x)], G's −E[D(x̃)]
    dim: int = 64                # gan_mnist.py DIM; gan_toy.py DIM = 512; gan_cifar*.py 128
    n_critic: int = 5            # paper Alg. 1 and the code: CRITIC_ITERS = 5
    gp_weight: float = 10.0      # λ: paper Alg. 1 and gan_mnist.py LAMBDA = 10
    learning_rate: float = 1e-4  # paper Alg. 1 and the code: Adam lr 1e-4
    beta1: float = 0.5           # the code's Adam β1; the paper's Alg. 1 uses 0.0
    beta2: float = 0.9           # paper Alg. 1 and the code
    adam_epsilon: float = 1e-8   # the code's tf.train.AdamOptimizer default (Keras's is 1e-7)
    critic_norm: str = "none"    # "none" (the code's critics) or "layer" (paper §4: LayerNorm)
    generator_batch: int = 0     # G's batch per update; 0: batch_size (gan_cifar_resnet.py: 2×)
    lr_decay_steps: int = 0      # 0: constant lr; N: linear decay to 0 over N generator
                                 # steps, for G and critic alike (gan_cifar_resnet.py DECAY)

    def check(self):
        super().check()
        from zoo.models.wgan_gp import ARCHITECTURES
        if self.arch not in ARCHITECTURES:
            raise UserError(f"arch must be one of {', '.join(ARCHITECTURES)}, got {self.arch!r}")
        if self.critic_norm not in ("none", "layer"):
            raise UserError(f"critic_norm must be 'none' or 'layer', got {self.critic_norm!r}")
        for name in ("n_critic", "dim"):
            if getattr(self, name) <= 0:
                raise UserError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if self.generator_batch < 0 or self.generator_batch % self.batch_size:
            raise UserError(f"generator_batch must be 0 or a multiple of batch_size "
                              f"({self.batch_size}), got {self.generator_batch}")
        if self.lr_decay_steps < 0:
            raise UserError(f"lr_decay_steps must be 0 or positive, got {self.lr_decay_steps}")
        require(self, ("learning_rate", "adam_epsilon"), lambda v: v > 0, "positive")
        require(self, ("beta1", "beta2"), lambda v: 0 <= v < 1, "in [0, 1)")
        require(self, ("gp_weight",), lambda v: v >= 0, "0 or positive")
        return self

ONE_UPDATE = dict(n_critic=1)  # the replica test: one critic update per call (zoo.models.toy)

CONFIGS = {
    "mnist": WGANGPConfig(
        model="wgan_gp", dataset="mnist",
        arch="mnist_conv", dim=64,        # gan_mnist.py DIM = 64
        batch_size=50,                    # gan_mnist.py BATCH_SIZE
        latent_dim=128,                   # gan_mnist.py: z ~ N(0, I), 128-d
        value_range=(0.0, 1.0),           # gan_mnist.py: pixels in [0, 1], sigmoid output
                                          # (its mnist.pkl.gz holds k/256; the zoo uses k/255)
        gp_weight=10.0,                   # gan_mnist.py LAMBDA
        learning_rate=1e-4, beta1=0.5, beta2=0.9,  # gan_mnist.py Adam
        n_critic=5,                       # gan_mnist.py CRITIC_ITERS
        paper_steps=200000,               # gan_mnist.py ITERS
        # Deviation: a default run is 1,000 generator steps so that it ends in
        # minutes on a laptop CPU; --steps=200000 is the code's full length.
        steps=1000, log_every=10, image_every=100, checkpoint_every=100,
    ),
}

_TOY = dict(
    model="wgan_gp", arch="toy_mlp", dim=512,  # gan_toy.py: MLP 3×512 ReLU
    batch_size=256,                            # gan_toy.py BATCH_SIZE
    latent_dim=2,                              # gan_toy.py: z ~ N(0, I), 2-d
    value_range=(-3.0, 3.0),                   # data range, used only for plots
    # gan_toy.py LAMBDA = 0.1 ("makes things faster for toy tasks"); the
    # paper's λ = 10 with --set gp_weight=10.
    gp_weight=0.1,
    learning_rate=1e-4, beta1=0.5, beta2=0.9,  # gan_toy.py Adam
    n_critic=5,                                # gan_toy.py CRITIC_ITERS
    paper_steps=100000,                        # gan_toy.py ITERS
    # Deviation: 2,000 generator steps by default (minutes on a CPU).
    steps=2000, log_every=10, image_every=200, checkpoint_every=200,
)
for _name in ("8gaussians", "25gaussians", "swissroll"):
    CONFIGS[_name] = WGANGPConfig(dataset=_name, **_TOY)

CONFIGS["cifar10"] = WGANGPConfig(
    model="wgan_gp", dataset="cifar10",
    arch="cifar_conv", dim=128,       # gan_cifar.py DIM = 128
    batch_size=64,                    # gan_cifar.py BATCH_SIZE
    latent_dim=128,                   # gan_cifar.py: z ~ N(0, I), 128-d
    value_range=(-1.0, 1.0),          # gan_cifar.py: 2·(x/255 − ½), tanh output
    train_split="train_full",         # the code trains on all 50k training images
    gp_weight=10.0, n_critic=5,       # gan_cifar.py LAMBDA, CRITIC_ITERS
    learning_rate=1e-4, beta1=0.5, beta2=0.9,  # gan_cifar.py Adam
    paper_steps=200000,               # gan_cifar.py ITERS
    # Deviation: 1,000 generator steps by default (about an hour on a 2-core CPU).
    steps=1000, log_every=10, image_every=100, checkpoint_every=100,
)

CONFIGS["cifar10_resnet"] = WGANGPConfig(
    model="wgan_gp", dataset="cifar10",
    arch="cifar_resnet", dim=128,     # gan_cifar_resnet.py DIM_G = DIM_D = 128, unconditional
    batch_size=64,                    # gan_cifar_resnet.py BATCH_SIZE (critic)
    generator_batch=128,              # GEN_BS_MULTIPLE = 2 (the code splits it in two
                                      # BatchNorm chunks of 64; the zoo uses one batch of 128)
    latent_dim=128,
    # The code scales by 2·(x/256 − ½) plus U(0, 1/128) dequantisation noise;
    # the zoo uses 2·(x/255 − ½) without noise, as gan_cifar.py (deviation).
    value_range=(-1.0, 1.0),
    train_split="train_full",
    gp_weight=10.0, n_critic=5,       # LAMBDA, N_CRITIC
    learning_rate=2e-4, beta1=0.0, beta2=0.9,  # LR, Adam β1 0 (as the paper's Alg. 1)
    lr_decay_steps=100000,            # DECAY: linear to 0 over ITERS generator steps
    paper_steps=100000,               # ITERS
    steps=1000, log_every=10, image_every=100, checkpoint_every=100,
)

# CI budgets where the dataset's (zoo.datasets) is too long: the ResNet's
# critic step is the suite's slowest (about 3.5 minutes for 5 generator steps
# with 25 critic steps on 2 cores); 2 steps still cross the critic loop and
# the generator's 2× batch, and CIFAR-10's baselines have no quality signal
# that more steps would reach.
CI_STEPS = {"cifar10_resnet": 2}
