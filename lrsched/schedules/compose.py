"""SequentialLR and ChainedScheduler: schedulers that drive other schedulers.

Both are built from their children's :class:`~lrsched.schedules.stepper.Stepper`: torch's
scheduler objects with their state, whose calls return whole-run arrays of what they do to
the group lr (:class:`~lrsched.schedules.affine.Ops`).

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

Neither accepts ReduceLROnPlateau (torch: it needs the metric passed to ``step()``), the one
scheduler without a stepper.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from lrsched.constraints import IntList, Param, SchedulerList
from lrsched.errors import SpecError
from lrsched.records import replace
from lrsched.schedules.affine import Ops, concat, interleave, no_calls
from lrsched.schedules.registry import (NO_HORIZON, NO_PEAK, Facts, SchedulerDef, children_changes, children_counts,
                                        children_peak, key_counts)
from lrsched.schedules.stepper import LAST_EPOCH, Groups, Stepper, apply


class _Child(Stepper):
    """A child of a composite: its errors name it (``schedulers[1].gamma``)."""

    def __init__(self, spec, index: int) -> None:
        definition = spec.definition
        self.prefix = f"schedulers[{index}]"
        if definition.stepper is None:    # ReduceLROnPlateau; the parse-time check says so
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
        except SpecError as exc:               # the key, relative to the composite's mapping
            exc.key = self.prefix + ("." + exc.key if exc.key else "")
            raise exc from None

    def construct(self, groups):
        return self._call("construct", groups)

    def step(self, n, live, rows=None):
        return self._call("step", n, live, rows)

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

    def step(self, n: int, live: Groups, rows=None) -> Ops:
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

    def step(self, n: int, live: Groups, rows=None) -> Ops:
        if n == 0:
            return no_calls(live.n)
        epochs = np.arange(self.last_epoch + 1, self.last_epoch + 1 + n)
        self.last_epoch += n
        which = self._table[np.searchsorted(self._values, epochs, side="right")]
        cuts = np.flatnonzero(np.diff(which)) + 1

        def part(lo, hi):           # a child's block writes its values into the run's rows
            return None if rows is None else rows.part(lo, hi)

        parts, starts = [], []
        for lo, hi in zip([0] + cuts.tolist(), cuts.tolist() + [n]):
            j, child = int(which[lo]), self.children[int(which[lo])]
            if j > 0 and self.milestones[j - 1] == epochs[lo]:
                parts += [child.update0(live), child.step(hi - lo - 1, live, part(lo + 1, hi))]
                starts.append(lo)
            else:
                parts.append(child.step(hi - lo, live, part(lo, hi)))
        return concat(parts, tuple(starts))


def _check_children(name: str, schedulers) -> None:
    if not schedulers:
        raise SpecError(f"must list at least one scheduler, got an empty list (torch: {name} "
                        "expects at least one scheduler)", key="schedulers")
    for i, spec in enumerate(schedulers):
        if spec.definition.stepper is None:
            raise SpecError(f"{name} cannot run {spec.type}, which {spec.definition.standalone} "
                            "(torch refuses it); use it on its own",
                            key=f"schedulers[{i}]")


def _check_sequential(p) -> None:
    _check_children("SequentialLR", p["schedulers"])
    want, got = len(p["schedulers"]) - 1, len(p["milestones"])
    if want != got:
        raise SpecError(f"needs {want} milestone(s), one fewer than the {want + 1} schedulers, "
                        f"got {got}", key="milestones")


def _check_chained(p) -> None:
    _check_children("ChainedScheduler", p["schedulers"])


def _child_facts(child):
    return child.definition.facts or Facts(NO_HORIZON, NO_PEAK, False)


def _starts(spec) -> tuple:
    """The step each child of a SequentialLR starts at."""
    return (0,) + tuple(spec.params["milestones"])


def _sequential_horizon(spec):
    """The last milestone plus the last child's horizon (None when it has none)."""
    last = spec.params["schedulers"][-1]
    horizon = _child_facts(last).horizon
    value = horizon(last) if callable(horizon) else None
    return None if value is None else _starts(spec)[len(spec.params["schedulers"]) - 1] + value


def _sequential_counts(spec) -> tuple:
    return children_counts(spec) + key_counts("milestones")(spec)


def _sequential_changes(spec) -> tuple:
    """Each milestone, and each child's changes from the step it starts at."""
    out = list(key_counts("milestones")(spec))
    for start, child in zip(_starts(spec), spec.params["schedulers"]):
        out += [(path, start + step) for path, step in _child_facts(child).changes(child)]
    return tuple(out)


def _sequential_warmup(spec):
    first = spec.params["schedulers"][0]
    warmup = _child_facts(first).warmup
    found = warmup(first) if warmup is not None else None
    if found is None:
        return None
    milestones = spec.params["milestones"]
    return (found[0], min(found[1], milestones[0])) if milestones else found


def _chained_horizon(spec):
    values = [h(child) for child in spec.params["schedulers"]
              for h in (_child_facts(child).horizon,) if callable(h)]
    values = [v for v in values if v is not None]
    return max(values) if values else None


_SCHEDULERS = Param("schedulers", SchedulerList(), doc="the child schedulers, each a mapping with a type")

DEFINITIONS = (
    SchedulerDef(
        "SequentialLR", "hand the epochs to one child scheduler after another, at the milestones",
        (_SCHEDULERS, Param("milestones", IntList(), doc="epochs at which the next child takes over"),
         LAST_EPOCH),
        stepper=SequentialStepper,
        formula="child i runs from milestones[i-1], restarted by its step(0) (its closed form at epoch 0)",
        example={"lr": 0.1, "epochs": 40,
                 "scheduler": {"type": "SequentialLR", "milestones": [5],
                               "schedulers": [{"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
                                              {"type": "CosineAnnealingLR", "T_max": 35}]}},
        check=_check_sequential,
        facts=Facts(_sequential_horizon, children_peak, False, counts=_sequential_counts, changes=_sequential_changes, warmup=_sequential_warmup),
    ),
    SchedulerDef(
        "ChainedScheduler", "step every child scheduler in turn on the same lr, every epoch",
        (_SCHEDULERS,),
        stepper=ChainedStepper,
        formula="lr_t = child_k(... child_1(lr_{t-1}))",
        example={"lr": 1.0, "epochs": 20,
                 "scheduler": {"type": "ChainedScheduler",
                               "schedulers": [{"type": "ConstantLR", "factor": 0.1, "total_iters": 5},
                                              {"type": "ExponentialLR", "gamma": 0.9}]}},
        check=_check_chained,
        facts=Facts(_chained_horizon, NO_PEAK, False, counts=children_counts, changes=children_changes),
    ),
)
