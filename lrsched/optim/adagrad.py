"""Adagrad (``torch/optim/adagrad.py``; ``_single_tensor_adagrad``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, addcdiv, addcmul, as_column, sqrt
from lrsched.optim.adam import next_step
from lrsched.optim.scalar import coupled_gradient, fma
from lrsched.optim.scalar import sqrt as scalar_sqrt

__all__ = ["ADAGRAD", "init_adagrad", "update_adagrad", "update_adagrad_scalar"]


def init_adagrad(params: np.ndarray, hyper) -> dict:
    # torch creates this state in the constructor, so it shows in state_dict() at step 0
    return {"step": 0.0,
            "sum": np.full_like(params, hyper["initial_accumulator_value"], dtype=np.float64)}


def update_adagrad(params, grads, state, lr, hyper, *, momentum=None):
    """Adagrad, one step (torch ``_single_tensor_adagrad``, dense gradients)::

        g = -grad if maximize else grad;  g = g + wd*p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g*g;  p = p - clr * g / (sqrt(sum) + eps)
    """
    step = float(np.float32(state["step"] + 1.0))
    lr = as_column(lr)
    grad = -grads if hyper["maximize"] else grads
    if hyper["weight_decay"] != 0:
        grad = add_scaled(grad, params, float(hyper["weight_decay"]))
    clr = lr / (1 + (step - 1) * hyper["lr_decay"])
    total = addcmul(state["sum"], grad, grad, 1.0)
    std = sqrt(total) + hyper["eps"]
    return addcdiv(params, grad, std, -clr), {"step": step, "sum": total}


def update_adagrad_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_adagrad` for one run on Python floats (the simulator's fast path)."""
    step = next_step(state["step"])
    g0, g1 = coupled_gradient(params, grads, hyper)
    neg_clr = -(lr / (1 + (step - 1) * hyper["lr_decay"]))
    s0, s1 = state["sum"]
    s0 = fma(1.0 * g0, g0, s0)
    s1 = fma(1.0 * g1, g1, s1)
    eps = hyper["eps"]
    return ((params[0] + (neg_clr * g0) / (scalar_sqrt(s0) + eps),
             params[1] + (neg_clr * g1) / (scalar_sqrt(s1) + eps)),
            {"step": step, "sum": (s0, s1)})

ADAGRAD = OptimizerDef(
    torch=TORCH_OPTIMIZERS["Adagrad"],
    init_state=init_adagrad,
    update=update_adagrad,
    state_keys=lambda hyper: ("step", "sum"),
    scalar_update=update_adagrad_scalar,
    summary="Adagrad: per-coordinate lr divided by the root of the summed squared gradients",
    created_in_constructor=True,
)
