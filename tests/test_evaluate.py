"""The fast op evaluator against its reference, bit for bit.

``lrsched.schedules.evaluate.reference`` (the plain loop ``lr = a * (lr - m) + m + b``, op by
op) is the definition; these tests hold it to torch's four update forms, then hold the fast
evaluator (``evaluate``, ``write_rows``) and every scheduler's standalone run to it: random op
sequences of every kind, composed as SequentialLR and ChainedScheduler compose them, and every
golden configuration."""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_golden
from lrsched.schedules.affine import Ops, assign, concat, interleave, multiply
from lrsched.schedules.evaluate import CHUNK, MAX_ROUNDS, PRODUCTS, SHORT, evaluate, reference, reference_rows, write_rows
from lrsched.schedules.stepper import Epochs, Rows
from lrsched.spec import load_spec

GOLDEN = load_golden("schedules.json")


# ---- the reference is torch's four forms ---------------------------------------------------

def test_reference_rounds_each_form_as_torch():
    """Each form torch uses, transcribed with Python floats in torch's order, one op at a time."""
    rng = random.Random(0)
    for _ in range(2000):
        lr, a, m, b = (rng.uniform(-2, 2) * 10 ** rng.randint(-8, 2) for _ in range(4))
        forms = [((a, 0.0, 0.0), lr * a),                   # the chainable decays: group["lr"] * factor
                 ((a, m, 0.0), a * (lr - m) + m),           # CosineAnnealingLR's recurrence
                 ((1.0, 0.0, b), lr + b),                   # its step after a trough
                 ((0.0, 0.0, b), b)]                        # an assignment
        for (fa, fm, fb), expected in forms:
            got = reference(np.array([lr]), Ops(np.array([[fa]]), np.array([[fm]]), np.array([[fb]])))
            assert got[0, 0] == expected


def test_reference_follows_the_ops_in_order():
    ops = Ops(np.array([[0.5], [0.0], [2.0], [1.0]]), np.array([[0.0], [0.0], [0.25], [0.0]]),
              np.array([[0.0], [3.0], [0.0], [0.125]]))
    lr = 1.0
    expected = []
    for step in (lambda x: x * 0.5, lambda x: 3.0, lambda x: 2.0 * (x - 0.25) + 0.25, lambda x: x + 0.125):
        lr = step(lr)
        expected.append(lr)
    assert reference(np.array([1.0]), ops)[:, 0].tolist() == expected


# ---- random op sequences -------------------------------------------------------------------

KINDS = ("mul", "cos", "add", "set", "neutral", "general")


def random_ops(rng: random.Random, n: int, groups: int, kinds=KINDS):
    """Runs of products, cosine steps about one or two centres, additions, assignments, neutral
    ops and (not a torch form, but within the evaluator's) ops with every term."""
    a, m, b = np.ones((n, groups)), np.zeros((n, groups)), np.zeros((n, groups))
    i = 0
    while i < n:
        kind = rng.choice(kinds)
        length = rng.choice([1, 2, 5, PRODUCTS - 1, PRODUCTS, 70, SHORT + 1, 300])
        sl = slice(i, min(n, i + length))
        rows = sl.stop - sl.start
        if kind == "mul":
            a[sl] = [[rng.uniform(0.9, 1.1) for _ in range(groups)] for _ in range(rows)]
        elif kind == "cos":
            a[sl] = [[rng.uniform(0.5, 1.5) for _ in range(groups)] for _ in range(rows)]
            m[sl] = rng.choice([0.001, 0.05]) if rng.random() < 0.7 else [rng.choice([0.001, 0.05]) for _ in range(groups)]
        elif kind == "add":
            b[sl.start] = rng.uniform(0.001, 0.01)
        elif kind == "set":
            a[sl.start], b[sl.start] = 0.0, rng.uniform(0.01, 0.1)
        elif kind == "general":
            a[sl.start], m[sl.start], b[sl.start] = rng.uniform(0.5, 1.5), rng.uniform(0, 0.1), rng.uniform(0, 0.01)
        i = sl.stop
    return a, m, b


def as_ops(a, m, b, narrow: bool = False) -> Ops:
    """``Ops`` with absent terms as None, and (``narrow``) a single column where all groups agree."""
    def col(x):
        return x[:, :1] if narrow and (x == x[:, :1]).all() else x
    return Ops(col(a), col(m) if m.any() else None, col(b) if b.any() else None)


@pytest.mark.parametrize("seed", range(40))
def test_evaluate_is_the_reference_bit_for_bit(seed):
    rng = random.Random(seed)
    groups = rng.choice([1, 2])
    a, m, b = random_ops(rng, rng.choice([3, 50, 700, 3000]), groups)
    x0 = np.array([0.1, 0.03][:groups])
    ops = as_ops(a, m, b, narrow=rng.random() < 0.5)
    np.testing.assert_array_equal(evaluate(x0, ops), reference(x0, ops))


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_each_kind_alone(kind):
    rng = random.Random(kind)
    a, m, b = random_ops(rng, 2000, 2, kinds=(kind, "neutral") if kind in ("add", "set", "general") else (kind,))
    x0 = np.array([0.1, 0.03])
    ops = as_ops(a, m, b)
    np.testing.assert_array_equal(evaluate(x0, ops), reference(x0, ops))


def test_evaluate_chains_of_many_short_dependent_runs():
    """A product and a cosine step in every call, e.g. ExponentialLR chained with a cosine:
    more than MAX_ROUNDS dependent runs, finished by the plain loop."""
    n = 4000
    rng = np.random.default_rng(3)
    a = np.empty((n, 1))
    a[0::2], a[1::2] = 0.999, rng.uniform(0.9, 1.1, (n // 2, 1))
    m = np.zeros((n, 1))
    m[1::2] = 0.01
    ops = Ops(a, m, np.zeros((n, 1)))
    assert n // 2 > MAX_ROUNDS
    np.testing.assert_array_equal(evaluate(np.array([0.1]), ops), reference(np.array([0.1]), ops))


def test_evaluate_a_long_cosine_stretch_in_chunks():
    """One centre over more than CHUNK ops: the plain loop's batches join exactly."""
    n = CHUNK + 1000
    a = np.random.default_rng(5).uniform(0.99999, 1.00001, (n, 1))
    ops = Ops(a, np.full((n, 1), 0.001))
    np.testing.assert_array_equal(evaluate(np.array([0.1]), ops), reference(np.array([0.1]), ops))


@st.composite
def op_runs(draw):
    groups = draw(st.integers(1, 2))
    runs = draw(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(1, 80),
                                   st.floats(0.5, 1.5), st.floats(0.0, 0.1)), min_size=1, max_size=12))
    a_list, m_list, b_list = [], [], []
    for kind, length, f, c in runs:
        a, m, b = np.ones((length, groups)), np.zeros((length, groups)), np.zeros((length, groups))
        if kind in ("mul", "cos"):
            a[:] = f ** np.linspace(0.5, 1.5, length * groups).reshape(length, groups)
        if kind == "cos":
            m[:] = c
        if kind in ("add", "general"):
            b[0] = c
        if kind == "general":
            m[0] = c / 2
        if kind == "set":
            a[0], b[0] = 0.0, c
        a_list.append(a), m_list.append(m), b_list.append(b)
    x0 = np.array(draw(st.lists(st.floats(1e-6, 10.0), min_size=groups, max_size=groups)))
    return x0, np.concatenate(a_list), np.concatenate(m_list), np.concatenate(b_list)


@settings(max_examples=150, deadline=None)
@given(op_runs())
def test_evaluate_is_the_reference_for_any_runs(case):
    x0, a, m, b = case
    ops = as_ops(a, m, b)
    np.testing.assert_array_equal(evaluate(x0, ops), reference(x0, ops))


# ---- calls: one op each, several (ChainedScheduler), in series (SequentialLR), momentum -----

def random_calls(rng: random.Random, n: int, groups: int, depth: int = 1):
    """A batch of ``n`` calls as a scheduler or composite returns it."""
    kind = rng.choice(["ops", "assign", "interleave", "series"] if depth else ["ops", "assign"])
    if kind == "ops":
        return as_ops(*random_ops(rng, n, groups), narrow=rng.random() < 0.5)
    if kind == "assign":
        values = np.array([rng.uniform(0.01, 0.1) for _ in range(n * groups)]).reshape(n, groups)
        momentum = None
        if rng.random() < 0.6:
            momentum = np.array([rng.uniform(0.8, 0.95) if rng.random() < 0.7 else math.nan
                                 for _ in range(n * groups)]).reshape(n, groups)
        return assign(values, momentum, marks=(0,) if n else ())
    if kind == "interleave":
        return interleave([random_calls(rng, n, groups, depth - 1) for _ in range(rng.randint(1, 3))])
    cuts = sorted(rng.sample(range(n + 1), min(n + 1, rng.randint(0, 3))))
    bounds = [0] + cuts + [n]
    return concat([random_calls(rng, hi - lo, groups, depth - 1) for lo, hi in zip(bounds, bounds[1:])],
                  marks=tuple(cuts[:1]))


@pytest.mark.parametrize("seed", range(60))
def test_write_rows_is_the_reference_bit_for_bit(seed):
    rng = random.Random(seed)
    groups = rng.choice([1, 2])
    n = rng.choice([1, 2, 7, 90, 400])
    ops = random_calls(rng, n, groups, depth=2)
    lr0 = np.array([0.1, 0.03][:groups])
    momentum0 = np.array([0.9, 0.85][:groups]) if rng.random() < 0.8 else None
    lr, momentum = reference_rows(lr0, momentum0, ops)
    lr_rows = np.empty((n, groups))
    momentum_rows = None if momentum0 is None else np.empty((n, groups))
    last_lr, last_momentum = write_rows(lr0, momentum0, ops, lr_rows, momentum_rows)
    np.testing.assert_array_equal(lr_rows, lr)
    np.testing.assert_array_equal(last_lr, lr[-1])
    if momentum0 is not None:
        np.testing.assert_array_equal(momentum_rows, momentum)
        np.testing.assert_array_equal(last_momentum, momentum[-1])


def test_ops_built_in_the_rows_are_finished_in_place():
    """Epochs lends a standalone run's rows to its Ops (``in_rows``): the evaluator finishes
    them there, to the reference's numbers."""
    n, rng = 300, np.random.default_rng(11)
    factors = rng.uniform(0.9, 1.1, (n, 1))
    rows = Rows(np.empty((n, 1)), None)
    products = Epochs(5, n, rows).multiply()
    assert products.in_rows and products.a is rows.lr
    products.a[:] = factors
    expected, _ = reference_rows(np.array([0.1]), None, multiply(factors))
    write_rows(np.array([0.1]), None, products, rows.lr, None)
    np.testing.assert_array_equal(rows.lr, expected)

    rows = Rows(np.empty((n, 2)), np.empty((n, 2)))
    values = Epochs(0, n, rows).assign(2, momentum=True)
    assert values.in_rows and values.b is rows.lr and values.momentum is rows.momentum
    values.b[:] = rng.uniform(0.01, 0.1, (n, 2))
    values.momentum[:] = rng.uniform(0.8, 0.9, (n, 2))
    expected = reference_rows(np.array([0.1, 0.2]), np.array([0.9, 0.9]),
                              assign(values.b.copy(), values.momentum.copy()))
    write_rows(np.array([0.1, 0.2]), np.array([0.9, 0.9]), values, rows.lr, rows.momentum)
    np.testing.assert_array_equal(rows.lr, expected[0])
    np.testing.assert_array_equal(rows.momentum, expected[1])


def test_ops_not_lent_where_the_rows_do_not_fit():
    rows = Rows(np.empty((10, 2)), None)
    assert not Epochs(0, 10, rows).multiply().in_rows            # one factor for two groups
    assert not Epochs(0, 10, rows).assign(2, momentum=True).in_rows   # no momentum rows
    assert not Epochs(0, 9, rows).assign(2).in_rows              # not as many rows as calls
    assert not Epochs(0, 10).assign(2).in_rows


# ---- every scheduler's standalone run against the reference ----------------------------------

def reference_run(definition, params, groups, rows: int):
    """The standalone run with nothing lent, evaluated by the reference."""
    stepper = definition.stepper(params)
    stepper.standalone_rows = rows
    state = stepper.construct(groups)
    ops = stepper.step(rows - 1, state)
    keep = stepper.cycles_momentum and state.momentum is not None
    lr, momentum = reference_rows(state.lr, state.momentum if keep else None, ops)
    return (np.vstack([state.lr[None, :], lr]),
            np.vstack([state.momentum[None, :], momentum]) if keep else None,
            tuple(c + 1 for c in ops.marks))


@pytest.mark.parametrize("case", [c for c in GOLDEN["cases"] if c["scheduler"] != "ReduceLROnPlateau"],
                         ids=lambda c: c["id"])
def test_every_standalone_run_is_its_reference(case):
    schedule = load_spec(case["spec"]).schedules[0]
    spec, groups = schedule.scheduler, schedule.optimizer.group_state()
    got = spec.definition.run(spec.params, groups, schedule.epochs)
    lr, momentum, markers = reference_run(spec.definition, spec.params, groups, schedule.epochs)
    np.testing.assert_array_equal(got.lr, lr)
    if momentum is None:
        assert got.momentum is None
    else:
        np.testing.assert_array_equal(got.momentum, momentum)
    assert got.markers == markers
