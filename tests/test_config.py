import re

import pytest

from zoo import models
from zoo.config import apply_overrides
from zoo.errors import UserError


def test_registry_lists_and_gets_named_configs():
    assert "wgan_gp/mnist" in models.list_configs()
    cfg = models.get("wgan_gp", "mnist")
    assert (cfg.model, cfg.dataset, cfg.batch_size, cfg.latent_dim) == ("wgan_gp", "mnist", 50, 128)
    # The registry's own list: a newly registered model must not break this test.
    with pytest.raises(UserError, match=re.escape(
            f"unknown model 'began'; choose from {', '.join(models.names())}")):
        models.get("began", "mnist")
    assert {"gan", "dcgan", "wgan", "wgan_gp"} <= set(models.names())
    assert all(models.model_class(m).__name__ for m in models.names())
    assert {"gan/cifar10_conv", "dcgan/fashion_mnist", "wgan/cifar10",
            "wgan_gp/cifar10_resnet", "gan/tfd", "gan/olivetti_faces"} <= set(models.list_configs())


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
    with pytest.raises(UserError, match=message):
        apply_overrides(models.get("wgan_gp", "mnist"), [override])


def test_checks_reject_bad_values():
    with pytest.raises(UserError, match="critic_norm"):
        models.create("wgan_gp", "mnist", critic_norm="batch")
    with pytest.raises(UserError, match="steps must be a positive integer"):
        models.get("wgan_gp", "mnist").replace(steps=-1).check()


def test_identity_ignores_run_length_only():
    cfg = models.get("wgan_gp", "mnist")
    assert cfg.identity() == cfg.replace(steps=5, log_every=1).identity()
    assert cfg.identity() != cfg.replace(seed=3).identity()


def test_a_new_model_registers_by_its_configs_module_alone(tmp_path, monkeypatch):
    """The registry reads zoo/configs/: a configs module naming a model class
    and its configs is all a new model needs (here a WGAN-GP with a hinge loss)."""
    from zoo import configs
    (tmp_path / "hinge_gp.py").write_text(
        "from zoo.models.wgan_gp import WGANGP as MODEL\n"
        "from zoo.configs.wgan_gp import CONFIGS as _WGAN_GP\n"
        "CONFIGS = {'8gaussians': _WGAN_GP['8gaussians'].replace(model='hinge_gp', loss='hinge')}\n")
    monkeypatch.setattr(configs, "__path__", [*configs.__path__, str(tmp_path)])
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "hinge_gp/8gaussians" in models.list_configs()
    gan = models.create("hinge_gp", "8gaussians")
    assert gan.config.loss == "hinge" and type(gan).__name__ == "WGANGP"
