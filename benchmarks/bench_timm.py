"""A million updates of timm's per-update cosine with warmup and cycles, against timm's loop.

The spec: timm's CosineLRScheduler stepped after every update (``t_in_epochs: false``), 100
epochs of 10,000 updates, a 50,000-update linear warmup from 1e-6 (a prefix), then four
cycles of 200,000 updates, each peaking at half the last one's peak (``cycle_decay`` 0.5,
``cycle_limit`` 4), then ``lr_min``: 1,000,000 rows.  Two more: the same with timm's noise
on 200,000 of the updates, and with cycles that double in length (``cycle_mul`` 2: 100,000,
200,000 and 400,000 updates, ``cycle_limit`` 3), where every row has a cosine of its own
(with ``cycle_mul`` 1 a cycle's cosines serve every cycle).

lrsched, in this process: ``compute`` (the spec already parsed).  timm (1.0.31 with torch
2.13, loaded through a stub package as NUMERICS.md describes), in this process: train.py's
loop itself, the scheduler's share of it only (no optimizer step: ``for update: record the
group's lr; step_update(num_updates)``, and ``step(epoch + 1)`` after each epoch).  The rows
are compared bit for bit first.  Best of N runs for lrsched, one for timm.  Goal: at least
300x faster than timm's loop.

    python benchmarks/bench_timm.py [--repeat 5] [--no-timm]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import types
import warnings

import numpy as np

STEPS_PER_EPOCH = 10_000
EPOCHS = 100
SCHEDULER = {"type": "timm.CosineLRScheduler", "t_initial": 200_000, "lr_min": 1e-5, "cycle_decay": 0.5,
             "cycle_limit": 4, "warmup_t": 50_000, "warmup_lr_init": 1e-6, "warmup_prefix": True,
             "t_in_epochs": False}
VARIANTS = {"cycles": {}, "noisy": {"noise_range_t": [400_000, 600_000], "noise_seed": 7},
            "cycle_mul 2": {"t_initial": 100_000, "cycle_mul": 2, "cycle_limit": 3}}


def scheduler(variant: str) -> dict:
    return {**SCHEDULER, **VARIANTS[variant]}


def spec(variant: str) -> dict:
    return {"lr": 0.1, "epochs": EPOCHS, "steps_per_epoch": STEPS_PER_EPOCH, "scheduler": scheduler(variant)}


def best(fn, repeat: int) -> tuple:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def timm_loop(variant: str) -> np.ndarray:
    if "timm" not in sys.modules:
        found = importlib.util.find_spec("timm")
        stub = types.ModuleType("timm")
        stub.__path__ = list(found.submodule_search_locations)
        sys.modules["timm"] = stub
    import torch
    from timm.scheduler import CosineLRScheduler

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    kwargs = {k: v for k, v in scheduler(variant).items() if k != "type"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = CosineLRScheduler(opt, **kwargs)
    group = opt.param_groups[0]
    rows = []
    num_updates = 0
    for epoch in range(EPOCHS):
        for _ in range(STEPS_PER_EPOCH):
            rows.append(group["lr"])
            num_updates += 1
            sched.step_update(num_updates=num_updates)
        sched.step(epoch + 1)
    return np.array(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-timm", action="store_true")
    args = parser.parse_args()

    from lrsched.engine import compute
    from lrsched.spec import load_spec

    print(f"{EPOCHS * STEPS_PER_EPOCH} updates of timm's CosineLRScheduler, per update, with warmup and cycles")
    print(f"{'spec':<14}{'lrsched ms':>12}{'timm ms':>12}{'timm/lrsched':>14}")
    for name in VARIANTS:
        schedule = load_spec(spec(name)).schedules[0]
        ours, result = best(lambda: compute(schedule), args.repeat)
        if args.no_timm:
            print(f"{name:<14}{ours * 1e3:>12.1f}")
            continue
        start = time.perf_counter()
        theirs = timm_loop(name)
        timm_s = time.perf_counter() - start
        np.testing.assert_array_equal(result.lr[:, 0], theirs, strict=True)
        print(f"{name:<14}{ours * 1e3:>12.1f}{timm_s * 1e3:>12.0f}{timm_s / ours:>14.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
