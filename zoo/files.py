"""The zoo's file writing: whole or not at all, one writer per run directory,
and a full disk reported in one line.

- `write_atomic`: a temporary file, then a rename.
- `exclusive(directory)`: an OS lock (flock) on a run directory, released by
  the kernel when its holder dies (kill -9, power loss), so a stale lock never
  blocks; the pid, host and start time written beside it only feed the
  message of the run that is refused.
- `writing(what, path)`: a write that fails for lack of space or a failing
  disk (ENOSPC, EDQUOT, EIO; TensorFlow's ResourceExhaustedError) becomes a
  `WriteFailed` naming what, where and how much space is free there.
"""

import contextlib
import datetime
import errno
import fcntl
import json
import os
import shutil
import socket
import tempfile

from zoo.errors import UserError

TEMPORARY_PREFIXES = (".tmp-", ".export-", ".probe-")  # a killed writer's leftovers
OWNER_FILE = ".writer.json"  # who holds a run directory's lock (for the message only)
WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO)
# How TensorFlow's file systems word those errnos (strerror) in its errors.
WRITE_ERROR_TEXTS = ("No space left on device", "Disk quota exceeded", "Input/output error")


class WorkdirBusy(UserError):
    """Another run holds the run directory's lock."""


class WriteFailed(RuntimeError):
    """A write failed for lack of space or a failing disk."""


def write_atomic(path, content):
    """Writes `path` (text or bytes) whole or not at all: a temporary file,
    then a rename. Killed (or out of space) before the rename, the old file
    stays as it was and the temporary one is removed where it can be."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=TEMPORARY_PREFIXES[0])
    try:
        with os.fdopen(fd, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


# ---- one writer per run directory ---------------------------------------------------

def nearest_existing(path):
    """`path` if it exists, else the nearest directory above it that does."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def _first_missing(path):
    """The outermost directory of `path` that does not exist yet (None if it does)."""
    path, existing = os.path.abspath(path), nearest_existing(path)
    if path == existing:
        return None
    while os.path.dirname(path) != existing:
        path = os.path.dirname(path)
    return path


def _remove_empty(path, up_to):
    """Removes `path` and its parents up to `up_to`, while they are empty."""
    while True:
        try:
            os.rmdir(path)
        except OSError:
            return
        if os.path.abspath(path) == os.path.abspath(up_to):
            return
        path = os.path.dirname(path)


def owner(directory):
    """'pid P on host H, started T' of the run holding `directory`'s lock, as
    it wrote beside the lock ('a run whose details are unreadable' otherwise)."""
    try:
        with open(os.path.join(directory, OWNER_FILE)) as f:
            o = json.load(f)
        return f"pid {o['pid']} on host {o['host']}, started {o['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a run whose details are unreadable"


@contextlib.contextmanager
def exclusive(directory, flag="--workdir"):
    """Holds an exclusive lock on `directory` (made if missing) while the
    block runs; another holder makes it raise WorkdirBusy at once. On leaving,
    the owner file goes, and so does the directory if this made it and it is
    still empty (a run refused for bad input creates nothing)."""
    created = _first_missing(directory)
    os.makedirs(directory, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkdirBusy(f"{flag} {directory} is being written by another run "
                              f"({owner(directory)}); wait for it to end or stop it, "
                              f"or use another {flag}") from None
        info = dict(pid=os.getpid(), host=socket.gethostname(),
                    started=datetime.datetime.now().astimezone().isoformat(timespec="seconds"))
        with writing("the run directory's owner file", os.path.join(directory, OWNER_FILE)):
            write_atomic(os.path.join(directory, OWNER_FILE), json.dumps(info) + "\n")
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, OWNER_FILE))
            if created:
                _remove_empty(directory, created)
    finally:
        os.close(fd)  # releases the lock


# ---- a full or failing disk ------------------------------------------------------------

def is_write_failure(error):
    """Whether `error` is a write refused for lack of space or by a failing disk."""
    if isinstance(error, OSError):
        return error.errno in WRITE_ERRNOS
    import tensorflow as tf  # here: `import zoo` and --help stay free of it
    if isinstance(error, tf.errors.ResourceExhaustedError):
        return not str(error).lstrip().startswith("OOM")  # memory, not disk
    return isinstance(error, tf.errors.OpError) and any(t in str(error) for t in WRITE_ERROR_TEXTS)


def free_space(path):
    """Free space on the file system of `path` (or its nearest existing parent), as text."""
    try:
        free = shutil.disk_usage(nearest_existing(path)).free
    except OSError:
        return "unknown"
    for unit in ("bytes", "KB", "MB", "GB"):
        if free < 1024 or unit == "GB":
            return f"{free:.0f} {unit}" if unit == "bytes" else f"{free:.1f} {unit}"
        free /= 1024


def _reason(error):
    if isinstance(error, OSError):
        return os.strerror(error.errno)
    text = str(error)
    return next((t for t in WRITE_ERROR_TEXTS if t in text), type(error).__name__)


@contextlib.contextmanager
def writing(what, path):
    """Turns a write failure of a full or failing disk inside the block into
    WriteFailed: 'could not write <what> to <path>: <reason> (<free> free there)'."""
    try:
        yield
    except WriteFailed:
        raise
    except Exception as e:  # noqa: BLE001 - only write failures are translated
        if not is_write_failure(e):
            raise
        raise WriteFailed(f"could not write {what} to {path}: {_reason(e)} "
                          f"({free_space(path)} free there)") from e


def replace_directory(new, final):
    """Puts the complete directory `new` at `final` (same file system): the
    old one is renamed aside first and removed last; a crash in between
    leaves `<final>.old`, which tidy_workdir restores."""
    old = final + ".old"
    shutil.rmtree(old, ignore_errors=True)  # left by a crash between the renames
    if os.path.exists(final):
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
