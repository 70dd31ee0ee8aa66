"""The engine: a validated schedule -> whole-run arrays, as torch would step them."""

from __future__ import annotations

from lrsched.records import dataclass

import numpy as np

from lrsched.errors import SpecError
from lrsched.spec import ScheduleSpec, SchedulerSpec, load_spec
from lrsched.schedules.base import Groups, Trace


@dataclass(frozen=True)
class ScheduleResult:
    """One schedule over ``epochs`` rows: row ``e`` is what is in force during epoch ``e``.

    ``lr`` and ``momentum`` have shape (epochs, groups); ``momentum`` is None unless the
    scheduler cycles it, and then ``momentum_key`` says which (``momentum`` or ``betas``,
    meaning beta1).  ``markers`` are the epochs where the schedule changes phase.
    """

    name: str
    scheduler: str
    lr: np.ndarray
    momentum: np.ndarray | None
    momentum_key: str | None
    markers: tuple

    @property
    def epochs(self) -> int:
        return self.lr.shape[0]


def run_scheduler(scheduler: SchedulerSpec, groups: Groups, rows: int) -> Trace:
    """Run one scheduler (any kind, composite ones included) from ``groups`` for ``rows``."""
    return scheduler.definition.compute(scheduler.params, groups, rows)


def compute(schedule: ScheduleSpec, epochs: int | None = None) -> ScheduleResult:
    """The whole schedule as arrays; ``epochs`` overrides the spec's."""
    schedule = schedule.with_epochs(epochs)      # refused up front if it cannot fit in memory
    rows = schedule.epochs
    origin = schedule.origin
    if rows is None:
        raise origin.error(schedule.path, "missing key 'epochs' (how many rows to compute); "
                                          "add `epochs: N` or pass --epochs")
    groups = schedule.optimizer.group_state()
    try:
        trace = run_scheduler(schedule.scheduler, groups, rows)
    except SpecError as exc:
        raise origin.locate(exc, schedule.scheduler.path) from None
    lr = np.asarray(trace.lr, dtype=np.float64)
    bad = ~np.isfinite(lr)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise origin.error(schedule.scheduler.path,
                           f"the learning rate becomes {float(lr[bad][0])!r} at epoch {row}")
    return ScheduleResult(
        name=schedule.name,
        scheduler=schedule.scheduler.type,
        lr=lr,
        momentum=trace.momentum,
        momentum_key=groups.momentum_key if trace.momentum is not None else None,
        markers=tuple(m for m in trace.markers if 0 < m < rows),
    )


def lr_table(spec, epochs: int | None = None) -> np.ndarray:
    """The lr of every epoch and param group, shape (epochs, groups), for a single-schedule
    spec: a mapping, a YAML path, or a loaded spec."""
    document = load_spec(spec)
    if len(document.schedules) != 1:
        names = ", ".join(s.name for s in document.schedules)
        raise SpecError(f"lr_table takes a single schedule; this spec has {len(document.schedules)} "
                        f"({names}): pick one with SpecDocument.select", file=document.source)
    return compute(document.schedules[0], epochs).lr
