"""SequentialLR and ChainedScheduler: schedulers that drive other schedulers.

Both are built from their children's :class:`~lrsched.schedules.base.Stepper`: torch's
scheduler objects with their state, whose calls return whole-run arrays of what they do to
the group lr (:class:`~lrsched.schedules.base.Ops`).

ChainedScheduler (torch 2.13): the children are constructed in order, each on the lr the
previous left (ConstantLR's constructor already multiplies it); the chain takes no initial
step of its own; every ``step()`` steps each child in order on the same lr, so a row is the
composition of every child's update, in order (``interleave``).

SequentialLR: the children are constructed in order; then the constructor resets every
group's lr to its ``initial_lr``, undoes one step of every child (``recursive_undo``) and
re-runs ``_initial_step()`` of the child for epoch 0 (``bisect_right(milestones, 0)``).  Each
``step()`` steps the child of the current epoch; at a milestone that child gets
``_update_lr(0)``: its closed form at epoch 0 where it has one (a fresh start from its
``base_lrs``), else ``get_lr()`` at last_epoch 0 (MultiplicativeLR multiplies the current lr
by ``lr_lambda(0)``; CosineAnnealingWarmRestarts keeps its ``T_cur``); a ChainedScheduler or
SequentialLR there has neither, and torch raises NotImplementedError.

Neither accepts ReduceLROnPlateau (torch: it needs the metric passed to ``step()``).  The
steppers of the schedulers defined before composition existed (LambdaLR, CyclicLR here;
StepLR, MultiStepLR, ExponentialLR in ``chainable.py``) are attached by :func:`with_steppers`.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from lrsched.errors import SpecError
from lrsched.records import replace
from lrsched.schedules import cyclic
from lrsched.schedules.base import (Groups, Leaf, Ops, SchedulerDef, Stepper, apply, assign,
                                    concat, interleave, no_calls, no_momentum, per_group, rekeyed)
from lrsched.schedules.chainable import check_lambda_count, lambda_at
from lrsched.constraints import IntList, Param, SchedulerList
from lrsched.schedules.step import LAST_EPOCH


class _Child(Stepper):
    """A child of a composite: its errors name it (``schedulers[1].gamma``)."""

    def __init__(self, spec, index: int) -> None:
        definition = spec.definition
        self.prefix = f"schedulers[{index}]"
        if definition.stepper is None:    # only ReduceLROnPlateau; the parse-time check says so
            raise SpecError(f"{definition.name} cannot be driven by a composite scheduler",
                            key=self.prefix)
        self.inner = definition.stepper(spec.params)
        self.name = self.inner.name

    @property
    def cycles_momentum(self) -> bool:
        return self.inner.cycles_momentum

    def _call(self, method, *args):
        try:
            return getattr(self.inner, method)(*args)
        except SpecError as exc:
            raise rekeyed(exc, self.prefix) from None

    def construct(self, groups):
        return self._call("construct", groups)

    def step(self, n, live, out=None):
        return self._call("step", n, live, out)

    def initial_step(self, live):
        return self._call("initial_step", live)

    def update0(self, live):
        return self._call("update0", live)

    def undo(self):
        self.inner.undo()


class _Composite(Stepper):
    def __init__(self, params) -> None:
        self.p = params
        self.children = [_Child(spec, i) for i, spec in enumerate(params["schedulers"])]

    @property
    def cycles_momentum(self) -> bool:
        return any(c.cycles_momentum for c in self.children)

    def undo(self) -> None:              # recursive_undo recurses into _schedulers only
        for child in self.children:
            child.undo()


class ChainedStepper(_Composite):
    name = "ChainedScheduler"

    def construct(self, groups: Groups) -> Groups:
        for child in self.children:
            groups = child.construct(groups)
        return groups

    def step(self, n: int, live: Groups, out=None) -> Ops:
        if n == 0:
            return no_calls(live.n)
        return interleave([child.step(n, live) for child in self.children])


class SequentialStepper(_Composite):
    name = "SequentialLR"

    def __init__(self, params) -> None:
        super().__init__(params)
        self.milestones = list(params["milestones"])
        self.last_epoch = params["last_epoch"]
        # bisect_right on torch's list as given (sorted or not) is a step function of the
        # epoch that can only change at a milestone value: tabulate it there
        self._values = sorted(set(self.milestones))
        below = self._values[0] - 1 if self._values else 0
        self._table = np.array([bisect_right(self.milestones, below)]
                               + [bisect_right(self.milestones, v) for v in self._values])

    def construct(self, groups: Groups) -> Groups:
        for child in self.children:
            groups = child.construct(groups)
        self.last_epoch = self.p["last_epoch"] + 1
        groups = replace(groups, lr=np.array(groups.initial_lr, dtype=np.float64))
        self.undo()
        first = bisect_right(self.milestones, 0)
        return apply(groups, self.children[first].initial_step(groups))

    def step(self, n: int, live: Groups, out=None) -> Ops:
        if n == 0:
            return no_calls(live.n)
        epochs = np.arange(self.last_epoch + 1, self.last_epoch + 1 + n)
        self.last_epoch += n
        which = self._table[np.searchsorted(self._values, epochs, side="right")]
        cuts = np.flatnonzero(np.diff(which)) + 1
        lr_out, momentum_out = out or (None, None)

        def rows(lo, hi):           # a child's block writes its values into the run's rows
            return None if lr_out is None else (lr_out[lo:hi], None if momentum_out is None
                                                else momentum_out[lo:hi])

        parts, starts = [], []
        for lo, hi in zip([0] + cuts.tolist(), cuts.tolist() + [n]):
            j, child = int(which[lo]), self.children[int(which[lo])]
            if j > 0 and self.milestones[j - 1] == epochs[lo]:
                parts += [child.update0(live), child.step(hi - lo - 1, live, rows(lo + 1, hi))]
                starts.append(lo)
            else:
                parts.append(child.step(hi - lo, live, rows(lo, hi)))
        return concat(parts, tuple(starts))


def _check_children(name: str, schedulers) -> None:
    if not schedulers:
        raise SpecError(f"must list at least one scheduler, got an empty list (torch: {name} "
                        "expects at least one scheduler)", key="schedulers")
    for i, spec in enumerate(schedulers):
        if spec.type == "ReduceLROnPlateau":
            raise SpecError(f"{name} cannot run ReduceLROnPlateau, which needs the metric passed "
                            "to its step() (torch refuses it); use it on its own",
                            key=f"schedulers[{i}]")


def _check_sequential(p) -> None:
    _check_children("SequentialLR", p["schedulers"])
    want, got = len(p["schedulers"]) - 1, len(p["milestones"])
    if want != got:
        raise SpecError(f"needs {want} milestone(s), one fewer than the {want + 1} schedulers, "
                        f"got {got}", key="milestones")


def _check_chained(p) -> None:
    _check_children("ChainedScheduler", p["schedulers"])


# ---- LambdaLR and CyclicLR as composites drive them ---------------------------------------

class LambdaStepper(Leaf):
    name = "LambdaLR"

    def prepare(self, groups: Groups) -> Groups:
        check_lambda_count(self.p, groups)
        return groups

    def calls(self, t, live, initial) -> Ops:
        return assign(self.base * lambda_at(self.p, live, t))


class CyclicStepper(Leaf):
    """CyclicLR's values come from :func:`lrsched.schedules.cyclic.cyclic_lr`, asked for the
    epochs of each batch of calls; its first row reads the groups' ``initial_lr``, which is
    torch's ``base_lrs`` in the constructor's step and ``base_lr`` afterwards."""

    name = "CyclicLR"

    def __init__(self, params) -> None:
        super().__init__(params)
        self.cycles_momentum = bool(params["cycle_momentum"])
        self.constructed = False

    def prepare(self, groups: Groups) -> Groups:
        p, n = self.p, groups.n
        base = per_group("base_lr", p["base_lr"], n)
        fresh = p["last_epoch"] == -1
        if fresh:
            groups = replace(groups, lr=base.copy())
        per_group("max_lr", p["max_lr"], n)
        if self.cycles_momentum:
            if groups.momentum_key is None:
                raise no_momentum(groups.optimizer)
            max_m = per_group("max_momentum", p["max_momentum"], n)
            base_m = per_group("base_momentum", p["base_momentum"], n)
            if fresh:
                extra = tuple({**(groups.extra[i] if i < len(groups.extra) else {}),
                               "max_momentum": float(max_m[i]), "base_momentum": float(base_m[i])}
                              for i in range(n))
                groups = replace(groups, momentum=max_m.copy(), extra=extra)
        return groups

    def construct(self, groups: Groups) -> Groups:
        groups = super().construct(groups)
        self.constructed = True
        return groups

    def calls(self, t, live, initial) -> Ops:
        first = per_group("base_lr", self.p["base_lr"], live.n) if self.constructed else self.base
        run = cyclic.cyclic_lr({**self.p, "last_epoch": t.first - 1},
                               replace(live, initial_lr=tuple(first.tolist())), len(t))
        return assign(run.lr, run.momentum, tuple(run.markers))


_STEPPERS = {"LambdaLR": LambdaStepper, "CyclicLR": CyclicStepper}

# SPEC.md's (and torch's documentation's) order, for `lrsched list`
ORDER = ("LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
         "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
         "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau")


def with_steppers(definitions: tuple) -> tuple:
    """The definitions with the steppers of those defined without one attached, in
    :data:`ORDER`."""
    out = [replace(d, stepper=_STEPPERS[d.name]) if d.stepper is None and d.name in _STEPPERS else d
           for d in definitions]
    rank = {name: i for i, name in enumerate(ORDER)}
    return tuple(sorted(out, key=lambda d: rank.get(d.name, len(ORDER))))


_SCHEDULERS = Param("schedulers", SchedulerList(), doc="the child schedulers, each a mapping with a type")

DEFINITIONS = (
    SchedulerDef(
        "SequentialLR", "hand the epochs to one child scheduler after another, at the milestones",
        (_SCHEDULERS, Param("milestones", IntList(), doc="epochs at which the next child takes over"),
         LAST_EPOCH),
        formula="child i runs from milestones[i-1], restarted by its step(0) (its closed form at epoch 0)",
        example={"lr": 0.1, "epochs": 40,
                 "scheduler": {"type": "SequentialLR", "milestones": [5],
                               "schedulers": [{"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
                                              {"type": "CosineAnnealingLR", "T_max": 35}]}},
        check=_check_sequential,
        stepper=SequentialStepper,
    ),
    SchedulerDef(
        "ChainedScheduler", "step every child scheduler in turn on the same lr, every epoch",
        (_SCHEDULERS,),
        formula="lr_t = child_k(... child_1(lr_{t-1}))",
        example={"lr": 1.0, "epochs": 20,
                 "scheduler": {"type": "ChainedScheduler",
                               "schedulers": [{"type": "ConstantLR", "factor": 0.1, "total_iters": 5},
                                              {"type": "ExponentialLR", "gamma": 0.9}]}},
        check=_check_chained,
        stepper=ChainedStepper,
    ),
)
