"""Moved to zoo.dev.reproduce (maintainer tooling, which runtime code never imports).
`python -m zoo.reproduce` still runs it, and `from zoo import reproduce` gives that module."""

import importlib
import runpy
import sys

if __name__ == "__main__":
    runpy.run_module("zoo.dev.reproduce", run_name="__main__", alter_sys=True)
else:
    sys.modules[__name__] = importlib.import_module("zoo.dev.reproduce")
