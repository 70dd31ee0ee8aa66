"""Run optimizer x lr x start grids on a 2-D test function as one batch of NumPy arrays.

Every run is one torch optimizer instance with one 2-element float64 parameter tensor.
Runs with the same optimizer, hyperparameters and step count form a group; each step is
one gradient evaluation and one ``update`` call per group, for all of its runs at once.
A group of at most FAST_PATH_MAX_RUNS runs takes the fast path instead: each of its runs
steps on Python floats (the optimizer's ``scalar_update``), the same numbers bit for bit,
without NumPy's per-call cost on arrays of two numbers (tests/test_fast_path.py).

    result = run_grid("rosenbrock", ["Adam", "RAdam", "AdamW"], lrs=[1e-3, 1e-2], steps=2000)
    result.path            # (steps + 1, runs, 2) positions, row k after k steps
    result.summary(0)      # final point, loss, divergence, steps to f - f_min < 1e-3 / 1e-6
    result.state_dict(0)   # torch's optimizer.state_dict() layout for run 0

Diverged runs (a non-finite position, or one farther than ``escape`` half-widths from the
domain's centre) are frozen at their last good position, flagged with the step that
diverged, and never raise or warn.  A run continued from its :class:`RunState` (as
:mod:`lrsched.io.state` saves and reads them) gives, N steps saved and resumed for M steps,
bit for bit the path of N + M steps.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from lrsched.constraints import Described, Maybe, Real
from lrsched.errors import SpecError
from lrsched.functions import TestFunction, get_function
from lrsched.optim import OptimizerDef, export_state, get_optimizer, import_states
from lrsched.optim.scalar import FALLBACK
from lrsched.records import dataclass
from lrsched.simulate.results import (
    POINT, SCHEDULER_GROUP_KEYS, STEP_COUNT, THRESHOLDS, RunConfig, RunState, SimulationResult,
    checked,
)

__all__ = ["simulate", "run_grid", "resume_configs", "PROGRESS_EVERY", "FAST_PATH_MAX_RUNS"]

PROGRESS_EVERY = 100  # steps between calls of simulate()'s progress callback
# Groups of at most this many runs step on Python floats, one run at a time (the optimizer's
# ``scalar_update``, bit for bit its batched ``update``): below ~10 runs a step costs less
# that way than a dozen NumPy calls on tiny arrays.
FAST_PATH_MAX_RUNS = 8
ESCAPE = Described(Maybe(Real(0, low_closed=False)), "a number > 0 or None")


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


# --------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------
def _plain(value):
    """NumPy numbers and arrays (a start or lr computed with NumPy) as the Python numbers and
    lists the constraints check."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _point(value, key: str) -> tuple[float, float]:
    x, y = checked(POINT, _plain(value), key)
    return float(x), float(y)


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
                 mom_table, steps: int, fast: bool = True):
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
        self.fast = fast and defn.scalar_update is not None and n <= FAST_PATH_MAX_RUNS
        if self.fast:
            self.enter_fast()

    # the fast path: each active run as Python floats -------------------------------------
    def enter_fast(self) -> None:
        """Move the active runs' positions and states to Python floats."""
        self.template = self.state  # the batched layout (keys, dtypes) to come back to
        self.points = {int(c): (float(x), float(y))
                       for c, (x, y) in zip(self.cols, self.params.tolist())}
        self.scalar_states = {int(c): scalar_state(self.state, j)
                              for j, c in enumerate(self.cols)}
        self.table_column = {int(c): j for j, c in enumerate(self.cols)}  # in lr and mom

    def leave_fast(self) -> None:
        """Back to the batched arrays, for the exported states."""
        cols = sorted(self.points)
        self.cols = np.asarray(cols, dtype=np.int64)
        self.params = np.array([self.points[c] for c in cols], dtype=np.float64).reshape(-1, 2)
        self.state = batched_state(self.template, [self.scalar_states[c] for c in cols])

    def freeze_fast(self, col: int, step: int) -> None:
        """Run ``col`` diverged at ``step``: keep its state from before that step."""
        self.frozen_state[col] = export_state(
            self.defn, self.hyper, batched_state(self.template, [self.scalar_states[col]]), 0)
        self.diverged_at[col] = step
        del self.points[col], self.scalar_states[col]

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


def scalar_state(state: Mapping[str, Any], j: int) -> dict:
    """Run ``j`` of a batched state as Python values: vectors as 2-tuples of floats."""
    out = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            out[key] = tuple(value[j].tolist()) if value.ndim == 2 else value[j].item()
        else:
            out[key] = value
    return out


def batched_state(template: Mapping[str, Any], states: Sequence[Mapping[str, Any]]) -> dict:
    """Scalar states (all at the same step) back in ``template``'s batched layout."""
    out = {}
    for key, value in template.items():
        if isinstance(value, np.ndarray):
            out[key] = np.array([s[key] for s in states], dtype=value.dtype).reshape(
                (len(states),) + value.shape[1:])
        else:
            out[key] = states[0][key] if states else value
    return out


def _advance_batched(g: _Group, grad_fn, center, limit, start: int, stop: int) -> None:
    """Steps ``start`` to ``stop`` of a group as NumPy arrays, every run at once."""
    for t in range(start, stop):
        if not g.cols.size:
            return
        p = g.params
        grads = np.empty_like(p)
        grads[:, 0], grads[:, 1] = grad_fn(p[:, 0], p[:, 1])
        mom = None if g.mom is None else g.mom[t]
        new_p, new_state = g.defn.update(p, grads, g.state, g.lr[t], g.hyper, momentum=mom)
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


class _FastStepper:
    """Steps a small group one run at a time on Python floats (``scalar_update``).

    A step the scalar code cannot take (Python raises where NumPy gives inf or NaN: a
    division by zero, the square root of a negative number) is taken by the batched
    ``update`` on one-run arrays, so the numbers are the batched path's in every case."""

    def __init__(self, function: TestFunction, center, limit):
        self.grad = function.grad_of_floats()
        self.cx, self.cy = (float(v) for v in center)
        lx, ly = np.broadcast_to(limit, (2,)).tolist()
        self.lx, self.ly = float(lx), float(ly)

    def advance(self, g: _Group, start: int, stop: int) -> None:
        grad, update = self.grad, g.defn.scalar_update
        cx, cy, lx, ly = self.cx, self.cy, self.lx, self.ly
        hyper = g.hyper
        for col in list(g.points):
            x, y = g.points[col]
            state = g.scalar_states[col]
            j = g.table_column[col]
            lrs = g.lr[start:stop, j].tolist()
            moms = None if g.mom is None else g.mom[start:stop, j].tolist()
            xs, ys = [], []
            for k, lr in enumerate(lrs):
                mom = None if moms is None else moms[k]
                gx, gy = grad(x, y)
                try:
                    (nx, ny), new_state = update((x, y), (gx, gy), state, lr, hyper, mom)
                except FALLBACK:
                    (nx, ny), new_state = self.batched_step(g, (x, y), (gx, gy), state, lr,
                                                            mom)
                if not (abs(nx - cx) <= lx and abs(ny - cy) <= ly):
                    g.scalar_states[col] = state
                    g.points[col] = (x, y)
                    t = start + k
                    g.path[start + 1:t + 1, col, 0] = xs
                    g.path[start + 1:t + 1, col, 1] = ys
                    g.freeze_fast(col, t + 1)
                    break
                x, y, state = nx, ny, new_state
                xs.append(x)
                ys.append(y)
            else:
                g.points[col] = (x, y)
                g.scalar_states[col] = state
                g.path[start + 1:stop + 1, col, 0] = xs
                g.path[start + 1:stop + 1, col, 1] = ys

    @staticmethod
    def batched_step(g: _Group, point, grads, state, lr, mom):
        new_p, new_state = g.defn.update(
            np.array([point], dtype=np.float64), np.array([grads], dtype=np.float64),
            batched_state(g.template, [state]), np.array([lr]), g.hyper,
            momentum=None if mom is None else np.array([mom]))
        x, y = new_p[0].tolist()
        return (x, y), scalar_state(new_state, 0)


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
    steps = checked(STEP_COUNT, _plain(steps), "steps")
    escape = checked(ESCAPE, _plain(escape), "escape")
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
        fast = _FastStepper(function, center, limit)
        for start in range(0, steps, PROGRESS_EVERY):
            stop = min(steps, start + PROGRESS_EVERY)
            for g in groups:
                if g.fast:
                    fast.advance(g, start, stop)
                else:
                    _advance_batched(g, grad_fn, center, limit, start, stop)
            if progress is not None and stop % PROGRESS_EVERY == 0:
                progress(stop)
        if progress is not None:
            progress(steps)
        for g in groups:
            if g.fast:
                g.leave_fast()

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
        checked(Real(), _plain(lr), f"lr[{i}]")
    configs = [RunConfig(optimizer=name, lr=float(lr), start=tuple(start),
                         hyper=dict(hyper.get(name, {})))
               for name in optimizers for lr in lrs for start in starts]
    return simulate(function, configs, steps, lr_schedule=lr_schedule,
                    momentum_schedule=momentum_schedule, escape=escape)


def resume_configs(states: Sequence[RunState]) -> list[RunConfig]:
    """RunConfigs continuing saved runs (as :func:`lrsched.io.state.load_state` returns them)."""
    return [RunConfig(optimizer=s.optimizer, resume=s, label=s.label) for s in states]
