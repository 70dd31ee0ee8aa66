"""torch optimizers on 2-D test functions, exactly, many runs as one batch of NumPy arrays.

:mod:`~lrsched.simulate.results` holds the records (a run's configuration, its saved state,
the result), :mod:`~lrsched.simulate.runner` runs them, and :mod:`~lrsched.simulate.schedule`
lets a schedule spec's scheduler drive every run's lr (and momentum) through the engine.
State files are :mod:`lrsched.io.state`; simulation files :mod:`lrsched.io.simulation`.
"""

from lrsched.simulate.results import (
    SCHEDULER_GROUP_KEYS, THRESHOLDS, RunConfig, RunState, RunSummary, SimulationResult,
)
from lrsched.simulate.runner import PROGRESS_EVERY, resume_configs, run_grid, simulate

__all__ = ["RunConfig", "RunState", "RunSummary", "SimulationResult", "simulate", "run_grid",
           "resume_configs", "THRESHOLDS", "SCHEDULER_GROUP_KEYS", "PROGRESS_EVERY"]
