"""Regenerate the corpus of bad specs in tests/bad/: one YAML file per class of bad input,
each headed by the exact error line lrsched gives for it.

    python tests/bad/make_corpus.py            # rewrite the corpus, list what changed
    python tests/bad/make_corpus.py --check    # only list differences; exit 1 if any

Two kinds of case:

* per parameter, generated from ``lrsched.schedules.REGISTRY``: for every scheduler's every
  keyword, the scheduler's own example with that keyword set to one bad value per kind of
  constraint it has (wrong type, out of range below/above, NaN, misspelt choice, bad list
  item, bad expression...).  New schedulers and keywords get theirs by running this again.
  Likewise from the optimizer table, and from the training units' tables
  (``lrsched.units.UNIT_PARAMS`` and ``WARMUP_PARAMS``), at the top level and in a
  ``schedules:`` entry.
* per class of mistake that is not one keyword's (YAML, structure, optimizer, expressions,
  epochs, training units, the cross-keyword refusals torch makes), written out below.

The expected line is what lrsched says *today*: review the diff this prints before committing
(a changed message is a changed contract).  A case lrsched does not refuse with exit 2 and one
`error:` line is reported and not written, so the coverage test fails until it is looked at.
Run from anywhere; paths in messages are relative to the repository (tests/bad/NAME.yaml).
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from lrsched.schedules import REGISTRY  # noqa: E402
from lrsched import constraints as P  # noqa: E402
from lrsched.optimizers import TORCH_OPTIMIZERS  # noqa: E402
from lrsched.units import DERIVATION, UNIT_PARAMS, WARMUP_PARAMS  # noqa: E402
from lrsched.schedules.transformers import TRAINER_PARAMS  # noqa: E402

EXPECT = "# expect: "
COVERS = "# covers: "
SIDECAR = ".expect"   # NAME.yaml.expect: for files that cannot carry a comment (empty, not UTF-8)


# ------------------------------------------------------------------ per-parameter cases

def bad_values(constraint, good=None) -> list[tuple[str, object]]:
    """(kind, bad value) for each way a value can break ``constraint``; ``good`` is a value
    it accepts, for the list forms that need one good item next to a bad one."""
    kind = type(constraint).__name__
    if isinstance(constraint, P.Maybe):   # null is fine: the inner constraint's bad values
        return bad_values(constraint.inner, good)
    if kind == "Requires":                # timm's keywords: the inner constraint, timm's reason added
        return bad_values(constraint.inner, good)
    if kind == "NoiseRange":              # timm's noise_range_t / the factory's noise
        return [("type", "soon"), ("nan", math.nan), ("length", [1, 2, 3]), ("item", [1, "x"]),
                ("empty", [])]
    if isinstance(constraint, P.Int):
        out = [("type", "three"), ("float", 2.5), ("bool", True), ("huge", 2 ** 64)]
        if constraint.low is not None:
            out.append(("below", constraint.low - 1))
        if constraint.high is not None:
            out.append(("above", constraint.high + 1))
        return out
    if isinstance(constraint, P.Real):
        out = [("type", "fast"), ("nan", math.nan), ("bool", False)]
        if constraint.low is None and constraint.high is None:
            out.append(("inf", math.inf))
        if constraint.low is not None:
            out.append(("below", constraint.low if not constraint.low_closed else constraint.low - 1))
        if constraint.high is not None:
            out.append(("above", constraint.high if not constraint.high_closed else constraint.high + 1))
        if constraint.float_only:
            out.append(("int", 0))
        return out
    if isinstance(constraint, P.Bool):
        return [("type", "yes please"), ("number", 1)]
    if isinstance(constraint, P.Choice):
        first = str(constraint.options[0])
        return [("misspelt", first[:-1] + ("x" if first[-1] != "x" else "y")), ("type", 3)]
    if isinstance(constraint, P.Str):
        return [("type", 3)]
    if isinstance(constraint, P.PerGroup):
        item = good if good is not None and not isinstance(good, (list, tuple)) else None
        out = [(k, v) for k, v in bad_values(constraint.inner) if k != "bool"]
        out.append(("empty-list", []))
        if item is not None:
            out.append(("bad-item", [item, "oops"]))
            out.append(("group-count", [item, item]))
        return out
    if isinstance(constraint, P.IntList):
        out = [("type", "3, 7"), ("item", [3, "x"]), ("item-float", [3, 2.5])]
        if constraint.low is not None:
            out.append(("item-below", [constraint.low - 1]))
        return out
    if isinstance(constraint, P.Expr):
        var = constraint.var
        other = "x" if var == "epoch" else "epoch"
        out = [("syntax", f"lambda {var}: {var} +"), ("name", f"{other} * 2"),
               ("attribute", f"{var}.__class__"), ("call", "__import__('os')"), ("type", {"a": 1}),
               ("lambda-arg", "lambda e, f: e"), ("runtime", f"1 / ({var} - 1)")]
        if constraint.per_group:
            out.append(("list-item", ["0.9", f"{other} * 2"]))
        return out
    if kind == "Metrics":
        return [("type", True), ("empty", []), ("item", [1.0, "x"]), ("expression", "epoch.real"),
                ("huge", [1.0, 2 ** 64])]
    if isinstance(constraint, P.Items):
        item = good[0] if isinstance(good, (list, tuple)) and good else 0.5
        out = [("type", "0.9"), ("length", [item] * (constraint.length + 1))]
        out += [(f"item-{k}", [item] * (constraint.length - 1) + [v])
                for k, v in bad_values(constraint.inner, item)[:2]]
        return out
    if isinstance(constraint, P.SchedulerList):
        return [("type", "StepLR"), ("item-type", [{"type": "StepRL", "step_size": 2}]), ("item", [3])]
    # a constraint this script does not know yet: a mapping is wrong for every keyword
    return [("type", {"unexpected": "mapping"})]


def example_spec(definition) -> dict:
    spec = copy.deepcopy(dict(definition.example))
    spec["scheduler"] = dict(spec["scheduler"])
    return spec


def param_cases():
    """(file name, spec mapping, covers) for every registry keyword and bad-value kind."""
    for definition in REGISTRY.values():
        for param in definition.params + definition.extra_keys:
            base = example_spec(definition)
            good = base["scheduler"].get(param.name, None if param.required else param.default)
            for kind, value in bad_values(param.constraint, good):
                spec = copy.deepcopy(base)
                spec["scheduler"][param.name] = value
                name = f"param-{definition.type.lower()}-{param.name.lower()}-{kind}.yaml"
                yield name, spec, f"{definition.type}.{param.name}"


def timm_factory_cases():
    """(file name, spec mapping, covers) for every keyword of timm's `timm:` form
    (create_scheduler_v2's), each bad-value kind of its constraint, under sched: cosine (and
    plateau for its metrics)."""
    from lrsched.schedules.timm_factory import PARAMS as FACTORY

    for param in FACTORY:
        base = {"timm": {"sched": "plateau" if param.name == "metrics" else "cosine", "num_epochs": 12,
                         "warmup_epochs": 2, "lr": 0.1}}
        good = base["timm"].get(param.name, param.default)
        for kind, value in bad_values(param.constraint, list(good) if isinstance(good, tuple) else good):
            spec = copy.deepcopy(base)
            spec["timm"][param.name] = value
            yield f"timm-factory-{param.name.lower()}-{kind}.yaml", spec, f"timm.{param.name}"


def optimizer_cases():
    """(file name, spec mapping, covers) for every keyword of every torch.optim class in the
    optimizer table, with each bad-value kind of its constraint."""
    for torch_class in TORCH_OPTIMIZERS.values():
        for param in torch_class.params:
            good = list(param.default) if isinstance(param.default, tuple) else param.default
            for kind, value in bad_values(param.constraint, good):
                spec = {"optimizer": {"type": torch_class.name, param.name: value}, "epochs": 3,
                        "scheduler": {"type": "StepLR", "step_size": 1}}
                name = f"optimizer-{torch_class.name.lower()}-{param.name.lower()}-{kind}.yaml"
                yield name, spec, f"optimizer.{torch_class.name}.{param.name}"


# a valid spec with training units: 3 epochs of 4 updates, the scheduler stepped per update
UNITS_BASE = {"lr": 0.1, "epochs": 3, "steps_per_epoch": 4, "interval": "step",
              "scheduler": {"type": "StepLR", "step_size": 2}}
# the same, its updates per epoch derived (100 examples in batches of 10)
DERIVED_BASE = {"lr": 0.1, "epochs": 3, "dataset_size": 100, "batch_size": 10, "interval": "step",
                "scheduler": {"type": "StepLR", "step_size": 2}}
# and with a warmup of 2 scheduler steps
WARMUP_BASE = {**UNITS_BASE, "warmup": {"steps": 2}}
WARMUP_LENGTH = ("steps", "epochs")   # a warmup has one of them: a bad one replaces steps: 2


def in_entry(spec: dict, key: str) -> dict:
    """``spec`` with ``key`` (and the scheduler) moved into its one ``schedules:`` entry; the
    other keys stay at the top level as the entry's defaults."""
    top = {k: v for k, v in spec.items() if k not in (key, "scheduler")}
    top["schedules"] = [{"name": "a", key: spec[key], "scheduler": spec["scheduler"]}]
    return top


def units_cases():
    """(file name, spec mapping, covers) for every unit key and every warmup key, with each
    bad-value kind of its constraint: the first kind inside a ``schedules:`` entry (so that
    both places are refused alike), the others at the top level."""
    derived = {p.name for p in DERIVATION}
    for param in UNIT_PARAMS:
        base = DERIVED_BASE if param.name in derived else UNITS_BASE
        for i, (kind, value) in enumerate(bad_values(param.constraint, param.default)):
            # the key in its own place, or the last one before the scheduler
            spec = {k: v for k, v in base.items() if k != "scheduler"}
            spec[param.name] = value
            spec["scheduler"] = dict(base["scheduler"])
            where = "entry" if i == 0 else "top"
            if i == 0:
                spec = in_entry(spec, param.name)
            name = f"units-{param.name.lower()}-{kind}-{where}.yaml"
            yield name, spec, f"units.{param.name}"
    for param in WARMUP_PARAMS:
        for i, (kind, value) in enumerate(bad_values(param.constraint, param.default)):
            spec = copy.deepcopy(WARMUP_BASE)
            warmup = {} if param.name in WARMUP_LENGTH else dict(spec["warmup"])
            warmup[param.name] = value
            spec["warmup"] = warmup
            where = "entry" if i == 0 else "top"
            if i == 0:
                spec = in_entry(spec, "warmup")
            name = f"warmup-{param.name.lower()}-{kind}-{where}.yaml"
            yield name, spec, f"warmup.{param.name}"


TRAINER_EXAMPLE = {"transformers": {"learning_rate": 2e-5, "lr_scheduler_type": "cosine", "warmup_steps": 0.03,
                                    "num_train_epochs": 2, "per_device_train_batch_size": 8},
                   "dataset_size": 1000, "world_size": 2}


def trainer_cases():
    """(file name, spec mapping, covers) for every TrainingArguments key the Trainer form
    reads (SPEC.md section 5), with each bad-value kind of its constraint."""
    for param in TRAINER_PARAMS:
        good = TRAINER_EXAMPLE["transformers"].get(param.name, param.default)
        for kind, value in bad_values(param.constraint, good):
            spec = copy.deepcopy(TRAINER_EXAMPLE)
            spec["transformers"][param.name] = value
            yield f"trainer-{param.name.lower()}-{kind}.yaml", spec, f"transformers.{param.name}"


def dump(spec: dict) -> str:
    """Block-style YAML, one keyword per line, so that each error has its own line."""
    class Dumper(yaml.SafeDumper):
        pass

    def flow_list(dumper, data):   # short lists of scalars stay on one line
        flow = all(not isinstance(v, (list, dict)) for v in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    Dumper.add_representer(list, flow_list)
    return yaml.dump(spec, Dumper=Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True)


# ------------------------------------------------------------------- classes of mistake

STEP = "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: 3\n"

CLASS_CASES: list[tuple[str, str, object]] = [
    # (file name, class, text or bytes)
    ("yaml-malformed.yaml", "yaml", "lr: 0.01\nscheduler: {type: StepLR, step_size: 3\nepochs: 9\n"),
    ("yaml-bad-indent.yaml", "yaml", "lr: 0.01\nscheduler:\n  type: StepLR\n    step_size: 3\n"),
    ("yaml-python-tag.yaml", "yaml", "lr: !!python/object/apply:os.system ['true']\n" + STEP[9:]),
    ("yaml-custom-tag.yaml", "yaml", "lr: !fast 0.01\n" + STEP[9:]),
    ("yaml-binary-tag.yaml", "yaml", "lr: !!binary aGk=\n" + STEP[9:]),
    ("yaml-duplicate-key.yaml", "yaml", STEP + "  step_size: 4\n"),
    ("yaml-duplicate-top-key.yaml", "yaml", "lr: 0.01\n" + STEP),
    ("yaml-two-documents.yaml", "yaml", STEP + "---\n" + STEP),
    ("yaml-undefined-alias.yaml", "yaml", "lr: *rate\n" + STEP[9:]),
    ("yaml-duplicate-anchor.yaml", "yaml", "lr: &a 0.01\nepochs: &a 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("yaml-recursive-alias.yaml", "yaml", "lr: 0.01\nepochs: 9\nscheduler: &s {type: StepLR, step_size: 3, again: *s}\n"),
    ("yaml-alias-bomb.yaml", "yaml", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9))),
    ("yaml-deep-nesting.yaml", "yaml", "lr: " + "[" * 70 + "]" * 70 + "\n" + STEP[9:]),
    ("yaml-control-character.yaml", "yaml", STEP + "name: a\x07b\n"),
    ("yaml-not-utf8.yaml", "yaml", (STEP + "name: caf\xe9\n").encode("latin-1")),
    ("yaml-tabs-ambiguous.yaml", "yaml", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  gamma:\n\tstep_size: 3\n"),
    ("yaml-merge-not-mapping.yaml", "yaml", "lr: 0.01\nepochs: 9\nscheduler:\n  <<: [1, 2]\n  type: StepLR\n"),
    ("yaml-mapping-key.yaml", "yaml", STEP + "[a, b]: 1\n"),
    ("structure-empty.yaml", "structure", b""),                 # expectation in a sidecar
    ("structure-comments-only.yaml", "structure", "# nothing but a comment\n"),
    ("structure-list.yaml", "structure", "- lr: 0.01\n- epochs: 9\n"),
    ("structure-scalar.yaml", "structure", "StepLR\n"),
    ("structure-unknown-key.yaml", "structure", STEP + "epoch: 9\n"),
    ("structure-missing-scheduler.yaml", "structure", "lr: 0.01\nepochs: 9\n"),
    ("structure-scheduler-string.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler: StepLR\n"),
    ("structure-scheduler-list.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler: [StepLR]\n"),
    ("structure-missing-type.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  step_size: 3\n"),
    ("structure-type-not-string.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  type: 3\n"),
    ("structure-unknown-scheduler.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepRL\n  step_size: 3\n"),
    ("structure-unknown-scheduler-far.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  type: Warmup\n"),
    ("structure-timm-scheduler.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  type: CosineLRScheduler\n"),
    ("structure-transformers-schedule.yaml", "structure",
     "lr: 0.01\nepochs: 9\nscheduler:\n  type: get_cosine_schedule_with_warmup\n"),
    ("structure-unknown-keyword.yaml", "structure", STEP + "  gama: 0.5\n"),
    ("structure-transformers-bare-name.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  type: cosine\n"),
    ("structure-transformers-misspelt.yaml", "structure",
     "lr: 0.01\nepochs: 9\nscheduler:\n  type: transformers.cosin\n  num_warmup_steps: 2\n"),
    ("units-transformers-interval-epoch.yaml", "units",
     "lr: 0.01\nepochs: 3\nsteps_per_epoch: 10\ninterval: epoch\nscheduler:\n  type: transformers.linear\n"
     "  num_warmup_steps: 2\n"),
    ("trainer-not-mapping.yaml", "trainer", "transformers: cosine\ndataset_size: 1000\n"),
    ("trainer-near-miss.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  warmup_step: 10\ndataset_size: 1000\n"),
    ("trainer-unknown-key.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  frobnicate: 1\ndataset_size: 1000\n"),
    ("trainer-world-size-inside.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  world_size: 8\ndataset_size: 1000\n"),
    ("trainer-unknown-type.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n".replace("cosine", "cosine_annealing") + "dataset_size: 1000\n"),
    ("trainer-plateau.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n".replace("cosine", "reduce_lr_on_plateau") + "dataset_size: 1000\n"),
    ("trainer-with-lr.yaml", "trainer", "lr: 0.1\ntransformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\ndataset_size: 1000\n"),
    ("trainer-with-scheduler.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\ndataset_size: 1000\nscheduler: {type: StepLR, step_size: 2}\n"),
    ("trainer-with-batch-size.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\ndataset_size: 1000\nbatch_size: 8\n"),
    ("trainer-negative-warmup.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  warmup_steps: -5\ndataset_size: 1000\n"),
    ("trainer-kwargs-json.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  lr_scheduler_kwargs: '{num_cycles: 2}'\ndataset_size: 1000\n"),
    ("trainer-kwargs-string.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  lr_scheduler_kwargs: num_cycles=2\ndataset_size: 1000\n"),
    ("trainer-kwargs-warmup.yaml", "trainer",
     "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  lr_scheduler_kwargs:\n    num_warmup_steps: 5\ndataset_size: 1000\n"),
    ("trainer-kwargs-unknown.yaml", "trainer",
     "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  lr_scheduler_kwargs:\n    num_cycle: 2\ndataset_size: 1000\n"),
    ("trainer-kwargs-bad-value.yaml", "trainer",
     "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  lr_scheduler_kwargs:\n    num_cycles: fast\ndataset_size: 1000\n"),
    ("trainer-min-lr-missing.yaml", "trainer",
     "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n".replace("cosine", "cosine_with_min_lr") + "dataset_size: 1000\n"),
    ("trainer-no-length.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n"),
    ("trainer-world-size-alone.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\nworld_size: 8\n"),
    ("trainer-max-steps-zero.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  max_steps: 0\ndataset_size: 1000\n"),
    ("trainer-zero-epochs.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n".replace("num_train_epochs: 2", "num_train_epochs: 0")
     + "dataset_size: 1000\n"),
    ("trainer-drop-last-empty.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\n  dataloader_drop_last: true\ndataset_size: 7\nworld_size: 2\n"),
    ("trainer-steps-and-dataset.yaml", "trainer", "transformers:\n  learning_rate: 2.0e-5\n  lr_scheduler_type: cosine\n  num_train_epochs: 2\n  per_device_train_batch_size: 8\ndataset_size: 1000\nsteps_per_epoch: 10\n"),
    ("structure-missing-required.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n"),
    ("structure-schedules-empty.yaml", "structure", "lr: 0.01\nepochs: 9\nschedules: []\n"),
    ("structure-schedules-mapping.yaml", "structure", "lr: 0.01\nepochs: 9\nschedules:\n  a: {scheduler: {type: StepLR, step_size: 3}}\n"),
    ("structure-schedule-not-mapping.yaml", "structure", "lr: 0.01\nepochs: 9\nschedules:\n  - StepLR\n"),
    ("structure-schedule-unknown-key.yaml", "structure",
     "lr: 0.01\nepochs: 9\nschedules:\n  - name: a\n    schedular: {type: StepLR, step_size: 3}\n"),
    ("structure-duplicate-names.yaml", "structure",
     "lr: 0.01\nepochs: 9\nschedules:\n  - {name: a, scheduler: {type: StepLR, step_size: 3}}\n"
     "  - {name: a, scheduler: {type: ExponentialLR, gamma: 0.9}}\n"),
    ("structure-name-with-schedules.yaml", "structure",
     "name: both\nlr: 0.01\nepochs: 9\nschedules:\n  - {scheduler: {type: StepLR, step_size: 3}}\n"),
    ("structure-name-type.yaml", "structure", "name: [a]\n" + STEP),
    ("structure-name-boolean.yaml", "structure", "name: no\n" + STEP),
    ("structure-scheduler-empty.yaml", "structure", "lr: 0.01\nepochs: 9\nscheduler:\ntype: StepLR\nstep_size: 3\n"),
    ("yaml-unquoted-lambda.yaml", "yaml",
     "lr: 0.01\nepochs: 9\nscheduler: {type: LambdaLR, lr_lambda: lambda epoch: 0.9 ** epoch}\n"),
    ("structure-missing-epochs.yaml", "structure", "lr: 0.01\nscheduler:\n  type: StepLR\n  step_size: 3\n"),
    ("epochs-zero.yaml", "epochs", STEP.replace("epochs: 9", "epochs: 0")),
    ("epochs-negative.yaml", "epochs", STEP.replace("epochs: 9", "epochs: -5")),
    ("epochs-float.yaml", "epochs", STEP.replace("epochs: 9", "epochs: 9.5")),
    ("epochs-exponent-fraction.yaml", "epochs", STEP.replace("epochs: 9", "epochs: 1.5e0")),
    ("epochs-string.yaml", "epochs", STEP.replace("epochs: 9", "epochs: nine")),
    ("epochs-huge-int.yaml", "epochs", STEP.replace("epochs: 9", "epochs: 100000000000000000000")),
    ("epochs-inf.yaml", "epochs", STEP.replace("epochs: 9", "epochs: .inf")),
    ("optimizer-unknown.yaml", "optimizer", "optimizer: {type: Adma, lr: 0.1}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-type-number.yaml", "optimizer", "optimizer: {type: 3, lr: 0.1}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-not-mapping.yaml", "optimizer", "optimizer: SGD\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-unknown-keyword.yaml", "optimizer",
     "optimizer:\n  type: SGD\n  lr: 0.1\n  momentun: 0.9\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-lr-twice.yaml", "optimizer", "lr: 0.1\noptimizer: {type: SGD, lr: 0.1}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-lr-negative.yaml", "optimizer", STEP.replace("lr: 0.01", "lr: -0.01")),
    ("optimizer-lr-nan.yaml", "optimizer", STEP.replace("lr: 0.01", "lr: .nan")),
    ("optimizer-lr-string.yaml", "optimizer", STEP.replace("lr: 0.01", "lr: fast")),
    ("optimizer-lr-bool.yaml", "optimizer", STEP.replace("lr: 0.01", "lr: yes")),
    ("optimizer-momentum-negative.yaml", "optimizer",
     "optimizer: {type: SGD, lr: 0.1, momentum: -0.9}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-betas-length.yaml", "optimizer",
     "optimizer: {type: Adam, lr: 0.1, betas: [0.9]}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-betas-range.yaml", "optimizer",
     "optimizer: {type: Adam, lr: 0.1, betas: [0.9, 1.0]}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-flag-not-bool.yaml", "optimizer",
     "optimizer: {type: SGD, lr: 0.1, nesterov: 1}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-groups-empty.yaml", "optimizer",
     "optimizer: {type: SGD, lr: 0.1, param_groups: []}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-group-not-mapping.yaml", "optimizer",
     "optimizer:\n  type: SGD\n  param_groups:\n    - 0.1\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-group-unknown-key.yaml", "optimizer",
     "optimizer:\n  type: SGD\n  param_groups:\n    - {lr: 0.1, lrr: 0.2}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-group-lr-negative.yaml", "optimizer",
     "optimizer:\n  type: SGD\n  param_groups:\n    - {lr: 0.1}\n    - {lr: -1}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("optimizer-resume-without-initial-lr.yaml", "optimizer",
     "lr: 0.01\nepochs: 9\nscheduler: {type: StepLR, step_size: 3, last_epoch: 4}\n"),
    ("expression-division-by-zero.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '1 / (epoch - 4)'\n"),
    ("expression-inf.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '10.0 ** (400 * epoch)'\n"),
    ("expression-nan.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'exp(1000) - exp(1000)'\n"),
    ("expression-power-bomb.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '9 ** 9 ** 9'\n"),
    ("expression-too-long.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '" + "1" + "+1" * 1100 + "'\n"),
    ("expression-too-large.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '" + "+".join(["epoch"] * 250) + "'\n"),
    ("expression-too-deep.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '" + "-(" * 110 + "epoch" + ")" * 110 + "'\n"),
    ("expression-huge-literal.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '" + "9" * 30 + " * epoch'\n"),
    ("expression-string-constant.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: \"'a' * 3\"\n"),
    ("expression-statement.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'import os'\n"),
    ("expression-keyword-argument.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'exp(x=1)'\n"),
    ("expression-arity.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'min(epoch)'\n"),
    ("expression-bare-function.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'exp'\n"),
    ("expression-bitwise.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'epoch << 2'\n"),
    ("expression-empty.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: ''\n"),
    ("expression-log-domain.yaml", "expression", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'log(epoch)'\n"),
    ("expression-fractional-power.yaml", "expression",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '(epoch - 3) ** 0.5'\n"),
    ("timm-unknown-type.yaml", "timm", "lr: 0.1\nepochs: 9\nscheduler:\n  type: timm.cosine\n  t_initial: 9\n"),
    ("timm-misspelt-type.yaml", "timm", "lr: 0.1\nepochs: 9\nscheduler:\n  type: timm.CosineLRSchedular\n  t_initial: 9\n"),
    ("timm-lr-scale-with-torch.yaml", "timm",
     "optimizer:\n  lr: 0.1\n  param_groups:\n    - {lr_scale: 0.5}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n"),
    ("timm-lr-scale-negative.yaml", "timm",
     "optimizer:\n  lr: 0.1\n  param_groups:\n    - {lr_scale: -0.5}\nepochs: 9\n"
     "scheduler: {type: timm.StepLRScheduler, decay_t: 3}\n"),
    ("timm-in-sequentiallr.yaml", "timm",
     "lr: 0.1\nepochs: 9\nscheduler:\n  type: SequentialLR\n  milestones: [3]\n  schedulers:\n"
     "    - {type: LinearLR}\n    - {type: timm.CosineLRScheduler, t_initial: 6}\n"),
    ("timm-after-warmup.yaml", "timm",
     "lr: 0.1\nepochs: 9\nwarmup: {steps: 2}\nscheduler: {type: timm.CosineLRScheduler, t_initial: 9}\n"),
    ("timm-interval-against-t-in-epochs.yaml", "timm",
     "lr: 0.1\nepochs: 9\nsteps_per_epoch: 10\ninterval: epoch\n"
     "scheduler: {type: timm.CosineLRScheduler, t_initial: 90, t_in_epochs: false}\n"),
    ("timm-factory-not-mapping.yaml", "timm", "lr: 0.1\ntimm: cosine\n"),
    ("timm-factory-and-scheduler.yaml", "timm",
     "lr: 0.1\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\ntimm: {sched: cosine}\n"),
    ("timm-factory-lr-twice.yaml", "timm", "lr: 0.1\ntimm:\n  sched: cosine\n  lr: 0.2\n"),
    ("timm-factory-unknown-key.yaml", "timm", "lr: 0.1\ntimm:\n  sched: cosine\n  epochs: 30\n"),
    ("timm-factory-updates-twice.yaml", "timm",
     "lr: 0.1\nsteps_per_epoch: 5\ntimm:\n  sched: cosine\n  num_epochs: 10\n  updates_per_epoch: 4\n"),
    ("timm-factory-per-update-without-units.yaml", "timm",
     "lr: 0.1\ntimm:\n  sched: cosine\n  num_epochs: 10\n  step_on_epochs: false\n"),
    ("timm-factory-plateau-per-update.yaml", "timm",
     "lr: 0.1\nsteps_per_epoch: 5\ntimm:\n  sched: plateau\n  num_epochs: 10\n  step_on_epochs: false\n"
     "  metrics: [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"),
    ("timm-factory-wsd-decay-too-long.yaml", "timm",
     "lr: 0.1\ntimm:\n  sched: wsd\n  num_epochs: 10\n  warmup_epochs: 4\n  decay_epochs: 7\n"),
    ("timm-factory-metrics-without-plateau.yaml", "timm",
     "lr: 0.1\ntimm:\n  sched: cosine\n  num_epochs: 10\n  metrics: [1, 2]\n"),
    ("timm-factory-min-lr-negative.yaml", "timm", "lr: 0.1\ntimm:\n  sched: cosine\n  num_epochs: 10\n  min_lr: -1\n"),
    ("timm-factory-warmup.yaml", "timm", "lr: 0.1\nwarmup: {steps: 2}\ntimm:\n  sched: cosine\n  num_epochs: 10\n"),
    ("timm-factory-cycle-length-overflow.yaml", "timm",
     "lr: 0.1\ntimm:\n  sched: cosine\n  num_epochs: 10\n  cycle_mul: 1.0e+300\n  cycle_limit: 3\n"),
    ("expression-lambda-count.yaml", "expression",
     "optimizer:\n  param_groups: [{lr: 0.1}, {lr: 0.01}]\nepochs: 9\nscheduler:\n  type: LambdaLR\n"
     "  lr_lambda: ['0.9 ** epoch', '1', '1']\n"),
]

# training units (SPEC.md section 4): the refusals that are not one key's bad value
UNITS = "lr: 0.1\nepochs: 3\nsteps_per_epoch: 4\ninterval: step\nscheduler: {type: StepLR, step_size: 2}\n"
DERIVED = ("lr: 0.1\nepochs: 3\ndataset_size: 100\nbatch_size: 10\ninterval: step\n"
           "scheduler: {type: StepLR, step_size: 2}\n")
UNITS_ENTRY = "lr: 0.1\nepochs: 3\n{top}schedules:\n  - name: a\n{entry}    scheduler: {{type: StepLR, step_size: 2}}\n"
PLATEAU = ("scheduler: {type: ReduceLROnPlateau, "
           "metrics: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]}\n")   # 11: a step(metric) an update
CHAINED = ("scheduler:\n  type: ChainedScheduler\n  schedulers:\n    - {type: StepLR, step_size: 2}\n"
           "    - {type: ExponentialLR, gamma: 0.9}\n")

CLASS_CASES += [
    # counts: non-integer, zero, negative (the generated units-* cases have one of each kind)
    ("units-count-string.yaml", "units", UNITS.replace("steps_per_epoch: 4", "steps_per_epoch: '391'")),
    ("units-count-integral-float.yaml", "units", UNITS.replace("steps_per_epoch: 4", "steps_per_epoch: 391.0")),
    ("units-count-fraction.yaml", "units", DERIVED.replace("batch_size: 10", "batch_size: 12.5")),
    ("units-count-zero-steps-per-epoch.yaml", "units", UNITS.replace("steps_per_epoch: 4", "steps_per_epoch: 0")),
    ("units-count-zero-world-size.yaml", "units", DERIVED.replace("interval", "world_size: 0\ninterval")),
    ("units-count-negative-dataset-size.yaml", "units", DERIVED.replace("dataset_size: 100", "dataset_size: -50000")),
    ("units-count-negative-grad-accum.yaml", "units", DERIVED.replace("interval", "grad_accum: -2\ninterval")),
    # steps_per_epoch next to the keys that derive it, written together or merged
    ("units-steps-per-epoch-with-dataset-size.yaml", "units", DERIVED.replace("interval", "steps_per_epoch: 4\ninterval")),
    ("units-steps-per-epoch-with-world-size.yaml", "units", UNITS.replace("interval", "world_size: 8\ninterval")),
    ("units-steps-per-epoch-merged-with-derivation.yaml", "units",
     UNITS_ENTRY.format(top="dataset_size: 100\nbatch_size: 10\n", entry="    steps_per_epoch: 4\n")),
    ("units-derivation-merged-with-steps-per-epoch.yaml", "units",
     UNITS_ENTRY.format(top="steps_per_epoch: 4\n",
                        entry="    dataset_size: 100\n    batch_size: 10\n")),
    # a derivation needs both dataset_size and batch_size
    ("units-batch-size-without-dataset-size.yaml", "units", DERIVED.replace("dataset_size: 100\n", "")),
    ("units-dataset-size-without-batch-size.yaml", "units", DERIVED.replace("batch_size: 10\n", "")),
    ("units-dataset-size-without-batch-size-entry.yaml", "units",
     UNITS_ENTRY.format(top="dataset_size: 100\n", entry="    world_size: 2\n")),
    ("units-world-size-alone.yaml", "units", UNITS.replace("steps_per_epoch: 4", "world_size: 8")),
    ("units-grad-accum-alone.yaml", "units", UNITS.replace("steps_per_epoch: 4", "grad_accum: 4")),
    ("units-drop-last-alone.yaml", "units", UNITS.replace("steps_per_epoch: 4", "drop_last: true")),
    # a derivation giving no update an epoch
    ("units-zero-updates-world-size.yaml", "units",
     DERIVED.replace("batch_size: 10", "batch_size: 64\nworld_size: 4\ndrop_last: true")),
    ("units-zero-updates-small-dataset.yaml", "units",
     DERIVED.replace("dataset_size: 100\nbatch_size: 10", "dataset_size: 10\nbatch_size: 32\ndrop_last: true")),
    # interval
    ("units-interval-plural.yaml", "units", UNITS.replace("interval: step", "interval: steps")),
    ("units-interval-capitalised.yaml", "units", UNITS.replace("interval: step", "interval: Epoch")),
    ("units-interval-bool.yaml", "units", UNITS.replace("interval: step", "interval: yes")),
    # max_steps
    ("units-max-steps-zero.yaml", "units", UNITS.replace("interval", "max_steps: 0\ninterval")),
    ("units-max-steps-negative.yaml", "units", UNITS.replace("interval", "max_steps: -10\ninterval")),
    ("units-max-steps-without-units.yaml", "units", UNITS.replace("steps_per_epoch: 4", "max_steps: 10")),
    ("units-max-steps-without-units-entry.yaml", "units",
     UNITS_ENTRY.format(top="interval: step\n", entry="    max_steps: 10\n")),
    # past 2**53 (the memory guard's own message depends on the machine: tests/test_units_errors.py)
    ("units-max-steps-huge.yaml", "units", UNITS.replace("interval", f"max_steps: {2 ** 53 + 1}\ninterval")),
    # warmup
    ("warmup-steps-and-epochs.yaml", "units", UNITS + "warmup: {steps: 2, epochs: 1}\n"),
    ("warmup-no-length.yaml", "units", UNITS + "warmup: {start_factor: 0.1}\n"),
    ("warmup-empty.yaml", "units", UNITS + "warmup: {}\n"),
    ("warmup-epochs-without-units.yaml", "units", "lr: 0.1\nepochs: 3\nwarmup: {epochs: 1}\n"
                                                  "scheduler: {type: StepLR, step_size: 2}\n"),
    ("warmup-not-mapping.yaml", "units", UNITS + "warmup: 500\n"),
    ("warmup-null.yaml", "units", UNITS + "warmup:\n"),
    ("warmup-list.yaml", "units", UNITS + "warmup: [steps, 2]\n"),
    ("warmup-unknown-key.yaml", "units", UNITS + "warmup: {steps: 2, start: 0.1}\n"),
    ("warmup-unknown-key-misspelt.yaml", "units", UNITS + "warmup: {steps: 2, start_facter: 0.1}\n"),
    ("warmup-start-factor-zero.yaml", "units", UNITS + "warmup: {steps: 2, start_factor: 0}\n"),
    ("warmup-start-factor-above-one.yaml", "units", UNITS + "warmup: {steps: 2, start_factor: 1.5}\n"),
    ("warmup-before-plateau.yaml", "units", UNITS.replace("scheduler: {type: StepLR, step_size: 2}\n", PLATEAU)
     + "warmup: {steps: 2}\n"),
    ("warmup-before-plateau-merged.yaml", "units",
     "lr: 0.1\nepochs: 3\nsteps_per_epoch: 2\nwarmup: {steps: 2}\nschedules:\n"
     "  - {name: a, scheduler: {type: StepLR, step_size: 2}}\n  - name: b\n    " + PLATEAU),
    ("warmup-before-chained.yaml", "units", UNITS.replace("scheduler: {type: StepLR, step_size: 2}\n", CHAINED)
     + "warmup: {steps: 2}\n"),
]

# torch's refusals that involve several keywords (SchedulerDef.check), per scheduler
CROSS_CASES: dict[str, list[tuple[str, dict]]] = {
    "CyclicLR": [
        ("mode", {"mode": "triangle"}),
        ("no-momentum-optimizer", {"__optimizer__": {"type": "Adagrad", "lr": 0.01}}),
        ("group-count", {"base_lr": [0.001, 0.002]}),
    ],
    "OneCycleLR": [
        ("no-total-steps", {"total_steps": None}),
        ("epochs-only", {"total_steps": None, "epochs": 10}),
        ("steps-per-epoch-zero", {"total_steps": None, "epochs": 10, "steps_per_epoch": 0}),
        ("past-total-steps", {"__epochs__": 200}),
    ],
    "SequentialLR": [
        ("milestone-count", {"milestones": [5, 10]}),
        ("no-schedulers", {"schedulers": [], "milestones": []}),
        ("plateau-child", {"schedulers": [{"type": "ReduceLROnPlateau", "metrics": [1.0]},
                                          {"type": "StepLR", "step_size": 2}]}),
    ],
    "ChainedScheduler": [
        ("no-schedulers", {"schedulers": []}),
        ("plateau-child", {"schedulers": [{"type": "ReduceLROnPlateau", "metrics": [1.0]}]}),
    ],
    "ReduceLROnPlateau": [
        ("metrics-missing", {"metrics": None}),
        ("metrics-short", {"metrics": [1.0, 0.5]}),
    ],
    "MultiplicativeLR": [("lambda-count", {"__optimizer__": {"type": "SGD", "param_groups": [{"lr": 0.1}]},
                                           "lr_lambda": ["0.9", "0.8"]})],
    "LinearLR": [("resume-without-initial-lr", {"last_epoch": 3})],
    # transformers' refusals (get_scheduler's and each function's), as spec errors
    "transformers.linear": [("no-warmup", {"num_warmup_steps": None}),
                            ("training-null", {"num_training_steps": "__null__"}),
                            ("resume-without-initial-lr", {"last_epoch": 3})],
    "transformers.cosine": [("negative-warmup", {"num_warmup_steps": -10})],
    "transformers.polynomial": [("lr-end-above-lr", {"lr_end": 0.5}),
                                ("training-equals-warmup", {"num_training_steps": 100}),
                                ("negative-power", {"power": -1.0, "num_training_steps": 1000})],
    "transformers.cosine_with_min_lr": [("both-min-lrs", {"min_lr": 0.01}),
                                        ("neither-min-lr", {"min_lr_rate": None})],
    "transformers.cosine_warmup_with_min_lr": [("neither-min-lr", {"min_lr_rate": None})],
    "transformers.warmup_stable_decay": [("no-decay-steps", {"num_decay_steps": None}),
                                         ("no-length", {"num_training_steps": "__null__"}),
                                         ("warmup-type", {"warmup_type": "exponential"}),
                                         ("decay-type", {"decay_type": "1_sqrt"})],
    "transformers.greedy": [("metrics-missing", {"metrics": None}),
                            ("min-lr-count", {"min_lr": [0.001, 0.002]}),
                            ("smooth-empty-window", {"smooth": True, "window_size": 0})],
    "transformers.reduce_lr_on_plateau": [("metrics-short", {"metrics": [1.0, 0.5]})],
    # timm's (asserts, ValueErrors, and what fails at a step)
    "timm.TanhLRScheduler": [("lb-above-ub", {"lb": 3, "ub": -3})],
    "timm.WSDLRScheduler": [("decay-above-t-initial", {"decay_t": 31}),
                            ("rsqrt-without-timescale", {"stable_fn": "rsqrt", "warmup_t": 0})],
    "timm.MultiStepLRScheduler": [("unsorted", {"decay_t": [20, 10]})],
    "timm.PlateauLRScheduler": [("metrics-missing", {"metrics": None}), ("metrics-short", {"metrics": [1.0, 0.5]})],
    "timm.CosineLRScheduler": [("cycles-run-out", {"cycle_mul": 0.5, "cycle_limit": 9, "warmup_t": 0, "t_initial": 10}),
                               ("zero-to-negative-k", {"k_decay": -1, "cycle_limit": 2, "t_initial": 10}),
                               ("huge-int-k", {"k_decay": 100000}),
                               ("noise-never-drawn", {"noise_range_t": 0, "noise_pct": 1e-9}),
                               ("initialize-without-initial-lr", {"initialize": False})],
    "timm.StepLRScheduler": [("interval-per-update", {"__units__": {"steps_per_epoch": 4, "interval": "step"}})],
}


def cross_cases():
    for scheduler, changes in CROSS_CASES.items():
        if scheduler not in REGISTRY:
            continue
        for kind, change in changes:
            spec = example_spec(REGISTRY[scheduler])
            for key, value in change.items():
                if key == "__optimizer__":
                    spec.pop("lr", None)
                    spec["optimizer"] = value
                elif key == "__epochs__":
                    spec["epochs"] = value
                elif key == "__units__":
                    spec.update(value)
                elif value is None:
                    spec["scheduler"].pop(key, None)
                elif value == "__null__":        # an explicit null, not a missing key
                    spec["scheduler"][key] = None
                else:
                    spec["scheduler"][key] = value
            yield f"cross-{scheduler.lower()}-{kind}.yaml", dump(spec)


# ---------------------------------------------------------------------------- writing

def all_cases() -> list[tuple[str, str, bytes]]:
    """(file name, header lines after `expect`, body bytes) of every case."""
    cases = []
    for name, spec, covers in (*param_cases(), *optimizer_cases(), *units_cases(), *trainer_cases(),
                               *timm_factory_cases()):
        cases.append((name, COVERS + covers + "\n", dump(spec).encode("utf-8")))
    for name, kind, text in CLASS_CASES:
        cases.append((name, f"# class: {kind}\n", text if isinstance(text, bytes) else text.encode("utf-8")))
    for name, text in cross_cases():
        cases.append((name, "# class: cross-keyword\n", text.encode("utf-8")))
    return cases


def what_lrsched_says(relative: str) -> tuple[int, str]:
    """Run `lrsched table FILE` in-process from the repository root: (exit code, stderr)."""
    from lrsched.cli import main

    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(["table", relative, "-f", "plain"])
                code = 0
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(cwd)
    return code, err.getvalue()


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_expectation(path: Path) -> str | None:
    """The expected error line of a corpus file: its sidecar, or its first line."""
    sidecar = path.with_name(path.name + SIDECAR)
    try:
        if sidecar.exists():
            return sidecar.read_text(encoding="utf-8").strip()
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    except OSError:
        return None
    return first[len(EXPECT):] if first.startswith(EXPECT) else None


def build(check: bool) -> int:
    problems, changed = 0, 0
    names = set()
    for name, header, body in all_cases():
        names.add(name)
        path = HERE / name
        sidecar = not body or not _utf8(body)   # the empty file; one whose message counts bytes
        # the header is part of the file, so lrsched sees it and counts its lines: run the
        # final file (with a placeholder expectation of the same line count)
        content = body if sidecar else (EXPECT + "?\n" + header).encode("utf-8") + body
        target = HERE / (".check-" + name if check else name)
        old = path.read_bytes() if path.exists() else None
        old_line = read_expectation(path)
        target.write_bytes(content)
        try:
            code, err = what_lrsched_says(f"tests/bad/{target.name}")
        finally:
            if check:
                target.unlink()
        lines = err.splitlines()
        if code != 2 or len(lines) != 1 or not lines[0].startswith("error: ") or "internal error" in err:
            problems += 1
            print(f"NOT A CLEAN REFUSAL: {name}: exit {code}: {err.strip()[:300] or '(accepted)'}")
            if not check:
                path.unlink()
            continue
        line = lines[0].replace(f"tests/bad/{target.name}", f"tests/bad/{name}")
        final = content if sidecar else (EXPECT + line + "\n" + header).encode("utf-8") + body
        if old != final or old_line != line:
            changed += 1
            print(f"{'new' if old is None else 'changed'}: {name}\n    {line}"
                  + (f"\n    was: {old_line}" if old_line and old_line != line else ""))
        if not check:
            path.write_bytes(final)
            if sidecar:
                path.with_name(name + SIDECAR).write_text(line + "\n", encoding="utf-8")
    for stale in sorted(list(HERE.glob("*.yaml")) + list(HERE.glob("*.yaml" + SIDECAR))):
        if stale.name.removesuffix(SIDECAR) not in names:
            changed += 1
            print(f"stale: {stale.name}")
            if not check:
                stale.unlink()
    print(f"{len(names)} cases, {changed} new or changed, {problems} not cleanly refused")
    return 1 if (problems or (check and changed)) else 0


if __name__ == "__main__":
    sys.exit(build(check="--check" in sys.argv[1:]))
