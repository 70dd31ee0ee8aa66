"""The timm factory form (SPEC.md section 5): a top-level ``timm:`` mapping of
``create_scheduler_v2`` keywords (timm 1.0.31, ``timm/scheduler/scheduler_factory.py``),
verbatim and with the factory's own defaults, plus ``lr`` (train.py's ``--lr``) and, for
``sched: plateau``, ``metrics``.

``build`` is the factory: it scales every length by ``updates_per_epoch`` when
``step_on_epochs`` is false, turns ``noise`` fractions into ``noise_range_t``, picks the class
and its keywords for ``sched``, and returns the ``num_epochs`` train.py then runs (for the
cycle schedules ``get_cycle_length() + cooldown``, else ``num_epochs``, plus the warmup with
``warmup_prefix``).  The class keywords are then checked as the class form checks them; a
refusal names the factory key it came from.  ``updates_per_epoch`` is the spec's
``steps_per_epoch`` (giving it in the block gives the spec those units).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from lrsched.constraints import Bool, Choice, Int, IntList, Maybe, Metrics, Param, Real, describe_value
from lrsched.errors import SpecError
from lrsched.records import dataclass
from lrsched.schedules.timm import DEFINITIONS, LIBRARY, NoiseRange, SCHED_NAMES, cycle_length
from lrsched.suggest import unknown

KEY = "timm"
SCHEDS = ("cosine", "tanh", "step", "multistep", "plateau", "poly", "wsd", "rsqrt", "constant", "none")
_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")

# create_scheduler_v2's keywords in its order, with its defaults; then lr and metrics
PARAMS = (
    Param("sched", Choice(SCHEDS), "cosine", "the scheduler: " + ", ".join(SCHEDS)),
    Param("num_epochs", Int(1), 300, "epochs of the schedule (without a prefix warmup and the cooldown)"),
    Param("decay_epochs", Maybe(Real()), None,
          "step: epochs between decays (null: 90); wsd/rsqrt: the decay phase, a fraction if below 1 (null: 0.2)"),
    Param("decay_milestones", IntList(), (90, 180, 270), "multistep: the epochs to decay at"),
    Param("cooldown_epochs", Int(0), 0, "epochs at min_lr after the schedule (added to the epochs run)"),
    Param("patience_epochs", Int(), 10, "plateau: bad epochs tolerated"),
    Param("decay_rate", Real(), 0.1, "step, multistep, plateau: decay factor; poly: the power"),
    Param("min_lr", Real(), 0.0, "the lr the schedule decays to"),
    Param("warmup_lr", Real(), 1e-5, "the lr the warmup starts from"),
    Param("warmup_epochs", Int(), 0, "epochs of linear warmup"),
    Param("warmup_prefix", Bool(), False, "the warmup comes before num_epochs (else it overlays their start)"),
    Param("noise", NoiseRange(fractions=True), None, "noise on/off points, as fractions of the schedule"),
    Param("noise_pct", Real(), 0.67, "bound on |noise|"),
    Param("noise_std", Real(), 1.0, "standard deviation of the noise"),
    Param("noise_seed", Int(), 42, "noise at t comes from a torch generator seeded noise_seed + t"),
    Param("cycle_mul", Real(), 1.0, "cosine, tanh, poly: cycle length multiplier"),
    Param("cycle_decay", Real(), 0.1, "cosine, tanh, poly: peak decay per cycle"),
    Param("cycle_limit", Int(), 1, "cosine, tanh, poly: number of cycles"),
    Param("k_decay", Real(), 1.0, "cosine, poly: k-decay"),
    Param("decay_fn", Maybe(Choice(_DECAY_FNS)), None, "wsd, rsqrt: the decay (null: 1-sqrt, rsqrt: linear)"),
    Param("stable_timescale", Maybe(Real()), None, "rsqrt: timescale in epochs (null: warmup_epochs)"),
    Param("plateau_mode", Choice(("min", "max")), "max", "plateau: whether lower or higher metrics are better"),
    Param("step_on_epochs", Bool(), True, "step once an epoch; false: after every update (needs updates_per_epoch)"),
    Param("updates_per_epoch", Int(0), 0, "optimizer updates an epoch (0: the spec's steps_per_epoch)"),
    Param("lr", Real(0), None, "the learning rate (train.py's --lr), or give the spec's lr/optimizer"),
    Param("metrics", Metrics(), None, "plateau: the metric after each epoch, or an expression in epoch"),
)
NAMES = tuple(p.name for p in PARAMS)
CLASSES = {d.name: d for d in DEFINITIONS}

# the class keyword -> the factory keyword it comes from (for messages)
SOURCE = {"t_initial": "num_epochs", "lr_min": "min_lr", "warmup_t": "warmup_epochs",
          "warmup_lr_init": "warmup_lr", "warmup_prefix": "warmup_prefix", "noise_range_t": "noise",
          "noise_pct": "noise_pct", "noise_std": "noise_std", "noise_seed": "noise_seed",
          "cycle_mul": "cycle_mul", "cycle_decay": "cycle_decay", "cycle_limit": "cycle_limit",
          "k_decay": "k_decay", "t_in_epochs": "step_on_epochs", "decay_rate": "decay_rate",
          "power": "decay_rate", "patience_t": "patience_epochs", "mode": "plateau_mode",
          "stable_timescale": "stable_timescale", "decay_fn": "decay_fn", "metrics": "metrics"}


@dataclass(frozen=True)
class Built:
    """What ``create_scheduler_v2`` builds: the class (None for ``sched: none``), its keywords,
    and the ``updates_per_epoch`` it had."""

    cls: str | None
    kwargs: Mapping[str, Any]
    upe: int


@dataclass(frozen=True)
class Factory:
    """A validated ``timm:`` block: ``values`` (every keyword, defaults filled in), the
    ``given`` keys, and its ``path`` in the spec."""

    values: Mapping[str, Any]
    given: tuple
    path: tuple

    @property
    def lr(self):
        return self.values["lr"]

    def where(self, key: str) -> tuple:
        """The path of ``key`` (the block itself when it is not given)."""
        return self.path + (key,) if key in self.given else self.path

    def units_pick(self, pick):
        """``pick`` with the block's ``updates_per_epoch`` as the spec's ``steps_per_epoch``
        when the spec has no count of updates of its own."""
        upe = self.values["updates_per_epoch"]

        def picked(key):
            if (key == "steps_per_epoch" and upe and pick("steps_per_epoch")[1] is None
                    and pick("dataset_size")[1] is None and pick("batch_size")[1] is None):
                return upe, self.path + ("updates_per_epoch",)
            return pick(key)
        return picked

    def build(self, steps_per_epoch: int | None, error) -> Built:
        """``create_scheduler_v2(optimizer, **block)`` with ``updates_per_epoch`` the spec's
        ``steps_per_epoch``; ``error(path, message)`` makes its refusals."""
        b = self.values
        upe = b["updates_per_epoch"]
        if upe and steps_per_epoch is not None and upe != steps_per_epoch:
            raise error(self.where("updates_per_epoch"),
                        f"is {upe}, but the spec's units give {steps_per_epoch} updates an epoch; "
                        f"give the count once (updates_per_epoch here, or the spec's steps_per_epoch)")
        upe = steps_per_epoch or 0
        sched = b["sched"]
        decay_epochs = b["decay_epochs"]
        if decay_epochs is None:
            decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
        t_initial, warmup_t, decay_t = b["num_epochs"], b["warmup_epochs"], decay_epochs
        cooldown_t, timescale_t = b["cooldown_epochs"], b["stable_timescale"]
        milestones = list(b["decay_milestones"])
        step_on_epochs = b["step_on_epochs"]
        if not step_on_epochs:
            if not upe > 0:
                raise error(self.where("step_on_epochs"),
                            "step_on_epochs: false needs the updates an epoch (timm asserts "
                            "updates_per_epoch > 0: 'updates_per_epoch must be set to number of "
                            "dataloader batches'); give the spec steps_per_epoch (or dataset_size "
                            "and batch_size), or updates_per_epoch here")
            t_initial, warmup_t, decay_t = t_initial * upe, warmup_t * upe, decay_t * upe
            milestones = [d * upe for d in milestones]
            cooldown_t = cooldown_t * upe
            if timescale_t is not None:
                timescale_t = timescale_t * upe
        noise = b["noise"]
        if noise is None:
            noise_range = None
        elif isinstance(noise, tuple):
            noise_range = tuple(n * t_initial for n in noise)
            if len(noise_range) == 1:
                noise_range = noise_range[0]
        else:
            noise_range = noise * t_initial
        warmup = {"warmup_lr_init": b["warmup_lr"], "warmup_t": warmup_t, "warmup_prefix": b["warmup_prefix"]}
        noisy = {"noise_range_t": noise_range, "noise_pct": b["noise_pct"], "noise_std": b["noise_std"],
                 "noise_seed": b["noise_seed"]}
        cycles = {"cycle_mul": b["cycle_mul"], "cycle_decay": b["cycle_decay"], "cycle_limit": b["cycle_limit"]}
        common = {"t_in_epochs": step_on_epochs, **warmup, **noisy}
        if sched == "cosine":
            kwargs = {"t_initial": t_initial, "lr_min": b["min_lr"], **cycles, **common, "k_decay": b["k_decay"]}
        elif sched == "tanh":
            kwargs = {"t_initial": t_initial, "lr_min": b["min_lr"], **cycles, **common}
        elif sched == "step":
            kwargs = {"decay_t": decay_t, "decay_rate": b["decay_rate"], **common}
        elif sched == "constant":
            kwargs = {"decay_t": 1, "decay_rate": 1., **common}
        elif sched == "multistep":
            kwargs = {"decay_t": tuple(milestones), "decay_rate": b["decay_rate"], **common}
        elif sched == "plateau":
            if not step_on_epochs:
                raise error(self.where("step_on_epochs"), "sched: plateau steps once an epoch only (timm "
                                                          "asserts step_on_epochs: 'Plateau LR only "
                                                          "supports step per epoch.')")
            kwargs = {"decay_rate": b["decay_rate"], "patience_t": b["patience_epochs"], "cooldown_t": 0,
                      "warmup_lr_init": b["warmup_lr"], "warmup_t": warmup_t, "lr_min": b["min_lr"],
                      "mode": b["plateau_mode"], **noisy, "metrics": b["metrics"]}
        elif sched == "poly":
            kwargs = {"power": b["decay_rate"], "t_initial": t_initial, "lr_min": b["min_lr"],
                      "t_in_epochs": step_on_epochs, "k_decay": b["k_decay"], **cycles, **warmup, **noisy}
        elif sched in ("wsd", "rsqrt"):
            t_sched = t_initial if b["warmup_prefix"] else t_initial - warmup_t
            if 0 < decay_epochs < 1:
                decay_t = decay_epochs * t_sched
            decay_t = int(round(decay_t))
            if not 0 < decay_t <= t_sched:
                minus = "" if b["warmup_prefix"] else " - warmup_epochs"
                raise error(self.where("decay_epochs" if t_sched > 0 else "warmup_epochs"),
                            f"{sched} needs 0 < decay <= num_epochs{minus}: the decay phase is {decay_t} and "
                            f"the stable + decay length {t_sched} (timm raises ValueError: {sched} schedule "
                            f"requires 0 < decay_epochs <= epochs{minus})")
            kwargs = {"t_initial": t_sched, "decay_t": decay_t, "lr_min": b["min_lr"],
                      "stable_fn": "rsqrt" if sched == "rsqrt" else "constant", "stable_timescale": timescale_t,
                      "decay_fn": b["decay_fn"] or ("linear" if sched == "rsqrt" else "1-sqrt"),
                      "t_in_epochs": step_on_epochs, "warmup_t": warmup_t, "warmup_lr_init": b["warmup_lr"],
                      **noisy}
        else:                                     # none: no scheduler, the lr stays
            kwargs = {}
        return Built(SCHED_NAMES.get(sched), kwargs, upe)

    def num_epochs(self, built: Built, error) -> int:
        """The num_epochs create_scheduler_v2 returns (its keywords checked first): for the
        cycle schedulers ``get_cycle_length() + cooldown`` (in epochs: ``// updates_per_epoch``
        when stepping per update), for the others ``num_epochs`` plus a prefix warmup."""
        b, kwargs, cls = self.values, built.kwargs, built.cls
        cooldown_t = b["cooldown_epochs"] if b["step_on_epochs"] else b["cooldown_epochs"] * built.upe
        if cls in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "WSDLRScheduler"):
            try:
                length = (kwargs["warmup_t"] + kwargs["t_initial"] if cls == "WSDLRScheduler"
                          else cycle_length(kwargs)) + cooldown_t
            except (ArithmeticError, ValueError) as exc:
                raise error(self.where("cycle_mul"), f"timm's get_cycle_length() fails with cycle_mul "
                                                     f"{b['cycle_mul']!r} and cycle_limit {b['cycle_limit']!r}: "
                                                     f"{type(exc).__name__}: {exc}") from None
            return length if b["step_on_epochs"] else length // built.upe
        return b["num_epochs"] + (b["warmup_epochs"] if b["warmup_prefix"] else 0)

    def scheduler(self, built: Built, error) -> tuple:
        """(definition, keywords) of the class ``built`` names, its keywords checked and
        completed as the class form does; a refusal is located at the factory key the keyword
        comes from.  (None, None) for ``sched: none``."""
        if built.cls is None:
            return None, None
        definition = CLASSES[built.cls]
        sched = self.values["sched"]
        params = {}
        for p in definition.params + definition.extra_keys:
            value = built.kwargs.get(p.name, p.default)
            if p.name == "metrics":
                params[p.name] = value            # checked with the block
                continue
            try:
                params[p.name] = p.constraint.check(list(value) if isinstance(value, tuple) else value)
            except SpecError as exc:
                key = self.source(p.name, sched)
                raise error(self.where(key), f"{exc.message} (create_scheduler_v2 passes "
                                             f"{_derived(key, p.name, self.values)} to {built.cls})") from None
        if definition.check is not None:
            try:
                definition.check(params)
            except SpecError as exc:
                key = self.source(exc.key, sched) if exc.key else "sched"
                raise error(self.where(key), f"{exc.message} (create_scheduler_v2 passes "
                                             f"{_derived(key, exc.key, self.values)} to {built.cls})") from None
        return definition, params

    def source(self, keyword: str, sched: str) -> str:
        """The factory key a class keyword comes from under ``sched``."""
        if keyword == "decay_t":
            return "decay_milestones" if sched == "multistep" else "decay_epochs"
        return SOURCE.get(keyword, "sched")


# `lrsched list timm`: title, keywords, what it does, an example
LISTING = ("timm: (the create_scheduler_v2 form of timm 1.0.31)", PARAMS,
           "create_scheduler_v2(optimizer, **keywords, updates_per_epoch=steps_per_epoch) picks the class "
           "for sched (cosine, tanh, step, multistep, plateau, poly, wsd, rsqrt; constant: a StepLRScheduler "
           "that never decays; none: no scheduler), in updates when step_on_epochs is false; epochs default "
           "to the num_epochs it returns (cycles, prefix warmup and cooldown included)",
           {"timm": {"sched": "cosine", "lr": 0.5, "num_epochs": 300, "warmup_epochs": 5, "warmup_lr": 1e-6,
                     "min_lr": 1e-5, "step_on_epochs": False}, "steps_per_epoch": 2502})


def _derived(key: str, keyword: str | None, values) -> str:
    """How the class keyword is made from the factory's: ``t_initial = num_epochs *
    updates_per_epoch``, or ``min_lr as lr_min``."""
    scaled = key in ("num_epochs", "warmup_epochs", "decay_epochs", "decay_milestones", "stable_timescale")
    if scaled and not values["step_on_epochs"]:
        return f"{key} * updates_per_epoch as {keyword}"
    if key == "noise":
        return "noise * t_initial as noise_range_t"
    return f"{key} as {keyword}"


def parse_factory(value, path: tuple, check, error) -> Factory:
    """The ``timm:`` block at ``path``, each key checked (``check(constraint, value, path)``,
    ``error(path, message)`` as :func:`lrsched.units.parse_units` takes them)."""
    if not isinstance(value, dict):
        raise error(path, f"must be a mapping of create_scheduler_v2 keywords such as `{{sched: cosine, "
                          f"num_epochs: 300, warmup_epochs: 5}}`, got {describe_value(value)}")
    for key in value:
        if key not in NAMES:
            raise error(path + (key,), unknown("keyword", key, NAMES, owner="timm's create_scheduler_v2"))
    values = {}
    for p in PARAMS:
        values[p.name] = check(p.constraint, value[p.name], path + (p.name,)) if p.name in value else p.default
    if value.get("metrics") is not None and values["sched"] != "plateau":
        raise error(path + ("metrics",), f"only sched: plateau watches a metric; sched: {values['sched']} "
                                         f"does not: drop metrics")
    return Factory(values, tuple(value), path)


__all__ = ["KEY", "PARAMS", "NAMES", "SCHEDS", "Factory", "Built", "parse_factory", "LIBRARY"]
