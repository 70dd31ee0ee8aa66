"""Python's ``repr`` of many float64 at once, in NumPy: the same text, character for character.

``repr(float)`` is the shortest decimal that reads back as the same double (the closest one to
the double when several are as short), laid out positionally when ``1e-4 <= |x| < 1e16`` and
with an exponent otherwise.  Calling it once per number is most of the time a long CSV takes;
:func:`reprs` does the same work as whole-array integer arithmetic, and :func:`rows_text`
(:func:`iter_rows_text`) writes rows of text (constants, integers, floats) without a Python
object per number.  :func:`reprs_reference` is the plain definition they are held to.

The digits: the shortest-interval method of Ulf Adams' *Ryu* (PLDI 2018), done for a whole
array at once.  A finite non-zero double is ``m * 2**e``; every decimal in the interval of
reals that round to it, ``[(4m - 1 - s) * 2**(e-2), (4m + 2) * 2**(e-2)]`` (``s`` is 0 only
at a power of two, whose interval is lopsided; the ends belong to it when ``m`` is even), is
scaled by ``10**-e10`` through one exact product of the 55-bit ``4m`` with a 125-bit
approximation of a power of five (32-bit limbs in uint64: no partial sum overflows), which
gives the floors of the three scaled values exactly.  Digits are then dropped while the
interval still holds a shorter number, and the last kept digit is rounded to the nearest.
The text: the digits as four-digit groups from a table, laid out in a fixed 32-byte template
per number with NUL bytes where a character is not used (what is used depends only on the
place of the decimal point and the number of digits, so it comes from tables too); deleting
the NULs of a whole block at once (``bytes.translate``) leaves the text.  Every finite double
takes this path (subnormals too): nothing falls back to ``repr``.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["reprs", "reprs_reference", "rows_text", "iter_rows_text", "BLOCK"]

BLOCK = 16384          # numbers converted at a time: the work arrays stay in the CPU's cache

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
    plan = [_part(p) for p in _merged(parts)]
    width = sum(w for w, _ in plan)
    rows = None
    for start in range(0, length, step):
        stop = min(start + step, length)
        if rows is None or rows.shape[0] != stop - start:
            rows = np.empty((stop - start, width), np.uint8)
            fills = []
            column = 0
            for w, fill in plan:
                if isinstance(fill, np.ndarray):
                    rows[:, column:column + w] = fill         # text: the same in every block
                elif w:
                    fills.append((fill, rows[:, column:column + w]))
                column += w
        for fill, out in fills:
            fill(out, start, stop)
        yield rows.tobytes().translate(None, b"\0").decode("utf-8")


def _merged(parts) -> list:
    """``parts`` with neighbouring strings joined."""
    out: list = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out


def _packable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate
        return False
    return "\0" not in text


# --- the parts of a row: (width in bytes, its bytes (text) or a function that fills its
# --- columns for rows start..stop); NUL bytes are dropped at the end

def _part(part):
    if isinstance(part, str):
        raw = np.frombuffer(part.encode("utf-8"), dtype=np.uint8)
        return raw.shape[0], raw
    array = np.asarray(part)
    if array.dtype.kind == "f":
        values = _floats(array)
        first = 0 if np.signbit(values).any() else 1      # byte 0 is the sign
        width = _FLOAT_TEXT - first

        def floats(out, start, stop):
            out[...] = _float_words(values[start:stop]).view(np.uint8)[:, first:_FLOAT_TEXT]
        return width, floats
    if array.dtype.kind in "iu":
        return _int_part(array)
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
    """What depends only on the 11 exponent bits (indexed by them), and the character tables.

    Per exponent: the decimal scale ``e10`` of the interval, the 125-bit multiplier ``C`` (a
    power of five, or its inverse, to 125 bits: Ryu's choice of ``q`` and its tables' precision,
    under which the three quotients are exact floors), the shift ``j`` (a product's quotient is
    its bits ``j`` and up), and for the bounds: ``vp = vr + twice_q + (top > up_top)``, ``vm =
    vr - twice_q - (top < twice_top)`` (``once_*`` at a power of two), where ``top`` is the 64
    bits of the product just below bit ``j`` and the ``*_top`` are those bits of what is added
    or taken away; when ``top`` equals one of them the limbs decide."""

    def __init__(self):
        self._pow5 = [1]
        for _ in range(330):
            self._pow5.append(self._pow5[-1] * 5)
        self.e10 = np.zeros(2048, np.int64)
        self.c = [np.zeros(2048, np.uint64) for _ in range(4)]
        self.twice = [np.zeros(2048, np.uint64) for _ in range(4)]
        for name in ("shift", "hidden", "twice_q", "up_top", "twice_top", "once_q", "once_top",
                     "low_bits", "pow5"):
            setattr(self, name, np.zeros(2048, np.uint64))
        self._ready = np.zeros(2048 // 64, bool)     # the exponents are filled in by 64s
        # from this exponent on (|x| >= 2**-16 * 2**53) q < 10: a bound can be a decimal, and
        # vr an integer without ten trailing zero bits
        self.rare = 1060
        self.p10 = np.array([10 ** k for k in range(20)], np.uint64)
        # half a unit of the last kept digit when k digits are dropped (none when none are)
        self.half = np.array([(1 << 64) - 1] + [5 * 10 ** k for k in range(19)], np.uint64)

        # four decimal digits as four ASCII bytes, for every number below 10000 (also moved
        # to the high half of a word)
        group = np.arange(10000, dtype=np.uint64)
        self.group4 = sum(((group // 10 ** (3 - k)) % 10 + 48) << np.uint64(8 * k) for k in range(4))
        self.group4_high = self.group4 << np.uint64(32)
        # integers: the group as it is, the lowest group with its leading zeros dropped ("0"
        # for 0), a higher group with its leading zeros dropped (nothing for 0)
        lead = np.array([int.from_bytes(str(v).rjust(4, "\0").encode(), "little")
                         for v in range(10000)], np.uint32)
        self.int_groups = np.concatenate([self.group4.astype(np.uint32), lead, lead])
        self.int_groups[20000] = 0
        # digit count of a number below 2**64 from the exponent bits of its nearest double
        # (its bit length + 1022, or one more when rounded up): the count is `count[bits]` or
        # one more (`count[bits] + (v >= p10[count[bits]])`); 0 has one digit
        count = np.ones(2048, np.int64)
        for b in range(1, 65):
            count[1022 + b] = len(str(1 << (b - 1)))
        count[1022 + 65] = 19            # rounded up to 2**64: 10**19 decides
        self.count = count
        self._layouts()
        special = {}
        for name, text in (("nan", "\0nan"), ("inf", "\0inf"), ("-inf", "-inf"),
                           ("0", "\x000.0"), ("-0", "-0.0")):     # byte 0: the sign
            word = np.zeros(4, np.uint64)
            word[0] = int.from_bytes(text.encode().ljust(8, b"\0"), "little")
            word[3] = int.from_bytes(b"\0" * 5 + b"\n", "little")
            special[name] = word
        self.special = special

    def need(self, lowest: int, highest: int) -> None:
        """Fill in the entries of the exponents from ``lowest`` to ``highest`` not filled yet."""
        lo, hi = lowest // 64, highest // 64
        if self._ready[lo:hi + 1].all():
            return
        top64 = (1 << 64) - 1
        pow5 = self._pow5
        for group in range(lo, hi + 1):
            if self._ready[group]:
                continue
            rows = []
            for ie in range(64 * group, 64 * group + 64):
                ie = min(ie, 2046)          # exponent bits 2047 (inf, nan) are never used
                e2 = (ie if ie else 1) - 1023 - 52 - 2       # x = m * 2**(e2 + 2)
                if e2 >= 0:
                    q = max(0, ((e2 * 78913) >> 18) - (e2 > 3))   # floor(e2 * log10(2)), less 1
                    bits5 = pow5[q].bit_length()
                    mult = (1 << (bits5 - 1 + _POW5_BITS)) // pow5[q] + 1
                    j = -e2 + q + _POW5_BITS + bits5 - 1
                    e10 = q
                    low_bits, divisor = 0, pow5[q] if q <= 23 else top64   # 5**24 > 4m + 2
                else:
                    q = max(0, ((-e2 * 732923) >> 20) - (-e2 > 1))  # floor(-e2 * log10(5)), less 1
                    i = -e2 - q
                    bits5 = pow5[i].bit_length()
                    mult = pow5[i] >> (bits5 - _POW5_BITS) if bits5 >= _POW5_BITS else \
                        pow5[i] << (_POW5_BITS - bits5)
                    j = q - (bits5 - _POW5_BITS)
                    e10 = q + e2
                    low_bits, divisor = (1 << q) - 1 if q < 64 else top64, 1
                twice = 2 * mult
                below = j - 64
                rows.append((
                    mult & _M32, (mult >> 32) & _M32, (mult >> 64) & _M32, mult >> 96,
                    twice & _M32, (twice >> 32) & _M32, (twice >> 64) & _M32, twice >> 96,
                    j - 96, (1 << 52) if ie else 0, twice >> j,
                    min(((1 << j) - (twice & ((1 << j) - 1))) >> below, top64),
                    (twice & ((1 << j) - 1)) >> below, mult >> j,
                    (mult & ((1 << j) - 1)) >> below, low_bits, divisor, e10))
            columns = list(zip(*rows))
            where = slice(64 * group, 64 * group + 64)
            self.e10[where] = columns.pop()
            targets = self.c + self.twice + [
                self.shift, self.hidden, self.twice_q, self.up_top, self.twice_top,
                self.once_q, self.once_top, self.low_bits, self.pow5]
            for target, column in zip(targets, columns):
                target[where] = np.array(column, np.uint64)
            self._ready[group] = True

    def _layouts(self) -> None:
        """The template, 32 bytes (4 words) a number, NUL where a character is not used:
        word 0 '-', '0', '.', '0', '0', '0', d0, '.'; words 1 and 2 the digits d1..d16;
        word 3 'e', the exponent's sign and digits (bytes 24-28), and '\\n' (byte 29).
        What is used depends on the decimal point's place and the digit count alone, so the
        masks and words come from tables indexed by ``key = (decpt + OFFSET) * 18 + n``
        (the number is ``0.d0d1... * 10**decpt`` with n digits).  Positional numbers with
        the point inside the digits (10 <= |x| < 1e16) have bytes 6..23 rebuilt."""
        self.offset = 330
        decpt = np.arange(-self.offset, 320)[:, None]
        n = np.arange(18)[None, :]
        sci = (decpt < -3) | (decpt > 16)
        point = ((sci & (n > 1)) | (~sci & (decpt == 1))).astype(np.uint64)
        heads = np.array([int.from_bytes(b"\0" + b"0.000"[:2 - d] + b"\0" * (5 + d), "little")
                          if -3 <= d <= 0 else 0 for d in decpt[:, 0].tolist()], np.uint64)
        self.prefix = (heads[:, None] | (point * np.uint64(ord("."))) << np.uint64(56)).ravel()
        after = np.where(sci | (decpt != 1), n - 1, np.maximum(n, 2) - 1)   # digits after d0
        bytes_kept = np.array([(1 << (8 * k)) - 1 for k in range(9)], np.uint64)
        self.mask1 = bytes_kept[np.clip(after, 0, 8)].ravel()
        self.mask2 = bytes_kept[np.clip(after - 8, 0, 8)].ravel()
        tails = np.array([int.from_bytes(
            ((b"e%+03d" % (d - 1)) if d < -3 or d > 16 else b"").ljust(5, b"\0") + b"\n", "little")
            for d in decpt[:, 0].tolist()], np.uint64)
        self.tail = np.repeat(tails, 18)


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


_FLOAT_TEXT = 29        # the bytes of the template before the '\n'


# --- the shortest digits ---

def _product(a0, a1, c0, c1, c2, c3):
    """The limbs (32 bits each, in uint64) of (a0 + a1 * 2**32) * (c0 + ... + c3 * 2**96), for
    a0 < 2**32, a1 < 2**23: no partial sum reaches 2**64."""
    tmp = np.empty_like(a0)
    w = a0 * c0
    l0 = w & _M32
    w >>= 32
    w += np.multiply(a0, c1, out=tmp)
    r1 = w & _M32
    w >>= 32
    w += np.multiply(a0, c2, out=tmp)
    r2 = w & _M32
    w >>= 32
    w += np.multiply(a0, c3, out=tmp)
    r3 = w & _M32
    w >>= 32
    u = a1 * c0
    u += r1
    l1 = np.bitwise_and(u, _M32, out=r1)
    u >>= 32
    u += np.multiply(a1, c1, out=tmp)
    u += r2
    l2 = np.bitwise_and(u, _M32, out=r2)
    u >>= 32
    u += np.multiply(a1, c2, out=tmp)
    u += r3
    l3 = np.bitwise_and(u, _M32, out=r3)
    u >>= 32
    u += np.multiply(a1, c3, out=tmp)
    u += w
    l4 = np.bitwise_and(u, _M32, out=w)
    u >>= 32
    return l0, l1, l2, l3, l4, u


def _bits_at(l_low, l_mid, l_high, b, b1, b2):
    """Bits 32k+b .. 32k+b+63 of a number whose limbs k, k+1, k+2 are given."""
    out = l_low >> b
    out |= l_mid << b1
    out |= l_high << b2
    return out


def _exact_bounds(limbs, twice, once, b, b1, b2):
    """(vp, vm) from the limbs of the product: it plus ``twice`` (2C), it less ``once``
    (2C, or C at a power of two), with every carry and borrow."""
    l0, l1, l2, l3, l4, l5 = limbs
    s = l0 + twice[0]
    s >>= 32
    s += l1
    s += twice[1]
    s >>= 32
    s += l2
    s += twice[2]
    s >>= 32
    s += l3
    s += twice[3]
    p3 = s & _M32
    s >>= 32
    s += l4
    p4 = s & _M32
    s >>= 32
    s += l5
    vp = _bits_at(p3, p4, s, b, b1, b2)
    s = l0 - once[0]
    s >>= 63
    s = l1 - once[1] - s
    s >>= 63
    s = l2 - once[2] - s
    s >>= 63
    s = l3 - once[3] - s
    m3 = s & _M32
    s >>= 63
    s = l4 - s
    m4 = s & _M32
    s >>= 63
    vm = _bits_at(m3, m4, l5 - s, b, b1, b2)
    return vp, vm


def _shortest(bits: np.ndarray, ie: np.ndarray, subnormal: bool, t: _Tables):
    """(digits, e10): ``digits * 10**e10`` is the shortest decimal that reads back as each
    finite non-zero double of ``bits`` (sign ignored), the closest to it of those; ``ie``
    their exponent bits, ``subnormal`` whether any is 0."""
    fraction = bits & _FRACTION
    if subnormal:
        mv = t.hidden.take(ie)
        mv |= fraction
    else:
        mv = fraction | (1 << 52)
    mv <<= 2
    a0 = mv & _M32
    a1 = mv >> 32
    c = [x.take(ie) for x in t.c]
    limbs = _product(a0, a1, *c)
    b = t.shift.take(ie)
    b1 = 32 - b
    b2 = 64 - b
    vr = _bits_at(limbs[3], limbs[4], limbs[5], b, b1, b2)

    # the bounds: vr plus or minus the quotient of 2C, and a carry or borrow from the fractions
    top = _bits_at(limbs[1], limbs[2], limbs[3], b, b1, b2)
    q = t.twice_q.take(ie)
    up_top = t.up_top.take(ie)
    twice_top = t.twice_top.take(ie)
    vp = vr + q
    vp += top > up_top
    vm = vr - q
    vm -= top < twice_top
    unsure = top == up_top
    unsure |= top == twice_top
    unsure |= fraction == 0        # a power of two: its lower end is half as far
    unsure = np.flatnonzero(unsure)
    if unsure.size:
        u = unsure
        iu = ie[u]
        twice = [x.take(iu) for x in t.twice]
        once = [x.copy() for x in twice]
        lopsided = np.flatnonzero((fraction[u] == 0) & (iu > 1))
        for k in range(4):
            once[k][lopsided] = c[k][u[lopsided]]
        vp[u], vm[u] = _exact_bounds([x[u] for x in limbs], twice, once, b[u], b1[u], b2[u])

    # is the scaled value itself (vr), or the scaled lower end (vm), an integer?  Below
    # exponent `rare` only vr can be, and only with at least 10 trailing zero bits (q >= 10)
    vr_exact = np.zeros(bits.shape[0], bool)
    vm_exact = np.zeros(bits.shape[0], bool)
    candidates = np.flatnonzero((mv & 0x3FF) == 0)
    if candidates.size:
        r = candidates
        vr_exact[r] = (mv[r] & t.low_bits.take(ie[r])) == 0
    rare = np.flatnonzero(ie >= t.rare)
    if rare.size:
        r = rare
        ier = ie[r]
        mvr = mv[r]
        low_bits = t.low_bits.take(ier)
        pow5 = t.pow5.take(ier)
        accept = (mvr & 4) == 0                     # an even significand: bounds included

        def exact(v):
            return ((v & low_bits) == 0) & (v % pow5 == 0)
        vr_exact[r] = exact(mvr)
        vm_exact[r] = accept & exact(mvr - 2 + ((fraction[r] == 0) & (ier > 1)))
        vp[r] -= ~accept & exact(mvr + 2)

    # how many digits go: as many as leave vp and vm different.  The interval is 2..401
    # units wide, and 98% of numbers lose 1 to 3 digits: the first four steps are taken for
    # all (divisions by 10 are cheap), the few that can lose more go on alone
    hi = vp // 10
    lo = vm // 10
    removed = np.greater(hi, lo).view(np.uint8)
    for _ in range(3):
        hi //= 10
        lo //= 10
        more = hi > lo
        removed += more.view(np.uint8)
    alive = np.flatnonzero(more)
    if alive.size:
        hi = hi[alive]
        lo = lo[alive]
        while True:
            hi //= 10
            lo //= 10
            more = hi > lo
            if not more.all():
                alive = alive[more]
                if not alive.size:
                    break
                hi = hi[more]
                lo = lo[more]
            removed[alive] += 1

    general = np.flatnonzero(vr_exact | vm_exact)
    if general.size:
        g = general
        # Ryu's general case: the lower end counts if it is exact and all its dropped digits
        # are zeros; then its further trailing zeros can go too
        p = t.p10.take(removed[g])
        vm_low = vm[g] // p
        vm_exact[g] &= vm_low * p == vm[g]
        zeros = np.flatnonzero(vm_exact[g])
        low = vm_low[zeros]
        while zeros.size:
            down = low // 10
            more = (down * 10 == low) & (low > 0)
            zeros = zeros[more]
            low = down[more]
            removed[g[zeros]] += 1

    # vr without the dropped digits, plus one when vr is below the interval (the lower end
    # itself does not count) or when the dropped part is half a unit or more
    p = t.p10.take(removed)
    kept = vr // p
    p *= kept
    below_interval = vm >= p
    half_up = np.subtract(vr, p, out=p) >= t.half.take(removed)
    if general.size:
        g = general
        below_interval[g] &= ~(((mv[g] & 4) == 0) & vm_exact[g])
        # exactly half way (the dropped digits 5 then zeros): to the even one
        tie = vr_exact[g] & (vr[g] - kept[g] * t.p10.take(removed[g]) == t.half.take(removed[g]))
        half_up[g[tie]] = kept[g[tie]] % 2 == 1
    below_interval |= half_up
    kept += below_interval
    return kept, t.e10.take(ie) + removed


def _digit_count(v: np.ndarray, t: _Tables) -> np.ndarray:
    """Decimal digits of each ``v`` (uint64)."""
    exponent = v.astype(np.float64).view(np.uint64)
    exponent >>= 52
    guess = t.count.take(exponent)
    guess += v >= t.p10.take(guess)
    return guess


def _float_words(values: np.ndarray) -> np.ndarray:
    """``repr`` of each float, NUL-padded in 32 bytes (4 uint64 words), ``\\n`` after each."""
    t = _tables()
    bits = values.view(np.uint64)
    ie = bits >> 52
    ie &= 0x7FF
    ie = ie.view(np.int64)
    lowest, highest = int(ie.min()), int(ie.max())
    any_special = False
    if lowest == 0 or highest == 0x7FF:              # zeros or subnormals; inf or nan
        special = (ie == 0x7FF) | ((bits << 1) == 0)
        any_special = bool(special.any())
        if any_special:                              # computed as 1.0, then written over
            bits = np.where(special, np.uint64(_ONE_BITS), bits)
            ie = np.where(special, 0x3FF, ie)
            lowest, highest = int(ie.min()), int(ie.max())
    t.need(lowest, highest)
    digits, e10 = _shortest(bits, ie, lowest == 0, t)
    n = _digit_count(digits, t)
    decpt = n + e10
    key = decpt + t.offset
    key *= 18
    key += n
    # the digits left-aligned in 17 places, as 1 + 4 groups of 4
    n -= 17
    full = digits * t.p10.take(-n)
    first = full // 10 ** 16
    full -= first * 10 ** 16
    high = full // 10 ** 8
    full -= high * 10 ** 8
    words = np.empty((values.shape[0], 4), np.uint64)
    g4, g4h = t.group4, t.group4_high
    for column, eight, mask in ((1, high, t.mask1), (2, full, t.mask2)):
        eight = eight.astype(np.uint32)          # below 10**8
        part = eight // 10000
        eight -= part * np.uint32(10000)
        w = g4.take(part)
        w |= g4h.take(eight)
        w &= mask.take(key)
        words[:, column] = w
    first += 48
    first <<= 48
    first |= t.prefix.take(key)
    first |= (bits >> 63) * 45                       # '-'
    words[:, 0] = first
    words[:, 3] = t.tail.take(key)
    decpt -= 2
    wide = np.flatnonzero(decpt.view(np.uint64) < 15) if highest >= 0x3FF + 3 else ()
    if len(wide):
        # 10 <= |x| < 1e16: the point goes after digit decpt; bytes 6..23 are rebuilt
        dp = decpt[wide] + 2
        row = words[wide].view(np.uint8)
        chars = np.empty((wide.size, 17), np.uint8)
        f = digits[wide] * t.p10.take(-n[wide])
        for k in range(16, -1, -1):
            f, d = np.divmod(f, 10)
            chars[:, k] = d + 48
        col = np.arange(18)
        src = np.minimum(col - (col > dp[:, None]), 16)
        region = np.take_along_axis(chars, src, axis=1)
        region[col == dp[:, None]] = ord(".")
        length = np.maximum(n[wide] + 17, dp + 1) + 1
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


def _int_part(array: np.ndarray):
    """(width, fill) for ``str`` of each integer: a sign byte if any is negative, then as
    many digit bytes as the longest has, right-aligned, leading zeros NUL (computed by
    four-digit groups; a group above which all are zeros comes from a table that writes
    none)."""
    t = _tables()
    signed = bool(array.dtype.kind == "i" and array.size and int(array.min()) < 0)
    largest = max(abs(int(array.min())), abs(int(array.max()))) if array.size else 0
    digits = len(str(largest))
    groups = -(-digits // 4)
    small = groups <= 2                         # below 10**8: uint32 arithmetic

    def fill(out, start, stop):
        values = array[start:stop]
        if signed:
            magnitude = values.astype(np.int64).view(np.uint64)
            negative = (magnitude >> 63).astype(bool)
            magnitude = np.where(negative, -magnitude, magnitude)   # |v|, 2**63 too
            out[:, 0] = negative * np.uint8(ord("-"))
            rest = magnitude.astype(np.uint32) if small else magnitude
        else:
            rest = values.astype(np.uint32 if small else np.uint64)
        slots = np.empty((values.shape[0], groups), np.uint32)
        for k in range(groups - 1, -1, -1):
            if k:
                high = rest // 10000
                rest -= high * 10000
                # the lowest group shows "0" when all is zero, the others nothing
                rest += np.multiply(high == 0, 20000 if k < groups - 1 else 10000, dtype=rest.dtype)
            else:
                high = None
                rest += 10000 if groups == 1 else 20000
            slots[:, k] = t.int_groups.take(rest)
            rest = high
        out[:, signed:] = slots.view(np.uint8)[:, 4 * groups - digits:]
    return digits + signed, fill
