"""The optimizers of ``torch.optim`` 2.13 as a schedule sees them: constructor keywords and
their defaults (read off torch's signatures), and which keyword carries the momentum that
CyclicLR and OneCycleLR cycle (``momentum``, or ``betas[0]`` for the Adam family)."""

from __future__ import annotations

from types import MappingProxyType

_COMMON = {"foreach": None, "maximize": False, "differentiable": False}

TORCH_OPTIMIZERS = MappingProxyType({
    "SGD": {"lr": 0.001, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
            "fused": None, **_COMMON},
    "Adam": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
             "amsgrad": False, "capturable": False, "fused": None,
             "decoupled_weight_decay": False, **_COMMON},
    "AdamW": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.01,
              "amsgrad": False, "capturable": False, "fused": None, **_COMMON},
    "RAdam": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
              "decoupled_weight_decay": False, "capturable": False, **_COMMON},
    "NAdam": {"lr": 0.002, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
              "momentum_decay": 0.004, "decoupled_weight_decay": False, "capturable": False,
              **_COMMON},
    "Adamax": {"lr": 0.002, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
               "capturable": False, **_COMMON},
    "RMSprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-08, "weight_decay": 0, "momentum": 0,
                "centered": False, "capturable": False, **_COMMON},
    "Adagrad": {"lr": 0.01, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0,
                "eps": 1e-10, "fused": None, **_COMMON},
    "Adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-06, "weight_decay": 0, "capturable": False,
                 **_COMMON},
    "ASGD": {"lr": 0.01, "lambd": 0.0001, "alpha": 0.75, "t0": 1000000.0, "weight_decay": 0,
             "capturable": False, **_COMMON},
    "Rprop": {"lr": 0.01, "etas": (0.5, 1.2), "step_sizes": (1e-06, 50), "capturable": False,
              **_COMMON},
    "SparseAdam": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "maximize": False},
    "Adafactor": {"lr": 0.01, "beta2_decay": -0.8, "eps": (None, 0.001), "d": 1.0,
                  "weight_decay": 0.0, "foreach": None, "maximize": False},
    "LBFGS": {"lr": 1, "max_iter": 20, "max_eval": None, "tolerance_grad": 1e-07,
              "tolerance_change": 1e-09, "history_size": 100, "line_search_fn": None},
    "Muon": {"lr": 0.001, "weight_decay": 0.1, "momentum": 0.95, "nesterov": True,
             "ns_coefficients": (3.4445, -4.775, 2.0315), "eps": 1e-07, "ns_steps": 5,
             "adjust_lr_fn": None},
})


def momentum_key(optimizer: str) -> str | None:
    """``'betas'``, ``'momentum'`` or None: what CyclicLR/OneCycleLR cycle for this optimizer
    (torch: ``use_beta1 = "betas" in optimizer.defaults``, else ``momentum``, else refused)."""
    defaults = TORCH_OPTIMIZERS[optimizer]
    if "betas" in defaults:
        return "betas"
    if "momentum" in defaults:
        return "momentum"
    return None
