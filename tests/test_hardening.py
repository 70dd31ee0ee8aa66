"""Hardening: no traceback, no lost output, no surprise, whatever the user types.

One error path (every failure one `error:` line and the right exit code; --debug shows the
traceback), YAML as users mean it (exponent numbers, tabs, CRLF, BOM, anchors) with its bombs
refused fast, stdin, output that streams and survives `| head` and Ctrl-C, size guards, and
the expression interpreter audited with random syntax trees.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import glob
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from lrsched.errors import SpecError
from lrsched.expr import ExpressionError, compile_expression

STEP = "lr: 0.1\nepochs: 3\nscheduler: {type: StepLR, step_size: 1}\n"
STEP_OUT = "lr of epoch 0 => [0.1]\nlr of epoch 1 => [0.010000000000000002]\nlr of epoch 2 => [0.0010000000000000002]\n"
LONG = "lr: 0.1\nscheduler: {type: StepLR, step_size: 1000, gamma: 0.99}\n"


def one_error_line(run, code: int) -> str:
    """The run failed with ``code`` and said so in exactly one `error:` line; returns it."""
    assert run.code == code, run
    assert "Traceback" not in run.err, run.err
    lines = run.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    return lines[0]


def lrsched_process(*args, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="")
    env.pop("LRSCHED_MEMORY_LIMIT", None)
    return subprocess.Popen([sys.executable, "-m", "lrsched", *map(str, args)], env=env, **kwargs)


def run_with_stdout(stdout, *args) -> tuple[int, str]:
    """Run the CLI in-process with a given stdout object; (exit code, stderr)."""
    from lrsched.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code
    return code, err.getvalue()


# =========================================================================== the error path

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


class _Failing(io.StringIO):
    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text):
        raise self.error


def test_reader_gone_ends_quietly_in_process():
    code, err = run_with_stdout(_Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")), "table", "-f", "csv")
    assert (code, err) == (0, "")


def test_stdout_full_is_a_runtime_error():
    code, err = run_with_stdout(_Failing(OSError(errno.ENOSPC, "No space left on device")), "table", "-f", "csv")
    assert code == 1
    assert err == "error: cannot write to standard output: No space left on device\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_full_real_device():
    with open("/dev/full", "w") as full:
        proc = lrsched_process("table", "-f", "csv", "--epochs", "100000", stdout=full, stderr=subprocess.PIPE,
                               text=True)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err == "error: cannot write to standard output: No space left on device\n"


def test_pipe_into_head_ends_quietly(write_spec):
    spec = write_spec(LONG)
    producer = lrsched_process("table", spec, "--epochs", "2000000", "-f", "csv",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = subprocess.Popen(["head", "-1"], stdin=producer.stdout, stdout=subprocess.PIPE)
    producer.stdout.close()   # only head holds the read end now
    first, _ = head.communicate(timeout=60)
    err = producer.stderr.read()
    producer.wait(timeout=60)
    assert first == b"schedule,epoch,group,lr,momentum\n"
    assert producer.returncode == 0
    assert err == b""


def _interrupt_while_streaming(spec, sig):
    proc = lrsched_process("table", spec, "--epochs", "5000000", "-f", "csv",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got = proc.stdout.read(64 * 1024)   # it is streaming now; then read slowly: it blocks on the pipe
    assert got.startswith(b"schedule,epoch,group,lr,momentum\n")
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


def test_output_onto_the_spec_itself_is_refused(write_spec):
    spec = write_spec(STEP)
    assert one_error_line(run_cli("table", spec, "-f", "csv", "-o", spec), 2) == \
        f"error: --output: {spec} is the SPEC itself; write the table to another file"
    assert Path(spec).read_text() == STEP


def test_interrupted_compute_leaves_no_file(tmp_path, monkeypatch):
    import lrsched.commands.table as table_cmd

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(table_cmd, "compute", interrupted)
    run = run_cli("table", "-f", "csv", "-o", tmp_path / "x.csv")
    assert one_error_line(run, 130) == "error: interrupted"
    assert list(tmp_path.iterdir()) == []


# ============================================================================ YAML pitfalls

def test_exponent_numbers_through_the_cli(write_spec):
    spec = write_spec("lr: 1e-3\nepochs: 1e4\nscheduler: {type: StepLR, step_size: 5e3, gamma: 1E-1}\n")
    lines = run_cli("table", spec, "-f", "plain").out.splitlines()
    assert len(lines) == 10_000
    assert lines[0] == "lr of epoch 0 => [0.001]"
    assert lines[5000] == "lr of epoch 5000 => [0.0001]"


def test_exponent_number_that_is_not_integral_is_refused_where_ints_are_expected(write_spec):
    spec = write_spec("lr: 0.1\nepochs: 1.5e0\nscheduler: {type: StepLR, step_size: 1}\n")
    assert one_error_line(run_cli("table", spec), 2) == \
        f"error: {spec}:2: epochs: must be an int in the range [1, inf), got 1.5"


def test_duplicate_keys_at_any_depth(write_spec):
    spec = write_spec("lr: 0.1\nepochs: 3\nscheduler:\n  type: StepLR\n  step_size: 1\n  gamma: 0.5\n  gamma: 0.2\n")
    assert one_error_line(run_cli("table", spec), 2) == \
        f"error: {spec}:7: scheduler.gamma: duplicate key 'gamma' (first given on line 6)"


@pytest.mark.parametrize("text", [
    "lr: 0.1\nepochs: 3\nscheduler:\n\ttype: StepLR\n\tstep_size: 1\n",            # tab indentation
    "lr:\t0.1\nepochs:\t3\t# three\nscheduler: {type:\tStepLR, step_size: 1}\n",     # tabs as separators
    "lr: 0.1\nepochs: 3\nscheduler:\n\t\ttype: StepLR\n\t\tstep_size: 1\n",
    "lr: 0.1\nepochs: 3\nscheduler:\n  type: StepLR\n\tstep_size: 1\n",             # 2 spaces, tab at width 2
    "lr: 0.1\nepochs: 3\nscheduler:\n\ttype: StepLR\n        step_size: 1\n",       # tab, 8 spaces
])
def test_tabs_work(write_spec, text):
    run = run_cli("table", write_spec(text), "-f", "plain")
    assert run.code == 0 and run.out == STEP_OUT, run


def test_tabs_inside_quotes_are_kept(write_spec):
    spec = write_spec('name: "a\tb"\nlr: 0.1\nepochs: 1\nscheduler:\n\ttype: StepLR\n\tstep_size: 1\n')
    assert json.loads(run_cli("table", spec, "-f", "json").out)[0]["name"] == "a\tb"


def test_tabbed_spec_errors_keep_their_line(write_spec):
    spec = write_spec("lr: 0.1\nepochs: 3\nscheduler:\n\ttype: StepLR\n\tstep_size: -1\n")
    assert one_error_line(run_cli("table", spec), 2) == \
        f"error: {spec}:5: scheduler.step_size: must be an int in the range [1, inf), got -1"


def test_tabs_mixed_so_that_width_matters_are_refused(write_spec):
    # at tab width 2 `step_size` is a key of the scheduler (and gamma null); at 4 or 8 it
    # is nested under `gamma`: two valid readings, so the file is ambiguous
    spec = write_spec("lr: 0.1\nepochs: 3\nscheduler:\n  type: StepLR\n  gamma:\n\tstep_size: 1\n")
    assert one_error_line(run_cli("table", spec), 2) == (
        f"error: {spec}:6: indentation mixes tabs and spaces, so its nesting depends on the tab width; "
        "indent with spaces only")


def test_crlf_and_lone_cr_line_endings(write_spec, tmp_path):
    for newline in ("\r\n", "\r"):
        path = tmp_path / f"spec{len(newline)}.yaml"
        path.write_bytes(STEP.replace("\n", newline).encode())
        assert run_cli("table", path, "-f", "plain").out == STEP_OUT
        bad = tmp_path / f"bad{len(newline)}.yaml"
        bad.write_bytes("lr: 0.1\nepochs: 3\nscheduler:\n  type: StepLR\n  step_size: 0\n".replace("\n", newline).encode())
        assert one_error_line(run_cli("table", bad), 2).startswith(f"error: {bad}:5: scheduler.step_size:")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks(tmp_path, encoding):
    path = tmp_path / "bom.yaml"
    path.write_bytes(STEP.encode(encoding))
    assert run_cli("table", path, "-f", "plain").out == STEP_OUT
    path.write_bytes("lr: 0.1\nepochs: 3\nscheduler: {type: StepLR, step_size: x}\n".encode(encoding))
    assert one_error_line(run_cli("table", path), 2).startswith(f"error: {path}:3: scheduler.step_size:")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("lr: 0.1\nname: caf\xe9\n".encode("latin-1"))
    assert one_error_line(run_cli("table", path), 2) == \
        f"error: {path}:2: is not UTF-8 text (byte 17: 0xe9); save it as UTF-8"


def test_control_characters_are_located(write_spec):
    spec = write_spec("lr: 0.1\nepochs: 3\x00\n")
    assert one_error_line(run_cli("table", spec), 2) == \
        f"error: {spec}:2: invalid YAML: character U+0000 is not allowed in YAML text"


def test_anchors_aliases_and_merge_keys(write_spec):
    spec = write_spec("""\
lr: 0.1
epochs: 3
base: &base {type: StepLR, step_size: 1}
""".replace("base: &base", "schedules:\n  - name: a\n    scheduler: &base") + """\
  - name: b
    scheduler: *base
  - name: c
    scheduler:
      <<: *base
      gamma: 0.5
""")
    data = json.loads(run_cli("table", spec, "-f", "json").out)
    assert [d["name"] for d in data] == ["a", "b", "c"]
    assert data[0]["lr"] == data[1]["lr"]
    assert data[2]["lr"] == [[0.1], [0.05], [0.025]]


def test_alias_bomb_is_refused(write_spec):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    spec = write_spec("\n".join(lines) + "\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert "too many alias expansions" in line and "alias bomb" in line


def test_recursive_alias_is_refused(write_spec):
    spec = write_spec("lr: 0.1\nepochs: 3\nscheduler: &s {type: StepLR, step_size: 1, me: *s}\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert line.startswith(f"error: {spec}:3: scheduler.me: an alias refers to a mapping or list that contains it")


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deep_nesting_is_refused(write_spec, depth):
    spec = write_spec("lr: " + "[" * depth + "]" * depth + "\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert line == f"error: {spec}:1: invalid YAML: nested more than 64 levels deep"


def test_a_huge_spec_is_refused(write_spec, monkeypatch):
    import lrsched.io.yamlload

    monkeypatch.setattr(lrsched.io.yamlload, "MAX_SPEC_BYTES", 2 ** 20)
    padding = "# " + "x" * 2 ** 20 + "\n"
    spec = write_spec(STEP + padding)
    assert one_error_line(run_cli("table", spec), 2) == f"error: {spec}: is too large for a spec (more than 1 MB)"
    assert one_error_line(run_cli("table", "-", stdin=STEP + padding), 2) == \
        "error: <stdin>: is too large for a spec (more than 1 MB)"


@pytest.mark.parametrize("text", ["epochs: 3\n", "yes\n", "- [a, b]\n", "{a: 1}: 2\n", "? [a]\n: 1\n",
                                  "lr: !!binary aGk=\n", "lr: !!set {a}\n", "lr: 2001-12-14\n",
                                  "--- a\n--- b\n", "lr: *nope\n", "a: &x 1\nb: &x 2\n", ": 1\n"])
def test_odd_documents_are_one_line(write_spec, text):
    one_error_line(run_cli("table", write_spec(text)), 2)


# ================================================================================== stdin

def test_stdin_empty_and_bad(cli):
    assert one_error_line(cli("table", "-", stdin=""), 2) == \
        "error: <stdin>: the file is empty; expected a mapping such as `scheduler: {type: StepLR, step_size: 3}`"
    assert one_error_line(cli("table", "-", stdin="lr: [0.1\nepochs: 3\n"), 2).startswith("error: <stdin>:2: invalid YAML")
    assert one_error_line(cli("table", "-", stdin="lr: 0.1\nepochs: 3\nscheduler: StepLR\n"), 2).startswith(
        "error: <stdin>:3: scheduler: must be a mapping with a type")


def test_stdin_bytes_are_read_like_a_file():
    for data, expected in [
        ("\ufeff" + STEP, None),
        (STEP.replace("\n", "\r\n"), None),
        ("lr: 0.1\nname: caf\xe9\n", "error: <stdin>:2: is not UTF-8 text (byte 17: 0xe9); save it as UTF-8\n"),
    ]:
        raw = data.encode("latin-1" if expected else "utf-8")
        proc = lrsched_process("table", "-", "-f", "plain", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        out, err = proc.communicate(raw, timeout=60)
        if expected is None:
            assert (proc.returncode, out.decode(), err) == (0, STEP_OUT, b"")
        else:
            assert (proc.returncode, err.decode()) == (2, expected)


def test_stdin_closed():
    proc = lrsched_process("table", "-", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.communicate(timeout=60)
    assert proc.returncode == 2


# ===================================================================== streaming and memory

def test_text_renderers_stream_in_bounded_chunks():
    from lrsched.engine import compute
    from lrsched.render.richtable import rich_tables
    from lrsched.render.table import CHUNK as _CHUNK, csv_lines, json_text, plain_lines
    from lrsched.spec import load_spec

    spec = load_spec({"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9,
                                    "param_groups": [{"lr": 0.1}, {"lr": 0.2}]},
                      "epochs": 50_000, "scheduler": {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1}})
    result = compute(spec.schedules[0])
    for render in (plain_lines, csv_lines, json_text):
        chunks = render([result])
        first = next(chunks)    # a generator: nothing is rendered before it is asked for
        sizes = [len(first)] + [len(c) for c in chunks]
        assert len(sizes) > 50_000 // _CHUNK
        assert max(sizes) < _CHUNK * 2 * 80       # a chunk is at most _CHUNK rows (2 groups)
    parts = list(rich_tables([result]))
    assert len(parts) == math.ceil(50_000 / _CHUNK)
    assert parts[0].show_header and not any(p.show_header for p in parts[1:])


def test_chunked_output_is_the_same_text(tmp_path, monkeypatch):
    """Chunk boundaries change nothing: csv/plain/json/rich of a run of several chunks parse
    back to the engine's arrays, row for row."""
    import csv

    import lrsched.render.table
    from lrsched.engine import compute
    from lrsched.spec import load_spec

    _CHUNK = 64
    monkeypatch.setattr(lrsched.render.table, "CHUNK", _CHUNK)

    spec = tmp_path / "c.yaml"
    spec.write_text("optimizer: {type: SGD, lr: 0.1, momentum: 0.9, param_groups: [{lr: 0.1}, {lr: 0.2}]}\n"
                    f"epochs: {_CHUNK * 2 + 7}\nscheduler: {{type: CyclicLR, base_lr: 0.01, max_lr: 0.1}}\n")
    result = compute(load_spec(str(spec)).schedules[0])
    data = json.loads(run_cli("table", spec, "-f", "json").out)[0]
    assert np.array_equal(np.array(data["lr"]), result.lr) and np.array_equal(np.array(data["momentum"]), result.momentum)
    rows = list(csv.DictReader(io.StringIO(run_cli("table", spec, "-f", "csv").out)))
    assert [float(r["lr"]) for r in rows] == result.lr.ravel().tolist()
    assert [int(r["epoch"]) for r in rows] == np.repeat(np.arange(result.epochs), 2).tolist()
    plain = run_cli("table", spec, "-f", "plain").out.splitlines()
    assert plain == [f"lr of epoch {e} => {row!r}" for e, row in enumerate(result.lr.tolist())]
    rich_file = tmp_path / "rich.txt"
    assert run_cli("table", spec, "-f", "rich", "-o", rich_file).code == 0
    body = rich_file.read_text().splitlines()
    assert len(body) == result.epochs + 1
    assert body[-1].split() == [str(result.epochs - 1)] + [repr(v) for v in result.lr[-1].tolist() + result.momentum[-1].tolist()]
    assert len({len(line) for line in body[1:]}) == 1     # one set of column widths throughout


_MEASURE = """
import resource, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
size = 0
while True:
    block = proc.stdout.read(1 << 16)
    if not block:
        break
    size += len(block)
proc.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, size, proc.returncode)
"""


def peak_rss(*args) -> tuple[int, int]:
    """(peak RSS in bytes, bytes of stdout) of `lrsched ARGS`, measured by a parent of its own."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "lrsched", *map(str, args)],
                         capture_output=True, text=True, env=env, timeout=300, check=True).stdout.split()
    rss, size, code = map(int, out)
    assert code == 0
    return rss, size


def test_long_csv_streams_in_bounded_memory(write_spec):
    # A long schedule name is repeated on every CSV line: 300,000 rows are ~70 MB of text but
    # only ~13 MB of engine arrays (StepLR, one group), so text held in memory would show.
    name = "n" * 200
    spec = write_spec(f"name: {name}\nlr: 0.1\nscheduler: {{type: StepLR, step_size: 1000, gamma: 0.99}}\n")
    small, _ = peak_rss("table", spec, "--epochs", "10", "-f", "csv")
    big, size = peak_rss("table", spec, "--epochs", "300000", "-f", "csv")
    assert size > 300_000 * 200
    assert big - small < 40 * 2 ** 20, (big - small, size)


# ============================================================================= size guards

def test_epochs_beyond_memory_are_refused_up_front(write_spec, monkeypatch):
    import lrsched.commands.table as table_cmd

    def never(*args, **kwargs):
        raise AssertionError("the engine ran: the size guard is not up front")

    monkeypatch.setattr(table_cmd, "compute", never)
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    spec = write_spec("lr: 0.1\nepochs: 2000000000\nscheduler: {type: StepLR, step_size: 1}\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert line == (f"error: {spec}:2: epochs: 2000000000 epochs x 1 param group need about 288 GB of memory; "
                    f"at most 6944444 epochs fit in 1.0 GB (LRSCHED_MEMORY_LIMIT=1G)")
    assert 6944444 == 10 ** 9 // (96 + 48)


def test_epochs_flag_beyond_memory(monkeypatch):
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    line = one_error_line(run_cli("table", "--epochs", "2e9", "--schedule", "step"), 2)
    assert line.startswith("error: --epochs: 2000000000 epochs x 1 param group need about 288 GB of memory; at most")
    line = one_error_line(run_cli("table", "--epochs", "3e6"), 2)      # the 5 default schedules together
    assert line == ("error: --epochs: 5 schedules x 3000000 epochs need about 2.2 GB of memory; "
                    f"at most {10 ** 9 // (5 * 144)} epochs each fit in 1.0 GB (LRSCHED_MEMORY_LIMIT=1G)")
    line = one_error_line(run_cli("plot", "--epochs", "2e9"), 2)     # every command with --epochs
    assert line.startswith("error: --epochs: 2000000000 epochs x 1 param group need about 288 GB")


def test_schedules_of_one_file_must_fit_together(write_spec, monkeypatch):
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    spec = write_spec("lr: 0.1\nschedules:\n  - {name: a, epochs: 5000000, scheduler: {type: StepLR, step_size: 1}}\n"
                      "  - {name: b, epochs: 6000000, scheduler: {type: StepLR, step_size: 2}}\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert line.startswith(f"error: {spec}:4: schedules[1].epochs: 2 schedules of 5000000, 6000000 epochs need")


def test_machine_memory_is_the_default_budget(monkeypatch):
    from lrsched.limits import memory_budget

    monkeypatch.delenv("LRSCHED_MEMORY_LIMIT", raising=False)
    budget, why = memory_budget()
    assert 2 ** 26 < budget and "half this machine's memory" in why
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "lots")
    line = one_error_line(run_cli("table", "--epochs", "1e9"), 2)
    assert line == "error: LRSCHED_MEMORY_LIMIT: must be a size in bytes such as 2000000000, 512M or 8G, got 'lots'"


def test_library_override_is_checked(monkeypatch):
    from lrsched.spec import load_spec

    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "100M")
    schedule = load_spec({"lr": 0.1, "scheduler": {"type": "StepLR", "step_size": 1}}).schedules[0]
    assert schedule.with_epochs(1000).epochs == 1000
    with pytest.raises(SpecError, match=r"^epochs: 10000000 epochs x 1 param group need about 1.4 GB"):
        schedule.with_epochs(10_000_000)
    with pytest.raises(SpecError, match=r"must be an int in the range \[1, inf\), got 0"):
        schedule.with_epochs(0)


def _example(definition, groups: int, epochs: int) -> dict:
    import copy

    spec = copy.deepcopy(dict(definition.example))
    spec.pop("epochs", None)
    lr = spec.pop("lr", None)
    optimizer = dict(spec.get("optimizer") or {"type": "SGD", "lr": lr or 0.1, "momentum": 0.9})
    if groups > 1:
        optimizer["param_groups"] = [{"lr": 0.1 * (i + 1)} for i in range(groups)]
    spec["optimizer"] = optimizer
    scheduler = spec["scheduler"]
    if definition.name == "OneCycleLR":
        for key in ("epochs", "steps_per_epoch"):
            scheduler.pop(key, None)
        scheduler["total_steps"] = epochs + 1
    return spec


def test_memory_estimate_covers_every_scheduler():
    """The size guard's bytes-per-epoch stay above what the engine really allocates (numpy
    reports its buffers to tracemalloc), for every scheduler of the registry."""
    import tracemalloc

    from lrsched.engine import compute
    from lrsched.schedules import REGISTRY
    from lrsched.limits import ENGINE_BYTES_PER_EPOCH, ENGINE_BYTES_PER_GROUP_EPOCH
    from lrsched.spec import load_spec

    epochs = 50_000
    for definition in REGISTRY.values():
        for groups in (1, 3):
            schedule = load_spec(_example(definition, groups, epochs)).schedules[0]
            tracemalloc.start()
            try:
                compute(schedule, epochs)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            estimate = epochs * (ENGINE_BYTES_PER_EPOCH + ENGINE_BYTES_PER_GROUP_EPOCH * groups)
            assert peak < estimate, (definition.name, groups, peak / epochs)


# ==================================================================== the expression audit

_NAMES = ["epoch", "x", "pi", "e", "exp", "log", "min", "open", "__import__", "os", "eval", "self",
          "__builtins__", "True", "print", "getattr"]
_OPERATORS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
              ast.LShift, ast.RShift, ast.BitOr, ast.BitAnd, ast.BitXor]
_COMPARISONS = [ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot]
_CONSTANTS = st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=5), st.binary(max_size=3), st.none(), st.booleans(),
                       st.complex_numbers(max_magnitude=10), st.just(...))

_leaf = st.one_of(_CONSTANTS.map(lambda v: ast.Constant(value=v)),
                  st.sampled_from(_NAMES).map(lambda n: ast.Name(id=n, ctx=ast.Load())))


def _nodes(children):
    few = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda l, op, r: ast.BinOp(left=l, op=op(), right=r), children, st.sampled_from(_OPERATORS), children),
        st.builds(lambda op, v: ast.UnaryOp(op=op(), operand=v),
                  st.sampled_from([ast.UAdd, ast.USub, ast.Not, ast.Invert]), children),
        st.builds(lambda op, vs: ast.BoolOp(op=op(), values=vs), st.sampled_from([ast.And, ast.Or]),
                  st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda l, ops, cs: ast.Compare(left=l, ops=[o() for o in ops[:len(cs)]], comparators=cs[:len(ops)]),
                  children, st.lists(st.sampled_from(_COMPARISONS), min_size=1, max_size=2), few),
        st.builds(lambda t, a, b: ast.IfExp(test=t, body=a, orelse=b), children, children, children),
        st.builds(lambda f, args, kw: ast.Call(func=ast.Name(id=f, ctx=ast.Load()), args=args,
                                               keywords=[ast.keyword(arg="k", value=kw)] if kw else []),
                  st.sampled_from(_NAMES), st.lists(children, max_size=3), st.one_of(st.none(), children)),
        st.builds(lambda v, a: ast.Call(func=ast.Attribute(value=v, attr=a, ctx=ast.Load()), args=[], keywords=[]),
                  children, st.sampled_from(["__class__", "system", "real", "__globals__"])),
        st.builds(lambda v, a: ast.Attribute(value=v, attr=a, ctx=ast.Load()),
                  children, st.sampled_from(["__class__", "__subclasses__", "real", "mro"])),
        st.builds(lambda v, i: ast.Subscript(value=v, slice=i, ctx=ast.Load()), children, children),
        few.map(lambda vs: ast.Tuple(elts=vs, ctx=ast.Load())),
        few.map(lambda vs: ast.List(elts=vs, ctx=ast.Load())),
        few.map(lambda vs: ast.Set(elts=vs)),
        st.builds(lambda k, v: ast.Dict(keys=[k], values=[v]), children, children),
        st.builds(lambda a, body: ast.Lambda(args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a)], kwonlyargs=[],
                                                                kw_defaults=[], defaults=[]), body=body),
                  st.sampled_from(["epoch", "x", "e"]), children),
        st.builds(lambda elt, it: ast.ListComp(elt=elt, generators=[ast.comprehension(
            target=ast.Name(id="epoch", ctx=ast.Store()), iter=it, ifs=[], is_async=0)]), children, children),
        st.builds(lambda v: ast.NamedExpr(target=ast.Name(id="epoch", ctx=ast.Store()), value=v), children),
        st.builds(lambda v: ast.JoinedStr(values=[ast.FormattedValue(value=v, conversion=-1)]), children),
        children.map(lambda v: ast.Starred(value=v, ctx=ast.Load())),
    )


SYNTAX_TREES = st.recursive(_leaf, _nodes, max_leaves=14)

# Trees in the language (numbers of every size, the variable, the constants; every allowed
# operator and function), so that the evaluator, not only the checker, is exercised.
_valid_leaf = st.one_of(
    st.sampled_from(["epoch", "epoch", "pi", "e"]).map(lambda n: ast.Name(id=n, ctx=ast.Load())),
    st.one_of(st.integers(-100, 100), st.integers(-2 ** 63, 2 ** 63 - 1),
              st.floats(allow_nan=False, allow_infinity=True)).map(lambda v: ast.Constant(value=abs(v)))
    .map(lambda c: c if not (isinstance(c.value, float) and math.isinf(c.value)) else ast.Constant(value=1e308)),
)
_CALLS = {"min": 2, "max": 3, "abs": 1, "floor": 1, "ceil": 1, "exp": 1, "log": 1, "sqrt": 1, "cos": 1, "sin": 1}


def _valid_nodes(children):
    return st.one_of(
        st.builds(lambda l, op, r: ast.BinOp(left=l, op=op(), right=r), children, st.sampled_from(_OPERATORS[:7]),
                  children),
        st.builds(lambda op, v: ast.UnaryOp(op=op(), operand=v), st.sampled_from([ast.UAdd, ast.USub, ast.Not]),
                  children),
        st.builds(lambda op, vs: ast.BoolOp(op=op(), values=vs), st.sampled_from([ast.And, ast.Or]),
                  st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda l, op, r: ast.Compare(left=l, ops=[op()], comparators=[r]), children,
                  st.sampled_from(_COMPARISONS[:6]), children),
        st.builds(lambda t, a, b: ast.IfExp(test=t, body=a, orelse=b), children, children, children),
        st.builds(lambda f, args: ast.Call(func=ast.Name(id=f, ctx=ast.Load()), args=args[:_CALLS[f]], keywords=[]),
                  st.sampled_from(sorted(_CALLS)), st.lists(children, min_size=3, max_size=3)),
    )


VALID_TREES = st.recursive(_valid_leaf, _valid_nodes, max_leaves=12)

# What the language may contain (SPEC.md section 1), stated independently of lrsched.expr.
_WHITELIST = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
              ast.IfExp, ast.Call, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
              ast.UAdd, ast.USub, ast.Not, ast.And, ast.Or, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_FUNCTIONS = {"min", "max", "abs", "floor", "ceil", "exp", "log", "sqrt", "cos", "sin"}


def _forbidden(*args, **kwargs):
    raise AssertionError("the expression interpreter called eval/exec")


def _audit(text: str, var: str = "epoch") -> None:
    """``text`` either is refused with ExpressionError, or is in the language and evaluates
    to numbers (or fails at some value with ExpressionError), never via eval/exec."""
    with mock.patch("builtins.eval", _forbidden), mock.patch("builtins.exec", _forbidden):
        try:
            expression = compile_expression(text, var)
        except ExpressionError:
            event("refused")
            return
        body = ast.parse(expression.source, mode="eval")
        if isinstance(body.body, ast.Lambda):
            body = ast.Expression(body=body.body.body)
        for node in ast.walk(body):
            assert isinstance(node, _WHITELIST), (text, type(node).__name__)
            if isinstance(node, ast.Name):
                assert node.id in _FUNCTIONS | {var, "pi", "e"}, text
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and not node.keywords, text
            if isinstance(node, ast.Constant):
                assert type(node.value) in (int, float), text
        try:
            out = expression(np.arange(200))
        except ExpressionError:
            event("accepted, failed at some value")
            return
    event("accepted, evaluated")
    assert out.shape == (200,) and out.dtype.kind in "biuf", (text, out.dtype)


def _unparse(tree) -> str:
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(body=tree)))
    except Exception:     # a tree ast cannot even print is no input a user could type
        assume(False)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(SYNTAX_TREES)
def test_random_syntax_trees_are_refused_or_whitelisted(tree):
    _audit(_unparse(tree))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(VALID_TREES, st.sampled_from(["", "lambda epoch: "]))
def test_random_expressions_in_the_language_evaluate_or_fail_cleanly(tree, prefix):
    _audit(prefix + _unparse(tree))


_TOKENS = ["epoch", "x", "(", ")", "+", "-", "*", "/", "%", "<", "==", "!", ".", ",", ":", "0", "1", "9", "e",
           "j", "lambda ", " if ", " else ", " and ", " or ", " not ", "**", "//", "exp(", "min(", "__import__",
           ".__class__", "1e999", "9" * 30, "'s'", "[", "]", "{", "}", "@", "~", "^", "|", "&", "#", "\\",
           "\t", "\n", " ", "\x00", "\u00e9", "\U0001d41e"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join))
def test_random_token_soup_is_refused_or_whitelisted(text):
    _audit(text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=80))
def test_random_unicode_is_refused_or_whitelisted(text):
    _audit(text)


# Each bomb ends in our error (the phrase given) or, where it is harmless, in finite values.
# (How fast they end is for benchmarks/, not for an assertion here.)
@pytest.mark.parametrize("bomb, phrase", [
    ("9 ** 9 ** 9", "gives inf"), ("10 ** 10 ** 10", "gives inf"),
    ("(epoch + 2) ** 9 ** 9 ** 9", "gives inf"), ("epoch ** epoch ** epoch", "gives inf"),
    ("9" * 19, "integer literal is too large"), ("9" * 1999, "integer literal is too large"),
    ("1" + "0" * 400 + ".0", "gives inf"), ("1e99999", "gives inf"),
    ("(" * 1000 + "epoch" + ")" * 1000, "expression is too long"),
    ("(" * 99 + "epoch" + ")" * 99, None), ("-" * 1999 + "epoch", "expression is too long"),
    ("not " * 400 + "epoch", "expression is too large"),
    ("+".join(["epoch"] * 500), "expression is too long"),
    (" and ".join(["epoch"] * 150), "expression is nested too deeply"),
    ("min(" * 99 + "epoch" + ", 1)" * 99, "expression is nested too deeply"),
    ("exp(" * 60 + "epoch" + ")" * 60, "gives inf"),
    ("epoch < " * 150 + "1", "expression is too large"),
    (" if epoch else ".join(["epoch"] * 90), "expression is too large"),
    ("[epoch] * 10 ** 9", "'List' syntax is not allowed"),
    ("'x' * 10 ** 9", "only numbers are allowed as constants"),
    ("2 ** 62 * 2 ** 62 * 2 ** 62", None), ("floor(epoch * 1e300) ** 99", "gives inf"),
    ("lambda epoch: " * 200 + "epoch", "expression is too long"),
])
def test_resource_bombs_end_in_our_error(bomb, phrase):
    def evaluate():
        return compile_expression(bomb, "epoch").evaluate_finite(np.arange(100_000), what="lr_lambda")

    if phrase is None:
        assert np.all(np.isfinite(evaluate()))
        return
    with pytest.raises(ExpressionError) as info:
        evaluate()
    assert phrase in info.value.message, info.value.message


def test_nesting_limits_have_messages():
    with pytest.raises(ExpressionError, match=r"nested too deeply \(1\d\d levels; at most 100\)"):
        compile_expression("-(" * 120 + "epoch" + ")" * 120, "epoch")
    with pytest.raises(ExpressionError, match=r"nested too deeply"):
        compile_expression(" and ".join(["epoch"] * 150), "epoch")
    assert compile_expression("min(" * 40 + "epoch" + ", 1)" * 40, "epoch")(np.arange(3)).tolist() == [0, 1, 1]
