"""One base class for bad input from the user (an unknown name, a value out
of range, a missing data set, a workdir of another config): every command
reports it in one line on stderr with exit code 2, never a traceback."""

import sys

EXIT_USER_ERROR = 2


class UserError(Exception):
    """Bad input: the message names the problem and the fix."""


def parse_absl_flags(argv):
    """absl's flag parser for `app.run`, with a bad flag reported like any bad
    input: one line, exit 2."""
    from absl import flags
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        sys.exit(report(f"{e}; see --helpfull"))


def report(error, code=EXIT_USER_ERROR):
    """Prints `error: <first line>` to stderr; returns the exit code."""
    text = str(error).strip()
    print(f"error: {text.splitlines()[0] if text else type(error).__name__}", file=sys.stderr)
    return code
