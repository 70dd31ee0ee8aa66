"""The chainable decays: StepLR, MultiStepLR, ExponentialLR.

torch multiplies the group's *current* lr (``group["lr"] * gamma``) at each step, so the
whole run is a cumulative product of per-step factors, computed by
:func:`~lrsched.schedules.base.chain_multiply` in torch's order.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from lrsched.schedules.base import Groups, SchedulerDef, Trace, chain_multiply, epochs_of
from lrsched.schedules.params import Int, IntList, Param, Real

LAST_EPOCH = Param("last_epoch", Int(-1), -1,
                   "index of the last epoch when resuming (groups then need initial_lr)")


def _decays(factors: np.ndarray, groups: Groups) -> Trace:
    lr = chain_multiply(groups.lr, np.repeat(factors[:, None], groups.n, axis=1))
    return Trace(lr, markers=tuple(int(i) for i in np.flatnonzero(factors != 1.0)))


def step_lr(p, groups: Groups, rows: int) -> Trace:
    """lr_t = lr_{t-1} * gamma if t != 0 and t % step_size == 0 else lr_{t-1}."""
    groups.base_lrs(p["last_epoch"])
    t = epochs_of(p["last_epoch"], rows)
    decay = (t != 0) & (t % p["step_size"] == 0)
    return _decays(np.where(decay, float(p["gamma"]), 1.0), groups)


def multi_step_lr(p, groups: Groups, rows: int) -> Trace:
    """lr_t = lr_{t-1} * gamma ** (times t appears in milestones)."""
    groups.base_lrs(p["last_epoch"])
    factors = np.ones(rows)
    first = p["last_epoch"] + 1
    for milestone, count in Counter(p["milestones"]).items():
        if first <= milestone < first + rows:
            factors[milestone - first] = p["gamma"] ** count   # a Python float power, as torch
    return _decays(factors, groups)


def exponential_lr(p, groups: Groups, rows: int) -> Trace:
    """lr_t = lr_{t-1} * gamma for every step after the constructor's."""
    groups.base_lrs(p["last_epoch"])
    factors = np.full(rows, float(p["gamma"]))
    factors[:1] = 1.0
    lr = chain_multiply(groups.lr, np.repeat(factors[:, None], groups.n, axis=1))
    return Trace(lr)


GAMMA = Param("gamma", Real(), 0.1, "multiplicative factor of each decay")

DEFINITIONS = (
    SchedulerDef(
        "StepLR", "decay by gamma every step_size epochs",
        (Param("step_size", Int(1), doc="period of the decay, in epochs"), GAMMA, LAST_EPOCH),
        step_lr,
        formula="lr_t = lr_{t-1} * gamma  when t % step_size == 0 (t > 0)",
        example={"lr": 0.01, "epochs": 9, "scheduler": {"type": "StepLR", "step_size": 3, "gamma": 0.1}},
    ),
    SchedulerDef(
        "MultiStepLR", "decay by gamma at each milestone (once per copy of a repeated one)",
        (Param("milestones", IntList(), doc="epochs at which to decay"), GAMMA, LAST_EPOCH),
        multi_step_lr,
        formula="lr_t = lr_{t-1} * gamma ** milestones.count(t)",
        example={"lr": 0.01, "epochs": 9, "scheduler": {"type": "MultiStepLR", "milestones": [3, 7], "gamma": 0.1}},
    ),
    SchedulerDef(
        "ExponentialLR", "decay by gamma every epoch",
        (Param("gamma", Real(), doc="multiplicative factor per epoch"), LAST_EPOCH),
        exponential_lr,
        formula="lr_t = lr_{t-1} * gamma",
        example={"lr": 0.01, "epochs": 9, "scheduler": {"type": "ExponentialLR", "gamma": 0.95}},
    ),
)
