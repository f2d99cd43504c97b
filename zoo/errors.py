"""One base class for bad input from the user (an unknown name, a value out
of range, a missing data set, a workdir of another config): every command
reports it in one line on stderr with exit code 2, never a traceback."""

import sys

EXIT_USER_ERROR = 2


class UserError(ValueError):
    """Bad input (a config value, a flag, a workdir, an API argument): the
    message names the problem and the fix. The zoo's one type for it; a few
    subclasses name a kind the caller may want to catch alone (a missing data
    set, a busy workdir)."""


def parse_absl_flags(argv):
    """absl's flag parser for `app.run`, with a bad flag reported like any bad
    input: one line, exit 2; and --help, --helpshort, --helpfull, --helpxml
    exiting 0 after their text (absl exits 1, as if help were an error)."""
    from absl import flags
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        sys.exit(report(f"{e}; see --helpfull"))
    except SystemExit as e:
        if e.code == 1 and asks_for_help(argv):
            sys.exit(0)
        raise


HELP_FLAGS = ("help", "helpshort", "helpfull", "helpxml", "?")


def asks_for_help(argv):
    """True where a flag of argv[1:] (before a `--`) is one of absl's help flags."""
    for arg in argv[1:]:
        if arg == "--":
            break
        if arg.startswith("-") and arg.lstrip("-").split("=", 1)[0] in HELP_FLAGS:
            return True
    return False


ERROR_PREFIX = "error: "


def report(error, code=EXIT_USER_ERROR):
    """Prints `error: <first line>` to stderr; returns the exit code."""
    text = str(error).strip()
    print(ERROR_PREFIX + (text.splitlines()[0] if text else type(error).__name__), file=sys.stderr)
    return code
