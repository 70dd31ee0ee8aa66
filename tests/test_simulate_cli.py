"""``lrsched simulate``: tables, JSON, schedules, save/resume, divergence, bad input, figure.

Every number the CLI prints comes from the library; these tests hold the CLI to the
library's results (``run_grid``/``simulate``/``engine.compute``) rather than to copies.
"""

from __future__ import annotations

import json
import os
import re
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from lrsched.engine import compute
from lrsched.functions import FUNCTIONS
from lrsched.optim import OPTIMIZERS, get_optimizer
from lrsched.records import replace
from lrsched.simulate import PROGRESS_EVERY, RunConfig, run_grid, simulate
from lrsched.spec import OptimizerSpec, load_spec

DOCS = ROOT / "README.md"
SIM_CONFIGS = sorted((ROOT / "configs" / "simulate").glob("*.yaml"))


def as_json(run) -> list:
    assert run.code == 0, run
    return json.loads(run.out)


def scheduled_tables(spec_path: str, optimizer: str, lr: float, steps: int):
    """What the engine says the lr (and momentum) of each step is, for one run."""
    schedule = load_spec(spec_path).schedules[0]
    hyper = get_optimizer(optimizer).hyper({"lr": lr})
    schedule = replace(schedule, optimizer=OptimizerSpec(optimizer, (MappingProxyType(hyper),)))
    return compute(schedule, steps + 1)


# ------------------------------------------------------------------------------ tables

def test_default_run_is_the_adam_family_at_the_suggested_lr(cli):
    run = cli("simulate", "rosenbrock")
    assert run.code == 0, run
    lines = run.out.splitlines()
    assert lines[0] == "# rosenbrock from (-1.2, 1), 2000 steps, f_min = 0"
    assert lines[1].split() == ["optimizer", "lr", "x", "y", "f", "dist", "<1e-3", "<1e-6",
                                "diverged"]
    rows = [line.split() for line in lines[2:]]
    assert [r[0] for r in rows] == ["Adam", "RAdam", "AdamW"]
    assert all(r[1] == "0.005" for r in rows)          # rosenbrock's suggested lr, shown
    library = run_grid("rosenbrock", ["Adam", "RAdam", "AdamW"], lrs=[0.005], steps=2000)
    for row, i in zip(rows, range(3)):
        s = library.summary(i)
        assert float(row[2]) == pytest.approx(s.final[0], rel=1e-4)
        assert float(row[4]) == pytest.approx(s.final_loss, rel=1e-3)
        assert row[-1] == (str(s.diverged_step) if s.diverged else "-")
    # the suggested lr makes every run progress; none diverges
    assert [r[-1] for r in rows] == ["-", "-", "-"] and run.err == ""
    assert all(float(r[4]) < 1.0 for r in rows)        # from f(-1.2, 1) = 24.2


def test_docs_show_the_default_table(cli):
    """The README quotes `lrsched simulate rosenbrock` verbatim: it cannot drift."""
    text = DOCS.read_text()
    block = re.search(r"```\n\$ lrsched simulate rosenbrock\n(.*?)```", text, flags=re.S).group(1)
    run = cli("simulate", "rosenbrock")
    assert block == run.out + run.err


def test_rich_table_has_the_same_rows(cli):
    run = cli("simulate", "rosenbrock", "--steps", "50", "--format", "rich")
    assert run.code == 0, run
    assert "optimizer" in run.out and "RAdam" in run.out and "diverged" in run.out
    assert "rosenbrock from (-1.2, 1), 50 steps" in run.out


def test_plain_is_the_default_when_piped(cli):
    auto = cli("simulate", "rosenbrock", "--steps", "10")
    plain = cli("simulate", "rosenbrock", "--steps", "10", "-f", "plain")
    assert auto.out == plain.out and auto.out.startswith("# rosenbrock")


def test_json_is_the_library_result_exactly(cli):
    records = as_json(cli("simulate", "rosenbrock", "--steps", "120", "-f", "json"))
    library = run_grid("rosenbrock", ["Adam", "RAdam", "AdamW"], steps=120)
    assert records == library.records()
    assert [r["optimizer"] for r in records] == ["Adam", "RAdam", "AdamW"]
    first = records[0]
    assert len(first["path"]) == 121 and first["path"][0] == [-1.2, 1.0]
    assert len(first["loss"]) == 121 and all(len(p) == 2 for p in first["path"])


def test_every_optimizer_times_every_lr_is_one_run(cli):
    records = as_json(cli("simulate", "himmelblau", "-O", "sgd", "-O", "ADAM,nadam",
                          "--lr", "1e-3,0.01", "--lr", "0.02", "--steps", "30", "-f", "json"))
    pairs = [(r["optimizer"], r["lr"]) for r in records]
    assert pairs == [(o, lr) for o in ("SGD", "Adam", "NAdam") for lr in (1e-3, 0.01, 0.02)]
    library = run_grid("himmelblau", ["SGD", "Adam", "NAdam"], lrs=[1e-3, 0.01, 0.02], steps=30)
    assert records == library.records()


def test_start_flag_and_a_start_outside_the_domain(cli):
    records = as_json(cli("simulate", "booth", "--start", "-1.5,2", "--steps", "5", "-f", "json"))
    assert all(r["path"][0] == [-1.5, 2.0] for r in records)
    run = cli("simulate", "rosenbrock", "-O", "adam", "--start=-3,4", "--steps", "5")
    assert run.code == 0
    assert run.err.startswith("warning: start (-3, 4) is outside rosenbrock's domain "
                              "[-2, 2] x [-1, 3]")
    assert "# rosenbrock from (-3, 4), 5 steps" in run.out


# ------------------------------------------------------------------------------ schedules

SCHEDULE_SPECS = {
    "ExponentialLR": "lr: 0.5\nscheduler: {type: ExponentialLR, gamma: 0.97}\n",
    "StepLR": "scheduler: {type: StepLR, step_size: 7, gamma: 0.5}\n",
    "CosineAnnealingLR": "scheduler: {type: CosineAnnealingLR, T_max: 25, eta_min: 0.001}\n",
}


@pytest.mark.parametrize("kind", sorted(SCHEDULE_SPECS))
def test_schedule_drives_the_lr_exactly_as_the_engine_computes_it(cli, write_spec, kind):
    spec = write_spec(SCHEDULE_SPECS[kind])
    steps = 60
    records = as_json(cli("simulate", "rosenbrock", "-O", "adam,sgd", "--lr", "0.02",
                          "--steps", steps, "--schedule", spec, "-f", "json"))
    lr = np.empty((steps + 1, 2))
    for i, name in enumerate(("Adam", "SGD")):
        expected = scheduled_tables(spec, name, 0.02, steps)
        lr[:, i] = expected.lr[:, 0]
        assert records[i]["lr_per_step"] == expected.lr[:steps, 0].tolist()   # bit for bit
        assert records[i]["momentum_per_step"] is None
        assert records[i]["lr"] == 0.02          # the constructor's lr, as SPEC's JSON says
    assert len(set(records[0]["lr_per_step"])) > 1   # it really changed
    library = simulate("rosenbrock", [RunConfig("Adam", lr=0.02), RunConfig("SGD", lr=0.02)],
                       steps, lr_schedule=lr)
    assert [r["path"] for r in records] == [library.path[:, i].tolist() for i in range(2)]


def test_cyclic_lr_cycles_adams_beta1(cli):
    spec = str(ROOT / "configs" / "cycliclr-adam.yaml")
    steps = 80
    records = as_json(cli("simulate", "rosenbrock", "-O", "Adam", "--steps", steps,
                          "--schedule", spec, "-f", "json"))
    expected = scheduled_tables(spec, "Adam", FUNCTIONS["rosenbrock"].lr, steps)
    assert records[0]["lr_per_step"] == expected.lr[:steps, 0].tolist()
    assert records[0]["momentum_per_step"] == expected.momentum[:steps, 0].tolist()
    assert len(set(records[0]["momentum_per_step"])) > 10     # beta1 really cycles
    library = simulate("rosenbrock", [RunConfig("Adam")], steps, lr_schedule=expected.lr,
                       momentum_schedule=expected.momentum)
    assert records[0]["path"] == library.path[:, 0].tolist()


def test_plain_table_shows_first_and_final_lr_under_a_schedule(cli, write_spec):
    spec = write_spec(SCHEDULE_SPECS["ExponentialLR"])
    run = cli("simulate", "rosenbrock", "-O", "adam", "--lr", "0.01", "--steps", "10", "--schedule", spec)
    header, row = run.out.splitlines()[1:3]
    assert header.split()[:5] == ["optimizer", "first", "lr", "final", "lr"]
    final = 0.01 * 0.97 ** 10
    assert row.split()[1] == "0.01" and float(row.split()[2]) == pytest.approx(final, rel=1e-5)


def test_a_spec_with_several_schedules_is_refused(cli):
    run = cli("simulate", "rosenbrock", "--schedule", str(ROOT / "configs" / "tutorial.yaml"))
    assert run.code == 2
    assert "holds 5 schedules (lambda, step, multistep, exponential, cyclic); --schedule takes" in run.err


def test_a_scheduler_the_optimizer_cannot_take_is_a_located_error(cli):
    run = cli("simulate", "rosenbrock", "-O", "adagrad", "--steps", "5",
              "--schedule", str(ROOT / "configs" / "cycliclr-adam.yaml"))
    assert run.code == 2
    assert "cycliclr-adam.yaml:7: scheduler.cycle_momentum: Adagrad has neither momentum" in run.err


def test_an_error_the_runs_length_causes_says_what_the_engines_rows_are(cli, write_spec, tmp_path):
    """The engine counts rows; simulate steps the scheduler once per optimizer step."""
    spec = write_spec("scheduler: {type: OneCycleLR, max_lr: 0.01, total_steps: 20}\n")
    run = cli("simulate", "rosenbrock", "-O", "sgd,adam", "--steps", "30", "--schedule", spec)
    assert run.code == 2 and run.out == ""
    assert run.err == (f"error: {spec}:1: scheduler.total_steps: allows at most 21 epochs (rows up "
                       "to step total_steps = 20; torch raises when stepped past it), got 31 (with "
                       "SGD: 30 optimizer steps step the scheduler as often, 31 rows)\n")
    state = tmp_path / "s.json"
    assert cli("simulate", "rosenbrock", "-O", "adam", "--steps", "15", "--schedule", spec,
               "--save-state", state).code == 0
    resumed = cli("simulate", "--resume", state, "--steps", "10", "--schedule", spec)
    assert resumed.err.endswith("got 26 (with Adam: 25 optimizer steps step the scheduler as "
                                "often, 26 rows)\n")
    lam = write_spec("scheduler: {type: LambdaLR, lr_lambda: 'lambda epoch: 1 / (5 - epoch)'}\n")
    run = cli("simulate", "rosenbrock", "-O", "adam", "--steps", "20", "--schedule", lam)
    assert run.err == (f"error: {lam}:1: scheduler.lr_lambda: division by zero ('/') at epoch = 5 "
                       "(with Adam: 20 optimizer steps step the scheduler as often, 21 rows)\n")
    # an error that is not the run's length (any length gives it) is the engine's own
    adagrad = cli("simulate", "rosenbrock", "-O", "adagrad", "--steps", "5",
                  "--schedule", str(ROOT / "configs" / "cycliclr-adam.yaml"))
    assert adagrad.err.endswith("set cycle_momentum: false\n") and "rows)" not in adagrad.err


# every key a scheduler's constructor leaves in the param group, in the order torch writes them
GROUP_KEYS = {
    "none": (None, []),          # torch's state_dict has no initial_lr without a scheduler
    "StepLR": ("{type: StepLR, step_size: 7}", ["initial_lr"]),
    "CyclicLR": ("{type: CyclicLR, base_lr: 0.001, max_lr: 0.01, step_size_up: 5}",
                 ["max_momentum", "base_momentum", "initial_lr"]),
    "CyclicLR-no-momentum": ("{type: CyclicLR, base_lr: 0.001, max_lr: 0.01, step_size_up: 5, "
                             "cycle_momentum: false}", ["initial_lr"]),
    "OneCycleLR": ("{type: OneCycleLR, max_lr: 0.01, total_steps: 100}",
                   ["initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"]),
    "OneCycleLR-no-momentum": ("{type: OneCycleLR, max_lr: 0.01, total_steps: 100, "
                               "cycle_momentum: false}", ["initial_lr", "max_lr", "min_lr"]),
}


def _saved_group(cli, tmp_path, write_spec, scheduler, optimizer):
    state = tmp_path / "s.json"
    extra = () if scheduler is None else ("--schedule", write_spec(f"scheduler: {scheduler}\n"))
    run = cli("simulate", "rosenbrock", "-O", optimizer, "--lr", "0.003", "--steps", "7",
              "--save-state", state, *extra)
    assert run.code == 0, run
    return json.loads(state.read_text())["runs"][0]["state_dict"]["param_groups"][0]


@pytest.mark.parametrize("kind", sorted(GROUP_KEYS))
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_saved_param_groups_hold_the_schedulers_keys_in_torchs_order(cli, tmp_path, write_spec,
                                                                      kind, optimizer):
    scheduler, keys = GROUP_KEYS[kind]
    group = _saved_group(cli, tmp_path, write_spec, scheduler, optimizer)
    keywords = list(get_optimizer(optimizer).defaults)
    assert list(group) == keywords + keys + ["params"]
    expected = {"none": None, "StepLR": 0.003, "CyclicLR": 0.001, "OneCycleLR": 0.01 / 25}
    assert group.get("initial_lr") == expected[kind.split("-")[0]]
    if "max_lr" in group:
        assert (group["max_lr"], group["min_lr"]) == (0.01, 0.01 / 25 / 1e4)
    if "max_momentum" in group:
        assert (group["max_momentum"], group["base_momentum"]) == (
            (0.9, 0.8) if kind == "CyclicLR" else (0.95, 0.85))


@pytest.mark.parametrize("kind", sorted(GROUP_KEYS))
def test_saved_param_groups_are_torchs(cli, tmp_path, write_spec, kind):
    """The same keys, values and order as torch's scheduler leaves in the optimizer (the lr
    and the momentum it cycles apart: those are the last step's)."""
    torch = pytest.importorskip("torch")
    import yaml

    scheduler, _ = GROUP_KEYS[kind]
    group = _saved_group(cli, tmp_path, write_spec, scheduler, "SGD")
    opt = torch.optim.SGD([torch.zeros(2, dtype=torch.float64, requires_grad=True)], lr=0.003)
    if scheduler is not None:
        spec = load_spec({"scheduler": yaml.safe_load(scheduler)}).schedules[0]
        params = {k: v for k, v in spec.scheduler.params.items() if k != "last_epoch"}
        getattr(torch.optim.lr_scheduler, spec.scheduler.type)(opt, **params)
    theirs = {k: v for k, v in opt.state_dict()["param_groups"][0].items() if k != "lr"}
    ours = {k: v for k, v in group.items() if k not in ("lr", "momentum")}
    assert list(ours) == [k for k in theirs if k != "momentum"]
    assert ours == {k: v for k, v in theirs.items() if k != "momentum"}


# ------------------------------------------------------------------------------ save / resume

def _steps_json(cli, *args):
    return as_json(cli("simulate", *args, "-f", "json"))


@pytest.mark.parametrize("schedule", [None, "cycliclr-adam.yaml"])
def test_n_steps_saved_and_resumed_for_m_is_n_plus_m(cli, tmp_path, schedule):
    extra = () if schedule is None else ("--schedule", str(ROOT / "configs" / schedule))
    opts = ("-O", "adam,sgd,nadam,rmsprop", "--lr", "0.003,0.02") + extra
    state = tmp_path / "state.json"
    first = _steps_json(cli, "rosenbrock", *opts, "--steps", "137", "--save-state", state)
    second = _steps_json(cli, "--resume", state, "--steps", "63", *extra)
    whole = _steps_json(cli, "rosenbrock", *opts, "--steps", "200")
    assert [r["label"] for r in second] == [r["label"] for r in first]   # kept across the file
    for a, b, w in zip(first, second, whole):
        assert a["path"] + b["path"][1:] == w["path"]          # bit for bit
        assert b["steps_to_1e3"] == w["steps_to_1e3"]          # global step counts
        if schedule:
            assert a["lr_per_step"] + b["lr_per_step"] == w["lr_per_step"]
            assert a["momentum_per_step"] + b["momentum_per_step"] == w["momentum_per_step"]
    saved = json.loads(state.read_text())
    assert saved["function"] == "rosenbrock" and len(saved["runs"]) == 8
    group = saved["runs"][0]["state_dict"]["param_groups"][0]
    assert saved["runs"][0]["state_dict"]["state"]["0"]["step"] == 137.0
    if schedule:   # torch's CyclicLR writes these into the group
        assert group["initial_lr"] == 0.0001 and group["max_momentum"] == 0.95


def test_resume_refuses_a_mismatch_with_a_clear_message(cli, tmp_path):
    state = tmp_path / "s.json"
    cli("simulate", "rosenbrock", "-O", "adam", "--steps", "5", "--save-state", state)
    cases = {
        ("himmelblau", "--resume", state): "s.json: function: the saved runs are on 'rosenbrock', not 'himmelblau'",
        ("rosenbrock", "-O", "sgd", "--resume", state): "runs[0].optimizer: the saved run is a Adam state, not SGD",
        ("rosenbrock", "--resume", state, "--lr", "0.1"): "--lr: cannot be combined with --resume",
        ("--resume", state, "--schedule", str(ROOT / "configs" / "steplr.yaml")):
            "ran without a scheduler; a scheduler cannot start mid-run here",
    }
    for args, message in cases.items():
        run = cli("simulate", *args)
        assert run.code == 2 and message in run.err, (args, run)
        assert "Traceback" not in run.err


def test_resume_needs_the_schedule_it_was_saved_with(cli, tmp_path):
    state = tmp_path / "s.json"
    cli("simulate", "rosenbrock", "-O", "adam", "--steps", "5", "--save-state", state,
        "--schedule", str(ROOT / "configs" / "steplr.yaml"))
    run = cli("simulate", "--resume", state, "--steps", "5")
    assert run.code == 2
    assert "was driven by a scheduler for 5 steps: pass the same --schedule" in run.err


@pytest.mark.parametrize("content, message", [
    ("", "not a valid JSON state file (truncated?)"),
    ('{"format": "lrsched-simulate-state", "version": 1, "function": "rosenbrock", "ru',
     "not a valid JSON state file (truncated?)"),
    ('{"state": {}, "param_groups": []}', "not an lrsched simulation state file"),
    ("function: rosenbrock\n", "not a valid JSON state file"),
])
def test_bad_resume_files(cli, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    run = cli("simulate", "rosenbrock", "--resume", path)
    assert run.code == 2 and message in run.err and str(path) in run.err, run


def test_a_truncated_real_state_file_is_refused(cli, tmp_path):
    state = tmp_path / "s.json"
    cli("simulate", "rosenbrock", "--steps", "5", "--save-state", state)
    state.write_text(state.read_text()[:-40])
    run = cli("simulate", "--resume", state)
    assert run.code == 2 and "truncated?" in run.err


# ------------------------------------------------------------------------------ divergence

def test_divergence_is_flagged_and_strict_exits_1(cli):
    # RAdam's first five steps are plain momentum steps: at lr 0.01 it leaves the valley
    run = cli("simulate", "rosenbrock", "-O", "radam,adam", "--lr", "0.01", "--steps", "20")
    assert run.code == 0
    rows = {line.split()[0]: line.split() for line in run.out.splitlines()[2:]}
    assert rows["RAdam"][-1] == "3" and rows["Adam"][-1] == "-"
    strict = cli("simulate", "rosenbrock", "-O", "radam,adam", "--lr", "0.01", "--steps", "20", "--strict")
    assert strict.code == 1
    assert strict.out == run.out                       # the table is still printed
    assert strict.err == "error: 1 of 2 runs diverged (RAdam lr=0.01 at step 3) [--strict]\n"
    calm = cli("simulate", "rosenbrock", "-O", "adam", "--steps", "20", "--strict")
    assert calm.code == 0 and calm.err == ""


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("args, message", [
    (("rosenbrok",), "error: FUNCTION: unknown test function 'rosenbrok'; did you mean 'rosenbrock'?"),
    (("rosenbrock", "-O", "adamm"), "error: --optimizer: unknown optimizer 'adamm'; did you mean 'Adam'?"),
    (("rosenbrock", "--start", "nan,1"), "error: --start: must be a point X,Y of two finite numbers"),
    (("rosenbrock", "--start", "inf,1"), "error: --start: must be a point X,Y of two finite numbers"),
    (("rosenbrock", "--start", "1"), "error: --start: must be a point X,Y"),
    (("rosenbrock", "--steps", "0"), "error: --steps: must be an int in the range [1, inf), got 0"),
    (("rosenbrock", "--steps", "-3"), "error: --steps: must be an int in the range [1, inf), got -3"),
    (("rosenbrock", "--steps", "1e7"), "error: --steps: must be at most 1,000,000"),
    (("rosenbrock", "--lr", "-0.1"), "error: --lr: must be learning rates"),
    (("rosenbrock", "--lr", "fast"), "error: --lr: must be learning rates"),
    (("rosenbrock", "-o", "out.gif"), "error: --output: out.gif has '.gif'"),
    (("rosenbrock", "-f", "csv"), "error: --format:"),
    (("nosuch.yaml",), "error: nosuch.yaml: no such file"),
    ((), "error: missing FUNCTION"),
])
def test_bad_input_exits_2_with_one_clear_line(cli, args, message):
    run = cli("simulate", *args)
    assert run.code == 2, run
    assert run.err.startswith(message), run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


@settings(max_examples=40, deadline=None)
@given(flag=st.sampled_from(["--lr", "--start", "-O", "--format"]),
       value=st.text(alphabet="0123456789.,-+eEinfa_ x", max_size=12))
def test_any_flag_value_is_a_run_or_a_clean_error(flag, value):
    from conftest import run_cli

    run = run_cli("simulate", "booth", "--steps", "3", flag, value)
    assert run.code in (0, 2), run
    assert "Traceback" not in run.err and "internal error" not in run.err
    if run.code == 2:
        assert run.err.startswith("error: ") and run.err.count("\n") == 1


def test_a_loss_that_overflows_is_null_in_json(cli):
    records = as_json(cli("simulate", "rosenbrock", "-O", "adam", "--start", "1e200,1",
                          "--steps", "2", "-f", "json"))
    assert records[0]["loss"] == [None, None, None] and records[0]["path"][0] == [1e200, 1.0]
    assert records[0]["diverged_step"] == 1


def test_too_many_run_steps_are_refused_up_front(cli):
    lrs = ",".join(str(0.001 * k) for k in range(1, 31))
    run = cli("simulate", "rosenbrock", "--lr", lrs, "--steps", "1000000")
    assert run.code == 2 and "90 runs x 1,000,000 steps is more than 20,000,000" in run.err


def test_unwritable_outputs_fail_before_simulating(cli, tmp_path):
    run = cli("simulate", "rosenbrock", "-o", tmp_path / "missing" / "x.png")
    assert run.code == 1 and "folder" in run.err and run.out == ""


@pytest.mark.parametrize("flag, name", [("-o", "x.png"), ("--save-state", "s.json")])
def test_an_output_inside_a_file_is_refused_as_plot_and_table_refuse_it(cli, tmp_path, flag, name):
    """One output check for every command: plot's and table's words, before any work."""
    (tmp_path / "afile").write_text("")
    target = str(tmp_path / "afile" / name)
    run = cli("simulate", "rosenbrock", flag, target)
    assert (run.code, run.out) == (1, "")
    assert run.err == f"error: cannot write {target}: {tmp_path / 'afile'} is not a folder\n"
    plot = cli("plot", "-o", tmp_path / "afile" / "x.png")
    assert plot.code == 1 and plot.err == run.err.replace(name, "x.png")
    missing = str(tmp_path / "missing" / name)
    run = cli("simulate", "rosenbrock", flag, missing)
    assert run.err == f"error: cannot write {missing}: folder {tmp_path / 'missing'} does not exist\n"
    assert sorted(os.listdir(tmp_path)) == ["afile"]       # the check leaves nothing behind


# ------------------------------------------------------------------------------ simulation files

def test_simulation_file_runs_its_optimizers_lrs_and_scheduler(cli, write_spec):
    path = write_spec(
        "function: himmelblau\nsteps: 40\nstart: [1, 1]\nlr: [0.01, 0.03]\n"
        "optimizers:\n  - adam\n  - {type: SGD, momentum: 0.9, lr: 0.002, label: heavy ball}\n"
        "scheduler: {type: ExponentialLR, gamma: 0.99}\n")
    records = as_json(cli("simulate", path, "-f", "json"))
    assert [(r["optimizer"], r["lr"], r["label"]) for r in records] == [
        ("Adam", 0.01, "Adam lr=0.01"), ("Adam", 0.03, "Adam lr=0.03"),
        ("SGD", 0.002, "heavy ball")]
    assert all(r["path"][0] == [1.0, 1.0] and len(r["path"]) == 41 for r in records)
    assert records[2]["lr_per_step"][1] == 0.002 * 0.99
    table = cli("simulate", path, "--steps", "5").out
    assert "heavy ball" in table and "Adam" in table
    # flags override the file
    flagged = as_json(cli("simulate", path, "-O", "rmsprop", "--lr", "0.1", "--steps", "3",
                          "-f", "json"))
    assert [(r["optimizer"], r["lr"], len(r["path"])) for r in flagged] == [("RMSprop", 0.1, 4)]


def test_keywords_that_differ_from_torch_defaults_name_the_run(cli, write_spec):
    path = write_spec("function: rosenbrock\nsteps: 5\noptimizers:\n"
                      "  - {type: Adam, betas: [0.3, 0.9], amsgrad: true}\n  - {type: RAdam, eps: 1e-8}\n")
    names = [line.split()[0] for line in cli("simulate", path).out.splitlines()[2:]]
    assert names == ["Adam(betas=(0.3,0.9),amsgrad=True)", "RAdam"]


@pytest.mark.parametrize("body, where", [
    ("function: rosenbrock\noptimizers:\n  - adam\n  - {type: Adam, betaz: [0.3, 0.9]}\n",
     ":4: optimizers[1].betaz: unknown keyword 'betaz' for Adam; did you mean 'betas'?"),
    ("function: rosenbrock\noptimizers:\n  - type: SGD\n    lr: 0.1\n    momentum: -1\n",
     ":5: optimizers[0].momentum: "),
    ("function: rosenbrock\noptimizers: [adam, radm]\n",
     ":2: optimizers[1]: unknown optimizer 'radm'; did you mean 'RAdam'?"),
    ("function: rosenbrok\n", ":1: function: unknown test function 'rosenbrok'; did you mean 'rosenbrock'?"),
    ("function: rosenbrock\nstep: 10\n", ":2: step: unknown key 'step'; did you mean 'steps'?"),
    ("function: rosenbrock\nsteps: 0\n", ":2: steps: must be an int in the range [1, 1000000], got 0"),
    ("function: rosenbrock\nstart: [1, .inf]\n", ":2: start: must be a point [x, y] of two finite numbers"),
    ("function: rosenbrock\nlr: [0.1, -1]\n", ":2: lr[1]: must be a learning rate"),
    ("function: rosenbrock\nscheduler: {type: StepLR, step_size: -3}\n",
     ":2: scheduler.step_size: must be an int in the range [1, inf), got -3"),
    ("function: rosenbrock\nscheduler: {type: StepLR, step_size: 3, last_epoch: 4}\n",
     ":2: scheduler.last_epoch: simulate starts the scheduler fresh"),
    ("optimizers: [adam]\n", ":1: missing key 'function'"),
    ("function: rosenbrock\noptimizers:\n  - {lr: 0.1}\n", ":3: optimizers[0]: missing key 'type'"),
])
def test_simulation_file_errors_are_located(cli, write_spec, body, where):
    path = write_spec(body)
    run = cli("simulate", path)
    assert run.code == 2, run
    assert run.err.startswith(f"error: {path}{where}"), run.err


def test_a_schedule_spec_given_as_function_points_to_schedule(cli):
    spec = str(ROOT / "configs" / "steplr.yaml")
    run = cli("simulate", spec)
    assert run.code == 2
    assert (f"this looks like a schedule spec, not a simulation file (it has no 'function'): pass "
            f"it with --schedule, as in `lrsched simulate rosenbrock --schedule {spec}`") in run.err


def test_simulation_file_on_stdin(cli):
    records = as_json(cli("simulate", "-", "-f", "json",
                          stdin="function: booth\nsteps: 4\noptimizers: [sgd]\n"))
    assert [(r["optimizer"], len(r["path"])) for r in records] == [("SGD", 5)]


@pytest.mark.parametrize("path", SIM_CONFIGS, ids=lambda p: p.name)
def test_example_simulation_files_run(cli, path):
    run = cli("simulate", path, "--steps", "50")
    assert run.code == 0, run
    assert run.out.startswith("# ")


def test_there_are_example_simulation_files():
    assert len(SIM_CONFIGS) >= 2


# ------------------------------------------------------------------------------ figure

def test_figure_holds_every_path_loss_and_lr():
    from lrsched.render.simulate import figure

    result = run_grid("himmelblau", ["Adam", "SGD"], lrs=[0.01, 0.05], steps=300)
    fig = figure(result, title="t")
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.lines if line.get_gid()}
    for i in range(result.n_runs):
        path = lines[f"path:{i}"]
        np.testing.assert_array_equal(path.get_xdata(), result.path[:, i, 0])
        np.testing.assert_array_equal(path.get_ydata(), result.path[:, i, 1])
        lr = lines[f"lr:{i}"]
        np.testing.assert_array_equal(lr.get_ydata(), result.lr[:, i])
        assert f"loss:{i}" in lines
    np.testing.assert_array_equal(lines["minima"].get_xdata(), [m[0] for m in FUNCTIONS["himmelblau"].minima])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "Adam lr=0.01"
    diverged = run_grid("rosenbrock", ["RAdam"], lrs=[0.01], steps=10)
    fig = figure(diverged)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "RAdam lr=0.01 (diverged at step 3)"]


def test_loss_panel_is_f_minus_f_min_clipped_at_a_floor():
    from lrsched.render.simulate import LOSS_FLOOR, figure

    result = run_grid("quadratic", ["Adam"], lrs=[0.5], steps=400)
    fig = figure(result)
    loss = next(line for ax in fig.axes for line in ax.lines if line.get_gid() == "loss:0")
    y = loss.get_ydata()
    assert y.min() >= LOSS_FLOOR and loss.axes.get_yscale() == "log"
    np.testing.assert_array_equal(y[:5], result.loss[:5, 0])


def test_figure_is_written_atomically(cli, tmp_path):
    out = tmp_path / "sim.svg"
    run = cli("simulate", "rosenbrock", "--steps", "30", "-o", out)
    assert run.code == 0 and out.read_text().lstrip().startswith("<?xml")
    assert str(out) in run.err
    assert sorted(os.listdir(tmp_path)) == ["sim.svg"]       # no temporary file left


# ------------------------------------------------------------------------------ --list, help

def test_list_shows_every_function(cli):
    run = cli("simulate", "--list")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["name", "domain", "start", "lr", "f_min", "minima"]
    assert [line.split()[0] for line in lines[1:]] == list(FUNCTIONS)
    assert "rosenbrock       [-2, 2] x [-1, 3]" in run.out and "(-1.2, 1)" in run.out
    listed = json.loads(cli("simulate", "--list", "-f", "json").out)
    assert listed[0] == {"name": "rosenbrock", "domain": [[-2.0, 2.0], [-1.0, 3.0]],
                         "start": [-1.2, 1.0], "minima": [[1.0, 1.0]], "f_min": 0.0,
                         "lr": 0.005, "description": FUNCTIONS["rosenbrock"].description}
    rich = cli("simulate", "--list", "-f", "rich")
    assert rich.code == 0 and "six-hump-camel" in rich.out


def test_help(cli):
    run = cli("simulate", "--help")
    assert run.code == 0
    for flag in ("--optimizer", "--lr", "--steps", "--start", "--schedule", "--output",
                 "--format", "--strict", "--save-state", "--resume", "--list"):
        assert flag in run.out


def test_progress_callback_reports_steps():
    seen = []
    simulate("rosenbrock", [RunConfig("Adam")], 2 * PROGRESS_EVERY + 7, progress=seen.append)
    assert seen == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, 2 * PROGRESS_EVERY + 7]


def test_importing_the_cli_stays_light():
    import subprocess
    import sys

    code = ("import sys, lrsched.cli; bad = [m for m in ('matplotlib', 'lrsched.simulate', "
            "'lrsched.commands.simulate') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"




@pytest.mark.parametrize("width", [50, 60, 80, 120])
def test_the_rich_table_never_cuts_a_number(write_spec, width):
    """Long labels at any width: every number of every run is printed whole (as the plain
    table has it), the names give way instead."""
    import io

    from rich.console import Console

    from lrsched.io.simulation import load_simulation
    from lrsched.render.simulate import rich_table, table_rows
    from lrsched.simulate.plan import fresh_plan, run_plan

    entries = "".join(f"  - {{type: Adam, label: 'Adam(weight_decay=0.01,amsgrad=True) #{i}', amsgrad: true, "
                      f"weight_decay: 0.0{i + 1}}}\n" for i in range(3))
    sim = load_simulation(write_spec(f"function: rosenbrock\nsteps: 40\noptimizers:\n{entries}"))
    result = run_plan(fresh_plan(sim.function, sim.optimizers), sim.steps)
    out = io.StringIO()
    Console(file=out, width=width, highlight=False).print(rich_table(result, width=width))
    text = out.getvalue()
    assert "\u2026" not in "".join(line.split()[-1] for line in text.splitlines() if line.strip())
    tokens = text.split()
    for row in table_rows(result):
        for column, cell in row.items():
            if column not in ("optimizer",) and not column.startswith("_") and cell != "-":
                assert cell in tokens, (column, cell)
