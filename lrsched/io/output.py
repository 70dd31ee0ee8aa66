"""Writing output files atomically: a temporary file beside the target, renamed over it only
once complete, so an interrupted or failed run never leaves a half-written file and never
clobbers the previous one."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

from lrsched.errors import RunError


@contextmanager
def atomic_open(path: str, mode: str = "w", **kwargs):
    """Open a temporary file in ``path``'s folder; on success rename it to ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        shown = os.path.dirname(path) or "."
        if os.path.exists(folder):
            raise RunError(f"cannot write {path}: {shown} is not a folder")
        raise RunError(f"cannot write {path}: folder {shown} does not exist")
    if os.path.isdir(path):
        raise RunError(f"cannot write {path}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lrsched-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
