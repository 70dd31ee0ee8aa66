"""A million optimizer updates with training units, against torch's training loop.

The spec: SGD with momentum, 100 epochs of 10,000 updates, `interval: step`, a 5-epoch
linear warmup, then CosineAnnealingLR over the remaining 950,000 updates: 1,000,000 rows.

lrsched, in this process (spec already written to a file): ``table --format csv`` (compute
and write the CSV) and ``plot`` (compute and draw the PNG); and, for reference, the same two
commands end to end as subprocesses (start-up included).  torch, in this process: the
training loop itself (``for update: record get_last_lr(); optimizer.step();
scheduler.step()``), then the same CSV text written with the same formatting, and the same
curve drawn by matplotlib (every point, no envelope) and saved.  The lr rows of both are
compared bit for bit first.  Best of N wall-clock runs for lrsched; torch's loop runs once
(about 20 s a million updates).  Goal: at least 100x faster than the torch loop.

    python benchmarks/bench_units.py [--rows 1000000] [--repeat 3] [--no-torch]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from bench_engine import best   # this folder's: best of N wall-clock runs

STEPS_PER_EPOCH = 10_000
WARMUP_EPOCHS = 5


def spec_text(rows: int) -> str:
    epochs = rows // STEPS_PER_EPOCH
    t_max = rows - WARMUP_EPOCHS * STEPS_PER_EPOCH
    return (f"name: units\nepochs: {epochs}\nsteps_per_epoch: {STEPS_PER_EPOCH}\ninterval: step\n"
            f"warmup: {{epochs: {WARMUP_EPOCHS}, start_factor: 0.001}}\n"
            f"optimizer: {{type: SGD, lr: 0.1, momentum: 0.9}}\n"
            f"scheduler: {{type: CosineAnnealingLR, T_max: {t_max}}}\n")


def lrsched_csv(path: str, out: str) -> None:
    from lrsched.engine import compute
    from lrsched.io.output import atomic_open
    from lrsched.render.table import csv_lines
    from lrsched.spec import load_spec

    result = compute(load_spec(path).schedules[0])
    with atomic_open(out, encoding="utf-8", newline="") as fh:
        fh.writelines(csv_lines([result]))


def lrsched_plot(path: str, out: str) -> None:
    from lrsched.engine import compute
    from lrsched.render.plot import figure, save
    from lrsched.spec import load_spec

    result = compute(load_spec(path).schedules[0])
    save(figure([result], title="units"), out)


def torch_loop(rows: int) -> list:
    import torch
    from torch.optim import lr_scheduler

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1, momentum=0.9)
    warm = WARMUP_EPOCHS * STEPS_PER_EPOCH
    sched = lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.001, total_iters=warm),
                                            lr_scheduler.CosineAnnealingLR(opt, T_max=rows - warm)],
                                      milestones=[warm])
    lrs = []
    for epoch in range(rows // STEPS_PER_EPOCH):
        for update in range(STEPS_PER_EPOCH):
            lrs.append(sched.get_last_lr()[0])
            opt.step()
            sched.step()
    return lrs


def torch_csv(lrs: list, out: str) -> None:
    k = STEPS_PER_EPOCH
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write("schedule,epoch,step,group,lr,momentum\n")
        fh.writelines([f"units,{i // k},{i},0,{v!r},\n" for i, v in enumerate(lrs)])


def torch_plot(lrs: list, out: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot(np.arange(len(lrs)) / STEPS_PER_EPOCH, lrs)
    ax.set_xlabel("epoch")
    fig.savefig(out)


def cli_time(args: list, repeat: int) -> float:
    command = [sys.executable, "-m", "lrsched", *args]
    return best(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL), repeat)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        spec = os.path.join(folder, "units.yaml")
        with open(spec, "w", encoding="utf-8") as fh:
            fh.write(spec_text(args.rows))
        csv_out, png_out = os.path.join(folder, "a.csv"), os.path.join(folder, "a.png")
        lrsched_plot(spec, png_out)          # warm: matplotlib imported once
        ours = {
            "table --format csv": best(lambda: lrsched_csv(spec, csv_out), args.repeat),
            "plot": best(lambda: lrsched_plot(spec, png_out), args.repeat),
        }
        cli = {
            "table --format csv": cli_time(["table", spec, "-f", "csv", "-o", csv_out], args.repeat),
            "plot": cli_time(["plot", spec, "-o", png_out], args.repeat),
        }
        print(f"{args.rows:,} updates (interval: step, warmup + cosine); best of {args.repeat}")
        if args.no_torch:
            for name in ours:
                print(f"  lrsched {name:<20} in process {ours[name]:7.3f} s   end to end {cli[name]:7.3f} s")
            return 0
        from lrsched.engine import compute
        from lrsched.spec import load_spec

        start = time.perf_counter()
        lrs = torch_loop(args.rows)
        loop = time.perf_counter() - start
        ours_lr = compute(load_spec(spec).schedules[0]).lr[:, 0]
        same = np.array_equal(ours_lr, np.array(lrs))
        print(f"  lr rows equal to torch's bit for bit: {same}")
        torch_csv_out = os.path.join(folder, "t.csv")
        theirs = {
            "table --format csv": loop + best(lambda: torch_csv(lrs, torch_csv_out), 1),
            "plot": loop + best(lambda: torch_plot(lrs, os.path.join(folder, "t.png")), 1),
        }
        with open(csv_out, encoding="utf-8") as a, open(torch_csv_out, encoding="utf-8") as b:
            print(f"  CSV identical to the torch loop's: {a.read() == b.read()}")
        print(f"  torch training loop alone: {loop:.2f} s ({loop / args.rows * 1e6:.1f} us an update)")
        print(f"  {'':<20} {'torch loop':>11} {'lrsched':>9} {'ratio':>7}   {'lrsched CLI':>11} {'ratio':>7}")
        for name in ours:
            print(f"  {name:<20} {theirs[name]:10.2f}s {ours[name]:8.3f}s {theirs[name] / ours[name]:6.0f}x"
                  f"   {cli[name]:10.3f}s {theirs[name] / cli[name]:6.0f}x")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
