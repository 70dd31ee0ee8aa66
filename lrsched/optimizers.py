"""The optimizers of ``torch.optim`` 2.13: the one table of their constructor keywords.

Each class lists its keywords in the order of torch's ``optimizer.defaults`` (which is the
order of ``state_dict()['param_groups']``), with torch's defaults and a constraint from
:mod:`lrsched.constraints` each, so that a schedule spec, a simulation file and a state file
word the same mistake the same way.  The momentum that CyclicLR and OneCycleLR cycle is read
off the keywords, as torch does (``betas[0]`` when there are betas, else ``momentum``).
The update rules of the optimizers that ``lrsched simulate`` runs are in :mod:`lrsched.optim`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from lrsched.constraints import Bool, Choice, Int, Items, Maybe, Param, Real, Str
from lrsched.errors import SpecError
from lrsched.records import dataclass, field
from lrsched.suggest import unknown


@dataclass(frozen=True)
class OptimizerClass:
    """One ``torch.optim`` class: its keywords (torch's names, defaults and constraints).

    ``fixed`` are group entries the class sets itself and does not take as keywords (AdamW's
    ``decoupled_weight_decay=True``): they come last, as in torch's ``defaults``."""

    name: str
    params: tuple
    fixed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    @property
    def momentum_key(self) -> str | None:
        """``'betas'``, ``'momentum'`` or None: what CyclicLR/OneCycleLR cycle (torch:
        ``use_beta1 = "betas" in optimizer.defaults``, else ``momentum``, else refused)."""
        names = {p.name for p in self.params}
        return "betas" if "betas" in names else "momentum" if "momentum" in names else None

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def check(self, name: str, value):
        """One keyword's value, validated; a SpecError keyed relative to the keyword
        (``betas[1]``) otherwise (an unknown keyword is the caller's to word)."""
        try:
            return self.param(name).constraint.check(value)
        except SpecError as exc:
            exc.key = name + (exc.key or "")
            raise

    def hyper(self, overrides: Mapping[str, Any] | None = None, *, prefix: str = "optimizer",
              also: tuple = ()) -> dict[str, Any]:
        """Every keyword with torch's default, ``overrides`` validated and applied, then
        ``fixed``.  Errors are keyed ``prefix.keyword``; ``also`` are the other keys the
        mapping may hold (``type``), offered when a keyword is misspelt."""
        out = self.defaults
        for key, value in (overrides or {}).items():
            if key in self.fixed:
                if value == self.fixed[key]:
                    continue
                raise SpecError(f"{self.name} always has {key}={self.fixed[key]!r}",
                                key=f"{prefix}.{key}")
            if self.param(key) is None:
                raise SpecError(unknown("keyword", key, self.defaults, owner=self.name, also=also),
                                key=f"{prefix}.{key}")
            try:
                out[key] = self.check(key, value)
            except SpecError as exc:
                exc.key = f"{prefix}.{exc.key}"
                raise
        out.update(self.fixed)
        return out


_LR = "learning rate"
_WD = "L2 penalty"
_NONNEG = Real(0)
_FLAG = Bool()
_BETAS = Items(Real(0, 1, high_closed=False), 2, as_float=True)


def _common(*names: str) -> tuple:
    """torch's keywords shared by most classes, in the order ``names`` gives them."""
    table = {
        "maximize": Param("maximize", _FLAG, False, "maximize the objective"),
        "foreach": Param("foreach", Maybe(_FLAG), None, "torch implementation switch"),
        "fused": Param("fused", Maybe(_FLAG), None, "torch implementation switch"),
        "capturable": Param("capturable", _FLAG, False, "torch implementation switch"),
        "differentiable": Param("differentiable", _FLAG, False, "torch implementation switch"),
        "decoupled_weight_decay": Param("decoupled_weight_decay", _FLAG, False, "AdamW-style weight decay"),
        "amsgrad": Param("amsgrad", _FLAG, False, "use the running maximum of v (AMSGrad)"),
    }
    return tuple(table[n] for n in names)


def _adam_head(lr: float, weight_decay: float, wd_doc: str = _WD) -> tuple:
    return (Param("lr", _NONNEG, lr, _LR),
            Param("betas", _BETAS, (0.9, 0.999), "coefficients of the running averages"),
            Param("eps", _NONNEG, 1e-8, "added to the denominator"),
            Param("weight_decay", _NONNEG, weight_decay, wd_doc))


_CLASSES = (
    OptimizerClass("SGD", (
        Param("lr", _NONNEG, 1e-3, _LR),
        Param("momentum", _NONNEG, 0, "momentum factor"),
        Param("dampening", Real(), 0, "dampening of the momentum"),
        Param("weight_decay", _NONNEG, 0, _WD),
        Param("nesterov", _FLAG, False, "Nesterov momentum"),
        *_common("maximize", "foreach", "differentiable", "fused"))),
    OptimizerClass("Adam", (
        *_adam_head(1e-3, 0, "L2 penalty (decoupled if decoupled_weight_decay)"),
        *_common("amsgrad", "maximize", "foreach", "capturable", "differentiable", "fused",
                 "decoupled_weight_decay"))),
    OptimizerClass("AdamW", (
        *_adam_head(1e-3, 1e-2, "decoupled weight decay coefficient"),
        *_common("amsgrad", "maximize", "foreach", "capturable", "differentiable", "fused")),
        fixed=MappingProxyType({"decoupled_weight_decay": True})),
    OptimizerClass("RAdam", (
        *_adam_head(1e-3, 0, "weight decay"),
        *_common("maximize", "foreach", "capturable", "decoupled_weight_decay", "differentiable"))),
    OptimizerClass("NAdam", (
        *_adam_head(2e-3, 0, "weight decay"),
        Param("momentum_decay", _NONNEG, 4e-3, "psi of the momentum schedule mu_t"),
        *_common("decoupled_weight_decay", "maximize", "foreach", "capturable", "differentiable"))),
    OptimizerClass("Adamax", (
        *_adam_head(2e-3, 0),
        *_common("foreach", "maximize", "differentiable", "capturable"))),
    OptimizerClass("RMSprop", (
        Param("lr", _NONNEG, 1e-2, _LR),
        Param("momentum", _NONNEG, 0, "momentum factor"),
        Param("alpha", _NONNEG, 0.99, "smoothing constant"),
        Param("eps", _NONNEG, 1e-8, "added outside the sqrt"),
        Param("centered", _FLAG, False, "normalise by the estimated variance"),
        Param("weight_decay", _NONNEG, 0, _WD),
        *_common("capturable", "foreach", "maximize", "differentiable"))),
    OptimizerClass("Adagrad", (
        Param("lr", _NONNEG, 1e-2, _LR),
        Param("lr_decay", _NONNEG, 0, "lr / (1 + (t-1) lr_decay)"),
        Param("eps", _NONNEG, 1e-10, "added to the denominator"),
        Param("weight_decay", _NONNEG, 0, _WD),
        Param("initial_accumulator_value", _NONNEG, 0, "starting value of the sum of squares"),
        *_common("foreach", "maximize", "differentiable", "fused"))),
    OptimizerClass("Adadelta", (
        Param("lr", _NONNEG, 1.0, "scales delta"),
        Param("rho", Real(0, 1), 0.9, "running-average coefficient"),
        Param("eps", _NONNEG, 1e-6, "added inside both roots"),
        Param("weight_decay", _NONNEG, 0, _WD),
        *_common("maximize", "capturable", "foreach", "differentiable"))),
    OptimizerClass("ASGD", (
        Param("lr", _NONNEG, 0.01, _LR),
        Param("lambd", Real(), 0.0001, "decay term"),
        Param("alpha", Real(), 0.75, "power for the eta update"),
        Param("t0", Real(), 1000000.0, "point at which to start averaging"),
        Param("weight_decay", _NONNEG, 0, _WD),
        *_common("foreach", "maximize", "differentiable", "capturable"))),
    OptimizerClass("Rprop", (
        Param("lr", _NONNEG, 0.01, _LR),
        Param("etas", Items(Real(), 2), (0.5, 1.2), "multiplicative decrease and increase factors"),
        Param("step_sizes", Items(Real(), 2), (1e-06, 50), "minimal and maximal step sizes"),
        *_common("foreach", "maximize", "differentiable", "capturable"))),
    OptimizerClass("SparseAdam", (
        Param("lr", _NONNEG, 0.001, _LR),
        Param("betas", _BETAS, (0.9, 0.999), "coefficients of the running averages"),
        Param("eps", _NONNEG, 1e-08, "added to the denominator"),
        *_common("maximize"))),
    OptimizerClass("Adafactor", (
        Param("lr", _NONNEG, 0.01, _LR),
        Param("beta2_decay", Real(), -0.8, "decay rate of beta2"),
        Param("eps", Items(Maybe(Real()), 2), (None, 0.001), "epsilon1 and epsilon2"),
        Param("d", Real(), 1.0, "clipping threshold"),
        Param("weight_decay", Real(), 0.0, "weight decay coefficient"),
        *_common("foreach", "maximize"))),
    OptimizerClass("LBFGS", (
        Param("lr", _NONNEG, 1, _LR),
        Param("max_iter", Int(1), 20, "iterations per step"),
        Param("max_eval", Maybe(Int(1)), None, "function evaluations per step"),
        Param("tolerance_grad", Real(), 1e-07, "first-order optimality tolerance"),
        Param("tolerance_change", Real(), 1e-09, "function value/parameter change tolerance"),
        Param("history_size", Int(1), 100, "update history size"),
        Param("line_search_fn", Maybe(Choice(("strong_wolfe",))), None, "line search"))),
    OptimizerClass("Muon", (
        Param("lr", _NONNEG, 0.001, _LR),
        Param("weight_decay", _NONNEG, 0.1, "weight decay"),
        Param("momentum", _NONNEG, 0.95, "momentum factor"),
        Param("nesterov", _FLAG, True, "Nesterov momentum"),
        Param("ns_coefficients", Items(Real(), 3), (3.4445, -4.775, 2.0315), "Newton-Schulz coefficients"),
        Param("eps", _NONNEG, 1e-07, "added to the norm"),
        Param("ns_steps", Int(1), 5, "Newton-Schulz steps"),
        Param("adjust_lr_fn", Maybe(Str()), None, "how the lr is adjusted per shape"))),
)

TORCH_OPTIMIZERS: Mapping[str, OptimizerClass] = MappingProxyType({c.name: c for c in _CLASSES})
_BY_LOWER = {name.lower(): c for name, c in TORCH_OPTIMIZERS.items()}


def optimizer_class(name, *, key: str | None = None) -> OptimizerClass:
    """The class for a torch.optim class name, case-insensitively (``adamw`` -> AdamW), or a
    SpecError (keyed ``key``) suggesting the closest name."""
    found = _BY_LOWER.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        raise SpecError(unknown("optimizer", name, TORCH_OPTIMIZERS), key=key)
    return found


__all__ = ["OptimizerClass", "TORCH_OPTIMIZERS", "optimizer_class"]
