"""RMSprop (``torch/optim/rmsprop.py``; ``_single_tensor_rmsprop``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef, scalar_or_column
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, addcdiv, addcmul, as_column, lerp, sqrt
from lrsched.optim.adam import next_step
from lrsched.optim.scalar import coupled_gradient, fma
from lrsched.optim.scalar import lerp as scalar_lerp
from lrsched.optim.scalar import sqrt as scalar_sqrt

__all__ = ["RMSPROP", "init_rmsprop", "update_rmsprop", "update_rmsprop_scalar"]


def init_rmsprop(params: np.ndarray, hyper) -> dict:
    zeros = np.zeros_like(params, dtype=np.float64)
    # torch creates grad_avg only when centered, and momentum_buffer only when the momentum
    # is > 0 at the first step (a scheduler may cycle it there from 0); both always exist
    # here, `state_keys` says which ones torch shows and `momentum_buffer_set` which runs
    # have the buffer.
    return {"step": 0.0, "square_avg": zeros, "momentum_buffer": zeros.copy(),
            "momentum_buffer_set": np.zeros(params.shape[0], dtype=bool), "grad_avg": zeros.copy()}


def update_rmsprop(params, grads, state, lr, hyper, *, momentum=None):
    """RMSprop, one step (torch ``_single_tensor_rmsprop``)::

        g = -grad if maximize else grad;  g = g + wd*p
        v = alpha*v + (1 - alpha)*g*g
        centered: g_avg = lerp(g_avg, g, 1 - alpha);  s = sqrt(v - g_avg*g_avg) + eps
        else:     s = sqrt(v) + eps                       (eps outside the square root)
        momentum > 0: buf = momentum*buf + g/s;  p = p - lr*buf
        else:         p = p - lr*g/s
    """
    alpha = hyper["alpha"]
    eps = hyper["eps"]
    weight_decay = hyper["weight_decay"]
    mom = hyper["momentum"] if momentum is None else scalar_or_column(momentum)
    step = float(np.float32(state["step"] + 1.0))
    lr = as_column(lr)

    grad = -grads if hyper["maximize"] else grads
    if weight_decay != 0:
        grad = add_scaled(grad, params, float(weight_decay))

    square_avg = addcmul(state["square_avg"] * alpha, grad, grad, 1 - alpha)
    grad_avg = state["grad_avg"]
    if hyper["centered"]:
        grad_avg = lerp(grad_avg, grad, float(1 - alpha))
        avg = sqrt(addcmul(square_avg, grad_avg, grad_avg, -1.0))
    else:
        avg = sqrt(square_avg)
    avg = avg + eps

    buf, has_buf = state["momentum_buffer"], state["momentum_buffer_set"]
    if state["step"] == 0:
        has_buf = np.broadcast_to(np.asarray(mom) > 0, (len(has_buf), 1)).reshape(-1).copy()
    if isinstance(mom, (float, int)):
        if mom > 0:
            buf = addcdiv(buf * mom, grad, avg, 1.0)
            params = add_scaled(params, buf, -lr)
        else:
            params = addcdiv(params, grad, avg, -lr)
    else:
        active = mom > 0
        buf = np.where(active, addcdiv(buf * mom, grad, avg, 1.0), buf)
        params = np.where(active, add_scaled(params, buf, -lr), addcdiv(params, grad, avg, -lr))
    return params, {"step": step, "square_avg": square_avg, "momentum_buffer": buf,
                    "momentum_buffer_set": has_buf, "grad_avg": grad_avg}


def _state_keys(hyper) -> tuple[str, ...]:
    keys = ("step", "square_avg", "momentum_buffer")   # the buffer where momentum_buffer_set
    if hyper["centered"]:
        keys += ("grad_avg",)
    return keys


def update_rmsprop_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_rmsprop` for one run on Python floats (the simulator's fast path)."""
    alpha = hyper["alpha"]
    eps = hyper["eps"]
    mom = hyper["momentum"] if momentum is None else momentum
    step = next_step(state["step"])
    g0, g1 = coupled_gradient(params, grads, hyper)
    value = 1 - alpha
    v0, v1 = state["square_avg"]
    v0 = fma(value * g0, g0, v0 * alpha)
    v1 = fma(value * g1, g1, v1 * alpha)
    grad_avg = state["grad_avg"]
    if hyper["centered"]:
        weight = float(1 - alpha)
        a0, a1 = scalar_lerp(grad_avg[0], g0, weight), scalar_lerp(grad_avg[1], g1, weight)
        grad_avg = (a0, a1)
        s0 = scalar_sqrt(fma(-1.0 * a0, a0, v0))
        s1 = scalar_sqrt(fma(-1.0 * a1, a1, v1))
    else:
        s0, s1 = scalar_sqrt(v0), scalar_sqrt(v1)
    s0 += eps
    s1 += eps
    buf, has_buf = state["momentum_buffer"], state["momentum_buffer_set"]
    if state["step"] == 0:
        has_buf = mom > 0
    if mom > 0:
        buf = (buf[0] * mom + (1.0 * g0) / s0, buf[1] * mom + (1.0 * g1) / s1)
        neg_lr = -lr
        params = (fma(neg_lr, buf[0], params[0]), fma(neg_lr, buf[1], params[1]))
    else:
        neg_lr = -lr
        params = (params[0] + (neg_lr * g0) / s0, params[1] + (neg_lr * g1) / s1)
    return params, {"step": step, "square_avg": (v0, v1), "momentum_buffer": buf,
                    "momentum_buffer_set": has_buf, "grad_avg": grad_avg}

RMSPROP = OptimizerDef(
    torch=TORCH_OPTIMIZERS["RMSprop"],
    init_state=init_rmsprop,
    update=update_rmsprop,
    state_keys=_state_keys,
    scalar_update=update_rmsprop_scalar,
    summary="RMSprop: gradient scaled by a running RMS (optionally centered, with momentum)",
)
