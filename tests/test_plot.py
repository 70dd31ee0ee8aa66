"""`lrsched plot` and lrsched.render.plot: the figure's data is the engine's, the file is a
real image of the size and format asked for, and every failure is one clear line."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from lrsched.commands.common import read_specs
from lrsched.engine import compute
from lrsched.errors import RunError
from lrsched.render import plot as render
from lrsched.spec import load_spec

CYCLIC = str(ROOT / "configs" / "cycliclr.yaml")            # SGD, two groups, momentum cycled
CYCLIC_ADAM = str(ROOT / "configs" / "cycliclr-adam.yaml")  # Adam: beta1 cycled
STEP = str(ROOT / "configs" / "steplr.yaml")


def results_of(*specs, epochs=None, schedules=()):
    return [compute(s, epochs) for d in read_specs(list(specs), schedules=schedules) for s in d.schedules]


def lr_axes(fig):
    return fig.axes[0]


def legend_labels(fig):
    legend = lr_axes(fig).get_legend() or (fig.legends[0] if fig.legends else None)
    return [t.get_text() for t in legend.get_texts()]


def marker_collections(ax):
    return [c for c in ax.collections if (c.get_gid() or "").startswith("markers:")]


@pytest.fixture
def drawn(monkeypatch):
    """Run the CLI but keep every figure it saves, to read its data."""
    figures = []
    original = render.save

    def save(fig, path, fmt=None):
        figures.append(fig)
        original(fig, path, fmt)

    monkeypatch.setattr(render, "save", save)
    return figures


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ------------------------------------------------------------------------ start-up cost

def test_importing_the_cli_does_not_import_matplotlib():
    code = "import lrsched.cli, sys; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ------------------------------------------------------------------------ figure data

def test_lines_are_the_engine_arrays_exactly():
    results = results_of()
    fig = render.figure(results)
    lines = lr_axes(fig).lines
    assert len(lines) == len(results)
    for line, result in zip(lines, results):
        x, y = line.get_xdata(), line.get_ydata()
        if render.is_step_like(result.lr):   # the last value holds to the end of its epoch
            assert (x[-1], y[-1]) == (result.epochs, result.lr[-1, 0])
            x, y = x[:-1], y[:-1]
        assert np.array_equal(x, np.arange(result.epochs))
        assert np.array_equal(y, result.lr[:, 0])


def test_legend_names_every_schedule_of_every_spec():
    fig = render.figure(results_of(STEP, CYCLIC_ADAM))
    assert legend_labels(fig) == ["step", "cyclic-adam"]
    colours = [line.get_color() for line in lr_axes(fig).lines]
    assert len(set(colours)) == 2


def test_param_groups_are_labelled_lines_in_their_schedule_colour_family():
    (result,) = results_of(CYCLIC)
    fig = render.figure([result])
    lines = lr_axes(fig).lines
    assert [line.get_label() for line in lines] == ["cyclic [group 0]", "cyclic [group 1]"]
    for g, line in enumerate(lines):
        assert np.array_equal(line.get_ydata(), result.lr[:, g])
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    # same hue, different lightness
    from matplotlib.colors import rgb_to_hsv, to_rgb

    hues = [rgb_to_hsv(to_rgb(line.get_color()))[0] for line in lines]
    assert hues[0] == pytest.approx(hues[1], abs=0.02)
    assert legend_labels(fig) == ["cyclic [group 0]", "cyclic [group 1]"]


def test_momentum_panel_shares_x_and_holds_the_momentum():
    (result,) = results_of(CYCLIC)
    fig = render.figure([result])
    assert len(fig.axes) == 2
    lr_ax, mom_ax = fig.axes
    assert mom_ax.get_ylabel() == "momentum"
    assert mom_ax.get_shared_x_axes().joined(lr_ax, mom_ax)
    for g, line in enumerate(mom_ax.lines):
        assert np.array_equal(line.get_ydata(), result.momentum[:, g])


def test_momentum_panel_says_beta1_for_adam():
    fig = render.figure(results_of(CYCLIC_ADAM))
    assert fig.axes[1].get_ylabel() == "beta1"


def test_no_momentum_panel_when_nothing_cycles_it():
    fig = render.figure(results_of(schedules=("step", "exponential")))
    assert len(fig.axes) == 1


def test_only_schedules_that_cycle_momentum_are_in_its_panel():
    fig = render.figure(results_of(STEP, CYCLIC_ADAM))
    assert [line.get_label() for line in fig.axes[1].lines] == ["cyclic-adam"]
    assert fig.axes[1].lines[0].get_color() == fig.axes[0].lines[1].get_color()


def test_step_schedules_are_drawn_as_steps():
    fig = render.figure(results_of(schedules=("step", "exponential", "cyclic")))
    styles = {line.get_label(): line.get_drawstyle() for line in lr_axes(fig).lines}
    assert styles == {"step": "steps-post", "exponential": "default", "cyclic": "default"}


def test_markers_at_the_schedules_phase_changes_in_its_colour():
    results = results_of(schedules=("multistep", "exponential"))
    fig = render.figure(results)
    found = {c.get_gid(): c for c in marker_collections(lr_axes(fig))}
    assert set(found) == {"markers:multistep"}                       # exponential has none
    segments = found["markers:multistep"].get_segments()
    assert [s[0][0] for s in segments] == list(results[0].markers) == [3, 7]
    from matplotlib.colors import to_rgb

    line = lr_axes(fig).lines[0]
    assert tuple(found["markers:multistep"].get_colors()[0][:3]) == pytest.approx(to_rgb(line.get_color()))
    assert found["markers:multistep"].get_alpha() < 0.5


def test_a_phase_change_shared_by_schedules_is_marked_once():
    fig = render.figure(results_of(schedules=("step", "multistep")))        # 3, 6 and 3, 7
    found = {c.get_gid(): [s[0][0] for s in c.get_segments()] for c in marker_collections(lr_axes(fig))}
    assert found == {"markers:step": [3, 6], "markers:multistep": [7]}


def test_markers_in_the_momentum_panel_too():
    fig = render.figure(results_of(CYCLIC))
    assert marker_collections(fig.axes[1])


def test_no_markers():
    fig = render.figure(results_of(), markers=False)
    assert not any(marker_collections(ax) for ax in fig.axes)


def test_log_scale():
    fig = render.figure(results_of(), log=True)
    assert lr_axes(fig).get_yscale() == "log"
    assert render.figure(results_of()).axes[0].get_yscale() == "linear"


def test_title_size_and_dpi():
    fig = render.figure(results_of(STEP), title="my run", size=(4, 3), dpi=50)
    assert render.title_of(fig) == "my run"
    assert tuple(fig.get_size_inches()) == (4, 3) and fig.dpi == 50


# ------------------------------------------------------------------------ long runs

@pytest.mark.parametrize("columns", [1, 7, 100, 1200])
def test_envelope_keeps_each_buckets_true_min_and_max(columns):
    rng = np.random.default_rng(columns)
    y = np.cumsum(rng.normal(size=50_001))
    idx = render.envelope(y, columns)
    assert np.all(np.diff(idx) > 0) and idx[0] == 0 and idx[-1] == len(y) - 1
    assert len(idx) <= 2 * columns + 2
    width = -(-len(y) // columns)
    for start in range(0, len(y), width):
        inside = idx[(idx >= start) & (idx < start + width)]
        assert y[inside].min() == y[start:start + width].min()
        assert y[inside].max() == y[start:start + width].max()


def test_envelope_of_a_short_run_is_every_point():
    assert np.array_equal(render.envelope(np.ones(20), 10), np.arange(20))


def test_a_million_epochs_draws_a_few_thousand_exact_points():
    spec = {"epochs": 1_000_000, "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
            "schedules": [
                {"name": "cyclic", "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1,
                                                 "step_size_up": 2000}},
                {"name": "exponential", "scheduler": {"type": "ExponentialLR", "gamma": 0.999995}}]}
    results = [compute(s) for s in load_spec(spec).schedules]
    fig = render.figure(results, size=(8, 4.5), dpi=150)
    columns = 8 * 150
    for ax, arrays in ((fig.axes[0], [r.lr for r in results]), (fig.axes[1], [results[0].momentum])):
        for line, values in zip(ax.lines, arrays):
            x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
            assert len(x) <= 2 * columns + 2
            assert np.array_equal(y, values[x, 0])          # every drawn point is exact
            assert y.min() == values.min() and y.max() == values.max()


# ------------------------------------------------------------------------ tick labels

@pytest.mark.parametrize("ticks, labels", [
    ([0, 0.002, 0.004, 0.01], ["0", "0.002", "0.004", "0.010"]),
    ([0, 0.0025, 0.005], ["0", "0.0025", "0.0050"]),
    ([0, 2e-5, 4e-5, 1e-4], ["0", "2e-5", "4e-5", "1e-4"]),
    ([0.5, 1.0, 1.5], ["0.5", "1.0", "1.5"]),
])
def test_lr_tick_labels(ticks, labels):
    assert render.lr_labels(np.array(ticks)) == labels


def test_epoch_tick_labels():
    assert render.epoch_labels(np.array([0, 2, 8])) == ["0", "2", "8"]
    assert render.epoch_labels(np.array([0, 200_000, 1_000_000, 2_500_000])) == ["0", "200k", "1M", "2.5M"]


# ------------------------------------------------------------------------ the command

def test_default_writes_lrsched_png_and_prints_its_path(cli, in_tmp, drawn):
    run = cli("plot")
    assert run.code == 0, run
    assert run.out == "" and run.err == "wrote lrsched.png\n"
    assert (in_tmp / "lrsched.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert legend_labels(drawn[0]) == ["lambda", "step", "multistep", "exponential", "cyclic"]
    assert os.listdir(in_tmp) == ["lrsched.png"]                 # no temporary left behind


def test_default_output_is_the_first_specs_stem_in_the_current_folder(cli, in_tmp, drawn):
    run = cli("plot", STEP, CYCLIC)
    assert run.code == 0, run
    assert run.err == "wrote steplr.png\n" and (in_tmp / "steplr.png").exists()
    assert legend_labels(drawn[0]) == ["step", "cyclic [group 0]", "cyclic [group 1]"]
    assert render.title_of(drawn[0]) == "step vs cyclic"


def test_png_has_the_requested_pixel_size(cli, in_tmp):
    from PIL import Image

    run = cli("plot", "-o", "out.png", "--size", "4x3", "--dpi", "50")
    assert run.code == 0, run
    with Image.open(in_tmp / "out.png") as image:
        assert image.format == "PNG" and image.size == (200, 150)


@pytest.mark.parametrize("name, head", [("out.svg", b"<?xml"), ("OUT.SVG", b"<?xml"), ("out.pdf", b"%PDF-")])
def test_vector_formats_by_extension(cli, in_tmp, name, head):
    run = cli("plot", STEP, "-o", name)
    assert run.code == 0, run
    data = (in_tmp / name).read_bytes()
    assert data.startswith(head)
    if name.lower().endswith(".svg"):
        assert b"<svg" in data


def test_options_reach_the_figure(cli, in_tmp, drawn):
    run = cli("plot", "--epochs", "20", "--log", "--schedule", "step", "--schedule", "cyclic",
              "--title", "two", "--no-markers", "-o", "x.png")
    assert run.code == 0, run
    fig = drawn[0]
    assert legend_labels(fig) == ["step", "cyclic"]
    assert lr_axes(fig).get_yscale() == "log"
    assert render.title_of(fig) == "two"
    assert [len(line.get_xdata()) for line in lr_axes(fig).lines] == [21, 20]   # step: + its end
    assert not any(marker_collections(ax) for ax in fig.axes)


def test_markers_on_by_default(cli, in_tmp, drawn):
    assert cli("plot", "-o", "x.png").code == 0
    assert marker_collections(lr_axes(drawn[0]))


def test_empty_title_means_none(cli, in_tmp, drawn):
    assert cli("plot", "--title", "", "-o", "x.png").code == 0
    assert render.title_of(drawn[0]) == ""


# ------------------------------------------------------------------------ failures

def assert_one_error_line(run, code, *fragments):
    assert run.code == code, run
    assert "Traceback" not in run.err
    assert run.out == ""
    for fragment in fragments:
        assert fragment in run.err, run


@pytest.mark.parametrize("where", ["missing/out.png", "afile/out.png", "adir"])
def test_unwritable_output_exits_1_and_leaves_nothing(cli, in_tmp, where):
    (in_tmp / "afile").write_text("x")
    (in_tmp / "adir.png").mkdir()
    target = where if where != "adir" else "adir.png"
    run = cli("plot", "-o", target)
    assert_one_error_line(run, 1, "error: cannot write")
    assert sorted(os.listdir(in_tmp)) == ["adir.png", "afile"]
    assert os.listdir(in_tmp / "adir.png") == []


def test_a_write_that_fails_midway_keeps_the_previous_file(tmp_path):
    target = tmp_path / "plot.png"
    target.write_bytes(b"previous")

    class Failing:
        def savefig(self, fh, **kwargs):
            fh.write(b"\x89PNG half")
            raise OSError(28, "No space left on device")

    with pytest.raises(RunError, match="cannot write .*No space left on device"):
        render.save(Failing(), str(target))
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["plot.png"]


@pytest.mark.parametrize("name", ["out.jpg", "out", "out.png.txt"])
def test_unknown_extension_exits_2(cli, in_tmp, name):
    assert_one_error_line(cli("plot", "-o", name), 2, "--output", ".png, .svg or .pdf")
    assert os.listdir(in_tmp) == []


@pytest.mark.parametrize("size", ["big", "8", "8x", "x4", "0x4", "-3x4", "8x4x2", "1e3x4"])
def test_size_garbage_exits_2(cli, in_tmp, size):
    assert_one_error_line(cli("plot", "--size", size), 2, "--size")
    assert os.listdir(in_tmp) == []


@pytest.mark.parametrize("size, dpi", [("200x4", "150"), ("0.01x0.01", "150")])
def test_size_too_large_or_small_in_pixels_exits_2(cli, in_tmp, size, dpi):
    assert_one_error_line(cli("plot", "--size", size, "--dpi", dpi), 2, "error: --size:", "pixels")


def test_size_accepts_decimals(cli, in_tmp):
    assert cli("plot", "--size", "6.5X3.25", "-o", "x.png").code == 0


def test_bad_spec_exits_2_like_table(cli, in_tmp, write_spec):
    bad = write_spec("lr: 0.1\nepochs: 5\nscheduler:\n  type: StepLR\n  step_size: -3\n", "bad.yaml")
    run = cli("plot", bad)
    assert_one_error_line(run, 2, "bad.yaml:5", "scheduler.step_size")
    assert run.err == cli("table", bad).err
    assert os.listdir(in_tmp) == ["bad.yaml"]


def test_misspelt_scheduler_gets_a_hint(cli, in_tmp, write_spec):
    bad = write_spec("lr: 0.1\nepochs: 5\nscheduler: {type: StepRL, step_size: 3}\n")
    assert_one_error_line(cli("plot", bad), 2, "StepLR")


def test_unknown_schedule_name_exits_2(cli, in_tmp):
    assert_one_error_line(cli("plot", "--schedule", "stpe"), 2, "did you mean 'step'")


def test_missing_spec_file_exits_2(cli, in_tmp):
    assert_one_error_line(cli("plot", "nope.yaml"), 2, "nope.yaml", "no such file")
