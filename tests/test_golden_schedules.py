"""Every schedule torch computed (tests/golden/schedules.json, written by
tests/golden/make_schedules.py with torch 2.13) against the engine: every lr and momentum
value within a relative error of 1e-12, and every refusal of torch refused by us."""

import numpy as np
import pytest

from conftest import load_golden
from lrsched.engine import compute
from lrsched.errors import SpecError
from lrsched.spec import load_spec

GOLDEN = load_golden("schedules.json")
RTOL = 1e-12


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.shape == theirs.shape
    # relative to the value; exact zeros (underflow, cosine troughs) must be exact
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_matches_torch(case):
    result = compute(load_spec(case["spec"]).schedules[0])
    _close(result.lr, np.array(case["lr"], dtype=np.float64))
    if case["momentum"] is None:
        assert result.momentum is None
        return
    torch_momentum = np.array(case["momentum"], dtype=np.float64)
    if result.momentum is not None:
        _close(result.momentum, torch_momentum)
        assert result.momentum_key == case["momentum_key"]
    else:
        # not cycled: every row keeps the optimizer's own momentum / beta1
        assert (torch_momentum == torch_momentum[0]).all()


@pytest.mark.parametrize("case", GOLDEN["errors"], ids=lambda c: c["id"])
def test_refuses_what_torch_refuses(case):
    with pytest.raises(SpecError) as info:
        compute(load_spec(case["spec"]).schedules[0])
    assert info.value.key, "the error names the offending key"


def test_exact_where_torch_multiplies():
    """The chainable decays are bit-for-bit torch's recurrence, not the closed form."""
    step = next(c for c in GOLDEN["cases"] if c["id"] == "steplr-tutorial")
    lr = compute(load_spec(step["spec"]).schedules[0]).lr
    assert lr[-1, 0] == 0.0001 and repr(float(lr[-1, 0])) == "0.0001"
    for case in GOLDEN["cases"]:
        if case["scheduler"] in {"StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "CyclicLR"}:
            ours = compute(load_spec(case["spec"]).schedules[0]).lr
            assert np.array_equal(ours, np.array(case["lr"], dtype=np.float64)), case["id"]
