"""torch's CPU random numbers, reproduced in NumPy: what ``torch.randn(1, generator=g)`` and
``torch.rand(1, generator=g)`` give after ``g.manual_seed(seed)``, for many seeds at once.

timm draws its lr noise so (``_calculate_noise``: a fresh generator seeded ``noise_seed + t``
per step, redrawn until ``|noise| < noise_pct``), which is all this module is for.  How torch
2.13 makes those numbers (``ATen/core/MT19937RNGEngine.h``, ``DistributionsHelper.h``,
``TransformationHelper.h``, ``native/cpu/DistributionTemplates.h``):

1. ``manual_seed(s)`` seeds a 32-bit Mersenne Twister (mt19937, Matsumoto and Nishimura's
   ``init_genrand``) with ``s mod 2**32`` (a negative seed is taken as its 64-bit two's
   complement first, which leaves the same low 32 bits).  The first call twists the state.
2. A tensor of fewer than 16 elements is filled by a serial loop that draws every element as
   ``at::normal_distribution<double>``, then rounds it to the tensor's float32.
3. That distribution is Box-Muller on two doubles: each double takes 64 bits (two 32-bit
   outputs, the first as the high word) and keeps the low 53, times 2**-53: ``u1`` then
   ``u2``; ``r = sqrt(-2 * log1p(-u2))``, ``theta = 2 * pi * u1``; it returns ``r * cos(theta)``
   and caches ``r * sin(theta)`` in the generator, which the next draw returns without
   consuming any output.  So draws come in pairs, four 32-bit outputs a pair, 156 pairs to
   a twist of the 624-word state.
4. ``torch.rand(1)`` (float32) takes one 32-bit output, keeps its low 24 bits, times 2**-24.

The twister runs vectorised over the seeds (the state as a (624, seeds) array).  Box-Muller
runs in NumPy, whose ``log1p`` differs from the C library's (which torch calls, and Python's
``math``) by one ulp for a few percent of inputs; such a difference can only change the
float32 result when the double lies within a few ulps of a float32 rounding boundary, so
exactly those draws (about one in ten million) are computed again with ``math``.
"""

from __future__ import annotations

import math

import numpy as np

_N, _M = 624, 397
_MATRIX_A = np.uint32(0x9908B0DF)
_UPPER, _LOWER = np.uint32(0x80000000), np.uint32(0x7FFFFFFF)
_PAIRS = _N // 4                  # Box-Muller pairs per twist of the state
_CHUNK = 8192                     # seeds per block of state (624 * 8192 * 4 bytes = 20 MB)
# a double within this many ulps of a float32 rounding boundary is recomputed with math
_GUARD = 1 << 8


def seed_words(seeds) -> np.ndarray:
    """The 32-bit word mt19937 is seeded with for each of ``seeds`` (ints in torch's range,
    -2**63 .. 2**64 - 1, or an int64 array): ``seed mod 2**32``."""
    if isinstance(seeds, np.ndarray) and seeds.dtype.kind in "iu":
        return (seeds.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
    if isinstance(seeds, np.ndarray) and seeds.dtype.kind != "O":
        raise TypeError(f"seeds must be ints, got an array of {seeds.dtype}")
    return np.array([int(s) & 0xFFFFFFFF for s in seeds], dtype=np.uint32)


def _twist(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """mt19937's ``twist(u, v)``: the top bit of u and the low 31 of v, shifted, xor MATRIX_A
    when v is odd."""
    mixed = (u & _UPPER) | (v & _LOWER)
    return (mixed >> np.uint32(1)) ^ ((v & np.uint32(1)) * _MATRIX_A)


def _temper(y: np.ndarray) -> np.ndarray:
    y = y ^ (y >> np.uint32(11))
    y = y ^ ((y << np.uint32(7)) & np.uint32(0x9D2C5680))
    y = y ^ ((y << np.uint32(15)) & np.uint32(0xEFC60000))
    return y ^ (y >> np.uint32(18))


def _doubles(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """``uniform_real_distribution<double>(0, 1)`` of the 64 bits ``high:low``: the low 53 bits
    times 2**-53 (exact)."""
    bits = ((high.astype(np.uint64) & np.uint64(0x1FFFFF)) << np.uint64(32)) | low.astype(np.uint64)
    return bits.astype(np.float64) * 2.0 ** -53


def _box_muller(u1: np.ndarray, u2: np.ndarray) -> tuple:
    """The pair of float32 draws (as float64) from ``u1`` and ``u2``: ``r * cos(theta)`` first,
    then the cached ``r * sin(theta)``."""
    r = np.sqrt(-2.0 * np.log1p(-u2))
    theta = 2.0 * np.pi * u1
    first, second = r * np.cos(theta), r * np.sin(theta)
    near = _near_float32_boundary(first) | _near_float32_boundary(second)
    for i in np.flatnonzero(near).tolist():          # the C library's log1p decides these
        a, b = float(u1[i]), float(u2[i])
        rr = math.sqrt(-2.0 * math.log1p(-b))
        th = 2.0 * math.pi * a
        first[i], second[i] = rr * math.cos(th), rr * math.sin(th)
    return (first.astype(np.float32).astype(np.float64),
            second.astype(np.float32).astype(np.float64))


def _near_float32_boundary(x: np.ndarray) -> np.ndarray:
    """Whether rounding ``x`` to float32 could change with an error of a few ulps: its 29
    bits below float32's precision are within _GUARD ulps of halfway."""
    low = x.view(np.uint64) & np.uint64((1 << 29) - 1)
    half = np.uint64(1 << 28)
    return np.where(low >= half, low - half, half - low) <= _GUARD


class Streams:
    """One torch CPU generator per seed, freshly seeded (``manual_seed``), drawn from together.

    The state is a (624, seeds) array, computed lazily: ``init_genrand`` only as far as the
    words taken need it (the first four outputs need 401 of its 624 words), each twist word by
    word as it is taken (word j of the new state is ``new[j + 397 mod 624] ^ twist(old[j],
    old[j + 1])``, in order, so words from 227 on use new ones), and tempered as it is taken.
    """

    def __init__(self, words: np.ndarray) -> None:
        self.old = np.empty((_N, len(words)), dtype=np.uint32)
        self.old[0] = words
        self.new = np.empty_like(self.old)
        self.initialised = 1           # rows of the initial state computed (while seeded)
        self.seeded = True             # `old` is the initial state, not a twisted one
        self.ready = 0                 # rows of `new` computed
        self.used = 0                  # 32-bit outputs taken from `new`

    def _initialise(self, rows: int) -> None:
        state = self.old
        mult = np.uint32(1812433253)
        for j in range(self.initialised, rows):
            prev = state[j - 1]
            np.multiply(prev ^ (prev >> np.uint32(30)), mult, out=state[j])
            state[j] += np.uint32(j)
        self.initialised = max(self.initialised, rows)

    def _advance(self, rows: int) -> None:
        """Rows ``ready .. rows - 1`` of the twisted state."""
        old, new = self.old, self.new
        k = _N - _M                                          # 227
        while self.ready < rows:
            a = self.ready
            if a < k:
                b = min(rows, k)
                if self.seeded:
                    self._initialise(b + _M)
                new[a:b] = old[a + _M:b + _M] ^ _twist(old[a:b], old[a + 1:b + 1])
            elif a < _N - 1:
                b = min(rows, _N - 1, a + k)
                if self.seeded:
                    self._initialise(b + 1)
                new[a:b] = new[a - k:b - k] ^ _twist(old[a:b], old[a + 1:b + 1])
            else:
                b = _N
                new[a] = new[_M - 1] ^ _twist(old[a], new[0])
            self.ready = b

    def take(self, count: int) -> np.ndarray:
        """The next ``count`` 32-bit outputs of every generator (count dividing 624), as a
        (count, seeds) array."""
        if self.used == _N:
            self.old, self.new = self.new, self.old
            self.seeded, self.ready, self.used = False, 0, 0
        self._advance(self.used + count)
        out = _temper(self.new[self.used:self.used + count])
        self.used += count
        return out

    def keep(self, columns: np.ndarray) -> None:
        """Drop every generator but those in ``columns``, copying only the state rows later
        words still read: the old state from the next word on (as far as it is computed),
        and the new words made so far."""
        old = np.empty((_N, len(columns)), dtype=np.uint32)
        new = np.empty_like(old)
        lo, hi = self.ready, (self.initialised if self.seeded else _N)
        if hi > lo:
            old[lo:hi] = self.old[lo:hi, columns]
        if self.ready:
            new[:self.ready] = self.new[:self.ready, columns]
        self.old, self.new = old, new


def normal_draws(seeds, count: int) -> np.ndarray:
    """The first ``count`` values of ``torch.randn(1, generator=g).item()`` after
    ``g.manual_seed(seed)``, for each seed: a (seeds, count) float64 array of float32 values."""
    seeds = seed_words(seeds)
    out = np.empty((len(seeds), count))
    for lo in range(0, len(seeds), _CHUNK):
        streams = Streams(seeds[lo:lo + _CHUNK])
        for j in range(0, count, 2):
            words = streams.take(4)
            first, second = _box_muller(_doubles(words[0], words[1]), _doubles(words[2], words[3]))
            out[lo:lo + len(first), j] = first
            if j + 1 < count:
                out[lo:lo + len(first), j + 1] = second
    return out


def uniform_draws(seeds) -> np.ndarray:
    """``torch.rand(1, generator=g).item()`` after ``g.manual_seed(seed)``, for each seed."""
    seeds = seed_words(seeds)
    out = np.empty(len(seeds))
    for lo in range(0, len(seeds), _CHUNK):
        first = Streams(seeds[lo:lo + _CHUNK]).take(1)[0]
        out[lo:lo + len(first)] = (first & np.uint32(0xFFFFFF)).astype(np.float64) * 2.0 ** -24
    return out


def bounded_normal_noise(seeds, std: float, pct: float) -> np.ndarray:
    """timm's ``_calculate_noise`` (normal): for each seed, a fresh generator, then
    ``noise = torch.randn(1, generator=g).item() * std`` drawn again until ``abs(noise) <
    pct``.  ``pct`` must be positive (else timm loops for ever) unless ``std`` is 0."""
    seeds = seed_words(seeds)
    out = np.empty(len(seeds))
    for lo in range(0, len(seeds), _CHUNK):
        streams = Streams(seeds[lo:lo + _CHUNK])
        width = streams.old.shape[1]
        origin = np.arange(lo, lo + width)           # the seed of each column
        waiting = np.ones(width, dtype=bool)         # columns still drawing
        wasted = 0                                   # work on finished columns since compacting
        while True:
            words = streams.take(4)
            first, second = _box_muller(_doubles(words[0], words[1]), _doubles(words[2], words[3]))
            for draw in (first, second):
                noise = draw * std
                hit = waiting & (np.abs(noise) < pct)
                out[origin[hit]] = noise[hit]
                waiting &= ~hit
            left = int(waiting.sum())
            if left == 0:
                break
            # a round costs about 40 operations a column, dropping the finished ones a copy of
            # about 2 * 624 words a column left: compact once the waste has paid for it
            wasted += 40 * (len(waiting) - left)
            if wasted >= 2 * _N * left:
                keep = np.flatnonzero(waiting)
                streams.keep(keep)
                origin, waiting, wasted = origin[keep], np.ones(left, dtype=bool), 0
    return out


def uniform_noise(seeds, pct: float) -> np.ndarray:
    """timm's ``_calculate_noise`` (uniform): ``2 * (torch.rand(1, generator=g).item() - 0.5)
    * pct`` from a fresh generator per seed."""
    return 2 * (uniform_draws(seeds) - 0.5) * pct


__all__ = ["normal_draws", "uniform_draws", "bounded_normal_noise", "uniform_noise", "seed_words"]
