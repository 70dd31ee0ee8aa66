"""lrsched's simulator vs a torch.optim loop: a batch (3 optimizers x 50 lrs x 2,000 steps)
and single long runs (1 run x 100,000 steps).

    python benchmarks/bench_simulate.py [--steps N] [--lrs N] [--single-steps N] [--no-torch]

Batch: both sides run the same 150 runs (Adam, RAdam, AdamW at 50 log-spaced lrs from 1e-4 to
1e-1) on rosenbrock from (-1.2, 1) in one process.  The torch side is what a user would
write: one optimizer per run, ``zero_grad(); loss.backward(); step()`` each step, on a
single thread.  It is skipped when torch is not installed.  Goal: lrsched >= 50x faster.

Single runs: steps per second of one run of Adam, RAdam, AdamW and SGD (lr 1e-3, SGD 1e-4)
on rosenbrock, for lrsched (a group of one run: the fast path on Python floats), lrsched
forced onto its batched NumPy path (what every run took before the fast path), the same
torch loop, and a plain Python float loop (torch's formulas, separately rounded: the floor
of what Python does per step, not bit for bit torch).
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


def torch_run(torch, name, lr, steps):
    """What a user writes: one optimizer on rosenbrock from (-1.2, 1), autograd each step;
    the final point."""
    p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([p], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
        loss.backward()
        opt.step()
    return p.detach().numpy().copy()


def bench_torch(torch, lrs, steps):
    torch.set_num_threads(1)
    finals = []
    t0 = time.perf_counter()
    for name in OPTIMIZERS:
        for lr in lrs:
            finals.append(torch_run(torch, name, float(lr), steps))
    return time.perf_counter() - t0, np.array(finals)


SINGLE = ("Adam", "RAdam", "AdamW", "SGD")
SINGLE_LR = {"SGD": 1e-4}


def single_lrsched(name, steps, *, batched=False):
    from lrsched.simulate import RunConfig, runner, simulate
    saved = runner.FAST_PATH_MAX_RUNS
    runner.FAST_PATH_MAX_RUNS = 0 if batched else saved
    try:
        t0 = time.perf_counter()
        result = simulate("rosenbrock", [RunConfig(name, lr=SINGLE_LR.get(name, 1e-3))], steps,
                          escape=None)
        return time.perf_counter() - t0, result.path[-1, 0]
    finally:
        runner.FAST_PATH_MAX_RUNS = saved


def single_torch(torch, name, steps):
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    final = torch_run(torch, name, SINGLE_LR.get(name, 1e-3), steps)
    return time.perf_counter() - t0, final


def single_python(name, steps):
    """The optimizer in plain Python floats, torch's formulas rounded operation by operation."""
    lr = SINGLE_LR.get(name, 1e-3)
    b1, b2, eps, wd = 0.9, 0.999, 1e-8, (0.01 if name == "AdamW" else 0.0)
    rho_inf = 2 / (1 - b2) - 1
    p = [-1.2, 1.0]
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    t0 = time.perf_counter()
    for t in range(1, steps + 1):
        x, y = p
        w = y - x * x
        gw = 200 * w
        g = (-gw * 2 * x - 2 * (1 - x), gw)
        if name == "SGD":
            p = [p[i] - lr * g[i] for i in range(2)]
            continue
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        for i in range(2):
            if wd:
                p[i] *= 1 - lr * wd
            m[i] += (g[i] - m[i]) * (1 - b1)
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            if name == "RAdam":
                rho_t = rho_inf - 2 * t * b2 ** t / bc2
                m_hat = m[i] / bc1
                if rho_t > 5:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    p[i] -= m_hat * lr * bc2 ** 0.5 / (v[i] ** 0.5 + eps) * rect
                else:
                    p[i] -= m_hat * lr
            else:
                p[i] -= lr / bc1 * m[i] / (v[i] ** 0.5 / bc2 ** 0.5 + eps)
    return time.perf_counter() - t0, np.array(p)


def bench_single(steps, torch):
    print(f"\nsingle runs: 1 run x {steps} steps on rosenbrock, steps per second "
          "(x: lrsched's speed over the others')")
    print(f"{'':8}{'lrsched':>10}{'batched':>10}{'torch':>10}{'python':>10}"
          f"{'x batched':>11}{'x torch':>9}{'x python':>10}")
    for name in SINGLE:
        fast, final = single_lrsched(name, steps)
        slow, final_batched = single_lrsched(name, steps, batched=True)
        assert np.array_equal(final, final_batched)
        plain, _ = single_python(name, steps)
        theirs = single_torch(torch, name, steps)[0] if torch is not None else None
        rate = steps / fast
        print(f"{name:8}{rate:>10.0f}{steps / slow:>10.0f}"
              f"{(f'{steps / theirs:.0f}' if theirs else '-'):>10}{steps / plain:>10.0f}"
              f"{slow / fast:>10.1f}x{(f'{theirs / fast:.1f}x' if theirs else '-'):>9}"
              f"{plain / fast:>9.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lrs", type=int, default=50)
    parser.add_argument("--single-steps", type=int, default=100_000)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    lrs = np.geomspace(1e-4, 1e-1, args.lrs).tolist()
    runs = len(OPTIMIZERS) * len(lrs)

    ours, result = bench_lrsched(lrs, args.steps)
    print(f"lrsched: {runs} runs x {args.steps} steps in {ours:.3f} s "
          f"({ours / (runs * args.steps) * 1e6:.2f} us per run-step)")
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("torch: not installed, skipped")
    if torch is None:
        bench_single(args.single_steps, None)
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
    bench_single(args.single_steps, torch)


if __name__ == "__main__":
    main()
