"""Start-up time of the zoo's commands: `--help` of each, the pretrained
listing and the config table, as a user waits for them.

    python benchmarks/cli_startup.py              # 5 runs each
    python benchmarks/cli_startup.py --runs=11 --help_only

Each command runs `--runs` times in a fresh interpreter (subprocess wall
time, from the start to the exit, the interpreter's own start included); the
table gives the median (min–max) in seconds, the exit code and whether
TensorFlow was imported (absent from `-X importtime`'s list: "no"). The first
row is the bare interpreter, the floor under every other. A command that exits
non-zero (a flag not there yet) is reported, not timed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

COMMANDS = ["zoo.train", "zoo.evaluate", "zoo.pretrained", "zoo.classifiers", "zoo.bench",
            "zoo.baseline", "zoo.reproduce", "zoo.experiments", "zoo.launch"]
LISTINGS = [("python -m zoo.pretrained", ["-m", "zoo.pretrained"]),
            ("python -m zoo.train --list_configs", ["-m", "zoo.train", "--list_configs"])]


def run(args, env):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                            text=True)
    return time.perf_counter() - start, result


def imports_tensorflow(args, env):
    """Whether the command imports TensorFlow (-X importtime's list on stderr)."""
    _, result = run(["-X", "importtime", *args], env)
    return any(line.startswith("import time:") and line.split("|")[-1].strip() == "tensorflow"
               for line in result.stderr.splitlines())


def measure(label, args, runs, env):
    wall, result = run(args, env)  # first run: a warm file cache for the timed ones
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1][:70]
        return f"{label:<40} exit {result.returncode}: {last} (not timed)"
    times = [run(args, env)[0] for _ in range(runs)]
    tf = "yes" if imports_tensorflow(args, env) else "no"
    return (f"{label:<40} {statistics.median(times):6.2f} ({min(times):.2f}–{max(times):.2f})"
            f"  {result.returncode:>4}  {tf:>3}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--help_only", action="store_true", help="only the --help rows")
    args = parser.parse_args()
    env = dict(os.environ)
    rows = [("python -c pass", ["-c", "pass"]), ("python -c 'import zoo'", ["-c", "import zoo"])]
    rows += [(f"python -m {m} --help", ["-m", m, "--help"]) for m in COMMANDS]
    if not args.help_only:
        rows += LISTINGS
    print(f"{sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.runs} runs each, seconds")
    print(f"{'command':<40} {'median (min–max)':>18}  exit  TF")
    for label, command in rows:
        print(measure(label, command, args.runs, env), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
