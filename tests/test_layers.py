"""Layers: runtime code never imports maintainer tooling (zoo.dev: shipping,
baselines, the reproduction report, fault injection), and the old commands
still reach it."""

import subprocess
import sys

import pytest

TOOLING = ("zoo.dev", "zoo.faults", "zoo.baseline", "zoo.reproduce")

# Every module of the package but the tooling and its forwarders, imported in
# a fresh process; then the models behind every registered config.
SCRIPT = """
import pkgutil, importlib, sys
import zoo
tooling = {tooling!r}

def walk(path, prefix):  # pkgutil.walk_packages would import the tooling's package too
    for m in pkgutil.iter_modules(path, prefix):
        if not m.name.startswith(tooling):
            yield m.name
            module = importlib.import_module(m.name)
            if m.ispkg:
                yield from walk(module.__path__, m.name + ".")

names = list(walk(zoo.__path__, "zoo."))
from zoo import models
for name in models.names():
    models.model_class(name)
loaded = sorted(m for m in sys.modules if m.startswith(tooling))
print(len(names), loaded)
"""


def test_runtime_modules_import_no_maintainer_tooling():
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(tooling=TOOLING)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    count, loaded = result.stdout.split(" ", 1)
    assert int(count) > 30 and loaded.strip() == "[]", result.stdout


@pytest.mark.parametrize("module", ["zoo.faults", "zoo.baseline", "zoo.reproduce"])
def test_the_old_commands_reach_the_tooling(module):
    from zoo import dev  # noqa: F401
    import importlib
    forwarded = importlib.import_module(module)
    assert forwarded.__name__ == "zoo.dev." + module.split(".")[1]
    result = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip(), result.stderr[-2000:]
