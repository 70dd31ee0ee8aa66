"""``lrsched check SPEC LOG``: logs of every kind against their spec, with the verdict and
exit code each deserves.  Logs are written from the engine's own rows (what a correct run
logs), edited by hand where a test needs a wrong value; with torch, from real training loops
with both logging conventions."""

import json

import numpy as np
import pytest

from conftest import ROOT, run_cli
from lrsched.engine import compute
from lrsched.spec import load_spec

CIFAR = str(ROOT / "configs" / "units-cifar-onecycle.yaml")
COSINE = "lr: 0.1\nepochs: 50\nscheduler: {type: CosineAnnealingLR, T_max: 49}\n"


def rows(spec) -> np.ndarray:
    """The spec's lr rows (group 0): a path, or YAML text."""
    source = (spec, "spec.yaml") if "\n" in spec else spec
    return compute(load_spec(source).schedules[0]).lr[:, 0]


def csv_log(tmp_path, points, header="step,lr", name="log.csv") -> str:
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(f"{s},{v!r}\n" for s, v in points))
    return str(path)


@pytest.mark.parametrize("offset, meaning", [(0, "before the scheduler's step"),
                                             (1, "after the scheduler's step, counting steps from 0"),
                                             (-1, "counts steps from 1 and records the lr before")])
def test_the_offset_that_fits_is_named_and_explained(tmp_path, offset, meaning):
    lr = rows(CIFAR)
    points = [(s, float(lr[s + offset])) for s in range(max(0, -offset), len(lr) - max(0, offset))]
    run = run_cli("check", CIFAR, csv_log(tmp_path, points))
    assert run.code == 0, run
    assert f"offset {offset:+d}: " in run.out and meaning in run.out
    assert run.out.endswith(f"match: {len(points)} points agree (rtol 1e-06)\n")


def test_gaps_duplicates_and_points_outside(tmp_path):
    lr = rows(CIFAR)
    points = [(s, float(lr[s])) for s in range(0, 3910, 10)]
    points += [(s, float(lr[s])) for s in range(1000, 1100, 10)]      # a resumed run logs these again
    points += [(3910, 1e-9), (3911, 1e-9)]                              # past the end: not judged
    run = run_cli("check", CIFAR, csv_log(tmp_path, points))
    assert run.code == 0, run
    assert "2 logged points (steps 3910-3911) outside the spec's rows 0-3909 at this offset: not judged" in run.out
    assert f"match: {len(points) - 2} points agree" in run.out


def test_one_wrong_value_is_found_with_its_line(tmp_path):
    lr = rows(COSINE)
    points = [(s, float(lr[s])) for s in range(50)]
    points[17] = (17, float(lr[17]) * 1.01)
    spec = tmp_path / "cos.yaml"
    spec.write_text(COSINE)
    run = run_cli("check", str(spec), csv_log(tmp_path, points))
    assert run.code == 1
    assert (f"differ: 1 of 50 points; first at step 17 (line 19): logged {float(lr[17]) * 1.01!r}, expected "
            f"{float(lr[17])!r}, ratio 1.01\n") in run.out
    assert "largest gap at step 17 (line 19)" in run.out


def test_a_shifted_schedule_differs(tmp_path):
    spec = tmp_path / "cos.yaml"
    spec.write_text(COSINE)
    other = rows(COSINE.replace("T_max: 49", "T_max: 40"))
    run = run_cli("check", str(spec), csv_log(tmp_path, [(s, float(other[s])) for s in range(50)]))
    assert run.code == 1 and "differ: " in run.out and "first at step 1 " in run.out


def test_float32_log_compared_at_float32_precision(tmp_path):
    lr = rows(CIFAR)
    points = [(s + 1, float(np.float32(lr[s + 1]))) for s in range(3909)]   # W&B: float32, from 1
    header = "Step,train/learning_rate,train/learning_rate__MIN,train/learning_rate__MAX"
    path = tmp_path / "wandb.csv"
    path.write_text(header + "\n" + "".join(f"{s},{v!r},{v!r},{v!r}\n" for s, v in points))
    run = run_cli("check", CIFAR, str(path), "--rtol", "0")
    assert run.code == 0, run
    assert "float32 values (as W&B stores them)" in run.out and "lr from 'train/learning_rate'" in run.out
    # a float64 log with --rtol 0 must match exactly
    exact = csv_log(tmp_path, [(s, float(lr[s])) for s in range(3910)], name="exact.csv")
    assert run_cli("check", CIFAR, exact, "--rtol", "0").code == 0


def test_rounded_values_compared_at_their_precision(tmp_path):
    lr = rows(CIFAR)
    path = tmp_path / "rounded.csv"
    path.write_text("step,lr\n" + "".join(f"{s},{lr[s]:.5g}\n" for s in range(3910)))
    run = run_cli("check", CIFAR, str(path))
    assert run.code == 0, run
    assert "at most 5 significant digits: compared to that precision (rtol 5e-05)" in run.out


def test_tensorboard_and_json_lines(tmp_path):
    lr = rows(CIFAR)
    tb = tmp_path / "tb.csv"
    tb.write_text("Wall time,Step,Value\n" + "".join(f"1700000000.{s},{s},{float(lr[s])!r}\n" for s in range(0, 3910, 7)))
    run = run_cli("check", CIFAR, str(tb))
    assert run.code == 0 and "lr from 'Value'" in run.out
    jl = tmp_path / "log.jsonl"
    jl.write_text("".join(json.dumps({"global_step": s, "learning_rate": float(lr[s]), "loss": 0.5}) + "\n"
                          for s in range(1, 3910)))
    run = run_cli("check", CIFAR, str(jl))
    assert run.code == 0 and "steps from column 'global_step'" in run.out


def test_blank_cells_are_skipped(tmp_path):
    lr = rows(COSINE)
    spec = tmp_path / "cos.yaml"
    spec.write_text(COSINE)
    path = tmp_path / "log.csv"
    path.write_text("step,loss,lr\n" + "".join(f"{s},0.5,{'' if s % 3 else repr(float(lr[s]))}\n" for s in range(50)))
    run = run_cli("check", str(spec), str(path))
    assert run.code == 0 and "match: 17 points agree" in run.out


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("step,loss\n0,1.0\n", "has no lr column"),
    ("epoch,lr\n0,0.1\n", "has no step column"),
    ("step,lr\n0,0.1\n1,fast\n", ":3: lr: 'fast' is not a number"),
    ("step,lr\n0.5,0.1\n", ":2: step: '0.5' is not a whole step number"),
    ("step,lr\n1000,0.1\n2000,0.1\n", "has no point inside the spec's rows 0-49"),
    ("step,lr,learning_rate\n0,0.1,0.1\n", "has several lr columns (lr, learning_rate); pick one with --column"),
    ('{"step": 0, "lr": 0.1}\n[1, 2]\n', ":2: is not a JSON object"),
])
def test_bad_logs_exit_2_with_file_and_line(tmp_path, text, message):
    spec = tmp_path / "cos.yaml"
    spec.write_text(COSINE)
    log = tmp_path / "bad.csv"
    log.write_text(text)
    run = run_cli("check", str(spec), str(log))
    assert run.code == 2 and run.out == ""
    assert run.err.startswith(f"error: {log}") and message in run.err, run.err


def test_columns_by_flag(tmp_path):
    spec = tmp_path / "cos.yaml"
    spec.write_text(COSINE)
    lr = rows(COSINE)
    path = tmp_path / "log.csv"
    path.write_text("it,a,b\n" + "".join(f"{s},{float(lr[s])!r},0\n" for s in range(50)))
    run = run_cli("check", str(spec), str(path), "--step-column", "it", "--column", "a")
    assert run.code == 0, run
    assert run_cli("check", str(spec), str(path), "--column", "c").code == 2


def test_per_epoch_and_group(tmp_path):
    lr = compute(load_spec(CIFAR).schedules[0]).per_epoch().lr[:, 0]
    run = run_cli("check", CIFAR, csv_log(tmp_path, [(e, float(lr[e])) for e in range(10)]), "--per", "epoch")
    assert run.code == 0 and "match: 10 points agree" in run.out
    assert run_cli("check", CIFAR, csv_log(tmp_path, [(0, 0.1)]), "--group", "1").code == 2


# ------------------------------------------------------------------ logs of real torch loops

def test_logs_of_real_torch_loops(torch, tmp_path):
    """A plain loop logging after scheduler.step() with a 0-based step, and the Trainer's
    convention (global_step counting from 1, logged after the step): both agree, at +1 and 0."""
    import warnings

    from torch.optim import lr_scheduler

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0005)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3910)
    plain, trainer = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in range(3909):
            opt.step()
            sched.step()
            plain.append((step, sched.get_last_lr()[0]))
            trainer.append((step + 1, sched.get_last_lr()[0]))
    run = run_cli("check", CIFAR, csv_log(tmp_path, plain, name="plain.csv"), "--rtol", "0")
    assert run.code == 0 and "offset +1" in run.out and "match: 3909 points agree" in run.out
    run = run_cli("check", CIFAR, csv_log(tmp_path, trainer, header="global_step,learning_rate",
                                          name="trainer.csv"), "--rtol", "0")
    assert run.code == 0 and "offset +0" in run.out


def test_the_readme_shows_what_check_prints(monkeypatch):
    import re

    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```console\n\$ lrsched (check [^\n]*)\n(.*?)```", readme, re.S)
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    for command, shown in blocks:
        run = run_cli(*command.split())
        assert run.out == shown and run.code == (0 if "match: " in shown else 1)
