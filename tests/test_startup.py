"""Start-up and interrupts: `lrsched --help` and `--version` import no NumPy, `import lrsched`
neither, and a Ctrl-C at any moment of the lrsched program ends in one line and exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
import pytest

from conftest import ROOT, run_cli

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
    from lrsched import api, engine, errors, spec

    assert (compute, lr_table, ScheduleResult) == (engine.compute, api.lr_table, engine.ScheduleResult)
    assert (load_spec, RunError) == (spec.load_spec, errors.RunError)
    assert (lrsched.LrschedError, lrsched.SpecError) == (errors.LrschedError, errors.SpecError)
    assert lrsched.__all__ == ["__version__", "compute", "load_spec", "lr_table", "ScheduleResult",
                               "LrschedError", "SpecError", "RunError",
                               "schedule", "all_schedules", "Schedule", "run_simulation", "Simulation"]
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


# ============================================================================== interrupts

LONG = "lr: 0.1\nscheduler: {type: StepLR, step_size: 1000, gamma: 0.99}\n"
# pip's console-script wrapper, as `pip install` writes it for `lrsched = "lrsched.cli:main"`
SCRIPT = """\
import re
import sys
from lrsched.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""
DELAYS = (0, 0.01, 0.02, 0.05, 0.08, 0.12, 0.16, 0.25, 0.4)
CAUGHT = (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGHUP - 1))


def caught_signals(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("SigCgt:"):
                return int(line.split()[1], 16)
    return 0


def interrupt(command: list, work, delay: float, sig=signal.SIGINT) -> tuple[int, bytes, bytes]:
    """Start a long `table` run, wait until lrsched's first line has run (its module installs
    the SIGTERM and SIGHUP handlers first: /proc shows them), then ``delay`` more, then ``sig``.
    Before that first line the interpreter is still starting, which no program controls."""
    proc = subprocess.Popen([*command, "table", work / "long.yaml", "--epochs", "2000000", "-f", "csv",
                             "-o", work / "out.csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=lrsched_env())
    deadline = time.monotonic() + 30
    while caught_signals(proc.pid) & CAUGHT != CAUGHT:
        assert proc.poll() is None and time.monotonic() < deadline, "lrsched never installed its handlers"
        time.sleep(0.0005)
    time.sleep(delay)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err, out


@pytest.fixture
def entry_points(tmp_path):
    if not os.path.exists(f"/proc/{os.getpid()}/status"):
        pytest.skip("needs /proc to see when lrsched's handlers are in place")
    script = tmp_path / "bin" / "lrsched"   # the name tells the lrsched program from an importer
    script.parent.mkdir()
    script.write_text(SCRIPT)
    work = tmp_path / "work"
    work.mkdir()
    (work / "long.yaml").write_text(LONG)
    return {"python -m lrsched": [sys.executable, "-m", "lrsched"],
            "the lrsched script": [sys.executable, str(script)]}, work


@pytest.mark.parametrize("entry", ["python -m lrsched", "the lrsched script"])
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(entry_points, entry):
    commands, work = entry_points
    for delay in DELAYS:
        assert interrupt(commands[entry], work, delay) == (130, b"error: interrupted\n", b""), delay
        assert sorted(p.name for p in work.iterdir()) == ["long.yaml"], delay   # no output, no temp file


def test_sigterm_at_any_moment_is_one_line(entry_points):
    commands, work = entry_points
    for delay in (0, 0.05, 0.15):
        assert interrupt(commands["python -m lrsched"], work, delay, signal.SIGTERM) == \
            (143, b"error: terminated by signal SIGTERM\n", b""), delay
        assert sorted(p.name for p in work.iterdir()) == ["long.yaml"], delay


def test_importing_the_cli_leaves_signals_alone():
    """Outside main(), a program that imports the CLI (the tests) keeps its own Ctrl-C."""
    code = ("import signal, lrsched.cli\n"
            "assert signal.getsignal(signal.SIGINT) is signal.default_int_handler\n"
            "assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=lrsched_env())
    assert (run.returncode, run.stderr) == (0, "")


def test_an_interrupt_an_extension_turns_into_another_error_is_still_an_interrupt(monkeypatch, tmp_path):
    """Importing NumPy turns a KeyboardInterrupt into an ImportError; the run still ends as
    interrupted, and no file is left."""
    import lrsched.commands.table as table_cmd

    def interrupted_import(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ImportError("PyCapsule_Import could not import module \"datetime\"") from None

    monkeypatch.setattr(table_cmd, "compute", interrupted_import)
    run = run_cli("table", "-f", "csv", "-o", tmp_path / "x.csv")
    assert (run.code, run.err) == (130, "error: interrupted\n")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_a_library_swallows_still_ends_the_run_as_interrupted(monkeypatch):
    import lrsched.commands.table as table_cmd

    compute = table_cmd.compute

    def swallowed(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass   # `try: import x / except ImportError: fallback` does this to a converted one
        return compute(*args, **kwargs)

    monkeypatch.setattr(table_cmd, "compute", swallowed)
    run = run_cli("table", "-f", "plain", "--schedule", "step")
    assert (run.code, run.err) == (130, "error: interrupted\n")
    assert run.out.startswith("lr of epoch 0 => ")


def test_an_interrupt_raised_where_python_ignores_exceptions_is_delivered_again(tmp_path):
    """A KeyboardInterrupt raised in a weakref callback (importlib runs one for every module
    lock) is printed as "Exception ignored" and lost, and the run would go on: the lrsched
    program raises it again at the next line that can pass it on."""
    script = tmp_path / "lrsched"   # the lrsched program, with a command that meets the case
    script.write_text(
        "import signal, sys, weakref\n"
        "import lrsched.commands.table as table_cmd\n"
        "compute = table_cmd.compute\n"
        "class Lock:\n"
        "    pass\n"
        "def interrupted_in_a_callback(*args, **kwargs):\n"
        "    lock = Lock()\n"
        "    ref = weakref.ref(lock, lambda ref: signal.raise_signal(signal.SIGINT))\n"
        "    del lock\n"
        "    return compute(*args, **kwargs)\n"
        "table_cmd.compute = interrupted_in_a_callback\n"
        "from lrsched.cli import main\n"
        "sys.exit(main())\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "long.yaml").write_text(LONG)
    run = subprocess.run([sys.executable, str(script), "table", work / "long.yaml", "--epochs", "2000000",
                          "-f", "csv", "-o", work / "out.csv"], capture_output=True, env=lrsched_env())
    assert (run.returncode, run.stderr, run.stdout) == (130, b"error: interrupted\n", b"")
    assert sorted(p.name for p in work.iterdir()) == ["long.yaml"]


def test_lint_imports_no_matplotlib(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("lr: 0.1\nepochs: 5\nscheduler: {type: StepLR, step_size: 2}\n")
    run, modules = imported_modules("lint", str(spec))
    assert run.returncode == 0, run.stderr
    assert "lrsched.lint.rules" in modules
    assert sorted(m for m in modules if m.split(".")[0] == "matplotlib") == []
