"""The README cannot drift: its quick start is what CI runs, its examples run."""

import re

import yaml

from conftest import ROOT
from lrsched.engine import compute
from lrsched.spec import load_spec

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    lang, body = BLOCKS[0]
    assert lang == "sh"
    commands = [line for line in body.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "lrsched table" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[1] in ci


def test_yaml_examples_load_and_compute(cli, write_spec):
    blocks = [body for lang, body in BLOCKS if lang == "yaml"]
    specs = [b for b in blocks if "function:" not in b]
    simulations = [b for b in blocks if "function:" in b]
    runnable = [yaml.safe_load(b) for b in specs]
    runnable = [s for s in runnable if "scheduler" in s or "schedules" in s]
    assert len(runnable) >= 3 and simulations
    for spec in runnable:
        for schedule in load_spec(spec).schedules:
            compute(schedule)
    for text in simulations:
        run = cli("simulate", write_spec(text), "--steps", "5", "-f", "json")
        assert run.code == 0, run


def test_table_example_output(cli):
    index = next(i for i, (lang, body) in enumerate(BLOCKS) if body.startswith("lrsched table configs/steplr.yaml"))
    command, expected = BLOCKS[index][1].split(), BLOCKS[index + 1][1]
    run = cli(*command[1:])
    assert run.out == expected


def test_error_example_is_what_lrsched_says(cli, write_spec):
    path = write_spec("lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: -3\n  gama: 0.1\n")
    first = cli("table", path).err.strip()
    expected = re.search(r"error: configs/x.yaml:5: (.*)\n", README).group(1)
    assert first == f"error: {path}:5: {expected}"
    spelled = write_spec("lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: 3\n  gama: 0.1\n")
    expected = re.search(r"error: configs/x.yaml:6: (.*)\n", README).group(1)
    assert cli("table", spelled).err.strip() == f"error: {spelled}:6: {expected}"


def test_list_examples_are_what_lrsched_prints(monkeypatch):
    """Every ```console block of the README that runs `lrsched list ...` shows its output (at
    100 columns, trailing spaces aside)."""
    import re

    from conftest import run_cli

    monkeypatch.setenv("COLUMNS", "100")
    blocks = re.findall(r"```console\n\$ lrsched (list[^\n]*)\n(.*?)```", README, re.S)
    assert blocks
    for command, shown in blocks:
        run = run_cli(*command.split())
        assert run.code == 0, run
        assert [line.rstrip() for line in run.out.splitlines()] == shown.rstrip("\n").splitlines(), command
