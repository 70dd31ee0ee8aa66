"""What every simulated optimizer is made of: its torch class (keywords, defaults and
constraints, from the one table in :mod:`lrsched.optimizers`), its update rule and its state
layout."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

from lrsched.constraints import Only, is_number
from lrsched.errors import SpecError
from lrsched.optimizers import OptimizerClass
from lrsched.records import dataclass

__all__ = ["OptimizerDef", "IMPLEMENTATION_NOTE", "SWITCHES"]

IMPLEMENTATION_NOTE = (
    "lrsched reproduces torch's default single-tensor CPU implementation"
)

# torch's implementation switches, at the settings that select the path lrsched reproduces
SWITCHES = MappingProxyType({
    "foreach": Only((None, False), IMPLEMENTATION_NOTE),
    "fused": Only((None, False), IMPLEMENTATION_NOTE),
    "capturable": Only((False,), IMPLEMENTATION_NOTE),
    "differentiable": Only((False,), IMPLEMENTATION_NOTE),
})


# A per-step update: (params, grads, state, lr, hyper, *, momentum) -> (params, state).
UpdateFn = Callable[..., tuple]
InitFn = Callable[[np.ndarray, Mapping[str, Any]], dict]


@dataclass(frozen=True)
class OptimizerDef:
    """One ``torch.optim`` class, as lrsched simulates it.

    ``torch``: the class's keywords (:mod:`lrsched.optimizers`).
    ``init_state(params, hyper)``: the batched state before the first step.
    ``update(params, grads, state, lr, hyper, *, momentum=None)``: one step for every run;
    returns new ``(params, state)`` and never mutates its inputs.
    ``state_keys(hyper)``: per-parameter state entries in torch's ``state_dict`` order.
    ``checks``: refusals of torch's constructor that involve several keywords.
    ``scalar_update(params, grads, state, lr, hyper, momentum)``: the same step for one run
    on Python floats (``params``/``grads`` 2-tuples, vectors of ``state`` 2-tuples, ``lr`` and
    ``momentum`` floats or None), bit for bit ``update``; the simulator's fast path for
    small batches.  It may raise one of :data:`lrsched.optim.scalar.FALLBACK`, and the step
    is then taken by ``update``.
    """

    torch: OptimizerClass
    init_state: InitFn
    update: UpdateFn
    state_keys: Callable[[Mapping[str, Any]], tuple[str, ...]]
    summary: str
    checks: tuple = ()
    created_in_constructor: bool = False
    scalar_update: UpdateFn | None = None

    @property
    def name(self) -> str:
        return self.torch.name

    @property
    def momentum_key(self) -> str | None:
        return self.torch.momentum_key

    @property
    def defaults(self) -> dict[str, Any]:
        return self.torch.defaults

    @property
    def doc(self) -> str:
        return (self.update.__doc__ or "").strip()

    def hyper(self, overrides: Mapping[str, Any] | None = None, *, prefix: str = "optimizer",
              also: tuple = ()) -> dict[str, Any]:
        """All keywords with torch's defaults, ``overrides`` validated and applied
        (:meth:`OptimizerClass.hyper`), refused where the simulation cannot follow torch
        (an implementation switch) or where torch's constructor refuses a combination."""
        out = self.torch.hyper(overrides, prefix=prefix, also=also)
        for key in overrides or {}:
            if key in SWITCHES:
                try:
                    SWITCHES[key].check(out[key])
                except SpecError as exc:
                    exc.key = f"{prefix}.{key}"
                    raise
        for check in self.checks:
            check(out, prefix)
        return out

    def momentum_of(self, hyper: Mapping[str, Any]) -> float | None:
        """The value of the cycled momentum hyperparameter in ``hyper``."""
        if self.momentum_key == "betas":
            return hyper["betas"][0]
        if self.momentum_key == "momentum":
            return hyper["momentum"]
        return None

    def with_momentum(self, hyper: Mapping[str, Any], value: float) -> dict[str, Any]:
        """``hyper`` with the momentum hyperparameter set (as a scheduler writes it)."""
        out = dict(hyper)
        if self.momentum_key == "betas":
            out["betas"] = (float(value), out["betas"][1])
        elif self.momentum_key == "momentum":
            out["momentum"] = float(value)
        return out


def step_scalar(state: Mapping[str, Any]) -> float:
    """The shared step count as torch holds it (a float32 tensor whose ``.item()`` is a float)."""
    return float(state["step"])


def pick_beta1(hyper: Mapping[str, Any], momentum):
    """beta1 for this step: the hyperparameter, or a per-run override column."""
    if momentum is None:
        return hyper["betas"][0]
    return scalar_or_column(momentum)


def scalar_or_column(values):
    """A per-run override collapses to a Python float when every run has the same value (the
    common case: one schedule for all runs), else a ``(runs, 1)`` column."""
    if isinstance(values, (float, int)):
        return float(values)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    first = float(values[0]) if values.size else 0.0
    if values.size == 0 or bool(np.all(values == first)):
        return first
    return values.reshape(-1, 1)


def per_run_python(fn, values):
    """Apply a Python-float function ``fn`` to a scalar or to each distinct value of a
    column, so scalar math torch does in Python (``beta ** step``) stays Python's."""
    if isinstance(values, float):
        return fn(values)
    uniq, inverse = np.unique(values, return_inverse=True)
    mapped = np.array([fn(float(v)) for v in uniq], dtype=np.float64)
    return mapped[inverse.reshape(-1)].reshape(values.shape)


def _finite_pair(value) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(is_number(v) and math.isfinite(v) for v in value))


def export_state(defn: OptimizerDef, hyper: Mapping[str, Any], state: Mapping[str, Any],
                 index: int) -> dict[str, Any]:
    """Run ``index``'s per-parameter state as torch's ``state_dict()['state'][0]`` holds it
    (tensors as Python floats/lists).  Empty before the first step, as in torch, except for
    optimizers that create their state in the constructor (Adagrad)."""
    if "step" in state and state["step"] == 0 and not defn.created_in_constructor:
        return {}
    out: dict[str, Any] = {}
    for key in defn.state_keys(hyper):
        if key == "step":
            out["step"] = float(state["step"])
            continue
        present = state.get(key + "_set")
        if present is not None and not present[index]:
            continue  # a lazily created buffer torch does not have yet (SGD)
        value = state[key]
        if value.ndim == 1:
            out[key] = float(value[index])
        else:
            out[key] = [float(value[index, 0]), float(value[index, 1])]
    return out


def import_states(defn: OptimizerDef, hyper: Mapping[str, Any], entries, params: np.ndarray,
                  *, prefix: str = "state") -> dict[str, Any]:
    """The batched state of runs whose torch per-parameter states are ``entries`` (one
    dict per run, as :func:`export_state` writes them; all at the same step).

    Raises SpecError when an entry does not have exactly this optimizer's keys (a state of
    another optimizer or configuration), when a value is malformed, or when the runs are
    at different steps.
    """
    state = defn.init_state(params, hyper)
    expected = defn.state_keys(hyper)
    steps = set()
    for i, entry in enumerate(entries):
        where = f"{prefix}[{i}]" if len(entries) > 1 else prefix
        if not isinstance(entry, Mapping):
            raise SpecError("must be a mapping of state entries", key=where)
        if not entry:
            if defn.created_in_constructor:
                raise SpecError(f"{defn.name} state must have keys {', '.join(expected)}",
                                key=where)
            steps.add(0.0)
            continue
        keys = tuple(entry)
        optional = {k for k in expected if k + "_set" in state}
        if set(keys) - optional != set(expected) - optional or not set(keys) <= set(expected):
            raise SpecError(
                f"keys {', '.join(keys)} do not match {defn.name} with these settings "
                f"(expected {', '.join(expected)}); a state of another optimizer?", key=where)
        for key, value in entry.items():
            if key == "step":
                if not is_number(value) or not value >= 0 or value != int(value):
                    raise SpecError(f"step must be a non-negative whole number, got {value!r}",
                                    key=f"{where}.step")
                steps.add(float(value))
            elif state[key].ndim == 1:
                if not is_number(value) or not math.isfinite(value):
                    raise SpecError(f"must be a finite number, got {value!r}",
                                    key=f"{where}.{key}")
                state[key][i] = value
            else:
                if not _finite_pair(value):
                    raise SpecError(f"must be a list of 2 finite numbers, got {value!r}",
                                    key=f"{where}.{key}")
                state[key][i] = value
                if key + "_set" in state:
                    state[key + "_set"][i] = True
    if "step" in state:
        if len(steps) > 1:
            raise SpecError("runs resumed together must be at the same step", key=prefix)
        state["step"] = steps.pop() if steps else 0.0
    return state
