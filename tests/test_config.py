import pytest

from zoo import models
from zoo.config import ConfigError, apply_overrides


def test_registry_lists_and_gets_named_configs():
    assert "wgan_gp/mnist" in models.list()
    cfg = models.get("wgan_gp", "mnist")
    assert (cfg.model, cfg.dataset, cfg.batch_size, cfg.latent_dim) == ("wgan_gp", "mnist", 50, 128)
    with pytest.raises(ConfigError, match="choose from dcgan, gan, wgan, wgan_gp"):
        models.get("began", "mnist")
    assert {name.split("/")[0] for name in models.list()} == {"gan", "dcgan", "wgan", "wgan_gp"}
    assert {"gan/cifar10_conv", "dcgan/fashion_mnist", "wgan/cifar10",
            "wgan_gp/cifar10_resnet", "gan/tfd", "gan/olivetti_faces"} <= set(models.list())


def test_overrides_are_parsed_as_their_fields_types():
    cfg = apply_overrides(models.get("wgan_gp", "mnist"),
                          ["gp_weight=0.1", "n_critic=3", "value_range=(-1, 1)", "critic_norm=layer"])
    assert (cfg.gp_weight, cfg.n_critic, cfg.value_range, cfg.critic_norm) == (0.1, 3, (-1.0, 1.0), "layer")


@pytest.mark.parametrize("override, message", [
    ("n_critic=five", "expected a value like 5"),
    ("nope=1", "expected key=value with key one of"),
    ("dataset=cifar10", "use --dataset"),
    ("gp_weight", "expected key=value"),
])
def test_bad_overrides_say_what_to_do(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(models.get("wgan_gp", "mnist"), [override])


def test_checks_reject_bad_values():
    with pytest.raises(ConfigError, match="critic_norm"):
        models.create("wgan_gp", "mnist", critic_norm="batch")
    with pytest.raises(ConfigError, match="steps must be a positive integer"):
        models.get("wgan_gp", "mnist").replace(steps=-1).check()


def test_identity_ignores_run_length_only():
    cfg = models.get("wgan_gp", "mnist")
    assert cfg.identity() == cfg.replace(steps=5, log_every=1).identity()
    assert cfg.identity() != cfg.replace(seed=3).identity()
