"""Schedules drawn in the terminal with braille characters (``lrsched plot --term``).

Each character cell holds 2 x 4 dots (Unicode braille, U+2800 to U+28FF), so a panel of W x H
cells is a canvas of 2W x 4H dots.  What is drawn on it:

- every curve (one per schedule and param group) by dot column: a column's dots run from
  the lowest to the highest value the curve takes in it.  Those are the true minimum and
  maximum of the epochs the column covers (each column's envelope, from
  :func:`lrsched.render.plot.envelope`, as the PNG draws long runs), joined to the
  neighbouring columns by the line between them, so a 1,000,000-row cosine keeps its shape
  and a cycle keeps its peaks.  Step-like schedules (:func:`lrsched.render.plot.is_step_like`)
  hold each value to the next epoch, as the PNG's steps do;
- y tick labels (learning rates as the PNG writes them, decades with ``log``), x ticks in
  epochs, the title, a legend naming every schedule, faint phase markers (``┊``) in empty
  cells, and a momentum (or beta1) panel under the first when a schedule cycles it.

The result is a :class:`TermPlot`: lines of ``(text, style)`` runs that fit ``cols`` x
``rows`` characters.  ``TermPlot.text()`` is the plain text (no escape codes: what a pipe
gets); the object is also a rich renderable (``__rich_console__``), which is how a terminal
gets one colour per schedule.  Nothing here imports rich until rich renders it, nor
matplotlib ever.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from lrsched.engine import ScheduleResult
from lrsched.render.plot import (MARKED_SCHEDULES, row_unit, MAX_MARKERS, envelope, epoch_labels, is_step_like, lr_labels,
                                 momentum_label)
from lrsched.render.style import PALETTE, shortened

DEFAULT_COLS, DEFAULT_ROWS = 80, 24
MIN_COLS = 24
MIN_PANEL_ROWS = 3             # rows of the lr panel at least
MOMENTUM_SHARE = 0.3           # of the rows the panels take, the momentum panel gets this much
LABEL_CHARS = 40               # a legend label longer than this is shortened in the middle
BLANK = 0x2800
# braille dot bits by (row in cell 0..3, column in cell 0..1)
DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int64)
MARKER = "┊"
LEGEND_LINE = "──"


class SizeError(ValueError):
    """A ``cols`` x ``rows`` too small for what the plot has to show."""


# ----------------------------------------------------------------------------- geometry

class XScale:
    """Epochs on ``dots`` dot columns: epoch ``e`` sits at the centre of dot column
    ``round(e * scale)``, epoch 0 in the first column, ``extent`` in the last."""

    def __init__(self, extent: float, dots: int) -> None:
        self.extent = max(float(extent), 1.0)
        self.dots = dots
        self.scale = (dots - 1) / self.extent

    def column(self, epochs) -> np.ndarray:
        """The dot column of each epoch (half rounding up), clipped to the canvas."""
        at = np.floor(np.asarray(epochs, dtype=np.float64) * self.scale + 0.5).astype(np.int64)
        return np.clip(at, 0, self.dots - 1)


class YScale:
    """Values (their log10 with ``log``) from ``low`` at the bottom to ``high`` at the top
    on ``dots`` dot rows; row 0 is the top."""

    def __init__(self, low: float, high: float, dots: int, log: bool) -> None:
        self.low, self.high, self.dots, self.log = low, high, dots, log

    def transform(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if not self.log:
            return values
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)

    def row(self, values) -> np.ndarray:
        """The dot row of each value (already transformed), half rounding up; NaN stays out (-1)."""
        v = np.asarray(values, dtype=np.float64)
        span = self.high - self.low
        exact = (self.high - v) / span * (self.dots - 1)
        rows = np.floor(np.nan_to_num(exact, nan=-1.0) + 0.5)
        rows = np.clip(rows, 0, self.dots - 1).astype(np.int64)
        return np.where(np.isnan(v), -1, rows)


def y_scale(curves: Sequence[np.ndarray], dots: int, log: bool) -> YScale:
    """The value range of every curve: their extremes (whole decades with ``log``)."""
    probe = YScale(0.0, 1.0, dots, log)
    lows, highs = [], []
    for values in curves:
        t = probe.transform(values)
        if np.any(np.isfinite(t)):
            lows.append(float(np.nanmin(t)))
            highs.append(float(np.nanmax(t)))
    if not lows:
        low, high = (0.0, 1.0) if not log else (-1.0, 0.0)
    else:
        low, high = min(lows), max(highs)
    if log:
        low, high = math.floor(low), math.ceil(high)
        if high <= low:
            high = low + 1
    elif high <= low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    return YScale(low, high, dots, log)


# ----------------------------------------------------------------------------- curves

def curve_ranges(y: np.ndarray, step: bool, x: XScale, ys: YScale) -> tuple[np.ndarray, np.ndarray]:
    """``(top, bottom)`` dot rows drawn in each dot column for the curve ``y`` (one value per
    epoch); -1 where the curve draws nothing.

    A column's dots cover the minimum and maximum of the epochs it holds (their envelope)
    and the line that joins them to the neighbouring columns' epochs: its value at the
    column's two edges (linear between epochs, or held to the next epoch for ``step``).
    """
    n = len(y)
    t = ys.transform(y)
    columns = x.column(np.arange(n))
    # the epochs of each column: consecutive, since columns grow with epochs
    starts = np.flatnonzero(np.r_[True, columns[1:] != columns[:-1]])
    stops = np.r_[starts[1:], n]
    drawn = np.full(x.dots, np.nan)
    lowest = np.full(x.dots, np.nan)
    for start, stop in zip(starts.tolist(), stops.tolist()):
        # the envelope of the raw values: log10 keeps their order, and a value it cannot
        # show (<= 0) never hides one it can as the column's maximum
        idx = envelope(y[start:stop], 1) + start
        c = columns[start]
        drawn[c] = np.nanmax(t[idx]) if np.any(np.isfinite(t[idx])) else np.nan
        lowest[c] = np.nanmin(t[idx]) if np.any(np.isfinite(t[idx])) else np.nan
    # where the line crosses each column's edges
    end = n if step else n - 1
    last_column = int(x.column([end])[0]) if n else -1
    cols = np.arange(x.dots)
    edges = []
    for side in (-0.5, 0.5):
        at = np.clip((cols + side) / x.scale, 0, end)
        if step:
            value = t[np.minimum(np.floor(at).astype(np.int64), n - 1)]
            if side > 0:   # the value just before the right edge
                left = np.minimum(np.maximum(np.ceil(at).astype(np.int64) - 1, 0), n - 1)
                value = t[left]
        else:
            first = np.minimum(np.floor(at).astype(np.int64), max(n - 2, 0))
            frac = at - first
            second = np.minimum(first + 1, n - 1)
            value = t[first] + (t[second] - t[first]) * frac
        edges.append(value)
    with np.errstate(invalid="ignore"):
        high = np.fmax(np.fmax(drawn, edges[0]), edges[1])
        low = np.fmin(np.fmin(lowest, edges[0]), edges[1])
    outside = cols > last_column
    high[outside] = np.nan
    low[outside] = np.nan
    return ys.row(high), ys.row(low)


def dots_of(top: np.ndarray, bottom: np.ndarray, dot_rows: int) -> np.ndarray:
    """A (dot_rows, columns) boolean canvas with each column lit from ``top`` to ``bottom``."""
    rows = np.arange(dot_rows)[:, None]
    lit = (top >= 0) & (bottom >= 0)
    return (rows >= top[None, :]) & (rows <= bottom[None, :]) & lit[None, :]


def braille(canvas: np.ndarray) -> np.ndarray:
    """The braille bit pattern of every cell of a (4H, 2W) dot canvas, as an (H, W) array."""
    h, w = canvas.shape[0] // 4, canvas.shape[1] // 2
    cells = canvas.reshape(h, 4, w, 2).astype(np.int64)
    return np.einsum("aybx,yx->ab", cells, DOT_BITS)


# ----------------------------------------------------------------------------- ticks

def nice_steps(span: float, most: int) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that cuts ``span`` into at most ``most`` steps."""
    if span <= 0 or most < 1:
        return 1.0
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw * (1 - 1e-12):
            return m * power
    return 10 * power


def y_ticks(ys: YScale, cells: int) -> list[tuple[int, str]]:
    """``(cell row, label)`` of the y ticks: decades with log (labelled ``1e-3``), else
    round values labelled as the PNG labels them; at most one a cell row, one every two
    rows or so."""
    most = max(1, cells // 2)
    if ys.log:
        values = np.arange(math.ceil(ys.low), math.floor(ys.high) + 1, dtype=np.float64)
        while len(values) > most + 1:
            values = values[::2]
        labels = [f"1e{int(v)}" if v not in (0.0, 1.0) else ("1" if v == 0 else "10") for v in values.tolist()]
        at = values
    else:
        step = nice_steps(ys.high - ys.low, most)
        first = math.ceil(ys.low / step - 1e-9)
        last = math.floor(ys.high / step + 1e-9)
        at = np.array([k * step for k in range(first, last + 1)], dtype=np.float64)
        at = at[(at >= ys.low - 1e-12 * abs(step)) & (at <= ys.high + 1e-12 * abs(step))]
        labels = lr_labels(at) if len(at) else []
    ticks, taken = [], set()
    for label in labels:
        # placed where the label's own value is, so the label reads true to its row
        row = int(ys.row(ys.transform([float(label)]))[0]) // 4
        if row not in taken:
            taken.add(row)
            ticks.append((row, label))
    return ticks


def x_ticks(x: XScale, cells: int) -> list[tuple[int, str]]:
    """``(cell column, label)`` of the x ticks, in epochs: round numbers whose labels fit
    side by side with two spaces between."""
    last = x.extent
    for most in range(max(1, cells // 4), 0, -1):
        step = max(1.0, nice_steps(last, most))
        values = np.arange(0, math.floor(last / step + 1e-9) + 1) * step
        values = np.round(values)
        labels = epoch_labels(values)
        cells_at = (x.column(values) // 2).tolist()
        ends, ok = -2, True
        for c, label in zip(cells_at, labels):
            begin = min(max(c - len(label) // 2, 0), cells - len(label))
            if begin < ends + 2 or begin < 0:
                ok = False
                break
            ends = begin + len(label)
        if ok:
            return list(zip(cells_at, labels))
    return [(0, "0")]


# ----------------------------------------------------------------------------- the plot

class TermPlot:
    """The drawn plot: ``lines`` of ``(text, style)`` runs (style None, or a rich style
    string).  Geometry for tests: ``left`` (characters before the plot area), ``width`` (its
    cells), and ``panels``: ``(first line, cell rows, YScale)`` of each panel."""

    def __init__(self, lines, left: int, width: int, panels, x: XScale) -> None:
        self.lines, self.left, self.width, self.panels, self.x = lines, left, width, panels, x

    def text(self) -> str:
        """Every line, no styles: the plot as plain text (ends with a newline)."""
        return "".join("".join(t for t, _ in line) + "\n" for line in self.lines)

    def __rich_console__(self, console, options):
        from rich.segment import Segment
        from rich.style import Style

        styles = {}
        for line in self.lines:
            for text, style in line:
                if style is None:
                    yield Segment(text)
                else:
                    if style not in styles:
                        styles[style] = Style.parse(style)
                    yield Segment(text, styles[style])
            yield Segment.line()

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        width = max((sum(len(t) for t, _ in line) for line in self.lines), default=0)
        return Measurement(width, width)


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _legend(results, cols: int, label_room: int) -> list[list]:
    """Legend lines: ``── name`` per schedule, packed into lines of ``cols``."""
    lines, current, used = [], [], 0
    for i, result in enumerate(results):
        name = shortened(" ".join(result.name.split()), max(1, min(LABEL_CHARS, label_room, cols - 3)))
        entry = [(LEGEND_LINE, _colour(i)), (" " + name, None)]
        size = len(LEGEND_LINE) + 1 + len(name)
        if current and used + 2 + size > cols:
            lines.append(current)
            current, used = [], 0
        if current:
            current.append(("  ", None))
            used += 2
        current += entry
        used += size
    if current:
        lines.append(current)
    return lines


def draw(results: Sequence[ScheduleResult], *, cols: int = DEFAULT_COLS, rows: int = DEFAULT_ROWS,
         title: str | None = None, log: bool = False, markers: bool | None = None) -> TermPlot:
    """Every schedule's lr (and momentum, where cycled) in ``cols`` x ``rows`` characters;
    :class:`SizeError` when that is too small."""
    if markers is None:
        markers = len(results) <= MARKED_SCHEDULES
    if cols < MIN_COLS:
        raise SizeError(f"{cols}x{rows} is too narrow to draw in: COLS must be at least {MIN_COLS}")
    title = " ".join((title or "").split())
    head = []
    if title:
        head.append([(shortened(title, cols), "bold")])
    one_curve = len(results) == 1 and results[0].lr.shape[1] == 1 and results[0].name == title
    if results and not one_curve:
        legend = None
        for room in (LABEL_CHARS, 24, 16, 10, 6):
            legend = _legend(results, cols, room)
            if len(legend) <= max(1, (rows - MIN_PANEL_ROWS - 2 - len(head)) // 2):
                break
        head += legend
    cycled = [r for r in results if r.momentum is not None]
    panel_rows = rows - len(head) - 2 - (1 if cycled else 0)
    if cycled:
        mom_rows = max(2, round(panel_rows * MOMENTUM_SHARE))
        lr_rows = panel_rows - mom_rows
    else:
        mom_rows, lr_rows = 0, panel_rows
    if lr_rows < MIN_PANEL_ROWS:
        need = rows - lr_rows + MIN_PANEL_ROWS
        raise SizeError(f"{cols}x{rows} leaves no room for the curves: with this title, legend "
                        f"and panels ROWS must be at least {need}")

    lr_scale = y_scale([r.lr for r in results], lr_rows * 4, log)
    lr_ticks = y_ticks(lr_scale, lr_rows)
    mom_scale = mom_ticks = None
    if cycled:
        mom_scale = y_scale([r.momentum for r in cycled], mom_rows * 4, False)
        mom_ticks = y_ticks(mom_scale, mom_rows)
    label_width = max((len(lab) for _, lab in lr_ticks + (mom_ticks or [])), default=1)
    left = label_width + 2
    width = cols - left
    if width < 8:
        raise SizeError(f"{cols}x{rows} is too narrow to draw in: the tick labels leave {width} columns")
    steps = [is_step_like(r.lr) for r in results]
    extent = max(((r.epochs if s else r.epochs - 1) for r, s in zip(results, steps)), default=1)
    x = XScale(extent, width * 2)

    lines = list(head)
    panels = []
    lr_panel = _panel(results, "lr", steps, x, lr_scale, lr_rows, width, markers)
    panels.append((len(lines), lr_rows, lr_scale))
    lines += _with_ticks(lr_panel, lr_ticks, label_width)
    if cycled:
        lines.append([(" " * (label_width + 1) + shortened("╶ " + momentum_label(results), width + 1), "dim")])
        mom_steps = [is_step_like(r.momentum) if r.momentum is not None else False for r in results]
        mom_panel = _panel(results, "momentum", mom_steps, x, mom_scale, mom_rows, width, markers)
        panels.append((len(lines), mom_rows, mom_scale))
        lines += _with_ticks(mom_panel, mom_ticks, label_width)
    ticks = x_ticks(x, width)
    axis = ["─"] * width
    for c, _ in ticks:
        axis[c] = "┬"
    lines.append([(" " * label_width + " └" + "".join(axis), "dim")])
    under = [" "] * width
    ends = -2
    for c, label in ticks:
        begin = min(max(c - len(label) // 2, 0), width - len(label))
        under[begin:begin + len(label)] = label
        ends = begin + len(label)
    name = row_unit(results)
    if ends + 2 + len(name) <= width:
        under[width - len(name):] = name
    lines.append([(" " * left + "".join(under).rstrip(), None)])
    return TermPlot(lines, left, width, panels, x)


def _panel(results, which: str, steps, x: XScale, ys: YScale, cell_rows: int, width: int, markers: bool):
    """The panel's cells: a list of lines, each a list of (char, style) per cell."""
    dot_rows = cell_rows * 4
    bits = np.zeros((cell_rows, width), dtype=np.int64)
    owner = np.full((cell_rows, width), -1, dtype=np.int64)
    for i, (result, step) in enumerate(zip(results, steps)):
        values = result.lr if which == "lr" else result.momentum
        if values is None:
            continue
        for g in range(values.shape[1]):
            top, bottom = curve_ranges(values[:, g], step, x, ys)
            cells = braille(dots_of(top, bottom, dot_rows))
            bits |= cells
            owner[cells != 0] = i
    marks = np.full(width, -1, dtype=np.int64)
    if markers:
        for i, result in enumerate(results):
            if (which == "momentum" and result.momentum is None) or not result.markers or result.epochs < 2:
                continue
            at = np.unique(x.column(np.asarray(result.markers, dtype=np.float64)) // 2)
            if len(at) > MAX_MARKERS:
                continue
            marks[at[marks[at] < 0]] = i
    lines = []
    for r in range(cell_rows):
        row = []
        for c in range(width):
            b = int(bits[r, c])
            if b:
                row.append((chr(BLANK + b), _colour(int(owner[r, c]))))
            elif marks[c] >= 0:
                row.append((MARKER, f"dim {_colour(int(marks[c]))}"))
            else:
                row.append((" ", None))
        lines.append(row)
    return lines


def _with_ticks(panel, ticks, label_width: int) -> list[list]:
    """The panel's lines with the y tick labels and axis before them; runs of one style
    merged, trailing blanks dropped."""
    labels = dict(ticks)
    out = []
    for r, cells in enumerate(panel):
        label = labels.get(r)
        line = [((label or "").rjust(label_width) + " ", None), ("┤" if label else "│", "dim")]
        merged = []
        for ch, style in cells:
            if merged and merged[-1][1] == style:
                merged[-1][0].append(ch)
            else:
                merged.append(([ch], style))
        runs = [("".join(chars), style) for chars, style in merged]
        while runs and runs[-1][1] is None and not runs[-1][0].strip():
            runs.pop()
        if runs and runs[-1][1] is None:
            runs[-1] = (runs[-1][0].rstrip(), None)
        out.append(line + runs)
    return out
