"""lrsched: PyTorch learning-rate schedules and optimizers, computed exactly in NumPy."""

__version__ = "0.1.0"

__all__ = ["__version__", "compute", "load_spec", "lr_table", "ScheduleResult",
           "LrschedError", "SpecError", "RunError"]

# Each public name and the module that defines it, imported on first use (PEP 562): `import
# lrsched`, `lrsched.__version__` and `lrsched --help` do not pay for NumPy.
_HOMES = {
    "compute": "lrsched.engine",
    "lr_table": "lrsched.engine",
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
