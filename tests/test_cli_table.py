"""`lrsched table`: formats, options, stdin, files, the library call."""

import csv
import io
import json
import os

import numpy as np
import pytest

import lrsched
from conftest import ROOT, run_cli
from lrsched.engine import compute
from lrsched.spec import load_spec

CYCLIC = str(ROOT / "configs" / "cycliclr.yaml")


def test_json_is_the_engine_exactly(cli):
    run = cli("table", CYCLIC, "--format", "json")
    assert run.code == 0, run
    data = json.loads(run.out)
    result = compute(load_spec(CYCLIC).schedules[0])
    assert [d["name"] for d in data] == ["cyclic"]
    assert set(data[0]) == {"name", "unit", "steps_per_epoch", "lr", "momentum"}
    assert (data[0]["unit"], data[0]["steps_per_epoch"]) == ("epoch", None)
    assert np.array_equal(np.array(data[0]["lr"]), result.lr)
    assert np.array_equal(np.array(data[0]["momentum"]), result.momentum)


def test_json_momentum_null_when_not_cycled(cli):
    data = json.loads(cli("table", "--format", "json", "--schedule", "step").out)
    assert data == [{"name": "step", "unit": "epoch", "steps_per_epoch": None,
                     "lr": [[0.01]] * 3 + [[0.001]] * 3 + [[0.0001]] * 3, "momentum": None}]


def test_csv_round_trips(cli):
    run = cli("table", CYCLIC, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.out)))
    result = compute(load_spec(CYCLIC).schedules[0])
    assert len(rows) == result.lr.size
    for row in rows:
        e, g = int(row["epoch"]), int(row["group"])
        assert int(row["step"]) == e      # no units: a row is an epoch, and step says so
        assert float(row["lr"]) == result.lr[e, g]
        assert float(row["momentum"]) == result.momentum[e, g]


def test_plain_several_groups_is_python_list_repr(cli):
    lines = cli("table", CYCLIC, "-f", "plain", "--epochs", "3").out.splitlines()
    result = compute(load_spec(CYCLIC).schedules[0], 3)
    assert lines == [f"lr of epoch {e} => {result.lr[e].tolist()!r}" for e in range(3)]


def test_rich_table_shows_every_digit(cli):
    from rich.console import Console

    from lrsched.render.richtable import rich_table

    result = compute(load_spec(CYCLIC).schedules[0], 4)
    console = Console(file=io.StringIO(), width=200)
    console.print(rich_table([result]))
    text = console.file.getvalue()
    header = text.splitlines()[0].split()
    assert header[:3] == ["epoch", "cyclic", "[group"]
    assert "cyclic momentum [group 1]" in text
    for value in result.lr.ravel().tolist() + result.momentum.ravel().tolist():
        assert repr(value) in text
    assert cli("table", CYCLIC, "--format", "rich", "--epochs", "4").code == 0


def test_epochs_override(cli):
    assert len(cli("table", "--schedule", "step", "-f", "plain", "--epochs", "20").out.splitlines()) == 20


def test_schedule_picks_in_order(cli):
    out = cli("table", "-f", "plain", "--schedule", "exponential", "--schedule", "lambda").out
    assert [l for l in out.splitlines() if l.startswith("#")] == ["# exponential", "# lambda"]


def test_stdin(cli):
    text = "lr: 0.1\nepochs: 3\nscheduler: {type: ExponentialLR, gamma: 0.5}\n"
    run = cli("table", "-", "-f", "plain", stdin=text)
    assert run.out == "lr of epoch 0 => [0.1]\nlr of epoch 1 => [0.05]\nlr of epoch 2 => [0.025]\n"
    bad = cli("table", "-", stdin="lr: 0.1\nepochs: 3\nscheduler: {type: ExponentialLR, gama: 0.5}\n")
    assert bad.code == 2 and bad.err.startswith("error: <stdin>:3: scheduler.gama: unknown keyword")


def test_output_file_written_whole(cli, tmp_path):
    target = tmp_path / "out.csv"
    run = cli("table", CYCLIC, "-f", "csv", "-o", target)
    assert run.code == 0 and run.out == ""
    assert target.read_text().startswith("schedule,epoch,step,group,lr,momentum\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_output_failure_leaves_nothing(cli, tmp_path):
    target = tmp_path / "missing" / "out.csv"
    run = cli("table", "-f", "csv", "-o", target)
    assert run.code == 1
    assert run.err.startswith("error: cannot write") and "does not exist" in run.err
    assert not (tmp_path / "missing").exists()


def test_failed_spec_does_not_clobber_previous_output(cli, tmp_path, write_spec):
    target = tmp_path / "table.json"
    target.write_text("previous")
    bad = write_spec("lr: 0.1\nepochs: 3\nscheduler: {type: LambdaLR, lr_lambda: '1 / (epoch - 1)'}\n")
    assert cli("table", bad, "-f", "json", "-o", target).code == 2
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["table.json", os.path.basename(bad)])


def test_every_command_has_help(cli):
    from lrsched.cli import cli as group

    for name in group.list_commands(None):
        command = group.get_command(None, name)
        assert command.help, name
        run = cli(name, "--help")
        assert run.code == 0 and "Usage:" in run.out


def test_version(cli):
    assert cli("--version").out.strip().endswith(lrsched.__version__)


def test_library_lr_table():
    table = lrsched.lr_table({"lr": 0.01, "epochs": 9, "scheduler": {"type": "StepLR", "step_size": 3}})
    assert table.shape == (9, 1)
    assert table[:, 0].tolist() == [0.01] * 3 + [0.001] * 3 + [0.0001] * 3
    assert lrsched.lr_table(str(ROOT / "configs" / "steplr.yaml"), epochs=4).shape == (4, 1)
    with pytest.raises(lrsched.SpecError, match="single schedule"):
        lrsched.lr_table(str(ROOT / "configs" / "tutorial.yaml"))


def test_table_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys; from lrsched.cli import main\n"
            "try:\n    main(['table', '-f', 'plain'])\nexcept SystemExit: pass\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "lr of epoch 0 => " in run.stdout   # the table was printed


def test_output_under_a_file_says_so(cli, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep")
    run = cli("table", "-f", "csv", "-o", blocker / "out.csv")
    assert run.code == 1
    assert run.err.strip() == f"error: cannot write {blocker / 'out.csv'}: {blocker} is not a folder"
    assert blocker.read_text() == "keep"


@pytest.mark.parametrize("suffix, fmt", [(".csv", "csv"), (".CSV", "csv"), (".json", "json"), (".txt", "plain"), ("", "plain")])
def test_output_format_follows_the_extension(tmp_path, suffix, fmt):
    target = tmp_path / f"out{suffix}"
    run = run_cli("table", str(ROOT / "configs/steplr.yaml"), "-o", str(target))
    assert run.code == 0, run
    expected = run_cli("table", str(ROOT / "configs/steplr.yaml"), "-f", fmt)
    assert target.read_text() == expected.out


def test_an_explicit_format_wins_over_the_extension(tmp_path):
    target = tmp_path / "out.csv"
    assert run_cli("table", str(ROOT / "configs/steplr.yaml"), "-f", "json", "-o", str(target)).code == 0
    assert target.read_text() == run_cli("table", str(ROOT / "configs/steplr.yaml"), "-f", "json").out


def test_several_specs_print_together():
    paths = [str(ROOT / "configs/steplr.yaml"), str(ROOT / "configs/cosineannealinglr.yaml")]
    both = run_cli("table", *paths, "-f", "plain")
    assert both.code == 0, both
    expected = "".join(f"# {load_spec(p).schedules[0].name}\n" + run_cli("table", p, "-f", "plain").out
                       for p in paths)
    assert both.out == expected


LONG_NAMES = """lr: 0.01
epochs: 3
schedules:
  - name: a-very-long-schedule-name-that-goes-on-and-on-forty-chars
    scheduler: {type: ExponentialLR, gamma: 0.3}
  - name: another-very-long-schedule-name-that-goes-on-fifty-chars
    scheduler: {type: StepLR, step_size: 1, gamma: 0.0003}
  - name: yet-another-quite-long-schedule-name-sixty-characters-long
    scheduler: {type: ExponentialLR, gamma: 0.999}
  - name: the-fourth-long-schedule-name-of-this-file-with-many-chars
    scheduler: {type: CosineAnnealingLR, T_max: 7}
"""


@pytest.mark.parametrize("width", [30, 60, 80, 120, 200])
def test_a_rich_table_never_breaks_a_number(width):
    """Every data line is `epoch value value ...`, and every value parses back to the engine's
    number: in full, or (when full numbers do not fit) to 6 significant digits."""
    from rich.console import Console

    from lrsched.render.richtable import SHORT_DIGITS, rich_table

    results = [compute(s) for s in load_spec((LONG_NAMES, "long.yaml")).schedules]
    out = io.StringIO()
    Console(file=out, width=width, highlight=False).print(rich_table(results, width=width))
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= width
    shown = {}   # epoch -> the numbers printed on its lines, in column order
    for line in lines:
        tokens = line.split()
        if tokens and tokens[0].isdigit() and len(tokens) > 1:
            shown.setdefault(int(tokens[0]), []).extend(float(t) for t in tokens[1:])
    columns = [r.lr[:, 0] for r in results]
    assert sorted(shown) == [0, 1, 2]
    full = all(shown[e] == [c[e] for c in columns] for e in shown)
    if not full:
        for e, values in shown.items():
            assert values == [float(f"{c[e]:.{SHORT_DIGITS}g}") for c in columns], e
        assert "6 significant digits" in " ".join(out.getvalue().split())
    assert full == (width >= 120)


def test_an_unknown_schedule_name_gets_the_one_suggestion_rule():
    run = run_cli("table", str(ROOT / "configs/tutorial.yaml"), "--schedule", "stepp")
    assert run.code == 2
    assert run.err == ("error: --schedule: unknown schedule 'stepp'; did you mean 'step'? "
                       "valid: cyclic, exponential, lambda, multistep, step\n")


# ---- --every N and --at ROWS: rows of long schedules, each keeping its own number

def test_every_keeps_the_epoch_numbers_and_the_last_row(cli):
    run = cli("table", "--schedule", "step", "-f", "plain", "--every", "3", "--epochs", "10")
    assert run.out == ("lr of epoch 0 => [0.01]\nlr of epoch 3 => [0.001]\nlr of epoch 6 => [0.0001]\n"
                       "lr of epoch 9 => [1e-05]\n")
    full = cli("table", "--schedule", "step", "-f", "plain", "--epochs", "10").out.splitlines()
    assert run.out.splitlines() == [full[i] for i in (0, 3, 6, 9)]


@pytest.mark.parametrize("at, rows", [
    ("0", [0]), ("-1", [100]), ("-101", [0]), ("50%", [50]), ("0%,100%", [0, 100]), ("33.3%", [33]),
    ("12.5%", [13]), ("0.5%", [1]), ("0.49%", [0]), ("5,-1,5,1", [1, 5, 100]), (" 7 , 3 ", [3, 7]),
])
def test_at_picks_rows(cli, at, rows):
    data = json.loads(cli("table", "-f", "json", "--epochs", "101", "--schedule", "exponential", "--at", at).out)
    full = json.loads(cli("table", "-f", "json", "--epochs", "101", "--schedule", "exponential").out)
    assert data[0]["rows"] == rows
    assert data[0]["lr"] == [full[0]["lr"][i] for i in rows]
    assert data[0]["momentum"] is None


def test_percent_rounds_half_up():
    from lrsched.commands.table import chosen_rows

    # 50% of the way from row 0 to row 9 is 4.5: row 5
    assert chosen_rows(10, None, (("%", 50),)) == [5]
    assert chosen_rows(3, None, (("%", 25),)) == [1]      # 0.5 -> 1
    assert chosen_rows(1, None, (("%", 50), ("row", -1))) == [0]


def test_every_and_at_together_in_every_format(cli, tmp_path):
    args = ["table", CYCLIC, "--epochs", "50", "--every", "20", "--at", "-2,5"]
    rows = [0, 5, 20, 40, 48, 49]
    result = compute(load_spec(CYCLIC).schedules[0], 50)
    data = json.loads(cli(*args, "-f", "json").out)
    assert data[0]["rows"] == rows
    np.testing.assert_array_equal(np.array(data[0]["lr"]), result.lr[rows])
    np.testing.assert_array_equal(np.array(data[0]["momentum"]), result.momentum[rows])
    lines = cli(*args, "-f", "plain").out.splitlines()
    assert lines == [f"lr of epoch {e} => {result.lr[e].tolist()!r}" for e in rows]
    table = list(csv.DictReader(io.StringIO(cli(*args, "-f", "csv").out)))
    assert [(int(r["epoch"]), int(r["group"])) for r in table] == [(e, g) for e in rows for g in (0, 1)]
    for r in table:
        e, g = int(r["epoch"]), int(r["group"])
        assert float(r["lr"]) == result.lr[e, g] and float(r["momentum"]) == result.momentum[e, g]
    out = tmp_path / "t.txt"
    assert cli(*args, "-f", "rich", "-o", str(out)).code == 0
    shown = [line.split()[0] for line in out.read_text().splitlines() if line.split() and line.split()[0].isdigit()]
    assert shown == [str(e) for e in rows]


def test_rich_table_shows_the_chosen_rows_with_their_numbers():
    from rich.console import Console

    from lrsched.render.richtable import rich_table

    results = [compute(s, 100000) for s in load_spec(str(ROOT / "configs" / "tutorial.yaml")).schedules]
    for width in (40, 80, 200):
        out = io.StringIO()
        Console(file=out, width=width, highlight=False).print(
            rich_table(results, width=width, rows=[0, 50000, 99999], max_rows=2000))
        lines = out.getvalue().splitlines()
        assert max(map(len, lines)) <= width
        epochs = [line.split()[0] for line in lines if line.split() and line.split()[0].isdigit()]
        assert sorted(set(epochs), key=int) == ["0", "50000", "99999"]
        assert "more rows" not in out.getvalue()


def test_each_schedule_picks_from_its_own_rows(cli, write_spec):
    short = write_spec("lr: 0.1\nepochs: 5\nscheduler: {type: StepLR, step_size: 1}\n")
    data = json.loads(cli("table", short, CYCLIC, "-f", "json", "--at", "-1,10").out)
    assert data[0]["rows"] == [4] and data[1]["rows"] == [10, len(compute(load_spec(CYCLIC).schedules[0]).lr) - 1]


@pytest.mark.parametrize("args", [
    ["--at", ""], ["--at", "1,,2"], ["--at", "x"], ["--at", "101%"], ["--at", "-1%"], ["--at", "nan%"],
    ["--at", "1.5"], ["--at", "9"], ["--at", "-10"], ["--at", "%"], ["--at", "1e400%"], ["--every", "0"],
    ["--every", "-3"], ["--every", "x"], ["--at", "10**9"], ["--at", "1/2%"],
])
def test_bad_rows_are_usage_errors(args):
    from conftest import one_error_line

    line = one_error_line(run_cli("table", "--schedule", "step", *args), 2)
    assert line.startswith(f"error: {args[0]}: "), line


@pytest.mark.parametrize("args", ["--every 50 --format plain", "--at 0,50%,-1 --format json"])
def test_the_readme_shows_what_every_and_at_print(args):
    import re

    readme = (ROOT / "README.md").read_text()
    command = f"lrsched table configs/cosineannealinglr.yaml {args}"
    block = re.search(re.escape(command) + r"\n```\n\n```text\n(.*?)```", readme, re.S)
    assert block is not None
    args = [str(ROOT / a) if a.startswith("configs/") else a for a in command.split()[1:]]
    assert run_cli(*args).out == block.group(1)


def test_an_unknown_name_message_stays_on_one_line_whatever_the_names(write_spec):
    path = write_spec('lr: 0.1\nepochs: 3\nschedules:\n  - name: "a\\rb\\nc"\n    scheduler: {type: StepLR, step_size: 1}\n')
    run = run_cli("table", path, "--schedule", "z\tz")
    assert run.code == 2
    assert run.err == "error: --schedule: unknown schedule 'z\\tz'; valid: a\\rb\\nc\n"
