"""Schedules as text: the tutorial's plain lines, CSV, JSON (and, in
:mod:`lrsched.render.richtable`, a rich table).

Numbers are printed with Python's ``repr`` (the shortest string that round-trips), so every
digit shown is the engine's, exactly.  The text forms are generators of text chunks (whole
lines, at most ``CHUNK`` rows each), so a long run streams in bounded memory instead of
being built as one string, and is written a chunk at a time (writing line by line costs
twice the time).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from lrsched.engine import ScheduleResult

CHUNK = 4096   # rows converted to Python floats, and joined into one text chunk, at a time


def chunks(array) -> Iterator[tuple[int, list]]:
    """(first row, rows as lists of Python floats) for each block of ``CHUNK`` rows."""
    for start in range(0, array.shape[0], CHUNK):
        yield start, array[start:start + CHUNK].tolist()


def picked(array, rows: Sequence[int] | None) -> Iterator[tuple[Sequence[int], list]]:
    """(row numbers, those rows as lists of Python floats) for each block of ``CHUNK`` rows:
    every row when ``rows`` is None, else only the rows ``rows`` names (in its order)."""
    if rows is None:
        for start, block in chunks(array):
            yield range(start, start + len(block)), block
        return
    for start in range(0, len(rows), CHUNK):
        numbers = rows[start:start + CHUNK]
        yield numbers, array[list(numbers)].tolist()


def _rows_of(rows, i: int):
    """The rows picked for the ``i``-th result: ``rows`` is None (all), or one list per result."""
    return None if rows is None else rows[i]


def plain_lines(results: Sequence[ScheduleResult], rows=None) -> Iterator[str]:
    """``lr of epoch N => [lr, ...]``: what the torch loop prints (a result whose rows are
    optimizer updates: ``lr of step N (epoch E) => [lr, ...]``); ``# NAME`` before each
    block when there are several schedules.  ``rows``: None (every row) or, per result, the
    row numbers to print (each line keeps its own number)."""
    several = len(results) > 1
    for i, result in enumerate(results):
        if several:
            yield f"# {_one_line(result.name)}\n"
        if result.lr.shape[1] == 1:         # one group, the common kind: a block at a time
            from lrsched.render.floatfmt import iter_rows_text

            _, epoch, step, column = _one_column(result, _rows_of(rows, i))
            if result.unit == "step":
                yield from iter_rows_text("lr of step ", step, " (epoch ", epoch, ") => [", column, "]\n")
            else:
                yield from iter_rows_text("lr of epoch ", epoch, " => [", column, "]\n")
            continue
        if result.unit == "step":
            k = result.steps_per_epoch
            for numbers, block in picked(result.lr, _rows_of(rows, i)):
                yield "".join([f"lr of step {step} (epoch {step // k}) => {row!r}\n"
                               for step, row in zip(numbers, block)])
            continue
        for numbers, block in picked(result.lr, _rows_of(rows, i)):
            yield "".join([f"lr of epoch {epoch} => {row!r}\n" for epoch, row in zip(numbers, block)])


def _row_heads(name: str, result: ScheduleResult, numbers) -> list[str]:
    """``NAME,EPOCH,STEP,`` of each row ``numbers`` names, for the CSV: a row of updates is
    in epoch ``row // steps_per_epoch``; a row of epochs starts at update ``row *
    steps_per_epoch``; without units both are the row."""
    k = result.steps_per_epoch
    if result.unit == "step":
        return [f"{name},{n // k},{n}," for n in numbers]
    if k is not None:
        return [f"{name},{n},{n * k}," for n in numbers]
    return [f"{name},{n},{n}," for n in numbers]


def csv_lines(results: Sequence[ScheduleResult], rows=None) -> Iterator[str]:
    """Tidy CSV: one line per schedule, row and param group, the row's epoch and optimizer
    update (``step``; without units, the epoch again); momentum empty when the schedule does
    not cycle it.  ``rows``: as :func:`plain_lines`."""
    yield "schedule,epoch,step,group,lr,momentum\n"
    for i, result in enumerate(results):
        name = _csv_field(result.name)
        groups = range(result.lr.shape[1])
        picks = _rows_of(rows, i)
        if result.momentum is None and len(groups) == 1:
            yield from _csv_one_column(name, result, picks)
            continue
        momentum = picked(result.momentum, picks) if result.momentum is not None else None
        for numbers, block in picked(result.lr, picks):
            heads = _row_heads(name, result, numbers)
            if momentum is None:
                yield "".join([f"{head}{g},{row[g]!r},\n"
                               for head, row in zip(heads, block) for g in groups])
            else:
                _, moms = next(momentum)
                yield "".join([f"{head}{g},{row[g]!r},{mom[g]!r}\n"
                               for head, row, mom in zip(heads, block, moms)
                               for g in groups])


def _one_column(result: ScheduleResult, picks):
    """``(row numbers, epochs, steps, lr of group 0)`` as arrays, for the rows ``picks``
    names (None: all)."""
    import numpy as np

    k = result.steps_per_epoch
    column = result.lr[:, 0]
    if picks is None:
        numbers = np.arange(column.shape[0])
    else:
        numbers = np.asarray(picks, dtype=np.int64)
        column = column[numbers]
    if result.unit == "step":
        return numbers, numbers // k, numbers, column
    return numbers, numbers, numbers * k if k is not None else numbers, column


def _csv_one_column(name: str, result: ScheduleResult, picks) -> Iterator[str]:
    """The CSV lines of a schedule of one param group that cycles no momentum, the most
    common kind, written a block of rows at a time by :mod:`lrsched.render.floatfmt` (the
    long runs are of this kind: this is their speed)."""
    from lrsched.render.floatfmt import iter_rows_text

    _, epoch, step, column = _one_column(result, picks)
    yield from iter_rows_text(f"{name},", epoch, ",", step, ",0,", column, ",\n")


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def json_text(results: Sequence[ScheduleResult], rows=None) -> Iterator[str]:
    """A JSON list, one object per schedule: name, unit (what a row is: ``epoch`` or
    ``step``), steps_per_epoch (or null), the counts the result shows where it has them
    (``num_training_steps``, ``num_warmup_steps`` of a transformers schedule),
    lr[row][group], momentum or null; with ``rows`` (as
    :func:`plain_lines`) only those rows, and ``"rows"``: their numbers."""
    yield "["
    for i, result in enumerate(results):
        picks = _rows_of(rows, i)
        spe = "null" if result.steps_per_epoch is None else str(result.steps_per_epoch)
        yield (("," if i else "") + "\n  {\"name\": " + _json_string(result.name)
               + f", \"unit\": \"{result.unit}\", \"steps_per_epoch\": {spe}"
               + "".join(f", \"{name}\": {value!r}" for name, value in result.shown) + ", \"lr\": [")
        yield from _json_matrix(result.lr, picks)
        yield "], \"momentum\": "
        if result.momentum is None:
            yield "null"
        else:
            yield "["
            yield from _json_matrix(result.momentum, picks)
            yield "]"
        if picks is not None:
            yield ", \"rows\": [" + ", ".join(map(str, picks)) + "]"
        yield "}"
    yield "\n]\n"


def _json_matrix(array, picks=None) -> Iterable[str]:
    # repr round-trips; the engine refuses non-finite values, so this is valid JSON
    for k, (_, rows) in enumerate(picked(array, picks)):
        yield ("," if k else "") + ",".join(["[" + ", ".join(map(repr, row)) + "]" for row in rows])


def _json_string(text: str) -> str:
    import json   # only the json format needs it: start-up is part of the product

    return json.dumps(text)
