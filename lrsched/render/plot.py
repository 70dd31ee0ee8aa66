"""Schedules as a matplotlib Figure: lr against epoch, momentum in a second panel.

Pure: :func:`figure` builds and returns a :class:`matplotlib.figure.Figure` on the Agg
canvas (no pyplot, no global state); :func:`save` writes it atomically.  matplotlib is
imported only once a figure is built, so importing this module (as ``lrsched plot``'s
command module does) stays cheap.

Every point drawn is an exact engine value at its epoch.  A run longer than the figure is
wide is drawn as its per-pixel-column envelope (:func:`envelope`): the min and max of each
column, in epoch order, so a million-epoch run costs a few thousand points and looks the same.
"""

from __future__ import annotations

import math
import os
from typing import Sequence

import numpy as np

from lrsched.engine import ScheduleResult
from lrsched.render.style import GROUP_STYLES, MARKER_ALPHA, TITLE_STYLE, colours, shortened, style_axes

FORMATS = ("png", "svg", "pdf")
DEFAULT_SIZE = (8.0, 4.5)      # inches
DEFAULT_DPI = 150
MAX_PIXELS = 16384             # per side; Agg refuses beyond 2**16, and nobody needs that much

MAX_MARKERS = 60               # per schedule; denser than that is texture, not structure
MARKED_SCHEDULES = 6           # past this many schedules, phase markers only clutter (unless asked)
LABEL_CHARS = 40               # a legend label longer than this is shortened in the middle
SAME_CURVE = 0.2               # a curve equal to an earlier one on this share of epochs is dashed
# a coinciding curve's dashes: the second one's fall in the first one's gaps
DASHES = ((0, (4, 4)), (4, (4, 4)))
LEGEND_ROWS = 2                # a legend above the axes takes at most this many rows, else it goes right
SIDE_LEGEND_MAX = 0.35         # a legend column right of the axes takes at most this much width
SECOND_AXIS_OFFSET = 34       # points below the main x axis: the other unit's axis, under the label
AXES_MARGIN = 0.9              # inches of the figure width taken by the y tick labels and label


class PlotFormatError(ValueError):
    """An output name whose extension is not one of :data:`FORMATS`."""


def format_of(path: str) -> str:
    """The image format of ``path``, from its extension (``png``, ``svg`` or ``pdf``)."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in FORMATS:
        shown = f"'.{ext}'" if ext else "no extension"
        raise PlotFormatError(f"{path} has {shown}; the format comes from the extension: "
                              f"use .png, .svg or .pdf")
    return ext


def check_canvas(size: tuple[float, float], dpi: float) -> None:
    """Refuse a canvas that is empty, not finite, or too big to allocate."""
    width, height = size
    if not all(math.isfinite(v) and v > 0 for v in (width, height, dpi)):
        raise ValueError(f"size {width:g}x{height:g} in at {dpi:g} dpi: every value must be positive")
    px = (round(width * dpi), round(height * dpi))
    if min(px) < 16:
        raise ValueError(f"{width:g}x{height:g} in at {dpi:g} dpi is {px[0]}x{px[1]} pixels; "
                         "that is too small to draw on (16 pixels a side at least)")
    if max(px) > MAX_PIXELS:
        raise ValueError(f"{width:g}x{height:g} in at {dpi:g} dpi is {px[0]}x{px[1]} pixels; "
                         f"the limit is {MAX_PIXELS} a side")


# ----------------------------------------------------------------------------- data

def envelope(y: np.ndarray, columns: int) -> np.ndarray:
    """Indices of the points to draw for ``y`` on ``columns`` pixel columns.

    Short runs (``len(y) <= 2 * columns``): every index.  Longer: ``y`` is cut into buckets
    of ``ceil(len(y) / columns)`` consecutive epochs and each contributes the index of its
    first minimum and first maximum (so every bucket's drawn min/max are its true ones), plus
    the first and last epoch; sorted, so the line visits them in epoch order.
    """
    n = len(y)
    if n <= 2 * columns:
        return np.arange(n)
    width = -(-n // columns)
    buckets = -(-n // width)
    padded = np.empty(buckets * width, dtype=y.dtype)
    padded[:n] = y
    padded[n:] = y[-1]           # repeats a real value: no bucket's min or max changes
    blocks = padded.reshape(buckets, width)
    start = np.arange(buckets) * width
    lows = np.minimum(start + blocks.argmin(axis=1), n - 1)
    highs = np.minimum(start + blocks.argmax(axis=1), n - 1)
    return np.unique(np.concatenate(([0, n - 1], lows, highs)))


def is_step_like(values: np.ndarray) -> bool:
    """True when the values hold still over most epochs (StepLR, MultiStepLR, a staircase
    LambdaLR...): such schedules are drawn as steps, which is what they are."""
    if len(values) < 3:
        return False
    changes = np.count_nonzero(np.any(np.diff(values, axis=0) != 0, axis=1))
    return changes <= (len(values) - 1) / 2


def momentum_label(results: Sequence[ScheduleResult]) -> str:
    """``momentum``, ``beta1`` (the Adam family's betas[0]) or both, for the panel's y label."""
    keys = {r.momentum_key for r in results if r.momentum is not None}
    names = sorted({"beta1" if k == "betas" else "momentum" for k in keys})
    return " / ".join(names)


PER_UPDATE = ("OneCycleLR", "CyclicLR")   # schedulers plainly stepped after every update


def row_unit(results: Sequence[ScheduleResult]) -> str:
    """What a row of ``results`` is, for an axis label: ``step`` when any result's rows are
    optimizer updates, or when none has units and every one is plainly stepped per update
    (``interval: step``, or OneCycleLR/CyclicLR without an interval); else ``epoch``."""
    if any(r.unit == "step" for r in results):
        return "step"
    plain = [r.steps_per_epoch is None and (r.interval == "step" or (r.interval is None and r.scheduler in PER_UPDATE))
             for r in results]
    return "step" if results and all(plain) else "epoch"


def x_axis(results: Sequence[ScheduleResult], main: str | None = None):
    """The x axis: ``(label, per result the rows a unit of the axis holds, steps_per_epoch
    of a second axis or None)``.  With units the main axis is in epochs (an update row at
    ``row / steps_per_epoch``, so schedules of different steps_per_epoch line up) with a
    second axis in steps when the schedules with units share one steps_per_epoch;
    ``main="step"`` swaps them.  Without units the rows are the axis, labelled as
    :func:`row_unit` says."""
    counts = {r.steps_per_epoch for r in results if r.unit == "step"}
    if not counts:
        return (main or row_unit(results)), [1] * len(results), None
    second = counts.pop() if len(counts) == 1 else None
    if main == "step":
        return "step", [1] * len(results), second
    return "epoch", [r.steps_per_epoch if r.unit == "step" else 1 for r in results], second


SHOWN_SYMBOLS = {"num_training_steps": "N", "num_warmup_steps": "W"}


def group_label(result: ScheduleResult, group: int) -> str:
    """A curve's legend label: the schedule's name, its group, and its counts (``N=306, W=10``
    for a transformers schedule)."""
    label = result.name if result.lr.shape[1] == 1 else f"{result.name} [group {group}]"
    if result.shown:
        label += " (" + ", ".join(f"{SHOWN_SYMBOLS.get(k, k)}={v}" for k, v in result.shown) + ")"
    return label


# ----------------------------------------------------------------------------- figure

def figure(results: Sequence[ScheduleResult], *, title: str | None = None, log: bool = False,
           size: tuple[float, float] = DEFAULT_SIZE, dpi: float = DEFAULT_DPI,
           markers: bool | None = None, x: str | None = None):
    """A Figure of every schedule's lr (one colour each; param groups in that colour with
    their own dash), a momentum panel below when any schedule cycles momentum, and faint
    vertical lines at each schedule's phase changes (``markers``; None: up to
    MARKED_SCHEDULES schedules).  A curve that coincides with an earlier one is dashed, so
    both stay visible; a step schedule's last value is drawn to the end of its epoch.
    ``x``: the main x axis, ``epoch`` or ``step`` (None: epochs for specs with units, with
    steps on a second axis; see :func:`x_axis`)."""
    if markers is None:
        markers = len(results) <= MARKED_SCHEDULES
    with _fonts_for([title or ""] + [r.name for r in results]):
        return _figure(results, title, log, size, dpi, markers, x)


def _figure(results, title, log, size, dpi, markers, x=None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_canvas(size, dpi)
    fig = Figure(figsize=size, dpi=dpi, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    if any(r.momentum is not None for r in results):
        lr_ax, mom_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1.25)})
    else:
        lr_ax, mom_ax = fig.subplots(), None
    columns = max(1, round(size[0] * dpi))
    palette = colours(len(results))
    handles = []
    right = 0                                  # where the x axis ends
    drawn_at = {lr_ax: set(), mom_ax: set()}   # a phase change shared by schedules: one line
    label, pers, second = x_axis(results, x)
    for i, (result, colour, per) in enumerate(zip(results, palette, pers)):
        dashed = coincides(result.lr, [r.lr for r in results[:i]])
        lines, right_of = _draw(lr_ax, result.lr, result, colour, columns, dashed, per)
        handles += lines
        right = max(right, right_of)
        if result.momentum is not None:
            earlier = [r.momentum for r in results[:i] if r.momentum is not None]
            right = max(right, _draw(mom_ax, result.momentum, result, colour, columns,
                                     coincides(result.momentum, earlier), per)[1])
        if markers:
            _markers(lr_ax, result, colour, columns, drawn_at[lr_ax], per)
            if result.momentum is not None:
                _markers(mom_ax, result, colour, columns, drawn_at[mom_ax], per)

    last = max((r.epochs / p for r, p in zip(results, pers)), default=1) - 1
    for ax in (lr_ax, mom_ax):
        if ax is not None:
            style_axes(ax)
            ax.set_xlim((0, right) if right > 0 else (-0.5, 0.5))
    bottom = mom_ax if mom_ax is not None else lr_ax
    _epoch_axis(bottom)
    if last <= 0:
        bottom.set_xticks([0])
    bottom.set_xlabel(label)
    if second is not None:
        # the other unit along the top: steps over epochs, or epochs over steps
        k = float(second)
        other = bottom.secondary_xaxis("bottom", functions=(lambda v: v * k, lambda v: v / k)
                                       if label == "epoch" else (lambda v: v / k, lambda v: v * k))
        other.spines["bottom"].set_position(("outward", SECOND_AXIS_OFFSET))
        _epoch_axis(other)
        other.set_xlabel("step" if label == "epoch" else "epoch", fontsize=9, color="0.35")
        other.tick_params(labelsize=8, colors="0.35")
        other.spines["bottom"].set_color("0.6")
    lr_ax.set_ylabel("learning rate")
    if log:
        lr_ax.set_yscale("log", nonpositive="mask")
    else:
        lr_ax.yaxis.set_major_formatter(_formatter(lr_labels))
    if mom_ax is not None:
        mom_ax.set_ylabel(momentum_label(results))
        mom_ax.margins(y=0.12)
    _heading(fig, lr_ax, handles, title)
    return fig


def save(fig, path: str, fmt: str | None = None) -> None:
    """Write ``fig`` to ``path`` atomically; the format comes from the extension unless given."""
    from lrsched.io.output import atomic_open

    fmt = fmt or format_of(path)
    # no timestamps in vector files, so regenerating an unchanged figure changes no bytes
    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt)
    from matplotlib import rc_context

    # TrueType (Type 42) fonts in PDF, as IEEE and ACM require; SVG text stays editable text
    with rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none"}):
        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format=fmt, metadata=metadata)


def _shade(colour, group: int):
    """The schedule's colour for param group ``group``: itself, then lighter and darker."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(colour))
    step = (0.0, 0.35, -0.3, 0.55, -0.5)[group % 5]
    mixed = rgb + (1 - rgb) * step if step >= 0 else rgb * (1 + step)
    return tuple(np.clip(mixed, 0, 1))


def coincides(values: np.ndarray, earlier: Sequence[np.ndarray]) -> int:
    """How many of the ``earlier`` curves ``values`` equals (group 0) on at least SAME_CURVE
    of its epochs: drawn solid, it would hide them (0: none)."""
    count = 0
    for other in earlier:
        n = min(len(values), len(other))
        if n and np.count_nonzero(values[:n, 0] == other[:n, 0]) >= SAME_CURVE * len(values):
            count += 1
    return count


def _draw(ax, values: np.ndarray, result: ScheduleResult, colour, columns: int,
          dashed: int = 0, per: int = 1) -> tuple[list, float]:
    """The lines of ``values`` (one per group), row ``i`` at ``i / per``, and where on the
    x axis they end: a step schedule's last value holds to the end of its row."""
    steps = is_step_like(values)
    lines = []
    for g in range(values.shape[1]):
        y = values[:, g]
        idx = envelope(y, columns)
        x, yy = idx, y[idx]
        if steps:
            x, yy = np.append(idx, len(y)), np.append(y[idx], y[-1])
        if per != 1:
            x = x / per
        style = GROUP_STYLES[g % len(GROUP_STYLES)]
        (line,) = ax.plot(x, yy, color=_shade(colour, g),
                          linestyle=DASHES[(dashed - 1) % 2] if dashed and style == "-" else style,
                          linewidth=1.7 if g == 0 else 1.5,
                          drawstyle="steps-post" if steps else "default",
                          marker="o" if len(y) == 1 else None, markersize=4,
                          label=shortened(group_label(result, g), LABEL_CHARS),
                          solid_joinstyle="round", zorder=3)
        lines.append(line)
    return lines, (len(values) if steps else len(values) - 1) / per


def _markers(ax, result: ScheduleResult, colour, columns: int, drawn_at: set, per: int = 1) -> None:
    if not result.markers or result.epochs < 2:
        return
    at = np.asarray(result.markers, dtype=np.float64)
    # one line per pixel column at most; past MAX_MARKERS they would only tint the panel
    column = np.unique(np.round(at * (columns / result.epochs)), return_index=True)[1]
    at = at[np.sort(column)] / per
    if len(at) > MAX_MARKERS:
        return
    at = [x for x in at.tolist() if x not in drawn_at]
    if not at:
        return
    drawn_at.update(at)
    ax.vlines(at, 0, 1, transform=ax.get_xaxis_transform(), colors=[colour],
              alpha=MARKER_ALPHA, linewidth=0.9, zorder=1, gid=f"markers:{result.name}")


def _epoch_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=(1, 2, 2.5, 5, 10)))
    ax.xaxis.set_major_formatter(_formatter(epoch_labels))


def _formatter(labels):
    """A tick Formatter that labels all ticks together (``labels(values) -> [str]``), so one
    axis gets one notation."""
    from matplotlib.ticker import Formatter

    class _Labels(Formatter):
        def __call__(self, x, pos=None):
            return labels(np.array([x]))[0]

        def format_ticks(self, values):
            return labels(np.asarray(values, dtype=np.float64)) if len(values) else []

    return _Labels()


def epoch_labels(values: np.ndarray) -> list[str]:
    """Whole epochs; on an axis reaching 10,000, thousands as 2k, 250k and millions as 1M,
    2.5M, so a million-epoch axis stays readable."""
    big = np.max(np.abs(values)) >= 10_000
    out = []
    for v in np.round(values).astype(np.int64).tolist():
        if big and abs(v) >= 1_000_000:
            out.append(f"{v / 1_000_000:.6g}M")
        elif big and abs(v) >= 1_000:
            out.append(f"{v / 1_000:.6g}k")
        else:
            out.append(f"{v:d}")
    return out


def lr_labels(values: np.ndarray) -> list[str]:
    """Learning rates: decimals with the places the ticks need (0.000, 0.0025, ... 0.01 as
    0.0100), or 2e-5 style when every tick is below 1e-3; zero is 0."""
    top = float(np.max(np.abs(values)))
    if top == 0:
        return ["0"] * len(values)
    spacing = float(np.min(np.abs(np.diff(values)))) if len(values) > 1 else top
    tol = 1e-6 * (spacing or top)
    if top < 1e-3:
        def text(v, p):
            mantissa, exponent = f"{v:.{p}e}".split("e")
            return f"{mantissa}e{int(exponent)}"
    else:
        def text(v, p):
            return f"{v:.{p}f}"
    for places in range(0, 12):
        labels = [text(v, places) for v in values.tolist()]
        if all(abs(float(t) - v) <= tol for t, v in zip(labels, values.tolist())):
            break
    return ["0" if v == 0 else t for t, v in zip(labels, values.tolist())]


def _heading(fig, ax, handles, title: str | None) -> None:
    """Title at the top left; the legend above the axes, right-aligned, in at most
    LEGEND_ROWS rows: beside the title when both fit, else under it; when no such legend
    fits the width, a column right of the axes.  Never over the data.

    Widths are measured with the canvas's renderer; the axes' width is the figure's less
    the room its y labels take (the layout engine settles the rest).
    """
    style = dict(frameon=False, fontsize=9, handlelength=2.2, labelcolor="0.15")
    renderer = fig.canvas.get_renderer()
    room = (fig.get_figwidth() - AXES_MARGIN) * fig.dpi
    one_curve = len(handles) == 1 and handles[0].get_label() == title
    heading = ax.set_title(title, loc="left", pad=8, **TITLE_STYLE) if title else None
    if heading is not None:
        title = fit_width(heading, room)
    if not handles or one_curve:
        return                                       # the title names the one curve
    title_width = heading.get_window_extent(renderer).width + 16 if heading else 0
    fallback = None
    for ncols in range(min(len(handles), 8), 0, -1):
        if -(-len(handles) // ncols) > LEGEND_ROWS:
            break
        legend = ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1, 1), ncols=ncols,
                           borderaxespad=0.2, columnspacing=1.4, handletextpad=0.5, **style)
        box = legend.get_window_extent(renderer)
        if box.width + title_width <= room:
            return                                   # beside the title
        if fallback is None and box.width <= room:
            fallback = ncols, box.height
    if fallback is not None:                         # its own rows, the title above them
        ncols, height = fallback
        ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1, 1), ncols=ncols,
                  borderaxespad=0.2, columnspacing=1.4, handletextpad=0.5, **style)
        if title:
            ax.set_title(title, loc="left", pad=height * 72 / fig.dpi + 6, **TITLE_STYLE)
        return
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    side = fig.legend(handles=handles, loc="outside right upper", **style)
    if side.get_window_extent(renderer).width <= SIDE_LEGEND_MAX * fig.get_figwidth() * fig.dpi:
        return
    # long labels: a column would squeeze the axes; rows under them instead
    side.remove()
    fit_legend(fig, handles, min(len(handles), 8), columnspacing=1.4, handletextpad=0.5, **style)


class MissingGlyphsWarning(UserWarning):
    """Text in a figure has characters no installed font can draw (they show as boxes)."""


def _fonts_for(texts):
    """A matplotlib rc context whose font list reaches the characters of ``texts`` (CJK,
    emoji...) through installed fonts that have them; a MissingGlyphsWarning names those
    that no installed font has."""
    from matplotlib import font_manager, rc_context, rcParams

    wanted = {c for t in texts for c in t if ord(c) > 0x2FF}
    if not wanted:
        return rc_context()
    families = list(rcParams["font.family"])
    primary = font_manager.findfont(font_manager.FontProperties(family=families))
    missing = wanted - set(_charmap(primary))
    extra = []
    if missing:
        for entry in font_manager.fontManager.ttflist:
            if entry.name.startswith("Last Resort"):   # its glyphs are the boxes themselves
                continue
            covered = missing & set(_charmap(entry.fname))
            if covered and entry.name not in extra:
                extra.append(entry.name)
                missing -= covered
            if not missing:
                break
    if missing:
        import warnings

        warnings.warn(MissingGlyphsWarning(
            "no installed font has " + " ".join(sorted(missing)) + "; they are drawn as boxes"))
    if not extra:
        return rc_context()
    sans = list(rcParams["font.sans-serif"])
    return rc_context({"font.family": ["sans-serif"], "font.sans-serif": sans[:1] + extra + sans[1:]})


def _charmap(path: str) -> list:
    from matplotlib.ft2font import FT2Font

    try:
        return [chr(c) for c in FT2Font(path).get_charmap()]
    except (OSError, RuntimeError, ValueError):
        return []


def fit_width(text, room: float) -> str:
    """Wrap the text artist ``text`` onto lines no wider than ``room`` pixels (a title wider
    than its figure); returns the text it now holds."""
    import textwrap

    renderer = text.figure.canvas.get_renderer()
    content = text.get_text()
    for _ in range(8):
        width = text.get_window_extent(renderer).width
        if width <= room:
            break
        longest = max(map(len, content.splitlines()))
        content = textwrap.fill(" ".join(content.split()), max(8, int(longest * room / width) - 1))
        text.set_text(content)
    return content


def fit_legend(fig, handles, ncols: int, **style):
    """A legend below the axes (``outside lower center``) in at most ``ncols`` columns,
    fewer until it fits the figure's width."""
    renderer = fig.canvas.get_renderer()
    for n in range(max(1, ncols), 0, -1):
        legend = fig.legend(handles=handles, loc="outside lower center", ncols=n, **style)
        if n == 1 or legend.get_window_extent(renderer).width <= fig.bbox.width:
            return legend
        legend.remove()


def title_of(fig) -> str:
    """The figure's title."""
    return fig.axes[0].get_title(loc="left")
