"""YAML as users mean it: exponent numbers, tabs, CRLF and lone CR, byte order marks, anchors
and merge keys; duplicate keys, bad encodings, control characters, alias bombs, deep nesting
and huge files refused in one located line; stdin read like a file."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import STEP, STEP_OUT, lrsched_process, one_error_line, run_cli


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
