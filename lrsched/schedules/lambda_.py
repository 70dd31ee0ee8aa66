"""LambdaLR: the lr is the initial lr times a user expression of the epoch."""

from __future__ import annotations

import numpy as np

from lrsched.errors import SpecError
from lrsched.schedules.base import Groups, SchedulerDef, Trace, epochs_of
from lrsched.constraints import Expr, Param
from lrsched.schedules.step import LAST_EPOCH


def lambda_factors(p, groups: Groups, rows: int) -> np.ndarray:
    """Each group's ``lr_lambda(t)`` over the run, shape (rows, groups), all finite."""
    fns = p["lr_lambda"]
    if isinstance(fns, tuple):
        if len(fns) != groups.n:
            raise SpecError(f"expected {groups.n} lr_lambdas (one per param group), got {len(fns)}",
                            key="lr_lambda")
    else:
        fns = (fns,) * groups.n
    t = epochs_of(p["last_epoch"], rows)
    out = np.empty((rows, groups.n))
    for j, fn in enumerate(fns):
        try:
            out[:, j] = fn.evaluate_finite(t, what="lr_lambda")
        except SpecError as exc:
            raise exc.located(key="lr_lambda") from None
    return out


def lambda_lr(p, groups: Groups, rows: int) -> Trace:
    """lr_t = initial_lr * lr_lambda(t)."""
    base = groups.base_lrs(p["last_epoch"])
    return Trace(base * lambda_factors(p, groups, rows))


DEFINITIONS = (
    SchedulerDef(
        "LambdaLR", "initial lr times a function of the epoch",
        (Param("lr_lambda", Expr("epoch", per_group=True),
               doc="factor as an expression in epoch; a list gives one per group"), LAST_EPOCH),
        lambda_lr,
        formula="lr_t = initial_lr * lr_lambda(t)",
        example={"lr": 0.01, "epochs": 9,
                 "scheduler": {"type": "LambdaLR", "lr_lambda": "lambda epoch: 0.5 ** (epoch // 3)"}},
    ),
)
