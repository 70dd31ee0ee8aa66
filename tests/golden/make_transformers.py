#!/usr/bin/env python3
"""Write tests/golden/transformers.json: Hugging Face transformers' schedules (SPEC.md section
5), computed by transformers 5.24.0 itself on torch 2.13.0.

It never imports lrsched; transformers and torch are needed only to run it, in a throwaway
environment:

    python -m venv /tmp/hf && /tmp/hf/bin/pip install torch==2.13.0 transformers==5.24.0 accelerate==1.15.0
    /tmp/hf/bin/python tests/golden/make_transformers.py

Three kinds of case:

* ``cases``: a spec with ``scheduler: {type: transformers.NAME, ...}`` (or those inside a
  SequentialLR / ChainedScheduler).  The scheduler is what ``get_scheduler(NAME, optimizer,
  num_warmup_steps, num_training_steps, scheduler_specific_kwargs=<the other keywords>)``
  returns, ``num_training_steps`` being the spec's rows when the spec leaves it out.  Where
  get_scheduler would drop a keyword the function takes (``last_epoch`` of constant and
  constant_with_warmup) the function itself is called.  The loop is the tutorial's: record
  every group's lr, ``optimizer.step()``, ``scheduler.step()`` (``step(metric)`` for
  reduce_lr_on_plateau and greedy).
* ``trainer``: a spec with the Trainer form (``transformers:`` TrainingArguments keys, and
  ``dataset_size``/``world_size`` or ``steps_per_epoch`` at the top level).  The counts are
  the Trainer's own: ``TrainingArguments(...)`` (its validation and its parsing of
  lr_scheduler_kwargs), a real DataLoader over ``dataset_size`` items sharded by accelerate's
  ``BatchSamplerShard`` as ``accelerator.prepare`` shards it on ``world_size`` processes,
  ``Trainer.set_initial_training_values`` for the updates per epoch and N,
  ``TrainingArguments.get_warmup_steps(N)`` for W (``warmup_ratio``, the 4.x key, as 4.x read
  it: ``ceil(N * warmup_ratio)`` when warmup_steps is 0), then ``get_scheduler`` on the
  Trainer's AdamW at ``learning_rate`` and N rows of the loop above.
* ``errors``: specs transformers refuses, with the exception it raises.
"""

import json
import math
import random
import sys
import tempfile
import warnings
from pathlib import Path

import torch
import transformers
from torch.optim import lr_scheduler as tls
from transformers import optimization as hf
from transformers.trainer import Trainer
from transformers.training_args import TrainingArguments

HERE = Path(__file__).resolve().parent
OUT = HERE / "transformers.json"
TORCH_VERSION = "2.13.0"
TRANSFORMERS_VERSION = "5.24.0"
SEED = 20260512

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()


# ---------------------------------------------------------------------------------- torch side
def optimizer_of(spec):
    """SGD (or the spec's class) over one parameter per group, with the spec's keywords."""
    opt = dict(spec.get("optimizer", {"lr": spec.get("lr", 0.001)}))
    cls = getattr(torch.optim, opt.pop("type", "SGD"))
    groups = opt.pop("param_groups", None)
    if groups is None:
        return cls([torch.nn.Parameter(torch.zeros(1))], **opt)
    return cls([{"params": [torch.nn.Parameter(torch.zeros(1))], **g} for g in groups], **opt)


def build(sched, optimizer, rows):
    """The scheduler of a scheduler mapping, constructed on ``optimizer``."""
    sched = dict(sched)
    kind = sched.pop("type")
    if kind == "SequentialLR":
        children = [build(c, optimizer, rows) for c in sched["schedulers"]]
        return tls.SequentialLR(optimizer, children, milestones=sched["milestones"])
    if kind == "ChainedScheduler":
        return tls.ChainedScheduler([build(c, optimizer, rows) for c in sched["schedulers"]])
    if not kind.startswith("transformers."):
        return getattr(tls, kind)(optimizer, **sched)
    name = kind.split(".", 1)[1]
    sched.pop("metrics", None)
    warmup = sched.pop("num_warmup_steps", None)
    training = sched.pop("num_training_steps", rows)
    if name in ("constant", "constant_with_warmup") and sched:      # get_scheduler drops them
        function = hf.TYPE_TO_SCHEDULER_FUNCTION[hf.SchedulerType(name)]
        return function(optimizer, **({} if name == "constant" else {"num_warmup_steps": warmup}), **sched)
    return hf.get_scheduler(name, optimizer, num_warmup_steps=warmup, num_training_steps=training,
                            scheduler_specific_kwargs=sched or None)


def metric_values(sched, rows):
    values = sched.get("metrics")
    return values[:rows - 1] if values is not None else None


def run(spec):
    rows = spec["epochs"]
    optimizer = optimizer_of(spec)
    scheduler = build(spec["scheduler"], optimizer, rows)
    metrics = metric_values(spec["scheduler"], rows)
    out = []
    for row in range(rows):
        out.append([float(g["lr"]) for g in optimizer.param_groups])
        if row == rows - 1:
            break
        optimizer.step()
        if metrics is not None:
            scheduler.step(metrics[row])
        else:
            scheduler.step()
    return out


def refusal(function):
    try:
        function()
    except (ValueError, TypeError, KeyError, ZeroDivisionError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# ------------------------------------------------------------------------------ Trainer side
class _Stub:
    """What Trainer.set_initial_training_values asks of the Trainer besides the arguments."""

    def __init__(self, args, world):
        self.args, self.world = args, world

    def get_total_train_batch_size(self, args):
        return args.per_device_train_batch_size * args.gradient_accumulation_steps * self.world

    def get_sp_size(self):
        return 1

    def num_examples(self, dataloader):
        return len(dataloader) * self.args.per_device_train_batch_size


class _Lengthed:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def dataloader_length(dataset_size, batch, world, drop_last):
    """len() of the Trainer's train dataloader on one of ``world`` processes: torch's
    DataLoader, sharded by accelerate's BatchSamplerShard as accelerator.prepare does."""
    from accelerate.data_loader import BatchSamplerShard

    loader = torch.utils.data.DataLoader(range(dataset_size), batch_size=batch, drop_last=drop_last,
                                         sampler=torch.utils.data.RandomSampler(range(dataset_size)))
    if world == 1:
        return len(loader)
    return len(BatchSamplerShard(loader.batch_sampler, num_processes=world, process_index=0,
                                 split_batches=False, even_batches=True))


TRAINER_KEYS = ("learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "num_train_epochs",
                "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
                "dataloader_drop_last")


def trainer_counts(spec, tmp):
    """(args, steps_per_epoch, N, W) as the Trainer computes them."""
    block = spec["transformers"]
    kwargs = {k: block[k] for k in TRAINER_KEYS if k in block}
    args = TrainingArguments(output_dir=tmp, report_to="none", use_cpu=True, **kwargs)
    if "steps_per_epoch" in spec:
        # the Trainer's count when the dataloader has that many batches and accumulation 1;
        # the form takes steps_per_epoch as updates per epoch directly
        len_dl, gas_args = spec["steps_per_epoch"], _with(args, gradient_accumulation_steps=1)
    elif "dataset_size" in spec:
        len_dl = dataloader_length(spec["dataset_size"], args.per_device_train_batch_size,
                                   spec.get("world_size", 1), args.dataloader_drop_last)
        gas_args = args
    else:
        len_dl, gas_args = None, args
    dataloader = _Lengthed(len_dl) if len_dl is not None else object()
    values = Trainer.set_initial_training_values(_Stub(gas_args, spec.get("world_size", 1)), gas_args, dataloader)
    per_epoch, total = values[1], values[6]
    if block.get("warmup_ratio") and args.warmup_steps == 0:          # transformers 4.x
        warmup = math.ceil(total * block["warmup_ratio"])
    else:
        warmup = args.get_warmup_steps(total)
    return args, per_epoch, total, warmup


def _with(args, **changes):
    import copy

    other = copy.copy(args)
    for key, value in changes.items():
        setattr(other, key, value)
    return other


def run_trainer(spec):
    with tempfile.TemporaryDirectory() as tmp:
        args, per_epoch, total, warmup = trainer_counts(spec, tmp)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=args.learning_rate)
    scheduler = hf.get_scheduler(args.lr_scheduler_type, optimizer, num_warmup_steps=warmup,
                                 num_training_steps=total, scheduler_specific_kwargs=args.lr_scheduler_kwargs)
    out = []
    for row in range(total):
        out.append([float(g["lr"]) for g in optimizer.param_groups])
        if row == total - 1:
            break
        optimizer.step()
        scheduler.step()
    return {"steps_per_epoch": per_epoch, "num_training_steps": total, "num_warmup_steps": warmup, "lr": out}


def trainer_refusal(spec):
    def attempt():
        with tempfile.TemporaryDirectory() as tmp:
            args, _, total, warmup = trainer_counts(spec, tmp)
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=args.learning_rate)
        hf.get_scheduler(args.lr_scheduler_type, optimizer, num_warmup_steps=warmup, num_training_steps=total,
                         scheduler_specific_kwargs=args.lr_scheduler_kwargs)
    return refusal(attempt)


# ----------------------------------------------------------------------------------- the cases
R = random.Random(SEED)
LAMBDA_TYPES = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
                "inverse_sqrt", "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay")


def pick_warmup(rows):
    return R.choice([0, 1, R.randint(2, max(2, rows // 3)), R.randint(2, max(2, rows))])


def pick_training(rows, warmup):
    roll = R.random()
    if roll < 0.35:
        return None                                   # left out: the run's rows
    if roll < 0.8:                                    # ends inside the run: the tail shows
        return R.randint(max(1, warmup), max(1, warmup, rows - 2))
    return R.randint(rows, rows * 2)


def pick_lr():
    return R.choice([0.1, 1.0, 0.001, 3e-4, round(R.uniform(1e-4, 0.5), 6)])


def optimizer_spec(groups, lr):
    """(spec keys, the optimizer's defaults lr): one group, or several with their own lrs."""
    if groups == 1:
        return {"lr": lr}, lr
    top = R.choice([lr, None])
    opt = {"type": "SGD", "param_groups": [{"lr": round(lr * R.choice([1, 0.5, 0.1, 2]), 8)} for _ in range(groups)]}
    if top is not None:
        opt["lr"] = top
    return {"optimizer": opt}, (top if top is not None else 0.001)


def metrics(rows, kind="walk"):
    value, out = R.uniform(0.5, 2.0), []
    for i in range(rows - 1):
        if kind == "walk":
            value += R.choice([-1, -1, 1]) * R.uniform(0, 0.05)
        elif kind == "plateau":
            value = max(0.1, value - 0.05) if i < rows // 3 else value + R.uniform(-0.001, 0.001)
        out.append(round(value, 4))
    return out


def own_keywords(name, rows, warmup, lr_init):
    kw = {}
    if name == "cosine":
        kw["num_cycles"] = R.choice([0.5, 0.5, 1, 2, round(R.uniform(0.1, 3.0), 3)])
    elif name == "cosine_with_restarts":
        if R.random() < 0.8:
            kw["num_cycles"] = R.choice([1, 2, 3, 5, round(R.uniform(0.5, 4.0), 2)])
    elif name == "polynomial":
        if R.random() < 0.7:
            kw["lr_end"] = R.choice([0, 1e-7, round(lr_init * R.uniform(0, 0.5), 9)])
        if R.random() < 0.8:
            kw["power"] = R.choice([1.0, 2.0, 0.5, 3, round(R.uniform(0.2, 4.0), 3)])
    elif name == "inverse_sqrt":
        roll = R.random()
        if roll < 0.4:
            kw["timescale"] = R.randint(1, 200)
        elif roll < 0.55:
            kw["timescale"] = round(R.uniform(0.5, 50.0), 3)
    elif name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        if R.random() < 0.5:
            kw["min_lr"] = round(lr_init * R.uniform(0, 0.5), 9)
        else:
            kw["min_lr_rate"] = R.choice([0.0, 0.1, round(R.uniform(0, 0.6), 4)])
        if R.random() < 0.5:
            kw["num_cycles"] = R.choice([0.5, 1, round(R.uniform(0.2, 2.0), 3)])
        if name == "cosine_warmup_with_min_lr" and R.random() < 0.5:
            kw["warmup_lr_rate"] = R.choice([0.0, 0.1, round(R.uniform(0, 0.9), 4)])
    elif name == "warmup_stable_decay":
        kw["num_decay_steps"] = R.randint(0, max(1, rows // 2))
        if R.random() < 0.4:
            kw["num_stable_steps"] = R.randint(0, max(1, rows // 2))
        kw["warmup_type"] = R.choice(["linear", "cosine", "1-sqrt"])
        kw["decay_type"] = R.choice(["linear", "cosine", "1-sqrt"])
        if R.random() < 0.5:
            kw["min_lr_ratio"] = R.choice([0.0, 0.1, round(R.uniform(0, 0.5), 4)])
        if R.random() < 0.3:
            kw["num_cycles"] = R.choice([0.5, 1, round(R.uniform(0.2, 2.0), 3)])
    return kw


def lambda_case(name, i):
    rows = R.choice([R.randint(1, 12), R.randint(10, 60), R.randint(40, 150)])
    groups = R.choice([1, 1, 1, 2, 3])
    lr = pick_lr()
    opt_keys, lr_init = optimizer_spec(groups, lr)
    warmup = pick_warmup(rows)
    sched = {"type": f"transformers.{name}"}
    if name != "constant" or R.random() < 0.3:
        sched["num_warmup_steps"] = warmup
    training = pick_training(rows, warmup)
    if training is not None and name not in ("constant", "constant_with_warmup", "inverse_sqrt"):
        sched["num_training_steps"] = training
    if name == "polynomial" and sched.get("num_training_steps", rows) == warmup:
        sched["num_training_steps"] = warmup + 1
    sched.update(own_keywords(name, rows, warmup, lr_init))
    if name == "warmup_stable_decay" and "num_training_steps" not in sched and "num_stable_steps" not in sched:
        pass                                              # N = the run's rows
    spec = {"name": f"{name}-{i}", **opt_keys, "epochs": rows, "scheduler": sched}
    if R.random() < 0.15:                                 # resume
        resume(spec, rows)
    return spec


def resume(spec, rows):
    last = R.randint(0, max(0, rows))
    spec["scheduler"]["last_epoch"] = last
    if "optimizer" in spec:
        for g in spec["optimizer"]["param_groups"]:
            g["initial_lr"] = round(g["lr"] * R.choice([1, 2, 0.5]), 8)
    else:
        spec["optimizer"] = {"type": "SGD", "lr": spec.pop("lr"),
                             "param_groups": [{"initial_lr": R.choice([0.1, 0.05, 1.0])}]}
        spec["optimizer"]["param_groups"][0]["lr"] = spec["optimizer"]["lr"]


def plateau_case(i):
    rows = R.randint(5, 80)
    opt_keys, _ = optimizer_spec(R.choice([1, 1, 2]), pick_lr())
    sched = {"type": "transformers.reduce_lr_on_plateau",
             "metrics": metrics(rows, R.choice(["walk", "plateau"]))}
    for key, values in (("mode", ["min", "max"]), ("factor", [0.1, 0.5, 0.9]), ("patience", [0, 1, 2, 5]),
                        ("threshold", [0, 1e-4, 0.01]), ("threshold_mode", ["rel", "abs"]),
                        ("cooldown", [0, 1, 3]), ("min_lr", [0, 1e-4]), ("eps", [1e-8, 0])):
        if R.random() < 0.5:
            sched[key] = R.choice(values)
    if R.random() < 0.3:
        sched["num_warmup_steps"] = R.randint(0, 5)
    return {"name": f"reduce_lr_on_plateau-{i}", **opt_keys, "epochs": rows, "scheduler": sched}


def greedy_case(i):
    rows = R.randint(5, 120)
    groups = R.choice([1, 1, 2])
    opt_keys, _ = optimizer_spec(groups, R.choice([0.1, 0.01, 0.5]))
    sched = {"type": "transformers.greedy", "metrics": metrics(rows, R.choice(["walk", "walk", "plateau"]))}
    for key, values in (("mode", ["min", "max"]), ("factor", [0.5, 0.9, 0.95]), ("patience", [0, 1, 2, 4]),
                        ("threshold", [0, 1e-6, 0.01]), ("threshold_mode", ["rel", "abs"]),
                        ("cooldown", [0, 1, 2]), ("warmup", [0, 1, 3]), ("min_lr", [1e-3, 0.005, 0.02]),
                        ("max_lr", [1.0, 0.2, 0.15]), ("eps", [1e-8, 0]), ("smooth", [True, False]),
                        ("window_size", [1, 3, 10]), ("reset_start", [1, 2, 500])):
        if R.random() < 0.5:
            sched[key] = R.choice(values)
    if groups > 1 and R.random() < 0.5:
        sched["min_lr"] = [R.choice([1e-3, 0.004]) for _ in range(groups)]
    return {"name": f"greedy-{i}", **opt_keys, "epochs": rows, "scheduler": sched}


def composite_cases():
    out = []
    for i in range(14):
        rows = R.randint(20, 90)
        a, b = R.sample(LAMBDA_TYPES, 2)
        first = {"type": f"transformers.{a}", "num_warmup_steps": R.randint(0, 5)}
        first.update(own_keywords(a, rows, 0, 0.1))
        if a == "polynomial":
            first.setdefault("lr_end", 0.0)
        second = {"type": f"transformers.{b}", "num_warmup_steps": R.randint(0, 5),
                  "num_training_steps": R.randint(10, rows)}
        second.update(own_keywords(b, rows, 0, 0.1))
        if b == "polynomial":
            second["lr_end"] = 0.0
            second["num_training_steps"] = max(second["num_training_steps"], second["num_warmup_steps"] + 1)
        if a == "polynomial":
            first["num_training_steps"] = R.randint(6, rows)
        torch_child = R.choice([{"type": "StepLR", "step_size": 7, "gamma": 0.5},
                                {"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
                                {"type": "ExponentialLR", "gamma": 0.97}])
        if i % 3 == 2:
            sched = {"type": "ChainedScheduler", "schedulers": [torch_child, first]}
        elif i % 3 == 1:
            sched = {"type": "SequentialLR", "schedulers": [torch_child, first],
                     "milestones": [R.randint(1, rows - 1)]}
        else:
            sched = {"type": "SequentialLR", "schedulers": [first, second], "milestones": [R.randint(1, rows - 1)]}
        out.append({"name": f"composite-{i}", "lr": 0.1, "epochs": rows, "scheduler": sched})
    return out


def fixed_cases():
    """The checks SPEC.md and NUMERICS.md state, and the quirks worth a name."""
    return [
        {"name": "numerics-cosine", "lr": 0.1, "epochs": 15,
         "scheduler": {"type": "transformers.cosine", "num_warmup_steps": 2, "num_training_steps": 10}},
        {"name": "cosine-rises-after-horizon", "lr": 1.0, "epochs": 400,
         "scheduler": {"type": "transformers.cosine", "num_warmup_steps": 30, "num_training_steps": 200}},
        {"name": "linear-long", "lr": 5e-5, "epochs": 3000,
         "scheduler": {"type": "transformers.linear", "num_warmup_steps": 90}},
        {"name": "polynomial-past-horizon", "lr": 0.01, "epochs": 60,
         "scheduler": {"type": "transformers.polynomial", "num_warmup_steps": 5, "num_training_steps": 40,
                       "lr_end": 1e-4, "power": 2.0}},
        {"name": "inverse-sqrt-no-warmup", "lr": 0.01, "epochs": 50,
         "scheduler": {"type": "transformers.inverse_sqrt", "num_warmup_steps": 0}},
        {"name": "wsd-stable-given", "lr": 3e-4, "epochs": 80,
         "scheduler": {"type": "transformers.warmup_stable_decay", "num_warmup_steps": 10,
                       "num_stable_steps": 40, "num_decay_steps": 20, "decay_type": "1-sqrt",
                       "min_lr_ratio": 0.1}},
        {"name": "wsd-negative-stable", "lr": 3e-4, "epochs": 40,
         "scheduler": {"type": "transformers.warmup_stable_decay", "num_warmup_steps": 10,
                       "num_decay_steps": 30, "num_training_steps": 30}},
        {"name": "cosine-warmup-min-lr-w0", "lr": 0.1, "epochs": 20,
         "scheduler": {"type": "transformers.cosine_warmup_with_min_lr", "num_warmup_steps": 0,
                       "num_training_steps": 10, "min_lr_rate": 0.1}},
        {"name": "min-lr-of-defaults", "optimizer": {"type": "SGD", "lr": 0.2,
                                                     "param_groups": [{"lr": 0.1}, {"lr": 0.4}]},
         "epochs": 30, "scheduler": {"type": "transformers.cosine_with_min_lr", "num_warmup_steps": 3,
                                     "num_training_steps": 20, "min_lr": 0.02}},
        {"name": "polynomial-of-defaults", "optimizer": {"type": "SGD", "param_groups": [{"lr": 0.1}, {"lr": 0.01}]},
         "epochs": 30, "scheduler": {"type": "transformers.polynomial", "num_warmup_steps": 3,
                                     "num_training_steps": 20, "lr_end": 1e-4}},
        {"name": "constant-resume", "optimizer": {"type": "SGD", "lr": 0.1,
                                                  "param_groups": [{"lr": 0.1, "initial_lr": 0.3}]},
         "epochs": 5, "scheduler": {"type": "transformers.constant", "last_epoch": 4}},
        {"name": "constant-with-warmup-resume", "optimizer": {"type": "SGD", "lr": 0.1,
                                                              "param_groups": [{"lr": 0.1, "initial_lr": 0.3}]},
         "epochs": 12, "scheduler": {"type": "transformers.constant_with_warmup", "num_warmup_steps": 8,
                                     "last_epoch": 3}},
        {"name": "greedy-resets", "lr": 0.01, "epochs": 60,
         "scheduler": {"type": "transformers.greedy", "patience": 0, "factor": 0.5, "reset_start": 2,
                       "min_lr": 0.004, "metrics": [1.0 + 0.01 * k for k in range(59)]}},
        {"name": "greedy-rises", "lr": 0.01, "epochs": 40,
         "scheduler": {"type": "transformers.greedy", "patience": 1, "factor": 0.8, "max_lr": 0.05,
                       "warmup": 2, "smooth": True, "window_size": 3,
                       "metrics": [1.0 - 0.02 * k for k in range(39)]}},
    ]


def type_cases():
    cases = fixed_cases()
    for name in LAMBDA_TYPES:
        for i in range(20):
            cases.append(lambda_case(name, i))
    cases += [plateau_case(i) for i in range(14)]
    cases += [greedy_case(i) for i in range(18)]
    cases += composite_cases()
    return cases


def trainer_spec(i):
    block = {"learning_rate": R.choice([2e-5, 5e-5, 1e-4, 3e-4, 1e-3])}
    kind = R.choice(LAMBDA_TYPES)
    if kind != "linear" or R.random() < 0.5:
        block["lr_scheduler_type"] = kind
    kwargs = own_keywords(kind, 100, 0, block["learning_rate"]) if kind != "warmup_stable_decay" else \
        {"num_decay_steps": R.randint(5, 30), "decay_type": R.choice(["linear", "cosine", "1-sqrt"])}
    if kind == "polynomial":
        kwargs["lr_end"] = 0.0
    if kwargs and kind not in ("constant", "constant_with_warmup"):
        block["lr_scheduler_kwargs"] = kwargs if i % 5 else json.dumps(kwargs)
    roll = R.random()
    if roll < 0.3:
        block["warmup_steps"] = R.choice([0.03, 0.1, 0.05, 0.5, 0.01])
    elif roll < 0.6:
        block["warmup_steps"] = R.choice([1, 10, 50, 7.9])
    elif roll < 0.7:
        block["warmup_ratio"] = R.choice([0.03, 0.1])
    if R.random() < 0.25:
        block["max_steps"] = R.randint(20, 600)
    else:
        block["num_train_epochs"] = R.choice([1, 2, 3, 0.5, 1.5, 2.25, 0.1, 3.0])
    block["per_device_train_batch_size"] = R.choice([1, 4, 8, 16, 32])
    if R.random() < 0.6:
        block["gradient_accumulation_steps"] = R.choice([1, 2, 3, 4, 8])
    if R.random() < 0.3:
        block["dataloader_drop_last"] = R.choice([True, False])
    if R.random() < 0.3:
        block.update(R.choice([{"output_dir": "out"}, {"logging_steps": 10, "save_strategy": "no"},
                               {"seed": 42, "bf16": True}]))
    spec = {"name": f"trainer-{i}", "transformers": block}
    roll = R.random()
    if roll < 0.15:
        spec["steps_per_epoch"] = R.randint(1, 200)
    elif roll < 0.2 and "max_steps" in block:
        pass                                              # a dataset without a length
    else:
        spec["dataset_size"] = R.randint(50, 20000)
        if R.random() < 0.6:
            spec["world_size"] = R.choice([1, 2, 3, 4, 8])
    return spec


def trainer_cases():
    fixed = [{"name": "spec-example", "transformers": {
        "learning_rate": 2e-5, "lr_scheduler_type": "cosine_with_min_lr", "lr_scheduler_kwargs": {"min_lr_rate": 0.1},
        "warmup_steps": 0.03, "num_train_epochs": 3, "per_device_train_batch_size": 16,
        "gradient_accumulation_steps": 4}, "dataset_size": 52002, "world_size": 8},
        {"name": "ceil-of-float-epochs", "transformers": {"num_train_epochs": 0.1, "per_device_train_batch_size": 1},
         "dataset_size": 30},
        {"name": "accumulation-partial-window", "transformers": {
            "lr_scheduler_type": "cosine", "warmup_steps": 5, "num_train_epochs": 2,
            "per_device_train_batch_size": 8, "gradient_accumulation_steps": 3}, "dataset_size": 100},
        {"name": "drop-last-sharded", "transformers": {
            "num_train_epochs": 2, "per_device_train_batch_size": 8, "dataloader_drop_last": True},
         "dataset_size": 1000, "world_size": 3}]
    specs = fixed + [trainer_spec(i) for i in range(70)]
    out = []
    for spec in specs:
        result = run_trainer(spec)
        out.append({"id": spec["name"], "spec": spec, **result, "rows": len(result["lr"])})
    return out


def error_cases():
    """(spec, the exception transformers raises); type-form and Trainer-form."""
    two = {"optimizer": {"type": "SGD", "lr": 0.1, "param_groups": [{"lr": 0.1}, {"lr": 0.2}]}}
    typed = [
        ("no-warmup-linear", {"lr": 0.1, "epochs": 10, "scheduler": {"type": "transformers.linear"}}),
        ("no-warmup-wsd", {"lr": 0.1, "epochs": 10,
                           "scheduler": {"type": "transformers.warmup_stable_decay", "num_decay_steps": 3}}),
        ("no-training-cosine", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.cosine", "num_warmup_steps": 2, "num_training_steps": None}}),
        ("wsd-no-decay", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.warmup_stable_decay", "num_warmup_steps": 2}}),
        ("wsd-neither-length", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.warmup_stable_decay", "num_warmup_steps": 2, "num_decay_steps": 3,
            "num_training_steps": None}}),
        ("wsd-warmup-type", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.warmup_stable_decay", "num_warmup_steps": 2, "num_decay_steps": 3,
            "warmup_type": "exponential"}}),
        ("wsd-decay-type", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.warmup_stable_decay", "num_warmup_steps": 2, "num_decay_steps": 3,
            "decay_type": "sqrt"}}),
        ("min-lr-both", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.cosine_with_min_lr", "num_warmup_steps": 2, "min_lr": 0.01, "min_lr_rate": 0.1}}),
        ("min-lr-neither", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.cosine_warmup_with_min_lr", "num_warmup_steps": 2}}),
        ("min-lr-of-zero-lr", {"lr": 0.0, "epochs": 10, "scheduler": {
            "type": "transformers.cosine_with_min_lr", "num_warmup_steps": 2, "min_lr": 0.01}}),
        ("polynomial-lr-end-above", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.polynomial", "num_warmup_steps": 2, "lr_end": 0.1}}),
        ("polynomial-lr-end-above-defaults", {**two, "epochs": 10, "scheduler": {
            "type": "transformers.polynomial", "num_warmup_steps": 2, "lr_end": 0.15}}),
        ("polynomial-zero-decay", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.polynomial", "num_warmup_steps": 4, "num_training_steps": 4}}),
        ("greedy-factor", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.greedy", "factor": 1.0, "metrics": [1.0] * 9}}),
        ("greedy-min-lr-count", {**two, "epochs": 10, "scheduler": {
            "type": "transformers.greedy", "min_lr": [0.001, 0.001, 0.001], "metrics": [1.0] * 9}}),
        ("plateau-factor", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.reduce_lr_on_plateau", "factor": 1.5, "metrics": [1.0] * 9}}),
        ("resume-without-initial-lr", {"lr": 0.1, "epochs": 10, "scheduler": {
            "type": "transformers.cosine", "num_warmup_steps": 2, "last_epoch": 3}}),
    ]
    out = []
    for cid, spec in typed:
        rows = spec["epochs"]
        reason = refusal(lambda spec=spec, rows=rows: run(spec))
        assert reason is not None, cid
        out.append({"id": cid, "spec": spec, "raises": reason})
    trainer = [
        ("trainer-negative-warmup", {"transformers": {"warmup_steps": -5, "num_train_epochs": 1},
                                     "dataset_size": 100}),
        ("trainer-unknown-type", {"transformers": {"lr_scheduler_type": "cosine_annealing"}, "dataset_size": 100}),
        ("trainer-min-lr-missing", {"transformers": {"lr_scheduler_type": "cosine_with_min_lr"},
                                    "dataset_size": 100}),
        ("trainer-wsd-no-decay", {"transformers": {"lr_scheduler_type": "warmup_stable_decay"}, "dataset_size": 100}),
        ("trainer-kwargs-unknown", {"transformers": {"lr_scheduler_type": "cosine",
                                                     "lr_scheduler_kwargs": {"num_cycle": 2}}, "dataset_size": 100}),
        ("trainer-kwargs-warmup-twice", {"transformers": {"lr_scheduler_type": "linear",
                                                          "lr_scheduler_kwargs": {"num_warmup_steps": 5}},
                                         "dataset_size": 100}),
        ("trainer-polynomial-lr-end", {"transformers": {"lr_scheduler_type": "polynomial", "learning_rate": 1e-8},
                                       "dataset_size": 100}),
    ]
    for cid, spec in trainer:
        reason = trainer_refusal(spec)
        assert reason is not None, cid
        out.append({"id": cid, "spec": spec, "raises": reason})
    return out


def render() -> str:
    assert torch.__version__.split("+")[0] == TORCH_VERSION, torch.__version__
    assert transformers.__version__ == TRANSFORMERS_VERSION, transformers.__version__
    torch.set_num_threads(1)
    global R
    R = random.Random(SEED)
    cases = []
    for spec in type_cases():
        lr = run(spec)
        cases.append({"id": spec["name"], "spec": spec, "rows": len(lr), "lr": lr})
    document = {
        "torch": TORCH_VERSION, "transformers": TRANSFORMERS_VERSION,
        "cases": cases, "trainer": trainer_cases(), "errors": error_cases(),
    }
    return json.dumps(document, indent=None, separators=(",", ":")).replace('{"id"', '\n{"id"') + "\n"


if __name__ == "__main__":
    text = render()
    OUT.write_text(text, encoding="utf-8")
    data = json.loads(text)
    print(f"wrote {OUT.name}: {len(data['cases'])} cases, {len(data['trainer'])} Trainer-form cases, "
          f"{len(data['errors'])} refusals", file=sys.stderr)
