"""lrsched's batched simulator vs a torch.optim loop: 3 optimizers x 50 lrs x 2,000 steps.

    python benchmarks/bench_simulate.py [--steps N] [--lrs N] [--no-torch]

Both sides run the same 150 runs (Adam, RAdam, AdamW at 50 log-spaced lrs from 1e-4 to
1e-1) on rosenbrock from (-1.2, 1) in one process.  The torch side is what a user would
write: one optimizer per run, ``zero_grad(); loss.backward(); step()`` each step, on a
single thread.  It is skipped when torch is not installed.  Goal: lrsched >= 50x faster.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lrsched.simulate import run_grid

OPTIMIZERS = ("Adam", "RAdam", "AdamW")


def bench_lrsched(lrs, steps):
    t0 = time.perf_counter()
    result = run_grid("rosenbrock", OPTIMIZERS, lrs=lrs, steps=steps, escape=None)
    return time.perf_counter() - t0, result


def bench_torch(torch, lrs, steps):
    torch.set_num_threads(1)
    finals = []
    t0 = time.perf_counter()
    for name in OPTIMIZERS:
        for lr in lrs:
            p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
            opt = getattr(torch.optim, name)([p], lr=float(lr))
            for _ in range(steps):
                opt.zero_grad()
                x, y = p[0], p[1]
                loss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
                loss.backward()
                opt.step()
            finals.append(p.detach().numpy().copy())
    return time.perf_counter() - t0, np.array(finals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lrs", type=int, default=50)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    lrs = np.geomspace(1e-4, 1e-1, args.lrs).tolist()
    runs = len(OPTIMIZERS) * len(lrs)

    ours, result = bench_lrsched(lrs, args.steps)
    print(f"lrsched: {runs} runs x {args.steps} steps in {ours:.3f} s "
          f"({ours / (runs * args.steps) * 1e6:.2f} us per run-step)")
    if args.no_torch:
        return
    try:
        import torch
    except ImportError:
        print("torch: not installed, skipped")
        return
    theirs, finals = bench_torch(torch, lrs, args.steps)
    print(f"torch:   {runs} runs x {args.steps} steps in {theirs:.3f} s "
          f"({theirs / (runs * args.steps) * 1e6:.2f} us per run-step)")
    print(f"ratio:   lrsched is {theirs / ours:.0f}x faster (goal: >= 50x)")
    ours_final = result.path[-1]
    finite = np.isfinite(finals).all(axis=1)
    gap = np.abs(ours_final[finite] - finals[finite]).max() if finite.any() else 0.0
    print(f"parity:  final points of {finite.sum()} finite torch runs: max |difference| "
          f"{gap:.3g}; {int(np.sum(~finite))} torch runs ended non-finite, "
          f"{int(result.diverged.sum())} lrsched runs flagged diverged (frozen, finite)")


if __name__ == "__main__":
    main()
