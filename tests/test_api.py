"""The library face (lrsched.api): the same numbers and text as the CLI, Python callables
equal to their expressions bit for bit (and to torch), objects that show themselves, the
README's notebook example and every public name's doctest."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import lrsched
from conftest import ROOT
from lrsched import api, engine

CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.yaml"))
STEP = {"lr": 0.1, "epochs": 9, "scheduler": {"type": "StepLR", "step_size": 3}}


def with_scheduler(scheduler: dict, **top) -> dict:
    return {"lr": 0.1, "epochs": 40, **top, "scheduler": scheduler}


# ============================================================================ the CLI's numbers

@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_api_and_cli_give_the_same_numbers_for_every_config(cli, path):
    run = cli("table", str(path), "-f", "json")
    assert run.code == 0, run
    expected = json.loads(run.out)
    got = lrsched.all_schedules(str(path))
    assert [s.name for s in got] == [e["name"] for e in expected]
    for s, e in zip(got, expected):
        assert_array_equal(s.lr, np.array(e["lr"]))
        if e["momentum"] is None:
            assert s.momentum is None
        else:
            assert_array_equal(s.momentum, np.array(e["momentum"]))
        assert s.rows == len(e["lr"])
        rows = np.arange(s.rows)
        assert (s.unit, s.steps_per_epoch) == (e["unit"], e["steps_per_epoch"])
        per = e["steps_per_epoch"] if e["unit"] == "step" else 1
        assert_array_equal(s.epoch, rows // per)
        assert_array_equal(s.step, rows)
    if len(got) == 1:                                   # the same text, byte for byte
        assert got[0].table("json") == run.out
        assert_array_equal(lrsched.lr_table(str(path)), got[0].lr)
        assert_array_equal(lrsched.compute(str(path)).lr, got[0].lr)


@pytest.mark.parametrize("fmt", ["plain", "csv", "json"])
def test_table_text_is_the_cli_text(cli, fmt):
    path = str(ROOT / "configs" / "onecyclelr-adam.yaml")
    assert lrsched.schedule(path).table(fmt) == cli("table", path, "-f", fmt).out


def test_rich_table_is_what_the_cli_writes_to_a_file(cli, tmp_path):
    path, out = str(ROOT / "configs" / "cycliclr.yaml"), tmp_path / "t.txt"
    assert cli("table", path, "-f", "rich", "-o", str(out)).code == 0
    assert lrsched.schedule(path).table("rich") == out.read_text()


def test_epochs_override_and_yaml_text():
    text = (ROOT / "configs" / "steplr.yaml").read_text()
    from_text = lrsched.schedule(text, epochs=4)
    from_file = lrsched.schedule(ROOT / "configs" / "steplr.yaml", epochs=4)
    assert from_text.name == "step" and from_text.rows == 4
    assert_array_equal(from_text.lr, from_file.lr)
    assert lrsched.schedule("lr: 0.1\nscheduler: {type: StepLR, step_size: 1}", epochs=2).name == "schedule"
    several = lrsched.all_schedules(str(ROOT / "configs" / "tutorial.yaml"), epochs=3)
    assert len(several) > 1 and all(s.rows == 3 for s in several)
    again = lrsched.schedule(several[1])                 # a Schedule is a spec too
    assert (again.name, again.rows) == (several[1].name, 3)


def test_markers_momentum_and_the_result_record():
    s = lrsched.schedule(str(ROOT / "configs" / "onecyclelr-adam.yaml"))
    assert isinstance(s, lrsched.Schedule) and isinstance(s.result, lrsched.ScheduleResult)
    assert s.momentum_key == "betas" and s.momentum.shape == s.lr.shape
    assert s.markers == s.result.markers and s.markers
    assert s.scheduler == "OneCycleLR"
    assert repr(s) == "Schedule('1cycle-adam', OneCycleLR, rows=1001, groups=1)"
    doc = lrsched.load_spec(STEP)
    assert_array_equal(lrsched.compute(doc.schedules[0]).lr, lrsched.schedule(STEP).lr)


# ============================================================================ errors

def test_errors_are_the_cli_errors_raised(cli, write_spec, capsys):
    bad = "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: -3\n"
    path = write_spec(bad)
    line = cli("table", path).err.strip()
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.schedule(path)
    assert line == f"error: {info.value}"
    assert (info.value.key, info.value.line) == ("scheduler.step_size", 5)
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.schedule(bad)
    assert str(info.value) == "<string>:5: scheduler.step_size: must be an int in the range [1, inf), got -3"
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.schedule({"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": -3}})
    assert (info.value.file, info.value.key) == ("<spec>", "scheduler.step_size")
    assert capsys.readouterr() == ("", "")             # raised, never printed


def test_several_schedules_are_refused_by_schedule():
    tutorial = str(ROOT / "configs" / "tutorial.yaml")
    with pytest.raises(lrsched.SpecError, match="single schedule.*use lrsched.all_schedules"):
        lrsched.schedule(tutorial)
    with pytest.raises(lrsched.SpecError, match="lr_table takes a single schedule"):
        lrsched.lr_table(tutorial)
    with pytest.raises(lrsched.SpecError, match="compute takes a single schedule"):
        lrsched.compute(tutorial)
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.schedule(STEP).table("html")
    assert info.value.key == "format"


def test_a_failing_callable_is_a_spec_error_naming_the_key():
    def boom(epoch):
        return 1 / (epoch - 2)

    with pytest.raises(lrsched.SpecError) as info:
        lrsched.schedule(with_scheduler({"type": "LambdaLR", "lr_lambda": boom}))
    assert info.value.key == "scheduler.lr_lambda"
    assert info.value.message == ("function test_a_failing_callable_is_a_spec_error_naming_the_key.<locals>.boom "
                                  "raised ZeroDivisionError: division by zero at epoch = 2")
    with pytest.raises(lrsched.SpecError, match=r"returned 'x' at epoch = 0, not a number") as info:
        lrsched.schedule(with_scheduler({"type": "LambdaLR", "lr_lambda": lambda e: "x"}))
    assert info.value.key == "scheduler.lr_lambda"
    with pytest.raises(lrsched.SpecError, match=r"gives inf at x = 1") as info:
        lrsched.schedule(with_scheduler({"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                                         "cycle_momentum": False, "scale_fn": lambda x: float("inf")}))
    assert info.value.key == "scheduler.scale_fn"
    with pytest.raises(lrsched.SpecError, match=r"item 1: expected an expression string") as info:
        lrsched.schedule(with_scheduler({"type": "LambdaLR", "lr_lambda": [lambda e: 1.0, None]}))


# ============================================================================ callables

EQUIVALENT = [   # (scheduler with a callable, the same with an expression), optimizer keys
    ({"type": "LambdaLR", "lr_lambda": lambda e: 0.95 ** e},
     {"type": "LambdaLR", "lr_lambda": "0.95 ** epoch"}, {}),
    ({"type": "LambdaLR", "lr_lambda": lambda e: 0.5 ** (e // 7) if e > 3 else (e + 1) / 4},
     {"type": "LambdaLR", "lr_lambda": "lambda e: 0.5 ** (e // 7) if e > 3 else (e + 1) / 4"}, {}),
    ({"type": "MultiplicativeLR", "lr_lambda": lambda e: 0.97},
     {"type": "MultiplicativeLR", "lr_lambda": "0.97"}, {}),
    ({"type": "MultiplicativeLR", "lr_lambda": [lambda e: 0.9 + e / 1000, lambda e: 1 - 1 / (e + 3)]},
     {"type": "MultiplicativeLR", "lr_lambda": ["0.9 + epoch / 1000", "1 - 1 / (epoch + 3)"]},
     {"optimizer": {"type": "SGD", "param_groups": [{"lr": 0.1}, {"lr": 0.01}]}}),
    ({"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "scale_fn": lambda x: 0.8 ** x},
     {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "scale_fn": "0.8 ** x"},
     {"optimizer": {"type": "SGD", "momentum": 0.9}}),
    ({"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_mode": "iterations",
      "scale_fn": lambda x: 1 / (1 + x / 10)},
     {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_mode": "iterations",
      "scale_fn": "1 / (1 + x / 10)"}, {"optimizer": {"type": "SGD", "momentum": 0.9}}),
    ({"type": "ReduceLROnPlateau", "patience": 2, "factor": 0.5,
      "metrics": lambda e: 1 / (e + 1) if e < 8 else 0.125},
     {"type": "ReduceLROnPlateau", "patience": 2, "factor": 0.5,
      "metrics": "1 / (epoch + 1) if epoch < 8 else 0.125"}, {}),
    ({"type": "SequentialLR", "milestones": [5], "schedulers": [
        {"type": "LambdaLR", "lr_lambda": lambda e: (e + 1) / 5},
        {"type": "ExponentialLR", "gamma": 0.9}]},
     {"type": "SequentialLR", "milestones": [5], "schedulers": [
         {"type": "LambdaLR", "lr_lambda": "(epoch + 1) / 5"},
         {"type": "ExponentialLR", "gamma": 0.9}]}, {}),
]


@pytest.mark.parametrize("function, expression, top", EQUIVALENT,
                         ids=[e[1]["type"] + str(i) for i, e in enumerate(EQUIVALENT)])
def test_a_callable_and_its_expression_give_bit_identical_rows(function, expression, top):
    a = lrsched.schedule(with_scheduler(function, **top), epochs=300)
    b = lrsched.schedule(with_scheduler(expression, **top), epochs=300)
    assert_array_equal(a.lr, b.lr)
    if b.momentum is None:
        assert a.momentum is None
    else:
        assert_array_equal(a.momentum, b.momentum)
    assert a.markers == b.markers


def test_callables_are_called_with_python_ints_once_per_epoch():
    seen = []

    def record(epoch):
        seen.append(epoch)
        return 1

    lrsched.schedule(with_scheduler({"type": "LambdaLR", "lr_lambda": record}), epochs=5)
    assert seen == [0, 1, 2, 3, 4] and all(type(e) is int for e in seen)
    seen.clear()
    lrsched.schedule(with_scheduler({"type": "ReduceLROnPlateau", "metrics": record}), epochs=4)
    assert seen == [0, 1, 2] and all(type(e) is int for e in seen)


def _torch_rows(torch, scheduler, epochs: int, momentum: float = 0.0) -> np.ndarray:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1, momentum=momentum)
    sched = scheduler(optimizer)
    rows = []
    for _ in range(epochs):
        rows.append(sched.get_last_lr())
        optimizer.step()
        sched.step()
    return np.array(rows)


def test_callables_match_torch_live():
    torch = pytest.importorskip("torch")
    from torch.optim import lr_scheduler

    def warmup(epoch):
        return min(1.0, (epoch + 1) / 10) * 0.97 ** max(0, epoch - 10)

    ours = lrsched.schedule(with_scheduler({"type": "LambdaLR", "lr_lambda": warmup}), epochs=200)
    assert_array_equal(ours.lr, _torch_rows(torch, lambda o: lr_scheduler.LambdaLR(o, warmup), 200))

    def scale(cycle):
        return 1 / (1.3 ** (cycle - 1))

    spec = with_scheduler({"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 7,
                           "step_size_down": 3, "scale_fn": scale},
                          optimizer={"type": "SGD", "momentum": 0.9})
    theirs = _torch_rows(torch, lambda o: lr_scheduler.CyclicLR(o, 0.001, 0.1, step_size_up=7, step_size_down=3,
                                                                 scale_fn=scale), 120, momentum=0.9)
    assert_array_equal(lrsched.schedule(spec, epochs=120).lr, theirs)


# ============================================================================ showing itself

def test_figure_repr_png_and_html():
    s = lrsched.schedule(with_scheduler({"type": "CosineAnnealingLR", "T_max": 40}, name="cos <1>"))
    fig = s.figure()
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    assert_array_equal(fig.axes[0].lines[0].get_ydata()[:40], s.lr[:, 0])
    from lrsched.render.plot import title_of

    assert (title_of(fig), title_of(s.figure(title="mine"))) == ("cos <1>", "mine")
    png = s._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    html = s._repr_html_()
    assert "cos &lt;1&gt;" in html and "40 rows" in html and "data:image/png;base64," in html
    lr = s.lr[:, 0].tolist()
    assert f"start {lr[0]!r}, peak {max(lr)!r}, end {lr[-1]!r}" in html
    from html.parser import HTMLParser

    class Check(HTMLParser):
        def handle_starttag(self, tag, attrs):
            self.stack.append(tag)

        def handle_startendtag(self, tag, attrs):      # <img .../>
            pass

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    checker = Check()
    checker.stack = []
    checker.feed(html)
    checker.close()
    assert checker.stack == []


# ============================================================================ simulate

def test_run_simulation_is_the_simulate_command(cli):
    args = ("rosenbrock", "-O", "adam,sgd", "--lr", "0.01,0.002", "--steps", "60", "--start", "-1,1.5")
    sim = lrsched.run_simulation("rosenbrock", optimizers=["adam", "sgd"], lr=[0.01, 0.002], steps=60,
                                 start=(-1, 1.5))
    assert isinstance(sim, lrsched.Simulation)
    for fmt in ("plain", "json"):
        assert sim.table(fmt) == cli("simulate", *args, "-f", fmt).out
    assert repr(sim) == "Simulation('rosenbrock', runs=4, steps=60)"


def test_run_simulation_from_a_file_and_a_schedule(cli, write_spec):
    path = str(ROOT / "configs" / "simulate" / "himmelblau-cyclic.yaml")
    sim = lrsched.run_simulation(path, steps=40)
    assert sim.table("json") == cli("simulate", path, "--steps", "40", "-f", "json").out
    spec = write_spec("lr: 0.1\nscheduler: {type: ExponentialLR, gamma: 0.95}\n")
    expected = cli("simulate", "beale", "-O", "sgd", "--steps", "30", "--schedule", spec, "-f", "json").out
    for schedule in (spec, {"type": "ExponentialLR", "gamma": 0.95},
                     lrsched.schedule({"lr": 0.5, "epochs": 3, "scheduler": {"type": "ExponentialLR", "gamma": 0.95}})):
        sim = lrsched.run_simulation("beale", optimizers=["sgd"], steps=30, schedule=schedule)
        assert sim.table("json") == expected
    fig = sim.figure()
    assert {line.get_gid() for ax in fig.axes for line in ax.lines} >= {"path:0", "loss:0", "lr:0"}
    assert sim._repr_png_().startswith(b"\x89PNG")
    html = sim._repr_html_()
    assert html.startswith("<div") and "beale" in html and "ExponentialLR" in html


def test_run_simulation_errors_are_spec_errors():
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.run_simulation("rosenbrock", optimizers=[{"type": "Adam", "betas": [0.9, 2]}], steps=5)
    assert info.value.key == "optimizers[0].betas[1]"
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.run_simulation("rosenbrok", steps=5)
    assert info.value.key == "function" and "rosenbrock" in info.value.message
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.run_simulation("rosenbrock", steps=0)
    assert info.value.key == "steps"
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.run_simulation("rosenbrock", steps=1_000_000, lr=[0.1] * 30)
    assert info.value.key == "steps" and "run-steps" in info.value.message


# ============================================================================ docs and names

def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## From Python and notebooks\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```pycon\n(.*?)```", section, flags=re.S).group(1)


def test_readme_notebook_example_runs_and_prints_what_it_shows(monkeypatch):
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(_readme_example(), {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test)
    assert (result.failed, result.attempted > 8) == (0, True)


@pytest.mark.parametrize("module", [lrsched, api, engine], ids=lambda m: m.__name__)
def test_docstring_examples_run(module, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(module, raise_on_error=False, optionflags=doctest.ELLIPSIS)
    assert (result.failed, result.attempted > 0) == (0, True)


def test_every_public_name_has_a_docstring_with_an_example():
    package_examples = "\n".join(line for line in lrsched.__doc__.splitlines() if line.lstrip().startswith((">>>", "...")))
    for name in lrsched.__all__:
        if name == "__version__":
            continue
        obj = getattr(lrsched, name)
        assert obj.__doc__, name
        # load_spec and the errors live in modules this API does not own: their examples are
        # the package docstring's, which the doctest above runs
        assert ">>>" in obj.__doc__ or f"lrsched.{name}" in package_examples, name


def test_import_lrsched_stays_light():
    code = "import lrsched; lrsched.__all__; lrsched.__version__"
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert run.returncode == 0, run.stderr
    modules = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in run.stderr.splitlines()
               if line.startswith("import time:")}
    assert "lrsched" in modules
    assert not modules & {"numpy", "matplotlib", "rich", "yaml"}
    # and a figure shown in a notebook leaves no pyplot state behind (nor imports pyplot)
    code = ("import sys, lrsched\n"
            "lrsched.schedule({'lr': 0.1, 'epochs': 5, 'scheduler': {'type': 'StepLR', 'step_size': 2}})._repr_html_()\n"
            "print('matplotlib.pyplot' in sys.modules, 'matplotlib' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "", "MPLBACKEND": "Agg"})
    assert (run.returncode, run.stdout) == (0, "False True\n"), run.stderr


def test_public_names_come_from_the_api_on_first_use():
    from lrsched import Schedule, Simulation, all_schedules, lr_table, run_simulation, schedule

    assert (schedule, all_schedules, lr_table, run_simulation) == (api.schedule, api.all_schedules, api.lr_table,
                                                               api.run_simulation)
    assert (Schedule, Simulation) == (api.Schedule, api.Simulation)
    import lrsched.schedules
    import lrsched.simulate

    # the subpackages keep their names: the functions are named apart from them
    assert (lrsched.simulate.__name__, lrsched.schedules.__name__) == ("lrsched.simulate", "lrsched.schedules")


@pytest.mark.parametrize("schedule", [None, {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 7}])
def test_save_and_resume_from_python_is_one_uninterrupted_run(tmp_path, schedule):
    first = lrsched.run_simulation("rosenbrock", optimizers=["Adam", "SGD"], lr=[0.003, 0.02], steps=37,
                                   schedule=schedule)
    state = tmp_path / "state.json"
    first.save_state(state)
    second = lrsched.run_simulation(resume=state, steps=23, schedule=schedule)
    whole = lrsched.run_simulation("rosenbrock", optimizers=["Adam", "SGD"], lr=[0.003, 0.02], steps=60,
                                   schedule=schedule)
    np.testing.assert_array_equal(np.concatenate([first.result.path, second.result.path[1:]]), whole.result.path)
    # and the CLI reads the state file the API wrote, and continues it the same way
    from conftest import run_cli

    extra = () if schedule is None else ("--schedule", str(tmp_path / "s.yaml"))
    if schedule is not None:
        (tmp_path / "s.yaml").write_text(f"scheduler: {json.dumps(schedule)}\n")
    cli = run_cli("simulate", "--resume", state, "--steps", "23", "-f", "json", *extra)
    assert cli.code == 0, cli
    assert json.loads(cli.out) == json.loads(second.table("json"))


def test_resume_refuses_what_the_saved_runs_keep(tmp_path):
    sim = lrsched.run_simulation("rosenbrock", optimizers=["Adam"], steps=3)
    sim.save_state(tmp_path / "s.json")
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.run_simulation(resume=tmp_path / "s.json", lr=0.1)
    assert info.value.key == "lr" and "keep their lr" in info.value.message
