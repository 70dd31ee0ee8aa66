#!/usr/bin/env python3
"""Write the example logs of the README's `lrsched check` section, from real torch loops.

    pip install torch==2.13.0
    python docs/make_logs.py

Both train nothing: they run configs/units-cifar-onecycle.yaml's optimizer and OneCycleLR
(10 epochs of 391 updates) and log the lr every 10 updates the way Weights & Biases exports
a Hugging Face Trainer run: `Step` is the Trainer's global_step (counting from 1, logged
after the scheduler's step) and values are float32, with W&B's __MIN/__MAX columns.
`cifar-wandb.csv` steps the scheduler after every update, as the spec says;
`cifar-wandb-per-epoch.csv` has the classic bug: it steps it once an epoch.
"""

import warnings
from pathlib import Path

import numpy as np
import torch
from torch.optim import lr_scheduler

HERE = Path(__file__).resolve().parent / "logs"
HEADER = "Step,train/learning_rate,train/learning_rate__MIN,train/learning_rate__MAX\n"


def run(per_epoch: bool) -> str:
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0005)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3910)
    lines, global_step = [HEADER], 0
    for epoch in range(10):
        for update in range(391):
            opt.step()
            if not per_epoch:
                sched.step()
            global_step += 1
            if global_step % 10 == 0 and global_step < 3910:
                value = float(np.float32(sched.get_last_lr()[0]))
                lines.append(f"{global_step},{value!r},{value!r},{value!r}\n")
        if per_epoch and epoch < 9:
            sched.step()
    return "".join(lines)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (HERE / "cifar-wandb.csv").write_text(run(per_epoch=False))
        (HERE / "cifar-wandb-per-epoch.csv").write_text(run(per_epoch=True))


if __name__ == "__main__":
    main()
