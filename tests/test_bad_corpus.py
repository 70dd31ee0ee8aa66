"""The corpus of bad specs (tests/bad/): every file is refused with exactly the error line its
header (or sidecar) states, exit 2; and the corpus covers every keyword of every scheduler
in the registry with one bad value per kind of constraint, as tests/bad/make_corpus.py
generates it, and every training-unit and warmup key (run that script again when the
registry or the unit tables change, and review its diff)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

BAD = ROOT / "tests" / "bad"
sys.path.insert(0, str(BAD))
import make_corpus  # noqa: E402

from lrsched.optimizers import TORCH_OPTIMIZERS  # noqa: E402
from lrsched.schedules import REGISTRY  # noqa: E402
from lrsched.units import UNIT_PARAMS, WARMUP_PARAMS  # noqa: E402

FILES = sorted(BAD.glob("*.yaml"))
REGENERATE = "regenerate with `python tests/bad/make_corpus.py` and review the diff it prints"


def header(path: Path, tag: str) -> str | None:
    for line in path.read_bytes().decode("utf-8", "replace").splitlines()[:3]:
        if line.startswith(tag):
            return line[len(tag):]
    return None


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_refused_with_the_exact_message(path, monkeypatch):
    expected = make_corpus.read_expectation(path)
    assert expected, f"{path.name} states no expected error ({REGENERATE})"
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("LRSCHED_MEMORY_LIMIT", raising=False)
    run = run_cli("table", f"tests/bad/{path.name}")
    assert run.code == 2, run
    assert run.out == ""
    assert run.err == expected + "\n"


def test_every_registry_keyword_is_covered():
    covered = {header(p, make_corpus.COVERS) for p in FILES} - {None}
    missing = [f"{d.type}.{p.name}" for d in REGISTRY.values() for p in d.params + d.extra_keys
               if f"{d.type}.{p.name}" not in covered]
    assert not missing, f"no corpus file for {', '.join(missing)}: {REGENERATE}"


def test_every_trainer_key_is_covered():
    """Every TrainingArguments key the Trainer form reads (SPEC.md section 5) has its bad
    values in the corpus."""
    from lrsched.schedules.transformers import TRAINER_PARAMS

    covered = {header(p, make_corpus.COVERS) for p in FILES} - {None}
    missing = [f"transformers.{p.name}" for p in TRAINER_PARAMS if f"transformers.{p.name}" not in covered]
    assert not missing, f"no corpus file for {', '.join(missing)}: {REGENERATE}"


def test_every_optimizer_keyword_is_covered():
    """Every keyword of every class in the one optimizer table has its bad values in the
    corpus, refused with the table's own message."""
    covered = {header(p, make_corpus.COVERS) for p in FILES} - {None}
    missing = [f"optimizer.{c.name}.{p.name}" for c in TORCH_OPTIMIZERS.values() for p in c.params
               if f"optimizer.{c.name}.{p.name}" not in covered]
    assert not missing, f"no corpus file for {', '.join(missing)}: {REGENERATE}"


def test_every_unit_key_is_covered():
    """Every training-unit key (UNIT_PARAMS) and every warmup key (WARMUP_PARAMS) has its bad
    values in the corpus, at the top level and in a `schedules:` entry: a new unit key
    without corpus cases fails here."""
    covered = {}
    for path in FILES:
        covers = header(path, make_corpus.COVERS)
        if covers is not None:
            covered.setdefault(covers, set()).add(path.name.rsplit("-", 1)[-1].removesuffix(".yaml"))
    keys = [f"units.{p.name}" for p in UNIT_PARAMS] + [f"warmup.{p.name}" for p in WARMUP_PARAMS]
    missing = [key for key in keys if covered.get(key, set()) != {"entry", "top"}]
    assert not missing, f"no corpus files (top level and entry) for {', '.join(missing)}: {REGENERATE}"


def test_every_unit_rule_has_a_class_case():
    """The refusals of training units that are not one key's bad value (SPEC.md section 4,
    issue "Bad input") each have a hand-written case of class `units`."""
    units = {p.name for p in FILES if header(p, "# class: ") == "units"}
    rules = ["units-steps-per-epoch-with-", "units-steps-per-epoch-merged-", "units-batch-size-without-",
             "units-dataset-size-without-", "units-world-size-alone", "units-grad-accum-alone",
             "units-drop-last-alone", "units-zero-updates-", "units-interval-plural", "units-interval-capitalised",
             "units-max-steps-zero", "units-max-steps-without-units", "units-max-steps-huge",
             "warmup-steps-and-epochs", "warmup-no-length", "warmup-epochs-without-units", "warmup-not-mapping",
             "warmup-unknown-key", "warmup-before-plateau", "warmup-before-chained", "warmup-start-factor-zero",
             "warmup-start-factor-above-one"]
    missing = [rule for rule in rules if not any(name.startswith(rule) for name in units)]
    assert not missing, f"no `units` class case for {missing}"


def test_every_generated_case_is_in_the_corpus():
    """The corpus is what the registry generates today: each keyword's every bad-value kind,
    with the same spec (a changed example or a new constraint kind needs regenerating)."""
    stale = []
    for name, covers_line, body in make_corpus.all_cases():
        path = BAD / name
        if not path.exists():
            stale.append(f"{name} (missing)")
            continue
        text = path.read_bytes()
        if (BAD / (name + make_corpus.SIDECAR)).exists():
            if text != body:
                stale.append(f"{name} (body differs)")
            continue
        if text.split(b"\n", 2)[2:] != [body] or header(path, covers_line.split(": ")[0] + ": ") is None:
            stale.append(f"{name} (body differs)")
    names = {name for name, _, _ in make_corpus.all_cases()}
    stale += [f"{p.name} (no longer generated)" for p in FILES if p.name not in names]
    assert not stale, f"{len(stale)} corpus files out of date, e.g. {stale[:5]}: {REGENERATE}"


def test_every_constraint_kind_has_bad_values():
    """make_corpus knows how to break every kind of constraint the registry uses (an unknown
    kind only gets the generic 'a mapping' value: teach make_corpus.bad_values about it)."""
    generic = [("type", {"unexpected": "mapping"})]
    unknown = sorted({type(p.constraint).__name__ for d in REGISTRY.values() for p in d.params + d.extra_keys
                      if make_corpus.bad_values(p.constraint) == generic})
    assert not unknown, f"make_corpus.bad_values does not know {unknown}"
