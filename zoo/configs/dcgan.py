"""DCGAN configs. Sources: the paper (Radford et al. 2015, §3–4) and the
code it is usually run from, carpedm20/DCGAN-tensorflow (`main.py`, `model.py`).
The paper has no MNIST, Fashion-MNIST or CIFAR-10 generation experiment:
these configs apply its rules and training settings at 28×28 and 32×32."""

from zoo.models.dcgan import DCGAN, DCGANConfig

MODEL = DCGAN  # the registry's model class for these configs

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
