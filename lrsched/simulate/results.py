"""What a simulation is made of and gives back: runs as configured, saved and resumed, and
their results (paths, losses, the lr and momentum of every step, summaries, state dicts).

Plain records: :mod:`lrsched.simulate.runner` fills them, :mod:`lrsched.render.simulate`
draws them and :mod:`lrsched.io.state` writes and reads :class:`RunState` as a state file.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from lrsched.constraints import Described, Int, Items, Real
from lrsched.errors import SpecError
from lrsched.functions import TestFunction
from lrsched.optim import get_optimizer
from lrsched.records import dataclass, field

__all__ = ["RunConfig", "RunState", "RunSummary", "SimulationResult", "THRESHOLDS",
           "SCHEDULER_GROUP_KEYS", "POINT", "STEP_COUNT", "checked"]

THRESHOLDS = (1e-3, 1e-6)
# keys torch's schedulers add to a param group (besides the optimizer's own keywords)
SCHEDULER_GROUP_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")

# what a position and a step count must be, wherever they come from (a call, a state file)
POINT = Described(Items(Real(), 2), "a point [x, y] of two finite numbers")
STEP_COUNT = Described(Int(0), "a whole number >= 0")


def checked(constraint, value, key: str):
    """``constraint.check(value)``; a refusal is a SpecError at ``key`` that shows the value
    as Python (and JSON) spell it: these values come from code or from a state file."""
    try:
        return constraint.check(value)
    except SpecError:
        raise SpecError(f"must be {constraint}, got {value!r}", key=key) from None


@dataclass(frozen=True)
class RunState:
    """A run as saved after some steps: enough to continue it exactly.

    ``state_dict`` is torch's ``optimizer.state_dict()`` layout (int-keyed ``state``,
    one entry in ``param_groups``) with plain floats/lists in place of tensors.
    """

    optimizer: str
    function: str
    position: tuple[float, float]
    step: int
    state_dict: Mapping[str, Any]
    scheduler_last_epoch: int | None = None
    diverged_step: int | None = None
    label: str | None = None


@dataclass(frozen=True)
class RunConfig:
    """One run: a torch optimizer class name (any case), its lr, a start and other keywords.

    ``lr`` None means ``hyper["lr"]`` or torch's default; ``start`` None the function's
    customary start.  ``group_extras`` are keys a scheduler adds to the param group
    (``initial_lr``, OneCycleLR's ``max_lr``...), kept for ``state_dict``.  ``resume``
    continues a saved run (its optimizer, keywords, position and state win).
    """

    optimizer: str
    lr: float | None = None
    start: tuple[float, float] | None = None
    hyper: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None
    group_extras: Mapping[str, Any] = field(default_factory=dict)
    resume: RunState | None = None


@dataclass(frozen=True)
class RunSummary:
    """What a table row needs about one run (Python types; None where not applicable)."""

    index: int
    label: str
    optimizer: str
    lr: float
    start: tuple[float, float]
    final: tuple[float, float]
    final_loss: float
    diverged: bool
    diverged_step: int | None
    steps_to_1e3: int | None
    steps_to_1e6: int | None
    distance_to_minimum: float | None


@dataclass
class SimulationResult:
    """Everything a table, plot or JSON export needs about one simulation.

    Arrays are indexed ``[row, run]``; row 0 is the start (or the resumed position) and
    row k the position after k steps of this call; ``step_offset[run]`` is the global step
    of row 0 (non-zero for resumed runs).  Step counts in ``diverged_step`` and
    ``steps_to`` are global; -1 means never.
    """

    function: TestFunction
    steps: int
    configs: tuple[RunConfig, ...]
    optimizers: tuple[str, ...]
    labels: tuple[str, ...]
    base_lr: np.ndarray          # (runs,) the constructor lr of each run
    hyper: tuple[dict, ...]      # every keyword of each run's optimizer
    step_offset: np.ndarray      # (runs,)
    path: np.ndarray             # (steps + 1, runs, 2)
    loss: np.ndarray             # (steps + 1, runs)
    lr: np.ndarray               # (steps, runs) lr in force at each step
    momentum: np.ndarray | None  # (steps, runs) cycled momentum/beta1, NaN where not cycled
    diverged_step: np.ndarray    # (runs,) int, -1 = never
    steps_to: dict[float, np.ndarray]  # threshold -> (runs,) int, -1 = never/undefined
    distance_to_minimum: np.ndarray    # (runs,) float, NaN when the function has no minimum
    _states: list = field(repr=False, default_factory=list)
    _next_lr: np.ndarray | None = field(repr=False, default=None)
    _next_momentum: np.ndarray | None = field(repr=False, default=None)
    _extras: tuple = field(repr=False, default=())
    _scheduled: np.ndarray | None = field(repr=False, default=None)

    @property
    def n_runs(self) -> int:
        return self.path.shape[1]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_step >= 0

    def summary(self, run: int) -> RunSummary:
        def opt_int(v):
            return None if v < 0 else int(v)

        distance = float(self.distance_to_minimum[run])
        return RunSummary(
            index=run, label=self.labels[run], optimizer=self.optimizers[run],
            lr=float(self.base_lr[run]), start=tuple(map(float, self.path[0, run])),
            final=tuple(map(float, self.path[-1, run])), final_loss=float(self.loss[-1, run]),
            diverged=bool(self.diverged_step[run] >= 0),
            diverged_step=opt_int(self.diverged_step[run]),
            steps_to_1e3=opt_int(self.steps_to[1e-3][run]),
            steps_to_1e6=opt_int(self.steps_to[1e-6][run]),
            distance_to_minimum=None if math.isnan(distance) else distance,
        )

    def summaries(self) -> list[RunSummary]:
        return [self.summary(i) for i in range(self.n_runs)]

    def records(self) -> list[dict[str, Any]]:
        """SPEC's JSON objects: ``{"optimizer", "lr", "path", "loss"}`` per run, plus the
        summary fields (``label``, ``diverged_step``, ``steps_to_1e3``...)."""
        out = []
        for i in range(self.n_runs):
            s = self.summary(i)
            out.append({
                "optimizer": s.optimizer, "lr": s.lr, "label": s.label,
                "path": self.path[:, i].tolist(), "loss": self.loss[:, i].tolist(),
                "diverged_step": s.diverged_step, "steps_to_1e3": s.steps_to_1e3,
                "steps_to_1e6": s.steps_to_1e6, "distance_to_minimum": s.distance_to_minimum,
            })
        return out

    def state_dict(self, run: int) -> dict[str, Any]:
        """Run ``run``'s optimizer as torch's ``state_dict()`` shows it after this call:
        ``{"state": {0: {...}}, "param_groups": [{...keywords, "params": [0]}]}``, with the keys
        a scheduler's constructor adds to the group (``initial_lr``...) when one drives the run.
        """
        group = dict(self.hyper[run])
        group["lr"] = float(self._next_lr[run])
        defn = get_optimizer(self.optimizers[run])
        if self._next_momentum is not None and not math.isnan(self._next_momentum[run]):
            group = defn.with_momentum(group, float(self._next_momentum[run]))
        for key, value in self._extras[run].items():
            group[key] = value
        if self._scheduled is not None and self._scheduled[run]:   # torch's LRScheduler sets it
            group.setdefault("initial_lr", float(self.base_lr[run]))
        group["params"] = [0]
        state = self._states[run]  # torch lists no entry for a parameter without state
        return {"state": {0: state} if state else {}, "param_groups": [group]}

    def run_state(self, run: int) -> RunState:
        """Run ``run`` as a resumable :class:`RunState`."""
        total = int(self.step_offset[run]) + self.steps
        last_epoch = total if self._scheduled is not None and self._scheduled[run] else None
        div = int(self.diverged_step[run])
        return RunState(
            optimizer=self.optimizers[run], function=self.function.name,
            position=tuple(map(float, self.path[-1, run])), step=total,
            state_dict=self.state_dict(run), scheduler_last_epoch=last_epoch,
            diverged_step=None if div < 0 else div, label=self.labels[run],
        )
