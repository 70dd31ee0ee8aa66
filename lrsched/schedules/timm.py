"""timm's schedulers (``timm.scheduler`` of timm 1.0.31), bit for bit, noise included.

A timm scheduler is a function of ``t``: ``_get_lr(t)`` in Python floats, which the training
loop calls through ``step(epoch)`` (``t_in_epochs``: true) or ``step_update(num_updates)``
(false), then ``_add_noise`` and ``update_groups`` (``lr_scale``, timm's layer-wise decay,
multiplies each group's value).  The constructor sets every group to its base lr, then to
``warmup_lr_init`` when there is a warmup.  timm's ``train.py`` loop (SPEC.md section 5)
calls ``step_update(n)`` after update ``n`` and ``step(epoch + 1)`` after each epoch, so
after the constructor's row 0, scheduler row ``j`` is ``_get_lr(j)``, where a row is an
update when ``t_in_epochs`` is false and an epoch when it is true (the definition's
``interval``): that is all the engine needs from the spec's units.

Each ``_get_lr`` here is that of timm, vectorised over ``t`` in timm's operation order: the
elementwise IEEE operations (``+ - * /``, ``sqrt``, ``cos``, which NumPy computes as the C
library does) on arrays; every ``**`` power, ``tanh`` and ``log``, which NumPy rounds
differently from the C library in a few cases in a thousand, in Python on the distinct
values that occur (a cycle's few ``gamma``s, the ``t_curr`` of one cycle...), with the
Python types timm has (an int ``k_decay`` keeps ``t_curr ** k`` an exact int, as in timm).
The noise is torch's CPU generator, reproduced in :mod:`lrsched.schedules.torchrand`.

PlateauLRScheduler wraps torch's ReduceLROnPlateau, which lrsched already computes
(:mod:`lrsched.schedules.plateau`): warmup rows first, then that run from the warmup's last
lr, with timm's noise on top (timm restores the lr before each step of the inner scheduler).
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

from lrsched.constraints import (Bool, Choice, Constraint, Int, IntList, Maybe, Metrics, MetricList, Param,
                                 Real, describe_value, is_number)
from lrsched.errors import SpecError
from lrsched.records import dataclass, replace
from lrsched.schedules import torchrand
from lrsched.schedules.plateau import metric_values, reduce_lr_on_plateau
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, Facts, SchedulerDef
from lrsched.schedules.stepper import Groups, Trace

LIBRARY = "timm"
VERSION = "1.0.31"

# what a timm scheduler is when something expects a torch LRScheduler
STANDALONE = ("is timm's, not a torch LRScheduler (timm's training loop steps it itself, with "
              "step(epoch) and step_update(num_updates))")

# timm redraws the noise until |noise| < noise_pct: refuse settings where that takes more than
# this many draws a step on average (timm would spin for minutes)
MAX_EXPECTED_DRAWS = 100_000


# ------------------------------------------------------------------------ constraints

@dataclass(frozen=True)
class NoiseRange(Constraint):
    """timm's ``noise_range_t``: null (no noise), a number (noise from that ``t`` on), or a
    list ``[start, end)``.  ``fractions``: the factory's ``noise``, the same in fractions of
    ``t_initial``, where a list of one is a start."""

    fractions: bool = False

    def __str__(self) -> str:
        if self.fractions:
            return ("null, a number (noise from that fraction of the schedule on) or a list of one or "
                    "two such numbers [start, end)")
        return "null, a number (noise from that step on) or a list of two numbers [start, end)"

    def check(self, value):
        if value is None:
            return None
        if is_number(value):
            return self._number(value)
        if isinstance(value, list) and len(value) in ((1, 2) if self.fractions else (2,)):
            return tuple(self._number(v) for v in value)
        self.fail(value)

    def _number(self, value):
        if not is_number(value) or not math.isfinite(value):
            raise SpecError(f"must be {self}, got {describe_value(value)}")
        return float(value) if type(value) is not int and type(value) is not float else value


@dataclass(frozen=True)
class Requires(Constraint):
    """``inner``, with what timm says about the value (``note``) added to its refusal:
    "must be an int in the range [1, inf), got 0 (timm asserts t_initial > 0)"."""

    inner: Constraint
    note: str

    def __str__(self) -> str:
        return str(self.inner)

    def check(self, value):
        try:
            return self.inner.check(value)
        except SpecError as exc:
            raise SpecError(f"{exc.message} ({self.note})") from None


def _sorted_list(p, key: str = "decay_t") -> None:
    values = p[key]
    if list(values) != sorted(values):
        raise SpecError(f"must be sorted, got {list(values)}: timm finds the decays with bisect, "
                        f"which assumes sorted milestones", key=key)


# ------------------------------------------------------------------------ keywords

def _warmup(prefix: bool | None) -> tuple:
    out = (Param("warmup_t", Requires(Int(0), "TanhLRScheduler asserts warmup_t >= 0; the others would hold "
                                                    "warmup_lr_init with no warmup"), 0,
                 "steps of linear warmup from warmup_lr_init (epochs, or updates "
                                        "with t_in_epochs false)"),
           Param("warmup_lr_init", Requires(Real(0), "TanhLRScheduler asserts warmup_lr_init >= 0"), 0.0,
                 "the lr the warmup starts from (row 0)"))
    if prefix is None:
        return out
    return out + (Param("warmup_prefix", Bool(), prefix,
                        "the warmup comes before the schedule (else it overlays its first warmup_t steps)"),)


_T_IN_EPOCHS = Param("t_in_epochs", Bool(), True,
                     "t counts epochs (step(epoch) after each epoch); false: updates (step_update)")


def _noise(seed_default=42, uniform: bool = False) -> tuple:
    out = [Param("noise_range_t", NoiseRange(), None,
                 "noise from this t on, or in [start, end); null: none")]
    if uniform:
        out.append(Param("noise_type", Choice(("normal", "uniform")), "normal",
                         "normal: torch.randn redrawn while |noise| >= noise_pct; uniform: in +-noise_pct"))
    out += [Param("noise_pct", Requires(Real(0, 1, low_closed=False, high_closed=False),
                                        "timm redraws until |noise| < noise_pct: at 0 or below it never "
                                        "stops, at 1 or above the lr can reach 0 or below"), 0.67,
                  "bound on |noise| (a normal draw is redrawn until below it)"),
            Param("noise_std", Real(), 1.0, "standard deviation of the normal noise"),
            Param("noise_seed", Maybe(Int()) if seed_default is None else Int(), seed_default,
                  "noise at t is drawn from a torch generator seeded noise_seed + t" +
                  (" (null: 42)" if seed_default is None else ""))]
    return tuple(out)


_INITIALIZE = Param("initialize", Bool(), True,
                    "set each group's initial_lr from its lr (false: every group must have initial_lr)")
_T_INITIAL = Param("t_initial", Requires(Int(1), "timm asserts t_initial > 0"), doc="length of the first cycle (epochs, or updates with t_in_epochs false)")
_LR_MIN = Param("lr_min", Requires(Real(0), "timm requires lr_min >= 0"), 0.0, "the lr at the end of each cycle")


def _cycles() -> tuple:
    return (Param("cycle_mul", Requires(Real(0, low_closed=False), "timm takes math.log(..., cycle_mul), "
                                                                   "which fails at 0 and below"), 1.0,
                  "each cycle is cycle_mul times longer"),
            Param("cycle_decay", Real(), 1.0, "each cycle starts from cycle_decay times the last peak"),
            Param("cycle_limit", Requires(Int(1), "TanhLRScheduler asserts cycle_limit >= 0; with 0 the lr "
                                                  "would be lr_min from the end of the warmup"), 1,
                  "cycles before the lr stays at lr_min"))


_K_DECAY = Param("k_decay", Real(), 1.0, "k-decay: t_curr ** k / t_i ** k in place of t_curr / t_i")


# ------------------------------------------------------------------------ vectorised pieces

class TimmFailure(Exception):
    """timm itself would raise at scheduler step ``t`` (``what``: the exception, ``why``)."""

    def __init__(self, t: int, what: str, why: str) -> None:
        super().__init__(why)
        self.t, self.what, self.why = t, what, why


def _each(fn: Callable, values: np.ndarray, t: np.ndarray, why: str) -> np.ndarray:
    """``fn`` in Python on each distinct value of ``values`` (as the Python int or float timm
    has there), as a float64 array like ``values``; an exception timm would raise (or a
    complex result, which no lr can be) is a :class:`TimmFailure` at the first ``t`` that
    meets it (the values are tried in the order the steps meet them)."""
    if values.size == 0:
        return np.empty(values.shape)
    distinct, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    out = np.empty(len(distinct))
    python = distinct.tolist()
    for j in np.argsort(first, kind="stable").tolist():
        try:
            r = fn(python[j])
            if isinstance(r, complex):
                raise TypeError("a complex number")
            out[j] = r
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise TimmFailure(int(t.flat[int(first[j])]), type(exc).__name__, f"{why} ({exc})") from None
    return out[inverse.reshape(values.shape)]


def _present(i: np.ndarray) -> list:
    """The distinct cycle numbers in ``i`` (non-negative ints), in order: by counting when
    they are few and small (a run's cycles), else by sorting."""
    if not len(i):
        return []
    top = int(i.max())
    if top <= 4 * len(i) + 1024:
        return np.flatnonzero(np.bincount(i)).tolist()
    return np.unique(i).tolist()


def _by_cycle(i: np.ndarray, table: dict) -> np.ndarray:
    """``table[c]`` (a float, or a row of floats) for every cycle number in ``i``."""
    keys = sorted(table)
    first = table[keys[0]]
    width = () if np.ndim(first) == 0 else (len(first),)
    if keys[-1] <= 4 * len(i) + 1024:
        full = np.zeros((keys[-1] + 1,) + width)
        for c in keys:
            full[c] = table[c]
        return full[i]
    values = np.array([table[c] for c in keys], dtype=np.float64).reshape((len(keys),) + width)
    return values[np.searchsorted(keys, i)]


def _cycle_index(p, tt: np.ndarray):
    """timm's cycle arithmetic for ``tt`` (t after the prefix warmup): the cycle ``i`` (int64),
    ``t_curr`` (int64 when cycle_mul is 1, else float64), and per cycle the Python values of
    ``t_i``; ``t_i`` of every row as float64."""
    ti0, cm = p["t_initial"], p["cycle_mul"]
    if cm == 1:
        i = tt // ti0
        return i, tt - ti0 * i, {c: ti0 for c in _present(i)}
    x = 1 - tt / ti0 * (1 - cm)
    if (x <= 0).any():
        first = int(tt[np.flatnonzero(x <= 0)[0]])
        raise TimmFailure(first, "ValueError", f"math.log of {float(x[x <= 0][0])!r} (cycle_mul "
                                               f"{cm!r} < 1: the cycles end before this step)")
    den = math.log(cm)
    ratio = np.log(x) / den
    i = np.floor(ratio)
    # NumPy's log may differ from math.log by an ulp: where that could move the floor, ask math
    near = np.flatnonzero(np.abs(ratio - np.round(ratio)) <= 1e-9 * np.maximum(1.0, np.abs(ratio)))
    for j in near.tolist():
        i[j] = math.floor(math.log(float(x[j]), cm))
    i = i.astype(np.int64)
    cycles = _present(i)
    t_i = {c: cm ** c * ti0 for c in cycles}
    offset = {c: (1 - cm ** c) / (1 - cm) * ti0 for c in cycles}
    t_curr = tt.astype(np.float64) - _by_cycle(i, offset)
    return i, t_curr, t_i


def _steps(t) -> np.ndarray:
    """Steps as an int64 array (a ``range``, the consecutive steps of a run, made one)."""
    return np.arange(t.start, t.stop, dtype=np.int64) if isinstance(t, range) else t


def _per_cycle(i: np.ndarray, table: dict):
    """``table[i]`` for every row (float64; one value when there is one cycle)."""
    if len(table) == 1:
        return float(next(iter(table.values())))
    return _by_cycle(i, {c: float(v) for c, v in table.items()})


def _progress(p, i, t_curr, t_i: dict, tt, *, pi: bool) -> np.ndarray:
    """``t_curr ** k / t_i ** k`` (cosine: ``math.pi * t_curr ** k / t_i ** k``) as timm
    evaluates it: vectorised when ``k`` is 1 (every power is then exact), else in Python."""
    k = p.get("k_decay", 1.0)
    ti = _per_cycle(i, t_i)
    if k == 1:
        num = t_curr.astype(np.float64)
        return (math.pi * num) / ti if pi else num / ti
    if np.issubdtype(t_curr.dtype, np.integer):          # one t_i: the distinct t_curr decide
        ti_one = p["t_initial"]

        def ratio(c):
            if isinstance(k, int) and k * math.log2(max(c, ti_one, 1)) > 1100:
                # timm builds the exact int t_curr ** k (for a huge k it never finishes), then
                # fails to make it a float
                raise OverflowError("int too large to convert to float")
            return math.pi * c ** k / ti_one ** k if pi else c ** k / ti_one ** k
        return _each(ratio, t_curr, tt, "t_curr ** k_decay")
    pairs = np.stack([t_curr, i.astype(np.float64)], axis=1)
    out = np.empty(len(t_curr))
    cache: dict = {}
    for j, (c, cyc) in enumerate(pairs.tolist()):
        ti_c = t_i[int(cyc)]
        key = (c, int(cyc))
        if key not in cache:
            try:
                r = math.pi * c ** k / ti_c ** k if pi else c ** k / ti_c ** k
                if isinstance(r, complex):
                    raise TypeError("a complex number")
            except (ArithmeticError, ValueError, TypeError) as exc:
                raise TimmFailure(int(tt[j]), type(exc).__name__, f"t_curr ** k_decay ({exc})") from None
            cache[key] = r
        out[j] = cache[key]
    return out


def _amplitudes(p, base: list, cycles, half: float | None, first_t) -> dict:
    """Per cycle c, each group's ``half * (lr_max - lr_min)`` (poly: ``lr_max - lr_min``), with
    ``lr_max = v * cycle_decay ** c`` in Python as timm computes it (``first_t(c)``: the first
    step of cycle c, for a failure)."""
    cd, lr_min = p["cycle_decay"], p["lr_min"]
    table = {}
    for c in cycles:
        try:
            peaks = [v * cd ** c for v in base]
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise TimmFailure(first_t(c), type(exc).__name__, f"cycle_decay ** {c} ({exc})") from None
        table[c] = [half * (m - lr_min) if half is not None else m - lr_min for m in peaks]
    return table


# The three cycle schedulers: lr = lr_min + amplitude(cycle) * factor(t_curr), the amplitude
# half * (lr_max - lr_min) (poly: no half).  Cosine and poly compute every cycle's lr_max,
# even past cycle_limit (a failure there is timm's too), tanh only the live cycles'; none of
# them evaluates the formula past cycle_limit.
_HALF = {"cosine": 0.5, "tanh": 0.5, "poly": None}


def _factor(kind: str, p, i: np.ndarray, t_curr: np.ndarray, t_i: dict, tt: np.ndarray) -> np.ndarray:
    """The part of the formula that depends on t_curr: cosine ``1 + cos(pi * t_curr ** k /
    t_i ** k)``, tanh ``1 - tanh(lb * (1 - tr) + ub * tr)``, poly ``(1 - t_curr ** k / t_i **
    k) ** power``."""
    if kind == "cosine":
        return 1 + np.cos(_progress(p, i, t_curr, t_i, tt, pi=True))
    if kind == "tanh":
        lb, ub = p["lb"], p["ub"]
        tr = t_curr.astype(np.float64) / _per_cycle(i, t_i)
        return 1 - _each(math.tanh, lb * (1. - tr) + ub * tr, tt, "math.tanh")
    power = p["power"]
    left = 1 - _progress(p, i, t_curr, t_i, tt, pi=False)
    return _each(lambda x: x ** power, left, tt, "(1 - t_curr / t_i) ** power")


def _cyclic(kind: str):
    """``main`` of CosineLRScheduler, TanhLRScheduler or PolyLRScheduler (after the warmup):
    fills ``out`` for the steps ``tt`` and returns the phase runs.  ``fast``: the cycle by
    cycle path where it applies (:func:`_cyclic_fast`), else this plain one, its reference."""
    half = _HALF[kind]

    def main(p, base: list, tt: np.ndarray, out: np.ndarray, fast: bool = True):
        if fast:
            runs = _cyclic_fast(kind, p, base, tt, out)
            if runs is not None:
                return runs
        tt = _steps(tt)
        i, t_curr, t_i = _cycle_index(p, tt)
        limit, lr_min = p["cycle_limit"], p["lr_min"]
        live = i < limit
        cycles = _present(i if kind != "tanh" else i[live])
        amps = _amplitudes(p, base, cycles, half, lambda c: int(tt[np.flatnonzero(i == c)[0]]))
        out[~live] = lr_min
        if live.any():
            f = _factor(kind, p, i[live], t_curr[live], t_i, tt[live])
            table = {c: amps[c] for c in amps if c < limit}
            out[live] = lr_min + _by_cycle(i[live], table) * f[:, None]
        return _runs(np.minimum(i, limit))
    return main


def _cyclic_fast(kind: str, p, base: list, tt: np.ndarray, out: np.ndarray):
    """The same rows when ``cycle_mul`` is 1 and ``tt`` is a run of consecutive steps (a
    standalone run's), cycle by cycle: the factor once for the t_curr a cycle has, then each
    cycle's rows as ``lr_min + amplitude * factor`` of their slice of it.  None where it does
    not apply, and where a step fails (the plain path then says at which, as timm would)."""
    n = len(tt)
    ti0, limit, lr_min = p["t_initial"], p["cycle_limit"], p["lr_min"]
    if p["cycle_mul"] != 1 or n < 2 or not isinstance(tt, range):
        return None
    t0 = tt.start
    i0, i1 = t0 // ti0, (t0 + n - 1) // ti0
    last_live = min(i1, limit - 1)
    if i1 - i0 > 10_000:
        return None
    try:
        amps = _amplitudes(p, base, range(i0, (i1 if kind != "tanh" else last_live) + 1), _HALF[kind],
                           lambda c: 0)
        lo = 0
        if last_live >= i0:
            lo = 0 if last_live > i0 else t0 - i0 * ti0
            hi = ti0 - 1 if (last_live > i0 or last_live < i1) else t0 + n - 1 - i0 * ti0
            t_curr = np.arange(lo, hi + 1, dtype=np.int64)
            f = _factor(kind, p, np.zeros(len(t_curr), dtype=np.int64), t_curr, {0: ti0}, t_curr)
    except TimmFailure:
        return None
    runs = []
    for c in range(i0, i1 + 1):
        a = max(t0, c * ti0) - t0
        if c >= limit:
            out[a:] = lr_min
            runs.append((a, limit))
            break
        b = min(t0 + n, (c + 1) * ti0) - t0
        start = t0 + a - c * ti0 - lo
        piece = f[start:start + b - a]
        for g, amp in enumerate(amps[c]):
            column = out[a:b, g]
            np.multiply(piece, amp, out=column)
            column += lr_min
        runs.append((a, c))
    return runs


# ------------------------------------------------------------------------ _get_lr of each class

_cosine, _tanh, _poly = _cyclic("cosine"), _cyclic("tanh"), _cyclic("poly")


def _decays(p, base: list, count: np.ndarray, tt: np.ndarray, out: np.ndarray) -> list:
    """``v * decay_rate ** count`` for each row's count of decays, in Python per count (in the
    order the steps meet them: a failure is timm's at its first step)."""
    rate = p["decay_rate"]
    distinct, first, inverse = np.unique(count, return_index=True, return_inverse=True)
    table = np.empty((len(distinct), len(base)))
    python = distinct.tolist()
    for j in np.argsort(first, kind="stable").tolist():
        try:
            table[j] = [v * rate ** python[j] for v in base]
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise TimmFailure(int(tt[first[j]]), type(exc).__name__,
                              f"decay_rate ** {python[j]!r} ({exc})") from None
    out[:] = table[inverse.ravel()]
    return _runs(count)


def _step(p, base: list, tt: np.ndarray, out: np.ndarray, fast: bool = True) -> list:
    tt = _steps(tt)
    decay_t = p["decay_t"]
    if isinstance(decay_t, int):
        count = tt // decay_t
    else:       # Python's float floor division (NumPy's floor_divide is the same algorithm)
        count = np.floor_divide(tt.astype(np.float64), float(decay_t))
    return _decays(p, base, count, tt, out)


def _multistep(p, base: list, tt: np.ndarray, out: np.ndarray, fast: bool = True) -> list:
    tt = _steps(tt)
    # timm: bisect_right(decay_t, t + 1): a milestone m applies from t = m - 1
    count = np.searchsorted(np.asarray(p["decay_t"], dtype=np.int64), tt + 1, side="right")
    return _decays(p, base, count, tt, out)


_STABLE = ("constant", "rsqrt", "power")
_DECAY = ("linear", "1-sqrt", "cosine", "power", "exp")


def _wsd_timescale(p):
    if p["stable_fn"] == "constant":
        return p["stable_timescale"]
    return p["warmup_t"] if p["stable_timescale"] is None else p["stable_timescale"]


def _wsd(p, base: list, t_s: np.ndarray, result: np.ndarray, fast: bool = True) -> list:
    t_s = _steps(t_s)
    lr_min = p["lr_min"]
    n = len(base)
    if p["stable_fn"] == "constant":
        stable = np.broadcast_to(np.asarray(base, dtype=np.float64), (len(t_s), n)) * 1.
    else:
        power = 0.5 if p["stable_fn"] == "rsqrt" else p["stable_power"]
        scale = _wsd_timescale(p)
        factor = _each(lambda s: (1. + s / scale) ** -power, t_s, t_s, "the stable function")
        stable = np.asarray(base, dtype=np.float64)[None, :] * factor[:, None]
    # Python's max(x, lr_min) keeps x unless lr_min is larger
    stable = np.where(lr_min > stable, float(lr_min), stable)
    t_decay = t_s - (p["t_initial"] - p["decay_t"])
    phase = np.where(t_decay <= 0, 0, np.where(t_decay < p["decay_t"], 1, 2))
    result[:] = stable
    late = t_decay > 0
    if late.any():
        ratio = t_decay[late] / p["decay_t"]
        frac = np.where(1. < ratio, 1., ratio)              # min(t_decay / decay_t, 1.)
        fn = p["decay_fn"]
        if fn == "linear":
            decay = 1. - frac
        elif fn == "1-sqrt":
            decay = 1. - np.sqrt(frac)
        elif fn == "cosine":
            decay = 0.5 * (1. + np.cos(math.pi * frac))
        elif fn == "power":
            dp = p["decay_power"]
            decay = 1. - _each(lambda f: f ** dp, frac, t_s[late], "frac ** decay_power")
        else:
            r = p["decay_ratio"]
            decay = (_each(lambda f: r ** f, frac, t_s[late], "decay_ratio ** frac") - r) / (1. - r)
        result[late] = lr_min + (stable[late] - lr_min) * decay[:, None]
    return _runs(phase)


# ------------------------------------------------------------------------ runs

def _base_values(p, groups: Groups) -> np.ndarray:
    """timm's ``base_values``: each group's ``initial_lr``, set from its lr unless
    ``initialize`` is false (then every group must carry one)."""
    if p.get("initialize", True):
        return groups.base_lrs(-1)
    for i, ini in enumerate(groups.initial_lr):
        if ini is None:
            raise SpecError(f"param group {i} has no initial_lr, which timm requires with initialize: "
                            f"false (KeyError: initial_lr missing from param_groups[{i}]); add "
                            f"`initial_lr:` to optimizer.param_groups[{i}] or drop initialize",
                            key="initialize")
    return np.array(groups.initial_lr, dtype=np.float64)


def lr_scales(groups: Groups) -> list:
    """Each group's ``lr_scale`` (None where it has none)."""
    return [(groups.extra[i].get("lr_scale") if i < len(groups.extra) else None) for i in range(groups.n)]


def _scale(values: np.ndarray, scales: list) -> np.ndarray:
    """``update_groups``: ``value * lr_scale`` in the groups that have one."""
    for j, s in enumerate(scales):
        if s is not None:
            values[:, j] = values[:, j] * s
    return values


def noise_on(p, t: np.ndarray) -> np.ndarray:
    """timm's ``_is_apply_noise`` at each ``t``."""
    r = p["noise_range_t"]
    if r is None:
        return np.zeros(len(t), dtype=bool)
    if isinstance(r, tuple):
        return (r[0] <= t) & (t < r[1])
    return t >= r


def noise(p, t: np.ndarray) -> np.ndarray:
    """timm's ``_calculate_noise(t)`` at each ``t`` (a generator seeded ``noise_seed + t``)."""
    seed = 42 if p["noise_seed"] is None else p["noise_seed"]
    seeds = np.asarray(t, dtype=np.int64) + seed
    if p.get("noise_type", "normal") == "normal":
        return torchrand.bounded_normal_noise(seeds, p["noise_std"], p["noise_pct"])
    return torchrand.uniform_noise(seeds, p["noise_pct"])


def _check_noise(p) -> None:
    """Refuse a noise bound that timm would take practically for ever to draw under."""
    if p.get("noise_type", "normal") != "normal" or p["noise_std"] == 0:
        return
    accept = math.erf(p["noise_pct"] / (abs(p["noise_std"]) * math.sqrt(2.0)))
    if accept * MAX_EXPECTED_DRAWS < 1:
        raise SpecError(f"with noise_std {p['noise_std']!r}, a draw falls within noise_pct "
                        f"{p['noise_pct']!r} about once in {1 / accept:.3g} tries, and timm redraws "
                        f"until one does, every step; raise noise_pct or lower noise_std",
                        key="noise_pct")


def _add_noise(p, t: np.ndarray, values: np.ndarray) -> np.ndarray:
    """timm's ``_add_noise``: ``v + v * noise`` where the range says so."""
    if p["noise_range_t"] is None:
        return values
    t = _steps(t)
    on = noise_on(p, t)
    if on.any():
        _check_noise(p)
        n = noise(p, t[on])[:, None]
        values[on] = values[on] + values[on] * n
    return values


def _runs(phase: np.ndarray) -> list:
    """The phase of every row as runs: [(first row, phase), ...]."""
    if len(phase) == 0:
        return []
    starts = np.concatenate(([0], np.flatnonzero(phase[1:] != phase[:-1]) + 1))
    return list(zip(starts.tolist(), phase[starts].tolist()))


def timm_lr(main: Callable, p, base: np.ndarray, t: np.ndarray, out: np.ndarray | None = None, *,
            prefix: bool | None = None, target: Callable | None = None, fast: bool = True):
    """``_get_lr(t)`` for every ``t`` (an ascending int64 array, or a ``range``: a run's
    consecutive steps): the warmup, then ``main`` (the class's formula) on ``t`` less the
    warmup when it is a prefix; written to ``out`` (len(t), groups), returned with the phase
    runs.  ``fast=False``: the plain computation everywhere (the fast paths' reference)."""
    prefix = p["warmup_prefix"] if prefix is None else prefix
    base_list = base.tolist()
    wt, wli = p["warmup_t"], p["warmup_lr_init"]
    if out is None:
        out = np.empty((len(t), len(base_list)))
    if isinstance(t, range):                         # t < warmup_t: the first k steps
        k = max(0, min(len(t), wt - t.start))
    else:
        k = int(np.searchsorted(t, wt))
    runs = []
    if k:
        goal = base_list if target is None or prefix else target(p, base_list)
        steps = np.array([(v - wli) / wt for v in goal], dtype=np.float64)
        np.multiply(_steps(t[:k])[:, None].astype(np.float64), steps, out=out[:k])
        out[:k] += wli
        runs.append((0, -1))
    if k < len(t):
        tt = t[k:]
        if prefix:
            tt = range(tt.start - wt, tt.stop - wt) if isinstance(tt, range) else tt - wt
        if not fast:
            tt = _steps(tt)
        runs += [(k + r, phase) for r, phase in main(p, base_list, tt, out[k:], fast)]
    return out, runs


def _tanh_target(p, base_list: list) -> list:
    """TanhLRScheduler warms up (without a prefix) to ``_get_lr(warmup_t)``, not to the base."""
    values = np.empty((1, len(base_list)))
    _tanh(p, base_list, np.array([p["warmup_t"]], dtype=np.int64), values)
    return values[0].tolist()


def _markers(runs: list, first_phase) -> tuple:
    """Rows (1-based scheduler rows) where the phase changes."""
    out, last = [], first_phase
    for row, phase in runs:
        if phase != last:
            out.append(row + 1)
        last = phase
    return tuple(out)


def _runner(main: Callable, *, prefix: bool | None = None, target: Callable | None = None):
    def compute(p, groups: Groups, rows: int, fast: bool = True) -> Trace:
        """Row 0: the constructor (``update_groups(base_values)``, then ``warmup_lr_init`` when
        there is a warmup); row j: ``_get_lr(j)`` with noise, times each group's lr_scale."""
        base = _base_values(p, groups)
        scales = lr_scales(groups)
        lr = np.empty((rows, groups.n))
        lr[0] = p["warmup_lr_init"] if p["warmup_t"] else base
        t = range(1, rows)
        try:
            _, runs = timm_lr(main, p, base, t, lr[1:], prefix=prefix, target=target, fast=fast)
            _add_noise(p, t, lr[1:])
            _, first = timm_lr(main, p, base, np.zeros(1, dtype=np.int64), prefix=prefix, target=target)
        except TimmFailure as failure:
            raise SpecError(f"timm raises {failure.what} at t = {failure.t}: {failure.why}") from None
        return Trace(_scale(lr, scales), None, _markers(runs, first[0][1]))
    return compute


def _plateau(p, groups: Groups, rows: int) -> Trace:
    """PlateauLRScheduler: ``step(epoch, metric)`` sets the warmup's lr while ``epoch <=
    warmup_t``; afterwards it steps torch's ReduceLROnPlateau (built in the constructor, on
    the groups' lr) with the metric, then adds noise, which the next step takes off again."""
    base = _base_values(p, groups)
    scales = lr_scales(groups)
    wt, wli = p["warmup_t"], p["warmup_lr_init"]
    lr = np.empty((rows, groups.n))
    lr[0] = wli if wt else base
    lr[0] = _scale(lr[:1], scales)[0]
    if rows == 1:
        return Trace(lr)
    if p["metrics"] is None:
        raise SpecError(f"PlateauLRScheduler needs the metric it watches: add `metrics:` with {rows - 1} "
                        f"numbers (the value passed to step(epoch + 1, metric) after each epoch) or an "
                        f"expression in epoch", key="metrics")
    values = metric_values(p, rows)             # the metric passed to step(e) is values[e - 1]
    last_warm = min(wt, rows - 1)
    if wt:
        steps = [(v - wli) / wt for v in base.tolist()]
        e = np.arange(1, last_warm + 1, dtype=np.float64)[:, None]
        lr[1:last_warm + 1] = _scale(wli + e * np.array(steps), scales)
    markers: tuple = (last_warm,) if 0 < last_warm < rows - 1 else ()
    if last_warm < rows - 1:
        inner = {"mode": p["mode"], "factor": p["decay_rate"], "patience": p["patience_t"],
                 "threshold": p["threshold"], "threshold_mode": "rel", "cooldown": p["cooldown_t"],
                 "min_lr": p["lr_min"], "eps": 1e-8, "metrics": MetricList(values[last_warm:].tolist())}
        start = Groups(groups.optimizer, lr[last_warm].copy(), groups.initial_lr, None, None)
        run = reduce_lr_on_plateau(inner, start, rows - last_warm)
        lr[last_warm:] = run.lr
        markers += tuple(m + last_warm for m in run.markers)
        e = np.arange(last_warm + 1, rows, dtype=np.int64)
        on = noise_on(p, e)
        if on.any():
            _check_noise(p)
            rows_on = e[on]
            lr[rows_on] = lr[rows_on] + lr[rows_on] * noise(p, rows_on)[:, None]
    return Trace(lr, None, markers)


def _interval(p) -> tuple:
    if p["t_in_epochs"]:
        return "epoch", "t_in_epochs: true: timm's training loop calls step(epoch + 1) after each epoch"
    return "step", "t_in_epochs: false: timm's training loop calls step_update(num_updates) after each update"


def _plateau_interval(p) -> tuple:
    return "epoch", "timm's PlateauLRScheduler acts in step(epoch + 1, metric) after each epoch only"


# ------------------------------------------------------------------------ checks

def _check_tanh(p) -> None:
    if not p["lb"] < p["ub"]:
        raise SpecError(f"lb ({p['lb']!r}) must be below ub ({p['ub']!r}): timm asserts lb < ub", key="lb")


def _check_wsd(p) -> None:
    if not 0 < p["decay_t"] <= p["t_initial"]:
        raise SpecError(f"must be in (0, t_initial] = (0, {p['t_initial']}], got {p['decay_t']!r} (timm: "
                        f"Invalid decay_t, must be in (0, t_initial])", key="decay_t")
    if p["stable_fn"] != "constant":
        scale = _wsd_timescale(p)
        if scale <= 0:
            raise SpecError(f"stable_fn {p['stable_fn']!r} needs a positive stable_timescale; it defaults "
                            f"to warmup_t ({p['warmup_t']}): set it when there is no warmup (timm raises "
                            f"ValueError)", key="stable_timescale")


# ------------------------------------------------------------------------ definitions

def cycle_length(p) -> int:
    """timm's ``get_cycle_length()`` (cycles: ``cycle_limit``) of the cosine, tanh and poly
    schedulers: ``t_initial * cycles`` (cycle_mul 1), else ``int(floor(-t_initial *
    (cycle_mul ** cycles - 1) / (1 - cycle_mul)))``; plus a prefix warmup."""
    cycles = max(1, p["cycle_limit"])
    cm, ti = p["cycle_mul"], p["t_initial"]
    if cm == 1.0:
        t = ti * cycles
    else:
        t = int(math.floor(-ti * (cm ** cycles - 1) / (1 - cm)))
    return t + p["warmup_t"] if p["warmup_prefix"] else t


# ------------------------------------------------------------------------ what lint knows

def _lint_horizon(spec):
    """Where the curve ends, in timm's t (the scheduler's rows): the cycles' length (and a
    prefix warmup), WSD's warmup + t_initial."""
    p = spec.params
    if "stable_fn" in p:
        return p["warmup_t"] + p["t_initial"]
    try:
        return cycle_length(p)
    except (ArithmeticError, ValueError):
        return None


def _lint_counts(*names: str):
    def counts(spec) -> tuple:
        out = []
        for name in names:
            value = spec.params.get(name)
            if isinstance(value, tuple):
                out += [(spec.path + (name, i), v) for i, v in enumerate(value)]
            elif value:
                out.append((spec.path + (name,), value))
        return tuple(out)
    return counts


def _lint_changes(spec) -> tuple:
    """Where a decay first shows: StepLRScheduler at ceil(decay_t), MultiStepLRScheduler at
    each milestone - 1 (timm's t + 1), both after a prefix warmup."""
    p = spec.params
    shift = p["warmup_t"] if p["warmup_prefix"] else 0
    if isinstance(p["decay_t"], tuple):
        return tuple((spec.path + ("decay_t", i), max(m - 1, 0) + shift) for i, m in enumerate(p["decay_t"]))
    return ((spec.path + ("decay_t",), math.ceil(p["decay_t"]) + shift),)


def _lint_warmup(spec):
    w = spec.params.get("warmup_t")
    return (spec.path + ("warmup_t",), w) if w else None


# timm sets the lr outright at every step; a non-prefix warmup's missing peak is not declared
# (lint's peak is per group's lr, and lr_scale would make layer-wise decay look like a miss)
_CYCLE_FACTS = Facts(_lint_horizon, NO_PEAK, True, counts=_lint_counts("t_initial", "warmup_t"),
                     warmup=_lint_warmup, factors=("cycle_decay",), floors=("lr_min",))
_STEP_FACTS = Facts(NO_HORIZON, NO_PEAK, True, counts=_lint_counts("decay_t", "warmup_t"), changes=_lint_changes,
                    warmup=_lint_warmup, factors=("decay_rate",))
_PLATEAU_FACTS = Facts(NO_HORIZON, NO_PEAK, True, counts=_lint_counts("warmup_t"), warmup=_lint_warmup,
                       floors=("lr_min",))
_WSD_FACTS = Facts(_lint_horizon, NO_PEAK, True, counts=_lint_counts("t_initial", "decay_t", "warmup_t"),
                   warmup=_lint_warmup, floors=("lr_min",))


def _example(kind: str, **keywords) -> dict:
    return {"lr": 0.1, "epochs": keywords.pop("epochs", 30), "scheduler": {"type": f"timm.{kind}", **keywords}}


_CYCLE_FORMULA = ("after the warmup (wli + t * (lr - wli) / warmup_t for t < warmup_t; t -= warmup_t with "
                  "warmup_prefix), cycle i of length t_i = t_initial * cycle_mul ** i peaks at "
                  "lr * cycle_decay ** i; lr_min from cycle_limit on")

DEFINITIONS = (
    SchedulerDef(
        "CosineLRScheduler", "timm's cosine decay with warmup, restarts (cycles), k-decay and noise",
        (_T_INITIAL, _LR_MIN, *_cycles(), *_warmup(False), _T_IN_EPOCHS, *_noise(), _K_DECAY, _INITIALIZE),
        compute=_runner(_cosine),
        formula="lr = lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(pi * t_curr ** k / t_i ** k)); "
                + _CYCLE_FORMULA,
        example=_example("CosineLRScheduler", t_initial=30, lr_min=1e-4, warmup_t=3, warmup_lr_init=1e-4,
                         epochs=30),
        library=LIBRARY, interval=_interval, standalone=STANDALONE, facts=_CYCLE_FACTS,
    ),
    SchedulerDef(
        "TanhLRScheduler", "timm's hyperbolic-tangent decay with warmup, restarts and noise",
        (_T_INITIAL, Param("lb", Real(), -7.0, "tanh's argument at the start of a cycle"),
         Param("ub", Real(), 3.0, "tanh's argument at the end of a cycle"), _LR_MIN, *_cycles(),
         *_warmup(False), _T_IN_EPOCHS, *_noise(), _INITIALIZE),
        compute=_runner(_tanh, target=_tanh_target),
        formula="lr = lr_min + 0.5 * (lr_max - lr_min) * (1 - tanh(lb * (1 - t_curr / t_i) + ub * t_curr / t_i)); "
                + _CYCLE_FORMULA + " (without a prefix the warmup climbs to _get_lr(warmup_t))",
        example=_example("TanhLRScheduler", t_initial=30, lr_min=1e-4, warmup_t=3, epochs=30),
        check=_check_tanh, library=LIBRARY, interval=_interval, standalone=STANDALONE, facts=_CYCLE_FACTS,
    ),
    SchedulerDef(
        "StepLRScheduler", "timm's step decay: the lr times decay_rate every decay_t, with warmup and noise",
        (Param("decay_t", Requires(Real(0, low_closed=False), "timm computes t // decay_t: 0 divides by "
                                                              "zero, below 0 the lr grows"), doc="steps between decays"),
         Param("decay_rate", Real(), 1.0, "factor of each decay"), *_warmup(True), _T_IN_EPOCHS,
         *_noise(), _INITIALIZE),
        compute=_runner(_step),
        formula="lr = lr0 * decay_rate ** (t // decay_t) (t less warmup_t with warmup_prefix)",
        example=_example("StepLRScheduler", decay_t=10, decay_rate=0.5, warmup_t=2, epochs=30),
        library=LIBRARY, interval=_interval, standalone=STANDALONE, facts=_STEP_FACTS,
    ),
    SchedulerDef(
        "MultiStepLRScheduler", "timm's decay at milestones, one step early (t + 1 >= milestone), with warmup",
        (Param("decay_t", IntList(), doc="the milestones (sorted)"),
         Param("decay_rate", Real(), 1.0, "factor of each decay"), *_warmup(True), _T_IN_EPOCHS,
         *_noise(), _INITIALIZE),
        compute=_runner(_multistep),
        formula="lr = lr0 * decay_rate ** bisect_right(decay_t, t + 1) (t less warmup_t with warmup_prefix)",
        example=_example("MultiStepLRScheduler", decay_t=[10, 20], decay_rate=0.1, epochs=30),
        check=_sorted_list, library=LIBRARY, interval=_interval, standalone=STANDALONE, facts=_STEP_FACTS,
    ),
    SchedulerDef(
        "PolyLRScheduler", "timm's polynomial decay with warmup, restarts, k-decay and noise",
        (_T_INITIAL, Param("power", Real(), 0.5, "the polynomial's power"), _LR_MIN, *_cycles(),
         *_warmup(False), _T_IN_EPOCHS, *_noise(), _K_DECAY, _INITIALIZE),
        compute=_runner(_poly),
        formula="lr = lr_min + (lr_max - lr_min) * (1 - t_curr ** k / t_i ** k) ** power; " + _CYCLE_FORMULA,
        example=_example("PolyLRScheduler", t_initial=30, power=2.0, warmup_t=3, epochs=30),
        library=LIBRARY, interval=_interval, standalone=STANDALONE, facts=_CYCLE_FACTS,
    ),
    SchedulerDef(
        "PlateauLRScheduler", "timm's wrapper of ReduceLROnPlateau, with warmup and noise (per epoch)",
        (Param("decay_rate", Requires(Real(high=1.0, high_closed=False),
                                      "torch's ReduceLROnPlateau, its factor: Factor should be < 1.0."), 0.1,
               "new lr = lr * decay_rate (torch's factor: below 1)"),
         Param("patience_t", Int(), 10, "bad epochs tolerated; the lr is cut when they exceed it"),
         Param("threshold", Real(), 1e-4, "how much better a metric must be to count (relative)"),
         Param("cooldown_t", Int(), 0, "epochs after a cut during which bad epochs are not counted"),
         *_warmup(None), Param("lr_min", Real(), 0.0, "lower bound on the lr"),
         Param("mode", Choice(("min", "max")), "max", "whether lower or higher metrics are better"),
         *_noise(None, uniform=True), _INITIALIZE),
        compute=_plateau,
        formula="warmup while epoch <= warmup_t; then ReduceLROnPlateau(factor=decay_rate, patience=patience_t, "
                "threshold, cooldown=cooldown_t, mode, min_lr=lr_min).step(metric), noise on top",
        example={"lr": 0.1, "epochs": 30,
                 "scheduler": {"type": "timm.PlateauLRScheduler", "patience_t": 2, "decay_rate": 0.5,
                               "mode": "min", "metrics": "1 / (epoch + 1) if epoch < 8 else 0.125"}},
        extra_keys=(Param("metrics", Metrics(), None,
                          "the metric after each epoch (epochs - 1 values) or an expression in epoch"),),
        library=LIBRARY, interval=_plateau_interval, standalone=STANDALONE, facts=_PLATEAU_FACTS,
    ),
    SchedulerDef(
        "WSDLRScheduler", "timm's warmup-stable-decay: warmup, a stable phase, a decay over the last decay_t",
        (_T_INITIAL, Param("decay_t", Requires(Int(1), "timm: decay_t must be in (0, t_initial]"),
                           doc="length of the decay phase, the last decay_t of t_initial"),
         _LR_MIN, Param("stable_fn", Choice(_STABLE), "constant", "the stable phase: constant, rsqrt or power"),
         Param("stable_timescale", Maybe(Real()), None, "timescale of rsqrt/power (null: warmup_t)"),
         Param("stable_power", Requires(Real(0, low_closed=False), "timm: stable_power must be > 0"), 0.5,
               "exponent of the power stable function"),
         Param("decay_fn", Choice(_DECAY), "1-sqrt", "the decay: linear, 1-sqrt, cosine, power or exp"),
         Param("decay_power", Requires(Real(0, low_closed=False), "timm: decay_power must be > 0"), 0.5,
               "exponent of the power decay"),
         Param("decay_ratio", Requires(Real(0, 1, low_closed=False, high_closed=False),
                                       "timm: decay_ratio must be in (0, 1)"), 0.1,
               "final fraction of the exp decay (before normalising)"),
         *_warmup(None), _T_IN_EPOCHS, *_noise(), _INITIALIZE),
        compute=_runner(_wsd, prefix=True),
        formula="lr = lr_min + (max(lr0 * stable(t_s), lr_min) - lr_min) * decay(min(t_decay / decay_t, 1)), "
                "t_s = t - warmup_t, t_decay = t_s - (t_initial - decay_t); linear warmup first",
        example=_example("WSDLRScheduler", t_initial=30, decay_t=10, warmup_t=3, epochs=33),
        check=_check_wsd, library=LIBRARY, interval=_interval, standalone=STANDALONE, facts=_WSD_FACTS,
    ),
)

# create_scheduler_v2's `sched` names (and train.py's --sched) for the classes
SCHED_NAMES = {"cosine": "CosineLRScheduler", "tanh": "TanhLRScheduler", "step": "StepLRScheduler",
               "constant": "StepLRScheduler", "multistep": "MultiStepLRScheduler", "poly": "PolyLRScheduler",
               "plateau": "PlateauLRScheduler", "wsd": "WSDLRScheduler", "rsqrt": "WSDLRScheduler"}
DEFINITIONS = tuple(replace(d, aliases=tuple(s for s, c in SCHED_NAMES.items() if c == d.name),
                            group_keys=("lr_scale",)) for d in DEFINITIONS)

__all__ = ["DEFINITIONS", "LIBRARY", "VERSION", "SCHED_NAMES", "NoiseRange", "Requires", "lr_scales", "noise", "noise_on",
           "timm_lr"]
