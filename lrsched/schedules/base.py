"""Transitional: the names other packages imported from here before the split of issue 9.
Import them from :mod:`lrsched.schedules`; this module goes once nothing imports it."""

from lrsched.schedules.registry import SchedulerDef
from lrsched.schedules.stepper import Groups, Trace

__all__ = ["Groups", "SchedulerDef", "Trace"]
