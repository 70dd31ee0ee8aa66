"""``lrsched plot``: every schedule of every spec on one figure, written as PNG, SVG or PDF."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import click

from lrsched.commands.common import epochs_option, lint_note, read_specs, report_written, schedule_option
from lrsched.engine import compute
from lrsched.errors import UsageError
from lrsched.render.plot import (DEFAULT_DPI, DEFAULT_SIZE, FORMATS, MARKED_SCHEDULES, MissingGlyphsWarning,
                                 PlotFormatError, check_canvas, format_of)

DEFAULT_OUTPUT = "lrsched.png"
TITLE_CHARS_PER_INCH = 9      # an automatic title longer than this says "N specs"


class ImagePath(click.ParamType):
    """An output file name whose extension names a format lrsched writes."""

    name = "FILE"

    def convert(self, value, param, ctx):
        try:
            format_of(value)
        except PlotFormatError as exc:
            self.fail(str(exc), param, ctx)
        return value


class Size(click.ParamType):
    """``WxH`` in inches: two positive numbers such as ``8x4.5``; with ``--term`` (an eager
    option, so it is known first) ``COLSxROWS`` in characters, two whole numbers such as
    ``80x24``, and None when not given (the terminal's size)."""

    name = "WxH"
    _FORM = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*[xX×]\s*([0-9]*\.?[0-9]+)\s*$")
    _CELLS = re.compile(r"^\s*([0-9]+)\s*[xX×]\s*([0-9]+)\s*$")

    def convert(self, value, param, ctx):
        if ctx is not None and ctx.params.get("term"):
            return self._cells(value, param, ctx)
        if isinstance(value, tuple):
            return value
        found = self._FORM.match(str(value))
        size = tuple(float(v) for v in found.groups()) if found else None
        if size is None or not all(math.isfinite(v) and v > 0 for v in size):
            self.fail(f"must be WIDTHxHEIGHT in inches, two positive numbers such as 8x4.5; "
                      f"got {value!r}", param, ctx)
        return size

    def _cells(self, value, param, ctx):
        from click.core import ParameterSource

        if ctx.get_parameter_source(param.name) is ParameterSource.DEFAULT:
            return None
        found = self._CELLS.match(str(value))
        size = tuple(int(v) for v in found.groups()) if found else None
        if size is None or min(size) < 1 or max(size) > TERM_MAX:
            self.fail(f"with --term, must be COLSxROWS in characters, two whole numbers such as 80x24 "
                      f"(at most {TERM_MAX}); got {value!r}", param, ctx)
        return size


TERM_MAX = 10_000   # characters a side: more is no terminal


@click.command()
@click.argument("specs", nargs=-1, metavar="[SPEC ...]")
@click.option("-o", "--output", type=ImagePath(), default=None,
              help=f"Image to write ({', '.join(FORMATS)}, by extension; atomically). "
                   f"Default: STEM.png of the first SPEC in the current folder, {DEFAULT_OUTPUT} "
                   "for the built-in default.")
@epochs_option
@schedule_option
@click.option("--log", is_flag=True, help="Log-scale learning-rate axis.")
@click.option("--title", default=None, help="Figure title (default: the spec's name; '' for none).")
@click.option("--size", type=Size(), metavar="WxH", default="x".join(f"{v:g}" for v in DEFAULT_SIZE),
              show_default=True, help="Figure size in inches, WIDTHxHEIGHT.")
@click.option("--dpi", type=click.IntRange(10, 1200), metavar="N", default=DEFAULT_DPI, show_default=True,
              help="Pixels per inch (PNG pixel size = size x dpi).")
@click.option("--markers/--no-markers", default=None,
              help="Faint vertical lines where a schedule changes phase (default: on for up to "
                   f"{MARKED_SCHEDULES} schedules).")
@click.option("--term", is_flag=True, is_eager=True,
              help="Draw in the terminal (braille) instead of writing an image; --size is then "
                   "COLSxROWS in characters (default: the terminal's width x 24, 80x24 when piped).")
@click.option("--x", "x", type=click.Choice(("epoch", "step")), default=None,
              help="The main x axis for specs with training units: epochs (default; steps along "
                   "the top) or optimizer updates.")
def plot(specs, output, epochs, schedules, log, title, size, dpi, markers, term, x):
    """Plot the learning rate (and momentum, where cycled) of every schedule.

    Every schedule of every SPEC is drawn on one axes, one colour each; several param groups
    share their schedule's colour. Schedules that cycle momentum (or Adam's beta1) get a
    second panel. Without SPEC, the built-in default. Says `wrote PATH` on stderr. With
    --term, drawn on stdout in braille characters (colours only on a terminal without NO_COLOR).
    """
    if term:
        return plot_term(specs, output, epochs, schedules, log, title, size, markers, x)
    try:
        check_canvas(size, dpi)
    except ValueError as exc:
        raise UsageError(str(exc), key="--size") from None
    if output is None:
        output = default_output(specs)
    from lrsched.io.output import check_writable

    check_writable(output)       # before the work, not after
    docs = read_specs(list(specs), schedules=schedules, epochs=epochs)
    results = told_apart([(d, compute(s)) for d in docs for s in d.schedules])
    lint_note(docs, results)
    if title is None:
        title = default_title(docs, results, budget=round(size[0] * TITLE_CHARS_PER_INCH))

    from lrsched.render.plot import figure, save

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingGlyphsWarning)
        fig = figure(results, title=title, log=log, size=size, dpi=dpi, markers=markers, x=x)
    for warning in caught:
        if issubclass(warning.category, MissingGlyphsWarning):
            click.echo(f"warning: {warning.message}", err=True)
    save(fig, output)
    report_written(output)


def plot_term(specs, output, epochs, schedules, log, title, size, markers, x=None) -> None:
    """``plot --term``: the plot drawn on stdout (no matplotlib on this path)."""
    import os
    import sys

    from click.core import ParameterSource

    from lrsched.commands.common import isatty, to_stdout
    from lrsched.render.term import DEFAULT_COLS, DEFAULT_ROWS, SizeError, draw

    ctx = click.get_current_context()
    if output is not None:
        raise UsageError("--term draws in the terminal; it writes no file (leave out -o, or --term)",
                         key="--output")
    if ctx.get_parameter_source("dpi") is not ParameterSource.DEFAULT:
        raise UsageError("--term draws characters; dots per inch mean nothing there (leave out --dpi)",
                         key="--dpi")
    if x == "epoch":
        raise UsageError("--term draws a row per character column and labels it as the rows are; "
                         "--x epoch is for image plots (leave out --x, or --term)", key="--x")
    terminal = isatty(sys.stdout)
    if size is None:
        cols = DEFAULT_COLS
        if terminal:
            import shutil

            cols = shutil.get_terminal_size((DEFAULT_COLS, DEFAULT_ROWS)).columns or DEFAULT_COLS
        size = (cols, DEFAULT_ROWS)
    docs = read_specs(list(specs), schedules=schedules, epochs=epochs)
    results = told_apart([(d, compute(s)) for d in docs for s in d.schedules])
    lint_note(docs, results)
    if title is None:
        title = default_title(docs, results, budget=size[0])
    try:
        drawn = draw(results, cols=size[0], rows=size[1], title=title, log=log, markers=markers)
    except SizeError as exc:
        raise UsageError(str(exc), key="--size") from None
    if terminal and not os.environ.get("NO_COLOR"):
        from rich.console import Console

        console = Console(highlight=False)
        to_stdout(lambda: console.print(drawn, soft_wrap=True))
    else:
        to_stdout(lambda: sys.stdout.write(drawn.text()))


def default_output(specs) -> str:
    """``STEM.png`` of the first spec file, in the current folder; lrsched.png otherwise."""
    if not specs or specs[0] == "-":
        return DEFAULT_OUTPUT
    return Path(specs[0]).stem + ".png"


def told_apart(pairs) -> list:
    """The results of ``(document, result)`` pairs, a name shared by schedules of different
    files prefixed with each file's folder (``v1/config``, ``v2/config``)."""
    from collections import Counter

    from lrsched.records import replace

    counts = Counter(r.name for _, r in pairs)
    out = []
    for doc, result in pairs:
        if counts[result.name] > 1 and not doc.source.startswith("<") and doc.source != "-":
            folder = Path(doc.source).resolve().parent.name
            result = replace(result, name=f"{folder}/{result.name}")
        out.append(result)
    return out


def default_title(docs, results, *, budget: int = 80) -> str:
    """A spec file's name: its schedule's name when it holds one, else the file stem; several
    joined by "vs", or "N specs" past ``budget`` characters."""
    names, at = [], 0
    for doc in docs:
        if len(doc.schedules) == 1:
            names.append(results[at].name)
        elif doc.source.startswith("<"):
            names.append(doc.source.strip("<>"))
        else:
            names.append(Path(doc.source).stem)
        at += len(doc.schedules)
    title = " vs ".join(names)
    return title if len(title) <= budget else f"{len(names)} specs"
