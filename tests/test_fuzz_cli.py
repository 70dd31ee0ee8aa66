"""Fuzzing the whole CLI: whatever YAML a user writes, `lrsched table` ends with exit 0 (and
its output) or exit 2 and exactly one `error:` line; never a traceback, never an "internal
error" (a bug caught by the last-resort handler).

Documents are drawn three ways: a registry example with random mutations (values of the
wrong type, NaN, inf, negative, huge, random expressions, misspelt or unknown keywords and
scheduler names, keys dropped, several schedules, optimizers and param groups, training units
and warmups at the top level and in `schedules:` entries), random YAML values, and random
text; with random `--per` (table) and `--x` (plot) values.  `derandomize=True`: the same cases
every run; LRSCHED_MEMORY_LIMIT is set, so the same refusals on every machine.
"""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from lrsched.schedules import REGISTRY
from lrsched.schedules.transformers import TRAINER_PARAMS, TRAINING_ARGUMENTS, UNIT_KEYS_HERE
from lrsched.spec import TOP_KEYS
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.units import DERIVATION, INTERVALS, UNIT_PARAMS, WARMUP_PARAMS
from lrsched.schedules.timm_factory import NAMES as TIMM_FACTORY_KEYS

SCHEDULERS = sorted(REGISTRY)
KEYWORDS = sorted({p.name for d in REGISTRY.values() for p in d.params + d.extra_keys})
OPTIMIZERS = sorted(TORCH_OPTIMIZERS)
OPTIMIZER_KEYS = sorted({p.name for c in TORCH_OPTIMIZERS.values() for p in c.params}) + ["param_groups", "initial_lr"]
UNIT_KEYS = [p.name for p in UNIT_PARAMS]
WARMUP_KEYS = [p.name for p in WARMUP_PARAMS]


def misspelt(words):
    """A word from ``words``, sometimes misspelt the ways people do."""
    def mangle(word, how, i):
        if not word:
            return word
        i %= len(word)
        return [word, word.lower(), word.upper(), word[:i] + word[i + 1:], word[:i] + word[i] + word[i:],
                word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:], word + "s", " " + word][how]
    return st.builds(mangle, st.sampled_from(words), st.integers(0, 7), st.integers(0, 40))


EXPRESSIONS = st.sampled_from([
    "lambda epoch: 0.95 ** epoch", "0.5 ** (epoch // 3)", "1 / epoch", "1 / (epoch + 1)", "epoch", "x", "1 / x",
    "lambda x: 1 / (2.0 ** (x - 1))", "9 ** 9 ** 9", "exp(epoch)", "log(epoch)", "sqrt(-1)", "__import__('os')",
    "epoch.__class__", "open('f')", "lambda: 1", "lambda e: e", "", "nan", "1e999", "-epoch", "epoch % 0",
    "min(1, (epoch + 1) / 5)", "(-1) ** 0.5", "epoch if epoch else", "[1, 2]", "'s'", "10 ** 10 ** 10",
]) | st.text(max_size=12)

NUMBERS = st.one_of(
    st.integers(-5, 50), st.integers(-2 ** 70, 2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 0.0, -0.0, 1e-3, 0.5, 1.0, 2, 1e300, -1e300, 5e-324, 2 ** 31, 2 ** 63, 10 ** 12]),
)
SCALARS = st.one_of(NUMBERS, EXPRESSIONS, st.booleans(), st.none(), misspelt(SCHEDULERS), misspelt(OPTIMIZERS))
VALUES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    misspelt(KEYWORDS + OPTIMIZER_KEYS + list(TOP_KEYS)) | st.text(max_size=5), c, max_size=3), max_leaves=8)
# counts for unit keys: small ones (runs of at most 300 x 64 rows), and large ones that no
# memory holds (10**15 < 2**53 reaches the memory guard, even divided by 64**3) or that are
# beyond 2**53; no middle ground, which would print millions of rows
UNIT_COUNTS = st.one_of(st.integers(-3, 64), st.sampled_from([
    0, -1, 1, 2, 0.5, 2.5, 4.0, 1e300, -1e300, 5e-324, math.nan, math.inf, -math.inf, 10 ** 15, -10 ** 15,
    2 ** 53 + 1, 2 ** 63, 2 ** 70, "4", "four", "", [4], {"steps": 2}]))
UNIT_VALUES = st.one_of(UNIT_COUNTS, UNIT_COUNTS, st.booleans(), st.none(), st.sampled_from(INTERVALS),
                        misspelt(list(INTERVALS)), EXPRESSIONS)
# the unit keys of a spec or an entry: a few keys with any values, or units that make sense
# (steps_per_epoch, or a derivation), sometimes with a bad value among them
SENSIBLE_UNITS = st.one_of(
    st.fixed_dictionaries({"steps_per_epoch": st.integers(1, 20)},
                          optional={"interval": st.sampled_from(INTERVALS), "max_steps": st.integers(1, 90)}),
    st.fixed_dictionaries({"dataset_size": st.integers(1, 100), "batch_size": st.integers(1, 32)},
                          optional={"world_size": st.integers(1, 8), "grad_accum": st.integers(1, 8),
                                    "drop_last": st.booleans(), "interval": st.sampled_from(INTERVALS),
                                    "max_steps": st.integers(1, 90)}))
UNITS = st.one_of(
    SENSIBLE_UNITS, SENSIBLE_UNITS,
    st.builds(lambda units, key, value: {**units, key: value}, SENSIBLE_UNITS, st.sampled_from(UNIT_KEYS), UNIT_VALUES),
    st.dictionaries(st.sampled_from(UNIT_KEYS) | misspelt(UNIT_KEYS), UNIT_VALUES, min_size=1, max_size=4))
FACTORS = st.floats(1e-3, 1) | NUMBERS
WARMUPS = st.one_of(
    st.fixed_dictionaries({"steps": st.integers(1, 20)}, optional={"start_factor": FACTORS}),
    st.fixed_dictionaries({"steps": st.integers(1, 20)}, optional={"start_factor": FACTORS}),
    st.fixed_dictionaries({"epochs": st.integers(1, 3)}, optional={"start_factor": FACTORS}),
    st.dictionaries(st.sampled_from(WARMUP_KEYS) | misspelt(WARMUP_KEYS), st.one_of(UNIT_COUNTS, NUMBERS, SCALARS),
                    max_size=3),
    SCALARS)
TIMM_VALUES = st.one_of(st.sampled_from(["cosine", "tanh", "step", "multistep", "plateau", "poly", "wsd", "rsqrt",
                                          "constant", "none", "cosin", [0.5], [0.2, 0.8], [0.5, 0.1, 0.9]]),
                        NUMBERS, st.booleans(), st.lists(NUMBERS, max_size=4), SCALARS)
EPOCHS = st.one_of(st.integers(-3, 300), st.sampled_from([0, 10 ** 12, 2 ** 63, 1e4, 1.5, "10", None,
                                                          math.nan, math.inf, -math.inf, [5], True]))


@st.composite
def mutated_examples(draw):
    """A registry example, then a few random changes."""
    definition = REGISTRY[draw(st.sampled_from(SCHEDULERS))]
    spec = copy.deepcopy(dict(definition.example))
    spec["scheduler"] = dict(spec["scheduler"])
    for _ in range(draw(st.integers(0, 4))):
        target = draw(st.sampled_from(["param", "param", "param", "new-key", "drop", "type", "epochs", "lr",
                                       "optimizer", "groups", "top", "schedules", "units", "units",
                                       "warmup", "entry-units", "timm"]))
        sched = spec["scheduler"] if isinstance(spec.get("scheduler"), dict) else None
        if target == "param" and sched is not None:
            key = draw(st.sampled_from(list(definition.keys()) or ["type"]))
            sched[key] = draw(VALUES if draw(st.booleans()) else SCALARS)
        elif target == "new-key" and sched is not None:
            sched[draw(misspelt(list(definition.keys()) + KEYWORDS))] = draw(SCALARS)
        elif target == "drop":
            container = sched if sched is not None and draw(st.booleans()) else spec
            if container:
                container.pop(draw(st.sampled_from(sorted(container, key=str))), None)
        elif target == "type" and sched is not None:
            sched["type"] = draw(misspelt(SCHEDULERS) | SCALARS)
        elif target == "epochs":
            spec["epochs"] = draw(EPOCHS)
        elif target == "lr":
            spec.pop("optimizer", None)
            spec["lr"] = draw(NUMBERS | SCALARS)
        elif target == "optimizer":
            spec.pop("lr", None)
            optimizer = draw(st.fixed_dictionaries(
                {"type": misspelt(OPTIMIZERS)},
                optional={"lr": NUMBERS, "momentum": NUMBERS, "betas": st.lists(NUMBERS, max_size=3)}))
            if draw(st.booleans()):
                optimizer[draw(misspelt(OPTIMIZER_KEYS))] = draw(SCALARS)
            spec["optimizer"] = optimizer
        elif target == "groups":
            optimizer = spec.setdefault("optimizer", {"type": "SGD", "momentum": 0.9})
            if isinstance(optimizer, dict):
                spec.pop("lr", None)
                group = st.fixed_dictionaries({"lr": NUMBERS}, optional={
                    "momentum": NUMBERS, "initial_lr": NUMBERS, "lr_scale": NUMBERS | SCALARS,
                    "oops": SCALARS, "momentun": SCALARS, "betas": st.lists(NUMBERS, max_size=3)})
                optimizer["param_groups"] = draw(st.lists(group, max_size=3) | VALUES)
        elif target == "top":
            spec[draw(misspelt(list(TOP_KEYS)) | st.text(max_size=4))] = draw(VALUES)
        elif target == "timm":                    # the create_scheduler_v2 form in place of scheduler
            if draw(st.booleans()):
                spec.pop("scheduler", None)
            spec["timm"] = draw(st.dictionaries(misspelt(list(TIMM_FACTORY_KEYS)), TIMM_VALUES, max_size=6)
                                | VALUES)
        elif target == "schedules":
            entries = [{k: v for k, v in spec.items() if k != "epochs"}]
            entries += draw(st.lists(st.fixed_dictionaries({"scheduler": st.just(copy.deepcopy(spec.get("scheduler")))},
                                                          optional={"name": SCALARS}), max_size=2))
            spec = {"epochs": spec.get("epochs", 5), "schedules": entries}
            definition = REGISTRY["StepLR"]
        elif target == "units":   # at the top level: the whole spec's, or the entries' defaults
            spec.update(draw(UNITS))
        elif target == "warmup":
            spec["warmup"] = draw(WARMUPS)
        elif target == "entry-units":
            entries = spec.get("schedules")
            entry = draw(st.sampled_from(entries)) if isinstance(entries, list) and entries else None
            if isinstance(entry, dict):
                entry.update(draw(UNITS | WARMUPS.map(lambda warmup: {"warmup": warmup})))
    return spec


@st.composite
def unit_examples(draw):
    """A registry example with training units (and a warmup) at the top level, in
    `schedules:` entries, or both."""
    definition = REGISTRY[draw(st.sampled_from(SCHEDULERS))]
    spec = copy.deepcopy(dict(definition.example))
    spec["scheduler"] = dict(spec["scheduler"])
    if draw(st.booleans()):
        spec["epochs"] = draw(st.integers(1, 12) | EPOCHS)
    where = draw(st.sampled_from(["top", "top", "entries", "both"]))
    if where in ("top", "both"):
        spec.update(draw(UNITS))
        if draw(st.booleans()):
            spec["warmup"] = draw(WARMUPS)
    if where in ("entries", "both"):
        step = st.builds(lambda name, kind: {"name": name, "scheduler": {"type": kind, "step_size": 2}},
                         st.text(min_size=1, max_size=3), st.sampled_from(["StepLR", "StepRL"]))
        entries = [{"scheduler": spec.pop("scheduler")}] + draw(st.lists(step, max_size=2))
        for entry in entries:
            entry.update(draw(st.just({}) | UNITS))
            if draw(st.booleans()):
                entry["warmup"] = draw(WARMUPS)
        spec["schedules"] = entries
    return spec


DOCUMENTS = st.one_of(
    mutated_examples(), mutated_examples(), mutated_examples(), mutated_examples(),
    unit_examples(), unit_examples(),
    VALUES,
    st.dictionaries(misspelt(list(TOP_KEYS)), VALUES, max_size=5),
)


def as_yaml(doc) -> str:
    return yaml.safe_dump(doc, default_flow_style=bool(hash(repr(doc)) % 2), allow_unicode=True, sort_keys=False)


RAW_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["lr: 0.1\n", "epochs: 5\n", "scheduler:\n", "  type: StepLR\n", "  step_size: 2\n",
                              "\t", " ", "- ", "&a ", "*a ", "<<: *a\n", "!!python/object:os.system\n", "{", "}",
                              "[", "]", ": ", "'", '"', "#", "\r\n", "\ufeff", "%YAML 1.1\n", "---\n", "...\n",
                              "? ", "|\n", ">\n", "1e3", ".nan", "~", "\x00", "\x85"]), max_size=20).map("".join),
)

PER = st.one_of(st.sampled_from(["step", "epoch"]), st.sampled_from(["step", "epoch"]), misspelt(["step", "epoch"]),
                st.text(max_size=5))
ARGS = st.builds(lambda args, per: args + per,
                 st.sampled_from([["-f", "json"], ["-f", "json"], ["-f", "csv"], ["-f", "plain"], ["-f", "rich"],
                                  ["-f", "json", "--epochs", "7"], ["-f", "plain", "--epochs", "1e12"],
                                  ["-f", "json", "--schedule", "StepLR"]]),
                 st.one_of(st.just([]), st.just([]), PER.map(lambda per: ["--per", per])))

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True, scope="module")
def memory_limit():
    """A memory budget of its own: the same refusals on every machine, and no accepted run of
    more than a couple of million rows."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LRSCHED_MEMORY_LIMIT", "300M")
        yield


def check(code: int, out: str, err: str, args) -> None:
    """Exit 0 with its output and a quiet stderr, or exit 2 and one `error:` line."""
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    if code == 0:
        # the one thing a command may say about a spec it accepts: the Trainer form's note on
        # the TrainingArguments keys it ignored
        assert all(line.startswith("note: ") and ": transformers: ignoring " in line
                   for line in err.splitlines()), err
        if args[:2] == ["-f", "json"]:
            assert isinstance(json.loads(out), list)
        _event("accepted")
    else:
        assert code == 2, (code, err)
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert out == ""
        _event("refused")


def _event(name: str) -> None:
    try:
        event(name)
    except Exception:   # outside a hypothesis test (the deterministic sweep below)
        pass


@FUZZ
@given(DOCUMENTS, ARGS)
def test_any_yaml_document_ends_cleanly(doc, args):
    table_of_document(doc, args)


def table_of_document(doc, args) -> None:
    """`lrsched table - ARGS` on ``doc`` as YAML ends in output or one error line."""
    try:
        text = as_yaml(doc)
    except yaml.YAMLError:   # pragma: no cover - safe_dump takes every value drawn
        return
    run = run_cli("table", "-", *args, stdin=text)
    check(run.code, run.out, run.err, args)


@settings(FUZZ, max_examples=150)
@given(RAW_TEXT, ARGS)
def test_any_text_ends_cleanly(text, args):
    run = run_cli("table", "-", *args, stdin=text)
    check(run.code, run.out, run.err, args)


@settings(FUZZ, max_examples=6)
@given(DOCUMENTS, ARGS)
def test_a_few_through_a_real_process(doc, args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="")
    proc = subprocess.run([sys.executable, "-m", "lrsched", "table", "-", *args], input=as_yaml(doc).encode(),
                          capture_output=True, env=env, timeout=120)
    check(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), args)


# ---- every keyword of every scheduler, with every extreme value, deterministically

EXTREMES = [0, -1, 1, 2, 2 ** 31, 2 ** 53, -2 ** 53, 2 ** 53 + 1, 2 ** 62, 2 ** 63, -2 ** 63, 2 ** 70, 1e308, -1e308,
            5e-324, -5e-324, 0.5, 1e-300, math.nan, math.inf, -math.inf, "x", "epoch", "1 / epoch", "", True, None,
            [], [1, 2], [1e308], {}, {"type": "StepLR"}, [2 ** 70], [-1e308, 1e308], [0.5, "x"]]

PARAMS = [(d.type, p.name) for d in REGISTRY.values() for p in d.params + d.extra_keys]


@pytest.mark.parametrize("scheduler, keyword", PARAMS, ids=[f"{s}.{k}" for s, k in PARAMS])
def test_every_keyword_with_extreme_values(scheduler, keyword):
    for value in EXTREMES:
        spec = copy.deepcopy(dict(REGISTRY[scheduler].example))
        spec["scheduler"] = dict(spec["scheduler"], **{keyword: value})
        run = run_cli("table", "-", "-f", "json", stdin=yaml.safe_dump(spec))
        check(run.code, run.out, run.err, ["-f", "json"])


# the unit keys and the warmup keys likewise, at the top level of a spec with units
UNITS_BASE = {"lr": 0.1, "epochs": 3, "steps_per_epoch": 4, "interval": "step",
              "scheduler": {"type": "StepLR", "step_size": 2}}
DERIVED_BASE = {"lr": 0.1, "epochs": 3, "dataset_size": 100, "batch_size": 10, "interval": "step",
                "scheduler": {"type": "StepLR", "step_size": 2}}
UNIT_SWEEP = [f"units.{key}" for key in UNIT_KEYS] + [f"warmup.{key}" for key in WARMUP_KEYS]


@pytest.mark.parametrize("key", UNIT_SWEEP)
def test_every_unit_key_with_extreme_values(key):
    where, name = key.split(".")
    derived = name in {p.name for p in DERIVATION}
    for i, value in enumerate(EXTREMES):
        spec = copy.deepcopy(DERIVED_BASE if derived else UNITS_BASE)
        if where == "units":
            spec[name] = value
        else:
            spec["warmup"] = {name: value} if name in ("steps", "epochs") else {"steps": 2, name: value}
        args = ["-f", "json"] if i % 2 else ["-f", "plain", "--per", "epoch"]
        run = run_cli("table", "-", *args, stdin=yaml.safe_dump(spec))
        check(run.code, run.out, run.err, args)


# ---- the Trainer form (SPEC.md section 5): every key it reads, with every extreme value

TRAINER = {"transformers": {"learning_rate": 1e-4, "lr_scheduler_type": "cosine", "num_train_epochs": 1,
                            "per_device_train_batch_size": 4}, "dataset_size": 100, "world_size": 2}
TRAINER_KEYS = [p.name for p in TRAINER_PARAMS] + list(UNIT_KEYS_HERE)
TRAINER_EXTREMES = EXTREMES + ["cosine", "greedy", "warmup_stable_decay", '{"num_cycles": 2}', "{oops",
                               {"min_lr_rate": 0.1}, {"num_warmup_steps": 3}, {"power": 2.0, "lr_end": 0}]


@pytest.mark.parametrize("keyword", TRAINER_KEYS)
def test_every_trainer_key_with_extreme_values(keyword):
    for value in TRAINER_EXTREMES:
        spec = copy.deepcopy(TRAINER)
        (spec if keyword in UNIT_KEYS_HERE else spec["transformers"])[keyword] = value
        run = run_cli("table", "-", "-f", "json", stdin=yaml.safe_dump(spec))
        check(run.code, run.out, run.err, ["-f", "json"])


TIMM_EXAMPLE = {"timm": {"sched": "cosine", "num_epochs": 12, "warmup_epochs": 2, "lr": 0.1}}


# each keyword under sched: cosine, and under the scheds that read it besides
TIMM_FACTORY_CASES = [("cosine", k) for k in TIMM_FACTORY_KEYS] + [
    ("step", "decay_epochs"), ("wsd", "decay_epochs"), ("multistep", "decay_milestones"),
    ("multistep", "decay_rate"), ("poly", "decay_rate"), ("plateau", "patience_epochs"),
    ("plateau", "plateau_mode"), ("plateau", "metrics"), ("plateau", "decay_rate"), ("rsqrt", "decay_fn"),
    ("rsqrt", "stable_timescale"), ("none", "num_epochs"), ("tanh", "cycle_limit")]


@pytest.mark.parametrize("sched, keyword", TIMM_FACTORY_CASES, ids=[f"{s}.{k}" for s, k in TIMM_FACTORY_CASES])
def test_every_timm_factory_keyword_with_extreme_values(sched, keyword):
    for value in EXTREMES:
        spec = copy.deepcopy(TIMM_EXAMPLE)
        spec["timm"].update({"sched": sched, keyword: value})
        run = run_cli("table", "-", "-f", "json", stdin=yaml.safe_dump(spec))
        check(run.code, run.out, run.err, ["-f", "json"])


@st.composite
def trainer_forms(draw):
    """The Trainer form with random keys: the ones it reads (misspelt at times), other
    TrainingArguments keys, top-level keys, and values of every kind."""
    spec = copy.deepcopy(TRAINER)
    for _ in range(draw(st.integers(0, 5))):
        target = draw(st.sampled_from(["read", "read", "other", "top", "kwargs", "drop"]))
        if target == "read":
            key = draw(misspelt([p.name for p in TRAINER_PARAMS]))
            spec["transformers"][key] = draw(NUMBERS | SCALARS | st.sampled_from(TRAINER_EXTREMES))
        elif target == "other":
            spec["transformers"][draw(st.sampled_from(TRAINING_ARGUMENTS))] = draw(SCALARS)
        elif target == "top":
            spec[draw(misspelt(list(TOP_KEYS)))] = draw(NUMBERS | SCALARS)
        elif target == "kwargs":
            spec["transformers"]["lr_scheduler_kwargs"] = draw(
                st.dictionaries(misspelt(KEYWORDS), NUMBERS | SCALARS, max_size=3) | VALUES)
        elif spec["transformers"]:
            spec["transformers"].pop(draw(st.sampled_from(sorted(spec["transformers"]))))
    return spec


@settings(FUZZ, max_examples=200)
@given(trainer_forms(), ARGS)
def test_any_trainer_form_ends_cleanly(doc, args):
    table_of_document(doc, args)


# ---- --every and --at: whatever a user types, its rows or one `error: --at:` line

ROW_TOKENS = st.sampled_from(["0", "1", "-1", "-9", "-10", "8", "9", "50%", "0%", "100%", "100.0%", "12.5%",
                              "101%", "-1%", "%", "nan%", "inf%", "1e2%", "1e400%", "1/2%", "1.5", "1e3", "0x1",
                              "", " ", "٣", "2**70", str(2 ** 70), str(-2 ** 70), "+3", "--1", "1_0", "50 %"])
ROWS = st.one_of(st.lists(ROW_TOKENS, min_size=1, max_size=5).map(",".join), st.text(max_size=12))
EVERY = st.one_of(st.none(), st.sampled_from(["1", "2", "3", "8", "9", "100", "1e1", "0", "-1", "x", "1.5",
                                              "1e400", str(2 ** 70)]), st.text(max_size=5))


@settings(FUZZ, max_examples=250)
@given(ROWS, EVERY, st.sampled_from(["json", "csv", "plain", "rich"]))
def test_any_rows_end_cleanly(at, every, fmt):
    args = ["-f", fmt, "--at", at] + ([] if every is None else ["--every", every])
    run = run_cli("table", *args)
    check(run.code, run.out, run.err, args)
    if run.code:
        assert run.err.startswith(("error: --at: ", "error: --every: ")), run.err
    elif fmt == "json":
        for entry in json.loads(run.out):
            assert entry["rows"] == sorted(set(entry["rows"])) and len(entry["rows"]) == len(entry["lr"])


SIZES = st.one_of(st.text(max_size=10), st.builds("{}x{}".format, st.integers(-5, 400), st.integers(-5, 120)))


@settings(FUZZ, max_examples=120)
@given(SIZES, st.sampled_from([[], ["--log"], ["--schedule", "cyclic"], ["--no-markers", "--title", "t"]]))
def test_any_terminal_size_ends_cleanly(size, args):
    args = ["--term", "--size", size, *args]
    run = run_cli("plot", *args)
    check(run.code, run.out, run.err, args)
    if run.code == 0:
        cols, rows = map(int, size.strip().lower().replace("×", "x").split("x"))
        lines = run.out.splitlines()
        assert len(lines) <= rows and max(map(len, lines)) <= cols


ROW_ARGS = st.sampled_from([["-f", "json", "--at", "0,-1,50%"], ["-f", "csv", "--every", "3"],
                            ["-f", "plain", "--at", "-2", "--every", "1e1"], ["-f", "rich", "--at", "100%,5"]])


@settings(FUZZ, max_examples=150)
@given(DOCUMENTS, ROW_ARGS)
def test_any_yaml_document_with_rows_ends_cleanly(doc, args):
    table_of_document(doc, args)


X = st.one_of(st.just([]), st.just([]), st.sampled_from(["step", "epoch"]).map(lambda x: ["--x", x]),
              st.one_of(misspelt(["step", "epoch"]), st.text(max_size=4)).map(lambda x: ["--x", x]))


@settings(FUZZ, max_examples=60)
@given(DOCUMENTS, X)
def test_any_yaml_document_plotted_ends_cleanly(doc, x):
    """`lrsched plot - --term` (units, warmups and --x included) ends in a plot or one error line."""
    args = ["--term", "--size", "60x12", *x]
    run = run_cli("plot", "-", *args, stdin=as_yaml(doc))
    check(run.code, run.out, run.err, args)


# ---- lint, export and check

@settings(FUZZ, max_examples=120)
@given(DOCUMENTS, st.sampled_from([[], ["--format", "json"], ["--ignore", "lr-grows"]]))
def test_any_yaml_document_linted_ends_cleanly(doc, args):
    """`lrsched lint -`: findings and exit 0 or 1, or exit 2 and one error line."""
    run = run_cli("lint", "-", *args, stdin=as_yaml(doc))
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    if run.code in (0, 1):
        if args[:2] == ["--format", "json"]:
            found = json.loads(run.out)
            assert all(f["rule"] and f["severity"] in ("error", "warning", "info") for f in found)
            assert (run.code == 1) == any(f["severity"] != "info" for f in found)
        else:
            assert all(line.endswith("]") for line in run.out.splitlines())
        _event("linted")
    else:
        check(run.code, run.out, run.err, args)


@settings(FUZZ, max_examples=80)
@given(DOCUMENTS)
def test_any_yaml_document_exported_ends_cleanly(doc):
    """`lrsched export -`: a script that compiles, or exit 2 and one error line."""
    run = run_cli("export", "-", stdin=as_yaml(doc))
    check(run.code, run.out if run.code else "", run.err, [])
    if run.code == 0:
        compile(run.out, "<export>", "exec")     # compiled, never run here


LOG_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.tuples(st.integers(-5, 60), st.one_of(st.floats(allow_nan=True), st.text(max_size=6))),
             max_size=40).map(lambda rows: "step,lr\n" + "".join(f"{s},{v}\n" for s, v in rows)),
    st.lists(st.dictionaries(st.sampled_from(["step", "global_step", "lr", "learning_rate", "Value"]),
                             st.one_of(st.integers(-3, 60), st.floats(), st.text(max_size=4), st.none())),
             max_size=20).map(lambda rows: "".join(json.dumps(r) + "\n" for r in rows)),
)


@settings(FUZZ, max_examples=150)
@given(LOG_TEXT)
def test_any_log_checked_ends_cleanly(tmp_path_factory, text):
    """`lrsched check SPEC LOG`: a verdict (exit 0 or 1) or exit 2 and one error line."""
    folder = tmp_path_factory.mktemp("check")
    log = folder / "log.csv"
    log.write_text(text, encoding="utf-8")
    run = run_cli("check", str(ROOT / "configs" / "cosineannealinglr.yaml"), str(log))
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    if run.code in (0, 1):
        assert run.err == "" and ("match: " in run.out) == (run.code == 0)
    else:
        check(run.code, run.out, run.err, [])
