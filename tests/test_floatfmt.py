"""The vectorized float formatter (lrsched.render.floatfmt) against its definition,
``repr`` of each Python float: the same strings for every kind of double (random bit patterns,
every binary exponent, the neighbours of powers of two and of ten, integers, subnormals,
schedules' values, the special values), and rows_text against the f-string it replaces."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrsched.render.floatfmt import BLOCK, iter_rows_text, reprs, reprs_reference, rows_text

SEED = 20260511


def same(values) -> int:
    """Assert reprs == repr element by element (the first differences shown); the count."""
    values = np.asarray(values, dtype=np.float64)
    got, want = reprs(values), reprs_reference(values)
    assert len(got) == len(want) == values.shape[0]
    bad = [(hex(int(b)), g, w) for b, g, w in zip(values.view(np.uint64).tolist(), got, want)
           if g != w]
    assert not bad, f"{len(bad)} of {len(want)} differ, e.g. {bad[:5]}"
    return len(want)


def signed(rng, values):
    """``values`` with a random half negated."""
    return np.where(rng.random(values.shape[0]) < 0.5, -values, values)


def neighbours(values, ulps: int = 3):
    """``values`` and their neighbours up to ``ulps`` ulps away on both sides."""
    out, up, down = [values], values, values
    for _ in range(ulps):
        up = np.nextafter(up, np.inf)
        down = np.nextafter(down, -np.inf)
        out += [up, down]
    return np.concatenate(out)


def test_random_bit_patterns():
    rng = np.random.default_rng(SEED)
    bits = rng.integers(0, 2 ** 64, 600_000, dtype=np.uint64)
    values = bits.view(np.float64)
    assert same(values[np.isfinite(values)]) > 590_000


def test_every_binary_exponent():
    """Each of the 2047 exponents (subnormals' included), 100 random significands each, the
    smallest and the largest significand: every entry of the tables is used."""
    rng = np.random.default_rng(SEED + 1)
    exponent = np.repeat(np.arange(2047, dtype=np.uint64), 102)
    fraction = rng.integers(0, 2 ** 52, exponent.shape[0], dtype=np.uint64)
    fraction[0::102] = 0
    fraction[1::102] = 2 ** 52 - 1
    bits = exponent << np.uint64(52) | fraction
    bits[rng.random(bits.shape[0]) < 0.5] |= np.uint64(1 << 63)
    assert same(bits.view(np.float64)) == 2047 * 102


def test_uniform_and_log_uniform():
    rng = np.random.default_rng(SEED + 2)
    same(rng.random(300_000))
    same(signed(rng, 10.0 ** rng.uniform(-300, 300, 300_000)))
    same(10.0 ** rng.uniform(-12, 1, 200_000))          # where learning rates live


def test_powers_of_two_and_ten_and_their_neighbours():
    """Powers of two have a lopsided interval (the double below is closer); powers of ten and
    the doubles around them are where the shortest string changes length."""
    powers = np.concatenate([np.ldexp(1.0, np.arange(-1074, 1024)),
                             np.array([float(f"1e{k}") for k in range(-323, 309)]),
                             np.array([float(f"{d}e{k}") for d in (2, 5, 9.5, 9.999999999999999)
                                       for k in range(-300, 300, 7)])])
    values = neighbours(powers)
    values = values[np.isfinite(values) & (values != 0)]
    same(np.concatenate([values, -values]))


def test_integers():
    rng = np.random.default_rng(SEED + 3)
    same(np.arange(-10_000, 10_000, dtype=np.float64))
    same(rng.integers(0, 2 ** 53, 150_000).astype(np.float64))
    same(neighbours(np.ldexp(1.0, np.arange(40, 80))))
    big = rng.integers(2 ** 53, 2 ** 63, 100_000, dtype=np.int64).astype(np.float64)
    same(signed(rng, big))
    same(signed(rng, np.ldexp(rng.integers(2 ** 52, 2 ** 53, 50_000).astype(np.float64),
                              rng.integers(0, 120, 50_000))))
    same([float(10 ** k) for k in range(23)] + [float(10 ** k - 1) for k in range(1, 23)])


def test_decimal_looking_values():
    """Short decimals (the values people type), and their neighbours."""
    rng = np.random.default_rng(SEED + 4)
    digits = rng.integers(1, 10 ** 6, 100_000)
    scale = 10.0 ** rng.integers(-20, 20, 100_000)
    values = np.array([float(f"{d}e{k}") for d, k in
                       zip(digits.tolist(), np.log10(scale).round().astype(int).tolist())])
    same(neighbours(values, 1))


def test_schedule_values():
    """What schedules print: step decay, exponential decay, cosine annealing, linear warmup."""
    k = np.arange(20_000, dtype=np.float64)
    values = [0.1 * 0.95 ** k, 0.1 * 0.1 ** (k // 3000), 0.001 * 0.99 ** k]
    lr = 0.1
    decayed = []
    for _ in range(5000):                       # torch's recurrence, rounding at each step
        decayed.append(lr)
        lr *= 0.95
    values.append(np.array(decayed))
    for base, eta_min, period in ((0.1, 0.0, 1000), (3e-4, 1e-6, 7777), (1.0, 1e-8, 50_000)):
        t = np.arange(period + 1, dtype=np.float64)
        values.append(eta_min + (base - eta_min) * (1 + np.cos(np.pi * t / period)) / 2)
    values.append(np.linspace(0.0, 0.1, 10_001))
    values.append(np.arange(10_000) / 10_000 * 3e-4)
    same(np.concatenate(values))


def test_subnormals_extremes_and_specials():
    rng = np.random.default_rng(SEED + 5)
    tiny = rng.integers(1, 2 ** 52, 50_000, dtype=np.uint64).view(np.float64)
    same(signed(rng, tiny))
    info = np.finfo(np.float64)
    edges = [info.max, info.tiny, info.smallest_subnormal, np.nextafter(info.tiny, 0),
             np.nextafter(info.max, 0), 2 * info.smallest_subnormal, 1.0, info.eps]
    same(edges + [-e for e in edges])
    assert reprs(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324])) == \
        ["0.0", "-0.0", "inf", "-inf", "nan", "nan", "5e-324"]
    quiet = np.array([0x7FF8000000000001, 0xFFF0000000000001, 0x7FFFFFFFFFFFFFFF], np.uint64)
    assert reprs(quiet.view(np.float64)) == ["nan", "nan", "nan"]


def test_layout_boundaries():
    """The switches between positional and exponent forms, and the ``.0`` of integral values."""
    values = [1e-4, 9.999999999999999e-5, 0.0001000000000000001, 1e16, 9999999999999998.0,
              1e15 + 0.5, 123456789012345.6, 1.5, 10.0, 99.5, 1e100, 1.5e-100, 2.5e-10, 1e-10,
              1.7976931348623157e308, 4.9406564584124654e-324, 0.1, 0.2, 0.3, 1 / 3, 2 / 3,
              math.pi, math.e, 1e21, 1e22, 1e23, 5e-324, 12345.0, 0.5, 0.25]
    same(values + [-v for v in values])


def test_array_forms():
    assert reprs(np.array([], np.float64)) == []
    strided = np.arange(20, dtype=np.float64)[::3] / 7
    assert reprs(strided) == reprs_reference(strided)
    single = np.array([0.1, 1 / 3, 3e-5], np.float32)           # tolist() widens exactly
    assert reprs(single) == reprs_reference(single)
    long = np.random.default_rng(SEED + 6).random(2 * BLOCK + 5)  # several blocks
    assert reprs(long) == reprs_reference(long)
    with pytest.raises(TypeError):
        reprs(np.arange(3))
    with pytest.raises(ValueError):
        reprs(np.zeros((2, 2)))


def plain_rows(*parts) -> str:
    """What rows_text replaces: an f-string per row."""
    columns = [p if isinstance(p, str) else np.asarray(p).tolist() for p in parts]
    length = next(len(c) for c in columns if not isinstance(c, str))
    return "".join("".join(c if isinstance(c, str) else f"{c[i]}" for c in columns)
                   for i in range(length))


def test_rows_text_csv_rows():
    rng = np.random.default_rng(SEED + 7)
    n = np.arange(3 * BLOCK + 17, dtype=np.int64)
    values = 0.1 * (1 + np.cos(np.pi * n / 5000)) / 2
    parts = ("cos,", n // 7, ",", n, ",0,", values, ",\n")
    assert rows_text(*parts) == plain_rows(*parts)
    assert "".join(iter_rows_text(*parts, block=1000)) == plain_rows(*parts)
    odd = signed(rng, rng.random(5000) * 10.0 ** rng.integers(-30, 30, 5000))
    ints = rng.integers(-2 ** 63, 2 ** 63 - 1, 5000, dtype=np.int64, endpoint=True)
    ints[:4] = [0, -1, -2 ** 63, 2 ** 63 - 1]
    parts = ("«ü» ", ints, " | ", odd, "", np.arange(5000, dtype=np.uint64) * 10 ** 15, "\n")
    assert rows_text(*parts) == plain_rows(*parts)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0])
    assert rows_text("[", specials, "]") == plain_rows("[", specials, "]")


def test_rows_text_plain_fallback_and_edges():
    values = np.array([0.1, 2.5, 1e-7])
    for awkward in ("a\0b", "\ud800"):     # a NUL of the text, a string utf-8 cannot encode
        assert rows_text(awkward, values, np.arange(3), "\n") == \
            plain_rows(awkward, values, np.arange(3), "\n")
    assert rows_text("x", np.array([], np.float64), "\n") == ""
    assert rows_text(np.array([7, 42, 100000])) == "742100000"
    with pytest.raises(ValueError):
        rows_text("no arrays")
    with pytest.raises(ValueError):
        rows_text(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError):
        rows_text(np.array(["a"]))
