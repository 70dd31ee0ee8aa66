#!/usr/bin/env python3
"""Write tests/golden/timm.json: timm 1.0.31's schedulers run by timm's own training loop.

It must not import lrsched: it is the second implementation of the spec -> timm mapping
(SPEC.md section 5). timm and torch are needed only to run this script:

    pip install torch==2.13.0 && pip install --no-deps timm==1.0.31
    python tests/golden/make_timm.py

`import timm` fails next to the CPU torch (its torchvision pick does not match), but the
schedulers need only torch: they are loaded through a stub package whose __path__ is timm's
installed folder (NUMERICS.md).

A case is a spec mapping: `scheduler: {type: timm.CLASS, ...constructor keywords}` (the
plateau one with `metrics:`, a list), or the factory form `timm: {...create_scheduler_v2
keywords, lr, metrics}`, with `lr:` or `optimizer:` (SGD, param groups that may carry
`initial_lr` and timm's `lr_scale`) and the unit keys of section 4. Rows are what timm's
train.py loop gives (steps_per_epoch 1 without units; `max_steps` stops it mid-epoch):

    num_updates = 0
    for epoch in range(epochs):
        for _ in range(steps_per_epoch):
            row = [g["lr"] for g in optimizer.param_groups]
            num_updates += 1
            scheduler.step_update(num_updates=num_updates)
        scheduler.step(epoch + 1)          # plateau: step(epoch + 1, metrics[epoch])

`epochs` defaults, in the factory form, to the num_epochs create_scheduler_v2 returns, and
`updates_per_epoch` to the spec's steps_per_epoch. Cases are drawn at random (a fixed seed:
the output is the same every run) over every class and every `sched`, plus written-out ones.
`refusals` are specs timm refuses (an assert, a ValueError, or an exception at a step), with
timm's exception.
"""

import importlib.util
import json
import logging
import math
import random
import sys
import types
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
OUT = HERE / "timm.json"
TORCH_VERSION = "2.13.0"
TIMM_VERSION = "1.0.31"


def load_timm_scheduler():
    """timm.scheduler through a stub `timm` package (the real __init__ imports torchvision)."""
    if "timm" not in sys.modules:
        found = importlib.util.find_spec("timm")
        if found is None:
            sys.exit("timm is not installed: pip install --no-deps timm==1.0.31")
        stub = types.ModuleType("timm")
        stub.__path__ = list(found.submodule_search_locations)
        sys.modules["timm"] = stub
    import timm.scheduler as ts   # noqa: E402
    return ts


ts = load_timm_scheduler()
logging.getLogger("timm").setLevel(logging.ERROR)

CLASSES = ("CosineLRScheduler", "TanhLRScheduler", "StepLRScheduler", "MultiStepLRScheduler",
           "PolyLRScheduler", "PlateauLRScheduler", "WSDLRScheduler")
SCHEDS = ("cosine", "tanh", "step", "multistep", "plateau", "poly", "wsd", "rsqrt", "constant", "none")
DERIVATION = ("dataset_size", "batch_size", "world_size", "grad_accum", "drop_last")


def ceil_div(a, b):
    return -(-a // b)


def steps_per_epoch(spec):
    """Section 4: steps_per_epoch, or its derivation, or (factory form) updates_per_epoch;
    None without units."""
    if "steps_per_epoch" in spec:
        return spec["steps_per_epoch"]
    if "dataset_size" in spec:
        per_device = ceil_div(spec["dataset_size"], spec.get("world_size", 1))
        b = spec["batch_size"]
        batches = per_device // b if spec.get("drop_last", False) else ceil_div(per_device, b)
        return ceil_div(batches, spec.get("grad_accum", 1))
    upe = spec.get("timm", {}).get("updates_per_epoch", 0)
    return upe or None


def make_optimizer(spec, lr=None):
    """SGD with the spec's groups (their lr, initial_lr and lr_scale kept as given)."""
    opt_spec = dict(spec.get("optimizer", {}))
    own = opt_spec.pop("lr", spec.get("lr", 1e-3))
    default_lr = lr if lr is not None else own
    groups = opt_spec.pop("param_groups", [{}])
    assert not opt_spec, opt_spec
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))], **g} for g in groups]
    return torch.optim.SGD(params, lr=default_lr)


def build(spec):
    """(optimizer, scheduler or None, epochs, metrics or None) as the spec says."""
    if "timm" in spec:
        block = dict(spec["timm"])
        lr = block.pop("lr", None)
        metrics = block.pop("metrics", None)
        opt = make_optimizer(spec, lr)
        upe = steps_per_epoch(spec) or 0
        block["updates_per_epoch"] = upe
        if "noise" in block and isinstance(block["noise"], list):
            block["noise"] = list(block["noise"])
        sched, num_epochs = ts.create_scheduler_v2(opt, **block)
        return opt, sched, spec.get("epochs", num_epochs), metrics
    kwargs = dict(spec["scheduler"])
    cls = getattr(ts, kwargs.pop("type").split(".", 1)[1])
    metrics = kwargs.pop("metrics", None)
    opt = make_optimizer(spec)
    return opt, cls(opt, **kwargs), spec.get("epochs"), metrics


def run(spec):
    """The rows of timm's train.py loop."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt, sched, epochs, metrics = build(spec)
        spe = steps_per_epoch(spec) or 1
        rows = spec["max_steps"] if "max_steps" in spec else epochs * spe
        out = []
        num_updates = 0
        for epoch in range(ceil_div(rows, spe)):
            for _ in range(spe):
                if len(out) == rows:
                    break
                out.append([float(g["lr"]) for g in opt.param_groups])
                num_updates += 1
                if sched is not None:
                    sched.step_update(num_updates=num_updates)
            if sched is not None and len(out) < rows:
                if metrics is not None:
                    sched.step(epoch + 1, metrics[epoch])
                else:
                    sched.step(epoch + 1)
    assert len(out) == rows, (len(out), rows)
    return out


# ----------------------------------------------------------------------------------- cases
R = random.Random(20261130)
CASES = []          # (id, spec, note)
REFUSALS = []       # (id, spec, note)


def add(cid, spec, note=None):
    CASES.append((cid, spec, note))


def refuse(cid, spec, note=None):
    REFUSALS.append((cid, spec, note))


def pick(*options):
    return R.choice(options)


def optimizer_keys(groups_max=3):
    """lr or an optimizer with param groups (lr_scale, initial_lr in some)."""
    lr = pick(0.1, 0.01, 0.05, 1e-3, 0.3, 1, 2e-4)
    n = pick(1, 1, 1, 2, 3)
    if n == 1 and R.random() < 0.7:
        return {"lr": lr}
    groups = []
    for k in range(n):
        g = {}
        if R.random() < 0.5:
            g["lr"] = pick(0.1, 0.02, 0.005, 0.3)
        if R.random() < 0.5:
            g["lr_scale"] = pick(0.5, 0.75 ** (n - k), 0.1, 1.0, 2)
        if R.random() < 0.15:
            g["initial_lr"] = pick(0.2, 0.04)
        groups.append(g)
    return {"optimizer": {"lr": lr, "param_groups": groups}}


def unit_keys(epochs):
    """No units, steps_per_epoch, a derivation, or max_steps; with `epochs`."""
    kind = pick("none", "none", "spe", "spe", "derive", "max_steps")
    out = {"epochs": epochs}
    if kind == "spe":
        out["steps_per_epoch"] = R.randint(2, 9)
    elif kind == "derive":
        out.update(dataset_size=R.randint(50, 400), batch_size=pick(16, 32, 64),
                   world_size=pick(1, 2), grad_accum=pick(1, 2, 3), drop_last=pick(False, True))
        if steps_per_epoch(out) == 0:
            out["drop_last"] = False
    elif kind == "max_steps":
        out["steps_per_epoch"] = R.randint(2, 6)
        out["max_steps"] = R.randint(epochs, epochs * out["steps_per_epoch"] + 5)
        if R.random() < 0.5:
            del out["epochs"]
    return out


def scale_of(units):
    """Scheduler steps per epoch of timm's t when t counts updates."""
    return steps_per_epoch(units) or 1


def noise_keys(span):
    """timm's noise keywords (class form), over a schedule of `span` steps."""
    out = {}
    kind = pick("none", "none", "start", "range", "range")
    if kind == "none":
        return out
    if kind == "start":
        out["noise_range_t"] = R.randint(0, max(1, span // 2))
    else:
        a = R.randint(0, max(1, span // 2))
        out["noise_range_t"] = [a, R.randint(a + 1, span + 3)]
    if R.random() < 0.7:
        out["noise_pct"] = pick(0.67, 0.1, 0.3, 0.02, 0.5, 0.9)
    if R.random() < 0.5:
        out["noise_std"] = pick(1.0, 0.5, 2.0, 0.1, 3)
    if R.random() < 0.7:
        out["noise_seed"] = pick(42, 0, 7, -3, 123456789, 2 ** 40 + 5, 4294967295)
    return out


def warmup_keys(span, prefix_choice=True):
    out = {}
    if R.random() < 0.6:
        out["warmup_t"] = R.randint(1, max(1, span // 3))
        if R.random() < 0.8:
            out["warmup_lr_init"] = pick(1e-4, 1e-6, 0.0, 0.01, 1e-3)
    if prefix_choice and R.random() < 0.6:
        out["warmup_prefix"] = pick(True, False)
    return out


def cycle_keys(t_initial):
    out = {}
    if R.random() < 0.5:
        out["cycle_mul"] = pick(1, 1.0, 2, 1.5, 3, 2.5, 0.8)
    if R.random() < 0.5:
        out["cycle_decay"] = pick(0.5, 0.1, 0.9, 1.0)
    if R.random() < 0.6:
        out["cycle_limit"] = R.randint(1, 5)
    return out


def per_update(units):
    """t_in_epochs (timm steps per update with false): a choice when the spec has units."""
    return pick(True, False) if scale_of(units) > 1 else pick(True, True, False)


def class_case(cls, i):
    epochs = R.randint(4, 36)
    units = unit_keys(epochs)
    spe = scale_of(units)
    t_in_epochs = per_update(units)
    span = epochs if t_in_epochs else epochs * spe
    sched = {"type": f"timm.{cls}"}
    if cls in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
        t_initial = R.randint(1, max(1, span))
        sched["t_initial"] = t_initial
        if R.random() < 0.5:
            sched["lr_min"] = pick(0, 0.0, 1e-5, 1e-3)
        sched.update(cycle_keys(t_initial))
        sched.update(warmup_keys(span))
        if cls == "TanhLRScheduler" and R.random() < 0.5:
            sched["lb"] = pick(-7.0, -5, -3.5)
            sched["ub"] = pick(3.0, 1, 5.5)
        if cls == "PolyLRScheduler" and R.random() < 0.7:
            sched["power"] = pick(0.5, 1, 2.0, 0.9, 3)
        if cls != "TanhLRScheduler" and R.random() < 0.4:
            sched["k_decay"] = pick(1.0, 1, 0.5, 2, 2.0, 1.5)
    elif cls == "StepLRScheduler":
        sched["decay_t"] = pick(R.randint(1, max(1, span // 2)), round(R.uniform(0.5, span / 2), 2))
        if R.random() < 0.8:
            sched["decay_rate"] = pick(0.5, 0.1, 0.9, 1, 0.3)
        sched.update(warmup_keys(span))
    elif cls == "MultiStepLRScheduler":
        k = R.randint(0, 4)
        sched["decay_t"] = sorted(R.randint(1, span + 2) for _ in range(k))
        if R.random() < 0.8:
            sched["decay_rate"] = pick(0.5, 0.1, 0.9, 0.3)
        sched.update(warmup_keys(span))
    elif cls == "WSDLRScheduler":
        w = warmup_keys(span, prefix_choice=False)
        t_initial = R.randint(1, max(1, span))
        sched["t_initial"] = t_initial
        sched["decay_t"] = R.randint(1, t_initial)
        if R.random() < 0.5:
            sched["lr_min"] = pick(0.0, 1e-5, 1e-3)
        sched["stable_fn"] = pick("constant", "constant", "rsqrt", "power")
        if sched["stable_fn"] != "constant" and ("warmup_t" not in w or R.random() < 0.5):
            sched["stable_timescale"] = pick(1, 2.5, 10, R.randint(1, span))
        if sched["stable_fn"] == "power":
            sched["stable_power"] = pick(0.5, 0.25, 1.0)
        sched["decay_fn"] = pick("linear", "1-sqrt", "cosine", "power", "exp")
        if sched["decay_fn"] == "power" and R.random() < 0.7:
            sched["decay_power"] = pick(0.5, 2.0, 1.5)
        if sched["decay_fn"] == "exp" and R.random() < 0.7:
            sched["decay_ratio"] = pick(0.1, 0.01, 0.5)
        sched.update(w)
    sched.update(noise_keys(span))
    if t_in_epochs is False or R.random() < 0.2:
        sched["t_in_epochs"] = t_in_epochs
    spec = {**optimizer_keys(), **units, "scheduler": sched}
    if "steps_per_epoch" in units and R.random() < 0.15:
        spec["interval"] = "epoch" if t_in_epochs else "step"
    add(f"{cls}-{i}", spec)


def plateau_case(i):
    epochs = R.randint(5, 40)
    units = unit_keys(epochs)
    sched = {"type": "timm.PlateauLRScheduler"}
    if R.random() < 0.8:
        sched["decay_rate"] = pick(0.1, 0.5, 0.3)
    sched["patience_t"] = pick(0, 1, 2, 3, 10)
    if R.random() < 0.5:
        sched["threshold"] = pick(1e-4, 0.01, 0.0)
    if R.random() < 0.5:
        sched["cooldown_t"] = pick(0, 1, 2)
    if R.random() < 0.5:
        sched["lr_min"] = pick(0.0, 1e-3, 0.02)
    sched["mode"] = pick("min", "max")
    sched.update(warmup_keys(epochs, prefix_choice=False))
    sched.update(noise_keys(epochs))
    if "noise_range_t" in sched and R.random() < 0.4:
        sched["noise_type"] = "uniform"
    if R.random() < 0.3:
        sched["noise_seed"] = pick(None, 5)
    rows = units.get("max_steps", epochs * scale_of(units))
    n = ceil_div(rows, scale_of(units))
    shape = pick("flat", "down", "noisy")
    values = []
    level = 1.0
    for e in range(n):
        if shape == "down":
            level = level * pick(0.9, 1.0, 1.0, 1.01)
        elif shape == "noisy":
            level = round(R.uniform(0.1, 1.0), 3)
        values.append(level if sched["mode"] == "min" else -level)
    sched["metrics"] = values
    add(f"PlateauLRScheduler-{i}", {**optimizer_keys(), **units, "scheduler": sched})


def factory_case(sched, i):
    epochs_hint = R.randint(4, 30)
    units = unit_keys(epochs_hint)
    block = {"sched": sched, "num_epochs": R.randint(2, 30)}
    step_on_epochs = pick(True, True, False) if scale_of(units) > 1 and sched != "plateau" else True
    if not step_on_epochs:
        block["step_on_epochs"] = False
    if R.random() < 0.5:
        block["warmup_epochs"] = R.randint(0, max(0, block["num_epochs"] // 3))
        if R.random() < 0.6:
            block["warmup_lr"] = pick(1e-6, 1e-4, 0.0)
    if R.random() < 0.4:
        block["warmup_prefix"] = pick(True, False)
    if R.random() < 0.4:
        block["min_lr"] = pick(1e-5, 0.0, 1e-3)
    if R.random() < 0.4:
        block["cooldown_epochs"] = R.randint(0, 4)
    if sched in ("cosine", "tanh", "poly"):
        if R.random() < 0.5:
            block["cycle_mul"] = pick(1.0, 2, 1.5)
        if R.random() < 0.5:
            block["cycle_decay"] = pick(0.5, 0.1, 1.0)
        if R.random() < 0.5:
            block["cycle_limit"] = R.randint(1, 3)
        if sched != "tanh" and R.random() < 0.3:
            block["k_decay"] = pick(2.0, 0.5, 1)
    if sched in ("step", "multistep", "plateau", "poly") and R.random() < 0.7:
        block["decay_rate"] = pick(0.5, 0.1, 0.9, 2.0) if sched == "poly" else pick(0.5, 0.1, 0.9)
    if sched == "step" and R.random() < 0.8:
        block["decay_epochs"] = pick(R.randint(1, 10), 2.5)
    if sched == "multistep" and R.random() < 0.8:
        block["decay_milestones"] = sorted(R.randint(1, 30) for _ in range(R.randint(1, 3)))
    if sched in ("wsd", "rsqrt"):
        block["num_epochs"] = R.randint(6, 30)
        if R.random() < 0.7:
            block["decay_epochs"] = pick(0.2, 0.5, R.randint(1, 4))
        if R.random() < 0.4:
            block["decay_fn"] = pick("linear", "1-sqrt", "cosine", "power", "exp")
        if sched == "rsqrt" and ("warmup_epochs" not in block or not block["warmup_epochs"] or R.random() < 0.4):
            block["stable_timescale"] = pick(1, 2, 3.5)
    if sched == "plateau":
        block["patience_epochs"] = pick(0, 1, 2, 5)
        block["plateau_mode"] = pick("min", "max")
    if R.random() < 0.35:
        kind = pick("start", "list1", "list2")
        block["noise"] = {"start": pick(0.3, 0.5, 0), "list1": [pick(0.25, 0.6)],
                          "list2": [pick(0.1, 0.4), pick(0.7, 1.0)]}[kind]
        if R.random() < 0.5:
            block["noise_pct"] = pick(0.1, 0.67, 0.03)
        if R.random() < 0.4:
            block["noise_std"] = pick(0.5, 1.0, 2.0)
        if R.random() < 0.5:
            block["noise_seed"] = pick(0, 42, 1234, -7)
    spec = {**optimizer_keys(), **units}
    if "lr" in spec and R.random() < 0.5:
        block["lr"] = spec.pop("lr")
    if R.random() < 0.6 or "max_steps" in spec:
        spec.pop("epochs", None)           # the factory's num_epochs decides
    if "max_steps" in spec and "steps_per_epoch" not in spec:
        spec["steps_per_epoch"] = 3
    if "steps_per_epoch" in spec and R.random() < 0.3 and "max_steps" not in spec:
        block["updates_per_epoch"] = spec.pop("steps_per_epoch")
    if sched == "plateau":
        probe = {**spec, "timm": block}
        total = run_length(probe)
        block["metrics"] = [round(R.uniform(0.1, 1.0), 3) if R.random() < 0.4 else 0.5 for _ in range(total)]
    spec["timm"] = block
    add(f"factory-{sched}-{i}", spec)


def run_length(spec):
    """Epochs the loop runs for a factory spec (metrics needs one per epoch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        block = dict(spec["timm"])
        block.pop("lr", None)
        block["updates_per_epoch"] = steps_per_epoch(spec) or 0
        _, num_epochs = ts.create_scheduler_v2(make_optimizer(spec, 0.1), **block)
    spe = steps_per_epoch(spec) or 1
    rows = spec["max_steps"] if "max_steps" in spec else spec.get("epochs", num_epochs) * spe
    return ceil_div(rows, spe)


# written-out cases: the documented examples and the corners
add("numerics-example", {"timm": {"lr": 0.1, "sched": "cosine", "num_epochs": 10, "warmup_epochs": 3,
                                  "warmup_lr": 1e-3}}, "the peak 0.1 is never used")
add("warmup-prefix", {"timm": {"lr": 0.1, "sched": "cosine", "num_epochs": 10, "warmup_epochs": 3,
                               "warmup_lr": 1e-3, "warmup_prefix": True}})
add("imagenet-recipe", {"timm": {"lr": 0.5, "sched": "cosine", "num_epochs": 300, "warmup_epochs": 5,
                                 "warmup_lr": 1e-6, "min_lr": 1e-5, "step_on_epochs": False},
                        "steps_per_epoch": 3},
    "timm's ImageNet recipe per update, with 3 updates an epoch to keep it small")
add("multistep-early", {"lr": 0.1, "epochs": 12,
                        "scheduler": {"type": "timm.MultiStepLRScheduler", "decay_t": [4, 8], "decay_rate": 0.1}},
    "decays at t = 3 and 7")
add("cycle-limit-holds", {"lr": 0.1, "epochs": 30,
                          "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 10, "cycle_limit": 2,
                                        "lr_min": 1e-3}})
add("cycle-mul-decay", {"lr": 0.1, "epochs": 80,
                        "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 5, "cycle_mul": 2,
                                      "cycle_decay": 0.5, "cycle_limit": 4, "warmup_t": 2,
                                      "warmup_lr_init": 1e-4}})
add("cycle-mul-fractional", {"lr": 0.1, "epochs": 90,
                             "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 7, "cycle_mul": 1.5,
                                           "cycle_decay": 0.8, "cycle_limit": 6}})
add("cycle-mul-below-one", {"lr": 0.1, "epochs": 19,
                            "scheduler": {"type": "timm.PolyLRScheduler", "t_initial": 10, "cycle_mul": 0.5,
                                          "cycle_limit": 5, "power": 2}})
add("noise-small-pct", {"lr": 0.1, "epochs": 40,
                        "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 40, "noise_range_t": 0,
                                      "noise_pct": 0.005, "noise_std": 1.0}},
    "about 250 draws a step")
add("noise-range-per-update", {"lr": 0.1, "epochs": 20, "steps_per_epoch": 25,
                               "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 500,
                                             "t_in_epochs": False, "noise_range_t": [100, 400],
                                             "noise_pct": 0.2, "noise_seed": 3}})
add("noise-std-zero", {"lr": 0.1, "epochs": 10,
                       "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 3, "noise_range_t": 2,
                                     "noise_std": 0}})
add("noise-uniform-plateau", {"lr": 0.1, "epochs": 16,
                              "scheduler": {"type": "timm.PlateauLRScheduler", "noise_range_t": [2, 12],
                                            "noise_type": "uniform", "noise_pct": 0.3, "patience_t": 1,
                                            "mode": "min", "warmup_t": 2, "warmup_lr_init": 1e-3,
                                            "metrics": [1, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7,
                                                        0.7, 0.7, 0.7, 0.7, 0.7]}})
add("tanh-warmup-no-prefix", {"lr": 0.1, "epochs": 20,
                              "scheduler": {"type": "timm.TanhLRScheduler", "t_initial": 15, "warmup_t": 4,
                                            "warmup_lr_init": 1e-3}},
    "warms up to _get_lr(warmup_t), not to the lr")
add("k-decay-int", {"lr": 0.1, "epochs": 40, "steps_per_epoch": 4,
                    "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 160, "k_decay": 3,
                                  "t_in_epochs": False}},
    "an int k keeps t_curr ** k an exact int")
add("step-float-decay-t", {"lr": 0.1, "epochs": 30,
                           "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 2.7, "decay_rate": 0.8}})
add("initialize-false", {"optimizer": {"lr": 0.1, "param_groups": [{"initial_lr": 0.5}, {"lr": 0.2, "initial_lr": 0.3,
                                                                                         "lr_scale": 0.5}]},
                         "epochs": 12,
                         "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 10, "initialize": False}})
add("layer-decay", {"optimizer": {"lr": 0.004, "param_groups": [{"lr_scale": 0.65 ** (4 - k)} for k in range(5)]},
                    "epochs": 15, "steps_per_epoch": 2,
                    "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 30, "warmup_t": 6,
                                  "warmup_lr_init": 1e-6, "t_in_epochs": False, "noise_range_t": 10}},
    "layer-wise decay: lr_scale 0.65 ** depth")
add("wsd-rsqrt-power", {"lr": 0.1, "epochs": 40,
                        "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 35, "decay_t": 10, "warmup_t": 5,
                                      "stable_fn": "rsqrt", "decay_fn": "power", "decay_power": 2.0,
                                      "lr_min": 0.002}})
add("factory-cooldown", {"timm": {"lr": 0.1, "sched": "cosine", "num_epochs": 10, "cooldown_epochs": 3,
                                  "min_lr": 1e-4}})
add("factory-none-lr-scale", {"optimizer": {"lr": 0.1, "param_groups": [{"lr_scale": 0.5}, {}]},
                              "timm": {"sched": "none", "num_epochs": 4, "warmup_epochs": 2, "warmup_prefix": True}})

for i in range(34):
    for cls in ("CosineLRScheduler", "TanhLRScheduler", "StepLRScheduler", "MultiStepLRScheduler",
                "PolyLRScheduler", "WSDLRScheduler"):
        class_case(cls, i)
    if i < 20:
        plateau_case(i)
for i in range(9):
    for sched in SCHEDS:
        factory_case(sched, i)

# refusals: what timm asserts or raises
_C = {"lr": 0.1, "epochs": 10}
refuse("cosine-t-initial-zero", {**_C, "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 0}})
refuse("cosine-lr-min-negative", {**_C, "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 5, "lr_min": -1e-3}})
refuse("poly-t-initial-negative", {**_C, "scheduler": {"type": "timm.PolyLRScheduler", "t_initial": -3}})
refuse("tanh-lb-above-ub", {**_C, "scheduler": {"type": "timm.TanhLRScheduler", "t_initial": 5, "lb": 3, "ub": -3}})
refuse("tanh-lb-equals-ub", {**_C, "scheduler": {"type": "timm.TanhLRScheduler", "t_initial": 5, "lb": 1, "ub": 1}})
refuse("tanh-cycle-limit-negative", {**_C, "scheduler": {"type": "timm.TanhLRScheduler", "t_initial": 5, "cycle_limit": -1}})
refuse("tanh-warmup-negative", {**_C, "scheduler": {"type": "timm.TanhLRScheduler", "t_initial": 5, "warmup_t": -2}})
refuse("tanh-warmup-lr-negative", {**_C, "scheduler": {"type": "timm.TanhLRScheduler", "t_initial": 5, "warmup_t": 2,
                                                       "warmup_lr_init": -0.1}})
refuse("cosine-cycles-run-out", {"lr": 0.1, "epochs": 25, "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 10,
                                                                        "cycle_mul": 0.5, "cycle_limit": 9}},
       "math.log of a negative number once t passes t_initial / (1 - cycle_mul)")
refuse("cosine-k-decay-negative", {**_C, "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 5, "k_decay": -1,
                                                       "cycle_limit": 2}},
       "0 ** -1 at the second cycle's start")
refuse("step-decay-t-zero", {**_C, "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 0}})
refuse("noise-range-one-item", {**_C, "scheduler": {"type": "timm.StepLRScheduler", "decay_t": 2, "noise_range_t": [3]}})
refuse("initialize-without-initial-lr", {**_C, "scheduler": {"type": "timm.CosineLRScheduler", "t_initial": 5,
                                                            "initialize": False}})
refuse("wsd-decay-above-t-initial", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 6}})
refuse("wsd-decay-zero", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 0}})
refuse("wsd-stable-fn", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                             "stable_fn": "sqrt"}})
refuse("wsd-decay-fn", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                            "decay_fn": "step"}})
refuse("wsd-decay-ratio", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                               "decay_fn": "exp", "decay_ratio": 1.5}})
refuse("wsd-decay-power", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                               "decay_power": 0}})
refuse("wsd-stable-power", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                                "stable_fn": "power", "stable_timescale": 2, "stable_power": -1}})
refuse("wsd-rsqrt-no-timescale", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                                      "stable_fn": "rsqrt"}})
refuse("wsd-lr-min-negative", {**_C, "scheduler": {"type": "timm.WSDLRScheduler", "t_initial": 5, "decay_t": 2,
                                                   "lr_min": -1}})
refuse("plateau-decay-rate-one", {**_C, "scheduler": {"type": "timm.PlateauLRScheduler", "decay_rate": 1.0,
                                                      "metrics": [1.0] * 9}})
refuse("plateau-mode", {**_C, "scheduler": {"type": "timm.PlateauLRScheduler", "mode": "mid", "metrics": [1.0] * 9}})
refuse("factory-unknown-sched", {"lr": 0.1, "timm": {"sched": "cosine_annealing"}})
refuse("factory-plateau-per-update", {"lr": 0.1, "steps_per_epoch": 4,
                                      "timm": {"sched": "plateau", "step_on_epochs": False, "num_epochs": 5,
                                               "metrics": [1.0] * 5}})
refuse("factory-per-update-without-units", {"lr": 0.1, "timm": {"sched": "cosine", "step_on_epochs": False}})
refuse("factory-wsd-decay-too-long", {"lr": 0.1, "timm": {"sched": "wsd", "num_epochs": 10, "decay_epochs": 12}})
refuse("factory-wsd-warmup-eats-all", {"lr": 0.1, "timm": {"sched": "wsd", "num_epochs": 10, "warmup_epochs": 10}})
refuse("factory-min-lr-negative", {"lr": 0.1, "timm": {"sched": "cosine", "num_epochs": 10, "min_lr": -0.1}})
refuse("factory-rsqrt-no-timescale", {"lr": 0.1, "timm": {"sched": "rsqrt", "num_epochs": 10}})
refuse("factory-tanh-cycle-limit", {"lr": 0.1, "timm": {"sched": "tanh", "num_epochs": 10, "cycle_limit": -1}})


def render() -> str:
    """The text of timm.json, computed with the torch and timm installed."""
    if not torch.__version__.startswith(TORCH_VERSION):
        print(f"warning: torch {torch.__version__}, golden data is meant for {TORCH_VERSION}", file=sys.stderr)
    ids = [c[0] for c in CASES] + [r[0] for r in REFUSALS]
    assert len(ids) == len(set(ids)), "duplicate ids"
    cases, refusals = [], []
    for cid, spec, note in CASES:
        try:
            rows = run(spec)
        except Exception as exc:           # a random draw timm refuses is a refusal case
            refusals.append({"id": cid, "spec": spec, "timm_error": f"{type(exc).__name__}: {exc}"})
            continue
        entry = {"id": cid, "spec": spec, "steps_per_epoch": steps_per_epoch(spec), "lr": rows}
        if note:
            entry["note"] = note
        cases.append(entry)
    for cid, spec, note in REFUSALS:
        try:
            run(spec)
        except Exception as exc:
            entry = {"id": cid, "spec": spec, "timm_error": f"{type(exc).__name__}: {exc}"}
            if note:
                entry["note"] = note
            refusals.append(entry)
        else:
            sys.exit(f"refusal {cid} runs in timm")
    doc = {"torch": TORCH_VERSION, "timm": TIMM_VERSION, "cases": cases, "refusals": refusals}
    return json.dumps(doc, indent=None, separators=(",", ":")).replace('},{"id"', '},\n{"id"') + "\n"


if __name__ == "__main__":
    text = render()
    OUT.write_text(text)
    doc = json.loads(text)
    print(f"wrote {OUT.name}: {len(doc['cases'])} cases, {len(doc['refusals'])} refusals, "
          f"{len(text) / 1e6:.2f} MB")
