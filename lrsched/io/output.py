"""The one place that decides how lrsched writes a file the user named (``-o``,
``--save-state``): never half-written, never destroying what is there.

- A new file or an existing regular file is written to a temporary file beside it
  (``.NAME.lrsched-PID-*.tmp``), renamed over it only once complete; an existing file keeps
  its permission bits (and owner, where the process may set it).
- A symlink is followed: its target is written (atomically), the link stays.
- Anything else that exists (a device such as ``/dev/null``, a FIFO, a socket, and the
  ``/dev/stdout`` family) is written directly: no temporary file, no rename, so nothing of
  the system's is ever replaced by a regular file.
- The temporary file is removed on every exit path Python sees; one left behind by a process
  that was killed outright (its PID is in the name) is removed by the next successful write
  of the same target.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager

from lrsched.errors import RunError

_DIRECT_PREFIXES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")   # the process's own streams


def check_writable(path: str) -> None:
    """RunError, before any work is done, when ``path`` cannot be written: its folder is
    missing or is not a folder, or ``path`` is a folder."""
    target = _target(path)
    if _direct(path, target):
        return
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        shown = os.path.dirname(path) or "."
        if os.path.exists(folder):
            raise RunError(f"cannot write {path}: {shown} is not a folder")
        raise RunError(f"cannot write {path}: folder {shown} does not exist")
    if os.path.isdir(target):
        raise RunError(f"cannot write {path}: it is a folder")


@contextmanager
def atomic_open(path: str, mode: str = "w", **kwargs):
    """A file object for ``path``, written as the module docstring says."""
    check_writable(path)
    target = _target(path)
    if _direct(path, target):
        try:
            fh = open(path, mode, **kwargs)
        except OSError as exc:
            raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None
        with _reported(path):
            with fh:
                yield fh
        return
    folder, name = os.path.split(os.path.abspath(target))
    try:
        existing = os.stat(target)
    except OSError:
        existing = None
    tmp = None
    try:           # one try from the temporary file's creation on: no signal slips between
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.lrsched-{os.getpid()}-", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise RunError(f"cannot write {path}: {exc.strerror}") from None
        with _reported(path):
            with os.fdopen(fd, mode, **kwargs) as fh:
                yield fh
            _keep_mode_and_owner(tmp, existing)
            os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            _remove(tmp)
        raise
    _remove_stale(folder, name)


def _target(path: str) -> str:
    """What writing ``path`` writes: the file at the end of its symlinks (a dangling link's
    target too), or ``path`` itself."""
    return os.path.realpath(path) if os.path.islink(path) else path


def _direct(path: str, target: str) -> bool:
    """Whether ``path`` is written in place: it exists and is not a regular file (or is one of
    the process's streams, such as /dev/stdout)."""
    if os.path.abspath(path).startswith(_DIRECT_PREFIXES) and os.path.exists(path):
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def _reported(path: str):
    """An OSError while writing ``path`` becomes a RunError naming it."""
    try:
        yield
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None


def _keep_mode_and_owner(tmp: str, existing) -> None:
    """The new file gets the replaced file's permission bits (and owner, where allowed), or
    the usual ones for a new file (0666 less the umask)."""
    if existing is None or not stat.S_ISREG(existing.st_mode):
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, existing.st_uid, existing.st_gid)
        except OSError:   # not ours to give away: the file is the writer's now
            pass


def _remove_stale(folder: str, name: str) -> None:
    """Remove temporary files of ``name`` left by lrsched processes that no longer run."""
    prefix = f".{name}.lrsched-"
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid = entry[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            _remove(os.path.join(folder, entry))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False   # this process has no other write of this target open
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True    # it exists, owned by someone else
    return True


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
