"""Starts a multi-worker run on this machine: N processes of `zoo.train`
with `--strategy=multi_worker`, each with its TF_CONFIG, on free loopback ports.

    python -m zoo.launch --workers=2 -- --dataset=mnist --steps=100 --workdir=runs/mw

It waits for all of them, stops the rest when one fails, and exits with the
first non-zero exit code (0 when all succeed). Real clusters set TF_CONFIG on
each host instead (README, "Scaling out").
"""

import json
import os
import socket
import subprocess
import sys
import time


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def tf_configs(n):
    cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(n)]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
            for i in range(n)]


def start_workers(n, train_args, env=None, log_dir=None, module="zoo.train"):
    """Popen of each worker (`python -m <module> --strategy=multi_worker
    <train_args>`); stdout/stderr go to log_dir/worker<i>.log if given."""
    procs = []
    for i, tf_config in enumerate(tf_configs(n)):
        worker_env = dict(os.environ if env is None else env, TF_CONFIG=tf_config)
        out = open(os.path.join(log_dir, f"worker{i}.log"), "w") if log_dir else None
        procs.append(subprocess.Popen(
            [sys.executable, "-m", module, "--strategy=multi_worker", *train_args],
            env=worker_env, stdout=out, stderr=subprocess.STDOUT if out else None))
    return procs


def wait(procs, timeout_s):
    """Exit codes of all workers; the others are stopped once one fails or
    the time is up (their code is then the signal's, negative)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline and any(p.poll() is None for p in procs):
        if any(p.poll() not in (None, 0) for p in procs):
            break
        time.sleep(0.2)
    for p in procs:
        if p.poll() is None:
            p.kill()
    return [p.wait() for p in procs]


def main(argv):
    import argparse
    from zoo.errors import report

    class Parser(argparse.ArgumentParser):
        def error(self, message):  # one line, as every zoo command
            sys.exit(report(f"{message}; zoo.launch takes --workers and --timeout, and "
                            "zoo.train's flags after --"))

    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=24 * 3600, help="seconds for the whole run")
    parser.add_argument("--helpfull", action="help", help=argparse.SUPPRESS)  # as absl's commands
    # Only what follows -- goes to the workers: a mistyped launch flag is an
    # error here, not N identical errors from N workers.
    split = argv.index("--") if "--" in argv else len(argv)
    args, train_args = parser.parse_args(argv[:split]), argv[split + 1:]
    if args.workers < 1:
        return report(f"--workers must be positive, got {args.workers}")
    if args.timeout <= 0:
        return report(f"--timeout must be positive, got {args.timeout}")
    if not train_args:
        return report("no zoo.train flags after --; e.g. python -m zoo.launch --workers=2 -- "
                      "--dataset=mnist --workdir=runs/mw")
    codes = wait(start_workers(args.workers, train_args), args.timeout)
    return next((c for c in codes if c != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
