"""The simulation file: a test function, optimizers, lrs, steps, a start and a scheduler.

YAML (SPEC.md, ``lrsched simulate FILE``)::

    function: rosenbrock              # required: a test function (`lrsched simulate --list`)
    optimizers:                       # names, or mappings with torch's keywords
      - Adam
      - {type: SGD, momentum: 0.9, lr: 0.002, label: heavy ball}
    lr: [0.01, 0.03]                  # for every optimizer without its own lr
    steps: 2000
    start: [-1.2, 1]
    scheduler: {type: ExponentialLR, gamma: 0.99}

Every key is optional but ``function``; flags override the file.  Errors name the file, the
line and the key (``optimizers[1].betas``), as a schedule spec's do.
"""

from __future__ import annotations

import os
from types import MappingProxyType

from lrsched.constraints import (
    Described, Int, Items, Keys, Kind, Maybe, NonEmptyList, Real, Str, describe_value,
)
from lrsched.errors import SpecError
from lrsched.functions import FUNCTIONS, TestFunction, get_function
from lrsched.optim import get_optimizer
from lrsched.records import dataclass
from lrsched.simulate.plan import OptimizerEntry
from lrsched.spec import OptimizerSpec, Origin, ScheduleSpec, parse_scheduler
from lrsched.suggest import did_you_mean
from lrsched.io.yamlload import load_yaml, read_source

__all__ = ["Simulation", "is_simulation_file", "load_simulation", "parse_simulation", "MAX_STEPS",
           "DEFAULT_STEPS", "MAX_RUN_STEPS", "check_run_steps"]

MAX_STEPS = 1_000_000          # one run of a million steps takes about a minute
DEFAULT_STEPS = 2000
MAX_RUN_STEPS = 20_000_000     # runs x steps: about 1.5 GB of paths, losses and lr tables
SIM_KEYS = ("function", "optimizers", "lr", "steps", "start", "scheduler")
ENTRY_KEYS = ("type", "label")      # an optimizer mapping's keys besides torch's keywords

KEYS = Keys(SIM_KEYS)
NAME = Kind((str,), "a name (a string)")
STEPS = Int(1, MAX_STEPS)
START = Described(Items(Real(), 2), "a point [x, y] of two finite numbers")
LEARNING_RATE = Described(Real(0), "a learning rate (a finite number >= 0)")
LEARNING_RATES = Described(NonEmptyList("learning rates"), "a number or a non-empty list of numbers")
EXAMPLE = "`{type: Adam, lr: 0.01}`"
OPTIMIZERS = NonEmptyList(f"optimizer names or mappings such as {EXAMPLE}")
OPTIMIZER = Kind((str, dict), f"an optimizer name or a mapping such as {EXAMPLE}")
LABEL = Maybe(Str())


@dataclass(frozen=True)
class Simulation:
    """A simulation file, validated: every field None where the file does not set it."""

    function: TestFunction | None = None
    optimizers: tuple | None = None       # of lrsched.simulate.plan.OptimizerEntry
    lrs: tuple | None = None
    steps: int | None = None
    start: tuple | None = None
    schedule: ScheduleSpec | None = None

    def overridden(self, **given) -> "Simulation":
        """This simulation with the fields ``given`` (not None) in place of its own: flags,
        or :func:`lrsched.run_simulation`'s arguments, over the file's keys."""
        from lrsched.records import replace

        return replace(self, **{k: v for k, v in given.items() if v is not None})


def is_simulation_file(argument: str) -> bool:
    """FUNCTION names a file (``-`` is stdin) rather than a test function."""
    return (argument == "-" or argument.lower().endswith((".yaml", ".yml"))
            or os.path.isfile(argument))


def load_simulation(source) -> Simulation:
    """Read and validate a simulation file: a path, or YAML text already read as a
    ``(text, filename)`` pair; errors name the file, line and key."""
    if isinstance(source, tuple):
        text, file = source
    else:
        file = os.fspath(source)
        try:
            with open(file, "rb") as fh:
                text = read_source(fh, file)
        except FileNotFoundError:
            known = did_you_mean(file, FUNCTIONS)
            raise SpecError(f"no such file{' (nor a test function; ' + known.strip() + ')' if known else ''}",
                            file=file) from None
        except IsADirectoryError:
            raise SpecError("is a folder, not a simulation file", file=file) from None
        except OSError as exc:
            raise SpecError(f"cannot read: {exc.strerror or exc}", file=file) from None
    doc = load_yaml(text, file)
    return parse_simulation(doc.data, Origin(file, doc.marks))


def parse_simulation(data, origin: Origin) -> Simulation:
    """A simulation file's YAML mapping -> :class:`Simulation` (SpecError located in
    ``origin`` for anything wrong)."""
    if not isinstance(data, dict):
        raise origin.error((), "a simulation file must be a mapping with at least `function:` "
                               f"(e.g. `function: rosenbrock`), got {describe_value(data)}")
    if "function" not in data and ("schedules" in data or "epochs" in data or "name" in data):
        raise origin.error((), "this looks like a schedule spec, not a simulation file (it has no "
                               "'function'): pass it with --schedule, as in `lrsched simulate "
                               f"rosenbrock --schedule {origin.file}`")
    for key in data:
        origin.check(KEYS, key, (key,))
    if "function" not in data:
        raise origin.error((), "missing key 'function' (a test function such as rosenbrock; "
                               "`lrsched simulate --list` shows them)")
    found = {"function": _function(data["function"], origin)}
    if "optimizers" in data:
        found["optimizers"] = _optimizers(data["optimizers"], origin)
    if "lr" in data:
        found["lrs"] = _lrs(data["lr"], origin)
    if "steps" in data:
        found["steps"] = origin.check(STEPS, data["steps"], ("steps",))
    if "start" in data:
        x, y = origin.check(START, data["start"], ("start",))
        found["start"] = (float(x), float(y))
    if "scheduler" in data:
        scheduler = parse_scheduler(data["scheduler"], origin, ("scheduler",))
        name = os.path.splitext(os.path.basename(origin.file))[0] if not origin.file.startswith("<") else "scheduler"
        found["schedule"] = ScheduleSpec(name, OptimizerSpec(), scheduler, None, origin, ())
    return Simulation(**found)


def _function(value, origin: Origin) -> TestFunction:
    name = origin.check(NAME, value, ("function",))
    try:
        return get_function(name, key=None)
    except SpecError as exc:
        raise origin.locate(exc, ("function",)) from None


def _lrs(value, origin: Origin) -> tuple:
    if not isinstance(value, list):
        return (float(origin.check(LEARNING_RATE, value, ("lr",))),)
    if not value:
        raise origin.error(("lr",), f"must be {LEARNING_RATES}")
    return tuple(float(origin.check(LEARNING_RATE, v, ("lr", j))) for j, v in enumerate(value))


def _optimizers(raw, origin: Origin) -> tuple:
    origin.check(OPTIMIZERS, raw, ("optimizers",))
    return tuple(_optimizer(item, origin, ("optimizers", i)) for i, item in enumerate(raw))


def _optimizer(item, origin: Origin, path: tuple) -> OptimizerEntry:
    origin.check(OPTIMIZER, item, path)
    keywords, label, type_path = {}, None, path
    if isinstance(item, dict):
        if "type" not in item:
            raise origin.error(path, "missing key 'type' (a torch.optim class such as Adam)")
        type_path = path + ("type",)
        name = origin.check(NAME, item["type"], type_path)
        label = origin.check(LABEL, item.get("label"), path + ("label",))
        keywords = {k: v for k, v in item.items() if k not in ENTRY_KEYS}
    else:
        name = item
    try:
        defn = get_optimizer(name, key=None)
    except SpecError as exc:
        raise origin.locate(exc, type_path) from None
    try:       # the optimizer's own errors are keyed from the file's root: optimizers[1].betas
        hyper = defn.hyper(keywords, prefix=f"optimizers[{path[1]}]", also=ENTRY_KEYS)
    except SpecError as exc:
        raise origin.locate(exc, () if exc.key else path) from None
    lr = hyper["lr"] if "lr" in keywords else None
    overrides = MappingProxyType({k: hyper[k] for k in keywords if k != "lr"})
    return OptimizerEntry(defn.name, overrides, lr, label)


def check_run_steps(runs: int, steps: int, *, key: str, error=SpecError) -> None:
    """Refuse (``error``, keyed ``key``) more than MAX_RUN_STEPS runs x steps, the paths,
    losses and lr tables of which would take about 1.5 GB."""
    if runs * steps > MAX_RUN_STEPS:
        raise error(f"{runs} runs x {steps:,} steps is more than {MAX_RUN_STEPS:,} run-steps (about "
                    "1.5 GB of paths); use fewer steps, optimizers or lrs", key=key)
