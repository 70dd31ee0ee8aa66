"""Adamax (``torch/optim/adamax.py``; ``_single_tensor_adamax``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef, per_run_python, pick_beta1
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, addcdiv, as_column, lerp
from lrsched.optim.adam import next_step
from lrsched.optim.scalar import coupled_gradient, maximum
from lrsched.optim.scalar import lerp as scalar_lerp

__all__ = ["ADAMAX", "init_adamax", "update_adamax", "update_adamax_scalar"]


def init_adamax(params: np.ndarray, hyper) -> dict:
    zeros = np.zeros_like(params, dtype=np.float64)
    return {"step": 0.0, "exp_avg": zeros, "exp_inf": zeros.copy()}


def update_adamax(params, grads, state, lr, hyper, *, momentum=None):
    """Adamax, one step (torch ``_single_tensor_adamax``, non-capturable branch)::

        g = -grad if maximize else grad;  g = g + wd*p
        m = lerp(m, g, 1 - b1);  u = max(b2*u, |g| + eps)
        p = p - (lr / (1 - b1**t)) * m / u
    """
    beta1 = pick_beta1(hyper, momentum)
    beta2 = hyper["betas"][1]
    step = float(np.float32(state["step"] + 1.0))
    lr = as_column(lr)
    grad = -grads if hyper["maximize"] else grads
    if hyper["weight_decay"] != 0:
        grad = add_scaled(grad, params, float(hyper["weight_decay"]))
    exp_avg = lerp(state["exp_avg"], grad, 1 - beta1)
    exp_inf = np.maximum(state["exp_inf"] * beta2, np.abs(grad) + hyper["eps"])
    clr = lr / per_run_python(lambda b1: 1 - b1 ** step, beta1)
    new_state = {"step": step, "exp_avg": exp_avg, "exp_inf": exp_inf}
    return addcdiv(params, exp_avg, exp_inf, -clr), new_state


def update_adamax_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_adamax` for one run on Python floats (the simulator's fast path)."""
    beta1 = hyper["betas"][0] if momentum is None else momentum
    beta2 = hyper["betas"][1]
    step = next_step(state["step"])
    g0, g1 = coupled_gradient(params, grads, hyper)
    weight = 1 - beta1
    m0, m1 = state["exp_avg"]
    m0, m1 = scalar_lerp(m0, g0, weight), scalar_lerp(m1, g1, weight)
    u0, u1 = state["exp_inf"]
    eps = hyper["eps"]
    u0 = maximum(u0 * beta2, abs(g0) + eps)
    u1 = maximum(u1 * beta2, abs(g1) + eps)
    neg_clr = -(lr / (1 - beta1 ** step))
    return ((params[0] + (neg_clr * m0) / u0, params[1] + (neg_clr * m1) / u1),
            {"step": step, "exp_avg": (m0, m1), "exp_inf": (u0, u1)})

ADAMAX = OptimizerDef(
    torch=TORCH_OPTIMIZERS["Adamax"],
    init_state=init_adamax,
    update=update_adamax,
    state_keys=lambda hyper: ("step", "exp_avg", "exp_inf"),
    scalar_update=update_adamax_scalar,
    summary="Adamax: Adam with the infinity norm in place of the second moment",
)
