"""Claims of Zhang, Karimireddy, Veit, Kim, Reddi, Kumar, Sra 2020, "Why are Adaptive Methods
Good for Attention Models?" (NeurIPS 2020; arXiv:1912.03194), each with a computed verdict.

Source: ``/work/shared/papers/zhang2020-why-adaptive-methods-attention.txt`` (text extracted from
the PDF). The step sizes and thresholds of Theorems 2, 4, 8 and the inequalities quoted inside
the proofs are in the extracted text and are encoded as printed. The displayed results (the
bounds of Theorems 2, 4, 5, 6, Corollary 7, Theorem 8, Lemma 9, the Appendix F construction,
the Appendix G oracle bound, the RMSProp/ACClip parameter matching) were lost in extraction and
are reconstructed from the published paper: those claims carry ``reconstructed=True`` and say so.

Assumptions used throughout (reconstructed): Assumption 1, E[g(x)] = grad f(x) and
E||g(x) - grad f(x)||^alpha <= sigma^alpha; Assumption 4 (App. A), E||g(x)||^alpha <= G^alpha;
Assumption 2, E|g_i(x)|^alpha <= B_i^alpha per coordinate; alpha in (1, 2].
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import sympy as sp
from scipy import integrate, special, stats

from simlab import theory
from simlab.claims import Claim, Verdict, register
from simlab.claims.checks import (
    all_hold,
    compare_rate,
    identity,
    implies,
    inequality,
    normalises,
    sum_bound,
)

PAPER = "zhang2020"
ALPHA = theory.ALPHA
K, k, d, eps = theory.K, theory.k, theory.d, theory.eps
L, sigma, F0, G, mu = theory.L, theory.sigma, theory.F0, theory.G, theory.mu
tau, eta, grad_norm = sp.symbols("tau eta gradnorm", positive=True)

#: alpha grid for numeric fallbacks: (1, 2] starting just above 1, where exponents blow up
ALPHA_RANGE = {ALPHA: (sp.Rational(21, 20), 2)}
#: printed rates (reconstructed from the published theorems)
RATE_THEOREM2 = -2 * (ALPHA - 1) / (3 * ALPHA - 2)
RATE_THEOREM4 = -2 * (ALPHA - 1) / ALPHA
RATE_THEOREM5 = -2 * (ALPHA - 1) / ALPHA
RATE_THEOREM6 = -(ALPHA - 1) / (3 * ALPHA - 2)


def claim(id, ref, statement, *, reconstructed=False, **expressions):
    """Decorator: register the decorated zero-argument check as the claim ``id``."""

    def wrap(check):
        register(
            Claim(
                id=id,
                paper=PAPER,
                ref=ref,
                statement=statement,
                check=check,
                expressions=expressions,
                reconstructed=reconstructed,
            )
        )
        return check

    return wrap


# ============================================================================ Theorem 2 (App. C)
TAU_48 = 48 ** (1 / (ALPHA - 1)) * sigma ** (ALPHA / (ALPHA - 1))


@claim(
    "zhang2020-thm2-tau48",
    "Appendix C, proof of Theorem 2",
    "By tau >= 48^{1/(alpha-1)} sigma^{alpha/(alpha-1)}, we have "
    "sigma^alpha / (tau/4)^{alpha-1} <= 1/12.",
    premise=sp.Ge(tau, TAU_48),
    conclusion=sp.Le(sigma**ALPHA / (tau / 4) ** (ALPHA - 1), sp.Rational(1, 12)),
)
def check_tau48():
    return implies(
        [(tau, TAU_48)],
        sigma**ALPHA / (tau / 4) ** (ALPHA - 1),
        sp.Rational(1, 12),
        {**ALPHA_RANGE, sigma: (sp.Rational(1, 100), 100)},
        points=7,
    )


@claim(
    "zhang2020-thm2-tau8sigma",
    "Appendix C, proof of Theorem 2",
    "By tau >= 8 sigma, (8/3) sigma <= tau/3 <= ||grad f||/6 (in the case ||grad f|| >= tau/2).",
    chain=(sp.Rational(8, 3) * sigma, tau / 3, grad_norm / 6),
)
def check_tau8sigma():
    premises = [(tau, 8 * sigma), (grad_norm, tau / 2)]
    box = {sigma: (sp.Rational(1, 100), 100)}
    parts = {
        "(8/3) sigma <= tau/3": implies(
            premises, sp.Rational(8, 3) * sigma, tau / 3, box, points=5
        ),
        "tau/3 <= ||grad f||/6": implies(premises, tau / 3, grad_norm / 6, box, points=5),
        "(8/3) sigma <= ||grad f||/6": implies(
            premises, sp.Rational(8, 3) * sigma, grad_norm / 6, box, points=5
        ),
    }
    # derive the correction: the threshold multiple c (tau >= c sigma) that makes the end-to-end
    # inequality follow from ||grad f|| >= tau/2, and the true constant of the middle link
    c = sp.Symbol("c", positive=True)
    (needed,) = sp.solve(sp.Eq((c * sigma / 2) / 6, sp.Rational(8, 3) * sigma), c)
    middle = sp.simplify((tau / 3) / (tau / 2))  # tau/3 <= middle * ||grad f||
    return all_hold(
        parts,
        correction=(
            f"from ||grad f|| >= tau/2 only tau/3 <= {middle}*||grad f|| follows "
            "(not ||grad f||/6); "
            f"(8/3) sigma <= ||grad f||/6 needs tau >= {needed} sigma (sympy solve), "
            "i.e. replace 8 sigma by 32 sigma in tau, or use (8/3) sigma <= (2/3)||grad f||"
        ),
    )


@claim(
    "zhang2020-thm2-tau2",
    "Appendix C, proof of Theorem 2",
    "tau >= 2 and ||grad f|| >= tau/2 imply (p/2)||grad f||^2 >= p||grad f||/3.",
)
def check_tau2():
    return implies([(tau, 2), (grad_norm, tau / 2)], grad_norm / 3, grad_norm**2 / 2, {}, points=9)


@claim(
    "zhang2020-thm2-eta-variance",
    "Appendix C, proof of Theorem 2",
    "Since eta <= 1/(L tau^alpha), the variance term L eta^2 sigma^alpha tau^{2-alpha} is at "
    "most eta sigma^alpha tau^{2-2alpha} (used to simplify T2).",
    reconstructed=True,
)
def check_eta_variance():
    u = sp.Symbol("u", positive=True)  # eta = u / (L tau^alpha), u <= 1
    step = u / (L * tau**ALPHA)
    return inequality(
        L * step**2 * sigma**ALPHA * tau ** (2 - ALPHA),
        step * sigma**ALPHA * tau ** (2 - 2 * ALPHA),
        {
            **ALPHA_RANGE,
            u: (sp.Rational(1, 1000), 1),
            tau: (2, 10**4),
            sigma: (sp.Rational(1, 10), 10),
            L: (sp.Rational(1, 10), 10),
        },
        points=4,
    )


@claim(
    "zhang2020-thm2-eta4L",
    "Appendix C, proof of Theorem 2",
    "In the last step we used eta <= 1/(4L): the second-order term of the descent lemma, "
    "L eta^2 ||grad f||^2, is at most eta ||grad f||^2 / 4 (case ||grad f|| < tau/2).",
    reconstructed=True,
)
def check_eta4l():
    u = sp.Symbol("u", positive=True)  # eta = u/(4L), u <= 1
    step = u / (4 * L)
    return inequality(
        L * step**2 * grad_norm**2,
        step * grad_norm**2 / 4,
        {
            u: (sp.Rational(1, 1000), 1),
            L: (sp.Rational(1, 10), 10),
            grad_norm: (sp.Rational(1, 1000), 1000),
        },
        points=7,
    )


@claim(
    "zhang2020-thm2-eta24",
    "Appendix C, proof of Theorem 2",
    "The last inequality follows by eta <= 1/(24 L tau): with ||g_hat|| <= tau and "
    "||grad f|| >= tau/2, (L eta^2/2)||g_hat||^2 <= eta ||grad f||/24.",
    reconstructed=True,
)
def check_eta24():
    u, v = sp.symbols("u v", positive=True)  # eta = u/(24 L tau), ||g_hat|| = v tau
    step = u / (24 * L * tau)
    return implies(
        [(grad_norm, tau / 2)],
        L * step**2 / 2 * (v * tau) ** 2,
        step * grad_norm / 24,
        {
            u: (sp.Rational(1, 1000), 1),
            v: (sp.Rational(1, 1000), 1),
            tau: (2, 10**4),
            L: (sp.Rational(1, 10), 10),
        },
        points=5,
    )


@claim(
    "zhang2020-thm2-rate-appendix",
    "Theorem 2 with Appendix C's eta and tau",
    "(1/K) sum_k E[min{||grad f(x_k)||, ||grad f(x_k)||^2}] = O(K^{-2(alpha-1)/(3alpha-2)}) "
    "with eta = min{1/(4L), 1/(L tau^alpha), 1/(24 L tau)}, "
    "tau = max{2, 48^{1/(alpha-1)} sigma^{alpha/(alpha-1)}, 8 sigma, sigma K^{1/(3alpha-2)}}.",
    reconstructed=True,
    rate=RATE_THEOREM2,
)
def check_rate_appendix():
    computed = theory.theorem2_exponent(ALPHA, "appendix")
    verdict = identity(computed, RATE_THEOREM2, domain=ALPHA_RANGE)
    return Verdict(
        verdict.verdict,
        "exponent of K of the proof's bound F0/(eta K) + "
        "sigma^(2a) tau^(2-2a) + L eta sigma^a tau^(2-a) after substituting Appendix "
        f"C's tau, eta: {computed}; {verdict.evidence}",
        verdict.method,
        RATE_THEOREM2,
        computed,
        verdict.correction,
    )


def _main_text_balanced_threshold():
    """Solve F0 L tau^a/(sigma^a K) = sigma^(2a) tau^(2-2a) for tau (main text's eta)."""
    t = sp.Symbol("t", positive=True)
    a = 1 + theory._A
    (solution,) = sp.solve(
        sp.Eq(F0 * L * t**a / (sigma**a * K), sigma ** (2 * a) * t ** (2 - 2 * a)), t
    )
    return sp.simplify(solution.subs(theory._A, ALPHA - 1))


@claim(
    "zhang2020-thm2-rate-main",
    "Theorem 2 (main text, Section 3)",
    "With eta = min{1/(4L), sigma^alpha/(L tau^alpha), 1/(24 L tau)} and tau = max{2, "
    "48^{1/(alpha-1)} sigma^{alpha/(alpha-1)}, 8 sigma, (F0/(sigma^2 K))^{alpha/(3alpha-2)} / "
    "L^{(2alpha-2)/(3alpha-2)}}, (1/K) sum E[min{||grad f||, ||grad f||^2}] = "
    "O(K^{-2(alpha-1)/(3alpha-2)}).",
    reconstructed=True,
    rate=RATE_THEOREM2,
)
def check_rate_main():
    computed = theory.theorem2_exponent(ALPHA, "main")
    verdict = identity(computed, RATE_THEOREM2, domain=ALPHA_RANGE, points=5)
    if verdict.verdict == "holds":
        return verdict
    balanced = _main_text_balanced_threshold()
    tau_fixed = sp.Max(*theory.theorem2_parameters(ALPHA, "main")[0].args[:3], balanced)
    eta_fixed = sp.Min(1 / (4 * L), sigma**ALPHA / (L * tau_fixed**ALPHA), 1 / (24 * L * tau_fixed))
    a = 1 + theory._A
    fixed_exponent = sp.simplify(
        theory.exponent_of(
            theory.theorem2_bound(a, tau_fixed.subs(ALPHA, a), eta_fixed.subs(ALPHA, a)), K
        ).subs(theory._A, ALPHA - 1)
    )
    return Verdict(
        "fails",
        "the fourth tau term (F0/(sigma^2 K))^(alpha/(3alpha-2)) / "
        "L^((2alpha-2)/(3alpha-2)) decreases in K, so tau and eta stay bounded and the "
        "bias term sigma^(2a) tau^(2-2a) of the bound does not vanish; exponent of K "
        f"of the bound with the printed tau, eta: {computed}; {verdict.evidence}",
        "symbolic",
        RATE_THEOREM2,
        computed,
        correction=(
            f"balancing F0 L tau^alpha/(sigma^alpha K) = sigma^(2alpha) tau^(2-2alpha) "
            f"(sympy solve) gives the fourth term tau = {balanced}; with it the exponent "
            f"is {fixed_exponent} (sympy), the stated rate"
        ),
    )


@claim(
    "zhang2020-thm2-main-vs-appendix",
    "Theorem 2 (main text) vs Appendix C",
    "The Theorem 2 proven in Appendix C is the one stated in the main text "
    "(eta: sigma^alpha/(L tau^alpha) vs 1/(L tau^alpha); tau's 4th term: "
    "(F0/(sigma^2 K))^{alpha/(3alpha-2)}/L^{(2alpha-2)/(3alpha-2)} vs sigma K^{1/(3alpha-2)}).",
)
def check_main_vs_appendix():
    parts = {
        "eta's second term": identity(
            sigma**ALPHA / (L * tau**ALPHA), 1 / (L * tau**ALPHA), symbolic_only=True
        ),
        "tau's fourth term": identity(
            (F0 / (sigma**2 * K)) ** (ALPHA / (3 * ALPHA - 2))
            / L ** ((2 * ALPHA - 2) / (3 * ALPHA - 2)),
            sigma * K ** (1 / (3 * ALPHA - 2)),
            symbolic_only=True,
        ),
        "rate exponent": identity(
            theory.theorem2_exponent(ALPHA, "main"),
            theory.theorem2_exponent(ALPHA, "appendix"),
            domain=ALPHA_RANGE,
            points=5,
        ),
    }
    return all_hold(
        parts,
        correction=(
            "state Theorem 2 with Appendix C's parameters, eta = min{1/(4L), 1/(L tau^alpha), "
            "1/(24 L tau)} and tau = max{2, 48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), 8 sigma, "
            "sigma K^(1/(3alpha-2))} (with 32 sigma, see zhang2020-thm2-tau8sigma): they give the "
            f"stated exponent {theory.theorem2_exponent(ALPHA, 'appendix')}; the main text's give "
            f"{theory.theorem2_exponent(ALPHA, 'main')}"
        ),
    )


@claim(
    "zhang2020-alpha2-nonconvex",
    "Section 3, remark after Theorem 4",
    "At alpha = 2 the non-convex rate of Theorem 2 exactly matches the usual SGD rate O(k^{-1/4}).",
    printed=sp.Rational(-1, 4),
)
def check_alpha2_nonconvex():
    return compare_rate(
        theory.theorem2_exponent(2),
        sp.Rational(-1, 4),
        what="Theorem 2 at alpha=2, exponent of E min{||grad f||, ||grad f||^2}",
        convention="the rate is for ||grad f|| itself: where ||grad f|| <= 1 the "
        "min is ||grad f||^2 and E||grad f|| <= sqrt(E||grad f||^2) (Jensen), "
        "as the usual SGD bound E||grad f||^2 = O(k^(-1/2)) gives O(k^(-1/4))",
    )


@claim(
    "zhang2020-alpha2-convex",
    "Section 3, remark after Theorem 4",
    "At alpha = 2 the strongly convex rate of Theorem 4 exactly matches the usual SGD rate "
    "O(1/sqrt(k)) for convex.",
    printed=sp.Rational(-1, 2),
)
def check_alpha2_convex():
    return compare_rate(
        theory.theorem4_exponent(2),
        sp.Rational(-1, 2),
        what="Theorem 4 at alpha=2, exponent of E f(x_bar_k) - f*",
        convention="the printed O(1/sqrt k) is the rate of the distance: "
        "||x - x*|| <= sqrt(2(f(x) - f*)/mu) under strong convexity; in function "
        "value Theorem 4 gives O(1/k), the usual strongly convex SGD rate",
    )


# ============================================================================ Theorem 4 (App. D)
@claim(
    "zhang2020-thm4-schedule-main",
    "Theorem 4 (main text)",
    "proj-GClip with tau_k = G k^{alpha-1} and eta_k = 4/(mu(k+1)) gives "
    "E f(x_bar_k) - f* <= 16 G^2/(mu (k+1)^{2(alpha-1)/alpha}).",
    reconstructed=True,
    tau_k=G * k ** (ALPHA - 1),
    rate=RATE_THEOREM4,
)
def check_thm4_main():
    computed = theory.theorem4_exponent(ALPHA, ALPHA - 1)
    verdict = identity(computed, RATE_THEOREM4, domain=ALPHA_RANGE, points=11)
    best = theory.theorem4_best_tau_power(ALPHA)
    return Verdict(
        verdict.verdict,
        "exponent of k of the weighted per-step error sum of the "
        f"proof (variance + bias, Lemma 9) with tau_k = G k^(alpha-1): {computed}; "
        f"{verdict.evidence}",
        verdict.method,
        RATE_THEOREM4,
        computed,
        correction=None
        if verdict.verdict == "holds"
        else (
            f"the schedule that balances bias and variance is tau_k = G k^({best}) "
            f"(sympy solve), giving {theory.theorem4_exponent(ALPHA)}; "
            "this is Appendix D's tau_k = G k^(1/alpha)"
        ),
    )


@claim(
    "zhang2020-thm4-schedule-appendix",
    "Appendix D, proof of Theorem 4",
    "With eta_k = 4/(mu(k+1)) and tau_k = G k^{1/alpha}, "
    "E f(x_bar_k) - f* <= 16 G^2/(mu (k+1)^{2(alpha-1)/alpha}).",
    reconstructed=True,
    tau_k=G * k ** (1 / ALPHA),
    rate=RATE_THEOREM4,
)
def check_thm4_appendix():
    computed = theory.theorem4_exponent(ALPHA)
    verdict = identity(computed, RATE_THEOREM4, domain=ALPHA_RANGE)
    return Verdict(
        verdict.verdict,
        f"exponent of k with tau_k = G k^(1/alpha): {computed}; {verdict.evidence}",
        verdict.method,
        RATE_THEOREM4,
        computed,
        verdict.correction,
    )


@claim(
    "zhang2020-thm4-sum-bound",
    "Appendix D (and E.2)",
    "sum_{k=1}^K k^{(2-alpha)/alpha} <= int_0^{K+1} k^{(2-alpha)/alpha} dk <= (K+1)^{2/alpha}.",
    term=k ** ((2 - ALPHA) / ALPHA),
    bound=(K + 1) ** (2 / ALPHA),
)
def check_sum_bound():
    return sum_bound(k ** ((2 - ALPHA) / ALPHA), k, K, (K + 1) ** (2 / ALPHA), ALPHA_RANGE)


@claim(
    "zhang2020-thm4-constant",
    "Theorem 4 and Appendix D",
    "E f(x_bar_k) - f* <= 16 G^2/(mu (k+1)^{2(alpha-1)/alpha}): the constant 16 (with "
    "'Notice that for K >= 1, K^{-1} <= 2(K+1)^{-1}').",
    reconstructed=True,
    printed_constant=16,
)
def check_thm4_constant():
    """Re-derive the constant of Theorem 4 from the reconstructed recursion of Appendix D."""
    D_prev, D_next = sp.symbols("D_prev D_next", nonnegative=True)
    eta_k = 4 / (mu * (k + 1))
    box = {**ALPHA_RANGE, k: (1, 10**6), G: (sp.Rational(1, 10), 10), mu: (sp.Rational(1, 10), 10)}
    # 1. dividing the recursion by 2 eta_k and weighting by k telescopes
    telescopes = identity(
        k * ((1 - mu * eta_k / 2) * D_prev - D_next) / (2 * eta_k),
        mu / 8 * ((k - 1) * k * D_prev - k * (k + 1) * D_next),
    )
    # 2. the weighted per-step error is at most c G^2 k^((2-alpha)/alpha) / mu; c by sympy
    per_step = theory.theorem4_terms(ALPHA, 1 / ALPHA)
    c = sp.simplify(
        sp.limit(
            (per_step * mu / (G**2 * k ** ((2 - ALPHA) / ALPHA))).subs(ALPHA, sp.Rational(3, 2)),
            k,
            sp.oo,
        )
    )
    bounded = inequality(per_step, c * G**2 * k ** ((2 - ALPHA) / ALPHA) / mu, box, points=5)
    # 3. sum_k k^((2-alpha)/alpha) <= (K+1)^(2/alpha) (zhang2020-thm4-sum-bound), divide by
    #    K(K+1)/2 and use 1/K <= 2/(K+1):
    halving = inequality(1 / K, 2 / (K + 1), {K: (1, 10**6)}, points=25)
    constant = sp.simplify(c * 2 * 2)
    parts = {
        "telescoping": telescopes,
        f"per-step <= {c} G^2 k^((2-a)/a)/mu": bounded,
        "1/K <= 2/(K+1)": halving,
    }
    combined = all_hold(parts)
    if combined.verdict != "holds":
        return combined
    if constant <= 16:
        return Verdict(
            "holds",
            f"{combined.evidence}; constant = {c} (per step) x 2 (K(K+1)/2) x "
            f"2 (1/K <= 2/(K+1)) = {constant} <= 16",
            combined.method,
            printed=16,
            computed=constant,
        )
    return Verdict(
        "fails",
        combined.evidence,
        combined.method,
        printed=16,
        computed=constant,
        correction=f"the derivation gives the constant {constant}",
    )


# ============================================================================ Lemma 9 (App. B)
x_norm = sp.Symbol("x", positive=True)  # ||g(x)||, one realisation


@cache
def lemma9_quadrature(
    alpha: float,
    df: float = 2.5,
    shift: float = 0.7,
    taus: tuple = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
) -> tuple[float, float]:
    """Lemma 9 on a concrete law, by quadrature (scipy): g = shift + T with T ~ Student t(df),
    df > alpha so that G^alpha = E|g|^alpha is finite; in 1-d, g_hat = clip(g, -tau, tau).

    Returns the largest ratios over ``taus`` of E[g_hat^2] / (G^alpha tau^(2-alpha)) and of
    (E[g_hat] - shift)^2 / (G^(2alpha) tau^(-2(alpha-1))); Lemma 9 says both are <= 1.
    """
    # the t density written out (scipy's frozen pdf costs ~50 us a call inside quad); its
    # constant from scipy.special and checked against scipy.stats once
    constant = 1 / (np.sqrt(df) * special.beta(0.5, df / 2))
    if not np.isclose(constant * (1 + 0.09 / df) ** (-(df + 1) / 2), stats.t(df).pdf(0.3)):
        raise AssertionError("Student t density constant")

    def pdf(g):
        return constant * (1 + (g - shift) ** 2 / df) ** (-(df + 1) / 2)

    def expect(fn, kinks=()):
        cuts = [-np.inf, *sorted(kinks), np.inf]
        return sum(
            integrate.quad(lambda g: fn(g) * pdf(g), a, b, epsabs=1e-12, epsrel=1e-10, limit=200)[0]
            for a, b in itertools.pairwise(cuts)
        )

    moment = expect(lambda g: abs(g) ** alpha, kinks=(0.0,))
    variance_ratio = bias_ratio = 0.0
    for t in taus:
        second = expect(lambda g, t=t: min(abs(g), t) ** 2, kinks=(-t, t))
        mean = expect(lambda g, t=t: min(max(g, -t), t), kinks=(-t, t))
        variance_ratio = max(variance_ratio, second / (moment * t ** (2 - alpha)))
        bias_ratio = max(bias_ratio, (mean - shift) ** 2 / (moment**2 * t ** (2 - 2 * alpha)))
    return variance_ratio, bias_ratio


def _lemma9_on_a_law(which: int, alpha: float = 1.5, scale: float = 1.0) -> Verdict:
    """Quadrature part of the Lemma 9 claims; ``scale`` multiplies the printed bound (tests pass
    a wrong constant to see it fail)."""
    ratio = lemma9_quadrature(alpha)[which] / scale
    ok = ratio <= 1
    name = ("E g_hat^2 / (G^a tau^(2-a))", "bias^2 / (G^(2a) tau^(-2(a-1)))")[which]
    return Verdict(
        "holds" if ok else "fails",
        f"scipy quadrature, g = 0.7 + Student-t(2.5), "
        f"alpha = {alpha}, tau in {{1/4, ..., 16}}: max {name} = {ratio:.4g}",
        "numeric",
        computed=ratio,
        correction=None if ok else f"the bound is exceeded by the factor {ratio:.4g}",
    )


@claim(
    "zhang2020-lemma9-variance",
    "Lemma 9 (Appendix B)",
    "Under Assumption 4, g_hat = min{1, tau/||g||} g satisfies E||g_hat||^2 <= G^alpha "
    "tau^{2-alpha} (pointwise: min{||g||, tau}^2 <= ||g||^alpha tau^{2-alpha}, then take E).",
    reconstructed=True,
)
def check_lemma9_variance():
    pointwise = inequality(
        sp.Min(x_norm, tau) ** 2,
        x_norm**ALPHA * tau ** (2 - ALPHA),
        {**ALPHA_RANGE, x_norm: (sp.Rational(1, 1000), 1000), tau: (sp.Rational(1, 10), 100)},
        points=9,
    )
    return all_hold({"pointwise": pointwise, "a concrete law": _lemma9_on_a_law(0)})


@claim(
    "zhang2020-lemma9-bias",
    "Lemma 9 (Appendix B)",
    "||E[g_hat] - grad f||^2 <= G^{2alpha} tau^{-2(alpha-1)} (pointwise: "
    "||g|| 1{||g|| > tau} <= ||g||^alpha / tau^{alpha-1}; then Jensen and square).",
    reconstructed=True,
)
def check_lemma9_bias():
    clipped_mass = sp.Piecewise((x_norm, x_norm > tau), (0, True))
    pointwise = inequality(
        clipped_mass,
        x_norm**ALPHA / tau ** (ALPHA - 1),
        {**ALPHA_RANGE, x_norm: (sp.Rational(1, 1000), 1000), tau: (sp.Rational(1, 10), 100)},
        points=9,
    )
    return all_hold({"pointwise": pointwise, "a concrete law": _lemma9_on_a_law(1)})


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
        correction=None if ok else "the sandwich fails on a sample",
    )
    return all_hold({"equal coordinates": equal, "random vectors": mc})


@claim(
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
        correction=None if worst <= 1 + 1e-12 else "||B||_2 > ||B||_alpha on a sample",
    )
    return all_hold({"equal B_i: d^(1/2) <= d^(1/alpha)": equal, "random B": mc})


@claim(
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
            correction=(f"CClip's d-exponent {cclip} exceeds GClip's {gclip}"),
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
        correction=None
        if verdict.verdict == "holds"
        else (f"tau_(k,i) = B_i k^({theory.theorem4_best_tau_power(ALPHA)}) as in Appendix E.2"),
    )


@claim(
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
            correction="the per-step bound does not hold",
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


# ============================================================================ Appendix F
F_QUANT = theory.appendix_f_quantities(ALPHA)
GAMMA = F_QUANT["gamma"]
EPS_RANGE = {eps: (sp.Rational(1, 10**6), sp.Rational(1, 8))}
x_pt = sp.Symbol("x", nonnegative=True)


@claim(
    "zhang2020-appF-gamma",
    "Appendix F (proof of Theorem 5)",
    "gamma = (4 eps)^{1/(alpha-1)} lies in (0, 1/2] for eps in (0, 1/8], alpha in (1, 2].",
    gamma=GAMMA,
)
def check_gamma():
    return inequality(GAMMA, sp.Rational(1, 2), {**ALPHA_RANGE, **EPS_RANGE}, points=11)


@claim(
    "zhang2020-appF-p-is-2gamma-b",
    "Appendix F",
    "p_nu = gamma^alpha - 2 nu gamma eps equals 2 gamma b_nu with b_0 = 2 eps, b_1 = eps "
    "(so the oracle's mean is right).",
    reconstructed=True,
)
def check_p_is_2gamma_b():
    box = {**ALPHA_RANGE, **EPS_RANGE}
    return all_hold(
        {
            "nu=0": identity(F_QUANT["p0"], 2 * GAMMA * F_QUANT["b0"], domain=box),
            "nu=1": identity(F_QUANT["p1"], 2 * GAMMA * F_QUANT["b1"], domain=box),
        }
    )


def _oracle_mean(p):
    return p * (x_pt - 1 / (2 * GAMMA)) + (1 - p) * x_pt


@claim(
    "zhang2020-appF-unbiased",
    "Appendix F",
    "g(x) = x - 1/(2 gamma) with probability p_nu, x otherwise, has E g(x) = x - b_nu = "
    "f_b'(x) for f_b(x) = (x - b_nu)^2/2.",
    reconstructed=True,
)
def check_unbiased():
    box = {**ALPHA_RANGE, **EPS_RANGE, x_pt: (0, sp.Rational(1, 2))}
    f = {nu: (x_pt - F_QUANT[f"b{nu}"]) ** 2 / 2 for nu in (0, 1)}
    return all_hold(
        {
            f"nu={nu}": identity(
                _oracle_mean(F_QUANT[f"p{nu}"]), sp.diff(f[nu], x_pt), domain=box, points=5
            )
            for nu in (0, 1)
        }
    )


@claim(
    "zhang2020-appF-moment",
    "Appendix F",
    "E|g(x)|^alpha <= 1 for x in [0, 1/2] (using alpha >= 1, x in [0, 1/2], gamma in (0, 1/2]).",
    reconstructed=True,
)
def check_moment():
    box = {**ALPHA_RANGE, **EPS_RANGE, x_pt: (0, sp.Rational(1, 2))}
    parts = {}
    for nu in (0, 1):
        p = F_QUANT[f"p{nu}"]
        moment = p * sp.Abs(x_pt - 1 / (2 * GAMMA)) ** ALPHA + (1 - p) * sp.Abs(x_pt) ** ALPHA
        parts[f"nu={nu}"] = inequality(moment, 1, box, points=7)
    return all_hold(parts)


@claim(
    "zhang2020-appF-kl",
    "Appendix F (Lemma 16)",
    "KL(Bern(p0) || Bern(p1)) <= (p0 - p1)^2 / (p1 (1 - p1)), and KL of k-fold products is "
    "k times KL.",
    reconstructed=True,
)
def check_kl():
    p0, p1 = sp.symbols("p0 p1", positive=True)
    kl = p0 * sp.log(p0 / p1) + (1 - p0) * sp.log((1 - p0) / (1 - p1))
    grid = {
        p0: (sp.Rational(1, 1000), sp.Rational(999, 1000)),
        p1: (sp.Rational(1, 1000), sp.Rational(999, 1000)),
    }
    bound = inequality(kl, (p0 - p1) ** 2 / (p1 * (1 - p1)), grid, points=25)
    # product measure: log-likelihood ratio of k iid draws is a sum, so KL adds (sympy, k = 3)
    draws = sp.symbols("z1:4")
    joint0 = sp.Mul(*[p0**z * (1 - p0) ** (1 - z) for z in draws])
    joint1 = sp.Mul(*[p1**z * (1 - p1) ** (1 - z) for z in draws])
    product_kl = sum(
        joint0.subs(dict(zip(draws, bits, strict=True)))
        * sp.log(
            joint0.subs(dict(zip(draws, bits, strict=True)))
            / joint1.subs(dict(zip(draws, bits, strict=True)))
        )
        for bits in np.ndindex(2, 2, 2)
    )
    additive = identity(sp.expand_log(product_kl, force=True), 3 * kl, domain=grid, points=5)
    # for the construction: chi2(p0, p1) = 2 gamma eps/(1 - 2 gamma eps) (sympy / grid)
    construction = identity(
        F_QUANT["chi2"],
        2 * GAMMA * eps / (1 - 2 * GAMMA * eps),
        domain={**ALPHA_RANGE, **EPS_RANGE},
        points=5,
    )
    return all_hold(
        {
            "chi-square bound": bound,
            "product (k=3)": additive,
            "chi2 of the construction = 2 gamma eps/(1 - 2 gamma eps)": construction,
        }
    )


@claim(
    "zhang2020-thm5-rate",
    "Theorem 5 (Appendix F)",
    "For any algorithm there is a 1-strongly convex, 1-smooth f with G <= 1 such that "
    "E f(x_k) - f* >= Omega(k^{-2(alpha-1)/alpha}) (eps(k) chosen so that k KL is constant).",
    reconstructed=True,
    rate=RATE_THEOREM5,
)
def check_thm5():
    computed = theory.theorem5_exponent(ALPHA)
    verdict = identity(computed, RATE_THEOREM5, domain=ALPHA_RANGE)
    chi2 = sp.simplify(F_QUANT["chi2"])
    return Verdict(
        verdict.verdict,
        f"chi2(eps) = {chi2} ~ eps^"
        f"{theory.exponent_of(chi2, eps, 0)} as eps -> 0; eps(k) ~ k^(-1/that), error "
        f"~ eps^2: exponent {computed}; {verdict.evidence}",
        verdict.method,
        RATE_THEOREM5,
        computed,
        verdict.correction,
    )


@claim(
    "zhang2020-thm4-optimal",
    "Section 3 (after Theorem 4) and Theorem 5",
    "The strongly convex rate of GClip (Theorem 4) is optimal: it matches the lower bound of "
    "Theorem 5 for every alpha in (1, 2].",
    reconstructed=True,
)
def check_thm4_optimal():
    return identity(
        theory.theorem4_exponent(ALPHA), theory.theorem5_exponent(ALPHA), domain=ALPHA_RANGE
    )


# ============================================================================ Appendix G
p_sym = sp.Symbol("p", positive=True)
BERN_MOMENT_EXACT = p_sym * ((1 - p_sym) / p_sym) ** ALPHA + (1 - p_sym)
P_RANGE = {p_sym: (sp.Rational(1, 1000), sp.Rational(999, 1000))}


@claim(
    "zhang2020-appG-bernoulli-moment",
    "Appendix G (Lemma 18)",
    "E|z/p - 1|^alpha for z ~ Bern(p) equals (1 - p)[((1 - p)/p)^{alpha-1} + 1].",
    reconstructed=True,
)
def check_bernoulli_moment():
    z_values = {1: p_sym, 0: 1 - p_sym}
    expectation = sum(prob * sp.Abs(z / p_sym - 1) ** ALPHA for z, prob in z_values.items())
    return all_hold(
        {
            "E|z/p-1|^alpha = p((1-p)/p)^alpha + (1-p)": identity(
                expectation, BERN_MOMENT_EXACT, domain={**ALPHA_RANGE, **P_RANGE}
            ),
            "= (1-p)[((1-p)/p)^(alpha-1) + 1]": identity(
                BERN_MOMENT_EXACT,
                (1 - p_sym) * (((1 - p_sym) / p_sym) ** (ALPHA - 1) + 1),
                domain={**ALPHA_RANGE, **P_RANGE},
            ),
        }
    )


@claim(
    "zhang2020-appG-oracle-moment",
    "Appendix G (Lemma 18)",
    "E||g_d(x) - grad f_d(x)||^alpha <= 23^alpha (1 - p)/p^{alpha-1} (reconstructed: the "
    "extracted text lost the bound; encoded as Arjevani et al.'s alpha = 2 bound "
    "23^2 (1-p)/p carried over to alpha, with |grad_j f_d| <= 23).",
    reconstructed=True,
    bound=23**ALPHA * (1 - p_sym) / p_sym ** (ALPHA - 1),
)
def check_oracle_moment():
    # ||g_d - grad f_d||^alpha = |grad_j f_d|^alpha |z/p - 1|^alpha <= 23^alpha |z/p - 1|^alpha
    printed = (1 - p_sym) / p_sym ** (ALPHA - 1)
    verdict = inequality(BERN_MOMENT_EXACT, printed, {**ALPHA_RANGE, **P_RANGE}, points=11)
    if verdict.verdict == "holds":
        return verdict
    # best constant: ratio = (1-p)^(alpha-1) + p^(alpha-1), maximised at the stationary point
    ratio = sp.simplify(BERN_MOMENT_EXACT / printed)
    ratio_form = (1 - p_sym) ** (ALPHA - 1) + p_sym ** (ALPHA - 1)
    same = identity(ratio, ratio_form, domain={**ALPHA_RANGE, **P_RANGE}, points=5)
    # the ratio is symmetric under p <-> 1-p and concave for alpha-1 in (0, 1]: its maximum is
    # at the stationary point p = 1/2 (sympy: derivative vanishes there; concavity on the grid)
    p_star = sp.Rational(1, 2)
    stationary = sp.simplify(sp.diff(ratio_form, p_sym).subs(p_sym, p_star))
    concave = inequality(sp.diff(ratio_form, p_sym, 2), 0, {**ALPHA_RANGE, **P_RANGE}, points=9)
    if stationary != 0 or concave.verdict != "holds":
        raise AssertionError("the maximiser of the Bernoulli moment ratio is not p = 1/2")
    best = sp.simplify(ratio_form.subs(p_sym, p_star))
    return Verdict(
        "fails",
        f"{verdict.evidence}; the ratio exact/printed is {ratio_form} "
        f"({same.verdict} {same.method}), maximal at p = {p_star} where it is {best} "
        "> 1 for alpha < 2",
        "numeric+symbolic",
        printed=printed,
        computed=BERN_MOMENT_EXACT,
        correction=(
            f"E||g_d - grad f_d||^alpha <= {best} * 23^alpha (1-p)/p^(alpha-1) "
            "(the constant is sharp; <= 2 * 23^alpha (1-p)/p^(alpha-1) suffices for "
            "the rate)"
        ),
    )


LAMBDA = 304 * eps / L
DIM = theory.sp.Symbol("Delta", positive=True) * L / (7296 * eps**2)  # d before the floor


@claim(
    "zhang2020-appG-scaling",
    "Appendix G (proof of Theorem 6)",
    "With F(x) = (L lambda^2/152) f_d(x/lambda), lambda = 304 eps/L and d = floor(Delta L/"
    "(7296 eps^2)): F is L-smooth, F(0) - inf F <= Delta (from f_d(0) - inf f_d <= 12 d), "
    "and ||grad F(x)|| >= 2 eps when prog_1(x) < d (from ||grad f_d|| >= 1).",
    reconstructed=True,
)
def check_scaling():
    scale = L * LAMBDA**2 / 152
    return all_hold(
        {
            "7296 = 304^2 * 12/152": identity(sp.Integer(304) ** 2 * 12 / 152, 7296),
            "smoothness: scale * 152/lambda^2 = L": identity(scale * 152 / LAMBDA**2, L),
            "gap: scale * 12 * Delta L/(7296 eps^2) = Delta": identity(
                scale * 12 * DIM, sp.Symbol("Delta", positive=True)
            ),
            "gradient: L lambda/152 = 2 eps": identity(L * LAMBDA / 152, 2 * eps),
        }
    )


@claim(
    "zhang2020-appG-fd-gap",
    "Appendix G (properties of f_d, from Arjevani et al. 2019)",
    "f_d(0) - inf f_d <= 12 d, for Psi(t) = exp(1 - 1/(2t-1)^2) (t > 1/2, else 0) and "
    "Phi(t) = sqrt(e) int_{-inf}^t exp(-s^2/2) ds.",
    reconstructed=True,
)
def check_fd_gap():
    s, t = sp.symbols("s t", real=True)
    phi_density = sp.sqrt(sp.E) * sp.exp(-(s**2) / 2)
    phi_inf = sp.integrate(phi_density, (s, -sp.oo, sp.oo))
    phi_0 = sp.integrate(phi_density, (s, -sp.oo, 0))
    psi_sup = sp.limit(sp.exp(1 - 1 / (2 * t - 1) ** 2), t, sp.oo)
    psi_1 = sp.exp(1 - 1 / (2 * 1 - 1) ** 2)
    # f_d(0) = -Psi(1) Phi(0) (Psi(0) = 0); inf f_d >= -Psi(1) Phi(inf) - (d-1) sup Psi sup Phi
    gap_bound = -psi_1 * phi_0 + psi_1 * phi_inf + (d - 1) * psi_sup * phi_inf
    return all_hold(
        {
            "Phi's total mass": normalises(
                phi_density / (sp.sqrt(2 * sp.pi * sp.E)), s, (-sp.oo, sp.oo)
            ),
            f"gap bound {gap_bound} <= 12 d": inequality(
                gap_bound, 12 * d, {d: (1, 10**9)}, points=13
            ),
        }
    )


@claim(
    "zhang2020-thm6-rate",
    "Theorem 6 (Appendix G)",
    "E||grad f(x_k)|| >= Omega(k^{-(alpha-1)/(3alpha-2)}) for any zero-respecting algorithm.",
    reconstructed=True,
    rate=RATE_THEOREM6,
)
def check_thm6():
    computed = theory.theorem6_exponent(ALPHA)
    verdict = identity(computed, RATE_THEOREM6, domain=ALPHA_RANGE)
    return Verdict(
        verdict.verdict,
        "p from (2 eps)^a 23^a 2/p^(a-1) = sigma^a, d ~ Delta L/"
        f"(7296 eps^2), k = (d-1)/(2p) inverted for eps: exponent {computed}; "
        f"{verdict.evidence}",
        verdict.method,
        RATE_THEOREM6,
        computed,
        verdict.correction,
    )


@claim(
    "zhang2020-thm6-matches-thm2",
    "Section 3, after Theorem 6",
    "The lower bound of Theorem 6 matches the upper bound of Theorem 2 up to constants.",
)
def check_thm6_matches():
    upper, lower = theory.theorem2_exponent(ALPHA), theory.theorem6_exponent(ALPHA)
    if sp.simplify(upper - lower) == 0:
        return Verdict("holds", f"both exponents {upper}", printed=lower, computed=upper)
    if sp.simplify(upper - 2 * lower) == 0:
        return Verdict(
            "holds-under-convention",
            f"Theorem 2 bounds E min{{||grad f||, "
            f"||grad f||^2}} by K^({upper}); Theorem 6 bounds E||grad f|| below by "
            f"k^({lower}); {upper} = 2 * ({lower}) (sympy)",
            printed=lower,
            computed=upper,
            convention="compare ||grad f|| with the square root of "
            "Theorem 2's quantity (the min is ||grad f||^2 for small gradients)",
        )
    return Verdict(
        "fails",
        f"upper exponent {upper}, lower exponent {lower}",
        printed=lower,
        computed=upper,
        correction=f"the gap in exponents is {sp.simplify(upper - lower)}",
    )


# ============================================================================ Discussion
def rmsprop_acclip_steps():
    """Effective step sizes with beta1 = 0 (reconstructed from the published Discussion):
    h_rms = eta/(eps_r + sqrt(beta2 v + (1-beta2) g^2)), h_clip = eta_clip min{tau/|g|, 1},
    matched by eta_clip = eta/(eps_r + sqrt(beta2 v)), tau = (eps_r + sqrt(beta2 v))/sqrt(1-beta2).

    Written in s = sqrt(beta2 v) >= 0 and b = sqrt(1-beta2)|g| > 0, per unit eta."""
    eps_r, s, b = sp.symbols("epsilon_r s b", positive=True)
    h_rms = 1 / (eps_r + sp.sqrt(s**2 + b**2))
    eta_clip = 1 / (eps_r + s)
    tau_over_g = (eps_r + s) / b  # tau/|g| with the matched tau
    h_clip = eta_clip * sp.Min(tau_over_g, 1)
    return (
        h_rms,
        h_clip,
        {
            eps_r: (sp.Rational(1, 10**8), 10),
            s: (sp.Rational(1, 10**6), 10**3),
            b: (sp.Rational(1, 10**6), 10**3),
        },
    )


@claim(
    "zhang2020-rmsprop-acclip",
    "Discussion",
    "Given any RMSProp parameters, setting ACClip's eta_clip = eta_rms/(eps + sqrt(beta2 v)) "
    "and tau = (eps + sqrt(beta2 v))/sqrt(1 - beta2) gives h_clip/2 <= h_rms <= 2 h_clip.",
    reconstructed=True,
)
def check_rmsprop_acclip():
    h_rms, h_clip, box = rmsprop_acclip_steps()
    parts = {
        "h_clip/2 <= h_rms": inequality(h_clip / 2, h_rms, box, points=9),
        "h_rms <= 2 h_clip": inequality(h_rms, 2 * h_clip, box, points=9),
        "(tighter) h_rms <= h_clip": inequality(h_rms, h_clip, box, points=9),
    }
    return all_hold(parts)
