"""repr of a million floats: lrsched.render.floatfmt against ``repr`` one float at a time.

Two measures, each the best of N runs in this process, the two ways interleaved; wall time
and CPU time (on a machine shared with other work the CPU time is the steadier figure):
  1. the strings alone: ``reprs(values)`` vs ``[repr(v) for v in values.tolist()]``;
  2. the CSV of ``lrsched table --format csv`` for one param group stepped per update
     (``NAME,EPOCH,STEP,0,LR,`` per row: ``_csv_one_column`` in render/table.py): as it is
     today (an f-string per row with ``repr``, blocks of 4096 rows) vs the same lines from
     ``floatfmt.iter_rows_text``; the two texts are checked byte for byte.

    python benchmarks/bench_floatfmt.py [--runs 5] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lrsched.render.floatfmt import iter_rows_text, reprs

CHUNK = 4096     # render/table.py's rows per text chunk
NAME = "cosine"
STEPS_PER_EPOCH = 391


def distributions(rows: int) -> dict[str, np.ndarray]:
    step = np.arange(rows, dtype=np.float64)
    period = max(1, rows // 10)
    return {
        "uniform [0, 1)": np.random.default_rng(0).random(rows),
        "cosine 0.1 -> 1e-6": 1e-6 + (0.1 - 1e-6) * (1 + np.cos(np.pi * step / period)) / 2,
        "warmup + cosine 3e-4": np.where(step < period, 3e-4 * step / period,
                                         3e-4 * (1 + np.cos(np.pi * (step - period) / rows)) / 2),
    }


def csv_today(name: str, lr: np.ndarray, k: int):
    """render/table.py's one-column fast path as it is (unit "step", steps_per_epoch k)."""
    for start in range(0, lr.shape[0], CHUNK):
        values = lr[start:start + CHUNK].tolist()
        numbers = range(start, start + len(values))
        yield "".join([f"{name},{n // k},{n},0,{v!r},\n" for n, v in zip(numbers, values)])


def csv_floatfmt(name: str, lr: np.ndarray, k: int):
    """The same lines with floatfmt (the body proposed for ``_csv_one_column``, unit "step",
    every row)."""
    numbers = np.arange(lr.shape[0])
    yield from iter_rows_text(f"{name},", numbers // k, ",", numbers, ",0,", lr, ",\n")


def best(runs: int, *functions) -> list[tuple[float, float]]:
    """(wall, cpu) seconds, the best of ``runs`` each."""
    times = [(float("inf"), float("inf"))] * len(functions)
    for _ in range(runs):
        for i, function in enumerate(functions):
            wall, cpu = time.perf_counter(), time.process_time()
            function()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            times[i] = (min(times[i][0], wall), min(times[i][1], cpu))
    return times


def line(label: str, what: tuple[str, str], plain, fast, extra: str = "") -> str:
    return (f"  {label:22s} {what[0]} {plain[0] * 1e3:5.0f} ms (cpu {plain[1] * 1e3:4.0f})   "
            f"{what[1]} {fast[0] * 1e3:4.0f} ms (cpu {fast[1] * 1e3:4.0f})   "
            f"{plain[0] / fast[0]:4.1f}x (cpu {plain[1] / fast[1]:4.1f}x){extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    reprs(np.array([0.1]))      # the tables
    print(f"{args.rows:,} values, best of {args.runs}\nthe strings:")
    for label, values in distributions(args.rows).items():
        assert reprs(values) == [repr(v) for v in values.tolist()]
        plain, fast = best(args.runs, lambda: [repr(v) for v in values.tolist()],
                           lambda: reprs(values))
        print(line(label, ("repr", "reprs"), plain, fast))
    print("the CSV (table --format csv, one param group):")
    for label, values in distributions(args.rows).items():
        today = "".join(csv_today(NAME, values, STEPS_PER_EPOCH))
        assert "".join(csv_floatfmt(NAME, values, STEPS_PER_EPOCH)) == today
        plain, fast = best(args.runs, lambda: "".join(csv_today(NAME, values, STEPS_PER_EPOCH)),
                           lambda: "".join(csv_floatfmt(NAME, values, STEPS_PER_EPOCH)))
        print(line(label, ("f-str", "floatfmt"), plain, fast,
                   f"   {len(today.encode()):,} bytes, equal"))


if __name__ == "__main__":
    main()
