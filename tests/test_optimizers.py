"""The one optimizer table (lrsched.optimizers): torch's keywords, in torch's order, and one
wording of every mistake, whether a schedule spec, a simulation file or Python makes it."""

from __future__ import annotations

import pytest

from conftest import run_cli
from lrsched.errors import SpecError
from lrsched.optim import OPTIMIZERS
from lrsched.optimizers import TORCH_OPTIMIZERS, optimizer_class


@pytest.mark.parametrize("name", sorted(TORCH_OPTIMIZERS))
def test_keywords_and_defaults_are_torchs(name):
    """Names, order (torch's ``defaults``, the order of ``state_dict()['param_groups']``),
    values and types of every default, and the momentum CyclicLR cycles."""
    torch = pytest.importorskip("torch")
    torch_class = TORCH_OPTIMIZERS[name]
    params = [torch.nn.Parameter(torch.zeros(2, 2))]
    defaults = getattr(torch.optim, name)(params).defaults
    ours = {**torch_class.defaults, **torch_class.fixed}
    if name == "LBFGS":   # its constructor turns max_eval=None into max_iter * 5 // 4
        assert defaults["max_eval"] == defaults["max_iter"] * 5 // 4
        defaults["max_eval"] = None
    assert list(ours) == list(defaults)
    for key, value in defaults.items():
        assert ours[key] == value and type(ours[key]) is type(value), key
    expected_key = "betas" if "betas" in defaults else "momentum" if "momentum" in defaults else None
    assert torch_class.momentum_key == expected_key


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_simulated_optimizer_is_its_table_entry(name):
    assert OPTIMIZERS[name].torch is TORCH_OPTIMIZERS[name]


def test_every_default_passes_its_own_constraint():
    for torch_class in TORCH_OPTIMIZERS.values():
        hyper = torch_class.hyper(torch_class.defaults)
        assert {k: hyper[k] for k in torch_class.defaults} == torch_class.defaults, torch_class.name


def test_optimizer_class_is_case_insensitive_and_suggests():
    assert optimizer_class("adamw").name == "AdamW"
    with pytest.raises(SpecError) as info:
        optimizer_class("Adma", key="optimizer.type")
    assert info.value.message.startswith("unknown optimizer 'Adma'; did you mean 'Adam'? valid: SGD, Adam,")
    assert info.value.key == "optimizer.type"


SPEC = "optimizer: {{type: {type}, lr: 0.1, {key}: {value}}}\nepochs: 3\nscheduler: {{type: StepLR, step_size: 1}}\n"
SIMULATION = "function: rosenbrock\nsteps: 2\noptimizers:\n  - {{type: {type}, {key}: {value}}}\n"


@pytest.mark.parametrize("type_, key, value", [
    ("SGD", "momentum", "-1"),
    ("SGD", "momentun", "0.9"),
    ("Adam", "betas", "[0.9, 1.5]"),
    ("Adam", "betas", "[0.9]"),
    ("Adam", "amsgrad", "1"),
    ("RMSprop", "alpha", "-0.5"),
])
def test_a_spec_and_a_simulation_file_word_a_mistake_the_same_way(write_spec, type_, key, value):
    spec = run_cli("table", write_spec(SPEC.format(type=type_, key=key, value=value)))
    sim = run_cli("simulate", write_spec(SIMULATION.format(type=type_, key=key, value=value)))
    assert spec.code == sim.code == 2, (spec, sim)
    # the spec's `optimizer.KEY: MESSAGE` is the simulation file's `optimizers[0].KEY: MESSAGE`
    spec_key, spec_message = spec.err.split(": ", 3)[2:]
    sim_key, sim_message = sim.err.split(": ", 3)[2:]
    assert spec_key.startswith("optimizer.") and sim_key.startswith("optimizers[0].")
    assert spec_key.removeprefix("optimizer.") == sim_key.removeprefix("optimizers[0].")
    assert sim_message == spec_message.replace(", type, param_groups\n", ", type, label\n")


def test_a_misspelt_optimizer_gets_the_same_suggestion_everywhere(write_spec):
    spec = run_cli("table", write_spec(SPEC.format(type="Adma", key="eps", value="1e-8")))
    sim = run_cli("simulate", write_spec("function: rosenbrock\nsteps: 2\noptimizers: [Adma]\n"))
    flag = run_cli("simulate", "rosenbrock", "--steps", "2", "-O", "Adma")
    for run in (spec, sim, flag):
        assert run.code == 2 and "unknown optimizer 'Adma'; did you mean 'Adam'?" in run.err, run
