"""CosineAnnealingLR and CosineAnnealingWarmRestarts.

CosineAnnealingLR is torch's *recurrence*, not the SGDR closed form.  At step ``t``::

    lr_t = (1 + cos(pi * t / T_max)) / (1 + cos(pi * (t - 1) / T_max)) * (lr_{t-1} - eta_min) + eta_min
    lr_t = lr_{t-1} + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2      if (t - 1 - T_max) % (2 T_max) == 0

so it is not clamped: past ``T_max`` the lr rises again (period ``2 * T_max``).  At every
trough the factor is exactly 0 (``cos`` of a value within an ulp of an odd multiple of pi
rounds to -1), so the lr *is* ``eta_min`` there and each period restarts from exact values.

With ``eta_min = 0`` every update is a product, so a period is ``np.cumprod`` of the factors:
bit for bit torch's recurrence.  With ``eta_min != 0`` torch rounds ``a * (lr - eta_min) +
eta_min`` three times per step, and no array expression reproduces that.  The obvious one,
``eta_min + cumprod(a) * (lr - eta_min)`` (the same factors on the distance to eta_min, after
an exact first step), drifts from torch by torch's own rounding noise: a systematic
``eps``-sized bias per step while lr > 2 * eta_min (``lr - eta_min`` is then rounded), and
noise injected just after each trough that the rising half of a period amplifies by up to
``(T_max / k) ** 2``.  Measured against torch's recurrence over 200,000 epochs (base lr 0.1):
below 1e-13 for eta_min/lr <= 1e-3 at any T_max, but 1.4e-12 at eta_min/lr = 0.01 with T_max
50,000, 2.5e-12 within 20,000 epochs at eta_min/lr = 0.5 with T_max 10,000, and 3.5e-10 at
eta_min/lr = 2 with T_max 50,000.  So lrsched does not use it: these steps are evaluated in
torch's order, op by op -- as arrays across periods (each trough starts an independent
stretch) when periods are short, else in a tight loop over Python floats (about 0.1 us per
epoch; :func:`~lrsched.schedules.evaluate.evaluate`).  Every CosineAnnealingLR run is then bit for
bit torch's, at ~40x the NumPy floor for long periods with eta_min != 0 (still ~250x faster
than stepping torch).

CosineAnnealingWarmRestarts assigns ``eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur /
T_i)) / 2`` at every step, with ``T_cur``/``T_i`` advanced as torch's ``step()`` does
(including the single wrap its constructor's step applies when resuming).
"""

from __future__ import annotations

import math

import numpy as np

from lrsched.constraints import Int, Param, Real
from lrsched.errors import SpecError
from lrsched.schedules.affine import Ops, assign_once
from lrsched.schedules.registry import NO_PEAK, PERIODIC, Facts, SchedulerDef, key_counts, key_horizon
from lrsched.schedules.stepper import LAST_EPOCH, Epochs, Leaf


class CosineStepper(Leaf):
    name = "CosineAnnealingLR"

    def calls(self, t, live, initial) -> Ops:
        if initial:                               # the constructor's step leaves the lr alone
            return t.multiply()
        period, eta_min = self.p["T_max"], float(self.p["eta_min"])
        if period == 0:
            raise SpecError("T_max 0 makes torch divide by zero at the first step "
                            "(ZeroDivisionError); use a nonzero T_max", key="T_max")
        if not math.isfinite(math.pi / period):
            raise SpecError(f"T_max {period!r} makes torch's cos(pi * epoch / T_max) overflow "
                            "(ValueError: math domain error); use a larger T_max", key="T_max")
        t0, n = t.first, len(t)
        cosines = np.arange(t0 - 1, t0 + n, dtype=np.float64)
        cosines *= np.pi
        cosines /= period
        np.cos(cosines, out=cosines)               # torch: cos(pi * t / T_max)
        cosines += 1
        rises = self._after_troughs(t)            # calls at which torch adds instead
        marks = self._phase_changes(t)
        # (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T)); a pure product run (eta_min 0, no
        # trough in it) is the batch's products
        products = t.multiply(marks=marks) if eta_min == 0 and not rises.size else None
        a = np.empty(n) if products is None else products.a[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(cosines[1:], cosines[:-1], out=a)
        zero = np.flatnonzero(cosines[:-1] == 0)
        if np.setdiff1d(zero, rises).size:
            at = t.first + int(np.setdiff1d(zero, rises)[0])
            raise SpecError(f"T_max {period!r} makes torch divide by zero at epoch {at} "
                            "(ZeroDivisionError)", key="T_max")
        if products is not None:
            return products
        a[rises] = 1.0
        m = b = None
        if eta_min != 0:
            m = np.full((n, 1), eta_min)
            m[rises] = 0.0
        if rises.size:
            b = np.zeros((n, live.n))
            b[rises] = (self.base - eta_min) * (1 - math.cos(math.pi / period)) / 2
        return Ops(a[:, None], m, b, marks=marks)

    def _after_troughs(self, t) -> np.ndarray:
        """Calls with (t - 1 - T_max) % (2 T_max) == 0, where torch adds instead of scaling."""
        period, t0, n = self.p["T_max"], t.first, len(t)
        if float(period).is_integer():
            # t = T_max + 1 + 2 k T_max (any sign of T_max)
            step = abs(2 * int(period))
            first = (int(period) + 1 - t0) % step
            return np.arange(first, n, step, dtype=np.int64) if first < n else np.zeros(0, np.int64)
        return np.flatnonzero((t.array() - 1 - period) % (2 * period) == 0)

    def _phase_changes(self, t) -> tuple:
        """Calls at which t crosses a multiple of T_max (the troughs and peaks)."""
        period, t0 = self.p["T_max"], t.first
        if not 1 <= period <= t.last:             # no phase change in the run, or one every epoch
            return ()
        k = np.arange(np.floor_divide(t0 - 1, period) + 1, np.floor_divide(t.last, period) + 1)
        at = np.ceil(k * period).astype(np.int64) - t0 if period > 0 else np.zeros(0, np.int64)
        return tuple(int(i) for i in at if 0 <= i < len(t))

    def closed_form(self, live) -> Ops:
        period, eta_min = self.p["T_max"], self.p["eta_min"]
        if period == 0:
            raise SpecError("T_max 0 makes torch divide by zero when a SequentialLR milestone "
                            "restarts this CosineAnnealingLR (ZeroDivisionError)", key="T_max")
        return assign_once(eta_min + (self.base - eta_min) * (1 + math.cos(math.pi * 0 / period)) / 2)


class WarmRestartsStepper(Leaf):
    name = "CosineAnnealingWarmRestarts"

    def prepare(self, groups):
        self.t_cur = self.p["last_epoch"]         # torch: self.T_cur = last_epoch
        self.t_i = self.p["T_0"]
        return groups

    def initial_step(self, live) -> Ops:        # _initial_step() calls this class's step()
        return self.step(1, live)

    def step(self, n, live, rows=None) -> Ops:
        t = Epochs(self.last_epoch + 1, n, rows)
        t_cur, t_i, restarts = self._advance(n)
        eta_min = self.p["eta_min"]
        cosine = np.cos(np.pi * t_cur / t_i)                  # torch: pi * T_cur / T_i
        cosine += 1
        ops = t.assign(live.n, marks=restarts)
        values = ops.b
        np.multiply(cosine[:, None], self.base[None, :] - eta_min, out=values)
        values /= 2
        values += eta_min                     # eta_min + (base - eta_min) * (1 + cos) / 2
        return ops

    def update0(self, live) -> Ops:
        # SequentialLR's _update_lr(0): get_lr with T_cur/T_i as they are (torch leaves them)
        self.last_epoch = 0
        eta_min = self.p["eta_min"]
        return assign_once(eta_min + (self.base - eta_min)
                      * (1 + math.cos(math.pi * self.t_cur / self.t_i)) / 2)

    def _advance(self, n: int):
        """T_cur and T_i after each of ``n`` calls of torch's ``step()``, and the calls that
        restart; the cycles are few (T_mult > 1) or periodic (T_mult == 1)."""
        t_0, t_mult = self.p["T_0"], self.p["T_mult"]
        t_cur = np.empty(n, dtype=np.int64)
        t_i = np.empty(n, dtype=np.int64)
        restarts = []
        c, ti, i = self.t_cur, self.t_i, 0
        special = 0
        if n and self.last_epoch < 0:             # torch: epoch = 0 -> T_i = T_0, T_cur = 0
            c, ti = 0, t_0
            t_cur[0], t_i[0], i = c, ti, 1
            self.last_epoch, special = 0, 1
        if i < n and c + 1 >= ti:                 # a resumed T_cur may wrap from far past T_i
            c, ti = (c + 1) % ti, ti * t_mult
            t_cur[i], t_i[i] = c, ti
            restarts.append(i)
            i += 1
        while i < n:
            if t_mult == 1:
                k = np.arange(1, n - i + 1, dtype=np.int64)
                t_cur[i:] = (c + k) % ti
                t_i[i:] = ti
                restarts.extend((np.flatnonzero(t_cur[i:] == 0) + i).tolist())
                c = int(t_cur[-1])
                break
            run = min(ti - 1 - c, n - i)
            t_cur[i:i + run] = np.arange(c + 1, c + 1 + run)
            t_i[i:i + run] = ti
            i += run
            c += run
            if i < n:
                c, ti = 0, ti * t_mult
                t_cur[i], t_i[i] = c, ti
                restarts.append(i)
                i += 1
        self.t_cur, self.t_i = c, ti
        self.last_epoch += n - special
        return t_cur, t_i, tuple(restarts)


DEFINITIONS = (
    SchedulerDef(
        "CosineAnnealingLR", "anneal the lr along a cosine from the initial lr to eta_min over T_max epochs",
        (Param("T_max", Real(), doc="half-period of the cosine, in epochs (it rises again after T_max)"),
         Param("eta_min", Real(), 0.0, "minimum learning rate"), LAST_EPOCH),
        formula="lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max))",
        example={"lr": 0.1, "epochs": 60,
                 "scheduler": {"type": "CosineAnnealingLR", "T_max": 50, "eta_min": 0.001}},
        stepper=CosineStepper,
        facts=Facts(key_horizon("T_max"), NO_PEAK, False, counts=key_counts("T_max"), climbs=True, floors=("eta_min",)),
    ),
    SchedulerDef(
        "CosineAnnealingWarmRestarts", "cosine annealing restarted every T_i epochs, T_i growing by T_mult (SGDR)",
        (Param("T_0", Int(1), doc="epochs until the first restart"),
         Param("T_mult", Int(1), 1, "factor by which T_i grows after each restart"),
         Param("eta_min", Real(), 0.0, "minimum learning rate"), LAST_EPOCH),
        formula="lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi T_cur / T_i)) / 2",
        example={"lr": 0.1, "epochs": 70,
                 "scheduler": {"type": "CosineAnnealingWarmRestarts", "T_0": 10, "T_mult": 2}},
        stepper=WarmRestartsStepper,
        facts=Facts(PERIODIC, NO_PEAK, True, counts=key_counts("T_0"), floors=("eta_min",)),
    ),
)
