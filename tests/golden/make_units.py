#!/usr/bin/env python3
"""Write tests/golden/units.json: schedules in training units (SPEC.md section 4), computed by
running torch's training loop itself.

It must not import lrsched. It reuses the spec -> torch mapping of make_schedules.py (the
optimizer, the scheduler, the expression/lambda pairs), the second implementation beside it.
torch is needed only to run this script:

    pip install torch==2.13.0
    python tests/golden/make_units.py

A case is a spec mapping (SPEC.md sections 1 and 4) with unit keys at the top level.
Updates per epoch, as section 4 derives them:

    per_device = ceil(dataset_size / world_size)
    batches = per_device // batch_size if drop_last else ceil(per_device / batch_size)
    steps_per_epoch = ceil(batches / grad_accum)

rows = max_steps if given, else epochs * steps_per_epoch. `warmup: {steps: N | epochs: E,
start_factor: F}` builds SequentialLR(opt, [LinearLR(opt, start_factor=F, end_factor=1.0,
total_iters=N), SCHEDULER], milestones=[N]) (children built in that order), N = steps, or E *
steps_per_epoch with `interval: step`, E with `interval: epoch`. The loop records a row, then
steps:

    for epoch in range(ceil(rows / steps_per_epoch)):
        for update in range(steps_per_epoch):
            if row == rows: break
            record get_last_lr() (and every group's momentum / betas[0])
            optimizer.step()
            if interval == "step": scheduler.step()       # plateau: step(metrics[k])
        if interval == "epoch": scheduler.step()

scheduler.step() is never called after the last row is recorded (it changes no row).
ReduceLROnPlateau's `metrics` hold one value per scheduler.step() call that precedes a row.
"""

import json
import math
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import make_schedules as ms  # noqa: E402  (the spec -> torch mapping; never lrsched)
import torch  # noqa: E402
from torch.optim import lr_scheduler as tls  # noqa: E402

TORCH_VERSION = ms.TORCH_VERSION
OUT = HERE / "units.json"
MAX_PLAIN_BYTES = 6_000_000
MAX_CASE_ROWS = 20_000

UNIT_KEYS = ("steps_per_epoch", "dataset_size", "batch_size", "world_size", "grad_accum",
             "drop_last", "interval", "max_steps", "warmup")
DERIVATION_KEYS = ("dataset_size", "batch_size", "world_size", "grad_accum", "drop_last")
WARMUP_START_FACTOR = 1e-3


def ceil_div(a, b):
    return -(-a // b)


# ----------------------------------------------------------------------------------------
# Section 4's arithmetic
def steps_per_epoch(spec):
    """Updates per epoch, or None for a spec without units (one row per scheduler step)."""
    if "steps_per_epoch" not in spec and "dataset_size" not in spec:
        assert not any(k in spec for k in DERIVATION_KEYS + ("max_steps",)), "units without a count"
        return None
    if "steps_per_epoch" in spec:
        assert not any(k in spec for k in DERIVATION_KEYS), "steps_per_epoch with derivation keys"
        return spec["steps_per_epoch"]
    per_device = ceil_div(spec["dataset_size"], spec.get("world_size", 1))
    batch = spec["batch_size"]
    batches = per_device // batch if spec.get("drop_last", False) else ceil_div(per_device, batch)
    return ceil_div(batches, spec.get("grad_accum", 1))


def row_count(spec, spe):
    spe = spe or 1
    return spec["max_steps"] if "max_steps" in spec else spec["epochs"] * spe


def warmup_steps(spec, spe):
    warm = spec["warmup"]
    spe = spe or 1
    if "steps" in warm:
        return warm["steps"]
    return warm["epochs"] * spe if spec.get("interval", "epoch") == "step" else warm["epochs"]


def scheduler_calls(spec, spe, rows):
    """How many scheduler.step() calls precede a recorded row."""
    spe = spe or 1
    if spec.get("interval", "epoch") == "step":
        return rows - 1
    return ceil_div(rows, spe) - 1


# ----------------------------------------------------------------------------------------
# The training loop
def build(spec, spe):
    opt = ms.make_optimizer(spec)
    if "warmup" in spec:
        n = warmup_steps(spec, spe)
        warm = tls.LinearLR(opt, start_factor=spec["warmup"].get("start_factor", WARMUP_START_FACTOR),
                            end_factor=1.0, total_iters=n)
        inner = ms.make_scheduler(opt, spec["scheduler"])
        return opt, tls.SequentialLR(opt, [warm, inner], milestones=[n])
    return opt, ms.make_scheduler(opt, spec["scheduler"])


def run(spec, progress):
    """Return (lr rows, momentum rows or None, momentum key, notes). progress[0] = stage."""
    spe = steps_per_epoch(spec) or 1           # no units: one update per epoch
    rows = row_count(spec, spe)
    interval = spec.get("interval", "epoch")
    assert interval in ("step", "epoch"), interval
    progress[0] = "constructor"
    opt, sched = build(spec, spe)
    plateau = isinstance(sched, tls.ReduceLROnPlateau)
    metrics = spec["scheduler"].get("metrics")
    key = ms.momentum_key(opt)
    lrs, moms, auto = [], [], []
    k = 0                                   # scheduler.step() calls so far

    def scheduler_step():
        nonlocal k
        progress[0] = f"step {k + 1}"
        if plateau:
            sched.step(metrics[k])
        else:
            sched.step()
        k += 1

    i = 0
    for _epoch in range(ceil_div(rows, spe)):
        for _update in range(spe):
            if i == rows:
                break
            last = [ms.num(x) for x in sched.get_last_lr()]
            groups = [ms.num(g["lr"]) for g in opt.param_groups]
            if last != groups and not auto:
                auto.append(f"get_last_lr() differs from the groups' lr at row {i}")
            lrs.append(last)
            if key == "momentum":
                moms.append([ms.num(g["momentum"]) for g in opt.param_groups])
            elif key == "betas":
                moms.append([ms.num(g["betas"][0]) for g in opt.param_groups])
            opt.step()
            i += 1
            if interval == "step" and i < rows:
                scheduler_step()
        if interval == "epoch" and i < rows:
            scheduler_step()
    assert len(lrs) == rows, (len(lrs), rows)
    assert k == scheduler_calls(spec, spe, rows), (k, rows)
    if plateau:
        assert len(metrics) == k, (len(metrics), k)
    return lrs, (moms if key else None), key, auto


# ----------------------------------------------------------------------------------------
# Case builders
CASES = []
ERRORS = []


def _spec(cid, scheduler, lr, optimizer, epochs, units):
    unknown = set(units) - set(UNIT_KEYS)
    assert not unknown, unknown
    spec = {"name": cid}
    if optimizer is not None:
        spec["optimizer"] = optimizer
    else:
        spec["lr"] = 0.1 if lr is None else lr
    if epochs is not None:
        spec["epochs"] = epochs
    for name in UNIT_KEYS:
        if name in units:
            spec[name] = units[name]
    spe = steps_per_epoch(spec)
    rows = row_count(spec, spe)
    scheduler = dict(scheduler)
    if callable(scheduler.get("metrics")):
        # ReduceLROnPlateau: metrics(k) for every scheduler.step() call that precedes a row
        make = scheduler["metrics"]
        scheduler["metrics"] = [make(j) for j in range(scheduler_calls(spec, spe, rows))]
    spec["scheduler"] = scheduler
    return spec, spe, rows


def case(cid, scheduler, *, lr=None, optimizer=None, epochs=None, note=None, **units):
    spec, spe, rows = _spec(cid, scheduler, lr, optimizer, epochs, units)
    assert rows <= MAX_CASE_ROWS, (cid, rows)
    CASES.append((cid, spec, spe, rows, note))


def error(cid, scheduler, *, lr=None, optimizer=None, epochs=None, note=None, **units):
    spec, spe, rows = _spec(cid, scheduler, lr, optimizer, epochs, units)
    ERRORS.append((cid, spec, spe, rows, note))


S, fn, SEQ, CH = ms.S, ms.fn, ms.SEQ, ms.CH
SGD_M09 = ms.sgd(0.1, momentum=0.9)
SGD3 = ms.SGD3                       # 3 groups, momentum 0.9 / 0.9 / 0.5
SGD2 = ms.SGD2
ADAM2 = ms.ADAM2                     # 2 groups, betas (0.9, 0.999) / (0.8, 0.99)
ADAMW = ms.ADAMW


def decay_then_flat(knee, rate=0.8):
    return lambda j: round(rate ** min(j, knee), 6)


# ---- one case per scheduler, interval step and epoch ------------------------------------
case("lambdalr-step", S("LambdaLR", lr_lambda=fn("0.5 ** (epoch // 10)", lambda epoch: 0.5 ** (epoch // 10))),
     epochs=5, steps_per_epoch=7, interval="step", note="epoch in lr_lambda counts scheduler steps (updates)")
case("lambdalr-epoch", S("LambdaLR", lr_lambda=fn("0.5 ** (epoch // 2)", lambda epoch: 0.5 ** (epoch // 2))),
     epochs=6, steps_per_epoch=5, interval="epoch", note="every epoch's lr repeats steps_per_epoch times")
case("multiplicativelr-step", S("MultiplicativeLR", lr_lambda=fn("0.97", lambda epoch: 0.97)),
     epochs=4, steps_per_epoch=6, interval="step")
case("multiplicativelr-default-interval-2-groups", S("MultiplicativeLR", lr_lambda=[
    fn("0.9", lambda epoch: 0.9), fn("0.99 if epoch > 2 else 1.0", lambda epoch: 0.99 if epoch > 2 else 1.0)]),
    optimizer=SGD2, epochs=6, steps_per_epoch=4, note="no interval key: the default, epoch")
case("steplr-step", S("StepLR", step_size=15, gamma=0.5), epochs=5, steps_per_epoch=10, interval="step")
case("steplr-epoch", S("StepLR", step_size=2, gamma=0.5), epochs=6, steps_per_epoch=8, interval="epoch")
case("multisteplr-step", S("MultiStepLR", milestones=[20, 45], gamma=0.1), epochs=5, steps_per_epoch=12,
     interval="step")
case("multisteplr-epoch-3-groups", S("MultiStepLR", milestones=[2, 4], gamma=0.2), optimizer=SGD3,
     epochs=6, steps_per_epoch=3, interval="epoch")
case("constantlr-step", S("ConstantLR", factor=0.25, total_iters=7), epochs=3, steps_per_epoch=5,
     interval="step", note="total_iters 7 ends mid-epoch 1")
case("constantlr-epoch", S("ConstantLR", factor=0.25, total_iters=2), epochs=4, steps_per_epoch=5,
     interval="epoch")
case("linearlr-step", S("LinearLR", start_factor=0.1, total_iters=25), epochs=4, steps_per_epoch=10,
     interval="step")
case("linearlr-epoch", S("LinearLR", start_factor=0.1, end_factor=0.5, total_iters=3), epochs=5,
     steps_per_epoch=6, interval="epoch")
case("exponentiallr-step-adam-2-groups", S("ExponentialLR", gamma=0.98), optimizer=ADAM2, epochs=4,
     steps_per_epoch=15, interval="step")
case("exponentiallr-epoch", S("ExponentialLR", gamma=0.9), epochs=8, steps_per_epoch=4, interval="epoch")
case("polynomiallr-step", S("PolynomialLR", total_iters=40, power=2.0), epochs=5, steps_per_epoch=10,
     interval="step", note="reaches 0 at update 40; the run goes on at 0")
case("polynomiallr-epoch", S("PolynomialLR", total_iters=4, power=1.0), epochs=5, steps_per_epoch=3,
     interval="epoch")
case("cosinelr-step", S("CosineAnnealingLR", T_max=60, eta_min=0.001), epochs=6, steps_per_epoch=10,
     interval="step")
case("cosinelr-epoch", S("CosineAnnealingLR", T_max=10), epochs=10, steps_per_epoch=25, interval="epoch")
case("cawr-step", S("CosineAnnealingWarmRestarts", T_0=8, T_mult=2, eta_min=0.0001), epochs=8,
     steps_per_epoch=7, interval="step")
case("cawr-epoch", S("CosineAnnealingWarmRestarts", T_0=3), epochs=9, steps_per_epoch=4, interval="epoch")
case("cycliclr-step-sgd-momentum", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=10), optimizer=SGD_M09,
     epochs=5, steps_per_epoch=9, interval="step", note="momentum cycles per update")
case("cycliclr-step-adam-2-groups", S("CyclicLR", base_lr=[0.0001, 0.00003], max_lr=[0.001, 0.0003],
                                       step_size_up=6, step_size_down=4, mode="triangular2"),
     optimizer=ADAM2, epochs=4, steps_per_epoch=11, interval="step", note="betas[0] cycles per update")
case("cycliclr-epoch", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=2), optimizer=SGD_M09,
     epochs=8, steps_per_epoch=3, interval="epoch", note="a cycle in epochs; momentum constant within an epoch")
case("onecyclelr-step-sgd", S("OneCycleLR", max_lr=0.1, total_steps=60), optimizer=SGD_M09, epochs=5,
     steps_per_epoch=12, interval="step")
case("onecyclelr-step-adam-2-groups", S("OneCycleLR", max_lr=[0.003, 0.001], total_steps=48,
                                         three_phase=True, anneal_strategy="linear"),
     optimizer=ADAM2, epochs=4, steps_per_epoch=12, interval="step")
case("onecyclelr-step-3-groups-lists", S("OneCycleLR", max_lr=[0.1, 0.01, 0.05], total_steps=40,
                                          base_momentum=[0.85, 0.8, 0.5], max_momentum=[0.95, 0.9, 0.6]),
     optimizer=SGD3, epochs=4, steps_per_epoch=10, interval="step")
case("onecyclelr-step-extrapolated-last-row", S("OneCycleLR", max_lr=0.1, total_steps=20), optimizer=SGD_M09,
     epochs=3, steps_per_epoch=7, interval="step",
     note="21 rows, 20 scheduler steps: the last row is OneCycleLR's extrapolated step total_steps")
case("onecyclelr-epoch", S("OneCycleLR", max_lr=0.1, total_steps=8), optimizer=SGD_M09, epochs=8,
     steps_per_epoch=5, interval="epoch", note="total_steps sized in epochs")
case("sequentiallr-step", SEQ([S("ConstantLR", factor=0.5, total_iters=5), S("ExponentialLR", gamma=0.95)], [12]),
     epochs=4, steps_per_epoch=8, interval="step")
case("sequentiallr-epoch", SEQ([S("LinearLR", start_factor=0.2, total_iters=2),
                                S("StepLR", step_size=2, gamma=0.5)], [3]), epochs=8, steps_per_epoch=4,
     interval="epoch")
case("chained-step", CH([S("ConstantLR", factor=0.5, total_iters=6), S("ExponentialLR", gamma=0.97)]),
     epochs=3, steps_per_epoch=9, interval="step")
case("chained-epoch", CH([S("CosineAnnealingLR", T_max=6, eta_min=0.001), S("LinearLR", start_factor=0.3,
                                                                             total_iters=2)]),
     epochs=7, steps_per_epoch=3, interval="epoch")
case("plateau-step", S("ReduceLROnPlateau", patience=4, factor=0.5, metrics=decay_then_flat(8)),
     epochs=4, steps_per_epoch=9, interval="step", note="one metric per update (35 of them for 36 rows)")
case("plateau-epoch", S("ReduceLROnPlateau", patience=1, factor=0.3, metrics=decay_then_flat(3)),
     epochs=8, steps_per_epoch=5, interval="epoch", note="one metric per epoch boundary (7 for 8 epochs)")

# ---- max_steps ---------------------------------------------------------------------------
case("max-steps-mid-epoch-step", S("CosineAnnealingLR", T_max=37), epochs=10, steps_per_epoch=8,
     max_steps=37, interval="step", note="37 rows: the run stops in the middle of epoch 4")
case("max-steps-mid-epoch-epoch", S("StepLR", step_size=1, gamma=0.5), epochs=10, steps_per_epoch=8,
     max_steps=29, interval="epoch", note="29 rows: epoch 3 is cut after 5 updates")
case("max-steps-without-epochs-step", S("OneCycleLR", max_lr=0.05, total_steps=50), optimizer=SGD_M09,
     steps_per_epoch=12, max_steps=50, interval="step")
case("max-steps-without-epochs-epoch", S("ExponentialLR", gamma=0.8), steps_per_epoch=6, max_steps=20,
     interval="epoch")
case("max-steps-above-epochs", S("LinearLR", start_factor=0.5, total_iters=30), epochs=2, steps_per_epoch=10,
     max_steps=35, interval="step", note="max_steps replaces epochs * steps_per_epoch (20) even when larger")
case("max-steps-plateau-epoch", S("ReduceLROnPlateau", patience=0, factor=0.5, metrics=decay_then_flat(1)),
     steps_per_epoch=4, max_steps=18, interval="epoch", note="5 epochs touched, 4 metrics")
case("max-steps-derived", S("PolynomialLR", total_iters=100, power=1.0), dataset_size=1000, batch_size=32,
     grad_accum=2, max_steps=47, interval="step", note="steps_per_epoch 16 (32 batches, 2 per update)")

# ---- derivation keys ---------------------------------------------------------------------
case("derive-world-size-not-divisible", S("StepLR", step_size=5, gamma=0.5), dataset_size=1003, batch_size=16,
     world_size=8, epochs=3, interval="step",
     note="per_device ceil(1003 / 8) = 126, ceil(126 / 16) = 8 updates an epoch")
case("derive-drop-last-false", S("CosineAnnealingLR", T_max=20), dataset_size=1000, batch_size=64, world_size=3,
     drop_last=False, epochs=2, interval="step", note="per_device 334, ceil(334 / 64) = 6")
case("derive-drop-last-true", S("CosineAnnealingLR", T_max=20), dataset_size=1000, batch_size=64, world_size=3,
     drop_last=True, epochs=2, interval="step", note="per_device 334, 334 // 64 = 5")
case("derive-grad-accum-partial-window", S("ExponentialLR", gamma=0.9), dataset_size=500, batch_size=10,
     grad_accum=3, epochs=3, interval="step", note="50 batches, ceil(50 / 3) = 17 updates (the last of 2 batches)")
case("derive-grad-accum-exact", S("LinearLR", start_factor=0.25, total_iters=12), dataset_size=480,
     batch_size=10, grad_accum=4, epochs=2, interval="step", note="48 batches / 4 = 12 updates")
case("derive-batch-larger-than-shard", S("StepLR", step_size=2, gamma=0.5), dataset_size=100, batch_size=32,
     world_size=8, epochs=5, interval="step", note="per_device 13 < batch 32: one partial batch, 1 update an epoch")
case("derive-all-keys-epoch", S("MultiStepLR", milestones=[2, 3], gamma=0.1), dataset_size=10007,
     batch_size=24, world_size=4, grad_accum=5, drop_last=True, epochs=4, interval="epoch",
     note="per_device 2502, 2502 // 24 = 104 batches, ceil(104 / 5) = 21")
case("derive-defaults-only", S("CosineAnnealingLR", T_max=4), dataset_size=90, batch_size=20, epochs=4,
     note="world_size 1, grad_accum 1, drop_last false, interval epoch: ceil(90 / 20) = 5")

# ---- warmup before each family ------------------------------------------------------------
case("warmup-steps-lambdalr", S("LambdaLR", lr_lambda=fn("0.9 ** epoch", lambda epoch: 0.9 ** epoch)),
     epochs=3, steps_per_epoch=10, interval="step", warmup={"steps": 6},
     note="start_factor default 1e-3; LambdaLR restarts at its own epoch 0 at the milestone")
case("warmup-steps-multiplicativelr", S("MultiplicativeLR", lr_lambda=fn("0.95", lambda epoch: 0.95)),
     epochs=3, steps_per_epoch=8, interval="step", warmup={"steps": 5, "start_factor": 0.1})
case("warmup-epochs-steplr-epoch", S("StepLR", step_size=2, gamma=0.5), epochs=8, steps_per_epoch=3,
     interval="epoch", warmup={"epochs": 2}, note="warmup 2 epochs = 2 scheduler steps with interval epoch")
case("warmup-epochs-multisteplr-step", S("MultiStepLR", milestones=[10, 20], gamma=0.1), epochs=6,
     steps_per_epoch=6, interval="step", warmup={"epochs": 2, "start_factor": 0.01},
     note="warmup 2 epochs = 12 updates; the milestones count from the warmup's end")
case("warmup-steps-constantlr", S("ConstantLR", factor=0.5, total_iters=4), epochs=2, steps_per_epoch=9,
     interval="step", warmup={"steps": 5, "start_factor": 0.2})
case("warmup-epochs-linearlr-epoch", S("LinearLR", start_factor=1.0, end_factor=0.1, total_iters=4), epochs=8,
     steps_per_epoch=2, interval="epoch", warmup={"epochs": 2, "start_factor": 0.25})
case("warmup-epochs-exponentiallr-step", S("ExponentialLR", gamma=0.97), epochs=5, steps_per_epoch=7,
     interval="step", warmup={"epochs": 1})
case("warmup-steps-polynomiallr", S("PolynomialLR", total_iters=20, power=0.5), epochs=4, steps_per_epoch=8,
     interval="step", warmup={"steps": 8, "start_factor": 0.05})
case("warmup-epochs-cosinelr-step", S("CosineAnnealingLR", T_max=40, eta_min=0.0001), epochs=6,
     steps_per_epoch=8, interval="step", warmup={"epochs": 1, "start_factor": 0.01})
case("warmup-epochs-cosinelr-epoch", S("CosineAnnealingLR", T_max=7), epochs=10, steps_per_epoch=3,
     interval="epoch", warmup={"epochs": 3})
case("warmup-steps-cosinelr-epoch", S("CosineAnnealingLR", T_max=5), epochs=8, steps_per_epoch=4,
     interval="epoch", warmup={"steps": 2, "start_factor": 0.5}, note="steps count scheduler steps: here epochs")
case("warmup-steps-cosinelr-3-groups", S("CosineAnnealingLR", T_max=20, eta_min=0.001), optimizer=SGD3,
     epochs=3, steps_per_epoch=10, interval="step", warmup={"steps": 10})
case("warmup-steps-cawr-step", S("CosineAnnealingWarmRestarts", T_0=6, T_mult=2), epochs=4, steps_per_epoch=9,
     interval="step", warmup={"steps": 4})
case("warmup-epochs-cawr-epoch", S("CosineAnnealingWarmRestarts", T_0=3, eta_min=0.001), epochs=10,
     steps_per_epoch=2, interval="epoch", warmup={"epochs": 2, "start_factor": 0.1})
case("warmup-steps-cycliclr-sgd", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=5), optimizer=SGD_M09,
     epochs=4, steps_per_epoch=8, interval="step", warmup={"steps": 6, "start_factor": 0.1},
     note="the warmup ramps towards the optimizer's lr (0.1), then CyclicLR starts at base_lr; "
          "momentum is max_momentum during the warmup and cycles after it")
case("warmup-epochs-cycliclr-adam-2-groups", S("CyclicLR", base_lr=0.0001, max_lr=0.001, step_size_up=4),
     optimizer=ADAM2, epochs=4, steps_per_epoch=6, interval="step", warmup={"epochs": 1})
case("warmup-steps-onecyclelr-sgd", S("OneCycleLR", max_lr=0.1, total_steps=40), optimizer=SGD_M09, epochs=5,
     steps_per_epoch=10, interval="step", warmup={"steps": 10, "start_factor": 0.1},
     note="OneCycleLR's constructor sets the groups' initial_lr to max_lr / div_factor (0.004) after "
          "LinearLR was built: the warmup ramps from 0.004 * start_factor to 0.004, not to the optimizer's 0.1")
case("warmup-epochs-onecyclelr-adam", S("OneCycleLR", max_lr=0.003, total_steps=30, pct_start=0.4),
     optimizer=ADAM2, epochs=4, steps_per_epoch=10, interval="step", warmup={"epochs": 1})
case("warmup-epochs-onecyclelr-epoch", S("OneCycleLR", max_lr=0.1, total_steps=6), optimizer=SGD_M09,
     epochs=8, steps_per_epoch=3, interval="epoch", warmup={"epochs": 2})
case("warmup-steps-sequentiallr-unreached", SEQ([S("ConstantLR", factor=0.5, total_iters=2),
                                                 S("ExponentialLR", gamma=0.9)], [3]),
     epochs=2, steps_per_epoch=6, interval="step", warmup={"steps": 12},
     note="the warmup lasts the whole run (12 updates): torch refuses a SequentialLR after the "
          "milestone (see errors)")
case("warmup-epochs-chained-unreached", CH([S("ExponentialLR", gamma=0.9), S("StepLR", step_size=2)]),
     epochs=3, steps_per_epoch=4, interval="epoch", warmup={"epochs": 3, "start_factor": 0.1},
     note="the warmup lasts the whole run (3 epochs): torch refuses a ChainedScheduler after the "
          "milestone (see errors)")
case("warmup-without-units", S("CosineAnnealingLR", T_max=15, eta_min=0.001), epochs=20,
     warmup={"steps": 5, "start_factor": 0.1},
     note="no unit keys: one row per scheduler step (steps_per_epoch null), the warmup in those steps")
case("warmup-without-units-default-factor", S("ExponentialLR", gamma=0.9), epochs=12, warmup={"steps": 3},
     optimizer=ADAM2)
case("warmup-longer-than-run", S("CosineAnnealingLR", T_max=100), epochs=2, steps_per_epoch=10,
     interval="step", warmup={"steps": 50}, note="the cosine never starts")

# ---- realistic -----------------------------------------------------------------------------
case("cifar-onecyclelr", S("OneCycleLR", max_lr=0.1, total_steps=3910), optimizer=SGD_M09, epochs=10,
     steps_per_epoch=391, interval="step",
     note="CIFAR-10, batch 128: row 0 is max_lr / 25 as torch's cosine computes it at pct 0 (0.0040000000000000036)")
case("imagenet-warmup-cosine-3-epochs", S("CosineAnnealingLR", T_max=212755), lr=0.1, epochs=3,
     dataset_size=1281167, batch_size=32, world_size=8, grad_accum=2, interval="step", warmup={"epochs": 5},
     note="per_device 160146, 5005 batches, 2503 updates an epoch; the first 3 epochs of a 90-epoch run "
          "(T_max = 85 epochs of updates): all warmup")
case("imagenet-warmup-cosine-max-steps", S("CosineAnnealingLR", T_max=212755), lr=0.1, epochs=90,
     dataset_size=1281167, batch_size=32, world_size=8, grad_accum=2, interval="step", max_steps=15000,
     warmup={"epochs": 5}, note="the 90-epoch run cut at 15000 updates: the cosine starts at update 12515")

# ---- errors: what torch refuses in this loop -----------------------------------------------
error("err-onecyclelr-step-past-total", S("OneCycleLR", max_lr=0.1, total_steps=20), optimizer=SGD_M09,
      epochs=3, steps_per_epoch=10, interval="step",
      note="30 rows need 29 scheduler steps; OneCycleLR allows total_steps (20)")
error("err-onecyclelr-epoch-past-total", S("OneCycleLR", max_lr=0.1, total_steps=4), optimizer=SGD_M09,
      epochs=7, steps_per_epoch=5, interval="epoch")
error("err-onecyclelr-max-steps-past-total", S("OneCycleLR", max_lr=0.1, total_steps=30), optimizer=SGD_M09,
      steps_per_epoch=8, max_steps=40, interval="step")
error("err-onecyclelr-epochs-sized-stepped-per-update", S("OneCycleLR", max_lr=0.1, epochs=10, steps_per_epoch=1),
      optimizer=SGD_M09, epochs=10, steps_per_epoch=20, interval="step",
      note="OneCycleLR's own epochs x steps_per_epoch (10) against 199 scheduler steps")
error("err-warmup-plateau", S("ReduceLROnPlateau", metrics=decay_then_flat(5)), epochs=4, steps_per_epoch=5,
      interval="step", warmup={"steps": 3}, note="SequentialLR refuses a ReduceLROnPlateau child")
error("err-warmup-sequentiallr", SEQ([S("ConstantLR", factor=0.5, total_iters=2),
                                      S("ExponentialLR", gamma=0.9)], [3]),
      epochs=3, steps_per_epoch=6, interval="step", warmup={"steps": 4},
      note="at the milestone torch calls the nested SequentialLR's _update_lr(0): it has no get_lr")
error("err-warmup-chained-epoch", CH([S("ExponentialLR", gamma=0.9), S("StepLR", step_size=2)]),
      epochs=6, steps_per_epoch=4, interval="epoch", warmup={"epochs": 2},
      note="at the milestone torch calls the ChainedScheduler's _update_lr(0): it has no get_lr")
error("err-warmup-onecyclelr-past-total", S("OneCycleLR", max_lr=0.1, total_steps=20), optimizer=SGD_M09,
      epochs=3, steps_per_epoch=10, interval="step", warmup={"steps": 5},
      note="after the warmup OneCycleLR gets 24 steps; it allows 20")
error("err-warmup-start-factor-0", S("CosineAnnealingLR", T_max=10), epochs=2, steps_per_epoch=5,
      interval="step", warmup={"steps": 3, "start_factor": 0.0})
error("err-warmup-start-factor-above-1", S("CosineAnnealingLR", T_max=10), epochs=2, steps_per_epoch=5,
      interval="step", warmup={"steps": 3, "start_factor": 1.5})
error("err-cosinelr-tmax-0-step", S("CosineAnnealingLR", T_max=0), epochs=2, steps_per_epoch=3, interval="step",
      note="not validated by the constructor: the first scheduler step divides by zero")


# ----------------------------------------------------------------------------------------
def render() -> str:
    """The text of units.json, computed with the torch installed."""
    if not torch.__version__.startswith(TORCH_VERSION):
        print(f"warning: torch {torch.__version__}, golden data is meant for {TORCH_VERSION}", file=sys.stderr)
    ids = [c[0] for c in CASES] + [e[0] for e in ERRORS]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"duplicate ids: {sorted(dup)}")

    cases = []
    for cid, spec, spe, rows, note in CASES:
        progress = [None]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                lrs, moms, key, auto = run(spec, progress)
            except Exception as exc:  # a case that should work
                sys.exit(f"case {cid} raised at {progress[0]}: {type(exc).__name__}: {exc}")
        entry = {"id": cid, "spec": ms.to_json(spec), "steps_per_epoch": spe, "rows": rows,
                 "lr": lrs, "momentum": moms, "momentum_key": key}
        notes = ([note] if note else []) + auto
        if notes:
            entry["note"] = "; ".join(notes)
        warns = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        if warns:
            entry["torch_warnings"] = warns
        cases.append(entry)

    errors = []
    for cid, spec, spe, rows, note in ERRORS:
        progress = [None]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                run(spec, progress)
            except AssertionError as exc:  # the generator's own checks, not torch
                sys.exit(f"error case {cid}: generator check failed: {exc!r}")
            except Exception as exc:
                msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                entry = {"id": cid, "spec": ms.to_json(spec), "steps_per_epoch": spe, "rows": rows,
                         "torch_error": f"{type(exc).__name__}: {msg}", "raised_at": progress[0]}
                if note:
                    entry["note"] = note
                errors.append(entry)
            else:
                sys.exit(f"error case {cid} did not raise")

    data = {"torch_version": TORCH_VERSION, "generator": "tests/golden/make_units.py",
            "cases": cases, "errors": errors}
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    if len(text.encode()) > MAX_PLAIN_BYTES:
        sys.exit(f"units.json would be {len(text)} bytes; reduce the long cases")
    return text + "\n"


def main():
    text = render()
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUT)
    data = json.loads(text)
    print(f"wrote {OUT} ({len(text) - 1} bytes): {len(data['cases'])} cases, "
          f"{len(data['errors'])} errors")


if __name__ == "__main__":
    main()
