"""Evaluating :class:`~lrsched.schedules.affine.Ops`: the reference and the fast evaluator.

:func:`reference` and :func:`reference_rows` are the definition: a plain loop that applies
``lr = a * (lr - m) + m + b`` op by op, in order, to Python floats.  Each of the four forms
torch uses is that expression with zeros in it, and adding or multiplying by those zeros is
exact, so the loop rounds each form as torch does (``lr * a``; ``a * (lr - eta_min) +
eta_min``; ``lr + b``; ``b``).  It costs about 0.1 us per op and group.

:func:`evaluate` and :func:`write_rows` compute the same numbers as whole-run arrays, at
close to the NumPy floor where the ops allow it; tests/test_evaluate.py holds them to the
reference bit for bit.
"""

from __future__ import annotations

from array import array

import numpy as np

from lrsched.schedules.affine import Ops, Series, fill_momentum, flat


# ------------------------------------------------------------------------------ reference

def reference(x0, ops) -> np.ndarray:
    """The lr after every op of ``ops``, starting from ``x0`` (per group): shape (ops, groups).
    The definition of what the ops mean."""
    ops = flat(ops)
    n, g = ops.n_ops, len(x0)
    a, m, b = (np.broadcast_to(np.zeros((n, 1)) if x is None else x, (n, g)).tolist()
               for x in (ops.a, ops.m, ops.b))
    out = np.empty((n, g))
    for j in range(g):
        lr = float(x0[j])
        for i in range(n):
            lr = a[i][j] * (lr - m[i][j]) + m[i][j] + b[i][j]
            out[i, j] = lr
    return out


def reference_rows(lr0, momentum0, ops) -> tuple:
    """The lr and the momentum in force after every call of ``ops`` (shape (calls, groups)),
    from ``lr0`` and ``momentum0`` (None: not kept) before the first: the lr after the call's
    last op, the momentum the last call to assign one left."""
    ops = flat(ops)
    values = reference(lr0, ops)
    lr = values[ops.call_ends() - 1] if ops.n_calls else np.empty((0, len(lr0)))
    if momentum0 is None:
        return lr, None
    g = len(momentum0)
    momentum = np.empty((ops.n_calls, g))
    held = [float(x) for x in momentum0]
    assigned = None if ops.momentum is None else np.broadcast_to(ops.momentum, (ops.n_calls, g)).tolist()
    for i in range(ops.n_calls):
        for j in range(g):
            if assigned is not None and assigned[i][j] == assigned[i][j]:     # not NaN
                held[j] = assigned[i][j]
            momentum[i, j] = held[j]
    return lr, momentum


# ------------------------------------------------------------------------------ fast

PRODUCTS = 64           # products in a row worth a cumprod; shorter stretches go op by op
SHORT = 256             # op-by-op runs up to this length go together, as arrays
MAX_ROUNDS = 48         # dependent runs evaluated as arrays before a plain loop takes over
CHUNK = 1 << 16         # ops per batch of the plain loop (its Python floats)


def write_rows(lr0, momentum0, ops, lr_rows: np.ndarray, momentum_rows) -> tuple:
    """:func:`reference_rows`, written into ``lr_rows`` (and ``momentum_rows``, when given);
    returns the lr and momentum after the last call."""
    if isinstance(ops, Series):
        done = 0
        for part in ops.parts:
            k = part.n_calls
            lr0, momentum0 = write_rows(lr0, momentum0, part, lr_rows[done:done + k],
                                        None if momentum_rows is None else momentum_rows[done:done + k])
            done += k
        return lr0, momentum0
    n = ops.n_calls
    if n == 0:
        return lr0, momentum0
    if ops.ends is None and ops.m is None and ops.b is None:
        # products, one per call: torch's recurrence is a cumprod, in place in the rows
        if not ops.in_rows:
            lr_rows[...] = ops.a
        lr_rows[0] *= lr0
        np.cumprod(lr_rows, axis=0, out=lr_rows)
    elif ops.ends is None:
        if not ops.in_rows:                       # in_rows: assignments, already there
            evaluate(lr0, ops, out=lr_rows)
    else:
        # several ops per call (ChainedScheduler): evaluate a group at a time, keep the ends
        k = ops.n_ops // n
        uniform = ops.ends[-1] == k * n and ops.ends[0] == k and np.all(np.diff(ops.ends) == k)
        for j in range(lr_rows.shape[1]):
            values = evaluate(lr0[j:j + 1], Ops(*(None if x is None else x[:, min(j, x.shape[1] - 1), None]
                                                  for x in (ops.a, ops.m, ops.b))))[:, 0]
            lr_rows[:, j] = values[k - 1::k] if uniform else values[ops.ends - 1]
    if momentum_rows is not None:
        if ops.momentum is None:
            momentum_rows[...] = momentum0
        elif not ops.in_rows:
            momentum_rows[...] = fill_momentum(momentum0, ops.momentum)
        momentum0 = momentum_rows[-1].copy()
    return lr_rows[-1].copy(), momentum0


def evaluate(x0, ops: Ops, out: np.ndarray | None = None) -> np.ndarray:
    """:func:`reference` for one :class:`Ops`, written into ``out`` when given.

    Products (``lr * a``) are ``np.cumprod``, which multiplies left to right as torch's
    recurrence does.  The other ops (CosineAnnealingLR's ``a * (lr - eta_min) + eta_min`` and
    its additions) have no array form that reproduces their rounding, so they are evaluated
    op by op: as arrays across independent stretches (each assignment, e.g. each cosine
    trough, starts one), else in a plain loop over Python floats.
    """
    n, g = ops.n_ops, len(x0)
    out = np.empty((n, g)) if out is None else out
    if n == 0:
        return out
    if ops.m is None and ops.b is None:
        out[...] = ops.a
        out[0] *= x0
        np.cumprod(out, axis=0, out=out)
    elif not ops.a.any():                     # every op assigns: lr = m + b
        out[...] = 0.0 if ops.b is None else ops.b
        if ops.m is not None:
            out += ops.m
    else:
        for j in range(g):
            a, m, b = (None if x is None else x[:, min(j, x.shape[1] - 1)] for x in (ops.a, ops.m, ops.b))
            _evaluate_column(float(x0[j]), _Column(a, m, b), out[:, j])
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


def _evaluate_column(x0: float, col: _Column, x: np.ndarray) -> None:
    """One group's ops, into ``x``.  They split into runs: stretches of at least
    ``PRODUCTS`` products (a cumprod after the first op), and the rest (op by op); an
    assignment (a == 0) starts a run that does not depend on the past, so runs form
    independent chains, and the k-th runs of all chains are evaluated together (round k)."""
    a, m, b = col.a, col.m, col.b
    n = len(a)
    product = np.ones(n, dtype=bool)
    if m is not None:
        product &= m == 0
    if b is not None:
        product &= b == 0
    # short stretches of products are evaluated op by op with their neighbours
    edges = np.flatnonzero(np.diff(product.view(np.int8))) + 1
    lo = np.concatenate(([0], edges))
    hi = np.concatenate((edges, [n]))
    product &= ~np.repeat(product[lo] & (hi - lo < PRODUCTS), hi - lo)
    is_set = a == 0
    starts = np.union1d(np.flatnonzero(np.diff(product.view(np.int8))) + 1, np.flatnonzero(is_set))
    starts = np.union1d([0], starts)
    stops = np.append(starts[1:], n)
    idx = np.arange(len(starts))
    restart = is_set[starts] | (idx == 0)
    depth = idx - np.maximum.accumulate(np.where(restart, idx, 0))
    deepest = int(depth.max())
    for r in range(min(deepest, MAX_ROUNDS) + 1):
        sel = depth == r
        s, e, cum = starts[sel], stops[sel], product[starts[sel]]
        prev = np.where(is_set[s] | (s == 0), x0, x[np.maximum(s - 1, 0)])
        x[s] = col.at(s, prev)
        _products(x, a, s[cum], e[cum])
        s, e = s[~cum], e[~cum]
        long = e - s > SHORT
        for lo_, hi_ in zip((s[long] + 1).tolist(), e[long].tolist()):
            _exactly(x, col, lo_, hi_)
        s, e = s[~long], e[~long]
        for p in range(1, int((e - s).max(initial=1))):
            i = s[e - s > p] + p
            x[i] = col.at(i, x[i - 1])
    if deepest > MAX_ROUNDS:
        # chains of many short dependent runs: finish them op by op
        late = depth > MAX_ROUNDS
        for lo_, hi_ in zip(starts[late].tolist(), stops[late].tolist()):
            _exactly(x, col, lo_, hi_)


def _products(x: np.ndarray, a: np.ndarray, seed: np.ndarray, stop: np.ndarray) -> None:
    """In place, for each run: ``x[k] = x[seed] * a[seed+1] * ... * a[k]`` for ``seed < k <
    stop``, multiplied left to right (``np.cumprod``): exactly torch's products."""
    length = stop - seed
    long = length > 256                   # long runs: one cumprod each, in place
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
    # and stretches of at most CHUNK ops, so that the Python floats stay few
    cuts = np.union1d(np.union1d([0, n], cuts[cuts < n]), np.arange(0, n, CHUNK))
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
