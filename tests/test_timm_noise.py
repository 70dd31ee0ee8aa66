"""torch's CPU generator as timm's noise draws it, reproduced by lrsched.schedules.torchrand
(mt19937 seeded with the seed's low 32 bits; Box-Muller on 53-bit doubles, the second value
cached; rounded to float32), against tests/golden/timm_noise.json (written by
tests/golden/make_timm_noise.py with torch 2.13): 1,515 seeds draw by draw, 85,536 through a
digest of their first 8 draws, timm's redrawn noise over 65,536 seeds for four (std, pct).
With torch installed, more seeds are compared live."""

import hashlib
import random
import struct

import numpy as np
import pytest

from conftest import GOLDEN as GOLDEN_DIR
from conftest import load_generator, load_golden
from lrsched.schedules import torchrand

GOLDEN = load_golden("timm_noise.json")


def digest_seeds() -> list:
    r = random.Random(2026)
    return list(range(65536)) + [r.randint(-2 ** 53, 2 ** 53) for _ in range(20000)]


def unhex(h: str) -> float:
    return struct.unpack(">f", bytes.fromhex(h))[0]


def test_explicit_seeds_draw_by_draw():
    seeds = [e["seed"] for e in GOLDEN["explicit"]]
    want = np.array([[unhex(h) for h in e["normal"]] for e in GOLDEN["explicit"]])
    np.testing.assert_array_equal(torchrand.normal_draws(seeds, GOLDEN["draws"]), want, strict=True)
    uniform = np.array([unhex(e["uniform"]) for e in GOLDEN["explicit"]])
    np.testing.assert_array_equal(torchrand.uniform_draws(seeds), uniform, strict=True)


def test_odd_counts_and_chunks_draw_the_same():
    """An odd count stops after a pair's first value; chunks of seeds are independent."""
    seeds = np.arange(10000, 10000 + 3 * torchrand._CHUNK // 2)
    full = torchrand.normal_draws(seeds, 6)
    np.testing.assert_array_equal(torchrand.normal_draws(seeds, 5), full[:, :5], strict=True)
    np.testing.assert_array_equal(torchrand.normal_draws(seeds[::-1], 6), full[::-1], strict=True)


def test_digest_of_85536_seeds():
    seeds = digest_seeds()
    assert len(seeds) == GOLDEN["digest"]["count"]
    draws = torchrand.normal_draws(seeds, GOLDEN["draws"]).astype(np.float32)
    assert hashlib.sha256(draws.tobytes()).hexdigest() == GOLDEN["digest"]["sha256"]


@pytest.mark.parametrize("case", GOLDEN["bounded_noise"], ids=lambda c: f"std{c['std']}-pct{c['pct']}")
def test_timm_bounded_noise(case):
    seeds = np.arange(*case["seeds"])
    noise = torchrand.bounded_normal_noise(seeds, case["std"], case["pct"])
    assert (np.abs(noise) < case["pct"]).all()
    assert hashlib.sha256(noise.astype(np.float64).tobytes()).hexdigest() == case["sha256"]


def test_noise_seed_is_taken_mod_2_32():
    """torch seeds mt19937 with the seed's low 32 bits (a negative seed as its two's complement)."""
    seeds = [5, 5 + 2 ** 32, 5 - 2 ** 32, 5 + 2 ** 40]
    draws = torchrand.normal_draws(seeds, 4)
    assert (draws == draws[0]).all()


def test_live_against_torch(torch):
    r = random.Random(99)
    seeds = [r.randint(-2 ** 63, 2 ** 64 - 1) for _ in range(5000)] + list(range(200000, 215000))
    want = np.empty((len(seeds), 6))
    uniform = np.empty(len(seeds))
    for i, s in enumerate(seeds):
        g = torch.Generator()
        g.manual_seed(s)
        want[i] = [torch.randn(1, generator=g).item() for _ in range(6)]
        g.manual_seed(s)
        uniform[i] = torch.rand(1, generator=g).item()
    np.testing.assert_array_equal(torchrand.normal_draws(seeds, 6), want, strict=True)
    np.testing.assert_array_equal(torchrand.uniform_draws(seeds), uniform, strict=True)


def test_golden_noise_data_is_what_torch_draws(torch):
    text = load_generator("make_timm_noise").render()
    assert text == (GOLDEN_DIR / "timm_noise.json").read_text()
