"""Optimizers vs torch.optim (golden data from tests/golden/make_optim.py; torch not needed).

Every golden run is 2,000 torch steps on a 2-element float64 tensor.  lrsched must stay
within 1e-12 (absolute) of torch's path at every stored point and at the final one.  On the
machine that generated the data, 73 of the 88 runs are bit for bit identical and the other
non-chaotic ones differ by at most 1.8e-15, because torch's MKL ``sqrt`` is one ulp low for
under 1 % of inputs (NumPy's is correctly rounded) and its SLEEF ``sin`` differs by an ulp.

Chaotic configurations are listed explicitly: for them torch itself, started 1e-15 away
(x + 1e-15), leaves 1e-12 after the "horizon" step, so no implementation can promise 1e-12
beyond it (a one-ulp difference anywhere grows the same way).  They are held to 1e-12 up
to their horizon and must stay finite after it.  The tolerance is never loosened elsewhere.
"""

from __future__ import annotations

from lrsched.records import replace as replace_record
import gzip
import json
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from lrsched.errors import SpecError
from lrsched.functions import FUNCTIONS
from lrsched.optim import OPTIMIZERS, get_optimizer
from lrsched.optim._kernels import add_scaled, addcmul, fma, lerp
from lrsched.simulate import SCHEDULER_GROUP_KEYS, RunConfig, simulate

GOLDEN = Path(__file__).parent / "golden"
ATOL = 1e-12

# id -> (horizon: first step where torch's own 1e-15-perturbed run is > 1e-12 away,
#        largest distance between torch's two runs over 2,000 steps).  Reasons: RMSprop
# and Adadelta on rosenbrock oscillate across the valley floor; Adam with beta1 0.3 barely
# damps its steps; Adam/NAdam at lr 1e-2 hop between rastrigin's local minima.
CHAOTIC = {
    "rosenbrock/Adam/betas-0.3/lr=0.01": (104, 0.003),
    "rosenbrock/RMSprop/default/lr=0.01": (496, 0.054),
    "rosenbrock/RMSprop/centered/lr=0.001": (1518, 0.006),
    "rosenbrock/RMSprop/momentum/lr=0.001": (1734, 0.0048),
    "rosenbrock/RMSprop/centered-momentum-alpha/lr=0.001": (149, 0.0033),
    "rosenbrock/Adadelta/default/lr=1": (220, 0.051),
    "rosenbrock/Adadelta/rho-0.95/lr=1": (696, 0.055),
    # the one run where lrsched and torch part (0.047 at step 2000): a one-ulp sqrt
    # difference at step ~890 grows like torch's own perturbation does
    "rosenbrock/Adadelta/rho-0.95/lr=0.5": (1069, 0.00077),
    "rosenbrock/Adadelta/wd/lr=1": (223, 0.052),
    "beale/Adadelta/default/lr=1": (595, 0.079),
    "rastrigin/Adam/default/lr=0.01": (1974, 2.3e-09),
    "rastrigin/NAdam/default/lr=0.01": (32, 1.4e-09),
}


@lru_cache(maxsize=None)
def golden():
    plain = GOLDEN / "optim.json"
    if plain.exists():
        return json.loads(plain.read_text())
    return json.loads(gzip.decompress((GOLDEN / "optim.json.gz").read_bytes()))


RUNS = {run["id"]: run for run in golden()["runs"]}


def negated(f):
    """-f: Adam(maximize=True) on -f takes exactly the steps Adam takes on f."""
    return replace_record(f, value=lambda x, y: -f.value(x, y),
                               grad=lambda x, y: tuple(-g for g in f.grad(x, y)))


def kwargs_of(run):
    kwargs = dict(run["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return kwargs


def torch_group(run):
    return run["state_dict"]["param_groups"][0]


@pytest.fixture(scope="module")
def simulated():
    """Every golden run, simulated: one batch per function (optimizers grouped inside)."""
    steps = golden()["meta"]["steps"]
    batches: dict = {}
    for run in RUNS.values():
        batches.setdefault((run["function"], run["negate"]), []).append(run)
    out = {}
    for (name, negate), runs in batches.items():
        function = negated(FUNCTIONS[name]) if negate else FUNCTIONS[name]
        configs = [RunConfig(r["optimizer"], lr=r["lr"], start=tuple(r["start"]),
                             hyper=kwargs_of(r)) for r in runs]
        # per-step lr (and momentum) as torch's schedulers set them; the extra last row is
        # the group's value after the final scheduler step, which state_dict() reports
        lr = np.array([r["lr_per_step"] + [torch_group(r)["lr"]] if r["lr_per_step"]
                       else [r["lr"]] * (steps + 1) for r in runs]).T
        momentum = np.full((steps + 1, len(runs)), np.nan)
        for i, r in enumerate(runs):
            if r["momentum_per_step"]:
                group = torch_group(r)
                last = group["betas"][0] if "betas" in group else group["momentum"]
                momentum[:, i] = r["momentum_per_step"] + [last]
        result = simulate(function, configs, steps, lr_schedule=lr,
                          momentum_schedule=momentum, escape=None)
        for i, r in enumerate(runs):
            out[r["id"]] = (result, i)
    return out


def test_chaotic_list_is_what_the_golden_data_measured():
    measured = {rid for rid, run in RUNS.items() if run["chaos"]["horizon"] is not None}
    assert measured == set(CHAOTIC)
    for rid, (horizon, spread) in CHAOTIC.items():
        chaos = RUNS[rid]["chaos"]
        assert chaos["horizon"] == horizon
        assert chaos["max"] == pytest.approx(spread, rel=0.05)
    for rid, run in RUNS.items():
        if rid not in CHAOTIC:
            assert run["chaos"]["max"] <= ATOL


@pytest.mark.parametrize("rid", sorted(RUNS))
def test_path_matches_torch(rid, simulated):
    run = RUNS[rid]
    result, i = simulated[rid]
    stride = golden()["meta"]["stride"]
    ours = result.path[::stride, i]
    expected = np.array(run["path"])
    assert ours.shape == expected.shape
    if rid in CHAOTIC:
        horizon = CHAOTIC[rid][0]
        rows = np.arange(len(expected)) * stride < horizon
        np.testing.assert_allclose(ours[rows], expected[rows], rtol=0, atol=ATOL)
        assert np.all(np.isfinite(result.path[:, i])) and not result.diverged[i]
    else:
        np.testing.assert_allclose(ours, expected, rtol=0, atol=ATOL)
        np.testing.assert_allclose(result.path[-1, i], run["final"], rtol=0, atol=ATOL)


@pytest.mark.parametrize("rid", sorted(r for r in RUNS if r not in CHAOTIC))
def test_state_dict_matches_torch(rid, simulated):
    run = RUNS[rid]
    result, i = simulated[rid]
    ours = result.state_dict(i)
    theirs = run["state_dict"]
    assert list(ours) == ["state", "param_groups"]
    assert list(ours["state"]) == ([0] if theirs["state"] else [])
    state, torch_state = ours["state"].get(0, {}), theirs["state"].get("0", {})
    assert list(state) == list(torch_state)
    for key, value in torch_state.items():
        if key == "step":
            assert state[key] == value
        else:
            np.testing.assert_allclose(state[key], value, rtol=1e-12, atol=ATOL)
    group, torch_group_ = ours["param_groups"][0], theirs["param_groups"][0]
    extras = set(SCHEDULER_GROUP_KEYS)
    assert [k for k in group if k not in extras] == [k for k in torch_group_ if k not in extras]
    for key, value in torch_group_.items():
        if key not in extras:
            assert (list(group[key]) if key == "betas" else group[key]) == value, key
    assert group["params"] == [0] and "initial_lr" in group


# --- the primitives ---------------------------------------------------------------------
def exact(values):
    return np.array([float(v) for v in values])


def adversarial(rng, n=1500):
    """Operands where a separately rounded a*b + c goes wrong: cancellation, ties in c + p,
    products a hair above half an ulp of c, small integers."""
    a = rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))
    b = rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))
    sets = [(a, b, rng.standard_normal(n) * np.exp2(rng.integers(-60, 60, n))),
            (a, b, -(a * b) * (1 + rng.standard_normal(n) * 1e-10)),
            (rng.uniform(1, 2, n), rng.uniform(0.5, 1, n), rng.uniform(1, 2, n))]
    c = rng.standard_normal(n)
    sets.append((np.full(n, 0.5), np.spacing(np.abs(c)) * (1 + rng.integers(-3, 4, n) * 2.0 ** -52),
                 c))
    sets.append((rng.integers(-999, 999, n) / 8.0, rng.integers(-999, 999, n) / 16.0,
                 rng.integers(-10 ** 6, 10 ** 6, n) / 3.0))
    return sets


def test_fma_is_correctly_rounded():
    rng = np.random.default_rng(11)
    for a, b, c in adversarial(rng):
        expected = exact(Fraction(x) * Fraction(y) + Fraction(z) for x, y, z in zip(a, b, c))
        np.testing.assert_array_equal(fma(a, b, c), expected)
        expected = exact(Fraction(0.1) * Fraction(y) + Fraction(z) for y, z in zip(b, c))
        np.testing.assert_array_equal(fma(0.1, b, c), expected)


def test_fma_overflow_gives_ieee_results():
    """Beyond the emulation's range (an operand above ~1e300) the separately rounded result
    is returned: inf or NaN exactly where a hardware FMA (torch) gives them."""
    with np.errstate(all="ignore"):
        out = fma(np.array([1e305, np.inf, 1e301, 2.0]), np.array([1e4, 1.0, 1e-5, np.nan]),
                  np.array([0.0, -np.inf, 1.0, 1.0]))
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == 1e301 * 1e-5 + 1.0
    assert np.isnan(out[3])


def test_torch_primitives_round_once():
    rng = np.random.default_rng(12)
    start, end = rng.standard_normal((400, 2)), rng.standard_normal((400, 2))
    weights = np.where(rng.random((400, 1)) < 0.5, 0.1, 0.7)
    diff = end - start  # torch rounds end - start first, then one fused step

    def ref_lerp(s, e, d, w):
        if w < 0.5:
            return float(Fraction(w) * Fraction(d) + Fraction(s))
        return float(Fraction(e) - Fraction(d) * Fraction(1.0 - w))

    expected = np.array([[ref_lerp(s, e, d, w[0]) for s, e, d in zip(rs, re_, rd)]
                         for rs, re_, rd, w in zip(start, end, diff, weights)])
    np.testing.assert_array_equal(lerp(start, end, weights), expected)
    for w in (0.1, 0.7):
        np.testing.assert_array_equal(lerp(start[:50], end[:50], w),
                                      np.array([[ref_lerp(s, e, d, w) for s, e, d in
                                                 zip(rs, re_, rd)] for rs, re_, rd in
                                                zip(start[:50], end[:50], diff[:50])]))
    value = 1 - 0.999
    expected = exact(Fraction(value * g) * Fraction(g) + Fraction(s)
                     for s, g in zip(start.ravel(), end.ravel()))
    np.testing.assert_array_equal(addcmul(start, end, end, value).ravel(), expected)
    expected = exact(Fraction(-0.37) * Fraction(g) + Fraction(s)
                     for s, g in zip(start.ravel(), end.ravel()))
    np.testing.assert_array_equal(add_scaled(start, end, -0.37).ravel(), expected)


# --- registry and validation -------------------------------------------------------------
TORCH_DEFAULTS = {  # torch 2.13 constructor defaults (the math keywords)
    "Adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
             "amsgrad": False, "maximize": False, "decoupled_weight_decay": False},
    "AdamW": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2,
              "amsgrad": False, "maximize": False},
    "RAdam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
              "decoupled_weight_decay": False, "maximize": False},
    "SGD": {"lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
            "maximize": False},
    "NAdam": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
              "momentum_decay": 4e-3, "decoupled_weight_decay": False, "maximize": False},
    "RMSprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0,
                "centered": False, "maximize": False},
    "Adagrad": {"lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0,
                "eps": 1e-10, "maximize": False},
    "Adamax": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
               "maximize": False},
    "Adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0, "maximize": False},
}
MOMENTUM_KEYS = {"Adam": "betas", "AdamW": "betas", "RAdam": "betas", "NAdam": "betas",
                 "Adamax": "betas", "SGD": "momentum", "RMSprop": "momentum",
                 "Adagrad": None, "Adadelta": None}


@pytest.mark.parametrize("name", sorted(TORCH_DEFAULTS))
def test_registry_defaults_are_torchs(name):
    defn = OPTIMIZERS[name]
    hyper = defn.hyper()
    for key, value in TORCH_DEFAULTS[name].items():
        assert hyper[key] == value and type(hyper[key]) is type(value), key
    assert defn.momentum_key == MOMENTUM_KEYS[name]
    assert defn.doc and "::" in defn.doc  # the update rule, stated in the docstring
    assert OPTIMIZERS["AdamW"].hyper()["decoupled_weight_decay"] is True


def test_get_optimizer_is_case_insensitive_and_suggests():
    assert get_optimizer("adamw").name == "AdamW"
    assert get_optimizer("RMSPROP").name == "RMSprop"
    with pytest.raises(SpecError) as info:
        get_optimizer("Adamm")
    assert "did you mean 'Adam'" in info.value.message and info.value.key == "optimizer.type"


BAD = [
    ("Adam", {"lr": -0.001}, "lr",
     "must be a number in the range [0, inf), got -0.001"),
    ("Adam", {"lr": float("nan")}, "lr",
     "must be a number in the range [0, inf), got nan"),
    ("Adam", {"betas": (1.0, 0.999)}, "betas[0]",
     "must be a number in the range [0, 1), got 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, "betas[1]",
     "must be a number in the range [0, 1), got -0.1"),
    ("Adam", {"betas": [0.9]}, "betas",
     "must be a list of 2 values, each a number in the range [0, 1), got a list of 1"),
    ('Adam', {'betas': '0.9'}, 'betas',
     "must be a list of 2 values, each a number in the range [0, 1), got the string '0.9'"),
    ("Adam", {"eps": -1.0}, "eps",
     "must be a number in the range [0, inf), got -1.0"),
    ("Adam", {"weight_decay": -0.1}, "weight_decay",
     "must be a number in the range [0, inf), got -0.1"),
    ('Adam', {'amsgrad': 'yes'}, 'amsgrad',
     "must be true or false, got the string 'yes'"),
    ('Adam', {'foreach': True}, 'foreach',
     "only null or false is supported (lrsched reproduces torch's default single-tensor CPU implementation), got True"),
    ('Adam', {'fused': True}, 'fused',
     "only null or false is supported (lrsched reproduces torch's default single-tensor CPU implementation), got True"),
    ('Adam', {'betas1': 0.9}, 'betas1',
     "unknown keyword 'betas1' for Adam; did you mean 'betas'? valid: lr, betas, eps, weight_decay, amsgrad, maximize, foreach, capturable, differentiable, fused, decoupled_weight_decay"),
    ("AdamW", {"decoupled_weight_decay": False}, "decoupled_weight_decay",
     "AdamW always has decoupled_weight_decay=True"),
    ('RAdam', {'lr': 'fast'}, 'lr',
     "must be a number in the range [0, inf), got the string 'fast'"),
    ("SGD", {"momentum": -0.5}, "momentum",
     "must be a number in the range [0, inf), got -0.5"),
    ("SGD", {"nesterov": True}, "nesterov",
     "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov",
     "Nesterov momentum requires a momentum and zero dampening"),
    ('SGD', {'momentun': 0.9}, 'momentun',
     "unknown keyword 'momentun' for SGD; did you mean 'momentum'? valid: lr, momentum, dampening, weight_decay, nesterov, maximize, foreach, differentiable, fused"),
    ("NAdam", {"momentum_decay": -1.0}, "momentum_decay",
     "must be a number in the range [0, inf), got -1.0"),
    ("RMSprop", {"alpha": -0.1}, "alpha",
     "must be a number in the range [0, inf), got -0.1"),
    ("RMSprop", {"momentum": -1.0}, "momentum",
     "must be a number in the range [0, inf), got -1.0"),
    ('RMSprop', {'centred': True}, 'centred',
     "unknown keyword 'centred' for RMSprop; did you mean 'centered'? valid: lr, momentum, alpha, eps, centered, weight_decay, capturable, foreach, maximize, differentiable"),
    ("Adagrad", {"lr_decay": -1.0}, "lr_decay",
     "must be a number in the range [0, inf), got -1.0"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value",
     "must be a number in the range [0, inf), got -1.0"),
    ("Adamax", {"betas": (0.9, 1.0)}, "betas[1]",
     "must be a number in the range [0, 1), got 1.0"),
    ("Adadelta", {"rho": 1.5}, "rho",
     "must be a number in the range [0, 1], got 1.5"),
    ('Adadelta', {'capturable': True}, 'capturable',
     "only false is supported (lrsched reproduces torch's default single-tensor CPU implementation), got True"),
]


@pytest.mark.parametrize("name, kwargs, key, message", BAD,
                         ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_hyperparameters_raise_spec_error(name, kwargs, key, message):
    with pytest.raises(SpecError) as info:
        OPTIMIZERS[name].hyper(kwargs)
    assert info.value.key == f"optimizer.{key}"
    assert info.value.message == message


def test_edge_values_torch_accepts():
    assert OPTIMIZERS["Adadelta"].hyper({"rho": 1.0})["rho"] == 1.0
    assert OPTIMIZERS["Adam"].hyper({"lr": 0, "betas": [0, 0]})["betas"] == (0.0, 0.0)
    assert OPTIMIZERS["SGD"].hyper({"dampening": -0.5})["dampening"] == -0.5  # unchecked in torch


# --- batching ----------------------------------------------------------------------------
def _steps(defn, hyper, params, lr, n, momentum=None):
    state = defn.init_state(params, hyper)
    f = FUNCTIONS["rosenbrock"]
    for _ in range(n):
        gx, gy = f.grad(params[:, 0], params[:, 1])
        params, state = defn.update(params, np.stack((gx, gy), axis=1), state, lr, hyper,
                                    momentum=momentum)
    return params, state


@pytest.mark.parametrize("name", ["Adam", "RAdam", "NAdam", "Adamax", "SGD", "RMSprop"])
def test_per_run_momentum_equals_separate_optimizers(name):
    """A (runs,) momentum override gives each run exactly what an optimizer built with that
    value computes (what CyclicLR/OneCycleLR do to the group)."""
    defn = OPTIMIZERS[name]
    base = defn.hyper({"momentum": 0.9} if defn.momentum_key == "momentum" else {})
    values = np.array([0.3, 0.8, 0.9, 0.95])
    start = np.tile([-1.2, 1.0], (4, 1))
    lr = np.full(4, 1e-4)
    together, _ = _steps(defn, base, start, lr, 40, momentum=values)
    for i, value in enumerate(values):
        alone, _ = _steps(defn, defn.with_momentum(base, value), start[i:i + 1], lr[i:i + 1], 40)
        np.testing.assert_array_equal(together[i], alone[0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_does_not_mutate_its_inputs(name):
    defn = OPTIMIZERS[name]
    hyper = defn.hyper()
    params = np.array([[-1.2, 1.0], [0.5, 0.5]])
    _, state = _steps(defn, hyper, params.copy(), np.full(2, 1e-3), 3)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    grads = np.ones_like(params)
    params_before = params.copy()
    defn.update(params, grads, state, np.full(2, 1e-3), hyper)
    np.testing.assert_array_equal(params, params_before)
    for key, value in before.items():
        np.testing.assert_array_equal(state[key], value)
