"""Schedules as text: the tutorial's plain lines, CSV, JSON, and a rich table.

Numbers are printed with Python's ``repr`` (the shortest string that round-trips), so every
digit shown is the engine's, exactly.  The text forms are generators of lines, so a long run
streams instead of being built in memory.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator, Sequence

from lrsched.engine import ScheduleResult

_CHUNK = 4096   # rows converted to Python floats at a time


def _rows(array) -> Iterator[list]:
    for start in range(0, array.shape[0], _CHUNK):
        yield from array[start:start + _CHUNK].tolist()


def plain_lines(results: Sequence[ScheduleResult]) -> Iterator[str]:
    """``lr of epoch N => [lr, ...]``: what the torch loop prints; ``# NAME`` before each
    block when there are several schedules."""
    several = len(results) > 1
    for result in results:
        if several:
            yield f"# {result.name}\n"
        for epoch, row in enumerate(_rows(result.lr)):
            yield f"lr of epoch {epoch} => {row!r}\n"


def csv_lines(results: Sequence[ScheduleResult]) -> Iterator[str]:
    """Tidy CSV: one line per schedule, epoch and param group; momentum empty when the
    schedule does not cycle it."""
    yield "schedule,epoch,group,lr,momentum\n"
    for result in results:
        name = _csv_field(result.name)
        groups = result.lr.shape[1]
        momentum = _rows(result.momentum) if result.momentum is not None else None
        for epoch, row in enumerate(_rows(result.lr)):
            mom = next(momentum) if momentum is not None else None
            for g in range(groups):
                m = repr(mom[g]) if mom is not None else ""
                yield f"{name},{epoch},{g},{row[g]!r},{m}\n"


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def json_text(results: Sequence[ScheduleResult]) -> Iterator[str]:
    """A JSON list, one object per schedule: name, lr[epoch][group], momentum or null."""
    yield "["
    for i, result in enumerate(results):
        yield ("," if i else "") + "\n  {\"name\": " + json.dumps(result.name) + ", \"lr\": ["
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
    for epoch, row in enumerate(_rows(array)):
        yield ("," if epoch else "") + "[" + ", ".join(map(_json_float, row)) + "]"


def _json_float(x: float) -> str:
    # repr round-trips; the engine refuses non-finite values, so this is valid JSON
    return repr(x)


def rich_table(results: Sequence[ScheduleResult], *, max_rows: int | None = None):
    """A rich Table: epoch, then one column per schedule (and group), momentum where cycled."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("epoch", justify="right", style="dim")
    columns = []
    for result in results:
        groups = result.lr.shape[1]
        for g in range(groups):
            label = result.name if groups == 1 else f"{result.name} [group {g}]"
            table.add_column(escape(label), justify="right", overflow="fold")
            columns.append(result.lr[:, g])
        if result.momentum is not None:
            key = "beta1" if result.momentum_key == "betas" else "momentum"
            for g in range(groups):
                label = f"{result.name} {key}" + ("" if groups == 1 else f" [group {g}]")
                table.add_column(escape(label), justify="right", style="cyan", overflow="fold")
                columns.append(result.momentum[:, g])
    rows = max((c.shape[0] for c in columns), default=0)
    shown = rows if max_rows is None else min(rows, max_rows)
    for epoch in range(shown):
        table.add_row(str(epoch), *(repr(float(c[epoch])) if epoch < c.shape[0] else "" for c in columns))
    if shown < rows:
        table.caption = f"{rows - shown} more rows: use --format plain, csv or json for all"
    return table
