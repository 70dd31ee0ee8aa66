"""The look of lrsched's output, shared by every figure and table: palette, ink, axes style,
and how a long label is shortened.

Nothing here imports matplotlib until a figure needs it."""

from __future__ import annotations

# Okabe & Ito's colour-blind-safe palette (yellow swapped for a dark grey, which reads on white)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#444444", "#8C564B")
GROUP_STYLES = ("-", "--", ":", "-.")
INK = "0.25"                   # axes, ticks and labels: dark grey, softer than black
TITLE_STYLE = {"fontsize": 11.5, "color": "0.1"}
MARKER_ALPHA = 0.28


def colours(n: int):
    """``n`` distinguishable colours: the palette, then tab20 (dark shades first)."""
    if n <= len(PALETTE):
        return PALETTE[:n]
    from matplotlib import colormaps

    # tab20 comes in dark/light pairs: all the dark ones first, so neighbours differ
    tab20 = colormaps["tab20"].colors
    ordered = tab20[0::2] + tab20[1::2]
    return [ordered[i % len(ordered)] for i in range(n)]


def style_axes(ax) -> None:
    """Light axes: no top and right spines, grey ink and grid, small ticks."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(INK)
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(colors=INK, labelcolor="0.2", labelsize=9, width=0.8, length=3.5)
    ax.grid(True, color="0.9", linewidth=0.7)
    ax.set_axisbelow(True)
    ax.xaxis.label.set(color="0.15", fontsize=10)
    ax.yaxis.label.set(color="0.15", fontsize=10)


def shortened(label: str, room: int) -> str:
    """``label`` cut in the middle to ``room`` characters, keeping its start and end, which
    tell similar names apart."""
    if len(label) <= room or room < 5:
        return label
    head = (room - 1) // 2
    return label[:head] + "\u2026" + label[len(label) - (room - 1 - head):]
