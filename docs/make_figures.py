"""Regenerate the README pictures in docs/ with lrsched's own command line.

    python docs/make_figures.py

Each picture is one `lrsched plot` call, printed as it runs, so the README can show the
exact command.  The pictures are written at 120 dpi (960x540 pixels, wider than GitHub's
README column) to keep every PNG under 150 KB; everything else is `lrsched plot`'s default look.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MAX_BYTES = 150_000
DPI = "120"

FIGURES = {
    "default.png": [],
    "step.png": ["configs/plot-step.yaml", "--log", "--title", "Step decays (log scale)"],
    "cosine.png": ["configs/plot-cosine.yaml", "--title", "Cosine annealing, warmup, warm restarts"],
    "onecycle.png": ["configs/onecyclelr-adam.yaml", "--title", "OneCycleLR driving Adam"],
    "cyclic.png": ["configs/plot-cyclic.yaml", "--title", "CyclicLR modes driving Adam"],
    "units.png": ["configs/units-imagenet-warmup-cosine.yaml", "--title",
                  "ImageNet: 5 epochs of warmup, then cosine, per update and per epoch"],
    "transformers.png": ["configs/transformers-vs-torch-cosine.yaml", "--title",
                         "transformers.cosine vs CosineAnnealingLR, horizon 100"],
    "timm.png": ["configs/timm-warmup-prefix.yaml", "--title",
                 "timm's warmup: without warmup_prefix the lr never reaches 0.1"],
}


def main() -> int:
    too_big = []
    for name, args in FIGURES.items():
        command = ["lrsched", "plot", *args, "--dpi", DPI, "-o", f"docs/{name}"]
        print("$", shlex.join(command))
        subprocess.run([sys.executable, "-m", "lrsched", *command[1:]], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        size = os.path.getsize(DOCS / name)
        print(f"  docs/{name}: {size / 1000:.0f} KB")
        if size >= MAX_BYTES:
            too_big.append(name)
    if too_big:
        print(f"over {MAX_BYTES // 1000} KB: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
