"""Schedules as a rich table: epoch, then one column per schedule and param group (and
momentum where cycled), every value printed in full with ``repr``.  Loaded only for
``--format rich`` (start-up is part of the product); ``lrsched.render.table`` re-exports it."""

from __future__ import annotations

from typing import Iterator, Sequence

from lrsched.engine import ScheduleResult
from lrsched.render import table as text
from lrsched.render.style import shortened


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


def index_label(results: Sequence[ScheduleResult]) -> str:
    """The first column's name: ``step`` when every row is an optimizer update, ``epoch``
    when every row is an epoch, ``row`` for a mix."""
    units = {r.unit for r in results}
    return units.pop() if len(units) == 1 else "row"


SHORT_DIGITS = 6          # significant digits when full numbers do not fit the width
LABEL_WIDTH = 24          # a label gets this much room (at least) before it folds
GAP = 2                   # columns are separated by two spaces (padding 1 on each side)


def short(value: float) -> str:
    """A number in at most ``SHORT_DIGITS`` significant digits that still reads right
    (``3e-06`` for 2.9999999999999997e-06)."""
    return f"{value:.{SHORT_DIGITS}g}"


def _picked(columns, rows):
    """The columns holding only the rows ``rows`` names (ascending; None: every row); a
    column shorter than a row named simply ends there."""
    if rows is None:
        return columns
    return [(label, style, values[[i for i in rows if i < len(values)]]) for label, style, values in columns]


def _layout(columns, rows: int, width: int | None, last: int | None = None, index: str = "epoch"):
    """How the columns fit ``width``: ``(formatter, widths, parts)`` where ``widths`` are
    the value columns' widths and ``parts`` the column indices of each table printed (one
    table unless even short numbers do not fit side by side).  A number is never wrapped or
    cut: labels fold first, then numbers take the short form, then the columns are split."""
    epoch_width = max(len(index), len(str(max(rows - 1, 0) if last is None else last)))

    def number_widths(fmt):
        return [max((len(fmt(v)) for v in values[:rows].tolist()), default=1) for _, _, values in columns]

    def total(ws):
        return epoch_width + sum(w + GAP for w in ws)

    fmt = repr
    numbers = number_widths(fmt)
    for room in (None, LABEL_WIDTH):    # whole labels, else labels of up to LABEL_WIDTH
        roomy = [max(n, len(label) if room is None else min(len(label), room))
                 for n, (label, _, _) in zip(numbers, columns)]
        if width is None or total(roomy) <= width:
            return fmt, roomy, [list(range(len(columns)))]
    if total(numbers) > width:
        fmt = short
        numbers = number_widths(fmt)
    parts, current = [], []
    for i, w in enumerate(numbers):
        if current and total([numbers[j] for j in current] + [w]) > width:
            parts.append(current)
            current = []
        current.append(i)
    parts.append(current)
    widths = list(numbers)
    for part in parts:     # what room is left goes to the labels, a character at a time
        room = width - total([widths[i] for i in part])
        wanting = [i for i in part if widths[i] < min(len(columns[i][0]), LABEL_WIDTH)]
        while room > 0 and wanting:
            for i in wanting[:room]:
                widths[i] += 1
            room -= len(wanting[:room])
            wanting = [i for i in wanting if widths[i] < min(len(columns[i][0]), LABEL_WIDTH)]
    return fmt, widths, parts


def _new_table(columns, widths, *, header: bool = True, epoch_width: int | None = None, index: str = "epoch"):
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False, show_header=header)
    table.add_column(index, justify="right", style="dim", no_wrap=True,
                     **({"width": epoch_width} if epoch_width else {}))
    for (label, style, _), width in zip(columns, widths):
        # the header folds within the column; the numbers below never wrap
        table.add_column(escape(label), justify="right", overflow="fold", no_wrap=False, width=width,
                         min_width=width, **({"style": style} if style else {}))
    return table


def _add_rows(table, columns, start: int, stop: int, fmt=repr, epochs=None) -> None:
    """Rows ``start`` to ``stop`` of the columns; ``epochs``: the row numbers they stand for
    (None: their positions)."""
    cells = [c[start:stop].tolist() for _, _, c in columns]
    for i, at in enumerate(range(start, stop)):
        epoch = at if epochs is None else epochs[at]
        table.add_row(str(epoch), *(fmt(col[i]) if i < len(col) else "" for col in cells))


def rich_table(results: Sequence[ScheduleResult], *, max_rows: int | None = None, width: int | None = None,
               rows: Sequence[int] | None = None):
    """Epoch, then one column per schedule (and group), momentum where cycled, fitted to
    ``width`` columns of text (None: as wide as it takes) without ever breaking a number.
    ``rows``: only these row numbers (ascending), each shown with its own number."""
    from rich.console import Group

    columns = _picked(_rich_columns(results), rows)
    count = max((c.shape[0] for _, _, c in columns), default=0) if rows is None else len(rows)
    shown = count if max_rows is None else min(count, max_rows)
    last = None if rows is None or not shown else rows[shown - 1]
    index = index_label(results)
    fmt, widths, parts = _layout(columns, shown, width, last, index)
    columns = [(shortened(label, 2 * w), style, values) for (label, style, values), w in zip(columns, widths)]
    tables = []
    for part in parts:
        table = _new_table([columns[i] for i in part], [widths[i] for i in part], index=index)
        _add_rows(table, [columns[i] for i in part], 0, shown, fmt, rows)
        tables.append(table)
    notes = [f"{r.name}: " + ", ".join(f"{k} {v}" for k, v in r.shown) for r in results if r.shown]
    if fmt is short:
        notes.append(f"numbers shown to {SHORT_DIGITS} significant digits to fit the terminal; "
                     "--format plain, csv or json prints every digit")
    if shown < count:
        notes.append(f"{count - shown} more rows: use --format plain, csv or json for all")
    if notes:
        tables[-1].caption = "\n".join(notes)
    return tables[0] if len(tables) == 1 else Group(*tables)


def rich_tables(results: Sequence[ScheduleResult], rows: Sequence[int] | None = None) -> Iterator:
    """The whole table as rich Tables of ``_CHUNK`` rows each, printed one after the other
    (for a file): one table when it is short; when it is long, every part has the same column
    widths (measured over all rows first) and only the first a header, so they read as one
    table while the text streams."""
    columns = _picked(_rich_columns(results), rows)
    count = max((c.shape[0] for _, _, c in columns), default=0) if rows is None else len(rows)
    if count <= text.CHUNK:
        yield rich_table(results, rows=rows)
        return
    index = index_label(results)
    epoch_width = max(len(index), len(str(count - 1 if rows is None else rows[-1])))
    widths = []
    for label, _, values in columns:
        longest = max((max(map(len, map(repr, chunk))) for _, chunk in text.chunks(values)), default=0)
        widths.append(max(longest, min(len(label), LABEL_WIDTH)))
    for start in range(0, count, text.CHUNK):
        table = _new_table(columns, widths, header=start == 0, epoch_width=epoch_width, index=index)
        _add_rows(table, columns, start, min(start + text.CHUNK, count), epochs=rows)
        yield table
