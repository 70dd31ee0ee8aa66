"""Ctrl-C and SIGTERM, at any moment: one error line, exit 128 + the signal (130 for Ctrl-C),
no traceback, and an output file is either the previous one or the complete new one."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import time

import pytest

from conftest import LONG, lrsched_process, one_error_line, run_cli


def _interrupt_while_streaming(spec, sig):
    proc = lrsched_process("table", spec, "--epochs", "5000000", "-f", "csv",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got = proc.stdout.read(64 * 1024)   # it is streaming now; then read slowly: it blocks on the pipe
    assert got.startswith(b"schedule,epoch,step,group,lr,momentum\n")
    time.sleep(0.2)
    proc.send_signal(sig)
    rest, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode()


def test_ctrl_c_while_streaming_is_exit_130_without_traceback(write_spec):
    code, err = _interrupt_while_streaming(write_spec(LONG), signal.SIGINT)
    assert (code, err) == (130, "error: interrupted\n")


def test_sigterm_while_streaming(write_spec):
    code, err = _interrupt_while_streaming(write_spec(LONG), signal.SIGTERM)
    assert (code, err) == (128 + signal.SIGTERM, "error: terminated by signal SIGTERM\n")


def _interrupt_file_write(tmp_path, sig, fmt="csv"):
    spec = tmp_path / "long.yaml"
    spec.write_text(LONG)
    target = tmp_path / "out.csv"
    target.write_text("previous run\n")
    proc = lrsched_process("table", spec, "--epochs", "5000000", "-f", fmt, "-o", target,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    temps = []
    while not temps and time.monotonic() < deadline and proc.poll() is None:
        temps = glob.glob(str(tmp_path / ".*.lrsched-*.tmp"))
        time.sleep(0.005)
    assert temps, "the run never started writing"
    while os.path.getsize(temps[0]) < 100_000 and proc.poll() is None:   # well into the write
        time.sleep(0.005)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc, err.decode(), target


@pytest.mark.parametrize("sig, code, message", [
    (signal.SIGINT, 130, "error: interrupted\n"),
    (signal.SIGTERM, 143, "error: terminated by signal SIGTERM\n"),
])
def test_interrupted_file_write_keeps_the_previous_file(tmp_path, sig, code, message):
    proc, err, target = _interrupt_file_write(tmp_path, sig)
    assert (proc.returncode, err) == (code, message)
    assert target.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml", "out.csv"]


def test_interrupted_compute_leaves_no_file(tmp_path, monkeypatch):
    import lrsched.commands.table as table_cmd

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(table_cmd, "compute", interrupted)
    run = run_cli("table", "-f", "csv", "-o", tmp_path / "x.csv")
    assert one_error_line(run, 130) == "error: interrupted"
    assert list(tmp_path.iterdir()) == []
