"""What the commands share: reading specs (files, ``-`` for stdin, the built-in default)
and option types whose errors read like the rest of lrsched's."""

from __future__ import annotations

import sys

import click

from lrsched.defaults import DEFAULT_NAME, DEFAULT_SPEC
from lrsched.errors import SpecError
from lrsched.spec import SpecDocument, load_spec
from lrsched.suggest import closest

EPOCHS_HELP = "Rows to compute (overrides the spec's epochs)."


def read_specs(paths, *, schedules=()) -> list[SpecDocument]:
    """Load every SPEC argument (``-`` reads stdin); none: the built-in default spec."""
    if not paths:
        docs = [load_spec((DEFAULT_SPEC, DEFAULT_NAME), default_name="default")]
    else:
        docs = []
        for path in paths:
            if path == "-":
                docs.append(load_spec((sys.stdin.read(), "<stdin>"), default_name="stdin"))
            else:
                docs.append(load_spec(path))
    if schedules:
        docs = _select(docs, schedules)
    return docs


def _select(docs: list[SpecDocument], names) -> list[SpecDocument]:
    known = {s.name for d in docs for s in d.schedules}
    for name in names:
        if name not in known:
            near = closest(name, sorted(known))
            hint = f"; did you mean '{near}'?" if near else ""
            raise SpecError(f"no schedule named '{name}'{hint} (there are: {', '.join(sorted(known))})",
                            key="--schedule")
    return [d.select([n for n in names if n in {s.name for s in d.schedules}])
            for d in docs if any(s.name in names for s in d.schedules)]


def epochs_option(f):
    return click.option("--epochs", type=click.IntRange(1), default=None, metavar="N", help=EPOCHS_HELP)(f)


def schedule_option(f):
    return click.option("--schedule", "schedules", multiple=True, metavar="NAME",
                        help="Only this schedule (repeatable).")(f)
