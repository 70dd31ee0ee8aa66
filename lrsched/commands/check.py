"""``lrsched check``: compare a logged training run's lr with its spec."""

from __future__ import annotations

import sys

import click

from lrsched.commands.common import epochs_option, read_specs, schedule_option, to_stdout
from lrsched.errors import SpecError, UsageError


class Tolerance(click.ParamType):
    name = "RTOL"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number; --rtol is a relative tolerance such as 1e-6", param, ctx)
        if not 0 <= number < 1:
            self.fail(f"{value!r} is not a relative tolerance from 0 (exact) to below 1", param, ctx)
        return number


@click.command()
@click.argument("spec", metavar="SPEC")
@click.argument("log", metavar="LOG")
@click.option("--column", default=None, metavar="NAME", help="The log's lr column (default: found by name).")
@click.option("--step-column", default=None, metavar="NAME",
              help="The log's step column (default: step, Step, _step or global_step).")
@click.option("--rtol", type=Tolerance(), default=1e-6, show_default=True,
              help="Relative tolerance of a match.")
@click.option("--group", type=click.IntRange(0), default=0, show_default=True, metavar="N",
              help="The param group the log records.")
@click.option("--per", type=click.Choice(("step", "epoch")), default=None,
              help="The log has a row per optimizer update (step) or per epoch; as `table --per`.")
@epochs_option
@schedule_option
def check(spec, log, column, step_column, rtol, group, per, epochs, schedules):
    """Check a logged run's learning rate against its spec.

    LOG is a CSV (W&B's export; TensorBoard's `Wall time,Step,Value`) or JSON lines with a
    step and an lr column. Its points are compared with the spec's rows at offsets -1, 0
    and +1; the report names the offset that fits and what it means. Exit 0 when every
    point inside the rows agrees, 1 when one does not, 2 on a bad spec or log.
    """
    from lrsched.check import Log, check as compare
    from lrsched.engine import single_schedule

    (document,) = read_specs([spec], schedules=schedules, epochs=epochs)
    one = single_schedule(document, what="check", instead="pick one with --schedule NAME")
    parsed = Log.read(log, step_column=step_column, column=column)
    try:
        report = compare(one, parsed, rtol=rtol, group=group, per=per)
    except SpecError as exc:
        if exc.key in ("--group", "per"):
            raise UsageError(exc.message, key="--per" if exc.key == "per" else exc.key) from None
        raise
    text = report.text(parsed)
    to_stdout(lambda: sys.stdout.write(text))
    sys.exit(0 if report.ok else 1)
