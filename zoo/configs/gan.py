"""Original GAN configs. Sources: the paper (Goodfellow et al. 2014) and its
code, goodfeli/adversarial (pylearn2 YAML files named per config)."""

import dataclasses
from typing import Tuple

from zoo.config import GANConfig, require
from zoo.errors import UserError

# The registry's model class for these configs, imported when a model is
# built (configs stay importable without TensorFlow).
MODEL = "zoo.models.gan:GoodfellowGAN"


@dataclasses.dataclass(frozen=True)
class GoodfellowGANConfig(GANConfig):
    arch: str = "mlp"                         # "mlp" or "conv" (cifar10_convolutional.yaml)
    # paper §3 and the code's AdversaryCost2: D's BCE, G's −log D(G(z));
    # "minimax" is eq. 1's saturating log(1 − D(G(z))).
    loss: str = "non_saturating"
    # mnist.yaml: G's output bias starts at the logit of each pixel's mean
    # over the training set (pylearn2's init_sigmoid_bias_from_marginals).
    g_bias_from_marginals: bool = False
    # Generator: hidden layers (units, activation), then the output layer.
    g_units: Tuple[int, ...] = (1200, 1200)   # mnist.yaml h0, h1
    g_activations: Tuple[str, ...] = ("relu", "relu")
    g_output: str = "sigmoid"                 # "sigmoid" for [0, 1] data, "linear" otherwise
    g_irange: float = 0.05                    # pylearn2 irange: weights U(−irange, irange)
    g_output_irange: float = 0.05             # the output layer's (CIFAR-10 FC: 0.5)
    # pylearn2 sparse_init: > 0 gives each output unit that many N(0, 1)
    # weights on distinct random inputs, the rest 0, instead of irange
    # (tfd_pretrain/pretrain.yaml y: sparse_init 100).
    g_output_sparse_init: int = 0
    g_hidden_bias: Tuple[float, ...] = ()     # init_bias per hidden layer; () = all 0
    g_max_col_norm: float = 0.0               # 0: none
    # Discriminator: maxout layers (units × pieces), then a sigmoid unit.
    d_units: Tuple[int, ...] = (240, 240)     # mnist.yaml h0, h1
    d_pieces: int = 5
    d_irange: float = 0.005
    d_max_col_norm: float = 0.0
    # Dropout in D only, on each layer's input (AdversaryCost2's
    # discriminator_input_include_probs {h0: .8}, default .5; kept units
    # scaled by 1/keep: input_scales {h0: 1.25}, default 2).
    input_keep: float = 0.8
    hidden_keep: float = 0.5
    # SGD: learning rate lr₀ / decay^t (t = updates), floored (ExponentialDecay),
    # momentum rising linearly between two epochs (MomentumAdjustor).
    learning_rate: float = 0.1
    lr_decay: float = 1.000004
    min_lr: float = 1e-6
    momentum: float = 0.5
    final_momentum: float = 0.7
    momentum_start: int = 1                   # epochs
    momentum_saturate: int = 250
    epoch_size: int = 50000                   # training examples per epoch
    gcn_scale: float = 0.0                    # > 0: global contrast normalisation (CIFAR-10: 55)
    update: str = "simultaneous"              # the code; "alternating": Algorithm 1
    k: int = 1                                # Algorithm 1's D updates per G update

    def preprocess(self, real):
        if self.gcn_scale:
            from zoo.models.gan import global_contrast_normalize
            return global_contrast_normalize(real, self.gcn_scale)
        return real

    def check(self):
        super().check()
        if self.arch not in ("mlp", "conv"):
            raise UserError(f"arch must be 'mlp' or 'conv', got {self.arch!r}")
        if self.update not in ("simultaneous", "alternating"):
            raise UserError(f"update must be 'simultaneous' or 'alternating', got {self.update!r}")
        if len(self.g_units) != len(self.g_activations):
            raise UserError("g_units and g_activations need one entry per hidden layer")
        if self.g_hidden_bias and len(self.g_hidden_bias) != len(self.g_units):
            raise UserError("g_hidden_bias needs one entry per hidden layer (or none)")
        if self.g_output_sparse_init < 0:
            raise UserError(f"g_output_sparse_init must be 0 or positive, got "
                              f"{self.g_output_sparse_init}")
        if self.g_output not in ("sigmoid", "linear"):
            raise UserError(f"g_output must be 'sigmoid' or 'linear', got {self.g_output!r}")
        if not (0 < self.input_keep <= 1 and 0 < self.hidden_keep <= 1):
            raise UserError("input_keep and hidden_keep must be in (0, 1]")
        if self.k <= 0 or self.d_pieces <= 0:
            raise UserError("k and d_pieces must be positive integers")
        require(self, ("learning_rate", "lr_decay"), lambda v: v > 0, "positive")
        require(self, ("momentum", "final_momentum"), lambda v: 0 <= v < 1, "in [0, 1)")
        return self

_COMMON = dict(
    model="gan",
    latent_dim=100,                 # every YAML: 100-d noise
    update="simultaneous",          # the code's SGD; --set update=alternating: Algorithm 1
    # Deviation: a default run is 1,000 updates (minutes on a CPU); the code
    # trains until its termination criterion (paper_steps: the epoch cap in updates).
    steps=1000, log_every=10, image_every=100, checkpoint_every=100,
)

# CI budget: D starts flat (weights U(±0.005)), so G hardly moves in 20
# steps; 300 take seconds (48 steps/s).
CI_STEPS = {"mnist": 300}

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
