"""The rules of ARCHITECTURE.md that a reader cannot see at a glance, checked on the source:
no import cycle between lrsched's modules (lazy imports inside functions count too), and no
private name imported from another module."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "lrsched"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path):
    """(imported module, names taken from it, line) for every import in ``path``, anywhere."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = tuple(a.name for a in node.names)
            # `from lrsched.schedules import cyclic` imports the module lrsched.schedules.cyclic
            yield base, names, node.lineno
            for name in names:
                if (PACKAGE.parent / Path(*f"{base}.{name}".split("."))).with_suffix(".py").exists():
                    yield f"{base}.{name}", (), node.lineno


def graph() -> dict:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        edges[name] = {m for m, _, _ in imports(path) if m in modules and m != name}
    return edges


def test_no_import_cycles():
    edges = graph()
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    # a package's __init__ re-exporting its own modules is not a cycle of two jobs
    cycles = [c for c in cycles if not all(part.startswith(c.split(" -> ")[0]) for part in c.split(" -> "))]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_private_name_crosses_a_module():
    crossing = []
    for path in PACKAGE.rglob("*.py"):
        own = module_name(path)
        for module, names, line in imports(path):
            if not module.startswith("lrsched") or module == own:
                continue
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    crossing.append(f"{path.relative_to(ROOT)}:{line} imports {name} from {module}")
            # a private module (optim/_kernels.py) is its own package's business
            package, _, last = module.rpartition(".")
            if last.startswith("_") and not last.startswith("__") and own != package and not own.startswith(package + "."):
                crossing.append(f"{path.relative_to(ROOT)}:{line} imports the private module {module}")
    assert not crossing, "\n".join(crossing)


def test_the_library_never_imports_the_command_line():
    """Imports run one way: cli -> commands -> the library.  Nothing below imports upward."""
    upward = []
    for path in PACKAGE.rglob("*.py"):
        own = module_name(path)
        if own.startswith(("lrsched.commands", "lrsched.cli", "lrsched.__main__")):
            continue
        for module, _, line in imports(path):
            if module.startswith(("lrsched.commands", "lrsched.cli")):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not upward, "\n".join(upward)
