"""`lrsched plot --term` on a 1,000,000-row spec (a cosine with ten half-periods).

Goal: under 0.5 s for the whole command (start-up, the engine's million rows, the drawing),
best of N fresh processes, wall time; the drawing alone (in this process) is printed too.

    python benchmarks/bench_term.py [--runs 5] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV.pop("NO_COLOR", None)


def spec(rows: int) -> str:
    return f"lr: 0.1\nepochs: {rows}\nscheduler: {{type: CosineAnnealingLR, T_max: {max(1, rows // 10)}}}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    from lrsched.engine import compute
    from lrsched.render.term import draw
    from lrsched.spec import load_spec

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "cosine.yaml")
        with open(path, "w") as fh:
            fh.write(spec(args.rows))
        command = [sys.executable, "-m", "lrsched", "plot", "--term", path, "--size", "80x24"]
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=ENV)   # warm the byte-code cache
        walls = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=ENV)
            walls.append(time.perf_counter() - start)
    results = [compute(s) for s in load_spec((spec(args.rows), "cosine.yaml")).schedules]
    draws = []
    for _ in range(args.runs):
        start = time.perf_counter()
        draw(results, cols=80, rows=24)
        draws.append(time.perf_counter() - start)
    print(f"{args.rows:,} rows: lrsched plot --term  {min(walls) * 1e3:7.1f} ms (whole command, best of {args.runs})")
    print(f"{args.rows:,} rows: drawing alone        {min(draws) * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
