"""TensorFlow's start-up log lines off, for every zoo command and `import zoo`.

Loading TensorFlow prints ~8 lines to the process's stderr (file descriptor 2)
from C++: "WARNING: All log messages before absl::InitializeLog() ...", the
oneDNN notice, "Could not find cuda drivers", the CPU-instructions notice (all
while `tensorflow` is imported, some twice) and "failed call to cuInit" (when
the devices are first initialised). TF_CPP_MIN_LOG_LEVEL=3 hides only the
last two kinds: the others are written before TensorFlow's log level applies.

So `install()` (run by `import zoo`, before anything imports TensorFlow):
- sets TF_CPP_MIN_LOG_LEVEL=3 unless it is already set;
- hooks the first `import tensorflow` (by the zoo, Keras or the user's code):
  while it runs, file descriptor 2 goes to a temporary file; afterwards the
  descriptor is restored and every captured line that is not such a log line
  (a Python warning, anything unexpected) is written to stderr after all.

ZOO_TF_LOGS=1, or a TF_CPP_MIN_LOG_LEVEL the user set, leaves TensorFlow's
logging as it is. The choice is passed on to the zoo's child processes
(ZOO_TF_LOGS=0 marks a level the zoo set). Python exceptions and the zoo's own
output are never touched. A crash of TensorFlow's native code during the
import itself loses its message: rerun with ZOO_TF_LOGS=1 to see it.
"""

import contextlib
import os
import re
import sys

ENV = "ZOO_TF_LOGS"
LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"

# Lines TensorFlow's native code writes while it loads: absl's notice, and log
# lines "I0000 00:00:1796616725.574994    6030 port.cc:153] ..." (I, W, E).
_NOISE = re.compile(
    r"(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:.]+ +\d+ [\w.\-]+:\d+\] .*"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate"
    r" compiler flags\.)\s*")


def wanted():
    """True where TensorFlow's start-up lines should be hidden (see the module doc)."""
    choice = os.environ.get(ENV, "").strip().lower()
    if choice in ("1", "true", "yes", "on"):
        return False
    if choice in ("0", "false", "no", "off"):
        return True
    return LEVEL_ENV not in os.environ  # a level the user set: their logging


def is_noise(line):
    return bool(_NOISE.fullmatch(line))


@contextlib.contextmanager
def stderr_filtered():
    """File descriptor 2 (C++ and Python writes alike) goes to a temporary
    file inside the block; afterwards its lines other than TensorFlow's log
    lines are written to the real stderr. A no-op where fd 2 is unusable."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    import tempfile  # here: importing it costs `import zoo` 6 ms
    try:
        capture = tempfile.TemporaryFile()
    except OSError:
        os.close(saved)
        yield
        return
    _flush()
    os.dup2(capture.fileno(), 2)
    try:
        yield
    finally:
        _flush()
        os.dup2(saved, 2)
        os.close(saved)
        capture.seek(0)
        text = capture.read().decode("utf-8", "replace")
        capture.close()
        kept = [line for line in text.splitlines(keepends=True) if not is_noise(line)]
        if kept:
            os.write(2, "".join(kept).encode("utf-8", "replace"))


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass


class _QuietLoader:
    """The `tensorflow` package's own loader, with its module executed inside
    stderr_filtered(); put back on the module once it has run."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        try:
            with stderr_filtered():
                self._loader.exec_module(module)
        finally:
            module.__loader__ = self._loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self._loader


class _Finder:  # a sys.meta_path finder (importlib.abc would cost `import zoo` 11 ms)
    """Finds nothing itself: at the first import of `tensorflow` it removes
    itself and wraps the spec the other finders return."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install():
    """Run once by `import zoo`; see the module doc."""
    if not wanted():
        return
    os.environ.setdefault(LEVEL_ENV, "3")
    os.environ.setdefault(ENV, "0")  # child processes: the zoo's choice, not the user's level
    if "tensorflow" in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
