"""Start-up: `lrsched table` and `lrsched plot --term` on the built-in default against
importing their dependencies, and `lrsched --help` / `--version` against importing click alone.

Goals: `table` and `plot --term` within 1.3x of `python -c "import numpy, yaml, click, rich"`
(no matplotlib on those paths); `--help` and `--version` import no numpy (nor rich, nor matplotlib), so they cost
little more than click.  Best of N runs of fresh interpreters, CPU time, in one process.

    python benchmarks/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys


# Measure what users get: byte-code cached after the first run (some shells set
# PYTHONDONTWRITEBYTECODE, which would make every run compile every module).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

LRSCHED = [sys.executable, "-m", "lrsched"]

# (label, command) groups: the first line of each is the floor its ratios are taken against
GROUPS = [
    [("python -c import numpy, yaml, click, rich", [sys.executable, "-c", "import numpy, yaml, click, rich"]),
     ("lrsched table --format plain", [*LRSCHED, "table", "--format", "plain"]),
     ("lrsched table --format rich", [*LRSCHED, "table", "--format", "rich"]),
     ("lrsched plot --term", [*LRSCHED, "plot", "--term"])],
    [("python -c import click", [sys.executable, "-c", "import click"]),
     ("lrsched --help", [*LRSCHED, "--help"]),
     ("lrsched --version", [*LRSCHED, "--version"])],
]


def best(cmd: list[str], runs: int) -> float:
    """Best CPU time (user + system) of the child: steadier than wall time on a busy machine."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    best([*LRSCHED, "table", "--format", "rich"], 1)   # warm the byte-code cache
    print(f"{'command':<44} {'cpu ms':>8} {'ratio':>6}")
    for group in GROUPS:
        floor = None
        for label, cmd in group:
            seconds = best(cmd, args.runs)
            floor = floor or seconds
            print(f"{label:<44} {seconds * 1e3:8.1f} {seconds / floor:6.2f}")


if __name__ == "__main__":
    main()
