"""``lrsched table``: print schedules as the tutorial's lines, a rich table, CSV or JSON."""

from __future__ import annotations

import os
import sys

import click

from lrsched.commands.common import epochs_option, isatty, read_specs, report_written, schedule_option, to_stdout
from lrsched.engine import compute
from lrsched.errors import UsageError
from lrsched.render.table import csv_lines, json_text, plain_lines

FORMATS = ("auto", "rich", "plain", "csv", "json")
RICH_MAX_ROWS = 2000


@click.command()
@click.argument("specs", nargs=-1, metavar="[SPEC ...]")
@epochs_option
@schedule_option
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="auto: a rich table on a terminal, plain when piped.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE (atomically: an interrupted run leaves the previous FILE as it was) "
                   "instead of stdout.")
def table(specs, epochs, schedules, fmt, output):
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
                for part in rich_tables(results):
                    console.print(part)
            report_written(output)
        else:
            console = Console()
            to_stdout(lambda: console.print(rich_table(results, max_rows=RICH_MAX_ROWS, width=console.width)))
        return
    chunks = {"plain": plain_lines, "csv": csv_lines, "json": json_text}[fmt](results)
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


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


