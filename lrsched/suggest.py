"""The one 'did you mean ...?' of lrsched: misspelt keys, keywords, schedulers, optimizers,
test functions and schedule names are all answered by :func:`closest`, and worded by
:func:`did_you_mean` and :func:`unknown`."""

from __future__ import annotations

from typing import Iterable


def _distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: edits, with a swap of neighbours counting as one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def closest(word, options: Iterable[str]) -> str | None:
    """The option ``word`` most likely meant (case-insensitive), or None when nothing is close:
    the fewest edits (a swap of neighbours is one) when that is at most a third of the word,
    else difflib's best match above 0.6, else the one name the word begins (three letters
    at least)."""
    import difflib   # only on the error path

    options = [str(o) for o in options]
    if not options:
        return None
    w = str(word).lower()
    scored = sorted(options, key=lambda o: (_distance(w, o.lower()), -difflib.SequenceMatcher(None, w, o.lower()).ratio()))
    best = scored[0]
    if _distance(w, best.lower()) <= max(1, len(w) // 3):
        return best
    near = difflib.get_close_matches(w, [o.lower() for o in options], n=1, cutoff=0.6)
    if near:
        return next(o for o in options if o.lower() == near[0])
    started = [o for o in options if len(w) >= 3 and o.lower().startswith(w)]
    return started[0] if len(started) == 1 else None     # the start of one name (`start`)


def did_you_mean(word, options: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` or an empty string."""
    best = closest(word, options)
    return f"did you mean '{best}'? " if best else ""


def unknown(what: str, word, options: Iterable[str], *, owner: str | None = None,
            also: Iterable[str] = ()) -> str:
    """The message for a name that is not one of ``options``:
    ``unknown keyword 'betaz' for Adam; did you mean 'betas'? valid: lr, betas, ...``.
    ``also`` are further names that may be meant (and are listed) without being ``options``."""
    names = list(dict.fromkeys([str(o) for o in options] + [str(a) for a in also]))
    where = f" for {owner}" if owner else ""
    hint = printable(did_you_mean(word, names))
    return (f"unknown {what} '{printable(word)}'{where}; {hint}"
            f"valid: {', '.join(map(printable, names)) or 'none'}")


def printable(text) -> str:
    """``text`` with control characters escaped (``\\r``, ``\\x07``), so that a message
    naming it stays on one line."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
