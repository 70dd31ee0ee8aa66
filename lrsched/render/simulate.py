"""A simulation as text (a rich table, a fixed-width plain table, JSON) and as a figure.

Pure: every function returns text, a rich renderable or a :class:`matplotlib.figure.Figure`
(Agg canvas, no pyplot); the command prints or saves it.  matplotlib is imported inside
:func:`figure` only, so ``lrsched simulate`` without ``-o`` never pays for it.

Table columns, one row per run: the optimizer (with any keyword that differs from torch's
default), its lr, the final point and loss, the distance to the nearest global minimum,
the first step where ``f - f_min`` drops below 1e-3 and 1e-6, and whether (and at which
step) the run diverged.
"""

from __future__ import annotations

import json
import math
import re
from typing import Sequence

import numpy as np

from lrsched.functions import TestFunction
from lrsched.optim import get_optimizer
from lrsched.render.style import shortened
from lrsched.simulate.results import SimulationResult

__all__ = [
    "display_name", "first_lr", "legend_label", "caption", "figure_title", "divergence_summary",
    "table_rows", "plain_text",
    "rich_table", "json_text", "run_colours",
    "functions_rows", "functions_plain", "functions_rich", "functions_json", "figure",
    "LOSS_FLOOR", "MAX_PATH_POINTS",
]

COLUMNS = ("optimizer", "lr", "x", "y", "f", "dist", "<1e-3", "<1e-6", "diverged")
LOSS_FLOOR = 1e-16          # f - f_min is drawn clipped here (relative to max(1, |f_min|))
MAX_PATH_POINTS = 5000      # per trajectory drawn; longer paths are evenly thinned
GRID = 320                  # contour grid points per side
# the contour map's colours, lowest f first: a muted slate valley rising to near-white
TERRAIN = ("#7d8fa3", "#b4c0cc", "#dde3e9", "#f4f6f8")
NEVER = "-"
LEGEND = ("<1e-3, <1e-6: first step with f - f_min below that; diverged: the step it did; "
          "dist: distance to the nearest minimum")


# ----------------------------------------------------------------------------- names

def _num(value: float) -> str:
    """A number for a table or label: 6 significant digits, compact exponent, ``-0`` as 0."""
    return _short(value, 6)


def _short(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, exponents without ``+`` or leading zeros
    (``1.99e4``, ``3.2e-7``), so columns stay narrow."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return "0" if text == "-0" else text


def _keyword_text(value) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_keyword_text(v) for v in value) + ")"
    if isinstance(value, float):
        return _num(value)
    return str(value)


def display_name(result: SimulationResult, run: int) -> str:
    """The run's optimizer as a table shows it: a label the user gave, else the class name
    with every keyword that differs from torch's default (``Adam(betas=(0.3,0.9))``)."""
    label = result.labels[run]
    name = result.optimizers[run]
    if label and not re.fullmatch(re.escape(name) + r" lr=\S+", label):
        return label
    defaults = get_optimizer(name).defaults
    changed = [f"{k}={_keyword_text(v)}" for k, v in result.hyper[run].items()
               if k != "lr" and k in defaults and v != defaults[k]]
    return f"{name}({','.join(changed)})" if changed else name


def first_lr(result: SimulationResult, run: int) -> float:
    """The lr of the run's first step: the constructor's, unless a scheduler set another
    when it was built (CyclicLR's base_lr, OneCycleLR's max_lr / div_factor...)."""
    return float(result.lr[0, run]) if result.steps else float(result.base_lr[run])


def legend_label(result: SimulationResult, run: int) -> str:
    return f"{display_name(result, run)} lr={_num(first_lr(result, run))}"


def _point(p) -> str:
    return f"({_num(p[0])}, {_num(p[1])})"


def caption(result: SimulationResult) -> str:
    """``rosenbrock from (-1.2, 1), 2000 steps, f_min = 0``; starts and resumed steps noted."""
    f = result.function
    f_min = "no minimum" if f.f_min is None else f"f_min = {_num(f.f_min)}"
    offsets = sorted({int(o) for o in result.step_offset})
    if offsets != [0]:   # row 0 is where each run was saved, not where it started
        if len(offsets) == 1:
            steps = f"steps {offsets[0]} to {offsets[0] + result.steps}"
        else:
            steps = f"{result.steps} more steps"
        return f"{f.name}, resumed: {steps}, {f_min}"
    starts = list(dict.fromkeys(tuple(map(float, result.path[0, i])) for i in range(result.n_runs)))
    where = _point(starts[0]) if len(starts) == 1 else f"{len(starts)} starts"
    return f"{f.name} from {where}, {result.steps} steps, {f_min}"


TITLE_NAMES_CHARS = 60      # the names in an automatic title, at most
LABEL_ROOM = 60             # an optimizer's name in the rich table, at most


def figure_title(result: SimulationResult, scheduler: str | None = None) -> str:
    """``Adam, RAdam, AdamW on rosenbrock (lr 0.005, 2000 steps)``: at most four names, then
    the lr (or how many lrs, or the ``scheduler`` class that drove them)."""
    names = list(dict.fromkeys(display_name(result, i) for i in range(result.n_runs)))
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    if len(shown) > TITLE_NAMES_CHARS:      # long labels: say how many instead
        shown = f"{len(names)} optimizers" if len(names) > 1 else shortened(names[0], TITLE_NAMES_CHARS)
    lrs = sorted(set(result.base_lr.tolist()))
    lr_text = f"lr {lrs[0]:g}" if len(lrs) == 1 else f"{len(lrs)} lrs"
    if scheduler is not None:
        lr_text = scheduler
    return f"{shown} on {result.function.name} ({lr_text}, {result.steps} steps)"


def divergence_summary(result: SimulationResult) -> str | None:
    """``1 of 2 runs diverged (RAdam lr=0.01 at step 3)``, naming the first five; None when
    no run diverged."""
    bad = [i for i in range(result.n_runs) if result.diverged[i]]
    if not bad:
        return None
    which = "; ".join(f"{legend_label(result, i)} at step {int(result.diverged_step[i])}"
                      for i in bad[:5]) + ("; ..." if len(bad) > 5 else "")
    return f"{len(bad)} of {result.n_runs} runs diverged ({which})"


# ----------------------------------------------------------------------------- rows

def table_rows(result: SimulationResult) -> list[dict]:
    """One dict of display strings per run, keyed by :data:`COLUMNS` (plus ``final lr``
    when a schedule moved the lr), and ``_diverged``/``_converged`` flags for styling."""
    rows = []
    scheduled = _scheduled(result)
    for i in range(result.n_runs):
        s = result.summary(i)
        row = {
            "optimizer": display_name(result, i),
            "lr": _num(s.lr),
            "x": _short(s.final[0], 5),
            "y": _short(s.final[1], 5),
            "f": _short(s.final_loss, 4),
            "dist": NEVER if s.distance_to_minimum is None else _short(s.distance_to_minimum, 3),
            "<1e-3": NEVER if s.steps_to_1e3 is None else str(s.steps_to_1e3),
            "<1e-6": NEVER if s.steps_to_1e6 is None else str(s.steps_to_1e6),
            "diverged": str(s.diverged_step) if s.diverged else NEVER,
            "_diverged": s.diverged,
            "_converged": s.steps_to_1e6 is not None,
        }
        if scheduled:
            row["first lr"] = _num(first_lr(result, i))
            row["final lr"] = _num(float(result.state_dict(i)["param_groups"][0]["lr"]))
        rows.append(row)
    return rows


def _scheduled(result: SimulationResult) -> bool:
    """True when some run's lr changed during the simulation (a schedule drove it)."""
    return result.lr.size > 0 and bool(np.any(result.lr != result.base_lr[None, :]))


def _columns(result: SimulationResult) -> tuple[str, ...]:
    if _scheduled(result):   # the constructor's lr matters less than what was in force
        return COLUMNS[:1] + ("first lr", "final lr") + COLUMNS[2:]
    return COLUMNS


def plain_text(result: SimulationResult) -> str:
    """A fixed-width table: a ``# caption`` line, a header, one line per run; columns
    separated by two spaces, cells never empty and without spaces (``-`` for never), so
    ``awk``/``grep`` work on it (a label the user gave keeps its spaces)."""
    columns = _columns(result)
    rows = table_rows(result)
    cells = [list(columns)] + [[r[c] for c in columns] for r in rows]
    widths = [max(len(line[k]) for line in cells) for k in range(len(columns))]
    lines = [f"# {caption(result)}"]
    for line in cells:
        parts = [line[0].ljust(widths[0])] + [v.rjust(w) for v, w in zip(line[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def rich_table(result: SimulationResult, width: int | None = None):
    """The same table as a rich renderable: diverged runs red, runs that reached
    ``f - f_min < 1e-6`` green, the caption under it.  Fitted to ``width`` columns of text
    without ever cutting a number: the optimizer names are shortened (in the middle) first,
    then the numeric columns are split over several tables."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table

    rows = table_rows(result)
    columns = _columns(result)
    numeric = columns[1:]
    cells = {c: max(len(r[c]) for r in rows) for c in numeric}
    need = {c: max(cells[c], min(len(c), 8)) for c in numeric}     # a header may fold
    longest = max(len(r["optimizer"]) for r in rows)
    label = min(max(len("optimizer"), longest), LABEL_ROOM)
    parts = [list(numeric)]
    if width is not None:
        def total(cols, name_width):
            return name_width + sum(need[c] + 2 for c in cols)

        label = max(min(longest, width - total(numeric, 0)), 12)
        if total(numeric, label) > width:          # even short names leave no room: split
            parts, current = [], []
            for c in numeric:
                if current and total(current + [c], label) > width:
                    parts.append(current)
                    current = []
                current.append(c)
            parts.append(current)
    tables = []
    for part in parts:
        table = Table(header_style="bold", box=None, pad_edge=False)
        table.add_column("optimizer", justify="left", style="bold", no_wrap=True, width=label)
        for name in part:
            table.add_column(name, justify="right", no_wrap=False, overflow="fold",
                             width=need[name], min_width=cells[name])
        for row in rows:
            style = "red" if row["_diverged"] else ("green" if row["_converged"] else None)
            table.add_row(escape(shortened(row["optimizer"], label)), *(escape(row[c]) for c in part),
                          style=style)
        tables.append(table)
    tables[-1].caption = escape(caption(result) + ". " + LEGEND)
    tables[-1].caption_justify = "left"
    return tables[0] if len(tables) == 1 else Group(*tables)


def json_text(result: SimulationResult, schedules: bool = False) -> str:
    """SPEC's JSON: a list with one object per run, ``{"optimizer", "lr", "path": [[x, y]
    per step 0..N], "loss": [...]}`` plus the summary (``label``, ``diverged_step``,
    ``steps_to_1e3``, ``steps_to_1e6``, ``distance_to_minimum``); with ``schedules``, also
    ``lr_per_step`` (the lr of steps 1..N) and ``momentum_per_step`` (null when not cycled).
    One object per line; floats as ``repr``, so they round-trip; inf and NaN (a loss that
    overflows) as null."""
    records = result.records()
    if schedules:
        for i, record in enumerate(records):
            record["lr_per_step"] = result.lr[:, i].tolist()
            mom = None if result.momentum is None else result.momentum[:, i]
            record["momentum_per_step"] = (None if mom is None or np.all(np.isnan(mom))
                                           else mom.tolist())
    if not (np.isfinite(result.path).all() and np.isfinite(result.loss).all()):
        records = [_finite_or_null(r) for r in records]
    body = ",\n".join(json.dumps(r, allow_nan=False) for r in records)
    return "[\n" + body + "\n]\n"


def _finite_or_null(value):
    """JSON has no inf or NaN: such values (a loss that overflows far outside the domain)
    are written as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite_or_null(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    return value


# ----------------------------------------------------------------------------- --list

def _interval(lo: float, hi: float) -> str:
    return f"[{_num(lo)}, {_num(hi)}]"


def functions_rows(functions: Sequence[TestFunction]) -> list[dict]:
    """Display strings per test function (``square``: the domain, ``[-5, 5]²`` if square)."""
    rows = []
    for f in functions:
        (x0, x1), (y0, y1) = f.domain
        domain = f"{_interval(x0, x1)} x {_interval(y0, y1)}"
        rows.append({
            "name": f.name,
            "domain": domain,
            "square": f"{_interval(x0, x1)}²" if (x0, x1) == (y0, y1) else domain,
            "start": _point(f.start),
            "lr": _num(f.lr),
            "f_min": NEVER if f.f_min is None else f"{f.f_min:.6g}",
            "minima": [f"({p[0]:.4g}, {p[1]:.4g})" for p in f.minima] or ["none"],
            "description": f.description,
        })
    return rows


def functions_plain(functions: Sequence[TestFunction]) -> str:
    """One line per function (greppable): name, domain, start, suggested lr, f_min, minima."""
    cols = ("name", "domain", "start", "lr", "f_min", "minima")
    cells = [list(cols)] + [[r[c] if c != "minima" else " ".join(r[c]) for c in cols]
                            for r in functions_rows(functions)]
    widths = [max(len(line[k]) for line in cells) for k in range(len(cols))]
    return "".join("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() + "\n"
                   for line in cells)


def functions_rich(functions: Sequence[TestFunction]):
    """Two tables that fit 80 columns: where each function lives (domain, start, suggested
    lr, minima one per line), then what it is (f_min and a description)."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    rows = functions_rows(functions)
    where = Table(title="Test functions (lrsched simulate FUNCTION)", title_justify="left",
                  header_style="bold", box=None, pad_edge=False)
    for name in ("name", "domain", "start", "lr", "global minima"):
        where.add_column(name, style="bold cyan" if name == "name" else None, no_wrap=True,
                         justify="right" if name == "lr" else "left")
    for r in rows:
        where.add_row(r["name"], escape(r["square"]), escape(r["start"]), r["lr"],
                      escape("\n".join(r["minima"])))
    what = Table(header_style="bold", box=None, pad_edge=False)
    what.add_column("name", style="bold cyan", no_wrap=True)
    what.add_column("f_min", justify="right", no_wrap=True)
    what.add_column("what it is", style="dim")
    for r in rows:
        what.add_row(r["name"], r["f_min"], escape(r["description"]))
    note = Text("start: the default of --start; lr: the suggested learning rate, the default of "
                "--lr", style="dim")
    return Group(where, Text(""), what, Text(""), note)


def functions_json(functions: Sequence[TestFunction]) -> str:
    out = [{"name": f.name, "domain": [list(f.domain[0]), list(f.domain[1])],
            "start": list(f.start), "minima": [list(p) for p in f.minima], "f_min": f.f_min,
            "lr": f.lr, "description": f.description} for f in functions]
    return json.dumps(out, indent=1) + "\n"


# ----------------------------------------------------------------------------- figure

def run_colours(result: SimulationResult) -> list:
    """One colour per run: each optimizer (as displayed) its palette hue, its lrs from dark
    (smallest) to light shades of it; more than the palette's optimizers: one per run."""
    from lrsched.render.style import PALETTE, colours

    names = [display_name(result, i) for i in range(result.n_runs)]
    order = list(dict.fromkeys(names))
    if len(order) > len(PALETTE):
        return list(colours(result.n_runs))
    from matplotlib.colors import to_rgb

    out = [None] * result.n_runs
    for k, name in enumerate(order):
        # darker for smaller lrs, whatever order they were given in
        members = sorted((i for i, n in enumerate(names) if n == name),
                         key=lambda i: (first_lr(result, i), i))
        base = np.array(to_rgb(PALETTE[k]))
        shifts = np.linspace(-0.45, 0.5, len(members)) if len(members) > 1 else [0.0]
        for i, t in zip(members, shifts):
            mixed = base + (1 - base) * t if t >= 0 else base * (1 + t)
            out[i] = tuple(np.clip(mixed, 0, 1))
    return out


def _view(result: SimulationResult) -> tuple[tuple[float, float], tuple[float, float]]:
    """The contour map's box: the function's domain, grown to hold every run that did not
    diverge (with a margin), but never past three times the domain."""
    (x0, x1), (y0, y1) = result.function.domain
    keep = ~result.diverged
    if keep.any():
        pts = result.path[:, keep].reshape(-1, 2)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        if len(pts):
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            wx, wy = x1 - x0, y1 - y0
            pad = 0.04
            x0, x1 = min(x0, lo[0] - pad * wx), max(x1, hi[0] + pad * wx)
            y0, y1 = min(y0, lo[1] - pad * wy), max(y1, hi[1] + pad * wy)
            (d0, d1), (e0, e1) = result.function.domain
            cx, cy, hx, hy = (d0 + d1) / 2, (e0 + e1) / 2, 1.5 * (d1 - d0), 1.5 * (e1 - e0)
            x0, x1 = max(x0, cx - hx), min(x1, cx + hx)
            y0, y1 = max(y0, cy - hy), min(y1, cy + hy)
    return (float(x0), float(x1)), (float(y0), float(y1))


def _thin(n: int) -> np.ndarray:
    if n <= MAX_PATH_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_PATH_POINTS).round().astype(np.int64))


def _gap(result: SimulationResult) -> tuple[np.ndarray, float | None]:
    """``f - f_min`` per row and run (f itself, shifted to its smallest value, when the
    function has no minimum), and the floor the loss panel clips it at (None: linear)."""
    f = result.function
    if f.f_min is None:
        return result.loss, None
    floor = LOSS_FLOOR * max(1.0, abs(f.f_min))
    return np.maximum(result.loss - f.f_min, floor), floor


def _log_lr(lr: np.ndarray) -> bool:
    """A log lr axis for lrs that differ by more than 30x between runs (an lr sweep) or
    over more than three decades within one (long decays); linear otherwise (cycles)."""
    if not lr.size or np.any(lr <= 0):
        return False
    between = np.median(lr, axis=0)
    return bool(between.max() / between.min() > 30 or np.any(lr.max(axis=0) / lr.min(axis=0) > 1000))


def _few_decades(ax, values: np.ndarray) -> None:
    """A log axis spanning under two decades gets plain labels (``4``, ``6``, ``20``) on
    its minor ticks too, instead of matplotlib's ``6 x 10^0``."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    shown = values[np.isfinite(values) & (values > 0)]
    if not shown.size or shown.max() / shown.min() >= 100:
        ax.yaxis.set_minor_formatter(NullFormatter())
        return
    crowded = shown.max() / shown.min() >= 4   # then only 2, 3 and 5 (x 10^k) on minor ticks

    def minor(v, pos=None):
        mantissa = round(v / 10 ** math.floor(math.log10(v) + 1e-9), 6) if v > 0 else 0
        return f"{v:g}" if not crowded or mantissa in (2, 3, 5) else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, pos=None: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))
    ax.tick_params(axis="y", which="minor", labelsize=9, labelcolor="0.2")


def momentum_name(result: SimulationResult) -> str:
    """What the cycled momentum is called: ``beta1`` (the Adam family), ``momentum``, or both."""
    names = sorted({"beta1" if get_optimizer(result.optimizers[i]).momentum_key == "betas" else "momentum"
                    for i in range(result.n_runs) if not np.all(np.isnan(result.momentum[:, i]))})
    return " / ".join(names)


def _legend_columns(result: SimulationResult) -> int:
    """One column per optimizer when each has the same number of runs (legends fill column
    by column, so each column then lists one optimizer's lrs); else up to four."""
    names = [display_name(result, i) for i in range(result.n_runs)]
    counts = {n: names.count(n) for n in names}
    if len(set(counts.values())) == 1 and len(counts) <= 6 and list(dict.fromkeys(names)) == [
            names[i] for i in range(0, len(names), len(names) // len(counts))]:
        return len(counts)
    return min(result.n_runs, 4)


def figure(result: SimulationResult, *, title: str | None = None,
           size: tuple[float, float] = (12.0, 5.4), dpi: float = 150):
    """Left: a log-spaced contour map of the function with every run's path (thin line,
    hollow start, filled end; a diverged run ends in an x and says so in the legend) and
    the global minima (stars).  Right: ``f - f_min`` (log, clipped at a floor) against step,
    and the lr against step below it (shared step axis).

    Lines carry ``gid``s for tests and tools: ``path:i``, ``loss:i``, ``lr:i`` (run ``i``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap, LogNorm
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from lrsched.render.plot import LABEL_CHARS, check_canvas, envelope, fit_legend, fit_width
    from lrsched.render.style import INK, TITLE_STYLE, style_axes

    check_canvas(size, dpi)
    fn = result.function
    fig = Figure(figsize=size, dpi=dpi, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    constant_lr = result.steps == 0 or bool(np.all(result.lr == result.lr[:1]))
    # a constant lr needs a strip, not a third of the figure
    grid = fig.add_gridspec(2, 2, width_ratios=(1.0, 1.08), height_ratios=(2.1, 0.45 if constant_lr else 1.0))
    ax_map = fig.add_subplot(grid[:, 0])
    ax_loss = fig.add_subplot(grid[0, 1])
    ax_lr = fig.add_subplot(grid[1, 1], sharex=ax_loss)
    colours = run_colours(result)

    # --- contour map ----------------------------------------------------------------
    (x0, x1), (y0, y1) = _view(result)
    X, Y = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    with np.errstate(all="ignore"):
        Z = fn.value(X, Y)
    base = fn.f_min if fn.f_min is not None else float(np.nanmin(Z))
    Z = Z - base
    top = float(np.nanmax(Z))
    positive = Z[np.isfinite(Z) & (Z > 0)]
    if top > 0 and positive.size:
        # a small offset keeps the basin's floor on the scale: levels from the lowest
        # percentile of the grid (or 1e-9 of the range) to the top, evenly in log
        low = max(float(np.percentile(positive, 0.3)), top * 1e-9)
        Z = np.clip(Z, low, top)
        levels = np.geomspace(low, top, 26)
        cmap = LinearSegmentedColormap.from_list("lrsched-terrain", TERRAIN)
        ax_map.contourf(X, Y, Z, levels=levels, norm=LogNorm(low, top), cmap=cmap, zorder=0,
                        antialiased=True)
        ax_map.contour(X, Y, Z, levels=levels[::2], norm=LogNorm(low, top), colors="white",
                       linewidths=0.55, alpha=0.9, zorder=1)
    starts = set()
    idx = _thin(result.steps + 1)
    handles = []
    for i in range(result.n_runs):
        colour = colours[i]
        p = result.path[idx, i]
        ax_map.plot(p[:, 0], p[:, 1], color=colour, linewidth=1.15, alpha=0.95, zorder=3,
                    gid=f"path:{i}", solid_joinstyle="round", solid_capstyle="round")
        starts.add(tuple(result.path[0, i]))
        end = result.path[-1, i]
        label = shortened(legend_label(result, i), LABEL_CHARS)
        if result.diverged[i]:
            ax_map.plot([end[0]], [end[1]], marker="X", markersize=9, color=colour,
                        markeredgecolor="white", markeredgewidth=0.8, zorder=5, linestyle="none")
            label += f" (diverged at step {int(result.diverged_step[i])})"
            marker = "X"
        else:
            ax_map.plot([end[0]], [end[1]], marker="o", markersize=5.5, color=colour,
                        markeredgecolor="white", markeredgewidth=0.8, zorder=5, linestyle="none")
            marker = None
        handles.append(Line2D([], [], color=colour, linewidth=1.8, marker=marker, markersize=7,
                              markeredgecolor="white", label=label))
    for sx, sy in starts:
        ax_map.plot([sx], [sy], marker="o", markersize=7.5, markerfacecolor="white",
                    markeredgecolor="0.15", markeredgewidth=1.3, zorder=6, linestyle="none",
                    gid="start")
    if fn.minima:
        mx, my = zip(*fn.minima)
        ax_map.plot(mx, my, marker="*", markersize=14, color="#FFD700", markeredgecolor="0.1",
                    markeredgewidth=0.9, linestyle="none", zorder=7, gid="minima")
    ax_map.set_xlim(x0, x1)
    ax_map.set_ylim(y0, y1)
    ax_map.set_aspect("auto")
    ax_map.set_xlabel("x")
    ax_map.set_ylabel("y")
    style_axes(ax_map)
    ax_map.grid(False)
    formula = fn.description.split(":")[0]
    ax_map.set_title(f"{fn.name}: {formula}", loc="left", pad=6, **TITLE_STYLE)

    # --- loss and lr against step -----------------------------------------------------
    gap, floor = _gap(result)
    columns = max(1, round(size[0] * dpi / 2))
    for i in range(result.n_runs):
        offset = int(result.step_offset[i])
        last = result.steps + 1
        if result.diverged[i]:
            last = max(1, int(result.diverged_step[i]) - offset)  # frozen after that
        y = gap[:last, i]
        k = envelope(y, columns)
        ax_loss.plot(offset + k, y[k], color=colours[i], linewidth=1.3, gid=f"loss:{i}",
                     zorder=3)
        if result.diverged[i]:
            ax_loss.plot([offset + last - 1], [y[-1]], marker="X", markersize=8,
                         color=colours[i], markeredgecolor="white", linestyle="none", zorder=4)
        if result.steps:
            lr = result.lr[:, i]
            k = envelope(lr, columns)
            ax_lr.plot(offset + k, lr[k], color=colours[i], linewidth=1.3, gid=f"lr:{i}",
                       zorder=3, drawstyle="steps-post")
    if floor is not None:
        ax_loss.set_yscale("log")
        _few_decades(ax_loss, gap)
        ax_loss.set_ylabel("f − f_min")
        if np.any(gap <= floor):   # runs that reached the floor: show where it is
            ax_loss.axhline(floor, color="0.6", linewidth=0.8, linestyle=":", zorder=1)
    else:
        ax_loss.set_yscale("symlog", linthresh=1e-3)
        ax_loss.set_ylabel("f")
    if _log_lr(result.lr):
        ax_lr.set_yscale("log")
    else:
        ax_lr.margins(y=0.15)
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("step")
    cycled = result.momentum is not None and not np.all(np.isnan(result.momentum))
    if cycled:   # the momentum (or beta1) a scheduler cycles, on the lr panel's right axis
        ax_mom = ax_lr.twinx()
        for i in range(result.n_runs):
            mom = result.momentum[:, i]
            if not np.all(np.isnan(mom)):
                k = envelope(mom, columns)
                ax_mom.plot(int(result.step_offset[i]) + k, mom[k], color=colours[i], linewidth=1.0,
                            linestyle=(0, (2, 1.5)), gid=f"momentum:{i}", zorder=2, drawstyle="steps-post")
        ax_mom.set_ylabel(momentum_name(result) + " (dotted)")
        style_axes(ax_mom)
        ax_mom.spines["right"].set_visible(True)
        ax_mom.grid(False)
    first = int(result.step_offset.min())
    ax_loss.set_xlim(first, first + max(result.steps, 1))
    for ax in (ax_loss, ax_lr):
        style_axes(ax)
    ax_loss.tick_params(labelbottom=False)
    ax_loss.set_title("loss" if floor is None else "loss above the minimum",
                      loc="left", pad=6, **TITLE_STYLE)

    if title:
        fit_width(fig.suptitle(title, x=0.01, ha="left", fontsize=12.5, color="0.1"), fig.bbox.width * 0.98)
    style = dict(frameon=False, fontsize=8.5, labelcolor="0.15", handlelength=2.0)
    if len(handles) <= 24:
        fit_legend(fig, handles, _legend_columns(result), columnspacing=1.6, handletextpad=0.6, **style)
    else:   # one entry per optimizer, in the middle shade of its lrs
        names = [display_name(result, i) for i in range(result.n_runs)]
        order = list(dict.fromkeys(names))
        if len(order) <= 8:
            keys = []
            for name in order:
                members = [i for i, n in enumerate(names) if n == name]
                keys.append(Line2D([], [], color=colours[members[len(members) // 2]],
                                   linewidth=2.2, label=f"{name} ({len(members)} runs)"))
            fig.legend(handles=keys, loc="outside lower center", ncols=min(len(keys), 4),
                       title=f"{result.n_runs} runs; darker: smaller lr", title_fontsize=8.5,
                       columnspacing=1.6, handletextpad=0.6, **style)
        else:
            ax_map.text(0.01, -0.12, f"{result.n_runs} runs (too many for a legend)",
                        transform=ax_map.transAxes, fontsize=8.5, color=INK)
    return fig
