"""The hard instances behind the lower bounds of Zhang et al. 2020 (Theorems 5 and 6), and checks.

Paper: Zhang, Karimireddy, Veit, Kim, Reddi, Kumar, Sra, "Why are Adaptive Methods Good for
Attention Models?" (NeurIPS 2020), Appendix F (Theorem 5, strongly convex) and Appendix G
(Theorem 6, non-convex; built on Arjevani et al. 2019, "Lower bounds for non-convex stochastic
optimization", Section 3, and Carmon et al. 2019, "Lower bounds for finding stationary points I").

Most formulas of both appendices were lost in the extracted text; they are **reconstructed from
the published paper and from Arjevani et al. 2019** and marked so where they are used.

Two layers, as in the rest of simlab:

- top-level ``@njit(cache=True)`` kernels over floats and arrays (``zero_chain_*``, ``prog``,
  ``theorem5_noise``, ``zero_chain_oracle``/``zero_chain_noise``): the oracles' randomness enters
  as uniforms ``u`` in [0, 1), so the Monte Carlo engine can feed its own counter-based streams.
  The value, gradient and noise of f_d (with psi, phi and prog) are defined in
  :mod:`simlab._kernels`, where the engine's driver calls them, and re-exported here;
- frozen dataclasses (:class:`Theorem5Instance`, :class:`ZeroChain`, :class:`Theorem6Instance`)
  that validate parameters and expose ``value``, ``gradient``, ``f_star``, ``sample_gradient(x,
  rng)`` and the exact law of the oracle (``oracle_law``) in plain NumPy.

:func:`run_checks` validates every property the proofs use, each as a named row with a computed
verdict (exact, worst-case search with a seeded multi-start optimizer, or Monte Carlo with a
tolerance of 5 standard errors).

What the checks find (``simlab lowerbounds``, full budgets): every property holds. Where the
stated constants are not sharp, the searched worst cases are: sup ||Hess f_d|| = 134.02 (stated
L0 = 152), sup ||grad f_d||_inf = 21.39 (stated 23); f_d(0) - inf f_d <= 11.234 d (stated 12 d,
exact: e sqrt(2 pi e) d in the limit). Sharp ones: gamma = 1/2 at alpha = 2, eps = 1/8;
sup E|g(x)|^alpha -> 1 as alpha -> 1 (0.9931 at alpha = 1.01); inf ||grad f_d|| over
prog_1(x) < d is exactly 1 (d = 1, x = +-1), so Zhang et al.'s "||grad f_d||^2 >= 1" holds while
the strict "> 1" of Arjevani et al. fails on that boundary (for d >= 2 the infimum is about 1.34).
The proof of Theorem 6 bounds the noisy coordinate by ||grad f_d||_inf <= 23, but that coordinate
(j = prog_1/4(x) + 1, where |x_j| <= 1/4 kills the Psi' term) is at most e^(3/2) = 4.48 in
absolute value: the alpha-moment bound holds with room, and p could be smaller by a factor of
about (23 / e^(3/2))^(alpha/(alpha-1)) (135 at alpha = 1.5), a constant, not the rate.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field

import mpmath
import numpy as np
import sympy
from numba import njit
from scipy import optimize
from scipy.linalg import eigvalsh_tridiagonal
from threadpoolctl import threadpool_limits

from simlab._kernels import (  # the zero-chain kernels live with the engine's
    SQRT_E,
    phi,
    phi_prime,
    phi_second,
    prog,
    psi,
    psi_prime,
    psi_second,
    zero_chain_gradient,
    zero_chain_noise,  # noqa: F401 (re-exported: part of this module's API)
    zero_chain_partial,  # noqa: F401 (re-exported)
    zero_chain_value,
)
from simlab.errors import InputError, check_interval, check_positive
from simlab.progress import progress

#: Phi(+inf) = sqrt(e) * sqrt(2 pi): the supremum of Phi (Arjevani et al. 2019, Lemma 2)
PHI_SUP = SQRT_E * math.sqrt(2.0 * math.pi)
#: Monte Carlo tolerance in standard errors: a correct oracle fails with probability < 1e-6
MC_STANDARD_ERRORS = 5.0
#: float64 unit roundoff
ULP = float(np.finfo(float).eps)

# ---------------------------------------------------------------------------------------------
# Kernels (top-level, cached): the zero chain's Hessian and the two oracles. psi, phi and their
# derivatives, prog, the value, gradient and noise of f_d live in simlab._kernels (the engine's
# driver calls them there) and are imported above.
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def zero_chain_hessian(x, diagonal, off_diagonal):
    """The Hessian of f_d, which is tridiagonal: ``diagonal`` (d) and ``off_diagonal`` (d - 1).

    H_jj = Psi(-x_{j-1}) Phi''(-x_j) - Psi(x_{j-1}) Phi''(x_j) + Psi''(-x_j) Phi(-x_{j+1})
    - Psi''(x_j) Phi(x_{j+1}) (first term -Psi(1) Phi''(x_1) for j = 1, last pair absent for j = d);
    H_{j,j+1} = Psi'(-x_j) Phi'(-x_{j+1}) - Psi'(x_j) Phi'(x_{j+1}).
    """
    d = x.shape[0]
    for j in range(d):
        if j == 0:
            h = -psi(1.0) * phi_second(x[0])
        else:
            h = psi(-x[j - 1]) * phi_second(-x[j]) - psi(x[j - 1]) * phi_second(x[j])
        if j + 1 < d:
            h += psi_second(-x[j]) * phi(-x[j + 1]) - psi_second(x[j]) * phi(x[j + 1])
            off_diagonal[j] = psi_prime(-x[j]) * phi_prime(-x[j + 1]) - psi_prime(x[j]) * phi_prime(
                x[j + 1]
            )
        diagonal[j] = h


@njit(cache=True)
def zero_chain_oracle(x, p, u, out):
    """The probability-p zero-chain oracle g_d(x) of Appendix G (reconstructed from the published
    paper): [g_d(x)]_i = (1 + 1{i = prog_{1/4}(x) + 1} (z/p - 1)) grad_i f_d(x), z = 1{u < p}."""
    zero_chain_gradient(x, out)
    j = prog(x, 0.25)  # 0-based index of coordinate prog_{1/4}(x) + 1
    if j < x.shape[0]:
        z = 1.0 if u < p else 0.0
        out[j] *= z / p


@njit(cache=True)
def zero_chain_oracle_rows(xs, p, uniforms, out):
    """Row r of ``out`` is g_d(xs[r]) with z = 1{uniforms[r] < p} (batched oracle)."""
    for r in range(xs.shape[0]):
        zero_chain_oracle(xs[r], p, uniforms[r], out[r])


@njit(cache=True)
def theorem5_noise(b, p, jump, u):
    """g(x) - f_b'(x) for the oracle chi_b of Appendix F: b - jump * 1{u < p},
    jump = 1/(2 gamma)."""
    return b - jump * (1.0 if u < p else 0.0)


@njit(cache=True)
def theorem5_oracle(x, p, jump, u):
    """g(x) = x - jump with probability p, x otherwise (Appendix F, eq. (6), reconstructed)."""
    return x - jump * (1.0 if u < p else 0.0)


# ---------------------------------------------------------------------------------------------
# Theorem 5: the one-dimensional strongly convex family (Appendix F)
# ---------------------------------------------------------------------------------------------


class _EngineNames:
    """The names simlab's Problem objects use (``f``, ``grad``, ``dim``, ``initial_point``,
    ``initial_gap``, ``projected``), delegating to ``value`` / ``gradient`` so the Monte Carlo
    engine can take these instances as they are."""

    def f(self, x) -> float:
        """f at one point (for Theorem 5 a point is an array of shape (1,))."""
        return float(np.sum(self.value(x)))

    def grad(self, x) -> np.ndarray:
        return np.asarray(self.gradient(x), dtype=float)

    def initial_point(self) -> np.ndarray:
        """x_0 = 0 (Theorem 6 measures Delta = F(0) - inf F)."""
        return np.zeros(self.dim)

    def initial_gap(self, x0=None) -> float:
        x0 = self.initial_point() if x0 is None else x0
        return self.f(x0) - self.f_star


@dataclass(frozen=True)
class Theorem5Instance(_EngineNames):
    """f_b(x) = (x - b)^2 / 2 on [0, 1/2] with the two-point oracle chi_b (Appendix F).

    Reconstructed from the published paper (the extracted text lost eqs. (3)-(7)):

    - eq. (3): f_b(x) = (x - b)^2 / 2, x and b in [0, 1/2]; mu = L = 1, f_b(b) = 0;
    - eq. (5): nu a fair coin, b_nu = (2 - nu) eps (b_0 = 2 eps, b_1 = eps), eps in (0, 1/8];
    - gamma = (4 eps)^{1/(alpha - 1)}, p_nu = gamma^alpha - 2 nu gamma eps (printed), which equals
      2 gamma b_nu because gamma^{alpha - 1} = 4 eps;
    - eq. (6): g(x) = x - 1/(2 gamma) with probability p_nu, g(x) = x otherwise, so
      E g(x) = x - p_nu / (2 gamma) = x - b_nu = f_b'(x) and (Assumption 4) E|g(x)|^alpha <= 1.
    """

    alpha: float
    eps: float
    nu: int = 0

    def __post_init__(self):
        check_interval("alpha", self.alpha, 1.0, 2.0, low_open=True, why="Theorem 5")
        check_interval("eps", self.eps, 0.0, 0.125, low_open=True, why="Appendix F")
        if self.nu not in (0, 1):
            raise InputError(f"nu must be 0 or 1, got {self.nu!r}")
        if not self.gamma > 0.0 or not self.p > 0.0:
            raise InputError(
                f"gamma = (4 eps)^(1/(alpha-1)) underflows float64 at alpha="
                f"{self.alpha:g}, eps={self.eps:g}; take alpha or eps larger"
            )

    strong_convexity = 1.0  # mu of Theorem 5
    smoothness = 1.0  # L of Theorem 5
    moment_bound = 1.0  # G^alpha of Assumption 4 (G <= 1)
    domain = (0.0, 0.5)
    dim = 1
    projected = True

    @property
    def b(self) -> float:
        """b_nu = (2 - nu) eps (eq. (5))."""
        return (2 - self.nu) * self.eps

    @property
    def gamma(self) -> float:
        return (4.0 * self.eps) ** (1.0 / (self.alpha - 1.0))

    @property
    def p(self) -> float:
        """p_nu = gamma^alpha - 2 nu gamma eps, the probability of the jump."""
        return self.gamma**self.alpha - 2.0 * self.nu * self.gamma * self.eps

    @property
    def jump(self) -> float:
        """The size 1/(2 gamma) of the oracle's rare jump."""
        return 1.0 / (2.0 * self.gamma)

    @property
    def f_star(self) -> float:
        return 0.0

    @property
    def minimizer(self) -> float:
        return self.b

    def objective_expression(self, x: sympy.Symbol) -> sympy.Expr:
        """f_b as a sympy expression (used by the exact mu and L checks)."""
        return (x - sympy.nsimplify(self.b)) ** 2 / 2

    def value(self, x):
        return 0.5 * (np.asarray(x, dtype=float) - self.b) ** 2

    def gradient(self, x):
        return np.asarray(x, dtype=float) - self.b

    def project(self, x):
        return np.clip(x, *self.domain)

    def oracle_law(self, x: float) -> list[tuple[float, float]]:
        """The exact law of g(x): [(probability, value), ...]."""
        return [(self.p, x - self.jump), (1.0 - self.p, x)]

    def sample_gradient(self, x, rng: np.random.Generator):
        """Draw g(x) (same shape as x), one independent draw per entry."""
        x = np.asarray(x, dtype=float)
        return x - self.jump * (rng.random(x.shape) < self.p)


def draw_theorem5_instance(alpha: float, eps: float, rng: np.random.Generator) -> Theorem5Instance:
    """The problem distribution of Appendix F: nu by a fair coin, then f_{b_nu} with its oracle."""
    return Theorem5Instance(alpha, eps, int(rng.integers(0, 2)))


# ---------------------------------------------------------------------------------------------
# Theorem 6: the zero chain f_d and its scaled instance (Appendix G)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZeroChain(_EngineNames):
    """f_d of Appendix G (Arjevani et al. 2019, eq. (9); reconstructed) with the probability-p
    zero-chain oracle g_d.

    Properties claimed (Arjevani et al. 2019, Lemma 2; Appendix G, Lemma 17): f_d(0) - inf f_d <=
    12 d; f_d is L0 = 152 smooth; ||grad f_d||_inf <= 23; prog_0(grad f_d(x)) <= prog_{1/2}(x) + 1;
    ||grad f_d(x)|| >= 1 whenever prog_1(x) < d. Oracle: unbiased, E||g_d - grad f_d||^alpha =
    |grad_j f_d|^alpha E|z/p - 1|^alpha with j = prog_{1/4}(x) + 1.
    """

    d: int
    p: float = 1.0

    smoothness = 152.0  # L0
    gradient_bound = 23.0  # bound on ||grad f_d||_inf
    suboptimality_per_dimension = 12.0  # f_d(0) - inf f_d <= 12 d
    strong_convexity = 0.0
    projected = False

    @property
    def dim(self) -> int:
        return self.d

    def __post_init__(self):
        if int(self.d) != self.d or self.d < 1:
            raise InputError(f"d must be a whole number >= 1, got {self.d!r}")
        check_interval("p", self.p, 0.0, 1.0, low_open=True)

    @property
    def f_star(self) -> float:
        """inf f_d = -sqrt(2 pi e) (1 + (d - 1) e): every summand is >= -Psi(+inf) Phi(+inf) =
        -e sqrt(2 pi e) (the first >= -Psi(1) Phi(+inf)), all approached together as x -> +inf."""
        return -PHI_SUP * (1.0 + (self.d - 1) * math.e)

    def value(self, x) -> float:
        return zero_chain_value(np.asarray(x, dtype=float))

    def gradient(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x)
        zero_chain_gradient(x, out)
        return out

    def hessian_bands(self, x) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        diagonal, off_diagonal = np.empty(x.size), np.empty(max(x.size - 1, 0))
        zero_chain_hessian(x, diagonal, off_diagonal)
        return diagonal, off_diagonal

    def hessian(self, x) -> np.ndarray:
        diagonal, off_diagonal = self.hessian_bands(x)
        return np.diag(diagonal) + np.diag(off_diagonal, 1) + np.diag(off_diagonal, -1)

    def hessian_norm(self, x) -> float:
        """Operator norm of the (symmetric, tridiagonal) Hessian."""
        return _tridiagonal_norm(*self.hessian_bands(x))

    def oracle_law(self, x) -> list[tuple[float, np.ndarray]]:
        """The exact law of g_d(x): z = 1 (probability p) and z = 0 (probability 1 - p)."""
        x = np.asarray(x, dtype=float)
        with_z1, with_z0 = np.empty_like(x), np.empty_like(x)
        zero_chain_oracle(x, self.p, 0.0, with_z1)  # u = 0 < p: z = 1
        zero_chain_oracle(x, self.p, 1.0, with_z0)  # u = 1 >= p: z = 0
        return [(self.p, with_z1), (1.0 - self.p, with_z0)]

    def sample_gradient(self, x, rng: np.random.Generator) -> np.ndarray:
        """Draw g_d(x); ``x`` of shape (d,) or (n, d) (one independent z per row)."""
        x = np.asarray(x, dtype=float)
        rows = np.ascontiguousarray(np.atleast_2d(x))
        out = np.empty_like(rows)
        zero_chain_oracle_rows(rows, self.p, rng.random(rows.shape[0]), out)
        return out.reshape(x.shape)


def noise_moment_factor(p: float, alpha: float) -> float:
    """E|z/p - 1|^alpha = (1 - p) [((1 - p)/p)^{alpha - 1} + 1] for z ~ Bernoulli(p) (exact)."""
    return (1.0 - p) * (((1.0 - p) / p) ** (alpha - 1.0) + 1.0)


def smallest_p(eps: float, G: float, alpha: float, gradient_bound: float = 23.0) -> float:
    """The smallest p in (0, 1] with (2 eps * gradient_bound)^alpha E|z/p - 1|^alpha <= G^alpha.

    E|z/p - 1|^alpha decreases from +inf (p -> 0) to 0 (p = 1), so the root is unique (brentq);
    the result is nudged up ulp by ulp until the inequality holds in float64. The closed form
    :func:`closed_form_p` is an upper bound on it.
    """
    target = (G / (2.0 * eps * gradient_bound)) ** alpha

    def excess(p):
        return noise_moment_factor(p, alpha) - target

    low = 1e-300
    if excess(low) <= 0:
        return low
    p = optimize.brentq(excess, low, 1.0, xtol=1e-300, rtol=4 * ULP)
    while excess(p) > 0:
        p = np.nextafter(p, 2.0)
    return float(min(p, 1.0))


def closed_form_p(eps: float, G: float, alpha: float) -> float:
    """p = min(1, 2^{1/(alpha-1)} (46 eps / G)^{alpha/(alpha-1)}): sufficient because
    E|z/p - 1|^alpha <= p^{1-alpha} + 1 <= 2 p^{1-alpha}; gives k <= (d - 1)/(2p) ~ Delta L
    G^{alpha/(alpha-1)} eps^{-(3 alpha - 2)/(alpha - 1)}, the rate of Theorem 6."""
    return min(1.0, 2.0 ** (1.0 / (alpha - 1.0)) * (46.0 * eps / G) ** (alpha / (alpha - 1.0)))


@dataclass(frozen=True)
class Theorem6Instance(_EngineNames):
    """F(x) = (L lambda^2 / 152) f_d(x / lambda) with lambda = 304 eps / L and d = floor(Delta L /
    (7296 eps^2)) (Appendix G, proof of Theorem 6; the definition of F was lost in the extracted
    text and is reconstructed from the published paper / Arjevani et al. 2019, eq. (12)).

    The oracle is (L lambda / 152) g_d(x / lambda) with p the smallest value with
    (L lambda / 152 * 23)^alpha E|z/p - 1|^alpha = (46 eps)^alpha E|z/p - 1|^alpha <= G^alpha
    (:func:`smallest_p`; closed-form upper bound :func:`closed_form_p`). The issue's G is the
    alpha-moment bound of Assumption 1 (sigma in the main text).
    """

    alpha: float
    eps: float
    Delta: float = 1.0
    L: float = 1.0
    G: float = 1.0
    chain: ZeroChain = field(init=False, repr=False)

    def __post_init__(self):
        check_interval("alpha", self.alpha, 1.0, 2.0, low_open=True, why="Theorem 6")
        for name in ("eps", "Delta", "L", "G"):
            check_positive(name, getattr(self, name))
        if self.dimension < 1:
            raise InputError(
                f"d = floor(Delta L / (7296 eps^2)) = 0 at eps={self.eps:g}, "
                f"Delta={self.Delta:g}, L={self.L:g}: need eps <= sqrt(Delta L / "
                f"7296) = {math.sqrt(self.Delta * self.L / 7296):.4g}"
            )
        object.__setattr__(self, "chain", ZeroChain(self.dimension, self.p))

    @property
    def scale(self) -> float:
        """lambda = 304 eps / L."""
        return 304.0 * self.eps / self.L

    @property
    def dimension(self) -> int:
        """d = floor(Delta L / (7296 eps^2))."""
        return math.floor(self.Delta * self.L / (7296.0 * self.eps**2))

    @property
    def p(self) -> float:
        return smallest_p(self.eps, self.G, self.alpha)

    strong_convexity = 0.0
    projected = False

    @property
    def dim(self) -> int:
        return self.dimension

    @property
    def smoothness(self) -> float:
        """F is L-smooth: Hess F(x) = (L / 152) Hess f_d(x / lambda) and f_d is 152-smooth."""
        return self.L

    @property
    def value_factor(self) -> float:
        return self.L * self.scale**2 / 152.0

    @property
    def gradient_factor(self) -> float:
        """L lambda / 152 = 2 eps."""
        return self.L * self.scale / 152.0

    @property
    def f_star(self) -> float:
        return self.value_factor * self.chain.f_star

    def value(self, x) -> float:
        return self.value_factor * self.chain.value(np.asarray(x, dtype=float) / self.scale)

    def gradient(self, x) -> np.ndarray:
        return self.gradient_factor * self.chain.gradient(np.asarray(x, dtype=float) / self.scale)

    def hessian_bands(self, x):
        diagonal, off_diagonal = self.chain.hessian_bands(np.asarray(x, dtype=float) / self.scale)
        return self.L / 152.0 * diagonal, self.L / 152.0 * off_diagonal

    def oracle_law(self, x):
        return [
            (q, self.gradient_factor * g)
            for q, g in self.chain.oracle_law(np.asarray(x, dtype=float) / self.scale)
        ]

    def sample_gradient(self, x, rng: np.random.Generator) -> np.ndarray:
        return self.gradient_factor * self.chain.sample_gradient(
            np.asarray(x, dtype=float) / self.scale, rng
        )


# ---------------------------------------------------------------------------------------------
# Checks: each property a named row with a computed verdict
# ---------------------------------------------------------------------------------------------

#: relation -> does ``value`` satisfy it against ``bound`` up to ``allowance``
RELATIONS: dict[str, Callable[[float, float, float], bool]] = {
    "<=": lambda value, bound, allowance: value <= bound + allowance,
    ">=": lambda value, bound, allowance: value >= bound - allowance,
    "==": lambda value, bound, allowance: abs(value - bound) <= allowance,
}


@dataclass(frozen=True)
class CheckRow:
    """One property of one instance: ``value`` (computed) ``relation`` ``bound`` (the paper's),
    up to ``allowance`` (float64 rounding for exact checks, 5 standard errors for Monte Carlo,
    stated in ``detail``). ``verdict`` is computed from them, never typed in."""

    instance: str
    property: str
    value: float
    bound: float
    relation: str
    verdict: str
    method: str
    allowance: float
    detail: str


def make_row(
    instance: str,
    prop: str,
    value,
    bound,
    relation: str,
    method: str,
    detail: str,
    allowance: float = 0.0,
) -> CheckRow:
    value, bound = float(value), float(bound)
    holds = math.isfinite(value) and RELATIONS[relation](value, bound, allowance)
    return CheckRow(
        instance,
        prop,
        value,
        bound,
        relation,
        "holds" if holds else "violated",
        method,
        float(allowance),
        detail,
    )


@dataclass(frozen=True)
class CheckSettings:
    """Budgets of the checks. ``quick`` is the small grid the tests and ``--quick`` use."""

    seed: int = 20200601
    starts: int = 40  # seeded starts of every multi-start worst-case search
    samples: int = 1_000_000  # Monte Carlo draws per estimate
    adversarial_points: int = 20_000  # points of the prog / zero-chain searches
    chain_dimension: int = 6  # d of the chains searched for f_d's constants

    @classmethod
    def quick(cls) -> CheckSettings:
        return cls(starts=8, samples=200_000, adversarial_points=2_000, chain_dimension=4)


def _rng(settings: CheckSettings, group: str, key: str) -> np.random.Generator:
    """The stream of one check: depends on the seed and the check's name only, so selecting a
    subset of checks reproduces the same numbers."""
    return np.random.default_rng([settings.seed, zlib.crc32(f"{group}/{key}".encode())])


def _minimize(objective, bounds, rng, starts: int, *, jac=None, extra_starts=()):
    """Multi-start L-BFGS-B from ``starts`` seeded uniform points in the box ``bounds`` (plus
    ``extra_starts``); returns (minimum found, its argument)."""
    low, high = np.array(bounds, dtype=float).T
    points = [np.asarray(s, dtype=float) for s in extra_starts]
    points += [rng.uniform(low, high) for _ in range(starts)]
    best_value, best_x = np.inf, None
    for start in points:
        # one BLAS thread: L-BFGS-B's tiny BLAS calls ran 30x slower with two (measured)
        with threadpool_limits(limits=1, user_api="blas"):
            result = optimize.minimize(objective, start, jac=jac, method="L-BFGS-B", bounds=bounds)
        value = float(objective(result.x)) if jac is None else float(result.fun)
        if value < best_value:
            best_value, best_x = value, np.array(result.x)
    return best_value, best_x


def _curvature_starts(k: int, scale: float = 1.0) -> list[np.ndarray]:
    """Structured starts for the Hessian searches: |Psi''| is largest at a computed t* in (1/2, 3),
    and Phi is largest far right, so try x_j = +-t*, x_{j+1} = +-6 for every j (times ``scale``)."""
    peak = optimize.minimize_scalar(
        lambda t: -abs(psi_second(t)), bounds=(0.5 + 1e-3, 3.0), method="bounded"
    ).x
    starts = []
    for j in range(k - 1):
        for sign_j in (1.0, -1.0):
            for sign_next in (1.0, -1.0):
                start = np.zeros(k)
                start[j], start[j + 1] = sign_j * peak, sign_next * 6.0
                starts.append(scale * start)
    return starts


def _gradient_norm_starts(d: int, scale: float = 1.0) -> list[np.ndarray]:
    """Structured starts for inf ||grad f_d|| over |x_d| <= 1: the chain walked to its end
    (x_i = c, x_d = t) and alternating-sign chains with |x_i| in (1/2, 1) (where a wider search
    put the infimum for d >= 3, about 1.341; the wider search: 60 uniform starts per d), each
    times ``scale``."""
    starts = [np.r_[np.full(d - 1, c), t] for c in (1.5, 3.0) for t in (-1.0, 1.0)]
    signs = (-1.0) ** np.arange(d)
    starts += [sign * c * signs for c in (0.6, 0.75, 0.9) for sign in (1.0, -1.0)]
    return [scale * start for start in starts]


def _tridiagonal_matvec(diagonal, off_diagonal, vector):
    out = diagonal * vector
    out[:-1] += off_diagonal * vector[1:]
    out[1:] += off_diagonal * vector[:-1]
    return out


def _adversarial_points(rng, count: int, d: int) -> np.ndarray:
    """Points whose entries sit on and next to the thresholds 0, 1/4, 1/2, 1 of prog_beta, Psi and
    the gradient-norm lemma, mixed with uniform entries in [-3, 3] and [-1/2, 1/2]."""
    edges = np.array([0.0, 0.25, 0.5, 1.0])
    edges = np.concatenate([edges, np.nextafter(edges, 2.0), np.nextafter(edges, -1.0)])
    edges = np.concatenate([edges, -edges])
    kind = rng.integers(0, 3, size=(count, d))
    points = np.where(
        kind == 0,
        rng.uniform(-3.0, 3.0, (count, d)),
        np.where(kind == 1, rng.uniform(-0.5, 0.5, (count, d)), rng.choice(edges, size=(count, d))),
    )
    # make long zero tails common: the chain's structure is about where the support ends
    cut = rng.integers(0, d + 1, size=count)
    zero_tail = (np.arange(d)[None, :] >= cut[:, None]) & (rng.random((count, 1)) < 0.5)
    return np.where(zero_tail, 0.0, points)


def _mc_mean(samples) -> tuple[float, float]:
    """Sample mean and its standard error."""
    samples = np.asarray(samples, dtype=float)
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(samples.size))


# --- Theorem 5 ------------------------------------------------------------------------------

#: the admissible box searched: alpha in (1, 2] (from 1.01: below, gamma underflows for small eps)
THEOREM5_ALPHA_RANGE = (1.01, 2.0)
THEOREM5_EPS_RANGE = (1e-2, 0.125)


def theorem5_checks(
    settings: CheckSettings | None = None,
    factory: Callable[..., Theorem5Instance] = Theorem5Instance,
    select: Collection[str] | None = None,
) -> list[CheckRow]:
    """Every property Appendix F uses, for the instances ``factory(alpha, eps, nu)``.

    ``select``: a subset of THEOREM5_CHECKS (default all)."""
    settings = settings or CheckSettings()
    name = "Theorem 5"
    rng = None

    def want(key):
        nonlocal rng
        rng = _rng(settings, name, key)
        return select is None or key in select

    box = [THEOREM5_ALPHA_RANGE, THEOREM5_EPS_RANGE]
    corners = [(a, e) for a in THEOREM5_ALPHA_RANGE for e in THEOREM5_EPS_RANGE]
    rows = []

    if want("gamma"):
        # gamma in (0, 1/2]: positivity holds by construction (a positive base to a real power;
        # float64 underflow is rejected by the constructor), the upper end is searched.
        neg_gamma, where = _minimize(
            lambda v: -factory(v[0], v[1], 0).gamma, box, rng, settings.starts, extra_starts=corners
        )
        rows.append(
            make_row(
                name,
                "gamma = (4 eps)^(1/(alpha-1)) in (0, 1/2]",
                -neg_gamma,
                0.5,
                "<=",
                "worst-case search",
                f"sup over alpha in [1.01, 2], eps in [0.01, 1/8] (gamma grows in both) at "
                f"alpha={where[0]:.4g}, "
                f"eps={where[1]:.4g}; gamma > 0 by construction",
            )
        )

    if want("curvature"):
        # f_b: mu = L = 1 and f_b(b) = 0 with b in the domain, exactly (sympy)
        x = sympy.Symbol("x", real=True)
        domain = sympy.Interval(0, sympy.Rational(1, 2))
        curvature_low, curvature_high, optimum_gap = sympy.oo, -sympy.oo, 0
        for nu in (0, 1):
            instance = factory(1.5, 0.125, nu)
            f = instance.objective_expression(x)
            curvature = sympy.diff(f, x, 2)
            curvature_low = sympy.Min(
                curvature_low, sympy.calculus.util.minimum(curvature, x, domain)
            )
            curvature_high = sympy.Max(
                curvature_high, sympy.calculus.util.maximum(curvature, x, domain)
            )
            b = sympy.nsimplify(instance.minimizer)
            gap = abs(f.subs(x, b)) + abs(f.subs(x, b) - sympy.calculus.util.minimum(f, x, domain))
            optimum_gap = sympy.Max(optimum_gap, gap if b in domain else sympy.oo)
        rows.append(
            make_row(
                name,
                "f_b is mu = 1 strongly convex (inf f_b'' on [0, 1/2])",
                curvature_low,
                1.0,
                ">=",
                "exact",
                "sympy: second derivative of f_b",
            )
        )
        rows.append(
            make_row(
                name,
                "f_b is L = 1 smooth (sup f_b'' on [0, 1/2])",
                curvature_high,
                1.0,
                "<=",
                "exact",
                "sympy: second derivative of f_b",
            )
        )
        rows.append(
            make_row(
                name,
                "f_b(b) = min f_b = 0 with b in [0, 1/2]",
                optimum_gap,
                0.0,
                "==",
                "exact",
                "sympy: |f_b(b)| + |f_b(b) - min f_b| over nu in {0, 1}",
            )
        )

    if want("unbiased"):
        # unbiasedness, exactly: E g(x) from the two-point law in 50-digit arithmetic
        worst_bias = mpmath.mpf(0)
        with mpmath.workdps(50):
            for alpha in (1.01, 1.1, 1.5, 2.0):
                for eps in (1e-2, 1 / 32, 0.125):
                    for nu in (0, 1):
                        instance = factory(alpha, eps, nu)
                        for point in (0.0, 0.25, 0.5):
                            mean = mpmath.fsum(
                                mpmath.mpf(q) * mpmath.mpf(v) for q, v in instance.oracle_law(point)
                            )
                            gradient = mpmath.mpf(float(instance.gradient(point)))
                            worst_bias = max(worst_bias, abs(mean - gradient) / instance.b)
        rows.append(
            make_row(
                name,
                "oracle unbiased: E g(x) = f_b'(x)",
                float(worst_bias),
                0.0,
                "==",
                "exact",
                "max |E g(x) - f_b'(x)| / b_nu over alpha in {1.01, 1.1, 1.5, 2}"
                ", eps in {1e-2, 1/32, 1/8}, nu, x in {0, 1/4, 1/2}, law summed in "
                "50 digits; allowance 64 ulp: float64 rounding of gamma, p_nu, 1/(2 gamma)",
                allowance=64 * ULP,
            )
        )

    if want("moment"):
        # alpha-moment, worst case over (alpha, eps, x) and nu
        def moment(v, nu):
            instance = factory(v[0], v[1], nu)
            return sum(q * abs(g) ** v[0] for q, g in instance.oracle_law(v[2]))

        worst_moment, worst_at = -np.inf, None
        for nu in (0, 1):
            neg, where = _minimize(
                lambda v, nu=nu: -moment(v, nu),
                box + [(0.0, 0.5)],
                rng,
                settings.starts,
                extra_starts=[(a, e, xx) for a, e in corners for xx in (0, 0.5)],
            )
            if -neg > worst_moment:
                worst_moment, worst_at = -neg, (*where, nu)
        bound = factory(1.5, 0.125, 0).moment_bound
        rows.append(
            make_row(
                name,
                "alpha-moment E|g(x)|^alpha <= G^alpha = 1",
                worst_moment,
                bound,
                "<=",
                "worst-case search",
                f"exact moment of the two-point law, sup over alpha in [1.01, 2], "
                f"eps in [0.01, 1/8], x in [0, 1/2], "
                f"nu at alpha={worst_at[0]:.4g}, eps={worst_at[1]:.4g}, "
                f"x={worst_at[2]:.4g}, nu={worst_at[3]}; the sup tends to 1 as alpha -> 1 "
                f"(2^(1-alpha)), so the bound is sharp",
            )
        )

    if want("monte-carlo"):
        # Monte Carlo, through sample_gradient
        n = settings.samples
        worst_z, worst_case = 0.0, None
        for nu in (0, 1):
            instance = factory(1.25, 0.125, nu)
            for point in (0.0, 0.5):
                mean, se = _mc_mean(instance.sample_gradient(np.full(n, point), rng))
                z = abs(mean - float(instance.gradient(point))) / se
                if z >= worst_z:
                    worst_z, worst_case = z, (nu, point)
        rows.append(
            make_row(
                name,
                "oracle unbiased (Monte Carlo)",
                worst_z,
                MC_STANDARD_ERRORS,
                "<=",
                "monte-carlo",
                f"max |mean - f_b'(x)| / standard error over nu in {{0, 1}}, x in {{0, 1/2}}"
                f" at alpha=1.25, eps=1/8, n={n} each (worst nu={worst_case[0]}, "
                f"x={worst_case[1]}); a correct oracle exceeds 5 with probability < 1e-6",
            )
        )
        instance = factory(1.25, 0.125, 0)
        exact = sum(q * abs(g) ** 1.25 for q, g in instance.oracle_law(0.5))
        mean, se = _mc_mean(np.abs(instance.sample_gradient(np.full(n, 0.5), rng)) ** 1.25)
        rows.append(
            make_row(
                name,
                "alpha-moment E|g(x)|^alpha <= 1 (Monte Carlo)",
                mean,
                instance.moment_bound,
                "<=",
                "monte-carlo",
                f"alpha=1.25, eps=1/8, nu=0, x=1/2 (the worst x: the moment is convex in "
                f"x), n={n}; exact {exact:.6g}; allowance 5 standard errors",
                allowance=MC_STANDARD_ERRORS * se,
            )
        )
    return rows


# --- Theorem 6 ------------------------------------------------------------------------------

THEOREM5_CHECKS = ("gamma", "curvature", "unbiased", "moment", "monte-carlo")
ZERO_CHAIN_CHECKS = (
    "suboptimality",
    "smoothness",
    "gradient-bound",
    "gradient-support",
    "gradient-norm",
    "oracle",
    "monte-carlo",
)
THEOREM6_CHECKS = (
    "suboptimality",
    "smoothness",
    "gradient-norm",
    "moment-exact",
    "moment",
    "monte-carlo",
)
#: the Theorem 6 instance the checks and the CLI use (d = 34, p about 6e-3)
THEOREM6_DEFAULT = {"alpha": 1.5, "eps": 2e-3, "Delta": 1.0, "L": 1.0, "G": 0.5}


def zero_chain_checks(
    settings: CheckSettings | None = None,
    factory: Callable[..., ZeroChain] = ZeroChain,
    p: float = 0.1,
    select: Collection[str] | None = None,
) -> list[CheckRow]:
    """The properties of f_d and g_d (Arjevani et al. 2019, Lemma 2; Appendix G, Lemma 17) for the
    chains ``factory(d, p)``. ``select``: a subset of ZERO_CHAIN_CHECKS (default all)."""
    settings = settings or CheckSettings()
    name = "Theorem 6"
    d_search = settings.chain_dimension
    chain = factory(d_search, p)
    rows = []
    rng = None

    def want(key):
        nonlocal rng
        rng = _rng(settings, "zero chain", key)
        return select is None or key in select

    if want("suboptimality"):
        # f_d(0) - inf f_d <= 12 d, exactly: inf f_d in closed form, the ratio grows with d
        dims = (1, 2, 10, 100, 10_000, 1_000_000)
        ratios = [(factory(d, p).value(np.zeros(d)) - factory(d, p).f_star) / d for d in dims]
        limit = mpmath.e * mpmath.sqrt(2 * mpmath.pi * mpmath.e)
        far = factory(10, p)
        far_gap = far.value(np.full(10, 1e8)) - far.f_star
        rows.append(
            make_row(
                name,
                "f_d(0) - inf f_d <= 12 d",
                max(ratios),
                factory(1, p).suboptimality_per_dimension,
                "<=",
                "exact",
                f"(f_d(0) - inf f_d)/d, inf f_d = -sqrt(2 pi e)(1 + (d-1)e), over d in "
                f"{dims}; increasing in d with limit e sqrt(2 pi e) = {float(limit):.6g}; "
                f"f_10(1e8, ..., 1e8) - inf f_10 = {far_gap:.2g}",
            )
        )

    if want("smoothness"):
        # L0 = 152: sup of the Hessian's operator norm
        neg, where = _minimize(
            lambda v: -chain.hessian_norm(v),
            [(-6.0, 6.0)] * d_search,
            rng,
            settings.starts,
            extra_starts=_curvature_starts(d_search),
        )
        rows.append(
            make_row(
                name,
                "f_d is L0 = 152 smooth (sup ||Hess f_d||)",
                -neg,
                chain.smoothness,
                "<=",
                "worst-case search",
                f"d={d_search}, analytic tridiagonal Hessian, {settings.starts} seeded "
                f"starts in [-6, 6]^d plus starts at the peak of |Psi''|; worst x = "
                f"{np.round(where, 3).tolist()}",
            )
        )

    if want("gradient-bound"):
        # ||grad f_d||_inf <= 23: every coordinate of a d = 3 chain (an interior one has the same
        # dependence on its three neighbours as in any longer chain), both signs
        small = factory(3, p)
        best = 0.0
        for j in range(3):
            for sign in (1.0, -1.0):

                def objective(v, j=j, sign=sign):
                    return -sign * small.gradient(v)[j]

                def jac(v, j=j, sign=sign):
                    return -sign * small.hessian(v)[j]

                neg, where = _minimize(
                    objective, [(-50.0, 50.0)] * 3, rng, settings.starts, jac=jac
                )
                best = max(best, -neg)
        rows.append(
            make_row(
                name,
                "||grad f_d||_inf <= 23",
                best,
                chain.gradient_bound,
                "<=",
                "worst-case search",
                "sup of +-grad_j f_3, j = 1, 2, 3, over [-50, 50]^3",
            )
        )

    if want("gradient-support"):
        # prog_0(grad f_d(x)) <= prog_{1/2}(x) + 1
        points = _adversarial_points(rng, settings.adversarial_points, d_search)
        excess = max(prog(chain.gradient(v), 0.0) - prog(v, 0.5) for v in points)
        rows.append(
            make_row(
                name,
                "prog_0(grad f_d(x)) <= prog_1/2(x) + 1",
                excess,
                1.0,
                "<=",
                "worst-case search",
                f"max of prog_0(grad f_d(x)) - prog_1/2(x) over {len(points)} seeded points "
                f"with entries on and beside the thresholds, d={d_search}",
            )
        )

    if want("gradient-norm"):
        # ||grad f_d(x)|| >= 1 whenever prog_1(x) < d, i.e. |x_d| <= 1
        lowest, lowest_d = np.inf, None
        for d in range(1, d_search + 1):
            trial = factory(d, p)

            def squared_norm(v, trial=trial):
                return float(np.sum(trial.gradient(v) ** 2))

            def squared_norm_jac(v, trial=trial):
                return 2.0 * _tridiagonal_matvec(*trial.hessian_bands(v), trial.gradient(v))

            value, where = _minimize(
                squared_norm,
                [(-50.0, 50.0)] * (d - 1) + [(-1.0, 1.0)],
                rng,
                settings.starts,
                jac=squared_norm_jac,
                extra_starts=_gradient_norm_starts(d),
            )
            if math.sqrt(value) < lowest:
                lowest, lowest_d = math.sqrt(value), d
        rows.append(
            make_row(
                name,
                "||grad f_d(x)|| >= 1 when prog_1(x) < d",
                lowest,
                1.0,
                ">=",
                "worst-case search",
                f"inf over |x_d| <= 1 for d = 1..{d_search}, lowest at d={lowest_d}; "
                "sharp at d = 1, x = +-1 (Phi'(1) = 1); allowance 4 ulp",
                allowance=4 * ULP,
            )
        )

    if want("oracle"):
        points = _adversarial_points(rng, settings.adversarial_points, d_search)
        # oracle: exact unbiasedness and the zero-chain support, on the adversarial points
        worst_bias, support_excess = 0.0, -np.inf
        for v in points:
            gradient = chain.gradient(v)
            law = chain.oracle_law(v)
            mean = sum(q * g for q, g in law)
            scale = max(float(np.max(np.abs(gradient))), 1e-300)
            worst_bias = max(worst_bias, float(np.max(np.abs(mean - gradient))) / scale)
            reach = prog(v, 0.25)
            support_excess = max(
                support_excess, prog(law[0][1], 0.0) - reach - 1, prog(law[1][1], 0.0) - reach
            )
        rows.append(
            make_row(
                name,
                "zero-chain oracle unbiased: E g_d(x) = grad f_d(x)",
                worst_bias,
                0.0,
                "==",
                "exact",
                f"max_x ||E g_d(x) - grad f_d(x)||_inf / ||grad f_d(x)||_inf from the "
                f"two-point law (p={p:g}) over the {len(points)} points; allowance 4 ulp "
                f"(rounding of z/p)",
                allowance=4 * ULP,
            )
        )
        rows.append(
            make_row(
                name,
                "zero chain: prog_0(g_d(x)) <= prog_1/4(x) + z",
                support_excess,
                0.0,
                "<=",
                "worst-case search",
                "max of prog_0(g_d(x)) - prog_1/4(x) - z over both outcomes z of the law "
                f"and the {len(points)} points",
            )
        )
    if want("monte-carlo"):
        n = settings.samples
        progressed = np.mean(
            prog_rows(chain.sample_gradient(np.zeros((n, d_search)), rng), 0.0) >= 1
        )
        rows.append(
            make_row(
                name,
                "zero chain: P(prog_0(g_d(0)) = prog_1/4(0) + 1) <= p (Monte Carlo)",
                progressed,
                p,
                "<=",
                "monte-carlo",
                f"frequency over n={n} draws at x=0, p={p:g}; allowance 5 binomial standard errors",
                allowance=MC_STANDARD_ERRORS * math.sqrt(p * (1 - p) / n),
            )
        )
    return rows


@njit(cache=True)
def prog_rows(rows, beta):
    """prog_beta of each row of a 2-D array."""
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r in range(rows.shape[0]):
        out[r] = prog(rows[r], beta)
    return out


def theorem6_checks(
    settings: CheckSettings | None = None,
    factory: Callable[..., Theorem6Instance] = Theorem6Instance,
    parameters: dict | None = None,
    select: Collection[str] | None = None,
) -> list[CheckRow]:
    """The scaled instance F of the proof of Theorem 6 and its oracle (Appendix G).
    ``select``: a subset of THEOREM6_CHECKS (default all)."""
    settings = settings or CheckSettings()
    rng = None

    def want(key):
        nonlocal rng
        rng = _rng(settings, "Theorem 6 scaled", key)
        return select is None or key in select

    parameters = dict(THEOREM6_DEFAULT if parameters is None else parameters)
    instance = factory(**parameters)
    name = "Theorem 6"
    alpha, eps, G = instance.alpha, instance.eps, instance.G
    d, scale, p = instance.chain.d, instance.scale, instance.chain.p
    label = ", ".join(f"{k}={v:g}" for k, v in parameters.items()) + f" (d={d}, p={p:.4g})"
    rows = []
    k = min(d, settings.chain_dimension)

    def embed(v):
        """x = lambda (v, 0, ..., 0): the searches move the first k coordinates."""
        x = np.zeros(d)
        x[:k] = scale * np.asarray(v)
        return x

    def noise_moment(x):
        """E||g(x) - grad F(x)||^alpha, exactly, from the two-point law."""
        gradient = instance.gradient(x)
        return sum(
            q * float(np.sum(np.abs(g - gradient) ** 2)) ** (alpha / 2)
            for q, g in instance.oracle_law(x)
        )

    if want("suboptimality"):
        # scalings
        rows.append(
            make_row(
                name,
                "F(0) - inf F <= Delta",
                instance.value(np.zeros(d)) - instance.f_star,
                instance.Delta,
                "<=",
                "exact",
                f"{label}; inf F = (L lambda^2/152) inf f_d in closed form",
            )
        )
    if want("smoothness"):
        neg, _ = _minimize(
            lambda v: -_tridiagonal_norm(*instance.hessian_bands(embed(v))),
            [(-6.0, 6.0)] * k,
            rng,
            settings.starts,
            extra_starts=_curvature_starts(k),
        )
        rows.append(
            make_row(
                name,
                "F is L smooth (sup ||Hess F||)",
                -neg,
                instance.L,
                "<=",
                "worst-case search",
                f"{label}; x = lambda (y, 0), y in [-6, 6]^{k}",
            )
        )

    if want("gradient-norm"):

        def squared_norm(x):
            return float(np.sum(instance.gradient(x) ** 2))

        def squared_norm_jac(x):
            return 2.0 * _tridiagonal_matvec(*instance.hessian_bands(x), instance.gradient(x))

        box = [(-50.0 * scale, 50.0 * scale)] * (d - 1) + [(-scale, scale)]
        prefixes = [embed(rng.uniform(-3.0, 3.0, k)) for _ in range(settings.starts)]
        value, _ = _minimize(
            squared_norm,
            box,
            rng,
            max(2, settings.starts // 4),
            jac=squared_norm_jac,
            extra_starts=_gradient_norm_starts(d, scale) + prefixes,
        )
        rows.append(
            make_row(
                name,
                "||grad F(x)|| >= 2 eps when prog_1(x/lambda) < d",
                math.sqrt(value),
                2 * eps,
                ">=",
                "worst-case search",
                f"{label}; inf over |x_d| <= lambda (structured, prefix and uniform starts); "
                "allowance 4 ulp",
                allowance=4 * ULP * 2 * eps,
            )
        )

    if want("moment-exact"):
        # alpha-moment: the proof's bound, exactly, and the worst case over x
        with mpmath.workdps(50):
            q = mpmath.mpf(p)
            factor = (1 - q) * (((1 - q) / q) ** (alpha - 1) + 1)
            proof_bound = float((2 * mpmath.mpf(eps) * 23) ** alpha * factor)
        rows.append(
            make_row(
                name,
                "alpha-moment: (46 eps)^alpha E|z/p - 1|^alpha <= G^alpha",
                proof_bound,
                G**alpha,
                "<=",
                "exact",
                f"{label}; E|z/p-1|^alpha = (1-p)[((1-p)/p)^(alpha-1) + 1] in 50 digits; "
                f"closed-form p = {closed_form_p(eps, G, alpha):.4g} is an upper bound "
                "on the smallest p",
            )
        )

    if want("moment"):
        neg, _ = _minimize(
            lambda v: -noise_moment(embed(v)), [(-6.0, 6.0)] * k, rng, settings.starts
        )
        coordinate = abs(float((-neg / noise_moment_factor(p, alpha)) ** (1 / alpha))) / (2 * eps)
        rows.append(
            make_row(
                name,
                "alpha-moment E||g(x) - grad F(x)||^alpha <= G^alpha",
                -neg,
                G**alpha,
                "<=",
                "worst-case search",
                f"{label}; exact moment of the law, sup over x = lambda (y, 0), y in "
                f"[-6, 6]^{k}; at the worst x the noisy |grad_j f_d| = {coordinate:.4g} "
                f"(its sup is e^(3/2) = {math.e**1.5:.4g}, not 23: the proof's bound is "
                f"loose)",
            )
        )

    if want("monte-carlo"):
        # Monte Carlo through sample_gradient, in chunks
        n = settings.samples
        chunk = max(1, min(n, 2_000_000 // d))
        worst_z = 0.0
        x_points = (
            [np.zeros(d), embed([1.5, -1.2, 0.1] + [0.0] * (k - 3))] if k >= 3 else [np.zeros(d)]
        )
        moment_samples = []
        for x in x_points:
            gradient = instance.gradient(x)
            total, total_sq, moment_chunks = np.zeros(d), np.zeros(d), []
            for start in range(0, n, chunk):
                size = min(chunk, n - start)
                draws = instance.sample_gradient(np.broadcast_to(x, (size, d)), rng)
                total += draws.sum(axis=0)
                total_sq += ((draws - gradient) ** 2).sum(axis=0)
                moment_chunks.append(np.sum((draws - gradient) ** 2, axis=1) ** (alpha / 2))
            mean = total / n
            se = np.sqrt(np.maximum(total_sq / n - (mean - gradient) ** 2, 0.0) / (n - 1))
            # a coordinate whose every draw equals grad F exactly (total_sq == 0) is unbiased
            # exactly; any other coordinate is compared in standard errors (a constant shift
            # gives se = 0, hence z = inf)
            noisy = total_sq > 0
            gap = np.abs(mean - gradient)[noisy]
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(gap > 0, gap / se[noisy], 0.0)
            worst_z = max(worst_z, float(np.max(z, initial=0.0)))
            moment_samples.append(np.concatenate(moment_chunks))
        rows.append(
            make_row(
                name,
                "oracle unbiased (Monte Carlo)",
                worst_z,
                MC_STANDARD_ERRORS,
                "<=",
                "monte-carlo",
                f"{label}; max over coordinates and {len(x_points)} points of |mean - "
                f"grad F| / standard error (coordinates whose draws all equal grad F count as "
                f"exact),"
                f" n={n} each",
            )
        )
        mean, se = _mc_mean(moment_samples[-1])
        rows.append(
            make_row(
                name,
                "alpha-moment E||g(x) - grad F(x)||^alpha <= G^alpha (Monte Carlo)",
                mean,
                G**alpha,
                "<=",
                "monte-carlo",
                f"{label}; at x = lambda (1.5, -1.2, 0.1, 0, ...), n={n}; exact "
                f"{noise_moment(x_points[-1]):.6g}; allowance 5 standard errors",
                allowance=MC_STANDARD_ERRORS * se,
            )
        )
    return rows


def _tridiagonal_norm(diagonal, off_diagonal) -> float:
    if diagonal.size == 1:
        return abs(float(diagonal[0]))
    eigenvalues = eigvalsh_tridiagonal(diagonal, off_diagonal)
    return float(max(abs(eigenvalues[0]), abs(eigenvalues[-1])))


def run_checks(quick: bool = False) -> list[dict]:
    """All rows, Theorem 5 then Theorem 6 (chain, then the scaled instance), as plain dicts."""
    settings = CheckSettings.quick() if quick else CheckSettings()
    groups = [
        lambda: theorem5_checks(settings),
        lambda: zero_chain_checks(settings, p=Theorem6Instance(**THEOREM6_DEFAULT).p),
        lambda: theorem6_checks(settings),
    ]
    rows = []
    for group in progress(groups, desc="lower-bound checks", unit="group"):
        rows.extend(group())
    return [asdict(row) for row in rows]


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def draw_figures(quick: bool = False, seed: int = 20200601) -> list:
    """``lowerbounds_zero_chain.png`` (Psi, Phi and f_2) and ``lowerbounds_theorem5_oracle.png``
    (the law of g(x) and its alpha-moment, exact beside Monte Carlo); returns their paths."""
    from simlab.plotting import new_figure, save

    paths = []
    fig, axes = new_figure(ncols=3)
    t = np.linspace(-0.5, 3.0, 600)
    ax = axes[0, 0]
    ax.plot(t, [psi(v) for v in t], label="Psi(t)")
    ax.plot(t, [psi_prime(v) for v in t], label="Psi'(t)")
    ax.axhline(math.e, linestyle="--", linewidth=1, color="C0", label="sup Psi = e")
    ax.axhline(
        math.sqrt(54 / math.e),
        linestyle="--",
        linewidth=1,
        color="C1",
        label="sup Psi' <= sqrt(54/e)",
    )
    ax.set(xlabel="t", ylabel="value", title="Psi: zero for t <= 1/2")
    ax.legend()
    ax = axes[0, 1]
    t = np.linspace(-4.0, 4.0, 600)
    ax.plot(t, [phi(v) for v in t], label="Phi(t)")
    ax.plot(t, [phi_prime(v) for v in t], label="Phi'(t)")
    ax.axhline(PHI_SUP, linestyle="--", linewidth=1, color="C0", label="sup Phi = sqrt(2 pi e)")
    ax.axhline(1.0, linestyle=":", linewidth=1, color="k", label="Phi'(+-1) = 1")
    ax.set(xlabel="t", ylabel="value", title="Phi")
    ax.legend()
    ax = axes[0, 2]
    grid = np.linspace(-3.0, 3.0, 121)
    chain = ZeroChain(2)
    values = np.array([[chain.value(np.array([a, b])) for a in grid] for b in grid])
    contour = ax.contourf(grid, grid, values, levels=30, cmap="viridis")
    fig.colorbar(contour, ax=ax, label="f_2(x)")
    ax.axvline(0.5, color="w", linewidth=0.8, linestyle="--")
    ax.axvline(-0.5, color="w", linewidth=0.8, linestyle="--")
    ax.set(xlabel="x_1", ylabel="x_2", title="f_2: x_2 is felt only once |x_1| > 1/2")
    paths.append(save(fig, "lowerbounds_zero_chain"))

    rng = np.random.default_rng([seed, 55])
    n = 50_000 if quick else 500_000
    fig, axes = new_figure(ncols=2)
    ax = axes[0, 0]
    for nu, color in ((0, "C0"), (1, "C1")):
        instance = Theorem5Instance(1.25, 0.125, nu)
        draws = instance.sample_gradient(np.full(n, 0.5), rng)
        for k, (q, g) in enumerate(instance.oracle_law(0.5)):
            offset = (nu - 0.5) * 0.4
            ax.bar(
                k + offset,
                q,
                width=0.35,
                color=color,
                alpha=0.5,
                label=f"exact, nu={nu} (b={instance.b:g})" if k == 0 else None,
            )
            ax.plot(
                k + offset,
                np.mean(draws == g),
                "k_",
                markersize=14,
                label=f"Monte Carlo, n={n}" if k == 0 and nu == 0 else None,
            )
    ax.set_yscale("log")
    ax.set_xticks([0, 1], ["x - 1/(2 gamma)", "x"])
    ax.set(ylabel="probability", title="law of g(1/2), alpha = 1.25, eps = 1/8")
    ax.legend()
    ax = axes[0, 1]
    x = np.linspace(0.0, 0.5, 101)
    for alpha, color in zip((1.05, 1.25, 1.5, 2.0), ("C0", "C1", "C2", "C3"), strict=True):
        instance = Theorem5Instance(alpha, 0.125, 0)
        exact = [sum(q * abs(g) ** alpha for q, g in instance.oracle_law(v)) for v in x]
        expected_jumps = n * instance.p
        ax.plot(
            x,
            exact,
            color=color,
            label=f"exact, alpha={alpha:g} (n p = {expected_jumps:.2g} jumps expected)",
        )
        marks = x[::20]
        simulated = [
            np.mean(np.abs(instance.sample_gradient(np.full(n, v), rng)) ** alpha) for v in marks
        ]
        ax.plot(
            marks,
            simulated,
            "o",
            color=color,
            markersize=4,
            label="Monte Carlo" if alpha == 2.0 else None,
        )
    ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label="bound G^alpha = 1")
    ax.set(
        xlabel="x",
        ylabel="E|g(x)|^alpha",
        title="alpha-moment of the Theorem 5 oracle (nu=0, eps=1/8)",
    )
    ax.text(
        0.02,
        0.02,
        "n p ~ 1 or less: a run draws the rare jump 0 or 1 times,\n"
        "so its sample moment falls far below or far above the exact one",
        transform=ax.transAxes,
        fontsize=8,
    )
    ax.legend()
    paths.append(save(fig, "lowerbounds_theorem5_oracle"))
    return paths
