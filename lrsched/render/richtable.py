"""Schedules as a rich table: epoch, then one column per schedule and param group (and
momentum where cycled), every value printed in full with ``repr``.  Loaded only for
``--format rich`` (start-up is part of the product); ``lrsched.render.table`` re-exports it."""

from __future__ import annotations

from typing import Iterator, Sequence

from lrsched.engine import ScheduleResult
from lrsched.render import table as text


def _rich_columns(results: Sequence[ScheduleResult]) -> list:
    """(label, style, values) of every column after ``epoch``."""
    columns = []
    for result in results:
        groups = result.lr.shape[1]
        for g in range(groups):
            label = result.name if groups == 1 else f"{result.name} [group {g}]"
            columns.append((label, None, result.lr[:, g]))
        if result.momentum is not None:
            key = "beta1" if result.momentum_key == "betas" else "momentum"
            for g in range(groups):
                label = f"{result.name} {key}" + ("" if groups == 1 else f" [group {g}]")
                columns.append((label, "cyan", result.momentum[:, g]))
    return columns


def _new_table(columns, widths=None, *, header: bool = True):
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False, show_header=header)
    table.add_column("epoch", justify="right", style="dim",
                     **({"width": widths[0], "no_wrap": True} if widths else {}))
    for i, (label, style, _) in enumerate(columns):
        fixed = {"width": widths[i + 1]} if widths else {}
        table.add_column(escape(label), justify="right", overflow="fold", **({"style": style} if style else {}),
                         **fixed)
    return table


def _add_rows(table, columns, start: int, stop: int) -> None:
    cells = [c[start:stop].tolist() for _, _, c in columns]
    for i, epoch in enumerate(range(start, stop)):
        table.add_row(str(epoch), *(repr(col[i]) if i < len(col) else "" for col in cells))


def rich_table(results: Sequence[ScheduleResult], *, max_rows: int | None = None):
    """A rich Table: epoch, then one column per schedule (and group), momentum where cycled."""
    columns = _rich_columns(results)
    table = _new_table(columns)
    rows = max((c.shape[0] for _, _, c in columns), default=0)
    shown = rows if max_rows is None else min(rows, max_rows)
    _add_rows(table, columns, 0, shown)
    if shown < rows:
        table.caption = f"{rows - shown} more rows: use --format plain, csv or json for all"
    return table


def rich_tables(results: Sequence[ScheduleResult]) -> Iterator:
    """The whole table as rich Tables of ``_CHUNK`` rows each, printed one after the other
    (for a file): one table when it is short; when it is long, every part has the same column
    widths (measured over all rows first) and only the first a header, so they read as one
    table while the text streams."""
    columns = _rich_columns(results)
    rows = max((c.shape[0] for _, _, c in columns), default=0)
    if rows <= text.CHUNK:
        yield rich_table(results)
        return
    widths = [max(len("epoch"), len(str(rows - 1)))]
    for label, _, values in columns:
        longest = max((max(map(len, map(repr, chunk))) for _, chunk in text.chunks(values)), default=0)
        widths.append(max(longest, min(len(label), 24)))
    for start in range(0, rows, text.CHUNK):
        table = _new_table(columns, widths, header=start == 0)
        _add_rows(table, columns, start, min(start + text.CHUNK, rows))
        yield table
