"""``lrsched lint``: every rule fires where it should (the right line, the right rows) and not
just inside its threshold; every scheduler declares the facts lint needs; the command's
forms and exit codes; the note ``table`` and ``plot`` print."""

import json
import re

import numpy as np
import pytest

from conftest import ROOT, run_cli
from lrsched.engine import compute
from lrsched.lint import RULES, exit_code, lint, lint_schedule, rule_names
from lrsched.schedules import REGISTRY
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, PERIODIC, Facts
from lrsched.spec import load_spec

CONFIGS = sorted((ROOT / "configs").glob("*.yaml")) + sorted((ROOT / "configs" / "lint").glob("*.yaml"))
LINT_EXAMPLES = sorted((ROOT / "configs" / "lint").glob("*.yaml"))


def declared(path) -> set:
    """The rules a config says it shows (`# lint: a, b (why)`); none: it must lint clean."""
    found = re.search(r"^# lint: ([a-z0-9, -]+?)(?: \(|$)", path.read_text(), re.M)
    return {r.strip() for r in found.group(1).split(",")} if found else set()


def rules_of(spec) -> list:
    return [f.rule for f in lint(load_spec(spec))]


def findings(spec, rule):
    return [f for f in lint(load_spec(spec)) if f.rule == rule]


# ------------------------------------------------------------------ facts

@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_scheduler_declares_what_lint_needs(name):
    facts = REGISTRY[name].facts
    assert isinstance(facts, Facts), f"{name} has no lint facts"
    assert callable(facts.horizon) or facts.horizon in (NO_HORIZON, PERIODIC)
    assert callable(facts.peak) or facts.peak is NO_PEAK
    assert isinstance(facts.sets_lr, bool)
    spec = load_spec(dict(REGISTRY[name].example)).schedules[0]
    for key_path, count in facts.counts(spec.scheduler) + facts.changes(spec.scheduler):
        assert key_path[:len(spec.scheduler.path)] == spec.scheduler.path and count >= 0


def test_every_rule_has_a_name_from_the_spec_and_an_example():
    assert rule_names() == ("onecycle-extrapolated", "rises-after-horizon", "horizon-before-end",
                            "horizon-after-end", "stepped-per-epoch", "stepped-per-step",
                            "warmup-starts-at-zero", "peak-not-reached", "milestone-unreached",
                            "sequential-milestone-zero", "chained-overwrite", "momentum-overridden",
                            "lr-grows", "lr-zero-tail", "warmup-exceeds-run", "plateau-min-lr",
                            "timm-multistep-early")
    examples = {p.stem for p in LINT_EXAMPLES}
    needs_timm = {"timm-multistep-early"} if "timm.MultiStepLRScheduler" not in REGISTRY else set()
    assert set(rule_names()) - needs_timm <= examples


# ------------------------------------------------------------------ configs

@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_configs_lint_clean_or_show_what_they_say(path):
    found = lint(load_spec(path))
    assert {f.rule for f in found} == declared(path)


@pytest.mark.parametrize("path", LINT_EXAMPLES, ids=lambda p: p.stem)
def test_each_example_fires_its_rule_at_the_marked_line(path):
    lines = path.read_text().splitlines()
    marked = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(f"# <- {path.stem}")]
    assert len(marked) == 1, "the example marks the line of its finding"
    found = [f for f in lint(load_spec(path)) if f.rule == path.stem]
    assert [f.line for f in found] == marked
    assert found[0].file == str(path) and found[0].message


# ------------------------------------------------------------------ each rule, and its near miss

def test_onecycle_extrapolated():
    spec = {"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
            "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 100}}
    assert "onecycle-extrapolated" not in rules_of(spec | {"epochs": 100})
    (f,) = findings(spec | {"epochs": 101}, "onecycle-extrapolated")
    assert f.rows == (100, 100) and f.severity == "warning"
    # per update, in a SequentialLR after a warmup: the child's own steps count
    units = {"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9}, "steps_per_epoch": 10, "interval": "step",
             "warmup": {"steps": 5}, "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 20}}
    assert "onecycle-extrapolated" not in rules_of(units | {"max_steps": 25})
    (f,) = findings(units | {"max_steps": 26}, "onecycle-extrapolated")
    assert f.rows == (25, 25) and "step 25 (epoch 2)" in f.message


def test_rises_after_horizon():
    spec = {"lr": 0.1, "scheduler": {"type": "CosineAnnealingLR", "T_max": 100}}
    assert "rises-after-horizon" not in rules_of(spec | {"epochs": 101})     # ends at eta_min
    (f,) = findings(spec | {"epochs": 102}, "rises-after-horizon")
    assert f.rows == (101, 101)
    # a floor equal to the start: nothing climbs, nothing to say
    flat = {"lr": 0.1, "epochs": 150, "scheduler": {"type": "CosineAnnealingLR", "T_max": 100, "eta_min": 0.1}}
    assert "rises-after-horizon" not in rules_of(flat)


def test_horizon_before_end_at_90_percent():
    spec = {"lr": 0.1, "epochs": 100, "scheduler": {"type": "PolynomialLR", "power": 0.5}}
    assert "horizon-before-end" not in rules_of(spec | {"scheduler": spec["scheduler"] | {"total_iters": 90}})
    (f,) = findings(spec | {"scheduler": spec["scheduler"] | {"total_iters": 89}}, "horizon-before-end")
    assert f.rows == (90, 99)


def test_horizon_after_end_at_90_percent():
    spec = {"lr": 0.1, "scheduler": {"type": "CosineAnnealingLR", "T_max": 100}}
    assert "horizon-after-end" not in rules_of(spec | {"epochs": 90})
    (f,) = findings(spec | {"epochs": 89}, "horizon-after-end")
    assert f.rows == (88, 88)


def test_stepped_per_epoch_at_90_percent_of_the_updates():
    spec = {"lr": 0.1, "epochs": 10, "steps_per_epoch": 100}
    fires = spec | {"scheduler": {"type": "CosineAnnealingLR", "T_max": 900}}
    assert findings(fires, "stepped-per-epoch")[0].rows == (0, 999)
    assert "horizon-after-end" not in rules_of(fires)       # the one finding, not two
    assert "stepped-per-epoch" not in rules_of(spec | {"scheduler": {"type": "CosineAnnealingLR", "T_max": 899}})
    # one update an epoch: nothing to confuse
    one = {"lr": 0.1, "epochs": 1000, "steps_per_epoch": 1, "scheduler": {"type": "CosineAnnealingLR", "T_max": 999}}
    assert "stepped-per-epoch" not in rules_of(one)


def test_stepped_per_step_at_110_percent_of_the_epochs():
    spec = {"lr": 0.1, "epochs": 10, "steps_per_epoch": 100, "interval": "step"}
    (f,) = findings(spec | {"scheduler": {"type": "StepLR", "step_size": 11, "gamma": 0.9}}, "stepped-per-step")
    assert f.rows == (0, 11)
    assert "stepped-per-step" not in rules_of(spec | {"scheduler": {"type": "StepLR", "step_size": 12, "gamma": 0.9}})
    # a schedule without counts is not sized in anything
    assert "stepped-per-step" not in rules_of(spec | {"scheduler": {"type": "ExponentialLR", "gamma": 0.999}})


def test_warmup_starts_at_zero_is_an_info():
    zero = {"lr": 0.1, "epochs": 10, "scheduler": {"type": "LambdaLR", "lr_lambda": "epoch / 5 if epoch < 5 else 1.0"}}
    (f,) = findings(zero, "warmup-starts-at-zero")
    assert (f.severity, f.rows) == ("info", (0, 0)) and exit_code([f]) == 0
    tiny = zero | {"scheduler": {"type": "LambdaLR", "lr_lambda": "(epoch + 1e-300) / 5 if epoch < 5 else 1.0"}}
    assert "warmup-starts-at-zero" not in rules_of(tiny)


def test_peak_not_reached_at_99_percent():
    # a warmup to lr 1.0 over 100 steps, cut short: the last row is the run's largest lr
    spec = {"lr": 1.0, "warmup": {"steps": 100, "start_factor": 0.01}, "scheduler": {"type": "ConstantLR", "factor": 1.0}}
    tops = {epochs: compute(spec | {"epochs": epochs}).lr.max() for epochs in range(90, 101)}
    inside = min(e for e, top in tops.items() if top >= 0.99)
    assert tops[inside - 1] < 0.99 <= tops[inside]
    assert "peak-not-reached" not in rules_of(spec | {"epochs": inside})
    (f,) = findings(spec | {"epochs": inside - 1}, "peak-not-reached")
    assert f.rows == (inside - 2, inside - 2) and f.key == "warmup"


def test_milestone_unreached():
    spec = {"lr": 0.1, "epochs": 80, "scheduler": {"type": "MultiStepLR", "milestones": [30, 79]}}
    assert "milestone-unreached" not in rules_of(spec)
    (f,) = findings(spec | {"scheduler": {"type": "MultiStepLR", "milestones": [30, 80]}}, "milestone-unreached")
    assert f.key == "scheduler.milestones[1]" and f.rows is None
    step = {"lr": 0.1, "epochs": 5, "scheduler": {"type": "StepLR", "step_size": 5}}
    assert findings(step, "milestone-unreached")[0].key == "scheduler.step_size"
    assert "milestone-unreached" not in rules_of(step | {"epochs": 6})


def test_sequential_milestone_zero():
    spec = {"lr": 0.1, "epochs": 10, "scheduler": {"type": "SequentialLR", "schedulers": [
        {"type": "ConstantLR", "factor": 0.5}, {"type": "ExponentialLR", "gamma": 0.9}]}}
    assert "sequential-milestone-zero" not in rules_of(spec | {"scheduler": spec["scheduler"] | {"milestones": [1]}})
    (f,) = findings(spec | {"scheduler": spec["scheduler"] | {"milestones": [0]}}, "sequential-milestone-zero")
    assert f.key == "scheduler.milestones[0]"


def test_chained_overwrite():
    lam = {"type": "LambdaLR", "lr_lambda": "0.5"}
    exp = {"type": "ExponentialLR", "gamma": 0.9}
    spec = {"lr": 0.1, "epochs": 10}
    assert "chained-overwrite" not in rules_of(spec | {"scheduler": {"type": "ChainedScheduler", "schedulers": [lam, exp]}})
    (f,) = findings(spec | {"scheduler": {"type": "ChainedScheduler", "schedulers": [exp, lam]}}, "chained-overwrite")
    assert f.key == "scheduler.schedulers[1].type"


def test_momentum_overridden_outside_the_cycle_only():
    def spec(momentum):
        return {"optimizer": {"type": "SGD", "lr": 0.01, "momentum": momentum}, "epochs": 20,
                "scheduler": {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5}}
    assert "momentum-overridden" not in rules_of(spec(0.8)) and "momentum-overridden" not in rules_of(spec(0.9))
    (f,) = findings(spec(0.79), "momentum-overridden")
    assert f.rows == (0, 19) and "0.79" in f.message
    off = spec(0) | {"scheduler": spec(0)["scheduler"] | {"cycle_momentum": False}}
    assert "momentum-overridden" not in rules_of(off)
    adam = {"optimizer": {"type": "Adam", "lr": 0.001, "betas": [0.99, 0.999]}, "epochs": 20,
            "scheduler": {"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 20}}
    assert "beta1" in findings(adam, "momentum-overridden")[0].message


def test_lr_grows():
    assert "lr-grows" not in rules_of({"lr": 0.1, "epochs": 5, "scheduler": {"type": "ExponentialLR", "gamma": 1.0}})
    (f,) = findings({"lr": 0.1, "epochs": 5, "scheduler": {"type": "StepLR", "step_size": 2, "gamma": 1.0001}},
                    "lr-grows")
    assert f.key == "scheduler.gamma"
    floor = {"lr": 0.1, "epochs": 5, "scheduler": {"type": "CosineAnnealingLR", "T_max": 4}}
    assert "lr-grows" not in rules_of(floor | {"scheduler": floor["scheduler"] | {"eta_min": 0.1}})
    assert findings(floor | {"scheduler": floor["scheduler"] | {"eta_min": 0.2}}, "lr-grows")[0].key == "scheduler.eta_min"
    mult = {"lr": 0.1, "epochs": 6, "scheduler": {"type": "MultiplicativeLR", "lr_lambda": "1.1 if epoch == 3 else 0.9"}}
    (f,) = findings(mult, "lr-grows")
    assert f.rows == (3, 5)
    assert "lr-grows" not in rules_of(mult | {"scheduler": {"type": "MultiplicativeLR", "lr_lambda": "0.9"}})


def test_lr_zero_tail_at_5_percent():
    spec = {"lr": 0.1, "scheduler": {"type": "PolynomialLR", "total_iters": 95}}
    (f,) = findings(spec | {"epochs": 100}, "lr-zero-tail")         # 5 of 100 rows
    assert f.rows == (95, 99)
    assert "lr-zero-tail" not in rules_of(spec | {"epochs": 99})   # 4 of 99: 4.04%


def test_warmup_exceeds_run():
    spec = {"lr": 0.1, "warmup": {"steps": 30}, "scheduler": {"type": "ConstantLR", "factor": 1.0}}
    (f,) = findings(spec | {"epochs": 30}, "warmup-exceeds-run")
    assert f.key == "warmup" and f.rows == (0, 29)
    assert "warmup-exceeds-run" not in rules_of(spec | {"epochs": 31})
    # a warmup in epochs of updates, stepped per update
    units = {"lr": 0.1, "steps_per_epoch": 10, "interval": "step", "warmup": {"epochs": 3},
             "scheduler": {"type": "ConstantLR", "factor": 1.0}}
    assert "warmup-exceeds-run" in rules_of(units | {"epochs": 3})
    assert "warmup-exceeds-run" not in rules_of(units | {"epochs": 4})


def test_plateau_min_lr():
    spec = {"lr": 0.001, "epochs": 3, "scheduler": {"type": "ReduceLROnPlateau", "metrics": [1.0, 1.0]}}
    assert "plateau-min-lr" not in rules_of(spec | {"scheduler": spec["scheduler"] | {"min_lr": 0.000999}})
    (f,) = findings(spec | {"scheduler": spec["scheduler"] | {"min_lr": 0.001}}, "plateau-min-lr")
    assert f.key == "scheduler.min_lr"


def test_units_rows_are_the_tables_rows():
    spec = {"lr": 0.1, "epochs": 4, "steps_per_epoch": 5,
            "scheduler": {"type": "CosineAnnealingLR", "T_max": 2}}
    (f,) = findings(spec, "rises-after-horizon")
    # interval epoch: state 3 is epoch 3, rows 15-19 of the table
    assert f.rows == (15, 19) and "steps 15-19 (epoch 3)" in f.message


def test_several_schedules_name_theirs():
    doc = {"lr": 0.1, "epochs": 100, "schedules": [
        {"name": "fine", "scheduler": {"type": "CosineAnnealingLR", "T_max": 99}},
        {"name": "short", "scheduler": {"type": "CosineAnnealingLR", "T_max": 5}}]}
    found = lint(load_spec(doc))
    assert {f.schedule for f in found} == {"short"}
    assert all(f.message.startswith("short: ") for f in found)


# ------------------------------------------------------------------ the command

def test_text_lines_and_exit_1(write_spec):
    path = write_spec("lr: 0.1\nepochs: 50\nscheduler:\n  type: ExponentialLR\n  gamma: 1.05\n")
    run = run_cli("lint", path)
    assert run.code == 1
    assert run.out == (f"{path}:5: warning: gamma = 1.05 is a decay factor above 1: the lr grows 1.05x at every "
                       f"decay; use a factor below 1 [lr-grows]\n")
    assert run.err == "1 warning in 1 schedule\n"


def test_clean_and_info_only_exit_0(write_spec):
    clean = run_cli("lint", write_spec("lr: 0.1\nepochs: 10\nscheduler: {type: StepLR, step_size: 3}\n"))
    assert (clean.code, clean.out, clean.err) == (0, "", "")
    info = run_cli("lint", str(ROOT / "configs/lint/warmup-starts-at-zero.yaml"))
    assert info.code == 0 and "[warmup-starts-at-zero]" in info.out


def test_bad_spec_exit_2(write_spec):
    run = run_cli("lint", write_spec("lr: 0.1\nepochs: 10\nscheduler: {type: StepLR, step_size: 0}\n"))
    assert run.code == 2 and run.out == "" and run.err.startswith("error: ")


def test_json_form():
    path = str(ROOT / "configs/lint/horizon-before-end.yaml")
    run = run_cli("lint", path, "--format", "json")
    assert run.code == 1
    data = json.loads(run.out)
    assert [d["rule"] for d in data] == ["horizon-before-end", "lr-zero-tail"]
    assert set(data[0]) == {"file", "line", "schedule", "rule", "severity", "message", "rows"}
    assert (data[0]["file"], data[0]["line"], data[0]["rows"]) == (path, 8, [21, 30])


def test_ignore(write_spec):
    path = str(ROOT / "configs/lint/horizon-before-end.yaml")
    run = run_cli("lint", path, "--ignore", "horizon-before-end", "--ignore", "lr-zero-tail")
    assert (run.code, run.out) == (0, "")
    bad = run_cli("lint", path, "--ignore", "lr-zero-tale")
    assert bad.code == 2 and "did you mean 'lr-zero-tail'" in bad.err


def test_table_and_plot_note_lint_warnings_on_a_terminal(monkeypatch, tmp_path):
    import lrsched.commands.common as common

    path = str(ROOT / "configs/lint/horizon-before-end.yaml")
    assert "note:" not in run_cli("table", path).err          # not a terminal: quiet
    monkeypatch.setattr(common, "isatty", lambda stream: stream is __import__("sys").stderr)
    run = run_cli("table", path, "-f", "plain")
    assert run.err == f"note: 2 lint warnings (lrsched lint {path})\n"
    run = run_cli("plot", path, "-o", str(tmp_path / "x.png"))
    assert run.err.startswith(f"note: 2 lint warnings (lrsched lint {path})\n")


def test_lint_result_given_or_computed_agree():
    schedule = load_spec(ROOT / "configs/lint/lr-zero-tail.yaml").schedules[0]
    assert lint_schedule(schedule) == lint_schedule(schedule, compute(schedule))
    assert len(RULES) == 17
    assert np.isfinite(compute(schedule).lr).all()


def test_the_readme_shows_what_lint_prints(monkeypatch):
    readme = (ROOT / "README.md").read_text()
    (shown,) = re.findall(r"```console\n\$ lrsched lint configs/lint-example.yaml\n(.*?)```", readme, re.S)
    monkeypatch.chdir(ROOT)
    run = run_cli("lint", "configs/lint-example.yaml")
    assert run.code == 1 and run.out == shown
    assert run.err == "3 warnings in 1 schedule\n"
