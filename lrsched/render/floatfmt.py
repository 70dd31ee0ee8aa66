"""Python's ``repr`` of many float64 at once, in NumPy: the same text, character for character.

``repr(float)`` is the shortest decimal that reads back as the same double (the closest one to
the double when several are as short), laid out positionally when ``1e-4 <= |x| < 1e16`` and
with an exponent otherwise.  Calling it once per number is most of the time a long CSV takes;
:func:`reprs` does the same work as whole-array integer arithmetic, and :func:`rows_text`
writes rows of text (constants, integers, floats) without a Python object per number.
:func:`reprs_reference` is the plain definition both are held to.

The digits: the shortest-interval method of Ulf Adams' *Ryu* (PLDI 2018), done for a whole
array at once.  A finite non-zero double is ``m * 2**e``; every decimal in the interval of
reals that round to it, ``[(4m - 1 - s) * 2**(e-2), (4m + 2) * 2**(e-2)]`` (``s`` is 0 only
at a power of two, whose interval is lopsided; the ends belong to it when ``m`` is even), is
scaled by ``10**-e10`` through one exact product of the 55-bit ``4m`` with a 125-bit
approximation of a power of five (32-bit limbs in uint64: no product overflows), which gives
the floors of the three scaled values exactly.  Digits are then dropped while the
interval still holds a shorter number, and the last kept digit is rounded to the nearest.
The text: the digits as four-digit groups from a table, laid out in a fixed 32-byte template
per number with NUL bytes where a character is not used (the layout depends only on the sign,
the number of digits and the decimal point's place, so the NUL mask comes from a table too);
deleting the NULs of the whole block at once (``bytes.translate``) leaves the text.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["reprs", "reprs_reference", "rows_text", "BLOCK"]

BLOCK = 16384          # numbers converted at a time: the work arrays stay in the CPU's cache

_U64 = np.uint64
_M32 = 0xFFFFFFFF
_FRACTION = (1 << 52) - 1
_ONE_BITS = 0x3FF0000000000000
_POW5_BITS = 125       # bits kept of each power of five (Ryu's table precision)


def reprs_reference(values) -> list[str]:
    """The definition: ``repr`` of each number, one Python float at a time."""
    return [repr(v) for v in np.asarray(values).tolist()]


def reprs(values) -> list[str]:
    """``[repr(v) for v in values.tolist()]`` for a 1-D float array, computed for the whole
    array at once."""
    array = _floats(values)
    out: list[str] = []
    for start in range(0, array.shape[0], BLOCK):
        words = _float_words(array[start:start + BLOCK])
        out += words.tobytes().translate(None, b"\0").decode("ascii").split("\n")[:-1]
    return out


def rows_text(*parts) -> str:
    """The text of ``len(rows)`` rows, each the concatenation of ``parts`` for that row: a
    ``str`` is the same in every row, an integer array gives ``str(int)`` of its element, a
    float array ``repr`` of its element.  The same as ``"".join(f"{p0}{p1}..." for each
    row)``, built for the whole block at once (arrays of one length, 1-D)."""
    return "".join(iter_rows_text(*parts))


def iter_rows_text(*parts, block: int | None = BLOCK) -> Iterator[str]:
    """:func:`rows_text` in pieces of at most ``block`` rows (all rows at once if None)."""
    arrays = [np.asarray(p) for p in parts if not isinstance(p, str)]
    if not arrays:
        raise ValueError("rows_text needs at least one array")
    length = arrays[0].shape[0]
    if any(a.ndim != 1 or a.shape[0] != length for a in arrays):
        raise ValueError("the arrays of rows_text must be 1-D and of one length")
    step = block or max(length, 1)
    if not all(_packable(p) for p in parts if isinstance(p, str)):
        # a NUL of the text itself would be deleted with the padding: the plain way
        columns = [p if isinstance(p, str) else _plain_column(np.asarray(p)) for p in parts]
        for start in range(0, length, step):
            stop = min(start + step, length)
            cells = [[c] * (stop - start) if isinstance(c, str) else c[start:stop] for c in columns]
            yield "".join(["".join(row) for row in zip(*cells)])
        return
    kinds = [_constant(p) if isinstance(p, str) else _column(np.asarray(p)) for p in parts]
    for start in range(0, length, step):
        stop = min(start + step, length)
        pieces = [k(start, stop) for k in kinds]
        rows = np.concatenate(pieces, axis=1) if len(pieces) > 1 else pieces[0]
        yield rows.tobytes().translate(None, b"\0").decode("utf-8")


def _packable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate
        return False
    return "\0" not in text


# --- the parts of a row, as uint32 slots (four bytes each, NUL bytes dropped at the end) ---

def _constant(text: str):
    raw = text.encode("utf-8")
    raw += b"\0" * (-len(raw) % 4)
    slots = np.frombuffer(raw, dtype=np.uint32) if raw else np.zeros(0, np.uint32)

    def make(start, stop):
        return np.broadcast_to(slots, (stop - start, slots.shape[0]))
    return make


def _column(array: np.ndarray):
    if array.dtype.kind == "f":
        values = _floats(array)

        def floats(start, stop):
            words = _float_words(values[start:stop])
            words[:, 3] &= _NO_NEWLINE
            return words.view(np.uint32)
        return floats
    if array.dtype.kind in "iu" and array.dtype.itemsize <= 8:
        values = array
        return lambda start, stop: _int_slots(values[start:stop])
    if array.dtype.kind == "b":
        raise TypeError("rows_text: booleans are not numbers here")
    raise TypeError(f"rows_text cannot lay out an array of {array.dtype}")


def _plain_column(array: np.ndarray) -> list[str]:
    if array.dtype.kind == "f":
        return reprs(array)
    return [str(v) for v in array.tolist()]


def _floats(values) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind != "f":
        raise TypeError(f"expected an array of floats, got {array.dtype}")
    if array.ndim != 1:
        raise ValueError("expected a 1-D array")
    return np.ascontiguousarray(array, dtype=np.float64)


# --- tables (built once, on first use) ---

class _Tables:
    """Everything that depends only on the binary exponent, indexed by the 11 exponent bits,
    and the character tables."""

    def __init__(self):
        size = 2048
        c = np.zeros((4, size), np.uint64)        # the 125-bit multiplier, 32-bit limbs
        twice = np.zeros((4, size), np.uint64)    # twice the multiplier
        shift = np.zeros(size, np.uint64)         # j - 96: the quotient is bits j.. of the product
        e10 = np.zeros(size, np.int64)            # the scaled values are the reals / 10**e10
        hidden = np.zeros(size, np.uint64)        # the implicit leading bit of the significand
        low_bits = np.zeros(size, np.uint64)      # 2**q - 1 (e2 < 0): exact iff v & low_bits == 0
        pow5 = np.zeros(size, np.uint64)          # 5**q (e2 >= 0): exact iff v % pow5 == 0
        for ie in range(size - 1):
            e2 = (ie if ie else 1) - 1023 - 52 - 2
            hidden[ie] = (1 << 52) if ie else 0
            if e2 >= 0:
                q = max(0, len(str(2 ** e2)) - 1 - (e2 > 3))
                bits5 = (5 ** q).bit_length()
                mult = (1 << (bits5 - 1 + _POW5_BITS)) // 5 ** q + 1
                j = -e2 + q + _POW5_BITS + bits5 - 1
                e10[ie] = q
                low_bits[ie] = 0
                pow5[ie] = 5 ** q if q <= 23 else (1 << 64) - 1   # 5**24 > any 4m + 2
            else:
                q = max(0, len(str(5 ** -e2)) - 1 - (-e2 > 1))
                i = -e2 - q
                bits5 = (5 ** i).bit_length()
                mult = 5 ** i >> (bits5 - _POW5_BITS) if bits5 >= _POW5_BITS else \
                    5 ** i << (_POW5_BITS - bits5)
                j = q - (bits5 - _POW5_BITS)
                e10[ie] = q + e2
                low_bits[ie] = (1 << q) - 1 if q < 64 else (1 << 64) - 1
                pow5[ie] = 1
            assert 96 <= j < 128 and mult.bit_length() <= 127
            shift[ie] = j - 96
            for k in range(4):
                c[k, ie] = (mult >> (32 * k)) & _M32
                twice[k, ie] = ((2 * mult) >> (32 * k)) & _M32
        self.c, self.twice, self.shift, self.e10 = c, twice, shift, e10
        self.hidden, self.low_bits, self.pow5 = hidden, low_bits, pow5
        self.rare = 1073   # from this exponent (x >= 2**-4 * 2**53) the bounds can be exact
        self.p10 = np.array([10 ** k for k in range(20)], np.uint64)

        # four decimal digits as four ASCII bytes, for every number below 10000
        group = np.arange(10000)
        digits = [(group // 10 ** (3 - k)) % 10 + 48 for k in range(4)]
        self.group4 = (digits[0] | digits[1] << 8 | digits[2] << 16 | digits[3] << 24).astype(np.uint32)
        # digit count of a positive number below 10**19 from its bit length: the count is
        # `count[bits]` or one more (`count[bits] + (v >= p10[count[bits]])`)
        self.count = np.array([max(1, len(str(1 << (b - 1)))) if b else 1 for b in range(65)], np.int64)

        # the template: word 0 '-', '0', '.', '0', '0', '0', d0, '.'; words 1-2: digits d1-d16;
        # word 3 'e', exponent sign, three exponent digits, '\n', NUL, NUL
        self.word0 = np.uint64(int.from_bytes(b"-0.000\0.", "little"))
        self.expword = np.array(
            [int.from_bytes(b"e" + (b"-" if x < 0 else b"+") + b"%03d" % abs(x) + b"\n\0\0", "little")
             for x in range(-400, 400)], np.uint64)
        self.masks = self._masks()
        special = {}
        for name, text in (("nan", "nan"), ("inf", "inf"), ("-inf", "-inf"),
                           ("0", "0.0"), ("-0", "-0.0")):
            word = np.zeros(4, np.uint64)
            word[0] = int.from_bytes(text.encode().ljust(8, b"\0"), "little")
            word[3] = int.from_bytes(b"\0\0\0\0\0\n\0\0", "little")
            special[name] = word
        self.special = special

    @staticmethod
    def layout(neg: int, sci: bool, decpt: int, n: int, big: bool = False) -> int:
        return neg * 374 + (340 + big * 17 + n - 1 if sci else (decpt + 3) * 17 + n - 1)

    def _masks(self) -> np.ndarray:
        """The bytes each layout keeps, as 32-byte masks (4 uint64 words) per layout id."""
        masks = np.zeros((748, 32), np.uint8)
        for neg in (0, 1):
            for n in range(1, 18):
                for decpt in range(-3, 17):
                    keep = [0] * neg
                    if decpt <= 0:                       # 0.000ddd
                        keep += [1, 2] + [3, 4, 5][:-decpt] + [6] + list(range(8, 8 + n - 1))
                    elif decpt == 1:                     # d.ddd, d.0
                        keep += [6, 7] + list(range(8, 8 + max(n, 2) - 1))
                    else:                                # dd.ddd, ddd.0: digits and point rebuilt
                        keep += list(range(6, 6 + max(n, decpt + 1) + 1))
                    keep.append(29)
                    masks[self.layout(neg, False, decpt, n), keep] = 0xFF
                for big in (False, True):
                    keep = [0] * neg + [6] + ([7] if n > 1 else []) + list(range(8, 8 + n - 1))
                    keep += [24, 25] + ([26] if big else []) + [27, 28, 29]
                    masks[self.layout(neg, True, 0, n, big), keep] = 0xFF
        return masks.view(np.uint64)


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


_NO_NEWLINE = np.uint64(~(0xFF << 40) & ((1 << 64) - 1))


# --- the shortest digits ---

def _shortest(bits: np.ndarray, t: _Tables):
    """(digits, exponent) with ``digits * 10**exponent`` the shortest decimal that reads back
    as each finite non-zero double of ``bits`` (sign ignored); the closest such."""
    ie = ((bits >> 52) & 0x7FF).view(np.int64)
    fraction = bits & _FRACTION
    m2 = fraction | t.hidden.take(ie)
    mv = m2 << 2
    a0 = mv & _M32
    a1 = mv >> 32
    c0, c1, c2, c3 = (t.c[k].take(ie) for k in range(4))

    # the product mv * C in 32-bit limbs L0..L5
    w = a0 * c0
    low0 = w & _M32
    w >>= 32
    w += a0 * c1
    r1 = w & _M32
    w >>= 32
    w += a0 * c2
    r2 = w & _M32
    w >>= 32
    w += a0 * c3
    r3 = w & _M32
    w >>= 32                         # r4
    u = a1 * c0
    u += r1
    low1 = u & _M32
    u >>= 32
    u += a1 * c1
    u += r2
    low2 = u & _M32
    u >>= 32
    u += a1 * c2
    u += r3
    low3 = u & _M32
    u >>= 32
    u += a1 * c3
    u += w
    low4 = u & _M32
    low5 = u >> 32

    shift = t.shift.take(ie)
    shift1 = 32 - shift
    shift2 = 64 - shift

    def quotient(l3, l4, l5):
        q = l3 >> shift
        q |= l4 << shift1
        q |= l5 << shift2
        return q

    vr = quotient(low3, low4, low5)

    # (mv + 2) * C = product + 2C
    d0, d1, d2, d3 = (t.twice[k].take(ie) for k in range(4))
    s = low0 + d0
    s >>= 32
    s += low1
    s += d1
    s >>= 32
    s += low2
    s += d2
    s >>= 32
    s += low3
    s += d3
    p3 = s & _M32
    s >>= 32
    s += low4
    p4 = s & _M32
    s >>= 32
    s += low5
    vp = quotient(p3, p4, s)

    # (mv - 2) * C = product - 2C; at a power of two the lower end is closer: (mv - 1) * C
    vm = _minus((d0, d1, d2, d3), (low0, low1, low2, low3, low4, low5), quotient)
    power_of_two = np.flatnonzero((fraction == 0) & (ie > 1))
    if power_of_two.size:
        p = power_of_two
        vm[p] = _minus((c0[p], c1[p], c2[p], c3[p]),
                       (low0[p], low1[p], low2[p], low3[p], low4[p], low5[p]),
                       lambda l3, l4, l5: (l3 >> shift[p]) | (l4 << shift1[p]) | (l5 << shift2[p]))

    # is the scaled value itself (vr) or the scaled lower end (vm) an integer?
    accept = (m2 & 1) == 0
    vr_exact = (mv & t.low_bits.take(ie)) == 0
    vm_exact = np.zeros(bits.shape[0], bool)
    rare = np.flatnonzero(ie >= t.rare)
    if rare.size:
        r = rare
        ier = ie[r]
        mvr = mv[r]
        low_bits = t.low_bits.take(ier)
        pow5 = t.pow5.take(ier)
        mm = mvr - 2 + (fraction[r] == 0) * (ier > 1)
        mp = mvr + 2

        def exact(v):
            return ((v & low_bits) == 0) & (v % pow5 == 0)
        vr_exact[r] = exact(mvr)
        vm_exact[r] = accept[r] & exact(mm)
        vp[r] -= (~accept[r] & exact(mp)).astype(np.uint64)

    # how many digits can go: while vp and vm still differ once one more digit is dropped
    removed = np.zeros(bits.shape[0], np.int64)
    alive = np.arange(bits.shape[0])
    hi, lo = vp, vm
    while alive.size:
        hi = hi // 10
        lo = lo // 10
        more = hi > lo
        if not more.all():
            alive = alive[more]
            hi = hi[more]
            lo = lo[more]
        removed[alive] += 1
    general = np.flatnonzero(vr_exact | vm_exact)
    vm_low = vm // t.p10.take(removed)
    if general.size:
        g = general
        p = t.p10.take(removed[g])
        vm_exact[g] &= vm_low[g] * p == vm[g]
        # an exact lower end that is accepted: drop its trailing zeros too
        zeros = g[vm_exact[g]]
        while zeros.size:
            low = vm_low[zeros]
            down = low // 10
            more = (down * 10 == low) & (low > 0)
            zeros = zeros[more]
            vm_low[zeros] = down[more]
            removed[zeros] += 1

    nonzero = removed > 0
    below = vr // t.p10.take(removed - nonzero)          # vr without all but the last dropped digit
    kept = below // 10
    last = below - kept * 10
    kept = np.where(nonzero, kept, vr)
    last = np.where(nonzero, last, 0)
    if general.size:
        g = general
        # exactly half way (all dropped digits after the last are zero): round to even
        below_exact = below[g] * t.p10.take(removed[g] - nonzero[g]) == vr[g]
        tie = vr_exact[g] & below_exact & (last[g] == 5) & (kept[g] % 2 == 0)
        last[g[tie]] = 4
    up = (kept == vm_low) & ~(accept & vm_exact)
    up |= last >= 5
    digits = kept + up
    return digits, t.e10.take(ie) + removed


def _minus(f, low, quotient):
    """quotient() of the limbs of ``low - f`` (``low`` >= ``f``), borrowing limb to limb."""
    s = low[0] - f[0]
    s >>= 63
    s = low[1] - f[1] - s
    s >>= 63
    s = low[2] - f[2] - s
    s >>= 63
    s = low[3] - f[3] - s
    m3 = s & _M32
    s >>= 63
    s = low[4] - s
    m4 = s & _M32
    s >>= 63
    return quotient(m3, m4, low[5] - s)


def _digit_count(v: np.ndarray, t: _Tables) -> np.ndarray:
    """Decimal digits of each positive ``v`` (below 10**19)."""
    bits = np.frexp(v.astype(np.float64))[1]        # bit length, or one more when rounded up
    guess = t.count.take(bits)
    return guess + (v >= t.p10.take(guess))


def _float_words(values: np.ndarray) -> np.ndarray:
    """``repr`` of each float, NUL-padded in 32 bytes (4 uint64 words), ``\\n`` after each."""
    t = _tables()
    bits = values.view(np.uint64)
    neg = (bits >> 63).view(np.int64)
    exponent = (bits >> 52) & 0x7FF
    special = (exponent == 0x7FF) | ((bits << 1) == 0)
    any_special = bool(special.any())
    if any_special:
        bits = np.where(special, np.uint64(_ONE_BITS), bits)
    digits, e10 = _shortest(bits, t)
    n = _digit_count(digits, t)
    decpt = n + e10
    # left-aligned: 17 digits, zero-padded on the right
    full = digits * t.p10.take(17 - n)
    first = full // 10 ** 16
    rest = full - first * 10 ** 16
    high = rest // 10 ** 8
    low = rest - high * 10 ** 8
    h1 = high // 10000
    l1 = low // 10000
    g4 = t.group4
    words = np.empty((values.shape[0], 4), np.uint64)
    words[:, 0] = (first + 48) << 48 | t.word0
    words[:, 1] = g4.take(h1).astype(np.uint64) | g4.take(high - h1 * 10000).astype(np.uint64) << 32
    words[:, 2] = g4.take(l1).astype(np.uint64) | g4.take(low - l1 * 10000).astype(np.uint64) << 32
    sci = (decpt < -3) | (decpt > 16)
    exp = decpt - 1
    words[:, 3] = t.expword.take(np.where(sci, exp, 0) + 400)
    big = (exp >= 100) | (exp <= -100)
    layout = neg * 374 + np.where(sci, 340 + big * 17, (decpt + 3) * 17) + (n - 1)
    words &= t.masks.take(layout, axis=0)
    wide = np.flatnonzero((decpt >= 2) & ~sci)
    if wide.size:
        # 10 <= |x| < 1e16: the point goes after digit `decpt`; bytes 6..23 rebuilt
        row = words[wide].view(np.uint8)
        chars = np.empty((wide.size, 17), np.uint8)
        f = full[wide]
        for k in range(16, -1, -1):
            f, d = np.divmod(f, 10)
            chars[:, k] = d + 48
        col = np.arange(18)
        dp = decpt[wide][:, None]
        src = np.minimum(col - (col > dp), 16)
        region = np.take_along_axis(chars, src, axis=1)
        region[col == dp[:, 0][:, None]] = ord(".")
        length = np.maximum(n[wide], decpt[wide] + 1) + 1
        region[col >= length[:, None]] = 0
        row[:, 6:24] = region
        words[wide] = row.view(np.uint64)
    if any_special:
        _put_specials(words, values, t)
    return words


def _put_specials(words: np.ndarray, values: np.ndarray, t: _Tables) -> None:
    bits = values.view(np.uint64)
    neg = (bits >> 63) == 1
    nan = np.isnan(values)
    inf = np.isinf(values)
    zero = values == 0
    for mask, name in ((nan, "nan"), (inf & ~neg, "inf"), (inf & neg, "-inf"),
                       (zero & ~neg, "0"), (zero & neg, "-0")):
        rows = np.flatnonzero(mask)
        if rows.size:
            words[rows] = t.special[name]


def _int_slots(values: np.ndarray) -> np.ndarray:
    """``str`` of each integer, right-aligned in NUL-padded uint32 slots: an optional sign
    slot, then four-digit groups."""
    t = _tables()
    if values.dtype.kind == "u":
        magnitude = values.astype(np.uint64)
        negative = None
    else:
        v = values.astype(np.int64)
        negative = v < 0
        magnitude = v.view(np.uint64).copy()
        np.negative(magnitude, out=magnitude, where=negative)
        if not negative.any():
            negative = None
    count = _digit_count(np.maximum(magnitude, 1), t)
    width = int(count.max()) if count.size else 1
    groups = -(-width // 4)
    slots = np.empty((values.shape[0], groups + (negative is not None)), np.uint32)
    rest = magnitude
    for g in range(groups - 1, -1, -1):
        rest, part = np.divmod(rest, 10000)
        slots[:, g + (negative is not None)] = t.group4.take(part)
    # clear the leading zeros: keep the last `count` digit bytes of the groups
    digit_bytes = slots[:, (negative is not None):].view(np.uint8)
    col = np.arange(groups * 4)
    digit_bytes[col[None, :] < (groups * 4 - count)[:, None]] = 0
    if negative is not None:
        slots[:, 0] = np.where(negative, ord("-"), 0)
    return slots
