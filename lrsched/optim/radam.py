"""RAdam (``torch/optim/radam.py``; ``_single_tensor_radam``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import sqrt
from lrsched.optim.adam import adam_moments, adam_moments_scalar
from lrsched.optim.scalar import sqrt as scalar_sqrt

__all__ = ["RADAM", "init_radam", "update_radam", "update_radam_scalar"]


def init_radam(params: np.ndarray, hyper) -> dict:
    zeros = np.zeros_like(params, dtype=np.float64)
    return {"step": 0.0, "exp_avg": zeros, "exp_avg_sq": zeros.copy()}


def rectification(step: float, beta2: float, bias_correction2: float) -> float | None:
    """RAdam's variance rectification term ``r_t`` (Python floats, torch's order), or None
    while ``rho_t <= 5`` (the step is then plain momentum)."""
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if not rho_t > 5.0:      # as torch tests it (a NaN rho_t takes the momentum step)
        return None
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


def update_radam(params, grads, state, lr, hyper, *, momentum=None):
    """RAdam, one step (torch ``_single_tensor_radam``, non-capturable branch)::

        g = -grad if maximize else grad;  decoupled: p *= 1 - lr*wd;  coupled: g += wd*p
        m = lerp(m, g, 1 - b1);  v = b2*v + (1 - b2)*g*g;  m_hat = m / (1 - b1**t)
        rho_inf = 2/(1 - b2) - 1;  rho_t = rho_inf - 2 t b2**t / (1 - b2**t)
        rho_t > 5:  p -= m_hat * lr * (sqrt(1 - b2**t) / (sqrt(v) + eps)) * r_t,
                    r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))
        else:       p -= m_hat * lr          (plain momentum: the first 5 steps for b2=0.999)

    ``rho_t`` and ``r_t`` are Python floats shared by every run (they depend on b2 and t
    only), so every run of a batch takes the same branch, as torch would per optimizer.
    """
    m = adam_moments(params, grads, state, lr, hyper, momentum)
    params, lr, step, exp_avg, exp_avg_sq = m.params, m.lr, m.step, m.exp_avg, m.exp_avg_sq
    bias_correction1, bias_correction2 = m.bias_correction1, m.bias_correction2
    beta2 = hyper["betas"][1]
    eps = hyper["eps"]
    bias_corrected_exp_avg = exp_avg / bias_correction1

    rect = rectification(step, beta2, bias_correction2)

    new_state = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    if rect is not None:
        # torch: `float / tensor` is `tensor.reciprocal() * float`
        adaptive_lr = (1.0 / (sqrt(exp_avg_sq) + eps)) * (bias_correction2 ** 0.5)
        update = bias_corrected_exp_avg * lr * adaptive_lr * rect
    else:
        update = bias_corrected_exp_avg * lr
    return params - update, new_state


def update_radam_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_radam` for one run on Python floats (the simulator's fast path)."""
    params, _, step, exp_avg, exp_avg_sq, bias_correction1, bias_correction2 = \
        adam_moments_scalar(params, grads, state, lr, hyper, momentum)
    beta2 = hyper["betas"][1]
    eps = hyper["eps"]
    m0 = exp_avg[0] / bias_correction1
    m1 = exp_avg[1] / bias_correction1
    rect = rectification(step, beta2, bias_correction2)
    new_state = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    if rect is not None:
        root = bias_correction2 ** 0.5
        a0 = (1.0 / (scalar_sqrt(exp_avg_sq[0]) + eps)) * root
        a1 = (1.0 / (scalar_sqrt(exp_avg_sq[1]) + eps)) * root
        return (params[0] - m0 * lr * a0 * rect, params[1] - m1 * lr * a1 * rect), new_state
    return (params[0] - m0 * lr, params[1] - m1 * lr), new_state


RADAM = OptimizerDef(
    torch=TORCH_OPTIMIZERS["RAdam"],
    init_state=init_radam,
    update=update_radam,
    state_keys=lambda hyper: ("step", "exp_avg", "exp_avg_sq"),
    scalar_update=update_radam_scalar,
    summary="RAdam: Adam with a variance rectification term, plain momentum until rho_t > 5",
)
