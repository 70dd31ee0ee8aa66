"""2-D test functions for the optimizer simulator.

Each gradient is written in the order torch's autograd evaluates ``loss.backward()`` of the
forward expression quoted in its docstring (``x = p[0]``, ``y = p[1]``, ``x**2`` being
torch's ``pow(x, 2)``): the backward nodes run from the most recently created one, a
variable used several times sums its gradient contributions in that order, ``pow``'s
backward is ``grad * (n * t**(n-1))``, ``mul``'s ``grad * other``, ``sub``'s ``-grad``.
That makes the polynomial functions match autograd bit for bit; the ones with ``cos``,
``sin`` or ``sqrt`` inherit torch's one-ulp differences in those (SLEEF/MKL) kernels.
"""

from __future__ import annotations

import math
from lrsched.records import dataclass, field
from typing import Callable

import numpy as np

from lrsched.errors import SpecError
from lrsched.suggest import unknown

__all__ = ["TestFunction", "FUNCTIONS", "get_function"]

Array = np.ndarray
TWO_PI = 2 * math.pi


@dataclass(frozen=True)
class TestFunction:
    """A 2-D objective with what the simulator and the plots need to know about it.

    ``value(x, y)`` and ``grad(x, y) -> (gx, gy)`` work elementwise on arrays of any shape.
    ``minima`` is empty and ``f_min`` None when the function has no minimum (saddle).
    ``lr`` is a learning rate with which Adam-family optimizers make visible progress from
    ``start`` in about 2,000 steps.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    value: Callable[[Array, Array], Array] = field(repr=False)
    grad: Callable[[Array, Array], tuple[Array, Array]] = field(repr=False)
    domain: tuple[tuple[float, float], tuple[float, float]]
    minima: tuple[tuple[float, float], ...]
    f_min: float | None
    start: tuple[float, float]
    lr: float
    description: str

    def grad_of_floats(self) -> Callable[[float, float], tuple[float, float]]:
        """``grad`` on two Python floats, giving the floats of the batched call (the
        simulator's fast path for small batches): ``grad`` itself when it is only ``+ - * /``
        (Python's float arithmetic is NumPy's float64 arithmetic), else ``grad`` called on
        one-element arrays, the very call of a batch of one run."""
        grad = self.grad
        if any(grad is known for known in ARITHMETIC_GRADS):
            return grad

        def on_floats(x: float, y: float) -> tuple[float, float]:
            gx, gy = grad(np.array([x]), np.array([y]))
            return float(gx[0]), float(gy[0])

        return on_floats

    def nearest_minimum_distance(self, x: Array, y: Array) -> Array | None:
        """Euclidean distance from each point to the closest global minimum (None if none)."""
        if not self.minima:
            return None
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        return np.min([np.hypot(x - mx, y - my) for mx, my in self.minima], axis=0)


# --- rosenbrock --------------------------------------------------------------------------
def _rosenbrock(x, y):
    u = 1 - x
    v = y - x * x
    return u * u + 100 * (v * v)


def _rosenbrock_grad(x, y):
    """``(1 - x)**2 + 100 * (y - x**2)**2``"""
    v = y - x * x
    gv = 100 * (2 * v)
    return (-gv) * (2 * x) - 2 * (1 - x), gv


# --- rastrigin ---------------------------------------------------------------------------
def _rastrigin(x, y):
    return (((20 + x * x) - 10 * np.cos(TWO_PI * x)) + y * y) - 10 * np.cos(TWO_PI * y)


def _rastrigin_grad(x, y):
    """``20 + x**2 - 10 * cos(2 pi x) + y**2 - 10 * cos(2 pi y)``"""
    return (2 * x + (10 * np.sin(TWO_PI * x)) * TWO_PI,
            2 * y + (10 * np.sin(TWO_PI * y)) * TWO_PI)


# --- beale -------------------------------------------------------------------------------
def _beale_terms(x, y):
    y2 = y * y
    y3 = y2 * y  # torch's pow(y, 3) is y*y*y
    return ((1.5 - x) + x * y, (2.25 - x) + x * y2, (2.625 - x) + x * y3), y2, y3


def _beale(x, y):
    (t1, t2, t3), _, _ = _beale_terms(x, y)
    return (t1 * t1 + t2 * t2) + t3 * t3


def _beale_grad(x, y):
    """``(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2``"""
    (t1, t2, t3), y2, y3 = _beale_terms(x, y)
    g1, g2, g3 = 2 * t1, 2 * t2, 2 * t3
    gx = ((((g3 * y3 - g3) + g2 * y2) - g2) + g1 * y) - g1
    gy = ((g3 * x) * (3 * (y * y)) + (g2 * x) * (2 * y)) + g1 * x
    return gx, gy


# --- himmelblau --------------------------------------------------------------------------
def _himmelblau(x, y):
    t1 = (x * x + y) - 11
    t2 = (x + y * y) - 7
    return t1 * t1 + t2 * t2


def _himmelblau_grad(x, y):
    """``(x**2 + y - 11)**2 + (x + y**2 - 7)**2``"""
    g1 = 2 * ((x * x + y) - 11)
    g2 = 2 * ((x + y * y) - 7)
    return g1 * (2 * x) + g2, g1 + g2 * (2 * y)


# --- booth -------------------------------------------------------------------------------
def _booth(x, y):
    t1 = (x + 2 * y) - 7
    t2 = (2 * x + y) - 5
    return t1 * t1 + t2 * t2


def _booth_grad(x, y):
    """``(x + 2*y - 7)**2 + (2*x + y - 5)**2``"""
    g1 = 2 * ((x + 2 * y) - 7)
    g2 = 2 * ((2 * x + y) - 5)
    return g1 + g2 * 2, g1 * 2 + g2


# --- ackley ------------------------------------------------------------------------------
def _ackley(x, y):
    s = np.sqrt(0.5 * (x * x + y * y))
    a = -20 * np.exp(-0.2 * s)
    b = np.exp(0.5 * (np.cos(TWO_PI * x) + np.cos(TWO_PI * y)))
    return ((a - b) + math.e) + 20


def _ackley_grad(x, y):
    """``-20 * exp(-0.2 * sqrt(0.5 * (x**2 + y**2))) - exp(0.5 * (cos(2 pi x) + cos(2 pi y)))
    + e + 20``.

    At the kink, where ``x**2 + y**2 == 0`` in float64, the radial term's contribution is
    taken as 0, so the gradient at the origin is the subgradient (0, 0); torch's autograd
    gives NaN there (``inf * 0`` in sqrt's backward).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    s = np.sqrt(0.5 * (x * x + y * y))
    e1 = np.exp(-0.2 * s)
    e2 = np.exp(0.5 * (np.cos(TWO_PI * x) + np.cos(TWO_PI * y)))
    with np.errstate(divide="ignore", invalid="ignore"):
        gq = ((((-20 * e1) * -0.2) / (2 * s)) * 0.5)
    gq = np.where(s == 0, 0.0, gq)
    gc = (-e2) * 0.5
    gx = gq * (2 * x) + ((gc * -np.sin(TWO_PI * x)) * TWO_PI)
    gy = gq * (2 * y) + ((gc * -np.sin(TWO_PI * y)) * TWO_PI)
    return gx, gy


# --- goldstein-price ---------------------------------------------------------------------
def _gp_parts(x, y):
    b = (x + y) + 1
    c = b * b
    q = ((((19 - 14 * x) + 3 * (x * x)) - 14 * y) + (6 * x) * y) + 3 * (y * y)
    t3 = 2 * x - 3 * y
    t4 = t3 * t3
    u8 = 36 * x
    u13 = ((((18 - 32 * x) + 12 * (x * x)) + 48 * y) - u8 * y) + 27 * (y * y)
    return b, c, q, t3, t4, u8, u13


def _goldstein_price(x, y):
    _, c, q, _, t4, _, u13 = _gp_parts(x, y)
    return (1 + c * q) * (30 + t4 * u13)


def _goldstein_price_grad(x, y):
    """``(1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))
    * (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))``"""
    b, c, q, t3, t4, u8, u13 = _gp_parts(x, y)
    s = 1 + c * q
    w = 30 + t4 * u13
    gu13 = s * t4
    gt3 = (s * u13) * (2 * t3)
    gq = w * c
    ga = (w * q) * (2 * b)
    # contributions in the order the backward nodes run (latest created first), summed
    # left to right as autograd's input buffer does
    gx = ((-gu13) * y) * 36
    gx = gx + (gu13 * 12) * (2 * x)
    gx = gx + (-gu13) * 32
    gx = gx + gt3 * 2
    gx = gx + (gq * y) * 6
    gx = gx + (gq * 3) * (2 * x)
    gx = gx + (-gq) * 14
    gx = gx + ga
    gy = (gu13 * 27) * (2 * y)
    gy = gy + (-gu13) * u8
    gy = gy + gu13 * 48
    gy = gy + (-gt3) * 3
    gy = gy + (gq * 3) * (2 * y)
    gy = gy + gq * (6 * x)
    gy = gy + (-gq) * 14
    gy = gy + ga
    return gx, gy


# --- styblinski-tang ---------------------------------------------------------------------
def _styblinski_tang(x, y):
    x2 = x * x
    y2 = y * y
    return 0.5 * (((x2 * x2 - 16 * x2) + 5 * x) + ((y2 * y2 - 16 * y2) + 5 * y))


def _styblinski_tang_grad(x, y):
    """``x2 = x**2; y2 = y**2; 0.5 * ((x2**2 - 16*x2 + 5*x) + (y2**2 - 16*y2 + 5*y))``"""
    x2 = x * x
    y2 = y * y
    return 2.5 + (-8.0 + 0.5 * (2 * x2)) * (2 * x), 2.5 + (-8.0 + 0.5 * (2 * y2)) * (2 * y)


# --- six-hump camel ----------------------------------------------------------------------
def _camel(x, y):
    x2 = x * x
    y2 = y * y
    a5 = (4 - 2.1 * x2) + (x2 * x2) / 3
    return (a5 * x2 + x * y) + (4 * y2 + -4) * y2


def _camel_grad(x, y):
    """``x2 = x**2; y2 = y**2; (4 - 2.1*x2 + x2**2/3)*x2 + x*y + (-4 + 4*y2)*y2``"""
    x2 = x * x
    y2 = y * y
    a5 = (4 - 2.1 * x2) + (x2 * x2) / 3
    gx2 = (a5 + (x2 / 3) * (2 * x2)) + (-x2) * 2.1
    gy2 = (4 * y2 + -4) + y2 * 4
    return y + gx2 * (2 * x), x + gy2 * (2 * y)


# --- matyas ------------------------------------------------------------------------------
def _matyas(x, y):
    return 0.26 * (x * x + y * y) - (0.48 * x) * y


def _matyas_grad(x, y):
    """``0.26 * (x**2 + y**2) - 0.48 * x * y``"""
    return (-y) * 0.48 + 0.26 * (2 * x), -(0.48 * x) + 0.26 * (2 * y)


# --- quadratic, saddle -------------------------------------------------------------------
def _quadratic(x, y):
    return x * x + 100 * (y * y)


def _quadratic_grad(x, y):
    """``x**2 + 100 * y**2``"""
    return 2 * x, 100 * (2 * y)


def _saddle(x, y):
    return x * x - y * y


def _saddle_grad(x, y):
    """``x**2 - y**2``"""
    return 2 * x, -(2 * y)


# the gradients made of + - * / only: they take Python floats as they take arrays
ARITHMETIC_GRADS = frozenset((
    _rosenbrock_grad, _beale_grad, _himmelblau_grad, _booth_grad, _goldstein_price_grad,
    _styblinski_tang_grad, _camel_grad, _matyas_grad, _quadratic_grad, _saddle_grad))

_ST_X = -2.903534027771177
_CAMEL = (0.08984201310031806, -0.7126564030207396)

FUNCTIONS: dict[str, TestFunction] = {f.name: f for f in (
    TestFunction("rosenbrock", _rosenbrock, _rosenbrock_grad, ((-2.0, 2.0), (-1.0, 3.0)),
                 ((1.0, 1.0),), 0.0, (-1.2, 1.0), 5e-3,
                 "(1-x)^2 + 100(y-x^2)^2: a curved, narrow valley"),
    TestFunction("rastrigin", _rastrigin, _rastrigin_grad, ((-5.12, 5.12), (-5.12, 5.12)),
                 ((0.0, 0.0),), 0.0, (-2.0, 3.5), 1e-2,
                 "20 + sum(t^2 - 10cos(2 pi t)): a bowl covered in local minima"),
    TestFunction("beale", _beale, _beale_grad, ((-4.5, 4.5), (-4.5, 4.5)),
                 ((3.0, 0.5),), 0.0, (1.0, 1.5), 1e-2,
                 "sum (c_i - x + x y^i)^2: flat plateaus and sharp ridges"),
    TestFunction("himmelblau", _himmelblau, _himmelblau_grad, ((-5.0, 5.0), (-5.0, 5.0)),
                 ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                  (-3.779310253377747, -3.2831859912861696),
                  (3.5844283403304917, -1.8481265269644036)), 0.0, (0.0, 0.0), 1e-2,
                 "(x^2+y-11)^2 + (x+y^2-7)^2: four equal minima"),
    TestFunction("booth", _booth, _booth_grad, ((-10.0, 10.0), (-10.0, 10.0)),
                 ((1.0, 3.0),), 0.0, (-5.0, 5.0), 1e-2,
                 "(x+2y-7)^2 + (2x+y-5)^2: a tilted quadratic bowl"),
    TestFunction("ackley", _ackley, _ackley_grad, ((-5.0, 5.0), (-5.0, 5.0)),
                 ((0.0, 0.0),), 0.0, (3.0, -2.5), 5e-2,
                 "exponential bowl with cosine ripples; kink at the origin (subgradient 0)"),
    TestFunction("goldstein-price", _goldstein_price, _goldstein_price_grad,
                 ((-2.0, 2.0), (-2.0, 2.0)), ((0.0, -1.0),), 3.0, (-1.0, 1.5), 1e-1,
                 "a degree-8 polynomial with a huge range and several local minima"),
    TestFunction("styblinski-tang", _styblinski_tang, _styblinski_tang_grad,
                 ((-5.0, 5.0), (-5.0, 5.0)), ((_ST_X, _ST_X),), -78.33233140754282,
                 (0.0, 0.0), 1e-2, "0.5 sum(t^4 - 16t^2 + 5t): four basins, one global"),
    TestFunction("six-hump-camel", _camel, _camel_grad, ((-3.0, 3.0), (-2.0, 2.0)),
                 (_CAMEL, (-_CAMEL[0], -_CAMEL[1])), -1.0316284534898774, (1.0, 1.5), 1e-2,
                 "(4 - 2.1x^2 + x^4/3)x^2 + xy + (-4 + 4y^2)y^2: six humps, two minima"),
    TestFunction("matyas", _matyas, _matyas_grad, ((-10.0, 10.0), (-10.0, 10.0)),
                 ((0.0, 0.0),), 0.0, (-8.0, 6.0), 1e-2,
                 "0.26(x^2+y^2) - 0.48xy: a long, nearly flat valley along x = y"),
    TestFunction("quadratic", _quadratic, _quadratic_grad, ((-5.0, 5.0), (-5.0, 5.0)),
                 ((0.0, 0.0),), 0.0, (-4.5, 1.0), 1e-2,
                 "x^2 + 100y^2: an ill-conditioned bowl (condition number 100)"),
    TestFunction("saddle", _saddle, _saddle_grad, ((-2.0, 2.0), (-2.0, 2.0)),
                 (), None, (-1.5, 0.01), 1e-3,
                 "x^2 - y^2: a saddle point at the origin, unbounded below"),
)}

_ALIASES = {"goldstein": "goldstein-price", "six-hump": "six-hump-camel",
            "camel": "six-hump-camel", "styblinski": "styblinski-tang"}


def get_function(name: str, *, key: str = "function") -> TestFunction:
    """A test function by name (case-insensitive; ``_``/space accepted for ``-``).

    Raises SpecError suggesting the closest name when there is no such function.
    """
    wanted = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    wanted = _ALIASES.get(wanted, wanted)
    if wanted in FUNCTIONS:
        return FUNCTIONS[wanted]
    raise SpecError(unknown("test function", name, FUNCTIONS), key=key)
