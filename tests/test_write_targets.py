"""Writing a file the user named never destroys what is there (lrsched/io/output.py): every
command that writes (`table -o`, `plot -o`, `simulate -o`, `simulate --save-state`) against a
matrix of targets made in a temporary folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest

from conftest import ROOT, run_cli

SPEC = "lr: 0.1\nepochs: 4\nscheduler: {type: StepLR, step_size: 2}\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def writes(kind: str, spec: str, target: str) -> list:
    """The command line that makes ``kind`` write ``target``."""
    small = ["--size", "2x1.5", "--dpi", "40"]
    return {
        "table": ["table", spec, "-f", "csv", "-o", target],
        "plot": ["plot", spec, "-o", target, *small],
        "simulate": ["simulate", "rosenbrock", "--steps", "3", "-O", "sgd", "-f", "json", "-o", target, *small],
        "save-state": ["simulate", "rosenbrock", "--steps", "3", "-O", "sgd", "-f", "json",
                       "--save-state", target],
    }[kind]


def name_for(kind: str) -> str:
    return {"table": "out.csv", "plot": "out.png", "simulate": "out.png", "save-state": "state.json"}[kind]


def check_content(kind: str, data: bytes) -> None:
    if kind in ("plot", "simulate"):
        assert data.startswith(b"\x89PNG\r\n"), data[:16]
    elif kind == "table":
        assert data.startswith(b"schedule,epoch,step,group,lr,momentum\n")
    else:
        assert data.lstrip().startswith(b"{")


def leftovers(folder) -> list:
    return [p for p in os.listdir(folder) if p.endswith(".tmp")]


KINDS = ("table", "plot", "simulate", "save-state")


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return str(path)


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_file_gets_the_usual_permissions(kind, spec, tmp_path):
    target = tmp_path / "out" / name_for(kind)
    target.parent.mkdir()
    old = os.umask(0o022)
    try:
        run = run_cli(*writes(kind, spec, str(target)))
    finally:
        os.umask(old)
    assert run.code == 0, run
    check_content(kind, target.read_bytes())
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
@pytest.mark.parametrize("kind", KINDS)
def test_an_existing_file_keeps_its_permission_bits(kind, mode, spec, tmp_path):
    target = tmp_path / name_for(kind)
    target.write_bytes(b"old")
    target.chmod(mode)
    run = run_cli(*writes(kind, spec, str(target)))
    assert run.code == 0, run
    check_content(kind, target.read_bytes())
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_symlink_is_followed_and_stays(kind, spec, tmp_path):
    real = tmp_path / "real" / name_for(kind)
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / ("link-" + name_for(kind))
    link.symlink_to(real)
    run = run_cli(*writes(kind, spec, str(link)))
    assert run.code == 0, run
    assert link.is_symlink() and os.readlink(link) == str(real)
    check_content(kind, real.read_bytes())
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_dangling_symlink_gets_its_target_written(kind, spec, tmp_path):
    real = tmp_path / name_for(kind)
    link = tmp_path / ("link-" + name_for(kind))
    link.symlink_to(real)
    run = run_cli(*writes(kind, spec, str(link)))
    assert run.code == 0, run
    assert link.is_symlink()
    check_content(kind, real.read_bytes())


@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_is_written_in_place(kind, spec, tmp_path):
    fifo = tmp_path / name_for(kind)
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    run = run_cli(*writes(kind, spec, str(fifo)))
    reader.join(timeout=30)
    assert run.code == 0, run
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    check_content(kind, received[0])
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not IS_ROOT, reason="mknod of a character device needs root")
@pytest.mark.parametrize("kind", KINDS)
def test_a_device_is_written_in_place_never_replaced(kind, spec, tmp_path):
    null = tmp_path / name_for(kind)
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))   # the device /dev/null is
    run = run_cli(*writes(kind, spec, str(null)))
    assert run.code == 0, run
    assert stat.S_ISCHR(os.lstat(null).st_mode) and os.lstat(null).st_rdev == os.makedev(1, 3)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_folder_is_refused_untouched(kind, spec, tmp_path):
    folder = tmp_path / name_for(kind)
    folder.mkdir()
    (folder / "keep").write_text("x")
    run = run_cli(*writes(kind, spec, str(folder)))
    assert run.code == 1, run
    assert run.err == f"error: cannot write {folder}: it is a folder\n"
    assert os.listdir(folder) == ["keep"] and leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_path_under_a_file_says_it_is_not_a_folder(kind, spec, tmp_path):
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / name_for(kind)
    run = run_cli(*writes(kind, spec, str(target)))
    assert run.code == 1, run
    assert run.err == f"error: cannot write {target}: {tmp_path / 'afile'} is not a folder\n"


@pytest.mark.parametrize("kind", KINDS)
def test_a_read_only_folder(kind, spec, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / name_for(kind)
    try:
        run = run_cli(*writes(kind, spec, str(target)))
        if os.access(folder, os.W_OK):      # root may write anyway: then it is a normal write
            assert run.code == 0, run
            check_content(kind, target.read_bytes())
        else:
            assert run.code == 1, run
            assert run.err == f"error: cannot write {target}: Permission denied\n"
            assert not target.exists()
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_temporary_file_is_removed_by_the_next_write(kind, spec, tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)           # that process has ended
    name = name_for(kind)
    stale = tmp_path / f".{name}.lrsched-{dead_pid}-abc123.tmp"
    stale.write_bytes(b"half")
    live = tmp_path / f".{name}.lrsched-{os.getppid()}-def456.tmp"   # a running process's
    live.write_bytes(b"busy")
    other = tmp_path / f".other.csv.lrsched-{dead_pid}-ghi789.tmp"   # another target's
    other.write_bytes(b"half")
    run = run_cli(*writes(kind, spec, str(tmp_path / name)))
    assert run.code == 0, run
    assert not stale.exists()
    assert live.exists() and other.exists()


def test_dev_stdout_writes_to_standard_output(spec):
    proc = subprocess.run([sys.executable, "-m", "lrsched", "table", spec, "-f", "csv", "-o", "/dev/stdout"],
                          capture_output=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"schedule,epoch,step,group,lr,momentum\n")
    assert proc.stdout.count(b"\n") == 5


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["list"], ["list", "Adam"], ["table", "configs/steplr.yaml"],
                                  ["simulate", "rosenbrock", "--steps", "3"]])
def test_a_full_standard_output_is_a_plain_error(args):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "lrsched", *args], stdout=full, stderr=subprocess.PIPE,
                              cwd=ROOT, text=True)
    assert proc.returncode == 1
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("kind", KINDS)
def test_every_command_says_wrote_path_on_stderr(kind, spec, tmp_path):
    target = tmp_path / name_for(kind)
    run = run_cli(*writes(kind, spec, str(target)))
    assert run.code == 0, run
    what = " (the state of 1 run)" if kind == "save-state" else ""
    assert run.err.splitlines()[-1] == f"wrote {target}{what}"
    if kind in ("table", "plot"):
        assert run.out == ""          # stdout carries data only
