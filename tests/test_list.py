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
        if name in REGISTRY and REGISTRY[name].library != "torch":
            name = REGISTRY[name].name                  # under its library's title
        assert name in run.out, name


def test_the_overview_groups_the_schedulers_by_library():
    out = run_cli("list").out
    torch_at, hf_at = out.index("Schedulers (torch.optim.lr_scheduler)"), out.index("Hugging Face transformers")
    assert torch_at < out.index("ReduceLROnPlateau") < hf_at < out.index("warmup_stable_decay") < out.index("Optimizers")
    assert "type: transformers.NAME" in out
    assert "max(0, 0.5 * (1 + cos(" in out.replace("\n", " ")      # the formulas are there


def test_a_transformers_type_in_full():
    run = run_cli("list", "transformers.cosine")
    assert run.out.startswith("transformers.cosine: linear warmup from 0, then a cosine to 0")
    for words in ("num_warmup_steps", "num_training_steps", "the run's rows", "num_cycles", "0.5",
                  "formula: lr_s = initial_lr * lambda(s)", "type: transformers.cosine"):
        assert words in run.out, words


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
