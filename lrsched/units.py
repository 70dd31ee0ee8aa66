"""Training units (SPEC.md section 4): how many optimizer updates an epoch has, when the
scheduler steps, how long the run is, and the ``warmup:`` shorthand.

A spec without unit keys has :data:`NO_UNITS`: one row per scheduler step, called epoch.
With units (``steps_per_epoch``, or ``dataset_size`` and ``batch_size`` to derive it from),
a row is one optimizer update; ``interval`` says whether the scheduler steps after every
update or after every epoch.

>>> spec = {"dataset_size": 50000, "batch_size": 128, "interval": "step"}
>>> units = parse_units(lambda key: (spec[key], (key,)) if key in spec else (None, None))
>>> units.steps_per_epoch, units.interval, units.rows(10)
(391, 'step', 3910)
"""

from __future__ import annotations

from types import MappingProxyType
from lrsched.constraints import Bool, Choice, Int, Param, Real
from lrsched.errors import SpecError
from lrsched.records import dataclass
from lrsched.suggest import unknown

INTERVALS = ("step", "epoch")

# The derivation of steps_per_epoch, as DistributedSampler, the DataLoader, the HF Trainer
# and timm count updates.
DERIVATION = (
    Param("dataset_size", Int(1), None, "examples in the training set"),
    Param("batch_size", Int(1), None, "examples per batch, per device"),
    Param("world_size", Int(1), 1, "data-parallel devices"),
    Param("grad_accum", Int(1), 1, "micro-batches per optimizer update"),
    Param("drop_last", Bool(), False, "the DataLoader's drop_last"),
)
UNIT_PARAMS = (
    Param("steps_per_epoch", Int(1), None, "optimizer updates per epoch"),
    *DERIVATION,
    Param("interval", Choice(INTERVALS), "epoch",
          "the scheduler steps after every optimizer update (step) or every epoch (epoch)"),
    Param("max_steps", Int(1), None, "total optimizer updates (replaces epochs x steps_per_epoch)"),
)
WARMUP_PARAMS = (
    Param("steps", Int(1), None, "scheduler steps of linear warmup"),
    Param("epochs", Int(1), None, "epochs of linear warmup (needs units)"),
    # LinearLR's own range for start_factor: (0, 1]
    Param("start_factor", Real(0, 1, low_closed=False), 1e-3, "the warmup's first lr, as a share of lr"),
)
UNIT_KEYS = tuple(p.name for p in UNIT_PARAMS) + ("warmup",)


@dataclass(frozen=True)
class Units:
    """A schedule's training units: ``steps_per_epoch`` (None: no units, a row is a scheduler
    step), ``interval`` (``step`` or ``epoch``: when the scheduler steps), ``max_steps`` (the
    run's length in updates, or None), ``given`` (the unit keys the spec wrote, with their
    values: the derivation's inputs included)."""

    steps_per_epoch: int | None = None
    interval: str = "epoch"
    max_steps: int | None = None
    given: MappingProxyType = MappingProxyType({})

    @property
    def active(self) -> bool:
        """True when a row is an optimizer update (the spec has a count of updates per epoch)."""
        return self.steps_per_epoch is not None

    @property
    def interval_given(self) -> bool:
        return "interval" in self.given

    def rows(self, epochs: int | None) -> int | None:
        """Rows of a run of ``epochs`` epochs: ``max_steps`` when given, else
        ``epochs * steps_per_epoch`` with units, ``epochs`` without; None when unknown."""
        if self.max_steps is not None:
            return self.max_steps
        if epochs is None:
            return None
        return epochs * self.steps_per_epoch if self.active else epochs

    def scheduler_rows(self, rows: int) -> int:
        """Scheduler states a run of ``rows`` rows goes through (``interval: epoch`` steps once
        an epoch, so ``ceil(rows / steps_per_epoch)`` of them)."""
        if self.active and self.interval == "epoch":
            return -(-rows // self.steps_per_epoch)
        return rows

    @property
    def repeat(self) -> int:
        """Rows each scheduler state lasts: ``steps_per_epoch`` with ``interval: epoch``, else 1."""
        return self.steps_per_epoch if self.active and self.interval == "epoch" else 1


NO_UNITS = Units()


@dataclass(frozen=True)
class Warmup:
    """``warmup:``: a LinearLR from ``start_factor`` over ``steps`` scheduler steps before the
    scheduler, in a SequentialLR (``epochs``: what the spec wrote, when it counted epochs)."""

    steps: int
    start_factor: float
    epochs: int | None = None


def derive_steps_per_epoch(dataset_size: int, batch_size: int, world_size: int = 1,
                           grad_accum: int = 1, drop_last: bool = False) -> int:
    """Optimizer updates per epoch: each of ``world_size`` devices gets
    ``ceil(dataset_size / world_size)`` examples (DistributedSampler pads), in batches of
    ``batch_size`` (a last short batch dropped with ``drop_last``), ``grad_accum`` batches an
    update (a last partial window is an update too).

    >>> derive_steps_per_epoch(1281167, 32, world_size=8, grad_accum=2)
    2503
    """
    per_device = -(-dataset_size // world_size)
    batches = per_device // batch_size if drop_last else -(-per_device // batch_size)
    return -(-batches // grad_accum)


def parse_units(pick, check=None, error=None) -> Units:
    """The :class:`Units` of a schedule: ``pick(key)`` gives ``(value, path)`` (or
    ``(None, None)`` when the key is absent, after merging the entry and the defaults);
    ``check(constraint, value, path)`` validates and ``error(path, message)`` makes a located
    SpecError (both default to unlocated ones)."""
    if check is None:
        check = _plain_check
    if error is None:
        error = _plain_error
    values, paths = {}, {}
    for param in UNIT_PARAMS:
        value, path = pick(param.name)
        if path is not None:
            values[param.name] = check(param.constraint, value, path)
            paths[param.name] = path
    derivation = [p.name for p in DERIVATION if p.name in values]
    spe = values.get("steps_per_epoch")
    if spe is not None and derivation:
        key = derivation[0]
        # at the entry's own key when one of the two comes from the file's defaults
        at = max((paths["steps_per_epoch"], paths[key]), key=len)
        other = "steps_per_epoch" if at is paths[key] else key
        raise error(at, f"give either steps_per_epoch or {key} (with the keys that derive it), not "
                        f"both: {other} is also given" + (" (at the top level)" if len(paths[other]) == 1
                                                         and len(at) > 1 else ""))
    if derivation:
        for needed, other in (("dataset_size", "batch_size"), ("batch_size", "dataset_size")):
            if needed not in values:
                raise error(paths[other if other in values else derivation[0]],
                            f"deriving steps_per_epoch needs both dataset_size and batch_size; "
                            f"add {needed} (or give steps_per_epoch instead)")
        spe = derive_steps_per_epoch(**{k: values[k] for k in derivation})
        if spe == 0:
            raise error(paths["drop_last"],
                        f"gives 0 optimizer updates an epoch: each of {values.get('world_size', 1)} "
                        f"device(s) gets {-(-values['dataset_size'] // values.get('world_size', 1))} "
                        f"examples, fewer than one batch of {values['batch_size']}, and drop_last drops it")
    if "max_steps" in values and spe is None:
        raise error(paths["max_steps"], "max_steps counts optimizer updates: it needs steps_per_epoch "
                                        "(or dataset_size and batch_size) to know how many an epoch has")
    return Units(steps_per_epoch=spe, interval=values.get("interval", "epoch"),
                 max_steps=values.get("max_steps"), given=MappingProxyType(values))


def parse_warmup(value, path: tuple, units: Units, check=None, error=None) -> Warmup:
    """``warmup: {steps: N | epochs: E, start_factor: F}`` under ``units`` -> :class:`Warmup`
    (``epochs`` counts ``E * steps_per_epoch`` scheduler steps with ``interval: step``)."""
    if check is None:
        check = _plain_check
    if error is None:
        error = _plain_error
    names = tuple(p.name for p in WARMUP_PARAMS)
    if not isinstance(value, dict):
        from lrsched.constraints import describe_value

        raise error(path, f"must be a mapping such as `{{steps: 500, start_factor: 0.001}}`, "
                          f"got {describe_value(value)}")
    for key in value:
        if key not in names:
            raise error(path + (key,), unknown("key", key, names, owner="warmup"))
    got = {p.name: check(p.constraint, value[p.name], path + (p.name,))
           for p in WARMUP_PARAMS if p.name in value}
    if "steps" in got and "epochs" in got:
        raise error(path + ("epochs",), "give the warmup's length once: steps (scheduler steps) or "
                                        "epochs, not both")
    if "steps" not in got and "epochs" not in got:
        raise error(path, "missing key 'steps' (scheduler steps of warmup) or 'epochs'")
    factor = got.get("start_factor", WARMUP_PARAMS[2].default)
    if "steps" in got:
        return Warmup(got["steps"], factor)
    if not units.active:
        raise error(path + ("epochs",), "counting the warmup in epochs needs training units "
                                        "(steps_per_epoch, or dataset_size and batch_size); or count it "
                                        "in scheduler steps with warmup.steps")
    epochs = got["epochs"]
    steps = epochs * units.steps_per_epoch if units.interval == "step" else epochs
    return Warmup(steps, factor, epochs)


def _plain_check(constraint, value, path):
    try:
        return constraint.check(value)
    except SpecError as exc:
        raise exc.located(key=".".join(map(str, path))) from None


def _plain_error(path, message):
    return SpecError(message, key=".".join(map(str, path)))


__all__ = ["Units", "Warmup", "NO_UNITS", "UNIT_PARAMS", "WARMUP_PARAMS", "UNIT_KEYS", "DERIVATION",
           "INTERVALS", "derive_steps_per_epoch", "parse_units", "parse_warmup"]
