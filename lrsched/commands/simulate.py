"""``lrsched simulate``: torch's optimizers on a 2-D test function, as a table, JSON or figure.

Glue: read the flags and any simulation file (:mod:`lrsched.io.simulation`), plan the runs
(every optimizer x every lr, or a state file's runs continued: :mod:`lrsched.simulate.plan`),
run them as one batch, save the state (:mod:`lrsched.io.state`), draw and print
(:mod:`lrsched.render.simulate`).
"""

from __future__ import annotations

import math
import sys
from contextlib import contextmanager

import click

from lrsched.commands.common import COUNT, STDIN, isatty, read_stdin, report_written, to_stdout
from lrsched.commands.plot import ImagePath, Size
from lrsched.errors import RunError, UsageError
from lrsched.functions import FUNCTIONS, TestFunction, get_function
from lrsched.io.output import check_writable
from lrsched.io.simulation import (DEFAULT_STEPS, MAX_RUN_STEPS, MAX_STEPS, Simulation, check_run_steps,
                                   is_simulation_file, load_simulation)
from lrsched.io.state import load_state, write_state
from lrsched.optim import get_optimizer
from lrsched.simulate.plan import (
    DEFAULT_OPTIMIZERS, OptimizerEntry, resumed_plan, run_plan, simulation_plan,
)
from lrsched.simulate.schedule import load_schedule

FORMATS = ("auto", "rich", "plain", "json")
FIGURE_SIZE, FIGURE_DPI = (12.0, 5.4), 150
PROGRESS_AFTER = 1.0           # seconds (estimated) before a progress bar is worth showing
# measured: each optimizer group costs ~50 us a step (NumPy call overhead), each run ~0.6 us
GROUP_STEP_SECONDS, RUN_STEP_SECONDS = 5e-5, 6e-7


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
                   "after every optimizer step, or every steps_per_epoch steps for a spec with "
                   "training units and interval: epoch (CyclicLR/OneCycleLR also cycle momentum or beta1).")
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
    sim = _simulation(function)
    if schedule_path is not None:
        sim = sim.overridden(schedule=load_schedule(schedule_path))
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
        if path is not None:
            check_writable(path)

    if resume_path is not None:
        for flag, given in (("--lr", lrs), ("--start", start)):
            if given:
                raise UsageError(f"cannot be combined with --resume: the saved runs keep their "
                                 f"{flag[2:]}", key=flag)
        function_name, states = load_state(resume_path, optimizers=names)
        plan = resumed_plan(function_name, states, source=resume_path, function=sim.function,
                            schedule=sim.schedule)
    else:
        sim = sim.overridden(start=parse_start(start) if start is not None else None,
                             optimizers=tuple(OptimizerEntry(n) for n in names) if names is not None else None)
        _warn_outside(sim.function, sim.start or sim.function.start)
        plan = simulation_plan(sim, lrs=parse_lrs(lrs) if lrs else None)
    check_run_steps(len(plan.configs), steps, key="--steps", error=UsageError)
    with _progress(steps, plan.configs) as progress:
        result = run_plan(plan, steps, progress=progress)

    if save_path is not None:
        write_state(save_path, result)
        report_written(save_path, f"the state of {result.n_runs} run{'s' if result.n_runs != 1 else ''}")
    if output is not None:
        from lrsched.render.plot import save
        from lrsched.render.simulate import figure, figure_title

        scheduler = None if sim.schedule is None else sim.schedule.scheduler.type
        save(figure(result, title=figure_title(result, scheduler), size=size, dpi=dpi), output)
        report_written(output)
    _print_result(result, fmt, scheduled=sim.schedule is not None)
    _report_divergence(result, strict)


def _simulation(function: str | None) -> Simulation:
    """FUNCTION: a simulation file (``-``: stdin), a test function's name, or nothing."""
    if function is None:
        return Simulation()
    if not is_simulation_file(function):
        return Simulation(function=get_function(function, key="FUNCTION"))
    return load_simulation((read_stdin(), STDIN) if function == "-" else function)


# ------------------------------------------------------------------------------ flags

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


# ------------------------------------------------------------------------------ output

def _warn_outside(fn: TestFunction, point) -> None:
    (x0, x1), (y0, y1) = fn.domain
    if not (x0 <= point[0] <= x1 and y0 <= point[1] <= y1):
        click.echo(f"warning: start ({point[0]:g}, {point[1]:g}) is outside {fn.name}'s domain "
                   f"[{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]; runs that get ten times as far from "
                   "its centre count as diverged", err=True)


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


def _print_result(result, fmt: str, *, scheduled: bool) -> None:
    from lrsched.render.simulate import json_text, plain_text, rich_table

    if fmt == "auto":
        fmt = "rich" if isatty(sys.stdout) else "plain"
    if fmt == "rich":
        from rich.console import Console

        console = Console(highlight=False)
        to_stdout(lambda: console.print(rich_table(result, width=console.width)))
        return
    text = json_text(result, schedules=scheduled) if fmt == "json" else plain_text(result)
    to_stdout(lambda: sys.stdout.write(text))


def _report_divergence(result, strict: bool) -> None:
    from lrsched.render.simulate import divergence_summary

    message = divergence_summary(result)
    if message is None:
        return
    if strict:
        raise RunError(message + " [--strict]")
    click.echo(f"warning: {message}; --strict makes that exit 1", err=True)
