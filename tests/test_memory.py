"""Memory: long tables stream in bounded memory; the size guard refuses, up front and with the
numbers, schedules that do not fit (LRSCHED_MEMORY_LIMIT or half the machine), and its
estimate stays above what the engine allocates for every scheduler."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, one_error_line, run_cli
from lrsched.errors import SpecError


_MEASURE = """
import resource, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
size = 0
while True:
    block = proc.stdout.read(1 << 16)
    if not block:
        break
    size += len(block)
proc.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, size, proc.returncode)
"""


def peak_rss(*args) -> tuple[int, int]:
    """(peak RSS in bytes, bytes of stdout) of `lrsched ARGS`, measured by a parent of its own."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "lrsched", *map(str, args)],
                         capture_output=True, text=True, env=env, timeout=300, check=True).stdout.split()
    rss, size, code = map(int, out)
    assert code == 0
    return rss, size


def test_long_csv_streams_in_bounded_memory(write_spec):
    # A long schedule name is repeated on every CSV line: 300,000 rows are ~70 MB of text but
    # only ~13 MB of engine arrays (StepLR, one group), so text held in memory would show.
    name = "n" * 200
    spec = write_spec(f"name: {name}\nlr: 0.1\nscheduler: {{type: StepLR, step_size: 1000, gamma: 0.99}}\n")
    small, _ = peak_rss("table", spec, "--epochs", "10", "-f", "csv")
    big, size = peak_rss("table", spec, "--epochs", "300000", "-f", "csv")
    assert size > 300_000 * 200
    assert big - small < 40 * 2 ** 20, (big - small, size)


def test_epochs_beyond_memory_are_refused_up_front(write_spec, monkeypatch):
    import lrsched.commands.table as table_cmd

    def never(*args, **kwargs):
        raise AssertionError("the engine ran: the size guard is not up front")

    monkeypatch.setattr(table_cmd, "compute", never)
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    spec = write_spec("lr: 0.1\nepochs: 2000000000\nscheduler: {type: StepLR, step_size: 1}\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert line == (f"error: {spec}:2: epochs: 2000000000 epochs x 1 param group need about 288 GB of memory; "
                    f"at most 6944444 epochs fit in 1.0 GB (LRSCHED_MEMORY_LIMIT=1G)")
    assert 6944444 == 10 ** 9 // (96 + 48)


def test_epochs_flag_beyond_memory(monkeypatch):
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    line = one_error_line(run_cli("table", "--epochs", "2e9", "--schedule", "step"), 2)
    assert line.startswith("error: --epochs: 2000000000 epochs x 1 param group need about 288 GB of memory; at most")
    line = one_error_line(run_cli("table", "--epochs", "3e6"), 2)      # the 5 default schedules together
    assert line == ("error: --epochs: 5 schedules x 3000000 epochs need about 2.2 GB of memory; "
                    f"at most {10 ** 9 // (5 * 144)} epochs each fit in 1.0 GB (LRSCHED_MEMORY_LIMIT=1G)")
    line = one_error_line(run_cli("plot", "--epochs", "2e9"), 2)     # every command with --epochs
    assert line.startswith("error: --epochs: 2000000000 epochs x 1 param group need about 288 GB")


def test_schedules_of_one_file_must_fit_together(write_spec, monkeypatch):
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "1G")
    spec = write_spec("lr: 0.1\nschedules:\n  - {name: a, epochs: 5000000, scheduler: {type: StepLR, step_size: 1}}\n"
                      "  - {name: b, epochs: 6000000, scheduler: {type: StepLR, step_size: 2}}\n")
    line = one_error_line(run_cli("table", spec), 2)
    assert line.startswith(f"error: {spec}:4: schedules[1].epochs: 2 schedules of 5000000, 6000000 epochs need")


def test_machine_memory_is_the_default_budget(monkeypatch):
    from lrsched.limits import memory_budget

    monkeypatch.delenv("LRSCHED_MEMORY_LIMIT", raising=False)
    budget, why = memory_budget()
    assert 2 ** 26 < budget and "half this machine's memory" in why
    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "lots")
    line = one_error_line(run_cli("table", "--epochs", "1e9"), 2)
    assert line == "error: LRSCHED_MEMORY_LIMIT: must be a size in bytes such as 2000000000, 512M or 8G, got 'lots'"


def test_library_override_is_checked(monkeypatch):
    from lrsched.spec import load_spec

    monkeypatch.setenv("LRSCHED_MEMORY_LIMIT", "100M")
    schedule = load_spec({"lr": 0.1, "scheduler": {"type": "StepLR", "step_size": 1}}).schedules[0]
    assert schedule.with_epochs(1000).epochs == 1000
    with pytest.raises(SpecError, match=r"^epochs: 10000000 epochs x 1 param group need about 1.4 GB"):
        schedule.with_epochs(10_000_000)
    with pytest.raises(SpecError, match=r"must be an int in the range \[1, inf\), got 0"):
        schedule.with_epochs(0)


def _example(definition, groups: int, epochs: int) -> dict:
    import copy

    spec = copy.deepcopy(dict(definition.example))
    spec.pop("epochs", None)
    lr = spec.pop("lr", None)
    optimizer = dict(spec.get("optimizer") or {"type": "SGD", "lr": lr or 0.1, "momentum": 0.9})
    if groups > 1:
        optimizer["param_groups"] = [{"lr": 0.1 * (i + 1)} for i in range(groups)]
    spec["optimizer"] = optimizer
    scheduler = spec["scheduler"]
    if definition.name == "OneCycleLR":
        for key in ("epochs", "steps_per_epoch"):
            scheduler.pop(key, None)
        scheduler["total_steps"] = epochs + 1
    return spec


def test_memory_estimate_covers_every_scheduler():
    """The size guard's bytes-per-epoch stay above what the engine really allocates (numpy
    reports its buffers to tracemalloc), for every scheduler of the registry."""
    import tracemalloc

    from lrsched.engine import compute
    from lrsched.schedules import REGISTRY
    from lrsched.limits import ENGINE_BYTES_PER_EPOCH, ENGINE_BYTES_PER_GROUP_EPOCH
    from lrsched.spec import load_spec

    epochs = 50_000
    for definition in REGISTRY.values():
        for groups in (1, 3):
            schedule = load_spec(_example(definition, groups, epochs)).schedules[0]
            tracemalloc.start()
            try:
                compute(schedule, epochs)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            estimate = epochs * (ENGINE_BYTES_PER_EPOCH + ENGINE_BYTES_PER_GROUP_EPOCH * groups)
            assert peak < estimate, (definition.name, groups, peak / epochs)
