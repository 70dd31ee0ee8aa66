"""``lrsched export``: a spec as a self-contained Python script (SPEC.md section 8).

The script builds the optimizer and the scheduler with the library's own classes (the part
to paste into a training script comes first, marked as such), then runs the loop the spec
describes and prints one line per row: exactly what ``lrsched table SPEC --format plain``
prints.  Expressions become Python lambdas (their :mod:`math` names qualified),
ReduceLROnPlateau's metrics a list passed to ``step()``, ``warmup:`` the SequentialLR it
stands for.  Nothing here runs the script: it is text.

>>> print(script({"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": 2}}).split("# ---")[1])
 construction: paste this part into your training script ---------------------------
params = [torch.nn.Parameter(torch.zeros(1))]  # stand-in: your model.parameters()
optimizer = torch.optim.SGD(params, lr=0.1)
scheduler = lr_scheduler.StepLR(optimizer, step_size=2)
<BLANKLINE>
"""

from __future__ import annotations

import re

from lrsched.constraints import Expr, Metrics, PerGroup, Real, SchedulerList
from lrsched.errors import SpecError
from lrsched.expr import Expression, PythonFunction

TARGETS = ("torch", "transformers", "timm")
RULE = "# " + "-" * 86
# group keys whose value flows into get_last_lr(): written as floats, since lrsched's table
# prints floats (torch keeps an int lr as int until something scales it)
FLOAT_GROUP_KEYS = ("lr", "initial_lr", "max_lr", "min_lr")


def script(spec, *, to: str | None = None, source: str | None = None) -> str:
    """The export of ``spec`` (anything :func:`~lrsched.spec.load_spec` takes, or a loaded
    :class:`~lrsched.spec.SpecDocument`) to ``to`` (``torch``: the default for torch's
    schedulers), as the script's text.  ``source``: the file name the script's header names."""
    from lrsched.spec import SpecDocument, load_spec

    document = spec if isinstance(spec, SpecDocument) else load_spec(spec)
    used = set().union(*(libraries_of(s.stepped) for s in document.schedules))
    others = sorted(used - {"torch"})
    target = to or (others[0] if len(others) == 1 else "torch")
    if target not in TARGETS:
        raise SpecError(f"must be one of {', '.join(TARGETS)}, got {target!r}", key="--to")
    if len(others) > 1:
        raise SpecError(f"this spec mixes {' and '.join(others)} schedules; export writes one library's "
                        f"script: split it into a spec per library", key="--to")
    if others and target != others[0]:
        raise SpecError(f"this spec's schedulers include {others[0]}'s; export them with --to {others[0]}",
                        key="--to")
    if target != "torch" and target not in used:
        raise SpecError(f"this spec's schedulers are torch's; --to {target} exports {target}'s schedules",
                        key="--to")
    name = source or document.source
    writer = _Script()
    several = len(document.schedules) > 1
    for i, schedule in enumerate(document.schedules):
        writer.schedule(schedule, several=several, first=i == 0)
    return writer.text(name, several)


def libraries_of(scheduler) -> set:
    """The libraries a scheduler and its children come from (``torch``, ``transformers``...)."""
    found = {scheduler.definition.library}
    for child in scheduler.params.get("schedulers") or ():
        found |= libraries_of(child)
    return found


class _Script:
    """The script's parts: imports, then per schedule its construction and its loop."""

    def __init__(self) -> None:
        self.math = False
        self.transformers: set = set()       # names imported from transformers
        self.timm: set = set()               # classes imported from timm.scheduler
        self.body: list[str] = []

    def text(self, source: str, several: bool) -> str:
        what = "the schedules" if several else "the schedule"
        head = [f'"""{what.capitalize()} of {_one_line(source)}, exported by lrsched.',
                "",
                f"Running it prints exactly what `lrsched table {_one_line(source)} --format plain` prints.",
                '"""', ""]
        imports = (["import math", ""] if self.math else []) + ["import torch",
                                                                "from torch.optim import lr_scheduler"]
        if self.transformers:
            imports.append(f"from transformers import {', '.join(sorted(self.transformers))}")
        if self.timm:
            imports = ["import importlib.util", "import sys", "import types", ""] + imports + TIMM_IMPORT + [
                f"from timm.scheduler import {', '.join(sorted(self.timm))}  # noqa: E402"]
        imports.append("")
        return "\n".join(head + imports + self.body).rstrip("\n") + "\n"

    # -- one schedule
    def schedule(self, schedule, *, several: bool, first: bool) -> None:
        from lrsched.engine import compute

        result = compute(schedule)        # refused here as `table` would refuse it
        out = self.body
        if not first:
            out.append("")
        if several:
            out += [f"print({_string('# ' + _one_line(schedule.name))})", ""]
        out.append(RULE[:4] + " construction: paste this part into your training script " + "-" * 27)
        out += _shown_comments(schedule)
        out += self.optimizer(schedule)
        names = _Names()
        out += self.scheduler(schedule.stepped, names, top=True, schedule=schedule)
        out += ["", RULE[:4] + " the loop: one line per row, as `lrsched table` prints them " + "-" * 25]
        if schedule.stepped.definition.library == "timm":
            out += self.timm_loop(schedule, result)
        else:
            out += self.loop(schedule, result)

    def optimizer(self, schedule) -> list[str]:
        """``params = ...`` and ``optimizer = torch.optim.CLASS(...)``: keywords every group
        shares (those not at torch's default, and lr) on the constructor, the rest per group."""
        from lrsched.optimizers import optimizer_class

        spec = schedule.optimizer
        torch_class = optimizer_class(spec.type)
        defaults = torch_class.defaults
        groups = spec.groups
        shared = {k: groups[0][k] for k in defaults if k in groups[0] and k != "lr"
                  and all(k in g and _same(g[k], groups[0][k]) for g in groups)}
        # the constructor's lr is optimizer.defaults["lr"] (which some schedulers read); a
        # group with another lr says so
        lr = spec.default_lr if spec.default_lr is not None else groups[0]["lr"]
        keywords = {"lr": lr, **{k: v for k, v in shared.items() if not _same(v, defaults[k])}}
        own = [{k: v for k, v in g.items() if k not in shared and not (k == "lr" and _same(v, lr))}
               for g in groups]
        call = f"optimizer = torch.optim.{torch_class.name}"
        if len(groups) == 1 and not own[0]:
            return ["params = [torch.nn.Parameter(torch.zeros(1))]  # stand-in: your model.parameters()",
                    f"{call}(params{_keywords(keywords)})"]
        lines = [f"params = [torch.nn.Parameter(torch.zeros(1)) for _ in range({len(groups)})]"
                 "  # stand-in: your model's parameters, one list per group",
                 f"{call}(["]
        for i, group in enumerate(own):
            items = [f'"params": [params[{i}]]'] + [f"{_string(k)}: {_value(k, v)}" for k, v in group.items()]
            lines.append("    {" + ", ".join(items) + "},")
        lines.append(f"]{_keywords(keywords)})")
        return lines

    def scheduler(self, spec, names: "_Names", *, top: bool, schedule) -> list[str]:
        """Lines that build ``spec`` (children first, as torch needs them) into a variable:
        ``scheduler`` for the top one."""
        definition = spec.definition
        if definition.library == "transformers":
            return self.transformers_scheduler(spec, names, top=top, schedule=schedule)
        if definition.library == "timm":
            return self.timm_scheduler(spec)
        lines, keywords, children = [], [], None
        for param in definition.params:
            value = spec.params[param.name]
            if isinstance(param.constraint, SchedulerList):
                children = []
                for child in value:
                    lines += self.scheduler(child, names, top=False, schedule=schedule)
                    children.append(names.last)
                continue
            if isinstance(param.constraint, Metrics):
                continue
            if not param.required and _same(value, param.default) and not (
                    names.is_warmup(spec, schedule) and param.name in ("start_factor", "total_iters")):
                continue
            keywords.append(f"{param.name}={self.value(param, value)}")
        if definition.name == "ChainedScheduler":
            arguments = [f"[{', '.join(children)}]", "optimizer=optimizer"]
        elif children is not None:
            arguments = ["optimizer", f"schedulers=[{', '.join(children)}]"] + keywords
        else:
            arguments = ["optimizer"] + keywords
        variable = "scheduler" if top else names.new(definition.name, spec, schedule)
        note = f"  # warmup: {names.warmup_note(schedule)}" if names.is_warmup(spec, schedule) else ""
        lines.append(f"{variable} = lr_scheduler.{definition.name}({', '.join(arguments)}){note}")
        names.last = variable
        return lines

    def transformers_scheduler(self, spec, names: "_Names", *, top: bool, schedule) -> list[str]:
        """A ``transformers.NAME`` scheduler, as HF builds it: ``get_scheduler(NAME, ...)``
        with the counts it takes and the type's own keywords (a resumed one, ``last_epoch``,
        through the type's own function, which get_scheduler cannot pass it to)."""
        definition = spec.definition
        p = spec.params
        counts, own = [], []
        for param in definition.params:
            value = p[param.name]
            if isinstance(param.constraint, Metrics) or param.name == "last_epoch":
                continue
            if param.name in ("num_warmup_steps", "num_training_steps"):
                if value is not None:
                    counts.append(f"{param.name}={_number(value)}")
                continue
            if not param.required and _same(value, param.default):
                continue
            own.append((param.name, self.value(param, value)))
        variable = "scheduler" if top else names.new(definition.name, spec, schedule)
        names.last = variable
        if p.get("last_epoch", -1) != -1:
            from lrsched.schedules.transformers import NEEDS_TRAINING, NEEDS_WARMUP

            function = HF_FUNCTIONS[definition.name]
            self.transformers.add(function)
            takes = {"num_warmup_steps": definition.name in NEEDS_WARMUP,
                     "num_training_steps": definition.name in NEEDS_TRAINING | {"warmup_stable_decay"}}
            counts = [c for c in counts if takes[c.split("=")[0]]]
            arguments = ["optimizer", *counts, *(f"{k}={v}" for k, v in own), f"last_epoch={p['last_epoch']}"]
            return [f"{variable} = {function}({', '.join(arguments)})"]
        self.transformers.add("get_scheduler")
        arguments = [_string(definition.name), "optimizer", *counts]
        if own:
            arguments.append("scheduler_specific_kwargs={" + ", ".join(f"{_string(k)}: {v}" for k, v in own) + "}")
        return [f"{variable} = get_scheduler({', '.join(arguments)})"]

    def timm_scheduler(self, spec) -> list[str]:
        """A ``timm.CLASS`` scheduler: the class with the keywords that are not its defaults
        (a ``timm:`` form as the class and keywords create_scheduler_v2 picks)."""
        definition = spec.definition
        self.timm.add(definition.name)
        keywords = []
        for param in definition.params:
            value = spec.params[param.name]
            if not param.required and _same(value, param.default):
                continue
            if isinstance(value, tuple):
                keywords.append(f"{param.name}=[{', '.join(_number(v) for v in value)}]")
            else:
                keywords.append(f"{param.name}={_number(value) if not isinstance(value, str) else repr(value)}")
        line = f"scheduler = {definition.name}({', '.join(['optimizer', *keywords])})"
        if spec.path and spec.path[-1] == "timm":
            return ["# the scheduler create_scheduler_v2 builds from the spec's timm: keywords", line]
        return [line]

    def timm_loop(self, schedule, result) -> list[str]:
        """timm's train.py loop (SPEC.md section 5): the lr each update uses, ``step_update``
        after every update, ``step(epoch + 1)`` after every epoch."""
        units = schedule.units
        rows = result.epochs
        stepped = schedule.stepped
        lrs = 'lr = [float(group["lr"]) for group in optimizer.param_groups]  # the lr this update uses'
        out = []
        plateau = "metrics" in stepped.params
        call = "scheduler.step(epoch + 1)"
        if plateau:
            from lrsched.schedules.plateau import metric_values

            values = metric_values(stepped.params, units.scheduler_rows(rows)).tolist()
            out += ["# the metric passed to step() after each epoch (your validation metric)",
                    f"metrics = [{', '.join(_number(float(v)) for v in values)}]"]
            call = "scheduler.step(epoch + 1, metrics[epoch])"
        if not units.active:
            out += [f"for epoch in range({rows}):",
                    f"    {lrs}",
                    '    print(f"lr of epoch {epoch} => {lr}")',
                    "    optimizer.step()  # your training step",
                    "    scheduler.step_update(num_updates=epoch + 1)",
                    f"    if epoch < {rows - 1}:  # the table ends here",
                    f"        {call}"]
            return out
        k = units.steps_per_epoch
        epochs = -(-rows // k)
        out += [f"steps_per_epoch = {k}  # optimizer updates an epoch (updates_per_epoch)",
                f"total_steps = {rows}",
                "num_updates = 0",
                f"for epoch in range({epochs}):",
                "    for update in range(steps_per_epoch):",
                "        if num_updates == total_steps:",
                "            break",
                f"        {lrs}",
                '        print(f"lr of step {num_updates} (epoch {epoch}) => {lr}")',
                "        optimizer.step()  # your training step",
                "        num_updates += 1",
                "        scheduler.step_update(num_updates=num_updates)",
                "    if num_updates < total_steps:",
                f"        {call}"]
        return out

    def value(self, param, value) -> str:
        constraint = param.constraint
        inner = getattr(constraint, "inner", None)
        if isinstance(value, tuple) and value and isinstance(value[0], (Expression, PythonFunction)):
            return "[" + ", ".join(self.callable(v) for v in value) + "]"
        if isinstance(constraint, Expr) or isinstance(inner, Expr) or isinstance(value, (Expression, PythonFunction)):
            return self.callable(value)
        if isinstance(value, tuple):
            return "[" + ", ".join(_number(v) for v in value) + "]"
        if isinstance(constraint, (Real, PerGroup)) or isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number(value)
        return repr(value)

    def callable(self, value) -> str:
        if isinstance(value, PythonFunction):
            raise SpecError(f"a Python function ({value.source}) cannot be exported to a script: "
                            f"give it as an expression string to export the spec")
        self.math = self.math or value.uses_math
        return value.python()

    def loop(self, schedule, result) -> list[str]:
        units = schedule.units
        rows = result.epochs
        stepped = schedule.stepped
        plateau = stepped.definition.stepper is None
        guard = _last_step_refused(schedule)
        out = []
        call = "scheduler.step()"
        if plateau:
            from lrsched.schedules.plateau import metric_values

            need = units.scheduler_rows(rows) - 1
            values = metric_values(stepped.params, need + 1).tolist()
            out += ["# the metric passed to each step() (your validation loss)",
                    f"metrics = [{', '.join(_number(float(v)) for v in values)}]"]
            call = "scheduler.step(metrics[epoch])" if not units.active or units.interval == "epoch" else \
                "scheduler.step(metrics[step])"
        if not units.active:
            out += [f"for epoch in range({rows}):",
                    '    print(f"lr of epoch {epoch} => {scheduler.get_last_lr()}")']
            if guard or plateau:
                out += [f"    if epoch == {rows - 1}:",
                        "        break  # the table ends here" + (" (no metric for a further step)" if plateau
                                                                  else ": one more step would be torch's error")]
            out += ["    optimizer.step()  # your training step", f"    {call}"]
            return out
        k = units.steps_per_epoch
        epochs = -(-rows // k)
        given = dict(units.given)
        derived = ", ".join(f"{key} {given[key]}" for key in ("dataset_size", "batch_size", "world_size",
                                                               "grad_accum", "drop_last") if key in given)
        out.append(f"steps_per_epoch = {k}  # optimizer updates an epoch" + (f": {derived}" if derived else ""))
        out.append(f"total_steps = {rows}" + ("  # num_training_steps" if schedule.shown else "  # max_steps" if units.max_steps is not None else
                                              f"  # {epochs} epochs"))
        out += ["step = 0",
                f"for epoch in range({epochs}):",
                "    for update in range(steps_per_epoch):"]
        if rows % k:
            out += ["        if step == total_steps:",
                    "            break"]
        out += ['        print(f"lr of step {step} (epoch {epoch}) => {scheduler.get_last_lr()}")',
                "        optimizer.step()  # your training step"]
        if units.interval == "step":
            if guard or plateau:
                out += ["        if step < total_steps - 1:  # the table ends at the last update",
                        f"            {call}  # interval: step"]
            else:
                out.append(f"        {call}  # interval: step: after every update")
            out.append("        step += 1")
        else:
            out.append("        step += 1")
            if guard or plateau:
                out += ["    if step < total_steps:  # the table ends at the last update",
                        f"        {call}  # interval: epoch"]
            else:
                out.append(f"    {call}  # interval: epoch: after every epoch")
        return out


# timm 1.0.31's schedulers need only torch, but `import timm` imports torchvision: a stub
# package in its place (with timm's own dependencies installed, the import alone does)
TIMM_IMPORT = [
    "",
    "# timm 1.0.31's schedulers use only torch; `import timm` also needs torchvision, so load them",
    "# through a stub package (with torchvision installed, the last line alone does)",
    'if "timm" not in sys.modules:',
    '    _timm = types.ModuleType("timm")',
    '    _timm.__path__ = list(importlib.util.find_spec("timm").submodule_search_locations)',
    '    sys.modules["timm"] = _timm',
]


# transformers 5.24's TYPE_TO_SCHEDULER_FUNCTION, for a resumed schedule (get_scheduler
# passes no last_epoch)
HF_FUNCTIONS = {
    "linear": "get_linear_schedule_with_warmup", "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup", "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup", "inverse_sqrt": "get_inverse_sqrt_schedule",
    "reduce_lr_on_plateau": "get_reduce_on_plateau_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule", "greedy": "get_greedy_schedule",
}


def _shown_comments(schedule) -> list[str]:
    """Comments with what the spec computed for the library (the Trainer's N and W)."""
    if not schedule.shown:
        return []
    values = ", ".join(f"{k} = {v}" for k, v in schedule.shown)
    k = schedule.units.steps_per_epoch
    return [f"# as the Trainer counts them (transformers 5.24): {k} updates an epoch; {values}"]


def _last_step_refused(schedule) -> bool:
    """Whether the loop's natural last scheduler step (after the last row) is one torch
    refuses (OneCycleLR past total_steps...)."""
    from lrsched.engine import run_scheduler

    units = schedule.units
    states = units.scheduler_rows(schedule.rows) + 1
    stepped = schedule.stepped
    if stepped.definition.stepper is None:
        return True
    try:
        run_scheduler(stepped, schedule.optimizer.group_state(), states)
    except SpecError:
        return True
    return False


class _Names:
    """Variable names for child schedulers: ``warmup`` for a warmup's LinearLR, else the
    class in snake case (``cosine_annealing_lr``), numbered when it repeats."""

    def __init__(self) -> None:
        self.used: dict = {}
        self.last = ""

    def is_warmup(self, spec, schedule) -> bool:
        return schedule.warmup is not None and spec.path == schedule.path + ("warmup",) and \
            spec.definition.name == "LinearLR"

    def warmup_note(self, schedule) -> str:
        return f"{schedule.warmup.steps} scheduler steps from start_factor {schedule.warmup.start_factor!r}"

    def new(self, class_name: str, spec, schedule) -> str:
        if self.is_warmup(spec, schedule):
            base = "warmup"
        else:
            base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower().replace("l_r", "lr")
        count = self.used.get(base, 0)
        self.used[base] = count + 1
        return base if count == 0 else f"{base}_{count + 1}"


def _keywords(values: dict) -> str:
    return "".join(f", {k}={_value(k, v)}" for k, v in values.items())


def _value(key: str, value) -> str:
    if key in FLOAT_GROUP_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    if isinstance(value, tuple):
        return "(" + ", ".join(_number(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)


def _number(value) -> str:
    if isinstance(value, float) and value != value:
        return 'float("nan")'
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    return repr(value)


def _same(a, b) -> bool:
    """Equal and of one type (an int 1 is not torch's float default 1.0: it prints as 1)."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return type(a) is type(b) and a == b


def _string(text: str) -> str:
    """A double-quoted Python string literal (JSON's escapes are Python's too)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


__all__ = ["script", "TARGETS", "libraries_of"]
