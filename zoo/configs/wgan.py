"""WGAN configs. Sources: the paper (Arjovsky et al. 2017, §4) and its code,
martinarjovsky/WassersteinGAN (`main.py` defaults)."""

import dataclasses

from zoo.config import GANConfig, require
from zoo.errors import UserError

# The registry's model class for these configs, imported when a model is
# built (configs stay importable without TensorFlow).
MODEL = "zoo.models.wgan:WGAN"


@dataclasses.dataclass(frozen=True)
class WGANConfig(GANConfig):
    arch: str = "dcgan"           # "dcgan" (models/dcgan.py) or "mlp" (models/mlp.py)
    loss: str = "wasserstein"     # paper Alg. 1: the critic maximises E[D(x)] − E[D(G(z))]
    ngf: int = 64                 # main.py --ngf
    ndf: int = 64                 # main.py --ndf
    mlp_units: int = 512          # the code's README: main.py --mlp_G --ngf 512
    mlp_layers: int = 3           # models/mlp.py: 3 hidden ReLU layers (paper §4.3 says 4: --set mlp_layers=4)
    clip_value: float = 0.01      # main.py --clamp_lower/--clamp_upper ±0.01
    # Clipping covers every critic parameter, BatchNorm's scale and offset
    # included (main.py clamps netD.parameters()); BatchNorm's moving
    # statistics are not parameters and are not clipped.
    n_critic: int = 5             # main.py --Diters
    long_critic_iters: int = 100  # main.py: 100 critic iterations …
    long_first: int = 25          # … while gen_iterations < 25 …
    long_every: int = 500         # … and when gen_iterations % 500 == 0
    learning_rate: float = 5e-5   # main.py --lrD = --lrG = 5e-5
    rmsprop_rho: float = 0.99     # torch.optim.RMSprop alpha (Keras's default is 0.9)
    # torch adds ε = 1e-8 to √v, Keras adds ε inside the root: √(v + 1e-16)
    # matches √v + 1e-8 to within 1e-8 for every v.
    rmsprop_epsilon: float = 1e-16
    init_std: float = 0.02        # main.py weights_init: conv N(0, 0.02), BN scale N(1, 0.02)
    bn_momentum: float = 0.9      # torch BatchNorm momentum 0.1 (Keras counts the other way)
    bn_epsilon: float = 1e-5      # torch BatchNorm default

    def check(self):
        super().check()
        if self.arch not in ("dcgan", "mlp"):
            raise UserError(f"arch must be 'dcgan' or 'mlp', got {self.arch!r}")
        for name in ("ngf", "ndf", "mlp_units", "mlp_layers", "n_critic", "long_critic_iters"):
            if getattr(self, name) <= 0:
                raise UserError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if self.long_critic_iters % self.n_critic:
            raise UserError(f"long_critic_iters ({self.long_critic_iters}) must be a multiple "
                              f"of n_critic ({self.n_critic})")
        if self.clip_value <= 0:
            raise UserError(f"clip_value must be positive, got {self.clip_value}")
        require(self, ("learning_rate", "rmsprop_epsilon"), lambda v: v > 0, "positive")
        require(self, ("rmsprop_rho",), lambda v: 0 <= v < 1, "in [0, 1)")
        return self

    def critic_iters(self, gen_iteration):
        """main.py's Diters for generator iteration g (0-based)."""
        g = gen_iteration
        return self.long_critic_iters if g < self.long_first or g % self.long_every == 0 \
            else self.n_critic

_COMMON = dict(
    model="wgan",
    batch_size=64,                   # main.py --batchSize
    latent_dim=100,                  # main.py --nz; z ~ N(0, I)
    latent_dist="normal",
    value_range=(-1.0, 1.0),         # main.py: Normalize((0.5,)*3, (0.5,)*3); tanh output
    train_split="train_full",        # main.py trains on the whole training set
    learning_rate=5e-5, clip_value=0.01, n_critic=5,  # main.py
    # Deviation: a default run is 1,000 generator iterations (minutes to an
    # hour on a CPU); main.py runs 25 epochs of critic batches (--niter).
    steps=1000, log_every=10, image_every=100, checkpoint_every=100,
)

# The test suite's smallest runs (zoo.models.toy): long critic phases of 2
# calls in the first 2 and every 4th generator iteration, so that a short run
# crosses phase boundaries; ONE_UPDATE: every call one critic update and one
# generator update.
TOY = dict(long_first=2, long_critic_iters=10, long_every=4)
ONE_UPDATE = dict(n_critic=1, long_first=0, long_critic_iters=1, long_every=10 ** 6)
# CI budgets: the first 25 generator steps take 100 critic updates each.
CI_STEPS = {"mnist": 3, "cifar10": 2}

CONFIGS = {
    # main.py has no MNIST loader and needs isize % 16 == 0; at 28×28 the
    # same construction starts from 7×7 (deviation, see models/wgan.py).
    "mnist": WGANConfig(dataset="mnist", arch="dcgan", paper_steps=0, **_COMMON),
    "cifar10": WGANConfig(dataset="cifar10", arch="dcgan", paper_steps=0, **_COMMON),
}
