"""The scheduler registry: lookup (case-insensitive, namespaced), and every definition's one
way to run: its stepper, ReduceLROnPlateau (no stepper, its own compute) the one exception."""

import numpy as np
import pytest

from lrsched.constraints import Param, Real
from lrsched.errors import SpecError
from lrsched.schedules import ORDER, REGISTRY, SchedulerDef, lookup
from lrsched.schedules.registry import Registry
from lrsched.schedules.stepper import Groups, Leaf, trace
from lrsched.spec import load_spec


def test_registry_is_torchs_fifteen_in_the_documented_order():
    """torch's fifteen first, in its documentation's order, named without a namespace; then
    the other libraries' types, namespaced."""
    assert tuple(REGISTRY)[:len(ORDER)] == ORDER
    assert all(REGISTRY[name].name == name and REGISTRY[name].type == name for name in ORDER)
    others = tuple(REGISTRY)[len(ORDER):]
    assert others and all(REGISTRY[t].type == t == f"{REGISTRY[t].library}.{REGISTRY[t].name}"
                          and REGISTRY[t].library != "torch" for t in others)


@pytest.mark.parametrize("spelling", ["StepLR", "steplr", "STEPLR", "torch.StepLR", "Torch.steplr"])
def test_lookup_is_case_insensitive_and_torch_is_optional(spelling):
    assert lookup(spelling) is REGISTRY["StepLR"]


@pytest.mark.parametrize("name, message", [
    ("SteLR", "unknown scheduler 'SteLR'; did you mean 'StepLR'? (`lrsched list` shows all)"),
    ("torch.SteLR", "unknown scheduler 'torch.SteLR'; did you mean 'torch.StepLR'? (`lrsched list` shows all)"),
    ("Frobnicate", "unknown scheduler 'Frobnicate' (`lrsched list` shows all)"),
    ("timm.StepLR", "unknown scheduler 'timm.StepLR'; did you mean 'timm.StepLRScheduler'? (`lrsched list` shows all)"),
    ("timm.Frobnicate", "unknown scheduler 'timm.Frobnicate'; the timm types are timm.CosineLRScheduler, "
                        "timm.TanhLRScheduler, timm.StepLRScheduler, timm.MultiStepLRScheduler, timm.PolyLRScheduler, "
                        "timm.PlateauLRScheduler, timm.WSDLRScheduler (`lrsched list` shows all)"),
    ("timm.rsqrt", "unknown scheduler 'timm.rsqrt'; did you mean 'timm.WSDLRScheduler'? ('rsqrt' is timm's own name "
                   "for it) (`lrsched list` shows all)"),
])
def test_lookup_refuses_with_the_closest_name(name, message):
    with pytest.raises(SpecError) as info:
        lookup(name)
    assert info.value.message == message


def test_lookup_refuses_a_non_string():
    with pytest.raises(SpecError) as info:
        lookup(3)
    assert info.value.message == "must be a scheduler class name such as 'StepLR', got 3"


def test_a_namespaced_type_in_a_spec_is_the_torch_scheduler():
    ours = load_spec({"lr": 0.1, "epochs": 5, "scheduler": {"type": "torch.StepLR", "step_size": 2}})
    assert ours.schedules[0].scheduler.type == "StepLR"


def test_another_librarys_definitions_are_namespaced():
    other = SchedulerDef("cosine", "a schedule of another library", (), stepper=Leaf, library="transformers")
    registry = Registry(list(REGISTRY.values()) + [other])
    assert other.type == "transformers.cosine"
    assert registry.lookup("Transformers.Cosine") is other
    with pytest.raises(SpecError):
        registry.lookup("cosine")


# the schedulers whose step() takes the metric: no stepper a composite could drive
METRIC_DRIVEN = ("ReduceLROnPlateau", "transformers.reduce_lr_on_plateau", "transformers.greedy")


def test_every_definition_runs_one_way():
    """A stepper (its standalone run derived from it), or a compute: the metric-driven ones
    (ReduceLROnPlateau, and transformers' plateau and GreedyLR), and timm's schedulers, which
    are no torch LRScheduler (and say so)."""
    for name, definition in REGISTRY.items():
        alone = name in METRIC_DRIVEN or definition.library == "timm"
        assert (definition.stepper is None) == alone
        assert (definition.compute is None) == (not alone)
        if definition.library == "timm":
            assert definition.standalone.startswith("is timm's, not a torch LRScheduler")


def test_a_definition_needs_exactly_one_way_to_run():
    params = (Param("x", Real()),)
    with pytest.raises(TypeError):
        SchedulerDef("Neither", "no way to run", params)
    with pytest.raises(TypeError):
        SchedulerDef("Both", "two ways to run", params, stepper=Leaf, compute=lambda p, g, r: None)


@pytest.mark.parametrize("name", [n for n in ORDER if n != "ReduceLROnPlateau"])
def test_run_is_the_stepper_traced(name):
    definition = REGISTRY[name]
    schedule = load_spec(definition.example).schedules[0]
    params, groups, rows = schedule.scheduler.params, schedule.optimizer.group_state(), schedule.epochs
    ran = definition.run(params, groups, rows)
    traced = trace(definition.stepper(params), groups, rows)
    np.testing.assert_array_equal(ran.lr, traced.lr)
    assert ran.markers == traced.markers


def test_plateau_runs_by_its_compute():
    definition = REGISTRY["ReduceLROnPlateau"]
    groups = Groups("SGD", np.array([0.1]), (None,), None, None)
    params = {**{p.name: p.default for p in definition.params}, "patience": 0,
              "metrics": (1.0, 1.0, 1.0)}
    np.testing.assert_array_equal(definition.run(params, groups, 4).lr,
                                  definition.compute(params, groups, 4).lr)


def test_every_definition_is_documented_with_a_valid_example():
    for definition in REGISTRY.values():
        assert definition.summary and definition.formula and definition.example
        assert all(p.doc for p in definition.params + definition.extra_keys)
        assert load_spec(definition.example).schedules[0].scheduler.type == definition.type


def test_lambdalr_alone_and_as_a_child_are_one_stepper():
    """LambdaLR standalone and inside a composite: the same stepper, the same numbers."""
    scheduler = {"type": "LambdaLR", "lr_lambda": ["0.9 ** epoch", "1 / (epoch + 1)"]}
    optimizer = {"type": "SGD", "lr": 0.1, "param_groups": [{"lr": 0.1}, {"lr": 0.02}]}
    alone = load_spec({"optimizer": optimizer, "epochs": 30, "scheduler": scheduler}).schedules[0]
    chained = load_spec({"optimizer": optimizer, "epochs": 30,
                         "scheduler": {"type": "ChainedScheduler", "schedulers": [scheduler]}}).schedules[0]
    from lrsched.engine import compute
    np.testing.assert_array_equal(compute(alone).lr, compute(chained).lr)


@pytest.mark.parametrize("name, words", [
    ("CosineLRScheduler", "'CosineLRScheduler' is a timm schedule: write type: timm.CosineLRScheduler (in torch's "
                          "terms: CosineAnnealingLR"),
    ("torch.TanhLRScheduler", "'TanhLRScheduler' is a timm schedule: write type: timm.TanhLRScheduler"),
    ("get_cosine_schedule_with_warmup", "is a transformers schedule: write type: transformers.cosine (in torch's terms: SequentialLR of LinearLR (warmup) and CosineAnnealingLR)"),
    ("cosine", "'cosine' is a transformers schedule"),
    ("COSINEDECAY", "is a Keras schedule"),
])
def test_other_libraries_names_get_the_torch_way_not_a_near_miss(name, words):
    with pytest.raises(SpecError) as info:
        REGISTRY.lookup(name)
    assert words in info.value.message and "did you mean" not in info.value.message
