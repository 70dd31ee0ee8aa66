"""`lrsched list [NAME]`: generated from the registry, the optimizer table and the test
functions; NAME is any of them."""

from __future__ import annotations

import pytest

from conftest import run_cli
from lrsched.functions import FUNCTIONS
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.schedules import REGISTRY


def test_the_overview_names_every_scheduler_optimizer_and_function():
    run = run_cli("list")
    assert run.code == 0, run
    for name in [*REGISTRY, *TORCH_OPTIMIZERS, *FUNCTIONS]:
        assert name in run.out, name


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_scheduler_in_full(name):
    run = run_cli("list", name.lower())
    assert run.code == 0, run
    assert run.out.startswith(f"{name}: ")
    for param in REGISTRY[name].params:
        assert param.name in run.out


@pytest.mark.parametrize("name", sorted(TORCH_OPTIMIZERS))
def test_an_optimizer_in_full(name):
    run = run_cli("list", name.upper())
    assert run.code == 0, run
    assert run.out.startswith(f"{name} (torch.optim)")
    for param in TORCH_OPTIMIZERS[name].params:
        assert f"\n{param.name} " in run.out, param.name


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_test_function_in_full(name):
    run = run_cli("list", name)
    assert run.code == 0, run
    assert f"\n{name} " in run.out
    assert FUNCTIONS[name].description.split(":")[0][:30] in run.out.replace("\n", " ")


def test_an_unknown_name_gets_one_suggestion_from_all_three():
    run = run_cli("list", "Adma")
    assert run.code == 2
    assert run.err.startswith("error: NAME: unknown name 'Adma'; did you mean 'Adam'? valid: LambdaLR,")
    run = run_cli("list", "rosenbrok")
    assert "did you mean 'rosenbrock'?" in run.err
