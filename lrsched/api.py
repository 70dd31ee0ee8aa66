"""The library face, for notebooks and scripts: schedules and simulations as objects that
show themselves, on the same engine and the same validation as the CLI.

    >>> import lrsched
    >>> s = lrsched.schedule({"lr": 0.1, "epochs": 6, "scheduler": {"type": "StepLR", "step_size": 2}})
    >>> s.lr[:, 0].tolist()
    [0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002]

In a notebook, a :class:`Schedule` (and a :class:`Simulation`) displays as its figure and a
one-line summary (``_repr_html_``, ``_repr_png_``).  Errors are the CLI's: a
:class:`~lrsched.errors.SpecError` naming the dotted key (and the file and line, for YAML),
raised, never printed.
"""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np

from lrsched.engine import ScheduleResult, compute, rows_per, single_schedule
from lrsched.errors import SpecError
from lrsched.spec import ScheduleSpec, SpecDocument, load_spec, override_epochs

__all__ = ["Schedule", "Simulation", "schedule", "all_schedules", "lr_table", "run_simulation"]

TEXT_SOURCE = "<string>"      # the file name errors give for a spec passed as YAML text
TABLE_FORMATS = ("plain", "csv", "json", "rich")
RICH_WIDTH = 200              # as `lrsched table -f rich -o FILE` writes it
REPR_DPI = 100                # a notebook's inline figure: smaller than a saved one


def _source(spec):
    """``spec`` as :func:`~lrsched.spec.load_spec` takes it: a string with a newline or a
    ``:`` that is not an existing file is YAML text."""
    if isinstance(spec, str) and ("\n" in spec or ":" in spec) and not os.path.isfile(spec):
        return (spec, TEXT_SOURCE)
    return spec


def _document(spec) -> SpecDocument:
    if isinstance(spec, Schedule):
        return load_spec(spec.spec)
    source = _source(spec)
    if isinstance(source, tuple):
        return load_spec(source, default_name="schedule")
    return load_spec(source)


def _png(fig) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=REPR_DPI)
    return buffer.getvalue()


def _img(png: bytes) -> str:
    from base64 import b64encode

    return f'<img src="data:image/png;base64,{b64encode(png).decode("ascii")}"/>'


def _numbers(row) -> str:
    values = [float(v) for v in row]
    return repr(values[0]) if len(values) == 1 else repr(values)


class Schedule:
    """One schedule computed over its rows, as ``lrsched table`` prints it and ``lrsched
    plot`` draws it.

    ``lr`` has shape (rows, groups); ``momentum`` too, or is None unless the scheduler cycles
    it (``momentum_key`` says which: ``momentum``, or ``betas`` meaning beta1).  ``markers``
    are the rows where the schedule changes phase.  ``epoch`` and ``step`` are each row's
    epoch and optimizer step: the units of SPEC.md section 4 (updates per epoch,
    accumulation) do not exist yet, so one row is one epoch is one scheduler step, and both
    are ``arange(rows)``.  ``spec`` is the validated spec it was computed from.

    >>> s = schedule({"lr": 0.01, "epochs": 4, "scheduler": {"type": "ExponentialLR", "gamma": 0.5}})
    >>> s
    Schedule('schedule', ExponentialLR, rows=4, groups=1)
    >>> print(s.table(), end="")
    lr of epoch 0 => [0.01]
    lr of epoch 1 => [0.005]
    lr of epoch 2 => [0.0025]
    lr of epoch 3 => [0.00125]
    """

    def __init__(self, result: ScheduleResult, spec: ScheduleSpec) -> None:
        self.result = result
        self.spec = spec

    name = property(lambda self: self.result.name, doc="The schedule's name (the spec's, or the file's stem).")
    scheduler = property(lambda self: self.result.scheduler, doc="The torch scheduler class (``StepLR``).")
    lr = property(lambda self: self.result.lr, doc="The lr of every row and param group, (rows, groups).")
    momentum = property(lambda self: self.result.momentum, doc="The cycled momentum (or beta1), or None.")
    momentum_key = property(lambda self: self.result.momentum_key, doc="``momentum``, ``betas`` or None.")
    markers = property(lambda self: self.result.markers, doc="The rows where a phase begins.")

    steps_per_epoch = property(lambda self: self.result.steps_per_epoch,
                               doc="Optimizer updates an epoch (None without training units).")
    unit = property(lambda self: self.result.unit,
                    doc="What a row is: ``step`` (an optimizer update, with units) or ``epoch``.")

    @property
    def rows(self) -> int:
        """How many rows were computed (updates with training units, else epochs)."""
        return self.result.epochs

    @property
    def epoch(self) -> np.ndarray:
        """Each row's epoch (``row // steps_per_epoch`` when a row is an update).

        >>> s = schedule({"lr": 0.1, "epochs": 2, "steps_per_epoch": 3, "interval": "step",
        ...               "scheduler": {"type": "ExponentialLR", "gamma": 0.5}})
        >>> s.epoch.tolist(), s.step.tolist()
        ([0, 0, 0, 1, 1, 1], [0, 1, 2, 3, 4, 5])
        """
        return self.result.epoch

    @property
    def step(self) -> np.ndarray:
        """Each row's optimizer update (without units, the row: a scheduler step)."""
        return self.result.step

    def table(self, format: str = "plain", per: str | None = None) -> str:
        """The text ``lrsched table -f FORMAT [--per PER]`` prints for this schedule:
        ``plain`` (torch's own print loop), ``csv``, ``json`` or ``rich`` (the table as ``-o
        FILE`` writes it, 200 columns wide, no colour); ``per``: ``step`` or ``epoch`` rows
        (see :func:`lrsched.engine.rows_per`).

        >>> s = schedule({"lr": 0.1, "epochs": 2, "scheduler": {"type": "ConstantLR"}})
        >>> print(s.table("csv"), end="")
        schedule,epoch,step,group,lr,momentum
        schedule,0,0,0,0.03333333333333333,
        schedule,1,1,0,0.03333333333333333,
        """
        from lrsched.render.table import csv_lines, json_text, plain_lines

        if format == "rich":
            from io import StringIO

            from rich.console import Console

            from lrsched.render.richtable import rich_tables

            buffer = StringIO()
            console = Console(file=buffer, width=RICH_WIDTH)
            for part in rich_tables([rows_per(self.result, per)]):
                console.print(part)
            return buffer.getvalue()
        lines = {"plain": plain_lines, "csv": csv_lines, "json": json_text}.get(format)
        if lines is None:
            raise SpecError(f"must be one of {', '.join(map(repr, TABLE_FORMATS))}, got {format!r}",
                            key="format")
        return "".join(lines([rows_per(self.result, per)]))

    def lint(self, ignore=()) -> list:
        """What ``lrsched lint`` finds in this schedule: :class:`lrsched.lint.Finding`
        records (``rule``, ``severity``, ``message``, ``line``, ``rows``...), without the
        rules named in ``ignore``.

        >>> s = schedule({"lr": 0.1, "epochs": 30, "scheduler": {"type": "ExponentialLR", "gamma": 1.1}})
        >>> [(f.rule, f.severity, f.key) for f in s.lint()]
        [('lr-grows', 'warning', 'scheduler.gamma')]
        """
        from lrsched.lint import lint_schedule

        return lint_schedule(self.spec, self.result, ignore=set(ignore))

    def export(self, to: str | None = None) -> str:
        """``lrsched export``'s script for this schedule: the optimizer and scheduler built
        with the library's classes, then the loop printing :meth:`table`'s plain text.

        >>> s = schedule({"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": 2}})
        >>> "scheduler = lr_scheduler.StepLR(optimizer, step_size=2)" in s.export()
        True
        """
        from lrsched.export import script

        return script(self.spec, to=to, source=self.spec.origin.file)

    def figure(self, **options):
        """The figure ``lrsched plot`` draws, as a matplotlib ``Figure`` (no pyplot state):
        ``title`` (default: the name; ``""`` for none), ``log``, ``size`` (inches), ``dpi``,
        ``markers``, ``x`` (``epoch`` or ``step``), as :func:`lrsched.render.plot.figure`
        takes them.

        >>> fig = schedule({"lr": 0.1, "epochs": 5, "scheduler": {"type": "StepLR", "step_size": 2}}).figure()
        >>> fig.axes[0].lines[0].get_ydata()[:3].tolist()
        [0.1, 0.1, 0.010000000000000002]
        """
        from lrsched.render.plot import figure

        options.setdefault("title", self.name)
        return figure([self.result], **options)

    def _repr_png_(self) -> bytes:
        return _png(self.figure())

    def _repr_html_(self) -> str:
        from html import escape

        lr = self.lr
        summary = (f"<b>{escape(self.name)}</b> ({escape(self.scheduler)}): {self.rows} rows, lr "
                   f"start {_numbers(lr[0])}, peak {_numbers(lr.max(axis=0))}, end {_numbers(lr[-1])}")
        return f'<div class="lrsched-schedule"><p>{summary}</p>{_img(self._repr_png_())}</div>'

    def __repr__(self) -> str:
        return f"Schedule({self.name!r}, {self.scheduler}, rows={self.rows}, groups={self.lr.shape[1]})"


def schedule(spec, epochs: int | None = None) -> Schedule:
    """The one schedule of ``spec``: a mapping (where ``lr_lambda``, ``scale_fn`` and
    ``metrics`` may be Python callables), a YAML path, or YAML text (a string with a newline
    or a ``:`` that is not an existing file).  ``epochs`` overrides the spec's.  A spec with
    several schedules is refused: :func:`all_schedules` takes those.

    >>> s = schedule("lr: 0.1\\nepochs: 4\\nscheduler: {type: LambdaLR, lr_lambda: 'lambda e: 0.5 ** e'}")
    >>> s.lr[:, 0].tolist()
    [0.1, 0.05, 0.025, 0.0125]
    >>> schedule({"lr": 0.1, "epochs": 4, "scheduler": {"type": "LambdaLR", "lr_lambda": lambda e: 0.5 ** e}}).lr[:, 0].tolist()
    [0.1, 0.05, 0.025, 0.0125]
    """
    one = _single(spec, "lrsched.schedule", "use lrsched.all_schedules for all of them")
    return Schedule(compute(one, epochs), one.with_epochs(epochs))


def _single(spec, what: str, instead: str) -> ScheduleSpec:
    if isinstance(spec, Schedule):
        return spec.spec
    return single_schedule(_document(spec), what=what, instead=instead)


def all_schedules(spec, epochs: int | None = None) -> list[Schedule]:
    """Every schedule of ``spec`` (as :func:`schedule` takes it), in order; ``epochs``
    overrides every schedule's, refused up front when they would not fit in memory together.

    >>> [s.name for s in all_schedules({"lr": 0.1, "epochs": 3, "schedules": [
    ...     {"name": "flat", "scheduler": {"type": "ConstantLR", "factor": 1.0}},
    ...     {"name": "decay", "scheduler": {"type": "ExponentialLR", "gamma": 0.9}}]})]
    ['flat', 'decay']
    """
    document = _document(spec)
    if epochs is not None:
        document = override_epochs([document], epochs)[0]
    return [Schedule(compute(s), s) for s in document.schedules]


def lr_table(spec, epochs: int | None = None) -> np.ndarray:
    """The lr of every epoch and param group, shape (epochs, groups), of a single-schedule
    spec: ``schedule(spec, epochs).lr``.

    >>> lr_table({"lr": 0.01, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": 1, "gamma": 0.5}}).tolist()
    [[0.01], [0.005], [0.0025]]
    """
    one = _single(spec, "lr_table", "use lrsched.all_schedules, or pick one with SpecDocument.select")
    return compute(one, epochs).lr


# ---------------------------------------------------------------------------- simulate

class Simulation:
    """Runs of torch optimizers on a test function, as ``lrsched simulate`` reports them:
    ``result`` is the :class:`~lrsched.simulate.results.SimulationResult` (paths, losses,
    lrs, summaries), ``table(format)`` the command's text, ``figure()`` its figure.

    >>> sim = run_simulation("rosenbrock", optimizers=["SGD"], lr=0.001, steps=3)
    >>> sim
    Simulation('rosenbrock', runs=1, steps=3)
    >>> print(sim.table(), end="")
    # rosenbrock from (-1.2, 1), 3 steps, f_min = 0
    optimizer     lr        x       y      f  dist  <1e-3  <1e-6  diverged
    SGD        0.001  -1.0269  1.0624  4.115  2.03      -      -         -
    >>> bool(sim.result.loss[-1, 0] < sim.result.loss[0, 0])
    True
    """

    def __init__(self, result, scheduler: str | None = None) -> None:
        self.result = result
        self.scheduler = scheduler

    def table(self, format: str = "plain") -> str:
        """``lrsched simulate -f FORMAT``'s text: ``plain``, ``json`` or ``rich`` (200
        columns, no colour)."""
        from lrsched.render.simulate import json_text, plain_text, rich_table

        if format == "rich":
            from io import StringIO

            from rich.console import Console

            buffer = StringIO()
            Console(file=buffer, width=RICH_WIDTH, highlight=False).print(rich_table(self.result, width=RICH_WIDTH))
            return buffer.getvalue()
        if format == "json":
            return json_text(self.result, schedules=self.scheduler is not None)
        if format == "plain":
            return plain_text(self.result)
        raise SpecError(f"must be one of 'plain', 'json', 'rich', got {format!r}", key="format")

    def save_state(self, path) -> None:
        """``--save-state FILE``: every run's optimizer state (torch's ``state_dict`` layout),
        position and scheduler step, written as the command writes it; ``run_simulation(...,
        resume=FILE)`` continues the runs exactly as if they had never stopped."""
        from lrsched.io.state import write_state

        write_state(os.fspath(path), self.result)

    def figure(self, **options):
        """``lrsched simulate -o FILE``'s figure (contour map with the paths, loss and lr
        against step) as a matplotlib ``Figure``: ``title``, ``size``, ``dpi``."""
        from lrsched.render.simulate import figure, figure_title

        options.setdefault("title", figure_title(self.result, self.scheduler))
        return figure(self.result, **options)

    def _repr_png_(self) -> bytes:
        return _png(self.figure())

    def _repr_html_(self) -> str:
        from html import escape

        from lrsched.render.simulate import divergence_summary, figure_title

        text = escape(figure_title(self.result, self.scheduler))
        diverged = divergence_summary(self.result)
        if diverged:
            text += "; " + escape(diverged)
        return f'<div class="lrsched-simulation"><p>{text}</p>{_img(self._repr_png_())}</div>'

    def __repr__(self) -> str:
        r = self.result
        return f"Simulation({r.function.name!r}, runs={r.n_runs}, steps={r.steps})"


def run_simulation(function=None, optimizers=None, lr=None, steps: int | None = None, start=None,
                   schedule=None, resume=None) -> Simulation:
    """``lrsched simulate`` from Python: every optimizer x every lr on a 2-D test function.

    ``function``: a test function's name, or a simulation file (path, YAML text or mapping)
    whose keys the other arguments override, as the command's flags do.  ``optimizers``:
    torch class names or mappings (``{"type": "Adam", "betas": [0.3, 0.9]}``); ``lr``: a
    number or a list (every run uses them, as ``--lr``); ``steps`` (default 2000); ``start``:
    ``(x, y)``; ``schedule``: a scheduler mapping (``{"type": "ExponentialLR", "gamma":
    0.99}``), a single-schedule spec (path, YAML text, mapping) or a :class:`Schedule`,
    whose scheduler steps after every optimizer step (every ``steps_per_epoch`` with
    training units and ``interval: epoch``).  ``resume``: a state file written by
    :meth:`Simulation.save_state` (or ``--save-state``), whose runs continue for ``steps``
    more steps (``function`` may then be left out; ``lr`` and ``start`` may not be given).
    Diverged runs are reported in the result (``result.diverged``), not raised.

    >>> sim = run_simulation("himmelblau", optimizers=["Adam", {"type": "SGD", "momentum": 0.9}],
    ...                      lr=[0.01, 0.02], steps=10, schedule={"type": "ExponentialLR", "gamma": 0.9})
    >>> [(r.optimizer, r.lr) for r in sim.result.configs]
    [('Adam', 0.01), ('Adam', 0.02), ('SGD', 0.01), ('SGD', 0.02)]
    """
    from lrsched.io.simulation import DEFAULT_STEPS, check_run_steps, is_simulation_file, load_simulation
    from lrsched.io.simulation import parse_simulation
    from lrsched.records import replace
    from lrsched.simulate.plan import run_plan, simulation_plan
    from lrsched.spec import Origin

    if resume is not None:
        return _resumed(os.fspath(resume), function, optimizers, lr, steps, start, schedule)
    if isinstance(function, Mapping):
        sim = parse_simulation(dict(function), Origin("<simulation>"))
    elif isinstance(function, os.PathLike) or (isinstance(function, str) and (
            is_simulation_file(function) or isinstance(_source(function), tuple))):
        sim = load_simulation(_source(os.fspath(function)))
    else:
        sim = parse_simulation({"function": function}, Origin("<simulation>"))
    given = {k: v for k, v in (("optimizers", optimizers), ("steps", steps), ("start", start),
                               ("lr", lr)) if v is not None}
    if isinstance(given.get("start"), tuple):
        given["start"] = list(given["start"])
    if isinstance(schedule, Mapping) and "type" in schedule:
        given["scheduler"] = dict(schedule)
    flags = parse_simulation({"function": sim.function.name, **given}, Origin("<arguments>"))
    if schedule is not None and "scheduler" not in given:
        flags = replace(flags, schedule=_single(schedule, "run_simulation's schedule",
                                                "pass one of them"))
    sim = sim.overridden(function=flags.function, optimizers=flags.optimizers, steps=flags.steps,
                         start=flags.start, schedule=flags.schedule)
    steps = sim.steps or DEFAULT_STEPS
    plan = simulation_plan(sim, lrs=flags.lrs)
    check_run_steps(len(plan.configs), steps, key="steps")
    result = run_plan(plan, steps)
    return Simulation(result, None if sim.schedule is None else sim.schedule.scheduler.type)


def _resumed(path, function, optimizers, lr, steps, start, schedule) -> Simulation:
    """``run_simulation(..., resume=PATH)``: the runs of a state file, continued."""
    from lrsched.functions import get_function
    from lrsched.io.simulation import DEFAULT_STEPS
    from lrsched.io.state import load_state
    from lrsched.simulate.plan import resumed_plan, run_plan

    for key, given in (("lr", lr), ("start", start)):
        if given is not None:
            raise SpecError(f"cannot be combined with resume: the saved runs keep their {key}", key=key)
    names = None
    if optimizers is not None:
        names = [_optimizer_name(o) for o in optimizers]
    function_name, states = load_state(path, optimizers=names)
    scheduled = None
    if schedule is not None:     # a scheduler mapping, or a spec holding one schedule
        spec = {"scheduler": dict(schedule)} if isinstance(schedule, Mapping) and "type" in schedule else schedule
        scheduled = _single(spec, "run_simulation's schedule", "pass one of them")
    plan = resumed_plan(function_name, states, source=path,
                        function=None if function is None else get_function(function, key="function"),
                        schedule=scheduled)
    result = run_plan(plan, steps or DEFAULT_STEPS)
    return Simulation(result, None if scheduled is None else scheduled.scheduler.type)


def _optimizer_name(entry) -> str:
    """A torch.optim class name from a name or a ``{"type": ...}`` mapping."""
    from lrsched.optim import get_optimizer

    return get_optimizer(entry["type"] if isinstance(entry, Mapping) else entry, key="optimizers").name
