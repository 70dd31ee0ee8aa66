"""The safe expression language of specs (``lr_lambda``, ``scale_fn``, ``metrics``).

An expression is parsed with :mod:`ast` and then *interpreted* by this module over a NumPy
array holding every value of its one variable (``epoch`` or ``x``) at once.  Only the node
types and names below are accepted; nothing a spec says is ever handed to ``eval``/``exec``.

Accepted: numbers, the variable, ``+ - * / // % **``, comparisons (chains too),
``a if c else b``, ``and or not``, the functions ``min max abs floor ceil exp log sqrt cos
sin`` and the constants ``pi e``, with an optional ``lambda VAR:`` prefix.

The results equal what the same text gives as a Python ``lambda`` called with Python ints,
to the last bit: integers stay integers (``epoch // 3``), ``**``, ``exp`` and ``log`` use
the C library's correctly-rounding-in-practice routines like Python's ``float.__pow__`` and
:mod:`math` (NumPy's SIMD ``power``/``exp``/``log`` differ by one ulp in a few per
thousand), and ``a if c else b``/``and``/``or`` only evaluate the branch each element takes,
so ``1 / epoch if epoch > 0 else 1`` is fine at epoch 0.
"""

from __future__ import annotations

import ast
import math
from lrsched.records import dataclass, field

import numpy as np

from lrsched.errors import SpecError

MAX_LENGTH = 2000          # characters of source text
MAX_NODES = 400            # AST nodes
MAX_DEPTH = 100            # nesting: the checker and the interpreter recurse once per level
MAX_INT_LITERAL = 2 ** 63 - 1
_EXACT_INT = 2 ** 53


class ExpressionError(SpecError):
    """An expression that is not in the language, or fails at some value of its variable."""


_FUNCTIONS = {
    "min": (2, None),
    "max": (2, None),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "exp": (1, 1),
    "log": (1, 1),
    "sqrt": (1, 1),
    "cos": (1, 1),
    "sin": (1, 1),
}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_MATH_FUNCTIONS = ("floor", "ceil", "exp", "log", "sqrt", "cos", "sin")   # the rest are builtins
ALLOWED_NAMES = tuple(sorted(_FUNCTIONS)) + tuple(sorted(_CONSTANTS))

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_CMPOPS = {
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
    ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal,
}
_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**",
}


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return f"name '{node.id}'"
    if isinstance(node, ast.Attribute):
        return "attribute access '." + node.attr + "'"
    if isinstance(node, ast.Call):
        return "this call"
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"
    return f"'{type(node).__name__}' syntax"


@dataclass(frozen=True)
class Expression:
    """A checked expression in one variable; call it with an integer array of values."""

    source: str
    var: str
    _body: ast.expr = field(repr=False, compare=False)

    def __call__(self, values) -> np.ndarray:
        values = np.asarray(values)
        try:
            with np.errstate(all="ignore"):
                result = _Evaluator(self.var).run(self._body, values)
        except RecursionError:   # pragma: no cover - MAX_DEPTH keeps well inside the limit
            raise ExpressionError(f"expression {self.source!r} is nested too deeply to evaluate") from None
        return np.broadcast_to(np.asarray(result), values.shape)

    def python(self) -> str:
        """The expression as Python source of the lambda it stands for, its functions and
        constants from :mod:`math` (``lambda epoch: 0.5 ** math.floor(epoch / 3)``): what
        ``lrsched export`` writes.  Only printed, never run here; it computes exactly what
        the expression computes (the language is Python's arithmetic)."""
        var = self.var

        class Qualify(ast.NodeTransformer):
            def visit_Name(self, node):
                if node.id != var and (node.id in _CONSTANTS or node.id in _MATH_FUNCTIONS):
                    return ast.copy_location(ast.Attribute(ast.Name("math", ast.Load()), node.id, ast.Load()), node)
                return node

        import copy

        body = Qualify().visit(copy.deepcopy(self._body))
        return f"lambda {self.var}: {ast.unparse(body)}"

    @property
    def uses_math(self) -> bool:
        """Whether :meth:`python` needs ``import math``."""
        return any(isinstance(n, ast.Name) and n.id != self.var and (n.id in _CONSTANTS or n.id in _MATH_FUNCTIONS)
                   for n in ast.walk(self._body))

    def evaluate_finite(self, values, *, what: str = "the expression") -> np.ndarray:
        """Evaluate as float64 and refuse any inf/NaN, naming the first value that gives one."""
        out = self(values).astype(np.float64)
        bad = ~np.isfinite(out)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ExpressionError(
                f"{what} {self.source!r} gives {float(out[i])!r} at {self.var} = {np.asarray(values).flat[i]}"
            )
        return out


@dataclass(frozen=True)
class PythonFunction:
    """A Python callable in place of an expression (a spec given as a mapping, from Python):
    the same interface as :class:`Expression`, but the function is called once per value,
    with a Python ``int``, as torch calls ``lr_lambda(last_epoch)``, ``scale_fn(cycle)`` and
    passes ``float(metrics)``; each result is taken as ``float(result)``, which is what
    ``base_lr * result`` computes with.  Slower than an expression, and it cannot be written
    to a file; the rows equal torch's and the equivalent expression's, bit for bit."""

    function: object
    var: str

    @property
    def source(self) -> str:
        """The function's name as Python shows it (``<lambda>``, ``warmup``), for messages."""
        return getattr(self.function, "__qualname__", None) or repr(self.function)

    def __call__(self, values) -> np.ndarray:
        values = np.asarray(values)
        out = np.empty(values.shape, dtype=np.float64)
        flat = out.reshape(-1)
        for i, value in enumerate(values.reshape(-1).tolist()):
            try:
                result = self.function(value)
            except Exception as exc:
                raise ExpressionError(f"function {self.source} raised {type(exc).__name__}: {exc} "
                                      f"at {self.var} = {value}") from exc
            try:
                if isinstance(result, (str, bytes)):
                    raise TypeError
                flat[i] = float(result)
            except (TypeError, ValueError, OverflowError):
                raise ExpressionError(f"function {self.source} returned {result!r} at {self.var} = "
                                      f"{value}, not a number") from None
        return out

    def evaluate_finite(self, values, *, what: str = "the function") -> np.ndarray:
        """Call at every value, as float64, refusing inf/NaN as :meth:`Expression.evaluate_finite`."""
        out = self(values)
        bad = ~np.isfinite(out)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ExpressionError(f"{what} {self.source} gives {float(out[i])!r} at "
                                  f"{self.var} = {np.asarray(values).flat[i]}")
        return out


def compile_callable(function, var: str) -> PythonFunction:
    """A Python callable as an expression in ``var`` (see :class:`PythonFunction`)."""
    if not callable(function):
        raise ExpressionError(f"expected a callable of '{var}', got {type(function).__name__}")
    return PythonFunction(function, var)


def compile_expression(source, var: str) -> Expression:
    """Parse and check ``source`` (a string, or a plain number) as an expression in ``var``."""
    if isinstance(source, bool) or not isinstance(source, (str, int, float)):
        raise ExpressionError(f"expected an expression string in '{var}', got {type(source).__name__}")
    text = str(source).strip()
    if not text:
        raise ExpressionError(f"expected an expression in '{var}', got an empty string")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters; at most {MAX_LENGTH})")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise ExpressionError(f"cannot parse expression {text!r}: {msg}") from None
    body = tree.body
    if isinstance(body, ast.Lambda):
        args = body.args
        names = [a.arg for a in args.args]
        if (len(names) != 1 or args.posonlyargs or args.kwonlyargs or args.vararg
                or args.kwarg or args.defaults):
            raise ExpressionError(
                f"a lambda here takes exactly one argument (lambda {var}: ...), "
                f"got lambda {_signature(args)}"
            )
        if names[0] in _FUNCTIONS:
            raise ExpressionError(f"the lambda's argument cannot be called '{names[0]}': that is a "
                                  f"function here (lambda {var}: ...)")
        var = names[0]        # `lambda step: ...`, `lambda e: ...`: any one name, as in Python
        body = body.body
    count = sum(1 for _ in ast.walk(body))
    if count > MAX_NODES:
        raise ExpressionError(f"expression is too large ({count} syntax nodes; at most {MAX_NODES})")
    depth = _depth(body)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression is nested too deeply ({depth} levels; at most {MAX_DEPTH})")
    _check(body, var)
    return Expression(text, var, body)


def _signature(args: ast.arguments) -> str:
    """A lambda's parameters as written (``a, b``, ``*x``, ``k=1``)."""
    return ast.unparse(args) or "(nothing)"


def _depth(root: ast.AST) -> int:
    """How deep the interpreter will recurse: nesting levels, with each further operand of
    ``a and b and c`` one level deeper (it is evaluated as ``a and (b and c)``)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, ast.BoolOp):
            stack.extend((v, depth + 1 + i) for i, v in enumerate(node.values))
        else:
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check(node: ast.AST, var: str) -> None:
    """Refuse every node outside the whitelist, with the reason."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"only numbers are allowed as constants, got {value!r}")
        if isinstance(value, int) and abs(value) > MAX_INT_LITERAL:
            raise ExpressionError(f"integer literal is too large (at most {MAX_INT_LITERAL})")
        return
    if isinstance(node, ast.Name):
        if node.id != var and node.id not in _CONSTANTS:
            if node.id in _FUNCTIONS:
                raise ExpressionError(f"'{node.id}' is a function: call it, e.g. {node.id}(...)")
            raise ExpressionError(
                f"unknown name '{node.id}': the only variable is '{var}'; "
                f"allowed names: {', '.join(ALLOWED_NAMES)}"
            )
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BINOPS):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.left, var)
        _check(node.right, var)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.UAdd, ast.USub, ast.Not)):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.operand, var)
        return
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, var)
        return
    if isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _CMPOPS:
                raise ExpressionError(f"comparison {type(op).__name__} is not allowed")
        _check(node.left, var)
        for c in node.comparators:
            _check(c, var)
        return
    if isinstance(node, ast.IfExp):
        _check(node.test, var)
        _check(node.body, var)
        _check(node.orelse, var)
        return
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in _FUNCTIONS:
            callee = func.id if isinstance(func, ast.Name) else None
            what = f"function '{callee}'" if callee else _describe(func)
            raise ExpressionError(
                f"{what} is not allowed; allowed functions: {', '.join(sorted(_FUNCTIONS))}"
            )
        if node.keywords:
            raise ExpressionError(f"{func.id}() takes no keyword arguments")
        low, high = _FUNCTIONS[func.id]
        n = len(node.args)
        if n < low or (high is not None and n > high):
            want = f"exactly {low}" if low == high else f"at least {low}"
            raise ExpressionError(f"{func.id}() takes {want} argument(s), got {n}")
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise ExpressionError("argument unpacking (*) is not allowed")
            _check(a, var)
        return
    raise ExpressionError(f"{_describe(node)} is not allowed in an expression")


def _is_int(a) -> bool:
    return np.asarray(a).dtype.kind in "iub"


class _Evaluator:
    """Interprets a checked AST over the array of the variable's values (the current subset)."""

    def __init__(self, var: str) -> None:
        self.var = var

    def run(self, node, values):
        self.values = values
        return self.eval(node, values)

    def fail_at(self, message: str, values, mask) -> None:
        where = np.flatnonzero(np.broadcast_to(mask, np.shape(values)))
        at = np.asarray(values).flat[int(where[0])] if where.size else "?"
        raise ExpressionError(f"{message} at {self.var} = {at}")

    def eval(self, node, v):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return v if node.id == self.var else _CONSTANTS[node.id]
        if isinstance(node, ast.UnaryOp):
            a = self.eval(node.operand, v)
            if isinstance(node.op, ast.Not):
                return np.logical_not(a)
            if isinstance(node.op, ast.USub):
                return np.negative(np.asarray(a, dtype=np.int64) if _is_int(a) else a)
            return a
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left, v), self.eval(node.right, v), v)
        if isinstance(node, ast.Compare):
            left = self.eval(node.left, v)
            result = True
            for op, comp in zip(node.ops, node.comparators):
                right = self.eval(comp, v)
                result = np.logical_and(result, _CMPOPS[type(op)](left, right))
                left = right
            return result
        if isinstance(node, ast.IfExp):
            test = np.broadcast_to(np.asarray(self.eval(node.test, v), dtype=bool), np.shape(v))
            return self.select(test, node.body, node.orelse, v)
        if isinstance(node, ast.BoolOp):
            # Python's `a and b` is `b if a else a`; `a or b` is `a if a else b`, short-circuit.
            first = self.eval(node.values[0], v)
            if len(node.values) == 1:
                return first
            rest = ast.BoolOp(op=node.op, values=node.values[1:])
            truthy = np.broadcast_to(np.asarray(first).astype(bool), np.shape(v))
            if isinstance(node.op, ast.And):
                return self.merge(~truthy, first, rest, v)
            return self.merge(truthy, first, rest, v)
        if isinstance(node, ast.Call):
            args = [self.eval(a, v) for a in node.args]
            return self.call(node.func.id, args, v)
        raise ExpressionError(f"{_describe(node)} is not allowed")  # unreachable after _check

    def select(self, mask, yes_node, no_node, v):
        """Evaluate ``yes_node`` only where mask holds and ``no_node`` elsewhere."""
        if np.ndim(v) == 0:
            return self.eval(yes_node, v) if bool(mask) else self.eval(no_node, v)
        if mask.all():
            return self.eval(yes_node, v)
        if not mask.any():
            return self.eval(no_node, v)
        a = np.broadcast_to(self.eval(yes_node, v[mask]), (int(mask.sum()),))
        b = np.broadcast_to(self.eval(no_node, v[~mask]), (int((~mask).sum()),))
        out = np.empty(np.shape(v), dtype=np.result_type(a, b))
        out[mask] = a
        out[~mask] = b
        return out

    def merge(self, keep, first, rest_node, v):
        """Where ``keep`` holds the value is ``first``; elsewhere ``rest_node`` is evaluated."""
        if np.ndim(v) == 0:
            return first if bool(keep) else self.eval(rest_node, v)
        if keep.all():
            return first
        rest = np.broadcast_to(self.eval(rest_node, v[~keep]), (int((~keep).sum()),))
        first = np.broadcast_to(np.asarray(first), np.shape(v))
        out = np.empty(np.shape(v), dtype=np.result_type(first, rest))
        out[keep] = first[keep]
        out[~keep] = rest
        return out

    def binop(self, op, a, b, v):
        if isinstance(op, ast.Add):
            return self.int_safe(np.add, a, b)
        if isinstance(op, ast.Sub):
            return self.int_safe(np.subtract, a, b)
        if isinstance(op, ast.Mult):
            return self.int_safe(np.multiply, a, b)
        if isinstance(op, ast.Pow):
            return self.power(a, b, v)
        zero = np.asarray(b) == 0
        if np.any(zero):
            self.fail_at(f"division by zero ('{_SYMBOL[type(op)]}')", v, zero)
        if isinstance(op, ast.Div):
            return np.true_divide(a, b)
        if isinstance(op, ast.FloorDiv):
            return np.floor_divide(a, b)
        return np.remainder(a, b)

    @staticmethod
    def int_safe(ufunc, a, b):
        # Python ints never overflow; int64 does.  Go to float64 when the exact result could
        # leave the range where float64 and Python agree.
        if _is_int(a) and _is_int(b):
            bound = float(np.max(np.abs(a), initial=0)) + float(np.max(np.abs(b), initial=0))
            if ufunc is np.multiply:
                bound = float(np.max(np.abs(a), initial=0)) * float(np.max(np.abs(b), initial=0))
            if bound >= _EXACT_INT:
                return ufunc(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
            return ufunc(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        return ufunc(a, b)

    def power(self, a, b, v):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        zero_neg = (a_arr == 0) & (b_arr < 0)
        if np.any(zero_neg):
            self.fail_at("0 raised to a negative power", v, zero_neg)
        if _is_int(a_arr) and _is_int(b_arr) and not np.any(b_arr < 0):
            result = np.float_power(a_arr.astype(np.float64), b_arr.astype(np.float64))
            if np.all(np.abs(result) < _EXACT_INT):
                return result.astype(np.int64)
            return result
        # Python's float ** float: a negative base with a non-integral exponent is complex.
        neg = (a_arr < 0) & (np.floor(b_arr) != b_arr)
        if np.any(neg):
            self.fail_at("a negative number raised to a fractional power", v, neg)
        return np.float_power(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))

    def call(self, name, args, v):
        if name in ("min", "max"):
            fold = np.minimum if name == "min" else np.maximum
            result = args[0]
            for a in args[1:]:
                result = fold(result, a)
            return result
        (a,) = args
        if name == "abs":
            return np.abs(a)
        if name in ("floor", "ceil"):
            if _is_int(a):
                return a
            r = (np.floor if name == "floor" else np.ceil)(a)
            bad = ~np.isfinite(r)
            if np.any(bad):
                self.fail_at(f"{name}() of a non-finite number", v, bad)
            return r.astype(np.int64) if np.all(np.abs(r) < _EXACT_INT) else r
        if name in ("log", "sqrt"):
            bad = np.asarray(a) <= 0 if name == "log" else np.asarray(a) < 0
            if np.any(bad):
                self.fail_at(f"{name}() of a {'non-positive' if name == 'log' else 'negative'} number", v, bad)
        if name == "sqrt":
            return np.sqrt(np.asarray(a, dtype=np.float64))
        if name == "cos":
            return np.cos(np.asarray(a, dtype=np.float64))
        if name == "sin":
            return np.sin(np.asarray(a, dtype=np.float64))
        return _exact_unary(math.exp if name == "exp" else math.log, a)


def _exact_unary(fn, a):
    """Apply a :mod:`math` function elementwise (NumPy's SIMD exp/log differ by an ulp)."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        return _safe_math(fn, float(arr))
    uniq, inverse = np.unique(arr, return_inverse=True)
    mapped = np.array([_safe_math(fn, float(x)) for x in uniq], dtype=np.float64)
    return mapped[inverse].reshape(arr.shape)


def _safe_math(fn, x: float) -> float:
    try:
        return fn(x)
    except OverflowError:
        return math.inf

