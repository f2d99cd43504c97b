"""WGAN configs. Sources: the paper (Arjovsky et al. 2017, §4) and its code,
martinarjovsky/WassersteinGAN (`main.py` defaults)."""

from zoo.models.wgan import WGAN, WGANConfig

MODEL = WGAN  # the registry's model class for these configs

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

CONFIGS = {
    # main.py has no MNIST loader and needs isize % 16 == 0; at 28×28 the
    # same construction starts from 7×7 (deviation, see models/wgan.py).
    "mnist": WGANConfig(dataset="mnist", arch="dcgan", paper_steps=0, **_COMMON),
    "cifar10": WGANConfig(dataset="cifar10", arch="dcgan", paper_steps=0, **_COMMON),
}
