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


NO_HORIZON = "none"        # Facts.horizon: the curve has no end (step, warmup-like, plateau)
PERIODIC = "periodic"      # Facts.horizon: the curve repeats (CyclicLR, warm restarts)
NO_PEAK = "none"           # Facts.peak: no configured peak lr


def _nothing(spec) -> tuple:
    return ()


@dataclass(frozen=True)
class Facts:
    """What ``lrsched lint`` knows of a scheduler, declared with its definition (a test
    refuses a registered scheduler without them).  Callables take the scheduler's
    :class:`~lrsched.spec.SchedulerSpec` (``params`` and ``path``, so a finding names the
    key's line); steps are scheduler steps.

    * ``horizon``: ``spec -> steps`` where the curve ends (or None for these keywords), or
      :data:`NO_HORIZON` / :data:`PERIODIC`;
    * ``peak``: ``(spec, base lr per group) -> peak lr per group`` (an array), or
      :data:`NO_PEAK`;
    * ``sets_lr``: it sets the lr outright each step (rather than scaling the current lr);
    * ``counts``: ``spec -> ((key path, steps), ...)``, the counts it is sized by (T_max,
      step_size, milestones...);
    * ``changes``: ``spec -> ((key path, step), ...)``, steps where a change first shows
      (a milestone, the first step_size) and that the run should reach;
    * ``warmup``: ``spec -> (key path, steps)`` of a warmup it starts with, or None;
    * ``climbs``: its lr rises again past the horizon (a cosine);
    * ``factors`` and ``floors``: keywords that are a per-step decay factor (gamma) and a
      lower bound of the lr (eta_min).
    """

    horizon: Any
    peak: Any
    sets_lr: bool
    counts: Callable = _nothing
    changes: Callable = _nothing
    warmup: Callable | None = None
    climbs: bool = False
    factors: tuple = ()
    floors: tuple = ()


def key_counts(*names: str) -> Callable:
    """``Facts.counts``/``changes`` of keywords that are counts of steps (an int, or a list
    such as milestones: each item with its own key path)."""
    def counts(spec) -> tuple:
        out = []
        for name in names:
            value = spec.params.get(name)
            if isinstance(value, tuple):
                out += [(spec.path + (name, i), v) for i, v in enumerate(value)]
            elif value is not None:
                out.append((spec.path + (name,), value))
        return tuple(out)
    return counts


def key_horizon(name: str) -> Callable:
    """``Facts.horizon``: the keyword ``name`` (None when unset)."""
    return lambda spec: spec.params.get(name)


def key_peak(name: str) -> Callable:
    """``Facts.peak``: the keyword ``name``, one value for every group or one per group."""
    def peak(spec, base):
        import numpy as np

        return np.broadcast_to(np.asarray(spec.params[name], dtype=np.float64), np.shape(base))
    return peak


def _facts_of(child) -> "Facts":
    return child.definition.facts or Facts(NO_HORIZON, NO_PEAK, False)


def children_counts(spec) -> tuple:
    """``Facts.counts`` of a composite: every child's counts."""
    return tuple(c for child in spec.params["schedulers"] for c in _facts_of(child).counts(child))


def children_changes(spec) -> tuple:
    """``Facts.changes`` of children that all start at step 0 (ChainedScheduler)."""
    return tuple(c for child in spec.params["schedulers"] for c in _facts_of(child).changes(child))


def children_peak(spec, base):
    """``Facts.peak`` of a composite: the highest of its children's peaks (None: none has one)."""
    import numpy as np

    peaks = [_facts_of(child).peak(child, base) for child in spec.params["schedulers"]
             if callable(_facts_of(child).peak)]
    peaks = [p for p in peaks if p is not None]
    return np.max(peaks, axis=0) if peaks else None


class _RunLength:
    """The default of a keyword that counts the run's rows (transformers' num_training_steps):
    the spec fills it in once the run's length is known (``ScheduleSpec.stepped``)."""

    def __repr__(self) -> str:
        return "the run's rows"


RUN_LENGTH = _RunLength()


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
    it) and ``compute(params, groups, rows)`` gives its run instead (so do other libraries'
    schedulers that are no torch LRScheduler: ``standalone`` says why such a scheduler cannot
    run inside SequentialLR, ChainedScheduler or after ``warmup:``).  ``library`` is the
    namespace of ``type`` (torch's names need none); ``aliases`` are other names the library
    gives it (timm's ``sched: cosine``), suggested when a spec writes them.  ``per_update``:
    the scheduler steps after every optimizer update whatever the spec's default interval
    (transformers' schedules); ``interval(params)`` is the stepping a scheduler's keywords fix
    whatever the spec's ``interval``, and why: ``("epoch", "t_in_epochs: true")`` (timm's).
    ``group_keys`` are param-group keys it reads besides the optimizer's (timm's ``lr_scale``).
    ``shown(params)`` gives the (name, value) pairs a table or plot shows beside the run
    (transformers' num_training_steps and num_warmup_steps).
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
    facts: Facts | None = None
    per_update: bool = False
    shown: Callable[[Mapping[str, Any]], tuple] | None = None
    standalone: str = "needs the metric passed to its step()"
    interval: Callable[[Mapping[str, Any]], tuple] | None = None
    aliases: tuple[str, ...] = ()
    group_keys: tuple[str, ...] = ()

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
            other = advice(bare, self._by_type)
            if other is not None:        # another library's name: no misleading near miss
                raise SpecError(f"{other} (`lrsched list` shows all)")
            library = namespace.lower() if dot else None
            if library is not None and library != DEFAULT_LIBRARY and self.library(library):
                raise SpecError(self._unknown_in(name, library, rest))
            # suggest in the spelling given: `torch.SteLR` -> `torch.StepLR`
            options = self if bare is name else [f"{namespace}.{t}" for t in self if "." not in t]
            hint = did_you_mean(name, options)
            raise SpecError(f"unknown scheduler '{name}'" + (f"; {hint}" if hint else " ")
                            + "(`lrsched list` shows all)")
        return self._by_type[found]

    def library(self, library: str) -> list:
        """The definitions of ``library`` (lower case), in order."""
        return [d for d in self._by_type.values() if d.library.lower() == library]

    def _unknown_in(self, name: str, library: str, rest: str) -> str:
        """The message for an unknown type in a known namespace: the closest of that library's
        types (``timm.StepLR`` -> ``timm.StepLRScheduler``), the one the library's own name for
        it means (``timm.cosine`` -> ``timm.CosineLRScheduler``), else all of them."""
        definitions = self.library(library)
        aliased = [d for d in definitions if rest.lower() in (a.lower() for a in d.aliases)]
        if aliased:
            names = " or ".join(f"'{d.type}'" for d in aliased)
            hint = f"did you mean {names}? ('{rest}' is {library}'s own name for it) "
        else:
            hint = did_you_mean(name, [d.type for d in definitions]) or (
                f"the {definitions[0].library} types are {', '.join(d.type for d in definitions)} ")
        return f"unknown scheduler '{name}'; {hint}(`lrsched list` shows all)"
