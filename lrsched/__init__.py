"""lrsched: PyTorch learning-rate schedules and optimizers, computed exactly in NumPy.

The library face (:mod:`lrsched.api`) for notebooks and scripts: :func:`schedule`,
:func:`all_schedules`, :func:`lr_table`, :func:`run_simulation`; underneath, :func:`load_spec`
(validate a spec) and :func:`compute` (its arrays).  Every error is an
:class:`LrschedError`: a :class:`SpecError` for bad input, naming the key (and the file and
line of a YAML spec), a :class:`RunError` for a failure at run time.

>>> import lrsched
>>> doc = lrsched.load_spec({"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "step_size": 1}})
>>> [s.name for s in doc.schedules]
['schedule']
>>> lrsched.compute(doc.schedules[0]).lr[:, 0].tolist()
[0.1, 0.010000000000000002, 0.0010000000000000002]
>>> try:
...     lrsched.schedule({"lr": 0.1, "epochs": 3, "scheduler": {"type": "StepLR", "gama": 0.5}})
... except lrsched.SpecError as error:
...     print(error.key, "|", error.message, "|", isinstance(error, lrsched.LrschedError))
scheduler.gama | unknown keyword 'gama' for StepLR; did you mean 'gamma'? valid: step_size, gamma, last_epoch | True
>>> issubclass(lrsched.RunError, lrsched.LrschedError), lrsched.RunError.exit_code
(True, 1)
"""

__version__ = "0.1.0"

__all__ = ["__version__", "compute", "load_spec", "lr_table", "ScheduleResult",
           "LrschedError", "SpecError", "RunError",
           "schedule", "all_schedules", "Schedule", "run_simulation", "Simulation"]

# Each public name and the module that defines it, imported on first use (PEP 562): `import
# lrsched`, `lrsched.__version__` and `lrsched --help` do not pay for NumPy.  No function
# here is named like a subpackage (`schedules`, `simulate`): importing a subpackage sets it
# as an attribute of this module, so a lazy name would be the package or the function
# depending on what was imported first.  Hence `all_schedules` and `run_simulation`.
_HOMES = {
    "compute": "lrsched.engine",
    "lr_table": "lrsched.api",
    "schedule": "lrsched.api",
    "all_schedules": "lrsched.api",
    "Schedule": "lrsched.api",
    "run_simulation": "lrsched.api",
    "Simulation": "lrsched.api",
    "ScheduleResult": "lrsched.engine",
    "load_spec": "lrsched.spec",
    "LrschedError": "lrsched.errors",
    "SpecError": "lrsched.errors",
    "RunError": "lrsched.errors",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value   # once is enough: later lookups never reach __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
