"""The ten schedulers of issue 3 (MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR,
CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR, SequentialLR, ChainedScheduler,
ReduceLROnPlateau): the torch behaviours that deserve their own assertion, every refusal of
the golden data with its key and message.  Randomised parity with torch itself runs when
torch is installed (the op evaluator against its reference: test_evaluate.py)."""

import json
import math
import random

import numpy as np
import pytest

from conftest import load_golden
from lrsched.engine import compute
from lrsched.errors import SpecError
from lrsched.schedules import REGISTRY
from lrsched.schedules.plateau import improvements
from lrsched.spec import load_spec

GOLDEN = load_golden("schedules.json")
SGD_M = {"type": "SGD", "lr": 0.1, "momentum": 0.9}


def run(spec: dict):
    return compute(load_spec(spec).schedules[0])


def refusal(spec: dict) -> SpecError:
    with pytest.raises(SpecError) as info:
        run(spec)
    return info.value


def torch_cosine(base: float, t_max, eta_min: float, rows: int) -> list:
    """torch 2.13's CosineAnnealingLR.get_lr recurrence, transcribed with Python floats."""
    lr, out = base, [base]
    for t in range(1, rows):
        if (t - 1 - t_max) % (2 * t_max) == 0:
            lr = lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        else:
            lr = ((1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
                  * (lr - eta_min) + eta_min)
        out.append(lr)
    return out


# ---- chainable decays -------------------------------------------------------------------

def test_linearlr_ends_by_its_recurrence_not_at_the_base_lr():
    lr = run({"lr": 0.1, "epochs": 30, "scheduler": {"type": "LinearLR", "start_factor": 0.1,
                                                     "total_iters": 10}}).lr[:, 0]
    assert repr(float(lr[-1])) == "0.10000000000000005"          # torch's value, not 0.1
    assert (lr[10:] == lr[10]).all()                            # constant after total_iters
    assert lr[0] == 0.1 * 0.1


def test_linearlr_marks_the_end_of_its_ramp():
    assert run({"lr": 0.1, "epochs": 20, "scheduler": {"type": "LinearLR", "total_iters": 7}}).markers == (7,)


def test_constantlr_multiplies_then_divides_the_current_lr():
    lr = run({"lr": 0.01, "epochs": 8, "scheduler": {"type": "ConstantLR", "factor": 0.3,
                                                     "total_iters": 4}}).lr[:, 0]
    assert (lr[:4] == 0.01 * 0.3).all()
    assert (lr[4:] == (0.01 * 0.3) * (1.0 / 0.3)).all()


def test_constantlr_total_iters_0_is_never_undone():
    lr = run({"lr": 0.1, "epochs": 6, "scheduler": {"type": "ConstantLR", "factor": 0.5,
                                                    "total_iters": 0}}).lr[:, 0]
    assert (lr == 0.05).all()


def test_polynomiallr_reaches_zero_and_stays():
    lr = run({"lr": 0.1, "epochs": 15, "scheduler": {"type": "PolynomialLR", "total_iters": 10,
                                                     "power": 2.0}}).lr[:, 0]
    assert lr[9] > 0 and (lr[10:] == 0).all()


def test_multiplicativelr_skips_the_factor_of_epoch_0():
    lr = run({"lr": 1.0, "epochs": 4, "scheduler": {"type": "MultiplicativeLR",
                                                    "lr_lambda": "0.5 if epoch == 0 else 0.9"}}).lr[:, 0]
    assert lr.tolist() == [1.0, 0.9, 0.9 * 0.9, 0.9 * 0.9 * 0.9]


# ---- cosines ----------------------------------------------------------------------------

def test_cosine_is_not_clamped_its_period_is_twice_t_max():
    lr = run({"lr": 0.1, "epochs": 61, "scheduler": {"type": "CosineAnnealingLR", "T_max": 10,
                                                     "eta_min": 0.001}}).lr[:, 0]
    assert lr[10] == lr[30] == lr[50] == 0.001                 # troughs are exactly eta_min
    assert lr[20] > 0.09 and lr[40] > 0.09                      # back up after T_max
    np.testing.assert_allclose(lr[1:21], lr[21:41], rtol=1e-13)


def test_cosine_marks_every_multiple_of_t_max():
    result = run({"lr": 0.1, "epochs": 35, "scheduler": {"type": "CosineAnnealingLR", "T_max": 10}})
    assert result.markers == (10, 20, 30)


@pytest.mark.parametrize("t_max, eta_min", [(10000, 0.05), (2000, 0.2), (700, 0.0), (37, 0.01)])
def test_cosine_is_torchs_recurrence_bit_for_bit(t_max, eta_min):
    """Every rounding of ``a * (lr - eta_min) + eta_min``, over 30,000 epochs (the cumprod of
    the factors on lr - eta_min would be off by ~1e-12 for the first case)."""
    rows = 30_000
    lr = run({"lr": 0.1, "epochs": rows, "scheduler": {"type": "CosineAnnealingLR", "T_max": t_max,
                                                       "eta_min": eta_min}}).lr[:, 0]
    assert lr.tolist() == torch_cosine(0.1, t_max, eta_min, rows)


def test_warm_restarts_restart_at_t0_then_t0_times_t_mult():
    result = run({"lr": 0.1, "epochs": 40, "scheduler": {"type": "CosineAnnealingWarmRestarts",
                                                         "T_0": 5, "T_mult": 2}})
    assert result.markers == (5, 15, 35)
    assert result.lr[5, 0] == result.lr[15, 0] == result.lr[35, 0] == 0.1


# ---- OneCycleLR -------------------------------------------------------------------------

ONE_CYCLE = {"optimizer": SGD_M, "scheduler": {"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 20}}


def test_onecycle_starts_at_max_lr_over_div_factor_up_to_rounding():
    result = run({**ONE_CYCLE, "epochs": 20})
    assert repr(float(result.lr[0, 0])) == "0.0040000000000000036"
    assert result.lr[:, 0].max() == 0.1                         # the peak, at the end of phase 1
    assert result.markers == (6,)


def test_onecycle_cycles_momentum_against_the_lr():
    result = run({**ONE_CYCLE, "epochs": 21})
    assert result.momentum_key == "momentum"
    assert result.momentum[0, 0] == 0.95 and result.momentum[19, 0] == 0.95
    assert result.momentum[5, 0] == pytest.approx(0.85)


def test_onecycle_extrapolates_on_its_last_allowed_row():
    lr = run({**ONE_CYCLE, "epochs": 21}).lr[:, 0]
    assert lr[20] > lr[19]                                      # the cosine rises again
    linear = {**ONE_CYCLE, "epochs": 21,
              "scheduler": {**ONE_CYCLE["scheduler"], "anneal_strategy": "linear"}}
    assert run(linear).lr[20, 0] < 0                            # and linear goes below zero


def test_onecycle_says_how_many_epochs_the_spec_allows():
    error = refusal({**ONE_CYCLE, "epochs": 25})
    assert error.key == "scheduler.total_steps"
    assert "allows at most 21 epochs" in error.message and "got 25" in error.message
    with_epochs = {"optimizer": SGD_M, "epochs": 12, "scheduler": {
        "type": "OneCycleLR", "max_lr": 0.1, "epochs": 2, "steps_per_epoch": 5}}
    error = refusal(with_epochs)
    assert error.key == "scheduler.epochs" and "at most 11 epochs" in error.message


def test_onecycle_epochs_times_steps_per_epoch():
    spec = {"optimizer": SGD_M, "epochs": 11, "scheduler": {
        "type": "OneCycleLR", "max_lr": 0.1, "epochs": 2, "steps_per_epoch": 5}}
    np.testing.assert_array_equal(run(spec).lr, run({**ONE_CYCLE, "epochs": 11, "scheduler": {
        **ONE_CYCLE["scheduler"], "total_steps": 10}}).lr)


# ---- ReduceLROnPlateau -------------------------------------------------------------------

def plateau(epochs: int, **keywords) -> dict:
    return {"lr": 0.1, "epochs": epochs, "scheduler": {"type": "ReduceLROnPlateau", **keywords}}


def test_plateau_reduces_when_bad_epochs_exceed_patience():
    result = run(plateau(8, patience=2, factor=0.5, metrics=[1.0] * 7))
    # step 1 improves on inf; steps 2, 3, 4 are bad; 3 > 2 at step 4, again at step 7
    assert result.lr[:, 0].tolist() == [0.1] * 4 + [0.05] * 3 + [0.025]
    assert result.markers == (4, 7)


def test_plateau_cooldown_ignores_bad_epochs():
    lr = run(plateau(12, patience=0, cooldown=2, factor=0.5, metrics=[1.0] * 11)).lr[:, 0]
    assert lr.tolist() == [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125,
                           0.0125, 0.00625]


def test_plateau_min_lr_per_group_and_eps():
    spec = {"optimizer": {"type": "SGD", "lr": 0.1, "param_groups": [{"lr": 0.1}, {"lr": 0.01}]},
            "epochs": 10, "scheduler": {"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.1,
                                        "min_lr": [0.005, 0.0], "eps": 1e-4, "metrics": [1.0] * 9}}
    lr = run(spec).lr
    assert lr[-1].tolist() == [0.005, 0.0001]       # group 1 stops where a cut is below eps


def test_plateau_metrics_as_an_expression():
    listed = run(plateau(30, patience=1, metrics=[1 / (e + 1) if e < 10 else 0.1 for e in range(29)]))
    expr = run(plateau(30, patience=1, metrics="1 / (epoch + 1) if epoch < 10 else 0.1"))
    np.testing.assert_array_equal(listed.lr, expr.lr)


def test_plateau_needs_epochs_minus_one_metrics():
    error = refusal(plateau(10, metrics=[1.0] * 5))
    assert error.key == "scheduler.metrics"
    assert "needs 9 values for 10 scheduler steps" in error.message and "got 5" in error.message
    assert "metrics" in refusal(plateau(3)).message
    assert run(plateau(1)).lr.tolist() == [[0.1]]               # one row needs no metric


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize("threshold", [0.0, 1e-4, 0.05, 1.0, -0.01])
def test_plateau_improvements_follow_torchs_is_better(mode, threshold_mode, threshold):
    rng = np.random.default_rng(7)
    for values in (np.round(rng.random(300), 2), 1 / np.sqrt(np.arange(300) + 1) + rng.normal(0, 0.01, 300),
                   rng.normal(0, 1, 300), np.cumsum(rng.normal(0, 1, 300))):
        best, expected = (math.inf if mode == "min" else -math.inf), []
        for a in values.tolist():
            if mode == "min":
                better = a < (best * (1.0 - threshold) if threshold_mode == "rel" else best - threshold)
            else:
                better = a > (best * (threshold + 1.0) if threshold_mode == "rel" else best + threshold)
            best = a if better else best
            expected.append(better)
        assert improvements(values, mode, threshold, threshold_mode).tolist() == expected


# ---- SequentialLR and ChainedScheduler ---------------------------------------------------

def sequential(children, milestones, **keywords) -> dict:
    return {"type": "SequentialLR", "schedulers": children, "milestones": milestones, **keywords}


def test_sequential_restarts_each_child_from_its_own_epoch_0():
    spec = {"lr": 0.1, "epochs": 12, "scheduler": sequential(
        [{"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
         {"type": "CosineAnnealingLR", "T_max": 6}], [5])}
    result = run(spec)
    assert result.lr[5, 0] == 0.1                              # the closed form at epoch 0
    assert result.markers == (5, 11)                           # the milestone, the trough


def test_sequential_gives_a_child_without_closed_form_get_lr_at_epoch_0():
    spec = {"lr": 1.0, "epochs": 6, "scheduler": sequential(
        [{"type": "ExponentialLR", "gamma": 0.5}, {"type": "MultiplicativeLR", "lr_lambda": "0.9"}], [3])}
    lr = run(spec).lr[:, 0]
    assert lr.tolist() == [1.0, 0.5, 0.25, 0.25 * 0.9, 0.25 * 0.9 * 0.9, 0.25 * 0.9 * 0.9 * 0.9]


def test_sequential_after_onecycle_starts_from_its_initial_lr():
    spec = {"optimizer": SGD_M, "epochs": 14, "scheduler": sequential(
        [{"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 10},
         {"type": "LinearLR", "start_factor": 0.5, "total_iters": 4}], [10])}
    assert run(spec).lr[10, 0] == (0.1 / 25.0) * 0.5           # OneCycleLR set initial_lr


def test_sequential_milestone_count():
    error = refusal({"lr": 0.1, "epochs": 5, "scheduler": sequential(
        [{"type": "ConstantLR"}, {"type": "ExponentialLR", "gamma": 0.9}, {"type": "StepLR", "step_size": 2}], [3])})
    assert error.key == "scheduler.milestones"
    assert "needs 2 milestone(s)" in error.message and "got 1" in error.message


def test_chained_takes_no_initial_step_of_its_own():
    spec = {"lr": 1.0, "epochs": 4, "scheduler": {"type": "ChainedScheduler", "schedulers": [
        {"type": "ConstantLR", "factor": 0.1, "total_iters": 2}, {"type": "ExponentialLR", "gamma": 0.9}]}}
    lr = run(spec).lr[:, 0]
    row2 = ((1.0 * 0.1) * 0.9) * (1.0 / 0.1) * 0.9            # ConstantLR undoes, then ExponentialLR
    assert lr.tolist() == [1.0 * 0.1, (1.0 * 0.1) * 0.9, row2, row2 * 0.9]


def test_chained_children_step_in_order_on_the_same_lr():
    first = {"type": "ExponentialLR", "gamma": 0.95}
    cyclic = {"type": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 3}
    ours = run({"optimizer": SGD_M, "epochs": 8, "scheduler": {"type": "ChainedScheduler",
                                                              "schedulers": [first, cyclic]}})
    alone = run({"optimizer": SGD_M, "epochs": 8, "scheduler": cyclic})
    np.testing.assert_array_equal(ours.lr[1:], alone.lr[1:])     # CyclicLR, last, wins
    np.testing.assert_array_equal(ours.momentum, alone.momentum)
    # its constructor's step reads base_lrs = initial_lr, which ExponentialLR already set to 0.1
    assert ours.lr[0, 0] == 0.1 and alone.lr[0, 0] == 0.001


def test_nested_child_errors_name_the_nested_key():
    spec = {"lr": 0.1, "epochs": 8, "scheduler": sequential([
        {"type": "ChainedScheduler", "schedulers": [{"type": "ExponentialLR", "gamma": 0.9},
                                                    {"type": "ConstantLR", "factor": 0.0, "total_iters": 3}]},
        {"type": "StepLR", "step_size": 2}], [6])}
    error = refusal(spec)
    assert error.key == "scheduler.schedulers[0].schedulers[1].factor"
    assert "ZeroDivisionError" in error.message


def test_nested_child_errors_have_a_line(tmp_path):
    text = ("lr: 0.1\nepochs: 10\nscheduler:\n  type: SequentialLR\n  milestones: [3]\n  schedulers:\n"
            "    - {type: ConstantLR, factor: 0.5}\n    - {type: ExponentialLR, gamma: 0.9}\n"
            "    - {type: OneCycleLR, max_lr: 0.1, total_steps: 4, pct_start: 1}\n")
    with pytest.raises(SpecError) as info:
        load_spec((text, "x.yaml"))
    assert info.value.line == 9 and info.value.key == "scheduler.schedulers[2].pct_start"


def test_composites_refuse_plateau_by_position():
    for kind in ("SequentialLR", "ChainedScheduler"):
        spec = {"type": kind, "schedulers": [{"type": "StepLR", "step_size": 2},
                                             {"type": "ReduceLROnPlateau"}]}
        if kind == "SequentialLR":
            spec["milestones"] = [2]
        error = refusal({"lr": 0.1, "epochs": 5, "scheduler": spec})
        assert error.key == "scheduler.schedulers[1]" and "ReduceLROnPlateau" in error.message


# ---- every refusal of the golden data ---------------------------------------------------

EXPECTED_REFUSALS = {
    "err-constantlr-factor-above-1": ("scheduler.factor", "range [0, 1]"),
    "err-constantlr-factor-negative": ("scheduler.factor", "got -0.1"),
    "err-constantlr-factor-0-at-total": ("scheduler.factor", "ZeroDivisionError"),
    "err-linearlr-start-0": ("scheduler.start_factor", "range (0, 1]"),
    "err-linearlr-start-above-1": ("scheduler.start_factor", "got 1.5"),
    "err-linearlr-end-above-1": ("scheduler.end_factor", "got 1.2"),
    "err-linearlr-end-negative": ("scheduler.end_factor", "got -0.1"),
    "err-cosinelr-tmax-0": ("scheduler.T_max", "divide by zero"),
    "err-cosinelr-resume-without-initial-lr": ("scheduler.last_epoch", "param group 1 has no initial_lr"),
    "err-cawr-t0-0": ("scheduler.T_0", "an int in the range [1, inf)"),
    "err-cawr-t0-negative": ("scheduler.T_0", "got -5"),
    "err-cawr-t0-float": ("scheduler.T_0", "got 10.0"),
    "err-cawr-tmult-float": ("scheduler.T_mult", "got 2.0"),
    "err-cawr-tmult-0": ("scheduler.T_mult", "got 0"),
    "err-cawr-eta-min-string": ("scheduler.eta_min", "the string '0.1'"),
    "err-sequentiallr-milestones-too-few": ("scheduler.milestones", "needs 1 milestone(s)"),
    "err-sequentiallr-milestones-too-many": ("scheduler.milestones", "got 2"),
    "err-sequentiallr-empty": ("scheduler.schedulers", "at least one scheduler"),
    "err-sequentiallr-plateau": ("scheduler.schedulers[1]", "cannot run ReduceLROnPlateau"),
    "err-sequentiallr-chained-not-first": ("scheduler.schedulers[1]", "NotImplementedError"),
    "err-chained-plateau": ("scheduler.schedulers[1]", "cannot run ReduceLROnPlateau"),
    "err-chained-empty": ("scheduler.schedulers", "at least one scheduler"),
    "err-onecyclelr-no-total": ("scheduler.total_steps", "both epochs and steps_per_epoch"),
    "err-onecyclelr-epochs-only": ("scheduler.total_steps", "got epochs only"),
    "err-onecyclelr-total-0": ("scheduler.total_steps", "an int in the range [1, inf)"),
    "err-onecyclelr-total-float": ("scheduler.total_steps", "got 10.0"),
    "err-onecyclelr-epochs-0": ("scheduler.epochs", "positive int"),
    "err-onecyclelr-steps-per-epoch-float": ("scheduler.steps_per_epoch", "got 5.0"),
    "err-onecyclelr-pct-above-1": ("scheduler.pct_start", "got 1.5"),
    "err-onecyclelr-pct-negative": ("scheduler.pct_start", "got -0.1"),
    "err-onecyclelr-pct-int": ("scheduler.pct_start", "must be a float"),
    "err-onecyclelr-anneal": ("scheduler.anneal_strategy", "'cos', 'linear'"),
    "err-onecyclelr-past-total": ("scheduler.total_steps", "allows at most 11 epochs"),
    "err-onecyclelr-pct-1-last-row": ("scheduler.pct_start", "phase of zero length"),
    "err-onecyclelr-max-lr-list-length": ("scheduler.max_lr", "has 2 values"),
    "err-onecyclelr-adagrad": ("scheduler.cycle_momentum", "neither momentum nor betas"),
    "err-onecyclelr-resume-without-max-lr": ("scheduler.last_epoch", "has no max_lr"),
    "err-multiplicativelr-list-length": ("scheduler.lr_lambda", "expected 1 lr_lambdas"),
    "err-plateau-bad-mode": ("scheduler.mode", "one of 'min', 'max'"),
    "err-plateau-bad-threshold-mode": ("scheduler.threshold_mode", "one of 'rel', 'abs'"),
    "err-plateau-factor-1": ("scheduler.factor", "got 1.0"),
    "err-plateau-factor-2": ("scheduler.factor", "got 2.0"),
    "err-plateau-min-lr-list-length": ("scheduler.min_lr", "has 2 values"),
    "err-plateau-last-epoch": ("scheduler.last_epoch", "unknown keyword 'last_epoch'"),
}
MINE = {"MultiplicativeLR", "ConstantLR", "LinearLR", "PolynomialLR", "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts", "OneCycleLR", "SequentialLR", "ChainedScheduler",
        "ReduceLROnPlateau"}


def test_every_golden_refusal_of_these_schedulers_is_listed():
    ids = {c["id"] for c in GOLDEN["errors"] if c["scheduler"] in MINE}
    assert ids == set(EXPECTED_REFUSALS)


@pytest.mark.parametrize("case", [c for c in GOLDEN["errors"] if c["id"] in EXPECTED_REFUSALS],
                         ids=lambda c: c["id"])
def test_golden_refusal_key_and_message(case):
    key, phrase = EXPECTED_REFUSALS[case["id"]]
    error = refusal(case["spec"])
    assert error.key == key
    assert phrase in error.message
    assert "\n" not in error.message


# ---- randomised parity with torch (only where torch is installed) ------------------------

LAMBDAS = {"0.95": lambda e: 0.95, "0.9 ** (epoch // 3)": lambda e: 0.9 ** (e // 3),
           "1 / (epoch + 1)": lambda e: 1 / (e + 1)}


def random_leaf(r: random.Random) -> dict:
    k = r.choice(["StepLR", "MultiStepLR", "ExponentialLR", "ConstantLR", "LinearLR", "PolynomialLR",
                  "CosineAnnealingLR", "MultiplicativeLR", "LambdaLR", "CosineAnnealingWarmRestarts",
                  "CyclicLR", "OneCycleLR"])
    return {
        "StepLR": {"step_size": r.randint(1, 5), "gamma": 0.5},
        "MultiStepLR": {"milestones": sorted(r.sample(range(15), r.randint(0, 3))), "gamma": 0.3},
        "ExponentialLR": {"gamma": r.choice([0.9, 1.02])},
        "ConstantLR": {"factor": r.choice([0.5, 1 / 3]), "total_iters": r.randint(0, 8)},
        "LinearLR": {"start_factor": r.choice([0.1, 1.0]), "end_factor": r.choice([1.0, 0.0]),
                     "total_iters": r.randint(1, 10)},
        "PolynomialLR": {"total_iters": r.randint(1, 12), "power": r.choice([1.0, 2.0, 0.5])},
        "CosineAnnealingLR": {"T_max": r.choice([1, 3, 8, 2.5]), "eta_min": r.choice([0.0, 0.01])},
        "MultiplicativeLR": {"lr_lambda": r.choice(list(LAMBDAS))},
        "LambdaLR": {"lr_lambda": r.choice(list(LAMBDAS))},
        "CosineAnnealingWarmRestarts": {"T_0": r.randint(1, 6), "T_mult": r.randint(1, 3)},
        "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": r.randint(1, 4)},
        "OneCycleLR": {"max_lr": 0.2, "total_steps": 60, "three_phase": r.random() < 0.3},
    }[k] | {"type": k}


def random_composite(r: random.Random, depth: int) -> dict:
    n = r.randint(1, 3)
    children = [random_composite(r, depth - 1) if depth and r.random() < 0.3 else random_leaf(r)
                for _ in range(n)]
    if r.random() < 0.5:
        return {"type": "ChainedScheduler", "schedulers": children}
    return sequential(children, sorted(r.randint(0, 14) for _ in range(n - 1)))


def torch_run(torch, spec: dict):
    from torch.optim import lr_scheduler as tls

    def build(opt, s):
        kw = {k: v for k, v in s.items() if k != "type"}
        cls = getattr(tls, s["type"])
        if s["type"] in ("SequentialLR", "ChainedScheduler"):
            kw["schedulers"] = [build(opt, c) for c in kw["schedulers"]]
            return cls(**kw) if s["type"] == "ChainedScheduler" else cls(opt, **kw)
        if "lr_lambda" in kw:
            kw["lr_lambda"] = LAMBDAS[kw["lr_lambda"]]
        return cls(opt, **kw)

    groups = [dict(g, params=[torch.nn.Parameter(torch.zeros(1))]) for g in spec["optimizer"]["param_groups"]]
    opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    sched = build(opt, spec["scheduler"])
    lrs, moms = [], []
    for e in range(spec["epochs"]):
        lrs.append(sched.get_last_lr())
        moms.append([g["momentum"] for g in opt.param_groups])
        if e < spec["epochs"] - 1:
            opt.step()
            sched.step()
    return np.array(lrs, dtype=np.float64), np.array(moms, dtype=np.float64)


@pytest.mark.parametrize("seed", range(60))
def test_random_composites_match_torch(seed):
    torch = pytest.importorskip("torch")
    import warnings

    r = random.Random(seed)
    spec = {"epochs": r.randint(1, 40), "scheduler": random_composite(r, 2),
            "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9,
                          "param_groups": [{"lr": 0.1}, {"lr": 0.02}][:r.randint(1, 2)]}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            lr, momentum = torch_run(torch, json.loads(json.dumps(spec)))
        except (ValueError, NotImplementedError, ZeroDivisionError):
            with pytest.raises(SpecError):
                run(spec)
            return
    result = run(spec)
    np.testing.assert_array_equal(result.lr, lr)
    if result.momentum is not None:
        np.testing.assert_array_equal(result.momentum, momentum)
    else:
        assert (momentum == momentum[0]).all()


def test_every_scheduler_is_registered_with_docs():
    for name in MINE:
        definition = REGISTRY[name]
        assert definition.summary and definition.formula and definition.example
        assert all(p.doc for p in definition.params + definition.extra_keys)
        assert (definition.stepper is None) == (name == "ReduceLROnPlateau")
