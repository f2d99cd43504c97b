"""Datasets: where they come from (sources), how their files decode
(formats), the 2-D toy sets (toys), and seeded, resumable `tf.data`
pipelines with the real examples evaluation uses (pipeline).

`load(name, split=...)` returns batches of images (or 2-D points) in the value
range the model asks for; `load_arrays(name)` the uint8 arrays of an image
dataset from the first source that works (see zoo.data.sources).
"""

from zoo.data.formats import (IMAGE_DATASETS, SPLITS, mnist_from_pickle_bytes,
                              read_idx)
from zoo.data.pipeline import (DATASETS, available, example_shape, load, real_examples,
                               real_split, unit)
from zoo.data.sources import DataUnavailableError, cache_dir, load_arrays
from zoo.data.toys import TOY_DATASETS, twentyfive_gaussians_array


def load_mnist_arrays(data_dir=None, download=True):
    """{split: (uint8 images (N, 28, 28), uint8 labels (N,))} of MNIST."""
    return load_arrays("mnist", data_dir, download)
