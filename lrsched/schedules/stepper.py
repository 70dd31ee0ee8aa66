"""The Stepper protocol: a torch scheduler object, as a standalone run or a composite drives it.

A scheduler is more than its standalone run: SequentialLR and ChainedScheduler drive their
children call by call on the same optimizer, and each child acts on whatever lr the group
holds.  A :class:`Stepper` is that object, with torch's state (``last_epoch``, ``T_cur``...);
each batch of its calls returns :class:`~lrsched.schedules.affine.Ops`, the calls' effect on
the group lr as whole-run arrays.  Every scheduler but ReduceLROnPlateau is one Stepper, and
its standalone run is :func:`trace`: the constructor, then ``rows - 1`` calls of ``step()``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from lrsched.constraints import Int, Param
from lrsched.errors import SpecError
from lrsched.records import dataclass, replace
from lrsched.schedules.affine import Ops, assign, multiply, no_calls
from lrsched.schedules.evaluate import write_rows

LAST_EPOCH = Param("last_epoch", Int(-1), -1,
                   "index of the last epoch when resuming (groups then need initial_lr)")


@dataclass(frozen=True)
class Groups:
    """The optimizer's param groups at the moment the scheduler is constructed.

    ``lr`` is each group's ``lr``; ``initial_lr`` is ``group.get("initial_lr")`` (None where
    absent); ``momentum`` is each group's ``momentum`` (or ``betas[0]``, per
    ``momentum_key``), None when the optimizer has neither; ``extra`` holds any other keys a
    resumed scheduler reads (OneCycleLR's ``max_lr``...); ``default_lr`` is the optimizer's
    ``defaults["lr"]`` (the constructor's ``lr``, which param groups may override), None
    when unknown (then the first group's lr stands for it).
    """

    optimizer: str
    lr: np.ndarray
    initial_lr: tuple
    momentum: np.ndarray | None
    momentum_key: str | None
    extra: tuple = ()
    default_lr: float | None = None

    @property
    def n(self) -> int:
        return len(self.lr)

    @property
    def defaults_lr(self) -> float:
        """``optimizer.defaults["lr"]``, as the optimizer holds it (transformers reads it)."""
        return float(self.lr[0]) if self.default_lr is None else self.default_lr

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

    def per_group(self, name: str, value) -> np.ndarray:
        """torch's ``_format_param``: a scalar for every group, or a list of exactly one per group."""
        if isinstance(value, tuple):
            if len(value) != self.n:
                raise SpecError(
                    f"has {len(value)} values but the optimizer has {self.n} param group(s); give "
                    f"one value or a list of {self.n} (torch: {name} must have the same length as "
                    f"optimizer.param_groups)", key=name)
            return np.array(value, dtype=np.float64)
        return np.full(self.n, value, dtype=np.float64)

    def require_momentum(self) -> None:
        """torch's refusal to cycle momentum on an optimizer that has neither momentum nor betas."""
        if self.momentum_key is None:
            raise SpecError(f"{self.optimizer} has neither momentum nor betas, so torch refuses to "
                            "cycle momentum (optimizer must support momentum or beta1 with "
                            "`cycle_momentum` option enabled); set cycle_momentum: false",
                            key="cycle_momentum")


@dataclass(frozen=True)
class Trace:
    """A scheduler's output over ``rows`` epochs: arrays of shape (rows, groups).

    ``momentum`` is None unless the scheduler cycles it; ``markers`` are the epochs where
    the schedule changes phase (decays, restarts, peaks), for plots.
    """

    lr: np.ndarray
    momentum: np.ndarray | None = None
    markers: tuple = ()


class Rows:
    """Where a standalone run wants the values of a batch of calls, one row per call: ``lr``
    (calls, groups) and ``momentum`` (calls, groups; None when the run does not keep it)."""

    __slots__ = ("lr", "momentum")

    def __init__(self, lr: np.ndarray, momentum: np.ndarray | None) -> None:
        self.lr, self.momentum = lr, momentum

    def part(self, lo: int, hi: int) -> "Rows":
        """The rows of calls ``lo .. hi - 1``."""
        return Rows(self.lr[lo:hi], None if self.momentum is None else self.momentum[lo:hi])


class Epochs:
    """A batch of consecutive calls: their ``last_epoch`` values ``first .. first + n - 1`` (an
    array only when a formula needs one: every large temporary costs page faults), and the
    :class:`Rows` their values go to (None: the calls of a composite's child, interleaved).

    :meth:`multiply` and :meth:`assign` give the batch's :class:`Ops` with arrays for the
    stepper to fill in place: the run's rows themselves when they fit (``Ops.in_rows``), which
    the evaluator then finishes where they are.  That spares a (calls, groups) array and its
    copy, which the cheap schedulers feel (StepLR over 200,000 epochs: 0.84 ms with it, 1.43
    ms without)."""

    __slots__ = ("first", "n", "rows")

    def __init__(self, first: int, n: int, rows: Rows | None = None) -> None:
        self.first, self.n, self.rows = int(first), int(n), rows

    def __len__(self) -> int:
        return self.n

    @property
    def last(self) -> int:
        return self.first + self.n - 1

    def array(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """The epochs of calls ``lo .. hi - 1`` (``lo`` may be negative: epochs before the batch)."""
        hi = self.n if hi is None else hi
        return np.arange(self.first + lo, self.first + hi, dtype=np.int64)

    def multiply(self, fill: float = 1.0, marks: tuple = ()) -> Ops:
        """Calls ``lr = lr * a``, with ``a`` (calls, 1) set to ``fill`` for the stepper to edit."""
        rows = self.rows
        if rows is not None and rows.lr.shape == (self.n, 1):
            rows.lr.fill(fill)
            return multiply(rows.lr, marks, in_rows=True)
        return multiply(np.full((self.n, 1), fill), marks)

    def assign(self, width: int, momentum: bool = False, marks: tuple = ()) -> Ops:
        """Calls ``lr = b`` (and, with ``momentum``, momentum assignments), with ``b`` and
        ``momentum`` (calls, width) uninitialised, for the stepper to fill."""
        rows = self.rows
        if (rows is not None and rows.lr.shape == (self.n, width)
                and (not momentum or rows.momentum is not None)):
            return assign(rows.lr, rows.momentum if momentum else None, marks, in_rows=True)
        return assign(np.empty((self.n, width)), np.empty((self.n, width)) if momentum else None, marks)

    def index(self, epoch: int) -> int | None:
        """The call at ``epoch``, if this batch reaches it."""
        i = epoch - self.first
        return i if 0 <= i < self.n else None

    def mark(self, epoch: int) -> tuple:
        """The call at ``epoch`` as a phase change (empty if outside)."""
        i = self.index(epoch)
        return () if i is None else (i,)


class Stepper:
    """One torch scheduler object, as a composite (or a standalone run) drives it.

    ``construct`` is torch's constructor with its initial step (the groups after it);
    ``step(n, live, rows)`` is ``n`` calls of ``step()``, their values wanted in ``rows``
    (:class:`Rows`, or None); ``initial_step`` is ``_initial_step()`` run again (SequentialLR
    does that to its first child); ``update0`` is ``_update_lr(0)`` (SequentialLR at a
    milestone: the closed form at epoch 0 where torch has one, else ``get_lr`` at last_epoch
    0); ``undo`` is SequentialLR's ``recursive_undo``.  ``live`` is the groups as the calls
    see them (keys such as OneCycleLR's ``max_lr``).  ``standalone_rows`` is set by
    :func:`trace`: the rows of a standalone run, for messages that can say how many fit."""

    name = "scheduler"
    cycles_momentum = False
    standalone_rows: int | None = None

    def construct(self, groups: Groups) -> Groups:  # pragma: no cover - interface
        raise NotImplementedError

    def step(self, n: int, live: Groups, rows: Rows | None = None) -> Ops:  # pragma: no cover
        raise NotImplementedError

    def initial_step(self, live: Groups) -> Ops:
        return self.step(1, live)

    def update0(self, live: Groups) -> Ops:
        raise SpecError(f"{self.name} cannot start at a SequentialLR milestone: torch calls its "
                        f"step(0), which {self.name} does not implement (NotImplementedError); "
                        "put it first in schedulers or give its children to the SequentialLR")

    def undo(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class Leaf(Stepper):
    """A scheduler without children.  Subclasses give ``calls(t, live, initial)``: the Ops of
    ``get_lr`` at each ``last_epoch`` in ``t`` (:class:`Epochs`), in initial mode or not; and
    optionally ``prepare`` (constructor effects before ``LRScheduler.__init__``) and
    ``closed_form`` (``_get_closed_form_lr`` at epoch 0, for SequentialLR)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.p = params
        self.last_epoch = params.get("last_epoch", -1)
        self.base = None

    def prepare(self, groups: Groups) -> Groups:
        return groups

    def calls(self, t: Epochs, live: Groups, initial: bool) -> Ops:  # pragma: no cover
        raise NotImplementedError

    def closed_form(self, live: Groups) -> Ops | None:
        return None

    def construct(self, groups: Groups) -> Groups:
        groups = self.prepare(groups)
        first = self.p.get("last_epoch", -1)
        self.base = groups.base_lrs(first)
        if first == -1:                                  # group.setdefault("initial_lr", lr)
            groups = replace(groups, initial_lr=tuple(self.base.tolist()))
        self.last_epoch = first
        return apply(groups, self.initial_step(groups))

    def initial_step(self, live: Groups) -> Ops:
        self.last_epoch += 1
        return self.calls(Epochs(self.last_epoch, 1), live, True)

    def step(self, n: int, live: Groups, rows: Rows | None = None) -> Ops:
        if n == 0:
            return no_calls(live.n)
        t = Epochs(self.last_epoch + 1, n, rows)
        self.last_epoch += n
        return self.calls(t, live, False)

    def update0(self, live: Groups) -> Ops:
        self.last_epoch = 0
        closed = self.closed_form(live)
        return closed if closed is not None else self.calls(Epochs(0, 1), live, False)

    def undo(self) -> None:
        self.last_epoch -= 1


def apply(groups: Groups, ops) -> Groups:
    """The groups after ``ops`` (a constructor's initial step, SequentialLR's first call)."""
    if ops.n_calls == 0:
        return groups
    lr, momentum = write_rows(groups.lr, groups.momentum, ops, np.empty((ops.n_calls, groups.n)),
                              None if groups.momentum is None else np.empty((ops.n_calls, groups.n)))
    return replace(groups, lr=lr, momentum=momentum)


def trace(stepper: Stepper, groups: Groups, rows: int) -> Trace:
    """A scheduler run standalone: row 0 after the constructor, row e after e ``step()``s."""
    stepper.standalone_rows = rows
    state = stepper.construct(groups)
    lr = np.empty((rows, groups.n))
    lr[0] = state.lr
    momentum = None
    if stepper.cycles_momentum and state.momentum is not None:
        momentum = np.empty((rows, groups.n))
        momentum[0] = state.momentum
    into = Rows(lr[1:], None if momentum is None else momentum[1:])
    ops = stepper.step(rows - 1, state, into)
    write_rows(state.lr, state.momentum, ops, into.lr, into.momentum)
    return Trace(lr, momentum, tuple(c + 1 for c in ops.marks))
