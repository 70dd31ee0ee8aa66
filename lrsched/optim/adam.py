"""Adam and AdamW (``torch/optim/adam.py``, ``adamw.py``; ``_single_tensor_adam``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lrsched.optim._base import OptimizerDef, per_run_python, pick_beta1
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import add_scaled, addcdiv, as_column, running_moments, sqrt
from lrsched.optim.scalar import float32, fma, maximum
from lrsched.optim.scalar import sqrt as scalar_sqrt

__all__ = ["ADAM", "ADAMW", "init_adam", "update_adam", "adam_moments_scalar",
           "update_adam_scalar", "next_step"]


def init_adam(params: np.ndarray, hyper) -> dict:
    zeros = np.zeros_like(params, dtype=np.float64)
    state = {"step": 0.0, "exp_avg": zeros, "exp_avg_sq": zeros.copy()}
    if hyper["amsgrad"]:
        state["max_exp_avg_sq"] = zeros.copy()
    return state


class AdamMoments(NamedTuple):
    params: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    step: float
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    bias_correction1: object
    bias_correction2: float


def adam_moments(params, grads, state, lr, hyper, momentum) -> AdamMoments:
    """The start of an Adam, RAdam or NAdam step (torch repeats it in each file): maximize, weight
    decay (decoupled ``p *= 1 - lr*wd`` or coupled ``g += wd*p``), the running moments
    ``m = lerp(m, g, 1 - b1)`` and ``v = b2*v + (1 - b2)*g*g``, and the bias corrections
    ``1 - b**t`` as Python floats (``step`` kept in float32, as torch's tensor)."""
    beta1 = pick_beta1(hyper, momentum)
    beta2 = hyper["betas"][1]
    weight_decay = hyper["weight_decay"]
    step = float(np.float32(state["step"] + 1.0))
    lr = as_column(lr)
    grad = -grads if hyper["maximize"] else grads
    if weight_decay != 0:
        if hyper["decoupled_weight_decay"]:
            params = params * (1 - lr * weight_decay)
        else:
            grad = add_scaled(grad, params, float(weight_decay))
    exp_avg, exp_avg_sq = running_moments(state["exp_avg"], state["exp_avg_sq"], grad, beta1, beta2)
    return AdamMoments(params, grad, lr, step, exp_avg, exp_avg_sq,
                       per_run_python(lambda b1: 1 - b1 ** step, beta1), 1 - beta2 ** step)


def next_step(step: float) -> float:
    """``step + 1`` in torch's float32 step tensor, on a Python float."""
    step += 1.0
    return float32(step) if step > 16777216.0 else step  # exact in float32 up to 2**24


def adam_moments_scalar(params, grads, state, lr, hyper, momentum):
    """:func:`adam_moments` for one run on Python floats: ``(params, grad, step, exp_avg,
    exp_avg_sq, bias_correction1, bias_correction2)``."""
    beta1 = hyper["betas"][0] if momentum is None else momentum
    beta2 = hyper["betas"][1]
    weight_decay = hyper["weight_decay"]
    step = next_step(state["step"])
    g0, g1 = grads
    if hyper["maximize"]:
        g0, g1 = -g0, -g1
    if weight_decay != 0:
        if hyper["decoupled_weight_decay"]:
            scale = 1 - lr * weight_decay
            params = (params[0] * scale, params[1] * scale)
        else:
            weight_decay = float(weight_decay)
            g0 = fma(weight_decay, params[0], g0)
            g1 = fma(weight_decay, params[1], g1)
    m0, m1 = state["exp_avg"]
    v0, v1 = state["exp_avg_sq"]
    weight = 1 - beta1
    value = 1 - beta2
    if abs(weight) < 0.5:  # lerp's two branches (scalar.lerp), chosen once for both
        exp_avg = (fma(weight, g0 - m0, m0), fma(weight, g1 - m1, m1))
    else:
        other = 1.0 - weight
        exp_avg = (fma(-(g0 - m0), other, g0), fma(-(g1 - m1), other, g1))
    exp_avg_sq = (fma(value * g0, g0, v0 * beta2), fma(value * g1, g1, v1 * beta2))
    return (params, (g0, g1), step, exp_avg, exp_avg_sq, 1 - beta1 ** step,
            1 - beta2 ** step)


def update_adam_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_adam` for one run on Python floats (the simulator's fast path)."""
    params, _, step, exp_avg, exp_avg_sq, bias_correction1, bias_correction2 = \
        adam_moments_scalar(params, grads, state, lr, hyper, momentum)
    eps = hyper["eps"]
    neg_step_size = -(lr / bias_correction1)
    bias_correction2_sqrt = bias_correction2 ** 0.5
    new_state = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    if hyper["amsgrad"]:
        old = state["max_exp_avg_sq"]
        second = (maximum(old[0], exp_avg_sq[0]), maximum(old[1], exp_avg_sq[1]))
        new_state["max_exp_avg_sq"] = second
    else:
        second = exp_avg_sq
    return ((params[0] + (neg_step_size * exp_avg[0])
             / (scalar_sqrt(second[0]) / bias_correction2_sqrt + eps),
             params[1] + (neg_step_size * exp_avg[1])
             / (scalar_sqrt(second[1]) / bias_correction2_sqrt + eps)), new_state)


def update_adam(params, grads, state, lr, hyper, *, momentum=None):
    """Adam / AdamW, one step (torch ``_single_tensor_adam``, non-capturable branch)::

        g = -grad if maximize else grad
        decoupled: p *= 1 - lr*wd            coupled: g = g + wd*p
        m = lerp(m, g, 1 - b1);  v = b2*v + (1 - b2)*g*g;  vmax = max(vmax, v) if amsgrad
        p += -(lr / (1 - b1**t)) * m / (sqrt(v or vmax) / sqrt(1 - b2**t) + eps)

    Bias corrections are Python floats, as in torch; ``momentum`` overrides ``betas[0]``
    per run (CyclicLR/OneCycleLR).
    """
    m = adam_moments(params, grads, state, lr, hyper, momentum)
    params, lr, step, exp_avg, exp_avg_sq = m.params, m.lr, m.step, m.exp_avg, m.exp_avg_sq
    bias_correction1, bias_correction2 = m.bias_correction1, m.bias_correction2
    eps = hyper["eps"]
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5

    new_state = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    if hyper["amsgrad"]:
        second = np.maximum(state["max_exp_avg_sq"], exp_avg_sq)
        new_state["max_exp_avg_sq"] = second
    else:
        second = exp_avg_sq
    denom = sqrt(second) / bias_correction2_sqrt + eps
    return addcdiv(params, exp_avg, denom, -step_size), new_state


def adam_state_keys(hyper) -> tuple[str, ...]:
    keys = ("step", "exp_avg", "exp_avg_sq")
    return keys + (("max_exp_avg_sq",) if hyper["amsgrad"] else ())


ADAM = OptimizerDef(
    torch=TORCH_OPTIMIZERS["Adam"],
    init_state=init_adam,
    update=update_adam,
    state_keys=adam_state_keys,
    scalar_update=update_adam_scalar,
    summary="Adam: bias-corrected first and second moment estimates",
)

ADAMW = OptimizerDef(
    torch=TORCH_OPTIMIZERS["AdamW"],
    init_state=init_adam,
    update=update_adam,
    state_keys=adam_state_keys,
    scalar_update=update_adam_scalar,
    summary="AdamW: Adam with decoupled weight decay (p *= 1 - lr*wd)",
)
