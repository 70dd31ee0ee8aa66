"""OneCycleLR (Smith & Topin, 2018): up from ``max_lr / div_factor`` to ``max_lr``, then down to
``initial_lr / final_div_factor`` (two phases, fastai's default; three with ``three_phase``).

At step ``t`` torch picks the first phase whose ``end_step`` is at least ``t`` (else the last),
then anneals between the phase's group keys::

    pct = (t - start_step) / (end_step - start_step)
    cos:    lr = end + (start - end) / 2.0 * (cos(pi * pct) + 1)
    linear: lr = (end - start) * pct + start

with ``end_step`` = ``pct_start * total_steps - 1``, (``2 * pct_start * total_steps - 2``,)
``total_steps - 1``.  Momentum (or Adam's beta1) anneals the opposite way, max_momentum ->
base_momentum -> max_momentum.  Every step assigns the lr, so the whole run is one array
expression over ``t``.  Quirks kept: row 0 is ``max_lr / div_factor`` only up to rounding
(0.0040000000000000036 for 0.1 / 25); the last allowed row, ``t = total_steps``, lies past the
last phase and extrapolates (cosine rises again, linear goes below min_lr); stepping further
raises, so at most ``total_steps + 1`` rows; the constructor *overwrites* each group's
``initial_lr`` (and sets ``max_lr``, ``min_lr``, ``max_momentum``, ``base_momentum``), which a
later child of a SequentialLR then starts from.
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from lrsched.constraints import Bool, Choice, Int, Maybe, Param, PerGroup, Real
from lrsched.errors import SpecError
from lrsched.records import replace
from lrsched.schedules.affine import Ops
from lrsched.schedules.registry import Facts, SchedulerDef, key_peak
from lrsched.schedules.stepper import LAST_EPOCH, Groups, Leaf


def total_steps(p) -> int:
    if p["total_steps"] is not None:
        return p["total_steps"]
    return p["epochs"] * p["steps_per_epoch"]


def _check(p) -> None:
    """torch's constructor refusals among the keywords (total_steps takes precedence)."""
    if p["total_steps"] is not None:
        return
    if p["epochs"] is None or p["steps_per_epoch"] is None:
        given = "epochs only" if p["epochs"] is not None else (
            "steps_per_epoch only" if p["steps_per_epoch"] is not None else "neither")
        raise SpecError(f"needs total_steps, or both epochs and steps_per_epoch (torch: You must "
                        f"define either total_steps OR (epochs AND steps_per_epoch)), got {given}",
                        key="total_steps")
    for key in ("epochs", "steps_per_epoch"):
        if p[key] <= 0:
            raise SpecError(f"must be a positive int when total_steps is not given, got {p[key]}",
                            key=key)


_LR_KEYS = {False: (("initial_lr", "max_lr"), ("max_lr", "min_lr")),
            True: (("initial_lr", "max_lr"), ("max_lr", "initial_lr"), ("initial_lr", "min_lr"))}
_MOMENTUM_KEYS = {False: (("max_momentum", "base_momentum"), ("base_momentum", "max_momentum")),
                  True: (("max_momentum", "base_momentum"), ("base_momentum", "max_momentum"),
                         ("max_momentum", "max_momentum"))}


class OneCycleStepper(Leaf):
    name = "OneCycleLR"

    def __init__(self, params) -> None:
        super().__init__(params)
        self.total = total_steps(params)
        pct = params["pct_start"]
        if params["three_phase"]:
            self.ends = (float(pct * self.total) - 1, float(2 * pct * self.total) - 2, self.total - 1)
        else:
            self.ends = (float(pct * self.total) - 1, self.total - 1)
        self.cycles_momentum = bool(params["cycle_momentum"])

    def prepare(self, groups: Groups) -> Groups:
        p, n = self.p, groups.n
        max_lrs = groups.per_group("max_lr", p["max_lr"])
        extra = [dict(groups.extra[i]) if i < len(groups.extra) else {} for i in range(n)]
        initial = list(groups.initial_lr)
        momentum = groups.momentum
        fresh = p["last_epoch"] == -1
        if fresh:
            for key in ("div_factor", "final_div_factor"):
                if p[key] == 0:
                    raise SpecError("must not be 0: torch divides max_lr by it (ZeroDivisionError)",
                                    key=key)
            for i in range(n):
                initial[i] = float(max_lrs[i]) / p["div_factor"]
                extra[i]["max_lr"] = float(max_lrs[i])
                extra[i]["min_lr"] = initial[i] / p["final_div_factor"]
        if self.cycles_momentum:
            groups.require_momentum()
            max_m = groups.per_group("max_momentum", p["max_momentum"])
            base_m = groups.per_group("base_momentum", p["base_momentum"])
            if fresh:
                momentum = max_m.copy()
                for i in range(n):
                    extra[i]["max_momentum"] = float(max_m[i])
                    extra[i]["base_momentum"] = float(base_m[i])
        return replace(groups, initial_lr=tuple(initial), momentum=momentum,
                       extra=tuple(MappingProxyType(e) for e in extra))

    def _keys(self, live: Groups, names) -> dict:
        """The group keys get_lr reads (torch raises KeyError where one is missing)."""
        out = {}
        for name in names:
            values = []
            for i in range(live.n):
                v = live.initial_lr[i] if name == "initial_lr" else (
                    live.extra[i].get(name) if i < len(live.extra) else None)
                if v is None:
                    raise SpecError(
                        f"param group {i} has no {name}, which OneCycleLR reads at every step "
                        f"(torch raises KeyError); when resuming with last_epoch, give "
                        f"optimizer.param_groups[{i}] initial_lr, max_lr, min_lr"
                        + (", max_momentum and base_momentum" if self.cycles_momentum else ""),
                        key="last_epoch")
                values.append(v)
            out[name] = np.array(values, dtype=np.float64)
        return out

    def calls(self, t, live, initial) -> Ops:
        three = bool(self.p["three_phase"])
        if t.last > self.total:
            key = "total_steps" if self.p["total_steps"] is not None else "epochs"
            if self.standalone_rows is not None:      # run alone: say how many epochs fit
                allowed = self.total - self.p["last_epoch"]
                raise SpecError(f"allows at most {allowed} epochs (rows up to step total_steps = "
                                f"{self.total}; torch raises when stepped past it), got "
                                f"{self.standalone_rows}", key=key)
            raise SpecError(f"is stepped {max(t.first, self.total + 1)} times but total_steps is "
                            f"{self.total} (torch raises ValueError when stepped past total_steps); "
                            "raise total_steps or end it sooner", key=key)
        keys = self._keys(live, ("initial_lr", "max_lr", "min_lr")
                          + (("max_momentum", "base_momentum") if self.cycles_momentum else ()))
        # The phase of step t is the first whose end_step is >= t: nondecreasing in t, so each
        # phase is a slice of the calls, and each slice one array expression.
        n, last = len(t), len(self.ends) - 1
        bound = [0]
        for k in range(last):
            reach = max(self.ends[:k + 1])                  # phase <= k  <=>  t <= reach
            bound.append(min(max(math.floor(reach) - t.first + 1, bound[-1]), n))
        bound.append(n)
        weight = np.arange(t.first, t.first + n, dtype=np.float64)      # t, then pct
        starts = (0.0,) + tuple(self.ends[:-1])
        for k in range(last + 1):
            lo, hi = bound[k], bound[k + 1]
            if lo < hi:
                span = self.ends[k] - starts[k]
                if span == 0:
                    raise SpecError(f"pct_start {self.p['pct_start']!r} with total_steps "
                                    f"{self.total} gives a phase of zero length, so torch divides "
                                    f"by zero at step {t.first + lo} (ZeroDivisionError)",
                                    key="pct_start")
                weight[lo:hi] -= starts[k]
                weight[lo:hi] /= span                       # (t - start_step) / (end - start)
        if self.p["anneal_strategy"] == "cos":              # cos_out = cos(pi * pct) + 1
            weight *= np.pi
            np.cos(weight, out=weight)
            weight += 1
        marks = [lo for lo in bound[1:-1] if 0 < lo < n]
        if self._phase(t.first - 1) != self._phase(t.first):
            marks.insert(0, 0)
        ops = t.assign(live.n, self.cycles_momentum, tuple(sorted(set(marks))))
        self._anneal(keys, _LR_KEYS[three], bound, weight, ops.b)
        if self.cycles_momentum:
            self._anneal(keys, _MOMENTUM_KEYS[three], bound, weight, ops.momentum)
        return ops

    def _phase(self, step: int) -> int:
        """The phase torch anneals in at ``step``: the first whose end_step is >= it."""
        return next((i for i, end in enumerate(self.ends[:-1]) if step <= end), len(self.ends) - 1)

    def _anneal(self, keys, pairs, bound, weight, out) -> np.ndarray:
        """cos: ``end + (start - end) / 2.0 * weight``; linear: ``(end - start) * weight +
        start``; per phase, with its constants as torch computes them at each step."""
        for k, (s, e) in enumerate(pairs):
            lo, hi = bound[k], bound[k + 1]
            if lo < hi:
                start, end = keys[s], keys[e]
                if self.p["anneal_strategy"] == "cos":
                    offset, scale = end, (start - end) / 2.0
                else:
                    offset, scale = start, end - start
                np.multiply(weight[lo:hi, None], scale[None, :], out=out[lo:hi])
                out[lo:hi] += offset
        return out


def _horizon(spec) -> int:
    return total_steps(spec.params)


def _counts(spec) -> tuple:
    key = "total_steps" if spec.params["total_steps"] is not None else "epochs"
    return ((spec.path + (key,), total_steps(spec.params)),)


DEFINITIONS = (
    SchedulerDef(
        "OneCycleLR", "the 1cycle policy: warm up to max_lr, then anneal far below the start",
        (
            Param("max_lr", PerGroup(Real(0)), doc="peak learning rate (one per group, or a list)"),
            Param("total_steps", Maybe(Int(1)), None, "steps in the cycle (else epochs * steps_per_epoch)"),
            Param("epochs", Maybe(Int()), None, "with steps_per_epoch, gives total_steps"),
            Param("steps_per_epoch", Maybe(Int()), None, "with epochs, gives total_steps"),
            Param("pct_start", Real(0.0, 1.0, float_only=True), 0.3, "fraction of the cycle spent rising"),
            Param("anneal_strategy", Choice(("cos", "linear")), "cos", "shape of each phase"),
            Param("cycle_momentum", Bool(), True, "cycle momentum (or Adam's beta1) inversely to the lr"),
            Param("base_momentum", PerGroup(Real()), 0.85, "momentum at the peak lr"),
            Param("max_momentum", PerGroup(Real()), 0.95, "momentum at the start and the end"),
            Param("div_factor", Real(), 25.0, "initial_lr = max_lr / div_factor"),
            Param("final_div_factor", Real(), 1e4, "min_lr = initial_lr / final_div_factor"),
            Param("three_phase", Bool(), False, "a third phase down to min_lr (the original paper)"),
            LAST_EPOCH,
        ),
        stepper=OneCycleStepper,
        formula="lr = anneal(phase start, phase end, (t - start_step) / (end_step - start_step))",
        example={"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}, "epochs": 101,
                 "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 100}},
        check=_check,
        facts=Facts(_horizon, key_peak("max_lr"), True, counts=_counts),
    ),
)
