"""From what the user asked for to runs: every optimizer x every lr, or the runs of a state
file continued, optionally driven by a scheduler; then run them as one batch.

    plan = fresh_plan(function, entries, lrs=[1e-3, 1e-2], schedule=schedule)
    result = run_plan(plan, steps=2000)
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from lrsched.errors import SpecError
from lrsched.functions import TestFunction, get_function
from lrsched.optim import get_optimizer
from lrsched.records import dataclass, field, replace
from lrsched.simulate.results import SCHEDULER_GROUP_KEYS, RunConfig, RunState, SimulationResult
from lrsched.simulate.runner import simulate
from lrsched.simulate.schedule import schedule_tables
from lrsched.spec import ScheduleSpec

__all__ = ["OptimizerEntry", "Plan", "fresh_plan", "simulation_plan", "resumed_plan", "run_plan",
           "DEFAULT_OPTIMIZERS"]

DEFAULT_OPTIMIZERS = ("Adam", "RAdam", "AdamW")


@dataclass(frozen=True)
class OptimizerEntry:
    """One optimizer of a simulation: its torch class, keyword overrides (validated; lr
    apart), its own lr (None: the simulation's) and a label for its runs."""

    name: str
    hyper: Mapping = field(default_factory=dict)
    lr: float | None = None
    label: str | None = None


@dataclass(frozen=True)
class Plan:
    """Runs ready to simulate on ``function``, driven by ``schedule`` (or not).  For the
    scheduler, each run's optimizer keywords at construction (``hyper``) and the scheduler
    step of its first row (``firsts``: 0, or where a resumed run stopped)."""

    function: TestFunction
    configs: tuple
    schedule: ScheduleSpec | None = None
    hyper: tuple = ()
    firsts: tuple = ()


def fresh_plan(function: TestFunction, entries: Sequence[OptimizerEntry] | None = None, *,
               lrs: Sequence[float] | None = None, default_lrs: Sequence[float] | None = None,
               start=None, schedule: ScheduleSpec | None = None) -> Plan:
    """Every optimizer (None: :data:`DEFAULT_OPTIMIZERS`) x every lr, from ``start`` (None:
    the function's).  Each optimizer runs at ``lrs`` when given, else at its own lr, else at
    ``default_lrs``, else at the function's suggested lr."""
    configs, hyper = [], []
    for entry in entries or [OptimizerEntry(n) for n in DEFAULT_OPTIMIZERS]:
        if lrs is not None:
            entry_lrs = lrs
        elif entry.lr is not None:
            entry_lrs = [entry.lr]
        else:
            entry_lrs = default_lrs or [function.lr]
        defn = get_optimizer(entry.name)
        for lr in entry_lrs:
            configs.append(RunConfig(entry.name, lr=lr, start=start, hyper=entry.hyper,
                                     label=entry.label))
            hyper.append(defn.hyper({**entry.hyper, "lr": lr}))
    return Plan(function, tuple(configs), schedule, tuple(hyper), (0,) * len(configs))


def simulation_plan(sim, lrs: Sequence[float] | None = None) -> Plan:
    """The runs of a :class:`~lrsched.io.simulation.Simulation` (its flags already in it,
    see ``Simulation.overridden``): :func:`fresh_plan` of its function, optimizers, lrs,
    start and schedule; ``lrs`` (``--lr``) replace every optimizer's own."""
    return fresh_plan(sim.function, sim.optimizers, lrs=lrs, default_lrs=sim.lrs, start=sim.start,
                      schedule=sim.schedule)


def resumed_plan(function_name: str, states: Sequence[RunState], *, source: str,
                 function: TestFunction | None = None,
                 schedule: ScheduleSpec | None = None) -> Plan:
    """The runs of a state file (``source``, as :func:`lrsched.io.state.load_state` read
    them), continued; ``function`` and ``schedule``, when given, must be what they ran on
    and were driven by.  A scheduler is recomputed from its start, with the lr it was
    built with (the group's ``initial_lr``)."""
    saved_on = get_function(function_name)
    if function is not None and function.name != saved_on.name:
        raise SpecError(f"the saved runs are on {saved_on.name!r}, not {function.name!r}",
                        file=source, key="function")
    configs, hyper, firsts = [], [], []
    for i, state in enumerate(states):
        scheduled = state.scheduler_last_epoch is not None
        label = state.label or state.optimizer
        if scheduled and schedule is None:
            raise SpecError(f"run {i} ({label}) was driven by a scheduler for "
                            f"{state.scheduler_last_epoch} steps: pass the same --schedule (or "
                            "simulation file) to continue it", file=source, key=f"runs[{i}]")
        if not scheduled and schedule is not None:
            raise SpecError(f"run {i} ({label}) ran without a scheduler; a scheduler cannot "
                            "start mid-run here (resume without --schedule)", file=source,
                            key=f"runs[{i}]")
        group = state.state_dict["param_groups"][0]
        defn = get_optimizer(state.optimizer)
        keywords = {k: v for k, v in group.items() if k != "params" and k not in SCHEDULER_GROUP_KEYS}
        lr = None
        if scheduled:
            lr = float(group.get("initial_lr", group["lr"]))
            keywords["lr"] = lr
        configs.append(RunConfig(state.optimizer, lr=lr, resume=state, label=state.label))
        hyper.append(defn.hyper(keywords))
        firsts.append(state.scheduler_last_epoch or 0)
    return Plan(saved_on, tuple(configs), schedule, tuple(hyper), tuple(firsts))


def run_plan(plan: Plan, steps: int, *,
             progress: Callable[[int], None] | None = None) -> SimulationResult:
    """Simulate ``plan`` for ``steps`` more optimizer steps, its scheduler (if any) setting
    each step's lr and momentum, and leaving its keys in the new runs' param groups."""
    configs, lr, momentum = plan.configs, None, None
    if plan.schedule is not None:
        names = [get_optimizer(c.optimizer).name for c in configs]
        tables = schedule_tables(plan.schedule, list(zip(names, plan.hyper, plan.firsts)), steps)
        lr, momentum = tables.lr, tables.momentum
        configs = tuple(c if c.resume is not None else replace(c, group_extras=keys)
                        for c, keys in zip(configs, tables.group_keys))
    return simulate(plan.function, configs, steps, lr_schedule=lr, momentum_schedule=momentum,
                    progress=progress)
