"""A schedule spec's scheduler driving simulated runs, through the engine.

Row ``k`` of the engine's run is the lr (and the momentum or beta1 CyclicLR/OneCycleLR cycle)
in force during optimizer step ``k``: the scheduler steps after every optimizer step, or, for
a spec with training units and ``interval: epoch``, after every ``steps_per_epoch`` of them; and each
run's optimizer, with its own lr, takes the place of the spec's.  A resumed run continues at
the row of the scheduler step it was saved at.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from lrsched.engine import compute, constructed_groups
from lrsched.errors import SpecError
from lrsched.records import dataclass, replace
from lrsched.spec import OptimizerSpec, ScheduleSpec, load_spec, with_rows

__all__ = ["ScheduleTables", "schedule_tables", "load_schedule"]


@dataclass(frozen=True)
class ScheduleTables:
    """What a scheduler does to every run: ``lr`` (steps + 1, runs), the lr in force at each
    step and, last, after the final scheduler step; ``momentum`` likewise where it cycles
    (NaN in the columns of runs it does not, None when it cycles none); ``group_keys``, per
    run, the keys the scheduler's constructor leaves in its param group (``initial_lr``...)."""

    lr: np.ndarray
    momentum: np.ndarray | None
    group_keys: tuple


def load_schedule(path: str) -> ScheduleSpec:
    """``--schedule SPEC.yaml``: its one schedule (a spec with several is refused)."""
    doc = load_spec(path)
    if len(doc.schedules) != 1:
        names = ", ".join(s.name for s in doc.schedules)
        raise SpecError(f"holds {len(doc.schedules)} schedules ({names}); --schedule takes a spec "
                        "with exactly one: copy the one you want into a file of its own",
                        file=doc.source)
    return doc.schedules[0]


def _rows(schedule: ScheduleSpec, name: str, first: int, steps: int):
    """The engine's run for one optimizer, rows ``0 .. first + steps``.  An error that only
    the run's length causes (the rows before ``first`` were fine) says what the engine's rows
    are here: optimizer steps."""
    rows = first + steps + 1
    try:
        return compute(with_rows(schedule, rows))
    except SpecError as exc:
        try:
            compute(with_rows(schedule, first + 1))
        except SpecError:
            raise exc from None
        raise SpecError(f"{exc.message} (with {name}: {first + steps} optimizer steps step the "
                        f"scheduler as often, {rows} rows)", file=exc.file, line=exc.line,
                        column=exc.column, key=exc.key) from None


def schedule_tables(schedule: ScheduleSpec, runs, steps: int) -> ScheduleTables:
    """The scheduler's lr (and momentum) at every step of every run, from the engine.

    ``runs`` are ``(optimizer name, its full keywords at construction, first row)``; runs
    alike share one computation.  Refused: a spec that does not start the scheduler fresh
    (``last_epoch``), and an lr below 0 at any step (an optimizer refuses it)."""
    sched = schedule.scheduler
    if sched.params.get("last_epoch", -1) != -1:
        raise schedule.origin.error(sched.path + ("last_epoch",),
                                    "simulate starts the scheduler fresh with each run; continue a "
                                    "saved run with --resume instead of last_epoch")
    n = len(runs)
    lr = np.empty((steps + 1, n))
    momentum = np.full((steps + 1, n), np.nan)
    cycled = False
    keys, cache = [], {}
    for i, (name, hyper, first) in enumerate(runs):
        alike = (name, tuple((k, repr(v)) for k, v in sorted(hyper.items())), first)
        if alike not in cache:
            spec = replace(schedule, optimizer=OptimizerSpec(name, (MappingProxyType(dict(hyper)),)))
            # sized like the run (a keyword defaulting to the run's length needs one)
            sized = with_rows(spec, first + steps + 1)
            cache[alike] = _rows(spec, name, first, steps), constructed_groups(sized)[0]
        result, group_keys = cache[alike]
        lr[:, i] = result.lr[first:, 0]
        keys.append(group_keys)
        if result.momentum is not None:
            momentum[:, i] = result.momentum[first:, 0]
            cycled = True
    bad = np.argwhere(lr < 0)
    if bad.size:
        row, col = bad[0]
        raise schedule.origin.error(sched.path, f"the lr becomes {lr[row, col]!r} at step "
                                                f"{int(row) + runs[col][2]} ({runs[col][0]}); an "
                                                "optimizer step needs lr >= 0")
    return ScheduleTables(lr, momentum if cycled else None, tuple(keys))
