"""Training units (SPEC.md section 4): the refusals the bad-spec corpus cannot express, because
they come from a command-line flag (`table --per`, `plot --x`, `--epochs`) or from the memory
budget (LRSCHED_MEMORY_LIMIT).  Each is exit 2, nothing on stdout and one `error:` line naming
the flag, or the spec's line and key.  The spec's own refusals are in tests/bad/ (units-*,
warmup-*)."""

from __future__ import annotations

import pytest

from conftest import STEP, one_error_line

UNITS = "lr: 0.1\nepochs: 3\nsteps_per_epoch: 4\ninterval: step\nscheduler: {type: StepLR, step_size: 2}\n"
MAX_STEPS = "lr: 0.1\nsteps_per_epoch: 4\nmax_steps: 10\nscheduler: {type: StepLR, step_size: 2}\n"
MIXED = ("lr: 0.1\nepochs: 3\nschedules:\n"
         "  - {name: updates, steps_per_epoch: 4, scheduler: {type: StepLR, step_size: 2}}\n"
         "  - {name: epochs, scheduler: {type: StepLR, step_size: 2}}\n")
CHAINED = ("lr: 0.1\nepochs: 2\nwarmup: {steps: 2}\nscheduler:\n  type: ChainedScheduler\n  schedulers:\n"
           "    - {type: StepLR, step_size: 2}\n    - {type: ExponentialLR, gamma: 0.9}\n")


def refused(run, code: int = 2) -> str:
    """The one error line of a refused run, which printed nothing on stdout."""
    line = one_error_line(run, code)
    assert run.out == "", run
    return line


def no_units_line(name: str, source: str) -> str:
    return (f"error: --per: schedule '{name}' of {source} has no training units, so its rows are "
            f"scheduler steps, not optimizer updates: add steps_per_epoch (or dataset_size and "
            f"batch_size) to it, or leave out --per step")


# ---- table --per

@pytest.mark.parametrize("fmt", ["plain", "csv", "json", "rich"])
def test_per_step_needs_units(cli, write_spec, fmt):
    spec = write_spec(STEP, name="plain.yaml")
    assert refused(cli("table", spec, "--per", "step", "-f", fmt)) == no_units_line("plain", spec)


def test_per_step_names_the_schedule_without_units(cli, write_spec):
    """In a file whose schedules differ, and among several files, the one without units is named
    (with its file); the ones with units are fine."""
    mixed = write_spec(MIXED, name="mixed.yaml")
    assert refused(cli("table", mixed, "--per", "step")) == no_units_line("epochs", mixed)
    units, plain = write_spec(UNITS, name="units.yaml"), write_spec(STEP, name="plain.yaml")
    assert refused(cli("table", units, plain, "--per", "step")) == no_units_line("plain", plain)
    assert cli("table", units, "--per", "step", "-f", "plain").code == 0


def test_per_step_without_units_on_stdin(cli):
    assert refused(cli("table", "-", "--per", "step", stdin=STEP)) == no_units_line("stdin", "<stdin>")


def test_per_step_without_units_writes_no_file(cli, write_spec, tmp_path):
    out = tmp_path / "table.csv"
    line = refused(cli("table", write_spec(STEP, name="plain.yaml"), "--per", "step", "-o", str(out)))
    assert line.startswith("error: --per: schedule 'plain' ")
    assert not out.exists()


@pytest.mark.parametrize("value", ["stap", "Step", "steps", "epochs", "update", ""])
def test_per_is_step_or_epoch(cli, write_spec, value):
    line = refused(cli("table", write_spec(UNITS), "--per", value))
    assert line == f"error: --per: {value!r} is not one of 'step', 'epoch'"


def test_per_needs_a_value(cli, write_spec):
    assert refused(cli("table", write_spec(UNITS), "--per")) == "error: option '--per' requires an argument"


# ---- plot --x

@pytest.mark.parametrize("spec_text", [None, UNITS, STEP])
def test_plot_term_x_epoch_is_a_usage_error(cli, write_spec, spec_text):
    args = [] if spec_text is None else [write_spec(spec_text)]
    line = refused(cli("plot", *args, "--x", "epoch", "--term"))
    assert line == ("error: --x: --term draws a row per character column and labels it as the rows are; "
                    "--x epoch is for image plots (leave out --x, or --term)")


def test_plot_term_x_step_is_fine(cli, write_spec):
    run = cli("plot", write_spec(UNITS), "--x", "step", "--term", "--size", "60x12")
    assert run.code == 0 and run.err == "", run


@pytest.mark.parametrize("term", [[], ["--term"]])
@pytest.mark.parametrize("value", ["stap", "epochs", "Epoch", ""])
def test_plot_x_is_epoch_or_step(cli, write_spec, value, term, tmp_path):
    out = tmp_path / "lr.png"
    line = refused(cli("plot", write_spec(UNITS), "--x", value, *term, *([] if term else ["-o", str(out)])))
    assert line == f"error: --x: {value!r} is not one of 'epoch', 'step'"
    assert not out.exists()


# ---- --epochs with units

@pytest.mark.parametrize("spec_text", [UNITS, MAX_STEPS], ids=["steps_per_epoch", "max_steps"])
@pytest.mark.parametrize("value", ["0", "-1", "1.5", "x"])
@pytest.mark.parametrize("command", [["table"], ["plot", "--term"]])
def test_epochs_must_be_a_count_with_units(cli, write_spec, spec_text, value, command):
    line = refused(cli(command[0], write_spec(spec_text), *command[1:], "--epochs", value))
    shown = value if value.lstrip("-").isdigit() else repr(value)
    assert line == f"error: --epochs: must be an int in the range [1, inf), got {shown}"


def test_epochs_reaching_a_warmup_before_chained_scheduler(cli, write_spec):
    """The spec runs 2 epochs, short of its warmup's end; `--epochs 3` reaches it, where torch's
    SequentialLR calls ChainedScheduler.step(0): refused at the warmup's line."""
    spec = write_spec(CHAINED)
    assert cli("table", spec, "-f", "plain").code == 0
    line = refused(cli("table", spec, "--epochs", "3"))
    assert line.startswith(f"error: {spec}:3: warmup: cannot go before ChainedScheduler in a run that "
                           f"reaches the warmup's end")


# ---- the memory guard counts optimizer updates

def test_max_steps_beyond_memory(cli, write_spec, monkeypatch):
    """10**8 updates need about 14 GB: refused at max_steps, before any array is allocated
    (tests/bad/units-max-steps-huge.yaml is the spec beyond 2**53)."""
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    spec = write_spec(MAX_STEPS.replace("max_steps: 10", "max_steps: 100000000"))
    line = refused(cli("table", spec))
    assert line.startswith(f"error: {spec}:3: max_steps: ")
    assert "need about 14 GB of memory" in line
    assert line.endswith(" in 1.0 GB (LRSCHED_MEMORY_LIMIT=1G)")


def test_epochs_times_updates_beyond_memory(cli, write_spec, monkeypatch):
    """25,000,000 epochs fit alone (3.6 GB of 4), 4 updates each do not (14 GB): the guard
    counts rows as updates, located at epochs in the spec and at --epochs on the command line."""
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "4G")
    spec = write_spec(UNITS.replace("epochs: 3", "epochs: 25000000"))
    line = refused(cli("table", spec))
    assert line.startswith(f"error: {spec}:2: epochs: ")
    assert "need about 14 GB of memory" in line and line.endswith(" in 4.0 GB (LRSCHED_MEMORY_LIMIT=4G)")
    line = refused(cli("table", write_spec(UNITS), "--epochs", "25000000"))
    assert line.startswith("error: --epochs: ")
    assert "need about 14 GB of memory" in line and line.endswith(" in 4.0 GB (LRSCHED_MEMORY_LIMIT=4G)")
