import importlib.util
import inspect
import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent

# --- tests that need a live torch (or another library on top of it) -------------------------
# They take the `torch` fixture (or, in older spelling, call pytest.importorskip("torch"));
# either way they carry the `torch` marker, so `pytest -m torch` selects every one of them.
# Tests that need another library take its fixture (`transformers`, `timm`) and carry its
# marker.  Without the library they are skipped; with LRSCHED_REQUIRE_TORCH=1 (CI, after
# installing them) a skipped test of any of these markers is a failure, and so is any version
# but the one the golden data is from.
TORCH_VERSION = "2.13.0"
LIBRARY_VERSIONS = {"transformers": "5.24.0", "timm": "1.0.31"}
LIBRARY_MARKERS = ("torch", *LIBRARY_VERSIONS)
REQUIRE_TORCH = os.environ.get("LRSCHED_REQUIRE_TORCH", "") not in ("", "0")


def _imports_torch_itself(item) -> bool:
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        return False
    return 'importorskip("torch")' in source or "importorskip('torch')" in source


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "torch" in names or _imports_torch_itself(item):
            item.add_marker(pytest.mark.torch)
        for library in LIBRARY_VERSIONS:
            if library in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, library))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_TORCH and report.skipped and any(item.get_closest_marker(m) for m in LIBRARY_MARKERS):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"LRSCHED_REQUIRE_TORCH=1 and this library test was skipped: {reason}"


@pytest.fixture(scope="session")
def torch():
    """The torch module (``TORCH_VERSION``), or a skip when it is not installed."""
    module = pytest.importorskip("torch")
    if REQUIRE_TORCH:
        assert module.__version__.split("+")[0] == TORCH_VERSION, module.__version__
    module.set_num_threads(1)
    return module


@pytest.fixture(scope="session")
def transformers(torch):
    """The transformers module (``LIBRARY_VERSIONS``), or a skip when it is not installed."""
    module = pytest.importorskip("transformers")
    if REQUIRE_TORCH:
        assert module.__version__ == LIBRARY_VERSIONS["transformers"], module.__version__
    return module


@pytest.fixture(scope="session")
def timm(torch):
    """``timm.scheduler`` of timm 1.0.31, or a skip when timm is not installed.  It is loaded
    through a stub ``timm`` package (NUMERICS.md): ``import timm`` itself fails next to the CPU
    torch, but the schedulers need only torch."""
    import importlib.metadata
    import types

    if "timm" not in sys.modules:
        found = importlib.util.find_spec("timm")
        if found is None:
            pytest.skip("timm is not installed (pip install --no-deps timm==1.0.31)")
        stub = types.ModuleType("timm")
        stub.__path__ = list(found.submodule_search_locations)
        sys.modules["timm"] = stub
    if REQUIRE_TORCH:
        version = importlib.metadata.version("timm")
        assert version == LIBRARY_VERSIONS["timm"], version
    return importlib.import_module("timm.scheduler")


def load_generator(name: str):
    """tests/golden/NAME.py as a module (it imports torch: use with the `torch` fixture)."""
    spec = importlib.util.spec_from_file_location(f"golden_{name}", GOLDEN / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def load_golden(name: str) -> dict:
    """The golden data file tests/golden/NAME (written by the generators beside it), read
    once per session: callers share the parsed document and must not change it."""
    return json.loads((GOLDEN / name).read_text())


# --- running the CLI -------------------------------------------------------------------------
STEP = "lr: 0.1\nepochs: 3\nscheduler: {type: StepLR, step_size: 1}\n"
STEP_OUT = ("lr of epoch 0 => [0.1]\nlr of epoch 1 => [0.010000000000000002]\n"
            "lr of epoch 2 => [0.0010000000000000002]\n")
LONG = "lr: 0.1\nscheduler: {type: StepLR, step_size: 1000, gamma: 0.99}\n"   # any --epochs


def one_error_line(run, code: int) -> str:
    """The run failed with ``code`` and said so in exactly one `error:` line; returns it."""
    assert run.code == code, run
    assert "Traceback" not in run.err, run.err
    lines = run.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    return lines[0]


def lrsched_process(*args, **kwargs) -> subprocess.Popen:
    """``python -m lrsched ARGS`` in a process of its own (for pipes, signals, real stdin)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), LRSCHED_DEBUG="")
    env.pop("LRSCHED_MEMORY_LIMIT", None)
    return subprocess.Popen([sys.executable, "-m", "lrsched", *map(str, args)], env=env, **kwargs)


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
