"""torch.optim's update rules as pure, batched NumPy functions.

Every optimizer family has a module (``adam.py`` for Adam/AdamW, ``radam.py``, ``sgd.py``,
``nadam.py``, ``rmsprop.py``, ``adagrad.py``, ``adamax.py``, ``adadelta.py``) defining an
:class:`OptimizerDef`: torch's constructor keywords and defaults, the momentum key that
CyclicLR/OneCycleLR cycle, ``init_state(params, hyper)`` and
``update(params, grads, state, lr, hyper, *, momentum=None) -> (params, state)``, and
``scalar_update``, the same step for one run on Python floats (:mod:`lrsched.optim.scalar`).

Batching: ``params``/``grads`` are ``(runs, 2)`` float64 arrays (one optimizer instance with
one 2-element tensor per run), ``lr`` is ``(runs,)`` for this step, ``momentum`` an optional
``(runs,)`` override of ``momentum``/``betas[0]``.  Hyperparameters are Python scalars shared
by the batch, and so is the step count.
"""

from __future__ import annotations

from lrsched.errors import SpecError
from lrsched.suggest import unknown
from lrsched.optim._base import OptimizerDef, export_state, import_states
from lrsched.optim.adadelta import ADADELTA
from lrsched.optim.adagrad import ADAGRAD
from lrsched.optim.adam import ADAM, ADAMW
from lrsched.optim.adamax import ADAMAX
from lrsched.optim.nadam import NADAM
from lrsched.optim.radam import RADAM
from lrsched.optim.rmsprop import RMSPROP
from lrsched.optim.sgd import SGD

__all__ = ["OPTIMIZERS", "OptimizerDef", "get_optimizer", "export_state",
           "import_states"]

OPTIMIZERS: dict[str, OptimizerDef] = {
    d.name: d for d in (ADAM, ADAMW, RADAM, SGD, NADAM, RMSPROP, ADAGRAD, ADAMAX, ADADELTA)
}

_BY_LOWER = {name.lower(): d for name, d in OPTIMIZERS.items()}


def get_optimizer(name: str, *, key: str = "optimizer.type") -> OptimizerDef:
    """The definition for a torch class name, case-insensitively (``adamw`` -> AdamW).

    Raises SpecError suggesting the closest name when it is not one.
    """
    found = _BY_LOWER.get(str(name).lower())
    if found is None:
        raise SpecError(unknown("optimizer", name, OPTIMIZERS), key=key)
    return found
