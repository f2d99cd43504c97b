"""Moved to zoo.dev.faults (maintainer tooling, which runtime code never imports).
`python -m zoo.faults` still runs it, and `from zoo import faults` gives that module."""

import importlib
import runpy
import sys

if __name__ == "__main__":
    runpy.run_module("zoo.dev.faults", run_name="__main__", alter_sys=True)
else:
    sys.modules[__name__] = importlib.import_module("zoo.dev.faults")
