"""What the commands share: reading specs (files, ``-`` for stdin, the built-in default)
and option types whose errors read like the rest of lrsched's."""

from __future__ import annotations

import math
import sys

import click

from lrsched.defaults import DEFAULT_NAME, DEFAULT_SPEC
from lrsched.errors import RunError, SpecError
from lrsched.limits import check_memory
from lrsched.spec import SpecDocument, load_spec, override_epochs
from lrsched.suggest import unknown
from lrsched.io.yamlload import read_source

EPOCHS_HELP = ("Rows to compute (overrides the spec's epochs): a positive integer (1e6 and 1_000_000 "
               "work too). At most what fits in memory (half the RAM, or LRSCHED_MEMORY_LIMIT such as "
               "8G): more is refused up front, with the size it would need.")
STDIN = "<stdin>"


def read_specs(paths, *, schedules=(), epochs: int | None = None) -> list[SpecDocument]:
    """Load every SPEC argument (``-`` reads stdin); none: the built-in default spec.
    ``epochs`` (``--epochs``) overrides every schedule's, checked against memory for all of
    them together."""
    if not paths:
        docs = [load_spec((DEFAULT_SPEC, DEFAULT_NAME), default_name="default")]
    else:
        docs = []
        for path in paths:
            if path == "-":
                docs.append(load_spec((read_stdin(), STDIN), default_name="stdin"))
            else:
                docs.append(load_spec(path))
    if schedules:
        docs = _select(docs, schedules)
    if epochs is not None:
        docs = override_epochs(docs, epochs, key="--epochs")
    for doc in docs:        # what a spec's reading set aside (the Trainer form's ignored keys)
        for note in dict.fromkeys(note for schedule in doc.schedules for note in schedule.notes):
            click.echo(f"note: {doc.source}: {note}", err=True)
    return docs


def read_stdin() -> str:
    """The spec text on stdin: bytes decoded like a file's (UTF-8, BOM-aware, size-capped)."""
    stream = getattr(sys.stdin, "buffer", None) or sys.stdin
    if stream is None:
        raise SpecError("there is no standard input to read (stdin is closed)", file=STDIN)
    try:
        return read_source(stream, STDIN)
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", file=STDIN) from None


def _select(docs: list[SpecDocument], names) -> list[SpecDocument]:
    known = {s.name for d in docs for s in d.schedules}
    for name in names:
        if name not in known:
            raise SpecError(unknown("schedule", name, sorted(known)), key="--schedule")
    return [d.select([n for n in names if n in {s.name for s in d.schedules}])
            for d in docs if any(s.name in names for s in d.schedules)]


class Count(click.ParamType):
    """A positive whole number as a user types it: ``5000``, ``1e6``, ``1_000_000`` (what the
    spec's YAML accepts too); the upper bound is memory, checked where the size is known."""

    name = "N"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            try:
                number = int(text)
            except ValueError:
                try:
                    as_float = float(text)
                except ValueError:
                    as_float = math.nan
                if not (math.isfinite(as_float) and as_float == int(as_float)):
                    self.fail(f"must be an int in the range [1, inf), got {text!r}", param, ctx)
                number = int(as_float)
        if number < 1:
            self.fail(f"must be an int in the range [1, inf), got {number}", param, ctx)
        return number


class Epochs(Count):
    """``--epochs``: a :class:`Count` that fits in memory for one schedule of one param group
    at least (every command gets that much; ``read_specs`` checks the real total)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        try:
            check_memory([(number, 1)])
        except SpecError as exc:
            if exc.key is not None:   # LRSCHED_MEMORY_LIMIT itself is wrong: say so
                raise
            self.fail(exc.message, param, ctx)
        return number


COUNT = Count()
EPOCHS = Epochs()


def epochs_option(f):
    return click.option("--epochs", type=EPOCHS, default=None, metavar="N", help=EPOCHS_HELP)(f)


def schedule_option(f):
    return click.option("--schedule", "schedules", multiple=True, metavar="NAME",
                        help="Only this schedule (repeatable).")(f)


def isatty(stream) -> bool:
    """Whether ``stream`` is a terminal (False for anything that cannot say)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def to_stdout(write) -> None:
    """Run ``write``; a failing stdout (disk full, closed) is a runtime error.  A reader that
    went away (BrokenPipeError) is not an error at all: the CLI ends quietly."""
    try:
        write()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise RunError(f"cannot write to standard output: {exc.strerror or exc}") from None


def report_written(path: str, what: str = "") -> None:
    """The one way a command says it wrote a file: ``wrote PATH`` on stderr (stdout stays
    the data's), with what it holds when that is not obvious."""
    click.echo(f"wrote {path}" + (f" ({what})" if what else ""), err=True)


def lint_note(docs, results) -> None:
    """``note: N lint warnings (lrsched lint FILE)`` on stderr for each spec whose schedules
    lint finds warnings in, when stderr is a terminal (``table`` and ``plot``: a person is
    looking).  ``results``: the computed results of every schedule of ``docs``, in order."""
    if not isatty(sys.stderr):
        return
    from lrsched.lint import lint

    at = 0
    for doc in docs:
        mine = results[at:at + len(doc.schedules)]
        at += len(doc.schedules)
        warnings = [f for f in lint(doc, mine) if f.severity in ("error", "warning")]
        if warnings:
            name = doc.source if not doc.source.startswith("<") else ""
            n = len(warnings)
            click.echo(f"note: {n} lint warning{'s' if n != 1 else ''} (lrsched lint {name})".replace(" )", ")"),
                       err=True)
