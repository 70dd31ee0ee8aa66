"""Parameter constraints as data.

Each constraint checks and converts one YAML value, and its ``str()`` is the phrase used in
messages and in ``lrsched list``: "must be an int in the range [1, inf), got -3".  The same
tables drive validation, ``lrsched list`` and the tests that feed each parameter a bad value.
"""

from __future__ import annotations

import math

import numpy as np
from lrsched.records import dataclass, field
from typing import Any

from lrsched.errors import SpecError
from lrsched.suggest import did_you_mean, unknown
from lrsched.expr import ExpressionError, compile_callable, compile_expression
from lrsched.io.yamlload import ExpFloat


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED = _Required()


def describe_value(value) -> str:
    if isinstance(value, bool):
        return f"{value} (a boolean)"
    if isinstance(value, ExpFloat):
        return repr(float(value))
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)


class Constraint:
    """Checks one value; ``str(c)`` says what is expected."""

    def check(self, value):  # pragma: no cover - interface
        raise NotImplementedError

    def fail(self, value):
        raise SpecError(f"must be {self}, got {describe_value(value)}")


def is_number(v) -> bool:
    """An int or float, not a bool."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bounds(low, high, low_closed, high_closed) -> str:
    lo = "-inf" if low is None else repr(low)
    hi = "inf" if high is None else repr(high)
    return f"{'[' if low_closed and low is not None else '('}{lo}, {hi}{']' if high_closed and high is not None else ')'}"


def _in_range(v, low, high, low_closed, high_closed) -> bool:
    if low is not None and (v < low or (v == low and not low_closed)):
        return False
    if high is not None and (v > high or (v == high and not high_closed)):
        return False
    return True


@dataclass(frozen=True)
class Int(Constraint):
    """An integer (``1e4`` written in exponent form counts when integral)."""

    low: int | None = None
    high: int | None = None

    def __str__(self) -> str:
        if self.low is None and self.high is None:
            return "an int"
        return f"an int in the range {_bounds(self.low, self.high, True, True)}"

    def check(self, value):
        if isinstance(value, ExpFloat) and math.isfinite(value) and value == int(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(value)
        if not _in_range(value, self.low, self.high, True, True):
            self.fail(value)
        return value


@dataclass(frozen=True)
class Real(Constraint):
    """A finite number (int or float, kept as given, as torch receives it)."""

    low: float | None = None
    high: float | None = None
    low_closed: bool = True
    high_closed: bool = True
    float_only: bool = False

    def __str__(self) -> str:
        kind = "a float" if self.float_only else "a number"
        if self.low is None and self.high is None:
            return f"a finite {kind[2:]}" if not self.float_only else "a finite float"
        return f"{kind} in the range {_bounds(self.low, self.high, self.low_closed, self.high_closed)}"

    def check(self, value):
        if not is_number(value) or (self.float_only and not isinstance(value, float)):
            self.fail(value)
        try:
            finite = math.isfinite(value)
        except OverflowError:          # an int too large for a float is no finite number
            finite = False
        if not finite or not _in_range(value, self.low, self.high, self.low_closed, self.high_closed):
            self.fail(value)
        return float(value) if isinstance(value, ExpFloat) else value


@dataclass(frozen=True)
class Bool(Constraint):
    def __str__(self) -> str:
        return "true or false"

    def check(self, value):
        if not isinstance(value, bool):
            self.fail(value)
        return value


@dataclass(frozen=True)
class Choice(Constraint):
    options: tuple

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def check(self, value):
        if value not in self.options or isinstance(value, bool):

            hint = did_you_mean(value, self.options) if isinstance(value, str) else ""
            raise SpecError(f"must be {self}, got {describe_value(value)}" + (f"; {hint.strip()}" if hint else ""))
        return value


@dataclass(frozen=True)
class Maybe(Constraint):
    """``inner`` or null."""

    inner: Constraint

    def __str__(self) -> str:
        return f"{self.inner} or null"

    def check(self, value):
        return None if value is None else self.inner.check(value)


@dataclass(frozen=True)
class PerGroup(Constraint):
    """One value for every param group, or a list with one per group (torch's
    ``_format_param``); the length is checked against the optimizer where it is known."""

    inner: Constraint

    def __str__(self) -> str:
        return f"{self.inner}, or a list of those (one per param group)"

    def check(self, value):
        if isinstance(value, list):
            if not value:
                self.fail(value)
            out = []
            for i, v in enumerate(value):
                try:
                    out.append(self.inner.check(v))
                except SpecError as exc:
                    raise SpecError(f"item {i}: {exc.message}") from None
            return tuple(out)
        return self.inner.check(value)


@dataclass(frozen=True)
class IntList(Constraint):
    """A list of ints (milestones), kept in the order given."""

    low: int | None = None

    def __str__(self) -> str:
        return "a list of ints" + (f" >= {self.low}" if self.low is not None else "")

    def check(self, value):
        if not isinstance(value, list):
            self.fail(value)
        item = Int(self.low)
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item.check(v))
            except SpecError:
                raise SpecError(f"must be {self}, got {describe_value(v)} at position {i}") from None
        return tuple(out)


@dataclass(frozen=True)
class Expr(Constraint):
    """An expression in one variable (SPEC.md section 1), or one per group."""

    var: str
    per_group: bool = False

    def __str__(self) -> str:
        s = f"an expression in '{self.var}' (e.g. \"lambda {self.var}: 0.95 ** {self.var}\")"
        return s + (", or a list of those (one per param group)" if self.per_group else "")

    def check(self, value):
        if self.per_group and isinstance(value, list):
            if not value:
                self.fail(value)
            out = []
            for i, v in enumerate(value):
                try:
                    out.append(self.check_one(v))
                except ExpressionError as exc:
                    raise ExpressionError(f"item {i}: {exc.message}") from None
            return tuple(out)
        if isinstance(value, (list, dict)) or value is None or isinstance(value, bool):
            self.fail(value)
        return self.check_one(value)

    def check_one(self, value):
        """One expression; a Python callable (only a spec given from Python can hold one)
        stands for itself, called per value as torch calls it."""
        if callable(value):
            return compile_callable(value, self.var)
        return compile_expression(value, self.var)


@dataclass(frozen=True)
class Param:
    """One constructor keyword: name (torch's, verbatim), constraint, default, meaning."""

    name: str
    constraint: Constraint
    default: Any = REQUIRED
    doc: str = ""
    required: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "required", self.default is REQUIRED)

    def default_text(self) -> str:
        return "required" if self.required else repr(self.default)


@dataclass(frozen=True)
class Str(Constraint):
    """Any string (torch checks the value itself later, e.g. CyclicLR's mode)."""

    hint: str = ""

    def __str__(self) -> str:
        return "a string" + (f" ({self.hint})" if self.hint else "")

    def check(self, value):
        if not isinstance(value, str):
            self.fail(value)
        return value


@dataclass(frozen=True)
class SchedulerList(Constraint):
    """A list of scheduler mappings (SequentialLR, ChainedScheduler); parsed recursively by
    :mod:`lrsched.spec`, which knows how to read a scheduler mapping."""

    def __str__(self) -> str:
        return "a list of scheduler mappings, each with a type"

    def check(self, value):  # pragma: no cover - spec.py parses these itself
        raise NotImplementedError


@dataclass(frozen=True)
class Metrics(Constraint):
    """ReduceLROnPlateau's watched metric: the numbers passed to ``step()`` after each epoch,
    as a list or as an expression in ``epoch`` (a plain number is a constant metric)."""

    def __str__(self) -> str:
        return "a list of numbers (the metric after each epoch) or an expression in 'epoch'"

    def check(self, value):
        if isinstance(value, list):
            if not value:
                self.fail(value)
            for i, v in enumerate(value):
                # NaN and inf are numbers to torch (`float(metrics)`): its comparisons decide
                # (NaN never improves); an int beyond a float is not, as float() raises
                if not is_number(v) or (isinstance(v, int) and abs(v) >= 2 ** 1024):
                    raise SpecError(f"must be {self}, got {describe_value(v)} at position {i}")
            return MetricList(float(v) for v in value)
        if isinstance(value, str) or is_number(value):
            return compile_expression(value, "epoch")
        if callable(value):              # from Python: called at each epoch, float() of it
            return compile_callable(value, "epoch")
        self.fail(value)


class MetricList(tuple):
    """The metric values as given (a tuple, compared as one), with a read-only float64 array
    of them made once, at validation."""

    def __new__(cls, values):
        self = super().__new__(cls, values)
        self.array = np.array(self, dtype=np.float64)
        self.array.flags.writeable = False
        return self


@dataclass(frozen=True)
class Items(Constraint):
    """A list of exactly ``length`` values, each ``inner`` (torch's tuples: ``betas``,
    ``etas``...), returned as a tuple (of floats with ``as_float``, as torch stores betas).
    An item's error names it: ``optimizer.betas[1]``."""

    inner: Constraint
    length: int
    as_float: bool = False

    def __str__(self) -> str:
        return f"a list of {self.length} values, each {self.inner}"

    def check(self, value):
        if not isinstance(value, (list, tuple)) or len(value) != self.length:
            self.fail(value)
        out = []
        for i, v in enumerate(value):
            try:
                v = self.inner.check(v)
            except SpecError as exc:
                exc.key = f"[{i}]"
                raise
            out.append(float(v) if self.as_float and v is not None else v)
        return tuple(out)


@dataclass(frozen=True)
class Only(Constraint):
    """A value lrsched accepts only at the settings it reproduces (torch's implementation
    switches foreach, fused, capturable, differentiable, in a simulation); ``why`` says so."""

    allowed: tuple
    why: str

    def __str__(self) -> str:
        return " or ".join("null" if a is None else str(a).lower() for a in self.allowed)

    def check(self, value):
        if (value is None and None in self.allowed) or (isinstance(value, bool) and value in self.allowed):
            return value
        raise SpecError(f"only {self} is supported ({self.why}), got {value!r}")


# --------------------------------------------------------------------------- simulation and state files

@dataclass(frozen=True)
class Described(Constraint):
    """``inner``'s check, worded as what the value is for (``text``): "a learning rate (a
    finite number >= 0)" rather than ``Real(0)``'s "a number in the range [0, inf)"."""

    inner: Constraint
    text: str

    def __str__(self) -> str:
        return self.text

    def check(self, value):
        try:
            return self.inner.check(value)
        except SpecError:
            self.fail(value)


@dataclass(frozen=True)
class Kind(Constraint):
    """A value of one of the Python ``types`` (a YAML or JSON string, mapping...), which the
    reader then looks into; ``text`` says what it stands for.  A boolean is never a number."""

    types: tuple
    text: str

    def __str__(self) -> str:
        return self.text

    def check(self, value):
        if not isinstance(value, self.types) or (isinstance(value, bool) and bool not in self.types):
            self.fail(value)
        return value


@dataclass(frozen=True)
class NonEmptyList(Constraint):
    """A list of at least one ``items`` (a phrase: "runs"), whose reader checks and locates
    each item itself."""

    items: str

    def __str__(self) -> str:
        return f"a non-empty list of {self.items}"

    def check(self, value):
        if not isinstance(value, list) or not value:
            self.fail(value)
        return value


@dataclass(frozen=True)
class Keys(Constraint):
    """The keys a mapping may have (``what`` names them: key, keyword...); an unknown one is
    refused with the closest valid key and the list of them."""

    allowed: tuple
    what: str = "key"

    def __str__(self) -> str:
        return f"a {self.what}: {', '.join(self.allowed)}"

    def check(self, value):
        if value not in self.allowed:
            raise SpecError(unknown(self.what, value, self.allowed))
        return value
