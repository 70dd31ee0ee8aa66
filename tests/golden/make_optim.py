"""Generate tests/golden/optim.json from torch (2.13, CPU): optimizer paths and gradients.

    python tests/golden/make_optim.py          # needs torch; never imports lrsched

For every optimizer configuration below: 2,000 steps of torch.optim on a 2-element float64
tensor from each test function's customary start (every 10th point stored, the final one
among them), the loss at those points, the final ``state_dict()``, and a chaos measure:
the same run started 1e-15 away (x + 1e-15) and the largest distance between the two
paths, with the first step at which it exceeds 1e-12 (the "horizon").  Scheduled runs
record the lr and momentum/beta1 in force at every step, so a test can feed the same
arrays.  Autograd gradients and values of every test function at 200 random points each.

The forward expressions below are the ones lrsched.functions mirrors in its gradients.
"""

from __future__ import annotations

import json
import math
import platform
import sys
from pathlib import Path

import numpy as np
import torch

STEPS = 2000
STRIDE = 10
PERTURBATION = 1e-15
HORIZON_TOL = 1e-12
OUT = Path(__file__).with_name("optim.json")
TWO_PI = 2 * math.pi


def forward(name, x, y):
    if name == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    if name == "rastrigin":
        return 20 + x ** 2 - 10 * torch.cos(TWO_PI * x) + y ** 2 - 10 * torch.cos(TWO_PI * y)
    if name == "beale":
        return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
                + (2.625 - x + x * y ** 3) ** 2)
    if name == "himmelblau":
        return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2
    if name == "booth":
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2
    if name == "ackley":
        return (-20 * torch.exp(-0.2 * torch.sqrt(0.5 * (x ** 2 + y ** 2)))
                - torch.exp(0.5 * (torch.cos(TWO_PI * x) + torch.cos(TWO_PI * y))) + math.e + 20)
    if name == "goldstein-price":
        return ((1 + (x + y + 1) ** 2
                 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
                * (30 + (2 * x - 3 * y) ** 2
                   * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))
    if name == "styblinski-tang":
        x2, y2 = x ** 2, y ** 2
        return 0.5 * ((x2 ** 2 - 16 * x2 + 5 * x) + (y2 ** 2 - 16 * y2 + 5 * y))
    if name == "six-hump-camel":
        x2, y2 = x ** 2, y ** 2
        return (4 - 2.1 * x2 + x2 ** 2 / 3) * x2 + x * y + (-4 + 4 * y2) * y2
    if name == "matyas":
        return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y
    if name == "quadratic":
        return x ** 2 + 100 * y ** 2
    if name == "saddle":
        return x ** 2 - y ** 2
    raise KeyError(name)


# (domain, customary start) -- duplicated from lrsched.functions on purpose (no import);
# tests check the starts agree.
FUNCTIONS = {
    "rosenbrock": (((-2.0, 2.0), (-1.0, 3.0)), (-1.2, 1.0)),
    "rastrigin": (((-5.12, 5.12), (-5.12, 5.12)), (-2.0, 3.5)),
    "beale": (((-4.5, 4.5), (-4.5, 4.5)), (1.0, 1.5)),
    "himmelblau": (((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0)),
    "booth": (((-10.0, 10.0), (-10.0, 10.0)), (-5.0, 5.0)),
    "ackley": (((-5.0, 5.0), (-5.0, 5.0)), (3.0, -2.5)),
    "goldstein-price": (((-2.0, 2.0), (-2.0, 2.0)), (-1.0, 1.5)),
    "styblinski-tang": (((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0)),
    "six-hump-camel": (((-3.0, 3.0), (-2.0, 2.0)), (1.0, 1.5)),
    "matyas": (((-10.0, 10.0), (-10.0, 10.0)), (-8.0, 6.0)),
    "quadratic": (((-5.0, 5.0), (-5.0, 5.0)), (-4.5, 1.0)),
    "saddle": (((-2.0, 2.0), (-2.0, 2.0)), (-1.5, 0.01)),
}

# (optimizer, name, kwargs, lrs); every configuration runs on rosenbrock
ROSENBROCK = [
    ("Adam", "default", {}, [1e-3, 1e-2, 5e-2]),
    ("Adam", "amsgrad", {"amsgrad": True}, [1e-2]),
    ("Adam", "coupled-wd", {"weight_decay": 1e-2}, [1e-2]),
    ("Adam", "decoupled-wd", {"weight_decay": 0.1, "decoupled_weight_decay": True}, [1e-2]),
    ("Adam", "betas-0.3", {"betas": (0.3, 0.9)}, [1e-2]),
    ("Adam", "maximize", {"maximize": True}, [1e-2]),  # on -f: same path as minimising f
    ("Adam", "eps-1e-3", {"eps": 1e-3}, [1e-2]),
    ("AdamW", "default", {}, [1e-3, 1e-2]),
    ("AdamW", "amsgrad", {"amsgrad": True}, [1e-2]),
    ("AdamW", "wd-0.1", {"weight_decay": 0.1}, [1e-2]),
    ("RAdam", "default", {}, [1e-3, 3e-3]),
    ("RAdam", "coupled-wd", {"weight_decay": 1e-2}, [3e-3]),
    ("RAdam", "decoupled-wd", {"weight_decay": 0.1, "decoupled_weight_decay": True}, [3e-3]),
    ("SGD", "default", {}, [1e-3]),
    ("SGD", "momentum", {"momentum": 0.9}, [1e-4]),
    ("SGD", "nesterov", {"momentum": 0.9, "nesterov": True}, [1e-4]),
    ("SGD", "dampening-wd", {"momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-2}, [1e-4]),
    ("NAdam", "default", {}, [2e-3, 1e-2]),
    ("NAdam", "decoupled-wd", {"weight_decay": 0.1, "decoupled_weight_decay": True}, [1e-2]),
    ("NAdam", "momentum-decay", {"momentum_decay": 1e-2, "weight_decay": 1e-2}, [1e-2]),
    ("RMSprop", "default", {}, [1e-3, 1e-2]),
    ("RMSprop", "centered", {"centered": True}, [1e-3]),
    ("RMSprop", "momentum", {"momentum": 0.5}, [1e-3]),
    ("RMSprop", "centered-momentum-alpha", {"centered": True, "momentum": 0.5, "alpha": 0.9},
     [1e-3]),
    ("RMSprop", "wd", {"weight_decay": 1e-2}, [1e-3]),
    ("Adagrad", "default", {}, [1e-2, 0.1]),
    ("Adagrad", "lr-decay", {"lr_decay": 1e-3}, [0.1]),
    ("Adagrad", "initial-acc-wd", {"initial_accumulator_value": 0.1, "weight_decay": 1e-2},
     [0.1]),
    ("Adamax", "default", {}, [2e-3, 1e-2]),
    ("Adamax", "wd", {"weight_decay": 1e-2}, [1e-2]),
    ("Adadelta", "default", {}, [1.0]),
    ("Adadelta", "rho-0.95", {"rho": 0.95}, [1.0, 0.5]),
    ("Adadelta", "wd", {"weight_decay": 1e-2}, [1.0]),
]

# the other functions: every optimizer's defaults at two lrs, and a few variants
OTHERS = [
    ("Adam", "default", {}, [1e-3, 1e-2]),
    ("Adam", "amsgrad", {"amsgrad": True}, [1e-2]),
    ("AdamW", "default", {}, [1e-2]),
    ("RAdam", "default", {}, [1e-3, 1e-2]),
    ("SGD", "momentum", {"momentum": 0.9}, [1e-4]),
    ("NAdam", "default", {}, [2e-3, 1e-2]),
    ("RMSprop", "centered", {"centered": True}, [1e-3]),
    ("Adagrad", "default", {}, [0.1]),
    ("Adamax", "default", {}, [1e-2]),
    ("Adadelta", "default", {}, [1.0]),
]
OTHER_FUNCTIONS = ["beale", "himmelblau", "rastrigin"]

# runs driven by a torch scheduler, stepped once per optimizer step
SCHEDULED = [
    ("Adam", "default", {}, 1e-2, "cosine"),
    ("RAdam", "default", {}, 3e-3, "cosine"),
    ("Adam", "default", {}, 1e-2, "onecycle"),      # cycles betas[0]
    ("NAdam", "default", {}, 1e-2, "onecycle"),
    ("SGD", "momentum", {"momentum": 0.9}, 1e-4, "onecycle"),  # cycles momentum
    ("RMSprop", "momentum", {"momentum": 0.5}, 1e-3, "onecycle"),
    ("Adagrad", "default", {}, 0.1, "cosine"),
]


def make_scheduler(kind, opt, lr):
    if kind is None:
        return None
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=500)
    if kind == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=STEPS)
    raise KeyError(kind)


def momentum_of(group):
    if "betas" in group:
        return group["betas"][0]
    if "momentum" in group:
        return group["momentum"]
    return None


def to_jsonable(value):
    if isinstance(value, torch.Tensor):
        return value.item() if value.dim() == 0 else value.tolist()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def run_torch(optimizer, kwargs, lr, function, start, *, negate=False, schedule=None,
              record=False):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([p], lr=lr, **kwargs)
    sched = make_scheduler(schedule, opt, lr)
    path = np.empty((STEPS + 1, 2))
    path[0] = start
    loss_values = np.empty(STEPS + 1)
    lrs, moms = [], []
    for k in range(STEPS):
        group = opt.param_groups[0]
        lrs.append(group["lr"])
        moms.append(momentum_of(group))
        opt.zero_grad()
        loss = forward(function, p[0], p[1])
        if negate:
            loss = -loss
        loss.backward()
        loss_values[k] = loss.item()
        opt.step()
        if sched is not None:
            sched.step()
        path[k + 1] = p.detach().numpy()
    with torch.no_grad():
        final = forward(function, p[0], p[1])
        loss_values[STEPS] = (-final if negate else final).item()
    if not record:
        return path
    return path, loss_values, lrs, moms, to_jsonable(opt.state_dict())


def golden_run(function, optimizer, config, kwargs, lr, schedule=None):
    start = FUNCTIONS[function][1]
    negate = config == "maximize"
    path, loss, lrs, moms, state_dict = run_torch(
        optimizer, kwargs, lr, function, start, negate=negate, schedule=schedule, record=True)
    shifted = run_torch(optimizer, kwargs, lr, function, (start[0] + PERTURBATION, start[1]),
                        negate=negate, schedule=schedule)
    with np.errstate(invalid="ignore"):
        gap = np.abs(path - shifted).max(axis=1)
    gap = np.where(np.isnan(gap), np.inf, gap)
    beyond = np.flatnonzero(gap > HORIZON_TOL)
    cycled = schedule == "onecycle" and any(m is not None for m in moms)
    rid = f"{function}/{optimizer}/{config}/lr={lr:g}" + (f"/{schedule}" if schedule else "")
    print(f"{rid:60s} final {path[-1]}  chaos {gap.max():.3g}", flush=True)
    return {
        "id": rid, "function": function, "optimizer": optimizer, "config": config,
        "kwargs": to_jsonable(kwargs), "lr": lr, "start": list(start), "negate": negate,
        "schedule": schedule,
        "lr_per_step": lrs if schedule else None,
        "momentum_per_step": moms if cycled else None,
        "path": path[::STRIDE].tolist(), "loss": loss[::STRIDE].tolist(),
        "final": path[-1].tolist(),
        "chaos": {"max": float(gap.max()), "horizon": int(beyond[0]) if beyond.size else None,
                  "divergence": gap[::STRIDE].tolist()},
        "state_dict": state_dict,
    }


def gradients(n=200, seed=20240):
    rng = np.random.default_rng(seed)
    out = {}
    for name, ((xmin, xmax), (ymin, ymax)) in ((k, v[0]) for k, v in FUNCTIONS.items()):
        points = np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])
        grads, values = [], []
        for point in points:
            p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
            loss = forward(name, p[0], p[1])
            loss.backward()
            grads.append(p.grad.tolist())
            values.append(loss.item())
        out[name] = {"points": points.tolist(), "grad": grads, "value": values}
    return out


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    torch.set_num_threads(1)
    runs = []
    for optimizer, config, kwargs, lrs in ROSENBROCK:
        for lr in lrs:
            runs.append(golden_run("rosenbrock", optimizer, config, kwargs, lr))
    for function in OTHER_FUNCTIONS:
        for optimizer, config, kwargs, lrs in OTHERS:
            for lr in lrs:
                runs.append(golden_run(function, optimizer, config, kwargs, lr))
    for optimizer, config, kwargs, lr, schedule in SCHEDULED:
        runs.append(golden_run("rosenbrock", optimizer, config, kwargs, lr, schedule))
    data = {
        "meta": {"torch": torch.__version__, "python": platform.python_version(),
                 "cpu": cpu_name(), "steps": STEPS, "stride": STRIDE,
                 "perturbation": PERTURBATION, "horizon_tol": HORIZON_TOL,
                 "generated_by": "tests/golden/make_optim.py"},
        "gradients": gradients(),
        "runs": runs,
    }
    OUT.write_text(json.dumps(data, separators=(",", ":"), allow_nan=False))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(runs)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
