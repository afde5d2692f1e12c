"""The hard instances behind the lower bounds of Zhang et al. 2020 (Theorems 5 and 6).

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

The checks of every property the proofs use (exact, worst-case searches, Monte Carlo) are
:mod:`simlab.experiments.lowerbounds`; the algorithms run on these instances through the engine
are :mod:`simlab.experiments.lowerbound_runs`; the engine's problem is
:class:`simlab.problems.ZeroChainProblem` (built from a :class:`Theorem6Instance`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy
from numba import njit
from scipy import optimize
from scipy.linalg import eigvalsh_tridiagonal

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

#: Phi(+inf) = sqrt(e) * sqrt(2 pi): the supremum of Phi (Arjevani et al. 2019, Lemma 2)
PHI_SUP = SQRT_E * math.sqrt(2.0 * math.pi)
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
        return tridiagonal_norm(*self.hessian_bands(x))

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


#: the Theorem 6 instance the checks, the runs and the engine's zero-chain problem use
#: (d = 34, p about 6e-3)
THEOREM6_DEFAULT = {"alpha": 1.5, "eps": 2e-3, "Delta": 1.0, "L": 1.0, "G": 0.5}


@njit(cache=True)
def prog_rows(rows, beta):
    """prog_beta of each row of a 2-D array."""
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r in range(rows.shape[0]):
        out[r] = prog(rows[r], beta)
    return out


def tridiagonal_norm(diagonal, off_diagonal) -> float:
    """Operator norm of the symmetric tridiagonal matrix with these bands."""
    if diagonal.size == 1:
        return abs(float(diagonal[0]))
    eigenvalues = eigvalsh_tridiagonal(diagonal, off_diagonal)
    return float(max(abs(eigenvalues[0]), abs(eigenvalues[-1])))


def tridiagonal_matvec(diagonal, off_diagonal, vector):
    """The symmetric tridiagonal matrix with these bands times ``vector``."""
    out = diagonal * vector
    out[:-1] += off_diagonal * vector[1:]
    out[1:] += off_diagonal * vector[:-1]
    return out

