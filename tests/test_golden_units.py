"""Schedules in training units (SPEC.md section 4) that torch's training loop computed
(tests/golden/units.json, written by tests/golden/make_units.py with torch 2.13) against the
engine: every lr and momentum value bit for bit, the derived steps_per_epoch and the row
count, and every refusal of torch refused by us.  torch is not needed to run these."""

import math

import numpy as np
import pytest

from conftest import GOLDEN as GOLDEN_DIR
from conftest import load_generator, load_golden
from lrsched.engine import compute
from lrsched.errors import SpecError
from lrsched.spec import load_spec

GOLDEN = load_golden("units.json")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_matches_torch(case):
    result = compute(load_spec(case["spec"]).schedules[0])
    np.testing.assert_array_equal(result.lr, np.array(case["lr"], dtype=np.float64), strict=True)
    assert result.lr.shape[0] == case["rows"]
    assert result.steps_per_epoch == case["steps_per_epoch"]
    if case["momentum"] is None:
        assert result.momentum is None
        return
    torch_momentum = np.array(case["momentum"], dtype=np.float64)
    if result.momentum is not None:
        np.testing.assert_array_equal(result.momentum, torch_momentum, strict=True)
        assert result.momentum_key == case["momentum_key"]
    else:
        # not cycled: every row keeps the optimizer's own momentum / beta1
        assert (torch_momentum == torch_momentum[0]).all()


@pytest.mark.parametrize("case", GOLDEN["errors"], ids=lambda c: c["id"])
def test_refuses_what_torch_refuses(case):
    with pytest.raises(SpecError) as info:
        compute(load_spec(case["spec"]).schedules[0])
    assert info.value.key, "the error names the offending key"
    assert "unknown key" not in str(info.value), "every key of these specs is a valid one"


# --- the golden data itself follows section 4 (independent of the engine) -----------------
def section_4_steps_per_epoch(spec: dict) -> int | None:
    if not any(key in spec for key in ("steps_per_epoch", "dataset_size")):
        return None
    if "steps_per_epoch" in spec:
        return spec["steps_per_epoch"]
    per_device = math.ceil(spec["dataset_size"] / spec.get("world_size", 1))
    batch = spec["batch_size"]
    batches = per_device // batch if spec.get("drop_last", False) else math.ceil(per_device / batch)
    return math.ceil(batches / spec.get("grad_accum", 1))


@pytest.mark.parametrize("case", GOLDEN["cases"] + GOLDEN["errors"], ids=lambda c: c["id"])
def test_golden_counts_follow_the_spec(case):
    spec = case["spec"]
    spe = section_4_steps_per_epoch(spec)
    assert case["steps_per_epoch"] == spe
    assert case["rows"] == spec.get("max_steps", spec.get("epochs", 0) * (spe or 1))
    if "lr" in case:
        assert len(case["lr"]) == case["rows"]


@pytest.mark.parametrize("case", [c for c in GOLDEN["cases"] if c["spec"].get("interval", "epoch") == "epoch"],
                         ids=lambda c: c["id"])
def test_interval_epoch_rows_repeat_within_an_epoch(case):
    """With interval epoch, row i is the lr after i // steps_per_epoch scheduler steps."""
    spe = case["steps_per_epoch"] or 1
    for column in ("lr", "momentum"):
        rows = case[column]
        if rows is not None:
            assert rows == [rows[i - i % spe] for i in range(len(rows))]


UNIT_KEYS = ("steps_per_epoch", "dataset_size", "batch_size", "world_size", "grad_accum", "drop_last",
             "interval", "max_steps", "warmup")


def without_units(case: dict) -> tuple[dict, np.ndarray]:
    """Section 4 in terms of section 1: the spec without unit keys (one row per scheduler
    step, `warmup:` spelt as the SequentialLR it stands for) and, for each of the case's rows,
    the row of that spec it is (i with interval step, i // steps_per_epoch with epoch)."""
    spec, spe, rows = case["spec"], case["steps_per_epoch"] or 1, case["rows"]
    step = spec.get("interval", "epoch") == "step"
    plain = {key: value for key, value in spec.items() if key not in UNIT_KEYS}
    plain["epochs"] = rows if step else math.ceil(rows / spe)
    if "warmup" in spec:
        warmup = spec["warmup"]
        n = warmup["steps"] if "steps" in warmup else warmup["epochs"] * (spe if step else 1)
        linear = {"type": "LinearLR", "start_factor": warmup.get("start_factor", 1e-3), "end_factor": 1.0,
                  "total_iters": n}
        plain["scheduler"] = {"type": "SequentialLR", "schedulers": [linear, spec["scheduler"]], "milestones": [n]}
    return plain, (np.arange(rows) if step else np.arange(rows) // spe)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_golden_rows_are_scheduler_steps(case):
    """Row i is the lr after i (interval step) or i // steps_per_epoch (interval epoch) calls of
    scheduler.step(): the same torch data, through the engine's schedules without units."""
    plain, index = without_units(case)
    result = compute(load_spec(plain).schedules[0])
    np.testing.assert_array_equal(result.lr[index], np.array(case["lr"], dtype=np.float64), strict=True)
    if result.momentum is not None:
        np.testing.assert_array_equal(result.momentum[index], np.array(case["momentum"], dtype=np.float64),
                                      strict=True)


@pytest.mark.parametrize("case", GOLDEN["errors"], ids=lambda c: c["id"])
def test_golden_refusals_are_refusals_without_units(case):
    with pytest.raises(SpecError) as info:
        compute(load_spec(without_units(case)[0]).schedules[0])
    assert info.value.key


def test_cifar_onecycle_starts_at_max_lr_over_25():
    cifar = next(c for c in GOLDEN["cases"] if c["id"] == "cifar-onecyclelr")
    assert (cifar["steps_per_epoch"], cifar["rows"]) == (391, 3910)
    assert cifar["lr"][0][0] == pytest.approx(0.1 / 25, rel=1e-12)
    assert max(row[0] for row in cifar["lr"]) == 0.1


def test_golden_data_is_what_torch_computes(torch):
    """units.json is byte for byte what tests/golden/make_units.py writes with the torch
    installed (CI: 2.13.0)."""
    text = load_generator("make_units").render()
    assert text == (GOLDEN_DIR / "units.json").read_text(encoding="utf-8")
