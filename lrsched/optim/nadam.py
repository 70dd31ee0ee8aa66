"""NAdam (``torch/optim/nadam.py``; ``_single_tensor_nadam``)."""

from __future__ import annotations

import numpy as np

from lrsched.optim._base import OptimizerDef, pick_beta1
from lrsched.optimizers import TORCH_OPTIMIZERS
from lrsched.optim._kernels import addcdiv, sqrt
from lrsched.optim.adam import adam_moments, adam_moments_scalar
from lrsched.optim.scalar import float32
from lrsched.optim.scalar import sqrt as scalar_sqrt

__all__ = ["NADAM", "init_nadam", "update_nadam", "update_nadam_scalar"]


def init_nadam(params: np.ndarray, hyper) -> dict:
    zeros = np.zeros_like(params, dtype=np.float64)
    return {"step": 0.0, "mu_product": np.ones(params.shape[0], dtype=np.float32),
            "exp_avg": zeros, "exp_avg_sq": zeros.copy()}


def update_nadam(params, grads, state, lr, hyper, *, momentum=None):
    """NAdam, one step (torch ``_single_tensor_nadam``, non-capturable branch)::

        g = -grad if maximize else grad;  decoupled: p *= 1 - lr*wd;  coupled: g += wd*p
        mu_t = b1 (1 - 0.5 * 0.96**(t psi)),  mu_{t+1} likewise,  psi = momentum_decay
        mu_product *= mu_t                         (a float32 tensor in torch, so here too)
        m = lerp(m, g, 1 - b1);  v = b2*v + (1 - b2)*g*g;  d = sqrt(v / (1 - b2**t)) + eps
        p += (-lr (1 - mu_t) / (1 - mu_product)) * g / d
        p += (-lr mu_{t+1} / (1 - mu_product * mu_{t+1})) * m / d
    """
    m = adam_moments(params, grads, state, lr, hyper, momentum)
    params, grad, lr, step = m.params, m.grad, m.lr, m.step
    exp_avg, exp_avg_sq, bias_correction2 = m.exp_avg, m.exp_avg_sq, m.bias_correction2
    beta1 = pick_beta1(hyper, momentum)
    eps = hyper["eps"]
    momentum_decay = hyper["momentum_decay"]

    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    # float32 tensor *= Python float: the scalar is cast to float32, the product rounded to it
    mu32 = np.asarray(mu, dtype=np.float64).astype(np.float32).reshape(-1)
    mu_product = (state["mu_product"] * mu32).astype(np.float32)

    denom = sqrt(exp_avg_sq / bias_correction2) + eps

    mu_product_value = mu_product.astype(np.float64).reshape(-1, 1)  # `.item()` -> float
    mu_product_next = mu_product_value * mu_next
    params = addcdiv(params, grad, denom, (-lr * (1.0 - mu)) / (1.0 - mu_product_value))
    params = addcdiv(params, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
    return params, {"step": step, "mu_product": mu_product,
                    "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def update_nadam_scalar(params, grads, state, lr, hyper, momentum=None):
    """:func:`update_nadam` for one run on Python floats (the simulator's fast path)."""
    params, grad, step, exp_avg, exp_avg_sq, _, bias_correction2 = \
        adam_moments_scalar(params, grads, state, lr, hyper, momentum)
    beta1 = hyper["betas"][0] if momentum is None else momentum
    eps = hyper["eps"]
    momentum_decay = hyper["momentum_decay"]
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    # float32 * float32 is exact in float64; one rounding to float32, as NumPy's float32 product
    mu_product = float32(state["mu_product"] * float32(mu))
    d0 = scalar_sqrt(exp_avg_sq[0] / bias_correction2) + eps
    d1 = scalar_sqrt(exp_avg_sq[1] / bias_correction2) + eps
    mu_product_next = mu_product * mu_next
    c1 = (-lr * (1.0 - mu)) / (1.0 - mu_product)
    c2 = (-lr * mu_next) / (1.0 - mu_product_next)
    p0 = params[0] + (c1 * grad[0]) / d0
    p1 = params[1] + (c1 * grad[1]) / d1
    return ((p0 + (c2 * exp_avg[0]) / d0, p1 + (c2 * exp_avg[1]) / d1),
            {"step": step, "mu_product": mu_product, "exp_avg": exp_avg,
             "exp_avg_sq": exp_avg_sq})


NADAM = OptimizerDef(
    torch=TORCH_OPTIMIZERS["NAdam"],
    init_state=init_nadam,
    update=update_nadam,
    state_keys=lambda hyper: ("step", "mu_product", "exp_avg", "exp_avg_sq"),
    scalar_update=update_nadam_scalar,
    summary="NAdam: Adam with Nesterov momentum and a warming momentum schedule",
)
