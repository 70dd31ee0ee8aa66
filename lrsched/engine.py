"""The engine: a validated schedule -> whole-run arrays, as torch would step them."""

from __future__ import annotations

from lrsched.records import dataclass

import numpy as np

from lrsched.constraints import SchedulerList
from lrsched.errors import SpecError
from lrsched.spec import ScheduleSpec, SchedulerSpec, load_spec
from lrsched.schedules import Groups, Trace


@dataclass(frozen=True)
class ScheduleResult:
    """One schedule over ``epochs`` rows: row ``e`` is what is in force during epoch ``e``.

    ``lr`` and ``momentum`` have shape (epochs, groups); ``momentum`` is None unless the
    scheduler cycles it, and then ``momentum_key`` says which (``momentum`` or ``betas``,
    meaning beta1).  ``markers`` are the epochs where the schedule changes phase.

    >>> r = compute({"lr": 0.1, "epochs": 7, "scheduler": {"type": "MultiStepLR", "milestones": [2, 5]}})
    >>> r.name, r.scheduler, r.epochs, r.markers, r.momentum
    ('schedule', 'MultiStepLR', 7, (2, 5), None)
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
    return scheduler.definition.run(scheduler.params, groups, rows)


def single_schedule(spec, *, what: str, instead: str) -> ScheduleSpec:
    """The one schedule of ``spec`` (anything :func:`~lrsched.spec.load_spec` takes); a spec
    with several is refused, naming ``what`` refused it and what to do ``instead``."""
    if isinstance(spec, ScheduleSpec):
        return spec
    document = load_spec(spec)
    if len(document.schedules) != 1:
        names = ", ".join(s.name for s in document.schedules)
        raise SpecError(f"{what} takes a single schedule; this spec has {len(document.schedules)} "
                        f"({names}): {instead}", file=document.source)
    return document.schedules[0]


def compute(schedule, epochs: int | None = None) -> ScheduleResult:
    """The whole schedule as arrays; ``epochs`` overrides the spec's.  ``schedule`` is a
    validated :class:`~lrsched.spec.ScheduleSpec`, or a single-schedule spec in any form
    :func:`~lrsched.spec.load_spec` takes (a mapping, a YAML path).

    >>> compute({"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": 2}}).lr.tolist()
    [[0.1], [0.1], [0.010000000000000002]]
    """
    schedule = single_schedule(schedule, what="compute",
                               instead="use lrsched.all_schedules, or pick one with SpecDocument.select")
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


def constructed_groups(schedule: ScheduleSpec) -> tuple:
    """The keys torch's scheduler constructor leaves in each param group besides the
    optimizer's keywords, one dict per group, in torch's order: the scheduler's own
    (CyclicLR's ``max_momentum``, ``base_momentum``; OneCycleLR's ``initial_lr``, ``max_lr``,
    ``min_lr``...), then ``initial_lr`` where ``LRScheduler.__init__`` sets it by default (the
    group's lr).  SequentialLR's and ChainedScheduler's own constructors write none (their
    children are built before them), nor does ReduceLROnPlateau."""
    scheduler, groups = schedule.scheduler, schedule.optimizer.group_state()
    definition = scheduler.definition
    if definition.stepper is None or any(isinstance(p.constraint, SchedulerList)
                                         for p in definition.params):
        return tuple({} for _ in range(groups.n))
    try:
        own = definition.stepper(scheduler.params).prepare(groups)   # the constructor's body
        after = definition.stepper(scheduler.params).construct(groups)
    except SpecError as exc:
        raise schedule.origin.locate(exc, scheduler.path) from None
    out = []
    for i in range(groups.n):
        keys = dict(after.extra[i]) if i < len(after.extra) else {}
        initial = {"initial_lr": float(after.initial_lr[i])}
        out.append({**initial, **keys} if own.initial_lr[i] is not None else {**keys, **initial})
    return tuple(out)
