#!/usr/bin/env python3
"""Write tests/golden/schedules.json: learning-rate schedules computed by torch.

An independent second implementation of the spec -> torch mapping (SPEC.md section 1).
It must not import lrsched. torch is needed only to run this script:

    pip install torch==2.13.0
    python tests/golden/make_schedules.py

Every case is a spec mapping (what the YAML would load to). Callables are stored as
expression strings; here each one is paired with a hand-written Python lambda that means
the same thing (no string is ever evaluated).

Row semantics: row e = scheduler.get_last_lr() during epoch e, for e in 0..epochs-1, with
`optimizer.step(); scheduler.step()` (ReduceLROnPlateau: `step(metrics[e])`) between rows.
"""

import json
import math
import sys
import warnings
from pathlib import Path

import torch
from torch.optim import lr_scheduler as tls

TORCH_VERSION = "2.13.0"
HERE = Path(__file__).resolve().parent
OUT = HERE / "schedules.json"
MAX_PLAIN_BYTES = 6_000_000


# ----------------------------------------------------------------------------------------
# Callables: the expression string (stored) + an equivalent Python lambda (run).
class Fn:
    __slots__ = ("src", "func")

    def __init__(self, src, func):
        self.src = src
        self.func = func


def fn(src, func):
    return Fn(src, func)


def to_json(value):
    if isinstance(value, Fn):
        return value.src
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def to_callable(value):
    if isinstance(value, Fn):
        return value.func
    if isinstance(value, (list, tuple)):
        return [to_callable(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------
# spec -> torch
def make_optimizer(spec):
    if "optimizer" in spec:
        kw = dict(spec["optimizer"])
        cls = getattr(torch.optim, kw.pop("type", "SGD"))
        groups = kw.pop("param_groups", None)
        if groups is None:
            params = [torch.nn.Parameter(torch.zeros(1))]
        else:
            params = [dict(g, params=[torch.nn.Parameter(torch.zeros(1))]) for g in groups]
        return cls(params, **kw)
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=spec["lr"])


def make_scheduler(opt, sdict):
    kw = dict(sdict)
    typ = kw.pop("type")
    kw.pop("metrics", None)
    cls = getattr(tls, typ)
    if typ in ("SequentialLR", "ChainedScheduler"):
        kw["schedulers"] = [make_scheduler(opt, c) for c in kw["schedulers"]]
        if typ == "ChainedScheduler":
            return cls(**kw)
        return cls(opt, **kw)
    for key in ("lr_lambda", "scale_fn"):
        if key in kw:
            kw[key] = to_callable(kw[key])
    return cls(opt, **kw)


def num(x):
    """A recorded value: keeps Python int vs float (repr matters for the plain format)."""
    if isinstance(x, torch.Tensor):
        return float(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"unexpected value {x!r}")
    return x


def momentum_key(opt):
    g = opt.param_groups[0]
    if "momentum" in g:
        return "momentum"
    if "betas" in g:
        return "betas"
    return None


def run(spec, progress):
    """Return (lr rows, momentum rows or None, momentum key, notes). progress[0] = stage."""
    epochs = spec["epochs"]
    progress[0] = "constructor"
    opt = make_optimizer(spec)
    sched = make_scheduler(opt, spec["scheduler"])
    metrics = spec["scheduler"].get("metrics")
    plateau = isinstance(sched, tls.ReduceLROnPlateau)
    key = momentum_key(opt)
    lrs, moms, auto = [], [], []
    for e in range(epochs):
        last = [num(x) for x in sched.get_last_lr()]
        groups = [num(g["lr"]) for g in opt.param_groups]
        if last != groups and not auto:
            auto.append(f"get_last_lr() differs from the groups' lr at row {e}")
        lrs.append(last)
        if key == "momentum":
            moms.append([num(g["momentum"]) for g in opt.param_groups])
        elif key == "betas":
            moms.append([num(g["betas"][0]) for g in opt.param_groups])
        if e < epochs - 1:
            progress[0] = f"step {e + 1}"
            opt.step()
            if plateau:
                sched.step(metrics[e])
            else:
                sched.step()
    return lrs, (moms if key else None), key, auto


# ----------------------------------------------------------------------------------------
# Case builders
CASES = []
ERRORS = []


def S(typ, **kw):
    return dict(type=typ, **kw)


def _spec(cid, scheduler, epochs, lr, optimizer):
    spec = {"name": cid}
    if optimizer is not None:
        spec["optimizer"] = optimizer
    else:
        spec["lr"] = 0.1 if lr is None else lr
    spec["epochs"] = epochs
    spec["scheduler"] = scheduler
    return spec


def case(cid, scheduler, epochs, lr=None, optimizer=None, note=None):
    CASES.append((cid, _spec(cid, scheduler, epochs, lr, optimizer), note))


def error(cid, scheduler, epochs=10, lr=None, optimizer=None, note=None):
    ERRORS.append((cid, _spec(cid, scheduler, epochs, lr, optimizer), note))


def sgd(lr=0.1, **kw):
    return dict(type="SGD", lr=lr, **kw)


def opt_groups(typ, lrs, extra=None, **defaults):
    """Optimizer mapping with one param group per lr; extra[i] updates group i."""
    groups = []
    for i, lr in enumerate(lrs):
        g = {"lr": lr}
        if extra and i < len(extra) and extra[i]:
            g.update(extra[i])
        groups.append(g)
    return dict(type=typ, **defaults, param_groups=groups)


SGD3 = opt_groups("SGD", [0.1, 0.01, 0.05], [None, None, {"momentum": 0.5}], lr=0.1, momentum=0.9)
SGD2 = opt_groups("SGD", [0.1, 0.02], lr=0.1)
ADAM2 = opt_groups("Adam", [0.001, 0.0003], [None, {"betas": [0.8, 0.99]}], lr=0.001)
ADAMW = dict(type="AdamW", lr=0.003, weight_decay=0.05)


def resume_opt(lrs, initial, typ="SGD", **defaults):
    return opt_groups(typ, lrs, [{"initial_lr": i} for i in initial], lr=initial[0], **defaults)


# ---- LambdaLR ---------------------------------------------------------------------------
TUT_LAMBDA = fn("lambda epoch: 0.5 ** (epoch // 3)", lambda epoch: 0.5 ** (epoch // 3))
case("lambdalr-tutorial", S("LambdaLR", lr_lambda=TUT_LAMBDA), 9, lr=0.01)
case("lambdalr-linear-warmup", S("LambdaLR", lr_lambda=fn(
    "min(1.0, (epoch + 1) / 10)", lambda epoch: min(1.0, (epoch + 1) / 10))), 40)
case("lambdalr-inverse-sqrt", S("LambdaLR", lr_lambda=fn(
    "1 / sqrt(max(epoch, 1))", lambda epoch: 1 / math.sqrt(max(epoch, 1)))), 120, lr=0.5)
case("lambdalr-exp", S("LambdaLR", lr_lambda=fn(
    "exp(-0.05 * epoch)", lambda epoch: math.exp(-0.05 * epoch))), 150)
case("lambdalr-warmup-cosine", S("LambdaLR", lr_lambda=fn(
    "epoch / 10 if epoch < 10 else 0.5 * (1 + cos(pi * (epoch - 10) / 90))",
    lambda epoch: epoch / 10 if epoch < 10 else 0.5 * (1 + math.cos(math.pi * (epoch - 10) / 90)))),
    100, note="row 0 is 0.0 (factor 0 at epoch 0)")
case("lambdalr-and-or", S("LambdaLR", lr_lambda=fn(
    "1.0 if epoch < 5 or epoch > 20 else 0.1", lambda epoch: 1.0 if epoch < 5 or epoch > 20 else 0.1)), 30)
case("lambdalr-not", S("LambdaLR", lr_lambda=fn(
    "lambda epoch: 0.1 if not epoch < 10 else 1.0", lambda epoch: 0.1 if not epoch < 10 else 1.0)), 20)
case("lambdalr-chained-comparison", S("LambdaLR", lr_lambda=fn(
    "0.5 if 5 <= epoch < 10 else 1.0", lambda epoch: 0.5 if 5 <= epoch < 10 else 1.0)), 15,
    note="Python chained comparison 5 <= epoch < 10")
case("lambdalr-floor", S("LambdaLR", lr_lambda=fn(
    "0.9 ** floor(epoch / 4)", lambda epoch: 0.9 ** math.floor(epoch / 4))), 50)
case("lambdalr-ceil", S("LambdaLR", lr_lambda=fn(
    "1 / ceil((epoch + 1) / 5)", lambda epoch: 1 / math.ceil((epoch + 1) / 5))), 50)
case("lambdalr-log", S("LambdaLR", lr_lambda=fn(
    "1 / (1 + log(1 + epoch))", lambda epoch: 1 / (1 + math.log(1 + epoch)))), 200)
case("lambdalr-mod", S("LambdaLR", lr_lambda=fn(
    "1.0 if epoch % 10 < 5 else 0.5", lambda epoch: 1.0 if epoch % 10 < 5 else 0.5)), 40)
case("lambdalr-abs-sin", S("LambdaLR", lr_lambda=fn(
    "abs(sin(pi * epoch / 20)) + 0.01", lambda epoch: abs(math.sin(math.pi * epoch / 20)) + 0.01)), 80)
case("lambdalr-e-power", S("LambdaLR", lr_lambda=fn(
    "e ** (-epoch / 50)", lambda epoch: math.e ** (-epoch / 50))), 150)
case("lambdalr-integer-constant", S("LambdaLR", lr_lambda=fn("1", lambda epoch: 1)), 5,
     note="lambda returns int 1; lr stays a float")
case("lambdalr-growth", S("LambdaLR", lr_lambda=fn(
    "1.05 ** epoch", lambda epoch: 1.05 ** epoch)), 60, lr=0.01)
case("lambdalr-one-fn-3-groups", S("LambdaLR", lr_lambda=TUT_LAMBDA), 12, optimizer=SGD3)
case("lambdalr-list-3-groups", S("LambdaLR", lr_lambda=[
    fn("0.95 ** epoch", lambda epoch: 0.95 ** epoch),
    fn("lambda epoch: 1.0", lambda epoch: 1.0),
    fn("min(1.0, (epoch + 1) / 5)", lambda epoch: min(1.0, (epoch + 1) / 5))]), 30, optimizer=SGD3)
case("lambdalr-adam-2-groups", S("LambdaLR", lr_lambda=fn(
    "1 - epoch / 100", lambda epoch: 1 - epoch / 100)), 101, optimizer=ADAM2,
    note="factor reaches exactly 0 at row 100")
case("lambdalr-resume", S("LambdaLR", lr_lambda=TUT_LAMBDA, last_epoch=5), 12,
     optimizer=resume_opt([0.0123, 0.5], [0.1, 0.01]),
     note="row 0 = initial_lr * lambda(last_epoch + 1); the group's current lr is ignored")
case("lambdalr-long-20000", S("LambdaLR", lr_lambda=fn(
    "0.5 * (1 + cos(pi * epoch / 20000))", lambda epoch: 0.5 * (1 + math.cos(math.pi * epoch / 20000)))),
    20000, lr=0.1)

# ---- MultiplicativeLR -------------------------------------------------------------------
case("multiplicativelr-const", S("MultiplicativeLR", lr_lambda=fn("0.95", lambda epoch: 0.95)), 60)
case("multiplicativelr-every-3", S("MultiplicativeLR", lr_lambda=fn(
    "lambda epoch: 0.9 if epoch % 3 == 0 else 1.0", lambda epoch: 0.9 if epoch % 3 == 0 else 1.0)), 40,
    note="factor(epoch) applied at every step from epoch 1 on; factor(0) never used")
case("multiplicativelr-warmup-decay", S("MultiplicativeLR", lr_lambda=fn(
    "1.1 if epoch < 5 else 0.95", lambda epoch: 1.1 if epoch < 5 else 0.95)), 40, lr=0.01)
case("multiplicativelr-harmonic", S("MultiplicativeLR", lr_lambda=fn(
    "1 - 1 / (epoch + 10)", lambda epoch: 1 - 1 / (epoch + 10))), 100)
case("multiplicativelr-list-2-groups", S("MultiplicativeLR", lr_lambda=[
    fn("0.9", lambda epoch: 0.9), fn("0.99 if epoch > 3 else 1.0", lambda epoch: 0.99 if epoch > 3 else 1.0)]),
    30, optimizer=SGD2)
case("multiplicativelr-adamw", S("MultiplicativeLR", lr_lambda=fn("0.98", lambda epoch: 0.98)), 50,
     optimizer=ADAMW)
case("multiplicativelr-resume", S("MultiplicativeLR", lr_lambda=fn("0.9", lambda epoch: 0.9), last_epoch=3), 10,
     optimizer=resume_opt([0.0729], [0.1]), note="row 0 = the group's current lr (initial step changes nothing)")
case("multiplicativelr-long-10000", S("MultiplicativeLR", lr_lambda=fn("0.9995", lambda epoch: 0.9995)),
     10000, lr=0.1)

# ---- StepLR -----------------------------------------------------------------------------
case("steplr-tutorial", S("StepLR", step_size=3, gamma=0.1), 9, lr=0.01)
case("steplr-default-gamma", S("StepLR", step_size=5), 30)
case("steplr-step-1", S("StepLR", step_size=1, gamma=0.5), 40)
case("steplr-7-half", S("StepLR", step_size=7, gamma=0.5), 100)
case("steplr-gamma-above-1", S("StepLR", step_size=2, gamma=1.5), 20, lr=0.01)
case("steplr-underflow", S("StepLR", step_size=1, gamma=0.1), 340,
     note="repeated *0.1 goes subnormal and reaches exactly 0.0")
case("steplr-3-groups", S("StepLR", step_size=4, gamma=0.3), 25, optimizer=SGD3)
case("steplr-adam", S("StepLR", step_size=10, gamma=0.5), 50, optimizer=ADAM2)
case("steplr-resume-on-boundary", S("StepLR", step_size=3, gamma=0.1, last_epoch=2), 10,
     optimizer=resume_opt([0.1], [0.1]),
     note="StepLR's initial step is not skipped: last_epoch becomes 3, a multiple of step_size, "
          "so the constructor already multiplies the group's lr by gamma")
case("steplr-resume", S("StepLR", step_size=3, gamma=0.1, last_epoch=4), 10,
     optimizer=resume_opt([0.01], [0.1]))
case("steplr-long-10000", S("StepLR", step_size=1000, gamma=0.5), 10000)

# ---- MultiStepLR ------------------------------------------------------------------------
case("multisteplr-tutorial", S("MultiStepLR", milestones=[3, 7], gamma=0.1), 9, lr=0.01)
case("multisteplr-default-gamma", S("MultiStepLR", milestones=[10, 20, 30]), 40)
case("multisteplr-repeated", S("MultiStepLR", milestones=[3, 3, 7], gamma=0.5), 12,
     note="a repeated milestone multiplies by gamma ** count")
case("multisteplr-unsorted", S("MultiStepLR", milestones=[7, 3], gamma=0.1), 12)
case("multisteplr-unsorted-repeated", S("MultiStepLR", milestones=[10, 3, 7, 3], gamma=0.5), 15)
case("multisteplr-milestone-0", S("MultiStepLR", milestones=[0, 5], gamma=0.1), 10,
     note="milestone 0 is applied by the constructor's initial step: row 0 is already lr*gamma")
case("multisteplr-beyond-epochs", S("MultiStepLR", milestones=[50, 100], gamma=0.1), 20)
case("multisteplr-3-groups", S("MultiStepLR", milestones=[2, 5, 9], gamma=0.25), 12, optimizer=SGD3)
case("multisteplr-resume", S("MultiStepLR", milestones=[3, 7], gamma=0.1, last_epoch=4), 8,
     optimizer=resume_opt([0.001], [0.01]))

# ---- ConstantLR -------------------------------------------------------------------------
case("constantlr-defaults", S("ConstantLR"), 10, note="factor 1/3 for 5 epochs; back to lr via *(1/factor)")
case("constantlr-half-3", S("ConstantLR", factor=0.5, total_iters=3), 8)
case("constantlr-factor-0.3", S("ConstantLR", factor=0.3, total_iters=4), 100, lr=0.01,
     note="after total_iters lr = (lr*0.3)*(1/0.3), not exactly lr")
case("constantlr-factor-1", S("ConstantLR", factor=1.0, total_iters=4), 8)
case("constantlr-factor-0-before-total", S("ConstantLR", factor=0.0, total_iters=5), 5,
     note="factor 0 is accepted; lr is 0 until total_iters, where 1/0 raises (see errors)")
case("constantlr-total-0", S("ConstantLR", factor=0.5, total_iters=0), 10,
     note="total_iters 0: the factor is applied at epoch 0 and never undone")
case("constantlr-total-1", S("ConstantLR", factor=0.25, total_iters=1), 5)
case("constantlr-3-groups", S("ConstantLR", factor=0.1, total_iters=3), 6, optimizer=SGD3)
case("constantlr-resume", S("ConstantLR", factor=0.5, total_iters=5, last_epoch=2), 6,
     optimizer=resume_opt([0.05], [0.1]))
case("constantlr-resume-at-total", S("ConstantLR", factor=0.5, total_iters=5, last_epoch=4), 4,
     optimizer=resume_opt([0.05], [0.1]),
     note="initial step lands on last_epoch == total_iters, so the constructor divides by factor")

# ---- LinearLR ---------------------------------------------------------------------------
case("linearlr-defaults", S("LinearLR"), 10)
case("linearlr-warmup-10", S("LinearLR", start_factor=0.1, end_factor=1.0, total_iters=10), 30)
case("linearlr-decay", S("LinearLR", start_factor=1.0, end_factor=0.1, total_iters=20), 30)
case("linearlr-end-0", S("LinearLR", start_factor=1.0, end_factor=0.0, total_iters=10), 15,
     note="reaches exactly 0 at total_iters")
case("linearlr-quarter", S("LinearLR", start_factor=0.25, end_factor=0.75, total_iters=4), 10)
case("linearlr-total-0", S("LinearLR", start_factor=0.5, total_iters=0), 6,
     note="total_iters 0: start_factor is applied at epoch 0 and kept forever")
case("linearlr-total-1", S("LinearLR", start_factor=0.5, total_iters=1), 6)
case("linearlr-100-of-150", S("LinearLR", start_factor=0.01, total_iters=100), 150,
     note="recurrence: lr ends near but not exactly at base lr")
case("linearlr-3-groups", S("LinearLR", start_factor=0.2, total_iters=5), 10, optimizer=SGD3)
case("linearlr-resume", S("LinearLR", start_factor=0.1, total_iters=10, last_epoch=3), 12,
     optimizer=resume_opt([0.037], [0.1]))

# ---- ExponentialLR ----------------------------------------------------------------------
case("exponentiallr-tutorial", S("ExponentialLR", gamma=0.95), 9, lr=0.01)
case("exponentiallr-gamma-1", S("ExponentialLR", gamma=1.0), 10)
case("exponentiallr-growth", S("ExponentialLR", gamma=1.05), 60, lr=0.001)
case("exponentiallr-underflow", S("ExponentialLR", gamma=0.5), 1100,
     note="goes subnormal and reaches exactly 0.0")
case("exponentiallr-2-groups-adam", S("ExponentialLR", gamma=0.9), 40, optimizer=ADAM2)
case("exponentiallr-resume", S("ExponentialLR", gamma=0.9, last_epoch=9), 10,
     optimizer=resume_opt([0.0387420489, 0.02], [0.1, 0.05]))
case("exponentiallr-long-10000", S("ExponentialLR", gamma=0.9995), 10000)

# ---- PolynomialLR -----------------------------------------------------------------------
case("polynomiallr-defaults", S("PolynomialLR"), 10)
case("polynomiallr-power-2", S("PolynomialLR", total_iters=10, power=2.0), 20)
case("polynomiallr-power-half", S("PolynomialLR", total_iters=8, power=0.5), 12)
case("polynomiallr-power-0", S("PolynomialLR", total_iters=5, power=0.0), 10,
     note="power 0: 0.0 ** 0 == 1 at total_iters, lr never changes")
case("polynomiallr-total-0", S("PolynomialLR", total_iters=0), 5,
     note="total_iters 0 is accepted; the recurrence never divides by it")
case("polynomiallr-long-tail", S("PolynomialLR", total_iters=100, power=1.5), 150)
case("polynomiallr-3-groups", S("PolynomialLR", total_iters=6, power=1.0), 10, optimizer=SGD3)
case("polynomiallr-resume", S("PolynomialLR", total_iters=10, power=1.0, last_epoch=4), 10,
     optimizer=resume_opt([0.05], [0.1]))

# ---- CosineAnnealingLR ------------------------------------------------------------------
case("cosinelr-10-past", S("CosineAnnealingLR", T_max=10), 45,
     note="not clamped: rises again after T_max, period 2*T_max")
case("cosinelr-eta-min", S("CosineAnnealingLR", T_max=20, eta_min=0.001), 90)
case("cosinelr-eta-min-above-lr", S("CosineAnnealingLR", T_max=8, eta_min=0.2), 20,
     note="eta_min above the base lr is accepted: lr rises towards eta_min")
case("cosinelr-tmax-1", S("CosineAnnealingLR", T_max=1), 8)
case("cosinelr-tmax-3", S("CosineAnnealingLR", T_max=3, eta_min=0.01), 50)
case("cosinelr-tmax-float", S("CosineAnnealingLR", T_max=2.5), 12, note="a float T_max is accepted")
case("cosinelr-tmax-0-one-row", S("CosineAnnealingLR", T_max=0), 1,
     note="T_max 0 is accepted by the constructor; the first step raises ZeroDivisionError (see errors)")
case("cosinelr-3-groups", S("CosineAnnealingLR", T_max=15, eta_min=0.0005), 40, optimizer=SGD3)
case("cosinelr-adam", S("CosineAnnealingLR", T_max=50), 60, optimizer=ADAM2)
case("cosinelr-resume", S("CosineAnnealingLR", T_max=20, eta_min=0.001, last_epoch=5), 30,
     optimizer=resume_opt([0.08, 0.02], [0.1, 0.03]),
     note="row 0 = the group's current lr; later rows continue the recurrence from it")
case("cosinelr-long-20000", S("CosineAnnealingLR", T_max=1000, eta_min=1e-4), 20000)
case("cosinelr-long-exact-tmax", S("CosineAnnealingLR", T_max=10000), 10001)

# ---- CosineAnnealingWarmRestarts --------------------------------------------------------
case("cawr-tmult1", S("CosineAnnealingWarmRestarts", T_0=10), 35)
case("cawr-tmult2-eta-min", S("CosineAnnealingWarmRestarts", T_0=5, T_mult=2, eta_min=0.001), 80)
case("cawr-tmult3", S("CosineAnnealingWarmRestarts", T_0=2, T_mult=3, eta_min=0.0), 90)
case("cawr-t0-1", S("CosineAnnealingWarmRestarts", T_0=1), 5, note="T_0 1: lr is the base lr every epoch")
case("cawr-eta-min-int", S("CosineAnnealingWarmRestarts", T_0=7, eta_min=0), 20)
case("cawr-3-groups", S("CosineAnnealingWarmRestarts", T_0=6, T_mult=2, eta_min=0.0001), 50, optimizer=SGD3)
case("cawr-resume", S("CosineAnnealingWarmRestarts", T_0=10, last_epoch=5), 20,
     optimizer=resume_opt([0.05], [0.1]),
     note="resume: T_cur starts at last_epoch+1; the group's current lr is ignored")
case("cawr-resume-past-t0-tmult2", S("CosineAnnealingWarmRestarts", T_0=10, T_mult=2, last_epoch=25), 40,
     optimizer=resume_opt([0.05], [0.1]),
     note="resume past T_0 with T_mult 2: the constructor's step wraps T_cur only once (26 % 10 = 6, "
          "T_i = 20), so it does not match a fresh run at epoch 26")
case("cawr-long-10000", S("CosineAnnealingWarmRestarts", T_0=100, T_mult=2, eta_min=1e-5), 10000)

# ---- CyclicLR ---------------------------------------------------------------------------
SGD_M09 = sgd(0.1, momentum=0.9)
case("cycliclr-triangular-sgd-m09", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=5), 30,
     optimizer=SGD_M09, note="constructor overwrites lr with base_lr and momentum with max_momentum")
case("cycliclr-triangular-sgd-m0", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=4), 20,
     optimizer=sgd(0.1), note="SGD momentum 0 is cycled too (set to max_momentum 0.9)")
case("cycliclr-triangular2", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=4, mode="triangular2"),
     50, optimizer=SGD_M09)
case("cycliclr-exp-range", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=5, mode="exp_range",
                              gamma=0.99), 70, optimizer=SGD_M09)
case("cycliclr-exp-range-scale-mode-cycle", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=5,
                                               mode="exp_range", gamma=0.9, scale_mode="cycle"), 30,
     optimizer=SGD_M09, note="scale_mode is overridden to 'iterations' for built-in exp_range")
case("cycliclr-step-size-down", S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=7, step_size_down=3),
     40, optimizer=SGD_M09)
case("cycliclr-step-size-down-triangular2", S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=2,
                                               step_size_down=6, mode="triangular2"), 50, optimizer=SGD_M09)
case("cycliclr-float-step-size", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=2.5), 20,
     optimizer=SGD_M09, note="float step_size_up accepted (converted with float())")
case("cycliclr-lists-3-groups", S("CyclicLR", base_lr=[0.001, 0.0001, 0.005], max_lr=[0.01, 0.001, 0.05],
                                   step_size_up=3, base_momentum=[0.8, 0.85, 0.7],
                                   max_momentum=[0.9, 0.95, 0.75]), 25, optimizer=SGD3)
case("cycliclr-scalar-3-groups", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=3), 20,
     optimizer=SGD3)
case("cycliclr-no-cycle-momentum", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=4,
                                      cycle_momentum=False), 20, optimizer=SGD_M09)
case("cycliclr-adam-betas", S("CyclicLR", base_lr=0.0001, max_lr=0.001, step_size_up=5), 30, optimizer=ADAM2,
     note="Adam's betas[0] is cycled; betas[1] kept")
case("cycliclr-adamw-lists", S("CyclicLR", base_lr=[0.0001], max_lr=[0.003], step_size_up=6,
                                base_momentum=[0.85], max_momentum=[0.95]), 30, optimizer=ADAMW)
case("cycliclr-adam-no-cycle-momentum", S("CyclicLR", base_lr=0.0001, max_lr=0.001, step_size_up=5,
                                           cycle_momentum=False), 20, optimizer=ADAM2)
case("cycliclr-rmsprop", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=4), 20,
     optimizer=dict(type="RMSprop", lr=0.01, momentum=0.5))
case("cycliclr-nadam", S("CyclicLR", base_lr=0.0005, max_lr=0.005, step_size_up=3), 15,
     optimizer=dict(type="NAdam"))
case("cycliclr-radam", S("CyclicLR", base_lr=0.0005, max_lr=0.005, step_size_up=3), 15,
     optimizer=dict(type="RAdam", lr=0.001))
case("cycliclr-adamax", S("CyclicLR", base_lr=0.0005, max_lr=0.005, step_size_up=3), 15,
     optimizer=dict(type="Adamax"))
case("cycliclr-adagrad-no-cycle-momentum", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=4,
                                              cycle_momentum=False), 20, optimizer=dict(type="Adagrad", lr=0.01))
case("cycliclr-scale-fn-cycle", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=4,
                                   scale_fn=fn("lambda x: 1 / (2.0 ** (x - 1))", lambda x: 1 / (2.0 ** (x - 1))),
                                   scale_mode="cycle"), 40, optimizer=SGD_M09,
     note="same as mode triangular2")
case("cycliclr-scale-fn-sin", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=3,
                                 scale_fn=fn("0.5 * (1 + sin(x * pi / 2))", lambda x: 0.5 * (1 + math.sin(x * math.pi / 2)))),
     36, optimizer=SGD_M09, note="scale_mode defaults to 'cycle' with a custom scale_fn")
case("cycliclr-scale-fn-iterations", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=5,
                                        scale_fn=fn("0.98 ** x", lambda x: 0.98 ** x), scale_mode="iterations"),
     60, optimizer=SGD_M09)
case("cycliclr-scale-fn-ignores-mode", S("CyclicLR", base_lr=0.001, max_lr=0.1, step_size_up=5,
                                          mode="exp_range", gamma=0.5,
                                          scale_fn=fn("1 / x", lambda x: 1 / x), scale_mode="cycle"), 40,
     optimizer=SGD_M09, note="mode and gamma are ignored when scale_fn is given")
case("cycliclr-base-above-max", S("CyclicLR", base_lr=0.1, max_lr=0.01, step_size_up=4), 20,
     optimizer=SGD_M09, note="base_lr > max_lr accepted: inverted triangle")
case("cycliclr-resume", S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=5, last_epoch=7), 20,
     optimizer=resume_opt([0.0042], [0.001], momentum=0.9),
     note="resume: lr not reset to base_lr; row 0 is the cycle value at last_epoch+1")
case("cycliclr-long-10000", S("CyclicLR", base_lr=0.0001, max_lr=0.01, mode="triangular2"), 10000,
     optimizer=SGD_M09, note="default step_size_up 2000")

# ---- OneCycleLR -------------------------------------------------------------------------
case("onecyclelr-cos-100", S("OneCycleLR", max_lr=0.1, total_steps=100), 100, optimizer=SGD_M09,
     note="row 0 = max_lr/div_factor, not the optimizer's lr")
case("onecyclelr-cos-extrapolate", S("OneCycleLR", max_lr=0.1, total_steps=20), 21, optimizer=SGD_M09,
     note="the last allowed row (total_steps) extrapolates: cosine rises again")
case("onecyclelr-linear", S("OneCycleLR", max_lr=0.1, total_steps=50, anneal_strategy="linear"), 50,
     optimizer=SGD_M09)
case("onecyclelr-linear-extrapolate", S("OneCycleLR", max_lr=0.1, total_steps=10, anneal_strategy="linear"), 11,
     optimizer=SGD_M09, note="linear extrapolation at row total_steps goes below min_lr (negative)")
case("onecyclelr-three-phase-cos", S("OneCycleLR", max_lr=0.05, total_steps=60, three_phase=True), 61,
     optimizer=SGD_M09)
case("onecyclelr-three-phase-linear", S("OneCycleLR", max_lr=0.05, total_steps=40, three_phase=True,
                                         anneal_strategy="linear"), 40, optimizer=SGD_M09)
case("onecyclelr-three-phase-pct-0.5", S("OneCycleLR", max_lr=0.05, total_steps=40, three_phase=True,
                                          pct_start=0.5), 41, optimizer=SGD_M09)
case("onecyclelr-three-phase-pct-0.75", S("OneCycleLR", max_lr=0.05, total_steps=40, three_phase=True,
                                           pct_start=0.75), 41, optimizer=SGD_M09,
     note="pct_start > 0.5 with three_phase: phase 2 ends after phase 3 (accepted)")
case("onecyclelr-epochs-steps", S("OneCycleLR", max_lr=0.01, epochs=5, steps_per_epoch=20), 100,
     optimizer=SGD_M09)
case("onecyclelr-total-steps-wins", S("OneCycleLR", max_lr=0.01, total_steps=30, epochs=5, steps_per_epoch=20),
     31, optimizer=SGD_M09, note="total_steps takes precedence over epochs*steps_per_epoch")
case("onecyclelr-lists-3-groups", S("OneCycleLR", max_lr=[0.1, 0.01, 0.05], total_steps=30,
                                     base_momentum=[0.85, 0.8, 0.5], max_momentum=[0.95, 0.9, 0.6]), 30,
     optimizer=SGD3)
case("onecyclelr-scalar-3-groups", S("OneCycleLR", max_lr=0.1, total_steps=25, pct_start=0.2), 26,
     optimizer=SGD3)
case("onecyclelr-adam", S("OneCycleLR", max_lr=0.003, total_steps=40), 40, optimizer=ADAM2)
case("onecyclelr-adamw-lists", S("OneCycleLR", max_lr=[0.01], total_steps=30, base_momentum=[0.8],
                                  max_momentum=[0.92]), 30, optimizer=ADAMW)
case("onecyclelr-no-cycle-momentum", S("OneCycleLR", max_lr=0.1, total_steps=30, cycle_momentum=False), 30,
     optimizer=SGD_M09)
case("onecyclelr-sgd-m0", S("OneCycleLR", max_lr=0.1, total_steps=20), 20, optimizer=sgd(0.1),
     note="SGD momentum 0 is cycled too")
case("onecyclelr-rmsprop", S("OneCycleLR", max_lr=0.01, total_steps=20), 20,
     optimizer=dict(type="RMSprop", lr=0.01))
case("onecyclelr-adagrad-no-cycle", S("OneCycleLR", max_lr=0.05, total_steps=20, cycle_momentum=False), 20,
     optimizer=dict(type="Adagrad"))
case("onecyclelr-adadelta-no-cycle", S("OneCycleLR", max_lr=1.0, total_steps=20, cycle_momentum=False), 20,
     optimizer=dict(type="Adadelta"))
case("onecyclelr-div-factors", S("OneCycleLR", max_lr=0.2, total_steps=50, div_factor=10.0,
                                  final_div_factor=100.0, pct_start=0.4), 51, optimizer=SGD_M09)
case("onecyclelr-pct-0", S("OneCycleLR", max_lr=0.1, total_steps=20, pct_start=0.0), 21, optimizer=SGD_M09,
     note="pct_start 0.0: no warm-up phase, row 0 is already past max_lr")
case("onecyclelr-pct-1", S("OneCycleLR", max_lr=0.1, total_steps=20, pct_start=1.0), 20, optimizer=SGD_M09,
     note="pct_start 1.0 (float): warm-up only; row total_steps would divide by zero (see errors)")
case("onecyclelr-total-1", S("OneCycleLR", max_lr=0.1, total_steps=1), 2, optimizer=SGD_M09,
     note="total_steps 1: row 0 is min_lr (the peak is skipped); the extrapolated row 1 rises again")
case("onecyclelr-total-2", S("OneCycleLR", max_lr=0.1, total_steps=2), 3, optimizer=SGD_M09)
case("onecyclelr-total-3", S("OneCycleLR", max_lr=0.1, total_steps=3), 4, optimizer=SGD_M09)
case("onecyclelr-total-4-three-phase", S("OneCycleLR", max_lr=0.1, total_steps=4, three_phase=True), 5,
     optimizer=SGD_M09)
case("onecyclelr-resume", S("OneCycleLR", max_lr=0.1, total_steps=50, last_epoch=29), 21,
     optimizer=opt_groups("SGD", [0.05], [{"initial_lr": 0.004, "max_lr": 0.1, "min_lr": 4e-07,
                                           "max_momentum": 0.95, "base_momentum": 0.85}], lr=0.1, momentum=0.9),
     note="resume needs initial_lr, max_lr, min_lr (and max/base_momentum) in every group; "
          "max_lr etc. are read from the groups, not the constructor")
case("onecyclelr-long-10000", S("OneCycleLR", max_lr=0.1, total_steps=10000), 10001, optimizer=SGD_M09)

# ---- SequentialLR -----------------------------------------------------------------------
def SEQ(children, milestones, **kw):
    return S("SequentialLR", schedulers=children, milestones=milestones, **kw)


case("sequentiallr-warmup-cosine", SEQ([S("LinearLR", start_factor=0.1, total_iters=5),
                                        S("CosineAnnealingLR", T_max=20)], [5]), 40,
     note="at a milestone the next child restarts from its own step-0 value (closed form at epoch 0)")
case("sequentiallr-3-children", SEQ([S("ConstantLR", factor=0.1, total_iters=2), S("ExponentialLR", gamma=0.9),
                                     S("StepLR", step_size=3, gamma=0.5)], [4, 10]), 20)
case("sequentiallr-milestone-1", SEQ([S("ConstantLR", factor=0.5, total_iters=3),
                                      S("ExponentialLR", gamma=0.8)], [1]), 10)
case("sequentiallr-milestone-0", SEQ([S("ConstantLR", factor=0.5, total_iters=3),
                                      S("ExponentialLR", gamma=0.8)], [0]), 10,
     note="milestone 0: the first child never runs")
case("sequentiallr-duplicate-milestones", SEQ([S("LinearLR", start_factor=0.5, total_iters=3),
                                               S("ExponentialLR", gamma=0.5),
                                               S("StepLR", step_size=2, gamma=0.1)], [4, 4]), 12,
     note="with milestones [4, 4] the middle child never runs")
case("sequentiallr-3-groups", SEQ([S("LinearLR", start_factor=0.25, total_iters=4),
                                   S("CosineAnnealingLR", T_max=10, eta_min=0.001)], [4]), 25, optimizer=SGD3)
case("sequentiallr-lambda-multiplicative", SEQ([S("LambdaLR", lr_lambda=fn("(epoch + 1) / 5", lambda epoch: (epoch + 1) / 5)),
                                                S("MultiplicativeLR", lr_lambda=fn("0.9", lambda epoch: 0.9))], [5]), 15,
     note="MultiplicativeLR has no closed form: at its milestone get_lr runs at last_epoch 0 on the "
          "current lr, so lr = current lr * lambda(0) (no reset to initial_lr)")
case("sequentiallr-step-multistep", SEQ([S("StepLR", step_size=2, gamma=0.5),
                                         S("MultiStepLR", milestones=[2, 4], gamma=0.1)], [5]), 12,
     note="the second child's closed form at epoch 0 uses its base_lrs (initial_lr)")
case("sequentiallr-polynomial-cawr", SEQ([S("PolynomialLR", total_iters=4, power=2.0),
                                          S("CosineAnnealingWarmRestarts", T_0=3, T_mult=2)], [4]), 25)
case("sequentiallr-cawr-cosine", SEQ([S("CosineAnnealingWarmRestarts", T_0=4, eta_min=0.01),
                                      S("CosineAnnealingLR", T_max=6, eta_min=0.01)], [8]), 25)
case("sequentiallr-cyclic-onecycle", SEQ([S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=2),
                                          S("OneCycleLR", max_lr=0.05, total_steps=10)], [6]), 17,
     optimizer=SGD_M09, note="last row is the OneCycleLR child's extrapolated step total_steps")
case("sequentiallr-onecycle-linear", SEQ([S("OneCycleLR", max_lr=0.1, total_steps=10),
                                          S("LinearLR", start_factor=0.5, total_iters=4)], [10]), 20,
     optimizer=SGD_M09,
     note="OneCycleLR's constructor sets group initial_lr = max_lr/div_factor (0.004), so the next "
          "child's base lr is 0.004, not the optimizer's 0.1; momentum stays where OneCycleLR left it")
case("sequentiallr-exponential-cyclic", SEQ([S("ExponentialLR", gamma=0.7),
                                             S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=3)], [5]), 18,
     optimizer=SGD_M09)
case("sequentiallr-constant-polynomial-adam", SEQ([S("ConstantLR", factor=0.2, total_iters=10),
                                                   S("PolynomialLR", total_iters=10, power=1.0)], [3]), 20,
     optimizer=ADAM2)
case("sequentiallr-nested-chained-first", SEQ([S("ChainedScheduler", schedulers=[S("ConstantLR", factor=0.5, total_iters=2),
                                                                                 S("ExponentialLR", gamma=0.9)]),
                                               S("StepLR", step_size=2, gamma=0.5)], [6]), 12,
     note="nested composite: SequentialLR's _initial_step on a ChainedScheduler steps every child "
          "outside initial mode, so ExponentialLR already applies gamma at row 0 (0.1*0.5*0.9) and "
          "torch warns 'lr_scheduler.step() before optimizer.step()'")

# ---- ChainedScheduler -------------------------------------------------------------------
def CH(children):
    return S("ChainedScheduler", schedulers=children)


case("chained-constant-exponential", CH([S("ConstantLR", factor=0.1, total_iters=2), S("ExponentialLR", gamma=0.9)]),
     10, lr=1.0, note="ExponentialLR's initial step does not multiply: row 0 = lr*factor")
case("chained-step-linear", CH([S("StepLR", step_size=3, gamma=0.5), S("LinearLR", start_factor=0.2, total_iters=4)]), 15)
case("chained-cyclic-exponential", CH([S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=3),
                                       S("ExponentialLR", gamma=0.95)]), 24, optimizer=SGD_M09,
     note="CyclicLR overwrites lr each step; ExponentialLR then multiplies that value once by gamma")
case("chained-exponential-cyclic", CH([S("ExponentialLR", gamma=0.95),
                                       S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=3)]), 24,
     optimizer=SGD_M09, note="order matters: CyclicLR last wins")
case("chained-lambda-exponential", CH([S("LambdaLR", lr_lambda=fn("1 / (epoch + 1)", lambda epoch: 1 / (epoch + 1))),
                                       S("ExponentialLR", gamma=0.5)]), 10)
case("chained-cosine-warmup", CH([S("CosineAnnealingLR", T_max=20, eta_min=0.001),
                                  S("LinearLR", start_factor=0.1, total_iters=5)]), 30)
case("chained-multistep-multiplicative", CH([S("MultiStepLR", milestones=[3, 6], gamma=0.5),
                                             S("MultiplicativeLR", lr_lambda=fn("0.98", lambda epoch: 0.98))]), 12)
case("chained-cawr-constant", CH([S("CosineAnnealingWarmRestarts", T_0=5),
                                  S("ConstantLR", factor=0.5, total_iters=3)]), 15)
case("chained-onecycle-constant", CH([S("OneCycleLR", max_lr=0.1, total_steps=20),
                                      S("ConstantLR", factor=0.5, total_iters=5)]), 21, optimizer=SGD_M09,
     note="ConstantLR's *(1/factor) at total_iters lands on OneCycleLR's value: row 5 is 2*max_lr")
case("chained-polynomial-step-3-groups", CH([S("PolynomialLR", total_iters=8, power=2.0),
                                             S("StepLR", step_size=2, gamma=0.9)]), 12, optimizer=SGD3)
case("chained-single", CH([S("ExponentialLR", gamma=0.9)]), 8)
case("chained-three", CH([S("ConstantLR", factor=0.5, total_iters=4), S("ExponentialLR", gamma=0.95),
                          S("MultiStepLR", milestones=[5, 8], gamma=0.1)]), 12, optimizer=ADAM2)

# ---- ReduceLROnPlateau ------------------------------------------------------------------
def decay_then_flat(n, knee, rate=0.8):
    return [round(rate ** min(e, knee), 6) for e in range(n)]


def rise_then_flat(n, knee):
    return [round(1 - 0.8 ** min(e, knee), 6) for e in range(n)]


case("plateau-defaults", S("ReduceLROnPlateau", metrics=decay_then_flat(40, 8)), 40,
     note="no initial step; reduces when bad epochs > patience (10)")
case("plateau-patience-2", S("ReduceLROnPlateau", patience=2, metrics=decay_then_flat(30, 5)), 30)
case("plateau-patience-0-constant", S("ReduceLROnPlateau", patience=0, factor=0.5, metrics=[1.0] * 12), 12,
     note="first metric always improves on inf; afterwards every equal metric is a bad epoch")
case("plateau-mode-max", S("ReduceLROnPlateau", mode="max", patience=3, factor=0.5,
                           metrics=rise_then_flat(30, 6)), 30)
case("plateau-abs-threshold", S("ReduceLROnPlateau", threshold_mode="abs", threshold=0.05, patience=1,
                                factor=0.5, metrics=decay_then_flat(25, 25, 0.97)), 25,
     note="small improvements below the abs threshold count as bad epochs")
case("plateau-max-abs", S("ReduceLROnPlateau", mode="max", threshold_mode="abs", threshold=0.01, patience=2,
                          metrics=[round(0.5 + 0.005 * e, 6) for e in range(20)]), 20)
case("plateau-cooldown", S("ReduceLROnPlateau", patience=1, cooldown=3, factor=0.5, metrics=[1.0] * 25), 25)
case("plateau-min-lr-scalar", S("ReduceLROnPlateau", patience=0, factor=0.5, min_lr=0.01, metrics=[2.0] * 15), 15)
case("plateau-min-lr-list", S("ReduceLROnPlateau", patience=1, factor=0.3, min_lr=[0.01, 0.001, 0.02],
                              metrics=[3.0] * 20), 20, optimizer=SGD3)
case("plateau-eps", S("ReduceLROnPlateau", patience=0, factor=0.5, eps=0.004, metrics=[1.0] * 12), 12,
     note="a reduction smaller than eps is skipped, so lr stops at the first value whose half-step < eps")
case("plateau-factor-0", S("ReduceLROnPlateau", patience=1, factor=0.0, min_lr=0.001, metrics=[1.0] * 8), 8,
     note="factor 0 is accepted: lr drops straight to min_lr")
case("plateau-improve-and-plateau", S("ReduceLROnPlateau", patience=2, factor=0.5, threshold=0.01,
                                      metrics=[1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.79, 0.795, 0.7, 0.7, 0.7, 0.7, 0.7,
                                               0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]), 20)
case("plateau-adam-2-groups", S("ReduceLROnPlateau", patience=3, factor=0.2,
                                metrics=[round(abs(math.sin(e / 3)), 6) for e in range(40)]), 40, optimizer=ADAM2)
case("plateau-negative-metrics", S("ReduceLROnPlateau", patience=1, factor=0.5,
                                   metrics=[-1.0, -1.5, -1.5, -1.5, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0]), 10,
     note="rel threshold, min mode, negative best: best*(1-threshold) > best, so an equal metric "
          "counts as an improvement and lr is never reduced")
case("plateau-threshold-0", S("ReduceLROnPlateau", patience=1, threshold=0.0, factor=0.5,
                              metrics=[1.0, 0.999999, 0.999999, 0.999999, 0.9, 0.9, 0.9, 0.9]), 8)

# ---- torch docstring examples (lr 0.05) --------------------------------------------------
case("doc-steplr", S("StepLR", step_size=30, gamma=0.1), 100, lr=0.05)
case("doc-multisteplr", S("MultiStepLR", milestones=[30, 80], gamma=0.1), 100, lr=0.05)
case("doc-constantlr", S("ConstantLR", factor=0.5, total_iters=40), 100, lr=0.05)
case("doc-linearlr", S("LinearLR", start_factor=0.05, total_iters=40), 100, lr=0.05,
     note="the docstring's table is off by one: it lists 0.003687 for epoch 0, torch gives 0.0025 "
          "(0.0036875 is epoch 1)")
case("doc-polynomiallr", S("PolynomialLR", total_iters=50, power=0.9), 100, lr=0.05,
     note="the docstring's table is off by one: it lists 0.0490 for epoch 0, torch gives 0.05")
case("doc-sequentiallr", SEQ([S("ConstantLR", factor=0.1, total_iters=20), S("ExponentialLR", gamma=0.9)], [20]),
     30, lr=0.05)
case("doc-chained", CH([S("ConstantLR", factor=0.1, total_iters=20), S("ExponentialLR", gamma=0.9)]), 30, lr=0.05,
     note="the docstring's table lists 0.05, 0.045, ... 0.00675 for epochs 0-19; torch gives ten times "
          "less (0.005, 0.0045, ...); from epoch 20 (0.06078...) they agree")
case("steplr-int-lr", S("StepLR", step_size=2, gamma=0.5), 6, lr=1,
     note="an int lr stays int (repr '1', not '1.0') until a scheduler multiplies it; stored as JSON int")

# ---- errors -----------------------------------------------------------------------------
error("err-constantlr-factor-above-1", S("ConstantLR", factor=1.5))
error("err-constantlr-factor-negative", S("ConstantLR", factor=-0.1))
error("err-constantlr-factor-0-at-total", S("ConstantLR", factor=0.0, total_iters=5), epochs=6,
      note="1.0 / 0 at the step reaching total_iters")
error("err-linearlr-start-0", S("LinearLR", start_factor=0.0))
error("err-linearlr-start-above-1", S("LinearLR", start_factor=1.5))
error("err-linearlr-end-above-1", S("LinearLR", end_factor=1.2))
error("err-linearlr-end-negative", S("LinearLR", end_factor=-0.1))
error("err-steplr-step-size-0", S("StepLR", step_size=0), note="not validated: modulo by zero at the first step")
error("err-cosinelr-tmax-0", S("CosineAnnealingLR", T_max=0), epochs=2,
      note="not validated: the constructor works, the first step raises")
error("err-cawr-t0-0", S("CosineAnnealingWarmRestarts", T_0=0))
error("err-cawr-t0-negative", S("CosineAnnealingWarmRestarts", T_0=-5))
error("err-cawr-t0-float", S("CosineAnnealingWarmRestarts", T_0=10.0))
error("err-cawr-tmult-float", S("CosineAnnealingWarmRestarts", T_0=10, T_mult=2.0))
error("err-cawr-tmult-0", S("CosineAnnealingWarmRestarts", T_0=10, T_mult=0))
error("err-cawr-eta-min-string", S("CosineAnnealingWarmRestarts", T_0=10, eta_min="0.1"))
error("err-sequentiallr-milestones-too-few", SEQ([S("ConstantLR"), S("ExponentialLR", gamma=0.9)], []))
error("err-sequentiallr-milestones-too-many", SEQ([S("ConstantLR"), S("ExponentialLR", gamma=0.9)], [3, 6]))
error("err-sequentiallr-empty", SEQ([], []))
error("err-sequentiallr-plateau", SEQ([S("ConstantLR"), S("ReduceLROnPlateau")], [3]))
error("err-sequentiallr-chained-not-first", SEQ([S("StepLR", step_size=2),
                                                 S("ChainedScheduler", schedulers=[S("ExponentialLR", gamma=0.9)])], [3]),
      note="a ChainedScheduler child after a milestone has no get_lr")
error("err-chained-plateau", CH([S("ExponentialLR", gamma=0.9), S("ReduceLROnPlateau")]))
error("err-chained-empty", CH([]))
error("err-onecyclelr-no-total", S("OneCycleLR", max_lr=0.1), optimizer=SGD_M09)
error("err-onecyclelr-epochs-only", S("OneCycleLR", max_lr=0.1, epochs=10), optimizer=SGD_M09)
error("err-onecyclelr-total-0", S("OneCycleLR", max_lr=0.1, total_steps=0), optimizer=SGD_M09)
error("err-onecyclelr-total-float", S("OneCycleLR", max_lr=0.1, total_steps=10.0), optimizer=SGD_M09)
error("err-onecyclelr-epochs-0", S("OneCycleLR", max_lr=0.1, epochs=0, steps_per_epoch=10), optimizer=SGD_M09)
error("err-onecyclelr-steps-per-epoch-float", S("OneCycleLR", max_lr=0.1, epochs=2, steps_per_epoch=5.0),
      optimizer=SGD_M09)
error("err-onecyclelr-pct-above-1", S("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=1.5), optimizer=SGD_M09)
error("err-onecyclelr-pct-negative", S("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=-0.1), optimizer=SGD_M09)
error("err-onecyclelr-pct-int", S("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=1), optimizer=SGD_M09,
      note="pct_start must be a float: the int 1 (and 0) are refused")
error("err-onecyclelr-anneal", S("OneCycleLR", max_lr=0.1, total_steps=10, anneal_strategy="exp"), optimizer=SGD_M09)
error("err-onecyclelr-past-total", S("OneCycleLR", max_lr=0.1, total_steps=10), epochs=12, optimizer=SGD_M09,
      note="rows 0..total_steps are allowed (epochs = total_steps + 1); this asks for total_steps + 2")
error("err-onecyclelr-pct-1-last-row", S("OneCycleLR", max_lr=0.1, total_steps=20, pct_start=1.0), epochs=21,
      optimizer=SGD_M09, note="pct_start 1.0: the extrapolated row total_steps divides by a zero-length phase")
error("err-onecyclelr-max-lr-list-length", S("OneCycleLR", max_lr=[0.1, 0.2], total_steps=10), optimizer=SGD_M09)
error("err-onecyclelr-adagrad", S("OneCycleLR", max_lr=0.1, total_steps=10), optimizer=dict(type="Adagrad"))
error("err-onecyclelr-resume-without-max-lr", S("OneCycleLR", max_lr=0.1, total_steps=10, last_epoch=3),
      optimizer=resume_opt([0.05], [0.004], momentum=0.9),
      note="resuming needs max_lr/min_lr in the groups too")
error("err-cycliclr-adagrad", S("CyclicLR", base_lr=0.001, max_lr=0.01), optimizer=dict(type="Adagrad"))
error("err-cycliclr-adadelta", S("CyclicLR", base_lr=0.001, max_lr=0.01), optimizer=dict(type="Adadelta"))
error("err-cycliclr-bad-mode", S("CyclicLR", base_lr=0.001, max_lr=0.01, mode="triangle"), optimizer=SGD_M09)
error("err-cycliclr-base-lr-list-length", S("CyclicLR", base_lr=[0.001, 0.002], max_lr=0.01), optimizer=SGD_M09)
error("err-cycliclr-max-lr-list-length", S("CyclicLR", base_lr=0.001, max_lr=[0.01, 0.02]), optimizer=SGD_M09)
error("err-cycliclr-momentum-list-length", S("CyclicLR", base_lr=0.001, max_lr=0.01, max_momentum=[0.9, 0.95]),
      optimizer=SGD_M09)
error("err-lambdalr-list-length", S("LambdaLR", lr_lambda=[fn("1.0", lambda epoch: 1.0)]), optimizer=SGD3)
error("err-multiplicativelr-list-length", S("MultiplicativeLR", lr_lambda=[
    fn("0.9", lambda epoch: 0.9), fn("0.9", lambda epoch: 0.9)]))
error("err-steplr-resume-without-initial-lr", S("StepLR", step_size=3, last_epoch=2))
error("err-lambdalr-resume-without-initial-lr", S("LambdaLR", lr_lambda=TUT_LAMBDA, last_epoch=0))
error("err-cosinelr-resume-without-initial-lr", S("CosineAnnealingLR", T_max=10, last_epoch=4),
      optimizer=opt_groups("SGD", [0.1, 0.01], [{"initial_lr": 0.1}, None]),
      note="the message names the first group lacking initial_lr")
error("err-cycliclr-resume-without-initial-lr", S("CyclicLR", base_lr=0.001, max_lr=0.01, last_epoch=3),
      optimizer=SGD_M09)
error("err-plateau-bad-mode", S("ReduceLROnPlateau", mode="minimum", metrics=[1.0] * 10))
error("err-plateau-bad-threshold-mode", S("ReduceLROnPlateau", threshold_mode="relative", metrics=[1.0] * 10))
error("err-plateau-factor-1", S("ReduceLROnPlateau", factor=1.0, metrics=[1.0] * 10))
error("err-plateau-factor-2", S("ReduceLROnPlateau", factor=2.0, metrics=[1.0] * 10))
error("err-plateau-min-lr-list-length", S("ReduceLROnPlateau", min_lr=[0.1, 0.2], metrics=[1.0] * 10))
error("err-plateau-last-epoch", S("ReduceLROnPlateau", last_epoch=3, metrics=[1.0] * 10),
      optimizer=resume_opt([0.1], [0.1]), note="ReduceLROnPlateau has no last_epoch keyword")
error("err-steplr-unknown-keyword", S("StepLR", step_size=3, gama=0.1), note="misspelt keyword")
error("err-steplr-missing-step-size", S("StepLR", gamma=0.1))
error("err-exponentiallr-missing-gamma", S("ExponentialLR"))


# ----------------------------------------------------------------------------------------
# The tutorial's four tables (copied from the seed text; must match character for character)
TUTORIAL_EXPECTED = {
    "lambda": [0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025, 0.0025, 0.0025],
    "step": [0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001, 0.0001, 0.0001],
    "multistep": [0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.001, 0.0001, 0.0001],
    "exponential": ["0.01", "0.0095", "0.009025", "0.00857375", "0.0081450625", "0.007737809374999999",
                    "0.007350918906249998", "0.006983372960937498", "0.006634204312890623"],
}
TUTORIAL_TEXT = {
    name: "".join(f"lr of epoch {e} => [{v}]\n" for e, v in enumerate(vals))
    for name, vals in TUTORIAL_EXPECTED.items()
}


def tutorial():
    makers = {
        "lambda": lambda o: tls.LambdaLR(o, lr_lambda=lambda epoch: 0.5 ** (epoch // 3)),
        "step": lambda o: tls.StepLR(o, step_size=3, gamma=0.1),
        "multistep": lambda o: tls.MultiStepLR(o, milestones=[3, 7], gamma=0.1),
        "exponential": lambda o: tls.ExponentialLR(o, gamma=0.95),
    }
    out = {}
    for name, make in makers.items():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
        s = make(opt)
        lines = []
        for e in range(9):
            lines.append(f"lr of epoch {e} => {s.get_last_lr()}\n")
            opt.step()
            s.step()
        out[name] = "".join(lines)
        if out[name] != TUTORIAL_TEXT[name]:
            sys.exit(f"tutorial table {name!r} does not match:\n{out[name]}\nexpected:\n{TUTORIAL_TEXT[name]}")
    return out


# ----------------------------------------------------------------------------------------
def render() -> str:
    """The text of schedules.json, computed with the torch installed."""
    if not torch.__version__.startswith(TORCH_VERSION):
        print(f"warning: torch {torch.__version__}, golden data is meant for {TORCH_VERSION}", file=sys.stderr)
    ids = [c[0] for c in CASES] + [e[0] for e in ERRORS]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"duplicate ids: {sorted(dup)}")

    cases = []
    for cid, spec, note in CASES:
        progress = [None]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                lrs, moms, key, auto = run(spec, progress)
            except Exception as exc:  # a case that should work
                sys.exit(f"case {cid} raised at {progress[0]}: {type(exc).__name__}: {exc}")
        entry = {"id": cid, "scheduler": spec["scheduler"]["type"], "spec": to_json(spec),
                 "lr": lrs, "momentum": moms, "momentum_key": key}
        notes = ([note] if note else []) + auto
        if notes:
            entry["note"] = "; ".join(notes)
        warns = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        if warns:
            entry["torch_warnings"] = warns
        cases.append(entry)

    errors = []
    for cid, spec, note in ERRORS:
        progress = [None]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                run(spec, progress)
            except Exception as exc:
                msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                entry = {"id": cid, "scheduler": spec["scheduler"]["type"], "spec": to_json(spec),
                         "torch_error": f"{type(exc).__name__}: {msg}", "raised_at": progress[0]}
                if note:
                    entry["note"] = note
                errors.append(entry)
            else:
                sys.exit(f"error case {cid} did not raise")

    data = {"torch_version": TORCH_VERSION, "generator": "tests/golden/make_schedules.py",
            "cases": cases, "errors": errors, "tutorial": tutorial()}
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    if len(text.encode()) > MAX_PLAIN_BYTES:
        sys.exit(f"schedules.json would be {len(text)} bytes; reduce the long cases")
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
