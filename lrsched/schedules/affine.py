"""The Ops algebra: what a batch of scheduler calls does to the group lr, as whole-run arrays.

Every update torch's schedulers make is one elementary op ``lr = a * (lr - m) + m + b``, in
one of four forms, each rounded in its own order:

    lr * a              m = b = 0        the chainable decays (StepLR, LinearLR, ...)
    a * (lr - m) + m    b = 0            CosineAnnealingLR's recurrence, m = eta_min
    lr + b              a = 1, m = 0     its step after a trough
    b                   a = m = 0        the schedulers that assign the lr (LambdaLR, ...)

A call of ``step()`` is one op or, in a ChainedScheduler, one per child.  :class:`Ops` holds
a batch of consecutive calls; :func:`concat` and :func:`interleave` compose batches the way
SequentialLR and ChainedScheduler compose their children; :mod:`~lrsched.schedules.evaluate`
turns them into numbers.
"""

from __future__ import annotations

import numpy as np

from lrsched.records import dataclass


@dataclass(frozen=True)
class Ops:
    """Consecutive scheduler calls as elementary ops, in torch's order: arrays of shape (ops,
    groups) or (ops, 1) for ``a``, ``m``, ``b`` (``m``/``b`` None mean zeros).

    ``momentum`` (calls, groups) holds the momentum (or beta1) each call leaves, NaN where it
    leaves it alone, None when none does; ``ends[i]`` is the number of ops up to the end of
    call ``i`` (None: one op per call); ``marks`` are the calls at which a phase begins
    (decay, milestone, restart).

    ``in_rows``: the arrays were lent by the rows of a standalone run (one op per call:
    products in ``a``, or assignments in ``b`` and ``momentum``), so that the evaluator
    finishes them where they are instead of copying them there (see
    :class:`~lrsched.schedules.stepper.Epochs`)."""

    a: np.ndarray
    m: np.ndarray | None = None
    b: np.ndarray | None = None
    momentum: np.ndarray | None = None
    ends: np.ndarray | None = None
    marks: tuple = ()
    in_rows: bool = False

    @property
    def n_ops(self) -> int:
        return self.a.shape[0]

    @property
    def n_calls(self) -> int:
        return self.a.shape[0] if self.ends is None else len(self.ends)

    def call_ends(self) -> np.ndarray:
        return np.arange(1, self.n_ops + 1) if self.ends is None else self.ends

    @property
    def width(self) -> int:
        """The number of groups the arrays distinguish (1: the same op for every group)."""
        return max(x.shape[1] for x in (self.a, self.m, self.b, self.momentum) if x is not None)


def _column(x, n: int) -> np.ndarray:
    """A per-op array as (n, 1) or (n, groups) float64."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        return np.full((n, 1), float(x))
    return x.reshape(n, -1) if x.ndim == 1 else x


def multiply(factors, marks: tuple = (), in_rows: bool = False) -> Ops:
    """Calls that multiply the lr: ``lr = lr * factor`` (one factor per call, or per call and group)."""
    f = np.asarray(factors, dtype=np.float64)
    return Ops(_column(f, f.shape[0]), None, None, None, None, marks, in_rows)


def assign(values, momentum=None, marks: tuple = (), in_rows: bool = False) -> Ops:
    """Calls that set the lr outright (LambdaLR, CyclicLR, OneCycleLR, ...), and the momentum."""
    v = np.asarray(values, dtype=np.float64)
    n = v.shape[0]
    return Ops(_zeros(n), None, _column(v, n), None if momentum is None else _column(momentum, n),
               None, marks, in_rows)


_ZERO = np.zeros(1)
_ZERO.flags.writeable = False


def _zeros(n: int) -> np.ndarray:
    """``a = 0`` for ``n`` ops, as a read-only (n, 1) view of one zero: no array to allocate
    and clear for the assignments of a long run."""
    return np.ndarray((n, 1), buffer=_ZERO, strides=(0, 0))


def assign_once(values) -> Ops:
    """One call that sets each group's lr (a closed form at epoch 0)."""
    return assign(np.asarray(values, dtype=np.float64).reshape(1, -1))


def no_calls(n_groups: int = 1) -> Ops:
    return Ops(np.ones((0, n_groups)))


class Series:
    """Batches of calls one after another (SequentialLR hands the steps to one child at a
    time), kept apart so that each is evaluated by its own fast path; :func:`flat` is the same
    calls as one :class:`Ops`."""

    def __init__(self, parts, marks: tuple = ()) -> None:
        self.parts = tuple(parts)
        self.n_calls = sum(p.n_calls for p in self.parts)
        self.n_ops = sum(p.n_ops for p in self.parts)
        own, base = list(marks), 0
        for p in self.parts:
            own.extend(c + base for c in p.marks)
            base += p.n_calls
        self.marks = tuple(sorted(set(own)))


def flat(ops) -> Ops:
    """The calls of ``ops`` (an :class:`Ops` or a :class:`Series`) as one :class:`Ops`."""
    if not isinstance(ops, Series):
        return ops
    parts = [flat(p) for p in ops.parts if p.n_calls]
    if not parts:
        return no_calls()
    g = max(p.width for p in parts)

    def joined(name: str, fill, per_call: bool = False):
        arrays = [getattr(p, name) for p in parts]
        if all(x is None for x in arrays):
            return None
        width = g if max(x.shape[1] for x in arrays if x is not None) > 1 else 1
        rows = [p.n_calls if per_call else p.n_ops for p in parts]
        return np.concatenate([fill((r, width)) if x is None else np.broadcast_to(x, (r, width))
                               for x, r in zip(arrays, rows)])

    ends, op_base = [], 0
    for p in parts:
        ends.append(p.call_ends() + op_base)
        op_base += p.n_ops
    single = all(p.ends is None for p in parts)
    return Ops(joined("a", None), joined("m", np.zeros), joined("b", np.zeros),
               joined("momentum", _nans, per_call=True),
               None if single else np.concatenate(ends), ops.marks)


def _nans(shape) -> np.ndarray:
    return np.full(shape, np.nan)


def concat(parts: list, marks: tuple = ()):
    """Calls one after another: a :class:`Series` (an :class:`Ops` when there is one part)."""
    parts = [p for p in parts if p.n_calls]
    if len(parts) == 1 and not marks:
        return parts[0]
    return Series(parts, marks)


def interleave(parts: list) -> Ops:
    """Every child's call ``i`` in turn, then every child's call ``i + 1`` (ChainedScheduler)."""
    parts = [flat(p) for p in parts]
    n, k = parts[0].n_calls, len(parts)
    g = max(p.width for p in parts)
    marks = tuple(sorted({c for p in parts for c in p.marks}))
    momentum = _last_assigned(parts, n, g)
    if all(p.ends is None for p in parts):
        def weave(name: str):
            arrays = [getattr(p, name) for p in parts]
            if all(x is None for x in arrays):
                return None
            width = g if max(x.shape[1] for x in arrays if x is not None) > 1 else 1
            out = np.zeros((n, k, width))
            for j, x in enumerate(arrays):
                if x is not None:
                    out[:, j] = x
            return out.reshape(n * k, width)
        return Ops(weave("a"), weave("m"), weave("b"), momentum,
                   np.arange(k, n * k + 1, k) if k > 1 else None, marks)
    counts = np.stack([np.diff(p.call_ends(), prepend=0) for p in parts], axis=1)   # (n, k)
    flat_ends = np.cumsum(counts.ravel())
    merged_start = (flat_ends - counts.ravel()).reshape(n, k)
    total = int(flat_ends[-1]) if flat_ends.size else 0
    a = np.empty((total, g))
    m = np.zeros((total, g)) if any(p.m is not None for p in parts) else None
    b = np.zeros((total, g)) if any(p.b is not None for p in parts) else None
    for j, p in enumerate(parts):
        own_start = p.call_ends() - counts[:, j]
        where = np.repeat(merged_start[:, j] - own_start, counts[:, j]) + np.arange(p.n_ops)
        a[where] = p.a
        if m is not None and p.m is not None:
            m[where] = p.m
        if b is not None and p.b is not None:
            b[where] = p.b
    return Ops(a, m, b, momentum, merged_start[:, -1] + counts[:, -1], marks)


def _last_assigned(parts: list, n: int, g: int) -> np.ndarray | None:
    """Per call, the momentum the last of ``parts`` to assign one leaves (NaN: none does)."""
    out = None
    for p in parts:
        if p.momentum is not None:
            mom = np.broadcast_to(p.momentum, (n, g))
            out = mom if out is None else np.where(np.isnan(mom), out, mom)
    return out


def fill_momentum(m0: np.ndarray, momentum: np.ndarray) -> np.ndarray:
    """The momentum in force after every call: the last one assigned, else ``m0``."""
    n, g = momentum.shape[0], len(m0)
    mom = np.broadcast_to(momentum, (n, g))
    set_at = ~np.isnan(mom)
    if set_at.all():
        return mom
    last = np.maximum.accumulate(np.where(set_at, np.arange(n)[:, None], -1), axis=0)
    padded = np.vstack([np.asarray(m0, dtype=np.float64)[None, :], mom])
    return np.take_along_axis(padded, last + 1, axis=0)
