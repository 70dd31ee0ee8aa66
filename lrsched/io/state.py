"""The state file: every run of a simulation as saved after its last step, to continue it.

JSON (SPEC.md, ``simulate --save-state``)::

    {"format": "lrsched-simulate-state", "version": 1, "function": "rosenbrock",
     "runs": [{"label", "optimizer", "step", "position", "scheduler_last_epoch",
               "diverged_step", "state_dict": torch's optimizer.state_dict() layout}]}

Floats are written with ``repr``, so they read back bit for bit: N steps, saved and resumed
for M steps, give the path of N + M steps.  Reading checks every key, and that each run's
state fits its optimizer, before anything runs.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np

from lrsched.constraints import Choice, Described, Items, Kind, NonEmptyList, Real
from lrsched.errors import SpecError
from lrsched.functions import get_function
from lrsched.optim import get_optimizer, import_states
from lrsched.simulate.results import (
    POINT, SCHEDULER_GROUP_KEYS, STEP_COUNT, RunState, SimulationResult, checked,
)

__all__ = ["STATE_FORMAT", "STATE_VERSION", "save_state", "dumps_state", "write_state",
           "loads_state", "load_state"]

STATE_FORMAT = "lrsched-simulate-state"
STATE_VERSION = 1
RUN_KEYS = ("optimizer", "step", "position", "state_dict")     # required in every run

RUNS = NonEmptyList("runs")
RUN = Kind((dict,), "a mapping")
PARAM_GROUPS = Described(Items(Kind((dict,), "a param group"), 1), "a list of one param group")
PARAMS = Described(Choice(([0],)), "[0] (one 2-element parameter)")


# ------------------------------------------------------------------------------ writing

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


def write_state(path: str, result: SimulationResult) -> None:
    """Write every run of ``result`` to the state file ``path``, atomically."""
    from lrsched.io.output import atomic_open

    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps_state(result))


# ------------------------------------------------------------------------------ reading

def _required(constraint, value, key: str):
    """``constraint.check(value)``; a refusal says only what is expected."""
    try:
        return constraint.check(value)
    except SpecError:
        raise SpecError(f"must be {constraint}", key=key) from None


def _check_run(i: int, raw, function: str) -> RunState:
    where = f"runs[{i}]"
    _required(RUN, raw, where)
    for key in RUN_KEYS:
        if key not in raw:
            raise SpecError(f"missing {key!r} (not written by lrsched?)", key=where)
    defn = get_optimizer(raw["optimizer"], key=f"{where}.optimizer")
    step = checked(STEP_COUNT, raw["step"], f"{where}.step")
    x, y = checked(POINT, raw["position"], f"{where}.position")
    last_epoch, diverged_step = (
        None if raw.get(key) is None else checked(STEP_COUNT, raw[key], f"{where}.{key}")
        for key in ("scheduler_last_epoch", "diverged_step"))
    sd = raw["state_dict"]
    if not isinstance(sd, dict) or set(sd) != {"state", "param_groups"}:
        raise SpecError("must have exactly 'state' and 'param_groups'",
                        key=f"{where}.state_dict")
    group = dict(_required(PARAM_GROUPS, sd["param_groups"],
                           f"{where}.state_dict.param_groups")[0])
    prefix = f"{where}.state_dict.param_groups[0]"
    _required(PARAMS, group.get("params"), f"{prefix}.params")
    hyper_in = {k: v for k, v in group.items()
                if k != "params" and k not in SCHEDULER_GROUP_KEYS}
    hyper = defn.hyper(hyper_in, prefix=prefix)
    for key in SCHEDULER_GROUP_KEYS:
        if key in group:
            checked(Real(), group[key], f"{prefix}.{key}")
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
        optimizer=defn.name, function=function, position=(float(x), float(y)), step=step,
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
        runs = _required(RUNS, data.get("runs"), "runs")
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
