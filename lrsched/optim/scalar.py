"""The kernels of :mod:`lrsched.optim._kernels` on Python floats, for the simulator's fast path.

A batch of one run is two coordinates: NumPy's per-call cost (about a microsecond) then
dominates each step.  These functions give, on Python floats, the very roundings of the
batched kernels (which follow torch's CPU kernels):

* :func:`fma` is the correctly rounded ``a * b + c``: Dekker's exact product ``a * b == p + e``
  (Veltkamp split) summed with ``c`` by :func:`math.fsum`, which rounds the exact sum of its
  arguments once (Shewchuk's algorithm, round half to even).  Where the batched emulation is
  proved exact (a finite result, operands whose split does not overflow, a product far from
  the subnormals) both are the correctly rounded result, hence equal; elsewhere (a zero,
  tiny, NaN or infinite product, a non-finite result) this calls the batched kernel itself
  on one element, so the bits are the same there too.
* ``+ - * /`` on Python floats are the IEEE operations NumPy's float64 does; ``math.sqrt`` is
  correctly rounded as :func:`numpy.sqrt` is.

Python raises where NumPy returns inf or NaN (a division by zero, ``math.sqrt`` of a negative
number, an overflowing ``**``): :data:`FALLBACK` lists those exceptions, and the caller redoes
such a step with the batched update.
"""

from __future__ import annotations

import math

import numpy as np

from lrsched.optim._kernels import fma as batched_fma

__all__ = ["fma", "lerp", "maximum", "sqrt", "float32", "coupled_gradient", "FALLBACK"]

FALLBACK = (ZeroDivisionError, OverflowError, ValueError)

_SPLITTER = 134217729.0  # 2**27 + 1, as in the batched kernels
_TINY = 2.0 ** -800  # products above this have an exact Dekker error term
_fsum = math.fsum
sqrt = math.sqrt


def _batched_fma(a, b, c):
    with np.errstate(all="ignore"):  # NumPy's inf and NaN, as in the simulator's batches
        return float(batched_fma(np.array([a]), np.array([b]), np.array([c]))[0])


def fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once, bit for bit :func:`lrsched.optim._kernels.fma`."""
    p = a * b
    if not abs(p) > _TINY:  # 0, NaN, or a product near the subnormals
        if p == 0.0 and (a == 0.0 or b == 0.0) and c != 0.0 and c - c == 0.0:
            return c  # an exact zero product (a zero gradient) added to a finite c != 0
        return _batched_fma(a, b, c)
    t = a * _SPLITTER
    ah = t - (t - a)
    al = a - ah
    t = b * _SPLITTER
    bh = t - (t - b)
    bl = b - bh
    try:
        out = _fsum((c, p, ((ah * bh - p) + ah * bl + al * bh) + al * bl))
    except (OverflowError, ValueError):
        return _batched_fma(a, b, c)
    # not finite: an operand beyond ~1e300 (its split overflows) or an inf; the batched
    # kernel decides
    return out if out - out == 0.0 else _batched_fma(a, b, c)


def lerp(start: float, end: float, weight: float) -> float:
    """``start.lerp_(end, weight)``: torch's two branches, each rounded once."""
    if abs(weight) < 0.5:
        return fma(weight, end - start, start)
    return fma(-(end - start), 1.0 - weight, end)


def maximum(a: float, b: float) -> float:
    """:func:`numpy.maximum` of two floats: NaN when either is NaN."""
    if a != a:
        return a
    return a if a >= b else b


def float32(value: float) -> float:
    """``value`` rounded to float32 (round half to even), as a Python float."""
    return float(np.float32(value))


def coupled_gradient(params, grads, hyper) -> tuple[float, float]:
    """The gradient an update works with, torch's prologue on one run: negated under
    ``maximize``, then ``g + weight_decay * p`` (one rounding, as torch's ``add(alpha=)``)."""
    g0, g1 = grads
    if hyper["maximize"]:
        g0, g1 = -g0, -g1
    weight_decay = hyper["weight_decay"]
    if weight_decay != 0:
        weight_decay = float(weight_decay)
        g0 = fma(weight_decay, params[0], g0)
        g1 = fma(weight_decay, params[1], g1)
    return g0, g1
