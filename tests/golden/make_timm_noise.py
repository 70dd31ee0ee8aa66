#!/usr/bin/env python3
"""Write tests/golden/timm_noise.json: draws of torch's CPU generator, as timm's noise takes
them (`g = torch.Generator(); g.manual_seed(seed)`, then `torch.randn(1, generator=g)` again
and again, or `torch.rand(1, generator=g)` once), for lrsched.schedules.torchrand to match.

It must not import lrsched; torch 2.13.0 is needed only to run it:

    pip install torch==2.13.0
    python tests/golden/make_timm_noise.py

The file holds, for EXPLICIT seeds (0 .. 1499 and the edges of torch's seed range: negative
seeds, 2**32 +- k, 2**53, 2**63 - 1, -2**63, 2**64 - 1), the first DRAWS normal draws and the
uniform draw, each a float32 written as the hex of its 32 bits; and SHA-256 digests of the
float32 bytes of the first DRAWS normal draws (seed by seed) for the DIGEST_SEEDS: 0 .. 65535
and 20,000 random seeds in [-2**53, 2**53], 85,536 seeds in all; and of timm's bounded noise
(`noise = randn * std`, redrawn until `abs(noise) < pct`, as float64 bytes) over 0 .. 65535
for a few (std, pct).
"""

import hashlib
import json
import random
import struct
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
OUT = HERE / "timm_noise.json"
TORCH_VERSION = "2.13.0"
DRAWS = 8
EXPLICIT = list(range(1500)) + [-1, -2, -42, -2 ** 31, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 33 + 42,
                                2 ** 53, -2 ** 53, 2 ** 63 - 1, -2 ** 63, 2 ** 64 - 1, 123456789012345]
_R = random.Random(2026)
DIGEST_SEEDS = list(range(65536)) + [_R.randint(-2 ** 53, 2 ** 53) for _ in range(20000)]
NOISE = [(1.0, 0.67), (1.0, 0.05), (2.0, 0.5), (0.5, 0.9)]


def normals(seed: int, n: int) -> list:
    g = torch.Generator()
    g.manual_seed(seed)
    return [torch.randn(1, generator=g).item() for _ in range(n)]


def uniform(seed: int) -> float:
    g = torch.Generator()
    g.manual_seed(seed)
    return torch.rand(1, generator=g).item()


def bounded(seed: int, std: float, pct: float) -> float:
    """timm's Scheduler._calculate_noise, normal."""
    g = torch.Generator()
    g.manual_seed(seed)
    while True:
        noise = torch.randn(1, generator=g).item() * std
        if abs(noise) < pct:
            return noise


def f32hex(x: float) -> str:
    return struct.pack(">f", x).hex()


def render() -> str:
    if not torch.__version__.startswith(TORCH_VERSION):
        print(f"warning: torch {torch.__version__}, golden data is meant for {TORCH_VERSION}", file=sys.stderr)
    explicit = [{"seed": s, "normal": [f32hex(x) for x in normals(s, DRAWS)], "uniform": f32hex(uniform(s))}
                for s in EXPLICIT]
    digest = hashlib.sha256()
    for s in DIGEST_SEEDS:
        digest.update(np.array(normals(s, DRAWS), dtype=np.float32).tobytes())
    noise = []
    for std, pct in NOISE:
        h = hashlib.sha256(np.array([bounded(s, std, pct) for s in range(65536)], dtype=np.float64).tobytes())
        noise.append({"std": std, "pct": pct, "seeds": [0, 65536], "sha256": h.hexdigest()})
    doc = {"torch": TORCH_VERSION, "draws": DRAWS, "explicit": explicit,
           "digest": {"seeds": "0 .. 65535, then 20000 from random.Random(2026).randint(-2**53, 2**53)",
                      "count": len(DIGEST_SEEDS), "sha256": digest.hexdigest()},
           "bounded_noise": noise}
    return json.dumps(doc, separators=(",", ":")).replace('},{"seed"', '},\n{"seed"') + "\n"


if __name__ == "__main__":
    text = render()
    OUT.write_text(text)
    print(f"wrote {OUT.name}: {len(EXPLICIT)} seeds in full, {len(DIGEST_SEEDS)} in a digest, "
          f"{len(text) / 1e3:.0f} kB")
