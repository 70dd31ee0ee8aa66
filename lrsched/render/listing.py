"""``lrsched list`` as rich renderables, built from the registries (no second copy)."""

from __future__ import annotations

import yaml
from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lrsched.schedules import REGISTRY
from lrsched.schedules import SchedulerDef
from lrsched.optimizers import TORCH_OPTIMIZERS, OptimizerClass


def _keywords(definition: SchedulerDef) -> str:
    parts = []
    for p in definition.params + definition.extra_keys:
        parts.append(p.name if p.required else f"{p.name}={p.default!r}")
    return ", ".join(parts)


# how each library's schedulers are titled in the overview (torch's first, then the others)
LIBRARY_TITLES = {"torch": "Schedulers (torch.optim.lr_scheduler)",
                  "transformers": "Hugging Face transformers 5.24.0 (get_scheduler; type: transformers.NAME)",
                  "timm": "timm 1.0.31 (timm.scheduler; type: timm.NAME)"}
# a line under a library's table (timm's factory form)
LIBRARY_NOTES = {"timm": "timm's factory form, create_scheduler_v2's keywords as `timm:`: `lrsched list timm`."}


def _library_table(library: str, definitions) -> Table:
    """One library's schedulers, by name (the title says how a spec's type writes them):
    torch's with what each does; another library's with its formula under that too."""
    table = Table(title=LIBRARY_TITLES.get(library, f"Schedulers ({library})"), title_justify="left",
                  header_style="bold", box=None, pad_edge=False)
    table.add_column("type", style="bold cyan", no_wrap=True)
    table.add_column("what it does")
    table.add_column("keywords (default)", style="dim")
    for definition in definitions:
        what = escape(definition.summary)
        if library != "torch":
            what = Text.assemble(definition.summary, "\n", (definition.formula, "dim"))
        table.add_row(definition.name, what, escape(_keywords(definition)))   # the title says the type
    return table


def overview():
    libraries: dict = {}
    for definition in REGISTRY.values():
        libraries.setdefault(definition.library, []).append(definition)
    schedulers, *others = [_library_table(library, defs) for library, defs in libraries.items()]

    optimizers = Table(title="Optimizers (torch.optim)", title_justify="left",
                       header_style="bold", box=None, pad_edge=False)
    optimizers.add_column("type", style="bold cyan", no_wrap=True)
    optimizers.add_column("default lr", justify="right")
    optimizers.add_column("cycled by CyclicLR/OneCycleLR")
    optimizers.add_column("simulate")
    simulated = _simulated_optimizers()
    for name, torch_class in TORCH_OPTIMIZERS.items():
        cycled = {"betas": "betas[0]", "momentum": "momentum"}.get(torch_class.momentum_key, "- (refused)")
        optimizers.add_row(name, repr(torch_class.defaults["lr"]), cycled, "yes" if name in simulated else "")

    parts = [schedulers]
    for library, table in zip(list(libraries)[1:], others):
        parts += [Text(""), table]
        if library in LIBRARY_NOTES:
            parts.append(Text(LIBRARY_NOTES[library], style="dim"))
    parts += [Text(""), optimizers]
    functions = _functions_table()
    if functions is not None:
        parts += [Text(""), functions]
    parts += [Text(""), Text("`lrsched list NAME` shows a scheduler's keywords in full.", style="dim")]
    return Group(*parts)


def scheduler_detail(definition: SchedulerDef):
    table = Table(title=escape(f"{definition.type}: {definition.summary}"), title_justify="left",
                  header_style="bold", box=None, pad_edge=False)
    table.add_column("keyword", style="bold cyan", no_wrap=True)
    table.add_column("default", no_wrap=True)
    table.add_column("must be")
    table.add_column("meaning", style="dim")
    for p in definition.params + definition.extra_keys:
        table.add_row(p.name, escape(p.default_text()), escape(str(p.constraint)), escape(p.doc))
    example = yaml.safe_dump(definition.example, sort_keys=False, default_flow_style=None).rstrip()
    return Group(
        table,
        Text(""),
        Text.assemble(("formula: ", "bold"), definition.formula),
        Text(""),
        Text("example spec:", style="bold"),
        Text(example),
    )


def factory_detail(title: str, params, formula: str, example: dict):
    """A library's factory form (timm's ``timm:`` block): its keywords in full."""
    table = Table(title=escape(title), title_justify="left", header_style="bold", box=None, pad_edge=False)
    table.add_column("keyword", style="bold cyan", no_wrap=True)
    table.add_column("default", no_wrap=True)
    table.add_column("must be")
    table.add_column("meaning", style="dim")
    for p in params:
        table.add_row(p.name, escape(p.default_text()), escape(str(p.constraint)), escape(p.doc))
    text = yaml.safe_dump(example, sort_keys=False, default_flow_style=None).rstrip()
    return Group(table, Text(""), Text.assemble(("what it does: ", "bold"), formula), Text(""),
                 Text("example spec:", style="bold"), Text(text))


def optimizer_detail(torch_class: OptimizerClass):
    """One torch.optim class: its keywords, torch's defaults, what each must be."""
    simulated = torch_class.name in _simulated_optimizers()
    cycled = {"betas": "betas[0]", "momentum": "momentum"}.get(torch_class.momentum_key)
    table = Table(title=f"{torch_class.name} (torch.optim)", title_justify="left",
                  header_style="bold", box=None, pad_edge=False)
    table.add_column("keyword", style="bold cyan", no_wrap=True)
    table.add_column("default", no_wrap=True)
    table.add_column("must be")
    table.add_column("meaning", style="dim")
    for p in torch_class.params:
        table.add_row(p.name, escape(p.default_text()), escape(str(p.constraint)), escape(p.doc))
    notes = [f"CyclicLR and OneCycleLR cycle {cycled}." if cycled else
             "CyclicLR and OneCycleLR cannot cycle its momentum (it has neither momentum nor betas).",
             "`lrsched simulate` runs it exactly." if simulated else "`lrsched simulate` does not run it."]
    return Group(table, Text(""), *(Text(n) for n in notes))


def _simulated_optimizers() -> set:
    try:
        from lrsched.optim import OPTIMIZERS
    except ImportError:
        return set()
    return set(OPTIMIZERS)


def _functions_table():
    try:
        from lrsched.functions import FUNCTIONS
    except ImportError:
        return None
    table = Table(title="Test functions (lrsched simulate)", title_justify="left",
                  header_style="bold", box=None, pad_edge=False)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("what it is")
    for name, fn in FUNCTIONS.items():
        table.add_row(name, escape(getattr(fn, "description", "")))
    return table
