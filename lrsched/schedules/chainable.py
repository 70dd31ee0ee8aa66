"""The chainable decays that multiply the group's *current* lr by a factor of the epoch:
ConstantLR, LinearLR, PolynomialLR (StepLR, MultiStepLR and ExponentialLR are in ``step.py``,
MultiplicativeLR in ``lambda_.py``).

Each ``step()`` multiplies ``group["lr"]`` by a factor that depends only on ``last_epoch``
(ConstantLR: ``factor`` at epoch 0, ``1.0 / factor`` at ``total_iters``; LinearLR:
``1 + (end - start) / (total_iters * start + (t - 1) * (end - start))``; PolynomialLR:
``((1 - t / total_iters) / (1 - (t - 1) / total_iters)) ** power``), so a run is the
cumulative product of the per-step factors, computed with the same float operations as
torch: bit for bit torch's recurrence, not the closed form (LinearLR from 0.1 with
start_factor 0.1 over 10 epochs ends at 0.10000000000000005, as torch's does).
"""

from __future__ import annotations


import numpy as np

from lrsched.constraints import Int, Param, Real
from lrsched.errors import SpecError
from lrsched.schedules.affine import Ops, assign_once
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, Facts, SchedulerDef, key_counts, key_horizon
from lrsched.schedules.stepper import LAST_EPOCH, Leaf


class ConstantStepper(Leaf):
    name = "ConstantLR"

    def calls(self, t, live, initial) -> Ops:
        # torch checks epoch 0 first, and does so in initial mode too
        factor, total = self.p["factor"], self.p["total_iters"]
        ops = t.multiply(marks=t.mark(total))
        a = ops.a
        start, undo = t.index(0), t.index(total)
        if start is not None:
            a[start] = factor
        if undo is not None and total != 0:
            if factor == 0:
                raise SpecError(f"factor 0 cannot be undone at total_iters: torch computes "
                                f"1.0 / factor at epoch {total} (ZeroDivisionError); use a factor "
                                f"above 0 or more than {total} epochs of it", key="factor")
            a[undo] = 1.0 / factor
        return ops

    def closed_form(self, live) -> Ops:
        factor, total = self.p["factor"], self.p["total_iters"]
        return assign_once(self.base * (factor + (0 >= total) * (1 - factor)))


class LinearStepper(Leaf):
    name = "LinearLR"

    def calls(self, t, live, initial) -> Ops:
        start, end, total = self.p["start_factor"], self.p["end_factor"], self.p["total_iters"]
        ops = t.multiply(marks=t.mark(total))
        a = ops.a
        zero = t.index(0)
        if zero is not None:
            a[zero] = start
        if not initial:
            lo, hi = max(1 - t.first, 0), min(total - t.first + 1, len(t))   # 1 <= t <= total
            if lo < hi:
                # 1.0 + (end - start) / (total * start + (t - 1) * (end - start)), in place
                ramp = np.arange(t.first + lo - 1, t.first + hi - 1, dtype=np.float64)
                ramp *= end - start
                ramp += total * start
                np.divide(end - start, ramp, out=ramp)
                ramp += 1.0
                a[lo:hi, 0] = ramp
        return ops

    def closed_form(self, live) -> Ops:
        start, end, total = self.p["start_factor"], self.p["end_factor"], self.p["total_iters"]
        if total == 0:
            raise SpecError("total_iters 0 makes torch divide by zero when a SequentialLR "
                            "milestone restarts this LinearLR (its closed form divides by "
                            "total_iters); use total_iters >= 1", key="total_iters")
        return assign_once(self.base * (start + (end - start) * min(total, 0) / total))


class PolynomialStepper(Leaf):
    name = "PolynomialLR"

    def calls(self, t, live, initial) -> Ops:
        total, power = self.p["total_iters"], self.p["power"]
        ops = t.multiply(marks=t.mark(total))
        a = ops.a
        hi = min(total - t.first + 1, len(t))                              # t <= total
        if not initial and hi > 0:
            if total == 0:
                raise SpecError("total_iters 0 makes torch divide by zero at epoch 0 "
                                "(ZeroDivisionError); use total_iters >= 1", key="total_iters")
            # ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** power, in place
            left = np.arange(t.first - 1, t.first + hi, dtype=np.float64)
            left /= total
            np.subtract(1.0, left, out=left)
            ratio = a[:hi, 0]
            np.divide(left[1:], left[:-1], out=ratio)
            if power < 0 and (ratio == 0).any():
                raise SpecError(f"a negative power cannot reach total_iters: torch raises 0.0 to "
                                f"the power {power} at epoch {total} (ZeroDivisionError)",
                                key="power")
            if power != 1:                           # Python's float ** is C pow; ** 1 is exact
                np.float_power(ratio, float(power), out=ratio)
        return ops

    def closed_form(self, live) -> Ops:
        total, power = self.p["total_iters"], self.p["power"]
        try:
            factor = (1.0 - min(total, 0) / total) ** power
        except ZeroDivisionError:
            raise SpecError(f"total_iters {total} with power {power} makes torch divide by zero "
                            "when a SequentialLR milestone restarts this PolynomialLR (its "
                            "closed form at epoch 0)", key="total_iters") from None
        return assign_once(self.base * factor)


TOTAL_ITERS = Param("total_iters", Int(), 5, "epochs until the factor is done changing")

def _linear_peak(spec, base):
    """A warmup's target: the lr times end_factor, when LinearLR rises."""
    p = spec.params
    return base * p["end_factor"] if p["start_factor"] < p["end_factor"] else None


def _linear_warmup(spec):
    p = spec.params
    return (spec.path + ("total_iters",), p["total_iters"]) if p["start_factor"] < p["end_factor"] else None


DEFINITIONS = (
    SchedulerDef(
        "ConstantLR", "multiply the lr by a constant factor until total_iters, then undo it",
        (Param("factor", Real(0, 1), 1.0 / 3, "the factor applied until total_iters (0 to 1)"),
         TOTAL_ITERS, LAST_EPOCH),
        formula="lr_0 = lr * factor;  lr_t = lr_{t-1} * (1.0 / factor) at t == total_iters",
        example={"lr": 0.05, "epochs": 10,
                 "scheduler": {"type": "ConstantLR", "factor": 0.5, "total_iters": 4}},
        stepper=ConstantStepper,
        facts=Facts(NO_HORIZON, NO_PEAK, False, counts=key_counts("total_iters")),
    ),
    SchedulerDef(
        "LinearLR", "change the lr's factor linearly from start_factor to end_factor",
        (Param("start_factor", Real(0, 1, low_closed=False), 1.0 / 3,
               "factor at epoch 0 (above 0, at most 1)"),
         Param("end_factor", Real(0, 1), 1.0, "factor from total_iters on (0 to 1)"),
         TOTAL_ITERS, LAST_EPOCH),
        formula="lr_t = lr_{t-1} * (1 + (end - start) / (total_iters * start + (t - 1) * (end - start)))",
        example={"lr": 0.1, "epochs": 15,
                 "scheduler": {"type": "LinearLR", "start_factor": 0.1, "total_iters": 10}},
        stepper=LinearStepper,
        facts=Facts(NO_HORIZON, _linear_peak, False, counts=key_counts("total_iters"), warmup=_linear_warmup),
    ),
    SchedulerDef(
        "PolynomialLR", "decay the lr polynomially to zero over total_iters epochs",
        (TOTAL_ITERS, Param("power", Real(), 1.0, "power of the polynomial"), LAST_EPOCH),
        formula="lr_t = lr_{t-1} * ((1 - t / total_iters) / (1 - (t - 1) / total_iters)) ** power",
        example={"lr": 0.1, "epochs": 12,
                 "scheduler": {"type": "PolynomialLR", "total_iters": 10, "power": 2.0}},
        stepper=PolynomialStepper,
        facts=Facts(key_horizon("total_iters"), NO_PEAK, False, counts=key_counts("total_iters")),
    ),
)
