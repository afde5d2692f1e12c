"""What the proofs of Zhang et al. 2020 predict for the runs :mod:`simlab.experiments.rates`
can afford: the exponents of the same bounds in the regime a finite run is in, and for laws
lighter than the worst case the theorems bound.

:mod:`simlab.theory.exponents` derives the theorems' stated exponents; this module applies the
same derivation (:func:`~simlab.theory.exponents.exponent_of` on the proofs' bounds) to

- Theorem 4 (App. D) with a law of tail index above alpha: :func:`theorem4_law_exponent`;
- Theorem 2 (App. C) when another term of tau or eta binds than in the theorem's asymptotic
  regime: :func:`theorem2_terms`, :func:`theorem2_regime_exponent`,
  :func:`theorem2_term_exponents`, and where that regime starts: :func:`theorem2_first_K`,
  :func:`theorem2_asymptotic_K`, :func:`theorem2_sigma`;
- Corollary 7 with i.i.d. coordinates lighter than the worst case: :func:`gclip_law_d_exponent`;
- the Remark after Assumption 1 (SGD's expected error is infinite under infinite variance): the
  growth of block means under the generalised CLT, :func:`sgd_block_mean_exponent`, and GClip's
  deterministic error bound, :func:`gclip_error_bound`;
- Theorem 4's projection: :func:`projection_crossover`, the k from which the clipping threshold,
  not the box, bounds the steps.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy import optimize

from simlab.schedules import theorem2_parameters
from simlab.theory.exponents import F0, K, L, d, exponent_of, k, sigma, theorem2_bound
from simlab.theory.exponents import theorem4_terms


def _rational(value: float) -> sp.Rational:
    return sp.nsimplify(round(float(value), 6), rational=True)


# ----------------------------------------------------------------------------- Theorem 4
def theorem4_law_exponent(alpha: float, tail: float, tau_power: float | None = None) -> float:
    """Exponent of k of E f(x_bar_k) - f* for a law of tail index ``tail`` > alpha, from the same
    per-step terms of the proof of Theorem 4 (:func:`simlab.theory.theorem4_terms`, threshold
    ``tau_k = G k^(1/alpha)``) with the moment order of the clipped-variance and bias terms set to
    the law's tail index (capped at 2: a finite variance does not grow with tau).

    ``E||clip(g)||^2 ~ tau^(2-a)`` for a law with tail index a < 2, so the rate is
    ``-1 + (2 - a)/alpha``: steeper than the theorem's ``-2(alpha-1)/alpha`` by ``(a-alpha)/alpha``.
    ``tau_power``: the threshold's power of k (default 1/alpha, Appendix D; the main text prints
    alpha - 1).
    """
    order = _rational(min(tail, 2.0))
    power = 1 / _rational(alpha) if tau_power is None else _rational(tau_power)
    per_step = exponent_of(theorem4_terms(order, power), k)
    weights = exponent_of(K * (K + 1) / 2, K)
    return float(sp.Max(per_step + 1, 0) - weights)


def projection_crossover(threshold_scale: float, alpha: float, radius: float,
                         tau_power: float | None = None) -> float:
    """The k from which one step ``eta_k tau_k = 4 c k^p / (k + 1)`` of Theorem 4's schedule
    (mu = 1; p = 1/alpha by default, the main text's alpha - 1 if given) is shorter than the box
    width 2 R, about ``(2c/R)^(1/(1-p))``; before it, the projection rather than the clipping
    threshold bounds the steps, and the error follows the box, not the bound's constant. Never
    (inf) when p >= 1."""
    power = 1.0 / alpha if tau_power is None else float(tau_power)
    if power >= 1.0:
        return math.inf
    return (2.0 * threshold_scale / radius) ** (1.0 / (1.0 - power))


# ----------------------------------------------------------------------------- Corollary 7
def gclip_law_d_exponent(alpha: float, tail: float) -> float:
    """The d-exponent of GClip's error (Corollary 7) for i.i.d. coordinates of tail index
    ``tail`` > alpha with the threshold ``tau = G k^(1/alpha)``, ``G = sqrt(d) g + d^(1/alpha) B``:
    the clipped variance is about ``d E min(xi_i^2, tau^2) ~ d tau^(2 - a)`` (a = min(tail, 2)),
    so ``1 + (2 - a)/alpha`` (sympy, from the d-dependence of G); at a = alpha it is
    Corollary 7's 2/alpha."""
    a, al = _rational(min(tail, 2.0)), _rational(alpha)
    G = sp.sqrt(d) / 2 + d ** (1 / al)
    return float(exponent_of(d * G ** (2 - a), d))


# ----------------------------------------------------------------------------- the Remark
def sgd_block_mean_exponent(tail: float) -> float:
    """Growth exponent in R of the median of the sample mean of R replicas of SGD's error
    ``f(x_K) - f* ~ (x_K - x*)^2``, a linear combination of the noise squared: tail index
    ``beta = tail/2`` (Remark after Assumption 1: E f(x_K) - f* is infinite under infinite
    variance). Generalised central limit theorem: the sum of R such errors grows like
    ``R^(1/beta)`` when beta < 1, so the mean grows like ``R^(1/beta - 1)``; with beta >= 1 the
    mean is finite and the exponent is 0."""
    R = sp.Symbol("R", positive=True)
    beta = _rational(tail) / 2 if math.isfinite(tail) else sp.oo
    if beta == sp.oo or beta >= 1:
        return 0.0
    return float(exponent_of(R ** (1 / beta) / R, R))


def gclip_error_bound(problem, schedule, steps: int) -> float:
    """A deterministic bound on GClip's ``f(x_K) - f*`` for a quadratic: every step moves x by
    at most ``eta_k tau_k``, so ``|x_K - x*| <= |x_0 - x*| + sum_k eta_k tau_k`` and the error is
    at most ``h/2`` times its square (h the largest curvature): every moment of GClip's error is
    finite, unlike SGD's (the Remark after Assumption 1)."""
    travel = float(np.sum(schedule.step_sizes(steps)[1:] * schedule.thresholds(steps)[1:]))
    radius = float(np.linalg.norm(problem.initial_point() - problem.minimiser)) + travel
    return float(np.max(problem.curvatures)) * radius ** 2 / 2


# ----------------------------------------------------------------------------- Theorem 2
#: the printed terms of Theorem 2's tau and eta (Appendix C), in the order of the max and min
TAU_TERMS = ("2", "48^(1/(alpha-1)) sigma^(alpha/(alpha-1))", "8 sigma",
             "sigma K^(1/(3alpha-2))")
ETA_TERMS = ("1/(4L)", "1/(L tau^alpha)", "1/(24 L tau)")


def theorem2_sigma(alpha: float) -> float:
    """The sigma of a Theorem 2 sweep: the largest with
    ``48^(1/(alpha-1)) sigma^(alpha/(alpha-1)) <= 2`` (the moment term of tau no larger than
    its floor 2), i.e. ``sigma = (2^(alpha-1)/48)^(1/alpha)``: then the K-term
    ``sigma K^(1/(3alpha-2))`` is the largest term of tau from the smallest possible K on
    (:func:`theorem2_first_K`); 8 sigma < 2 holds for every alpha in (1, 2]."""
    return (2.0 ** (alpha - 1.0) / 48.0) ** (1.0 / alpha)


def theorem2_first_K(alpha: float, sigma: float) -> int:
    """The smallest K with ``sigma K^(1/(3alpha-2)) >= max(2, moment term, 8 sigma)``: from it
    on, Theorem 2's tau (Appendix C) is its K-term."""
    tau_rest = max(2.0, 8.0 * sigma, 48.0 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)))
    return int(math.ceil((tau_rest / sigma) ** (3 * alpha - 2) * (1 - 1e-12)))


def theorem2_terms(L: float, sigma: float, alpha: float, steps: int) -> tuple[str, str]:
    """Which printed term of tau and which of eta bind (Theorem 2, Appendix C version) at this
    K: one of :data:`TAU_TERMS` and one of :data:`ETA_TERMS`."""
    tau_values = [2.0, 48.0 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)), 8 * sigma,
                  sigma * steps ** (1 / (3 * alpha - 2))]
    eta, tau = theorem2_parameters(L, sigma, alpha, steps, 1.0)
    eta_values = [1 / (4 * L), 1 / (L * tau ** alpha), 1 / (24 * L * tau)]
    # a tie (to rounding) goes to the K-term: it is the term that moves with K
    tau_values[-1] *= 1 + 1e-9
    return TAU_TERMS[int(np.argmax(tau_values))], ETA_TERMS[int(np.argmin(eta_values))]


def _theorem2_choice(a, tau_term: str, eta_term: str):
    """Theorem 2's tau and eta (sympy, in K) when the named terms bind."""
    taus = dict(zip(TAU_TERMS, (sp.Integer(2), 48 ** (1 / (a - 1)) * sigma ** (a / (a - 1)),
                                8 * sigma, sigma * K ** (1 / (3 * a - 2))), strict=True))
    tau = taus[tau_term]
    etas = dict(zip(ETA_TERMS, (1 / (4 * L), 1 / (L * tau ** a), 1 / (24 * L * tau)),
                    strict=True))
    return tau, etas[eta_term]


def theorem2_term_exponents(alpha: float, tau_term: str, eta_term: str) -> dict[str, float]:
    """Exponent of K of each of the three terms of :func:`simlab.theory.theorem2_bound` (descent
    ``F0/(eta K)``, squared bias, variance) when the given terms of tau and eta bind."""
    a = _rational(alpha)
    tau, eta = _theorem2_choice(a, tau_term, eta_term)
    terms = {"descent F0/(eta K)": F0 / (eta * K),
             "bias sigma^(2a) tau^(2-2a)": sigma ** (2 * a) * tau ** (2 - 2 * a),
             "variance L eta sigma^a tau^(2-a)": L * eta * sigma ** a * tau ** (2 - a)}
    return {name: float(exponent_of(term, K)) for name, term in terms.items()}


def theorem2_regime_exponent(alpha: float, tau_term: str, eta_term: str) -> float:
    """Exponent of K of the proof's bound (:func:`simlab.theory.theorem2_bound`) when the given
    terms of tau and eta bind: the theorem's rate needs the K-term of tau and
    ``eta = 1/(L tau^alpha)``; with ``eta = 1/(24 L tau)`` (``tau^(alpha-1) < 24``) the variance
    term ``L eta sigma^alpha tau^(2-alpha)`` only decays like ``K^(-(alpha-1)/(3alpha-2))``."""
    a = _rational(alpha)
    tau, eta = _theorem2_choice(a, tau_term, eta_term)
    return float(exponent_of(theorem2_bound(a, tau, eta), K))


def _theorem2_asymptotic(alpha: float) -> tuple[float, float]:
    """(K, sigma) of :func:`theorem2_asymptotic_K`."""
    def needed(log_sigma):
        s = math.exp(log_sigma)
        power = 3 * alpha - 2
        conditions = [
            (48.0 ** (1 / (alpha - 1)) * s ** (alpha / (alpha - 1)) / s) ** power,
            (2.0 / s) ** power, 8.0 ** power, (24.0 ** (1 / (alpha - 1)) / s) ** power]
        return math.log(max(conditions))
    best = optimize.minimize_scalar(needed, bounds=(-20.0, 20.0), method="bounded",
                                    options={"xatol": 1e-10})
    return float(math.exp(best.fun)), float(math.exp(best.x))


def theorem2_asymptotic_K(alpha: float) -> float:
    """The smallest horizon K from which Theorem 2's stated rate applies for some sigma: tau's
    K-term must exceed the moment term, 2 and 8 sigma, and ``tau^(alpha-1) >= 24`` so that
    ``eta = 1/(L tau^alpha)``; minimised over sigma numerically (scipy)."""
    return _theorem2_asymptotic(alpha)[0]


def theorem2_asymptotic_sigma(alpha: float) -> float:
    """The sigma at which :func:`theorem2_asymptotic_K` is reached (the noise scale of a run
    in Theorem 2's stated regime from the smallest K)."""
    return _theorem2_asymptotic(alpha)[1]


__all__ = ["ETA_TERMS", "TAU_TERMS", "gclip_error_bound", "gclip_law_d_exponent",
           "projection_crossover", "sgd_block_mean_exponent", "theorem2_asymptotic_K",
           "theorem2_asymptotic_sigma", "theorem2_first_K", "theorem2_regime_exponent",
           "theorem2_sigma", "theorem2_term_exponents", "theorem2_terms",
           "theorem4_law_exponent"]
