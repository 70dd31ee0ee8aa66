"""Size guards: refuse up front, with the numbers, a run whose arrays would not fit in memory.

:func:`check_memory` is the one entry point (spec epochs, ``--epochs``, the schedules of a
file together).  The estimate: :func:`estimated_bytes` (kept above the engine's measured peak
by a test); the budget: ``LRSCHED_MEMORY_LIMIT`` (bytes, or 512M, 8G...: decimal units, as
the messages print them) when set, else half of this machine's memory (the least of
physical RAM, the cgroup limit and RLIMIT_AS).
"""

from __future__ import annotations

import os
import re

from lrsched.errors import SpecError

# Size guard.  The engine holds a whole run in memory: the lr (and momentum) arrays plus the
# temporaries that compute them.  Measured peak (tracemalloc) over the registry's examples:
# 10-85 bytes per epoch with one param group, up to 145 with three (CyclicLR, SequentialLR);
# the estimate below stays 1.6x above that (a test checks every scheduler).
ENGINE_BYTES_PER_EPOCH = 96
ENGINE_BYTES_PER_GROUP_EPOCH = 48
MEMORY_LIMIT_ENV = "LRSCHED_MEMORY_LIMIT"     # bytes (or 512M, 8G...); default: half the RAM
_SURELY_FITS = 256 * 2 ** 20                   # below this, do not even ask the machine


def estimated_bytes(epochs: int, groups: int) -> int:
    """What the engine holds at its peak for one run of ``epochs`` x ``groups``."""
    return epochs * (ENGINE_BYTES_PER_EPOCH + ENGINE_BYTES_PER_GROUP_EPOCH * groups)


def check_memory(runs, unit: str = "epochs") -> None:
    """Refuse, before any array is allocated, runs (``(rows, param groups)`` pairs computed
    together) whose arrays would not fit in memory, with the size they would need
    (the machine is asked only when the runs are large).  ``unit`` names the rows in the
    message: ``epochs``, or ``updates`` for specs with training units."""
    if sum(estimated_bytes(epochs, groups) for epochs, groups in runs) > _SURELY_FITS:
        refuse_beyond_memory(runs, unit)


def refuse_beyond_memory(runs, unit: str = "epochs") -> None:
    """SpecError (no location) when ``runs`` (``(rows, param groups)`` pairs computed
    together) need more than :func:`memory_budget`, naming the size and what fits (rows
    called ``unit``)."""
    need = sum(estimated_bytes(epochs, groups) for epochs, groups in runs)
    budget, source = memory_budget()
    if need <= budget:
        return
    if len(runs) == 1:
        epochs, groups = runs[0]
        what = f"{epochs} {unit} x {groups} param group{'s' if groups != 1 else ''}"
        fit = f"at most {budget // estimated_bytes(1, groups)} {unit} fit"
    elif len({e for e, _ in runs}) == 1:
        what = f"{len(runs)} schedules x {runs[0][0]} {unit}"
        fit = f"at most {budget // sum(estimated_bytes(1, g) for _, g in runs)} {unit} each fit"
    else:
        what = f"{len(runs)} schedules of {', '.join(str(e) for e, _ in runs)} {unit}"
        fit = f"at most {100 * budget // need}% of that fits"
    raise SpecError(f"{what} need about {_size(need)} of memory; {fit} in {_size(budget)} "
                    f"({source})")


def _size(n: int) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n / 1e3:.1f} kB"


def memory_budget() -> tuple[int, str]:
    """Bytes a computation may take, and why: ``LRSCHED_MEMORY_LIMIT`` when set, else half
    of this machine's memory (the least of physical RAM, the cgroup limit and RLIMIT_AS)."""
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        found = _SIZE_FORM.match(text)
        if not found:
            raise SpecError(f"must be a size in bytes such as 2000000000, 512M or 8G, got {text!r}",
                            key=MEMORY_LIMIT_ENV)
        number, unit = found.groups()
        return int(float(number) * 1000 ** " KMGT".index((unit or " ").upper())), f"{MEMORY_LIMIT_ENV}={text}"
    return _machine_memory() // 2, f"half this machine's memory; {MEMORY_LIMIT_ENV} sets the limit"


_SIZE_FORM = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?$")


def _machine_memory() -> int:
    sizes = []
    try:
        sizes.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as fh:
                value = fh.read().strip()
        except OSError:
            continue
        if value.isdigit():
            sizes.append(int(value))
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            sizes.append(soft)
    except (ImportError, ValueError, OSError):
        pass
    sizes = [s for s in sizes if s > 0]
    return min(sizes) if sizes else 8 * 10 ** 9
