"""The chainable decays: StepLR, MultiStepLR, ExponentialLR.

torch multiplies the group's *current* lr (``group["lr"] * gamma``) at each step, so a run
is the cumulative product of the per-step factors (``np.cumprod`` multiplies sequentially, so
this is bit for bit torch's recurrence: StepLR(3, 0.1) from 0.01 gives 0.0001, not the closed
form's 0.00010000000000000002).  The same steppers serve standalone runs and composites.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter

import numpy as np

from lrsched.constraints import Int, IntList, Param, Real
from lrsched.schedules.affine import Ops, assign_once
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, Facts, SchedulerDef, key_counts
from lrsched.schedules.stepper import LAST_EPOCH, Leaf


class StepStepper(Leaf):
    name = "StepLR"

    def calls(self, t, live, initial) -> Ops:
        size = self.p["step_size"]
        first = max(-(-t.first // size) * size, size)        # the first nonzero multiple >= t
        decays = np.arange(first - t.first, len(t), size)
        ops = t.multiply(marks=tuple(decays.tolist()))
        ops.a[decays] = self.p["gamma"]
        return ops

    def closed_form(self, live) -> Ops:
        return assign_once(self.base * self.p["gamma"] ** (0 // self.p["step_size"]))


class MultiStepStepper(Leaf):
    name = "MultiStepLR"

    def calls(self, t, live, initial) -> Ops:
        decays = {}
        for milestone, count in Counter(self.p["milestones"]).items():
            i = t.index(milestone)
            if i is not None:
                decays[i] = self.p["gamma"] ** count      # a Python float power, as torch
        ops = t.multiply(marks=tuple(sorted(i for i, f in decays.items() if f != 1.0)))
        for i, f in decays.items():
            ops.a[i] = f
        return ops

    def closed_form(self, live) -> Ops:
        count = bisect_right(sorted(self.p["milestones"]), 0)
        return assign_once(self.base * self.p["gamma"] ** count)


class ExponentialStepper(Leaf):
    name = "ExponentialLR"

    def calls(self, t, live, initial) -> Ops:
        return t.multiply(1.0 if initial else float(self.p["gamma"]))

    def closed_form(self, live) -> Ops:
        return assign_once(self.base * self.p["gamma"] ** 0)


GAMMA = Param("gamma", Real(), 0.1, "multiplicative factor of each decay")

DEFINITIONS = (
    SchedulerDef(
        "StepLR", "decay by gamma every step_size epochs",
        (Param("step_size", Int(1), doc="period of the decay, in epochs"), GAMMA, LAST_EPOCH),
        formula="lr_t = lr_{t-1} * gamma  when t % step_size == 0 (t > 0)",
        example={"lr": 0.01, "epochs": 9, "scheduler": {"type": "StepLR", "step_size": 3, "gamma": 0.1}},
        stepper=StepStepper,
        facts=Facts(NO_HORIZON, NO_PEAK, False, counts=key_counts("step_size"), changes=key_counts("step_size"), factors=("gamma",)),
    ),
    SchedulerDef(
        "MultiStepLR", "decay by gamma at each milestone (once per copy of a repeated one)",
        (Param("milestones", IntList(), doc="epochs at which to decay"), GAMMA, LAST_EPOCH),
        formula="lr_t = lr_{t-1} * gamma ** milestones.count(t)",
        example={"lr": 0.01, "epochs": 9, "scheduler": {"type": "MultiStepLR", "milestones": [3, 7], "gamma": 0.1}},
        stepper=MultiStepStepper,
        facts=Facts(NO_HORIZON, NO_PEAK, False, counts=key_counts("milestones"), changes=key_counts("milestones"), factors=("gamma",)),
    ),
    SchedulerDef(
        "ExponentialLR", "decay by gamma every epoch",
        (Param("gamma", Real(), doc="multiplicative factor per epoch"), LAST_EPOCH),
        formula="lr_t = lr_{t-1} * gamma",
        example={"lr": 0.01, "epochs": 9, "scheduler": {"type": "ExponentialLR", "gamma": 0.95}},
        stepper=ExponentialStepper,
        facts=Facts(NO_HORIZON, NO_PEAK, False, factors=("gamma",)),
    ),
)
