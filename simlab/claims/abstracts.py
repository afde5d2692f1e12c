"""Claims from three abstracts (``/work/shared/papers/clipping-preprints-abstracts.txt``).

Only the abstracts are in the shared folder. Where the published paper's formula is known with
confidence it is reconstructed (``reconstructed=True``, saying from which theorem) and checked;
an existence claim is checked on an explicit instance built here; what the abstract alone cannot
settle is marked "unverifiable", with the reason as evidence.

- ``zhang2019``: Zhang, He, Sra, Jadbabaie, "Why gradient clipping accelerates training: a
  theoretical justification for adaptivity" (ICLR 2020).
- ``koloskova2023``: Koloskova, Hendrikx, Stich, "Revisiting gradient clipping: stochastic bias
  and tight convergence guarantees" (ICML 2023).
- ``chezhegov2024``: Chezhegov et al., "Clipping improves Adam-Norm and AdaGrad-Norm when the
  noise is heavy-tailed" (2024).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from simlab.claims import Verdict, claim
from simlab.claims.checks import identity, none_derived
from simlab.theory.exponents import exponent_of


def unverifiable(reason: str) -> Verdict:
    return Verdict("unverifiable", reason, method="none")


# ============================================================================ Zhang et al. 2019
x = sp.Symbol("x", real=True)
L0, L1, F0, eps, M = sp.symbols("L_0 L_1 F_0 epsilon M", positive=True)


@claim("zhang2019", "zhang2019-relaxation", "Abstract; Definition of (L0,L1)-smoothness",
       "The relaxed smoothness ||grad^2 f(x)|| <= L0 + L1 ||grad f(x)|| is weaker than "
       "L-smoothness (reconstructed condition from the published paper).", reconstructed=True,
       mutant={"l0": 1, "l1": 1})
def check_relaxation(l0=12, l1=3):
    """Strictly weaker: every L-smooth f is (L, 0)-smooth by the definition itself (L1 = 0 is
    the L-smooth condition, nothing to compute), and the decisive part is a function that is
    (L0, L1)-smooth but not L-smooth for any L: f = x^4 with (L0, L1) = (12, 3) (``l0``, ``l1``,
    simlab's witness). sympy finds the minimum over x >= 0 of L0 + L1 |f'| - |f''| (f is even, so
    x >= 0 covers the line) and the limit of f'' at infinity."""
    u = sp.Symbol("u", nonnegative=True)  # u = |x|
    quartic = u ** 4
    hessian, gradient = sp.diff(quartic, u, 2), sp.diff(quartic, u)
    slack = sp.Integer(l0) + sp.Integer(l1) * gradient - hessian
    least = sp.minimum(slack, u, sp.Interval(0, sp.oo))
    unbounded = sp.limit(hessian, u, sp.oo)
    evidence = (f"f = x^4 (even, u = |x|): min over u >= 0 of {l0} + {l1}|f'| - |f''| = "
                f"min({slack}) = {least} (sympy minimum); lim f'' = {unbounded} (sympy), so f is "
                f"not L-smooth for any L; L-smooth is (L, 0)-smooth by definition")
    if least >= 0 and unbounded == sp.oo:
        return Verdict("holds", evidence, "symbolic", printed=f"({l0}, {l1})", computed=least)
    return Verdict("fails", evidence, "symbolic", printed=f"({l0}, {l1})", computed=least,
                   correction=none_derived(f"x^4 is not ({l0}, {l1})-smooth (min slack {least}); "
                                           "the check derives no other witness"))


#: Theorem 3 of the published paper (reconstructed): clipped GD with eta_c = 1/(10 L0),
#: gamma = min{1/eta_c, 1/(10 L1 eta_c)} reaches ||grad f|| <= eps within this many iterations
CLIPPED_GD_UPPER = 20 * L0 * F0 / eps ** 2 + 20 * sp.Max(1, L1 ** 2) * F0 / L0
#: Theorem 4 (reconstructed): fixed-step GD needs at least this many iterations on some
#: (L0, L1)-smooth function with M = sup ||grad f|| on the sublevel set
FIXED_GD_LOWER = L1 * M * (F0 - 5 * eps / 8) / (8 * eps ** 2 * (sp.log(M) + 1))


@claim("zhang2019", "zhang2019-arbitrarily-faster", "Abstract; Theorems 3 and 4",
       "Under the relaxed condition, gradient clipping converges arbitrarily faster than gradient "
       "descent with fixed step size: the ratio of GD's lower bound "
       "L1 M (F0 - 5eps/8)/(8 eps^2 (log M + 1)) to clipped GD's upper bound "
       "20 L0 F0/eps^2 + 20 max{1, L1^2} F0/L0 is unbounded as M grows (reconstructed "
       "from the published theorems).", reconstructed=True,
       upper=CLIPPED_GD_UPPER, lower=FIXED_GD_LOWER,
       mutant={"lower": FIXED_GD_LOWER * sp.log(M) / M})
def check_arbitrarily_faster(lower=FIXED_GD_LOWER):
    ratio = lower / CLIPPED_GD_UPPER
    limit = sp.limit(ratio.subs(F0, 2 * eps), M, sp.oo)  # any F0 > 5 eps/8; F0 = 2 eps here
    m_exponent = exponent_of(lower, M)
    free_of_m = M not in CLIPPED_GD_UPPER.free_symbols
    evidence = (f"clipped-GD upper bound free of M: {free_of_m}; GD lower bound grows like "
                f"M^{m_exponent}/log M; lim_(M->oo) lower/upper (F0 = 2 eps) = {limit} (sympy)")
    if limit == sp.oo and free_of_m:
        return Verdict("holds", evidence, printed=sp.oo, computed=limit)
    return Verdict("fails", evidence, printed=sp.oo, computed=limit,
                   correction=f"the ratio tends to {limit}")


# ============================================================================ Koloskova et al. 2023
@claim("koloskova2023", "koloskova2023-deterministic-threshold", "Abstract, (i)",
       "For deterministic gradient descent, the clipping threshold only affects the "
       "higher-order terms of convergence.")
def check_koloskova_deterministic():
    return unverifiable("the abstract gives no bound, and the published rate of clipped GD "
                        "was not reconstructed with enough confidence to encode it")


def _clip(value, c):
    return sp.Max(-c, sp.Min(c, value))


@claim("koloskova2023", "koloskova2023-stochastic-bias", "Abstract, (ii)",
       "In the stochastic setting, convergence to the true optimum cannot be guaranteed under "
       "the standard (bounded variance) noise assumption, even with arbitrarily small step "
       "sizes (checked on an explicit instance built here, not the paper's).")
def check_koloskova_bias():
    # f(x) = x^2/2, noise xi = 9 w.p. 1/10 and -1 w.p. 9/10 (mean 0, variance 9), threshold 1
    c = 1
    outcomes = {9: sp.Rational(1, 10), -1: sp.Rational(9, 10)}
    mean = sum(p * v for v, p in outcomes.items())
    variance = sum(p * v ** 2 for v, p in outcomes.items()) - mean ** 2
    drift = sum(p * _clip(x + v, c) for v, p in outcomes.items())  # E clip(grad f + xi)
    at_optimum = sp.simplify(drift.subs(x, 0))
    # on [0, 2] the clip of x + 9 is 1 and x - 1 lies in [-1, 1]
    drift_on = sp.Rational(1, 10) * c + sp.Rational(9, 10) * (x - 1)
    same = identity(drift, drift_on, domain={x: (0, 2)}, points=41)
    (fixed_point,) = sp.solve(sp.Eq(drift_on, 0), x)
    # Monte Carlo: clipped SGD with a small step, seed 0, 2000 replicas, 20000 steps
    rng = np.random.default_rng(0)
    step, replicas, steps = 1e-3, 2000, 20000
    iterate = np.zeros(replicas)
    running = np.zeros(replicas)
    for n in range(steps):
        noise = np.where(rng.random(replicas) < 0.1, 9.0, -1.0)
        iterate -= step * np.clip(iterate + noise, -c, c)
        if n >= steps // 2:
            running += iterate
    average = running / (steps - steps // 2)
    mc_mean, mc_se = float(average.mean()), float(average.std(ddof=1) / np.sqrt(replicas))
    evidence = (f"instance f = x^2/2, xi in {{9 w.p. 1/10, -1 w.p. 9/10}}: E xi = {mean}, "
                f"Var xi = {variance}; clip threshold {c}: E clip(x + xi) at the optimum x = 0 "
                f"is {at_optimum} != 0 (sympy), so x* = 0 is not a fixed point for any step "
                f"size; the mean field vanishes at x = {fixed_point} (sympy; piecewise form "
                f"{same.verdict}); Monte Carlo (seed 0, {replicas} replicas, step {step}, "
                f"{steps} steps, time-average of the 2nd half): {mc_mean:.4f} +- {mc_se:.4f}")
    biased = at_optimum != 0 and abs(mc_mean - float(fixed_point)) < 6 * mc_se + 0.02
    if biased and same.verdict == "holds":
        return Verdict("holds", evidence, "symbolic+monte-carlo", printed="no convergence to x*",
                       computed=fixed_point)
    return Verdict("fails", evidence, "symbolic+monte-carlo", computed=fixed_point,
                   correction=none_derived("the instance was built to show the bias; when "
                                            "it does not, no other statement follows"))


@claim("koloskova2023", "koloskova2023-tight", "Abstract",
       "Matching upper and lower bounds for the convergence of the gradient norm of clipped SGD.")
def check_koloskova_tight():
    return unverifiable("the abstract states neither bound; nothing to compare")


# ============================================================================ Chezhegov et al. 2024
@claim("chezhegov2024", "chezhegov2024-adagrad-bad-hp", "Abstract",
       "AdaGrad/Adam (and their delayed versions) can have provably bad high-probability "
       "convergence if the noise is heavy-tailed.")
def check_chezhegov_bad():
    return unverifiable("the abstract gives no construction or bound; the claim needs the "
                        "paper's lower-bound example")


@claim("chezhegov2024", "chezhegov2024-clip-polylog", "Abstract",
       "With clipping, AdaGrad-Norm and Adam-Norm (with/without delay) have high-probability "
       "bounds with polylogarithmic dependence on the confidence level, for smooth convex and "
       "non-convex problems with heavy-tailed noise.")
def check_chezhegov_polylog():
    return unverifiable("the abstract states the dependence on the confidence level only in "
                        "words; the bounds themselves are not in the shared text")
