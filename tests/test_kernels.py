"""The optimizers' arithmetic primitives (lrsched.optim._kernels), each pinned bit for bit
against an exact reference computed here with fractions.Fraction: a fused primitive is the
exact result rounded once to float64, the others round every operation separately, as torch
does.  No torch needed: a one-ulp change to any primitive fails here.  With torch installed
(CI), the last tests check the rounding model itself against torch's CPU kernels."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lrsched.optim._kernels import (
    add_scaled, addcdiv, addcmul, as_column, fma, fmas, lerp, running_moments, sqrt)


# --- exact references: Fraction arithmetic, float() rounds once (to nearest, ties to even)
def rounded(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def exact_fma(a, b, c) -> np.ndarray:
    """round(a * b + c), elementwise over 1-d arrays (scalars broadcast)."""
    a, b, c = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (a, b, c)))
    return rounded(Fraction(x) * Fraction(y) + Fraction(z) for x, y, z in zip(a, b, c))


def exact_mul(a, b) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return rounded(Fraction(x) * Fraction(y) for x, y in zip(a, b))


def exact_sub(a, b) -> np.ndarray:
    return rounded(Fraction(x) - Fraction(y) for x, y in zip(a, b))


def exact_lerp(start, end, weight) -> np.ndarray:
    """torch's lerp: diff = end - start rounded, then one rounding per branch:
    start + w * diff for |w| < 0.5, end - diff * (1 - w) otherwise (1 - w rounded)."""
    start, end, weight = np.broadcast_arrays(start, end, weight)
    out = []
    for s, e, w in zip(start, end, weight):
        d = Fraction(float(Fraction(e) - Fraction(s)))
        if abs(w) < 0.5:
            out.append(Fraction(w) * d + Fraction(s))
        else:
            out.append(Fraction(e) - d * Fraction(float(1 - Fraction(w))))
    return rounded(out)


def exact_addcdiv(base, t1, t2, value) -> np.ndarray:
    """base + (value * t1) / t2 with each of the three operations rounded."""
    base, t1, t2, value = np.broadcast_arrays(base, t1, t2, value)
    return rounded(Fraction(b) + Fraction(float(Fraction(float(Fraction(v) * Fraction(x)))
                                                / Fraction(y)))
                   for b, x, y, v in zip(base, t1, t2, value))


# --- operands -----------------------------------------------------------------------------
def adversarial(rng, n=1500):
    """Operand triples where a separately rounded a*b + c goes wrong: cancellation, ties in
    c + p, products a hair above half an ulp of c, small integers; plus plain normals."""
    a = rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))
    b = rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))
    sets = [(a, b, rng.standard_normal(n) * np.exp2(rng.integers(-60, 60, n))),
            (a, b, -(a * b) * (1 + rng.standard_normal(n) * 1e-10)),
            (rng.uniform(1, 2, n), rng.uniform(0.5, 1, n), rng.uniform(1, 2, n))]
    c = rng.standard_normal(n)
    sets.append((np.full(n, 0.5), np.spacing(np.abs(c)) * (1 + rng.integers(-3, 4, n) * 2.0 ** -52),
                 c))
    sets.append((rng.integers(-999, 999, n) / 8.0, rng.integers(-999, 999, n) / 16.0,
                 rng.integers(-10 ** 6, 10 ** 6, n) / 3.0))
    # c + a*b a hair off a tie, a*b inexact: rounding a*b and then c + a*b rounds the tie
    # to even, one ulp from the exact result (the double rounding round-to-odd prevents)
    c = rng.standard_normal(n) * np.exp2(rng.integers(-10, 10, n))
    half = np.spacing(np.abs(c)) / 2 * rng.choice([-1.0, 1.0], n)
    a = 1 + rng.integers(1, 2 ** 20, n) * 2.0 ** -40
    sets.append((a, half / a, c))
    sets.append(tuple(rng.standard_normal((3, n))))
    return sets


def optimizer_like(rng, n=2000):
    """Values of the sizes an optimizer's state takes: params, gradients, moving averages."""
    scale = np.exp2(rng.integers(-20, 20, n))
    return rng.standard_normal(n) * scale, rng.standard_normal(n) * scale


# --- fma ----------------------------------------------------------------------------------
def test_fma_is_correctly_rounded():
    rng = np.random.default_rng(11)
    for a, b, c in adversarial(rng):
        np.testing.assert_array_equal(fma(a, b, c), exact_fma(a, b, c), strict=True)
        # a Python float first operand (split once, in Python)
        np.testing.assert_array_equal(fma(0.1, b, c), exact_fma(0.1, b, c), strict=True)
        np.testing.assert_array_equal(fma(-0.37, a, c), exact_fma(-0.37, a, c), strict=True)


def test_fma_broadcasts_and_keeps_shape():
    rng = np.random.default_rng(13)
    a, b, c = rng.standard_normal((5, 1)), rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    out = fma(a, b, c)
    assert out.shape == (5, 2)
    np.testing.assert_array_equal(
        out.ravel(), exact_fma(np.repeat(a.ravel(), 2), b.ravel(), c.ravel()))


def test_fma_overflow_gives_ieee_results():
    """Beyond the emulation's range (an operand above ~1e300) the separately rounded result
    is returned: inf or NaN exactly where a hardware FMA (torch) gives them."""
    with np.errstate(all="ignore"):
        out = fma(np.array([1e305, np.inf, 1e301, 2.0]), np.array([1e4, 1.0, 1e-5, np.nan]),
                  np.array([0.0, -np.inf, 1.0, 1.0]))
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == 1e301 * 1e-5 + 1.0
    assert np.isnan(out[3])


def test_fmas_is_each_fma_in_one_pass():
    rng = np.random.default_rng(14)
    sets = adversarial(rng, n=400)
    (a0, b0, c0), (a1, b1, c1), (a2, b2, c2) = sets[:3]
    shape = (200, 2)
    triples = [(a0.reshape(shape), b0.reshape(shape), c0.reshape(shape)),
               (0.3, b1.reshape(shape), c1.reshape(shape)),
               (a2.reshape(shape), b2.reshape(shape), c2.reshape(shape))]
    outs = fmas(*triples)
    assert len(outs) == 3
    for out, (a, b, c) in zip(outs, triples):
        assert out.shape == shape
        np.testing.assert_array_equal(out.ravel(), exact_fma(np.broadcast_to(a, shape).ravel(),
                                                             b.ravel(), c.ravel()))


# --- torch's fused tensor methods -----------------------------------------------------------
WEIGHTS = [0.1, 0.001, 0.49999999999999994, 0.5, 0.7, 0.999, 1.0, -0.3, -0.5, 1.7]


def test_lerp_with_a_python_weight():
    rng = np.random.default_rng(12)
    start, end = optimizer_like(rng)
    for weight in WEIGHTS:
        ours = lerp(start.reshape(-1, 2), end.reshape(-1, 2), weight)
        np.testing.assert_array_equal(ours.ravel(), exact_lerp(start, end, weight),
                                      err_msg=str(weight))


def test_lerp_with_a_weight_per_run():
    rng = np.random.default_rng(15)
    start, end = optimizer_like(rng)
    start, end = start.reshape(-1, 2), end.reshape(-1, 2)
    weights = rng.choice(WEIGHTS, size=(len(start), 1))
    ours = lerp(start, end, weights)
    assert ours.shape == start.shape
    np.testing.assert_array_equal(
        ours.ravel(), exact_lerp(start.ravel(), end.ravel(), np.repeat(weights.ravel(), 2)))


@pytest.mark.parametrize("value", [1 - 0.999, 1 - 0.99, 0.05, -1.0, 1.0])
def test_addcmul_rounds_value_times_t1_then_once(value):
    """``base.addcmul_(t1, t2, value=v)`` is round(round(v * t1) * t2 + base)."""
    rng = np.random.default_rng(16)
    base, t1 = optimizer_like(rng)
    t2 = rng.standard_normal(base.size) * np.exp2(rng.integers(-20, 20, base.size))
    t2[:500] = t1[:500]   # the squares the optimizers take (addcmul(v, g, g))
    ours = addcmul(base.reshape(-1, 2), t1.reshape(-1, 2), t2.reshape(-1, 2), value)
    np.testing.assert_array_equal(ours.ravel(), exact_fma(exact_mul(value, t1), t2, base))


@pytest.mark.parametrize("alpha", [-0.37, -1e-3, 1e-2, 0.1, -1.0])
def test_add_scaled_rounds_once(alpha):
    rng = np.random.default_rng(17)
    base, other = optimizer_like(rng)
    ours = add_scaled(base.reshape(-1, 2), other.reshape(-1, 2), alpha)
    np.testing.assert_array_equal(ours.ravel(), exact_fma(alpha, other, base))


def test_addcdiv_rounds_three_times():
    rng = np.random.default_rng(18)
    base, t1 = optimizer_like(rng)
    t2 = np.abs(rng.standard_normal(base.size)) * np.exp2(rng.integers(-20, 20, base.size)) + 1e-8
    for value in (-1e-3, -0.37, 1.0):
        ours = addcdiv(base.reshape(-1, 2), t1.reshape(-1, 2), t2.reshape(-1, 2), value)
        np.testing.assert_array_equal(ours.ravel(), exact_addcdiv(base, t1, t2, value))
    per_run = -np.exp2(rng.uniform(-20, 0, (base.size // 2, 1)))   # a column: lr per run
    ours = addcdiv(base.reshape(-1, 2), t1.reshape(-1, 2), t2.reshape(-1, 2), per_run)
    np.testing.assert_array_equal(
        ours.ravel(), exact_addcdiv(base, t1, t2, np.repeat(per_run.ravel(), 2)))


def test_sqrt_is_correctly_rounded():
    """NumPy's sqrt, correctly rounded (math.sqrt is IEEE's); torch's MKL sqrt is not (see
    the torch test below), which is why some golden optimizer runs carry a tolerance."""
    rng = np.random.default_rng(19)
    x = np.concatenate([rng.random(3000), np.exp2(rng.uniform(-60, 60, 3000)),
                        rng.integers(0, 10 ** 6, 1000).astype(np.float64), [0.0, 1.0, 2.0, 4.0]])
    ours = sqrt(x.reshape(-1, 2))
    np.testing.assert_array_equal(ours.ravel(), np.array([math.sqrt(v) for v in x]))
    # and exactly: r is the root rounded to nearest iff (r - ulp/2)^2 <= x <= (r + ulp/2)^2
    for r, v in zip(ours.ravel()[:2000], x[:2000]):
        half = Fraction(float(np.spacing(r))) / 2
        assert (Fraction(r) - half) ** 2 <= Fraction(v) <= (Fraction(r) + half) ** 2


@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.3, 0.9), (0.95, 0.99), (0.0, 0.5)])
def test_running_moments_are_adams_lerp_and_addcmul(beta1, beta2):
    """``exp_avg.lerp_(grad, 1 - beta1)`` and ``exp_avg_sq.mul_(beta2).addcmul_(grad, grad,
    value=1 - beta2)``: 1 - beta as a Python float, the rest in torch's roundings."""
    rng = np.random.default_rng(20)
    m, g = optimizer_like(rng)
    v = m * m
    expected_m = exact_lerp(m, g, 1 - beta1)
    expected_v = exact_fma(exact_mul(1 - beta2, g), g, exact_mul(v, beta2))
    for b1 in (beta1, np.full((m.size // 2, 1), beta1)):   # a Python float, or one per run
        new_m, new_v = running_moments(m.reshape(-1, 2), v.reshape(-1, 2), g.reshape(-1, 2),
                                       b1, beta2)
        np.testing.assert_array_equal(new_m.ravel(), expected_m)
        np.testing.assert_array_equal(new_v.ravel(), expected_v)


def test_as_column():
    column = as_column(np.array([1, 2, 3]))
    assert column.shape == (3, 1) and column.dtype == np.float64
    assert as_column(3) == 3.0 and type(as_column(3)) is float
    assert as_column(0.25) == 0.25


# --- the rounding model against torch's own kernels (CI installs torch) -------------------
def test_the_rounding_model_is_torchs(torch):
    t = torch.from_numpy
    rng = np.random.default_rng(21)
    base, t1 = (x.reshape(-1, 2) for x in optimizer_like(rng))
    t2 = np.abs(t1[::-1].copy()) + 1e-8
    for weight in WEIGHTS:
        np.testing.assert_array_equal(lerp(base, t1, weight),
                                      t(base.copy()).lerp_(t(t1), weight).numpy())
    np.testing.assert_array_equal(addcmul(base, t1, t1, 1 - 0.999),
                                  t(base.copy()).addcmul_(t(t1), t(t1), value=1 - 0.999).numpy())
    np.testing.assert_array_equal(add_scaled(base, t1, -0.37),
                                  t(base).add(t(t1), alpha=-0.37).numpy())
    np.testing.assert_array_equal(addcdiv(base, t1, t2, -1e-3),
                                  t(base.copy()).addcdiv_(t(t1), t(t2), value=-1e-3).numpy())
    for a, b, c in adversarial(rng, n=500):
        # torch's addcmul with value 1 is one fused multiply-add on float64
        np.testing.assert_array_equal(fma(a, b, c), t(c.copy()).addcmul_(t(a), t(b)).numpy())


def test_torchs_sqrt_is_ours_or_one_ulp_below(torch):
    """Why a tolerance stays for the runs that take a square root: torch's MKL sqrt is the
    correctly rounded root or the float just below it."""
    x = np.random.default_rng(22).random(100_000)
    theirs, ours = torch.sqrt(torch.from_numpy(x)).numpy(), sqrt(x)
    low = theirs != ours
    np.testing.assert_array_equal(theirs[low], np.nextafter(ours[low], -np.inf))
