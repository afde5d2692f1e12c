"""Section 4 of Zhiyi & Ziyin, second part: the law of the update Delta theta = X_g (eq. 28-33)
and where it changes shape (Section 5.1, Figure 2).
"""

from __future__ import annotations

import sympy as sp
from sympy.stats import Beta as BetaRV
from sympy.stats import density

from simlab.claims import Verdict, claim
from simlab.claims.checks import verified_fix
from simlab.claims.zhiyi_ziyin.common import (
    CONVENTIONS,
    M_GRID,
    PAPER,
    STIRLING_NOTE,
    _grid,
    _verdict_from_equal,
    compare,
    h,
    limit_m_to_infinity,
    m,
    moment_matches,
    under_conventions,
    x,
    xg_density,
    xk_density,
    z,
)


EQ28 = (
    sp.gamma(m / 2)
    / (sp.gamma((m - 1) / 2) * sp.gamma(sp.S.Half))
    * (1 - x**2) ** ((m - 1) / 2 - 1)
)


@claim(
    PAPER,
    "zz-eq28",
    "eq. 28",
    "X_k = +-sqrt(K) has density Gamma(m/2)/(Gamma((m-1)/2) Gamma(1/2)) "
    "(1 - x_k^2)^{(m-1)/2-1} on [-1, 1]",
    {"f_m(x_k)": EQ28},
)
def check_eq28() -> Verdict:
    derived = xk_density()
    points = [{m: v, x: xx} for v in M_GRID for xx in (sp.Rational(1, 5), sp.Rational(7, 10))]
    equal, method, evidence = compare(EQ28, derived, points)
    normalised, norm_evidence = moment_matches(sp.Integer(1), EQ28, x, -1, 1, _grid())
    return _verdict_from_equal(
        equal and normalised,
        method,
        f"{evidence}; normalisation on [-1, 1]: {norm_evidence}",
        EQ28,
        derived,
        f"f(x_k) = {derived}",
    )


@claim(
    PAPER,
    "zz-eq28-support",
    "eq. 28 (text)",
    "eq. 28 extends the distribution from [0, sqrt m] to [-sqrt m, sqrt m]",
    mutant={"printed_end": sp.Integer(1)},
)
def check_eq28_support(printed_end=sp.sqrt(m)) -> Verdict:
    # K = X_m^2 / (X_m^2 + H) <= 1, so |X_k| = sqrt(K) <= 1 whatever m
    upper_k = sp.limit(z / (z + h), h, 0)
    _, mass_evidence = moment_matches(sp.Integer(1), EQ28, x, -1, 1, _grid())
    holds = sp.simplify(sp.sqrt(upper_k) - printed_end) == 0
    evidence = (
        f"sup K = {upper_k}, so X_k lies in [-1, 1] for every m; eq. 28 has unit mass "
        f"there ({mass_evidence})"
    )
    return _verdict_from_equal(
        holds,
        "symbolic",
        evidence,
        printed_end,
        sp.sqrt(upper_k),
        f"X_k is supported on [-{sp.sqrt(upper_k)}, {sp.sqrt(upper_k)}] (sup K = {upper_k}); "
        f"[-{sp.sqrt(m * upper_k)}, {sp.sqrt(m * upper_k)}] is the support of X_g = sqrt(G) = "
        "sqrt(m K) under c = m (eq. 30)",
    )


@claim(
    PAPER,
    "zz-eq29",
    "eq. 29",
    "z_k = (1 + x_k)/2 has density c (1-z_k)^{(m-1)/2-1} z_k^{(m-1)/2-1}: Beta((m-1)/2, (m-1)/2)",
)
def check_eq29() -> Verdict:
    zk = sp.Symbol("z_k", positive=True)
    derived = EQ28.subs(x, 2 * zk - 1) * 2
    reference = density(BetaRV("Z", (m - 1) / 2, (m - 1) / 2))(zk)
    points = [{m: v, zk: zz} for v in M_GRID for zz in (sp.Rational(1, 5), sp.Rational(2, 3))]
    equal, method, evidence = compare(derived, reference, points)
    return _verdict_from_equal(
        equal,
        method,
        f"density of (1+X_k)/2 from eq. 28 vs sympy.stats Beta((m-1)/2, (m-1)/2): {evidence}",
        reference,
        derived,
        f"f(z_k) = {derived}",
    )


EQ30 = (
    1
    / sp.sqrt(m)
    * sp.gamma(m / 2)
    / (sp.gamma((m - 1) / 2) * sp.gamma(sp.S.Half))
    / (1 - x**2 / m)
    * (1 - x**2 / m) ** ((m - 1) / 2)
)


def _x_points(normalisation: sp.Expr, m_values=M_GRID) -> list[dict]:
    return [
        {m: v, x: frac * sp.sqrt(v - 1)}
        for v in m_values
        for frac in (sp.Integer(0), sp.Rational(2, 5), sp.Rational(4, 5))
    ]


@claim(
    PAPER,
    "zz-eq30",
    "eq. 30",
    "Delta theta = X_g = +-sqrt(G) has density 1/sqrt(m) Gamma(m/2)/(Gamma((m-1)/2) "
    "Gamma(1/2)) (1 - x^2/m)^{(m-1)/2} / (1 - x^2/m)",
    {"f_m(x_g)": EQ30},
)
def check_eq30() -> Verdict:
    return under_conventions(EQ30, xg_density, _x_points, "f_m(x_g)")


EQ31 = sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)


@claim(
    PAPER,
    "zz-eq31",
    "eq. 31",
    "lim_{m->oo} f_m(x_g) = e^{-x^2/2}/sqrt(2 pi)",
    {"f_oo(x_g)": EQ31},
    mutant={"printed": sp.exp(-(x**2)) / sp.sqrt(sp.pi)},
)
def check_eq31(printed=EQ31) -> Verdict:
    limits = {name: limit_m_to_infinity(xg_density(cc)) for name, cc in CONVENTIONS.items()}
    equal = {name: sp.simplify(lim - printed) == 0 for name, lim in limits.items()}
    return _verdict_from_equal(
        all(equal.values()),
        "symbolic",
        f"limits{STIRLING_NOTE}: {limits}; equal: {equal}",
        printed,
        limits["c = m"],
        "lim_(m->oo) f_m(x_g) = " + "; ".join(f"{lim} under {n}" for n, lim in limits.items())
        + STIRLING_NOTE,
    )


EQ32 = 1 / (sp.pi * sp.sqrt(1 - x**2))
EQ33 = 1 / (2 * sp.sqrt(2))


@claim(
    PAPER,
    "zz-eq32", "eq. 32", "for m = 2, f_2(x_g) = 1/(pi sqrt(1 - x_g^2)) (arcsine law)", {"f_2": EQ32}
)
def check_eq32() -> Verdict:
    return under_conventions(
        EQ32,
        lambda cc: xg_density(cc).subs(m, 2),
        lambda cc: _x_points(cc, (sp.Integer(2),)),
        "f_2(x_g)",
    )


@claim(
    PAPER,
    "zz-eq33",
    "eq. 33",
    "for m = 3, f_3(x_g) = 1/(2 sqrt 2), uniform on [-sqrt 2, sqrt 2]",
    {"f_3": EQ33},
)
def check_eq33() -> Verdict:
    return under_conventions(
        EQ33,
        lambda cc: xg_density(cc).subs(m, 3),
        lambda cc: _x_points(cc, (sp.Integer(3),)),
        "f_3(x_g)",
    )


@claim(
    PAPER,
    "zz-modality-transition",
    "Figure 1, Section 5.1",
    "the law of Delta theta (eq. 30) is bi-modal for small m and unimodal for large m; "
    "the transition happens at m = 3",
    mutant={"printed": 2},
)
def check_modality(printed=3) -> Verdict:
    # log f = ((m-3)/2) log(1 - x^2/m) + const: the sign of (m - 3) decides the shape
    slope = sp.factor(sp.diff(sp.log(xg_density(m)), x))
    transition = modality_transition()
    evidence = (
        f"d/dx log f_m(x) = {slope}: increasing in |x| (mass at +-sqrt m, bi-modal) for "
        "m < 3, flat at m = 3, decreasing (unimodal at 0) for m > 3; "
        f"transition at m = {transition}"
    )
    holds = transition == [printed]
    return _verdict_from_equal(
        holds, "symbolic", evidence, printed, transition, f"transition at m = {transition}"
    )


def modality_transition() -> list:
    """The m at which the log-slope of eq. 30's density changes sign (sympy.solve)."""
    return sp.solve(sp.Eq(sp.diff(sp.log(xg_density(m)), x).subs(x, 1), 0), m)


@claim(
    PAPER,
    "zz-fig2-transition",
    "Figure 2 (caption)",
    "the transition from a unimodal to a bi-modal distribution occurs at m = 2 "
    "as predicted (m = 2)",
    mutant={"printed": 3},
)
def check_fig2_transition(printed=2) -> Verdict:
    transition = modality_transition()
    flat = [sp.simplify(sp.diff(xg_density(m).subs(m, value), x)) == 0 for value in transition]
    return _verdict_from_equal(
        transition == [printed],
        "symbolic",
        f"eq. 30 changes shape at m = {transition} (Section 5.1 says m = 3); the law there is "
        f"flat in x (sympy): {flat}",
        printed,
        transition,
        verified_fix(
            f"the predicted transition is at m = {transition[0]}, where eq. 30 is flat "
            "(uniform)",
            len(transition) == 1 and all(flat),
            f"the log-slope of eq. 30 changes sign at {transition}",
        ),
    )
