"""Every schedule torch computed (tests/golden/schedules.json, written by
tests/golden/make_schedules.py with torch 2.13) against the engine: every lr and momentum
value bit for bit, and every refusal of torch refused by us.  torch is not needed; a one-ulp
change anywhere in the engine fails here."""

import numpy as np
import pytest

from conftest import GOLDEN as GOLDEN_DIR
from conftest import load_generator, load_golden
from lrsched.engine import compute
from lrsched.errors import SpecError
from lrsched.spec import load_spec

GOLDEN = load_golden("schedules.json")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_matches_torch(case):
    result = compute(load_spec(case["spec"]).schedules[0])
    np.testing.assert_array_equal(result.lr, np.array(case["lr"], dtype=np.float64),
                                  strict=True)
    if case["momentum"] is None:
        assert result.momentum is None
        return
    torch_momentum = np.array(case["momentum"], dtype=np.float64)
    if result.momentum is not None:
        np.testing.assert_array_equal(result.momentum, torch_momentum, strict=True)
        assert result.momentum_key == case["momentum_key"]
    else:
        # not cycled: every row keeps the optimizer's own momentum / beta1
        assert (torch_momentum == torch_momentum[0]).all()


@pytest.mark.parametrize("case", GOLDEN["errors"], ids=lambda c: c["id"])
def test_refuses_what_torch_refuses(case):
    with pytest.raises(SpecError) as info:
        compute(load_spec(case["spec"]).schedules[0])
    assert info.value.key, "the error names the offending key"


def test_steplr_is_torchs_recurrence_not_the_closed_form():
    """torch multiplies by gamma step by step: 0.0001, where the closed form gives
    0.00010000000000000002."""
    step = next(c for c in GOLDEN["cases"] if c["id"] == "steplr-tutorial")
    lr = compute(load_spec(step["spec"]).schedules[0]).lr
    assert lr[-1, 0] == 0.0001 and repr(float(lr[-1, 0])) == "0.0001"


def test_golden_data_is_what_torch_computes(torch):
    """schedules.json is byte for byte what tests/golden/make_schedules.py writes with the
    torch installed (CI: 2.13.0)."""
    text = load_generator("make_schedules").render()
    assert text == (GOLDEN_DIR / "schedules.json").read_text(encoding="utf-8")
