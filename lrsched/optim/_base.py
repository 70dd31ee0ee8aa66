"""What every optimizer definition is made of: keyword tables, constraints, state layout.

Constraints are data (scikit-learn's ``_param_validation`` style): each one's ``str()`` is
the message, and the same tables drive validation, ``lrsched list`` and the tests that
feed every keyword a bad value.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable, Mapping

import numpy as np

from lrsched.errors import SpecError

__all__ = [
    "Constraint", "Interval", "Boolean", "Betas", "AnyReal", "DefaultOnly",
    "Keyword", "OptimizerDef", "closest", "IMPLEMENTATION_NOTE",
]

IMPLEMENTATION_NOTE = (
    "lrsched reproduces torch's default single-tensor CPU implementation"
)


def closest(name: str, choices) -> str | None:
    """The closest valid name to a misspelt one (difflib), or None."""
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hits[0]] if hits else None


def _is_real(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class Constraint:
    """A keyword's admissible values.  ``check`` returns the normalised value or raises
    ``ValueError`` whose text completes "KEY: ..."."""

    def check(self, value):  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """A real number in an interval; ``what`` names it the way torch's error does."""

    low: float
    high: float = math.inf
    closed_high: bool = False
    what: str = "value"

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"a number in [{self.low:g}, inf)"
        return f"a number in [{self.low:g}, {self.high:g}{']' if self.closed_high else ')'}"

    def contains(self, value: float) -> bool:
        if not self.low <= value:  # also rejects NaN, as torch's `not 0.0 <= lr` does
            return False
        return value <= self.high if self.closed_high else value < self.high

    def check(self, value):
        if not _is_real(value):
            raise ValueError(f"must be {self}, got {value!r}")
        if not self.contains(value):
            raise ValueError(f"invalid {self.what}: must be {self}, got {value!r}")
        return value


@dataclass(frozen=True)
class AnyReal(Constraint):
    def __str__(self) -> str:
        return "a number"

    def check(self, value):
        if not _is_real(value) or not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value!r}")
        return value


@dataclass(frozen=True)
class Boolean(Constraint):
    def __str__(self) -> str:
        return "true or false"

    def check(self, value):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"must be true or false, got {value!r}")
        return bool(value)


@dataclass(frozen=True)
class Betas(Constraint):
    """torch's ``betas``: two numbers, each in [0, 1)."""

    def __str__(self) -> str:
        return "a pair of numbers, each in [0, 1)"

    def check(self, value):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
            raise ValueError(f"must be {self}, got {value!r}")
        out = []
        for index, beta in enumerate(value):
            if not _is_real(beta):
                raise ValueError(f"must be {self}, got {value!r}")
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"invalid beta parameter at index {index}: must be in [0, 1), "
                                 f"got {beta!r}")
            out.append(float(beta))  # torch: `tuple(map(_to_scalar, betas))`
        return tuple(out)


@dataclass(frozen=True)
class DefaultOnly(Constraint):
    """A torch implementation switch (foreach, fused, capturable, differentiable): accepted
    only at values that select the single-tensor CPU path lrsched reproduces."""

    allowed: tuple = (None, False)

    def __str__(self) -> str:
        return " or ".join("null" if a is None else str(a).lower() for a in self.allowed)

    def check(self, value):
        if value is None and None in self.allowed:
            return None
        if isinstance(value, bool) and value in self.allowed:
            return value
        raise ValueError(f"only {self} is supported ({IMPLEMENTATION_NOTE}), got {value!r}")


@dataclass(frozen=True)
class Keyword:
    """One constructor keyword: torch's name, torch's default, its constraint, one line of doc."""

    name: str
    default: Any
    constraint: Constraint
    doc: str = ""


def _switches(*names: str) -> tuple[Keyword, ...]:
    docs = {
        "foreach": "torch implementation switch (only null/false)",
        "fused": "torch implementation switch (only null/false)",
        "capturable": "torch implementation switch (only false)",
        "differentiable": "torch implementation switch (only false)",
    }
    allowed = {"foreach": (None, False), "fused": (None, False),
               "capturable": (False,), "differentiable": (False,)}
    defaults = {"foreach": None, "fused": None, "capturable": False, "differentiable": False}
    return tuple(Keyword(n, defaults[n], DefaultOnly(allowed[n]), docs[n]) for n in names)


# A per-step update: (params, grads, state, lr, hyper, *, momentum) -> (params, state).
UpdateFn = Callable[..., tuple]
InitFn = Callable[[np.ndarray, Mapping[str, Any]], dict]


@dataclass(frozen=True)
class OptimizerDef:
    """One ``torch.optim`` class, as lrsched simulates it.

    ``keywords``: the constructor keywords in the order of torch's ``defaults`` dict (which
    is the order of ``state_dict()['param_groups']``), with torch's defaults.
    ``momentum_key``: the group key CyclicLR/OneCycleLR cycle (``"momentum"``, ``"betas"``
    meaning ``betas[0]``, or None).
    ``init_state(params, hyper)``: the batched state before the first step.
    ``update(params, grads, state, lr, hyper, *, momentum=None)``: one step for every run;
    returns new ``(params, state)`` and never mutates its inputs.
    ``state_keys(hyper)``: per-parameter state entries in torch's ``state_dict`` order.
    """

    name: str
    keywords: tuple[Keyword, ...]
    momentum_key: str | None
    init_state: InitFn
    update: UpdateFn
    state_keys: Callable[[Mapping[str, Any]], tuple[str, ...]]
    summary: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Callable[[Mapping[str, Any]], None], ...] = ()
    created_in_constructor: bool = False

    @property
    def defaults(self) -> dict[str, Any]:
        return {k.name: k.default for k in self.keywords}

    @property
    def doc(self) -> str:
        return (self.update.__doc__ or "").strip()

    def hyper(self, overrides: Mapping[str, Any] | None = None, *, prefix: str = "optimizer"
              ) -> dict[str, Any]:
        """All keywords with torch's defaults, ``overrides`` validated and applied.

        Raises SpecError (key ``optimizer.<kw>``) for an unknown keyword (suggesting the
        closest), a bad value, or a combination torch refuses.
        """
        overrides = dict(overrides or {})
        known = {k.name: k for k in self.keywords}
        out = self.defaults
        for key, value in overrides.items():
            if key not in known:
                if key in self.fixed:
                    if value == self.fixed[key]:
                        continue
                    raise SpecError(f"{self.name} always has {key}={self.fixed[key]!r}",
                                    key=f"{prefix}.{key}")
                hint = closest(str(key), known)
                message = f"unknown keyword {key!r} for {self.name}"
                message += f"; did you mean {hint!r}?" if hint else (
                    f" (valid: {', '.join(known)})")
                raise SpecError(message, key=f"{prefix}.{key}")
            try:
                out[key] = known[key].constraint.check(value)
            except ValueError as exc:
                raise SpecError(str(exc), key=f"{prefix}.{key}") from None
        out.update(self.fixed)
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
            and all(_is_real(v) and math.isfinite(v) for v in value))


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
                if not _is_real(value) or not value >= 0 or value != int(value):
                    raise SpecError(f"step must be a non-negative whole number, got {value!r}",
                                    key=f"{where}.step")
                steps.add(float(value))
            elif state[key].ndim == 1:
                if not _is_real(value) or not math.isfinite(value):
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
