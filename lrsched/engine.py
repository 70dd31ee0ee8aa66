"""The engine: a validated schedule -> whole-run arrays, as torch would step them."""

from __future__ import annotations

from lrsched.records import dataclass, replace

import numpy as np

from lrsched.constraints import SchedulerList
from lrsched.errors import SpecError
from lrsched.spec import ScheduleSpec, SchedulerSpec, load_spec, with_run_length
from lrsched.schedules import Groups, Trace


@dataclass(frozen=True)
class ScheduleResult:
    """One schedule over ``epochs`` rows: row ``e`` is what is in force during epoch ``e``
    (with training units, during optimizer update ``e``: see ``unit``).

    ``lr`` and ``momentum`` have shape (rows, groups); ``momentum`` is None unless the
    scheduler cycles it, and then ``momentum_key`` says which (``momentum`` or ``betas``,
    meaning beta1).  ``markers`` are the rows where the schedule changes phase.
    ``steps_per_epoch`` is the spec's count of optimizer updates an epoch (None without
    units); ``unit`` what a row is: ``step`` (an update) or ``epoch``; ``interval`` the spec's
    ``interval`` when it gives one (None otherwise).  ``shown`` are the (name, value) pairs
    shown beside the run: a transformers schedule's num_training_steps and num_warmup_steps.

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
    steps_per_epoch: int | None = None
    unit: str = "epoch"
    interval: str | None = None
    shown: tuple = ()

    @property
    def epochs(self) -> int:
        """Rows (the name is the tutorial's: without units a row is an epoch)."""
        return self.lr.shape[0]

    @property
    def epoch(self) -> np.ndarray:
        """The epoch of every row: ``row // steps_per_epoch`` when a row is an update."""
        rows = np.arange(self.epochs)
        return rows // self.steps_per_epoch if self.unit == "step" else rows

    @property
    def step(self) -> np.ndarray:
        """The optimizer update every row starts at (without units, the row number)."""
        rows = np.arange(self.epochs)
        return rows * self.steps_per_epoch if self.unit == "epoch" and self.steps_per_epoch else rows

    def per_epoch(self) -> "ScheduleResult":
        """One row per epoch: the lr of each epoch's first update (a last partial epoch
        included); the result itself when its rows are epochs already."""
        if self.unit == "epoch":
            return self
        k = self.steps_per_epoch
        return replace(self, lr=self.lr[::k], momentum=None if self.momentum is None else self.momentum[::k],
                       markers=tuple(sorted({-(-m // k) for m in self.markers})), unit="epoch")


PER = ("step", "epoch")


def rows_per(result: ScheduleResult, per: str | None, source: str | None = None) -> ScheduleResult:
    """``result`` with a row per ``per`` (``table --per``): ``epoch`` keeps each epoch's first
    update; ``step`` needs rows that are updates (a spec with training units), else a
    SpecError (key ``per``; ``source`` names the spec in it); None: as computed."""
    if per not in PER + (None,):
        raise SpecError(f"must be 'step', 'epoch' or None, got {per!r}", key="per")
    if per == "epoch":
        return result.per_epoch()
    if per == "step" and result.unit != "step":
        where = f" of {source}" if source else ""
        raise SpecError(f"schedule '{result.name}'{where} has no training units, so its rows are "
                        f"scheduler steps, not optimizer updates: add steps_per_epoch (or "
                        f"dataset_size and batch_size) to it, or leave out per step", key="per")
    return result


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
    rows = schedule.rows
    origin = schedule.origin
    units = schedule.units
    if rows is None:
        more = ", `max_steps: N`" if units.active else ""
        raise origin.error(schedule.path, f"missing key 'epochs' (how many rows to compute); "
                                          f"add `epochs: N`{more} or pass --epochs")
    groups = schedule.optimizer.group_state()
    stepped = schedule.stepped
    try:
        trace = run_scheduler(stepped, groups, units.scheduler_rows(rows))
    except SpecError as exc:
        raise origin.locate(exc, *_warmup_relative(schedule, exc)) from None
    lr = np.asarray(trace.lr, dtype=np.float64)
    bad = ~np.isfinite(lr)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0]) * units.repeat
        unit = "step" if units.active else "epoch"
        raise origin.error(schedule.scheduler.path,
                           f"the learning rate becomes {float(lr[bad][0])!r} at {unit} {row}")
    momentum, markers = trace.momentum, trace.markers
    if units.repeat > 1:        # interval: epoch: each scheduler state lasts an epoch of updates
        lr = np.repeat(lr, units.repeat, axis=0)[:rows]
        momentum = None if momentum is None else np.repeat(momentum, units.repeat, axis=0)[:rows]
        markers = tuple(m * units.repeat for m in markers)
    return ScheduleResult(
        name=schedule.name,
        scheduler=schedule.scheduler.type,
        lr=lr,
        momentum=momentum,
        momentum_key=groups.momentum_key if momentum is not None else None,
        markers=tuple(m for m in markers if 0 < m < rows),
        steps_per_epoch=units.steps_per_epoch,
        unit="step" if units.active else "epoch",
        interval=units.interval if units.interval_given else None,
        shown=schedule.shown or _shown(stepped),
    )


def _shown(scheduler: SchedulerSpec) -> tuple:
    """What the scheduler's definition shows beside its run (none for most)."""
    shown = scheduler.definition.shown
    return () if shown is None else shown(scheduler.params)


def _warmup_relative(schedule: ScheduleSpec, exc: SpecError) -> tuple:
    """Where an error of the stepped scheduler belongs: with ``warmup:``, an error of the
    SequentialLR's second child is the spec's scheduler's (its key made relative to it), the
    rest the warmup's."""
    if schedule.warmup is None:
        return (schedule.scheduler.path,)
    child = "schedulers[1]"
    if exc.key is not None and not getattr(exc, "_absolute", False) and exc.key.startswith(child):
        exc.key = exc.key[len(child):].lstrip(".") or None
        if exc.key is None:     # the scheduler itself cannot follow a warmup
            kind = schedule.scheduler.type
            exc.message = (f"cannot go before {kind} in a run that reaches the warmup's end: "
                           f"there torch's SequentialLR calls its step(0), which {kind} does not "
                           f"implement (NotImplementedError); put a LinearLR first in its own "
                           f"schedulers instead of `warmup:`")
            return (schedule.path + ("warmup",),)
        exc.message = f"{exc.message} (warmup: runs it in a SequentialLR after a LinearLR)"
        return (schedule.scheduler.path,)
    return (schedule.path + ("warmup",),)


def constructed_groups(schedule: ScheduleSpec) -> tuple:
    """The keys torch's scheduler constructor leaves in each param group besides the
    optimizer's keywords, one dict per group, in torch's order: the scheduler's own
    (CyclicLR's ``max_momentum``, ``base_momentum``; OneCycleLR's ``initial_lr``, ``max_lr``,
    ``min_lr``...), then ``initial_lr`` where ``LRScheduler.__init__`` sets it by default (the
    group's lr).  SequentialLR's and ChainedScheduler's own constructors write none (their
    children are built before them), nor does ReduceLROnPlateau."""
    scheduler, groups = with_run_length(schedule.scheduler, schedule.rows), schedule.optimizer.group_state()
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
