"""``lrsched export``: the script prints exactly what ``lrsched table --format plain`` prints.

Without torch: every config's script compiles and reads as the contract says (construction
first, then the loop).  With torch (CI's torch job): the scripts of every config and of every
golden spec (tests/golden/schedules.json and units.json) are run, and their output is
compared with the table, byte for byte."""

import contextlib
import io
import runpy

import pytest

from conftest import ROOT, load_golden, run_cli
from lrsched.errors import SpecError
from lrsched.export import script
from lrsched.render.table import plain_lines
from lrsched.engine import compute
from lrsched.spec import load_spec

CONFIGS = sorted((ROOT / "configs").glob("*.yaml")) + sorted((ROOT / "configs" / "lint").glob("*.yaml"))
# export writes torch's, transformers' and timm's schedulers; a library's configs run with
# that library installed (CI's library job)
TIMM_CONFIGS = [p for p in CONFIGS if p.name.startswith("timm-")]
TORCH_CONFIGS = [p for p in CONFIGS if not p.name.startswith("transformers-") and p not in TIMM_CONFIGS]
HF_CONFIGS = [p for p in CONFIGS if p.name.startswith("transformers-")]


def table_text(spec) -> str:
    document = load_spec(spec)
    return "".join(plain_lines([compute(s) for s in document.schedules]))


def golden_specs() -> list:
    """(id, spec) of every golden case lrsched computes."""
    out = [(c["id"], c["spec"]) for c in load_golden("schedules.json")["cases"]]
    out += [("units-" + c["id"], c["spec"]) for c in load_golden("units.json")["cases"]]
    return out


@pytest.mark.parametrize("path", TORCH_CONFIGS + HF_CONFIGS + TIMM_CONFIGS,
                         ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_every_config_exports_a_script_that_compiles(path):
    text = script(path)
    compile(text, str(path) + ".py", "exec")        # compiled, not run: torch may be absent
    construction = text.index("# -- construction: paste this part into your training script")
    loop = text.index("# -- the loop: one line per row")
    assert text.index("import torch") < construction < loop
    assert "print(f\"lr of " in text[loop:]
    assert "eval(" not in text and "exec(" not in text


def test_script_reads_as_written_by_hand():
    text = script({"epochs": 30, "steps_per_epoch": 10, "interval": "step",
                   "warmup": {"steps": 50, "start_factor": 0.01},
                   "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
                   "scheduler": {"type": "LambdaLR", "lr_lambda": "lambda step: 0.5 ** floor(step / 100)"}})
    assert "import math" in text
    assert ("warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=50)" in text)
    assert "lambda_lr = lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda step: 0.5 ** math.floor(step / 100))" in text
    assert "scheduler = lr_scheduler.SequentialLR(optimizer, schedulers=[warmup, lambda_lr], milestones=[50])" in text
    assert "optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9)" in text
    assert "        scheduler.step()  # interval: step: after every update" in text


def test_param_groups_and_plateau_metrics():
    text = script({"optimizer": {"type": "Adam", "lr": 0.01, "param_groups": [{"lr": 0.01}, {"lr": 0.001, "betas": [0.8, 0.99]}]},
                   "epochs": 4, "scheduler": {"type": "ReduceLROnPlateau", "metrics": [1.0, 0.5, 0.5]}})
    assert '{"params": [params[0]], "betas": (0.9, 0.999)},' in text
    assert '{"params": [params[1]], "lr": 0.001, "betas": (0.8, 0.99)},' in text
    assert "], lr=0.01)" in text      # the constructor's lr: optimizer.defaults["lr"]
    assert "metrics = [1.0, 0.5, 0.5]" in text and "scheduler.step(metrics[epoch])" in text


def test_a_python_function_cannot_be_exported():
    with pytest.raises(SpecError, match="cannot be exported"):
        script({"lr": 0.1, "epochs": 3, "scheduler": {"type": "LambdaLR", "lr_lambda": lambda e: 0.5 ** e}})


def test_command_writes_the_script(tmp_path):
    out = tmp_path / "s.py"
    run = run_cli("export", str(ROOT / "configs/steplr.yaml"), "-o", str(out))
    assert run.code == 0 and run.out == "" and run.err == f"wrote {out}\n"
    assert out.read_text() == script(ROOT / "configs/steplr.yaml", source=str(ROOT / "configs/steplr.yaml"))
    stdout = run_cli("export", str(ROOT / "configs/steplr.yaml"))
    assert stdout.out == out.read_text()


def test_command_refusals(tmp_path):
    spec = str(ROOT / "configs/steplr.yaml")
    run = run_cli("export", spec, "--to", "timm")
    assert run.code == 2 and run.err == ("error: --to: this spec's schedulers are torch's; --to timm exports "
                                         "timm's schedules\n")
    assert run_cli("export", spec, "-o", spec).code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("lr: 0.1\nepochs: 3\nscheduler: {type: StepLR, step_size: 0}\n")
    run = run_cli("export", str(bad))
    assert run.code == 2 and run.err.startswith(f"error: {bad}:3: scheduler.step_size: ")


# ------------------------------------------------------------------ with torch: the contract

def run_script(text: str) -> str:
    out = io.StringIO()
    import warnings

    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = _write(text)
        runpy.run_path(path, run_name="__main__")
    return out.getvalue()


_FILES = []


def _write(text: str) -> str:
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8")
    with handle:
        handle.write(text)
    _FILES.append(handle.name)
    return handle.name


@pytest.fixture(autouse=True)
def _cleanup():
    yield
    import os

    while _FILES:
        os.unlink(_FILES.pop())


@pytest.mark.parametrize("path", TORCH_CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_config_scripts_print_the_table(torch, path):
    assert run_script(script(path)) == table_text(path)


@pytest.mark.parametrize("path", HF_CONFIGS, ids=lambda p: p.name)
def test_transformers_config_scripts_print_the_table(transformers, path):
    assert run_script(script(path)) == table_text(path)


def test_transformers_golden_spec_scripts_print_the_table(transformers):
    """Every transformers golden spec (260 of the type form, 74 of the Trainer form): through
    get_scheduler, the script prints the table."""
    golden = load_golden("transformers.json")
    specs = [(c["id"], c["spec"]) for c in golden["cases"] + golden["trainer"]]
    differ = [case_id for case_id, spec in specs if run_script(script(spec)) != table_text(spec)]
    assert len(specs) >= 334 and differ == []


@pytest.mark.parametrize("path", TIMM_CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_timm_config_scripts_print_the_table(timm, path):
    assert run_script(script(path)) == table_text(path)


def test_timm_golden_spec_scripts_print_the_table(timm):
    """Every timm golden spec (the classes and the timm: form): through timm's own classes
    and train.py's loop, the script prints the table."""
    golden = load_golden("timm.json")
    specs = [(c["id"], c["spec"]) for c in golden["cases"]]
    differ = [case_id for case_id, spec in specs if run_script(script(spec)) != table_text(spec)]
    assert len(specs) >= 333 and differ == []


def test_timm_exports_its_class():
    text = script(ROOT / "configs" / "timm-cycles.yaml")
    assert "from timm.scheduler import CosineLRScheduler" in text
    assert ("scheduler = CosineLRScheduler(optimizer, t_initial=10, lr_min=0.0001, cycle_mul=2, cycle_decay=0.5, "
            "cycle_limit=3, warmup_t=3, warmup_lr_init=0.0001, warmup_prefix=True)") in text
    assert "scheduler.step_update(num_updates=epoch + 1)" in text


def test_trainer_form_exports_through_get_scheduler():
    text = script(ROOT / "configs" / "transformers-llm-finetune.yaml")
    assert "from transformers import get_scheduler" in text
    assert ('scheduler = get_scheduler("cosine_with_min_lr", optimizer, num_warmup_steps=37, '
            'num_training_steps=1221, scheduler_specific_kwargs={"min_lr_rate": 0.1})') in text
    assert "# as the Trainer counts them (transformers 5.24): 407 updates an epoch; num_training_steps = 1221, " \
           "num_warmup_steps = 37" in text


def test_golden_spec_scripts_print_the_table(torch):
    """Every golden spec (209 of schedules.json, 76 of units.json): its script's output is
    the table's, byte for byte."""
    specs = golden_specs()
    differ = [case_id for case_id, spec in specs if run_script(script(spec)) != table_text(spec)]
    assert len(specs) >= 285 and differ == []


def test_the_readme_shows_what_export_writes(monkeypatch):
    import re

    readme = (ROOT / "README.md").read_text()
    (shown,) = re.findall(r"```console\n\$ lrsched export configs/units-cifar-onecycle.yaml\n(.*?)```", readme, re.S)
    monkeypatch.chdir(ROOT)
    assert run_cli("export", "configs/units-cifar-onecycle.yaml").out == shown
