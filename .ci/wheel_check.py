"""CI: what a regular (non-editable) install of the built wheel carries.

    python .ci/wheel_check.py SITE     # SITE: where the wheel was installed

Run from outside the checkout with SITE first on PYTHONPATH: it checks that
`zoo` is imported from SITE, then loads every shipped generator (as a Keras
model) and every shipped classifier, and generates from each.
"""

import os
import sys

import zoo  # first: its import hides TensorFlow's start-up lines (zoo.quiet)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from zoo import classifiers, data  # noqa: E402

site = os.path.realpath(sys.argv[1])

origin = os.path.realpath(zoo.__file__)
assert origin.startswith(site + os.sep), f"zoo was imported from {origin}, not from {site}"
names = zoo.list_pretrained()
assert names, "the installed zoo lists no pretrained generator"
images = {}
for name in names:
    g = zoo.load(name)
    assert isinstance(g, keras.Model), f"{name}: {type(g)} is not a keras.Model"
    samples = g.generate(16, seed=0)
    assert samples.shape[0] == 16 and np.isfinite(samples).all(), name
    images.setdefault(g.zoo_config.dataset, samples)
    print(f"generator  {name:<22} {samples.shape}")
datasets = classifiers.shipped()
assert datasets, "the installed zoo lists no classifier"
for dataset in datasets:
    shape = data.example_shape(dataset)
    x = images.get(dataset, np.full((16, *shape), 0.5, np.float32))
    logits = classifiers.logits(classifiers.load(dataset), x)
    assert logits.shape == (16, 10) and np.isfinite(logits).all(), dataset
    print(f"classifier {dataset:<22} logits {logits.shape}")
print(f"wheel check: {len(names)} generators and {len(datasets)} classifiers load from {site}")
