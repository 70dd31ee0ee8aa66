"""Run optimizer x lr x start grids on a 2-D test function as one batch of NumPy arrays.

Every run is one torch optimizer instance with one 2-element float64 parameter tensor.
Runs with the same optimizer, hyperparameters and step count form a group; each step is
one gradient evaluation and one ``update`` call per group, for all of its runs at once.

    result = run_grid("rosenbrock", ["Adam", "RAdam", "AdamW"], lrs=[1e-3, 1e-2], steps=2000)
    result.path            # (steps + 1, runs, 2) positions, row k after k steps
    result.summary(0)      # final point, loss, divergence, steps to f - f_min < 1e-3 / 1e-6
    result.state_dict(0)   # torch's optimizer.state_dict() layout for run 0

Diverged runs (a non-finite position, or one farther than ``escape`` half-widths from the
domain's centre) are frozen at their last good position, flagged with the step that
diverged, and never raise or warn.  ``save_state``/``load_state`` write and read a JSON
file with each run's ``state_dict`` plus position and scheduler step, so that N steps,
saved and resumed for M steps, give bit for bit the path of N + M steps.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from lrsched.errors import SpecError
from lrsched.functions import TestFunction, get_function
from lrsched.optim import OptimizerDef, export_state, get_optimizer, import_states
from lrsched.constraints import is_number

__all__ = [
    "RunConfig", "RunState", "RunSummary", "SimulationResult", "simulate", "run_grid",
    "save_state", "dumps_state", "loads_state", "load_state", "resume_configs",
    "STATE_FORMAT", "THRESHOLDS", "SCHEDULER_GROUP_KEYS",
]

STATE_FORMAT = "lrsched-simulate-state"
STATE_VERSION = 1
THRESHOLDS = (1e-3, 1e-6)
PROGRESS_EVERY = 100  # steps between calls of simulate()'s progress callback
# keys torch's schedulers add to a param group (besides the optimizer's own keywords)
SCHEDULER_GROUP_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


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


@dataclass(frozen=True)
class _Run:
    """A RunConfig resolved and validated."""

    defn: OptimizerDef
    hyper: dict
    lr: float
    start: tuple[float, float]
    label: str
    extras: dict
    step: int  # optimizer steps already taken
    state_entry: Mapping[str, Any] | None
    diverged_step: int | None
    scheduler_last_epoch: int | None


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
        ``{"state": {0: {...}}, "param_groups": [{...keywords, "initial_lr", "params": [0]}]}``.
        """
        group = dict(self.hyper[run])
        group["lr"] = float(self._next_lr[run])
        defn = get_optimizer(self.optimizers[run])
        if self._next_momentum is not None and not math.isnan(self._next_momentum[run]):
            group = defn.with_momentum(group, float(self._next_momentum[run]))
        for key, value in self._extras[run].items():
            group[key] = value
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


# --------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------
def _point(value, key: str) -> tuple[float, float]:
    if (isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2
            or not all(is_number(v) and math.isfinite(v) for v in value)):
        raise SpecError(f"must be a point [x, y] of two finite numbers, got {value!r}", key=key)
    return float(value[0]), float(value[1])


def _steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 0:
        raise SpecError(f"must be a whole number >= 0, got {steps!r}", key="steps")
    return int(steps)


def _per_step_table(table, steps: int, n_runs: int, key: str, *, nonneg: bool,
                    allow_nan: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """A (steps, runs) table from (steps[+1], runs) or (steps[+1],); also the row after the
    last step when given."""
    arr = np.asarray(table, dtype=np.float64)
    if arr.ndim == 1:
        arr = np.repeat(arr[:, None], n_runs, axis=1)
    if arr.ndim != 2 or arr.shape[0] not in (steps, steps + 1) or arr.shape[1] != n_runs:
        raise SpecError(f"must have shape (steps, runs) = ({steps}, {n_runs}) or "
                        f"({steps + 1}, {n_runs}), got {np.shape(table)}", key=key)
    values = arr[~np.isnan(arr)] if allow_nan else arr
    if not np.all(np.isfinite(values)) or (nonneg and np.any(values < 0)):
        raise SpecError("must hold finite numbers" + (" >= 0" if nonneg else ""), key=key)
    nxt = arr[steps].copy() if arr.shape[0] == steps + 1 else None
    return np.ascontiguousarray(arr[:steps]), nxt


def _resolve(index: int, cfg: RunConfig, function: TestFunction) -> _Run:
    where = f"runs[{index}]"
    if not isinstance(cfg, RunConfig):
        raise SpecError(f"must be a RunConfig, got {type(cfg).__name__}", key=where)
    if cfg.resume is not None:
        saved = cfg.resume
        if saved.function != function.name:
            raise SpecError(f"the saved run is on {saved.function!r}, not {function.name!r}",
                            key=f"{where}.resume.function")
        defn = get_optimizer(saved.optimizer, key=f"{where}.resume.optimizer")
        if cfg.optimizer and get_optimizer(cfg.optimizer, key=f"{where}.optimizer") is not defn:
            raise SpecError(f"the saved run is a {defn.name} state, not {cfg.optimizer}",
                            key=f"{where}.optimizer")
        group = saved.state_dict["param_groups"][0]
        hyper_in = {k: v for k, v in group.items()
                    if k != "params" and k not in SCHEDULER_GROUP_KEYS}
        extras = {k: group[k] for k in SCHEDULER_GROUP_KEYS if k in group}
        hyper = defn.hyper(hyper_in, prefix=f"{where}.resume.param_groups[0]")
        lr = float(hyper["lr"]) if cfg.lr is None else float(cfg.lr)
        return _Run(defn, hyper, lr, tuple(saved.position), cfg.label or saved.label or
                    _default_label(defn, lr), extras, int(saved.step),
                    saved.state_dict["state"].get(0, {}), saved.diverged_step,
                    saved.scheduler_last_epoch)
    defn = get_optimizer(cfg.optimizer, key=f"{where}.optimizer")
    overrides = dict(cfg.hyper)
    if cfg.lr is not None:
        overrides["lr"] = cfg.lr
    hyper = defn.hyper(overrides, prefix="optimizer")
    start = function.start if cfg.start is None else _point(cfg.start, f"{where}.start")
    lr = float(hyper["lr"])
    extras = dict(cfg.group_extras)
    unknown = set(extras) - set(SCHEDULER_GROUP_KEYS)
    if unknown:
        raise SpecError(f"unknown param-group keys {sorted(unknown)} "
                        f"(valid: {', '.join(SCHEDULER_GROUP_KEYS)})", key=f"{where}.group_extras")
    return _Run(defn, hyper, lr, start, cfg.label or _default_label(defn, lr), extras, 0,
                None, None, None)


def _default_label(defn: OptimizerDef, lr: float) -> str:
    return f"{defn.name} lr={lr:g}"


def _group_key(run: _Run):
    hyper = tuple((k, v) for k, v in run.hyper.items() if k != "lr")
    return run.defn.name, hyper, run.step


# --------------------------------------------------------------------------------------
# the runner
# --------------------------------------------------------------------------------------
class _Group:
    """Runs sharing an optimizer, its keywords and the step count, stepped together."""

    def __init__(self, defn, hyper, members: list[int], runs: list[_Run], lr_table,
                 mom_table, steps: int):
        self.defn, self.hyper, self.members = defn, hyper, np.asarray(members)
        n = len(members)
        self.cols = np.arange(n)  # local indices of the runs still active
        self.params = np.array([runs[i].start for i in members], dtype=np.float64)
        entries = [runs[i].state_entry for i in members]
        if all(e is None for e in entries):
            self.state = defn.init_state(self.params, hyper)
        else:
            self.state = import_states(defn, hyper, [e or {} for e in entries], self.params)
        self.lr = np.ascontiguousarray(lr_table[:, members])
        self.mom = None
        if mom_table is not None:
            sub = mom_table[:, members]
            if not np.all(np.isnan(sub)):
                # runs of the group that are not cycled keep their own momentum
                self.mom = np.where(np.isnan(sub), defn.momentum_of(hyper), sub)
        self.path = np.empty((steps + 1, n, 2))
        self.path[0] = self.params
        self.diverged_at = np.full(n, -1, dtype=np.int64)  # local step of divergence
        self.frozen_state: dict[int, dict] = {}
        for j, i in enumerate(members):
            if runs[i].diverged_step is not None:  # resumed as diverged: stays frozen
                self.diverged_at[j] = 0
        if (self.diverged_at == 0).any():
            self._freeze(self.diverged_at == 0, step=0)

    def _freeze(self, bad: np.ndarray, step: int) -> None:
        for j in np.flatnonzero(bad):
            col = int(self.cols[j])
            self.frozen_state[col] = export_state(self.defn, self.hyper, self.state, j)
            if self.diverged_at[col] < 0:
                self.diverged_at[col] = step
        keep = ~bad
        self.cols = self.cols[keep]
        self.params = self.params[keep]
        self.state = {k: (v[keep] if isinstance(v, np.ndarray) else v)
                      for k, v in self.state.items()}
        self.lr = np.ascontiguousarray(self.lr[:, keep])
        if self.mom is not None:
            self.mom = np.ascontiguousarray(self.mom[:, keep])

    def exported_states(self) -> list[dict]:
        out = []
        active = {int(c): j for j, c in enumerate(self.cols)}
        for col in range(len(self.members)):
            if col in active:
                out.append(export_state(self.defn, self.hyper, self.state, active[col]))
            else:
                out.append(self.frozen_state[col])
        return out


def simulate(function: str | TestFunction, runs: Sequence[RunConfig], steps: int, *,
             lr_schedule=None, momentum_schedule=None, escape: float | None = 10.0,
             progress: Callable[[int], None] | None = None) -> SimulationResult:
    """Advance every run ``steps`` optimizer steps on ``function``, all runs together.

    ``lr_schedule``: the lr in force at each step, shape ``(steps, runs)`` (or
    ``(steps + 1, runs)``, the last row being the lr after the final scheduler step, which
    ``state_dict`` reports; ``(steps,)`` applies to every run); default: each run's lr.
    ``momentum_schedule``: same shapes, the momentum (``betas[0]`` for the Adam family)
    that CyclicLR/OneCycleLR write before each step; NaN in a column means "not cycled"
    (required for optimizers without a momentum, e.g. Adagrad).
    ``escape``: a run whose position leaves the domain's box enlarged ``escape`` times
    around its centre counts as diverged (None: only non-finite positions do).
    ``progress``: called with the steps done every PROGRESS_EVERY steps and at the end.

    Raises SpecError for an unknown optimizer/keyword/function, a bad value or shape.
    """
    function = get_function(function) if isinstance(function, str) else function
    steps = _steps(steps)
    if escape is not None and not (is_number(escape) and escape > 0):
        raise SpecError(f"must be a number > 0 or None, got {escape!r}", key="escape")
    configs = tuple(runs)
    if not configs:
        raise SpecError("needs at least one run", key="runs")
    resolved = [_resolve(i, cfg, function) for i, cfg in enumerate(configs)]
    n_runs = len(resolved)

    if lr_schedule is None:
        lr_table = np.repeat(np.array([[r.lr for r in resolved]]), steps, axis=0)
        next_lr = np.array([r.lr for r in resolved])
    else:
        lr_table, next_lr = _per_step_table(lr_schedule, steps, n_runs, "lr_schedule",
                                            nonneg=True)
        if next_lr is None:
            next_lr = lr_table[-1].copy() if steps else np.array([r.lr for r in resolved])
    mom_table = next_mom = None
    if momentum_schedule is not None:
        mom_table, next_mom = _per_step_table(momentum_schedule, steps, n_runs,
                                              "momentum_schedule", nonneg=True, allow_nan=True)
        for i, r in enumerate(resolved):
            column = mom_table[:, i]
            if r.defn.momentum_key is None and not np.all(np.isnan(column)):
                raise SpecError(f"{r.defn.name} has no momentum to cycle (use NaN)",
                                key=f"momentum_schedule[{i}]")
            if r.defn.momentum_key == "betas" and np.any(column >= 1):
                raise SpecError("beta1 must be in [0, 1)", key=f"momentum_schedule[{i}]")
        if next_mom is None:
            next_mom = mom_table[-1].copy() if steps else np.full(n_runs, np.nan)

    by_key: dict = {}
    for i, r in enumerate(resolved):
        # a run resumed after it diverged never steps again: a group of its own
        key = ("diverged", i) if r.diverged_step is not None else _group_key(r)
        by_key.setdefault(key, []).append(i)
    groups = [_Group(resolved[m[0]].defn, resolved[m[0]].hyper, m, resolved, lr_table,
                     mom_table, steps) for m in by_key.values()]

    (xmin, xmax), (ymin, ymax) = function.domain
    center = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    # `abs(p - center) <= limit` is False for NaN and inf as well as for escaped runs
    limit = (np.finfo(np.float64).max if escape is None
             else np.array([(xmax - xmin) / 2, (ymax - ymin) / 2]) * float(escape))
    grad_fn = function.grad

    with np.errstate(all="ignore"):
        for t in range(steps):
            for g in groups:
                if not g.cols.size:
                    continue
                p = g.params
                grads = np.empty_like(p)
                grads[:, 0], grads[:, 1] = grad_fn(p[:, 0], p[:, 1])
                mom = None if g.mom is None else g.mom[t]
                new_p, new_state = g.defn.update(p, grads, g.state, g.lr[t], g.hyper,
                                                 momentum=mom)
                if not (np.abs(new_p - center) <= limit).all():
                    bad = ~(np.abs(new_p - center) <= limit).all(axis=1)
                    g._freeze(bad, step=t + 1)
                    new_p = new_p[~bad]
                    new_state = {k: (v[~bad] if isinstance(v, np.ndarray) else v)
                                 for k, v in new_state.items()}
                g.params, g.state = new_p, new_state
                if g.cols.size == len(g.members):
                    g.path[t + 1] = new_p
                else:
                    g.path[t + 1, g.cols] = new_p

            if progress is not None and (t + 1) % PROGRESS_EVERY == 0:
                progress(t + 1)
        if progress is not None:
            progress(steps)

        path = np.empty((steps + 1, n_runs, 2))
        diverged = np.full(n_runs, -1, dtype=np.int64)
        offsets = np.array([r.step for r in resolved], dtype=np.int64)
        states: list = [None] * n_runs
        for g in groups:
            for col, at in enumerate(g.diverged_at):
                if at > 0:  # rows after the bad step repeat the last good point
                    g.path[at:, col] = g.path[at - 1, col]
                elif at == 0:
                    g.path[:, col] = g.path[0, col]
            path[:, g.members] = g.path
            for j, i in enumerate(g.members):
                if g.diverged_at[j] > 0:
                    diverged[i] = offsets[i] + g.diverged_at[j]
                elif g.diverged_at[j] == 0:
                    diverged[i] = resolved[i].diverged_step
            for i, st in zip(g.members, g.exported_states()):
                states[i] = st
        loss = function.value(path[..., 0], path[..., 1])

        steps_to = {}
        for threshold in THRESHOLDS:
            if function.f_min is None:
                steps_to[threshold] = np.full(n_runs, -1, dtype=np.int64)
                continue
            hit = (loss - function.f_min) < threshold
            first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
            steps_to[threshold] = np.where(first >= 0, first + offsets, -1)
        distance = function.nearest_minimum_distance(path[-1, :, 0], path[-1, :, 1])
        if distance is None:
            distance = np.full(n_runs, np.nan)

    scheduled = np.array([lr_schedule is not None or momentum_schedule is not None
                          or r.scheduler_last_epoch is not None for r in resolved])
    return SimulationResult(
        function=function, steps=steps, configs=configs,
        optimizers=tuple(r.defn.name for r in resolved),
        labels=tuple(r.label for r in resolved),
        base_lr=np.array([r.lr for r in resolved]),
        hyper=tuple(r.hyper for r in resolved), step_offset=offsets, path=path, loss=loss,
        lr=lr_table, momentum=mom_table, diverged_step=diverged, steps_to=steps_to,
        distance_to_minimum=np.asarray(distance, dtype=np.float64), _states=states,
        _next_lr=next_lr, _next_momentum=next_mom,
        _extras=tuple(r.extras for r in resolved), _scheduled=scheduled,
    )


def run_grid(function: str | TestFunction, optimizers: Sequence[str] = ("Adam", "RAdam", "AdamW"),
             lrs: Sequence[float] | None = None, starts: Sequence[Sequence[float]] | None = None,
             steps: int = 2000, *, hyper: Mapping[str, Mapping[str, Any]] | None = None,
             lr_schedule=None, momentum_schedule=None, escape: float | None = 10.0
             ) -> SimulationResult:
    """Every optimizer x lr x start as one simulation (runs in that nesting order).

    ``lrs`` None: the function's suggested lr.  ``starts`` None: its customary start.
    ``hyper`` maps an optimizer name (as given in ``optimizers``) to extra constructor
    keywords.  Schedules are as in :func:`simulate`, columns in the run order.
    """
    function = get_function(function) if isinstance(function, str) else function
    lrs = [function.lr] if lrs is None else list(lrs)
    starts = [function.start] if starts is None else list(starts)
    hyper = dict(hyper or {})
    for name in hyper:
        if name not in optimizers:
            raise SpecError(f"keywords given for {name!r}, which is not among the optimizers",
                            key=f"hyper.{name}")
    for i, lr in enumerate(lrs):
        if not is_number(lr):
            raise SpecError(f"must be a number, got {lr!r}", key=f"lr[{i}]")
    configs = [RunConfig(optimizer=name, lr=float(lr), start=tuple(start),
                         hyper=dict(hyper.get(name, {})))
               for name in optimizers for lr in lrs for start in starts]
    return simulate(function, configs, steps, lr_schedule=lr_schedule,
                    momentum_schedule=momentum_schedule, escape=escape)


def resume_configs(states: Sequence[RunState]) -> list[RunConfig]:
    """RunConfigs continuing saved runs (as :func:`load_state` returns them)."""
    return [RunConfig(optimizer=s.optimizer, resume=s, label=s.label) for s in states]


# --------------------------------------------------------------------------------------
# state files
# --------------------------------------------------------------------------------------
def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def save_state(result: SimulationResult, runs: Sequence[int] | None = None) -> dict[str, Any]:
    """The state file's content (a JSON-able dict) for some or all runs of ``result``."""
    indices = range(result.n_runs) if runs is None else runs
    out = []
    for i in indices:
        s = result.run_state(i)
        out.append({
            "label": s.label, "optimizer": s.optimizer, "step": s.step,
            "position": list(s.position), "scheduler_last_epoch": s.scheduler_last_epoch,
            "diverged_step": s.diverged_step, "state_dict": _jsonable(s.state_dict),
        })
    return {"format": STATE_FORMAT, "version": STATE_VERSION,
            "function": result.function.name, "runs": out}


def dumps_state(result: SimulationResult, runs: Sequence[int] | None = None) -> str:
    """:func:`save_state` as JSON text (floats written with ``repr``: they round-trip)."""
    return json.dumps(save_state(result, runs), indent=1, allow_nan=False) + "\n"


def _whole(value, key: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise SpecError(f"must be a whole number >= 0, got {value!r}", key=key)
    return int(value)


def _check_run(i: int, raw, function: str) -> RunState:
    where = f"runs[{i}]"
    if not isinstance(raw, dict):
        raise SpecError("must be a mapping", key=where)
    for key in ("optimizer", "step", "position", "state_dict"):
        if key not in raw:
            raise SpecError(f"missing {key!r} (not written by lrsched?)", key=where)
    defn = get_optimizer(raw["optimizer"], key=f"{where}.optimizer")
    step = _whole(raw["step"], f"{where}.step")
    position = _point(raw["position"], f"{where}.position")
    last_epoch = _whole(raw.get("scheduler_last_epoch"), f"{where}.scheduler_last_epoch",
                        optional=True)
    diverged_step = _whole(raw.get("diverged_step"), f"{where}.diverged_step",
                           optional=True)
    sd = raw["state_dict"]
    if not isinstance(sd, dict) or set(sd) != {"state", "param_groups"}:
        raise SpecError("must have exactly 'state' and 'param_groups'",
                        key=f"{where}.state_dict")
    groups = sd["param_groups"]
    if not isinstance(groups, list) or len(groups) != 1 or not isinstance(groups[0], dict):
        raise SpecError("must be a list of one param group",
                        key=f"{where}.state_dict.param_groups")
    group = dict(groups[0])
    if group.get("params") != [0]:
        raise SpecError("must be [0] (one 2-element parameter)",
                        key=f"{where}.state_dict.param_groups[0].params")
    prefix = f"{where}.state_dict.param_groups[0]"
    hyper_in = {k: v for k, v in group.items()
                if k != "params" and k not in SCHEDULER_GROUP_KEYS}
    hyper = defn.hyper(hyper_in, prefix=prefix)
    for key in SCHEDULER_GROUP_KEYS:
        if key in group and not (is_number(group[key]) and math.isfinite(group[key])):
            raise SpecError(f"must be a finite number, got {group[key]!r}",
                            key=f"{prefix}.{key}")
    state = sd["state"]
    if not isinstance(state, dict) or not set(state) <= {"0", 0}:
        raise SpecError("must map parameter 0 to its state",
                        key=f"{where}.state_dict.state")
    entry = state.get("0", state.get(0, {}))
    import_states(defn, hyper, [entry], np.zeros((1, 2)), prefix=f"{where}.state_dict.state.0")
    # a diverged run's optimizer stays at the step before it diverged
    expected = step if diverged_step is None else diverged_step - 1
    if "step" in entry and float(entry["step"]) != expected:
        raise SpecError(f"state step {entry['step']} does not match the run's step {expected}",
                        key=f"{where}.step")
    if "betas" in group:
        group["betas"] = tuple(group["betas"])
    return RunState(
        optimizer=defn.name, function=function, position=position, step=step,
        state_dict={"state": {0: dict(entry)} if entry else {}, "param_groups": [group]},
        scheduler_last_epoch=last_epoch, diverged_step=diverged_step,
        label=raw.get("label") if isinstance(raw.get("label"), str) else None,
    )


def loads_state(text: str, *, source: str | None = None) -> tuple[str, list[RunState]]:
    """Parse and validate a state file's text: ``(function name, runs)``.

    Raises SpecError (with ``source`` as the file) for text that is not JSON or is cut
    short, a file that is not an lrsched state file, or runs whose state does not fit
    their optimizer.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"not a valid JSON state file (truncated?): {exc.msg}",
                        file=source, line=exc.lineno, column=exc.colno) from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise SpecError(f"not an lrsched simulation state file (expected \"format\": "
                        f"\"{STATE_FORMAT}\")", file=source)
    if data.get("version") != STATE_VERSION:
        raise SpecError(f"unsupported state file version {data.get('version')!r} "
                        f"(this lrsched reads version {STATE_VERSION})", file=source,
                        key="version")
    try:
        function = data.get("function")
        if not isinstance(function, str):
            raise SpecError("missing the test function's name", key="function")
        function = get_function(function).name
        runs = data.get("runs")
        if not isinstance(runs, list) or not runs:
            raise SpecError("must be a non-empty list of runs", key="runs")
        return function, [_check_run(i, raw, function) for i, raw in enumerate(runs)]
    except SpecError as exc:
        raise exc.located(file=source) from None


def load_state(path, *, optimizers: Sequence[str] | None = None) -> tuple[str, list[RunState]]:
    """Read a state file; with ``optimizers``, also require the runs to be of those
    optimizers (SpecError naming the mismatch otherwise)."""
    source = str(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise SpecError("not a text (JSON) state file", file=source) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}", file=source) from None
    function, states = loads_state(text, source=source)
    if optimizers is not None:
        wanted = {get_optimizer(name).name for name in optimizers}
        for i, s in enumerate(states):
            if s.optimizer not in wanted:
                raise SpecError(f"the saved run is a {s.optimizer} state, not "
                                f"{' / '.join(sorted(wanted))}", file=source,
                                key=f"runs[{i}].optimizer")
    return function, states
