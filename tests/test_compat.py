"""Workdirs written by earlier code still restore and resume: long trainings
run for hours in such workdirs. tests/data/workdirs_2026_12_06/ holds small
runs (2 steps; narrow networks) made by the code of 2026-12-06 (commit
265cebb), before interval checkpoints, the workdir lock and the TF-free
configs: each resumes to step 4 with today's code and ends with the weights
of an uninterrupted 4-step run of today's code, bit for bit."""

import json
import os
import shutil

import numpy as np
import pytest

from zoo import generator, training

OLD = os.path.join(os.path.dirname(__file__), "data", "workdirs_2026_12_06")


def weights(model):
    variables = model.generator.weights + model.critic.weights
    variables += model.g_optimizer.variables + model.d_optimizer.variables
    return [np.array(v.numpy()) for v in variables]


@pytest.mark.parametrize("name", sorted(os.listdir(OLD)))
def test_an_old_workdir_resumes_to_an_uninterrupted_run(name, tmp_path, mnist_arrays, capsys):
    workdir = str(tmp_path / "old")
    shutil.copytree(os.path.join(OLD, name), workdir)
    with open(os.path.join(workdir, "config.json")) as f:
        config = generator.config_from_dict(json.load(f)).replace(steps=4)
    resumed, _ = training.train(config, workdir, verbose=0, export=False)
    assert "resuming from" in capsys.readouterr().out and int(resumed.step) == 4
    whole, _ = training.train(config, str(tmp_path / "whole"), verbose=0, export=False)
    for x, y in zip(weights(whole), weights(resumed)):
        np.testing.assert_array_equal(x, y)
