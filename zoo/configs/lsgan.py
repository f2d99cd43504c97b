"""LSGAN configs — Mao et al. 2017, "Least Squares Generative Adversarial
Networks". The discriminator minimises ½E[(D(x) − b)²] + ½E[(D(G(z)) − a)²]
and the generator ½E[(D(G(z)) − c)²] (the paper's Eq. 2), with the 0-1
coding a = 0, b = c = 1 (Eq. 9): zoo.losses's "least_squares". Only the loss
differs from DCGAN: the paper builds its networks on DCGAN's rules and
trains with Adam at β1 = 0.5, so the model class, networks and training
settings are the zoo's DCGAN (zoo/configs/dcgan.py, with its sources and
deviations). The paper has no MNIST experiment: this config is the loss on
the zoo's DCGAN MNIST config."""

import dataclasses

from zoo.configs.dcgan import CONFIGS as DCGAN_CONFIGS
from zoo.configs.dcgan import DCGANConfig

# The registry's model class: DCGAN's networks and step; the loss is the config's.
MODEL = "zoo.models.dcgan:DCGAN"


@dataclasses.dataclass(frozen=True)
class LSGANConfig(DCGANConfig):
    loss: str = "least_squares"   # Eq. 2 with Eq. 9's a = 0, b = c = 1


CONFIGS = {
    # paper_steps 0: the paper has no MNIST run to take a length from.
    "mnist": LSGANConfig(**dict(DCGAN_CONFIGS["mnist"].to_dict(), model="lsgan",
                                loss="least_squares", paper_steps=0)),
}
