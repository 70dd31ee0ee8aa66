"""Hugging Face transformers' schedules (transformers 5.24.0), as ``get_scheduler`` builds them.

Ten of the twelve ``SchedulerType`` values are a torch ``LambdaLR`` whose lambda HF writes in
Python floats with :mod:`math`; torch 2.13's LambdaLR sets every group to

    lr_t = initial_lr * lr_lambda(t)

Each lambda below is HF's (``transformers/optimization.py``), transcribed operation by
operation over the whole run's steps at once, in HF's order and with HF's int/float
conversions, so every value is bit for bit HF's -- quirks included: a warmup's first lr is
0; the cosines are not clamped and rise again after ``num_training_steps``;
``cosine_warmup_with_min_lr`` counts its steps from 1.  ``reduce_lr_on_plateau`` is torch's
ReduceLROnPlateau (:mod:`lrsched.schedules.plateau`), and ``greedy`` is HF's ``GreedyLR``, a
state machine driven by the metric, run in Python floats step by step as HF runs it.

``get_scheduler``'s ``num_warmup_steps`` and ``num_training_steps`` are keywords of every type
(for some it ignores them, as HF does); ``num_training_steps`` defaults to the run's rows.
The rest are each function's own keywords, with HF's defaults; HF's refusals are spec errors
that say what HF raises.  These schedulers step after every optimizer update.

The Trainer form (``transformers:`` in a spec, :func:`trainer_form`) is the Trainer's own
arithmetic: updates per epoch, ``N`` and ``W`` from ``TrainingArguments`` keys, then
``get_scheduler(lr_scheduler_type, optimizer, W, N, lr_scheduler_kwargs)``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from lrsched.constraints import (REQUIRED, Bool, Choice, Int, Maybe, Metrics, Param, PerGroup,
                                 Real, Str, describe_value, is_number)
from lrsched.errors import SpecError
from lrsched.records import dataclass
from lrsched.schedules import plateau
from lrsched.schedules.affine import Ops
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, RUN_LENGTH, Facts, SchedulerDef
from lrsched.schedules.stepper import LAST_EPOCH, Groups, Leaf, Trace
from lrsched.suggest import did_you_mean, unknown

LIBRARY = "transformers"
VERSION = "5.24.0"


# ------------------------------------------------------------------------ the lambdas
# Each takes the steps ``s`` (consecutive int64, ascending) and returns lr_lambda(s) as
# float64.  Ints stay ints where HF's do (``num_training_steps - current_step``) and become
# floats where HF calls float(); every int here is below 2**53, so NumPy's conversions are
# exact and each division or product rounds once, as HF's does.

def _cut(s: np.ndarray, bound) -> int:
    """How many of the consecutive steps ``s`` are below ``bound``."""
    if len(s) == 0:
        return 0
    return int(min(max(math.ceil(bound - s[0]), 0), len(s)))


def _positive(x: np.ndarray) -> np.ndarray:
    """Python's ``max(0.0, x)`` (and ``max(0, x)``): x where x > 0, else 0."""
    return np.where(x > 0.0, x, 0.0)


def _warmup(s: np.ndarray, warmup) -> np.ndarray:
    """``float(current_step) / float(max(1, num_warmup_steps))``."""
    return s.astype(np.float64) / float(max(1, warmup))


def _progress(s: np.ndarray, warmup, total) -> np.ndarray:
    """``float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))``."""
    return (s - warmup).astype(np.float64) / float(max(1, total - warmup))


def _split(s, bound, below, above) -> np.ndarray:
    """``below(part)`` for the steps under ``bound``, ``above(part)`` for the rest."""
    k = _cut(s, bound)
    out = np.empty(len(s))
    if k:
        out[:k] = below(s[:k])
    if k < len(s):
        out[k:] = above(s[k:])
    return out


def linear(s, p, lr_init):
    w, n = p["num_warmup_steps"], p["num_training_steps"]
    return _split(s, w, lambda a: _warmup(a, w),
                  lambda a: _positive((n - a).astype(np.float64) / float(max(1, n - w))))


def cosine(s, p, lr_init):
    w, n = p["num_warmup_steps"], p["num_training_steps"]
    k = math.pi * float(p["num_cycles"]) * 2.0
    return _split(s, w, lambda a: _warmup(a, w),
                  lambda a: _positive(0.5 * (1.0 + np.cos(k * _progress(a, w, n)))))


def cosine_with_restarts(s, p, lr_init):
    w, n, cycles = p["num_warmup_steps"], p["num_training_steps"], float(p["num_cycles"])

    def decay(a):
        progress = _progress(a, w, n)
        value = _positive(0.5 * (1.0 + np.cos(math.pi * np.remainder(cycles * progress, 1.0))))
        return np.where(progress >= 1.0, 0.0, value)

    return _split(s, w, lambda a: _warmup(a, w), decay)


def polynomial(s, p, lr_init):
    w, n, lr_end, power = p["num_warmup_steps"], p["num_training_steps"], p["lr_end"], p["power"]

    def decay(a):                      # steps >= w, up to n; after n: lr_end / lr_init
        k = _cut(a, n + 1)
        out = np.full(len(a), lr_end / lr_init)
        if k:
            lr_range, decay_steps = lr_init - lr_end, n - w
            if decay_steps == 0:
                raise SpecError(f"num_training_steps equals num_warmup_steps ({n}), so HF's "
                                f"polynomial decay divides by zero at step {n} (ZeroDivisionError: "
                                "decay_steps = num_training_steps - num_warmup_steps); make "
                                "num_training_steps larger", key="num_training_steps")
            pct = 1 - (a[:k] - w).astype(np.float64) / float(decay_steps)
            try:   # Python's float ** (NumPy's array power differs in the last bit at times)
                powers = np.array([x ** power for x in pct.tolist()], dtype=np.float64)
            except ZeroDivisionError:
                raise SpecError(f"power {power!r} is negative, so at step {n} HF computes "
                                "0.0 ** power (ZeroDivisionError); use power >= 0", key="power") from None
            except OverflowError:
                raise SpecError(f"power {power!r} makes HF's pct_remaining ** power overflow "
                                "(OverflowError)", key="power") from None
            out[:k] = (lr_range * powers + lr_end) / lr_init
        return out

    return _split(s, w, lambda a: _warmup(a, w), decay)


def constant(s, p, lr_init):
    return np.ones(len(s))


def constant_with_warmup(s, p, lr_init):
    w = p["num_warmup_steps"]
    return _split(s, w, lambda a: a.astype(np.float64) / float(max(1.0, w)), lambda a: np.ones(len(a)))


def inverse_sqrt(s, p, lr_init):
    w, timescale = p["num_warmup_steps"], p["timescale"]
    if timescale is None:
        timescale = w or 10_000
    shift = timescale - w

    def decay(a):
        if isinstance(shift, int) and isinstance(timescale, int):   # (int + int) / int
            return 1.0 / np.sqrt((a + shift).astype(np.float64) / float(timescale))
        return 1.0 / np.sqrt((a.astype(np.float64) + shift) / timescale)

    return _split(s, w, lambda a: _warmup(a, w), decay)


def min_lr_rate(p, lr_init):
    """``min_lr_rate`` as HF derives it: ``min_lr / optimizer.defaults["lr"]`` when min_lr is given."""
    if p["min_lr"] is None:
        return p["min_lr_rate"]
    if lr_init == 0:
        raise SpecError("min_lr is divided by the optimizer's lr, which is 0 (HF: ZeroDivisionError); "
                        "give min_lr_rate instead", key="min_lr")
    return p["min_lr"] / lr_init


def cosine_with_min_lr(s, p, lr_init):
    w, n, rate = p["num_warmup_steps"], p["num_training_steps"], min_lr_rate(p, lr_init)
    k = math.pi * float(p["num_cycles"]) * 2.0

    def decay(a):
        factor = 0.5 * (1.0 + np.cos(k * _progress(a, w, n)))
        return _positive(factor * (1 - rate) + rate)

    return _split(s, w, lambda a: _warmup(a, w), decay)


def cosine_warmup_with_min_lr(s, p, lr_init):
    # HF converts the step and both counts to float first
    w, n = float(p["num_warmup_steps"]), float(p["num_training_steps"])
    rate, warmup_rate = min_lr_rate(p, lr_init), p["warmup_lr_rate"]
    k = math.pi * p["num_cycles"] * 2.0

    def warmup(a):
        x = a.astype(np.float64)
        if warmup_rate is None:
            return (x + 1.0) / max(1.0, w)
        r = float(warmup_rate)
        return r + (1.0 - r) * x / max(1, w - 1)

    def decay(a):
        progress = (a.astype(np.float64) - w + 1.0) / max(1.0, n - w)
        factor = 0.5 * (1.0 + np.cos(k * progress))
        return _positive(factor * (1 - rate) + rate)

    return _split(s, w, warmup, decay)


def _wsd_stable(p) -> int:
    stable = p["num_stable_steps"]
    return p["num_training_steps"] - p["num_warmup_steps"] - p["num_decay_steps"] if stable is None else stable


def warmup_stable_decay(s, p, lr_init):
    w, d, ratio = p["num_warmup_steps"], p["num_decay_steps"], p["min_lr_ratio"]
    stable = _wsd_stable(p)
    cycles = float(p["num_cycles"])
    out = np.empty(len(s))
    warm = s < w
    plateau_ = ~warm & (s < w + stable)
    decaying = ~warm & ~plateau_ & (s < w + stable + d)
    rest = ~(warm | plateau_ | decaying)
    if warm.any():
        progress = s[warm].astype(np.float64) / float(max(1, w))
        kind = p["warmup_type"]
        if kind == "linear":
            factor = progress
        elif kind == "cosine":
            factor = 0.5 * (1.0 - np.cos(math.pi * progress))
        else:                                               # 1-sqrt
            factor = 1.0 - np.sqrt(1.0 - progress)
        out[warm] = _positive(factor * (1.0 - ratio) + ratio)
    out[plateau_] = 1.0
    if decaying.any():
        progress = (s[decaying] - w - stable).astype(np.float64) / float(max(1, d))
        kind = p["decay_type"]
        if kind == "linear":
            factor = 1.0 - progress
        elif kind == "cosine":
            factor = 0.5 * (1.0 + np.cos(math.pi * cycles * 2.0 * progress))
        else:
            factor = 1.0 - np.sqrt(progress)
        out[decaying] = _positive(factor * (1.0 - ratio) + ratio)
    out[rest] = ratio
    return out


# ------------------------------------------------------------------------ the LambdaLR

class LambdaStepper(Leaf):
    """A transformers schedule as the LambdaLR ``get_scheduler`` returns: every call sets each
    group to ``base_lr * lr_lambda(last_epoch)``."""

    def __init__(self, params: Mapping[str, Any], kind: str, function) -> None:
        super().__init__(params)
        self.name = f"{LIBRARY}.{kind}"
        self.function = function
        self.lr_init = None

    def prepare(self, groups: Groups) -> Groups:
        """What HF's function checks before it builds the LambdaLR (it reads
        ``optimizer.defaults["lr"]``)."""
        self.lr_init = groups.defaults_lr
        if self.p.get("num_training_steps") is RUN_LENGTH:
            raise SpecError("num_training_steps defaults to the run's updates, and this spec does not "
                            "say how many there are: add max_steps (or epochs), or num_training_steps",
                            key="num_training_steps")
        check_optimizer(self.name.partition(".")[2], self.p, self.lr_init)
        return groups

    def calls(self, t, live, initial) -> Ops:
        if self.lr_init is None:          # a composite's child: prepared by construct, always
            self.lr_init = live.defaults_lr
        ops = t.assign(live.n)
        factors = self.function(t.array(), self.p, self.lr_init)
        np.multiply(self.base[None, :], factors[:, None], out=ops.b)
        return ops


def check_optimizer(kind: str, p, lr_init) -> None:
    """HF's refusals that need the optimizer: polynomial's lr_end against its lr."""
    if kind == "polynomial" and not (lr_init > p["lr_end"]):
        raise SpecError(f"lr_end ({p['lr_end']}) must be smaller than initial lr ({lr_init}) "
                        "(HF raises ValueError: it reads the optimizer's lr)", key="lr_end")
    if kind in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        min_lr_rate(p, lr_init)


# ------------------------------------------------------------------------ GreedyLR

def greedy(p, groups: Groups, rows: int) -> Trace:
    """HF's GreedyLR, step by step in Python floats: row 0 is the optimizer's lr (it takes no
    initial step), row ``e + 1`` the lr after ``step(metrics[e])``."""
    values = _greedy_metrics(p, rows)
    n = groups.n
    lr = [float(x) for x in groups.lr]
    init = list(lr)
    min_lrs = _per_group("min_lr", p["min_lr"], n)
    max_lrs = _per_group("max_lr", p["max_lr"], n)
    factor, patience, eps = p["factor"], p["patience"], p["eps"]
    mode, threshold, rel = p["mode"], p["threshold"], p["threshold_mode"] == "rel"
    cooldown, warmup, reset_original = p["cooldown"], p["warmup"], p["reset_start"]
    smooth, window = p["smooth"], p["window_size"]
    out = np.empty((rows, n))
    out[0] = lr
    best = math.inf if mode == "min" else -math.inf
    bad = good = cooldown_counter = warmup_counter = 0
    reset_start = reset_original
    window_values: list = []
    window_sum = 0.0
    markers = []
    for step, metric in enumerate(values.tolist(), start=1):
        current = float(metric)
        if smooth:                                  # StreamingAverage.streamavg
            window_values.append(current)
            window_sum += current
            if len(window_values) > window:
                window_sum -= window_values.pop(0)
            current = window_sum / len(window_values)
        if cooldown_counter > 0:
            cooldown_counter -= 1
            bad = good = 0
        elif warmup_counter > 0:
            warmup_counter -= 1
            bad = good = 0
        else:
            if mode == "min":
                better = current < best * (1.0 - threshold) if rel else current < best - threshold
            else:
                better = current > best * (1.0 + threshold) if rel else current > best + threshold
            if better:
                best, bad, good = current, 0, good + 1
            else:
                bad, good = bad + 1, 0
            if good > patience:                      # _increase_lr
                if factor == 0:
                    raise SpecError("factor 0: HF's GreedyLR divides the lr by it when the metric "
                                    f"improves (ZeroDivisionError at step {step})", key="factor")
                for i in range(n):
                    old = float(lr[i])
                    new = min(old / factor, max_lrs[i])
                    if new - old > eps:
                        lr[i] = new
                reset_start = reset_original
                warmup_counter, good = warmup, 0
                markers.append(step)
            elif bad > patience:                     # _reduce_lr
                all_at_min = True
                for i in range(n):
                    old = float(lr[i])
                    new = max(old * factor, min_lrs[i])
                    if old - new > eps:
                        lr[i] = new
                    if lr[i] > min_lrs[i]:
                        all_at_min = False
                if all_at_min:
                    reset_start -= 1
                    if reset_start <= 0:             # _reset
                        lr = list(init)
                        best = math.inf if mode == "min" else -math.inf
                        bad = good = cooldown_counter = warmup_counter = 0
                        reset_start = reset_original
                        if smooth:
                            window_values, window_sum = [], 0.0
                cooldown_counter, bad = cooldown, 0
                markers.append(step)
        out[step] = lr
    return Trace(out, None, tuple(markers))


def _per_group(name: str, value, n: int) -> list:
    if isinstance(value, tuple):
        if len(value) != n:
            raise SpecError(f"expected {n} {name}s, got {len(value)} (HF's GreedyLR raises "
                            "ValueError: one per param group)", key=name)
        return list(value)
    return [value] * n


def _greedy_metrics(p, rows: int) -> np.ndarray:
    if p["metrics"] is None and rows > 1:
        raise SpecError(f"GreedyLR needs the metric it watches: add `metrics:` with {rows - 1} "
                        f"numbers (one per scheduler step after the first) or an expression in "
                        f"epoch", key="metrics")
    return plateau.metric_values(p, rows)


# ------------------------------------------------------------------------ definitions

def _warmup_param(used: bool) -> Param:
    doc = ("updates of linear warmup from 0 (get_scheduler requires it)" if used else
           "accepted and ignored, as get_scheduler ignores it for this type")
    return Param("num_warmup_steps", Maybe(Int(0)), None, doc)


def _training_param(used: bool) -> Param:
    doc = ("updates the schedule spans (default: the run's updates)" if used else
           "accepted and ignored, as get_scheduler ignores it for this type")
    return Param("num_training_steps", Maybe(Int(0)), RUN_LENGTH, doc)


NUM_CYCLES_HALF = Param("num_cycles", Real(), 0.5, "waves of the cosine (0.5: one half-wave down)")
MIN_LR = Param("min_lr", Maybe(Real()), None, "the lr the cosine ends at (or min_lr_rate; one of them)")
MIN_LR_RATE = Param("min_lr_rate", Maybe(Real()), None, "min_lr as a ratio of the optimizer's lr")
METRICS = Param("metrics", Metrics(), None,
                "the metric after each update (rows - 1 values) or an expression in epoch")
WSD_TYPES = ("linear", "cosine", "1-sqrt")

# name -> (lambda, own keywords, uses W, uses N, summary, formula, example keywords)
LAMBDAS = {
    "linear": (linear, (), True, True, "linear warmup from 0, then linear decay to 0 at num_training_steps",
               "s < W: s / max(1, W); else max(0, (N - s) / max(1, N - W))",
               {"num_warmup_steps": 100, "num_training_steps": 1000}),
    "cosine": (cosine, (NUM_CYCLES_HALF,), True, True,
               "linear warmup from 0, then a cosine to 0 at num_training_steps (it rises again after)",
               "s < W: s / max(1, W); else max(0, 0.5 * (1 + cos(pi * num_cycles * 2 * (s - W) / max(1, N - W))))",
               {"num_warmup_steps": 100, "num_training_steps": 1000}),
    "cosine_with_restarts": (
        cosine_with_restarts, (Param("num_cycles", Real(), 1, "hard restarts (cosines) before num_training_steps"),),
        True, True, "linear warmup, then num_cycles cosines to 0, each restarting at the peak; 0 after N",
        "p = (s - W) / max(1, N - W); s < W: s / max(1, W); p >= 1: 0; else max(0, 0.5 * (1 + cos(pi * ((num_cycles * p) % 1))))",
        {"num_warmup_steps": 100, "num_training_steps": 1000, "num_cycles": 3}),
    "polynomial": (
        polynomial, (Param("lr_end", Real(), 1e-7, "the lr after num_training_steps"),
                     Param("power", Real(), 1.0, "exponent of the decay")),
        True, True, "linear warmup, then a polynomial decay from the optimizer's lr to lr_end",
        "s < W: s / max(1, W); s > N: lr_end / lr0; else ((lr0 - lr_end) * (1 - (s - W) / (N - W)) ** power + lr_end) / lr0 "
        "(lr0: the optimizer's lr)",
        {"num_warmup_steps": 100, "num_training_steps": 1000, "power": 2.0}),
    "constant": (constant, (), False, False, "the optimizer's lr, constant", "1", {}),
    "constant_with_warmup": (constant_with_warmup, (), True, False, "linear warmup from 0, then constant",
                             "s < W: s / max(1, W); else 1", {"num_warmup_steps": 100}),
    "inverse_sqrt": (
        inverse_sqrt, (Param("timescale", Maybe(Real(0, low_closed=False)), None,
                             "time scale (null: num_warmup_steps, or 10000 without warmup)"),),
        True, False, "linear warmup, then the inverse square root of the step",
        "s < W: s / max(1, W); else 1 / sqrt((s + timescale - W) / timescale)",
        {"num_warmup_steps": 100}),
    "cosine_with_min_lr": (
        cosine_with_min_lr, (NUM_CYCLES_HALF, MIN_LR, MIN_LR_RATE), True, True,
        "linear warmup from 0, then a cosine down to min_lr (it rises again after num_training_steps)",
        "s < W: s / max(1, W); else max(0, 0.5 * (1 + cos(pi * num_cycles * 2 * (s - W) / max(1, N - W))) * (1 - r) + r) "
        "(r: min_lr_rate, or min_lr / lr0)",
        {"num_warmup_steps": 100, "num_training_steps": 1000, "min_lr_rate": 0.1}),
    "cosine_warmup_with_min_lr": (
        cosine_warmup_with_min_lr,
        (NUM_CYCLES_HALF, MIN_LR, MIN_LR_RATE,
         Param("warmup_lr_rate", Maybe(Real()), None, "the warmup's first lr as a ratio (null: 1 / num_warmup_steps)")),
        True, True, "a warmup that starts above 0, then a cosine down to min_lr, steps counted from 1",
        "s < W: (s + 1) / max(1, W) (or q + (1 - q) * s / max(1, W - 1), q: warmup_lr_rate); "
        "else max(0, 0.5 * (1 + cos(pi * num_cycles * 2 * (s - W + 1) / max(1, N - W))) * (1 - r) + r)",
        {"num_warmup_steps": 100, "num_training_steps": 1000, "min_lr_rate": 0.1}),
    "warmup_stable_decay": (
        warmup_stable_decay,
        (Param("num_decay_steps", Int(0), REQUIRED, "updates of the decay phase"),
         Param("num_stable_steps", Maybe(Int(0)), None,
               "updates at the peak (null: num_training_steps - num_warmup_steps - num_decay_steps)"),
         Param("warmup_type", Str("'linear', 'cosine' or '1-sqrt'"), "linear", "shape of the warmup"),
         Param("decay_type", Str("'linear', 'cosine' or '1-sqrt'"), "cosine", "shape of the decay"),
         Param("min_lr_ratio", Real(), 0, "where warmup starts and decay ends, as a ratio of the lr"),
         NUM_CYCLES_HALF),
        True, True, "warmup, a stable phase at the peak, then a decay to min_lr_ratio",
        "warmup (linear/cosine/1-sqrt from min_lr_ratio) for W, 1 for num_stable_steps, decay for "
        "num_decay_steps, then min_lr_ratio",
        {"num_warmup_steps": 100, "num_decay_steps": 200, "num_training_steps": 1000}),
}

ORDER = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
         "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
         "warmup_stable_decay", "greedy")
# the types for which get_scheduler needs num_warmup_steps, and num_training_steps
NEEDS_WARMUP = frozenset(ORDER) - {"constant", "reduce_lr_on_plateau", "greedy"}
NEEDS_TRAINING = NEEDS_WARMUP - {"constant_with_warmup", "inverse_sqrt", "warmup_stable_decay"}


def check(kind: str, p) -> None:
    """get_scheduler's refusals, then the function's, in HF's order (those that need the
    optimizer come when it is known: :func:`check_optimizer`)."""
    if kind in NEEDS_WARMUP and p["num_warmup_steps"] is None:
        raise SpecError(f"{kind} requires `num_warmup_steps`, please provide that argument (HF's "
                        "get_scheduler raises ValueError); 0 means no warmup", key="num_warmup_steps")
    if kind in NEEDS_TRAINING and p["num_training_steps"] is None:
        raise SpecError(f"{kind} requires `num_training_steps`, please provide that argument (HF's "
                        "get_scheduler raises ValueError); leave it out to span the run",
                        key="num_training_steps")
    if kind in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        if p["min_lr"] is not None and p["min_lr_rate"] is not None:
            raise SpecError("Only one of min_lr or min_lr_rate should be set (HF raises ValueError)",
                            key="min_lr_rate")
        if p["min_lr"] is None and p["min_lr_rate"] is None:
            raise SpecError("One of min_lr or min_lr_rate should be set (HF raises ValueError); "
                            "e.g. min_lr_rate: 0.1", key="min_lr_rate")
    if kind == "warmup_stable_decay":
        if p["num_training_steps"] is None and p["num_stable_steps"] is None:
            raise SpecError("Either num_training_steps or num_stable_steps must be specified "
                            "(HF raises ValueError)", key="num_stable_steps")
        for key, what in (("warmup_type", "warmup"), ("decay_type", "decay")):
            if p[key] not in WSD_TYPES:
                hint = did_you_mean(p[key], WSD_TYPES)
                raise SpecError(f"Unknown {what} type: {p[key]}, expected 'linear', 'cosine' or "
                                f"'1-sqrt' (HF raises ValueError)" + (f"; {hint.strip()}" if hint else ""),
                                key=key)
    if kind == "greedy":
        if p["smooth"] and p["window_size"] < 1:
            raise SpecError(f"window_size {p['window_size']} with smooth: HF's StreamingAverage then "
                            "keeps no value and divides by zero (ZeroDivisionError); use window_size >= 1",
                            key="window_size")


def shown(kind: str):
    """The counts a table or plot shows for this type: the ones get_scheduler uses."""
    names = (("num_training_steps",) if kind in NEEDS_TRAINING or kind == "warmup_stable_decay" else ()) \
        + (("num_warmup_steps",) if kind in NEEDS_WARMUP else ())

    def of(p) -> tuple:
        return tuple((n, p[n]) for n in names if p.get(n) is not None and p.get(n) is not RUN_LENGTH)

    return of


# ------------------------------------------------------------------------ what lint knows
# num_training_steps first: lint names the first count as the key of the horizon
COUNTS = ("num_training_steps", "num_warmup_steps", "num_decay_steps", "num_stable_steps")
HORIZON_TYPES = ("linear", "cosine", "cosine_with_restarts", "polynomial", "cosine_with_min_lr",
                 "cosine_warmup_with_min_lr", "warmup_stable_decay")
CLIMBING = ("cosine", "cosine_with_min_lr", "cosine_warmup_with_min_lr")   # cos rises after N


def _lint_known(value) -> bool:
    return value is not None and value is not RUN_LENGTH


def _lint_counts(spec) -> tuple:
    """The counts a schedule is sized by, in updates (a default num_training_steps is the run
    itself, so not a count the spec chose)."""
    return tuple((spec.path + (name,), spec.params[name]) for name in COUNTS
                 if name in spec.params and _lint_known(spec.params[name]))


def _lint_horizon(spec):
    """Where the curve ends: num_training_steps (WSD: the end of its decay)."""
    p = spec.params
    if spec.definition.name == "warmup_stable_decay":
        if p["num_stable_steps"] is not None:
            return p["num_warmup_steps"] + p["num_stable_steps"] + p["num_decay_steps"]
    return p["num_training_steps"] if _lint_known(p["num_training_steps"]) else None


def _lint_warmup(spec):
    w = spec.params.get("num_warmup_steps")
    return (spec.path + ("num_warmup_steps",), w) if w else None


def _lint_peak(spec, base):
    """The warmup's target, the initial lr (where there is a warmup)."""
    return base if spec.params.get("num_warmup_steps") else None


def _facts(kind: str) -> Facts:
    if kind in ("reduce_lr_on_plateau", "greedy"):
        return Facts(NO_HORIZON, NO_PEAK, False)
    floors = ("min_lr",) if kind in ("cosine_with_min_lr", "cosine_warmup_with_min_lr") else ()
    return Facts(_lint_horizon if kind in HORIZON_TYPES else NO_HORIZON,
                 _lint_peak if kind in NEEDS_WARMUP else NO_PEAK, True, counts=_lint_counts,
                 warmup=_lint_warmup if kind in NEEDS_WARMUP else None, climbs=kind in CLIMBING, floors=floors)


def _lambda_definition(kind: str) -> SchedulerDef:
    function, own, uses_w, uses_n, summary, formula, example = LAMBDAS[kind]
    return SchedulerDef(
        kind, summary,
        (_warmup_param(uses_w), _training_param(uses_n), *own, LAST_EPOCH),
        stepper=lambda params, kind=kind, function=function: LambdaStepper(params, kind, function),
        formula=f"lr_s = initial_lr * lambda(s); lambda(s) = {formula}",
        example={"lr": 0.1, "epochs": 1200 if kind != "constant" else 100,
                 "scheduler": {"type": f"{LIBRARY}.{kind}", **example}},
        check=lambda p, kind=kind: check(kind, p),
        library=LIBRARY, per_update=True, shown=shown(kind), facts=_facts(kind),
    )


_PLATEAU = plateau.DEFINITIONS[0]

GREEDY_PARAMS = (
    Param("mode", Choice(("min", "max")), "min", "whether lower or higher metrics are better"),
    Param("factor", Real(high=1.0, high_closed=False), 0.95,
          "lr * factor on a plateau, lr / factor after improvements (below 1)"),
    Param("patience", Int(), 10, "steps without (or with) improvement before the lr changes"),
    Param("threshold", Real(), 1e-6, "how much better a metric must be to count"),
    Param("threshold_mode", Choice(("rel", "abs")), "abs", "threshold relative to best, or absolute"),
    Param("cooldown", Int(), 0, "steps after a cut during which nothing is counted"),
    Param("warmup", Int(), 0, "steps after a raise during which nothing is counted"),
    Param("min_lr", PerGroup(Real()), 1e-3, "lower bound on the lr (one per group, or a list)"),
    Param("max_lr", PerGroup(Real()), 1.0, "upper bound on the lr (one per group, or a list)"),
    Param("eps", Real(), 1e-8, "a change smaller than eps is skipped"),
    Param("verbose", Bool(), False, "HF prints each change (lrsched prints nothing)"),
    Param("smooth", Bool(), False, "average the metric over the last window_size steps"),
    Param("window_size", Int(), 50, "the streaming average's window"),
    Param("reset_start", Int(), 500, "cuts at min_lr after which the lr resets to its start"),
)

DEFINITIONS = tuple(
    _lambda_definition(kind) if kind in LAMBDAS else
    SchedulerDef(
        "reduce_lr_on_plateau", "torch's ReduceLROnPlateau (get_scheduler passes the keywords on)",
        (_warmup_param(False), _training_param(False), *_PLATEAU.params),
        compute=plateau.reduce_lr_on_plateau,
        formula=_PLATEAU.formula,
        example={"lr": 0.1, "epochs": 30,
                 "scheduler": {"type": f"{LIBRARY}.reduce_lr_on_plateau", "patience": 2, "factor": 0.5,
                               "metrics": "1 / (epoch + 1) if epoch < 8 else 0.125"}},
        check=lambda p: check("reduce_lr_on_plateau", p),
        extra_keys=(METRICS,), library=LIBRARY, per_update=True, shown=shown("reduce_lr_on_plateau"),
        facts=_facts("reduce_lr_on_plateau"),
    ) if kind == "reduce_lr_on_plateau" else
    SchedulerDef(
        "greedy", "HF's GreedyLR: cut the lr on a plateau, raise it after improvements",
        (_warmup_param(False), _training_param(False), *GREEDY_PARAMS),
        compute=greedy,
        formula="patience bad steps: lr = max(lr * factor, min_lr); patience good steps: "
                "lr = min(lr / factor, max_lr); reset to the start after reset_start cuts at min_lr",
        example={"lr": 0.1, "epochs": 40,
                 "scheduler": {"type": f"{LIBRARY}.greedy", "patience": 2, "factor": 0.5,
                               "metrics": "1 / (epoch + 1) if epoch < 20 else 0.05"}},
        check=lambda p: check("greedy", p),
        extra_keys=(METRICS,), library=LIBRARY, per_update=True, shown=shown("greedy"), facts=_facts("greedy"),
    )
    for kind in ORDER)

__all__ = ["DEFINITIONS", "ORDER", "LIBRARY", "LambdaStepper", "greedy", "check", "trainer_form",
           "TrainerRun", "TRAINING_ARGUMENTS"]


# ------------------------------------------------------------------------ the Trainer form

# TrainingArguments' fields in transformers 5.24.0 (its constructor's keywords)
TRAINING_ARGUMENTS = tuple("""
output_dir per_device_train_batch_size num_train_epochs max_steps learning_rate lr_scheduler_type
lr_scheduler_kwargs warmup_steps optim optim_args weight_decay adam_beta1 adam_beta2 adam_epsilon
optim_target_modules gradient_accumulation_steps average_tokens_across_devices max_grad_norm
label_smoothing_factor bf16 fp16 bf16_full_eval fp16_full_eval tf32 activation_checkpointing
activation_checkpointing_kwargs gradient_checkpointing gradient_checkpointing_kwargs torch_compile
torch_compile_backend torch_compile_mode use_liger_kernel liger_kernel_config use_cache
neftune_noise_alpha torch_empty_cache_steps auto_find_batch_size logging_strategy logging_steps
logging_first_step log_on_each_node logging_nan_inf_filter include_num_input_tokens_seen log_level
log_level_replica disable_tqdm report_to run_name project trackio_space_id trackio_bucket_id
trackio_static_space_id eval_strategy eval_steps eval_delay per_device_eval_batch_size
prediction_loss_only eval_on_start eval_do_concat_batches eval_use_gather_object
eval_accumulation_steps include_for_metrics batch_eval_metrics save_only_model save_strategy
save_steps save_on_each_node save_total_limit enable_jit_checkpoint push_to_hub hub_token
hub_private_repo hub_model_id hub_strategy hub_always_push hub_revision load_best_model_at_end
metric_for_best_model greater_is_better ignore_data_skip restore_callback_states_from_checkpoint
full_determinism seed data_seed use_cpu accelerator_config parallelism_config dataloader_drop_last
dataloader_num_workers dataloader_pin_memory dataloader_persistent_workers
dataloader_prefetch_factor dataloader_multiprocessing_context dataloader_in_order
remove_unused_columns label_names train_sampling_strategy length_column_name
ddp_find_unused_parameters ddp_bucket_cap_mb ddp_broadcast_buffers ddp_static_graph ddp_backend
ddp_timeout fsdp fsdp_config deepspeed debug skip_memory_metrics do_train do_eval do_predict
resume_from_checkpoint local_rank
""".split())
# keys of 4.x configs that 5.x dropped and that do not change the schedule (warmup_ratio does,
# and is read as 4.x read it)
FORMER_ARGUMENTS = ("overwrite_output_dir", "evaluation_strategy", "logging_dir", "no_cuda",
                    "use_mps_device", "per_gpu_train_batch_size", "per_gpu_eval_batch_size",
                    "fp16_opt_level", "fp16_backend", "half_precision_backend", "push_to_hub_model_id",
                    "push_to_hub_organization", "push_to_hub_token", "mp_parameters", "use_ipex",
                    "jit_mode_eval", "torchdynamo", "ray_scope", "split_batches", "dispatch_batches",
                    "include_inputs_for_metrics", "include_tokens_per_second", "save_safetensors",
                    "tpu_num_cores", "tpu_metrics_debug", "past_index", "deepspeed_plugin",
                    "sharded_ddp", "fsdp_min_num_params", "fsdp_transformer_layer_cls_to_wrap",
                    "optim_args", "xpu_backend", "use_legacy_prediction_loop", "hub_private_repo")

TRAINER_PARAMS = (
    Param("learning_rate", Real(0), 5e-5, "the optimizer's lr (the schedule's peak)"),
    Param("lr_scheduler_type", Str("a SchedulerType value"), "linear", "which transformers schedule"),
    Param("lr_scheduler_kwargs", Maybe(Str()), None,
          "the schedule's own keywords (a mapping, or a JSON object as a string)"),
    Param("warmup_steps", Real(), 0, ">= 1: updates of warmup (int(warmup_steps)); < 1: a ratio of the run"),
    Param("warmup_ratio", Real(0, 1), 0, "transformers 4.x: warmup as a ratio, when warmup_steps is 0"),
    Param("num_train_epochs", Real(), 3.0, "epochs of training (may be fractional)"),
    Param("max_steps", Int(), -1, "> 0: total optimizer updates (overrides num_train_epochs)"),
    Param("per_device_train_batch_size", Int(1), 8, "examples per batch, per device"),
    Param("gradient_accumulation_steps", Int(1), 1, "batches per optimizer update"),
    Param("dataloader_drop_last", Bool(), False, "drop the last incomplete batch"),
)
TRAINER_KEYS = tuple(p.name for p in TRAINER_PARAMS)
# top-level keys that say in spec terms what a TrainingArguments key says
SPEC_KEYS_INSTEAD = {"lr": "learning_rate", "optimizer": "learning_rate", "epochs": "num_train_epochs",
                     "scheduler": "lr_scheduler_type", "max_steps": "max_steps",
                     "batch_size": "per_device_train_batch_size",
                     "grad_accum": "gradient_accumulation_steps", "drop_last": "dataloader_drop_last",
                     "warmup": "warmup_steps", "interval": None}
UNIT_KEYS_HERE = ("dataset_size", "world_size", "steps_per_epoch")
METRIC_TYPES = ("reduce_lr_on_plateau", "greedy")
IGNORES_KWARGS = ("constant", "constant_with_warmup")     # get_scheduler passes them none


@dataclass(frozen=True)
class TrainerRun:
    """What the Trainer does with a ``transformers:`` mapping: the optimizer's lr, updates per
    epoch, ``N`` (num_training_steps) and ``W`` (num_warmup_steps), and the scheduler mapping
    ``get_scheduler`` gets (``type``, W, N, the kwargs) with the path its kwargs come from;
    ``notes``: what was ignored, for the command to say."""

    learning_rate: float
    steps_per_epoch: int
    num_training_steps: int
    num_warmup_steps: int
    scheduler: Mapping
    scheduler_path: tuple
    notes: tuple = ()

    @property
    def shown(self) -> tuple:
        return (("num_training_steps", self.num_training_steps), ("num_warmup_steps", self.num_warmup_steps))


def updates_per_epoch(dataset_size: int, batch_size: int, world_size: int = 1, grad_accum: int = 1,
                      drop_last: bool = False) -> int:
    """The Trainer's ``num_update_steps_per_epoch``: the dataloader as accelerate shards it
    over ``world_size`` processes (``len_dl = (D // b) // w`` with drop_last, else ``ceil(D /
    (b * w))``), then ``max(len_dl // gas + int(len_dl % gas > 0), 1)``.

    >>> updates_per_epoch(52002, 16, world_size=8, grad_accum=4)
    102
    """
    len_dl = (dataset_size // batch_size) // world_size if drop_last else -(-dataset_size // (batch_size * world_size))
    return max(len_dl // grad_accum + int(len_dl % grad_accum > 0), 1)


def warmup_steps(num_training_steps: int, warmup_steps, warmup_ratio=0) -> int:
    """``TrainingArguments.get_warmup_steps`` (5.x: ``warmup_steps`` >= 1 counts updates, below 1
    is a ratio), and 4.x's ``warmup_ratio`` when warmup_steps is 0.

    >>> warmup_steps(1000, 0.03), warmup_steps(1000, 5.9), warmup_steps(1000, 0, 0.1)
    (30, 5, 100)
    """
    if warmup_steps == 0 and warmup_ratio:
        return math.ceil(num_training_steps * warmup_ratio)
    return int(warmup_steps) if warmup_steps >= 1 else math.ceil(num_training_steps * warmup_steps)


def trainer_form(blocks, pick, check, error) -> TrainerRun:
    """The Trainer form: ``blocks`` are the ``transformers:`` mappings that apply, (mapping,
    path), the spec's defaults first (an entry's keys win, key by key); ``pick(key)`` gives a
    spec key's (value, path) or (None, None); ``check(constraint, value, path)`` validates;
    ``error(path, message)`` makes a located SpecError."""
    for key, instead in SPEC_KEYS_INSTEAD.items():
        _, where = pick(key)
        if where is not None:
            said = (f"the Trainer form says it inside transformers: as {instead}" if instead else
                    "transformers' schedules step after every optimizer update")
            raise error(where, f"cannot go with transformers: ({said}); drop it")
    given, paths = {}, {}
    for block, path in blocks:
        if not isinstance(block, dict):
            raise error(path, f"must be a mapping of TrainingArguments keys (learning_rate, "
                              f"lr_scheduler_type, ...), got {describe_value(block)}")
        for key, value in block.items():
            given[key], paths[key] = value, path + (key,)
    ignored = []
    values = {p.name: p.default for p in TRAINER_PARAMS}
    for key, value in given.items():
        if key in TRAINER_KEYS:
            values[key] = _trainer_value(key, value, paths[key], check, error)
        elif key in TRAINING_ARGUMENTS or key in FORMER_ARGUMENTS:
            ignored.append(str(key))
        elif key in UNIT_KEYS_HERE:
            raise error(paths[key], f"is not a TrainingArguments key: {key} goes at the top level of "
                                    f"the spec, beside transformers:")
        else:
            hint = did_you_mean(key, TRAINER_KEYS) or did_you_mean(key, TRAINING_ARGUMENTS)
            raise error(paths[key], f"unknown TrainingArguments key '{key}'"
                                    + (f"; {hint.strip()}" if hint else f" (transformers {VERSION}); "
                                       f"the schedule reads: {', '.join(TRAINER_KEYS)}"))
    kind = values["lr_scheduler_type"]
    type_path = paths.get("lr_scheduler_type", blocks[-1][1])
    if kind not in ORDER:
        raise error(type_path, unknown("lr_scheduler_type", kind, ORDER).replace(
            "unknown lr_scheduler_type", "not a valid SchedulerType:", 1))
    if kind in METRIC_TYPES:
        raise error(type_path, f"{kind} steps with the evaluation metric after each evaluation, not "
                               f"after each update, so the Trainer form cannot know its lr; write "
                               f"`scheduler: {{type: transformers.{kind}, metrics: [...]}}` with the "
                               f"metric after each step instead")
    spe = _trainer_updates_per_epoch(values, paths, pick, check, error)
    n = _trainer_total(values, paths, spe, error, blocks[-1][1])
    w = warmup_steps(n, values["warmup_steps"], values["warmup_ratio"])
    if w > 2 ** 53:
        raise error(paths.get("warmup_steps", blocks[-1][1]), f"gives {w} warmup updates, beyond 2**53 "
                                                              "(the largest integer lrsched computes with exactly)")
    kwargs = values["lr_scheduler_kwargs"] or {}
    kwargs_path = paths.get("lr_scheduler_kwargs", blocks[-1][1] + ("lr_scheduler_kwargs",))
    if kwargs and kind in IGNORES_KWARGS:
        ignored.extend(f"lr_scheduler_kwargs.{k}" for k in kwargs)
        kwargs = {}
    for key in kwargs:
        if key in ("num_warmup_steps", "num_training_steps", "type"):
            why = (f"get_scheduler passes {key} itself (from "
                   f"{'warmup_steps' if key == 'num_warmup_steps' else 'max_steps or num_train_epochs'}): "
                   f"TypeError, got multiple values for keyword argument '{key}'" if key != "type" else
                   f"get_{kind}'s function has no keyword 'type' (TypeError)")
            raise error(kwargs_path + (key,), f"cannot be in lr_scheduler_kwargs: {why}")
    notes = ()
    if ignored:
        notes = (f"transformers: ignoring {', '.join(ignored)} (they do not change the learning rate)",)
    scheduler = {"type": f"{LIBRARY}.{kind}", "num_warmup_steps": w, "num_training_steps": n, **kwargs}
    return TrainerRun(values["learning_rate"], spe, n, w, scheduler, kwargs_path, notes)


def _trainer_value(key: str, value, path, check, error):
    if key == "lr_scheduler_kwargs":
        return _scheduler_kwargs(value, path, error)
    if key == "warmup_steps" and is_number(value) and value < 0:
        raise error(path, f"Got warmup_steps = {value}, Expected value warmup_steps >= 0 (TrainingArguments "
                          "raises ValueError)")
    if key == "lr_scheduler_type" and isinstance(value, str) and value.lower().startswith(LIBRARY + "."):
        value = value[len(LIBRARY) + 1:]
    param = next(p for p in TRAINER_PARAMS if p.name == key)
    return check(param.constraint, value, path)


def _scheduler_kwargs(value, path, error) -> dict:
    """``lr_scheduler_kwargs``: a mapping, null, or (as TrainingArguments takes it from a
    command line) a string holding a JSON object, whose string values it converts."""
    if value is None:
        return {}
    if isinstance(value, str) and value.startswith("{"):
        import json

        try:
            loaded = json.loads(value)
        except ValueError as exc:
            raise error(path, f"is not a valid JSON object ({exc}); TrainingArguments json.loads it") from None
        return _convert_strings(loaded) if isinstance(loaded, dict) else loaded
    if not isinstance(value, dict):
        raise error(path, f"must be a mapping of the schedule's keywords (or a JSON object as a "
                          f"string), got {describe_value(value)}")
    return dict(value)


def _convert_strings(mapping: dict) -> dict:
    """TrainingArguments' ``_convert_str_dict``: "true"/"false" become booleans, digit strings
    numbers."""
    for key, value in mapping.items():
        if isinstance(value, dict):
            mapping[key] = _convert_strings(value)
        elif isinstance(value, str):
            if value.lower() in ("true", "false"):
                mapping[key] = value.lower() == "true"
            elif value.isdigit():
                mapping[key] = int(value)
            elif value.replace(".", "", 1).isdigit():
                mapping[key] = float(value)
    return mapping


def _trainer_updates_per_epoch(values, paths, pick, check, error) -> int:
    got = {}
    for key in UNIT_KEYS_HERE:
        value, where = pick(key)
        if where is not None:
            got[key] = (check(Int(1), value, where), where)
    if "steps_per_epoch" in got:
        for other in ("dataset_size", "world_size"):
            if other in got:
                raise error(got[other][1], f"give either steps_per_epoch or {other} (the Trainer "
                                           f"derives the updates per epoch from dataset_size, "
                                           f"world_size and transformers' batch keys), not both")
        return got["steps_per_epoch"][0]
    if "dataset_size" in got:
        dataset, where = got["dataset_size"]
        world = got.get("world_size", (1, None))[0]
        batch, drop = values["per_device_train_batch_size"], values["dataloader_drop_last"]
        if drop and (dataset // batch) // world == 0:
            raise error(where, f"gives each of {world} device(s) 0 batches: {dataset} examples hold "
                               f"{dataset // batch} full batch(es) of {batch}, and "
                               f"dataloader_drop_last drops the rest; the Trainer cannot train")
        return updates_per_epoch(dataset, batch, world, values["gradient_accumulation_steps"], drop)
    if "world_size" in got:
        raise error(got["world_size"][1], "world_size needs dataset_size beside it (the examples "
                                          "the devices share), or give steps_per_epoch")
    if values["max_steps"] > 0:           # a dataset without a length: the Trainer's streaming case
        return values["max_steps"]
    raise error(paths.get("num_train_epochs", ()) or (),
                "the Trainer counts num_train_epochs in updates of its dataloader: give dataset_size "
                "(and world_size) or steps_per_epoch at the top level, or transformers.max_steps")


def _trainer_total(values, paths, spe: int, error, where) -> int:
    max_steps = values["max_steps"]
    if max_steps > 0:
        return max_steps
    if max_steps == 0:
        raise error(paths["max_steps"], "max_steps 0 is not 'unset' to the Trainer: it trains for 0 "
                                        "updates; leave it out (or -1) to count num_train_epochs")
    epochs = values["num_train_epochs"]
    if not math.isfinite(epochs * spe):
        raise error(paths.get("num_train_epochs", where), f"num_train_epochs {epochs!r} x {spe} updates per "
                                                          "epoch overflows (the Trainer's math.ceil raises "
                                                          "OverflowError)")
    n = math.ceil(epochs * spe)
    if n <= 0:
        raise error(paths.get("num_train_epochs", where),
                    f"gives {n} optimizer updates (ceil({epochs!r} * {spe} updates per epoch)); "
                    "the Trainer would not train")
    return n
