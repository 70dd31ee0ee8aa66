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


def plain_lines(results: Sequence[ScheduleResult]) -> Iterator[str]:
    """``lr of epoch N => [lr, ...]``: what the torch loop prints; ``# NAME`` before each
    block when there are several schedules."""
    several = len(results) > 1
    for result in results:
        if several:
            yield f"# {_one_line(result.name)}\n"
        for start, rows in chunks(result.lr):
            yield "".join([f"lr of epoch {epoch} => {row!r}\n" for epoch, row in enumerate(rows, start)])


def csv_lines(results: Sequence[ScheduleResult]) -> Iterator[str]:
    """Tidy CSV: one line per schedule, epoch and param group; momentum empty when the
    schedule does not cycle it."""
    yield "schedule,epoch,group,lr,momentum\n"
    for result in results:
        name = _csv_field(result.name)
        groups = range(result.lr.shape[1])
        momentum = chunks(result.momentum) if result.momentum is not None else None
        for start, rows in chunks(result.lr):
            if momentum is None:
                if len(groups) == 1:
                    yield "".join([f"{name},{epoch},0,{row[0]!r},\n" for epoch, row in enumerate(rows, start)])
                else:
                    yield "".join([f"{name},{epoch},{g},{row[g]!r},\n"
                                   for epoch, row in enumerate(rows, start) for g in groups])
            else:
                _, moms = next(momentum)
                yield "".join([f"{name},{epoch},{g},{row[g]!r},{mom[g]!r}\n"
                               for epoch, row, mom in zip(range(start, start + len(rows)), rows, moms)
                               for g in groups])


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def json_text(results: Sequence[ScheduleResult]) -> Iterator[str]:
    """A JSON list, one object per schedule: name, lr[epoch][group], momentum or null."""
    yield "["
    for i, result in enumerate(results):
        yield ("," if i else "") + "\n  {\"name\": " + _json_string(result.name) + ", \"lr\": ["
        yield from _json_matrix(result.lr)
        yield "], \"momentum\": "
        if result.momentum is None:
            yield "null"
        else:
            yield "["
            yield from _json_matrix(result.momentum)
            yield "]"
        yield "}"
    yield "\n]\n"


def _json_matrix(array) -> Iterable[str]:
    # repr round-trips; the engine refuses non-finite values, so this is valid JSON
    for start, rows in chunks(array):
        yield ("," if start else "") + ",".join(["[" + ", ".join(map(repr, row)) + "]" for row in rows])


def _json_string(text: str) -> str:
    import json   # only the json format needs it: start-up is part of the product

    return json.dumps(text)
