"""The schedulers of a user's function of the epoch, ``lr_lambda``: LambdaLR sets the lr to the
initial lr times it, MultiplicativeLR multiplies the current lr by it.

    LambdaLR:          lr_t = initial_lr * lr_lambda(t)
    MultiplicativeLR:  lr_t = lr_{t-1} * lr_lambda(t)      (t > 0; its constructor's step keeps the lr)

``lr_lambda`` is an expression in ``epoch``, or a list of one per param group.
"""

from __future__ import annotations

import numpy as np

from lrsched.constraints import Expr, Param
from lrsched.errors import SpecError
from lrsched.schedules.affine import Ops, multiply
from lrsched.schedules.registry import NO_HORIZON, NO_PEAK, Facts, SchedulerDef
from lrsched.schedules.stepper import LAST_EPOCH, Epochs, Groups, Leaf


def lambda_factors(p, t: Epochs, n_groups: int, out: np.ndarray | None = None,
                   times: np.ndarray | None = None) -> np.ndarray:
    """Each group's ``lr_lambda`` at the epochs of ``t`` (times ``times[group]``, when given),
    shape (calls, groups), all finite."""
    fns = p["lr_lambda"]
    fns = fns if isinstance(fns, tuple) else (fns,) * n_groups
    epochs = t.array()
    out = np.empty((len(t), n_groups)) if out is None else out
    for j, fn in enumerate(fns):
        try:
            values = fn.evaluate_finite(epochs, what="lr_lambda")
        except SpecError as exc:
            raise exc.located(key="lr_lambda") from None
        if times is None:
            out[:, j] = values
        else:
            np.multiply(times[j], values, out=out[:, j])
    return out


class _LambdaLeaf(Leaf):
    def prepare(self, groups: Groups) -> Groups:
        """torch's constructor refusal of a list of lr_lambdas that does not match the groups."""
        fns = self.p["lr_lambda"]
        if isinstance(fns, tuple) and len(fns) != groups.n:
            raise SpecError(f"expected {groups.n} lr_lambdas (one per param group), got {len(fns)}",
                            key="lr_lambda")
        return groups


class LambdaStepper(_LambdaLeaf):
    name = "LambdaLR"

    def calls(self, t, live, initial) -> Ops:
        ops = t.assign(live.n)                      # base_lr * lmbda(self.last_epoch)
        lambda_factors(self.p, t, live.n, out=ops.b, times=self.base)
        return ops


class MultiplicativeStepper(_LambdaLeaf):
    name = "MultiplicativeLR"

    def calls(self, t, live, initial) -> Ops:
        if initial:                               # the constructor's step leaves the lr alone
            return t.multiply()
        if isinstance(self.p["lr_lambda"], tuple):    # one per group
            return multiply(lambda_factors(self.p, t, live.n))
        ops = t.multiply()
        lambda_factors(self.p, t, 1, out=ops.a)
        return ops


LR_LAMBDA = Param("lr_lambda", Expr("epoch", per_group=True),
                  doc="factor as an expression in epoch; a list gives one per group")

DEFINITIONS = (
    SchedulerDef(
        "LambdaLR", "initial lr times a function of the epoch",
        (LR_LAMBDA, LAST_EPOCH),
        stepper=LambdaStepper,
        formula="lr_t = initial_lr * lr_lambda(t)",
        example={"lr": 0.01, "epochs": 9,
                 "scheduler": {"type": "LambdaLR", "lr_lambda": "lambda epoch: 0.5 ** (epoch // 3)"}},
        facts=Facts(NO_HORIZON, NO_PEAK, True),
    ),
    SchedulerDef(
        "MultiplicativeLR", "multiply the current lr by a function of the epoch at every step",
        (LR_LAMBDA, LAST_EPOCH),
        stepper=MultiplicativeStepper,
        formula="lr_t = lr_{t-1} * lr_lambda(t)",
        example={"lr": 0.1, "epochs": 20,
                 "scheduler": {"type": "MultiplicativeLR", "lr_lambda": "lambda epoch: 0.95"}},
        facts=Facts(NO_HORIZON, NO_PEAK, False),
    ),
)
