"""lrsched: PyTorch learning-rate schedules and optimizers, computed exactly in NumPy."""

__version__ = "0.1.0"

from lrsched.engine import ScheduleResult, compute, lr_table  # noqa: E402
from lrsched.errors import LrschedError, RunError, SpecError  # noqa: E402
from lrsched.spec import load_spec  # noqa: E402

__all__ = ["__version__", "compute", "load_spec", "lr_table", "ScheduleResult",
           "LrschedError", "SpecError", "RunError"]
