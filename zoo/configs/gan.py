"""Original GAN configs. Sources: the paper (Goodfellow et al. 2014) and its
code, goodfeli/adversarial (pylearn2 YAML files named per config)."""

from zoo.models.gan import GoodfellowGANConfig

_COMMON = dict(
    model="gan",
    latent_dim=100,                 # every YAML: 100-d noise
    update="simultaneous",          # the code's SGD; --set update=alternating: Algorithm 1
    # Deviation: a default run is 1,000 updates (minutes on a CPU); the code
    # trains until its termination criterion (paper_steps: the epoch cap in updates).
    steps=1000, log_every=10, image_every=100, checkpoint_every=100,
)

CONFIGS = {
    "mnist": GoodfellowGANConfig(
        dataset="mnist", batch_size=100,             # mnist.yaml
        latent_dist="uniform", latent_bound=3 ** 0.5,  # mnist.yaml: U(−√3, √3)
        value_range=(0.0, 1.0), train_split="train",  # train[0:50k], pixels / 255
        g_units=(1200, 1200), g_activations=("relu", "relu"), g_output="sigmoid",
        d_units=(240, 240), d_pieces=5,
        learning_rate=0.1, epoch_size=50000,
        paper_steps=0, **_COMMON),
}
