"""``lrsched export``: a spec as a runnable Python script that prints its table."""

from __future__ import annotations

import os
import sys

import click

from lrsched.commands.common import epochs_option, read_specs, report_written, schedule_option, to_stdout
from lrsched.errors import SpecError, UsageError


@click.command()
@click.argument("spec", metavar="SPEC")
@click.option("--to", "to", type=click.Choice(("torch", "transformers", "timm")), default=None,
              help="The library the script uses (default: the one the spec's schedulers come from).")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write the script to FILE (atomically) instead of stdout.")
@epochs_option
@schedule_option
def export(spec, to, output, epochs, schedules):
    """Write a spec as a self-contained Python script.

    The script builds the optimizer and scheduler with the library's own classes (the part
    to paste into a training script first), then runs the spec's loop and prints one line
    per row: exactly what `lrsched table SPEC --format plain` prints (with the same
    --epochs and --schedule).
    """
    if output is not None and spec != "-" and _same_file(spec, output):
        raise UsageError(f"{output} is the SPEC itself; write the script to another file", key="--output")
    if output is not None:
        from lrsched.io.output import check_writable

        check_writable(output)
    from lrsched.export import script

    (document,) = read_specs([spec], schedules=schedules, epochs=epochs)
    shown = spec + "".join(f" --schedule {s}" for s in schedules) + (f" --epochs {epochs}" if epochs else "")
    try:
        text = script(document, to=to, source=shown)
    except SpecError as exc:
        if exc.key == "--to":
            raise UsageError(exc.message, key="--to") from None
        raise
    if output is None:
        to_stdout(lambda: sys.stdout.write(text))
        return
    from lrsched.io.output import atomic_open

    with atomic_open(output, encoding="utf-8") as fh:
        fh.write(text)
    report_written(output)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
