"""Training units (SPEC.md section 4) through the commands and the library: what a row is,
how the table, the plot and simulate show it, and the derivation of steps_per_epoch.  The
values themselves are torch's training loop's, bit for bit: tests/test_golden_units.py."""

import csv
import io
import json
import math

import numpy as np
import pytest

from lrsched.engine import compute
from lrsched.spec import load_spec
from lrsched.units import derive_steps_per_epoch

ONECYCLE = """\
epochs: 3
steps_per_epoch: 5
interval: step
optimizer: {type: SGD, lr: 0.1, momentum: 0.9}
scheduler: {type: OneCycleLR, max_lr: 0.1, total_steps: 15}
"""

COSINE_PER_EPOCH = """\
lr: 0.1
epochs: 4
steps_per_epoch: 3
scheduler: {type: CosineAnnealingLR, T_max: 4}
"""


def spec(text: str, **changes):
    import yaml

    data = yaml.safe_load(text)
    data.update(changes)
    return data


# ------------------------------------------------------------------ the derivation

def count_updates(dataset_size, batch_size, world_size=1, grad_accum=1, drop_last=False) -> int:
    """The updates one device makes in an epoch, counted the way the loop runs them:
    DistributedSampler pads the dataset to a multiple of world_size and deals it out, the
    DataLoader batches it, and an update happens after every grad_accum batches and after a
    last partial window."""
    per_device = len(range(0, math.ceil(dataset_size / world_size) * world_size, world_size))
    batches = 0
    left = per_device
    while left >= batch_size or (left > 0 and not drop_last):
        left -= min(batch_size, left)
        batches += 1
    updates, window = 0, 0
    for _ in range(batches):
        window += 1
        if window == grad_accum:
            updates, window = updates + 1, 0
    return updates + (1 if window else 0)


@pytest.mark.parametrize("dataset_size", [1, 7, 100, 1001])
@pytest.mark.parametrize("batch_size", [1, 3, 32])
@pytest.mark.parametrize("world_size", [1, 3, 8])
@pytest.mark.parametrize("grad_accum", [1, 2, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_derivation_counts_what_the_loop_does(dataset_size, batch_size, world_size, grad_accum, drop_last):
    assert derive_steps_per_epoch(dataset_size, batch_size, world_size, grad_accum, drop_last) == \
        count_updates(dataset_size, batch_size, world_size, grad_accum, drop_last)


def test_imagenet_derivation_in_a_spec():
    result = compute({"lr": 0.1, "epochs": 2, "dataset_size": 1281167, "batch_size": 32, "world_size": 8,
                      "grad_accum": 2, "interval": "step",
                      "scheduler": {"type": "CosineAnnealingLR", "T_max": 5006}})
    assert result.steps_per_epoch == 2503 and result.epochs == 5006


# ------------------------------------------------------------------ rows

def test_without_units_rows_stay_scheduler_steps():
    result = compute(spec(COSINE_PER_EPOCH, steps_per_epoch=1))
    plain = compute({k: v for k, v in spec(COSINE_PER_EPOCH).items() if k != "steps_per_epoch"})
    assert plain.unit == "epoch" and plain.steps_per_epoch is None and plain.epochs == 4
    # steps_per_epoch: 1 with interval epoch is the same run, but its rows are updates
    np.testing.assert_array_equal(result.lr, plain.lr)
    assert result.unit == "step"


def test_interval_epoch_holds_each_epochs_lr_for_its_updates():
    units = compute(spec(COSINE_PER_EPOCH))
    plain = compute({k: v for k, v in spec(COSINE_PER_EPOCH).items() if k != "steps_per_epoch"})
    np.testing.assert_array_equal(units.lr, np.repeat(plain.lr, 3, axis=0))
    assert units.markers == tuple(m * 3 for m in plain.markers)


def test_interval_step_is_the_same_scheduler_run_per_update():
    units = compute(spec(COSINE_PER_EPOCH, interval="step"))
    plain = compute({"lr": 0.1, "epochs": 12, "scheduler": {"type": "CosineAnnealingLR", "T_max": 4}})
    np.testing.assert_array_equal(units.lr, plain.lr)


def test_max_steps_replaces_epochs_and_may_end_mid_epoch():
    result = compute(spec(COSINE_PER_EPOCH, max_steps=7, epochs=None))
    full = compute(spec(COSINE_PER_EPOCH))
    np.testing.assert_array_equal(result.lr, full.lr[:7])
    assert result.epoch.tolist() == [0, 0, 0, 1, 1, 1, 2]


def test_epochs_override_counts_epochs_of_updates_and_replaces_max_steps():
    schedule = load_spec(spec(COSINE_PER_EPOCH, max_steps=7)).schedules[0]
    assert compute(schedule).epochs == 7
    assert compute(schedule, 2).epochs == 6


def test_warmup_is_the_sequentiallr_it_stands_for():
    base = spec(COSINE_PER_EPOCH, interval="step")
    warm = compute(base | {"warmup": {"epochs": 1, "start_factor": 0.01}})
    explicit = compute(base | {"scheduler": {"type": "SequentialLR", "milestones": [3], "schedulers": [
        {"type": "LinearLR", "start_factor": 0.01, "end_factor": 1.0, "total_iters": 3},
        {"type": "CosineAnnealingLR", "T_max": 4}]}})
    np.testing.assert_array_equal(warm.lr, explicit.lr)
    assert warm.scheduler == "CosineAnnealingLR" and warm.markers == explicit.markers


def test_warmup_epochs_count_epochs_with_interval_epoch():
    warm = compute(spec(COSINE_PER_EPOCH) | {"warmup": {"epochs": 2}})
    steps = compute(spec(COSINE_PER_EPOCH) | {"warmup": {"steps": 2}})
    np.testing.assert_array_equal(warm.lr, steps.lr)
    assert warm.lr[0, 0] == 0.1 * 0.001 and warm.lr[6, 0] == 0.1


def test_unit_keys_merge_per_key_with_the_entrys_own_winning():
    doc = load_spec({"lr": 0.1, "epochs": 2, "steps_per_epoch": 4, "interval": "step", "schedules": [
        {"name": "a", "scheduler": {"type": "ExponentialLR", "gamma": 0.5}},
        {"name": "b", "interval": "epoch", "scheduler": {"type": "ExponentialLR", "gamma": 0.5}},
        {"name": "c", "steps_per_epoch": 2, "scheduler": {"type": "ExponentialLR", "gamma": 0.5}}]})
    a, b, c = (compute(s) for s in doc.schedules)
    assert (a.epochs, b.epochs, c.epochs) == (8, 8, 4)
    assert a.lr[:, 0].tolist() == [0.1 * 0.5 ** i for i in range(8)]     # halving is exact
    assert b.lr[:, 0].tolist() == [0.1] * 4 + [0.05] * 4
    assert c.lr[:, 0].tolist() == [0.1, 0.05, 0.025, 0.0125] and c.steps_per_epoch == 2


def test_memory_guard_counts_updates_and_imagenet_size_computes():
    result = compute({"lr": 0.1, "epochs": 90, "steps_per_epoch": 5005, "interval": "step",
                      "warmup": {"epochs": 5}, "scheduler": {"type": "CosineAnnealingLR", "T_max": 425425}})
    assert result.epochs == 450450 and result.lr[25025, 0] == 0.1


def test_memory_guard_refuses_updates_that_do_not_fit(cli, write_spec, monkeypatch):
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "100M")
    path = write_spec("lr: 0.1\nepochs: 100\nsteps_per_epoch: 100000\nscheduler: {type: StepLR, step_size: 3}\n")
    run = cli("table", path)
    assert run.code == 2 and run.out == ""
    assert run.err.startswith(f"error: {path}:2: epochs: 10000000 updates x 1 param group need about")


# ------------------------------------------------------------------ table

def test_plain_lines_name_step_and_epoch(cli, write_spec):
    path = write_spec(ONECYCLE)
    result = compute(load_spec(path).schedules[0])
    lines = cli("table", path, "-f", "plain").out.splitlines()
    assert lines == [f"lr of step {i} (epoch {i // 5}) => {result.lr[i].tolist()!r}" for i in range(15)]


def test_per_epoch_prints_each_epochs_first_update_with_the_tutorials_line(cli, write_spec):
    path = write_spec(ONECYCLE + "max_steps: 12\n")
    result = compute(load_spec(path).schedules[0])
    lines = cli("table", path, "-f", "plain", "--per", "epoch").out.splitlines()
    # 12 updates: epochs 0, 1 and the partial epoch 2 (updates 10, 11)
    assert lines == [f"lr of epoch {e} => {result.lr[5 * e].tolist()!r}" for e in range(3)]


def test_per_step_is_the_default_with_units(cli, write_spec):
    path = write_spec(ONECYCLE)
    assert cli("table", path, "-f", "plain").out == cli("table", path, "-f", "plain", "--per", "step").out


def test_csv_has_epoch_and_step(cli, write_spec):
    path = write_spec(ONECYCLE)
    result = compute(load_spec(path).schedules[0])
    rows = list(csv.DictReader(io.StringIO(cli("table", path, "-f", "csv").out)))
    assert list(rows[0]) == ["schedule", "epoch", "step", "group", "lr", "momentum"]
    assert [(int(r["epoch"]), int(r["step"])) for r in rows] == [(i // 5, i) for i in range(15)]
    assert [float(r["lr"]) for r in rows] == result.lr[:, 0].tolist()
    assert [float(r["momentum"]) for r in rows] == result.momentum[:, 0].tolist()
    per_epoch = list(csv.DictReader(io.StringIO(cli("table", path, "-f", "csv", "--per", "epoch").out)))
    assert [(int(r["epoch"]), int(r["step"])) for r in per_epoch] == [(0, 0), (1, 5), (2, 10)]
    assert [float(r["lr"]) for r in per_epoch] == result.lr[::5, 0].tolist()


def test_csv_one_group_without_momentum(cli, write_spec):
    path = write_spec(COSINE_PER_EPOCH + "max_steps: 8\n")
    result = compute(load_spec(path).schedules[0])
    text = cli("table", path, "-f", "csv").out
    name = path.rsplit("/", 1)[-1][:-5]
    assert text == "schedule,epoch,step,group,lr,momentum\n" + "".join(
        f"{name},{i // 3},{i},0,{float(result.lr[i, 0])!r},\n" for i in range(8))


def test_json_says_unit_and_steps_per_epoch(cli, write_spec):
    path = write_spec(ONECYCLE)
    (data,) = json.loads(cli("table", path, "-f", "json").out)
    assert (data["unit"], data["steps_per_epoch"], len(data["lr"])) == ("step", 5, 15)
    (data,) = json.loads(cli("table", path, "-f", "json", "--per", "epoch").out)
    assert (data["unit"], data["steps_per_epoch"], len(data["lr"])) == ("epoch", 5, 3)


def test_rich_table_first_column_is_step(cli, write_spec):
    from rich.console import Console

    from lrsched.render.richtable import rich_table

    result = compute(load_spec(write_spec(ONECYCLE)).schedules[0])
    console = Console(file=io.StringIO(), width=200)
    console.print(rich_table([result]))
    header = console.file.getvalue().splitlines()[0].split()
    assert header[0] == "step"
    console = Console(file=io.StringIO(), width=200)
    console.print(rich_table([result.per_epoch()]))
    assert console.file.getvalue().splitlines()[0].split()[0] == "epoch"


def test_every_and_at_pick_among_the_rows_per_unit(cli, write_spec):
    path = write_spec(ONECYCLE)
    lines = cli("table", path, "-f", "plain", "--per", "epoch", "--at", "-1").out.splitlines()
    assert lines[0].startswith("lr of epoch 2 => ")
    lines = cli("table", path, "-f", "plain", "--every", "7").out.splitlines()
    assert [line.split(" =>")[0] for line in lines] == ["lr of step 0 (epoch 0)", "lr of step 7 (epoch 1)",
                                                        "lr of step 14 (epoch 2)"]


# ------------------------------------------------------------------ plot

def _figure(text_or_results, **options):
    from lrsched.render.plot import figure

    return figure(text_or_results, **options)


def test_plot_puts_epochs_on_the_axis_and_steps_beneath(write_spec):
    a = compute(load_spec(write_spec(ONECYCLE)).schedules[0])
    b = compute(spec(COSINE_PER_EPOCH, epochs=3, interval="step"))
    fig = _figure([a, b], title="")
    ax = fig.axes[0]
    bottom = [x for x in fig.axes if x.get_xlabel() in ("epoch", "step")]
    assert sorted(x.get_xlabel() for x in bottom) == ["epoch"]
    # the two schedules, 5 and 3 updates an epoch, both end at epoch 3 (their last row at 14/5, 8/3)
    ends = [line.get_xdata()[-1] for line in ax.lines[:2]]
    assert ends == [14 / 5, 8 / 3]
    # steps_per_epoch differ: no second axis
    assert not [c for c in ax.child_axes]
    fig = _figure([a], title="")
    second = [c for c in fig.axes[-1].child_axes]
    assert len(second) == 1 and second[0].get_xlabel() == "step"


def test_plot_x_step_makes_steps_the_main_axis(write_spec):
    a = compute(load_spec(write_spec(ONECYCLE)).schedules[0])
    fig = _figure([a], title="", x="step")
    bottom = fig.axes[-1]
    assert bottom.get_xlabel() == "step"
    assert bottom.lines[0].get_xdata()[-1] == 14
    assert [c.get_xlabel() for c in bottom.child_axes] == ["epoch"]


def test_plot_without_units_says_step_for_a_per_update_scheduler():
    onecycle = compute({"lr": 0.1, "epochs": 10, "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10}})
    cosine = compute({"lr": 0.1, "epochs": 10, "scheduler": {"type": "CosineAnnealingLR", "T_max": 10}})
    per_update = compute({"lr": 0.1, "epochs": 10, "interval": "step",
                          "scheduler": {"type": "CosineAnnealingLR", "T_max": 10}})
    assert _figure([onecycle], title="").axes[-1].get_xlabel() == "step"
    assert _figure([cosine], title="").axes[-1].get_xlabel() == "epoch"
    assert _figure([per_update], title="").axes[-1].get_xlabel() == "step"
    assert _figure([onecycle, cosine], title="").axes[-1].get_xlabel() == "epoch"


def test_plot_command_takes_x(cli, write_spec, tmp_path):
    path = write_spec(ONECYCLE)
    out = tmp_path / "u.svg"
    run = cli("plot", path, "-o", str(out), "--x", "step")
    assert run.code == 0 and out.read_text().count("<svg") == 1


def test_term_plot_labels_rows_of_updates_step(cli, write_spec):
    from lrsched.render.plot import row_unit

    result = compute(load_spec(write_spec(ONECYCLE)).schedules[0])
    assert row_unit([result]) == "step" and row_unit([result.per_epoch()]) == "epoch"
    run = cli("plot", write_spec(ONECYCLE), "--term", "--size", "60x12")
    assert run.code == 0
    run = cli("plot", write_spec(ONECYCLE), "--term", "--x", "epoch")
    assert run.code == 2 and "--x" in run.err


# ------------------------------------------------------------------ simulate and the API

def test_simulate_steps_the_scheduler_per_epoch_of_updates(write_spec):
    from lrsched.simulate.schedule import load_schedule, schedule_tables

    schedule = load_schedule(write_spec("lr: 0.1\nepochs: 2\nsteps_per_epoch: 4\n"
                                        "scheduler: {type: ExponentialLR, gamma: 0.5}\n"))
    from lrsched.optimizers import optimizer_class

    sgd = dict(optimizer_class("SGD").defaults, lr=0.1)
    tables = schedule_tables(schedule, [("SGD", sgd, 0)], 10)
    assert tables.lr[:, 0].tolist() == [0.1] * 4 + [0.05] * 4 + [0.025] * 3
    per_update = load_schedule(write_spec("lr: 0.1\nepochs: 2\nsteps_per_epoch: 4\ninterval: step\n"
                                          "scheduler: {type: ExponentialLR, gamma: 0.5}\n"))
    tables = schedule_tables(per_update, [("SGD", sgd, 0)], 3)
    np.testing.assert_array_equal(tables.lr[:, 0], [0.1, 0.05, 0.025, 0.0125])


def test_api_rows_and_table_per():
    import lrsched

    s = lrsched.schedule(spec(ONECYCLE))
    assert (s.unit, s.steps_per_epoch, s.rows) == ("step", 5, 15)
    assert s.epoch.tolist() == [i // 5 for i in range(15)] and s.step.tolist() == list(range(15))
    assert s.table(per="epoch").splitlines()[1].startswith("lr of epoch 1 => ")
    with pytest.raises(lrsched.errors.SpecError, match="no training units"):
        lrsched.schedule({"lr": 0.1, "epochs": 2, "scheduler": {"type": "StepLR", "step_size": 1}}).table(per="step")


def test_the_readme_shows_what_the_units_examples_print():
    import re
    import shlex

    from conftest import ROOT, run_cli

    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```console\n\$ lrsched (table configs/units-[^\n]*)\n(.*?)```", readme, re.S)
    assert len(blocks) == 2
    for command, shown in blocks:
        args = [str(ROOT / a) if a.startswith("configs/") else a for a in shlex.split(command)]
        assert run_cli(*args).out == shown, command
