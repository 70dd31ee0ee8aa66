"""The schedulers: :data:`REGISTRY`, every scheduler's :class:`SchedulerDef` by the
``scheduler.type`` a spec gives, and :func:`lookup`.

torch's fifteen are defined one family to a module (``step``, ``chainable``, ``lambda_``,
``cosine``, ``cyclic``, ``onecycle``, ``compose``, ``plateau``); another library's schedules
are a module of their own, registered here beside them.
"""

from __future__ import annotations

from lrsched.schedules import (chainable, compose, cosine, cyclic, lambda_, onecycle, plateau, step, timm,
                               transformers)
from lrsched.schedules.registry import Registry, SchedulerDef
from lrsched.schedules.stepper import Groups, Trace

# SPEC.md's (and torch's documentation's) order, for `lrsched list`
ORDER = ("LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
         "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
         "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau")

_TORCH = {d.name: d for family in (lambda_, step, chainable, cosine, cyclic, onecycle, compose, plateau)
          for d in family.DEFINITIONS}

REGISTRY = Registry([*(_TORCH[name] for name in ORDER), *transformers.DEFINITIONS, *timm.DEFINITIONS])


def lookup(name) -> SchedulerDef:
    """The definition for a spec's ``scheduler.type`` (see :meth:`Registry.lookup`)."""
    return REGISTRY.lookup(name)


__all__ = ["REGISTRY", "lookup", "Groups", "SchedulerDef", "Trace"]
