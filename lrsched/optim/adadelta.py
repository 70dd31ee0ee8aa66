"""Adadelta (``torch/optim/adadelta.py``; ``_single_tensor_adadelta``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, addcmul, as_column, sqrt
from lrsched.optim.adam import next_step
from lrsched.optim.scalar import coupled_gradient, fma
from lrsched.optim.scalar import sqrt as scalar_sqrt

__all__ = ["ADADELTA", "init_adadelta", "update_adadelta", "update_adadelta_scalar"]


def init_adadelta(params: np.ndarray, hyper) -> dict:
    zeros = np.zeros_like(params, dtype=np.float64)
    return {"step": 0.0, "square_avg": zeros, "acc_delta": zeros.copy()}


def update_adadelta(params, grads, state, lr, hyper, *, momentum=None):
    """Adadelta, one step (torch ``_single_tensor_adadelta``)::

        g = -grad if maximize else grad;  g = g + wd*p
        v = rho*v + (1 - rho)*g*g
        delta = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho*u + (1 - rho)*delta*delta
        p = p - lr*delta
    """
    rho = hyper["rho"]
    eps = hyper["eps"]
    step = float(np.float32(state["step"] + 1.0))
    lr = as_column(lr)
    grad = -grads if hyper["maximize"] else grads
    if hyper["weight_decay"] != 0:
        grad = add_scaled(grad, params, float(hyper["weight_decay"]))
    square_avg = addcmul(state["square_avg"] * rho, grad, grad, 1 - rho)
    std = sqrt(square_avg + eps)
    delta = sqrt(state["acc_delta"] + eps) / std * grad
    acc_delta = addcmul(state["acc_delta"] * rho, delta, delta, 1 - rho)
    return add_scaled(params, delta, -lr), {"step": step, "square_avg": square_avg,
                                            "acc_delta": acc_delta}


def update_adadelta_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_adadelta` for one run on Python floats (the simulator's fast path)."""
    rho = hyper["rho"]
    eps = hyper["eps"]
    step = next_step(state["step"])
    g0, g1 = coupled_gradient(params, grads, hyper)
    value = 1 - rho
    v0, v1 = state["square_avg"]
    v0 = fma(value * g0, g0, v0 * rho)
    v1 = fma(value * g1, g1, v1 * rho)
    u0, u1 = state["acc_delta"]
    d0 = scalar_sqrt(u0 + eps) / scalar_sqrt(v0 + eps) * g0
    d1 = scalar_sqrt(u1 + eps) / scalar_sqrt(v1 + eps) * g1
    u0 = fma(value * d0, d0, u0 * rho)
    u1 = fma(value * d1, d1, u1 * rho)
    neg_lr = -lr
    return ((fma(neg_lr, d0, params[0]), fma(neg_lr, d1, params[1])),
            {"step": step, "square_avg": (v0, v1), "acc_delta": (u0, u1)})

ADADELTA = OptimizerDef(
    torch=TORCH_OPTIMIZERS["Adadelta"],
    init_state=init_adadelta,
    update=update_adadelta,
    state_keys=lambda hyper: ("step", "square_avg", "acc_delta"),
    scalar_update=update_adadelta_scalar,
    summary="Adadelta: unit-corrected steps from running averages of g^2 and delta^2",
)
