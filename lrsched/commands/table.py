"""``lrsched table``: print schedules as the tutorial's lines, a rich table, CSV or JSON."""

from __future__ import annotations

import os
import sys

import click

from lrsched.commands.common import (COUNT, epochs_option, isatty, lint_note, read_specs, report_written,
                                     schedule_option, to_stdout)
from lrsched.engine import PER, compute, rows_per
from lrsched.errors import SpecError, UsageError
from lrsched.render.table import csv_lines, json_text, plain_lines

FORMATS = ("auto", "rich", "plain", "csv", "json")
RICH_MAX_ROWS = 2000


class Rows(click.ParamType):
    """``--at``: a comma list of rows: ``12`` (a row number), ``-1`` (the last row; negative
    ones count from the end), ``50%`` (the row nearest that share of the way from the first
    to the last, half rounding up).  Converted to ``(kind, value)`` pairs; which row each
    names depends on the schedule's length (:func:`chosen_rows`)."""

    name = "ROWS"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value)
        picks = []
        for item in text.split(","):
            item = item.strip()
            if item.endswith("%"):
                share = _fraction(item[:-1].strip())
                if share is None or not 0 <= share <= 100:
                    self.fail(f"{item!r} is not a percentage from 0% to 100%; ROWS is a comma list "
                              f"such as 0,10,50%,-1", param, ctx)
                picks.append(("%", share))
                continue
            try:
                number = int(item)
            except ValueError:
                self.fail(f"{item!r} is not a row number or a percentage; ROWS is a comma list "
                          f"such as 0,10,50%,-1", param, ctx)
            picks.append(("row", number))
        return tuple(picks)


def _fraction(text: str):
    """``text`` as an exact Fraction (``12.5``, ``1e1``), None when it is not a finite number."""
    from fractions import Fraction

    if not text or text.strip() != text or "_" in text or "/" in text:
        return None
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


def chosen_rows(rows: int, every: int | None, at) -> list[int]:
    """The row numbers ``--every``/``--at`` pick from ``rows`` rows, ascending, each once.
    ``--every N``: 0, N, 2N, ... and the last row.  A row number past the end (or before the
    start, counted from the end) is a usage error."""
    picks = set()
    if rows <= 0:
        return []
    if every is not None:
        picks.update(range(0, rows, every))
        picks.add(rows - 1)
    for kind, value in at or ():
        if kind == "%":
            # nearest row to value% of the way from 0 to rows - 1, half rounding up (exact)
            scaled = value * (rows - 1) / 100
            picks.add(int((scaled * 2 + 1) // 2))
        elif value < 0:
            if -value > rows:
                raise UsageError(f"row {value} is before the first row: there are {rows} rows "
                                 f"(-1 is the last, -{rows} the first)", key="--at")
            picks.add(rows + value)
        else:
            if value >= rows:
                raise UsageError(f"row {value} is past the last row ({rows - 1})", key="--at")
            picks.add(value)
    return sorted(picks)


@click.command()
@click.argument("specs", nargs=-1, metavar="[SPEC ...]")
@epochs_option
@schedule_option
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="auto: a rich table on a terminal, plain when piped.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE (atomically: an interrupted run leaves the previous FILE as it was) "
                   "instead of stdout.")
@click.option("--every", type=COUNT, default=None, metavar="N",
              help="Only rows 0, N, 2N, ... and the last one (each keeps its own number).")
@click.option("--at", "at", type=Rows(), default=None, metavar="ROWS",
              help="Only these rows: a comma list of row numbers (-1 is the last, negative ones count "
                   "from the end) and percentages (50% is the row halfway, half rounding up). "
                   "With --every: both.")
@click.option("--per", type=click.Choice(PER), default=None,
              help="A row per optimizer update (step) or per epoch (epoch: each epoch's first "
                   "update). Default: step for a spec with training units (steps_per_epoch...), "
                   "epoch otherwise.")
def table(specs, epochs, schedules, fmt, output, every, at, per):
    """Print the learning rate of every epoch.

    SPEC is a YAML schedule spec (`-` reads stdin), or several; without one, the built-in
    default (the tutorial's schedules). With -o and no --format, the format follows the file's
    extension (.csv, .json; plain otherwise). `--format plain` prints exactly what the torch loop
    `print(f"lr of epoch {e} => {scheduler.get_last_lr()}")` prints. Every schedule is computed
    (and checked) before the first line is printed; then the text streams.
    """
    if output is not None and any(spec != "-" and _same_file(spec, output) for spec in specs):
        raise UsageError(f"{output} is the SPEC itself; write the table to another file", key="--output")
    if output is not None:
        from lrsched.io.output import check_writable

        check_writable(output)   # before the work, not after
    docs = read_specs(list(specs), schedules=schedules, epochs=epochs)
    results = [compute(s) for d in docs for s in d.schedules]
    lint_note(docs, results)
    results = per_rows(results, per, [d.source for d in docs for _ in d.schedules])
    rows = picks = None
    if every is not None or at is not None:
        # each schedule's own rows for the text forms (-1 is its own last row); the rich
        # table shares one epoch column, so it picks from the longest
        longest = max((r.epochs for r in results), default=0)
        picks = chosen_rows(longest, every, at)
        rows = [[i for i in chosen_rows(r.epochs, every, _within(at, r.epochs))] for r in results]
    if fmt == "auto" and output is not None:
        fmt = {".csv": "csv", ".json": "json"}.get(os.path.splitext(output)[1].lower(), "plain")
    elif fmt == "auto":
        fmt = "rich" if isatty(sys.stdout) else "plain"
    if fmt == "rich":
        from rich.console import Console

        from lrsched.render.richtable import rich_table, rich_tables

        if output is not None:
            from lrsched.io.output import atomic_open

            with atomic_open(output, encoding="utf-8") as fh:
                console = Console(file=fh, width=200)
                for part in rich_tables(results, rows=picks):
                    console.print(part)
            report_written(output)
        else:
            console = Console()
            to_stdout(lambda: console.print(rich_table(results, max_rows=RICH_MAX_ROWS, width=console.width,
                                                       rows=picks)))
        return
    chunks = {"plain": plain_lines, "csv": csv_lines, "json": json_text}[fmt](results, rows)
    if output is None:
        def write_all():
            write = sys.stdout.write
            for chunk in chunks:
                write(chunk)
        to_stdout(write_all)
        return
    from lrsched.io.output import atomic_open

    with atomic_open(output, encoding="utf-8", newline="") as fh:
        fh.writelines(chunks)
    report_written(output)


def per_rows(results, per: str | None, sources) -> list:
    """The results with a row per ``per`` (``--per``, see :func:`~lrsched.engine.rows_per`)."""
    try:
        return [rows_per(result, per, source) for result, source in zip(results, sources)]
    except SpecError as exc:
        raise UsageError(exc.message.replace("leave out per step", "leave out --per step"), key="--per") from None


def _within(at, rows: int):
    """``--at`` for a schedule of ``rows`` rows among longer ones: row numbers past its end
    are dropped (the longest schedule has them; checked there)."""
    if at is None:
        return None
    return tuple(p for p in at if not (p[0] == "row" and (p[1] >= rows or -p[1] > rows)))


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


