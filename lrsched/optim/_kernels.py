"""torch's CPU tensor primitives, rounding for rounding, on float64 NumPy arrays.

Measured on torch 2.13 (CPU, AVX2/AVX512 dispatch; see NUMERICS.md) for float64 tensors:

* ``a.lerp_(b, w)``, ``a.addcmul_(t1, t2, value=v)`` and ``a.add(b, alpha=s)`` round once,
  like a fused multiply-add: ``fma(w, b - a, a)`` (``fma(-(b - a), 1 - w, b)`` for
  ``|w| >= 0.5``), ``fma(v * t1, t2, a)`` and ``fma(s, b, a)``.
* ``a.addcdiv_(t1, t2, value=v)`` is ``a + (v * t1) / t2`` with three roundings.
* ``scalar / tensor`` is ``tensor.reciprocal() * scalar``.
* ``torch.sqrt`` comes from MKL and is one ulp *below* the correctly rounded square root
  for under 1 % of inputs; nothing portable reproduces that, so :func:`numpy.sqrt` (correctly
  rounded) is used and is the one known source of per-step differences from torch.

NumPy has no fused multiply-add, so :func:`fma` emulates one exactly with error-free
transformations (Dekker's product, Knuth's sum) and Boldo & Melquiond's rounding to odd
("Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd",
IEEE TC 2008).  It is exact for operands below ~1e300 in magnitude and results outside the
subnormal range; beyond that (a run long diverged) it returns the separately rounded
``a * b + c``, which is torch's inf or NaN whenever the true result overflows.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fma", "fmas", "lerp", "addcmul", "add_scaled", "addcdiv", "sqrt", "as_column",
           "running_moments"]

_SPLITTER = 134217729.0  # 2**27 + 1: Veltkamp's constant for binary64
_ZERO = np.zeros(())


def _split(a):
    """Veltkamp split: ``a == hi + lo`` with both halves fitting 26 bits."""
    t = a * _SPLITTER
    hi = t - (t - a)
    return hi, a - hi


def fma(a, b, c):
    """Correctly rounded ``a * b + c`` (one rounding), elementwise with broadcasting.

    ``a`` may be a Python float (split once, in Python).
    """
    if isinstance(a, float):
        ah, al = _split(a)
        ah, al = np.array(ah), np.array(al)  # 0-d arrays: cheaper operands than floats
    else:
        ah, al = _split(a)
    bh, bl = _split(b)
    p = a * b
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a * b == p + e exactly
    s = c + p
    z = s - c
    t = (c - (s - z)) + (p - z)  # c + p == s + t exactly
    w = t + e
    z = w - t
    err = (t - (w - z)) + (e - z)  # t + e == w + err exactly
    # Round w to odd: the neighbour of t + e whose last mantissa bit is 1.  From the
    # nearest value w: one ulp toward zero when the exact sum is smaller in magnitude
    # (err has the other sign), then set the last bit when inexact.  On the int64 view
    # of a float, -1 moves toward zero and | 1 sets the last bit, whatever the sign.
    bits = w.view(np.int64)
    sticky = (err != _ZERO).astype(np.int64)
    other_sign = (err.view(np.int64) ^ bits) >> 63  # -1 where the signs differ, else 0
    w_odd = ((bits - (sticky & other_sign)) | sticky).view(np.float64)
    out = s + w_odd
    if np.isnan(out).any():
        # an operand beyond ~1e300 overflows the split: fall back to the separately rounded
        # sum, which is exactly torch's result when it is inf or NaN
        out = np.where(np.isnan(out), s, out)
    return out


def fmas(*triples):
    """Several independent ``fma(a, b, c)`` computed in one pass over stacked operands:
    the same bits as separate calls, in a third fewer NumPy calls.  Every ``c`` has the same
    shape; ``a`` and ``b`` broadcast to it (Python floats too)."""
    n = triples[0][2].shape[0]
    shape = (n * len(triples),) + triples[0][2].shape[1:]
    a, b, c = np.empty(shape), np.empty(shape), np.empty(shape)
    for i, (ai, bi, ci) in enumerate(triples):
        a[i * n:(i + 1) * n] = ai
        b[i * n:(i + 1) * n] = bi
        c[i * n:(i + 1) * n] = ci
    out = fma(a, b, c)
    return [out[i * n:(i + 1) * n] for i in range(len(triples))]


def lerp(start, end, weight):
    """``start.lerp_(end, weight)``: torch's two-branch formula, each branch one rounding.

    ``weight`` is a Python float or a column ``(runs, 1)`` of per-run weights.
    """
    diff = end - start
    if isinstance(weight, float):
        if abs(weight) < 0.5:
            return fma(weight, diff, start)
        return fma(-diff, 1.0 - weight, end)
    small = np.abs(weight) < 0.5
    return np.where(small, fma(weight, diff, start), fma(-diff, 1.0 - weight, end))


def addcmul(base, t1, t2, value):
    """``base.addcmul_(t1, t2, value=value)`` == ``fma(value * t1, t2, base)``."""
    return fma(value * t1, t2, base)


def add_scaled(base, other, alpha):
    """``base.add(other, alpha=alpha)`` == ``fma(alpha, other, base)``."""
    return fma(alpha, other, base)


def addcdiv(base, t1, t2, value):
    """``base.addcdiv_(t1, t2, value=value)`` == ``base + (value * t1) / t2``."""
    return base + (value * t1) / t2


def running_moments(exp_avg, exp_avg_sq, grad, beta1, beta2):
    """The Adam family's ``exp_avg.lerp_(grad, 1 - beta1)`` and
    ``exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)``.

    ``beta1`` is a Python float (one pass for both FMAs) or a per-run column."""
    if not isinstance(beta1, float):
        return (lerp(exp_avg, grad, 1 - beta1),
                addcmul(exp_avg_sq * beta2, grad, grad, 1 - beta2))
    weight = 1 - beta1
    if abs(weight) < 0.5:
        first = (weight, grad - exp_avg, exp_avg)
    else:
        first = (-(grad - exp_avg), 1.0 - weight, grad)
    value = 1 - beta2
    return fmas(first, (value * grad, grad, exp_avg_sq * beta2))


sqrt = np.sqrt


def as_column(values):
    """A per-run array ``(runs,)`` as a column ``(runs, 1)`` broadcasting over the 2 coordinates;
    Python scalars pass through."""
    if isinstance(values, (float, int)):
        return float(values)
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)
