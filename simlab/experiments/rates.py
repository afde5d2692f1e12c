"""Convergence-rate slopes of Zhang et al. 2020, measured by Monte Carlo against the exponents
:mod:`simlab.theory` derives from the theorems' bounds.

Four experiments, each over a grid of moment orders alpha and two noise laws (symmetric Pareto
and Levy-stable), with the law's tail index just above alpha (:data:`TAIL_MARGIN`) so that
Assumption 1/2/4 holds with the constant computed exactly by :mod:`simlab.noise`:

``theorem4``
    projected GClip with k-weighted averaging on a strongly convex problem on a box (Theorem 4,
    Appendix D schedule ``eta_k = 4/(mu(k+1))``, ``tau_k = G k^(1/alpha)``); the mean over
    replicas of ``f(x_bar_k) - f*`` against k, fitted over the last two decades of k.
``theorem2``
    GClip with Theorem 2's constant eta and tau (Appendix C version) on an L-smooth non-convex
    problem, a sweep over the horizon K; the mean over replicas of
    ``(1/K) sum_{k<K} min{||grad f(x_k)||, ||grad f(x_k)||^2}`` against K. The stated rate needs
    ``eta = 1/(L tau^alpha)``, i.e. ``tau^(alpha-1) >= 24``: from K ~ 1e6 (alpha = 2) to 3e11
    (alpha = 1.2) at best (:func:`theorem2_asymptotic_K`). Feasible sweeps run with
    ``eta = 1/(24 L tau)``, where the same bound decays only like ``K^(-(alpha-1)/(3alpha-2))``:
    each row reports that in-regime exponent beside the stated one.
``sgd-failure``
    SGD and GClip on the same noise draws (same seed, same replica indices) on a quadratic: the
    median over disjoint blocks of the sample mean of R replicas of ``f(x_K) - f*`` against R.
    SGD's error has tail index ``a/2 < 1`` under infinite variance, so its mean is infinite and
    the block means grow like ``R^(2/a - 1)`` (generalised CLT; the prediction is derived here,
    :func:`sgd_block_mean_exponent`, as :mod:`simlab.theory` has no statement for the Remark).
    GClip's error is bounded (:func:`gclip_error_bound`), so its block means converge (slope 0
    asymptotically; over feasible R they still rise until blocks hold the rare errors near the
    bound). The Remark's text was lost in the extracted paper; reconstructed from the published
    version: with infinite variance, E f(x_k) - f* is infinite for SGD whatever the step sizes.
``dimension``
    Corollary 7 (GClip) vs Theorem 8 (CClip), both with the k-weighted average, under
    coordinate-wise noise (Assumption 2, equal B_i) on an unconstrained quadratic (see
    :data:`DIMENSION_PROBLEM` for why not on a box): the mean of ``f(x_bar_K) - f*`` at a fixed
    K against d.

Every row carries the slope the theorem predicts (:mod:`simlab.theory`), the measured slope with
a bootstrap interval (:mod:`simlab.analysis`), the statistic and why it matches the theorem, and
where the run is not in the theorem's asymptotic regime, what the proof's bound predicts in the
regime it is in (computed the same way, from the same bound).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np
import sympy as sp
from scipy import optimize

from simlab import _kernels as kernels
from simlab import analysis, theory
from simlab.algorithms import Algorithm, make_algorithm
from simlab.theory.exponents import exponent_of
from simlab.run.engine import log_checkpoints, simulate
from simlab.errors import InputError, check_choice
from simlab.noise import NoiseLaw, Pareto, Stable
from simlab.problems import ConstrainedQuadratic, NonConvex, Quadratic
from simlab.progress import progress
from simlab.schedules import (
    assumption4_G,
    default_schedule,
    theorem2,
    theorem2_parameters,
    theorem4,
    theorem8,
)

#: the law's tail index is alpha + TAIL_MARGIN (stable: capped at 2, the Gaussian): the
#: alpha-moment is finite, and the law is as heavy as that allows. A law with tail index a > alpha
#: is better than the worst case the theorems bound: see :func:`theorem4_law_exponent` for the gap
#: it implies (about TAIL_MARGIN / alpha on Theorem 4's slope).
TAIL_MARGIN = 0.05

LAWS = ("pareto", "stable")
EXPERIMENTS = ("theorem4", "theorem2", "sgd-failure", "dimension")


@dataclass(frozen=True)
class Budget:
    """Grid and sample sizes of one mode (quick, full, or a test's tiny one)."""

    name: str
    alphas: tuple[float, ...]
    laws: tuple[str, ...] = LAWS
    theorem4_steps: int = 3000
    theorem4_replicas: int = 800
    theorem2_decades: float = 1.0
    theorem2_points: int = 4
    theorem2_replicas: int = 16
    sgd_replicas: int = 32_768
    sgd_steps: int = 30
    dims: tuple[int, ...] = (8, 32, 128)
    dims_steps: int = 700
    dims_replicas: int = 40
    resamples: int = 200


QUICK = Budget("quick", (1.2, 1.4, 1.6, 1.8, 2.0))
FULL = Budget("full", tuple(round(1.1 + 0.1 * i, 1) for i in range(10)),
              theorem4_steps=20_000, theorem4_replicas=600,
              theorem2_decades=1.5, theorem2_points=6, theorem2_replicas=32,
              sgd_replicas=131_072, sgd_steps=30,
              dims=(10, 30, 100, 300, 1000), dims_steps=1000, dims_replicas=32, resamples=1000)
BUDGETS = {"quick": QUICK, "full": FULL}


@dataclass
class Row:
    """One line of the ``rates`` table.

    ``predicted_slope`` is the exponent :mod:`simlab.theory` derives from the theorem's bound;
    ``measured_slope`` the least-squares log-log slope of ``statistic`` over replicas against
    ``x`` in ``window`` (fixed per experiment), with the 95% bootstrap interval
    ``[ci_low, ci_high]``; ``verdict`` is :func:`simlab.analysis.verdict` and ``bound_holds``
    :func:`simlab.analysis.upper_bound_verdict` (None where the prediction is not a bound).
    ``why`` says why the statistic matches what the theorem bounds. ``regime`` says which terms
    of the schedule or which mechanism is in charge over the window; ``regime_slope`` is the
    exponent of the same bound in that regime (Theorem 2) and ``law_slope`` the exponent the
    law's actual tail index implies (Theorem 4, dimension). ``points`` holds the fitted
    (x, y) for the figure.
    """

    experiment: str
    theorem: str
    algorithm: str
    noise: str
    alpha: float
    quantity: str
    statistic: str
    why: str
    predicted_slope: float
    measured_slope: float
    ci_low: float
    ci_high: float
    verdict: str
    replicas: int
    steps: int
    x: str
    window: list
    regime: str
    regime_slope: float | None = None
    regime_verdict: str | None = None
    law_slope: float | None = None
    bound_holds: str | None = None
    extra: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------- helpers
def cell_seed(seed: int, *parts) -> int:
    """A seed for one cell from the user seed and the cell's spec (not from execution order)."""
    key = "|".join(str(part) for part in parts).encode()
    return (int(seed) * 1_000_003 + zlib.crc32(key)) % 2 ** 63


def tail_index_for(law: str, alpha: float) -> float:
    """The law's tail index for moment order alpha: ``alpha + TAIL_MARGIN`` (stable: at most 2)."""
    check_choice("noise law", law, LAWS)
    tail = alpha + TAIL_MARGIN
    return min(tail, 2.0) if law == "stable" else tail


def noise_law(law: str, alpha: float, geometry: str, target: float, dim: int = 1) -> NoiseLaw:
    """The law with tail index :func:`tail_index_for` and the scale at which its constant of the
    assumption is exactly ``target``: ``sigma(alpha, dim)`` (isotropic, Assumptions 1 and 4) or
    ``B_i`` (coordinate, Assumption 2). Both constants are computed by :mod:`simlab.noise`."""
    tail = tail_index_for(law, alpha)
    unit = Pareto(tail=tail, geometry=geometry) if law == "pareto" else Stable(
        index=tail, geometry=geometry)
    constant = unit.sigma(alpha, dim) if geometry == "isotropic" else unit.coordinate_bound(alpha)
    scale = target / constant
    if law == "pareto":
        return Pareto(scale=scale, geometry=geometry, tail=tail)
    return Stable(scale=scale, geometry=geometry, index=tail)


def _rational(value: float) -> sp.Rational:
    return sp.nsimplify(round(float(value), 6), rational=True)


def theorem4_law_exponent(alpha: float, tail: float) -> float:
    """Exponent of k of E f(x_bar_k) - f* for a law of tail index ``tail`` > alpha, from the same
    per-step terms of the proof (:func:`simlab.theory.theorem4_terms`, threshold
    ``tau_k = G k^(1/alpha)``) with the moment order of the clipped-variance and bias terms set to
    the law's tail index (capped at 2: a finite variance does not grow with tau).

    ``E||clip(g)||^2 ~ tau^(2-a)`` for a law with tail index a < 2, so the rate is
    ``-1 + (2 - a)/alpha``: steeper than the theorem's ``-2(alpha-1)/alpha`` by ``(a-alpha)/alpha``.
    """
    order = _rational(min(tail, 2.0))
    per_step = exponent_of(theory.theorem4_terms(order, 1 / _rational(alpha)), theory.k)
    weights = exponent_of(theory.K * (theory.K + 1) / 2, theory.K)
    return float(sp.Max(per_step + 1, 0) - weights)


def sgd_block_mean_exponent(tail: float) -> float:
    """Growth exponent in R of the median of the sample mean of R replicas of SGD's error
    ``f(x_K) - f* ~ (x_K - x*)^2``, a linear combination of the noise squared: tail index
    ``beta = tail/2``. Generalised central limit theorem: the sum of R such errors grows like
    ``R^(1/beta)`` when beta < 1, so the mean grows like ``R^(1/beta - 1)``; with beta >= 1 the
    mean is finite and the exponent is 0."""
    R = sp.Symbol("R", positive=True)
    beta = _rational(tail) / 2 if math.isfinite(tail) else sp.oo
    if beta == sp.oo or beta >= 1:
        return 0.0
    return float(exponent_of(R ** (1 / beta) / R, R))


# ----------------------------------------------------------------------------- Theorem 2 regime
_TAU_TERMS = ("2", "48^(1/(alpha-1)) sigma^(alpha/(alpha-1))", "8 sigma",
              "sigma K^(1/(3alpha-2))")
_ETA_TERMS = ("1/(4L)", "1/(L tau^alpha)", "1/(24 L tau)")


def theorem2_sigma(alpha: float) -> float:
    """The sigma used for Theorem 2's sweep: the largest with
    ``48^(1/(alpha-1)) sigma^(alpha/(alpha-1)) <= 2`` (the moment term of tau no larger than
    its floor 2), i.e. ``sigma = (2^(alpha-1)/48)^(1/alpha)``: then the K-term
    ``sigma K^(1/(3alpha-2))`` is the largest term of tau from the smallest possible K on
    (:func:`theorem2_first_K`); 8 sigma < 2 holds for every alpha in (1, 2]."""
    return (2.0 ** (alpha - 1.0) / 48.0) ** (1.0 / alpha)


def theorem2_first_K(alpha: float, sigma: float) -> int:
    """The smallest K with ``sigma K^(1/(3alpha-2)) >= max(2, moment term, 8 sigma)``."""
    tau_rest = max(2.0, 8.0 * sigma, 48.0 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)))
    return int(math.ceil((tau_rest / sigma) ** (3 * alpha - 2) * (1 - 1e-12)))


def theorem2_terms(L: float, sigma: float, alpha: float, steps: int) -> tuple[str, str]:
    """Which printed term of tau and which of eta bind (Appendix C version) at this K."""
    tau_values = [2.0, 48.0 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)), 8 * sigma,
                  sigma * steps ** (1 / (3 * alpha - 2))]
    eta, tau = theorem2_parameters(L, sigma, alpha, steps, 1.0)
    eta_values = [1 / (4 * L), 1 / (L * tau ** alpha), 1 / (24 * L * tau)]
    # a tie (to rounding) goes to the K-term: it is the term that moves with K
    tau_values[-1] *= 1 + 1e-9
    return _TAU_TERMS[int(np.argmax(tau_values))], _ETA_TERMS[int(np.argmin(eta_values))]


def theorem2_term_exponents(alpha: float, tau_term: str, eta_term: str) -> dict[str, float]:
    """Exponent of K of each of the three terms of :func:`simlab.theory.theorem2_bound` (descent
    ``F0/(eta K)``, squared bias, variance) when the given terms of tau and eta bind."""
    a = _rational(alpha)
    tau, eta = _theorem2_choice(a, tau_term, eta_term)
    sigma, L, K, F0 = theory.sigma, theory.L, theory.K, theory.F0
    terms = {"descent F0/(eta K)": F0 / (eta * K),
             "bias sigma^(2a) tau^(2-2a)": sigma ** (2 * a) * tau ** (2 - 2 * a),
             "variance L eta sigma^a tau^(2-a)": L * eta * sigma ** a * tau ** (2 - a)}
    return {name: float(exponent_of(term, K)) for name, term in terms.items()}


def _theorem2_choice(a, tau_term: str, eta_term: str):
    sigma, L, K = theory.sigma, theory.L, theory.K
    taus = dict(zip(_TAU_TERMS, (sp.Integer(2), 48 ** (1 / (a - 1)) * sigma ** (a / (a - 1)),
                                 8 * sigma, sigma * K ** (1 / (3 * a - 2))), strict=True))
    tau = taus[tau_term]
    etas = dict(zip(_ETA_TERMS, (1 / (4 * L), 1 / (L * tau ** a), 1 / (24 * L * tau)),
                    strict=True))
    return tau, etas[eta_term]


def theorem2_regime_exponent(alpha: float, tau_term: str, eta_term: str) -> float:
    """Exponent of K of the proof's bound (:func:`simlab.theory.theorem2_bound`) when the given
    terms of tau and eta bind: the theorem's rate needs the K-term of tau and
    ``eta = 1/(L tau^alpha)``; with ``eta = 1/(24 L tau)`` (``tau^(alpha-1) < 24``) the variance
    term ``L eta sigma^alpha tau^(2-alpha)`` only decays like ``K^(-(alpha-1)/(3alpha-2))``."""
    a = _rational(alpha)
    tau, eta = _theorem2_choice(a, tau_term, eta_term)
    return float(exponent_of(theory.theorem2_bound(a, tau, eta), theory.K))


def theorem2_asymptotic_K(alpha: float) -> float:
    """The smallest horizon K from which Theorem 2's stated rate applies for some sigma: tau's
    K-term must exceed the moment term, 2 and 8 sigma, and ``tau^(alpha-1) >= 24`` so that
    ``eta = 1/(L tau^alpha)``; minimised over sigma numerically (scipy)."""
    def needed(log_sigma):
        s = math.exp(log_sigma)
        power = 3 * alpha - 2
        conditions = [
            (48.0 ** (1 / (alpha - 1)) * s ** (alpha / (alpha - 1)) / s) ** power,
            (2.0 / s) ** power, 8.0 ** power, (24.0 ** (1 / (alpha - 1)) / s) ** power]
        return math.log(max(conditions))
    best = optimize.minimize_scalar(needed, bounds=(-20.0, 20.0), method="bounded",
                                    options={"xatol": 1e-10})
    return float(math.exp(best.fun))


# ----------------------------------------------------------------------------- experiments
def _fit_row(fit: analysis.SlopeFit, predicted: float, *, upper_bound: bool = True,
             **fields) -> Row:
    """A row from a fit. ``upper_bound``: the prediction is the exponent of an upper bound, so
    ``bound_holds`` says whether the data are consistent with it (no exponent above it)."""
    regime_slope = fields.pop("regime_slope", None)
    return Row(predicted_slope=float(predicted), measured_slope=fit.slope, ci_low=fit.ci_low,
               bound_holds=analysis.upper_bound_verdict(predicted, fit.ci_low)
               if upper_bound else None,
               ci_high=fit.ci_high,
               verdict=analysis.verdict(predicted, fit.ci_low, fit.ci_high),
               regime_slope=regime_slope,
               regime_verdict=None if regime_slope is None else analysis.verdict(
                   regime_slope, fit.ci_low, fit.ci_high),
               statistic=fit.statistic, replicas=fit.replicas,
               points={"x": fit.x.tolist(), "y": np.asarray(fit.y).tolist(),
                       "fit_intercept": fit.intercept}, **fields)


#: Theorem 4's problem: one coordinate, mu = 1, on [-5, 5] with an l1 term (non-smooth at 0; the
#: minimiser 0.4 is off the kink). The box is wide compared with the centre so that
#: eta_k tau_k = 4 G k^(1/alpha) / (k+1) falls below the box width early: before that the
#: projection, not the clipping, bounds the steps (a pre-asymptotic regime).
THEOREM4_PROBLEM = dict(mu=1.0, L=1.0, center=0.5, l1=0.1, radius=5.0)
THEOREM4_SIGMA = 0.5


def theorem4_experiment(budget: Budget, seed: int = 0):
    """Rows and plot data of the Theorem 4 experiment (see the module docstring)."""
    problem = ConstrainedQuadratic(dim=1, **THEOREM4_PROBLEM)
    steps = budget.theorem4_steps
    checkpoints = log_checkpoints(steps, 60)
    window = (steps / 100.0, float(steps))
    mask = analysis.window_mask(checkpoints, *window)
    rows = []
    cells = [(law, alpha) for law in budget.laws for alpha in budget.alphas]
    for law, alpha in progress(cells, desc="theorem4"):
        noise = noise_law(law, alpha, "isotropic", THEOREM4_SIGMA)
        G = assumption4_G(problem, noise, alpha)
        result = simulate(problem, noise, "proj-gclip", theorem4(G, alpha, problem.mu),
                          steps=steps, replicas=budget.theorem4_replicas,
                          seed=cell_seed(seed, "theorem4", law, alpha), checkpoints=checkpoints,
                          alpha=alpha, show_progress=False)
        values = result.metrics["avg_error"][:, mask]
        fit = analysis.bootstrap_slope(checkpoints[mask], values, "mean",
                                       resamples=budget.resamples,
                                       seed=cell_seed(seed, "boot4", law, alpha))
        crossover = projection_crossover(G / problem.mu, alpha, problem.radius)
        rows.append(_fit_row(
            fit, theory.theorem4_exponent(alpha), experiment="theorem4", theorem="Theorem 4",
            algorithm="proj-gclip", noise=noise.describe(), alpha=alpha,
            quantity="E[f(x_bar_k)] - f*",
            why="Theorem 4 bounds the expectation; f(x_bar_k) is bounded on the box, so the mean "
                "has a finite variance and a valid bootstrap interval",
            steps=steps, x="k", window=list(window),
            regime=("asymptotic" if crossover <= window[0] else
                    f"projection-bound until k ~ {crossover:.3g} (eta_k tau_k > box width)"),
            law_slope=theorem4_law_exponent(alpha, noise.tail_index),
            extra={"G": G, "sigma": noise.sigma(alpha, 1), "tail_index": noise.tail_index,
                   "diverged": result.diverged,
                   "curve": {"k": checkpoints.tolist(),
                             "mean": result.mean("avg_error").tolist()}}))
    return rows


#: Theorem 2's problem: one coordinate of x^2/2 + 2 sin^2(x - 1), L = 5, spurious stationary points
THEOREM2_PROBLEM = dict(mu=1.0, wave=2.0, center=1.0)
#: two starting points: x_0 = 0 (F0 = 1.92: the descent term F0/(eta K) of the bound is in charge
#: over feasible K) and x_0 = x* + 0.01 (F0 = 2.5e-4: the noise terms are)
THEOREM2_STARTS = {"x0=0": 0.0, "x0=x*+0.01": 1.01}


def theorem2_experiment(budget: Budget, seed: int = 0):
    """Rows of the Theorem 2 experiment: a sweep over K from :func:`theorem2_first_K` over
    ``budget.theorem2_decades`` decades (window: the whole sweep), from each start of
    :data:`THEOREM2_STARTS` (the same random streams for both)."""
    problem = NonConvex(dim=1, **THEOREM2_PROBLEM)
    rows = []
    cells = [(law, alpha, start) for law in budget.laws for alpha in budget.alphas
             for start in THEOREM2_STARTS]
    for law, alpha, start in progress(cells, desc="theorem2"):
        x0 = np.full(problem.dim, THEOREM2_STARTS[start])
        F0 = problem.initial_gap(x0)
        sigma = theorem2_sigma(alpha)
        noise = noise_law(law, alpha, "isotropic", sigma)
        first = theorem2_first_K(alpha, sigma)
        horizons = np.unique(np.round(first * np.logspace(
            0, budget.theorem2_decades, budget.theorem2_points)).astype(np.int64))
        values = np.empty((budget.theorem2_replicas, horizons.size))
        terms = set()
        for j, steps in enumerate(horizons):
            steps = int(steps)
            terms.add(theorem2_terms(problem.smoothness, sigma, alpha, steps))
            schedule = theorem2(problem.smoothness, sigma, alpha, steps, F0)
            result = simulate(problem, noise, "gclip", schedule, steps=steps,
                              replicas=budget.theorem2_replicas, x0=x0,
                              seed=cell_seed(seed, "theorem2", law, alpha), checkpoints=[steps],
                              alpha=alpha, track_min_grad=True, show_progress=False)
            values[:, j] = result.metrics["min_grad_mean"][:, -1]
        fit = analysis.bootstrap_slope(horizons, values, "mean", resamples=budget.resamples,
                                       seed=cell_seed(seed, "boot2", law, alpha, start))
        if len(terms) == 1:
            tau_term, eta_term = terms.pop()
            regime = f"{start}; tau = {tau_term}, eta = {eta_term}"
            regime_slope = theorem2_regime_exponent(alpha, tau_term, eta_term)
            term_exponents = theorem2_term_exponents(alpha, tau_term, eta_term)
        else:
            regime = f"{start}; mixed: " + "; ".join(
                f"tau = {t}, eta = {e}" for t, e in sorted(terms))
            regime_slope = term_exponents = None
        rows.append(_fit_row(
            fit, theory.theorem2_exponent(alpha, "appendix"), regime_slope=regime_slope,
            experiment="theorem2", theorem="Theorem 2", algorithm="gclip",
            noise=noise.describe(), alpha=alpha,
            quantity="(1/K) sum_k E[min{||grad f(x_k)||, ||grad f(x_k)||^2}]",
            why="Theorem 2 bounds this expectation; a time average of quantities bounded over a "
                "finite horizon (clipped steps), so its replica mean has a finite variance",
            steps=int(horizons[-1]), x="K", window=[float(horizons[0]), float(horizons[-1])],
            regime=regime,
            extra={"start": start, "F0": F0, "sigma": sigma, "tail_index": noise.tail_index,
                   "horizons": horizons.tolist(), "term_exponents_in_regime": term_exponents,
                   "asymptotic_regime_from_K": theorem2_asymptotic_K(alpha)}))
    return rows


#: the SGD-failure problem: f(x) = (x - 1)^2 / 2 on the line, x_0 = 0 (F0 = 1/2)
SGD_PROBLEM = dict(mu=1.0, L=1.0, center=1.0)
SGD_SIGMA = 1.0


#: the block sizes of the SGD experiment: R = 16, 32, ... while at least 32 disjoint blocks
#: remain. It starts at 16 because the median of a mean of R skewed (even light-tailed) errors
#: sits below the mean by about skewness * sd / (6 R), which tilts the slope at small R.
SGD_FIRST_BLOCK = 16
SGD_MIN_BLOCKS = 32


def sgd_block_sizes(replicas: int) -> np.ndarray:
    """R = 16, 32, ... while at least 32 disjoint blocks remain (fixed window: all of them)."""
    largest = replicas // SGD_MIN_BLOCKS
    sizes = 2 ** np.arange(int(math.log2(SGD_FIRST_BLOCK)), int(math.log2(max(largest, 1))) + 1)
    if sizes.size < 2:
        raise InputError(f"the SGD experiment needs at least "
                         f"{2 * SGD_FIRST_BLOCK * SGD_MIN_BLOCKS} replicas, got {replicas}")
    return sizes


def gclip_error_bound(problem, schedule, steps: int) -> float:
    """A deterministic bound on GClip's ``f(x_K) - f*`` for the quadratic: every step moves x by
    at most ``eta_k tau_k``, so ``|x_K - x*| <= |x_0 - x*| + sum_k eta_k tau_k`` and the error is
    at most ``h/2`` times its square: every moment of GClip's error is finite."""
    travel = float(np.sum(schedule.step_sizes(steps)[1:] * schedule.thresholds(steps)[1:]))
    radius = float(np.linalg.norm(problem.initial_point() - problem.minimiser)) + travel
    return float(np.max(problem.curvatures)) * radius ** 2 / 2


def sgd_failure_experiment(budget: Budget, seed: int = 0):
    """Rows of the SGD-failure experiment: SGD and GClip on the same draws (same seed)."""
    problem = Quadratic(dim=1, **SGD_PROBLEM)
    level = problem.initial_gap()
    sizes = sgd_block_sizes(budget.sgd_replicas)
    rows = []
    cells = [(law, alpha) for law in budget.laws for alpha in budget.alphas]
    for law, alpha in progress(cells, desc="sgd-failure"):
        noise = noise_law(law, alpha, "isotropic", SGD_SIGMA)
        cell = cell_seed(seed, "sgd-failure", law, alpha)  # the same for both algorithms
        for name in ("sgd", "gclip"):
            algorithm = make_algorithm(name)
            schedule = default_schedule(problem, noise, algorithm, budget.sgd_steps, alpha)
            result = simulate(problem, noise, algorithm, schedule, steps=budget.sgd_steps,
                              replicas=budget.sgd_replicas, seed=cell,
                              checkpoints=[budget.sgd_steps], alpha=alpha, show_progress=False)
            errors = result.metrics["error"][:, -1]
            fit = analysis.bootstrap_block_growth(errors, sizes, resamples=budget.resamples,
                                                  seed=cell_seed(seed, "bootsgd", law, alpha))
            above = analysis.fraction_above(errors, level)
            predicted = sgd_block_mean_exponent(noise.tail_index) if name == "sgd" else 0.0
            clipped = float(np.mean(result.metrics["clip_fraction"][:, -1]))
            if name == "sgd":
                regime = (f"eta_k = {schedule.describe()['step_size']}; error tail index "
                          f"{noise.tail_index / 2:g} (noise tail {noise.tail_index:g}, squared)")
            else:
                bound = gclip_error_bound(problem, schedule, budget.sgd_steps)
                regime = (f"eta_k, tau_k of Theorem 4 (G = {schedule.threshold.scale:.3g}); "
                          f"error <= {bound:.3g} always (max seen {np.max(errors):.3g}), so the "
                          "mean is finite; block means level off only once blocks hold the "
                          "rare errors near that bound")
            rows.append(_fit_row(
                fit, predicted, upper_bound=False, experiment="sgd-failure",
                theorem="Remark after Assumption 1", algorithm=name, noise=noise.describe(),
                alpha=alpha,
                quantity="median over blocks of the mean of f(x_K) - f* over R replicas",
                why="SGD's E[f(x_K)] - f* is infinite when the variance is: a mean has no limit "
                    "to estimate, but the median of block means is well defined and its growth "
                    "in R measures the tail (GCLT); GClip's clipped noise has a finite variance "
                    "(slope 0)",
                steps=budget.sgd_steps, x="R", window=[float(sizes[0]), float(sizes[-1])],
                regime=regime,
                extra={"median_error": float(result.median("error")[-1]),
                       "max_error": float(np.max(errors)),
                       "deterministic_bound": (gclip_error_bound(problem, schedule,
                                                                 budget.sgd_steps)
                                               if name == "gclip" else None),
                       "clipped_steps_per_replica": clipped * budget.sgd_steps,
                       "quantile_0.99": float(result.quantile("error", 0.99)[-1]),
                       "sample_mean_all": float(np.mean(errors)),
                       "fraction_above_F0": above.value,
                       "fraction_above_F0_ci": [above.ci_low, above.ci_high],
                       "level_F0": level, "diverged": result.diverged,
                       "tail_index": noise.tail_index}))
    return rows


#: the dimension experiment's problem: every coordinate alike, so f*, mu, L and B_i do not
#: change with d (``Quadratic(dim=d, mu=1, L=1)``, centre 0.5, x_0 = 0). It is unconstrained on
#: purpose: on a box, the projection bounds GClip's steps long before its threshold does
#: (eta_k tau_k < box width only from k ~ (2G/R)^(alpha/(alpha-1)), about 1e11 at alpha = 1.2 and
#: d = 128, see :func:`projection_crossover`), which hides the threshold's d-dependence. The
#: constants of Assumptions 2 and 4 are taken on the ball ||x - x*|| <= ||x_0 - x*|| (as
#: :func:`simlab.schedules.default_schedule` does); with eta_k = 4/(k+1) <= 2 and curvature 1
#: the iterates never leave a bounded set.
DIMENSION_PROBLEM = dict(mu=1.0, L=1.0, center=0.5)
DIMENSION_B = 1.0

#: GClip and CClip with the k-weighted average of Theorem 4 and no projection
AVG_GCLIP = Algorithm("gclip-avg", kernels.GCLIP, averaging=True, clips=True,
                      source="GClip with k-weighted averaging (Corollary 7)")
AVG_CCLIP = Algorithm("cclip-avg", kernels.CCLIP, averaging=True, clips=True,
                      source="CClip with k-weighted averaging (Theorem 8)")


def gclip_law_d_exponent(alpha: float, tail: float) -> float:
    """The d-exponent of GClip's error for i.i.d. coordinates of tail index ``tail`` > alpha with
    the threshold ``tau = G k^(1/alpha)``, ``G = sqrt(d) g + d^(1/alpha) B``: the clipped variance
    is about ``d E min(xi_i^2, tau^2) ~ d tau^(2 - a)`` (a = min(tail, 2)), so
    ``1 + (2 - a)/alpha`` (sympy, from the d-dependence of G); at a = alpha it is Corollary 7's
    2/alpha."""
    a, al = _rational(min(tail, 2.0)), _rational(alpha)
    d = theory.d
    G = sp.sqrt(d) / 2 + d ** (1 / al)
    return float(exponent_of(d * G ** (2 - a), d))


def dimension_experiment(budget: Budget, seed: int = 0):
    """Rows of the Corollary 7 vs Theorem 8 experiment: error at K against d."""
    dims = np.asarray(budget.dims, dtype=np.int64)
    steps = budget.dims_steps
    rows = []
    cells = [(law, alpha) for law in budget.laws for alpha in budget.alphas]
    names = (AVG_GCLIP.name, AVG_CCLIP.name)
    for law, alpha in progress(cells, desc="dimension"):
        samples = {name: [] for name in names}
        clipped = {name: [] for name in names}
        constants = {"G": [], "B": []}
        for dim in dims:
            dim = int(dim)
            problem = Quadratic(dim=dim, **DIMENSION_PROBLEM)
            noise = noise_law(law, alpha, "coordinate", DIMENSION_B, dim)
            start_gap = np.abs(problem.initial_point() - problem.minimiser)
            # Assumption 4 on the ball: sup ||grad f|| + ||B||_alpha (Minkowski)
            G = float(np.max(problem.curvatures) * np.linalg.norm(start_gap)) + noise.sigma(
                alpha, dim)
            # Assumption 2 per coordinate: sup |d_i f| + B_i (Minkowski)
            B = float(np.max(problem.curvatures * start_gap)) + noise.coordinate_bound(alpha)
            constants["G"].append(G)
            constants["B"].append(B)
            cell = cell_seed(seed, "dimension", law, alpha, dim)
            for algorithm, schedule in ((AVG_GCLIP, theorem4(G, alpha, 1.0)),
                                        (AVG_CCLIP, theorem8(B, alpha, 1.0))):
                result = simulate(problem, noise, algorithm, schedule, steps=steps,
                                  replicas=budget.dims_replicas, seed=cell, checkpoints=[steps],
                                  alpha=alpha, show_progress=False)
                samples[algorithm.name].append(result.metrics["avg_error"][:, -1])
                clipped[algorithm.name].append(
                    float(np.mean(result.metrics["clip_fraction"][:, -1])))
        tail = tail_index_for(law, alpha)
        for name, predicted, theorem, law_slope in (
                (AVG_GCLIP.name, theory.corollary7_d_exponent(alpha), "Corollary 7",
                 gclip_law_d_exponent(alpha, tail)),
                (AVG_CCLIP.name, theory.theorem8_d_exponent(alpha), "Theorem 8", 1.0)):
            fit = analysis.bootstrap_slope(dims, samples[name], "mean", paired=False,
                                           resamples=budget.resamples,
                                           seed=cell_seed(seed, "bootd", law, alpha, name))
            rows.append(_fit_row(
                fit, predicted, experiment="dimension", theorem=theorem, algorithm=name,
                noise=f"{noise.describe()} per coordinate", alpha=alpha,
                quantity=f"E[f(x_bar_K)] - f* at K = {steps}",
                why="the bounds are on the expectation; the clipped steps keep the iterates in "
                    "a bounded set, so the mean has a finite variance; the d-exponent of the "
                    "bound's constant (||B||_alpha^2 or ||B||_2^2) is compared",
                steps=steps, x="d", window=[float(dims[0]), float(dims[-1])],
                regime=f"fixed K = {steps}; independent runs per d; clipped steps "
                       f"{min(clipped[name]):.3g}-{max(clipped[name]):.3g} of all",
                law_slope=law_slope,
                extra={"G": constants["G"], "B": constants["B"],
                       "clip_fraction_per_d": clipped[name], "tail_index": tail}))
    return rows


def projection_crossover(threshold_scale: float, alpha: float, radius: float) -> float:
    """The k from which one step ``eta_k tau_k = 4 c k^(1/alpha) / (k + 1)`` (mu = 1) is shorter
    than the box width 2 R; before it, the projection rather than the clipping threshold bounds
    the steps, and the error follows the box, not the bound's constant."""
    return (2.0 * threshold_scale / radius) ** (alpha / (alpha - 1.0)) if alpha > 1 else math.inf


RUNNERS = {
    "theorem4": theorem4_experiment,
    "theorem2": theorem2_experiment,
    "sgd-failure": sgd_failure_experiment,
    "dimension": dimension_experiment,
}


# ----------------------------------------------------------------------------- figures
def plot_experiment(name: str, rows: list[Row]):
    """One log-log figure per experiment: a line per alpha (a panel per law and algorithm), the
    predicted slope dashed beside each; returns the path of ``figures/rates-<name>.png``."""
    from simlab.plotting import new_figure, save, slope_guide

    panels = sorted({_panel(row) for row in rows})
    ncols = min(2, len(panels))
    fig, axes = new_figure(ncols=ncols, nrows=math.ceil(len(panels) / ncols))
    axes = [list(axes.ravel())]
    colours = dict(zip(sorted({row.alpha for row in rows}),
                       _colours(len({row.alpha for row in rows})), strict=True))
    for ax in axes[0][len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes[0], panels, strict=False):
        for row in rows:
            if _panel(row) != panel:
                continue
            colour = colours[row.alpha]
            if name == "theorem4":
                curve = row.extra["curve"]
                ax.plot(curve["k"], curve["mean"], color=colour, linewidth=1.2,
                        label=f"alpha={row.alpha:g}: {row.measured_slope:+.2f}")
            else:
                ax.plot(row.points["x"], row.points["y"], marker="o", markersize=3,
                        color=colour, linewidth=1.2,
                        label=f"alpha={row.alpha:g}: {row.measured_slope:+.2f}")
            x_window = np.asarray(row.points["x"])
            anchor = float(row.points["y"][0])
            slope_guide(ax, x_window, anchor, row.predicted_slope, color=colour)
            if row.regime_slope is not None:  # the same bound in the regime the run is in
                ax.plot(x_window, anchor * (x_window / x_window[0]) ** row.regime_slope,
                        linestyle=":", linewidth=1.2, color=colour)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(", ".join(part for part in (panel[1], f"{panel[0]} noise", panel[2])
                               if part), fontsize=9)
        ax.set_xlabel(_XLABEL[name])
        ax.set_ylabel(_YLABEL[name])
        ax.plot([], [], linestyle="--", color="grey", label="predicted slope")
        if any(row.regime_slope is not None for row in rows if _panel(row) == panel):
            ax.plot([], [], linestyle=":", color="grey", label="bound's slope in the run's regime")
        ax.legend(title="measured slope", fontsize=7)
    return save(fig, f"rates-{name}", caption=_CAPTION[name])


def _panel(row: Row) -> tuple[str, str, str]:
    return row.noise.split("(")[0], row.algorithm, row.extra.get("start", "")


_CAPTION = {
    "theorem4": "Theorem 4: mean f(x_bar_k) - f* of projected GClip against k, one line per "
                "alpha; dashed: the theorem's slope -2(alpha-1)/alpha",
    "theorem2": "Theorem 2: mean (1/K) sum min(|grad f|, |grad f|^2) of GClip against the horizon "
                "K; dashed: the theorem's slope, dotted: the same bound in the run's regime",
    "sgd-failure": "SGD vs GClip on the same draws: median of block means of f(x_K) - f* against "
                   "the block size R; dashed: the GCLT growth 2/a - 1 (SGD) and 0 (GClip)",
    "dimension": "Corollary 7 vs Theorem 8: mean f(x_bar_K) - f* of GClip and CClip against d; "
                 "dashed: the bounds' d-exponents 2/alpha and 1",
}

_XLABEL = {"theorem4": "step k", "theorem2": "horizon K", "sgd-failure": "replicas R per block",
           "dimension": "dimension d"}
_YLABEL = {"theorem4": "mean f(x_bar_k) - f*",
           "theorem2": "mean (1/K) sum min(|grad f|, |grad f|^2)",
           "sgd-failure": "median of block means of f(x_K) - f*",
           "dimension": "mean f(x_bar_K) - f*"}


def _colours(count: int):
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(1, count - 1) * 0.9) for i in range(count)]


# ----------------------------------------------------------------------------- entry point
def run_rates(budget: Budget | str = "quick", only: str | None = None, seed: int = 0,
              figures: bool = True) -> list[dict]:
    """Run the experiments (all, or ``only`` one of :data:`EXPERIMENTS`) at ``budget`` and return
    the rows as dicts (fields of :class:`Row`); writes ``figures/rates-<experiment>.png``."""
    if isinstance(budget, str):
        check_choice("budget", budget, BUDGETS)
        budget = BUDGETS[budget]
    names = EXPERIMENTS if only is None else (check_choice("experiment", only, EXPERIMENTS),)
    out = []
    for name in names:
        rows = RUNNERS[name](budget, seed)
        if figures:
            plot_experiment(name, rows)
        out.extend(row.as_dict() for row in rows)
    return out


__all__ = ["BUDGETS", "Budget", "EXPERIMENTS", "FULL", "QUICK", "Row", "run_rates",
           "theorem2_asymptotic_K", "theorem4_law_exponent", "sgd_block_mean_exponent"]
