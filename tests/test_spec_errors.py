"""Bad input gets one clear line on stderr, `error: FILE:LINE: KEY: message`, and exit 2:
never a traceback.  One case per class of mistake the foundation issue names."""

import pytest

CASES = [
    # id, yaml, line, key, phrases the message must contain
    ("malformed-yaml", "lr: 0.01\nscheduler: {type: StepLR, step_size: 3\nepochs: 9\n", 3, None,
     ["invalid YAML"]),
    ("python-tag", "lr: !!python/object/apply:os.system ['echo hi']\nepochs: 3\n"
                   "scheduler: {type: StepLR, step_size: 1}\n", 1, "lr", ["tag", "not allowed"]),
    ("non-mapping", "- 1\n- 2\n", 1, None, ["must be a mapping", "a list of 2"]),
    ("scalar-document", "StepLR\n", 1, None, ["must be a mapping"]),
    ("empty-file", "", None, None, ["empty"]),
    ("comments-only", "# nothing here\n", None, None, ["empty"]),
    ("unknown-top-key", "lr: 0.01\nepoch: 9\nscheduler: {type: StepLR, step_size: 3}\n", 2, "epoch",
     ["unknown key 'epoch'", "did you mean 'epochs'?"]),
    ("misspelt-scheduler", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepRL\n  step_size: 3\n", 4,
     "scheduler.type", ["unknown scheduler 'StepRL'", "did you mean 'StepLR'?"]),
    ("misspelt-keyword", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: 3\n  gama: 0.5\n",
     6, "scheduler.gama", ["unknown keyword 'gama'", "did you mean 'gamma'?"]),
    ("misspelt-optimizer", "optimizer: {type: Adma, lr: 0.1}\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n",
     1, "optimizer.type", ["unknown optimizer 'Adma'", "did you mean 'Adam'?"]),
    ("misspelt-optimizer-keyword", "optimizer: {type: SGD, lr: 0.1, momentun: 0.9}\nepochs: 9\n"
                                   "scheduler: {type: StepLR, step_size: 3}\n", 1, "optimizer.momentun",
     ["did you mean 'momentum'?"]),
    ("wrong-type", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: three\n", 5,
     "scheduler.step_size", ["must be an int", "got the string 'three'"]),
    ("float-step-size", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: 2.5\n", 5,
     "scheduler.step_size", ["must be an int", "got 2.5"]),
    ("bool-is-not-a-number", "lr: true\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n", 1, "lr",
     ["must be a number", "boolean"]),
    ("zero-step-size", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: 0\n", 5,
     "scheduler.step_size", ["must be an int in the range [1, inf)", "got 0"]),
    ("negative-step-size", "lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: -3\n", 5,
     "scheduler.step_size", ["got -3"]),
    ("zero-epochs", "lr: 0.01\nepochs: 0\nscheduler: {type: StepLR, step_size: 3}\n", 2, "epochs",
     ["must be an int in the range [1,", "got 0"]),
    ("negative-epochs", "lr: 0.01\nepochs: -5\nscheduler: {type: StepLR, step_size: 3}\n", 2, "epochs",
     ["got -5"]),
    ("nan-lr", "lr: .nan\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n", 1, "lr",
     ["must be a number in the range [0, inf)", "got nan"]),
    ("negative-lr", "lr: -0.1\nepochs: 9\nscheduler: {type: StepLR, step_size: 3}\n", 1, "lr",
     ["got -0.1"]),
    ("negative-group-lr", "optimizer:\n  param_groups:\n    - {lr: 0.1}\n    - {lr: -1}\nepochs: 9\n"
                          "scheduler: {type: StepLR, step_size: 3}\n", 4, "optimizer.param_groups[1].lr",
     ["got -1"]),
    ("lambda-list-length", "optimizer:\n  param_groups: [{lr: 0.1}, {lr: 0.01}]\nepochs: 9\nscheduler:\n"
                           "  type: LambdaLR\n  lr_lambda: ['0.9 ** epoch', '1', '1']\n", 6,
     "scheduler.lr_lambda", ["expected 2 lr_lambdas", "got 3"]),
    ("expr-unknown-name", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'step * 2'\n", 5,
     "scheduler.lr_lambda", ["unknown name 'step'", "the only variable is 'epoch'"]),
    ("expr-attribute", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'epoch.__class__'\n", 5,
     "scheduler.lr_lambda", ["attribute", "not allowed"]),
    ("expr-call", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'open(\"x\")'\n", 5,
     "scheduler.lr_lambda", ["function 'open' is not allowed"]),
    ("expr-import", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n"
                    "  lr_lambda: '__import__(\"os\").system(\"true\")'\n", 5,
     "scheduler.lr_lambda", ["not allowed"]),
    ("expr-statement", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'import os'\n", 5,
     "scheduler.lr_lambda", ["cannot parse expression"]),
    ("expr-wrong-lambda-arg", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'lambda e, f: e'\n",
     5, "scheduler.lr_lambda", ["a lambda here takes exactly one argument (lambda epoch: ...), got lambda e, f"]),
    ("expr-lambda-arg-is-a-function", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'lambda exp: 1'\n",
     5, "scheduler.lr_lambda", ["the lambda's argument cannot be called 'exp'"]),
    ("expr-division-by-zero", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '1 / (epoch - 4)'\n",
     5, "scheduler.lr_lambda", ["division by zero", "epoch = 4"]),
    ("expr-inf", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '10.0 ** (400 * epoch)'\n",
     5, "scheduler.lr_lambda", ["gives inf at epoch = 1"]),
    ("expr-nan", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: 'exp(1000) - exp(1000)'\n",
     5, "scheduler.lr_lambda", ["gives nan at epoch = 0"]),
    ("expr-bomb", "lr: 0.1\nepochs: 9\nscheduler:\n  type: LambdaLR\n  lr_lambda: '9 ** 9 ** 9'\n",
     5, "scheduler.lr_lambda", ["gives inf"]),
    ("scale-fn-name", "optimizer: {type: SGD, lr: 0.1, momentum: 0.9}\nepochs: 9\nscheduler:\n  type: CyclicLR\n"
                      "  base_lr: 0.01\n  max_lr: 0.1\n  scale_fn: 'epoch'\n", 7, "scheduler.scale_fn",
     ["unknown name 'epoch'", "the only variable is 'x'"]),
    ("missing-scheduler", "lr: 0.1\nepochs: 9\n", 1, None, ["missing key 'scheduler'"]),
    ("missing-type", "lr: 0.1\nepochs: 9\nscheduler: {step_size: 3}\n", 3, "scheduler", ["missing key 'type'"]),
    ("missing-required", "lr: 0.1\nepochs: 9\nscheduler: {type: StepLR}\n", 3, "scheduler",
     ["missing required keyword 'step_size'"]),
    ("duplicate-key", "lr: 0.1\nepochs: 9\nlr: 0.2\nscheduler: {type: StepLR, step_size: 3}\n", 3, "lr",
     ["duplicate key 'lr'", "line 1"]),
    ("cyclic-adagrad", "optimizer: {type: Adagrad, lr: 0.1}\nepochs: 9\nscheduler:\n  type: CyclicLR\n"
                       "  base_lr: 0.01\n  max_lr: 0.1\n", 3, "scheduler.cycle_momentum",
     ["neither momentum nor betas", "cycle_momentum: false"]),
    ("resume-without-initial-lr", "lr: 0.1\nepochs: 9\nscheduler: {type: StepLR, step_size: 3, last_epoch: 4}\n",
     3, "scheduler.last_epoch", ["initial_lr"]),
]


@pytest.mark.parametrize("case_id, text, line, key, phrases", CASES, ids=[c[0] for c in CASES])
def test_bad_spec_is_one_clear_line(cli, write_spec, case_id, text, line, key, phrases):
    path = write_spec(text)
    run = cli("table", path)
    assert run.code == 2, run
    assert run.out == ""
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    message = lines[0]
    where = f"error: {path}:{line}: " if line else f"error: {path}: "
    assert message.startswith(where), message
    if key:
        assert message.startswith(where + key + ": "), message
    for phrase in phrases:
        assert phrase in message, message


def test_missing_file(cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    run = cli("table", missing)
    assert run.code == 2
    assert run.err.strip() == f"error: {missing}: no such file"


def test_spec_that_is_a_folder(cli, tmp_path):
    run = cli("table", tmp_path)
    assert run.code == 2 and "is a folder" in run.err


def test_bad_flag_values_exit_2(cli):
    assert cli("table", "--epochs", "0").code == 2
    assert cli("table", "--epochs", "ten").code == 2
    assert cli("table", "--format", "xml").code == 2
    run = cli("table", "--schedule", "stpe")
    assert run.code == 2 and "did you mean 'step'?" in run.err


def test_not_utf8(cli, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    run = cli("table", path)
    assert run.code == 2 and "not UTF-8" in run.err


def test_error_from_library_carries_location(write_spec):
    import lrsched

    path = write_spec("lr: 0.01\nepochs: 9\nscheduler:\n  type: StepLR\n  step_size: -3\n")
    with pytest.raises(lrsched.SpecError) as info:
        lrsched.lr_table(path)
    err = info.value
    assert (err.file, err.line, err.key) == (path, 5, "scheduler.step_size")
    assert str(err) == f"{path}:5: scheduler.step_size: must be an int in the range [1, inf), got -3"


def test_a_key_with_control_characters_is_named_on_one_line(write_spec):
    from conftest import run_cli

    path = write_spec('lr: 1.0\nepochs: 3\nscheduler: {type: StepLR, step_size: 1}\n"a\\x1eb": 0\n')
    run = run_cli("table", path)
    assert run.code == 2
    assert run.err == (f"error: {path}:4: a\\x1eb: unknown key 'a\\x1eb'; "
                       "valid: name, lr, epochs, optimizer, scheduler, steps_per_epoch, dataset_size, "
                       "batch_size, world_size, grad_accum, drop_last, interval, max_steps, warmup, "
                       "transformers, timm, schedules\n")
