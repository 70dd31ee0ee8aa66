"""SGD (``torch/optim/sgd.py``; ``_single_tensor_sgd``)."""

from __future__ import annotations

import numpy as np

from lrsched.errors import SpecError
from lrsched.optim._base import OptimizerDef, scalar_or_column
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, as_column
from lrsched.optim.scalar import coupled_gradient, fma

__all__ = ["SGD", "init_sgd", "update_sgd", "update_sgd_scalar"]


def init_sgd(params: np.ndarray, hyper) -> dict:
    # torch creates the buffer lazily (None until the first step with momentum != 0);
    # `momentum_buffer_set` records which runs have one.
    return {"momentum_buffer": np.zeros_like(params, dtype=np.float64),
            "momentum_buffer_set": np.zeros(params.shape[0], dtype=bool)}


def update_sgd(params, grads, state, lr, hyper, *, momentum=None):
    """SGD, one step (torch ``_single_tensor_sgd``)::

        g = -grad if maximize else grad;  g = g + wd*p
        momentum != 0:  buf = g (first time) else buf = momentum*buf + (1 - dampening)*g
                        g = g + momentum*buf if nesterov else buf
        p = p - lr*g

    ``add(alpha=)`` rounds once (an FMA) on torch's CPU kernels, and so it does here.
    ``momentum`` overrides the hyperparameter per run (CyclicLR/OneCycleLR).
    """
    mom = hyper["momentum"] if momentum is None else scalar_or_column(momentum)
    dampening = hyper["dampening"]
    weight_decay = hyper["weight_decay"]
    lr = as_column(lr)

    grad = -grads if hyper["maximize"] else grads
    if weight_decay != 0:
        grad = add_scaled(grad, params, float(weight_decay))

    buf, has_buf = state["momentum_buffer"], state["momentum_buffer_set"]
    if isinstance(mom, float) or isinstance(mom, int):
        if mom != 0:
            mom = float(mom)
            if has_buf.all():
                buf = add_scaled(buf * mom, grad, float(1 - dampening))
            elif not has_buf.any():
                buf = grad.copy()
            else:
                buf = np.where(has_buf[:, None],
                               add_scaled(buf * mom, grad, float(1 - dampening)), grad)
            has_buf = np.ones_like(has_buf)
            grad = add_scaled(grad, buf, mom) if hyper["nesterov"] else buf
    else:
        active = (mom != 0)
        moved = np.where(has_buf[:, None],
                         add_scaled(buf * mom, grad, float(1 - dampening)), grad)
        buf = np.where(active, moved, buf)
        has_buf = has_buf | active[:, 0]
        pushed = add_scaled(grad, buf, mom) if hyper["nesterov"] else buf
        grad = np.where(active, pushed, grad)

    new_state = {"momentum_buffer": buf, "momentum_buffer_set": has_buf}
    return add_scaled(params, grad, -lr), new_state


def _check_nesterov(hyper, prefix):
    if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
        raise SpecError("Nesterov momentum requires a momentum and zero dampening",
                        key=f"{prefix}.nesterov")


def _state_keys(hyper) -> tuple[str, ...]:
    return ("momentum_buffer",)


def update_sgd_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_sgd` for one run on Python floats (the simulator's fast path)."""
    mom = hyper["momentum"] if momentum is None else momentum
    g0, g1 = coupled_gradient(params, grads, hyper)
    buf, has_buf = state["momentum_buffer"], state["momentum_buffer_set"]
    if mom != 0:
        mom = float(mom)
        if has_buf:
            keep = float(1 - hyper["dampening"])
            buf = (fma(keep, g0, buf[0] * mom), fma(keep, g1, buf[1] * mom))
        else:
            buf = (g0, g1)
        has_buf = True
        if hyper["nesterov"]:
            g0, g1 = fma(mom, buf[0], g0), fma(mom, buf[1], g1)
        else:
            g0, g1 = buf
    step = -lr
    return ((fma(step, g0, params[0]), fma(step, g1, params[1])),
            {"momentum_buffer": buf, "momentum_buffer_set": has_buf})

SGD = OptimizerDef(
    torch=TORCH_OPTIMIZERS["SGD"],
    init_state=init_sgd,
    update=update_sgd,
    state_keys=_state_keys,
    scalar_update=update_sgd_scalar,
    summary="SGD: (Nesterov) momentum, dampening, L2 weight decay",
    checks=(_check_nesterov,),
)
