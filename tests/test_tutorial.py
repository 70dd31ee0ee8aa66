"""The tutorial that started the project prints four tables; `lrsched table --format plain`
must print them character for character (the golden file holds what torch printed, checked
against the tutorial's text by tests/golden/make_schedules.py)."""

import pytest

from conftest import ROOT, load_golden

TUTORIAL = load_golden("schedules.json")["tutorial"]


@pytest.mark.parametrize("name", ["lambda", "step", "multistep", "exponential"])
def test_builtin_default_prints_the_tutorial_tables(cli, name):
    run = cli("table", "--schedule", name, "--format", "plain")
    assert run.code == 0, run
    assert run.out == TUTORIAL[name]


@pytest.mark.parametrize("name, config", [("lambda", "lambdalr"), ("step", "steplr"),
                                          ("multistep", "multisteplr"), ("exponential", "exponentiallr")])
def test_config_files_print_the_tutorial_tables(cli, name, config):
    run = cli("table", ROOT / "configs" / f"{config}.yaml", "--format", "plain")
    assert run.code == 0, run
    assert run.out == TUTORIAL[name]


def test_default_spec_is_the_tutorial_config(cli):
    """configs/tutorial.yaml is the built-in default, printed the same way."""
    assert cli("table", "-f", "plain").out == cli("table", ROOT / "configs" / "tutorial.yaml", "-f", "plain").out


def test_several_schedules_get_a_header_each(cli):
    out = cli("table", "--format", "plain").out
    blocks = out.split("# ")[1:]
    assert [b.splitlines()[0] for b in blocks] == ["lambda", "step", "multistep", "exponential", "cyclic"]
    for name in ["lambda", "step", "multistep", "exponential"]:
        block = next(b for b in blocks if b.startswith(name + "\n"))
        assert block[len(name) + 1:] == TUTORIAL[name]
