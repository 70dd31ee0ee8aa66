"""`lrsched plot --term`: braille curves that are the engine's envelope, ticks that say where
they are, a legend, no escape codes when piped, a size that holds, no matplotlib."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, one_error_line, run_cli
from lrsched.engine import compute
from lrsched.spec import load_spec
from lrsched.render.term import BLANK, DOT_BITS, draw

BRAILLE = re.compile("[\u2800-\u28ff]")
COSINE = "lr: 0.1\nepochs: 10000\nscheduler: {type: CosineAnnealingLR, T_max: 2500}\n"
STEPS = "lr: 0.1\nepochs: 1000\nscheduler: {type: StepLR, step_size: 100, gamma: 0.5}\n"
CYCLIC = "lr: 0.1\nepochs: 3000\noptimizer: {type: SGD, momentum: 0.9}\n" \
         "scheduler: {type: CyclicLR, base_lr: 0.001, max_lr: 0.1, step_size_up: 400}\n"
MANY = "lr: 0.1\nepochs: 30\nschedules:\n" + "".join(
    f"  - name: schedule-number-{i}\n    scheduler: {{type: StepLR, step_size: {i + 2}, gamma: 0.5}}\n"
    for i in range(9))


def results_of(text: str, name: str = "spec.yaml"):
    return [compute(s) for s in load_spec((text, name)).schedules]


def canvas(plot, panel: int = 0) -> np.ndarray:
    """The panel's dots as a (4H, 2W) boolean array, decoded from the braille characters."""
    first, rows, _ = plot.panels[panel]
    lines = plot.text().splitlines()[first:first + rows]
    dots = np.zeros((rows * 4, plot.width * 2), dtype=bool)
    for r, line in enumerate(lines):
        cells = line[plot.left:plot.left + plot.width]
        for c, ch in enumerate(cells):
            if BRAILLE.match(ch):
                bits = ord(ch) - BLANK
                dots[r * 4:r * 4 + 4, c * 2:c * 2 + 2] = (bits & DOT_BITS) != 0
    return dots


def check_envelope(plot, values: np.ndarray, panel: int = 0) -> None:
    """Each dot column lights its epochs' min and max and, joined to its neighbours, nothing
    beyond them; lit dots are one unbroken run."""
    dots = canvas(plot, panel)
    ys = plot.panels[panel][2]
    columns = plot.x.column(np.arange(len(values)))
    present = np.unique(columns)
    for k, c in enumerate(present.tolist()):
        own = values[columns == c]
        lit = np.flatnonzero(dots[:, c])
        assert len(lit), c
        assert np.all(np.diff(lit) == 1), (c, lit)       # unbroken
        top, bottom = ys.row(ys.transform([own.max(), own.min()]))
        assert lit[0] <= top and lit[-1] >= bottom, (c, lit, top, bottom)
        near = [own]
        if k:
            near.append(values[columns == present[k - 1]][-1:])
        if k + 1 < len(present):
            near.append(values[columns == present[k + 1]][:1])
        near = np.concatenate(near)
        high, low = ys.row(ys.transform([near.max(), near.min()]))
        assert lit[0] >= high and lit[-1] <= low, (c, lit, high, low)   # no stray dots
    assert not dots[:, present.max() + 2:].any()


@pytest.mark.parametrize("size", [(40, 12), (80, 24), (131, 37)])
@pytest.mark.parametrize("spec", [COSINE, STEPS, CYCLIC])
def test_the_cells_are_the_engines_envelope(spec, size):
    results = results_of(spec)
    plot = draw(results, cols=size[0], rows=size[1], title="t", markers=False)
    check_envelope(plot, results[0].lr[:, 0])
    if results[0].momentum is not None:
        check_envelope(plot, results[0].momentum[:, 0], panel=1)


def test_a_million_row_cosine_keeps_its_shape():
    results = results_of("lr: 0.1\nepochs: 1000000\nscheduler: {type: CosineAnnealingLR, T_max: 100000}\n")
    plot = draw(results, cols=70, rows=16, markers=False)
    check_envelope(plot, results[0].lr[:, 0])
    dots = canvas(plot)
    # ten half-periods: the curve touches the top and the bottom rows again and again
    assert dots[0].sum() >= 5 and dots[-1].sum() >= 5


def test_a_short_run_lights_every_epochs_value():
    results = results_of("lr: 0.01\nepochs: 9\nscheduler: {type: CyclicLR, base_lr: 0.001, max_lr: 0.01, "
                         "step_size_up: 2}\n")
    plot = draw(results, cols=80, rows=24, markers=False)
    for panel, values in ((0, results[0].lr[:, 0]), (1, results[0].momentum[:, 0])):
        dots = canvas(plot, panel)
        ys = plot.panels[panel][2]
        for e, v in enumerate(values.tolist()):
            assert dots[ys.row(ys.transform([v]))[0], plot.x.column([e])[0]], (panel, e)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("spec", [COSINE, STEPS, CYCLIC, MANY])
def test_y_tick_labels_are_the_values_at_their_rows(spec, log):
    plot = draw(results_of(spec), cols=90, rows=30, log=log)
    lines = plot.text().splitlines()
    for first, rows, ys in plot.panels:
        labelled = 0
        for r in range(rows):
            line = lines[first + r]
            if line[plot.left - 1] == "┤":
                value = float(line[:plot.left - 1])
                if ys.log:
                    assert np.log10(value) == round(np.log10(value))   # decades
                assert ys.row(ys.transform([value]))[0] // 4 == r, (line, r)
                labelled += 1
            else:
                assert line[:plot.left - 1].strip() == "" and line[plot.left - 1] == "│"
        assert labelled >= 2


def _epochs(label: str) -> float:
    return float(label[:-1]) * {"k": 1e3, "M": 1e6}[label[-1]] if label[-1] in "kM" else float(label)


@pytest.mark.parametrize("spec", [COSINE, STEPS, MANY, "lr: 0.1\nepochs: 2000000\nscheduler: {type: StepLR, "
                                                        "step_size: 300000}\n"])
@pytest.mark.parametrize("cols", [30, 80, 160])
def test_x_ticks_are_the_epochs_under_them(spec, cols):
    plot = draw(results_of(spec), cols=cols, rows=20)
    lines = plot.text().splitlines()
    axis, under = lines[-2], lines[-1]
    marks = [i - plot.left for i, ch in enumerate(axis) if ch == "┬"]
    labels = [(m.start() - plot.left, m.group()) for m in re.finditer(r"[0-9.]+[kM]?", under)]
    assert len(marks) == len(labels) >= 2
    for mark, (begin, label) in zip(marks, labels):
        assert plot.x.column([_epochs(label)])[0] // 2 == mark
        assert begin <= mark < begin + len(label) or begin == 0 or begin + len(label) == plot.width


@pytest.mark.parametrize("size", ["24x12", "40x14", "80x24", "133x40", "300x60"])
@pytest.mark.parametrize("args", [[], ["--log"], [str(ROOT / "configs" / "cycliclr.yaml")], ["MANY"]])
def test_the_output_fits_the_size(size, args, write_spec):
    args = [write_spec(MANY) if a == "MANY" else a for a in args]
    run = run_cli("plot", "--term", "--size", size, *args)
    assert run.code == 0, run
    cols, rows = map(int, size.split("x"))
    lines = run.out.splitlines()
    assert len(lines) <= rows
    assert max(map(len, lines)) <= cols
    if cols >= 80:
        assert len(lines) == rows


def test_piped_the_default_is_80_by_24_and_has_no_escape_codes():
    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="", COLUMNS="150")
    env.pop("NO_COLOR", None)
    out = subprocess.run([sys.executable, "-m", "lrsched", "plot", "--term"], capture_output=True, env=env,
                         check=True).stdout.decode()
    assert "\x1b" not in out
    lines = out.splitlines()
    assert len(lines) == 24 and max(map(len, lines)) <= 80 and BRAILLE.search(out)


def _on_a_terminal(*args, **env_extra) -> str:
    import pty

    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="", TERM="xterm-256color", COLUMNS="100",
               **env_extra)
    if "NO_COLOR" not in env_extra:
        env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "lrsched", "plot", "--term", *args], stdout=follower,
                            stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_only_without_no_color():
    coloured = _on_a_terminal("--size", "90x24")
    assert "\x1b[" in coloured
    plain = _on_a_terminal("--size", "90x24", NO_COLOR="1")
    assert "\x1b" not in plain
    # the same picture either way
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    # the terminal's width by default
    lines = _on_a_terminal(NO_COLOR="1").splitlines()
    assert max(map(len, lines)) <= 100 and any(len(line) > 80 for line in lines)


def test_the_legend_names_every_schedule(write_spec):
    run = run_cli("plot", "--term", "--size", "60x30", write_spec(MANY), str(ROOT / "configs" / "cycliclr.yaml"))
    assert run.code == 0, run
    for i in range(9):
        assert f"schedule-number-{i}" in run.out
    assert "cyclic" in run.out
    default = run_cli("plot", "--term").out
    for name in ("lambda", "step", "multistep", "exponential", "cyclic"):
        assert re.search(rf"── {name}\b", default)


def test_markers_as_the_png_draws_them(write_spec):
    assert "┊" in run_cli("plot", "--term", "--schedule", "step").out
    assert "┊" not in run_cli("plot", "--term", "--schedule", "step", "--no-markers").out
    many = write_spec(MANY)
    assert "┊" not in run_cli("plot", "--term", many).out       # past 6 schedules: off
    assert "┊" in run_cli("plot", "--term", many, "--markers").out


def test_momentum_panel_only_when_cycled():
    assert "momentum" in run_cli("plot", "--term", "--schedule", "cyclic").out
    assert "momentum" not in run_cli("plot", "--term", "--schedule", "step").out


def test_title_and_options_as_the_png(write_spec):
    run = run_cli("plot", "--term", "--title", "my run", "--epochs", "50", "--schedule", "step")
    assert run.out.splitlines()[0] == "my run"
    assert "40" in run.out.splitlines()[-1] and "50" not in run.out.splitlines()[-1].split()[:-1]
    assert run_cli("plot", "--term", "--title", "").out.splitlines()[0].startswith("──")


@pytest.mark.parametrize("args, key", [
    (["-o", "x.png"], "--output"), (["--size", "8x4.5"], "--size"), (["--size", "0x24"], "--size"),
    (["--size", "80"], "--size"), (["--size", "10x24"], "--size"), (["--size", "80x5"], "--size"),
    (["--dpi", "100"], "--dpi"), (["--size", "99999x24"], "--size"),
])
def test_usage_errors(args, key, tmp_path):
    for order in (["--term", *args], [*args, "--term"]):
        line = one_error_line(run_cli("plot", *order), 2)
        assert line.startswith(f"error: {key}: "), line
    assert not (tmp_path / "x.png").exists()


def test_matplotlib_is_never_imported():
    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="")
    for command in (["-m", "lrsched", "plot", "--term", "--log"], ["-c", "import lrsched.render.term"],
                    ["-c", "import lrsched.render.plot"]):
        proc = subprocess.run([sys.executable, "-X", "importtime", *command], capture_output=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "matplotlib" not in proc.stderr.decode()


def test_the_readme_shows_what_plot_term_prints():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```console\n\$ NO_COLOR=1 lrsched plot --term --size 80x24\n(.*?)```", readme, re.S)
    assert block is not None
    assert run_cli("plot", "--term", "--size", "80x24").out == block.group(1)
