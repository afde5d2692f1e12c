"""Test problems: f, grad f, f*, minimiser, constants (L, mu, F0) and the projection.

All three are separable over coordinates with curvatures ``h_i`` and centre ``c``:

- ``quadratic``: ``f(x) = sum_i h_i (x_i - c_i)^2 / 2``, mu = min h, L = max h, f* = 0;
- ``nonconvex``: ``f(x) = sum_i h_i (x_i - c_i)^2 / 2 + w sin^2(x_i - c_i)``: L-smooth with
  ``L = max h + 2w``, non-convex when ``2w > min h`` (``f'' = h + 2w cos(2t)``), global minimum
  f* = 0 at c (every term is >= 0) and spurious stationary points elsewhere (the setting of
  Theorem 2 of Zhang et al. 2020);
- ``constrained-quadratic``: ``f(x) = sum_i h_i (x_i - c_i)^2 / 2 + l1 ||x||_1`` on the box
  ``[-R, R]^d``: mu-strongly convex, non-smooth where some ``x_i = 0``, with Euclidean projection
  (the setting of Theorem 4). Its minimiser is exact: per coordinate, the soft-threshold of c_i
  at ``l1/h_i`` clipped to the box (a convex function of one variable is minimised over an
  interval at the projection of its unconstrained minimiser).

Everything evaluates through the engine's kernels, so the API and the engine cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from simlab import _kernels as kernels
from simlab import custom
from simlab.errors import InputError, check_count, check_finite, check_positive


def _broadcast(name: str, value, dim: int) -> np.ndarray:
    array = np.broadcast_to(np.asarray(value, dtype=float), (dim,)).copy()
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} must be finite")
    return array


@dataclass(frozen=True)
class Problem:
    """Base class. ``curvatures`` are spread geometrically from mu to L over the coordinates."""

    dim: int = 10
    mu: float = 1.0
    L: float = 10.0
    center: float = 1.0

    name: ClassVar[str] = ""
    code: ClassVar[int] = -1
    _arrays: np.ndarray = field(init=False, repr=False, compare=False)
    _params: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        check_count("dimension", self.dim)
        check_positive("mu", self.mu)
        check_positive("L", self.L)
        check_finite("center", self.center)
        if self.L < self.mu:
            raise InputError(f"L must be >= mu, got L={self.L:g} < mu={self.mu:g}")
        curvatures = np.geomspace(self.mu, self.L, self.dim) if self.dim > 1 else np.array(
            [self.mu])
        center = _broadcast("center", self.center, self.dim)
        object.__setattr__(self, "_arrays", np.vstack([curvatures, center, center]))
        object.__setattr__(self, "_params", np.array([0.0, 0.0, -np.inf, np.inf, 0.0]))

    # -- evaluation through the kernels
    def f(self, x) -> float:
        return kernels.objective(self.code, self._params, self._arrays, self._point(x))

    def grad(self, x) -> np.ndarray:
        out = np.empty(self.dim)
        kernels.gradient(self.code, self._params, self._arrays, self._point(x), out)
        return out

    def project(self, x) -> np.ndarray:
        out = self._point(x).copy()
        kernels.project(self._params, out)
        return out

    def _point(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape != (self.dim,):
            raise InputError(f"point must have shape ({self.dim},), got {x.shape}")
        return np.ascontiguousarray(x)

    # -- constants
    @property
    def curvatures(self) -> np.ndarray:
        return self._arrays[kernels.PARR_CURVATURE].copy()

    @property
    def minimiser(self) -> np.ndarray:
        return self._arrays[kernels.PARR_MINIMISER].copy()

    @property
    def f_star(self) -> float:
        return float(self._params[kernels.PP_F_STAR])

    @property
    def smoothness(self) -> float:
        """L (inf for a non-smooth problem)."""
        return float(self.L)

    @property
    def strong_convexity(self) -> float:
        """mu (0 for a non-convex problem)."""
        return float(self.mu)

    @property
    def projected(self) -> bool:
        return False

    def initial_point(self) -> np.ndarray:
        """x_0 = 0."""
        return np.zeros(self.dim)

    def initial_gap(self, x0=None) -> float:
        """F0 = f(x0) - f*."""
        x0 = self.initial_point() if x0 is None else x0
        return self.f(x0) - self.f_star

    def gradient_bound(self) -> float:
        """sup ||grad f|| over the domain (inf on an unbounded domain)."""
        return math.inf

    def kernel_args(self):
        return self.code, self._params, self._arrays


@dataclass(frozen=True)
class Quadratic(Problem):
    name: ClassVar[str] = "quadratic"
    code: ClassVar[int] = kernels.QUADRATIC


@dataclass(frozen=True)
class NonConvex(Problem):
    """Curvature ``mu`` on every coordinate plus ``wave * sin^2``; ``L`` is derived, not given."""

    wave: float = 2.0
    mu: float = 1.0
    L: float = field(init=False, default=0.0)

    name: ClassVar[str] = "nonconvex"
    code: ClassVar[int] = kernels.NONCONVEX

    def __post_init__(self):
        check_positive("wave", self.wave)
        object.__setattr__(self, "L", self.mu + 2 * self.wave)
        super().__post_init__()
        self._arrays[kernels.PARR_CURVATURE] = self.mu
        self._params[kernels.PP_WAVE] = self.wave
        if 2 * self.wave <= self.mu:
            raise InputError("nonconvex needs 2 * wave > mu, or it is convex")

    @property
    def strong_convexity(self):
        return 0.0


@dataclass(frozen=True)
class ConstrainedQuadratic(Problem):
    """Quadratic plus ``l1 ||x||_1`` on the box ``[low, high]^d`` (Theorem 4's setting); the box
    is ``[-radius, radius]^d`` unless ``low``/``high`` are given (Theorem 5's f_b lives on
    [0, 1/2]: ``ConstrainedQuadratic(dim=1, mu=1, L=1, l1=0, center=b, low=0, high=0.5)``)."""

    l1: float = 0.5
    radius: float = 2.0
    center: float = 1.5
    low: float | None = None
    high: float | None = None

    name: ClassVar[str] = "constrained-quadratic"
    code: ClassVar[int] = kernels.CONSTRAINED_QUADRATIC

    def __post_init__(self):
        check_positive("l1 weight", self.l1, allow_zero=True)
        check_positive("radius", self.radius)
        if self.low is None:
            object.__setattr__(self, "low", -self.radius)
        if self.high is None:
            object.__setattr__(self, "high", self.radius)
        check_finite("low", self.low)
        check_finite("high", self.high)
        if not self.low < self.high:
            raise InputError(f"the box needs low < high, got [{self.low:g}, {self.high:g}]")
        super().__post_init__()
        h, c = self._arrays[kernels.PARR_CURVATURE], self._arrays[kernels.PARR_CENTER]
        soft = np.sign(c) * np.maximum(np.abs(c) - self.l1 / h, 0.0)
        self._arrays[kernels.PARR_MINIMISER] = np.clip(soft, self.low, self.high)
        self._params[kernels.PP_L1] = self.l1
        self._params[kernels.PP_LOW] = self.low
        self._params[kernels.PP_HIGH] = self.high
        self._params[kernels.PP_F_STAR] = kernels.objective(
            self.code, self._params, self._arrays, self._arrays[kernels.PARR_MINIMISER].copy())

    @property
    def smoothness(self):
        return math.inf if self.l1 > 0 else float(self.L)

    @property
    def projected(self):
        return True

    def gradient_bound(self) -> float:
        """sup over the box of ||subgradient||: per coordinate the larger end-point value
        (t -> h_i (t - c_i) + l1 sign t is non-decreasing, so its absolute value is largest at
        t = low or t = high), summed in squares."""
        h, c = self.curvatures, self._arrays[kernels.PARR_CENTER]
        per_coordinate = np.maximum(np.abs(h * (self.high - c) + self.l1 * np.sign(self.high)),
                                    np.abs(h * (self.low - c) + self.l1 * np.sign(self.low)))
        return float(np.sqrt(np.sum(per_coordinate ** 2)))


@dataclass(frozen=True)
class Quartic(Problem):
    """``f(x) = sum_i h_i (x_i - c_i)^4 / 4`` (coefficients ``h`` spread from ``mu`` to ``L``):
    the polynomial example of (L0, L1)-smoothness of Zhang et al. 2019 (Section 3: polynomials
    of degree > 2 are not L-smooth on R^d but are (L0, L1)-smooth).

    Constants (derivation): per coordinate, with t = x_i - c_i, ``f'' = 3 h t^2`` and
    ``|f'| = h |t|^3``. The inequality ``3 h t^2 <= L0 + L1 h |t|^3`` holds for all t iff
    ``L0 >= max_t (3 h t^2 - L1 h |t|^3) = 4 h / L1^2`` (attained at ``|t| = 2/L1``). The Hessian
    is diagonal, so ``||hess|| = max_i 3 h_i t_i^2 <= L0 + L1 max_i |f'_i| <= L0 + L1 ||grad||``
    with ``L0 = 4 max(h) / L1^2``. ``L1`` is a free parameter (``l1_constant``, default 1);
    the tests check the inequality numerically over a range. Not L-smooth (L = inf), not
    strongly convex (f'' = 0 at the minimiser), f* = 0 at x* = c.
    """

    mu: float = 1.0
    L: float = 1.0
    l1_constant: float = 1.0

    name: ClassVar[str] = "quartic"
    code: ClassVar[int] = kernels.QUARTIC

    def __post_init__(self):
        check_positive("L1", self.l1_constant)
        super().__post_init__()

    @property
    def smoothness_l0(self) -> float:
        return 4.0 * float(np.max(self.curvatures)) / self.l1_constant ** 2

    @property
    def smoothness_l1(self) -> float:
        return float(self.l1_constant)

    @property
    def smoothness(self):
        return math.inf

    @property
    def strong_convexity(self):
        return 0.0

    def hessian_norm(self, x) -> float:
        """``||hess f(x)||`` (spectral norm of the diagonal Hessian)."""
        delta = self._point(x) - self._arrays[kernels.PARR_CENTER]
        return float(np.max(3.0 * self.curvatures * delta ** 2))

    def sublevel_hessian_bound(self, gap: float) -> float:
        """``sup ||hess f||`` over the sublevel set ``{f - f* <= gap}``: ``3 h_i t_i^2`` is
        largest when the whole gap sits in one coordinate, ``h_i t_i^4 / 4 = gap``, giving
        ``6 sqrt(h_i gap)``; the maximum over i (exact: that point lies in the set)."""
        return float(6.0 * math.sqrt(np.max(self.curvatures) * gap))


@dataclass(frozen=True)
class Exponential(Problem):
    """``f(x) = sum_i h_i (cosh(x_i - c_i) - 1)``: the exponential example of (L0, L1)-smoothness
    (Zhang et al. 2019, Section 3: exponential functions are (L0, L1)-smooth but not L-smooth).

    Constants (derivation): per coordinate ``f'' = h cosh t`` and ``|f'| = h |sinh t|``; since
    ``cosh t <= 1 + |sinh t|`` (both sides equal at t = 0; for t > 0, ``cosh t - sinh t =
    e^-t <= 1``), ``f'' <= h + |f'|``. The Hessian is diagonal, so
    ``||hess|| <= max h + ||grad||``: ``L0 = max(h)``, ``L1 = 1`` (tight as t -> 0 and as
    |t| -> inf). mu = min(h)-strongly convex (cosh >= 1), not L-smooth, f* = 0 at x* = c.
    """

    mu: float = 1.0
    L: float = 1.0

    name: ClassVar[str] = "exponential"
    code: ClassVar[int] = kernels.EXPONENTIAL

    @property
    def smoothness_l0(self) -> float:
        return float(np.max(self.curvatures))

    @property
    def smoothness_l1(self) -> float:
        return 1.0

    @property
    def smoothness(self):
        return math.inf

    def hessian_norm(self, x) -> float:
        """``||hess f(x)||`` (spectral norm of the diagonal Hessian)."""
        delta = self._point(x) - self._arrays[kernels.PARR_CENTER]
        return float(np.max(self.curvatures * np.cosh(delta)))

    def sublevel_hessian_bound(self, gap: float) -> float:
        """``sup ||hess f||`` over ``{f - f* <= gap}``: ``h_i cosh t_i = h_i (cosh t_i - 1) + h_i
        <= gap + h_i``, attained with the whole gap in one coordinate: ``gap + max h``."""
        return float(gap + np.max(self.curvatures))


@dataclass(frozen=True)
class ZeroChainProblem(Problem):
    """The scaled zero chain of the proof of Theorem 6 (Zhang et al. 2020, Appendix G):
    ``F(x) = (L lambda^2/152) f_d(x/lambda)`` with ``lambda = 304 eps/L``,
    ``d = floor(Delta L/(7296 eps^2))``, built from a :class:`simlab.lowerbounds.Theorem6Instance`
    (``instance``; default: ``lowerbounds.THEOREM6_DEFAULT``). Pair it with
    :class:`simlab.noise.ZeroChainOracle` (``ZeroChainOracle.from_instance(instance)``) for the
    oracle of the proof. Non-convex, L-smooth, ``inf F`` in closed form and never attained
    (``minimiser`` is NaN, so the ``distance`` metric is NaN); ``progress`` records
    prog_1(x/lambda)."""

    instance: object = None
    dim: int = field(init=False, default=1)
    mu: float = field(init=False, default=0.0)
    L: float = field(init=False, default=1.0)
    center: float = field(init=False, default=0.0)

    name: ClassVar[str] = "zero-chain"
    code: ClassVar[int] = kernels.ZERO_CHAIN

    def __post_init__(self):
        from simlab import lowerbounds

        instance = self.instance
        if instance is None:
            instance = lowerbounds.Theorem6Instance(**lowerbounds.THEOREM6_DEFAULT)
            object.__setattr__(self, "instance", instance)
        if not isinstance(instance, lowerbounds.Theorem6Instance):
            raise InputError("zero-chain needs a lowerbounds.Theorem6Instance")
        object.__setattr__(self, "dim", instance.dimension)
        object.__setattr__(self, "L", float(instance.L))
        params = np.zeros(kernels.PP_CHAIN_GRADIENT_FACTOR + 1)
        params[kernels.PP_LOW], params[kernels.PP_HIGH] = -np.inf, np.inf
        params[kernels.PP_F_STAR] = instance.f_star
        params[kernels.PP_CHAIN_SCALE] = instance.scale
        params[kernels.PP_CHAIN_VALUE_FACTOR] = instance.value_factor
        params[kernels.PP_CHAIN_GRADIENT_FACTOR] = instance.gradient_factor
        object.__setattr__(self, "_params", params)
        object.__setattr__(self, "_arrays", np.full((3, self.dim), np.nan))

    @property
    def strong_convexity(self):
        return 0.0

    @property
    def scale(self) -> float:
        """lambda = 304 eps / L."""
        return float(self._params[kernels.PP_CHAIN_SCALE])

    def progress(self, x) -> int:
        """prog_1(x / lambda)."""
        return int(kernels.prog_scaled(self._point(x), self.scale, 1.0))


@dataclass(frozen=True)
class CustomProblem(Problem):
    """A user's problem (:mod:`simlab.custom`): ``function`` is the importable path
    ``"package.module:name"`` of a :class:`simlab.custom.ProblemDefinition`, or the definition
    itself (then a spec can name it only if it is bound at the top level of an importable
    module). ``source`` is the spec's record of the source hash
    (:func:`simlab.custom.source_hash`; set by :class:`simlab.run.spec.Spec`, not read here).
    The constants are the definition's: L, mu, f*, x* (NaN when not given), the box domain."""

    function: object = ""
    source: str = ""
    dim: int = field(init=False, default=1)
    mu: float = field(init=False, default=0.0)
    L: float = field(init=False, default=1.0)
    center: float = field(init=False, default=0.0)
    definition: custom.ProblemDefinition = field(init=False, repr=False, compare=False,
                                                 default=None)

    name: ClassVar[str] = "custom"
    code: ClassVar[int] = kernels.USER_PROBLEM

    def __post_init__(self):
        if isinstance(self.function, custom.ProblemDefinition):
            definition = self.function
            object.__setattr__(self, "function", custom.path_of(definition))
        else:
            definition = custom.load(self.function, custom.ProblemDefinition)
        set_ = object.__setattr__
        set_(self, "definition", definition)
        set_(self, "dim", definition.dim)
        set_(self, "mu", definition.mu)
        set_(self, "L", definition.L)
        minimiser = (np.full(definition.dim, np.nan) if definition.minimiser is None
                     else np.array(definition.minimiser))
        # the curvature row holds L: ||grad f(x)|| <= L ||x - x*|| is what the default
        # schedules read from it
        set_(self, "_arrays", np.vstack([np.full(definition.dim, definition.L),
                                         np.full(definition.dim, np.nan), minimiser]))
        low, high = definition.domain or (-np.inf, np.inf)
        set_(self, "_params", np.array([definition.f_star, 0.0, low, high, 0.0]))

    def f(self, x) -> float:
        return float(self.definition.value(self._point(x)))

    def grad(self, x) -> np.ndarray:
        out = np.empty(self.dim)
        self.definition.gradient(self._point(x), out)
        return out

    @property
    def projected(self):
        return self.definition.domain is not None

    def initial_point(self) -> np.ndarray:
        """The definition's x0, else 0 (projected onto the domain)."""
        if self.definition.x0 is not None:
            return np.array(self.definition.x0)
        return self.project(np.zeros(self.dim))

    def gradient_bound(self) -> float:
        return float(self.definition.gradient_bound)


#: CLI names -> classes (a contract)
PROBLEMS: dict[str, type[Problem]] = {
    "quadratic": Quadratic,
    "nonconvex": NonConvex,
    "constrained-quadratic": ConstrainedQuadratic,
    "quartic": Quartic,
    "exponential": Exponential,
    "zero-chain": ZeroChainProblem,
    "custom": CustomProblem,
}
