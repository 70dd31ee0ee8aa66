"""Adamax (``torch/optim/adamax.py``; ``_single_tensor_adamax``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef, per_run_python, pick_beta1
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, addcdiv, as_column, lerp

__all__ = ["ADAMAX", "init_adamax", "update_adamax"]


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


ADAMAX = OptimizerDef(
    torch=TORCH_OPTIMIZERS["Adamax"],
    init_state=init_adamax,
    update=update_adamax,
    state_keys=lambda hyper: ("step", "exp_avg", "exp_inf"),
    summary="Adamax: Adam with the infinity norm in place of the second moment",
)
