"""``lrsched table``: print schedules as the tutorial's lines, a rich table, CSV or JSON."""

from __future__ import annotations

import sys

import click

from lrsched.commands.common import epochs_option, read_specs, schedule_option
from lrsched.engine import compute
from lrsched.render.table import csv_lines, json_text, plain_lines

FORMATS = ("auto", "rich", "plain", "csv", "json")
RICH_MAX_ROWS = 2000


@click.command()
@click.argument("spec", required=False, metavar="[SPEC]")
@epochs_option
@schedule_option
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="auto: a rich table on a terminal, plain when piped.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout.")
def table(spec, epochs, schedules, fmt, output):
    """Print the learning rate of every epoch.

    SPEC is a YAML schedule spec (`-` reads stdin); without it, the built-in default (the
    tutorial's schedules). `--format plain` prints exactly what the torch loop
    `print(f"lr of epoch {e} => {scheduler.get_last_lr()}")` prints.
    """
    docs = read_specs([spec] if spec else [], schedules=schedules)
    results = [compute(s, epochs) for d in docs for s in d.schedules]
    if fmt == "auto":
        fmt = "rich" if output is None and sys.stdout.isatty() else "plain"
    if fmt == "rich":
        from rich.console import Console

        from lrsched.render.table import rich_table

        if output is not None:
            from lrsched.output import atomic_open

            with atomic_open(output, encoding="utf-8") as fh:
                Console(file=fh, width=200).print(rich_table(results))
        else:
            Console().print(rich_table(results, max_rows=RICH_MAX_ROWS))
        return
    lines = {"plain": plain_lines, "csv": csv_lines, "json": json_text}[fmt](results)
    if output is None:
        write = sys.stdout.write
        for line in lines:
            write(line)
        return
    from lrsched.output import atomic_open

    with atomic_open(output, encoding="utf-8", newline="") as fh:
        fh.writelines(lines)
    click.echo(output, err=True)
