"""WGAN-GP configs. Sources: the paper (Gulrajani et al. 2017, Algorithm 1)
and its code, igul222/improved_wgan_training (`gan_mnist.py`, `gan_toy.py`)."""

from zoo.models.wgan_gp import WGANGPConfig

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
