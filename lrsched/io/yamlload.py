"""YAML text -> plain Python data plus the line of every key, safely.

PyYAML's safe loader composes the node graph; this module builds the Python values itself
so that it can (a) remember where each value came from, (b) refuse duplicate keys (PyYAML
silently keeps the last), (c) refuse every tag outside plain YAML (``!!python/...``),
(d) read ``1e-3`` as the number users mean (YAML 1.1 reads it as a string), and (e) refuse
alias bombs quickly instead of expanding them, (f) read tabs the way the user's editor
shows them (PyYAML refuses every tab outside quotes), and (g) refuse nesting deep enough to
exhaust the interpreter's stack, all with the line of the problem.
"""

from __future__ import annotations

import codecs
import re
from contextlib import contextmanager
from lrsched.records import dataclass, field

import yaml

from lrsched.errors import SpecError
from lrsched.suggest import printable
from lrsched.io.yamltabs import LINE_BREAKS, TAB_WIDTHS, detab, first_indented_with_tab, lines

Path = tuple  # of str keys and int indices

MAX_ALIAS_EXPANSION = 100_000   # nodes reached through aliases in one document
MAX_DEPTH = 64                  # nested mappings/lists (PyYAML's composer recurses per level)
MAX_SPEC_BYTES = 16 * 2 ** 20   # a spec is text a person wrote; `yes | lrsched table -` is not

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null")}
# YAML 1.2's float forms that YAML 1.1 (PyYAML) leaves as strings: 1e-3, 1E4, -2e+5, .5e3
_EXP_FLOAT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


class ExpFloat(float):
    """A number written in exponent form (``1e4``); accepted where an integer is expected."""


@dataclass
class Document:
    """Loaded YAML: the data, and the (line, column) of every path, 1-based."""

    data: object
    file: str
    marks: dict = field(default_factory=dict)

    def line(self, path: Path) -> tuple[int | None, int | None]:
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))


def read_source(stream, file: str) -> str:
    """A spec's text from an open file or stdin (binary or text), at most MAX_SPEC_BYTES,
    decoded as UTF-8 (or UTF-16/32 when a byte-order mark says so)."""
    data = stream.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"is too large for a spec (more than {MAX_SPEC_BYTES // 2 ** 20} MB)", file=file)
    return data if isinstance(data, str) else decode_source(data, file)


def decode_source(raw: bytes, file: str) -> str:
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                break   # not really UTF-16/32: report it as not UTF-8 below
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecError(f"is not UTF-8 text (byte {exc.start}: 0x{raw[exc.start]:02x}); save it as UTF-8",
                        file=file, line=line) from None


def load_yaml(text: str, file: str) -> Document:
    """Parse one YAML document; raise :class:`SpecError` with a location on any problem."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise SpecError("the file is empty; expected a mapping such as `scheduler: {type: StepLR, step_size: 3}`",
                        file=file)
    try:
        node = _compose(text, file)
    except _SyntaxError as exc:
        if "\t" not in text:
            raise
        return _load_tabbed(text, file, exc)
    return _build(node, file)


def _load_tabbed(text: str, file: str, first: SpecError) -> Document:
    """The document ``text`` means, its tabs made spaces at each common tab width: if every
    width that gives valid YAML gives the same document, that is what the user meant; if they
    differ (tabs mixed with spaces so that the nesting depends on the width), the file is
    ambiguous and refused."""
    found: dict = {}
    failures = []
    for width in TAB_WIDTHS:
        try:
            doc = _build(_compose(detab(text, width), file), file)
        except _SyntaxError as exc:
            failures.append(exc)
            continue
        found.setdefault(repr(doc.data), doc)
    if not found:
        tab_error = "'\\t'" in first.message
        raise (failures[TAB_WIDTHS.index(4)] if tab_error else first)
    if len(found) > 1:
        raise SpecError("indentation mixes tabs and spaces, so its nesting depends on the tab width; "
                        "indent with spaces only", file=file, line=first_indented_with_tab(text))
    return next(iter(found.values()))


def _build(node, file: str) -> Document:
    if node is None:
        raise SpecError("the file is empty (only comments); expected a mapping such as "
                        "`scheduler: {type: StepLR, step_size: 3}`", file=file)
    builder = _Builder(file)
    data = builder.build(node, (), via_alias=False)
    return Document(data, file, builder.marks)


class _SyntaxError(SpecError):
    """Text PyYAML cannot read (as opposed to YAML lrsched refuses)."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with a nesting limit: its composer recurses once per level, and
    ``[[[[...]]]]`` a few hundred deep would end in RecursionError."""

    depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _compose(text: str, file: str):
    """PyYAML's node graph of the one document in ``text``."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        # a control character PyYAML refuses (NUL, ESC...): name it and its line
        line = _line_of(text, exc.position)
        raise _SyntaxError(f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML text",
                           file=file, line=line) from None
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        hint = ""
        if line and "lambda" in lines(text)[line - 1]:
            # `{lr_lambda: lambda epoch: ...}`: the expression's own colon ends the YAML value
            hint = ('; quote the expression, e.g. lr_lambda: "lambda epoch: 0.9 ** epoch"')
        raise _SyntaxError(f"invalid YAML: {_problem(exc)}{hint}", file=file, line=line, column=col) from None
    except yaml.YAMLError as exc:
        raise _SyntaxError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:   # pragma: no cover - MAX_DEPTH stops nesting first
        raise _SyntaxError("invalid YAML: nested too deeply", file=file) from None
    finally:
        loader.dispose()


def _problem(exc) -> str:
    """PyYAML's problem, with its context when the problem alone says nothing
    ("but found another document", "second occurrence")."""
    problem, context = exc.problem or "", exc.context or ""
    if "first occurrence" in context and exc.context_mark is not None:
        return context.replace("; first occurrence", f" (first on line {exc.context_mark.line + 1})")
    if context and (not problem or problem.startswith("but ")):
        return f"{context}, {problem}" if problem else context
    return problem or "invalid YAML"


def _line_of(text: str, position: int) -> int:
    return 1 + sum(text.count(b, 0, position) for b in LINE_BREAKS) - text.count("\r\n", 0, position)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.marks: dict = {}
        self.expanded = 0
        self.seen: dict[int, int] = {}
        self.open: set[int] = set()      # collections being built: an alias to one is a cycle
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node, message: str, path: Path):
        raise SpecError(message, file=self.file, line=node.start_mark.line + 1,
                        column=node.start_mark.column + 1, key=dotted(path) or None)

    def build(self, node, path: Path, via_alias: bool):
        # An alias shares its node object with the anchor; a node met a second time is an
        # alias expansion, and each expansion counts, so nested aliases (the "billion laughs")
        # hit the limit long before they cost memory.
        if id(node) in self.seen or via_alias:
            self.expanded += 1
            via_alias = True
            if self.expanded > MAX_ALIAS_EXPANSION:
                self.fail(node, f"too many alias expansions (more than {MAX_ALIAS_EXPANSION}); "
                                "is this an alias bomb?", ())
        self.seen[id(node)] = 1
        if len(path) > MAX_DEPTH:
            self.fail(node, f"nested more than {MAX_DEPTH} levels deep (through aliases)", path)
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _STD + "seq":
                self.fail(node, f"YAML tag {node.tag!r} is not allowed (only plain YAML values)", path)
            with self.entered(node, path):
                return [self.build(item, path + (i,), via_alias) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _STD + "map":
                self.fail(node, f"YAML tag {node.tag!r} is not allowed (only plain YAML values)", path)
            with self.entered(node, path):
                return self.mapping(node, path, via_alias)
        self.fail(node, "unsupported YAML node", path)  # pragma: no cover

    @contextmanager
    def entered(self, node, path: Path):
        if id(node) in self.open:
            self.fail(node, "an alias refers to a mapping or list that contains it "
                            "(a recursive structure)", path)
        self.open.add(id(node))
        try:
            yield
        finally:
            self.open.discard(id(node))

    def scalar(self, node, path: Path):
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            if tag == _STD + "timestamp":
                return node.value  # a date means nothing to us; let type checks name it
            self.fail(node, f"YAML tag {tag!r} is not allowed (only plain YAML values)", path)
        if tag == _STD + "str":
            if node.style is None and _EXP_FLOAT.match(node.value):
                return ExpFloat(node.value)
            return node.value
        try:
            return {
                _STD + "int": self.constructor.construct_yaml_int,
                _STD + "float": self.constructor.construct_yaml_float,
                _STD + "bool": self.constructor.construct_yaml_bool,
                _STD + "null": self.constructor.construct_yaml_null,
            }[tag](node)
        except (ValueError, OverflowError) as exc:  # pragma: no cover - resolver guards this
            self.fail(node, f"bad value {node.value!r}: {exc}", path)

    def mapping(self, node, path: Path, via_alias: bool) -> dict:
        result: dict = {}
        merged: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    value = self.build(src, path, True)
                    if not isinstance(value, dict):
                        self.fail(src, "a merge key (<<) needs a mapping", path)
                    for k, v in value.items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "mapping keys must be plain names", path)
            key = self.scalar(key_node, path)
            if isinstance(key, float) or key is None or isinstance(key, bool):
                key = key_node.value
            if key in result:
                first = self.marks.get(path + (key,), (None,))[0]
                self.fail(key_node, f"duplicate key '{key}' (first given on line {first})", path + (key,))
            self.marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, path + (key,), via_alias)
        for k, v in merged.items():
            result.setdefault(k, v)
        return result


def dotted(path: Path) -> str:
    """``schedules[1].scheduler.gamma``: a key path as messages name it, control characters
    escaped so that the message stays on one line."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + printable(p)
    return out


