"""Moved to zoo.dev.baseline (maintainer tooling, which runtime code never imports).
`python -m zoo.baseline` still runs it, and `from zoo import baseline` gives that module."""

import importlib
import runpy
import sys

if __name__ == "__main__":
    runpy.run_module("zoo.dev.baseline", run_name="__main__", alter_sys=True)
else:
    sys.modules[__name__] = importlib.import_module("zoo.dev.baseline")
