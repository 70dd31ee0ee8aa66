"""Figures ready for a paper: nothing clipped, every curve visible, fonts embedded, names told
apart.  The figures are read as data (artists and their extents), not as pixels."""

from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import ROOT, run_cli
from lrsched.engine import compute
from lrsched.render import plot as render
from lrsched.spec import load_spec

LONG = "a-schedule-with-a-really-quite-long-descriptive-name-{}"


@pytest.fixture
def drawn(monkeypatch):
    """The figures the commands build, in order."""
    figures = []
    real = render.figure

    def keep(*args, **kwargs):
        fig = real(*args, **kwargs)
        figures.append(fig)
        return fig

    monkeypatch.setattr(render, "figure", keep)
    return figures


def texts_inside(fig) -> list:
    """The drawn texts of ``fig`` that leave the figure (its tight box, which holds every
    artist drawn, must lie inside the canvas)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)          # inches
    width, height = fig.get_size_inches()
    if tight.x0 >= -0.01 and tight.y0 >= -0.01 and tight.x1 <= width + 0.01 and tight.y1 <= height + 0.01:
        return []
    out = []
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            box = text.get_window_extent(renderer)
            if box.x0 < 0 or box.y0 < 0 or box.x1 > fig.bbox.width or box.y1 > fig.bbox.height:
                out.append((text.get_text(), tuple(round(v) for v in box.extents)))
    return out or [("(an artist)", tuple(tight.extents))]


def spec_of_many(n: int, name=LONG) -> str:
    entries = "".join(f"  - name: {name.format(i)}\n    scheduler: {{type: ExponentialLR, gamma: {0.9 - i / 100}}}\n"
                      for i in range(n))
    return f"lr: 0.1\nepochs: 30\nschedules:\n{entries}"


@pytest.mark.parametrize("n, size", [(1, "8x4.5"), (3, "8x4.5"), (7, "8x4.5"), (12, "6x4"), (5, "4x3")])
def test_nothing_is_cut_off(tmp_path, drawn, write_spec, n, size):
    out = tmp_path / "x.png"
    run = run_cli("plot", write_spec(spec_of_many(n)), "--title", "A long title " * 5, "--size", size,
                  "-o", out)
    assert run.code == 0, run
    assert texts_inside(drawn[-1]) == []


def test_a_simulate_figure_with_long_labels_is_not_cut_off(tmp_path, write_spec, monkeypatch):
    from lrsched.render import simulate as sim_render

    figures = []
    real = sim_render.figure
    monkeypatch.setattr(sim_render, "figure", lambda *a, **k: figures.append(real(*a, **k)) or figures[-1])
    entries = "".join(f"  - {{type: Adam, label: 'Adam(weight_decay=0.01,amsgrad=True) #{i}', amsgrad: true, "
                      f"weight_decay: 0.01}}\n" for i in range(5))
    sim = write_spec(f"function: rosenbrock\nsteps: 50\noptimizers:\n{entries}")
    run = run_cli("simulate", sim, "-o", tmp_path / "s.png", "-f", "json")
    assert run.code == 0, run
    assert texts_inside(figures[-1]) == []


def test_long_labels_are_shortened_in_the_legend_only(tmp_path, drawn, write_spec):
    spec = write_spec(spec_of_many(2, name="x" * 80 + "-{}"))
    assert run_cli("plot", spec, "-o", tmp_path / "x.png").code == 0
    labels = [t.get_text() for t in drawn[-1].axes[0].get_legend().get_texts()]
    assert labels == ["x" * 19 + "\u2026" + "x" * 18 + "-0", "x" * 19 + "\u2026" + "x" * 18 + "-1"]
    table = run_cli("table", spec, "-f", "csv")
    assert ("x" * 80 + "-0") in table.out


def test_many_specs_get_a_short_automatic_title(tmp_path, drawn, write_spec):
    paths = [write_spec("lr: 0.1\nepochs: 5\nscheduler: {type: StepLR, step_size: 2}\n", name=f"spec-number-{i}.yaml")
             for i in range(9)]
    assert run_cli("plot", *paths, "-o", tmp_path / "x.png").code == 0
    assert render.title_of(drawn[-1]) == "9 specs"
    assert run_cli("plot", *paths[:2], "-o", tmp_path / "x.png").code == 0
    assert render.title_of(drawn[-1]) == "spec-number-0 vs spec-number-1"


def test_specs_with_the_same_stem_are_told_apart_by_their_folders(tmp_path, drawn):
    for folder in ("v1", "v2"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "config.yaml").write_text("lr: 0.1\nepochs: 5\nscheduler: {type: StepLR, step_size: 2}\n")
    run = run_cli("plot", tmp_path / "v1/config.yaml", tmp_path / "v2/config.yaml", "-o", tmp_path / "x.png")
    assert run.code == 0, run
    fig = drawn[-1]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["v1/config", "v2/config"]
    assert render.title_of(fig) == "v1/config vs v2/config"


def test_a_single_schedule_has_no_legend_repeating_the_title(tmp_path, drawn):
    assert run_cli("plot", ROOT / "configs/steplr.yaml", "-o", tmp_path / "x.png").code == 0
    fig = drawn[-1]
    assert fig.axes[0].get_legend() is None and not fig.legends
    assert render.title_of(fig) == load_spec(ROOT / "configs/steplr.yaml").schedules[0].name


def test_coinciding_curves_stay_visible():
    """The built-in default: multistep equals step for epochs 0-6; the later one is dashed."""
    from lrsched.defaults import DEFAULT_NAME, DEFAULT_SPEC

    results = [compute(s) for s in load_spec((DEFAULT_SPEC, DEFAULT_NAME)).schedules]
    fig = render.figure(results)
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    ranks = [render.coincides(r.lr, [q.lr for q in results[:i]]) for i, r in enumerate(results)]
    assert ranks == [0, 1, 2, 0, 0]        # lambda, step (= lambda to epoch 3), multistep, ...
    for result, rank in zip(results, ranks):
        line = lines[result.name]
        if rank == 0:
            assert line.get_linestyle() == "-"
        else:   # dashed, and the second dashed one's dashes fall in the first one's gaps
            assert line.get_linestyle() == "--" and line._unscaled_dash_pattern == render.DASHES[(rank - 1) % 2]


def test_a_step_schedules_last_value_reaches_the_end_of_its_epoch():
    result = compute(load_spec(ROOT / "configs/steplr.yaml").schedules[0])
    fig = render.figure([result])
    line = fig.axes[0].lines[0]
    assert line.get_xdata()[-1] == result.epochs and line.get_ydata()[-1] == result.lr[-1, 0]
    assert fig.axes[0].get_xlim() == (0, result.epochs)


@pytest.mark.parametrize("n, flag, marked", [(6, (), True), (7, (), False), (7, ("--markers",), True),
                                             (2, ("--no-markers",), False)])
def test_markers_switch_off_past_six_schedules(tmp_path, drawn, write_spec, n, flag, marked):
    entries = "".join(f"  - name: s{i}\n    scheduler: {{type: StepLR, step_size: {i + 2}}}\n" for i in range(n))
    spec = write_spec(f"lr: 0.1\nepochs: 20\nschedules:\n{entries}")
    assert run_cli("plot", spec, *flag, "-o", tmp_path / "x.png").code == 0
    has = any(getattr(c, "get_gid", lambda: None)() and str(c.get_gid()).startswith("markers:")
              for c in drawn[-1].axes[0].collections)
    assert has == marked


def test_pdf_embeds_truetype_and_svg_keeps_text(tmp_path):
    assert run_cli("plot", ROOT / "configs/tutorial.yaml", "-o", tmp_path / "x.pdf").code == 0
    pdf = (tmp_path / "x.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf
    assert run_cli("plot", ROOT / "configs/tutorial.yaml", "-o", tmp_path / "x.svg").code == 0
    svg = (tmp_path / "x.svg").read_text()
    assert "<text" in svg and "learning rate" in svg


def test_characters_no_font_has_get_one_warning_line(tmp_path, write_spec):
    spec = write_spec("name: \"launch \U0001F680\"\nlr: 0.1\nepochs: 5\nscheduler: {type: StepLR, step_size: 2}\n")
    run = run_cli("plot", spec, "-o", tmp_path / "x.png")
    assert run.code == 0, run
    assert run.err == f"warning: no installed font has \U0001F680; they are drawn as boxes\nwrote {tmp_path / 'x.png'}\n"


def test_characters_an_installed_font_has_are_drawn_with_it(tmp_path, write_spec):
    from matplotlib import font_manager

    wanted = "\u4e2d\u6587"   # CJK: drawn with whichever installed font has them
    having = [f for f in font_manager.fontManager.ttflist if not f.name.startswith("Last Resort")
              and all(ord(c) in render_charmap(f.fname) for c in wanted)]
    if not having:
        pytest.skip("no installed font has CJK characters")
    spec = write_spec(f"name: \"{wanted}\"\nlr: 0.1\nepochs: 5\nscheduler: {{type: StepLR, step_size: 2}}\n")
    run = run_cli("plot", spec, "-o", tmp_path / "x.png")
    assert run.code == 0 and run.err == f"wrote {tmp_path / 'x.png'}\n", run


def render_charmap(path):
    from matplotlib.ft2font import FT2Font

    try:
        return set(FT2Font(path).get_charmap())
    except Exception:   # a font file FreeType cannot read
        return set()


def test_a_cycled_momentum_is_drawn_beside_the_lr_and_a_constant_lr_gets_a_strip(tmp_path, monkeypatch):
    from lrsched.render import simulate as sim_render

    figures = []
    real = sim_render.figure
    monkeypatch.setattr(sim_render, "figure", lambda *a, **k: figures.append(real(*a, **k)) or figures[-1])
    run = run_cli("simulate", "rosenbrock", "-O", "adam", "--steps", "300", "--schedule",
                  ROOT / "configs/cycliclr-adam.yaml", "-o", tmp_path / "a.png", "-f", "json")
    assert run.code == 0, run
    lines = [line for ax in figures[-1].axes for line in ax.lines if str(line.get_gid()).startswith("momentum:")]
    assert len(lines) == 1 and lines[0].axes.get_ylabel() == "beta1 (dotted)"
    assert run_cli("simulate", "rosenbrock", "-O", "adam", "--steps", "30", "-o", tmp_path / "b.png").code == 0
    loss, lr = (ax for ax in figures[-1].axes if ax.get_ylabel() in ("f − f_min", "learning rate"))
    assert lr.get_position().height < 0.3 * loss.get_position().height
