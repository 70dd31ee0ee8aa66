"""timm 1.0.31's schedulers (SPEC.md section 5) against tests/golden/timm.json, which
tests/golden/make_timm.py wrote by running timm's own classes, create_scheduler_v2 and
train.py's loop: every lr bit for bit, noise included, and every refusal of timm refused.
Neither timm nor torch is needed to run these."""

import numpy as np
import pytest

from conftest import GOLDEN as GOLDEN_DIR
from conftest import load_generator, load_golden
from lrsched.engine import compute
from lrsched.errors import SpecError
from lrsched.spec import load_spec

GOLDEN = load_golden("timm.json")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_matches_timm(case):
    result = compute(load_spec(case["spec"]).schedules[0])
    np.testing.assert_array_equal(result.lr, np.array(case["lr"], dtype=np.float64), strict=True)
    assert result.steps_per_epoch == case["steps_per_epoch"]


@pytest.mark.parametrize("case", GOLDEN["refusals"], ids=lambda c: c["id"])
def test_refuses_what_timm_refuses(case):
    with pytest.raises(SpecError) as info:
        compute(load_spec(case["spec"]).schedules[0])
    assert info.value.key, "the error names the offending key"
    assert "unknown key" not in str(info.value)


def test_golden_data_is_what_timm_computes(timm):
    text = load_generator("make_timm").render()
    assert text == (GOLDEN_DIR / "timm.json").read_text()


# ------------------------------------------------------------------ the spec's side of timm

def rows(spec) -> list:
    return compute(load_spec(spec).schedules[0]).lr[:, 0].tolist()


def error(spec) -> str:
    with pytest.raises(SpecError) as info:
        compute(load_spec(spec).schedules[0])
    return str(info.value)


COSINE = {"type": "timm.CosineLRScheduler", "t_initial": 10, "warmup_t": 3, "warmup_lr_init": 1e-3}


def test_non_prefix_warmup_hides_the_peak():
    """NUMERICS.md: 0.001, 0.034, 0.067, then 0.0794 -- the lr of 0.1 is never used."""
    got = rows({"lr": 0.1, "epochs": 10, "scheduler": COSINE})
    assert got[:4] == [0.001, 0.034, 0.067, 0.07938926261462366]
    assert max(got) < 0.1
    prefix = rows({"lr": 0.1, "epochs": 10, "scheduler": {**COSINE, "warmup_prefix": True}})
    assert prefix[3] == 0.1


def test_the_factory_form_is_the_class_form_with_the_factorys_defaults():
    factory = {"timm": {"lr": 0.1, "sched": "cosine", "num_epochs": 10, "warmup_epochs": 3, "warmup_lr": 1e-3}}
    assert rows(factory) == rows({"lr": 0.1, "epochs": 10, "scheduler": COSINE})
    # cycle_decay 0.1 and warmup_lr 1e-5 are the factory's own defaults
    spec = load_spec({"lr": 0.1, "timm": {"sched": "cosine", "num_epochs": 5}}).schedules[0]
    assert spec.scheduler.params["cycle_decay"] == 0.1 and spec.scheduler.params["warmup_lr_init"] == 1e-5
    assert spec.epochs == 5
    poly = load_spec({"lr": 0.1, "timm": {"sched": "poly", "decay_rate": 2.0}}).schedules[0]
    assert poly.scheduler.params["power"] == 2.0 and poly.epochs == 300


def test_epochs_default_to_what_the_factory_returns():
    def epochs(block, **top):
        return load_spec({"lr": 0.1, **top, "timm": block}).schedules[0].epochs

    assert epochs({"num_epochs": 10, "cooldown_epochs": 3}) == 13
    assert epochs({"num_epochs": 10, "warmup_epochs": 2, "warmup_prefix": True}) == 12
    assert epochs({"num_epochs": 10, "cycle_limit": 3, "cycle_mul": 2}) == 70
    assert epochs({"sched": "step", "num_epochs": 10, "cooldown_epochs": 3}) == 10      # not added
    assert epochs({"sched": "step", "num_epochs": 10, "warmup_epochs": 2, "warmup_prefix": True}) == 12
    assert epochs({"num_epochs": 10, "cooldown_epochs": 1, "step_on_epochs": False}, steps_per_epoch=7) == 11
    assert epochs({"num_epochs": 10}, epochs=4) == 4


def test_t_in_epochs_decides_the_stepping():
    per_epoch = compute({"lr": 0.1, "epochs": 3, "steps_per_epoch": 4,
                         "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 1, "decay_rate": 0.5}})
    assert per_epoch.lr[:, 0].tolist() == [0.1] * 4 + [0.05] * 4 + [0.025] * 4
    per_update = compute({"lr": 0.1, "epochs": 1, "steps_per_epoch": 4,
                          "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 1, "decay_rate": 0.5,
                                        "t_in_epochs": False}})
    assert per_update.lr[:, 0].tolist() == [0.1, 0.05, 0.025, 0.0125]
    assert "t_in_epochs: false" in error({"lr": 0.1, "epochs": 2, "steps_per_epoch": 4, "interval": "epoch",
                                          "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 1,
                                                        "t_in_epochs": False}})
    message = error({"lr": 0.1, "epochs": 2, "steps_per_epoch": 4, "interval": "step",
                     "scheduler": {"type": "timm.PlateauLRScheduler", "metrics": [1.0]}})
    assert "interval: step cannot go with it" in message


def test_multistep_decays_one_step_early():
    got = rows({"lr": 1.0, "epochs": 6, "scheduler": {"type": "timm.MultiStepLRScheduler", "decay_t": [3],
                                                       "decay_rate": 0.5}})
    assert got == [1.0, 1.0, 0.5, 0.5, 0.5, 0.5]


def test_cycle_limit_holds_lr_min():
    got = rows({"lr": 0.1, "epochs": 25, "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 10,
                                                        "lr_min": 0.01}})
    assert got[10:] == [0.01] * 15


def test_lr_scale_multiplies_each_group():
    spec = {"optimizer": {"lr": 0.1, "param_groups": [{"lr_scale": 0.5}, {}]}, "epochs": 4,
            "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 2, "decay_rate": 0.1}}
    lr = compute(spec).lr
    assert lr[:, 0].tolist() == [0.05, 0.05, 0.1 * 0.1 * 0.5, 0.1 * 0.1 * 0.5]
    assert lr[:, 1].tolist() == [0.1, 0.1, 0.010000000000000002, 0.010000000000000002]


def test_lr_scale_only_with_timm():
    message = error({"optimizer": {"lr": 0.1, "param_groups": [{}, {"lr_scale": 0.5}]}, "epochs": 4,
                     "scheduler": {"type": "StepLR", "step_size": 2}})
    assert message.startswith("<spec>: optimizer.param_groups[1].lr_scale: lr_scale is timm's")


@pytest.mark.parametrize("spec, key, words", [
    ({"lr": 0.1, "epochs": 5, "warmup": {"steps": 2}, "scheduler": COSINE}, "warmup", "is timm's"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {"type": "SequentialLR", "milestones": [2], "schedulers": [
        {"type": "LinearLR"}, COSINE]}}, "scheduler.schedulers[1]", "is timm's"),
    ({"lr": 0.1, "timm": {"lr": 0.2}}, "timm.lr", "give the learning rate once"),
    ({"optimizer": {"lr": 0.1}, "timm": {"lr": 0.2}}, "timm.lr", "give the learning rate once"),
    ({"lr": 0.1, "scheduler": COSINE, "timm": {}}, "scheduler", "give the scheduler once"),
    ({"lr": 0.1, "steps_per_epoch": 5, "timm": {"updates_per_epoch": 4}}, "timm.updates_per_epoch",
     "give the count once"),
    ({"lr": 0.1, "timm": {"sched": "cosine", "metrics": [1, 2]}}, "timm.metrics", "only sched: plateau"),
    ({"lr": 0.1, "timm": {"sched": "cosine", "num_epochs": 3}, "warmup": {"steps": 1}}, "warmup",
     "give the block warmup_epochs"),
    ({"lr": 0.1, "timm": {"sched": "cosin"}}, "timm.sched", "must be one of"),
    ({"lr": 0.1, "timm": {"shed": "cosine"}}, "timm.shed", "did you mean 'sched'"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {"type": "timm.PlateauLRScheduler"}}, "scheduler.metrics",
     "needs the metric it watches"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {**COSINE, "noise_range_t": 0, "noise_pct": 1e-7}},
     "scheduler.noise_pct", "timm redraws until one does"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {**COSINE, "noise_pct": 1.0}}, "scheduler.noise_pct",
     "at 1 or above the lr can reach 0"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {**COSINE, "cycle_limit": 0}}, "scheduler.cycle_limit",
     "TanhLRScheduler asserts cycle_limit >= 0"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {**COSINE, "warmup_t": -1}}, "scheduler.warmup_t",
     "TanhLRScheduler asserts warmup_t >= 0"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {**COSINE, "noise_range_t": [1, 2, 3]}}, "scheduler.noise_range_t",
     "a list of two numbers"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {"type": "timm.MultiStepLRScheduler", "decay_t": [3, 1]}},
     "scheduler.decay_t", "must be sorted"),
    ({"lr": 0.1, "epochs": 5, "scheduler": {"type": "timm.PlateauLRScheduler", "noise_type": "gauss",
                                            "metrics": [1.0] * 4}}, "scheduler.noise_type", "must be one of"),
])
def test_refusals_name_the_key(spec, key, words):
    message = error(spec)
    assert message.startswith(f"<spec>: {key}: "), message
    assert words in message, message


@pytest.mark.parametrize("name, suggestion", [
    ("timm.cosine", "did you mean 'timm.CosineLRScheduler'? ('cosine' is timm's own name for it)"),
    ("timm.rsqrt", "did you mean 'timm.WSDLRScheduler'?"),
    ("timm.CosineLRSchedulr", "did you mean 'timm.CosineLRScheduler'?"),
    ("TIMM.steplrscheduler", None),
    ("CosineLRScheduler", "write type: timm.CosineLRScheduler"),
    ("torch.CosineLRScheduler", "write type: timm.CosineLRScheduler"),
])
def test_timm_names(name, suggestion):
    from lrsched.schedules import lookup

    if suggestion is None:
        assert lookup(name).type == "timm.StepLRScheduler"
        return
    with pytest.raises(SpecError) as info:
        lookup(name)
    assert suggestion in info.value.message


def test_updates_per_epoch_gives_the_spec_units():
    result = compute({"lr": 0.1, "timm": {"sched": "cosine", "num_epochs": 2, "step_on_epochs": False,
                                          "updates_per_epoch": 3}})
    assert (result.steps_per_epoch, result.unit, result.epochs) == (3, "step", 6)


def test_sched_none_leaves_the_lr_alone():
    spec = {"optimizer": {"lr": 0.1, "param_groups": [{"lr_scale": 0.5}, {"lr": 0.3}]},
            "timm": {"sched": "none", "num_epochs": 3}}
    assert compute(spec).lr.tolist() == [[0.1, 0.3]] * 3


# ------------------------------------------------------------------ README and configs

def readme_blocks(lang: str) -> list:
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    start = readme.index("## timm schedules")
    section = readme[start:readme.index("\n## ", start)]
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)


def test_readme_tables_are_what_lrsched_prints():
    from conftest import run_cli

    blocks = [b for b in readme_blocks("console") if b.startswith("$ lrsched table ")]
    assert blocks
    for block in blocks:
        command, _, shown = block.partition("\n")
        run = run_cli(*command.split()[2:])
        assert run.code == 0, run
        assert run.out == shown


def test_readme_specs_are_the_configs():
    import yaml

    from conftest import ROOT

    blocks = readme_blocks("yaml")
    assert len(blocks) == 2
    cycles, imagenet = (yaml.safe_load(b) for b in blocks)
    for shown, path in ((cycles, "timm-cycles.yaml"), (imagenet, "timm-imagenet.yaml")):
        assert shown == yaml.safe_load((ROOT / "configs" / path).read_text())


def test_imagenet_recipe():
    result = compute(load_spec("configs/timm-imagenet.yaml").schedules[0])
    assert (result.steps_per_epoch, result.epochs, result.unit) == (1251, 375300, "step")
    assert result.lr[0, 0] == 1e-06 and result.lr.max() < 0.4
    assert result.lr[-1, 0] > 1e-05


def test_every_factory_keyword_is_in_the_bad_spec_corpus():
    from conftest import ROOT
    from lrsched.schedules.timm_factory import NAMES

    covered = set()
    for path in (ROOT / "tests" / "bad").glob("timm-factory-*.yaml"):
        for line in path.read_text().splitlines()[:3]:
            if line.startswith("# covers: "):
                covered.add(line[len("# covers: "):])
    assert covered == {f"timm.{name}" for name in NAMES}


def _class_cases():
    return [c for c in GOLDEN["cases"] if "scheduler" in c["spec"]
            and c["spec"]["scheduler"]["type"] != "timm.PlateauLRScheduler"]


@pytest.mark.parametrize("case", _class_cases(), ids=lambda c: c["id"])
def test_fast_path_is_the_plain_one(case):
    """The cycle-by-cycle path (cycle_mul 1, a run of consecutive steps) against the plain
    vectorised one it stands in for: the same rows and markers, bit for bit."""
    schedule = load_spec(case["spec"]).schedules[0]
    definition = schedule.scheduler.definition
    rows = schedule.units.scheduler_rows(schedule.rows)
    groups = schedule.optimizer.group_state()
    fast = definition.compute(schedule.scheduler.params, groups, rows)
    plain = definition.compute(schedule.scheduler.params, groups, rows, fast=False)
    np.testing.assert_array_equal(fast.lr, plain.lr, strict=True)
    assert fast.markers == plain.markers


@pytest.mark.parametrize("kind", ["CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"])
@pytest.mark.parametrize("extra", [{}, {"warmup_t": 7, "warmup_prefix": True}, {"warmup_t": 7},
                                   {"k_decay": 2}, {"k_decay": 0.5, "cycle_decay": 0.3}, {"t_initial": 1},
                                   {"cycle_limit": 1000}])
def test_fast_path_over_many_cycles(kind, extra):
    if kind == "TanhLRScheduler" and "k_decay" in extra:
        extra = {k: v for k, v in extra.items() if k != "k_decay"}
    params = {"type": f"timm.{kind}", "t_initial": 13, "cycle_limit": 5, "cycle_decay": 0.7, "lr_min": 1e-4,
              **extra}
    schedule = load_spec({"optimizer": {"lr": 0.1, "param_groups": [{}, {"lr": 0.3, "lr_scale": 0.5}]},
                          "epochs": 100, "scheduler": params}).schedules[0]
    definition, groups = schedule.scheduler.definition, schedule.optimizer.group_state()
    fast = definition.compute(schedule.scheduler.params, groups, 100)
    plain = definition.compute(schedule.scheduler.params, groups, 100, fast=False)
    np.testing.assert_array_equal(fast.lr, plain.lr, strict=True)
    assert fast.markers == plain.markers


# ------------------------------------------------------------------ lrsched list

def test_list_groups_timms_types_under_its_title():
    from conftest import run_cli
    from lrsched.schedules import REGISTRY

    run = run_cli("list")
    assert run.code == 0
    section = run.out[run.out.index("timm 1.0.31 (timm.scheduler; type: timm.NAME)"):run.out.index("Optimizers")]
    for definition in REGISTRY.values():
        if definition.library == "timm":
            assert f"\n{definition.name} " in section
    assert "`lrsched list timm`" in " ".join(section.split())


@pytest.mark.parametrize("name", ["timm", "TIMM", "timm:"])
def test_list_timm_shows_the_factory_form(name):
    from conftest import run_cli
    from lrsched.schedules.timm_factory import NAMES

    run = run_cli("list", name)
    assert run.code == 0, run
    assert run.out.startswith("timm: (the create_scheduler_v2 form of timm 1.0.31)")
    for key in NAMES:
        assert f"\n{key} " in run.out, key


def test_list_a_timm_class_in_full():
    from conftest import run_cli

    run = run_cli("list", "timm.cosinelrscheduler")
    assert run.code == 0
    assert run.out.startswith("timm.CosineLRScheduler: timm's cosine decay")
    assert "formula: lr = lr_min + 0.5 * (lr_max - lr_min)" in run.out
    assert "type: timm.CosineLRScheduler" in run.out
