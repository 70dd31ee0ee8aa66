"""``lrsched list``: the schedulers (keywords, defaults, constraints), optimizers and test
functions, generated from the same registries the validator uses."""

from __future__ import annotations

import click

from lrsched.commands.common import to_stdout
from lrsched.errors import SpecError
from lrsched.suggest import unknown


@click.command("list")
@click.argument("name", required=False)
def list_(name):
    """List schedulers, optimizers and test functions; NAME shows one of them in full."""
    from rich.console import Console

    detail = _detail(name)
    to_stdout(lambda: Console(highlight=False).print(detail))


def _detail(name):
    """The renderable ``lrsched list NAME`` prints: the overview, or the scheduler, optimizer
    or test function called NAME (any case)."""
    from lrsched.render import listing

    if name is None:
        return listing.overview()
    if name.strip().lower() in ("timm", "timm:"):       # the timm: factory form
        from lrsched.schedules import timm_factory

        return listing.factory_detail(*timm_factory.LISTING)
    from lrsched.functions import FUNCTIONS, get_function
    from lrsched.optimizers import TORCH_OPTIMIZERS, optimizer_class
    from lrsched.schedules import REGISTRY, lookup

    for find, show in ((lookup, listing.scheduler_detail), (optimizer_class, listing.optimizer_detail)):
        try:
            return show(find(name))
        except SpecError:
            pass
    try:
        function = get_function(name)
    except SpecError:
        raise SpecError(unknown("name", name, [*REGISTRY, *TORCH_OPTIMIZERS, *FUNCTIONS]), key="NAME") from None
    from lrsched.render.simulate import functions_rich

    return functions_rich([function])
