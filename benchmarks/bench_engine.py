"""The engine against torch: every scheduler over 200,000 epochs, in one process.

For each of torch's fifteen schedulers: lrsched's ``engine.compute`` (spec already loaded)
against torch's own loop (``opt.step(); sched.step()`` recording ``get_last_lr()`` every
epoch, ReduceLROnPlateau stepped with the same metrics), and against the NumPy floor, one
``np.cumprod`` of as many float64.  Best of N wall-clock runs each.  Goals: >= 100x torch,
within 5x of the floor.  torch is optional: without it only the lrsched columns are shown.

    python benchmarks/bench_engine.py [--epochs 200000] [--repeat 7] [--torch-repeat 2]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from lrsched.engine import compute
from lrsched.spec import load_spec

SGD_M = {"type": "SGD", "lr": 0.1, "momentum": 0.9}


def cases(epochs: int) -> list[tuple[str, dict]]:
    """One typical configuration per scheduler, sized for ``epochs`` rows."""
    e = epochs
    metric = [1 / math.sqrt(i + 1) + 0.001 * math.sin(i) for i in range(e - 1)]   # a noisy, positive loss
    return [
        ("LambdaLR", {"lr": 0.1, "scheduler": {"type": "LambdaLR", "lr_lambda": "1 / (1 + 0.0001 * epoch)"}}),
        ("MultiplicativeLR", {"lr": 0.1, "scheduler": {"type": "MultiplicativeLR", "lr_lambda": "0.99999"}}),
        ("StepLR", {"lr": 0.1, "scheduler": {"type": "StepLR", "step_size": e // 200, "gamma": 0.97}}),
        ("MultiStepLR", {"lr": 0.1, "scheduler": {"type": "MultiStepLR", "milestones": [e // 4, e // 2, 3 * e // 4]}}),
        ("ConstantLR", {"lr": 0.1, "scheduler": {"type": "ConstantLR", "factor": 0.5, "total_iters": e // 40}}),
        ("LinearLR", {"lr": 0.1, "scheduler": {"type": "LinearLR", "start_factor": 0.01, "total_iters": e // 2}}),
        ("ExponentialLR", {"lr": 0.1, "scheduler": {"type": "ExponentialLR", "gamma": 0.99999}}),
        ("PolynomialLR", {"lr": 0.1, "scheduler": {"type": "PolynomialLR", "total_iters": e - 1, "power": 2.0}}),
        ("CosineAnnealingLR", {"lr": 0.1, "scheduler": {"type": "CosineAnnealingLR", "T_max": e // 4, "eta_min": 1e-4}}),
        ("CosineAnnealingWarmRestarts", {"lr": 0.1, "scheduler": {"type": "CosineAnnealingWarmRestarts",
                                                                  "T_0": e // 200, "T_mult": 2, "eta_min": 1e-5}}),
        ("CyclicLR", {"optimizer": SGD_M, "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01,
                                                       "step_size_up": 2000, "mode": "triangular2"}}),
        ("OneCycleLR", {"optimizer": SGD_M, "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": e - 1}}),
        ("SequentialLR", {"lr": 0.1, "scheduler": {"type": "SequentialLR", "milestones": [e // 40], "schedulers": [
            {"type": "LinearLR", "start_factor": 0.01, "total_iters": e // 40},
            {"type": "CosineAnnealingLR", "T_max": e - e // 40}]}}),
        ("ChainedScheduler", {"lr": 0.1, "scheduler": {"type": "ChainedScheduler", "schedulers": [
            {"type": "ConstantLR", "factor": 0.1, "total_iters": e // 40},
            {"type": "ExponentialLR", "gamma": 0.99999}]}}),
        ("ReduceLROnPlateau", {"lr": 0.1, "scheduler": {"type": "ReduceLROnPlateau", "patience": 10,
                                                        "factor": 0.5, "metrics": metric}}),
    ]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# ---- torch's loop (an independent spec -> torch mapping, as in tests/golden) -------------

def _torch_scheduler(torch, opt, s: dict):
    from torch.optim import lr_scheduler as tls
    kw = dict(s)
    typ = kw.pop("type")
    kw.pop("metrics", None)
    if "lr_lambda" in kw:                    # the two expressions used above, as lambdas
        kw["lr_lambda"] = ((lambda epoch: 1 / (1 + 0.0001 * epoch)) if "epoch" in kw["lr_lambda"]
                           else (lambda epoch: 0.99999))
    if typ in ("SequentialLR", "ChainedScheduler"):
        kw["schedulers"] = [_torch_scheduler(torch, opt, c) for c in kw["schedulers"]]
        return getattr(tls, typ)(**kw) if typ == "ChainedScheduler" else getattr(tls, typ)(opt, **kw)
    return getattr(tls, typ)(opt, **kw)


def torch_loop(torch, spec: dict, epochs: int):
    def run():
        opt_kw = dict(spec.get("optimizer", {"type": "SGD", "lr": spec.get("lr")}))
        cls = getattr(torch.optim, opt_kw.pop("type"))
        opt = cls([torch.nn.Parameter(torch.zeros(1))], **opt_kw)
        sched = _torch_scheduler(torch, opt, spec["scheduler"])
        metrics = spec["scheduler"].get("metrics")
        rows = []
        for e in range(epochs):
            rows.append(sched.get_last_lr())
            if e < epochs - 1:
                opt.step()
                if metrics is not None:
                    sched.step(metrics[e])
                else:
                    sched.step()
        return rows
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7, help="best of N for lrsched and the floor")
    parser.add_argument("--torch-repeat", type=int, default=2, help="best of N for torch's loop")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    torch = None
    if not args.no_torch:
        try:
            import torch
            import warnings
            warnings.filterwarnings("ignore")
        except ImportError:
            torch = None
    factors = np.random.default_rng(0).uniform(0.99999, 1.00001, args.epochs)   # stays normal
    floor = best(lambda: np.cumprod(factors), args.repeat * 3)
    print(f"{args.epochs} epochs; floor (np.cumprod of {args.epochs} float64): {floor * 1e3:.3f} ms"
          + ("" if torch else "; torch not installed"))
    print(f"{'scheduler':<28} {'lrsched ms':>11} {'torch ms':>10} {'torch/lrsched':>14} {'lrsched/floor':>14}")
    for name, spec in cases(args.epochs):
        schedule = load_spec({"epochs": args.epochs, **spec}).schedules[0]
        ours = best(lambda: compute(schedule), args.repeat)
        theirs = best(torch_loop(torch, spec, args.epochs), args.torch_repeat) if torch else None
        print(f"{name:<28} {ours * 1e3:11.2f} "
              + (f"{theirs * 1e3:10.0f} {theirs / ours:14.0f} " if theirs else f"{'-':>10} {'-':>14} ")
              + f"{ours / floor:14.1f}")


if __name__ == "__main__":
    main()
