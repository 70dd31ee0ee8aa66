"""The simulator's fast path (small groups stepped on Python floats) against the batched NumPy
path: the same numbers, bit for bit, for every optimizer, function and schedule kind; the
golden torch runs through the fast path; save and resume through it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import load_golden
from lrsched.functions import FUNCTIONS
from lrsched.io.state import dumps_state, loads_state
from lrsched.optim import OPTIMIZERS
from lrsched.optim.scalar import fma
from lrsched.optim._kernels import fma as batched_fma
from lrsched.simulate import RunConfig, resume_configs, simulate
from lrsched.simulate import runner

STEPS = 150
# every optimizer, and the keywords that select each branch of its update
VARIANTS = [
    ("Adam", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1, "maximize": False}),
    ("AdamW", {}), ("RAdam", {}), ("RAdam", {"decoupled_weight_decay": True,
                                             "weight_decay": 0.01}),
    ("NAdam", {}), ("NAdam", {"weight_decay": 0.01}),
    ("SGD", {}), ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("SGD", {"momentum": 0.5, "dampening": 0.2}),
    ("RMSprop", {}), ("RMSprop", {"centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr_decay": 1e-3, "initial_accumulator_value": 0.1}),
    ("Adamax", {"weight_decay": 1e-2}), ("Adadelta", {}), ("Adadelta", {"rho": 0.5}),
]
assert {name for name, _ in VARIANTS} == set(OPTIMIZERS)


@pytest.fixture
def batched(monkeypatch):
    """Every group on the batched NumPy path."""
    monkeypatch.setattr(runner, "FAST_PATH_MAX_RUNS", 0)


def both_paths(monkeypatch, *args, **kwargs):
    """(fast, batched) results of the same simulation."""
    monkeypatch.setattr(runner, "FAST_PATH_MAX_RUNS", 10 ** 9)
    fast = simulate(*args, **kwargs)
    monkeypatch.setattr(runner, "FAST_PATH_MAX_RUNS", 0)
    slow = simulate(*args, **kwargs)
    return fast, slow


def assert_same(fast, slow):
    np.testing.assert_array_equal(fast.path, slow.path)
    np.testing.assert_array_equal(fast.loss, slow.loss)
    np.testing.assert_array_equal(fast.diverged_step, slow.diverged_step)
    for i in range(slow.n_runs):
        a, b = fast.state_dict(i), slow.state_dict(i)
        assert list(a["state"]) == list(b["state"])
        for key, value in b["state"].get(0, {}).items():
            np.testing.assert_array_equal(np.asarray(a["state"][0][key]), np.asarray(value),
                                          err_msg=key, strict=True)
        assert a == b


def has_momentum(name):
    return OPTIMIZERS[name].momentum_key is not None


def schedule(kind, configs):
    """(lr, momentum) tables (steps + 1, runs) shaped like torch's schedulers': none;
    CyclicLR's triangle with momentum cycling against it; OneCycleLR's cosine warm-up and
    annealing with momentum 0.95 -> 0.85 -> 0.95 (NaN where an optimizer has no momentum)."""
    if kind == "none":
        return None, None
    t = np.arange(STEPS + 1)
    base = np.array([c.lr for c in configs])
    if kind == "cyclic":
        tri = 1 - np.abs((t % 40) / 20 - 1)
        lr = np.outer(0.1 + 0.9 * tri, base)
        mom = 0.9 - 0.1 * tri
    else:
        up = t < STEPS * 0.3
        phase = np.where(up, t / (STEPS * 0.3), (t - STEPS * 0.3) / (STEPS * 0.7))
        cos = (1 + np.cos(np.pi * phase)) / 2
        frac = np.where(up, 0.04 + 0.96 * (1 - cos), 1e-4 + (1 - 1e-4) * cos)
        lr = np.outer(frac, base)
        mom = np.where(up, 0.85 + 0.1 * cos, 0.95 - 0.1 * cos)
    momentum = np.full_like(lr, np.nan)
    for i, c in enumerate(configs):
        if has_momentum(c.optimizer):
            momentum[:, i] = mom
    return lr, momentum


@pytest.mark.parametrize("kind", ["none", "cyclic", "onecycle"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_fast_path_is_the_batched_path(name, kind, monkeypatch):
    """Each optimizer variant x function x schedule kind: paths, losses, states, divergence."""
    f = FUNCTIONS[name]
    configs = [RunConfig(opt, lr=lr, hyper=hyper, label=f"{opt} {i}")
               for i, (opt, hyper) in enumerate(VARIANTS)
               for lr in ((f.lr, 1.0) if opt in ("Adadelta", "Adagrad") else (f.lr, f.lr * 30))]
    lr, momentum = schedule(kind, configs)
    fast, slow = both_paths(monkeypatch, f, configs, STEPS, lr_schedule=lr,
                            momentum_schedule=momentum)
    assert_same(fast, slow)


def test_divergence_is_the_same(monkeypatch):
    configs = [RunConfig("SGD", lr=0.01), RunConfig("SGD", lr=0.2, start=(1.5, 2.5)),
               RunConfig("Adam", lr=5.0), RunConfig("RMSprop", lr=1.0)]
    fast, slow = both_paths(monkeypatch, "rosenbrock", configs, 200)
    assert slow.diverged.any()
    assert_same(fast, slow)
    fast, slow = both_paths(monkeypatch, "saddle", configs, 400, escape=None)
    assert_same(fast, slow)


@pytest.mark.parametrize("lrs, fast", [(1, True), (runner.FAST_PATH_MAX_RUNS, True),
                                       (runner.FAST_PATH_MAX_RUNS + 1, False), (50, False)])
def test_the_path_is_chosen_by_group_size(lrs, fast, monkeypatch):
    """Groups (one optimizer and its hyperparameters) of at most FAST_PATH_MAX_RUNS runs
    step on Python floats; larger ones as arrays.  Nothing else tells them apart."""
    calls = []
    real = runner._FastStepper.advance
    monkeypatch.setattr(runner._FastStepper, "advance",
                        lambda self, g, *a: calls.append(len(g.points)) or real(self, g, *a))
    from lrsched.simulate import run_grid

    run_grid("rosenbrock", ["Adam"], lrs=list(np.geomspace(1e-4, 1e-2, lrs)), steps=50)
    assert bool(calls) == fast


@pytest.mark.parametrize("spec", ["cycliclr-adam.yaml", "onecyclelr-adam.yaml", "sequentiallr-warmup-cosine.yaml"])
def test_real_schedules_give_the_same_output_through_both_paths(spec, monkeypatch):
    """The command line with a scheduler spec computed by the engine (lr, momentum or beta1
    every step): the JSON of every run is the same, whichever path the runs take."""
    from conftest import ROOT, run_cli

    args = ("simulate", "rosenbrock", "-O", "adam,sgd,rmsprop,nadam", "--steps", "300", "-f", "json",
            "--schedule", ROOT / "configs" / spec)
    fast = run_cli(*args)
    monkeypatch.setattr(runner, "FAST_PATH_MAX_RUNS", 0)
    slow = run_cli(*args)
    assert fast.code == slow.code == 0, (fast, slow)
    assert fast.out == slow.out


# --- the golden torch runs through the fast path -------------------------------------------
GOLDEN = load_golden("optim.json")
RUNS = {run["id"]: run for run in GOLDEN["runs"]}


def golden_result(run):
    """The golden run alone (a group of one: the fast path), as test_optim simulates it."""
    from lrsched.records import replace as replace_record
    steps = GOLDEN["meta"]["steps"]
    f = FUNCTIONS[run["function"]]
    if run["negate"]:
        f = replace_record(f, value=lambda x, y: -FUNCTIONS[run["function"]].value(x, y),
                           grad=lambda x, y: tuple(-g for g in
                                                   FUNCTIONS[run["function"]].grad(x, y)))
    kwargs = dict(run["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    group = run["state_dict"]["param_groups"][0]
    lr = np.array(run["lr_per_step"] + [group["lr"]] if run["lr_per_step"]
                  else [run["lr"]] * (steps + 1))
    momentum = np.full(steps + 1, np.nan)
    if run["momentum_per_step"]:
        last = group["betas"][0] if "betas" in group else group["momentum"]
        momentum[:] = run["momentum_per_step"] + [last]
    config = RunConfig(run["optimizer"], lr=run["lr"], start=tuple(run["start"]), hyper=kwargs)
    return simulate(f, [config], steps, lr_schedule=lr[:, None],
                    momentum_schedule=momentum[:, None], escape=None)


@pytest.mark.parametrize("rid", sorted(RUNS))
def test_golden_runs_through_the_fast_path(rid, monkeypatch):
    """The runs test_optim holds bit for bit to torch are bit for bit torch's through the
    fast path too; the others give exactly the batched path's numbers."""
    from test_optim import NOT_BIT_EXACT
    run = RUNS[rid]
    fast = golden_result(run)
    if rid in NOT_BIT_EXACT:
        monkeypatch.setattr(runner, "FAST_PATH_MAX_RUNS", 0)
        assert_same(fast, golden_result(run))
        return
    stride = GOLDEN["meta"]["stride"]
    np.testing.assert_array_equal(fast.path[::stride, 0], np.array(run["path"]), strict=True)
    np.testing.assert_array_equal(fast.loss[::stride, 0], np.array(run["loss"]), strict=True)
    np.testing.assert_array_equal(fast.path[-1, 0], np.array(run["final"]), strict=True)
    ours = fast.state_dict(0)["state"].get(0, {})
    theirs = run["state_dict"]["state"].get("0", {})
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        np.testing.assert_array_equal(np.asarray(ours[key], dtype=np.float64), np.array(value),
                                      err_msg=key)


# --- save and resume ----------------------------------------------------------------------
@pytest.mark.parametrize("split", [0, 1, 137])
@pytest.mark.parametrize("opt,hyper", VARIANTS)
def test_save_and_resume_through_the_fast_path(opt, hyper, split, monkeypatch):
    """N fast steps saved and resumed for M == N + M steps, == the batched path's."""
    configs = [RunConfig(opt, lr=3e-3, hyper=hyper)]
    t = np.arange(301)
    lr = (3e-3 * (0.5 + 0.5 * np.cos(np.pi * t / 300)))[:, None]
    momentum = (0.85 + 0.1 * t / 300)[:, None] if has_momentum(opt) else None
    full = simulate("rosenbrock", configs, 300, lr_schedule=lr, momentum_schedule=momentum)
    first = simulate("rosenbrock", configs, split, lr_schedule=lr[:split + 1],
                     momentum_schedule=None if momentum is None else momentum[:split + 1])
    _, states = loads_state(dumps_state(first))
    second = simulate("rosenbrock", resume_configs(states), 300 - split,
                      lr_schedule=lr[split:],
                      momentum_schedule=None if momentum is None else momentum[split:])
    np.testing.assert_array_equal(second.path, full.path[split:])
    np.testing.assert_array_equal(second.loss, full.loss[split:])
    assert second.state_dict(0) == full.state_dict(0)
    monkeypatch.setattr(runner, "FAST_PATH_MAX_RUNS", 0)
    assert_same(full, simulate("rosenbrock", configs, 300, lr_schedule=lr,
                               momentum_schedule=momentum))


# --- the scalar kernels --------------------------------------------------------------------
def test_scalar_fma_is_the_batched_fma():
    rng = np.random.default_rng(17)
    n = 20000
    a = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-30, 30, n)
    b = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-30, 30, n)
    c = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-30, 30, n)
    c[::3] = -(a[::3] * b[::3]) * (1 + rng.uniform(-1e-15, 1e-15, len(c[::3])))  # cancellation
    # products on both sides of the fast path's lower bound (2**-800) and in the subnormals
    a[1::5] *= 10.0 ** rng.uniform(-140, -100, len(a[1::5]))
    b[1::5] *= 10.0 ** rng.uniform(-140, -100, len(b[1::5]))
    c[1::5] *= 10.0 ** rng.uniform(-290, -200, len(c[1::5]))
    specials = [0.0, -0.0, 1e-310, -1e-310, 2.0 ** -400, -(2.0 ** -401) * 3, 1.0 + 2 ** -52,
                1e-160, 1e150, 1e300, 1.4e300, -1e308, math.inf, -math.inf, math.nan, 1.0]
    sa, sb, sc = (np.array(v) for v in zip(*[(x, y, z) for x in specials for y in specials
                                              for z in specials]))
    a, b, c = np.concatenate([a, sa]), np.concatenate([b, sb]), np.concatenate([c, sc])
    with np.errstate(all="ignore"):
        expected = batched_fma(a, b, c)
    got = np.array([fma(x, y, z) for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())])
    np.testing.assert_array_equal(got, expected)
