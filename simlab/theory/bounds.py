"""The upper bounds of Zhang et al. 2020 (NeurIPS 2020, arXiv:1912.03194) with their constants,
as functions of the constants, so that :mod:`simlab.experiments.bounds` can compare a run with a
theorem's full right-hand side.

The extracted text (``papers/zhang2020-why-adaptive-methods-attention.txt``) lost every displayed
formula. What is printed there, and what is reconstructed:

- **Theorem 4** (projected GClip, mu-strongly convex, Assumption 4 ``E||g(x)||^alpha <= G^alpha``
  on the domain, k-weighted average ``x_bar_K = sum_k k x_(k-1) / sum_k k``): the published
  statement ``E f(x_bar_K) - f* <= 16 G^2 / (mu (K+1)^(2(alpha-1)/alpha))`` with
  ``eta_k = 4/(mu(k+1))``. The schedule is printed twice: ``tau_k = G k^(1/alpha)`` (Appendix D,
  the proof's choice: version ``appendix``) and ``tau_k = G k^(alpha-1)`` (Section 3.1, version
  ``main-text``). The bound is the same for both versions; only the appendix schedule is covered
  by the proof. Re-derived here from the proof's steps (Appendix D with Lemma 9): the
  one-step inequality ``D_k <= (1 - mu eta_k/2) D_(k-1) - 2 eta_k (f(x_(k-1)) - f*)
  + eta_k^2 E||g_hat||^2 + (2 eta_k/mu) ||E g_hat - grad f||^2`` times ``k/(2 eta_k)``
  telescopes; Lemma 9 (``E||g_hat||^2 <= G^alpha tau^(2-alpha)``,
  ``||E g_hat - grad f||^2 <= G^(2alpha) tau^(2-2alpha)``) with ``tau_k = G k^(1/alpha)`` makes
  each step at most ``3 G^2 k^((2-alpha)/alpha)/mu``; the sum is at most
  ``3 G^2 (K+1)^(2/alpha)/mu`` (the printed integral bound), divided by ``K(K+1)/2`` and with
  ``1/K <= 2/(K+1)``: ``12 G^2/(mu (K+1)^(2(alpha-1)/alpha))`` <= the printed 16 (Jensen for
  the average). :func:`theorem4_proof_bound` keeps the exact sum (how loose the printed form is).
- **Corollary 7** (GClip under Assumption 2, ``E|g_i(x)|^alpha <= B_i^alpha``): Theorem 4 with
  ``G = ||B||_alpha`` (Appendix E: ``E||g||^alpha <= ||B||_alpha^alpha`` by subadditivity of
  ``t -> t^(alpha/2)``; the same Lemma states ``d^(alpha/2-1) ||B||_alpha^alpha`` as the value
  the left side can reach: the lower side, reported as how loose G is).
- **Theorem 8** (CClip, ``tau_(k,i) = B_i k^(1/alpha)``; the main text prints ``B_i k^(alpha-1)``
  as for Theorem 4): Theorem 4's bound with ``G^2`` replaced by ``||B||_2^2`` (Appendix E.2:
  Lemma 9 per coordinate, summed over i).
- **Theorem 2** (GClip, L-smooth non-convex, Assumption 1 ``E||g - grad f||^alpha <=
  sigma^alpha``, constant eta and tau of :func:`simlab.schedules.theorem2_parameters`): the
  statement's constant was lost; the proof's steps (Appendix C) are reconstructed here with
  explicit constants (:func:`theorem2_bound`), valid for every eta <= min{1/(4L), 1/(24 L tau)}
  and tau >= max{2, 48^(1/(alpha-1)) sigma^(alpha/(alpha-1))}, so for both printed versions:

  * case ``||grad f|| < tau/2`` (Lemma 10, re-derived): bias ``||E g_hat - grad f|| <=
    sigma^alpha (tau/2)^(1-alpha)``; variance ``E||g_hat - grad f||^2 <= c_v sigma^alpha
    tau^(2-alpha)``, ``c_v = max{2^(2-alpha), 9 2^(alpha-2)}`` (unclipped: ``||xi|| < 2 tau``;
    clipped: ``||g_hat - grad f|| <= 3 tau/2`` and ``||xi|| > tau/2``); with AM-GM and
    ``eta <= 1/(4L)`` the descent is ``E f(x_(k+1)) - f(x_k) <= -(eta/4)||grad f||^2
    + (eta/2) bias^2 + L eta^2 c_v sigma^alpha tau^(2-alpha)``;
  * case ``||grad f|| >= tau/2`` (Lemma 11): ``E<grad f, g_hat> >= tau ||grad f|| (1/4 -
    (5/4) P(||xi|| > ||grad f||/2))`` and ``sigma^alpha (tau/4)^(-alpha) <= 1/6`` (by
    ``tau^(alpha-1) >= 48 sigma^alpha`` and ``tau >= 2``, the text's steps), so
    ``E<grad f, g_hat> >= tau ||grad f||/24``; ``(L eta^2/2) tau^2 <= eta tau/48`` by
    ``eta <= 1/(24 L tau)``: the descent is at least ``(eta/24)||grad f||``;

  summed over k = 0..K-1: ``(1/K) sum_k E min{||grad f(x_k)||, ||grad f(x_k)||^2} <=
  24 F0/(eta K) + 12 sigma^(2alpha) (tau/2)^(2-2alpha) + 24 L eta c_v sigma^alpha tau^(2-alpha)``,
  the three terms of :func:`simlab.theory.exponents.theorem2_bound` with constants.

Every function takes plain floats and returns a float; ``version`` is ``"appendix"`` or
``"main-text"`` (the row names of ``simlab bounds``).
"""

from __future__ import annotations

import math

import numpy as np

from simlab.errors import check_choice, check_count, check_interval, check_positive

VERSIONS = ("appendix", "main-text")
#: the printed constant of Theorems 4 and 8 and Corollary 7, and the one the proof reaches
PRINTED_CONSTANT = 16.0
PROOF_CONSTANT = 12.0


def _alpha(alpha: float) -> float:
    return check_interval("alpha", alpha, 1.0, 2.0, low_open=True,
                          why="the theorems of Zhang et al. 2020 take alpha in (1, 2]")


def rate_exponent(alpha: float) -> float:
    """2(alpha-1)/alpha: Theorem 4's (and 8's, Corollary 7's) rate in K + 1."""
    return 2.0 * (_alpha(alpha) - 1.0) / alpha


def threshold_power(alpha: float, version: str) -> float:
    """p in tau_k = G k^p: 1/alpha (Appendix D, E.2) or alpha - 1 (main text)."""
    check_choice("version", version, VERSIONS)
    return 1.0 / alpha if version == "appendix" else alpha - 1.0


def theorem4_bound(G: float, mu: float, alpha: float, K: int) -> float:
    """Theorem 4 (Zhang et al. 2020, published statement; both versions):
    ``16 G^2 / (mu (K+1)^(2(alpha-1)/alpha))``."""
    G, mu = check_positive("G", G), check_positive("mu", mu)
    K = check_count("K", K)
    return PRINTED_CONSTANT * G ** 2 / (mu * (K + 1.0) ** rate_exponent(alpha))


def theorem4_proof_bound(G: float, mu: float, alpha: float, K: int) -> float:
    """The proof's bound before its last simplifications (Appendix D, reconstructed, see the
    module docstring): ``(2/(K(K+1))) sum_(k=1..K) 3 G^2 k^((2-alpha)/alpha) / mu``; at most
    :func:`theorem4_bound` times 12/16."""
    G, mu = check_positive("G", G), check_positive("mu", mu)
    K = check_count("K", K)
    k = np.arange(1, K + 1, dtype=float)
    total = float(np.sum(k ** ((2.0 - _alpha(alpha)) / alpha)))
    return 2.0 * 3.0 * G ** 2 * total / (mu * K * (K + 1.0))


def corollary7_G(B, alpha: float) -> float:
    """Corollary 7's G = ||B||_alpha (Appendix E)."""
    B = np.asarray(B, dtype=float)
    return float(np.sum(B ** _alpha(alpha)) ** (1.0 / alpha))


def corollary7_G_lower(B, alpha: float) -> float:
    """Appendix E's lower side: ``(d^(alpha/2-1) ||B||_alpha^alpha)^(1/alpha)``, what
    ``(E||g||^alpha)^(1/alpha)`` can reach (coordinates linearly correlated)."""
    B = np.asarray(B, dtype=float)
    return float((B.size ** (alpha / 2.0 - 1.0) * np.sum(B ** _alpha(alpha))) ** (1.0 / alpha))


def corollary7_bound(B, mu: float, alpha: float, K: int) -> float:
    """Corollary 7: Theorem 4's bound with G = ||B||_alpha."""
    return theorem4_bound(corollary7_G(B, alpha), mu, alpha, K)


def theorem8_bound(B, mu: float, alpha: float, K: int) -> float:
    """Theorem 8 (CClip; Appendix E.2): ``16 ||B||_2^2 / (mu (K+1)^(2(alpha-1)/alpha))``."""
    B = np.asarray(B, dtype=float)
    norm = float(np.sqrt(np.sum(B ** 2)))
    return theorem4_bound(norm, mu, alpha, K)


def variance_constant(alpha: float) -> float:
    """c_v of the re-derived Lemma 10: ``E||g_hat - grad f||^2 <= c_v sigma^alpha
    tau^(2-alpha)`` when ``||grad f|| <= tau/2``: ``max{2^(2-alpha), 9 2^(alpha-2)}``."""
    alpha = _alpha(alpha)
    return max(2.0 ** (2.0 - alpha), 9.0 * 2.0 ** (alpha - 2.0))


def theorem2_conditions(L: float, sigma: float, alpha: float, eta: float, tau: float) -> dict:
    """The conditions the reconstructed proof of Theorem 2 uses, each True or False."""
    return {"eta <= 1/(4L)": eta <= 1.0 / (4.0 * L) * (1 + 1e-12),
            "eta <= 1/(24 L tau)": eta <= 1.0 / (24.0 * L * tau) * (1 + 1e-12),
            "tau >= 2": tau >= 2.0,
            "tau^(alpha-1) >= 48 sigma^alpha": tau ** (alpha - 1.0) >= 48.0 * sigma ** alpha
            * (1 - 1e-12)}


def theorem2_bound_at(L: float, sigma: float, alpha: float, K: int, F0: float, eta: float,
                      tau: float) -> float:
    """The reconstructed bound of Theorem 2 (Appendix C; module docstring) for a constant
    step ``eta`` and threshold ``tau`` satisfying :func:`theorem2_conditions`:
    ``24 F0/(eta K) + 12 sigma^(2alpha) (tau/2)^(2-2alpha)
    + 24 L eta c_v sigma^alpha tau^(2-alpha)``."""
    alpha = _alpha(alpha)
    K = check_count("K", K)
    return (24.0 * F0 / (eta * K)
            + 12.0 * sigma ** (2 * alpha) * (tau / 2.0) ** (2.0 - 2.0 * alpha)
            + 24.0 * L * eta * variance_constant(alpha) * sigma ** alpha * tau ** (2.0 - alpha))


def theorem2_terms(L: float, sigma: float, alpha: float, K: int, F0: float, eta: float,
                   tau: float) -> dict:
    """The three terms of :func:`theorem2_bound_at` by name (which one is in charge)."""
    return {"descent 24 F0/(eta K)": 24.0 * F0 / (eta * K),
            "bias 12 sigma^(2a) (tau/2)^(2-2a)":
                12.0 * sigma ** (2 * alpha) * (tau / 2.0) ** (2.0 - 2.0 * alpha),
            "variance 24 L eta c_v sigma^a tau^(2-a)":
                24.0 * L * eta * variance_constant(alpha) * sigma ** alpha * tau ** (2.0 - alpha)}


def theorem2_bound(L: float, sigma: float, alpha: float, K: int, F0: float,
                   version: str = "appendix") -> float:
    """Theorem 2's bound on ``(1/K) sum_(k<K) E min{||grad f(x_k)||, ||grad f(x_k)||^2}`` with
    the eta and tau printed in ``version`` (:func:`simlab.schedules.theorem2_parameters`:
    Appendix C or the main text), reconstructed with constants (module docstring)."""
    from simlab.schedules import theorem2_parameters

    check_choice("version", version, VERSIONS)
    printed = "appendix-c" if version == "appendix" else "main-text"
    eta, tau = theorem2_parameters(L, sigma, alpha, K, F0, printed)
    return theorem2_bound_at(L, sigma, alpha, K, F0, eta, tau)


def bound_verdict(measured: float, stderr: float, bound: float, spread: float = 3.0) -> str:
    """The issue's rule: ``holds`` when ``measured + 3 stderr <= bound``; ``fails`` when the
    whole interval ``measured +- 3 stderr`` lies above it; ``inconclusive`` otherwise (and
    when a number is missing)."""
    if not all(math.isfinite(v) for v in (measured, stderr, bound)):
        return "inconclusive"
    if measured + spread * stderr <= bound:
        return "holds"
    if measured - spread * stderr > bound:
        return "fails"
    return "inconclusive"


__all__ = ["PRINTED_CONSTANT", "PROOF_CONSTANT", "VERSIONS", "bound_verdict", "corollary7_G",
           "corollary7_G_lower", "corollary7_bound", "rate_exponent", "theorem2_bound",
           "theorem2_bound_at", "theorem2_conditions", "theorem2_terms", "theorem4_bound",
           "theorem4_proof_bound", "theorem8_bound", "threshold_power", "variance_constant"]
