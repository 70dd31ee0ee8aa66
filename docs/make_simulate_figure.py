"""Regenerate docs/simulate.png, the README picture of `lrsched simulate`, with lrsched's own CLI.

    python docs/make_simulate_figure.py

One `lrsched simulate` call on the example simulation file, printed as it runs so the doc
can show the exact command; at 100 dpi (1200x540 pixels) to keep the PNG under 250 KB.
Everything else is `lrsched simulate -o`'s default look.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = "docs/simulate.png"
COMMAND = ["lrsched", "simulate", "configs/simulate/rosenbrock-adam-family.yaml",
           "--dpi", "100", "-o", OUTPUT]
MAX_BYTES = 250_000


def main() -> int:
    print("$", shlex.join(COMMAND))
    subprocess.run([sys.executable, "-m", "lrsched", *COMMAND[1:]], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    size = os.path.getsize(ROOT / OUTPUT)
    print(f"  {OUTPUT}: {size / 1000:.0f} KB")
    if size >= MAX_BYTES:
        print(f"over {MAX_BYTES // 1000} KB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
