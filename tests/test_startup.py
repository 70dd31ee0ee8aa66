"""Start-up and interrupts: `lrsched --help` and `--version` import no NumPy, `import lrsched`
neither."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from conftest import ROOT

HEAVY = ("numpy", "rich", "matplotlib", "yaml")


def lrsched_env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="")
    env.pop("LRSCHED_MEMORY_LIMIT", None)
    return env


# ============================================================================== start-up

def imported_modules(*args: str) -> tuple[subprocess.CompletedProcess, set]:
    """Run ``python -X importtime -m lrsched ARGS``: the run, and every module it imported."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "lrsched", *args],
                         capture_output=True, text=True, env=lrsched_env())
    modules = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines()
               if line.startswith("import time:")}
    return run, modules - {"imported package"}


@pytest.mark.parametrize("args, code", [(["--help"], 0), (["-h"], 0), (["--version"], 0), (["-V"], 0),
                                        ([], 2)])
def test_help_and_version_import_nothing_heavy(args, code):
    run, modules = imported_modules(*args)
    assert run.returncode == code, run.stderr
    assert "click" in modules and "lrsched.cli" in modules   # the timing lines are there
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []
    assert sorted(m for m in modules if m.startswith("lrsched.commands")) == []


def test_import_lrsched_is_light():
    code = ("import sys, lrsched\n"
            "print(lrsched.__version__)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {}))\n".format(set(HEAVY)))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=lrsched_env())
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == "0.1.0\n[]\n"


def test_public_names_come_on_first_use():
    import lrsched
    from lrsched import RunError, ScheduleResult, compute, load_spec, lr_table
    from lrsched import engine, errors, spec

    assert (compute, lr_table, ScheduleResult) == (engine.compute, engine.lr_table, engine.ScheduleResult)
    assert (load_spec, RunError) == (spec.load_spec, errors.RunError)
    assert (lrsched.LrschedError, lrsched.SpecError) == (errors.LrschedError, errors.SpecError)
    assert lrsched.__all__ == ["__version__", "compute", "load_spec", "lr_table", "ScheduleResult",
                               "LrschedError", "SpecError", "RunError"]
    assert set(lrsched.__all__) <= set(dir(lrsched))
    star: dict = {}
    exec("from lrsched import *", star)
    assert sorted(k for k in star if k != "__builtins__") == sorted(lrsched.__all__)
    with pytest.raises(AttributeError, match="module 'lrsched' has no attribute 'computed'"):
        lrsched.computed  # noqa: B018


def test_group_help_lists_each_command_by_its_own_summary():
    """The group's help takes each summary from the table, not from the command (which would
    import it): the table's summary must give what the command gives, at every width."""
    from lrsched.cli import cli

    for name in cli.list_commands(None):
        real = cli.get_command(None, name)
        summary = cli.COMMANDS[name][2]
        assert not real.hidden and not real.deprecated, name
        stand_in = click.Command(name, help=summary)
        for limit in range(0, 200):
            assert stand_in.get_short_help_str(limit) == real.get_short_help_str(limit), (name, limit)


@pytest.mark.parametrize("width", [20, 40, 60, 80, 100, 140])
def test_group_help_is_what_click_lists_from_the_commands(width):
    from lrsched.cli import cli

    ctx = click.Context(cli, info_name="lrsched", terminal_width=width, max_content_width=100)
    ours, clicks = ctx.make_formatter(), ctx.make_formatter()
    cli.format_commands(ctx, ours)
    click.Group.format_commands(cli, ctx, clicks)   # imports every command
    assert ours.getvalue() == clicks.getvalue()
    assert ours.getvalue().startswith("Commands:\n  table ")
