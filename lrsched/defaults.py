"""The built-in default spec: the tutorial's four schedules at lr 0.01 for 9 epochs, plus a
CyclicLR, so `lrsched table` with no argument reproduces the tutorial's printed tables."""

DEFAULT_NAME = "<built-in default>"

DEFAULT_SPEC = """\
# The tutorial's schedules: SGD at lr 0.01, 9 epochs.
lr: 0.01
epochs: 9
schedules:
  - name: lambda
    scheduler: {type: LambdaLR, lr_lambda: "lambda epoch: 0.5 ** (epoch // 3)"}
  - name: step
    scheduler: {type: StepLR, step_size: 3, gamma: 0.1}
  - name: multistep
    scheduler: {type: MultiStepLR, milestones: [3, 7], gamma: 0.1}
  - name: exponential
    scheduler: {type: ExponentialLR, gamma: 0.95}
  - name: cyclic
    scheduler: {type: CyclicLR, base_lr: 0.001, max_lr: 0.01, step_size_up: 2}
"""
