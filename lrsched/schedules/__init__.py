"""The scheduler registry: torch class name -> :class:`SchedulerDef`.

One table drives validation, the engine, ``lrsched list`` and the bad-value tests.
"""

from __future__ import annotations

from types import MappingProxyType

from lrsched.errors import SpecError
from lrsched.suggest import closest
from lrsched.schedules import chainable, compose, cosine, cyclic, lambda_, onecycle, plateau, step
from lrsched.schedules.base import Groups, SchedulerDef, Trace

_DEFINITIONS = compose.with_steppers(lambda_.DEFINITIONS + step.DEFINITIONS + cyclic.DEFINITIONS
                                     + chainable.DEFINITIONS + cosine.DEFINITIONS + onecycle.DEFINITIONS
                                     + compose.DEFINITIONS + plateau.DEFINITIONS)

REGISTRY: MappingProxyType = MappingProxyType({d.name: d for d in _DEFINITIONS})
_BY_LOWER = {name.lower(): name for name in REGISTRY}


def lookup(name) -> SchedulerDef:
    """The definition for a torch class name (case-insensitive), or a SpecError with the
    closest valid name."""
    if not isinstance(name, str):
        raise SpecError(f"must be a scheduler class name such as 'StepLR', got {name!r}")
    found = _BY_LOWER.get(name.lower())
    if found is None:
        near = closest(name, REGISTRY)
        hint = f"; did you mean '{near}'?" if near else ""
        raise SpecError(f"unknown scheduler '{name}'{hint} (`lrsched list` shows all)")
    return REGISTRY[found]


__all__ = ["REGISTRY", "lookup", "Groups", "SchedulerDef", "Trace"]
