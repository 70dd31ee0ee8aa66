"""What every scheduler module builds on: the optimizer's groups as a scheduler sees them,
the arrays a scheduler returns, and the definition record the registry holds."""

from __future__ import annotations

from lrsched.records import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

from lrsched.errors import SpecError
from lrsched.schedules.params import Param


@dataclass(frozen=True)
class Groups:
    """The optimizer's param groups at the moment the scheduler is constructed.

    ``lr`` is each group's ``lr``; ``initial_lr`` is ``group.get("initial_lr")`` (None where
    absent); ``momentum`` is each group's ``momentum`` (or ``betas[0]``, per
    ``momentum_key``), None when the optimizer has neither; ``extra`` holds any other keys a
    resumed scheduler reads (OneCycleLR's ``max_lr``...).
    """

    optimizer: str
    lr: np.ndarray
    initial_lr: tuple
    momentum: np.ndarray | None
    momentum_key: str | None
    extra: tuple = ()

    @property
    def n(self) -> int:
        return len(self.lr)

    def base_lrs(self, last_epoch: int) -> np.ndarray:
        """torch's ``base_lrs``: ``initial_lr``, set from ``lr`` when starting fresh
        (``group.setdefault``); resuming (``last_epoch >= 0``) needs every group to carry it."""
        if last_epoch == -1:
            return np.array([lr if ini is None else ini for lr, ini in zip(self.lr, self.initial_lr)],
                            dtype=np.float64)
        for i, ini in enumerate(self.initial_lr):
            if ini is None:
                raise SpecError(
                    f"param group {i} has no initial_lr, which torch requires when resuming with "
                    f"last_epoch = {last_epoch} (it raises KeyError); add `initial_lr:` to "
                    f"optimizer.param_groups[{i}] or drop last_epoch",
                    key="last_epoch")
        return np.array(self.initial_lr, dtype=np.float64)


@dataclass(frozen=True)
class Trace:
    """A scheduler's output over ``rows`` epochs: arrays of shape (rows, groups).

    ``momentum`` is None unless the scheduler cycles it; ``markers`` are the epochs where
    the schedule changes phase (decays, restarts, peaks), for plots.
    """

    lr: np.ndarray
    momentum: np.ndarray | None = None
    markers: tuple = ()


def per_group(name: str, value, n: int) -> np.ndarray:
    """torch's ``_format_param``: a scalar for every group, or a list of exactly one per group."""
    if isinstance(value, tuple):
        if len(value) != n:
            raise SpecError(
                f"has {len(value)} values but the optimizer has {n} param group(s); give one "
                f"value or a list of {n} (torch: {name} must have the same length as "
                f"optimizer.param_groups)", key=name)
        return np.array(value, dtype=np.float64)
    return np.full(n, value, dtype=np.float64)


def epochs_of(last_epoch: int, rows: int) -> np.ndarray:
    """``last_epoch`` of each row: the constructor's step makes it ``last_epoch + 1``."""
    return np.arange(last_epoch + 1, last_epoch + 1 + rows, dtype=np.int64)


def chain_multiply(start: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Rows of ``lr = lr * factor`` applied in order, starting from ``start`` (per group).

    ``np.cumprod`` multiplies sequentially, so this is bit-for-bit torch's recurrence
    (``group["lr"] * gamma``), not the closed form ``base * gamma ** k``.
    """
    stacked = np.empty((factors.shape[0] + 1,) + start.shape, dtype=np.float64)
    stacked[0] = start
    stacked[1:] = factors
    return np.cumprod(stacked, axis=0)[1:]


@dataclass(frozen=True)
class SchedulerDef:
    """A torch scheduler as the registry knows it.

    ``compute(params, groups, rows)`` returns the :class:`Trace`; ``params`` holds every
    keyword, validated, defaults filled in.  ``check(params)`` applies torch's constructor
    refusals that involve several keywords.  ``formula`` and ``example`` feed ``lrsched list``.
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    compute: Callable[[Mapping[str, Any], Groups, int], Trace]
    formula: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[Mapping[str, Any]], None] | None = None
    extra_keys: tuple[Param, ...] = ()   # spec-only keys that are not torch keywords (metrics)

    def param(self, name: str) -> Param | None:
        for p in self.params + self.extra_keys:
            if p.name == name:
                return p
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params + self.extra_keys)


def frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))
