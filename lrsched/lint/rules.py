"""The lint rules, by SPEC.md section 6's names: each a :class:`Rule` whose check turns a
:class:`Run` (one computed schedule) into findings located at the key they are about.

Thresholds: a horizon "before the end" ends before 90% of the run's scheduler steps; a run
"before the end" of a horizon stops before 90% of it; a count "sized in updates" is at least
90% of the run's optimizer updates; one "sized in epochs" at most 110% of its epochs; a peak
"not reached" is missed by more than 1%; a zero tail is at least 5% of the rows.  Every
comparison is on exact numbers (no rounding), so "just inside" a threshold never fires.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from lrsched.records import dataclass
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, Facts

SEVERITIES = ("error", "warning", "info")

SIZED_IN_UPDATES = 0.9      # stepped-per-epoch: a count at least this share of the run's updates
SIZED_IN_EPOCHS = 1.1       # stepped-per-step: every count at most this share of the run's epochs
HORIZON_SHARE = 0.9         # horizon-before-end / horizon-after-end
PEAK_SHARE = 0.99           # peak-not-reached: the run's largest lr below this share of the peak
ZERO_TAIL_SHARE = 0.05      # lr-zero-tail


@dataclass(frozen=True)
class Finding:
    """One finding: where (``file``, ``line`` of the key it is about, ``schedule``), which
    ``rule`` at which ``severity``, the ``message`` (what happens, where, what to change),
    and ``rows``: ``(first, last)`` row indices as ``table`` numbers them, or None."""

    file: str
    line: int | None
    schedule: str
    rule: str
    severity: str
    message: str
    rows: tuple | None = None
    key: str | None = None

    def text(self) -> str:
        """``FILE:LINE: SEVERITY: MESSAGE [RULE]``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.severity}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "schedule": self.schedule, "rule": self.rule,
                "severity": self.severity, "message": self.message,
                "rows": None if self.rows is None else list(self.rows)}


@dataclass(frozen=True)
class Rule:
    """A rule: ``check(run)`` yields ``(key path, message, rows)`` for each finding."""

    name: str
    severity: str
    summary: str
    check: Callable

    def findings(self, run: "Run") -> list[Finding]:
        out = []
        for path, message, rows in self.check(run):
            line, key = run.locate(path)
            out.append(Finding(run.schedule.origin.file, line, run.schedule.name, self.name, self.severity,
                               f"{run.prefix()}{message}", rows, key))
        return out


def facts(spec) -> Facts:
    return spec.definition.facts or Facts(NO_HORIZON, NO_PEAK, False)


def horizon_of(spec):
    """The scheduler's horizon in its own steps, or None (no horizon, periodic)."""
    horizon = facts(spec).horizon
    return horizon(spec) if callable(horizon) else None


class Run:
    """One computed schedule as the rules see it: ``rows`` (the table's rows), ``states``
    (the scheduler states they go through: ``rows``, or one an epoch with ``interval:
    epoch``), ``base`` (each group's starting lr), the tree of stepped schedulers with the
    scheduler step each starts and stops at (:meth:`nodes`)."""

    def __init__(self, schedule, result, several: bool = False) -> None:
        self.schedule = schedule
        self.several = several
        self.result = result
        self.units = schedule.units
        self.rows = result.epochs
        self.states = self.units.scheduler_rows(self.rows)
        self.repeat = self.units.repeat
        self.base = schedule.optimizer.group_state().lr
        self.stepped = schedule.stepped

    # -- where
    def locate(self, path: tuple):
        """``(line, dotted key)`` of ``path``; ``("@", KEY)`` is a spec-level key (the
        entry's own when it has one, else the file's)."""
        from lrsched.io.yamlload import dotted

        origin = self.schedule.origin
        if path and path[0] == "@":
            key = path[1]
            own = self.schedule.path + (key,)
            path = own if own in origin.marks or not self.schedule.path else (key,)
        return origin.where(path)[0], dotted(path) or None

    def prefix(self) -> str:
        """The schedule's name before a message, when its file has several."""
        return f"{self.schedule.name}: " if self.several else ""

    def type_path(self, spec=None) -> tuple:
        spec = spec or self.schedule.scheduler
        return spec.path + ("type",)

    # -- rows and steps
    def rows_of_states(self, first: int, last: int | None = None) -> tuple:
        """The rows (first, last) during scheduler states ``first`` .. ``last``."""
        last = first if last is None else last
        return (first * self.repeat, min((last + 1) * self.repeat, self.rows) - 1)

    def span(self, first: int, last: int) -> str:
        """Rows in words, as ``table`` numbers them: ``epochs 11-29``, ``steps 3910-3999
        (epochs 10-10)``."""
        def words(unit, a, b):
            return f"{unit} {a}" if a == b else f"{unit}s {a}-{b}"
        if self.result.unit == "step":
            k = self.units.steps_per_epoch
            return f"{words('step', first, last)} ({words('epoch', first // k, last // k)})"
        return words("epoch", first, last)

    @property
    def epochs(self) -> int:
        """Epochs the run touches."""
        k = self.units.steps_per_epoch
        return -(-self.rows // k) if k else self.rows

    def nodes(self) -> Iterator[tuple]:
        """``(scheduler spec, first state, end state)`` for the stepped scheduler and every
        child, each with the scheduler states it is active in (its own step 0 at the first)."""
        def walk(spec, start, end):
            yield spec, start, end
            children = spec.params.get("schedulers")
            if not children:
                return
            if spec.definition.name == "SequentialLR":
                starts = (0,) + tuple(spec.params["milestones"])
                for i, child in enumerate(children):
                    lo = start + starts[i]
                    hi = start + starts[i + 1] if i + 1 < len(children) else end
                    yield from walk(child, lo, min(hi, end))
            else:
                for child in children:
                    yield from walk(child, start, end)
        yield from walk(self.stepped, 0, self.states)

    def interval_path(self) -> tuple:
        return ("@", "interval")


# ---------------------------------------------------------------------------- the rules

def _onecycle_extrapolated(run: Run):
    for spec, start, end in run.nodes():
        if spec.definition.name != "OneCycleLR":
            continue
        total = horizon_of(spec)
        state = start + total
        if state < end:
            first, last = run.rows_of_states(state, end - 1)
            key = "total_steps" if spec.params["total_steps"] is not None else "epochs"
            yield (spec.path + (key,),
                   f"OneCycleLR's total_steps is {total} and the run steps it {total} times: "
                   f"{run.span(first, last)} use the lr of step {total}, extrapolated past the last "
                   f"phase ({_num(run.result.lr[first])}), not its minimum; give total_steps one more "
                   f"than the scheduler steps the run takes, or end the run a row sooner", (first, last))


def _rises_after_horizon(run: Run):
    lr = run.result.lr
    for spec, start, end in run.nodes():
        if not facts(spec).climbs:
            continue
        horizon = horizon_of(spec)
        if horizon is None:
            continue
        after = start + int(np.floor(horizon)) + 1
        if after >= end:
            continue
        first, last = run.rows_of_states(after, end - 1)
        window = lr[max(first - 1, 0):last + 1]
        if not np.any(np.diff(window, axis=0) > 0):
            continue
        key = spec.path + (_horizon_key(spec),)
        yield (key, f"{spec.definition.type} runs past its horizon ({_horizon_key(spec)} = {_count(horizon)}) "
                    f"and its lr climbs again over {run.span(first, last)} (to {_num(window.max(axis=0))}); "
                    f"set {_horizon_key(spec)} to the run's length ({_count(end - start - 1)} scheduler steps)",
               (first, last))


def _horizon_key(spec) -> str:
    counts = facts(spec).counts(spec)
    return counts[0][0][-1] if counts else "type"


def _top_horizon(run: Run):
    return horizon_of(run.stepped)


def _horizon_before_end(run: Run):
    horizon = _top_horizon(run)
    if horizon is None or _per_step(run) or not horizon < HORIZON_SHARE * run.states:
        return
    after = int(np.floor(horizon)) + 1
    if after >= run.states:
        return
    first, last = run.rows_of_states(after, run.states - 1)
    path, name = _horizon_path(run)
    yield (path, f"the schedule ends at scheduler step {_count(horizon)} ({name}), before 90% of the run's "
                 f"{run.states} scheduler steps: {run.span(first, last)} run past its end; size it to the run "
                 f"({run.states - 1} steps)", (first, last))


def _horizon_after_end(run: Run):
    horizon = _top_horizon(run)
    if horizon is None or _per_epoch(run) or not run.states < HORIZON_SHARE * horizon:
        return
    last = run.rows - 1
    path, name = _horizon_path(run)
    yield (path, f"the run ends after {run.states} scheduler steps, before 90% of the schedule's horizon of "
                 f"{_count(horizon)} ({name}): the decay never completes (the last row's lr is "
                 f"{_num(run.result.lr[-1])}); size the schedule to the run, or run longer", (last, last))


def _horizon_path(run: Run) -> tuple:
    """The key that sets the stepped scheduler's horizon, and its name."""
    for spec, start, _ in run.nodes():
        if callable(facts(spec).horizon) and not spec.params.get("schedulers") and horizon_of(spec) is not None:
            key = _horizon_key(spec)
            after = f" from step {start}" if start else ""
            return spec.path + (key,), f"{key} = {_count(horizon_of(spec))}{after}"
    return run.type_path(), run.stepped.definition.type


def _counts(run: Run) -> tuple:
    return facts(run.stepped).counts(run.stepped)


def _per_epoch(run: Run) -> bool:
    """``interval: epoch``, several updates an epoch, and a count sized in updates."""
    units = run.units
    if not units.active or units.interval != "epoch" or units.steps_per_epoch <= 1:
        return False
    counts = _counts(run)
    return bool(counts) and max(c for _, c in counts) >= SIZED_IN_UPDATES * run.rows


def _per_step(run: Run) -> bool:
    """``interval: step``, several updates an epoch, and every count sized in epochs."""
    units = run.units
    if not units.active or units.interval != "step" or units.steps_per_epoch <= 1:
        return False
    counts = _counts(run)
    return bool(counts) and all(c <= SIZED_IN_EPOCHS * run.epochs for _, c in counts)


def _stepped_per_epoch(run: Run):
    if not _per_epoch(run):
        return
    path, count = max(_counts(run), key=lambda pc: pc[1])
    yield (path, f"{path[-1] if isinstance(path[-1], str) else path[-2]} = {_count(count)} is sized in optimizer "
                 f"updates (the run has {run.rows}), but the scheduler steps once an epoch (interval: epoch): "
                 f"it takes {run.states - 1} steps, so the schedule barely starts; set interval: step, or "
                 f"count in epochs", (0, run.rows - 1))


def _stepped_per_step(run: Run):
    if not _per_step(run):
        return
    path, count = max(_counts(run), key=lambda pc: pc[1])
    last = min(int(np.ceil(count)), run.rows - 1)
    yield (run.interval_path(),
           f"every count of the schedule (largest: {_key_name(path)} = {_count(count)}) is sized in epochs "
           f"(the run has {run.epochs}), but the scheduler steps after every update (interval: step): it "
           f"plays out in steps 0-{last} (epoch {last // run.units.steps_per_epoch}); set interval: "
           f"epoch, or count in updates ({run.units.steps_per_epoch} an epoch)", (0, last))


def _warmup_starts_at_zero(run: Run):
    zero = run.result.lr[0] == 0
    if zero.any():
        path = run.schedule.path + ("warmup",) if run.schedule.warmup else run.type_path()
        groups = "" if len(zero) == 1 else f" (group {', '.join(map(str, np.flatnonzero(zero)))})"
        yield (path, f"the first row's lr is 0{groups}: {run.span(0, 0)} changes nothing; start the "
                     f"warmup above 0", (0, 0))


def _peak_not_reached(run: Run):
    peak_fact = facts(run.stepped).peak
    if not callable(peak_fact):
        return
    peak = peak_fact(run.stepped, run.base)
    if peak is None:
        return
    top = run.result.lr.max(axis=0)
    short = top < PEAK_SHARE * np.asarray(peak)
    if not short.any():
        return
    g = int(np.flatnonzero(short)[0])
    row = int(np.argmax(run.result.lr[:, g]))
    yield (_peak_path(run), f"the run's largest lr is {_num(top[g])} at {run.span(row, row)}, more than 1% "
                            f"below the configured peak {_num(np.asarray(peak)[g])}: the peak is never "
                            f"used; lengthen the run or shorten the warmup", (row, row))


def _peak_path(run: Run) -> tuple:
    if run.schedule.warmup is not None:
        return run.schedule.path + ("warmup",)
    for spec, _, _ in run.nodes():
        peak = facts(spec).peak
        if callable(peak) and peak(spec, run.base) is not None and not spec.params.get("schedulers"):
            return spec.path + ("max_lr",) if "max_lr" in spec.params else run.type_path(spec)
    return run.type_path()


def _milestone_unreached(run: Run):
    warmup = run.schedule.path + ("warmup",)
    for path, step in facts(run.stepped).changes(run.stepped):
        if path[:len(warmup)] == warmup:
            continue          # a warmup longer than the run: warmup-exceeds-run says so
        if step > run.states - 1:
            yield (path, f"{_key_name(path)} = {_count(step)}: its change would first show at scheduler step "
                         f"{_count(step)}, but the run's last is {run.states - 1}; it never happens", None)


def _sequential_milestone_zero(run: Run):
    for spec, _, _ in run.nodes():
        if spec.definition.name == "SequentialLR":
            for i, m in enumerate(spec.params["milestones"]):
                if m == 0:
                    child = spec.params["schedulers"][i].definition.type
                    yield (spec.path + ("milestones", i),
                           f"SequentialLR's milestones[{i}] is 0: schedulers[{i}] ({child}) never runs (the "
                           f"next one takes over at once); remove it, or give it a positive milestone", None)


def _chained_overwrite(run: Run):
    for spec, _, _ in run.nodes():
        if spec.definition.name != "ChainedScheduler":
            continue
        for i, child in enumerate(spec.params["schedulers"]):
            if i > 0 and facts(child).sets_lr:
                yield (run.type_path(child),
                       f"{child.definition.type} sets the lr outright, so in a ChainedScheduler after "
                       f"{spec.params['schedulers'][i - 1].definition.type} it discards the earlier "
                       f"schedulers' effect at every step; put it first, or use SequentialLR", None)


def _momentum_overridden(run: Run):
    groups = run.schedule.optimizer.group_state()
    if groups.momentum is None:
        return
    for spec, start, end in run.nodes():
        if spec.definition.name not in ("CyclicLR", "OneCycleLR") or not spec.params.get("cycle_momentum"):
            continue
        low = np.broadcast_to(np.asarray(spec.params["base_momentum"], dtype=np.float64), groups.momentum.shape)
        high = np.broadcast_to(np.asarray(spec.params["max_momentum"], dtype=np.float64), groups.momentum.shape)
        outside = (groups.momentum < np.minimum(low, high)) | (groups.momentum > np.maximum(low, high))
        if outside.any():
            g = int(np.flatnonzero(outside)[0])
            what = "beta1" if groups.momentum_key == "betas" else "momentum"
            given = run.schedule.optimizer.groups[g][groups.momentum_key]
            own = repr(given[0] if what == "beta1" else given)
            first, last = run.rows_of_states(start, end - 1)
            yield (run.type_path(spec),
                   f"{spec.definition.type} cycles {what} between {_num(low[g])} and {_num(high[g])}, but the "
                   f"optimizer's {what} is {own}: it trains with {_num(run.result.momentum[first, g])} "
                   f"from {run.span(first, first)} on, not {own}; set cycle_momentum: false, or the "
                   f"optimizer's {what} inside the cycle", (first, last))


def _lr_grows(run: Run):
    lr = run.result.lr
    for spec, start, end in run.nodes():
        f = facts(spec)
        for key in f.factors:
            value = spec.params.get(key)
            if value is not None and value > 1:
                yield (spec.path + (key,), f"{key} = {_num(value)} is a decay factor above 1: the lr grows "
                                           f"{_num(value)}x at every decay; use a factor below 1", None)
        for key in f.floors:
            value = spec.params.get(key)
            if value is not None and np.any(value > run.base):
                yield (spec.path + (key,), f"{key} = {_num(value)} is a floor above the starting lr "
                                           f"{_num(run.base.max())}: the schedule climbs to it; use a floor "
                                           f"below the starting lr", None)
        if spec.definition.name == "MultiplicativeLR" and end > start + 1:
            first, last = run.rows_of_states(start, end - 1)
            grows = np.flatnonzero(np.any(np.diff(lr[first:last + 1], axis=0) > 0, axis=1))
            if len(grows):
                row = first + int(grows[0]) + 1
                yield (spec.path + ("lr_lambda",),
                       f"lr_lambda gives a factor above 1: the lr grows at {run.span(row, row)} (to "
                       f"{_num(lr[row])}); a decay needs factors below 1", (row, last))


def _lr_zero_tail(run: Run):
    zero = np.all(run.result.lr == 0, axis=1)
    if not zero[-1]:
        return
    nonzero = np.flatnonzero(~zero)
    first = int(nonzero[-1]) + 1 if len(nonzero) else 0
    tail = run.rows - first
    if tail >= ZERO_TAIL_SHARE * run.rows:
        yield (run.type_path(), f"the lr is exactly 0 for the last {tail} rows ({run.span(first, run.rows - 1)}, "
                                f"{100 * tail / run.rows:.0f}% of the run): those updates change nothing; "
                                f"end the run sooner, or keep a small final lr", (first, run.rows - 1))


def _warmup_exceeds_run(run: Run):
    warmup = facts(run.stepped).warmup
    found = warmup(run.stepped) if warmup is not None else None
    if found is None:
        return
    path, steps = found
    if steps >= run.states:
        if run.schedule.warmup is not None:
            path = run.schedule.path + ("warmup",)
        yield (path, f"the warmup takes {_count(steps)} scheduler steps, as long as the run "
                     f"({run.states}) or longer: the schedule after it never runs; shorten the warmup",
               (0, run.rows - 1))


def _plateau_min_lr(run: Run):
    spec = run.stepped
    if spec.definition.name != "ReduceLROnPlateau":
        return
    floor = np.broadcast_to(np.asarray(spec.params["min_lr"], dtype=np.float64), run.base.shape)
    stuck = floor >= run.base
    if stuck.any():
        g = int(np.flatnonzero(stuck)[0])
        yield (spec.path + ("min_lr",), f"min_lr {_num(floor[g])} is at or above the starting lr "
                                        f"{_num(run.base[g])}: ReduceLROnPlateau can never reduce it; use a "
                                        f"min_lr below the starting lr", None)


def _timm_multistep_early(run: Run):
    for spec, _, _ in run.nodes():
        if spec.definition.type == "timm.MultiStepLRScheduler":
            yield (spec.path + ("decay_t",), "timm's MultiStepLRScheduler decays one epoch before each "
                                             "milestone (bisect_right(decay_t, t + 1)), unlike torch's "
                                             "MultiStepLR; add 1 to each milestone for torch's timing", None)


def _key_name(path: tuple) -> str:
    named = [p for p in path if isinstance(p, str)]
    index = [p for p in path if isinstance(p, int)]
    return named[-1] + (f"[{index[-1]}]" if index and isinstance(path[-1], int) else "")


def _num(value) -> str:
    """A number (or one per group) as the table prints it."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return repr(float(array))
    return repr(array.tolist()) if array.size > 1 else repr(float(array.reshape(-1)[0]))


def _count(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


RULES = (
    Rule("onecycle-extrapolated", "warning", "a row uses the lr OneCycleLR extrapolates at its total_steps-th step",
         _onecycle_extrapolated),
    Rule("rises-after-horizon", "warning", "a cosine runs past its horizon and the lr climbs again",
         _rises_after_horizon),
    Rule("horizon-before-end", "warning", "the schedule's horizon ends before 90% of the run",
         _horizon_before_end),
    Rule("horizon-after-end", "warning", "the run ends before 90% of the horizon", _horizon_after_end),
    Rule("stepped-per-epoch", "warning", "sized in optimizer updates, stepped once an epoch", _stepped_per_epoch),
    Rule("stepped-per-step", "warning", "sized in epochs, stepped every update", _stepped_per_step),
    Rule("warmup-starts-at-zero", "info", "the first row's lr is 0", _warmup_starts_at_zero),
    Rule("peak-not-reached", "warning", "the run's largest lr is more than 1% below the configured peak",
         _peak_not_reached),
    Rule("milestone-unreached", "warning", "a milestone whose change the run never reaches", _milestone_unreached),
    Rule("sequential-milestone-zero", "warning", "a SequentialLR milestone of 0", _sequential_milestone_zero),
    Rule("chained-overwrite", "warning", "in a ChainedScheduler, a scheduler that sets the lr outright comes later",
         _chained_overwrite),
    Rule("momentum-overridden", "warning", "CyclicLR/OneCycleLR cycles a momentum the optimizer set outside its range",
         _momentum_overridden),
    Rule("lr-grows", "warning", "a decay factor above 1, or a floor above the starting lr", _lr_grows),
    Rule("lr-zero-tail", "warning", "the lr is exactly 0 for the last 5% of the rows or more", _lr_zero_tail),
    Rule("warmup-exceeds-run", "warning", "the warmup is as long as the run or longer", _warmup_exceeds_run),
    Rule("plateau-min-lr", "warning", "a ReduceLROnPlateau min_lr at or above the starting lr", _plateau_min_lr),
    Rule("timm-multistep-early", "info", "timm's MultiStepLRScheduler decays one epoch before each milestone",
         _timm_multistep_early),
)


def rule_names() -> tuple:
    return tuple(r.name for r in RULES)
