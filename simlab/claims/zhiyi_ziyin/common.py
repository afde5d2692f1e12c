"""Shared symbols, generic helpers and the derived laws of Zhiyi & Ziyin (eq. 14-21).

The helpers (``compare``, ``quad_on_grid``, ``moment_matches``, ``under_conventions``, ...)
decide an identity on an exact grid at 30 digits, then try to prove it with sympy; the
derived laws (``k_density``, ``g_density``, ``xg_density``) follow the paper's own route,
a change of variables and a sympy integral, so every check compares with an independent
derivation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

import mpmath
import numpy as np
import scipy.stats
import sympy as sp
from sympy.stats import ChiSquared, density

from simlab.claims import Verdict


PAPER = "zhiyi-ziyin"
DIGITS = 30  # mpmath working precision (significant digits)
RELATIVE_TOLERANCE = mpmath.mpf("1e-15")  # quadrature at 30 digits is good to far better than this
KS_LEVEL = 1e-3  # Monte Carlo: a law is rejected when the KS p-value is below this

# the paper's symbols
m = sp.Symbol("m", positive=True)  # number of samples = time step
c = sp.Symbol("c", positive=True)  # normalisation of the preconditioner, c = m or m - 1 (eq. 14)
beta = sp.Symbol("beta", positive=True)  # decay rate of the exponential average
mu = sp.Symbol("mu", real=True)  # mean of the Gaussian
sigma = sp.Symbol("sigma", positive=True)  # standard deviation of the Gaussian
x, z, k, g, h = sp.symbols("x z k g h", positive=True)

#: exact grid of m values used by the numeric checks (non-integers too: the laws extend to real m)
M_GRID: tuple[sp.Expr, ...] = (
    sp.Rational(5, 2),
    sp.Integer(3),
    sp.Integer(4),
    sp.Integer(7),
    sp.Integer(12),
    sp.Integer(40),
)
CONVENTIONS = {"c = m": m, "c = m - 1": m - 1}


# --------------------------------------------------------------------------- generic helpers


def _numeric(expr: sp.Expr, point: dict):
    """Value of ``expr`` at ``point`` as an mpmath number (complex if the formula leaves its
    domain)."""
    value = sp.N(sp.sympify(expr).subs(point), DIGITS)
    re, im = value.as_real_imag()
    with mpmath.workdps(DIGITS):
        if im != 0:
            return mpmath.mpc(str(sp.N(re, DIGITS)), str(sp.N(im, DIGITS)))
        return mpmath.mpf(str(sp.N(re, DIGITS)))


def _close(a, b, tolerance=RELATIVE_TOLERANCE) -> bool:
    with mpmath.workdps(DIGITS):
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            return False
        return abs(a - b) <= tolerance * max(1, abs(b))


def compare(printed: sp.Expr, computed: sp.Expr, points: Iterable[dict], prove: bool = True):
    """Decide ``printed == computed``: numerically on ``points`` (30 digits), then symbolically.

    Returns ``(equal, method, evidence)``. A disagreement at any point is a witness ("numeric");
    agreement everywhere is then proved by ``sympy.simplify`` when it can ("symbolic").
    """
    points = list(points)
    for point in points:
        a, b = _numeric(printed, point), _numeric(computed, point)
        if not _close(a, b):
            where = ", ".join(f"{key}={val}" for key, val in point.items())
            return (
                False,
                "numeric",
                (f"at {where}: printed = {mpmath.nstr(a, 12)}, derived = {mpmath.nstr(b, 12)}"),
            )
    if prove:
        difference = sp.simplify(sp.gammasimp(sp.powsimp(printed - computed, force=True)))
        if difference == 0:
            return True, "symbolic", "sympy.simplify(printed - derived) == 0"
    return True, "numeric", f"equal to 1e-15 at {len(points)} grid points (30 digits)"


def quad_on_grid(integrand: sp.Expr, var: sp.Symbol, lower: sp.Expr, upper: sp.Expr, point: dict):
    """mpmath tanh-sinh quadrature of ``integrand`` over (lower, upper) at the parameters
    ``point``."""
    with mpmath.workdps(DIGITS):
        function = sp.lambdify(var, sp.sympify(integrand).subs(point), "mpmath")
        a = (
            _numeric(lower, point)
            if lower not in (-sp.oo, sp.oo)
            else (mpmath.ninf if lower == -sp.oo else mpmath.inf)
        )
        b = (
            _numeric(upper, point)
            if upper not in (-sp.oo, sp.oo)
            else (mpmath.inf if upper == sp.oo else mpmath.ninf)
        )
        value = mpmath.quad(function, [a, b])
        if isinstance(value, mpmath.mpc) and abs(value.imag) <= 1e-20 * max(1, abs(value.real)):
            value = value.real  # round-off where (1 - x^2/c) meets 0 at the end of the support
        return value


def moment_matches(
    printed: sp.Expr, integrand: sp.Expr, var: sp.Symbol, lower, upper, points: Sequence[dict]
):
    """Compare a printed moment with the quadrature of ``integrand`` on each grid point."""
    for point in points:
        computed = quad_on_grid(integrand, var, lower, upper, point)
        printed_value = _numeric(printed, point)
        if not _close(printed_value, computed, mpmath.mpf("1e-12")):
            return False, (
                f"at m={point.get(m)}: printed {mpmath.nstr(printed_value, 12)}, "
                f"quadrature {mpmath.nstr(computed, 12)}"
            )
    grid = ", ".join(str(p.get(m)) for p in points)
    return (
        True,
        f"quadrature (mpmath, 30 digits) equals the printed value to 1e-12 at m in {{{grid}}}",
    )


def positive_polynomial(expr: sp.Expr, var: sp.Symbol, lower: sp.Expr) -> bool:
    """True when ``expr`` > 0 for all var > lower, shown by all-positive coefficients.

    Substitutes var = lower + u (u > 0) and requires numerator and denominator, as polynomials in
    u, to have coefficients of one sign each (a sufficient, symbolic certificate).
    """
    u = sp.Symbol("u", positive=True)
    numerator, denominator = sp.fraction(sp.factor(sp.together(expr.subs(var, lower + u))))
    signs = []
    for part in (numerator, denominator):
        coefficients = sp.Poly(sp.expand(part), u).coeffs()
        if all(coef > 0 for coef in coefficients):
            signs.append(1)
        elif all(coef < 0 for coef in coefficients):
            signs.append(-1)
        else:
            return False
    return signs[0] * signs[1] > 0


def mode_by_analysis(density_expr: sp.Expr, var: sp.Symbol, lower, upper, value) -> tuple:
    """The mode of ``density_expr`` (at m = ``value``) on (lower, upper), by analysis.

    sympy solves d/dvar log f = 0 on the open support (the numerator of the together-ed log
    derivative, exactly); between consecutive roots and the ends the derivative has one sign,
    read at each sub-interval's midpoint. The mode is the root where the sign goes + to - with
    the highest density, or an end the density increases towards (then the supremum is there).
    Returns ``(mode, description)``.
    """
    at = density_expr.subs(m, value)
    a, b = sp.nsimplify(lower.subs(m, value)), sp.nsimplify(upper.subs(m, value))
    slope = sp.together(sp.diff(sp.log(at), var))
    numerator, _ = sp.fraction(slope)
    roots = sorted(r for r in sp.solveset(numerator, var, sp.Interval.open(a, b))
                   if r.is_real)
    cuts = [a, *roots, b]
    signs = [sp.sign(sp.N(slope.subs(var, (lo + hi) / 2), 30)) for lo, hi in zip(cuts, cuts[1:])]
    candidates = [root for j, root in enumerate(roots) if signs[j] > 0 > signs[j + 1]]
    if signs[0] < 0:
        candidates.append(a)  # the density decreases away from the lower end: sup there
    if signs[-1] > 0:
        candidates.append(b)
    heights = {c: (sp.oo if c in (a, b) else at.subs(var, c)) for c in candidates}
    mode = max(candidates, key=lambda c: sp.N(heights[c]) if heights[c] != sp.oo else sp.oo)
    return mode, (f"m={value}: d/d{var} log f = {sp.factor(slope)}, zeros in ({a}, {b}): "
                  f"{roots or 'none'}, signs {[int(x) for x in signs]}, mode {mode}")


def check_mode(
    density_expr: sp.Expr,
    var: sp.Symbol,
    printed_mode: sp.Expr,
    lower,
    upper,
    m_values: Sequence[sp.Expr],
):
    """Is ``printed_mode`` the mode of the density? The mode is found by analysis
    (:func:`mode_by_analysis`: the sign of the derivative of the log-density) at each m, and
    compared exactly with the printed one.

    Returns ``(holds, evidence, modes)`` with ``modes`` the (m, computed mode) pairs.
    """
    modes, notes, wrong = [], [], []
    for value in m_values:
        mode, note = mode_by_analysis(density_expr, var, lower, upper, value)
        modes.append((value, mode))
        notes.append(note)
        printed = sp.nsimplify(printed_mode.subs(m, value))
        if sp.simplify(printed - mode) != 0:
            wrong.append(f"m={value}: printed {printed}, computed {mode}")
    evidence = "; ".join(notes)
    if wrong:
        return False, "printed mode differs: " + "; ".join(wrong) + "; " + evidence, modes
    return True, "printed mode = the mode found by analysis at every m; " + evidence, modes


def index_shift_correction(
    printed: sp.Expr, derived: sp.Expr, points: Sequence[dict], symbol: sp.Symbol
) -> str | None:
    """Diagnose an off-by-one: the shift s in {+1, -1} for which printed(symbol + s) == derived.

    Returns a readable correction (the shifted printed formula, sympy-verified on ``points`` and by
    ``simplify``), or None when no unit shift repairs the formula.
    """
    for shift in (1, -1):
        shifted = printed.subs(symbol, symbol + shift)
        equal, method, _ = compare(shifted, derived, points)
        if equal:
            return (
                f"{shifted} (the printed formula with {symbol} -> {symbol + shift}; equal to the "
                f"derivation, {method})"
            )
    return None


def scipy_agrees(
    expr: sp.Expr, var: sp.Symbol, law: Callable[[float], object], points: Sequence[tuple]
) -> tuple[bool, str]:
    """Cross-check a sympy density with scipy.stats: ``law(m).pdf(value)`` at (m, value) points.

    Relative tolerance 1e-10 (scipy works in double precision). Disagreement means the two
    reference implementations differ, and the calling check reports "unverifiable".
    """
    rows = []
    for m_value, value in points:
        ours = float(sp.N(expr.subs({m: m_value, var: value}), DIGITS))
        theirs = float(law(float(m_value)).pdf(float(value)))
        rows.append((m_value, value, ours, theirs))
    agree = all(abs(a - b) <= 1e-10 * max(1.0, abs(b)) for _, _, a, b in rows)
    text = ", ".join(f"m={mv}, at {v}: {b:.12g}" for mv, v, _, b in rows)
    return agree, f"scipy.stats agrees to 1e-10: {agree} ({text})"


def ks_verdict(sample: np.ndarray, cdf: Callable) -> float:
    """KS p-value of ``sample`` against ``cdf`` (scipy.stats.kstest)."""
    return float(scipy.stats.kstest(sample, cdf).pvalue)


def _grid(condition: Callable[[sp.Expr], bool] = lambda value: True) -> list[dict]:
    return [{m: value} for value in M_GRID if condition(value)]


def _verdict_from_equal(
    equal: bool, method: str, evidence: str, printed, computed, correction: str
) -> Verdict:
    if equal:
        return Verdict("holds", evidence, method, printed, computed)
    return Verdict("fails", evidence, method, printed, computed, correction=correction)


def under_conventions(
    printed: sp.Expr,
    derive: Callable[[sp.Expr], sp.Expr],
    points_for: Callable[[sp.Expr], list[dict]],
    what: str,
) -> Verdict:
    """Check ``printed`` against ``derive(c)`` for c = m and c = m - 1 (eq. 14's two
    normalisations).

    holds under both -> "holds"; under one -> "holds-under-convention"; under none -> "fails"
    with both derivations as the correction.
    """
    results = {}
    for name, normalisation in CONVENTIONS.items():
        derived = derive(normalisation)
        equal, method, evidence = compare(printed, derived, points_for(normalisation), prove=False)
        results[name] = (equal, method, evidence, derived)
    evidence = "; ".join(
        f"{name}: {'equal' if r[0] else 'differs'} ({r[2]})" for name, r in results.items()
    )
    holding = [name for name, r in results.items() if r[0]]
    derived = {name: sp.simplify(r[3]) for name, r in results.items()}
    if len(holding) == 2:
        return Verdict("holds", evidence, "numeric", printed, derived["c = m"])
    if len(holding) == 1:
        return Verdict(
            "holds-under-convention",
            evidence,
            "numeric",
            printed,
            derived[holding[0]],
            convention=f"{holding[0]} (eq. 14)",
        )
    correction = "; ".join(f"{what} = {derived[name]} under {name}" for name in CONVENTIONS)
    return Verdict("fails", evidence, "numeric", printed, derived["c = m"], correction=correction)


# --------------------------------------------------------------------------- derived laws


def chi2_density(var: sp.Symbol, dof: sp.Expr) -> sp.Expr:
    """Reference chi-squared density (sympy.stats)."""
    return density(ChiSquared("Q", dof))(var)


@functools.cache
def k_joint_density() -> sp.Expr:
    """Joint density of (Z, K), K = Z / (Z + H), by change of variables from (Z, H) (eq. 17-19).

    Z ~ chi2_1 and H ~ chi2_{m-1} independent; h = z (1 - k) / k, Jacobian by ``sympy.diff``.
    """
    h_of_k = z * (1 - k) / k
    jacobian = sp.Abs(sp.diff(h_of_k, k))
    joint = chi2_density(z, 1) * chi2_density(h, m - 1).subs(h, h_of_k) * jacobian
    return sp.powsimp(sp.expand_power_base(sp.simplify(joint), force=True), force=True)


@functools.cache
def k_density() -> sp.Expr:
    """Density of K on (0, 1): the sympy integral of the derived joint density over z (eq. 20)."""
    integral = sp.integrate(k_joint_density(), (z, 0, sp.oo), conds="none")
    integral = integral.replace(sp.polar_lift, lambda arg: arg)
    return sp.simplify(sp.powsimp(integral, force=True))


def g_density(normalisation: sp.Expr) -> sp.Expr:
    """Density of G = c K on (0, c) (eq. 23 for c = m)."""
    return k_density().subs(k, g / normalisation) / normalisation


def xk_density() -> sp.Expr:
    """Density of X_k = sign(X_m) sqrt(K) at |x|, on (-1, 1): f_K(x^2) |x| (eq. 28).

    sign(X_m) is independent of (X_m^2, H), so the law is symmetric and half the mass sits on each
    side: f(x) = (1/2) f_K(x^2) * 2|x|.
    """
    return k_density().subs(k, x**2) * x


def xg_density(normalisation: sp.Expr) -> sp.Expr:
    """Density of X_g = Delta theta = sign(X_m) sqrt(G) at |x|, on (-sqrt c, sqrt c) (eq. 30)."""
    return k_density().subs(k, x**2 / normalisation) * x / normalisation


@functools.cache
def gamma_ratio_limit() -> sp.Expr:
    """lim_{m->oo} R(m), R(m) = Gamma(m/2)^2 / (m Gamma((m-1)/2)^2) (Stirling: 1/2).

    sympy's ``limit`` gets it from log-gammas but takes 4-10 s, so this is numeric: R at m = 1e40
    with 80-digit mpmath is 1/2 + O(1/m), identified as a rational by ``sympy.nsimplify`` at 1e-35.
    """
    with mpmath.workdps(80):
        big = mpmath.mpf(10) ** 40
        value = mpmath.exp(2 * (mpmath.loggamma(big / 2) - mpmath.loggamma((big - 1) / 2))) / big
        return sp.nsimplify(sp.Float(mpmath.nstr(value, 70), 70), tolerance=1e-35, rational=True)


STIRLING_NOTE = (
    " (sympy; the Stirling constant lim Gamma(m/2)^2/(m Gamma((m-1)/2)^2) = 1/2"
    " by mpmath at m = 1e40)"
)


def limit_m_to_infinity(expr: sp.Expr) -> sp.Expr:
    """lim_{m->oo} of an expression whose only gamma functions are Gamma(m/2)/Gamma((m-1)/2) powers.

    Gamma(m/2)/Gamma((m-1)/2) is replaced by sqrt(m * R(m)) with R -> gamma_ratio_limit(); the rest
    is an elementary limit sympy does quickly.
    """
    ratio = sp.Symbol("R", positive=True)
    rewritten = expr.subs(sp.gamma(m / 2), sp.sqrt(m * ratio) * sp.gamma(m / 2 - sp.S.Half))
    if rewritten.has(sp.gamma):
        raise ValueError(f"unexpected gamma functions in {rewritten}")
    return sp.simplify(sp.limit(rewritten, m, sp.oo).subs(ratio, gamma_ratio_limit()))
