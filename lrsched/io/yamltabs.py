"""Tabs in YAML, as text: PyYAML refuses a tab anywhere outside quotes ("found character
'\\t' that cannot start any token"), while people indent with tabs and separate with them
(``lr:<TAB>0.1``).  :func:`detab` turns them into the spaces an editor shows;
:func:`lrsched.io.yamlload.load_yaml` reads a refused file at each common tab width with it."""

from __future__ import annotations

import re

LINE_BREAKS = "\n\r\x85\u2028\u2029"   # PyYAML's line breaks (for line numbers)
TAB_WIDTHS = (2, 4, 8)   # the tab widths editors show; a tabbed spec must read alike in all


def first_indented_with_tab(text: str) -> int | None:
    """The (1-based) number of the first line whose indentation holds a tab."""
    return next((i for i, line in enumerate(lines(text), 1)
                 if "\t" in line[:len(line) - len(line.lstrip(" \t"))]), None)


def lines(text: str) -> list:
    """``text`` split at YAML's line breaks."""
    return re.split("\r\n|[" + LINE_BREAKS + "]", text)


def detab(text: str, width: int) -> str:
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
        if ch in LINE_BREAKS:
            comment, start, col = False, True, 0
        elif quote == '"':
            if ch == "\\" and i < n and text[i] not in LINE_BREAKS:
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
        prev = "\n" if ch in LINE_BREAKS else ch[-1]
    return "".join(out)
