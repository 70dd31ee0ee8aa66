"""ReduceLROnPlateau: cut the lr by ``factor`` when the watched metric stops improving.

torch's state machine, per ``step(metric)``: the metric improves on ``best`` when ``metric <
best * (1 - threshold)`` (mode min, rel; ``best - threshold`` for abs; mode max mirrors it);
an improvement resets the count of bad epochs, any other step adds one; during the
``cooldown`` steps after a reduction the count is forced to 0; when the count *exceeds*
``patience`` (``>``, not ``>=``) every group's lr becomes ``max(lr * factor, min_lr)`` unless
that changes it by ``eps`` or less.  There is no initial step: row 0 is the optimizer's lr.
The spec's ``metrics`` are the values passed to ``step()``: the one after epoch ``e`` sets row
``e + 1``, so ``epochs - 1`` of them (an expression is evaluated at epoch = 0 .. epochs - 2).

The run depends on the data, so it is computed in three passes rather than epoch by epoch:

1. the improvements.  When the threshold never lets ``best`` look better than a value it
   was taken from (``g(x) <= x``: rel with non-negative metrics, abs with a non-negative
   threshold -- the usual cases), every improvement is a new strict minimum, the prefix
   minima are found with ``np.minimum.accumulate`` and the few of them that fall within the
   threshold of the previous improvement are skipped by a loop over *those* (a binary search
   each).  Otherwise (negative metrics in rel mode, a threshold of 1 or more, NaN or inf
   metrics, which torch takes and compares like any float: NaN never improves) a tight
   loop over the metric values, Python floats only, decides them;
2. the reductions: the steps more than ``patience`` bad epochs after an improvement form one
   range per gap between improvements, so the next reduction is the first such step at least
   ``patience + 1`` steps after the last reset (a reduction, or the end of its cooldown): a
   binary search.  A Python loop runs over the *reductions* only, and stops once no group's
   lr can change any more (``lr * factor`` within eps of it, or at min_lr);
3. the rows: the lr is piecewise constant between the effective reductions.
"""

from __future__ import annotations

import numpy as np

from lrsched.constraints import Choice, Int, Metrics, Param, PerGroup, Real
from lrsched.errors import SpecError
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, Facts, SchedulerDef
from lrsched.schedules.stepper import Groups, Trace


def metric_values(p, rows: int) -> np.ndarray:
    """The ``rows - 1`` metrics passed to ``step()`` between the rows."""
    need = rows - 1
    metrics = p["metrics"]
    if need == 0:
        return np.zeros(0)
    if metrics is None:
        raise SpecError(f"ReduceLROnPlateau needs the metric it watches: add `metrics:` with "
                        f"{need} numbers (one per scheduler step after the first: per epoch, or per "
                        f"update with `interval: step`) or an expression in epoch", key="metrics")
    if isinstance(metrics, tuple):
        if len(metrics) < need:
            raise SpecError(f"needs {need} values for {rows} scheduler steps (step(metric) runs "
                            f"between them, so {need} calls), got {len(metrics)}; add values or "
                            f"shorten the run to {len(metrics) + 1} scheduler steps", key="metrics")
        values = getattr(metrics, "array", None)
        return (values if values is not None else np.array(metrics, dtype=np.float64))[:need]
    try:
        return metrics.evaluate_finite(np.arange(need), what="metrics")
    except SpecError as exc:
        raise exc.located(key="metrics") from None


def improvements(values: np.ndarray, mode: str, threshold: float, threshold_mode: str) -> np.ndarray:
    """Whether ``step(values[i])`` improves on the best metric so far (torch's ``_is_better``)."""
    # In "smaller is better" coordinates (max mode negated; negation is exact) the test is
    # x < g(best), best starting at inf, with g(b) = b * k (rel) or b - threshold (abs).
    x = -values if mode == "max" else values
    rel = threshold_mode == "rel"
    k = (1.0 - threshold if mode == "min" else threshold + 1.0) if rel else None

    def g(best):
        return best * k if rel else best - threshold

    if len(x) and (k > 0 if rel else True) and np.all(np.isfinite(x)) and np.all(g(x) <= x):
        return _improvements_by_minima(x, g)
    # a tight loop over the values (negative metrics in rel mode, threshold >= 1 ...)
    out = bytearray(len(x))
    best = float("inf")
    if rel:
        for i, v in enumerate(x.tolist()):
            if v < best * k:
                best, out[i] = v, 1
    else:
        for i, v in enumerate(x.tolist()):
            if v < best - threshold:
                best, out[i] = v, 1
    return np.frombuffer(bytes(out), dtype=bool)


def _improvements_by_minima(x: np.ndarray, g) -> np.ndarray:
    """With g monotone and g(v) <= v, improvements are strict prefix minima: the first value,
    then each new minimum below g(the previous improvement).

    A minimum that is not below g(the minimum before it) is a *skip*; the next improvement
    after it is the first minimum below g(the one before the skip).  Those jumps are computed
    for every skip at once; the loop runs over the skips the chain actually meets."""
    lowest = np.minimum.accumulate(x)
    candidates = np.flatnonzero(np.concatenate(([True], x[1:] < lowest[:-1])))
    v = x[candidates]                                 # strictly decreasing
    count = len(candidates)
    skip = np.flatnonzero(v[1:] >= g(v[:-1])) + 1
    on = np.ones(count, dtype=bool)
    if skip.size:
        jump = np.searchsorted(-v, -g(v[skip - 1]), side="right")    # next improvement
        after = np.searchsorted(skip, jump, side="right")           # next skip after it
        skip_l, jump_l, after_l = skip.tolist(), jump.tolist(), after.tolist()
        edges = np.zeros(count + 1, dtype=np.int64)
        i = 0
        while i < len(skip_l):                         # the chain is on from here to skip i
            edges[skip_l[i]] -= 1
            if jump_l[i] >= count:
                break
            edges[jump_l[i]] += 1
            i = after_l[i]
        edges[0] += 1
        on = np.cumsum(edges[:-1]) > 0
    out = np.zeros(len(x), dtype=bool)
    out[candidates[on]] = True
    return out


def reduce_lr_on_plateau(p, groups: Groups, rows: int) -> Trace:
    """The whole run at once.  ReduceLROnPlateau is the one scheduler without a
    :class:`~lrsched.schedules.stepper.Stepper`: its ``step()`` needs the metric, which
    SequentialLR and ChainedScheduler cannot pass (torch refuses it as their child)."""
    values = metric_values(p, rows)
    n_groups, steps = groups.n, len(values)
    min_lrs = groups.per_group("min_lr", p["min_lr"]).tolist()
    factor, eps, patience, cooldown = p["factor"], p["eps"], p["patience"], p["cooldown"]
    better = np.flatnonzero(improvements(values, p["mode"], p["threshold"], p["threshold_mode"])) + 1
    # Steps (1-based: step s reads values[s - 1]) with more than `patience` bad epochs in a row
    # since the last improvement: one range per gap between improvements.
    if patience < 0:                                 # 0 bad epochs already exceed it
        low, high = np.array([1]), np.array([steps])
    else:
        low = np.concatenate(([0], better)) + patience + 1
        high = np.concatenate((better, [steps + 1])) - 1
        keep = low <= high
        low, high = low[keep], high[keep]
    lr = [float(x) for x in groups.lr]
    changes = []                                     # (step, group, new lr)
    reset = 0                                        # bad epochs are counted after this step
    while True:
        earliest = reset + max(patience, 0) + 1
        k = int(np.searchsorted(high, earliest))
        if k >= len(high):
            break
        step = max(int(low[k]), earliest)
        changed = False
        for i in range(n_groups):
            new = max(lr[i] * factor, min_lrs[i])
            if lr[i] - new > eps:
                lr[i] = float(new)
                changes.append((step, i, lr[i]))
                changed = True
        if not changed:                              # no group can change any more
            break
        reset = step + max(cooldown, 0) if patience >= 0 else step
    out = np.empty((rows, n_groups))
    for i in range(n_groups):
        mine = [(s, v) for s, g, v in changes if g == i]
        level = [float(groups.lr[i])] + [v for _, v in mine]
        cuts = [0] + [s for s, _ in mine] + [rows]
        out[:, i] = np.repeat(level, np.diff(cuts))
    return Trace(out, None, tuple(sorted({s for s, _, _ in changes})))


DEFINITIONS = (
    SchedulerDef(
        "ReduceLROnPlateau", "cut the lr by factor when the watched metric stops improving",
        (
            Param("mode", Choice(("min", "max")), "min", "whether lower or higher metrics are better"),
            Param("factor", Real(high=1.0, high_closed=False), 0.1, "new lr = lr * factor (below 1)"),
            Param("patience", Int(), 10, "bad epochs tolerated; the lr is cut when they exceed it"),
            Param("threshold", Real(), 1e-4, "how much better a metric must be to count"),
            Param("threshold_mode", Choice(("rel", "abs")), "rel", "threshold relative to best, or absolute"),
            Param("cooldown", Int(), 0, "epochs after a cut during which bad epochs are not counted"),
            Param("min_lr", PerGroup(Real()), 0, "lower bound on the lr (one per group, or a list)"),
            Param("eps", Real(), 1e-8, "a cut smaller than eps is skipped"),
        ),
        compute=reduce_lr_on_plateau,
        formula="lr = max(lr * factor, min_lr) after more than patience epochs without improvement",
        example={"lr": 0.1, "epochs": 30,
                 "scheduler": {"type": "ReduceLROnPlateau", "patience": 2, "factor": 0.5,
                               "metrics": "1 / (epoch + 1) if epoch < 8 else 0.125"}},
        extra_keys=(Param("metrics", Metrics(), None,
                          "the metric after each epoch (epochs - 1 values) or an expression in epoch"),),
        facts=Facts(NO_HORIZON, NO_PEAK, False),
    ),
)
