"""``lrsched simulate``: torch's optimizers on a 2-D test function, as a table, JSON or figure.

Thin glue: parse the flags (or a simulation file), build one :class:`RunConfig` per
optimizer x lr, let a schedule spec's scheduler drive every run's lr (and momentum/beta1)
through the engine, run them as one batch with :func:`lrsched.simulate.simulate`, print.
"""

from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType

import click
import numpy as np

from lrsched.commands.common import COUNT, STDIN, isatty, read_stdin, to_stdout
from lrsched.commands.plot import ImagePath, Size
from lrsched.errors import RunError, SpecError, UsageError
from lrsched.functions import FUNCTIONS, TestFunction, get_function
from lrsched.optim import get_optimizer
from lrsched.constraints import is_number
from lrsched.records import replace
from lrsched.simulate import (
    SCHEDULER_GROUP_KEYS, RunConfig, SimulationResult, dumps_state, load_state, simulate as run,
)
from lrsched.spec import OptimizerSpec, Origin, ScheduleSpec, load_spec, parse_scheduler
from lrsched.suggest import did_you_mean
from lrsched.io.yamlload import load_yaml, read_source

FORMATS = ("auto", "rich", "plain", "json")
DEFAULT_OPTIMIZERS = ("Adam", "RAdam", "AdamW")
DEFAULT_STEPS = 2000
MAX_STEPS = 1_000_000          # one run of a million steps takes about a minute
MAX_RUN_STEPS = 20_000_000     # runs x steps: about 1.5 GB of paths, losses and lr tables
FIGURE_SIZE, FIGURE_DPI = (12.0, 5.4), 150
PROGRESS_AFTER = 1.0           # seconds (estimated) before a progress bar is worth showing
# measured: each optimizer group costs ~50 us a step (NumPy call overhead), each run ~0.6 us
GROUP_STEP_SECONDS, RUN_STEP_SECONDS = 5e-5, 6e-7

SIM_KEYS = ("function", "optimizers", "lr", "steps", "start", "scheduler")
ENTRY_KEYS = ("type", "label")


# ------------------------------------------------------------------------------ inputs

class _Entry:
    """One optimizer of the simulation: class, keyword overrides, its own lr (or None)."""

    def __init__(self, name: str, hyper: dict | None = None, lr: float | None = None,
                 label: str | None = None) -> None:
        self.name, self.hyper, self.lr, self.label = name, dict(hyper or {}), lr, label


class _SimFile:
    """A simulation file, validated: every field None where the file does not set it."""

    def __init__(self) -> None:
        self.function: TestFunction | None = None
        self.entries: list[_Entry] | None = None
        self.lrs: list[float] | None = None
        self.steps: int | None = None
        self.start: tuple[float, float] | None = None
        self.schedule: ScheduleSpec | None = None


def is_simulation_file(argument: str) -> bool:
    """FUNCTION names a file (``-`` is stdin) rather than a test function."""
    return (argument == "-" or argument.lower().endswith((".yaml", ".yml"))
            or os.path.isfile(argument))


def load_simulation(argument: str) -> _SimFile:
    """Read and validate a simulation file; errors name the file, line and key."""
    if argument == "-":
        text, file = read_stdin(), STDIN
    else:
        file = argument
        try:
            with open(argument, "rb") as fh:
                text = read_source(fh, argument)
        except FileNotFoundError:
            known = did_you_mean(argument, FUNCTIONS)
            raise SpecError(f"no such file{' (nor a test function; ' + known.strip() + ')' if known else ''}",
                            file=argument) from None
        except IsADirectoryError:
            raise SpecError("is a folder, not a simulation file", file=argument) from None
        except OSError as exc:
            raise SpecError(f"cannot read: {exc.strerror or exc}", file=argument) from None
    doc = load_yaml(text, file)
    return parse_simulation(doc.data, Origin(file, doc.marks))


def _located(exc: SpecError, origin: Origin, path: tuple, prefix: str | None = None) -> SpecError:
    """``exc`` placed at ``path`` in the file; a key ``prefix.rest`` it carries becomes
    ``path.rest`` (so the line is the offending keyword's)."""
    key = exc.key
    exc.key = None
    if prefix is not None and key and key.startswith(prefix + "."):
        exc.key = key[len(prefix) + 1:]
    return origin.locate(exc, path)


def parse_simulation(data, origin: Origin) -> _SimFile:
    from lrsched.constraints import Int, describe_value

    if not isinstance(data, dict):
        raise origin.error((), "a simulation file must be a mapping with at least `function:` "
                               f"(e.g. `function: rosenbrock`), got {describe_value(data)}")
    if "function" not in data and ("schedules" in data or "epochs" in data or "name" in data):
        raise origin.error((), "this looks like a schedule spec, not a simulation file (it has no "
                               "'function'): pass it with --schedule, as in `lrsched simulate "
                               f"rosenbrock --schedule {origin.file}`")
    for key in data:
        if key not in SIM_KEYS:
            raise origin.error((key,), f"unknown key '{key}'; {did_you_mean(key, SIM_KEYS)}"
                                       f"valid: {', '.join(SIM_KEYS)}")
    sim = _SimFile()
    if "function" not in data:
        raise origin.error((), "missing key 'function' (a test function such as rosenbrock; "
                               "`lrsched simulate --list` shows them)")
    try:
        sim.function = get_function(_text(data["function"], origin, ("function",)))
    except SpecError as exc:
        raise _located(exc, origin, ("function",)) from None
    if "optimizers" in data:
        sim.entries = _entries(data["optimizers"], origin)
    if "lr" in data:
        value = data["lr"]
        values = value if isinstance(value, list) else [value]
        if not values:
            raise origin.error(("lr",), "must be a number or a non-empty list of numbers")
        sim.lrs = [_lr(v, origin, ("lr", j) if isinstance(value, list) else ("lr",))
                   for j, v in enumerate(values)]
    if "steps" in data:
        try:
            steps = Int(1, MAX_STEPS).check(data["steps"])
        except SpecError as exc:
            raise _located(exc, origin, ("steps",)) from None
        sim.steps = steps
    if "start" in data:
        value = data["start"]
        if (not isinstance(value, list) or len(value) != 2
                or not all(is_number(v) and math.isfinite(v) for v in value)):
            raise origin.error(("start",), f"must be a point [x, y] of two finite numbers, got "
                                           f"{describe_value(value)}")
        sim.start = (float(value[0]), float(value[1]))
    if "scheduler" in data:
        scheduler = parse_scheduler(data["scheduler"], origin, ("scheduler",))
        name = Path(origin.file).stem if not origin.file.startswith("<") else "scheduler"
        sim.schedule = ScheduleSpec(name, OptimizerSpec(), scheduler, None, origin, ())
    return sim


def _text(value, origin: Origin, path: tuple) -> str:
    if not isinstance(value, str):
        from lrsched.constraints import describe_value

        raise origin.error(path, f"must be a name (a string), got {describe_value(value)}")
    return value


def _lr(value, origin: Origin, path: tuple) -> float:
    if not (is_number(value) and math.isfinite(value) and value >= 0):
        from lrsched.constraints import describe_value

        raise origin.error(path, f"must be a learning rate (a finite number >= 0), got "
                                 f"{describe_value(value)}")
    return float(value)


def _entries(raw, origin: Origin) -> list[_Entry]:
    from lrsched.constraints import describe_value

    if not isinstance(raw, list) or not raw:
        raise origin.error(("optimizers",), "must be a non-empty list of optimizer names or "
                           f"mappings such as `{{type: Adam, lr: 0.01}}`, got {describe_value(raw)}")
    entries = []
    for i, item in enumerate(raw):
        path = ("optimizers", i)
        if isinstance(item, str):
            name, keywords, label = item, {}, None
            type_path = path
        elif isinstance(item, dict):
            if "type" not in item:
                raise origin.error(path, "missing key 'type' (a torch.optim class such as Adam)")
            name = _text(item["type"], origin, path + ("type",))
            type_path = path + ("type",)
            label = item.get("label")
            if label is not None and not isinstance(label, str):
                raise origin.error(path + ("label",), f"must be a string, got {describe_value(label)}")
            keywords = {k: v for k, v in item.items() if k not in ENTRY_KEYS}
        else:
            raise origin.error(path, "must be an optimizer name or a mapping such as "
                                     f"`{{type: Adam, lr: 0.01}}`, got {describe_value(item)}")
        try:
            defn = get_optimizer(name)
        except SpecError as exc:
            raise _located(exc, origin, type_path) from None
        prefix = f"optimizers[{i}]"
        try:
            hyper = defn.hyper(keywords, prefix=prefix, also=ENTRY_KEYS)
        except SpecError as exc:
            raise _located(exc, origin, path, prefix) from None
        lr = hyper["lr"] if "lr" in keywords else None
        overrides = {k: hyper[k] for k in keywords if k != "lr"}
        entries.append(_Entry(defn.name, overrides, lr, label))
    return entries


def parse_lrs(values) -> list[float]:
    """``--lr`` values: each a number or a comma list of numbers, all finite and >= 0."""
    out = []
    for value in values:
        for piece in str(value).split(","):
            text = piece.strip()
            try:
                number = float(text.replace("_", "")) if text else math.nan
            except ValueError:
                number = math.nan
            if not (math.isfinite(number) and number >= 0):
                raise UsageError(f"must be learning rates (finite numbers >= 0, comma-separated "
                                 f"or repeated), got {piece.strip()!r}", key="--lr")
            out.append(number)
    return out


def parse_start(text: str) -> tuple[float, float]:
    """``--start X,Y``: two finite numbers."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    try:
        point = tuple(float(p) for p in parts)
    except ValueError:
        point = ()
    if len(point) != 2 or not all(math.isfinite(v) for v in point):
        raise UsageError(f"must be a point X,Y of two finite numbers such as -1.2,1; got {text!r}",
                         key="--start")
    return point


def parse_optimizers(names) -> list[str]:
    """``-O`` values (repeatable, comma lists allowed), as torch class names."""
    out = []
    for value in names:
        for piece in str(value).split(","):
            if piece.strip():
                out.append(get_optimizer(piece.strip(), key="--optimizer").name)
    if not out:
        raise UsageError("needs an optimizer name such as adam", key="--optimizer")
    return out


def load_schedule(path: str) -> ScheduleSpec:
    """``--schedule SPEC.yaml``: its one schedule (a spec with several is refused)."""
    doc = load_spec(path)
    if len(doc.schedules) != 1:
        names = ", ".join(s.name for s in doc.schedules)
        raise SpecError(f"holds {len(doc.schedules)} schedules ({names}); --schedule takes a spec "
                        "with exactly one: copy the one you want into a file of its own",
                        file=doc.source)
    return doc.schedules[0]


# ------------------------------------------------------------------------------ schedules

def _first(value) -> float:
    return float(value[0] if isinstance(value, tuple) else value)


def group_extras(schedule: ScheduleSpec, momentum_key: str | None) -> dict:
    """The keys torch's CyclicLR/OneCycleLR write into the param group at construction
    (``initial_lr``, ``max_lr``...), so ``state_dict()`` shows them as torch does; other
    schedulers' ``initial_lr`` is the constructor lr, which the runner fills in."""
    params, kind = schedule.scheduler.params, schedule.scheduler.type
    cycled = bool(params.get("cycle_momentum")) and momentum_key is not None
    if kind == "CyclicLR":
        out = {}
        if cycled:
            out = {"max_momentum": _first(params["max_momentum"]),
                   "base_momentum": _first(params["base_momentum"])}
        out["initial_lr"] = _first(params["base_lr"])
        return out
    if kind == "OneCycleLR":
        initial = _first(params["max_lr"]) / params["div_factor"]
        out = {"initial_lr": initial, "max_lr": _first(params["max_lr"]),
               "min_lr": initial / params["final_div_factor"]}
        if cycled:
            out.update(max_momentum=_first(params["max_momentum"]),
                       base_momentum=_first(params["base_momentum"]))
        return out
    return {}


def schedule_tables(schedule: ScheduleSpec, runs, steps: int):
    """The lr (and momentum) of every step for every run, from the engine: ``runs`` are
    ``(optimizer name, full hyperparameters, first row)``; each run's optimizer, with its own
    lr, takes the place of the spec's; rows ``first .. first + steps`` (the last one is the
    lr after the final scheduler step).  Returns ``(lr, momentum or None)``, (steps + 1, runs)."""
    from lrsched.engine import compute

    sched = schedule.scheduler
    if sched.params.get("last_epoch", -1) != -1:
        raise schedule.origin.error(sched.path + ("last_epoch",),
                                    "simulate starts the scheduler fresh with each run; continue a "
                                    "saved run with --resume instead of last_epoch")
    n = len(runs)
    lr = np.empty((steps + 1, n))
    momentum = np.full((steps + 1, n), np.nan)
    cycled = False
    cache: dict = {}
    for i, (name, hyper, first) in enumerate(runs):
        key = (name, tuple((k, repr(v)) for k, v in sorted(hyper.items())), first)
        if key not in cache:
            spec = replace(schedule, optimizer=OptimizerSpec(name, (MappingProxyType(dict(hyper)),)))
            try:
                cache[key] = compute(spec, first + steps + 1)
            except SpecError as exc:
                if "epochs" in exc.message:   # the engine counts rows; say what that means here
                    exc.message += (f" (with {name}: {first + steps} optimizer steps step the "
                                    f"scheduler as often, {first + steps + 1} rows)")
                    exc.args = (exc.message,)
                raise
        result = cache[key]
        lr[:, i] = result.lr[first:, 0]
        if result.momentum is not None:
            momentum[:, i] = result.momentum[first:, 0]
            cycled = True
    bad = np.argwhere(lr < 0)
    if bad.size:
        row, col = bad[0]
        raise schedule.origin.error(sched.path, f"the lr becomes {lr[row, col]!r} at step "
                                                f"{int(row) + runs[col][2]} ({runs[col][0]}); an "
                                                "optimizer step needs lr >= 0")
    return lr, (momentum if cycled else None)


# ------------------------------------------------------------------------------ the command

@click.command()
@click.argument("function", required=False, metavar="FUNCTION")
@click.option("--list", "list_functions", is_flag=True,
              help="List the test functions (domain, start, minima, suggested lr) and exit.")
@click.option("-O", "--optimizer", "optimizers", multiple=True, metavar="NAME",
              help="A torch.optim class, any case (repeatable or a comma list). "
                   f"Default: {', '.join(n.lower() for n in DEFAULT_OPTIMIZERS)}.")
@click.option("--lr", "lrs", multiple=True, metavar="X[,X...]",
              help="Learning rate (repeatable or a comma list); every optimizer x every lr is one "
                   "run. Default: the function's suggested lr.")
@click.option("--steps", type=COUNT, default=None, metavar="N",
              help=f"Optimizer steps per run (default {DEFAULT_STEPS}; at most {MAX_STEPS:,}, and "
                   f"runs x steps at most {MAX_RUN_STEPS:,}).")
@click.option("--start", default=None, metavar="X,Y",
              help="Starting point (default: the function's customary start).")
@click.option("--schedule", "schedule_path", default=None, metavar="SPEC.yaml",
              help="A schedule spec (one schedule) whose scheduler drives every run's lr, stepped "
                   "once per optimizer step (CyclicLR/OneCycleLR also cycle momentum or beta1).")
@click.option("-o", "--output", type=ImagePath(), default=None,
              help="Also draw a figure (png, svg or pdf by extension; written atomically): the "
                   "contour map with every path, loss and lr against step.")
@click.option("--size", type=Size(), metavar="WxH", default="x".join(f"{v:g}" for v in FIGURE_SIZE),
              show_default=True, help="Figure size in inches, WIDTHxHEIGHT.")
@click.option("--dpi", type=click.IntRange(10, 1200), metavar="N", default=FIGURE_DPI,
              show_default=True, help="Figure pixels per inch.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="auto",
              show_default=True, help="auto: a rich table on a terminal, plain when piped.")
@click.option("--strict", is_flag=True, help="Exit 1 when any run diverged.")
@click.option("--save-state", "save_path", default=None,
              metavar="FILE", help="Write every run's optimizer state (torch's state_dict layout), "
                                   "position and scheduler step to FILE (JSON, atomically).")
@click.option("--resume", "resume_path", type=click.Path(dir_okay=False), default=None,
              metavar="FILE", help="Continue the runs saved in FILE for --steps more steps "
                                   "(exactly as if they had never stopped).")
def simulate(function, list_functions, optimizers, lrs, steps, start, schedule_path, output, size,
             dpi, fmt, strict, save_path, resume_path):
    """Run torch optimizers on a 2-D test function, exactly, and report every run.

    FUNCTION is a test function (`--list` shows them; rosenbrock, himmelblau, ...) or a YAML
    simulation file with `function`, `optimizers` (names or mappings such as
    `{type: Adam, lr: 0.01, betas: [0.3, 0.9]}`), `lr`, `steps`, `start` and `scheduler`;
    flags override the file. Prints, per run: the final point and loss, the distance to the
    nearest minimum, the steps until f - f_min < 1e-3 and < 1e-6, and whether it diverged
    (left ten times the domain or became non-finite: such runs stop where they were).
    """
    if list_functions:
        _print_functions(fmt)
        return
    if function is None and resume_path is None:
        raise UsageError("missing FUNCTION: a test function such as rosenbrock (see "
                         "`lrsched simulate --list`) or a simulation file")
    sim = _SimFile()
    if function is not None:
        if is_simulation_file(function):
            sim = load_simulation(function)
        else:
            sim.function = get_function(function, key="FUNCTION")
    if schedule_path is not None:
        sim.schedule = load_schedule(schedule_path)
    steps = steps if steps is not None else (sim.steps or DEFAULT_STEPS)
    if steps > MAX_STEPS:
        raise UsageError(f"must be at most {MAX_STEPS:,} (a run of a million steps takes about "
                         f"a minute), got {steps:,}", key="--steps")
    names = parse_optimizers(optimizers) if optimizers else None
    if output is not None:
        from lrsched.render.plot import check_canvas

        try:
            check_canvas(size, dpi)
        except ValueError as exc:
            raise UsageError(str(exc), key="--size") from None
    for path in (output, save_path):
        _check_folder(path)

    if resume_path is not None:
        fn, configs, firsts, schedule_runs = _resumed(sim, resume_path, names, lrs, start)
    else:
        fn = sim.function
        if start is not None:
            sim.start = parse_start(start)
        where = sim.start or fn.start
        if not _inside(fn, where):
            (x0, x1), (y0, y1) = fn.domain
            click.echo(f"warning: start ({where[0]:g}, {where[1]:g}) is outside {fn.name}'s domain "
                       f"[{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]; runs that get ten times as far from "
                       "its centre count as diverged", err=True)
        configs, schedule_runs = _fresh(sim, fn, names, parse_lrs(lrs) if lrs else None)
        firsts = [0] * len(configs)
    if len(configs) * steps > MAX_RUN_STEPS:
        raise UsageError(f"{len(configs)} runs x {steps:,} steps is more than {MAX_RUN_STEPS:,} "
                         "run-steps (about 1.5 GB of paths); use fewer steps, optimizers or lrs",
                         key="--steps")

    lr_table = momentum_table = None
    if sim.schedule is not None:
        lr_table, momentum_table = schedule_tables(
            sim.schedule, [(n, h, f) for (n, h), f in zip(schedule_runs, firsts)], steps)
        if resume_path is None:
            configs = [_with_extras(c, sim.schedule) for c in configs]
    with _progress(steps, configs) as progress:
        result = run(fn, configs, steps, lr_schedule=lr_table, momentum_schedule=momentum_table,
                     progress=progress)

    if save_path is not None:
        from lrsched.io.output import atomic_open

        with atomic_open(save_path, "w", encoding="utf-8") as fh:
            fh.write(dumps_state(result))
        click.echo(f"saved the state of {result.n_runs} run(s) to {save_path}", err=True)
    if output is not None:
        from lrsched.render.plot import save
        from lrsched.render.simulate import figure

        save(figure(result, title=_title(result, sim.schedule), size=size, dpi=dpi), output)
        click.echo(output, err=True)
    _print_result(result, fmt, scheduled=sim.schedule is not None)
    _report_divergence(result, strict)


def _with_extras(config: RunConfig, schedule: ScheduleSpec) -> RunConfig:
    momentum_key = get_optimizer(config.optimizer).momentum_key
    extras = group_extras(schedule, momentum_key)
    return RunConfig(config.optimizer, lr=config.lr, start=config.start, hyper=config.hyper,
                     label=config.label, group_extras=extras) if extras else config


def _fresh(sim: _SimFile, fn: TestFunction, names, lrs):
    """RunConfigs for every optimizer x lr, and each run's (name, hyperparameters) for the
    scheduler."""
    if names is not None:
        entries = [_Entry(n) for n in names]
    else:
        entries = sim.entries or [_Entry(n) for n in DEFAULT_OPTIMIZERS]
    configs, schedule_runs = [], []
    for entry in entries:
        if lrs is not None:
            entry_lrs = lrs
        elif entry.lr is not None:
            entry_lrs = [entry.lr]
        else:
            entry_lrs = sim.lrs or [fn.lr]
        defn = get_optimizer(entry.name)
        for lr in entry_lrs:
            configs.append(RunConfig(entry.name, lr=lr, start=sim.start, hyper=entry.hyper,
                                     label=entry.label))
            schedule_runs.append((entry.name, defn.hyper({**entry.hyper, "lr": lr})))
    return configs, schedule_runs


def _resumed(sim: _SimFile, path: str, names, lrs, start):
    """The runs of a state file, continued: configs, schedule rows to start at, and each
    run's (name, hyperparameters at construction) for the scheduler."""
    for flag, given in (("--lr", lrs), ("--start", start)):
        if given:
            raise UsageError(f"cannot be combined with --resume: the saved runs keep their "
                             f"{flag[2:]}", key=flag)
    function_name, states = load_state(path, optimizers=names)
    fn = get_function(function_name)
    if sim.function is not None and sim.function.name != fn.name:
        raise SpecError(f"the saved runs are on {fn.name!r}, not {sim.function.name!r}",
                        file=path, key="function")
    configs, firsts, schedule_runs = [], [], []
    for i, state in enumerate(states):
        scheduled = state.scheduler_last_epoch is not None
        label = state.label or state.optimizer
        if scheduled and sim.schedule is None:
            raise SpecError(f"run {i} ({label}) was driven by a scheduler for "
                            f"{state.scheduler_last_epoch} steps: pass the same --schedule (or "
                            "simulation file) to continue it", file=path, key=f"runs[{i}]")
        if not scheduled and sim.schedule is not None:
            raise SpecError(f"run {i} ({label}) ran without a scheduler; a scheduler cannot "
                            "start mid-run here (resume without --schedule)", file=path,
                            key=f"runs[{i}]")
        group = state.state_dict["param_groups"][0]
        defn = get_optimizer(state.optimizer)
        keywords = {k: v for k, v in group.items() if k != "params" and k not in SCHEDULER_GROUP_KEYS}
        lr = None
        if scheduled:
            # the scheduler is recomputed from the start, with the lr it was built with
            lr = float(group.get("initial_lr", group["lr"]))
            keywords["lr"] = lr
        configs.append(RunConfig(state.optimizer, lr=lr, resume=state, label=state.label))
        firsts.append(state.scheduler_last_epoch or 0)
        schedule_runs.append((defn.name, defn.hyper(keywords)))
    return fn, configs, firsts, schedule_runs


def _inside(fn: TestFunction, point) -> bool:
    (x0, x1), (y0, y1) = fn.domain
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


def _check_folder(path: str | None) -> None:
    """Fail before simulating, not after, when an output cannot be written there."""
    if path is not None:
        from lrsched.io.output import check_writable

        check_writable(path)


def _title(result: SimulationResult, schedule: ScheduleSpec | None) -> str:
    from lrsched.render.simulate import display_name

    names = list(dict.fromkeys(display_name(result, i) for i in range(result.n_runs)))
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    lrs = sorted(set(result.base_lr.tolist()))
    lr_text = f"lr {lrs[0]:g}" if len(lrs) == 1 else f"{len(lrs)} lrs"
    if schedule is not None:
        lr_text = schedule.scheduler.type
    return f"{shown} on {result.function.name} ({lr_text}, {result.steps} steps)"



@contextmanager
def _progress(steps: int, configs):
    """A progress bar on stderr (a terminal only) when the run should take over a second."""
    groups = len({(c.optimizer.lower(), repr(sorted(dict(c.hyper).items())), c.resume is None)
                  for c in configs})
    estimate = steps * (groups * GROUP_STEP_SECONDS + len(configs) * RUN_STEP_SECONDS)
    if estimate < PROGRESS_AFTER or not isatty(sys.stderr):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("simulating {task.fields[runs]} runs"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} steps"), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulate", total=steps, runs=len(configs))
        yield lambda done: bar.update(task, completed=done)


def _print_functions(fmt: str) -> None:
    from lrsched.render.simulate import functions_json, functions_plain, functions_rich

    functions = list(FUNCTIONS.values())
    if fmt == "auto":
        fmt = "rich" if isatty(sys.stdout) else "plain"
    if fmt == "rich":
        from rich.console import Console

        to_stdout(lambda: Console(highlight=False).print(functions_rich(functions)))
    else:
        text = functions_json(functions) if fmt == "json" else functions_plain(functions)
        to_stdout(lambda: sys.stdout.write(text))


def _print_result(result: SimulationResult, fmt: str, *, scheduled: bool) -> None:
    from lrsched.render.simulate import json_text, plain_text, rich_table

    if fmt == "auto":
        fmt = "rich" if isatty(sys.stdout) else "plain"
    if fmt == "rich":
        from rich.console import Console

        to_stdout(lambda: Console(highlight=False).print(rich_table(result)))
        return
    text = json_text(result, schedules=scheduled) if fmt == "json" else plain_text(result)
    to_stdout(lambda: sys.stdout.write(text))


def _report_divergence(result: SimulationResult, strict: bool) -> None:
    from lrsched.render.simulate import legend_label

    bad = [i for i in range(result.n_runs) if result.diverged[i]]
    if not bad:
        return
    which = "; ".join(f"{legend_label(result, i)} at step {int(result.diverged_step[i])}"
                      for i in bad[:5]) + ("; ..." if len(bad) > 5 else "")
    message = f"{len(bad)} of {result.n_runs} runs diverged ({which})"
    if strict:
        raise RunError(message + " [--strict]")
    click.echo(f"warning: {message}; --strict makes that exit 1", err=True)

