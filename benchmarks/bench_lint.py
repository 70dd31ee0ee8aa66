"""``lrsched lint`` of million-row specs, end to end (a subprocess: start-up included).

Three specs of 1,000,000 rows each: a per-update warmup + cosine with units, a per-epoch
CyclicLR with momentum, and a OneCycleLR that lint has findings for.  Best of N wall-clock
runs.  Goal: under 1 s each.

    python benchmarks/bench_lint.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

SPECS = {
    "warmup + cosine, 100 x 10,000 updates": (
        "epochs: 100\nsteps_per_epoch: 10000\ninterval: step\nwarmup: {epochs: 5}\n"
        "optimizer: {type: SGD, lr: 0.1, momentum: 0.9}\n"
        "scheduler: {type: CosineAnnealingLR, T_max: 950000}\n"),
    "CyclicLR, 1,000,000 epochs": (
        "epochs: 1000000\noptimizer: {type: SGD, lr: 0.1, momentum: 0.9}\n"
        "scheduler: {type: CyclicLR, base_lr: 0.001, max_lr: 0.1, step_size_up: 2000}\n"),
    "OneCycleLR past total_steps, per epoch": (
        "epochs: 100\nsteps_per_epoch: 10000\noptimizer: {type: SGD, lr: 0.1}\n"
        "scheduler: {type: OneCycleLR, max_lr: 0.1, total_steps: 1000000}\n"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, text in SPECS.items():
            path = os.path.join(folder, "spec.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run = subprocess.run([sys.executable, "-m", "lrsched", "lint", path], capture_output=True, text=True)
                times.append(time.perf_counter() - start)
            if run.returncode not in (0, 1):
                print(run.stderr, file=sys.stderr)
                return 1
            findings = len(run.stdout.splitlines())
            worst = max(worst, min(times))
            print(f"  {name:<40} {min(times):6.3f} s  ({findings} findings, exit {run.returncode})")
    print(f"slowest: {worst:.3f} s (goal: under 1 s)")
    return 0 if worst < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
