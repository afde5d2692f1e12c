"""Coordinate-wise clipping in Zhang et al. 2020 (Appendix E, E.2 Convergence of CClip, proof
of Theorem 8; Corollary 7): norm sandwiches and the dimension dependence of CClip vs GClip.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from simlab import theory
from simlab.claims import Verdict, claim
from simlab.claims.checks import all_hold, identity, inequality, none_derived
from simlab.claims.zhang2020.common import (
    ALPHA,
    ALPHA_RANGE,
    G,
    PAPER,
    RATE_THEOREM4,
    d,
    k,
    mu,
)
from simlab.claims.zhang2020.upper_bounds import schedule_fix


# ============================================================================ Appendix E
def _random_vectors(seed=0, count=2000):
    """Heavy-tailed test vectors (Student t with 1.5 degrees of freedom), d from 1 to 64."""
    rng = np.random.default_rng(seed)
    return [rng.standard_t(1.5, size=rng.integers(1, 65)) for _ in range(count)]


def _norm_order_mc(lower: float, upper: float, alphas=(1.05, 1.25, 1.5, 1.75, 2.0), seed=0):
    """max over vectors of (lhs/rhs) for ||x||_2^a / (d^(a/2-1) sum|x|^a) and vice versa."""
    worst_upper, worst_lower = 0.0, np.inf
    for x in _random_vectors(seed):
        for a in alphas:
            l2a = float(np.sum(x * x)) ** (a / 2)
            la = float(np.sum(np.abs(x) ** a))
            worst_upper = max(worst_upper, l2a / la)
            worst_lower = min(worst_lower, l2a / (x.size ** (a / 2 - 1) * la))
    return worst_upper, worst_lower


@claim(
    PAPER,
    "zhang2020-appE-moment-sandwich",
    "Lemma (Appendix E.1)",
    "Under Assumption 2, d^{alpha/2-1} ||B||_alpha^alpha <= sup E||g||^alpha <= "
    "||B||_alpha^alpha: pointwise ||x||_2^alpha <= ||x||_alpha^alpha, with the lower value "
    "attained when all coordinates are equal.",
    reconstructed=True,
)
def check_moment_sandwich():
    c = sp.Symbol("c", positive=True)
    equal = identity((d * c**2) ** (ALPHA / 2), d ** (ALPHA / 2 - 1) * d * c**ALPHA)
    ratio_upper, ratio_lower = _norm_order_mc(1, 1)
    ok = ratio_upper <= 1 + 1e-12 and ratio_lower >= 1 - 1e-12
    mc = Verdict(
        "holds" if ok else "fails",
        "Monte Carlo, seed 0, 2000 Student-t(1.5) vectors, "
        "d in [1, 64], alpha in {1.05, 1.25, 1.5, 1.75, 2}: max ||x||_2^a/||x||_a^a = "
        f"{ratio_upper:.6f}, min ||x||_2^a/(d^(a/2-1)||x||_a^a) = {ratio_lower:.6f}",
        "monte-carlo",
        correction=None if ok else none_derived("a sampled vector breaks the sandwich; a sample "
                                                 "suggests no other bound"),
    )
    return all_hold({"equal coordinates": equal, "random vectors": mc})


def sparse_moment_ratio(alpha, dim: int, p) -> mpmath.mpf:
    """E||g||_2^alpha / sum_i E|g_i|^alpha, exactly, for d independent coordinates g_i = +-1
    with probability p each (0 otherwise): J ~ Bin(d, p) coordinates are non-zero and
    ||g||_2^alpha = J^(alpha/2), so the ratio is E[J^(alpha/2)] / (d p) (mpmath, 30 digits)."""
    with mpmath.workdps(30):
        a, q = mpmath.mpf(alpha), mpmath.mpf(p)
        moment = mpmath.fsum(mpmath.binomial(dim, j) * q**j * (1 - q) ** (dim - j)
                             * mpmath.mpf(j) ** (a / 2) for j in range(1, dim + 1))
        return moment / (dim * q)


@claim(
    PAPER,
    "zhang2020-lemma12-independent-tight",
    "Section 4, after Theorem 8, and Lemma 12 (Appendix E.1)",
    "When the noise across coordinates is independent the upper bound E||g||^alpha <= "
    "||B||_alpha^alpha (Lemma 12) may be tight; linearly correlated coordinates attain the lower "
    "bound d^(alpha/2-1) ||B||_alpha^alpha.",
    reconstructed=True,
    mutant={"printed_upper": 0.9},
)
def check_lemma12_tight(printed_upper=1.0):
    """Ratios r = E||g||_2^alpha / ||B||_alpha^alpha (B_i^alpha = E|g_i|^alpha) on explicit
    instances, exactly (:func:`sparse_moment_ratio`): independent sparse coordinates (+-1 with
    probability p) for d in {2, 16, 256}, alpha in {1.1, 1.5, 2}, p from 1e-1 to 1e-6. The
    printed upper constant (``printed_upper`` = 1) must bound every ratio and be approached
    (sup within 1e-3 of it); a perfectly correlated vector (all coordinates equal) gives exactly
    d^(alpha/2-1), the lower end (sympy)."""
    ratios = {(a, dim, p): sparse_moment_ratio(a, dim, p) for a in (1.1, 1.5, 2.0)
              for dim in (2, 16, 256) for p in (1e-1, 1e-3, 1e-6)}
    top = max(ratios.values())
    where = max(ratios, key=ratios.get)
    c = sp.Symbol("c", positive=True)
    correlated = identity((d * c**2) ** (ALPHA / 2) / (d * c**ALPHA), d ** (ALPHA / 2 - 1))
    bounded = top <= printed_upper * (1 + 1e-12)
    attained = top >= printed_upper * (1 - 1e-3)
    below_two = max(r for (a, _, _), r in ratios.items() if a < 2)
    evidence = (f"independent sparse coordinates: max ratio {mpmath.nstr(top, 10)} at (alpha, d, "
                f"p) = {where} (alpha = 2 is equality for any law; max over alpha < 2: "
                f"{mpmath.nstr(below_two, 10)}), min {mpmath.nstr(min(ratios.values()), 6)} over "
                f"{len(ratios)} "
                f"instances (exact binomial sums); all coordinates equal: {correlated.verdict} "
                f"({correlated.evidence})")
    if bounded and attained and correlated.verdict == "holds":
        return Verdict("holds", evidence, "numeric+symbolic", printed=printed_upper,
                       computed=mpmath.nstr(top, 10))
    return Verdict("fails", evidence, "numeric+symbolic", printed=printed_upper,
                   computed=mpmath.nstr(top, 10),
                   correction=f"the supremum of the ratio over the instances is "
                   f"{mpmath.nstr(top, 10)}, approaching 1 as p -> 0: the upper constant is 1"
                   if correlated.verdict == "holds" else none_derived("the correlated case "
                                                                      "does not give the lower "
                                                                      "end"))


@claim(
    PAPER,
    "zhang2020-norm-order",
    "Section 4, after Theorem 8",
    "||B||_2 <= ||B||_alpha (alpha in (1, 2]).",
)
def check_norm_order():
    equal = inequality(
        d ** sp.Rational(1, 2), d ** (1 / ALPHA), {**ALPHA_RANGE, d: (1, 10**6)}, points=9
    )
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(2000):
        b = np.abs(rng.standard_cauchy(rng.integers(1, 65)))
        for a in (1.05, 1.5, 2.0):
            worst = max(worst, np.linalg.norm(b, 2) / np.sum(b**a) ** (1 / a))
    mc = Verdict(
        "holds" if worst <= 1 + 1e-12 else "fails",
        "Monte Carlo, seed 1, 2000 |Cauchy| "
        f"vectors, d in [1, 64], alpha in {{1.05, 1.5, 2}}: max ||B||_2/||B||_alpha = "
        f"{worst:.6f}",
        "monte-carlo",
        correction=None
        if worst <= 1 + 1e-12
        else none_derived("a sampled B has ||B||_2 > ||B||_alpha; a sample suggests no other "
                          "inequality"),
    )
    return all_hold({"equal B_i: d^(1/2) <= d^(1/alpha)": equal, "random B": mc})


@claim(
    PAPER,
    "zhang2020-cclip-d-independent",
    "Corollary 7 vs Theorem 8 (Section 4)",
    "GClip's bound 16 ||B||_alpha^2/(mu (k+1)^{2(alpha-1)/alpha}) (Corollary 7) can depend "
    "strongly on d; CClip's 16 ||B||_2^2/(mu (k+1)^{2(alpha-1)/alpha}) (Theorem 8) has a "
    "worst-case convergence independent of d.",
    reconstructed=True,
)
def check_cclip_d():
    gclip, cclip = theory.corollary7_d_exponent(ALPHA), theory.theorem8_d_exponent(ALPHA)
    gap = sp.simplify(gclip - cclip)
    positive = inequality(0, gap, ALPHA_RANGE, points=11)
    coordinate_sum = theory.exponent_of(d * theory.B**2, d)  # ||B||_2^2 with equal B_i
    if positive.verdict != "holds":
        return Verdict(
            "fails",
            f"d-exponents: GClip {gclip}, CClip {cclip}; {positive.evidence}",
            positive.method,
            correction=none_derived(f"CClip's d-exponent {cclip} is not below GClip's {gclip}; "
                                    "the check compares them, it derives no other claim"),
        )
    if cclip == 0:
        return Verdict(
            "holds",
            f"d-exponents (equal B_i): GClip {gclip}, CClip {cclip}",
            printed=0,
            computed=cclip,
        )
    return Verdict(
        "holds-under-convention",
        f"with equal B_i = B the d-exponents are GClip "
        f"{gclip}, CClip {cclip}; GClip/CClip grows like d^({gap}) >= 0 "
        f"({positive.evidence}); CClip's bound grows in d only as ||B||_2^2 does "
        f"(exponent {coordinate_sum})",
        "symbolic+numeric",
        printed=0,
        computed=cclip,
        convention="'independent of d' means no d factor beyond the total coordinate "
        "moment ||B||_2^2 (which itself is d B^2 for equal B_i)",
    )


@claim(
    PAPER,
    "zhang2020-thm8-schedule-main",
    "Theorem 8 (main text) vs Appendix E.2",
    "CClip with tau_k = B k^{alpha-1} gives E f(x_bar_k) - f* <= "
    "16 ||B||_2^2/(mu (k+1)^{2(alpha-1)/alpha}) (Appendix E.2 uses tau_{k,i} = B_i k^{1/alpha}).",
    reconstructed=True,
    tau_k=theory.B * k ** (ALPHA - 1),
)
def check_thm8_main():
    # Lemma 12 applies Lemma 9 per coordinate, so each coordinate's error follows Theorem 4's
    # per-step terms with G -> B_i: the exponent is Theorem 4's for the same schedule.
    computed = theory.theorem4_exponent(ALPHA, ALPHA - 1)
    verdict = identity(computed, RATE_THEOREM4, domain=ALPHA_RANGE, points=11)
    return Verdict(
        verdict.verdict,
        "per coordinate (Lemma 12 = Lemma 9 in 1-d), tau_{k,i} = "
        f"B_i k^(alpha-1) gives exponent {computed}; {verdict.evidence}",
        verdict.method,
        RATE_THEOREM4,
        computed,
        correction=None if verdict.verdict == "holds" else schedule_fix("tau_(k,i) = B_i"),
    )


@claim(
    PAPER,
    "zhang2020-thm8-constant",
    "Theorem 8 and Appendix E.2",
    "CClip with tau_{k,i} = B_i k^{1/alpha}: E f(x_bar_k) - f* <= "
    "16 ||B||_2^2/(mu (k+1)^{2(alpha-1)/alpha}).",
    reconstructed=True,
    printed_constant=16,
)
def check_thm8_constant():
    """Lemma 12 = Lemma 9 per coordinate: the weighted per-step error is the sum over
    coordinates of Theorem 4's terms with G -> B_i; checked for d = 3 coordinates."""
    b = sp.symbols("B1:4", positive=True)
    per_step = sum(theory.theorem4_terms(ALPHA, 1 / ALPHA).subs(G, bi) for bi in b)
    norm2 = sum(bi**2 for bi in b)
    c = sp.simplify(
        sp.limit(
            (per_step * mu / (norm2 * k ** ((2 - ALPHA) / ALPHA))).subs(
                {ALPHA: sp.Rational(3, 2), **{bi: 1 for bi in b}}
            ),
            k,
            sp.oo,
        )
    )
    box = {
        **ALPHA_RANGE,
        k: (1, 10**6),
        mu: (sp.Rational(1, 10), 10),
        **{bi: (sp.Rational(1, 10), 10) for bi in b},
    }
    bounded = inequality(per_step, c * norm2 * k ** ((2 - ALPHA) / ALPHA) / mu, box, points=3)
    constant = sp.simplify(c * 2 * 2)  # / (K(K+1)/2), then 1/K <= 2/(K+1), as in Theorem 4
    if bounded.verdict != "holds":
        return Verdict(
            "fails",
            bounded.evidence,
            bounded.method,
            printed=16,
            computed=constant,
            correction=none_derived("the per-step bound does not hold on the grid, so no "
                                    "constant follows from it"),
        )
    verdict = "holds" if constant <= 16 else "fails"
    return Verdict(
        verdict,
        f"per step <= {c} ||B||_2^2 k^((2-a)/a)/mu ({bounded.evidence}); "
        f"constant {c} x 2 x 2 = {constant} vs printed 16",
        bounded.method,
        printed=16,
        computed=constant,
        correction=None if verdict == "holds" else f"the derivation gives {constant}",
    )
