"""The registry's records: :class:`SchedulerDef`, and :class:`Registry`, the definitions by the
``scheduler.type`` a spec gives (torch's class names, later other libraries' namespaced ones).

One table drives validation, the engine, ``lrsched list`` and the bad-value tests.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from typing import Any, Callable, Mapping

from lrsched.constraints import Param
from lrsched.errors import SpecError
from lrsched.records import dataclass, field
from lrsched.schedules.foreign import advice
from lrsched.schedules.stepper import Groups, Stepper, Trace, trace
from lrsched.suggest import did_you_mean

# the library whose names need no namespace: `StepLR` is `torch.StepLR`
DEFAULT_LIBRARY = "torch"


@dataclass(frozen=True)
class SchedulerDef:
    """A scheduler as the registry knows it.

    ``params`` holds every keyword's constraint (``extra_keys``: spec-only keys that are not
    constructor keywords, such as ReduceLROnPlateau's metrics); ``check(params)`` applies the
    constructor's refusals that involve several keywords; ``formula`` and ``example`` feed
    ``lrsched list``.  ``stepper(params)`` is the scheduler as the object SequentialLR and
    ChainedScheduler drive call by call (:class:`~lrsched.schedules.stepper.Stepper`), and its
    standalone run (:meth:`run`).  The one exception is ReduceLROnPlateau: its ``step()``
    needs the metric, which the composites cannot pass, so it has no stepper (they refuse
    it) and ``compute(params, groups, rows)`` gives its run instead.  ``library`` is the
    namespace of ``type`` (torch's names need none).
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    stepper: Callable[[Mapping[str, Any]], Stepper] | None = None
    compute: Callable[[Mapping[str, Any], Groups, int], Trace] | None = None
    formula: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[Mapping[str, Any]], None] | None = None
    extra_keys: tuple[Param, ...] = ()
    library: str = DEFAULT_LIBRARY

    def __post_init__(self) -> None:
        if (self.stepper is None) == (self.compute is None):
            raise TypeError(f"{self.name}: a definition has a stepper, or (without one) a compute")

    @property
    def type(self) -> str:
        """The ``scheduler.type`` that names it: ``StepLR``, ``transformers.cosine``."""
        return self.name if self.library == DEFAULT_LIBRARY else f"{self.library}.{self.name}"

    def run(self, params: Mapping[str, Any], groups: Groups, rows: int) -> Trace:
        """The scheduler run standalone over ``rows`` rows, from ``groups``: its stepper
        constructed, then stepped ``rows - 1`` times; without a stepper, its compute."""
        if self.stepper is None:
            return self.compute(params, groups, rows)
        return trace(self.stepper(params), groups, rows)

    def param(self, name: str) -> Param | None:
        for p in self.params + self.extra_keys:
            if p.name == name:
                return p
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params + self.extra_keys)


class Registry(MappingABC):
    """Definitions by type, in the order given (``lrsched list`` shows them so)."""

    def __init__(self, definitions) -> None:
        self._by_type = {d.type: d for d in definitions}
        self._by_lower = {t.lower(): t for t in self._by_type}

    def __getitem__(self, type_: str) -> SchedulerDef:
        return self._by_type[type_]

    def __iter__(self):
        return iter(self._by_type)

    def __len__(self) -> int:
        return len(self._by_type)

    def lookup(self, name) -> SchedulerDef:
        """The definition for a spec's ``scheduler.type``, case-insensitive, ``torch.`` optional
        (``torch.StepLR`` is ``StepLR``); else a SpecError with the closest valid name."""
        if not isinstance(name, str):
            raise SpecError(f"must be a scheduler class name such as 'StepLR', got {name!r}")
        namespace, dot, rest = name.partition(".")
        bare = rest if dot and namespace.lower() == DEFAULT_LIBRARY else name
        found = self._by_lower.get(bare.lower())
        if found is None:
            other = advice(name, self._by_type)
            if other is not None:        # another library's name: no misleading near miss
                raise SpecError(f"{other} (`lrsched list` shows all)")
            # suggest in the spelling given: `torch.SteLR` -> `torch.StepLR`
            options = self if bare is name else [f"{namespace}.{t}" for t in self if "." not in t]
            hint = did_you_mean(name, options)
            raise SpecError(f"unknown scheduler '{name}'" + (f"; {hint}" if hint else " ")
                            + "(`lrsched list` shows all)")
        return self._by_type[found]
