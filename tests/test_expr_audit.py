"""The expression interpreter audited: random syntax trees, token soup and unicode are refused
or stay within the whitelisted language (never reaching eval/exec), expressions in the
language evaluate to numbers or fail with our error, and resource bombs end in our error."""

from __future__ import annotations

import ast
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from lrsched.expr import ExpressionError, compile_expression


_NAMES = ["epoch", "x", "pi", "e", "exp", "log", "min", "open", "__import__", "os", "eval", "self",
          "__builtins__", "True", "print", "getattr"]


_OPERATORS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
              ast.LShift, ast.RShift, ast.BitOr, ast.BitAnd, ast.BitXor]


_COMPARISONS = [ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot]


_CONSTANTS = st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=5), st.binary(max_size=3), st.none(), st.booleans(),
                       st.complex_numbers(max_magnitude=10), st.just(...))


_leaf = st.one_of(_CONSTANTS.map(lambda v: ast.Constant(value=v)),
                  st.sampled_from(_NAMES).map(lambda n: ast.Name(id=n, ctx=ast.Load())))


def _nodes(children):
    few = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda l, op, r: ast.BinOp(left=l, op=op(), right=r), children, st.sampled_from(_OPERATORS), children),
        st.builds(lambda op, v: ast.UnaryOp(op=op(), operand=v),
                  st.sampled_from([ast.UAdd, ast.USub, ast.Not, ast.Invert]), children),
        st.builds(lambda op, vs: ast.BoolOp(op=op(), values=vs), st.sampled_from([ast.And, ast.Or]),
                  st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda l, ops, cs: ast.Compare(left=l, ops=[o() for o in ops[:len(cs)]], comparators=cs[:len(ops)]),
                  children, st.lists(st.sampled_from(_COMPARISONS), min_size=1, max_size=2), few),
        st.builds(lambda t, a, b: ast.IfExp(test=t, body=a, orelse=b), children, children, children),
        st.builds(lambda f, args, kw: ast.Call(func=ast.Name(id=f, ctx=ast.Load()), args=args,
                                               keywords=[ast.keyword(arg="k", value=kw)] if kw else []),
                  st.sampled_from(_NAMES), st.lists(children, max_size=3), st.one_of(st.none(), children)),
        st.builds(lambda v, a: ast.Call(func=ast.Attribute(value=v, attr=a, ctx=ast.Load()), args=[], keywords=[]),
                  children, st.sampled_from(["__class__", "system", "real", "__globals__"])),
        st.builds(lambda v, a: ast.Attribute(value=v, attr=a, ctx=ast.Load()),
                  children, st.sampled_from(["__class__", "__subclasses__", "real", "mro"])),
        st.builds(lambda v, i: ast.Subscript(value=v, slice=i, ctx=ast.Load()), children, children),
        few.map(lambda vs: ast.Tuple(elts=vs, ctx=ast.Load())),
        few.map(lambda vs: ast.List(elts=vs, ctx=ast.Load())),
        few.map(lambda vs: ast.Set(elts=vs)),
        st.builds(lambda k, v: ast.Dict(keys=[k], values=[v]), children, children),
        st.builds(lambda a, body: ast.Lambda(args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a)], kwonlyargs=[],
                                                                kw_defaults=[], defaults=[]), body=body),
                  st.sampled_from(["epoch", "x", "e"]), children),
        st.builds(lambda elt, it: ast.ListComp(elt=elt, generators=[ast.comprehension(
            target=ast.Name(id="epoch", ctx=ast.Store()), iter=it, ifs=[], is_async=0)]), children, children),
        st.builds(lambda v: ast.NamedExpr(target=ast.Name(id="epoch", ctx=ast.Store()), value=v), children),
        st.builds(lambda v: ast.JoinedStr(values=[ast.FormattedValue(value=v, conversion=-1)]), children),
        children.map(lambda v: ast.Starred(value=v, ctx=ast.Load())),
    )


SYNTAX_TREES = st.recursive(_leaf, _nodes, max_leaves=14)


# Trees in the language (numbers of every size, the variable, the constants; every allowed
# operator and function), so that the evaluator, not only the checker, is exercised.
_valid_leaf = st.one_of(
    st.sampled_from(["epoch", "epoch", "pi", "e"]).map(lambda n: ast.Name(id=n, ctx=ast.Load())),
    st.one_of(st.integers(-100, 100), st.integers(-2 ** 63, 2 ** 63 - 1),
              st.floats(allow_nan=False, allow_infinity=True)).map(lambda v: ast.Constant(value=abs(v)))
    .map(lambda c: c if not (isinstance(c.value, float) and math.isinf(c.value)) else ast.Constant(value=1e308)),
)


_CALLS = {"min": 2, "max": 3, "abs": 1, "floor": 1, "ceil": 1, "exp": 1, "log": 1, "sqrt": 1, "cos": 1, "sin": 1}


def _valid_nodes(children):
    return st.one_of(
        st.builds(lambda l, op, r: ast.BinOp(left=l, op=op(), right=r), children, st.sampled_from(_OPERATORS[:7]),
                  children),
        st.builds(lambda op, v: ast.UnaryOp(op=op(), operand=v), st.sampled_from([ast.UAdd, ast.USub, ast.Not]),
                  children),
        st.builds(lambda op, vs: ast.BoolOp(op=op(), values=vs), st.sampled_from([ast.And, ast.Or]),
                  st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda l, op, r: ast.Compare(left=l, ops=[op()], comparators=[r]), children,
                  st.sampled_from(_COMPARISONS[:6]), children),
        st.builds(lambda t, a, b: ast.IfExp(test=t, body=a, orelse=b), children, children, children),
        st.builds(lambda f, args: ast.Call(func=ast.Name(id=f, ctx=ast.Load()), args=args[:_CALLS[f]], keywords=[]),
                  st.sampled_from(sorted(_CALLS)), st.lists(children, min_size=3, max_size=3)),
    )


VALID_TREES = st.recursive(_valid_leaf, _valid_nodes, max_leaves=12)


# What the language may contain (SPEC.md section 1), stated independently of lrsched.expr.
_WHITELIST = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
              ast.IfExp, ast.Call, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
              ast.UAdd, ast.USub, ast.Not, ast.And, ast.Or, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


_FUNCTIONS = {"min", "max", "abs", "floor", "ceil", "exp", "log", "sqrt", "cos", "sin"}


def _forbidden(*args, **kwargs):
    raise AssertionError("the expression interpreter called eval/exec")


def _audit(text: str, var: str = "epoch") -> None:
    """``text`` either is refused with ExpressionError, or is in the language and evaluates
    to numbers (or fails at some value with ExpressionError), never via eval/exec."""
    with mock.patch("builtins.eval", _forbidden), mock.patch("builtins.exec", _forbidden):
        try:
            expression = compile_expression(text, var)
        except ExpressionError:
            event("refused")
            return
        body = ast.parse(expression.source, mode="eval")
        if isinstance(body.body, ast.Lambda):
            body = ast.Expression(body=body.body.body)
        for node in ast.walk(body):
            assert isinstance(node, _WHITELIST), (text, type(node).__name__)
            if isinstance(node, ast.Name):
                assert node.id in _FUNCTIONS | {var, "pi", "e"}, text
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and not node.keywords, text
            if isinstance(node, ast.Constant):
                assert type(node.value) in (int, float), text
        try:
            out = expression(np.arange(200))
        except ExpressionError:
            event("accepted, failed at some value")
            return
    event("accepted, evaluated")
    assert out.shape == (200,) and out.dtype.kind in "biuf", (text, out.dtype)


def _unparse(tree) -> str:
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(body=tree)))
    except Exception:     # a tree ast cannot even print is no input a user could type
        assume(False)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(SYNTAX_TREES)
def test_random_syntax_trees_are_refused_or_whitelisted(tree):
    _audit(_unparse(tree))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(VALID_TREES, st.sampled_from(["", "lambda epoch: "]))
def test_random_expressions_in_the_language_evaluate_or_fail_cleanly(tree, prefix):
    _audit(prefix + _unparse(tree))


_TOKENS = ["epoch", "x", "(", ")", "+", "-", "*", "/", "%", "<", "==", "!", ".", ",", ":", "0", "1", "9", "e",
           "j", "lambda ", " if ", " else ", " and ", " or ", " not ", "**", "//", "exp(", "min(", "__import__",
           ".__class__", "1e999", "9" * 30, "'s'", "[", "]", "{", "}", "@", "~", "^", "|", "&", "#", "\\",
           "\t", "\n", " ", "\x00", "\u00e9", "\U0001d41e"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join))
def test_random_token_soup_is_refused_or_whitelisted(text):
    _audit(text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=80))
def test_random_unicode_is_refused_or_whitelisted(text):
    _audit(text)


# Each bomb ends in our error (the phrase given) or, where it is harmless, in finite values.
# (How fast they end is for benchmarks/, not for an assertion here.)
@pytest.mark.parametrize("bomb, phrase", [
    ("9 ** 9 ** 9", "gives inf"), ("10 ** 10 ** 10", "gives inf"),
    ("(epoch + 2) ** 9 ** 9 ** 9", "gives inf"), ("epoch ** epoch ** epoch", "gives inf"),
    ("9" * 19, "integer literal is too large"), ("9" * 1999, "integer literal is too large"),
    ("1" + "0" * 400 + ".0", "gives inf"), ("1e99999", "gives inf"),
    ("(" * 1000 + "epoch" + ")" * 1000, "expression is too long"),
    ("(" * 99 + "epoch" + ")" * 99, None), ("-" * 1999 + "epoch", "expression is too long"),
    ("not " * 400 + "epoch", "expression is too large"),
    ("+".join(["epoch"] * 500), "expression is too long"),
    (" and ".join(["epoch"] * 150), "expression is nested too deeply"),
    ("min(" * 99 + "epoch" + ", 1)" * 99, "expression is nested too deeply"),
    ("exp(" * 60 + "epoch" + ")" * 60, "gives inf"),
    ("epoch < " * 150 + "1", "expression is too large"),
    (" if epoch else ".join(["epoch"] * 90), "expression is too large"),
    ("[epoch] * 10 ** 9", "'List' syntax is not allowed"),
    ("'x' * 10 ** 9", "only numbers are allowed as constants"),
    ("2 ** 62 * 2 ** 62 * 2 ** 62", None), ("floor(epoch * 1e300) ** 99", "gives inf"),
    ("lambda epoch: " * 200 + "epoch", "expression is too long"),
])
def test_resource_bombs_end_in_our_error(bomb, phrase):
    def evaluate():
        return compile_expression(bomb, "epoch").evaluate_finite(np.arange(100_000), what="lr_lambda")

    if phrase is None:
        assert np.all(np.isfinite(evaluate()))
        return
    with pytest.raises(ExpressionError) as info:
        evaluate()
    assert phrase in info.value.message, info.value.message


def test_nesting_limits_have_messages():
    with pytest.raises(ExpressionError, match=r"nested too deeply \(1\d\d levels; at most 100\)"):
        compile_expression("-(" * 120 + "epoch" + ")" * 120, "epoch")
    with pytest.raises(ExpressionError, match=r"nested too deeply"):
        compile_expression(" and ".join(["epoch"] * 150), "epoch")
    assert compile_expression("min(" * 40 + "epoch" + ", 1)" * 40, "epoch")(np.arange(3)).tolist() == [0, 1, 1]
