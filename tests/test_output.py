"""Where the output goes: a reader that leaves (`| head`) ends the run quietly, a full device
is one error line, the spec is never overwritten, and the text renderers stream in bounded
chunks whose boundaries change nothing."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import LONG, STEP, lrsched_process, one_error_line, run_cli


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
    assert first == b"schedule,epoch,step,group,lr,momentum\n"
    assert producer.returncode == 0
    assert err == b""


def test_output_onto_the_spec_itself_is_refused(write_spec):
    spec = write_spec(STEP)
    assert one_error_line(run_cli("table", spec, "-f", "csv", "-o", spec), 2) == \
        f"error: --output: {spec} is the SPEC itself; write the table to another file"
    assert Path(spec).read_text() == STEP


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
