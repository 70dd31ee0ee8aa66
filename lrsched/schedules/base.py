"""What every scheduler module builds on: the optimizer's groups as a scheduler sees them,
the arrays a scheduler returns, and the definition record the registry holds."""

from __future__ import annotations

from lrsched.records import dataclass, field, replace
from array import array
from typing import Any, Callable, Mapping

import numpy as np

from lrsched.errors import SpecError
from lrsched.constraints import Param


@dataclass(frozen=True)
class Groups:
    """The optimizer's param groups at the moment the scheduler is constructed.

    ``lr`` is each group's ``lr``; ``initial_lr`` is ``group.get("initial_lr")`` (None where
    absent); ``momentum`` is each group's ``momentum`` (or ``betas[0]``, per
    ``momentum_key``), None when the optimizer has neither; ``extra`` holds any other keys a
    resumed scheduler reads (OneCycleLR's ``max_lr``...).
    """

    optimizer: str
    lr: np.ndarray
    initial_lr: tuple
    momentum: np.ndarray | None
    momentum_key: str | None
    extra: tuple = ()

    @property
    def n(self) -> int:
        return len(self.lr)

    def base_lrs(self, last_epoch: int) -> np.ndarray:
        """torch's ``base_lrs``: ``initial_lr``, set from ``lr`` when starting fresh
        (``group.setdefault``); resuming (``last_epoch >= 0``) needs every group to carry it."""
        if last_epoch == -1:
            return np.array([lr if ini is None else ini for lr, ini in zip(self.lr, self.initial_lr)],
                            dtype=np.float64)
        for i, ini in enumerate(self.initial_lr):
            if ini is None:
                raise SpecError(
                    f"param group {i} has no initial_lr, which torch requires when resuming with "
                    f"last_epoch = {last_epoch} (it raises KeyError); add `initial_lr:` to "
                    f"optimizer.param_groups[{i}] or drop last_epoch",
                    key="last_epoch")
        return np.array(self.initial_lr, dtype=np.float64)


@dataclass(frozen=True)
class Trace:
    """A scheduler's output over ``rows`` epochs: arrays of shape (rows, groups).

    ``momentum`` is None unless the scheduler cycles it; ``markers`` are the epochs where
    the schedule changes phase (decays, restarts, peaks), for plots.
    """

    lr: np.ndarray
    momentum: np.ndarray | None = None
    markers: tuple = ()


def per_group(name: str, value, n: int) -> np.ndarray:
    """torch's ``_format_param``: a scalar for every group, or a list of exactly one per group."""
    if isinstance(value, tuple):
        if len(value) != n:
            raise SpecError(
                f"has {len(value)} values but the optimizer has {n} param group(s); give one "
                f"value or a list of {n} (torch: {name} must have the same length as "
                f"optimizer.param_groups)", key=name)
        return np.array(value, dtype=np.float64)
    return np.full(n, value, dtype=np.float64)


def epochs_of(last_epoch: int, rows: int) -> np.ndarray:
    """``last_epoch`` of each row: the constructor's step makes it ``last_epoch + 1``."""
    return np.arange(last_epoch + 1, last_epoch + 1 + rows, dtype=np.int64)


def chain_multiply(start: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Rows of ``lr = lr * factor`` applied in order, starting from ``start`` (per group).

    ``np.cumprod`` multiplies sequentially, so this is bit-for-bit torch's recurrence
    (``group["lr"] * gamma``), not the closed form ``base * gamma ** k``.
    """
    stacked = np.empty((factors.shape[0] + 1,) + start.shape, dtype=np.float64)
    stacked[0] = start
    stacked[1:] = factors
    return np.cumprod(stacked, axis=0)[1:]


@dataclass(frozen=True)
class SchedulerDef:
    """A torch scheduler as the registry knows it.

    ``compute(params, groups, rows)`` returns the :class:`Trace` (by default: the stepper run
    standalone); ``params`` holds every
    keyword, validated, defaults filled in.  ``check(params)`` applies torch's constructor
    refusals that involve several keywords.  ``formula`` and ``example`` feed ``lrsched list``.
    ``stepper(params)`` is the scheduler as an object that SequentialLR and ChainedScheduler
    drive call by call (:class:`Stepper`); None for ReduceLROnPlateau, which they refuse.
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    compute: Callable[[Mapping[str, Any], Groups, int], Trace] | None = None
    formula: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[Mapping[str, Any]], None] | None = None
    extra_keys: tuple[Param, ...] = ()   # spec-only keys that are not torch keywords (metrics)
    stepper: Callable[[Mapping[str, Any]], "Stepper"] | None = None

    def __post_init__(self) -> None:
        if self.compute is None:           # a standalone run is the stepper run alone
            object.__setattr__(self, "compute", computed_by(self.stepper))

    def param(self, name: str) -> Param | None:
        for p in self.params + self.extra_keys:
            if p.name == name:
                return p
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params + self.extra_keys)


# ------------------------------------------------------------------------- composition
#
# SequentialLR and ChainedScheduler drive their children call by call on the same optimizer,
# so a child is more than its standalone Trace: it is an object with torch's state
# (last_epoch, T_cur...) whose calls act on whatever lr the group holds.  A :class:`Stepper`
# is that object; each batch of calls returns :class:`Ops`, the calls' effect on the group lr
# as whole-run arrays, and :func:`evaluate` applies them in torch's order.

@dataclass(frozen=True)
class Ops:
    """The effect of consecutive scheduler calls on the group lr: elementary updates, in
    torch's order, each ``lr = a * (lr - m) + m + b`` per group (arrays of shape (ops, groups)
    or (ops, 1)).  Every torch update is exactly one of these forms, evaluated in its own
    rounding order: ``lr * a`` (m = b = 0: the chainable decays), ``a * (lr - m) + m`` (b = 0:
    CosineAnnealingLR's recurrence with eta_min = m), ``lr + b`` (a = 1, m = 0: its step after
    a trough) and ``lr = b`` (a = m = 0: the schedulers that assign the lr outright).

    ``m``/``b`` None mean zeros; ``momentum`` (calls, groups) holds the momentum (or beta1) each
    call leaves, NaN where it leaves it alone, None when none does; ``ends[i]`` is the
    number of ops up to the end of call ``i`` (None: one op per call); ``marks`` are the calls
    at which a phase begins (decay, milestone, restart)."""

    a: np.ndarray
    m: np.ndarray | None = None
    b: np.ndarray | None = None
    momentum: np.ndarray | None = None
    ends: np.ndarray | None = None
    marks: tuple = ()

    @property
    def n_ops(self) -> int:
        return self.a.shape[0]

    @property
    def n_calls(self) -> int:
        return self.a.shape[0] if self.ends is None else len(self.ends)

    def call_ends(self) -> np.ndarray:
        return np.arange(1, self.n_ops + 1) if self.ends is None else self.ends


def _column(x, n: int) -> np.ndarray:
    """A per-op array as (n, 1) or (n, groups) float64."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        return np.full((n, 1), float(x))
    return x.reshape(n, -1) if x.ndim == 1 else x


def multiply(factors, marks: tuple = ()) -> Ops:
    """Calls that multiply the lr: ``lr = lr * factor`` (one factor per call, or per call and group)."""
    f = np.asarray(factors, dtype=np.float64)
    return Ops(_column(f, f.shape[0]), marks=marks)


def assign(values, momentum=None, marks: tuple = ()) -> Ops:
    """Calls that set the lr outright (LambdaLR, CyclicLR, OneCycleLR, ...), and the momentum."""
    v = np.asarray(values, dtype=np.float64)
    n = v.shape[0]
    return Ops(np.zeros((n, 1)), None, _column(v, n),
               None if momentum is None else _column(momentum, n), marks=marks)


def assign_once(values) -> Ops:
    """One call that sets each group's lr (a closed form at epoch 0)."""
    return assign(np.asarray(values, dtype=np.float64).reshape(1, -1))


def no_calls(n_groups: int = 1) -> Ops:
    return Ops(np.ones((0, n_groups)))


def _width(ops: Ops) -> int:
    return max(x.shape[1] for x in (ops.a, ops.m, ops.b, ops.momentum) if x is not None)


def _last_assigned(parts: list, n: int, g: int) -> np.ndarray | None:
    """Per call, the momentum the last of ``parts`` to assign one leaves (NaN: none does)."""
    out = None
    for p in parts:
        if p.momentum is not None:
            mom = np.broadcast_to(p.momentum, (n, g))
            out = mom if out is None else np.where(np.isnan(mom), out, mom)
    return out


def _full(x, n: int, g: int) -> np.ndarray:
    return np.zeros((n, g)) if x is None else np.broadcast_to(x, (n, g))


class Series:
    """Batches of calls one after another (SequentialLR hands the steps to one child at a
    time), kept apart so that each is evaluated by its own fast path; :meth:`flat` is the same
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

    def flat(self) -> Ops:
        parts = [_flat(p) for p in self.parts if p.n_calls]
        if not parts:
            return no_calls()
        g = max(_width(p) for p in parts)

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
                   None if single else np.concatenate(ends), self.marks)


def _nans(shape) -> np.ndarray:
    return np.full(shape, np.nan)


def _flat(ops) -> Ops:
    return ops.flat() if isinstance(ops, Series) else ops


def concat(parts: list, marks: tuple = ()):
    """Calls one after another: a :class:`Series` (an :class:`Ops` when there is one part)."""
    parts = [p for p in parts if p.n_calls]
    if len(parts) == 1 and not marks:
        return parts[0]
    return Series(parts, marks)


def interleave(parts: list) -> Ops:
    """Every child's call ``i`` in turn, then every child's call ``i + 1`` (ChainedScheduler)."""
    parts = [_flat(p) for p in parts]
    n, k = parts[0].n_calls, len(parts)
    g = max(_width(p) for p in parts)
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


_PRODUCTS = 64          # products in a row worth a cumprod; shorter stretches go op by op
_SHORT = 256            # op-by-op runs up to this length go together, as arrays
_MAX_ROUNDS = 48        # dependent runs evaluated as arrays before a plain loop takes over
_CHUNK = 1 << 16        # ops per batch of the plain loop (its Python floats)


def evaluate(x0: np.ndarray, ops: Ops, out: np.ndarray | None = None) -> np.ndarray:
    """The lr after every op of ``ops``, starting from ``x0`` (per group): shape (ops, groups),
    written into ``out`` when given.  Bit for bit torch's sequence of float operations.

    Products (``lr * a``) are ``np.cumprod``, which multiplies left to right as torch's
    recurrence does.  The other ops (CosineAnnealingLR's ``a * (lr - eta_min) + eta_min`` and
    its additions) have no array form that reproduces their rounding, so they are evaluated
    op by op: as arrays across independent stretches (each assignment, e.g. each cosine
    trough, starts one), else in a plain loop over Python floats.
    """
    n, g = ops.n_ops, len(x0)
    out = np.empty((n, g)) if out is None else out
    a = np.broadcast_to(ops.a, (n, g))
    if ops.m is None and ops.b is None:
        out[...] = chain_multiply(np.asarray(x0, dtype=np.float64), a)
    elif not ops.a.any():                     # every op assigns: lr = m + b
        if ops.m is not None:
            np.add(_full(ops.b, n, g), ops.m, out=out)
        elif not np.may_share_memory(ops.b, out):
            out[...] = _full(ops.b, n, g)
    else:
        for j in range(g):
            column = [None if x is None else x[:, min(j, x.shape[1] - 1)] for x in (ops.m, ops.b)]
            _evaluate_column(float(x0[j]), ops.a[:, min(j, ops.a.shape[1] - 1)], *column, out[:, j])
    return out


class _Column:
    """One group's ops, ``lr = a * (lr - m) + m + b`` with m or b possibly absent (zero)."""

    def __init__(self, a, m, b) -> None:
        self.a, self.m, self.b = a, m, b

    def at(self, i, prev):
        """The ops at positions ``i`` applied to ``prev``, in torch's rounding order."""
        a, m, b = self.a, self.m, self.b
        y = a[i] * (prev if m is None else prev - m[i])
        if m is not None:
            y = y + m[i]
        return y if b is None else y + b[i]


def _evaluate_column(x0: float, a: np.ndarray, m, b, x: np.ndarray) -> None:
    """One group's ops, into ``x``.  They split into runs: stretches of at least
    ``_PRODUCTS`` products (a cumprod after the first op), and the rest (op by op); an
    assignment (a == 0) starts a run that does not depend on the past, so runs form
    independent chains, and the k-th runs of all chains are evaluated together (round k)."""
    n = len(a)
    if n == 0:
        return
    col = _Column(a, m, b)
    product = np.ones(n, dtype=bool)
    if m is not None:
        product &= m == 0
    if b is not None:
        product &= b == 0
    # short stretches of products are evaluated op by op with their neighbours
    edges = np.flatnonzero(np.diff(product.view(np.int8))) + 1
    lo = np.concatenate(([0], edges))
    hi = np.concatenate((edges, [n]))
    product &= ~np.repeat(product[lo] & (hi - lo < _PRODUCTS), hi - lo)
    is_set = a == 0
    starts = np.union1d(np.flatnonzero(np.diff(product.view(np.int8))) + 1, np.flatnonzero(is_set))
    starts = np.union1d([0], starts)
    stops = np.append(starts[1:], n)
    idx = np.arange(len(starts))
    restart = is_set[starts] | (idx == 0)
    depth = idx - np.maximum.accumulate(np.where(restart, idx, 0))
    deepest = int(depth.max())
    for r in range(min(deepest, _MAX_ROUNDS) + 1):
        sel = depth == r
        s, e, cum = starts[sel], stops[sel], product[starts[sel]]
        prev = np.where(is_set[s] | (s == 0), x0, x[np.maximum(s - 1, 0)])
        x[s] = col.at(s, prev)
        _products(x, a, s[cum], e[cum])
        s, e = s[~cum], e[~cum]
        long = e - s > _SHORT
        for lo_, hi_ in zip((s[long] + 1).tolist(), e[long].tolist()):
            _exactly(x, col, lo_, hi_)
        s, e = s[~long], e[~long]
        for p in range(1, int((e - s).max(initial=1))):
            i = s[e - s > p] + p
            x[i] = col.at(i, x[i - 1])
    if deepest > _MAX_ROUNDS:
        # chains of many short dependent runs: finish them op by op
        late = depth > _MAX_ROUNDS
        for lo_, hi_ in zip(starts[late].tolist(), stops[late].tolist()):
            _exactly(x, col, lo_, hi_)


def _products(x: np.ndarray, a: np.ndarray, seed: np.ndarray, stop: np.ndarray) -> None:
    """In place, for each run: ``x[k] = x[seed] * a[seed+1] * ... * a[k]`` for ``seed < k <
    stop``, multiplied left to right (``np.cumprod``): exactly torch's products."""
    length = stop - seed
    long = length > 256
    for sd, e in zip(seed[long].tolist(), stop[long].tolist()):
        kept = x[sd]
        x[sd + 1:e] = a[sd + 1:e]
        np.cumprod(x[sd:e], out=x[sd:e])
        x[sd] = kept
    short = ~long & (length > 1)
    if not short.any():
        return
    s, ln = seed[short], length[short]
    width = np.left_shift(1, np.ceil(np.log2(ln)).astype(np.int64))
    for wd in np.unique(width).tolist():
        pick = width == wd
        ss, ll = s[pick], ln[pick]
        cols = np.arange(wd)
        keep = (cols >= 1) & (cols < ll[:, None])
        where = ss[:, None] + np.minimum(cols, ll[:, None] - 1)
        block = np.where(keep, a[where], 1.0)
        block[:, 0] = x[ss]
        np.cumprod(block, axis=1, out=block)
        x[where[keep]] = block[keep]


def _exactly(x: np.ndarray, col: _Column, lo: int, hi: int) -> None:
    """``x[lo:hi]`` op by op from ``x[lo - 1]``, in torch's order: a plain loop on floats,
    one tight loop per stretch of ops with the same centre and no addition."""
    if lo >= hi:
        return
    n = hi - lo
    m = col.m[lo:hi] if col.m is not None else np.zeros(n)
    b = col.b[lo:hi] if col.b is not None else np.zeros(n)
    added = np.flatnonzero(b)
    cuts = np.union1d(np.flatnonzero(np.diff(m)) + 1, np.concatenate((added, added + 1)))
    # and stretches of at most _CHUNK ops, so that the Python floats stay few
    cuts = np.union1d(np.union1d([0, n], cuts[cuts < n]), np.arange(0, n, _CHUNK))
    first = cuts[:-1]
    v = float(x[lo - 1])
    for s, e, c, add in zip(first.tolist(), cuts[1:].tolist(), m[first].tolist(), b[first].tolist()):
        if add:                               # an addition stands alone: lr + b
            v = float(col.a[lo + s]) * (v - c) + c + add
            x[lo + s] = v
            continue
        out = array("d")
        put = out.append
        for f in col.a[lo + s:lo + e].tolist():   # a * (lr - eta_min) + eta_min (or lr * a)
            v = f * (v - c) + c
            put(v)
        x[lo + s:lo + e] = np.frombuffer(out)


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


class Stepper:
    """One torch scheduler object, as a composite (or a standalone run) drives it.

    ``construct`` is torch's constructor with its initial step (the groups after it);
    ``step(n, live)`` is ``n`` calls of ``step()``; ``initial_step`` is ``_initial_step()``
    run again (SequentialLR does that to its first child); ``update0`` is ``_update_lr(0)``
    (SequentialLR at a milestone: the closed form at epoch 0 where torch has one, else
    ``get_lr`` at last_epoch 0); ``undo`` is SequentialLR's ``recursive_undo``.  ``live`` is
    the groups as the calls see them (keys such as OneCycleLR's ``max_lr``)."""

    name = "scheduler"
    cycles_momentum = False

    def construct(self, groups: Groups) -> Groups:  # pragma: no cover - interface
        raise NotImplementedError

    def step(self, n: int, live: Groups, out=None) -> Ops:  # pragma: no cover - interface
        """``out``: optional (lr rows, momentum rows) a standalone run wants the values in."""
        raise NotImplementedError

    def initial_step(self, live: Groups) -> Ops:
        return self.step(1, live)

    def update0(self, live: Groups) -> Ops:
        raise SpecError(f"{self.name} cannot start at a SequentialLR milestone: torch calls its "
                        f"step(0), which {self.name} does not implement (NotImplementedError); "
                        "put it first in schedulers or give its children to the SequentialLR")

    def undo(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def apply(groups: Groups, ops) -> Groups:
    """The groups after ``ops`` (a constructor's initial step, SequentialLR's first call)."""
    if ops.n_calls == 0:
        return groups
    lr, momentum = _rows(groups.lr, groups.momentum, ops, np.empty((ops.n_calls, groups.n)),
                         None if groups.momentum is None else np.empty((ops.n_calls, groups.n)))
    return replace(groups, lr=lr, momentum=momentum)


def _rows(lr0, mom0, ops, lr_rows: np.ndarray, mom_rows) -> tuple:
    """Write the lr (and momentum, when ``mom_rows`` is given) after each call of ``ops`` into
    the rows, from ``lr0``/``mom0`` before the first; return the values after the last."""
    if isinstance(ops, Series):
        done = 0
        for part in ops.parts:
            k = part.n_calls
            lr0, mom0 = _rows(lr0, mom0, part, lr_rows[done:done + k],
                              None if mom_rows is None else mom_rows[done:done + k])
            done += k
        return lr0, mom0
    n = ops.n_calls
    if n == 0:
        return lr0, mom0
    ends = slice(None) if ops.ends is None else ops.ends - 1     # the op that ends each call
    if ops.ends is None and ops.m is None and ops.b is None:
        # products, one per call: torch's recurrence is a cumprod, in place in the rows
        if not np.may_share_memory(ops.a, lr_rows):
            lr_rows[...] = ops.a
        lr_rows[0] *= lr0
        np.cumprod(lr_rows, axis=0, out=lr_rows)
    elif ops.ends is None:
        evaluate(lr0, ops, out=lr_rows)
    else:
        # several ops per call (ChainedScheduler): evaluate a group at a time, keep the ends
        k = ops.n_ops // n
        uniform = ops.ends[-1] == k * n and ops.ends[0] == k and np.all(np.diff(ops.ends) == k)
        for j in range(lr_rows.shape[1]):
            a, m, b = (None if x is None else x[:, min(j, x.shape[1] - 1)] for x in (ops.a, ops.m, ops.b))
            values = np.empty(ops.n_ops)
            if m is None and b is None:           # products: one cumprod over all of them
                values[:] = a
                values[0] *= lr0[j]
                np.cumprod(values, out=values)
            else:
                _evaluate_column(float(lr0[j]), a, m, b, values)
            lr_rows[:, j] = values[k - 1::k] if uniform else values[ends]
    if mom_rows is not None:
        if ops.momentum is None:
            mom_rows[...] = mom0
        elif not np.may_share_memory(ops.momentum, mom_rows):
            mom_rows[...] = fill_momentum(mom0, ops.momentum)
        mom0 = mom_rows[-1].copy()
    return lr_rows[-1].copy(), mom0


class Epochs:
    """The consecutive ``last_epoch`` values of a batch of calls, ``first .. first + n - 1``
    (an array only when a formula needs one: every large temporary costs page faults)."""

    __slots__ = ("first", "n", "lr_out", "momentum_out")

    def __init__(self, first: int, n: int, lr_out=None, momentum_out=None) -> None:
        self.first, self.n = int(first), int(n)
        # where a standalone run wants the per-call values (rows 1.. of its result), if anywhere
        self.lr_out, self.momentum_out = lr_out, momentum_out

    def __len__(self) -> int:
        return self.n

    @property
    def last(self) -> int:
        return self.first + self.n - 1

    def array(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """The epochs of calls ``lo .. hi - 1``."""
        hi = self.n if hi is None else hi
        return np.arange(self.first + lo, self.first + hi, dtype=np.int64)

    def factors(self, fill: float = 1.0) -> np.ndarray:
        """A (calls, 1) array of per-call factors set to ``fill``: the run's own output rows when
        it is one group's standalone run (no temporary), else a new array."""
        out = self.lr_out
        buf = out if out is not None and out.shape[1] == 1 else np.empty((self.n, 1))
        buf.fill(fill)
        return buf

    def values(self, width: int, momentum: bool = False) -> np.ndarray:
        """A (calls, width) array for assigned values (lr, or momentum): the run's output rows
        when there are any, else a new array."""
        out = self.momentum_out if momentum else self.lr_out
        return out if out is not None and out.shape[1] == width else np.empty((self.n, width))

    def index(self, epoch: int) -> int | None:
        """The call at ``epoch``, if this batch reaches it."""
        i = epoch - self.first
        return i if 0 <= i < self.n else None

    def mark(self, epoch: int) -> tuple:
        """The call at ``epoch`` as a phase change (empty if outside)."""
        i = self.index(epoch)
        return () if i is None else (i,)


class Leaf(Stepper):
    """A scheduler without children.  Subclasses give ``calls(t, live, initial)``: the Ops of
    ``get_lr`` at each ``last_epoch`` in ``t`` (:class:`Epochs`), in initial mode or not; and
    optionally ``prepare`` (constructor effects before ``LRScheduler.__init__``) and
    ``closed_form`` (``_get_closed_form_lr`` at epoch 0, for SequentialLR)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.p = params
        self.last_epoch = params.get("last_epoch", -1)
        self.base = None

    def prepare(self, groups: Groups) -> Groups:
        return groups

    def calls(self, t: Epochs, live: Groups, initial: bool) -> Ops:  # pragma: no cover
        raise NotImplementedError

    def closed_form(self, live: Groups) -> Ops | None:
        return None

    def construct(self, groups: Groups) -> Groups:
        groups = self.prepare(groups)
        first = self.p.get("last_epoch", -1)
        self.base = groups.base_lrs(first)
        if first == -1:                                  # group.setdefault("initial_lr", lr)
            groups = replace(groups, initial_lr=tuple(self.base.tolist()))
        self.last_epoch = first
        return apply(groups, self.initial_step(groups))

    def initial_step(self, live: Groups) -> Ops:
        self.last_epoch += 1
        return self.calls(Epochs(self.last_epoch, 1), live, True)

    def step(self, n: int, live: Groups, out=None) -> Ops:
        if n == 0:
            return no_calls(live.n)
        t = Epochs(self.last_epoch + 1, n, *(out or ()))
        self.last_epoch += n
        return self.calls(t, live, False)

    def update0(self, live: Groups) -> Ops:
        self.last_epoch = 0
        closed = self.closed_form(live)
        return closed if closed is not None else self.calls(Epochs(0, 1), live, False)

    def undo(self) -> None:
        self.last_epoch -= 1


def trace(stepper: Stepper, groups: Groups, rows: int) -> Trace:
    """A scheduler run standalone: row 0 after the constructor, row e after e ``step()``s."""
    state = stepper.construct(groups)
    lr = np.empty((rows, groups.n))
    lr[0] = state.lr
    momentum = None
    if stepper.cycles_momentum and state.momentum is not None:
        momentum = np.empty((rows, groups.n))
        momentum[0] = state.momentum
    out = (lr[1:], None if momentum is None else momentum[1:])
    ops = stepper.step(rows - 1, state, out)
    _rows(state.lr, state.momentum, ops, *out)
    return Trace(lr, momentum, tuple(c + 1 for c in ops.marks))


def rekeyed(exc: SpecError, prefix: str) -> SpecError:
    """``exc`` with its key made relative to the mapping that holds ``prefix``."""
    exc.key = prefix + ("." + exc.key if exc.key else "")
    return exc


def computed_by(stepper_class) -> Callable[[Mapping[str, Any], Groups, int], Trace]:
    """A definition's ``compute`` from its stepper: the scheduler run standalone."""
    return lambda params, groups, rows: trace(stepper_class(params), groups, rows)


def no_momentum(optimizer: str, key: str = "cycle_momentum") -> SpecError:
    """torch's refusal to cycle momentum on an optimizer that has neither momentum nor betas."""
    return SpecError(f"{optimizer} has neither momentum nor betas, so torch refuses to cycle "
                     "momentum (optimizer must support momentum or beta1 with `cycle_momentum` "
                     "option enabled); set cycle_momentum: false", key=key)
