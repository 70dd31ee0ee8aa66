"""The one error path: every failure is one `error:` line with the right exit code, usage
mistakes included; --debug (or LRSCHED_DEBUG) shows the traceback, with the same exit code."""

from __future__ import annotations

import pytest

from conftest import one_error_line, run_cli


@pytest.mark.parametrize("args, code, expected", [
    (["table", "--epochs", "0"], 2, "error: --epochs: must be an int in the range [1, inf), got 0"),
    (["table", "--epochs", "-3"], 2, "error: --epochs: must be an int in the range [1, inf), got -3"),
    (["table", "--epochs", "ten"], 2, "error: --epochs: must be an int in the range [1, inf), got 'ten'"),
    (["table", "--epochs", "2.5"], 2, "error: --epochs: must be an int in the range [1, inf), got '2.5'"),
    (["table", "--epochs", "nan"], 2, "error: --epochs: must be an int in the range [1, inf), got 'nan'"),
    (["table", "--format", "xml"], 2,
     "error: --format: 'xml' is not one of 'auto', 'rich', 'plain', 'csv', 'json'"),
    (["table", "--epoch", "3"], 2,
     "error: no such option '--epoch'. Did you mean '--epochs'? (see 'lrsched table --help')"),
    (["tabel"], 2, "error: no such command 'tabel' (see 'lrsched --help')"),
    (["list", "StepLR", "b"], 2, "error: got unexpected extra argument (b) (see 'lrsched list --help')"),
    (["table", "--epochs"], 2, "error: option '--epochs' requires an argument"),
])
def test_usage_errors_are_one_line(args, code, expected):
    assert one_error_line(run_cli(*args), code) == expected


@pytest.mark.parametrize("text", ["1e1", "10", "1_0", "1.0e1", "+10", " 10 "])
def test_epochs_flag_reads_numbers_as_yaml_does(text):
    run = run_cli("table", "--schedule", "step", "-f", "plain", "--epochs", text)
    assert run.code == 0 and len(run.out.splitlines()) == 10, run


def test_debug_shows_the_traceback_with_the_same_exit_code(write_spec, monkeypatch):
    bad = write_spec("lr: 0.1\nepochs: 3\nscheduler: {type: StepLR, step_size: -1}\n")
    plain = run_cli("table", bad)
    for args in (["--debug", "table", bad], ["table", bad, "--debug"]):
        run = run_cli(*args)
        assert run.code == 2
        assert "Traceback (most recent call last)" in run.err and "SpecError" in run.err
        assert run.err.splitlines()[-1] == plain.err.strip()
    monkeypatch.setenv("LRSCHED_DEBUG", "1")
    assert "Traceback" in run_cli("table", bad).err
    monkeypatch.setenv("LRSCHED_DEBUG", "0")
    assert "Traceback" not in run_cli("table", bad).err


def test_debug_after_double_dash_is_an_argument():
    run = run_cli("table", "--", "--debug")
    assert one_error_line(run, 2) == "error: --debug: no such file"


@pytest.mark.parametrize("exc, code, phrase", [
    (ValueError("boom"), 1, "error: internal error: ValueError: boom (a bug in lrsched"),
    (MemoryError(), 1, "error: out of memory"),
    (KeyboardInterrupt(), 130, "error: interrupted"),
    (RecursionError("deep"), 1, "error: internal error: RecursionError: deep"),
])
def test_anything_else_is_still_one_line(monkeypatch, exc, code, phrase):
    import lrsched.commands.table as table_cmd

    def explode(*args, **kwargs):
        raise exc

    monkeypatch.setattr(table_cmd, "compute", explode)
    run = run_cli("table", "-f", "plain")
    assert one_error_line(run, code).startswith(phrase)
    debug = run_cli("--debug", "table", "-f", "plain")
    assert debug.code == code and "Traceback" in debug.err and debug.err.splitlines()[-1] == run.err.strip()
