"""repr of a million floats: lrsched.render.floatfmt against ``repr`` one float at a time.

Two measures, each best of N runs in this process, the two ways interleaved (the machine may
be shared: the ratio is the figure to read):
  1. the strings alone: ``reprs(values)`` vs ``[repr(v) for v in values.tolist()]``;
  2. the CSV of ``lrsched table --format csv`` for one param group stepped per update
     (``NAME,EPOCH,STEP,0,LR,`` per row, what ``_csv_one_column`` in render/table.py yields),
     in blocks of rows: the f-string per row with ``repr``, as table.py does it today, vs
     ``floatfmt.iter_rows_text``; the two texts are checked byte for byte.

    python benchmarks/bench_floatfmt.py [--runs 5] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lrsched.render.floatfmt import BLOCK, iter_rows_text, reprs

CHUNK = 4096     # render/table.py's rows per text chunk


def distributions(rows: int) -> dict[str, np.ndarray]:
    step = np.arange(rows, dtype=np.float64)
    period = max(1, rows // 10)
    return {
        "uniform [0, 1)": np.random.default_rng(0).random(rows),
        "cosine schedule": 1e-6 + (0.1 - 1e-6) * (1 + np.cos(np.pi * step / period)) / 2,
        "warmup 3e-4 + cosine": np.where(step < period, 3e-4 * step / period,
                                         3e-4 * (1 + np.cos(np.pi * (step - period) / rows)) / 2),
    }


def csv_today(name: str, lr: np.ndarray, k: int):
    """render/table.py's one-column fast path as it is (unit "step", steps_per_epoch k)."""
    for start in range(0, lr.shape[0], CHUNK):
        values = lr[start:start + CHUNK].tolist()
        numbers = range(start, start + len(values))
        yield "".join([f"{name},{n // k},{n},0,{v!r},\n" for n, v in zip(numbers, values)])


def csv_vectorized(name: str, lr: np.ndarray, k: int):
    """The same lines with floatfmt: whole blocks of rows, no Python object per number."""
    for start in range(0, lr.shape[0], BLOCK):
        n = np.arange(start, min(start + BLOCK, lr.shape[0]), dtype=np.int64)
        yield from iter_rows_text(f"{name},", n // k, ",", n, ",0,", lr[start:start + BLOCK],
                                  ",\n", block=None)


def best(runs: int, *functions) -> list[float]:
    times = [float("inf")] * len(functions)
    for _ in range(runs):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            function()
            times[i] = min(times[i], time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    print(f"{args.rows:,} values, best of {args.runs}")
    for label, values in distributions(args.rows).items():
        assert reprs(values) == [repr(v) for v in values.tolist()]
        plain, fast = best(args.runs, lambda: [repr(v) for v in values.tolist()],
                           lambda: reprs(values))
        print(f"  reprs, {label:22s} repr {plain * 1e3:6.0f} ms   reprs {fast * 1e3:6.0f} ms"
              f"   {plain / fast:4.1f}x")
    for label, values in distributions(args.rows).items():
        today = "".join(csv_today("cosine", values, 391))
        assert "".join(csv_vectorized("cosine", values, 391)) == today
        plain, fast = best(args.runs, lambda: "".join(csv_today("cosine", values, 391)),
                           lambda: "".join(csv_vectorized("cosine", values, 391)))
        print(f"  CSV,   {label:22s} f-str {plain * 1e3:5.0f} ms   rows_text {fast * 1e3:4.0f} ms"
              f"   {plain / fast:4.1f}x   ({len(today.encode()):,} bytes, equal)")


if __name__ == "__main__":
    main()
