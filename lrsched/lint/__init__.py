"""``lrsched lint``: the schedule mistakes that cost training runs (SPEC.md section 6).

Rules are data (:data:`RULES`, in :mod:`lrsched.lint.rules`): a name, a severity, and a
check from a computed schedule (:class:`Run`: the spec, its arrays, its units) to findings.
What a rule needs to know of a scheduler (its horizon, its peak, whether it sets the lr
outright...) the scheduler's definition declares (:class:`~lrsched.schedules.registry.Facts`),
so a new scheduler is linted like the others.

>>> import lrsched
>>> spec = {"lr": 0.1, "epochs": 30, "scheduler": {"type": "CosineAnnealingLR", "T_max": 10}}
>>> [(f.rule, f.rows) for f in lint(lrsched.load_spec(spec))]
[('rises-after-horizon', (11, 29)), ('horizon-before-end', (11, 29))]
"""

from __future__ import annotations

from lrsched.lint.rules import RULES, SEVERITIES, Finding, Run, rule_names

__all__ = ["lint", "lint_schedule", "Finding", "RULES", "SEVERITIES", "rule_names", "Run", "exit_code"]


def lint_schedule(schedule, result=None, *, ignore=(), several: bool = False) -> list[Finding]:
    """The findings of one :class:`~lrsched.spec.ScheduleSpec` (``result``: its computed
    :class:`~lrsched.engine.ScheduleResult`, computed here when not given), in rule order,
    without the rules named in ``ignore`` (``several``: its file has several schedules, so
    each message starts with its name)."""
    if result is None:
        from lrsched.engine import compute

        result = compute(schedule)
    run = Run(schedule, result, several)
    found = []
    for rule in RULES:
        if rule.name in ignore:
            continue
        found.extend(rule.findings(run))
    return found


def lint(document, results=None, *, ignore=()) -> list[Finding]:
    """The findings of every schedule of a :class:`~lrsched.spec.SpecDocument` (``results``:
    their computed results, in order, when already at hand)."""
    found = []
    for i, schedule in enumerate(document.schedules):
        found.extend(lint_schedule(schedule, None if results is None else results[i], ignore=ignore,
                                   several=len(document.schedules) > 1))
    return found


def exit_code(findings) -> int:
    """0 when no finding is a warning or an error (infos allowed), else 1."""
    return 1 if any(f.severity in ("error", "warning") for f in findings) else 0
