"""zoo: classic GANs in Keras 3 / TensorFlow, faithful to their papers."""

import time

# When the process started importing the zoo: the zero of "time to first step".
START_TIME = time.perf_counter()

__version__ = "0.1.0"
