"""Section 3.1 (Effect of Exponential Averaging) of Zhiyi & Ziyin: eq. 8-12.
"""

from __future__ import annotations

import functools

import mpmath
import sympy as sp

from simlab.claims import Verdict, claim
from simlab.claims.checks import none_derived
from simlab.claims.zhiyi_ziyin.common import (
    PAPER,
    _verdict_from_equal,
    beta,
    compare,
    index_shift_correction,
    m,
    mu,
    sigma,
)


# --------------------------------------------------------------------------- section 3.1: EMA

i_index = sp.Symbol("i", integer=True, positive=True)
EQ8_MEAN = mu * (1 - beta ** (m - 1))
EQ8_VARIANCE = sigma**2 * (1 - beta) ** 2 * (1 - beta ** (2 * (m - 1))) / (1 - beta**2)


def geometric_sum(term: sp.Expr) -> sp.Expr:
    """sum_{i=1}^{m} term(i) by sympy, keeping the generic (ratio != 1) branch of its Piecewise."""
    total = sp.piecewise_fold(sp.summation(term, (i_index, 1, m)))
    if isinstance(total, sp.Piecewise):
        total = next(expr for expr, cond in total.args if cond == sp.true)
    return sp.simplify(total)


@functools.cache
def ema_moments() -> tuple[sp.Expr, sp.Expr]:
    """Mean and variance of (1 - beta) sum_i beta^{m-i} Z_i, Z_i iid N(mu, sigma^2) (eq. 8)."""
    mean = sp.factor(mu * (1 - beta) * geometric_sum(beta ** (m - i_index)))
    variance = sp.factor(sigma**2 * (1 - beta) ** 2 * geometric_sum(beta ** (2 * (m - i_index))))
    return mean, variance


EMA_POINTS = [
    {beta: b, m: mm, mu: sp.Rational(3, 2), sigma: sp.Rational(1, 2)}
    for b in (sp.Rational(1, 2), sp.Rational(9, 10))
    for mm in (1, 2, 5, 10)
]


@claim(
    PAPER,
    "zz-eq8-mean",
    "eq. 8",
    "the exponential average has mean mu (1 - beta^{m-1})",
    {"mean": EQ8_MEAN},
)
def check_eq8_mean() -> Verdict:
    derived = ema_moments()[0]
    equal, method, evidence = compare(EQ8_MEAN, derived, EMA_POINTS)
    return _verdict_from_equal(
        equal, method, evidence, EQ8_MEAN, derived,
        _with_shift(f"mean = {derived}", EQ8_MEAN, derived, EMA_POINTS),
    )


def _with_shift(fix: str, printed: sp.Expr, derived: sp.Expr, points) -> str:
    """The derived value, plus the unit shift of m that repairs the printed formula (when
    :func:`index_shift_correction` finds and verifies one)."""
    shifted = index_shift_correction(printed, derived, points, m)
    return fix if shifted is None else f"{fix}; {shifted}"


@claim(
    PAPER,
    "zz-eq8-variance",
    "eq. 8",
    "the exponential average has variance sigma^2 (1-beta)^2 (1 - beta^{2(m-1)}) / (1 - beta^2)",
    {"variance": EQ8_VARIANCE},
)
def check_eq8_variance() -> Verdict:
    derived = ema_moments()[1]
    equal, method, evidence = compare(EQ8_VARIANCE, derived, EMA_POINTS)
    return _verdict_from_equal(
        equal,
        method,
        evidence,
        EQ8_VARIANCE,
        derived,
        _with_shift(f"variance = {derived}", EQ8_VARIANCE, derived, EMA_POINTS),
    )


@claim(
    PAPER,
    "zz-eq8-beta-limits",
    "eq. 8 (text)",
    "beta -> 0 gives N(mu, sigma^2); beta -> 1 sends the variance to 0 (delta distribution)",
    mutant={"printed_at_one": sigma**2},
)
def check_eq8_limits(printed_at_zero=(mu, sigma**2), printed_at_one=sp.Integer(0)) -> Verdict:
    mean, variance = ema_moments()
    at_zero = (sp.limit(mean, beta, 0), sp.limit(variance, beta, 0))
    at_one = sp.limit(variance, beta, 1)
    holds = at_zero == tuple(printed_at_zero) and at_one == printed_at_one
    evidence = (
        f"beta -> 0: (mean, variance) -> {at_zero}; beta -> 1: variance -> {at_one} (fixed m)"
    )
    return _verdict_from_equal(
        holds,
        "symbolic",
        evidence,
        None,
        (at_zero, at_one),
        f"beta -> 0: (mean, variance) -> {at_zero}; beta -> 1: variance -> {at_one} (sympy)",
    )


def bias_corrected_variance() -> sp.Expr:
    """Variance of the exponential average divided by its bias (1 - beta^m), derived from eq. 8."""
    mean, variance = ema_moments()
    return sp.factor(sp.simplify(variance / (mean / mu) ** 2))


j_index = sp.Symbol("j", integer=True, nonnegative=True)
EQ9_LEFT = (
    sigma**2
    * (1 - beta) ** 2
    / (1 - beta ** (m - 1)) ** 2
    * (1 - beta ** (2 * (m - 1)))
    / (1 - beta**2)
)
EQ9_RIGHT = (
    sigma**2
    * sp.Sum(beta ** (2 * j_index), (j_index, 0, m - 1))
    / sp.Sum(beta**j_index, (j_index, 0, m - 1)) ** 2
)
EQ10 = sigma**2 * (1 - beta) / (1 + beta) * (1 + beta ** (m - 1)) / (1 - beta ** (m - 1))


@claim(
    PAPER,
    "zz-eq9-identity",
    "eq. 9",
    "sigma^2 (1-beta)^2/(1-beta^{m-1})^2 (1-beta^{2(m-1)})/(1-beta^2) = "
    "sigma^2 sum_{i=0}^{m-1} beta^{2i} / (sum_{i=0}^{m-1} beta^i)^2 (bias-corrected variance)",
    {"left": EQ9_LEFT, "right": EQ9_RIGHT},
)
def check_eq9() -> Verdict:
    derived = bias_corrected_variance()
    right = EQ9_RIGHT.doit()
    left_equal, _, left_evidence = compare(EQ9_LEFT, derived, EMA_POINTS[1:], prove=False)
    right_equal, _, right_evidence = compare(right, derived, EMA_POINTS[1:], prove=False)
    evidence = (
        f"left side vs derived variance of the bias-corrected average: {left_evidence or 'equal'}; "
        f"right side vs derived: {right_evidence}"
    )
    holds = left_equal and right_equal
    return _verdict_from_equal(
        holds,
        "numeric",
        evidence,
        EQ9_LEFT,
        derived,
        _with_shift(f"left side = {derived}", EQ9_LEFT, derived, EMA_POINTS[1:])
        + ("; the right side (sums to m-1) is correct" if right_equal else ""),
    )


@claim(
    PAPER,
    "zz-eq10",
    "eq. 10",
    "the bias-corrected variance equals sigma^2 (1-beta)/(1+beta) (1+beta^{m-1})/(1-beta^{m-1})",
    {"variance": EQ10},
)
def check_eq10() -> Verdict:
    derived = bias_corrected_variance()
    equal, method, evidence = compare(EQ10, derived, EMA_POINTS[1:])
    same_as_left = sp.simplify(EQ10 - EQ9_LEFT) == 0
    evidence += f"; eq. 10 == left side of eq. 9 identically (sympy): {same_as_left}"
    return _verdict_from_equal(
        equal,
        method,
        evidence,
        EQ10,
        derived,
        _with_shift(f"variance = {derived}", EQ10, derived, EMA_POINTS[1:]),
    )


@claim(
    PAPER,
    "zz-eq10-below-sigma2",
    "eq. 10 (text)",
    "by the Cauchy-Schwarz inequality the bias-corrected variance is always smaller than sigma^2",
    mutant={"printed_bound": sigma**2 / 2},
)
def check_eq10_bound(printed_bound=sigma**2) -> Verdict:
    ratio = bias_corrected_variance() / printed_bound
    gap = sp.factor(sp.simplify(1 - ratio))
    values = [
        float(sp.N(gap.subs({beta: b, m: mm})))
        for b in (sp.Rational(1, 100), sp.Rational(1, 2), sp.Rational(99, 100))
        for mm in range(2, 41)
    ]
    at_m1 = sp.simplify(gap.subs(m, 1))
    holds = min(values) > 0
    evidence = (
        f"1 - Var/sigma^2 = {gap}: positive at beta in {{0.01, 0.5, 0.99}} x m in 2..40 "
        f"(min {min(values):.3g}); equals {at_m1} at m = 1. Cauchy-Schwarz gives the other "
        "bound, Var >= sigma^2/m; the upper bound comes from the positive cross terms."
    )
    return _verdict_from_equal(
        holds,
        "numeric",
        evidence,
        None,
        gap,
        none_derived(f"1 - Var/sigma^2 = {gap} is not positive on the whole grid; no other "
                     "bound is derived"),
    )


def _asymptotic_variance(beta_value: sp.Expr) -> sp.Expr:
    return sp.limit(bias_corrected_variance().subs(beta, beta_value) / sigma**2, m, sp.oo)


@claim(
    PAPER,
    "zz-beta-0.9-example",
    "Section 3.1",
    "when beta = 0.9 the variance converges to sigma^2/21",
    mutant={"printed": sp.Rational(1, 19)},
)
def check_beta_09(printed=sp.Rational(1, 21)) -> Verdict:
    derived = _asymptotic_variance(sp.Rational(9, 10))
    return _verdict_from_equal(
        derived == printed,
        "symbolic",
        f"lim_(m->oo) Var/sigma^2 at beta = 9/10 is {derived}",
        printed,
        derived,
        f"the variance converges to sigma^2 * {derived}",
    )


@claim(
    PAPER,
    "zz-beta-0.99-example", "Section 3.1", "when beta = 0.99 the variance converges to sigma^2/199",
    mutant={"printed": sp.Rational(1, 201)},
)
def check_beta_099(printed=sp.Rational(1, 199)) -> Verdict:
    derived = _asymptotic_variance(sp.Rational(99, 100))
    return _verdict_from_equal(
        derived == printed,
        "symbolic",
        f"lim_(m->oo) Var/sigma^2 at beta = 99/100 is {derived}",
        printed,
        derived,
        f"the variance converges to sigma^2 * {derived}",
    )


@claim(
    PAPER,
    "zz-eq11",
    "eq. 11",
    "lim_{beta->oo} lim_{m->oo} N(mu, sigma^2 (1-beta)/(1+beta) (1+beta^{m-1})/(1-beta^{m-1})) "
    "= N(mu, sigma^2/(m-1)); the text reads beta -> 1 with m >> 1/beta",
    {"printed_limit": sigma**2 / (m - 1)},
    reconstructed=True,
    mutant={"printed_limit": sigma**2 / m},
)
def check_eq11(printed_limit=sigma**2 / (m - 1)) -> Verdict:
    derived = bias_corrected_variance()
    fixed_m = sp.limit(derived, beta, 1)
    printed_fixed_m = sp.limit(EQ10, beta, 1)
    decay = sp.Symbol("lambda", positive=True)  # beta = exp(-lambda), 0 < beta < 1
    iterated = sp.limit(sp.limit(derived.subs(beta, sp.exp(-decay)), m, sp.oo), decay, 0, "+")
    evidence = (
        f"beta -> 1 at fixed m: derived variance -> {fixed_m}, eq. 10 as printed -> "
        f"{printed_fixed_m}; the printed order (m -> oo first, then beta -> 1) gives "
        f"{iterated}"
    )
    holds = sp.simplify(fixed_m - printed_limit) == 0
    return _verdict_from_equal(
        holds,
        "symbolic",
        evidence,
        printed_limit,
        fixed_m,
        f"lim_(beta->1) at fixed m = {fixed_m} (simple average of m samples); "
        f"the iterated limit m -> oo then beta -> 1 is {iterated}",
    )


@claim(
    PAPER,
    "zz-eq12",
    "eq. 12",
    "m = 2/(1-beta), beta = (m-2)/m relate exponential and simple averages",
    mutant={"printed_beta": (m - 1) / (m + 1)},
)
def check_eq12(printed_beta=(m - 2) / m) -> Verdict:
    inverse = sp.simplify((2 / (1 - beta)).subs(beta, printed_beta) - m) == 0
    asymptotic = (1 - beta) / (1 + beta)  # lim_{m->oo} of eq. 10 / sigma^2
    matches = {
        name: sp.solve(sp.Eq(asymptotic, 1 / target), beta)
        for name, target in {
            "sigma^2/(m-1) (eq. 11 as printed)": m - 1,
            "sigma^2/m (simple average of m samples)": m,
        }.items()
    }
    evidence = (
        f"the two relations are inverse (sympy): {inverse}; matching (1-beta)/(1+beta) with: "
        + "; ".join(f"{n} gives beta = {sp.simplify(v[0])}" for n, v in matches.items())
    )
    holding = [n for n, v in matches.items() if sp.simplify(v[0] - printed_beta) == 0]
    if inverse and holding:
        return Verdict(
            "holds-under-convention",
            evidence,
            "symbolic",
            printed_beta,
            matches[holding[0]][0],
            convention=f"asymptotic variance matched to {holding[0]}",
        )
    simple = "sigma^2/m (simple average of m samples)"
    (beta_of_m,) = (sp.simplify(v) for v in matches[simple])
    (m_of_beta,) = sp.solve(sp.Eq(beta, beta_of_m), m)
    return Verdict(
        "fails",
        evidence,
        "symbolic",
        correction=f"matching the asymptotic variance to {simple}: beta = {beta_of_m}, "
        f"m = {sp.simplify(m_of_beta)} (sympy solve)",
    )


def nesterov_momentum_constant(steps: int = 100_000) -> float:
    """k (1 - (t_k - 1)/t_{k+1}) at k = ``steps`` for Nesterov's (1983) sequence t_1 = 1,
    t_{k+1} = (1 + sqrt(1 + 4 t_k^2))/2 (mpmath, 30 digits): the c of a momentum 1 - c/k."""
    with mpmath.workdps(30):
        t = mpmath.mpf(1)
        for _ in range(steps - 1):
            t = (1 + mpmath.sqrt(1 + 4 * t * t)) / 2
        following = (1 + mpmath.sqrt(1 + 4 * t * t)) / 2
        return float(steps * (1 - (t - 1) / following))


@claim(
    PAPER,
    "zz-nesterov-remark",
    "Section 3.1 (after eq. 12)",
    "beta = (m-2)/m is reminiscent of the optimal momentum rate (m-3)/m derived by Nesterov "
    "[1983]",
    mutant={"printed_rate": (m - 2) / m},
)
def check_nesterov(printed_rate=(m - 3) / m) -> Verdict:
    """Nesterov's momentum coefficient (t_k - 1)/t_{k+1} is 1 - 3/k + o(1/k) (the usual closed
    form (k-1)/(k+2)); with m the number of averaged steps the printed (m-3)/m is 1 - 3/m. Two
    computations: m (1 - printed) -> 3 (sympy limit) against the constant of the exact recurrence
    (:func:`nesterov_momentum_constant`, 10^5 steps, within 1e-3); and eq. 12's beta = (m-2)/m is
    1 - 2/m (the two differ in that constant only, the "reminiscent")."""
    printed_constant = sp.limit(m * (1 - printed_rate), m, sp.oo)
    recurrence = nesterov_momentum_constant()
    ema_constant = sp.limit(m * (1 - (m - 2) / m), m, sp.oo)
    evidence = (f"printed momentum 1 - {printed_constant}/m + o(1/m) (sympy); Nesterov's "
                f"recurrence: k (1 - (t_k - 1)/t_(k+1)) = {recurrence:.6f} at k = 10^5 (mpmath); "
                f"eq. 12's beta = 1 - {ema_constant}/m")
    if abs(float(printed_constant) - recurrence) < 1e-3:
        return Verdict("holds", evidence, "symbolic+numeric", printed=printed_rate,
                       computed=f"1 - {recurrence:.4f}/m")
    return Verdict("fails", evidence, "symbolic+numeric", printed=printed_rate,
                   computed=f"1 - {recurrence:.4f}/m",
                   correction=f"Nesterov's momentum is 1 - {round(recurrence)}/m + o(1/m), i.e. "
                   f"(m-{round(recurrence)})/m")
