"""ReduceLROnPlateau takes NaN and inf metrics as torch does (`float(metrics)`, then its
comparisons: NaN never improves, inf never improves on inf, -inf once)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrsched.engine import compute
from lrsched.spec import load_spec

NAN, INF = math.nan, math.inf
CASES = {
    "nan-then-better": [1.0, NAN, NAN, 0.5, NAN, NAN, NAN, 0.4, 0.3],
    "starts-with-inf": [INF, INF, 2.0, INF, INF, 1.0, 1.0, 1.0, 1.0],
    "minus-inf": [1.0, 0.9, -INF, 0.0, -1.0, -INF, 0.5, 0.4, 0.3],
    "all-nan": [NAN] * 9,
}
SETTINGS = [("min", "rel", 1e-4), ("max", "rel", 1e-4), ("min", "abs", 0.01), ("max", "abs", 0.0)]


def torch_loop(metrics, mode, threshold_mode, threshold, patience, factor, lr):
    """ReduceLROnPlateau.step as torch 2.13 writes it, for one group (min_lr 0, cooldown 0)."""
    best = math.inf if mode == "min" else -math.inf
    bad, rows = 0, [lr]
    for m in metrics:
        if mode == "min" and threshold_mode == "rel":
            better = m < best * (1.0 - threshold)
        elif mode == "min":
            better = m < best - threshold
        elif threshold_mode == "rel":
            better = m > best * (threshold + 1.0)
        else:
            better = m > best + threshold
        if better:
            best, bad = m, 0
        else:
            bad += 1
        if bad > patience:
            new = max(lr * factor, 0.0)
            if lr - new > 1e-8:
                lr = new
            bad = 0
        rows.append(lr)
    return rows


def spec(metrics, mode, threshold_mode, threshold):
    return {"lr": 0.1, "epochs": len(metrics) + 1,
            "scheduler": {"type": "ReduceLROnPlateau", "mode": mode, "threshold_mode": threshold_mode,
                          "threshold": threshold, "patience": 1, "factor": 0.5, "metrics": list(metrics)}}


@pytest.mark.parametrize("setting", SETTINGS, ids=["-".join(map(str, s)) for s in SETTINGS])
@pytest.mark.parametrize("case", sorted(CASES))
def test_nonfinite_metrics_follow_torchs_comparisons(case, setting):
    mode, threshold_mode, threshold = setting
    metrics = CASES[case]
    ours = compute(load_spec(spec(metrics, mode, threshold_mode, threshold)).schedules[0]).lr[:, 0]
    expected = torch_loop(metrics, mode, threshold_mode, threshold, patience=1, factor=0.5, lr=0.1)
    np.testing.assert_array_equal(ours, np.array(expected))


@pytest.mark.parametrize("setting", SETTINGS, ids=["-".join(map(str, s)) for s in SETTINGS])
@pytest.mark.parametrize("case", sorted(CASES))
def test_nonfinite_metrics_against_torch(case, setting):
    torch = pytest.importorskip("torch")
    mode, threshold_mode, threshold = setting
    metrics = CASES[case]
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, threshold_mode=threshold_mode,
                                                       threshold=threshold, patience=1, factor=0.5)
    rows = [opt.param_groups[0]["lr"]]
    for m in metrics:
        opt.step()
        sched.step(m)
        rows.append(opt.param_groups[0]["lr"])
    ours = compute(load_spec(spec(metrics, mode, threshold_mode, threshold)).schedules[0]).lr[:, 0]
    np.testing.assert_array_equal(ours, np.array(rows))


def test_nan_and_inf_from_yaml_are_accepted(write_spec):
    from conftest import run_cli

    path = write_spec("lr: 0.1\nepochs: 5\nscheduler:\n  type: ReduceLROnPlateau\n  patience: 0\n"
                      "  metrics: [1.0, .nan, .inf, -.inf]\n")
    run = run_cli("table", path, "-f", "csv")
    assert run.code == 0, run
