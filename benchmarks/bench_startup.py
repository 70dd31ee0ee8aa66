"""Start-up: `lrsched table` on the built-in default against importing its dependencies.

Goal: within 1.3x of `python -c "import numpy, yaml, click, rich"` (no matplotlib on that
path).  Best of N runs of fresh interpreters, CPU time, in one process.

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
    best([sys.executable, "-m", "lrsched", "table", "--format", "rich"], 1)   # warm the byte-code cache
    floor = best([sys.executable, "-c", "import numpy, yaml, click, rich"], args.runs)
    plain = best([sys.executable, "-m", "lrsched", "table", "--format", "plain"], args.runs)
    rich = best([sys.executable, "-m", "lrsched", "table", "--format", "rich"], args.runs)
    print(f"{'command':<44} {'cpu ms':>8} {'ratio':>6}")
    print(f"{'python -c import numpy, yaml, click, rich':<44} {floor * 1e3:8.1f} {1:6.2f}")
    print(f"{'lrsched table --format plain':<44} {plain * 1e3:8.1f} {plain / floor:6.2f}")
    print(f"{'lrsched table --format rich':<44} {rich * 1e3:8.1f} {rich / floor:6.2f}")


if __name__ == "__main__":
    main()
