"""``lrsched lint``: check schedules for the mistakes that cost training runs."""

from __future__ import annotations

import sys

import click

from lrsched.commands.common import epochs_option, read_specs, schedule_option, to_stdout
from lrsched.errors import UsageError
from lrsched.suggest import unknown


class RuleName(click.ParamType):
    """``--ignore RULE``: a rule's name, as ``lrsched lint`` prints it in brackets."""

    name = "RULE"

    def convert(self, value, param, ctx):
        from lrsched.lint import rule_names

        if value not in rule_names():
            raise UsageError(unknown("rule", value, rule_names()), key="--ignore")
        return value


@click.command()
@click.argument("specs", nargs=-1, metavar="[SPEC ...]")
@epochs_option
@schedule_option
@click.option("-f", "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text: one `FILE:LINE: SEVERITY: MESSAGE [RULE]` line per finding; json: a list of objects.")
@click.option("--ignore", "ignored", type=RuleName(), multiple=True, metavar="RULE",
              help="Skip this rule (repeatable).")
def lint(specs, epochs, schedules, fmt, ignored):
    """Check schedules for the mistakes that cost training runs.

    Every schedule of every SPEC (the built-in default without one) is computed and checked
    against the rules of `lrsched lint` (README: "Lint rules"). Exit 0 when there is no
    warning, 1 when there is, 2 on a bad spec. The findings go to stdout; a summary to stderr.
    """
    from lrsched.engine import compute
    from lrsched.lint import exit_code, lint as lint_document

    docs = read_specs(list(specs), schedules=schedules, epochs=epochs)
    findings = []
    for doc in docs:
        findings += lint_document(doc, [compute(s) for s in doc.schedules], ignore=set(ignored))
    if fmt == "json":
        import json

        text = json.dumps([f.as_dict() for f in findings], indent=2) + "\n"
    else:
        text = "".join(f.text() + "\n" for f in findings)
    if text:
        to_stdout(lambda: sys.stdout.write(text))
    if findings:
        click.echo(summary(findings), err=True)
    sys.exit(exit_code(findings))


def summary(findings) -> str:
    """``2 warnings, 1 info in 3 schedules``."""
    counts = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()]
    schedules = len({(f.file, f.schedule) for f in findings})
    return ", ".join(parts) + f" in {schedules} schedule{'s' if schedules != 1 else ''}"
