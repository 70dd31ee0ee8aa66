"""CyclicLR (Smith, 2017): the lr cycles between base_lr and max_lr; momentum the other way.

Closed form per epoch, computed for each batch of calls in torch's order of operations::

    cycle = floor(1 + t / total_size);  x = 1.0 + t / total_size - cycle
    scale = x / step_ratio if x <= step_ratio else (x - 1) / (step_ratio - 1)
    lr    = base_lr + (max_lr - base_lr) * scale * scale_fn(cycle or t)
    mom   = max_momentum - (max_momentum - base_momentum) * scale * scale_fn(cycle or t)
"""

from __future__ import annotations

import numpy as np

from lrsched.constraints import Bool, Choice, Expr, Maybe, Param, PerGroup, Real, Str
from lrsched.errors import SpecError
from lrsched.records import replace
from lrsched.schedules.affine import Ops
from lrsched.schedules.registry import PERIODIC, Facts, SchedulerDef, key_peak
from lrsched.schedules.stepper import LAST_EPOCH, Groups, Leaf

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


class CyclicStepper(Leaf):
    """The constructor's own step reads torch's ``base_lrs`` (the groups' ``initial_lr``, which a
    fresh run sets to base_lr unless a group already carries one); then the constructor sets
    ``self.base_lrs = base_lr`` and every later call reads that."""

    name = "CyclicLR"

    def __init__(self, params) -> None:
        super().__init__(params)
        self.cycles_momentum = bool(params["cycle_momentum"])
        up = float(params["step_size_up"])
        down = float(params["step_size_down"]) if params["step_size_down"] is not None else up
        self.total = up + down
        self.ratio = up / self.total

    def prepare(self, groups: Groups) -> Groups:
        p = self.p
        self.base_lrs = groups.per_group("base_lr", p["base_lr"])
        self.max_lrs = groups.per_group("max_lr", p["max_lr"])
        fresh = p["last_epoch"] == -1
        if fresh:                                 # torch: group["lr"] = base_lr
            groups = replace(groups, lr=self.base_lrs.copy())
        if self.cycles_momentum:
            groups.require_momentum()
            self.base_momentum = groups.per_group("base_momentum", p["base_momentum"])
            self.max_momentum = groups.per_group("max_momentum", p["max_momentum"])
            if fresh:
                extra = tuple({**(groups.extra[i] if i < len(groups.extra) else {}),
                               "max_momentum": float(self.max_momentum[i]),
                               "base_momentum": float(self.base_momentum[i])}
                              for i in range(groups.n))
                groups = replace(groups, momentum=self.max_momentum.copy(), extra=extra)
        return groups

    def construct(self, groups: Groups) -> Groups:
        groups = super().construct(groups)
        self.base = self.base_lrs                 # torch: self.base_lrs = base_lrs, after __init__
        return groups

    def calls(self, t, live, initial) -> Ops:
        epochs = t.array(-1)                      # and the epoch before, for the marks
        q = epochs / self.total
        cycle = np.floor(1 + q).astype(np.int64)
        x = 1.0 + q - cycle
        rising = x <= self.ratio
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(rising, x / self.ratio, (x - 1) / (self.ratio - 1))[1:, None]
        scale = _scale(self.p, cycle[1:], epochs[1:])[:, None]
        # marks: each peak (the last rising call) and each trough (a new cycle's first call)
        peaks = np.flatnonzero(rising[1:-1] & ~rising[2:])
        troughs = np.flatnonzero(np.diff(cycle) != 0)
        ops = t.assign(live.n, self.cycles_momentum,
                       tuple(int(i) for i in np.union1d(peaks, troughs)))
        lr = ops.b                                # base_lr + (max_lr - base_lr) * factor * scale
        np.multiply(self.max_lrs - self.base, factor, out=lr)
        lr *= scale
        lr += self.base
        if self.cycles_momentum:                  # max_m - (max_m - base_m) * factor * scale
            momentum = ops.momentum
            np.multiply(self.max_momentum - self.base_momentum, factor, out=momentum)
            momentum *= scale
            np.subtract(self.max_momentum, momentum, out=momentum)
        return ops


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
        stepper=CyclicStepper,
        formula="lr = base_lr + (max_lr - base_lr) * triangle(t) * scale_fn(cycle | t)",
        example={"optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9}, "epochs": 40,
                 "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5}},
        check=_check,
        facts=Facts(PERIODIC, key_peak("max_lr"), True),
    ),
)
