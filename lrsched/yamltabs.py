"""Tabs in YAML, read the way the user's editor shows them.

PyYAML refuses a tab anywhere outside quotes ("found character '\\t' that cannot start any
token"); people indent with tabs and separate with them (``lr:<TAB>0.1``).  Only loaded for a
file PyYAML refused and that holds a tab (start-up is part of the product).
"""

from __future__ import annotations

import re

from lrsched.errors import SpecError
from lrsched.yamlload import _LINE_BREAKS, Document, _build, _compose, _SyntaxError

TAB_WIDTHS = (2, 4, 8)   # the tab widths editors show; a tabbed spec must read alike in all


def load_tabbed(text: str, file: str, first: SpecError) -> Document:
    """The document ``text`` means, its tabs made spaces at each common tab width: if every width that gives valid YAML gives the same document,
    that is what the user meant; if they differ (tabs mixed with spaces so that the nesting
    depends on the width), the file is ambiguous and refused."""
    found: dict = {}
    failures = []
    for width in TAB_WIDTHS:
        try:
            doc = _build(_compose(_detab(text, width), file), file)
        except _SyntaxError as exc:
            failures.append(exc)
            continue
        found.setdefault(repr(doc.data), doc)
    if not found:
        tab_error = "'\\t'" in first.message
        raise (failures[TAB_WIDTHS.index(4)] if tab_error else first)
    if len(found) > 1:
        line = next((i for i, l in enumerate(_lines(text), 1) if "\t" in l[:len(l) - len(l.lstrip(" \t"))]),
                    None)
        raise SpecError("indentation mixes tabs and spaces, so its nesting depends on the tab width; "
                        "indent with spaces only", file=file, line=line)
    return next(iter(found.values()))


def _lines(text: str) -> list:
    return re.split("\r\n|[" + _LINE_BREAKS + "]", text)


def _detab(text: str, width: int) -> str:
    """``text`` with every tab outside quoted scalars and comments turned into spaces: to the
    next multiple of ``width`` in a line's indentation, one space elsewhere.  Line breaks are
    kept, so line numbers stay those of the file."""
    out = []
    quote = None          # the quote character of an open quoted scalar
    comment = False
    start = True          # still in the line's leading whitespace
    col = 0
    prev = "\n"
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch in _LINE_BREAKS:
            comment, start, col = False, True, 0
        elif quote == '"':
            if ch == "\\" and i < n and text[i] not in _LINE_BREAKS:
                out.append(ch)
                ch = text[i]
                i += 1
            elif ch == '"':
                quote = None
        elif quote == "'":
            if ch == "'":
                if i < n and text[i] == "'":
                    out.append(ch)
                    i += 1
                else:
                    quote = None
        elif comment:
            pass
        elif ch == "\t":
            ch = " " * (width - col % width) if start else " "
            col += len(ch)
        elif ch == " ":
            col += 1
        else:
            if ch == "#" and prev in " \t\n":
                comment = True
            elif ch in "'\"" and (start or prev in " \t[{,"):
                quote = ch
            start = False
        out.append(ch)
        prev = "\n" if ch in _LINE_BREAKS else ch[-1]
    return "".join(out)
