import json
from functools import lru_cache
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent


@lru_cache(maxsize=None)
def load_golden(name: str) -> dict:
    """The golden data file tests/golden/NAME (written by the generators beside it), read
    once per session: callers share the parsed document and must not change it."""
    return json.loads((GOLDEN / name).read_text())


class Run:
    """What one CLI invocation did."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Run(code={self.code}, out={self.out[:300]!r}, err={self.err[:300]!r})"


def run_cli(*args, stdin: str | None = None) -> Run:
    """Run ``lrsched ARGS`` in this process through the real entry point (error boundary
    included) and capture its exit code, stdout and stderr."""
    import contextlib
    import io
    import sys

    from lrsched.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(map(str, args)))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = old_stdin
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def write_spec(tmp_path):
    """Write YAML text to a file and return its path (as a string)."""
    counter = iter(range(10_000))

    def write(text: str, name: str | None = None) -> str:
        path = tmp_path / (name or f"spec{next(counter)}.yaml")
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
