"""The batched runner: batching invariance, save/resume, divergence, results, state files."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from lrsched.errors import SpecError
from lrsched.functions import FUNCTIONS
from lrsched.optim import OPTIMIZERS
from lrsched.io.state import STATE_FORMAT, dumps_state, load_state, loads_state, save_state
from lrsched.simulate import RunConfig, resume_configs, run_grid, simulate

ALL = sorted(OPTIMIZERS)
VARIANTS = [  # (optimizer, keywords) exercising every piece of state
    ("Adam", {"amsgrad": True}), ("AdamW", {}), ("RAdam", {}), ("NAdam", {}),
    ("SGD", {"momentum": 0.9, "nesterov": True}), ("SGD", {}),
    ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {"lr_decay": 1e-3}),
    ("Adamax", {}), ("Adadelta", {}),
]


def grid(steps, **kwargs):
    configs = [RunConfig(name, lr=lr, hyper=hyper) for name, hyper in VARIANTS
               for lr in (1e-4, 3e-3)]
    return simulate("rosenbrock", configs, steps, **kwargs)


def test_result_shapes_and_fields():
    result = run_grid("rosenbrock", ["adam", "RAdam"], lrs=[1e-3, 0.1], steps=50,
                      starts=[(-1.2, 1.0), (0.5, 2.0)])
    assert result.path.shape == (51, 8, 2) and result.loss.shape == (51, 8)
    assert result.lr.shape == (50, 8) and result.momentum is None
    assert result.optimizers == ("Adam",) * 4 + ("RAdam",) * 4
    np.testing.assert_array_equal(result.base_lr, [1e-3, 1e-3, 0.1, 0.1] * 2)
    np.testing.assert_array_equal(result.path[0, 1], [0.5, 2.0])
    f = FUNCTIONS["rosenbrock"]
    np.testing.assert_array_equal(result.loss, f.value(result.path[..., 0], result.path[..., 1]))
    summary = result.summary(0)
    assert summary.optimizer == "Adam" and summary.lr == 1e-3 and summary.start == (-1.2, 1.0)
    assert summary.final == tuple(result.path[-1, 0]) and summary.steps_to_1e3 is None
    records = result.records()
    text = json.dumps(records, allow_nan=False)  # the CLI's json format, valid JSON
    assert json.loads(text)[0]["path"][0] == [-1.2, 1.0]
    assert set(records[0]) >= {"optimizer", "lr", "path", "loss"}


def test_steps_to_thresholds_and_distance():
    result = run_grid("rosenbrock", ["Adam"], lrs=[0.1, 1e-3], steps=2000)
    fast, slow = result.summary(0), result.summary(1)
    assert 0 < fast.steps_to_1e3 < fast.steps_to_1e6 <= 2000
    assert result.loss[fast.steps_to_1e3, 0] < 1e-3 <= result.loss[fast.steps_to_1e3 - 1, 0]
    assert fast.distance_to_minimum < 1e-6
    assert slow.steps_to_1e3 is None and slow.distance_to_minimum > 1
    saddle = run_grid("saddle", ["Adam"], steps=20).summary(0)
    assert saddle.steps_to_1e3 is None and saddle.distance_to_minimum is None


def test_batched_equals_alone():
    """Each run of a mixed batch is bit for bit the run simulated on its own."""
    together = grid(300)
    for i, config in enumerate(together.configs):
        alone = simulate("rosenbrock", [config], 300)
        np.testing.assert_array_equal(together.path[:, i], alone.path[:, 0])


@pytest.mark.parametrize("split", [0, 1, 137])
def test_save_and_resume_is_exact(split):
    """N steps, saved to JSON text and resumed for M steps == N + M steps, bit for bit."""
    full = grid(300)
    first = grid(split)
    function, states = loads_state(dumps_state(first))
    assert function == "rosenbrock"
    second = simulate(function, resume_configs(states), 300 - split)
    np.testing.assert_array_equal(second.path, full.path[split:])
    np.testing.assert_array_equal(second.loss, full.loss[split:])
    np.testing.assert_array_equal(second.step_offset, split)
    for i in range(full.n_runs):
        assert second.state_dict(i) == full.state_dict(i)


def test_resume_with_schedules_is_exact():
    steps, n = 200, 4
    configs = [RunConfig("Adam", lr=1e-2), RunConfig("SGD", lr=1e-4, hyper={"momentum": 0.9}),
               RunConfig("NAdam", lr=1e-2), RunConfig("Adagrad", lr=0.1)]
    t = np.arange(steps + 1)
    lr = np.outer(0.5 + 0.5 * np.cos(np.pi * t / steps), [1e-2, 1e-4, 1e-2, 0.1])
    momentum = np.tile((0.85 + 0.1 * (t / steps))[:, None], (1, n))
    momentum[:, 3] = np.nan  # Adagrad has no momentum
    full = simulate("rosenbrock", configs, steps, lr_schedule=lr, momentum_schedule=momentum)
    first = simulate("rosenbrock", configs, 120, lr_schedule=lr[:121],
                     momentum_schedule=momentum[:121])
    states = loads_state(dumps_state(first))[1]
    assert [s.scheduler_last_epoch for s in states] == [120] * n
    assert states[0].state_dict["param_groups"][0]["betas"][0] == momentum[120, 0]
    assert states[0].state_dict["param_groups"][0]["lr"] == lr[120, 0]
    second = simulate("rosenbrock", resume_configs(states), steps - 120,
                      lr_schedule=lr[120:], momentum_schedule=momentum[120:])
    np.testing.assert_array_equal(second.path, full.path[120:])
    assert second.state_dict(1) == full.state_dict(1)


def test_state_dict_layout():
    result = simulate("rosenbrock", [RunConfig("Adam", lr=1e-2, hyper={"amsgrad": True}),
                                     RunConfig("SGD"), RunConfig("Adagrad"),
                                     RunConfig("NAdam")], 3)
    adam = result.state_dict(0)
    assert list(adam["state"][0]) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert adam["state"][0]["step"] == 3.0
    group = adam["param_groups"][0]
    assert group["lr"] == 1e-2 and group["params"] == [0]
    assert "initial_lr" not in group      # no scheduler: torch's group has none
    assert group["betas"] == (0.9, 0.999) and group["amsgrad"] is True
    assert result.state_dict(1)["state"] == {}  # SGD without momentum keeps no state
    assert list(result.state_dict(2)["state"][0]) == ["step", "sum"]
    mu = result.state_dict(3)["state"][0]["mu_product"]
    assert mu == float(np.float32(mu))  # a float32 tensor in torch
    fresh = simulate("rosenbrock", [RunConfig("Adagrad"), RunConfig("Adam")], 0)
    assert fresh.state_dict(0)["state"][0]["step"] == 0.0  # created in the constructor
    assert fresh.state_dict(1)["state"] == {}


def test_divergence_is_flagged_frozen_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may leak
        result = run_grid("rosenbrock", ["SGD", "RAdam", "Adam"], lrs=[1e-3, 0.05, 1.0],
                          steps=500)
    diverged = dict(zip(zip(result.optimizers, result.base_lr.tolist()),
                        result.diverged_step.tolist()))
    assert diverged[("SGD", 1e-3)] == -1 and diverged[("Adam", 1e-3)] == -1
    assert diverged[("SGD", 0.05)] > 0 and diverged[("SGD", 1.0)] > 0
    assert 0 < diverged[("RAdam", 0.05)] <= 6  # plain momentum steps before rho_t > 5
    assert np.all(np.isfinite(result.path)) and np.all(np.isfinite(result.loss))
    for i in np.flatnonzero(result.diverged):
        k = result.diverged_step[i]
        assert np.all(result.path[k:, i] == result.path[k - 1, i])  # frozen at the last good
        summary = result.summary(int(i))
        assert summary.diverged and summary.diverged_step == k
    healthy = simulate("rosenbrock", [RunConfig("Adam", lr=1e-3)], 500)
    np.testing.assert_array_equal(result.path[:, 6], healthy.path[:, 0])


def test_escape_and_nonfinite_divergence():
    far = simulate("quadratic", [RunConfig("SGD", lr=1.5)], 100)  # |x| grows 2x per step
    assert far.diverged[0] and far.summary(0).final[0] ** 2 <= (5 * 10) ** 2
    nan_only = simulate("quadratic", [RunConfig("SGD", lr=1.5)], 2000, escape=None)
    assert nan_only.diverged_step[0] > far.diverged_step[0]
    assert np.all(np.isfinite(nan_only.path))


def test_diverged_run_resumes_frozen():
    first = run_grid("rosenbrock", ["SGD"], lrs=[0.05, 1e-3], steps=50)
    states = loads_state(dumps_state(first))[1]
    second = simulate("rosenbrock", resume_configs(states), 30)
    assert second.diverged_step[0] == first.diverged_step[0]
    assert np.all(second.path[:, 0] == first.path[-1, 0])
    full = run_grid("rosenbrock", ["SGD"], lrs=[0.05, 1e-3], steps=80)
    np.testing.assert_array_equal(second.path[:, 1], full.path[50:, 1])


def test_save_state_document():
    result = grid(5)
    document = save_state(result, runs=[0, 2])
    assert document["format"] == STATE_FORMAT and document["function"] == "rosenbrock"
    assert len(document["runs"]) == 2
    run = document["runs"][0]
    assert run["step"] == 5 and run["position"] == result.path[-1, 0].tolist()
    assert run["state_dict"]["state"]["0"]["step"] == 5.0
    json.dumps(document, allow_nan=False)


def test_load_state_file(tmp_path):
    result = grid(5)
    path = tmp_path / "state.json"
    path.write_text(dumps_state(result))
    function, states = load_state(path, optimizers=[name for name, _ in VARIANTS])
    assert function == "rosenbrock" and len(states) == result.n_runs
    with pytest.raises(SpecError) as info:
        load_state(path, optimizers=["Adam"])
    assert info.value.file == str(path) and "AdamW" in info.value.message


def _bad_state_files():
    good = json.loads(dumps_state(simulate("rosenbrock", [RunConfig("Adam", lr=1e-2)], 5)))

    def edit(fn):
        doc = json.loads(json.dumps(good))
        fn(doc)
        return json.dumps(doc)

    def swap_optimizer(doc):
        doc["runs"][0]["optimizer"] = "SGD"

    def sgd_state_under_adam(doc):
        doc["runs"][0]["state_dict"]["state"]["0"] = {"momentum_buffer": [0.0, 1.0]}

    def drop_key(doc):
        del doc["runs"][0]["state_dict"]["state"]["0"]["exp_avg_sq"]

    def bad_beta(doc):
        doc["runs"][0]["state_dict"]["param_groups"][0]["betas"] = [1.5, 0.999]

    def bad_pair(doc):
        doc["runs"][0]["state_dict"]["state"]["0"]["exp_avg"] = [1.0]

    def bad_step(doc):
        doc["runs"][0]["step"] = 7

    text = json.dumps(good)
    return [
        ("truncated", text[: len(text) // 2], "not a valid JSON"),
        ("empty", "", "not a valid JSON"),
        ("not ours", json.dumps({"state": {}, "param_groups": []}), "not an lrsched"),
        ("other version", edit(lambda d: d.update(version=99)), "version"),
        ("unknown function", edit(lambda d: d.update(function="rosenbrok")), "rosenbrock"),
        ("no runs", edit(lambda d: d.update(runs=[])), "non-empty"),
        ("another optimizer", edit(swap_optimizer), "unknown keyword"),
        ("foreign state", edit(sgd_state_under_adam), "another optimizer"),
        ("missing entry", edit(drop_key), "do not match"),
        ("bad beta", edit(bad_beta), "beta"),
        ("bad pair", edit(bad_pair), "2 finite numbers"),
        ("step mismatch", edit(bad_step), "does not match"),
    ]


@pytest.mark.parametrize("label, text, words", _bad_state_files(),
                         ids=[case[0] for case in _bad_state_files()])
def test_bad_state_files_raise_spec_error(label, text, words):
    with pytest.raises(SpecError) as info:
        loads_state(text, source="state.json")
    assert words in str(info.value)
    assert info.value.file == "state.json"


def test_resume_checks_function_and_optimizer():
    states = loads_state(dumps_state(simulate("rosenbrock", [RunConfig("Adam")], 3)))[1]
    with pytest.raises(SpecError, match="not 'beale'"):
        simulate("beale", resume_configs(states), 3)
    with pytest.raises(SpecError, match="Adam state, not SGD"):
        simulate("rosenbrock", [RunConfig("SGD", resume=states[0])], 3)


@pytest.mark.parametrize("call, key", [
    (lambda: simulate("rosenbrock", [RunConfig("Adamw2")], 3), "runs[0].optimizer"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam", hyper={"beta": 0.9})], 3),
     "optimizer.beta"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam", lr=-1.0)], 3), "optimizer.lr"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam", start=(1.0,))], 3), "runs[0].start"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam")], -1), "steps"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam")], 3, escape=0), "escape"),
    (lambda: simulate("rosenbrock", [], 3), "runs"),
    (lambda: simulate("rosenbrok", [RunConfig("Adam")], 3), "function"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam")], 3, lr_schedule=np.ones((2, 1))),
     "lr_schedule"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam")], 3, lr_schedule=-np.ones((3, 1))),
     "lr_schedule"),
    (lambda: simulate("rosenbrock", [RunConfig("Adagrad")], 3,
                      momentum_schedule=np.full((3, 1), 0.9)), "momentum_schedule[0]"),
    (lambda: simulate("rosenbrock", [RunConfig("Adam")], 3,
                      momentum_schedule=np.full((3, 1), 1.0)), "momentum_schedule[0]"),
    (lambda: run_grid("rosenbrock", ["Adam"], hyper={"SGD": {"momentum": 0.9}}, steps=3),
     "hyper.SGD"),
])
def test_bad_arguments_raise_spec_error(call, key):
    with pytest.raises(SpecError) as info:
        call()
    assert info.value.key == key


def test_misspelt_optimizer_suggests_closest():
    with pytest.raises(SpecError) as info:
        run_grid("rosenbrock", ["Adamx"], steps=3)
    assert "did you mean 'Adamax'" in info.value.message


def test_numpy_arguments_are_their_python_numbers():
    import numpy as np

    as_numpy = simulate("rosenbrock", [RunConfig("Adam", start=np.array([1, 2]))], np.int64(30))
    as_python = simulate("rosenbrock", [RunConfig("Adam", start=(1.0, 2.0))], 30)
    np.testing.assert_array_equal(as_numpy.path, as_python.path)
    grid = run_grid("rosenbrock", ["Adam"], lrs=np.array([1e-3, 1e-2], dtype=np.float32), steps=3)
    np.testing.assert_array_equal(grid.base_lr, np.array([1e-3, 1e-2], dtype=np.float32).tolist())


# ------------------------------------------------------------------------------ the scheduler's keys

@pytest.mark.parametrize("scheduler, keys", [
    ({"type": "StepLR", "step_size": 3}, [{"initial_lr": 0.1}, {"initial_lr": 0.2}]),
    ({"type": "CyclicLR", "base_lr": [0.01, 0.02], "max_lr": 0.1},
     [{"max_momentum": 0.9, "base_momentum": 0.8, "initial_lr": 0.01},
      {"max_momentum": 0.9, "base_momentum": 0.8, "initial_lr": 0.02}]),
    ({"type": "OneCycleLR", "max_lr": 0.5, "total_steps": 10, "cycle_momentum": False},
     [{"initial_lr": 0.02, "max_lr": 0.5, "min_lr": 0.02 / 1e4}] * 2),
    # a composite's own constructor leaves nothing: its children are built before it
    ({"type": "SequentialLR", "milestones": [2], "schedulers": [
        {"type": "StepLR", "step_size": 3}, {"type": "OneCycleLR", "max_lr": 1, "total_steps": 9}]},
     [{}, {}]),
    ({"type": "ReduceLROnPlateau", "metrics": [1.0]}, [{}, {}]),
])
def test_constructed_groups_are_the_keys_a_constructor_leaves(scheduler, keys):
    from lrsched.engine import constructed_groups
    from lrsched.spec import load_spec

    spec = load_spec({"optimizer": {"type": "SGD", "momentum": 0.9,
                                    "param_groups": [{"lr": 0.1}, {"lr": 0.2}]},
                      "scheduler": scheduler}).schedules[0]
    groups = constructed_groups(spec)
    assert [list(g.items()) for g in groups] == [list(k.items()) for k in keys]


# ------------------------------------------------------------------------------ simulation files

def test_a_simulation_file_reads_into_records():
    from lrsched.io.simulation import load_simulation
    from lrsched.simulate.plan import OptimizerEntry

    sim = load_simulation(("function: booth\nsteps: 12\nlr: 1\nstart: [1, 2]\noptimizers:\n"
                           "  - sgd\n  - {type: adam, betas: [0.5, 0.9], lr: 0.1, label: a}\n",
                           "sim.yaml"))
    assert sim.function is FUNCTIONS["booth"] and sim.steps == 12 and sim.schedule is None
    assert sim.lrs == (1.0,) and type(sim.lrs[0]) is float and sim.start == (1.0, 2.0)
    assert sim.optimizers == (OptimizerEntry("SGD"),
                              OptimizerEntry("Adam", {"betas": (0.5, 0.9)}, 0.1, "a"))
    with pytest.raises(SpecError) as info:
        load_simulation(("function: booth\nlr: [0.1, 1%s]\n" % ("0" * 400), "sim.yaml"))
    assert str(info.value).startswith("sim.yaml:2: lr[1]: must be a learning rate (a finite "
                                      "number >= 0), got 1000")
