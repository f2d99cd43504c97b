"""Original GAN configs. Sources: the paper (Goodfellow et al. 2014) and its
code, goodfeli/adversarial (pylearn2 YAML files named per config)."""

from zoo.models.gan import GoodfellowGAN, GoodfellowGANConfig

MODEL = GoodfellowGAN  # the registry's model class for these configs

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
        g_bias_from_marginals=True,                  # mnist.yaml y: init_bias from marginals
        g_irange=0.05, d_irange=0.005,               # mnist.yaml irange
        d_units=(240, 240), d_pieces=5,
        learning_rate=0.1, epoch_size=50000,
        paper_steps=0, **_COMMON),
}

# TFD (Toronto Face Database, 48×48, not redistributable: --data_dir with
# TFD_48x48.mat) and its freely available stand-in, Olivetti faces at 48×48,
# share the TFD networks: G ReLU 8000 → sigmoid 8000 → sigmoid 2304, D maxout
# 1200×5 twice, max column norm 1.9365 everywhere, and pretrain.yaml's G
# initialisation: h1's bias −2, the output layer's sparse_init 100 and its
# bias from the pixel marginals of the training images.
# Deviation: the code trains in two stages: pretrain.yaml trains this
# 3-layer G (50 epochs), then train.yaml puts two new layers under it
# (100 → ReLU 8000 → sigmoid 100 → the pretrained stack: 84,858,404
# parameters) with a fresh D for 22 epochs. The zoo trains the 3-layer G
# (83,250,304) against D in one stage.
# z ~ N(0, I); pixels in [0, 1] (TFD scale: True).
_FACES = dict(
    batch_size=100, latent_dist="normal", value_range=(0.0, 1.0),
    g_units=(8000, 8000), g_activations=("relu", "sigmoid"), g_output="sigmoid",
    g_max_col_norm=1.9365, d_max_col_norm=1.9365,
    g_irange=0.05, d_irange=0.005,
    g_hidden_bias=(0.0, -2.0),                   # pretrain.yaml h1 init_bias
    g_output_sparse_init=100,                    # pretrain.yaml y sparse_init
    g_bias_from_marginals=True,                  # pretrain.yaml y init_sigmoid_bias_from_marginals
    d_units=(1200, 1200), d_pieces=5,
    learning_rate=0.05,                          # train.yaml SGD lr
    **_COMMON)
CONFIGS["tfd"] = GoodfellowGANConfig(
    dataset="tfd", epoch_size=98058,             # the unlabeled split of fold 0
    paper_steps=22 * (98058 // 100),             # train.yaml: max_epochs 22
    **_FACES)
CONFIGS["olivetti_faces"] = GoodfellowGANConfig(dataset="olivetti_faces", epoch_size=320,
                                                paper_steps=0, **_FACES)

# CIFAR-10, fully connected (cifar10_fully_connected.yaml): train[0:40k],
# global contrast normalisation (scale 55), z ~ N(0, I), G ReLU 8000 →
# sigmoid 8000 → linear 3072, D maxout 1600×5 twice, lr 0.025.
CONFIGS["cifar10"] = GoodfellowGANConfig(
    dataset="cifar10", batch_size=100, latent_dist="normal", train_split="train",
    # GCN removes any affine pixel scaling; its values have std ≈ 1, so
    # (−2, 2) is the range plots and distances show (beyond it, clipped).
    value_range=(-2.0, 2.0), gcn_scale=55.0,
    g_units=(8000, 8000), g_activations=("relu", "sigmoid"), g_output="linear",
    g_irange=0.05, g_output_irange=0.5, d_irange=0.005,  # the YAML's irange per layer
    d_units=(1600, 1600), d_pieces=5,
    learning_rate=0.025, epoch_size=40000,
    paper_steps=0, **_COMMON)

# CIFAR-10, convolutional (cifar10_convolutional.yaml): the FC config's data
# and noise; G ReLU 8000 → sigmoid 8000 → 80×10×10 → deconv 5×5 stride 3;
# D conv-maxout ×3 → maxout 500×5 → sigmoid; batch 128, lr 0.004.
CONFIGS["cifar10_conv"] = CONFIGS["cifar10"].replace(
    arch="conv", batch_size=128, learning_rate=0.004, d_units=(500,),
    g_irange=0.05, g_output_irange=0.05, d_irange=0.005)
