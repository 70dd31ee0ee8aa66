"""CyclicLR (Smith, 2017): the lr cycles between base_lr and max_lr; momentum the other way.

Closed form per epoch, computed over the whole run in torch's order of operations::

    cycle = floor(1 + t / total_size);  x = 1.0 + t / total_size - cycle
    scale = x / step_ratio if x <= step_ratio else (x - 1) / (step_ratio - 1)
    lr    = base_lr + (max_lr - base_lr) * scale * scale_fn(cycle or t)
    mom   = max_momentum - (max_momentum - base_momentum) * scale * scale_fn(cycle or t)
"""

from __future__ import annotations

import numpy as np

from lrsched.errors import SpecError
from lrsched.schedules.base import Groups, SchedulerDef, Trace, epochs_of, no_momentum, per_group
from lrsched.constraints import Bool, Choice, Expr, Maybe, Param, PerGroup, Real, Str
from lrsched.schedules.step import LAST_EPOCH

MODES = ("triangular", "triangular2", "exp_range")


def _check(p) -> None:
    if p["scale_fn"] is None and p["mode"] not in MODES:
        raise SpecError(f"must be one of {', '.join(map(repr, MODES))} when no scale_fn is given, "
                        f"got {p['mode']!r} (torch: mode is invalid and scale_fn is None)", key="mode")
    if float(p["step_size_up"]) + float(p["step_size_down"] if p["step_size_down"] is not None
                                        else p["step_size_up"]) <= 0:
        raise SpecError("step_size_up + step_size_down must be positive", key="step_size_up")


def _scale(p, cycle: np.ndarray, t: np.ndarray) -> np.ndarray:
    """scale_fn at each row, with torch's choice of argument (cycle or iteration)."""
    fn = p["scale_fn"]
    if fn is not None:
        arg = cycle if p["scale_mode"] == "cycle" else t
        try:
            return fn.evaluate_finite(arg, what="scale_fn")
        except SpecError as exc:
            raise exc.located(key="scale_fn") from None
    if p["mode"] == "triangular":
        return np.ones(len(t))
    if p["mode"] == "triangular2":
        return 1 / np.float_power(2.0, (cycle - 1).astype(np.float64))
    return np.float_power(float(p["gamma"]), t.astype(np.float64))   # exp_range: per iteration


def cyclic_lr(p, groups: Groups, rows: int) -> Trace:
    last_epoch = p["last_epoch"]
    n = groups.n
    base_lrs = per_group("base_lr", p["base_lr"], n)
    max_lrs = per_group("max_lr", p["max_lr"], n)
    key = None
    if p["cycle_momentum"]:
        key = groups.momentum_key
        if key is None:
            raise no_momentum(groups.optimizer)
        base_m = per_group("base_momentum", p["base_momentum"], n)
        max_m = per_group("max_momentum", p["max_momentum"], n)
    # The constructor's own step reads torch's base_lrs (the groups' initial_lr, which a fresh
    # run sets to base_lr unless a group already carries one); later steps read base_lr.
    if last_epoch == -1:
        first_base = np.array([b if ini is None else ini for b, ini in zip(base_lrs, groups.initial_lr)])
    else:
        first_base = groups.base_lrs(last_epoch)

    up = float(p["step_size_up"])
    down = float(p["step_size_down"]) if p["step_size_down"] is not None else up
    total = up + down
    ratio = up / total
    t = epochs_of(last_epoch, rows)
    q = t / total
    cycle = np.floor(1 + q).astype(np.int64)
    x = 1.0 + q - cycle
    rising = x <= ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(rising, x / ratio, (x - 1) / (ratio - 1))
    scale = _scale(p, cycle, t)
    bases = np.repeat(base_lrs[None, :], rows, axis=0)
    bases[:1] = first_base
    lr = bases + ((max_lrs - base_lrs)[None, :] * factor[:, None]) * scale[:, None]
    lr[:1] = first_base + ((max_lrs - first_base) * factor[0]) * scale[0]
    momentum = None
    if key is not None:
        momentum = max_m[None, :] - ((max_m - base_m)[None, :] * factor[:, None]) * scale[:, None]
    # markers: each peak (the last rising row) and each trough (a new cycle's first row)
    peaks = np.flatnonzero(rising[:-1] & ~rising[1:])
    troughs = np.flatnonzero(np.diff(cycle) != 0) + 1
    return Trace(lr, momentum, tuple(int(i) for i in np.union1d(peaks, troughs)))


DEFINITIONS = (
    SchedulerDef(
        "CyclicLR", "cycle between base_lr and max_lr (triangular, triangular2, exp_range)",
        (
            Param("base_lr", PerGroup(Real(0)), doc="lower lr bound of the cycle (sets the groups' lr)"),
            Param("max_lr", PerGroup(Real(0)), doc="upper lr bound of the cycle"),
            Param("step_size_up", Real(0, low_closed=False), 2000, doc="steps in the rising half"),
            Param("step_size_down", Maybe(Real(0)), None, doc="steps in the falling half (default: step_size_up)"),
            Param("mode", Str(" | ".join(MODES)), "triangular", doc="built-in scale policy (ignored when scale_fn is given)"),
            Param("gamma", Real(), 1.0, doc="exp_range: scale = gamma ** iteration"),
            Param("scale_fn", Maybe(Expr("x")), None, doc="custom scale policy, an expression in x (overrides mode)"),
            Param("scale_mode", Choice(("cycle", "iterations")), "cycle", doc="scale_fn's argument: cycle number or iteration"),
            Param("cycle_momentum", Bool(), True, doc="cycle momentum (or Adam's beta1) inversely to the lr"),
            Param("base_momentum", PerGroup(Real()), 0.8, doc="lower momentum bound"),
            Param("max_momentum", PerGroup(Real()), 0.9, doc="upper momentum bound"),
            LAST_EPOCH,
        ),
        cyclic_lr,
        formula="lr = base_lr + (max_lr - base_lr) * triangle(t) * scale_fn(cycle | t)",
        example={"optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9}, "epochs": 40,
                 "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5}},
        check=_check,
    ),
)
