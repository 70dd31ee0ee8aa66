"""Domain errors.  The library raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class LrschedError(Exception):
    """Base of every error lrsched raises on purpose."""

    exit_code = 1


class SpecError(LrschedError):
    """Bad input: a spec, a flag or a file the user gave.  Exit code 2.

    Carries where the problem is: ``file`` (path or ``<stdin>``/``<spec>``), ``line`` and
    ``column`` (1-based, when the YAML has them) and the dotted ``key``
    (``scheduler.step_size``, ``schedules[1].scheduler.gamma``).
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.key = key

    def located(self, *, file: str | None = None, line: int | None = None,
                column: int | None = None, key: str | None = None) -> "SpecError":
        """Fill in whatever location this error does not know yet; returns self."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line, self.column = line, column
        if self.key is None:
            self.key = key
        return self

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.key) if p]
        return ": ".join(parts + [self.message])


class UsageError(SpecError):
    """A bad command-line value (flag) rather than a bad spec; exit code 2."""


class RunError(LrschedError):
    """A runtime failure the user did not cause by a bad spec (cannot write, diverged with --strict)."""

    exit_code = 1
