"""``lrsched check``: does a logged training run follow its spec? (SPEC.md section 9)

A log is a CSV (W&B's export, TensorBoard's ``Wall time,Step,Value``) or JSON lines, with a
step column and an lr column.  Its points are compared with the spec's rows at offsets -1, 0
and +1 (a logger records the lr before or after the scheduler's step, counting from 0 or
from 1), the offset that fits best is named and explained, and the report gives either the
number of points that agree or the first step where log and spec part and the largest gap.

>>> log = Log.parse("step,lr\\n0,0.1\\n1,0.1\\n2,0.010000000000000002\\n", "run.csv")
>>> spec = {"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": 2}}
>>> report = check(spec, log)
>>> report.ok, report.offset, report.agree
(True, 0, 3)
"""

from __future__ import annotations

import math
import re

import numpy as np

from lrsched.errors import SpecError
from lrsched.records import dataclass

STEP_COLUMNS = ("step", "Step", "_step", "global_step")
DEFAULT_RTOL = 1e-6
OFFSETS = (0, 1, -1)          # tried in this order: a tie goes to the first
MEANING = {
    0: "log step s is the lr of table row s: the logger records the lr an update uses (before "
       "the scheduler's step), or counts steps from 1 and records it after the step",
    1: "log step s is table row s + 1: the logger records the lr after the scheduler's step, "
       "counting steps from 0",
    -1: "log step s is table row s - 1: the logger counts steps from 1 and records the lr "
        "before the scheduler's step",
}
MAX_LOG_BYTES = 512 * 2 ** 20


class LogError(SpecError):
    """A log that cannot be read as one (exit 2), located at its file and line."""


@dataclass(frozen=True)
class Log:
    """A log's points: ``steps`` (int64), ``values`` (float64), the ``lines`` they are on,
    which columns they came from, and ``digits``: the most significant digits any value was
    written with (None when written in full, 17 or more)."""

    file: str
    steps: np.ndarray
    values: np.ndarray
    lines: np.ndarray
    step_column: str
    lr_column: str
    digits: int | None
    float32: bool

    @classmethod
    def read(cls, path: str, *, step_column: str | None = None, column: str | None = None) -> "Log":
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_LOG_BYTES + 1)
        except FileNotFoundError:
            raise LogError("no such file", file=path) from None
        except IsADirectoryError:
            raise LogError("is a folder, not a log file", file=path) from None
        except OSError as exc:
            raise LogError(f"cannot read: {exc.strerror or exc}", file=path) from None
        if len(raw) > MAX_LOG_BYTES:
            raise LogError(f"is too large for a log (more than {MAX_LOG_BYTES // 2 ** 20} MB)", file=path)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LogError(f"is not UTF-8 text (byte {exc.start})", file=path) from None
        return cls.parse(text, path, step_column=step_column, column=column)

    @classmethod
    def parse(cls, text: str, file: str, *, step_column: str | None = None, column: str | None = None) -> "Log":
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            raise LogError("is empty: a log needs a header (CSV) or JSON objects, one a line", file=file)
        if lines[first].lstrip().startswith("{"):
            rows, names = _json_rows(lines, file)
        else:
            rows, names = _csv_rows(lines, first, file)
        step_name = _pick_step(names, step_column, file)
        lr_name = _pick_lr(names, column, step_name, file)
        steps, values, where, texts = [], [], [], []
        for line, row in rows:
            cell_step, cell_lr = row.get(step_name), row.get(lr_name)
            if _blank(cell_lr):
                continue
            if _blank(cell_step):
                raise LogError(f"{step_name}: empty, next to lr {cell_lr!r}", file=file, line=line)
            steps.append(_integer(cell_step, step_name, file, line))
            values.append(_number(cell_lr, lr_name, file, line))
            where.append(line)
            texts.append(cell_lr)
        if not steps:
            raise LogError(f"has no lr values in column '{lr_name}'", file=file)
        values_array = np.array(values, dtype=np.float64)
        finite = values_array[np.isfinite(values_array)]
        counts = [_digits(t if isinstance(t, str) else repr(float(t))) for t in texts]
        digits = None if any(d is None for d in counts) else max(counts)
        # float32 written in full (W&B's export), or a float32's shortest text (9 digits at most)
        exact32 = bool(len(finite)) and bool(np.all(finite.astype(np.float32).astype(np.float64) == finite))
        float32 = exact32 or (digits is not None and digits <= 9)
        return cls(file, np.array(steps, dtype=np.int64), values_array, np.array(where, dtype=np.int64),
                   step_name, lr_name, digits, float32)


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _integer(cell, name: str, file: str, line: int) -> int:
    if isinstance(cell, bool):
        raise LogError(f"{name}: {cell!r} is not a step number", file=file, line=line)
    if isinstance(cell, int):
        return cell
    try:
        value = float(str(cell).strip())
    except ValueError:
        raise LogError(f"{name}: {str(cell).strip()!r} is not a step number", file=file, line=line) from None
    if not math.isfinite(value) or value != int(value) or abs(value) > 2 ** 53:
        raise LogError(f"{name}: {str(cell).strip()!r} is not a whole step number", file=file, line=line)
    return int(value)


def _number(cell, name: str, file: str, line: int) -> float:
    if isinstance(cell, bool):
        raise LogError(f"{name}: {cell!r} is not a number", file=file, line=line)
    if isinstance(cell, (int, float)):
        return float(cell)
    try:
        return float(str(cell).strip())
    except ValueError:
        raise LogError(f"{name}: {str(cell).strip()!r} is not a number", file=file, line=line) from None


def _digits(cell) -> int | None:
    """Significant digits a value was written with (None: not text, or 17 or more)."""
    if not isinstance(cell, str):
        return None
    found = re.fullmatch(r"\s*[-+]?(\d*)\.?(\d*)(?:[eE][-+]?\d+)?\s*", cell)
    if not found:
        return None
    digits = (found.group(1) + found.group(2)).lstrip("0")
    return len(digits) if 0 < len(digits) < 17 else None


def _csv_rows(lines: list, first: int, file: str):
    import csv

    reader = csv.reader(lines[first:])
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise LogError(f"cannot read as CSV: {exc}", file=file, line=first + 1) from None
    rows = []
    try:
        for offset, cells in enumerate(reader):
            line = first + 2 + offset
            if not any(c.strip() for c in cells):
                continue
            rows.append((line, dict(zip(header, cells))))
    except csv.Error as exc:
        raise LogError(f"cannot read as CSV: {exc}", file=file, line=first + 2 + offset) from None
    return rows, header


def _json_rows(lines: list, file: str):
    import json

    rows, names = [], []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise LogError(f"is not a JSON object: {exc.args[0] if exc.args else exc}", file=file, line=i + 1) from None
        if not isinstance(row, dict):
            raise LogError("is not a JSON object (JSON lines: one object a line)", file=file, line=i + 1)
        for key in row:
            if key not in names:
                names.append(key)
        rows.append((i + 1, row))
    return rows, names


def _pick_step(names: list, given: str | None, file: str) -> str:
    if given is not None:
        if given not in names:
            raise LogError(f"has no column '{given}' (--step-column); columns: {', '.join(names)}", file=file)
        return given
    for name in STEP_COLUMNS:
        if name in names:
            return name
    raise LogError(f"has no step column ({', '.join(STEP_COLUMNS)}); columns: {', '.join(names) or 'none'}; "
                   f"name it with --step-column", file=file)


def _pick_lr(names: list, given: str | None, step: str, file: str) -> str:
    if given is not None:
        if given not in names:
            raise LogError(f"has no column '{given}' (--column); columns: {', '.join(names)}", file=file)
        return given

    def is_lr(name: str) -> bool:
        low = name.lower()
        if low.endswith(("__min", "__max", "__step")):          # W&B's aggregate columns
            return False
        return "learning_rate" in low or "lr" in re.split(r"[^a-z0-9]+", low)

    found = [n for n in names if n != step and is_lr(n)]
    if len(found) == 1:
        return found[0]
    if not found and "Value" in names:                          # TensorBoard: Wall time,Step,Value
        return "Value"
    if found:
        raise LogError(f"has several lr columns ({', '.join(found)}); pick one with --column", file=file)
    raise LogError(f"has no lr column (a name with 'learning_rate' or 'lr', or TensorBoard's 'Value'); "
                   f"columns: {', '.join(names)}; name it with --column", file=file)


@dataclass(frozen=True)
class Report:
    """What :func:`check` found: the ``offset`` that fits, how many points ``agree`` of the
    ``judged`` ones, the ``outside`` points (steps outside the spec's rows), the first
    divergence and the largest gap (``(step, line, logged, expected)``, or None), the
    tolerance used and why."""

    ok: bool
    offset: int
    judged: int
    agree: int
    outside: tuple
    first: tuple | None
    largest: tuple | None
    rtol: float
    precision: str
    rows: int

    def text(self, log: "Log") -> str:
        lines = [f"log: {log.file}: {len(log.steps)} points, steps from column '{log.step_column}', lr from "
                 f"'{log.lr_column}'"]
        if self.precision:
            lines.append(self.precision)
        lines.append(f"offset {self.offset:+d}: {MEANING[self.offset]}")
        if self.outside:
            lo, hi, count = self.outside
            lines.append(f"{count} logged point{'s' if count != 1 else ''} (steps {lo}-{hi}) outside the spec's "
                         f"rows 0-{self.rows - 1} at this offset: not judged")
        if self.ok:
            lines.append(f"match: {self.agree} points agree (rtol {self.rtol:g})")
        else:
            step, line, logged, expected = self.first
            lines.append(f"differ: {self.judged - self.agree} of {self.judged} points; first at step {step} "
                         f"(line {line}): logged {logged!r}, expected {expected!r}, ratio {_ratio(logged, expected)}")
            step, line, logged, expected = self.largest
            lines.append(f"largest gap at step {step} (line {line}): logged {logged!r}, expected {expected!r}, "
                         f"ratio {_ratio(logged, expected)}")
        return "\n".join(lines) + "\n"


def _ratio(a: float, b: float) -> str:
    if b == 0:
        return "inf" if a != 0 else "1"
    return f"{a / b:.9g}"


def check(spec, log: Log, *, rtol: float = DEFAULT_RTOL, group: int = 0, per: str | None = None) -> Report:
    """Compare ``log`` with the single schedule ``spec`` (as :func:`~lrsched.engine.compute`
    takes it; ``per``: rows per ``step`` or ``epoch`` as ``table --per``) at offsets 0, +1,
    -1, and report on the one that fits best."""
    from lrsched.engine import compute, rows_per

    result = rows_per(compute(spec), per)
    if not 0 <= group < result.lr.shape[1]:
        raise SpecError(f"the schedule has {result.lr.shape[1]} param group(s); there is no group {group}",
                        key="--group")
    expected_all = result.lr[:, group]
    rows = len(expected_all)
    tolerance, precision = _tolerance(log, rtol)
    best = None
    for offset in OFFSETS:
        index = log.steps + offset
        inside = (index >= 0) & (index < rows)
        if not inside.any():
            continue
        expected = expected_all[index[inside]]
        logged = log.values[inside]
        good = _close(logged, expected, tolerance, log.float32)
        score = (int(good.sum()), -abs(offset))
        if best is None or score > best[0]:
            best = (score, offset, inside, good, expected, logged)
    if best is None:
        lo, hi = int(log.steps.min()), int(log.steps.max())
        raise LogError(f"has no point inside the spec's rows 0-{rows - 1} (its steps run {lo}-{hi}, at offsets "
                       f"-1, 0 and +1)", file=log.file)
    _, offset, inside, good, expected, logged = best
    steps, lines = log.steps[inside], log.lines[inside]
    outside_steps = log.steps[~inside]
    outside = (int(outside_steps.min()), int(outside_steps.max()), len(outside_steps)) if len(outside_steps) else ()
    first = largest = None
    if not good.all():
        bad = np.flatnonzero(~good)
        i = int(bad[0])
        first = (int(steps[i]), int(lines[i]), float(logged[i]), float(expected[i]))
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.abs(logged - expected) / np.maximum(np.abs(expected), np.finfo(np.float64).tiny)
        gap = np.where(good, -1.0, np.nan_to_num(gap, nan=np.inf))
        j = int(np.argmax(gap))
        largest = (int(steps[j]), int(lines[j]), float(logged[j]), float(expected[j]))
    return Report(bool(good.all()), offset, int(len(good)), int(good.sum()), outside, first, largest,
                  tolerance, precision, rows)


def _tolerance(log: Log, rtol: float) -> tuple:
    """The relative tolerance to compare with, and a line saying how the log's precision
    is taken into account (empty when it is full float64)."""
    if log.digits is not None and log.digits <= 7:
        rounding = 0.5 * 10.0 ** (1 - log.digits)
        if rounding > rtol:
            return rounding, (f"the log's values are written with at most {log.digits} significant digits: "
                              f"compared to that precision (rtol {rounding:g})")
    if log.float32 and (log.digits is None or log.digits > 9):
        return rtol, ("the log holds float32 values (as W&B stores them): each expected value is rounded to "
                      "float32 before comparing")
    if log.float32:
        return rtol, (f"the log's values have at most {log.digits} significant digits, as float32 keeps (W&B "
                      f"stores float32): compared at float32 precision")
    return rtol, ""


def _close(logged: np.ndarray, expected: np.ndarray, rtol: float, float32: bool) -> np.ndarray:
    """Equal, within ``rtol`` of the expected value, or (a float32 log) the same float32."""
    same = logged == expected
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(logged - expected) <= rtol * np.abs(expected)
        if float32:
            same |= logged.astype(np.float32) == expected.astype(np.float32)
    return same | near


__all__ = ["Log", "LogError", "Report", "check", "STEP_COLUMNS", "DEFAULT_RTOL"]
