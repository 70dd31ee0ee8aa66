"""Hugging Face transformers' schedules (SPEC.md section 5) against what transformers 5.24.0
computes on torch 2.13 (tests/golden/transformers.json, written by
tests/golden/make_transformers.py): every lr bit for bit, the Trainer form's counts, and
every refusal of transformers refused by us with its reason.  Neither library is needed to
run these, except the test that regenerates the data."""

import math

import numpy as np
import pytest

from conftest import GOLDEN as GOLDEN_DIR
from conftest import load_generator, load_golden, one_error_line
from lrsched.engine import compute
from lrsched.errors import SpecError
from lrsched.schedules import REGISTRY, transformers as hf
from lrsched.spec import load_spec

GOLDEN = load_golden("transformers.json")


def result_of(spec):
    return compute(load_spec(spec).schedules[0])


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_matches_transformers(case):
    result = result_of(case["spec"])
    np.testing.assert_array_equal(result.lr, np.array(case["lr"], dtype=np.float64), strict=True)
    assert result.momentum is None


@pytest.mark.parametrize("case", GOLDEN["trainer"], ids=lambda c: c["id"])
def test_trainer_form_matches_the_trainer(case):
    result = result_of(case["spec"])
    np.testing.assert_array_equal(result.lr, np.array(case["lr"], dtype=np.float64), strict=True)
    assert result.steps_per_epoch == case["steps_per_epoch"]
    assert result.unit == "step" and result.epochs == case["rows"] == case["num_training_steps"]
    assert dict(result.shown) == {"num_training_steps": case["num_training_steps"],
                                  "num_warmup_steps": case["num_warmup_steps"]}


# transformers' refusals that lrsched words itself (the value is what HF raises): a
# constraint that says the allowed range, or an explanation of a TypeError/ZeroDivisionError
EXPLAINED = {"greedy-factor", "plateau-factor", "wsd-no-decay", "trainer-wsd-no-decay", "min-lr-of-zero-lr",
             "polynomial-zero-decay", "resume-without-initial-lr", "trainer-kwargs-unknown",
             "trainer-kwargs-warmup-twice", "trainer-unknown-type"}


@pytest.mark.parametrize("case", GOLDEN["errors"], ids=lambda c: c["id"])
def test_refuses_what_transformers_refuses(case):
    with pytest.raises(SpecError) as info:
        result_of(case["spec"])
    assert info.value.key, "the error names the offending key"
    kind, _, reason = case["raises"].partition(": ")
    if case["id"] in EXPLAINED:
        return
    # HF's own words, after its `SchedulerType.NAME` (we name the type as the spec does)
    words = reason.rstrip(".").split(" requires ", 1)[-1].split(" through the ")[0]
    assert words in info.value.message, (words, info.value.message)


@pytest.mark.parametrize("case", GOLDEN["errors"][:6] + GOLDEN["errors"][-7:], ids=lambda c: c["id"])
def test_a_refusal_is_exit_2_with_one_line(case, cli, write_spec):
    import yaml

    run = cli("table", write_spec(yaml.safe_dump(case["spec"], sort_keys=False)))
    line = one_error_line(run, 2)
    assert "Traceback" not in run.err and line.count(":") >= 2


# --- the golden data itself follows the Trainer's arithmetic (independent of the engine) ----
@pytest.mark.parametrize("case", GOLDEN["trainer"], ids=lambda c: c["id"])
def test_trainer_golden_counts_follow_numerics(case):
    spec, block = case["spec"], case["spec"]["transformers"]
    b, gas = block.get("per_device_train_batch_size", 8), block.get("gradient_accumulation_steps", 1)
    if "steps_per_epoch" in spec:
        upe = spec["steps_per_epoch"]
    elif "dataset_size" in spec:
        d, w = spec["dataset_size"], spec.get("world_size", 1)
        len_dl = (d // b) // w if block.get("dataloader_drop_last", False) else math.ceil(d / (b * w))
        upe = max(len_dl // gas + int(len_dl % gas > 0), 1)
    else:
        upe = block["max_steps"]
    assert case["steps_per_epoch"] == upe
    max_steps = block.get("max_steps", -1)
    n = max_steps if max_steps > 0 else math.ceil(block.get("num_train_epochs", 3.0) * upe)
    assert case["num_training_steps"] == n
    ws, ratio = block.get("warmup_steps", 0), block.get("warmup_ratio", 0)
    w = math.ceil(n * ratio) if ws == 0 and ratio else (int(ws) if ws >= 1 else math.ceil(n * ws))
    assert case["num_warmup_steps"] == w


def test_golden_covers_every_type_and_what_the_issue_asks():
    kinds = {c["spec"]["scheduler"]["type"] for c in GOLDEN["cases"]}
    nested = {child["type"] for c in GOLDEN["cases"] for child in c["spec"]["scheduler"].get("schedulers", ())}
    assert {f"transformers.{k}" for k in hf.ORDER} <= kinds
    assert {"SequentialLR", "ChainedScheduler"} <= kinds and any(k.startswith("transformers.") for k in nested)
    assert len(GOLDEN["cases"]) >= 250 and len(GOLDEN["trainer"]) >= 60
    scheds = [c["spec"]["scheduler"] for c in GOLDEN["cases"]]
    assert {s.get("num_warmup_steps") for s in scheds} >= {0, 1, 2, 3}
    assert any(s.get("num_training_steps", 10 ** 9) < c["rows"] - 1 for s, c in zip(scheds, GOLDEN["cases"]))
    cycles = {s.get("num_cycles") for s in scheds} - {None}
    assert any(float(c).is_integer() for c in cycles) and any(not float(c).is_integer() for c in cycles)
    assert any("param_groups" in c["spec"].get("optimizer", {}) for c in GOLDEN["cases"])
    assert any("last_epoch" in s for s in scheds)
    trainer = [c["spec"] for c in GOLDEN["trainer"]]
    assert any("max_steps" in t["transformers"] for t in trainer)
    assert any(not float(t["transformers"].get("num_train_epochs", 3)).is_integer() for t in trainer)
    assert any(t["transformers"].get("gradient_accumulation_steps", 1) > 1 for t in trainer)
    assert any(t.get("world_size", 1) > 1 for t in trainer)


def test_numerics_md_cosine_check():
    """NUMERICS.md: get_scheduler("cosine", SGD(lr=0.1), 2, 10) gives 0.0, 0.05, 0.1, ..., 0.0 at
    step 10, then 0.003806023374435658 (it rises again)."""
    lr = result_of({"lr": 0.1, "epochs": 12, "scheduler": {
        "type": "transformers.cosine", "num_warmup_steps": 2, "num_training_steps": 10}}).lr[:, 0]
    assert lr[:3].tolist() == [0.0, 0.05, 0.1] and lr[10] == 0.0 and lr[11] == 0.003806023374435658


def test_num_training_steps_defaults_to_the_rows_and_follows_epochs():
    spec = {"lr": 0.1, "epochs": 20, "scheduler": {"type": "transformers.linear", "num_warmup_steps": 0}}
    assert result_of(spec).lr[-1, 0] == 0.1 * (1 / 20)
    assert dict(result_of(spec).shown) == {"num_training_steps": 20, "num_warmup_steps": 0}
    longer = load_spec(spec).schedules[0].with_epochs(40)
    assert compute(longer).lr[-1, 0] == 0.1 * (1 / 40)


def test_steps_every_update_whatever_the_default_interval():
    spec = {"lr": 0.1, "epochs": 2, "steps_per_epoch": 5,
            "scheduler": {"type": "transformers.linear", "num_warmup_steps": 2}}
    lr = result_of(spec).lr[:, 0]
    assert len(set(lr.tolist())) > 5         # not held for an epoch: a new lr every update
    with pytest.raises(SpecError, match="interval: epoch cannot go with it") as info:
        result_of({**spec, "interval": "epoch"})
    assert info.value.key == "interval"


def test_types_compose_as_the_lambdalr_they_are():
    """Inside a SequentialLR, a transformers schedule is a LambdaLR: at its milestone torch
    calls its step(0), so it restarts at lr_lambda(0)."""
    child = {"type": "transformers.linear", "num_warmup_steps": 3, "num_training_steps": 10}
    seq = result_of({"lr": 1.0, "epochs": 12, "scheduler": {
        "type": "SequentialLR", "milestones": [2],
        "schedulers": [{"type": "ConstantLR", "factor": 0.5, "total_iters": 2}, child]}}).lr[:, 0]
    alone = result_of({"lr": 1.0, "epochs": 10, "scheduler": child}).lr[:, 0]
    assert seq[:2].tolist() == [0.5, 0.5]
    np.testing.assert_array_equal(seq[2:], alone, strict=True)


def test_metric_schedulers_cannot_go_in_a_composite():
    with pytest.raises(SpecError, match="needs the metric"):
        load_spec({"lr": 0.1, "epochs": 5, "scheduler": {
            "type": "ChainedScheduler", "schedulers": [{"type": "transformers.greedy", "metrics": [1, 2, 3, 4]}]}})


def test_every_type_is_registered_under_its_library():
    types = [t for t in REGISTRY if t.startswith("transformers.")]
    assert types == [f"transformers.{k}" for k in hf.ORDER]
    assert all(REGISTRY[t].library == "transformers" and REGISTRY[t].per_update for t in types)
    assert REGISTRY.lookup("Transformers.COSINE").type == "transformers.cosine"


@pytest.mark.parametrize("name, words", [
    ("cosine", "write type: transformers.cosine"),
    ("cosine_with_min_lr", "write type: transformers.cosine_with_min_lr"),
    ("transformers.cosin", "did you mean 'transformers.cosine'"),
])
def test_torch_like_and_misspelt_names(name, words):
    with pytest.raises(SpecError, match=words.replace(".", r"\.")):
        REGISTRY.lookup(name)


# --- the Trainer form's keys --------------------------------------------------------------------
BASE = {"transformers": {"learning_rate": 1e-4, "num_train_epochs": 1, "per_device_train_batch_size": 4},
        "dataset_size": 100}


def trainer(**changes):
    spec = {"transformers": {**BASE["transformers"]}, "dataset_size": 100}
    for key, value in changes.items():
        if key in hf.UNIT_KEYS_HERE or key in hf.SPEC_KEYS_INSTEAD:
            spec[key] = value
        else:
            spec["transformers"][key] = value
    return spec


def test_unused_training_arguments_are_one_note(cli, write_spec):
    import yaml

    path = write_spec(yaml.safe_dump(trainer(output_dir="out", logging_steps=10, bf16=True), sort_keys=False))
    run = cli("table", path, "-f", "json")
    assert run.code == 0
    assert run.err == (f"note: {path}: transformers: ignoring output_dir, logging_steps, bf16 "
                       "(they do not change the learning rate)\n")
    assert '"num_training_steps": 25, "num_warmup_steps": 0, "lr": [' in run.out


@pytest.mark.parametrize("key, words", [
    ("warmup_step", "did you mean 'warmup_steps'"),
    ("learning_rte", "did you mean 'learning_rate'"),
    ("per_device_batch_size", "did you mean 'per_device_train_batch_size'"),
    ("world_size", "goes at the top level"),
])
def test_near_misses_are_refused_with_the_key_meant(key, words):
    with pytest.raises(SpecError, match=words) as info:
        load_spec(trainer(**{key: 3}) if key != "world_size" else {**BASE, "transformers": {"world_size": 2}})
    assert info.value.key.startswith("transformers.")


@pytest.mark.parametrize("key, value", [("lr", 0.1), ("epochs", 3), ("batch_size", 8), ("interval", "step"),
                                        ("scheduler", {"type": "StepLR", "step_size": 2})])
def test_spec_keys_that_the_form_says_otherwise_are_refused(key, value):
    with pytest.raises(SpecError, match="cannot go with transformers:") as info:
        load_spec(trainer(**{key: value}))
    assert info.value.key == key


def test_plateau_and_greedy_need_the_scheduler_form():
    with pytest.raises(SpecError, match="after each evaluation"):
        load_spec(trainer(lr_scheduler_type="reduce_lr_on_plateau"))


def test_warmup_ratio_is_the_4x_key():
    r = result_of(trainer(warmup_ratio=0.1, num_train_epochs=4))
    assert dict(r.shown) == {"num_training_steps": 100, "num_warmup_steps": 10}
    r = result_of(trainer(warmup_ratio=0.1, warmup_steps=3, num_train_epochs=4))
    assert dict(r.shown)["num_warmup_steps"] == 3


def test_kwargs_a_json_string_and_ignored_for_constant():
    r = result_of(trainer(lr_scheduler_type="cosine", lr_scheduler_kwargs='{"num_cycles": "1"}'))
    assert r.lr[-1, 0] > 0.9 * 1e-4          # one whole cosine: back up near the peak
    doc = load_spec(trainer(lr_scheduler_type="constant", lr_scheduler_kwargs={"bogus": 1}))
    assert "lr_scheduler_kwargs.bogus" in doc.schedules[0].notes[0]


def test_streaming_dataset_needs_max_steps():
    spec = {"transformers": {"max_steps": 30}}
    r = result_of(spec)
    assert (r.epochs, r.steps_per_epoch) == (30, 30)
    with pytest.raises(SpecError, match="give dataset_size"):
        load_spec({"transformers": {"num_train_epochs": 2}})


def test_golden_data_is_what_transformers_computes(transformers):
    """transformers.json is byte for byte what tests/golden/make_transformers.py writes with
    the libraries installed (CI: torch 2.13.0, transformers 5.24.0)."""
    text = load_generator("make_transformers").render()
    assert text == (GOLDEN_DIR / "transformers.json").read_text(encoding="utf-8")


# --- the README's section shows what lrsched prints ------------------------------------------
def readme_section() -> str:
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Hugging Face schedules")
    return text[start:text.index("\n## ", start + 1)]


def test_the_readme_tables_are_what_lrsched_prints(cli, monkeypatch):
    import re
    import shlex

    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```console\n\$ lrsched (table [^\n]*)\n(.*?)```", readme_section(), re.S)
    assert len(blocks) == 2
    for command, shown in blocks:
        run = cli(*shlex.split(command))
        assert run.code == 0 and run.out == shown, command


def test_the_readme_note_and_counts_are_what_lrsched_says(cli, monkeypatch):
    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    section = " ".join(readme_section().split())
    run = cli("table", "configs/transformers-llm-finetune.yaml", "-f", "json", "--at", "0")
    assert " ".join(run.err.split()) in section
    assert '"num_training_steps": 1221, "num_warmup_steps": 37' in run.out
    assert '"num_training_steps": 1221, "num_warmup_steps": 37`' in section


def test_a_transformers_schedule_drives_a_simulation(cli, write_spec):
    """simulate --schedule: num_training_steps left out spans the simulation's rows."""
    import json

    path = write_spec("lr: 0.01\nscheduler: {type: transformers.linear, num_warmup_steps: 5}\n")
    run = cli("simulate", "rosenbrock", "--schedule", path, "--steps", "20", "-O", "sgd", "--lr", "0.001",
              "-f", "json")
    assert run.code == 0, run
    assert len(json.loads(run.out)[0]["path"]) == 21
