"""``lrsched list``: the schedulers (keywords, defaults, constraints), optimizers and test
functions, generated from the same registries the validator uses."""

from __future__ import annotations

import click

from lrsched.errors import SpecError


@click.command("list")
@click.argument("name", required=False)
def list_(name):
    """List schedulers, optimizers and test functions; NAME shows one scheduler in full."""
    from rich.console import Console

    from lrsched.render.listing import overview, scheduler_detail
    from lrsched.schedules import lookup

    console = Console(highlight=False)
    if name is None:
        console.print(overview())
        return
    try:
        definition = lookup(name)
    except SpecError as exc:
        exc.located(key="NAME")
        raise
    console.print(scheduler_detail(definition))
