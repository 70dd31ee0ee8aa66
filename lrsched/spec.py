"""Schedule specs: YAML (or a mapping) -> validated, immutable spec objects.

Validation happens once, here, at the edge.  Every error names the file, the line the YAML
gives the offending key, and the dotted key (``schedules[1].scheduler.gamma``).
"""

from __future__ import annotations

import os
from lrsched.records import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from lrsched.errors import SpecError
from lrsched.limits import check_memory
from lrsched.suggest import unknown
from lrsched.schedules import REGISTRY, lookup
from lrsched.schedules import Groups
from lrsched.schedules.registry import RUN_LENGTH
from lrsched.schedules.transformers import trainer_form
from lrsched.schedules.timm_factory import KEY as TIMM_KEY, parse_factory
from lrsched.constraints import Int, Real, SchedulerList, describe_value
from lrsched.optimizers import optimizer_class
from lrsched.io.yamlload import Document, dotted, load_yaml, read_source
from lrsched.units import NO_UNITS, UNIT_KEYS, Units, Warmup, parse_units, parse_warmup

SCHEDULE_KEYS = ("name", "lr", "epochs", "optimizer", "scheduler") + UNIT_KEYS + ("transformers", TIMM_KEY)
TOP_KEYS = SCHEDULE_KEYS + ("schedules",)
# Keys a scheduler leaves in a param group that a resumed scheduler reads back, and keys a
# library's schedulers read from a group (timm's lr_scale, the layer-wise decay).
GROUP_STATE_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum", "lr_scale")

@dataclass(frozen=True)
class Origin:
    """Where a spec came from, to turn a key path into ``file:line: key``."""

    file: str
    marks: Mapping = field(default_factory=dict, compare=False, repr=False)

    def error(self, path: tuple, message: str) -> SpecError:
        return self.locate(SpecError(message), path)

    def check(self, constraint, value, path: tuple):
        """``constraint.check(value)`` for the value at ``path``, its errors located there;
        an integer beyond 2**53 (what float64 holds exactly) is refused first."""
        huge = _huge_int(value)
        if huge is not None:
            where, number = huge
            raise self.error(path + where, f"must be {constraint}, got {number}, beyond 2**53 = "
                                           f"{MAX_SPEC_INT} (the largest integer lrsched computes with exactly)")
        try:
            return constraint.check(value)
        except SpecError as exc:
            raise self.locate(exc, path) from None

    def where(self, path: tuple) -> tuple:
        """``(line, column)`` of the key at ``path`` (or of the nearest key above it that the
        file has), ``(None, None)`` when there is no file."""
        return Document(None, self.file, self.marks).line(path)

    def locate(self, exc: SpecError, path: tuple) -> SpecError:
        """Fill in the file, and the line and key of ``path`` (plus the error's own relative
        key, when it has one: ``lr_lambda`` inside ``scheduler`` is ``scheduler.lr_lambda``)."""
        if exc.key is not None and not getattr(exc, "_absolute", False):
            path = path + tuple(_split_key(exc.key))
            exc.key = None
        line, col = self.where(path)
        exc.located(file=self.file, line=line, column=col, key=dotted(path) or None)
        exc._absolute = True
        return exc


def _split_key(key: str) -> list:
    parts: list = []
    for piece in key.replace("]", "").split("."):
        name, *idx = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in idx)
    return parts


@dataclass(frozen=True)
class OptimizerSpec:
    """A ``torch.optim`` constructor: its class, and every group's full hyperparameters."""

    type: str = "SGD"
    groups: tuple = (MappingProxyType({"lr": 0.001}),)
    default_lr: float | None = None      # the constructor's lr (``optimizer.defaults["lr"]``)

    @property
    def momentum_key(self) -> str | None:
        return optimizer_class(self.type).momentum_key

    def group_state(self) -> Groups:
        key = self.momentum_key
        momentum = None
        if key == "betas":
            momentum = np.array([g["betas"][0] for g in self.groups], dtype=np.float64)
        elif key == "momentum":
            momentum = np.array([g["momentum"] for g in self.groups], dtype=np.float64)
        return Groups(
            optimizer=self.type,
            lr=np.array([g["lr"] for g in self.groups], dtype=np.float64),
            initial_lr=tuple(g.get("initial_lr") for g in self.groups),
            momentum=momentum,
            momentum_key=key,
            extra=tuple(MappingProxyType({k: g[k] for k in GROUP_STATE_KEYS[1:] if k in g})
                        for g in self.groups),
            default_lr=self.default_lr,
        )


@dataclass(frozen=True)
class SchedulerSpec:
    """A torch scheduler: class name and every keyword (validated, defaults filled in)."""

    type: str
    params: Mapping[str, Any]
    path: tuple = ("scheduler",)

    @property
    def definition(self):
        return REGISTRY[self.type]


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule: what ``lrsched table`` prints as one block.  ``units`` say what a row is
    (SPEC.md section 4; :data:`~lrsched.units.NO_UNITS`: a scheduler step, called epoch) and
    ``warmup`` the LinearLR a ``warmup:`` key puts before the scheduler.  ``notes`` are what
    the command says on stderr about the spec (keys it ignored); ``shown`` the (name, value)
    pairs a table or plot shows beside the run (the Trainer form's N and W)."""

    name: str
    optimizer: OptimizerSpec
    scheduler: SchedulerSpec
    epochs: int | None = None
    origin: Origin = Origin("<spec>")
    path: tuple = ()
    units: Units = NO_UNITS
    warmup: Warmup | None = None
    notes: tuple = ()
    shown: tuple = ()

    @property
    def rows(self) -> int | None:
        """Rows of the run: optimizer updates with units (``max_steps``, or epochs x
        steps_per_epoch), epochs without; None when the spec gives no length."""
        return self.units.rows(self.epochs)

    @property
    def stepped(self) -> SchedulerSpec:
        """The scheduler that steps: the spec's, or with ``warmup:`` the SequentialLR of a
        LinearLR and it that the warmup stands for; a keyword that defaults to the run's
        length (transformers' num_training_steps) set to its rows."""
        if self.warmup is None:
            return with_run_length(self.scheduler, self.rows)
        return with_run_length(warmup_scheduler(self.scheduler, self.warmup, self.path + ("warmup",)),
                               self.rows)

    def with_epochs(self, epochs: int | None, *, key: str = "epochs") -> "ScheduleSpec":
        """This schedule over ``epochs`` rows (None: as the spec says), refused when the run
        would not fit in memory; ``key`` names the source in errors (``--epochs``)."""
        if epochs is None:
            return self
        return override_epochs([SpecDocument(self.origin.file, (self,))], epochs, key=key)[0].schedules[0]


@dataclass(frozen=True)
class SpecDocument:
    """A loaded spec file: one or more schedules."""

    source: str
    schedules: tuple

    def select(self, names) -> "SpecDocument":
        """Only the schedules named (``--schedule``), in the order asked for."""
        if not names:
            return self
        by_name = {s.name: s for s in self.schedules}
        picked = []
        for n in names:
            if n not in by_name:
                raise SpecError(unknown("schedule", n, by_name), file=self.source, key="--schedule")
            picked.append(by_name[n])
        return replace(self, schedules=tuple(picked))


def with_run_length(scheduler: SchedulerSpec, rows: int | None) -> SchedulerSpec:
    """``scheduler`` (and its children) with every keyword left at ``RUN_LENGTH`` set to
    ``rows`` (kept when the run's length is unknown)."""
    if rows is None:
        return scheduler
    params, changed = dict(scheduler.params), False
    for key, value in scheduler.params.items():
        if value is RUN_LENGTH:
            params[key], changed = rows, True
        elif isinstance(value, tuple) and value and isinstance(value[0], SchedulerSpec):
            children = tuple(with_run_length(c, rows) for c in value)
            if any(a is not b for a, b in zip(children, value)):
                params[key], changed = children, True
    return replace(scheduler, params=MappingProxyType(params)) if changed else scheduler


def per_update(scheduler: SchedulerSpec) -> SchedulerSpec | None:
    """The first scheduler in ``scheduler`` (itself or a child) that steps after every
    optimizer update whatever the spec's interval (transformers'), or None."""
    if scheduler.definition.per_update:
        return scheduler
    for value in scheduler.params.values():
        if isinstance(value, tuple):
            for child in value:
                if isinstance(child, SchedulerSpec):
                    found = per_update(child)
                    if found is not None:
                        return found
    return None


def override_epochs(docs, epochs: int, *, key: str = "epochs") -> list:
    """``docs`` with every schedule's epochs set to ``epochs`` (``--epochs``), refused up front
    (SpecError naming ``key``) when it is not a positive int or when all those schedules,
    computed together, would not fit in memory."""
    try:
        epochs = Int(1).check(epochs)
        docs = [replace(d, schedules=tuple(_with_epochs(s, epochs) for s in d.schedules)) for d in docs]
        every = [s for d in docs for s in d.schedules]
        check_memory([(s.rows, len(s.optimizer.groups)) for s in every], _row_unit(every))
    except SpecError as exc:
        raise exc.located(key=key) from None
    return docs


def _row_unit(schedules) -> str:
    """What the rows of ``schedules`` are, for a memory message: epochs, updates, or rows."""
    kinds = {s.units.active for s in schedules}
    return "rows" if len(kinds) > 1 else ("updates" if kinds == {True} else "epochs")


def _with_epochs(schedule: ScheduleSpec, epochs: int) -> ScheduleSpec:
    """``schedule`` over ``epochs`` epochs; a ``max_steps`` gives way (the override is the
    run's length)."""
    if schedule.units.max_steps is not None:
        schedule = replace(schedule, units=replace(schedule.units, max_steps=None))
    return replace(schedule, epochs=epochs)


def with_rows(schedule: ScheduleSpec, rows: int) -> ScheduleSpec:
    """``schedule`` over exactly ``rows`` rows (optimizer updates with units, epochs without),
    as a simulation sizes it; memory is the caller's to check."""
    if schedule.units.active:
        return replace(schedule, units=replace(schedule.units, max_steps=rows))
    return replace(schedule, epochs=rows)


# ---------------------------------------------------------------------------- loading

def load_spec(source, *, default_name: str | None = None) -> SpecDocument:
    """A spec from a YAML path, YAML text already read (``source`` is then a
    ``(text, filename)`` pair), a mapping, or a :class:`SpecDocument`/:class:`ScheduleSpec`."""
    if isinstance(source, SpecDocument):
        return source
    if isinstance(source, ScheduleSpec):
        return SpecDocument(source.origin.file, (source,))
    if isinstance(source, Mapping):
        return parse_spec(dict(source), Origin("<spec>"), default_name or "schedule")
    if isinstance(source, tuple):
        text, file = source
        stem = default_name or (_stem(file) if file not in ("-", "<stdin>") else "stdin")
        doc = load_yaml(text, file)
        return parse_spec(doc.data, Origin(file, doc.marks), stem)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            with open(path, "rb") as fh:
                text = read_source(fh, path)
        except FileNotFoundError:
            raise SpecError("no such file", file=path) from None
        except IsADirectoryError:
            raise SpecError("is a folder, not a spec file", file=path) from None
        except OSError as exc:
            raise SpecError(f"cannot read: {exc.strerror or exc}", file=path) from None
        return load_spec((text, path), default_name=default_name or _stem(path))
    raise TypeError(f"cannot load a spec from {type(source).__name__}")


def _stem(path: str) -> str:
    """A file's name without its extension (``configs/steplr.yaml`` -> ``steplr``)."""
    return os.path.splitext(os.path.basename(path))[0]


def parse_spec(data, origin: Origin, default_name: str) -> SpecDocument:
    if not isinstance(data, dict):
        raise origin.error((), f"the spec must be a mapping (key: value lines), got {describe_value(data)}")
    _no_unknown(data, TOP_KEYS, origin, ())
    if "schedules" not in data:
        if "scheduler" not in data and "transformers" not in data and TIMM_KEY not in data:
            raise origin.error((), "missing key 'scheduler' (or 'schedules' for several): "
                                   "e.g. `scheduler: {type: StepLR, step_size: 3}`")
        return SpecDocument(origin.file, (_schedule(data, {}, origin, (), default_name),))
    entries = data["schedules"]
    if not isinstance(entries, list) or not entries:
        raise origin.error(("schedules",), f"must be a non-empty list of schedules, got {describe_value(entries)}")
    defaults = {k: v for k, v in data.items() if k != "schedules"}
    if "name" in defaults:
        raise origin.error(("name",), "a file with 'schedules' names each entry; move 'name' into the entries")
    schedules, seen, epochs_paths = [], {}, []
    for i, entry in enumerate(entries):
        path = ("schedules", i)
        if not isinstance(entry, dict):
            raise origin.error(path, f"must be a mapping with a scheduler, got {describe_value(entry)}")
        _no_unknown(entry, SCHEDULE_KEYS, origin, path)
        fallback = (entry.get("scheduler") or {}).get("type") if isinstance(entry.get("scheduler"), dict) else None
        sched = _schedule(entry, defaults, origin, path, str(fallback or f"schedule{i + 1}"))
        if sched.name in seen:
            raise origin.error(path + ("name",), f"duplicate schedule name '{sched.name}' "
                                                 f"(also schedules[{seen[sched.name]}]); names must be unique")
        seen[sched.name] = i
        schedules.append(sched)
        epochs_paths.append(_length_path(entry, defaults, path))
    # every schedule of a file is computed before any is printed: together they must fit
    sized = [(s, p) for s, p in zip(schedules, epochs_paths) if s.rows is not None]
    if len(sized) > 1:
        try:
            check_memory([(s.rows, len(s.optimizer.groups)) for s, _ in sized], _row_unit([s for s, _ in sized]))
        except SpecError as exc:
            raise origin.locate(exc, max(sized, key=lambda sp: sp[0].rows)[1]) from None
    return SpecDocument(origin.file, tuple(schedules))


def _length_path(entry: dict, defaults: dict, path: tuple) -> tuple:
    """The key that sets a schedule's length, for errors about its size: max_steps, else
    epochs (the entry's own, else the defaults')."""
    for key in ("max_steps", "epochs"):
        if key in entry:
            return path + (key,)
        if key in defaults:
            return (key,)
    return ("epochs",)


def _no_unknown(mapping: dict, allowed, origin: Origin, path: tuple, what: str = "key") -> None:
    for key in mapping:
        if key not in allowed:
            message = unknown(what, key, allowed)
            if "scheduler" in mapping and mapping["scheduler"] is None and (key == "type" or any(
                    definition.param(str(key)) for definition in REGISTRY.values())):
                message = (f"`scheduler:` is empty, so '{key}' reads as a key of its own: indent the "
                           f"scheduler's keys under it (`  {key}: ...`)")
            raise origin.error(path + (key,), message)


# Integers a spec may hold: torch takes any Python int, lrsched computes in int64/float64.
MAX_SPEC_INT = 2 ** 53


def _huge_int(value, where: tuple = ()):
    """(relative path, value) of the first integer beyond MAX_SPEC_INT in ``value``, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SPEC_INT:
        return where, value
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _huge_int(item, where + (i,))
            if found is not None:
                return found
    return None


def _schedule(entry: dict, defaults: dict, origin: Origin, path: tuple, default_name: str) -> ScheduleSpec:
    def pick(key):
        if key in entry:
            return entry[key], path + (key,)
        if key in defaults:
            return defaults[key], (key,)
        return None, None

    name, name_path = pick("name")
    if name is None:
        name = default_name
    elif isinstance(name, bool):
        words = "yes, on and true" if name else "no, off and false"
        raise origin.error(name_path, f"must be a string, got {describe_value(name)}: YAML reads {words} "
                                      f"as {str(name).lower()}; quote the name")
    elif not isinstance(name, (str, int)):
        raise origin.error(name_path, f"must be a string, got {describe_value(name)}")
    epochs, epochs_path = pick("epochs")
    if epochs is not None:
        epochs = origin.check(Int(1), epochs, epochs_path)
    if pick(TIMM_KEY)[1] is not None:
        return _timm_schedule(entry, defaults, pick, origin, path, str(name), epochs, epochs_path)
    if pick("transformers")[1] is not None:
        return _trainer_schedule(entry, defaults, pick, origin, path, str(name))
    optimizer = _optimizer(entry, defaults, path, origin)
    units = parse_units(pick, origin.check, origin.error)
    rows = units.rows(epochs)
    if rows is not None:
        try:
            check_memory([(rows, len(optimizer.groups))], "updates" if units.active else "epochs")
        except SpecError as exc:
            raise origin.locate(exc, pick("max_steps")[1] or epochs_path) from None
    sched, sched_path = pick("scheduler")
    if sched is None:
        raise origin.error(path, "missing key 'scheduler': e.g. `scheduler: {type: StepLR, step_size: 3}`")
    scheduler = parse_scheduler(sched, origin, sched_path)
    stepping = per_update(scheduler)
    if stepping is not None and units.active:    # transformers' schedules step every update
        if units.interval_given and units.interval == "epoch":
            raise origin.error(pick("interval")[1], f"{stepping.type} steps after every optimizer "
                                                    f"update (as the Trainer steps it): interval: epoch "
                                                    f"cannot go with it; drop interval or say step")
        units = replace(units, interval="step")
    units = _fixed_interval(scheduler, units, pick, origin)
    _group_keys_read(scheduler, entry, defaults, path, origin)
    schedule = ScheduleSpec(str(name), optimizer, scheduler, epochs, origin, path, units)
    value, warmup_path = pick("warmup")
    if warmup_path is None:
        return schedule
    warmup = parse_warmup(value, warmup_path, units, origin.check, origin.error)
    if scheduler.definition.stepper is None:
        raise origin.error(warmup_path, f"cannot go before {scheduler.type}: a warmup stands for a "
                                        f"SequentialLR, and torch's SequentialLR cannot run a scheduler "
                                        f"that {scheduler.definition.standalone}")
    schedule = replace(schedule, warmup=warmup)
    stepped = schedule.stepped
    try:
        stepped.definition.check(dict(stepped.params))
    except SpecError as exc:
        raise origin.locate(exc, warmup_path) from None
    return schedule


def _trainer_schedule(entry: dict, defaults: dict, pick, origin: Origin, path: tuple, name: str) -> ScheduleSpec:
    """The Trainer form (SPEC.md section 5): ``transformers:`` TrainingArguments keys, parsed
    and counted by :func:`lrsched.schedules.transformers.trainer_form`; the optimizer is the
    Trainer's AdamW at ``learning_rate``, the rows its N updates."""
    blocks = [(source["transformers"], base + ("transformers",))
              for source, base in ((defaults, ()), (entry, path)) if "transformers" in source]
    run = trainer_form(blocks, pick, origin.check, origin.error)
    adamw = optimizer_class("AdamW")
    optimizer = OptimizerSpec(adamw.name, (MappingProxyType({**adamw.defaults, "lr": run.learning_rate}),),
                              default_lr=run.learning_rate)
    try:
        check_memory([(run.num_training_steps, 1)])
    except SpecError as exc:
        raise origin.locate(exc, blocks[-1][1]) from None
    scheduler = parse_scheduler(run.scheduler, origin, run.scheduler_path)
    units = Units(steps_per_epoch=run.steps_per_epoch, interval="step", max_steps=run.num_training_steps)
    return ScheduleSpec(name, optimizer, scheduler, None, origin, path, units, notes=run.notes, shown=run.shown)
def _timm_schedule(entry: dict, defaults: dict, pick, origin: Origin, path: tuple, name: str,
                   epochs: int | None, epochs_path: tuple | None) -> ScheduleSpec:
    """timm's factory form (SPEC.md section 5): ``timm:`` holds create_scheduler_v2's keywords,
    which :mod:`lrsched.schedules.timm_factory` checks and builds; its ``lr`` and
    ``updates_per_epoch`` stand in for the spec's, and ``epochs`` defaults to the num_epochs
    the factory returns."""
    value, form_path = pick(TIMM_KEY)
    for other in ("scheduler", "transformers"):
        if pick(other)[1] is not None:
            raise origin.error(pick(other)[1], f"give the scheduler once: `{other}:` or the `{TIMM_KEY}:` "
                                               f"factory form, not both")
    form = parse_factory(value, form_path, origin.check, origin.error)
    if form.lr is not None:
        for source, base in ((entry, path), (defaults, ())):
            opt = source.get("optimizer")
            if "lr" in source or (isinstance(opt, dict) and "lr" in opt):
                where = base + ("lr",) if "lr" in source else base + ("optimizer", "lr")
                raise origin.error(form.where("lr"), f"give the learning rate once: {TIMM_KEY}.lr or the "
                                                     f"spec's {dotted(where)}, not both")
        entry = {**entry, "lr": form.lr}
    optimizer = _optimizer(entry, defaults, path, origin)
    units = parse_units(form.units_pick(pick), origin.check, origin.error)
    built = form.build(units.steps_per_epoch, origin.error)
    definition, params = form.scheduler(built, origin.error)
    if definition is None:              # sched: none: no scheduler, the optimizer's lr stays
        definition, params = REGISTRY["ConstantLR"], {"factor": 1.0, "total_iters": 0, "last_epoch": -1}
    scheduler = SchedulerSpec(definition.type, MappingProxyType(params), form_path)
    units = _fixed_interval(scheduler, units, pick, origin)
    if epochs is None:
        epochs, epochs_path = form.num_epochs(built, origin.error), form.where("num_epochs")
        if epochs < 1:
            raise origin.error(epochs_path, f"create_scheduler_v2 returns num_epochs = {epochs}, no epoch to "
                                            f"run: give the spec `epochs:`")
    rows = units.rows(epochs)
    try:
        check_memory([(rows, len(optimizer.groups))], "updates" if units.active else "epochs")
    except SpecError as exc:
        raise origin.locate(exc, pick("max_steps")[1] or epochs_path) from None
    if pick("warmup")[1] is not None:
        raise origin.error(pick("warmup")[1], f"warmup cannot go with the {TIMM_KEY}: form: give the block "
                                              f"warmup_epochs and warmup_lr")
    return ScheduleSpec(name, optimizer, scheduler, epochs, origin, path, units)


def _fixed_interval(scheduler: SchedulerSpec, units: Units, pick, origin: Origin) -> Units:
    """``units`` with the interval the scheduler fixes itself (timm's ``t_in_epochs``); an
    ``interval:`` that says otherwise is an error (with units; without, a row is one call)."""
    fixed = scheduler.definition.interval
    if fixed is None or not units.active:
        return units
    interval, why = fixed(scheduler.params)
    if units.interval_given and units.interval != interval:
        when = "once an epoch" if interval == "epoch" else "after every optimizer update"
        raise origin.error(pick("interval")[1], f"{scheduler.type} steps {when} ({why}), so interval: "
                                                f"{units.interval} cannot go with it; drop interval")
    return replace(units, interval=interval)


def _group_keys_read(scheduler: SchedulerSpec, entry: dict, defaults: dict, path: tuple, origin: Origin) -> None:
    """A param group's ``lr_scale`` is timm's layer-wise decay, which only timm's schedulers
    read: with any other scheduler it is an error (at the first group that has one)."""
    if "lr_scale" in scheduler.definition.group_keys:
        return
    for source, base in ((entry, path), (defaults, ())):
        opt = source.get("optimizer")
        groups = opt.get("param_groups") if isinstance(opt, dict) else None
        if groups is None:
            continue
        for i, group in enumerate(groups):
            if isinstance(group, dict) and "lr_scale" in group:
                raise origin.error(base + ("optimizer", "param_groups", i, "lr_scale"),
                                   f"lr_scale is timm's layer-wise lr decay, read only by timm's schedulers "
                                   f"(type: timm.*); {scheduler.type} would ignore it: drop it, or scale "
                                   f"that group's lr itself")
        return


def warmup_scheduler(scheduler: SchedulerSpec, warmup: Warmup, path: tuple) -> SchedulerSpec:
    """What ``warmup:`` stands for: ``SequentialLR([LinearLR(start_factor, total_iters=steps),
    scheduler], milestones=[steps])`` (``path``: the warmup key, for errors)."""
    def filled(name: str, **given) -> SchedulerSpec:
        definition = REGISTRY[name]
        params = {p.name: p.default for p in definition.params + definition.extra_keys}
        params.update(given)
        return SchedulerSpec(name, MappingProxyType(params), path)

    linear = filled("LinearLR", start_factor=warmup.start_factor, end_factor=1.0, total_iters=warmup.steps)
    return filled("SequentialLR", schedulers=(linear, scheduler), milestones=(warmup.steps,))


def _optimizer(entry: dict, defaults: dict, path: tuple, origin: Origin) -> OptimizerSpec:
    """Merge the optimizer mapping (defaults, then the entry's) and the ``lr:`` shortcut."""
    merged: dict = {}
    where: dict = {}
    for source, base in ((defaults, ()), (entry, path)):
        opt = source.get("optimizer")
        if opt is not None:
            if not isinstance(opt, dict):
                raise origin.error(base + ("optimizer",), f"must be a mapping such as "
                                   f"`{{type: SGD, lr: 0.1}}`, got {describe_value(opt)}")
            if "lr" in source and "lr" in opt:
                raise origin.error(base + ("lr",), "give the learning rate once: either `lr:` or `optimizer.lr:`")
            for k, v in opt.items():
                merged[k] = v
                where[k] = base + ("optimizer", k)
        if "lr" in source:
            merged["lr"] = source["lr"]
            where["lr"] = base + ("lr",)
    type_name = merged.pop("type", "SGD")
    try:
        torch_class = optimizer_class(type_name)
    except SpecError as exc:
        raise origin.locate(exc, where.get("type", path)) from None
    groups_raw = merged.pop("param_groups", None)
    also = ("type", "param_groups")
    hyper = torch_class.defaults
    for k, v in merged.items():
        hyper[k] = _keyword(torch_class, k, v, origin, where[k], also)
    default_lr = hyper["lr"]
    if groups_raw is None:
        groups = (MappingProxyType(hyper),)
    else:
        gpath = where["param_groups"]
        if not isinstance(groups_raw, list) or not groups_raw:
            raise origin.error(gpath, f"must be a non-empty list of mappings, got {describe_value(groups_raw)}")
        groups = []
        for i, g in enumerate(groups_raw):
            if not isinstance(g, dict):
                raise origin.error(gpath + (i,), f"must be a mapping such as `{{lr: 0.01}}`, got {describe_value(g)}")
            group = dict(hyper)
            for k, v in g.items():
                if k in GROUP_STATE_KEYS:
                    group[k] = origin.check(Real(0), v, gpath + (i, k))
                else:
                    group[k] = _keyword(torch_class, k, v, origin, gpath + (i, k), GROUP_STATE_KEYS)
            groups.append(MappingProxyType(group))
        groups = tuple(groups)
    return OptimizerSpec(torch_class.name, groups, default_lr)


def _keyword(torch_class, key, value, origin: Origin, path: tuple, also: tuple):
    """One optimizer keyword, checked as the one optimizer table says (the messages of
    :meth:`lrsched.optimizers.OptimizerClass.hyper`, located in the file)."""
    if torch_class.param(key) is None:
        raise origin.error(path, unknown("keyword", key, torch_class.defaults, owner=torch_class.name,
                                         also=also))
    return origin.check(torch_class.param(key).constraint, value, path)


def parse_scheduler(mapping, origin: Origin, path: tuple) -> SchedulerSpec:
    """One scheduler mapping (``{type: StepLR, step_size: 3}``) -> :class:`SchedulerSpec`."""
    if isinstance(mapping, str):
        raise origin.error(path, f"must be a mapping with a type, e.g. `{{type: {mapping}, ...}}`, "
                                 f"got the string {mapping!r}")
    if not isinstance(mapping, dict):
        raise origin.error(path, f"must be a mapping with a type, got {describe_value(mapping)}")
    if "type" not in mapping:
        raise origin.error(path, "missing key 'type' (a torch.optim.lr_scheduler class name such as StepLR)")
    try:
        definition = lookup(mapping["type"])
    except SpecError as exc:
        raise origin.locate(exc, path + ("type",)) from None
    params: dict = {}
    for key, value in mapping.items():
        if key == "type":
            continue
        param = definition.param(key)
        if param is None:
            raise origin.error(path + (key,), unknown("keyword", key, definition.keys(), owner=definition.name))
        if isinstance(param.constraint, SchedulerList):
            params[key] = _scheduler_list(value, origin, path + (key,))
        else:
            params[key] = origin.check(param.constraint, value, path + (key,))
    for param in definition.params + definition.extra_keys:
        if param.name not in params:
            if param.required:
                raise origin.error(path, f"missing required keyword '{param.name}' of {definition.name} "
                                         f"({param.constraint})")
            params[param.name] = param.default
    if definition.check is not None:
        try:
            definition.check(params)
        except SpecError as exc:
            raise origin.locate(exc, path) from None
    return SchedulerSpec(definition.type, MappingProxyType(params), path)


def _scheduler_list(value, origin: Origin, path: tuple) -> tuple:
    if not isinstance(value, list):
        raise origin.error(path, f"must be a list of scheduler mappings, got {describe_value(value)}")
    return tuple(parse_scheduler(item, origin, path + (i,)) for i, item in enumerate(value))


__all__ = ["load_spec", "parse_spec", "parse_scheduler", "SpecDocument", "ScheduleSpec",
           "SchedulerSpec", "OptimizerSpec", "Origin", "override_epochs", "with_rows", "warmup_scheduler"]
