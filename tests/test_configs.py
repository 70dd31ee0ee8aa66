"""Every example in configs/ loads and computes; every scheduler has an example."""

from pathlib import Path

import pytest

from conftest import ROOT
from lrsched.engine import compute
from lrsched.schedules import REGISTRY
from lrsched.spec import load_spec

CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_computes(path: Path):
    for schedule in load_spec(path).schedules:
        result = compute(schedule)
        assert result.lr.shape[0] == schedule.rows


def test_every_scheduler_has_an_example():
    used = set()

    def collect(s):
        used.add(s.type)
        for child in s.params.get("schedulers", ()) or ():
            collect(child)

    for path in CONFIGS:
        for schedule in load_spec(path).schedules:
            collect(schedule.scheduler)
    assert set(REGISTRY) <= used, sorted(set(REGISTRY) - used)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_example_computes(name):
    definition = REGISTRY[name]
    result = compute(load_spec(dict(definition.example)).schedules[0])
    assert result.scheduler == name
