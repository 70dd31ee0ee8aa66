"""Schedule names of other libraries that people type into ``scheduler.type``, and what to
write instead.  A name here is not misspelt: suggesting the nearest torch class
(``CosineLRScheduler`` -> ``ChainedScheduler``) would mislead, so lookup says what the name
is and which type does its job.  Once the registry holds that library's own types
(``timm.CosineLRScheduler``), the advice names them first."""

from __future__ import annotations

# name (lower case) -> (library, its namespaced type in lrsched, the torch way to get it)
FOREIGN = {
    # timm.scheduler
    "cosinelrscheduler": ("timm", "timm.CosineLRScheduler",
                          "CosineAnnealingLR (a warmup: SequentialLR of LinearLR then CosineAnnealingLR)"),
    "tanhlrscheduler": ("timm", "timm.TanhLRScheduler", "LambdaLR with a tanh expression"),
    "steplrscheduler": ("timm", "timm.StepLRScheduler", "StepLR"),
    "multisteplrscheduler": ("timm", "timm.MultiStepLRScheduler",
                             "MultiStepLR (timm decays one epoch earlier)"),
    "polylrscheduler": ("timm", "timm.PolyLRScheduler", "PolynomialLR"),
    "plateaulrscheduler": ("timm", "timm.PlateauLRScheduler", "ReduceLROnPlateau"),
    "wsdlrscheduler": ("timm", "timm.WSDLRScheduler",
                       "SequentialLR of LinearLR (warmup), ConstantLR (stable) and LinearLR (decay)"),
    # transformers: get_scheduler's names and the functions behind them
    "linear": ("transformers", "transformers.linear",
               "SequentialLR of LinearLR (warmup) and LinearLR to 0 (decay)"),
    "cosine": ("transformers", "transformers.cosine",
               "SequentialLR of LinearLR (warmup) and CosineAnnealingLR"),
    "cosine_with_restarts": ("transformers", "transformers.cosine_with_restarts",
                             "CosineAnnealingWarmRestarts after a LinearLR warmup (SequentialLR)"),
    "polynomial": ("transformers", "transformers.polynomial",
                   "SequentialLR of LinearLR (warmup) and PolynomialLR"),
    "constant": ("transformers", "transformers.constant", "ConstantLR with factor 1, or no scheduler"),
    "constant_with_warmup": ("transformers", "transformers.constant_with_warmup",
                             "LinearLR (warmup) on its own: it holds the lr afterwards"),
    "inverse_sqrt": ("transformers", "transformers.inverse_sqrt",
                     "LambdaLR with lr_lambda: \"1 / sqrt(max(epoch, W))\" (W the warmup)"),
    "reduce_lr_on_plateau": ("transformers", "transformers.reduce_lr_on_plateau", "ReduceLROnPlateau"),
    "cosine_with_min_lr": ("transformers", "transformers.cosine_with_min_lr",
                           "SequentialLR of LinearLR (warmup) and CosineAnnealingLR with eta_min"),
    "warmup_stable_decay": ("transformers", "transformers.warmup_stable_decay",
                            "SequentialLR of LinearLR (warmup), ConstantLR (stable) and a decay"),
    "cosine_warmup_with_min_lr": ("transformers", "transformers.cosine_warmup_with_min_lr",
                                  "SequentialLR of LinearLR (warmup) and CosineAnnealingLR with eta_min"),
    "greedy": ("transformers", "transformers.greedy", "ReduceLROnPlateau (GreedyLR also raises the lr)"),
    "greedylr": ("transformers", "transformers.greedy", "ReduceLROnPlateau (GreedyLR also raises the lr)"),
    "get_cosine_with_min_lr_schedule_with_warmup": (
        "transformers", "transformers.cosine_with_min_lr",
        "SequentialLR of LinearLR (warmup) and CosineAnnealingLR with eta_min"),
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": (
        "transformers", "transformers.cosine_warmup_with_min_lr",
        "SequentialLR of LinearLR (warmup) and CosineAnnealingLR with eta_min"),
    "get_reduce_on_plateau_schedule": ("transformers", "transformers.reduce_lr_on_plateau", "ReduceLROnPlateau"),
    "get_greedy_schedule": ("transformers", "transformers.greedy",
                            "ReduceLROnPlateau (GreedyLR also raises the lr)"),
    "get_linear_schedule_with_warmup": ("transformers", "transformers.linear",
                                        "SequentialLR of LinearLR (warmup) and LinearLR to 0 (decay)"),
    "get_cosine_schedule_with_warmup": ("transformers", "transformers.cosine",
                                        "SequentialLR of LinearLR (warmup) and CosineAnnealingLR"),
    "get_cosine_with_hard_restarts_schedule_with_warmup": (
        "transformers", "transformers.cosine_with_restarts",
        "CosineAnnealingWarmRestarts after a LinearLR warmup (SequentialLR)"),
    "get_polynomial_decay_schedule_with_warmup": ("transformers", "transformers.polynomial",
                                                  "SequentialLR of LinearLR (warmup) and PolynomialLR"),
    "get_constant_schedule": ("transformers", "transformers.constant", "ConstantLR with factor 1"),
    "get_constant_schedule_with_warmup": ("transformers", "transformers.constant_with_warmup",
                                          "LinearLR (warmup) on its own"),
    "get_inverse_sqrt_schedule": ("transformers", "transformers.inverse_sqrt",
                                  "LambdaLR with an inverse square root expression"),
    "get_wsd_schedule": ("transformers", "transformers.warmup_stable_decay",
                         "SequentialLR of LinearLR, ConstantLR and a decay"),
    # Keras and optax
    "cosinedecay": ("Keras", None, "CosineAnnealingLR"),
    "exponentialdecay": ("Keras", None, "ExponentialLR (Keras decays per step: gamma = rate ** (1 / decay_steps))"),
    "piecewiseconstantdecay": ("Keras", None, "MultiStepLR, or LambdaLR with a piecewise expression"),
    "polynomialdecay": ("Keras", None, "PolynomialLR"),
    "cosinedecayrestarts": ("Keras", None, "CosineAnnealingWarmRestarts"),
    "warmup_cosine_decay_schedule": ("optax", None, "SequentialLR of LinearLR and CosineAnnealingLR"),
    "cosine_decay_schedule": ("optax", None, "CosineAnnealingLR"),
    "exponential_decay": ("optax", None, "ExponentialLR"),
    "piecewise_constant_schedule": ("optax", None, "MultiStepLR"),
    "linear_schedule": ("optax", None, "LinearLR"),
}


def advice(name: str, known) -> str | None:
    """What to write instead of another library's ``name`` (None: not one lrsched knows);
    ``known`` are the types the registry holds."""
    found = FOREIGN.get(name.lower())
    if found is None:
        return None
    library, own, torch_way = found
    if own is not None and own in known:
        return f"'{name}' is a {library} schedule: write type: {own} (in torch's terms: {torch_way})"
    return f"'{name}' is a {library} schedule, not a torch scheduler; in torch's terms: {torch_way}"
