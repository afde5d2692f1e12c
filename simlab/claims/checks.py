"""Generic checkers: each takes the printed expression(s) and returns a computed :class:`Verdict`.

Every checker tries sympy first. Where sympy cannot decide, it falls back to high-precision
numerics (mpmath, 30 significant digits) over a grid it states in the evidence, so a reader can
re-run exactly what decided the verdict. A failing check always carries a correction computed
here (the simplified true value, the best constant over the grid, ...) or by the caller, or
says "none derived: <why>". A check that cannot decide (sympy cannot simplify and no numeric
grid is given) returns "unverifiable", never "fails".

Checkers (all return :class:`simlab.claims.Verdict`):

- :func:`identity` -- ``lhs == rhs`` (simplify the difference; else a numeric grid);
- :func:`inequality` -- ``lhs <= rhs`` on a box of parameter values;
- :func:`implies` -- premises ``x >= lower(x's neighbours)`` imply ``lhs <= rhs``;
- :func:`exponent_of` -- the power of ``K`` an expression grows like (not a verdict; a helper);
- :func:`same_exponent` -- the exponent of an expression equals the printed exponent;
- :func:`sum_bound` -- ``sum_{k=1}^K term(k) <= bound(K)``;
- :func:`normalises` -- a density integrates to one over its support;
- :func:`all_hold` -- combine named sub-checks (holds only if all hold);
- :func:`none_derived`, :func:`verified_fix` -- the correction of a failing check: derived and
  verified, or "none derived: <why>".
- :func:`compare_rate` -- a printed rate exponent vs the computed one, each for the quantity
  the paper names (:data:`RATE_QUANTITIES`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import mpmath
import sympy as sp

from simlab.claims import NO_CORRECTION, Verdict
from simlab.theory.exponents import exponent_of

#: working precision of the numeric fallbacks (decimal digits)
DIGITS = 30
#: a numeric difference below this (relative to the size of the terms) counts as zero
NUMERIC_TOL = mpmath.mpf("1e-20")

Domain = Mapping[sp.Symbol, tuple]


def _grid_values(low, high, points: int) -> list:
    """``points`` values from low to high: log-spaced when both ends are positive and far apart."""
    low, high = sp.nsimplify(low), sp.nsimplify(high)
    if points == 1 or low == high:
        return [low]
    if low > 0 and high / low > 100:
        lo, hi = mpmath.log(mpmath.mpf(low)), mpmath.log(mpmath.mpf(high))
        return [mpmath.e ** (lo + (hi - lo) * i / (points - 1)) for i in range(points)]
    return [low + (high - low) * sp.Rational(i, points - 1) for i in range(points)]


def describe_grid(domain: Domain, points: int) -> str:
    parts = [f"{s} in [{lo}, {hi}]" for s, (lo, hi) in domain.items()]
    return f"{points} points per axis ({points ** len(domain)} in all) over " + ", ".join(parts)


def _compile(expr, symbols):
    """An mpmath function of ``symbols``, evaluated at :data:`DIGITS` digits."""
    fn = sp.lambdify(symbols, expr, modules="mpmath")

    def evaluate(values):
        with mpmath.workdps(DIGITS):
            return fn(*[mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v for v in values])

    return evaluate


def _points(domain: Domain, points: int):
    symbols = list(domain)
    axes = [_grid_values(lo, hi, points) for lo, hi in domain.values()]
    return symbols, itertools.product(*axes)


def identity(
    lhs,
    rhs,
    *,
    domain: Domain | None = None,
    points: int = 7,
    correction: str | None = None,
    symbolic_only: bool = False,
) -> Verdict:
    """``lhs == rhs``: simplify the difference; if sympy cannot reduce it to zero, evaluate it on
    the grid ``domain`` (``points`` per axis, mpmath at :data:`DIGITS` digits).

    A failure's default correction is the simplified left side: "lhs = <what sympy finds>".
    """
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    difference = sp.simplify(lhs - rhs)
    computed = sp.simplify(lhs)
    fix = correction or f"{lhs} = {computed} (sympy), not {rhs}"
    if difference == 0:
        return Verdict(
            "holds",
            f"sympy: simplify(({lhs}) - ({rhs})) = 0",
            "symbolic",
            printed=rhs,
            computed=computed,
        )
    free = difference.free_symbols
    if not free:
        value = sp.N(difference, DIGITS)
        if value == 0:  # pragma: no cover - simplify already returns 0 then
            return Verdict("holds", "numeric: difference is 0", "numeric", rhs, computed)
        return Verdict(
            "fails",
            f"sympy: ({lhs}) - ({rhs}) = {difference} = {sp.N(difference, 6)} != 0",
            "symbolic",
            printed=rhs,
            computed=computed,
            correction=fix,
        )
    if symbolic_only or domain is None:  # simplify's non-zero answer proves nothing
        return Verdict(
            "unverifiable",
            f"sympy: ({lhs}) - ({rhs}) simplifies to {difference}, not to 0, and no numeric "
            "grid was given to decide",
            "symbolic",
            printed=rhs,
            computed=computed,
        )
    missing = free - set(domain)
    if missing:
        raise ValueError(f"grid does not cover {sorted(map(str, missing))}")
    symbols, grid = _points(domain, points)
    lhs_at, rhs_at = _compile(lhs, symbols), _compile(rhs, symbols)
    worst, worst_at = mpmath.mpf(0), None
    for values in grid:
        a, b = lhs_at(values), rhs_at(values)
        gap = abs(a - b) / max(1, abs(a), abs(b))
        if gap > worst:
            worst_at = {str(s): mpmath.nstr(v, 6) for s, v in zip(symbols, values, strict=True)}
            worst = gap
    where = describe_grid(domain, points)
    if worst <= NUMERIC_TOL:
        return Verdict(
            "holds",
            f"sympy left {difference}; mpmath ({DIGITS} digits) relative "
            f"difference <= {mpmath.nstr(worst, 3)} on {where}",
            "numeric",
            rhs,
            computed,
        )
    return Verdict(
        "fails",
        f"mpmath ({DIGITS} digits): relative difference "
        f"{mpmath.nstr(worst, 6)} at {worst_at}; grid: {where}",
        "numeric",
        printed=rhs,
        computed=computed,
        correction=fix,
    )


def inequality(
    lhs,
    rhs,
    domain: Domain,
    *,
    points: int = 9,
    correction: str | None = None,
    strict: bool = False,
) -> Verdict:
    """``lhs <= rhs`` (``<`` if ``strict``) for every point of the box ``domain``.

    sympy first: the sign of ``simplify(rhs - lhs)`` under the symbols' assumptions. Otherwise
    mpmath on a grid of ``points`` values per axis (log-spaced on long positive ranges), ends
    included. A failure's default correction is the best constant over the grid:
    ``lhs <= C * rhs`` with ``C = max lhs/rhs``.
    """
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    gap = sp.simplify(rhs - lhs)
    decided = gap.is_positive if strict else gap.is_nonnegative
    if decided is True:
        return Verdict(
            "holds",
            f"sympy: {gap} is {'positive' if strict else 'nonnegative'} "
            "under the symbols' assumptions",
            "symbolic",
            printed=f"{lhs} <= {rhs}",
        )
    symbols, grid = _points(domain, points)
    lhs_at, rhs_at = _compile(lhs, symbols), _compile(rhs, symbols)
    worst, worst_at, ratio = None, None, None
    for values in grid:
        a, b = lhs_at(values), rhs_at(values)
        slack = (b - a) / max(1, abs(a), abs(b))
        if worst is None or slack < worst:
            worst = slack
            worst_at = {str(s): mpmath.nstr(v, 6) for s, v in zip(symbols, values, strict=True)}
        if b > 0:
            ratio = a / b if ratio is None else max(ratio, a / b)
    where = describe_grid(domain, points)
    ok = worst > NUMERIC_TOL if strict else worst >= -NUMERIC_TOL
    if ok:
        return Verdict(
            "holds",
            f"sympy undecided; mpmath ({DIGITS} digits): min relative slack "
            f"{mpmath.nstr(worst, 6)} at {worst_at}, grid: {where}",
            "numeric",
            printed=f"{lhs} <= {rhs}",
            computed=f"min slack {mpmath.nstr(worst, 6)}",
        )
    fix = correction
    if fix is None:
        fix = (
            f"{lhs} <= C*({rhs}) with C = max lhs/rhs = {mpmath.nstr(ratio, 8)} over the grid"
            if ratio is not None
            else none_derived("the right side is not positive anywhere on the grid, so no "
                              "constant multiple of it bounds the left side")
        )
    return Verdict(
        "fails",
        f"mpmath ({DIGITS} digits): rhs - lhs = {mpmath.nstr(worst, 6)} "
        f"(relative) < 0 at {worst_at}; grid: {where}",
        "numeric",
        printed=f"{lhs} <= {rhs}",
        computed=f"min slack {mpmath.nstr(worst, 6)}",
        correction=fix,
    )


def implies(
    premises: Sequence[tuple[sp.Symbol, object]],
    lhs,
    rhs,
    domain: Domain,
    *,
    stretch: float = 1e3,
    points: int = 9,
    correction: str | None = None,
) -> Verdict:
    """Premises ``x >= lower`` (in order; a later lower bound may use earlier symbols) imply
    ``lhs <= rhs``.

    Each premise is written as ``x = lower * t_x`` with a fresh ``t_x`` in ``[1, stretch]`` (so
    ``lower`` must be positive), substituted into the conclusion, and the resulting inequality is
    checked by :func:`inequality` on ``domain`` x the ``t`` axes.
    """
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    box = dict(domain)
    premise_text = [f"{symbol} >= {lower}" for symbol, lower in premises]
    pending = [(symbol, sp.sympify(lower)) for symbol, lower in premises]
    while pending:
        (symbol, lower), pending = pending[0], pending[1:]
        t = sp.Symbol(f"t_{symbol}", positive=True)
        lhs, rhs = lhs.subs(symbol, lower * t), rhs.subs(symbol, lower * t)
        pending = [(s, b.subs(symbol, lower * t)) for s, b in pending]
        box[t] = (1, stretch)
    verdict = inequality(lhs, rhs, box, points=points, correction=correction)
    return Verdict(
        verdict.verdict,
        f"premises {', '.join(premise_text)} written as x = lower*t, t >= 1; {verdict.evidence}",
        verdict.method,
        verdict.printed,
        verdict.computed,
        verdict.correction,
        verdict.convention,
    )


def same_exponent(
    expr,
    var: sp.Symbol,
    printed_exponent,
    *,
    domain: Domain | None = None,
    points: int = 11,
    point=sp.oo,
    correction: str | None = None,
) -> Verdict:
    """The growth exponent of ``expr`` in ``var`` equals ``printed_exponent``.

    The exponent is computed by :func:`exponent_of`; equality by :func:`identity` (with the
    numeric grid ``domain``, typically alpha in [1.05, 2], when sympy cannot simplify a Max).
    """
    computed = exponent_of(expr, var, point)
    verdict = identity(
        computed,
        printed_exponent,
        domain=domain,
        points=points,
        correction=correction or f"the exponent of {var} is {computed}, not {printed_exponent}",
    )
    return Verdict(
        verdict.verdict,
        f"exponent_of({var}) = {computed}; {verdict.evidence}",
        verdict.method,
        printed_exponent,
        computed,
        verdict.correction,
    )


def sum_bound(
    term,
    k: sp.Symbol,
    K: sp.Symbol,
    bound,
    domain: Domain,
    *,
    points: int = 7,
    terms_checked: Sequence[int] = (1, 2, 3, 10, 100, 1000),
) -> Verdict:
    """``sum_{k=1}^K term(k) <= bound(K)`` for the parameters in ``domain``.

    Two computations, both must agree: (i) the integral comparison for a nondecreasing term,
    ``sum_{k=1}^K term <= int_0^{K+1} term dk``, with the integral done by sympy and then compared
    with ``bound`` on the grid (:func:`inequality`); (ii) the exact partial sums for the ``K`` in
    ``terms_checked`` at every grid point (mpmath). A failure's correction is the sympy integral.
    """
    term, bound = sp.sympify(term), sp.sympify(bound)
    integral = sp.simplify(sp.integrate(term, (k, 0, K + 1), conds="none"))
    # the comparison sum <= integral needs a nondecreasing term: check d term/dk >= 0
    monotone = inequality(0, sp.diff(term, k), {**domain, k: (1, 10**6)}, points=points)
    via_integral = inequality(integral, bound, {**domain, K: (1, 10**6)}, points=points)
    if monotone.verdict != "holds":
        via_integral = Verdict(
            "unverifiable",
            "the term is not nondecreasing ("
            f"{monotone.evidence}); the integral comparison does not apply",
            "numeric",
        )
    symbols, grid = _points(domain, points)
    worst = None
    with mpmath.workdps(DIGITS):
        term_fn = sp.lambdify([k, *symbols], term, modules="mpmath")
        bound_fn = sp.lambdify([K, *symbols], bound, modules="mpmath")
        for values in grid:
            values = [mpmath.mpf(v) for v in values]
            total = mpmath.mpf(0)
            n = 0
            for n_stop in sorted(terms_checked):
                while n < n_stop:
                    n += 1
                    total += term_fn(n, *values)
                slack = (bound_fn(n_stop, *values) - total) / max(1, abs(total))
                if worst is None or slack < worst[0]:
                    worst = (
                        slack,
                        n_stop,
                        {str(s): mpmath.nstr(v, 5) for s, v in zip(symbols, values, strict=True)},
                    )
    exact_ok = worst[0] >= -NUMERIC_TOL
    evidence = (
        f"term nondecreasing in k: {monotone.verdict} ({monotone.method}); integral "
        f"comparison: int_0^(K+1) {term} dk = {integral} (sympy), then "
        f"{via_integral.evidence}; exact partial sums for K in {list(terms_checked)}: min "
        f"relative slack {mpmath.nstr(worst[0], 6)} at K={worst[1]}, {worst[2]}"
    )
    if via_integral.verdict == "holds" and exact_ok:
        return Verdict(
            "holds",
            evidence,
            "numeric" if via_integral.method != "symbolic" else "symbolic",
            printed=bound,
            computed=integral,
        )
    if not exact_ok or monotone.verdict == "holds":
        fix = (
            f"sum_(k=1)^K {term} <= {integral} (the integral, by sympy)"
            if monotone.verdict == "holds"
            else none_derived(f"the partial sums exceed {bound} (K = {worst[1]}, {worst[2]}) "
                              "and the term is not nondecreasing, so the integral comparison "
                              "gives no bound to offer instead")
        )
        return Verdict(
            "fails", evidence, "numeric", printed=bound, computed=integral, correction=fix
        )
    return Verdict(
        "unverifiable",
        evidence + "; the exact sums alone prove nothing for all K",
        "numeric",
        printed=bound,
        computed=integral,
    )


def normalises(
    density,
    var: sp.Symbol,
    support: tuple,
    *,
    domain: Domain | None = None,
    correction: str | None = None,
) -> Verdict:
    """A density integrates to one over ``support`` (sympy ``integrate``; numeric grid fallback
    for the parameters via :func:`identity`)."""
    total = sp.simplify(sp.integrate(density, (var, *support), conds="none"))
    verdict = identity(
        total, 1, domain=domain, correction=correction or f"divide the density by {total}"
    )
    return Verdict(
        verdict.verdict,
        f"integral over {support} = {total}; {verdict.evidence}",
        verdict.method,
        printed=1,
        computed=total,
        correction=verdict.correction,
    )


def all_hold(parts: dict[str, Verdict], correction: str | None = None) -> Verdict:
    """Combine several sub-checks: fails if one fails (with the failing parts' corrections, or
    ``correction``); else unverifiable (inconclusive) if one is; else holds-under-convention if
    one is (naming the conventions); else holds."""
    evidence = "; ".join(
        f"[{name}: {v.verdict}, {v.method}] {v.evidence}" for name, v in parts.items()
    )
    methods = {v.method for v in parts.values()}
    method = "symbolic" if methods == {"symbolic"} else "+".join(sorted(methods))
    verdicts = {v.verdict for v in parts.values()}
    failing = [f"{name}: {v.correction}" for name, v in parts.items() if v.verdict == "fails"]
    if failing:
        return Verdict("fails", evidence, method, correction=correction or "; ".join(failing))
    for undecided in ("unverifiable", "inconclusive"):
        if undecided in verdicts:
            return Verdict(undecided, evidence, method)
    conventions = [f"{name}: {v.convention}" for name, v in parts.items()
                   if v.verdict == "holds-under-convention"]
    if conventions:
        return Verdict("holds-under-convention", evidence, method,
                       convention="; ".join(conventions))
    return Verdict("holds", evidence, method)


def none_derived(why: str) -> str:
    """The correction of a failing finding whose check derived none: it says why
    (:data:`simlab.finding.NO_CORRECTION`)."""
    return f"{NO_CORRECTION}{why}"


def verified_fix(fix: str, verified: bool, why_not: str) -> str:
    """A correction proposed by a check, printed only if the check verified it; otherwise
    "none derived" with the reason (``why_not``)."""
    return fix if verified else none_derived(f"{why_not} (the proposed fix '{fix}' did not "
                                             "pass its own check)")


#: the quantities a rate is stated for, and the power of the gradient norm (or of the distance
#: to the optimum) that each is, near a stationary point / the optimum: a rate's exponent for one
#: quantity converts to another only through these powers (E||g|| <= sqrt(E||g||^2) by Jensen;
#: f - f* >= mu/2 ||x - x*||^2 under mu-strong convexity), never by a generic rule.
RATE_QUANTITIES: dict[str, tuple[str, int]] = {
    "gradient norm": ("gradient", 1),
    "squared gradient norm": ("gradient", 2),
    # Theorem 2's E min{||g||, ||g||^2}: ||g||^2 where ||g|| <= 1, i.e. near stationarity
    "min{gradient norm, squared gradient norm}": ("gradient", 2),
    "distance": ("distance", 1),
    # under mu-strong convexity and L-smoothness, mu/2 d^2 <= f - f* <= L/2 d^2
    "function value (strongly convex)": ("distance", 2),
    "function value": ("function value", 1),
}


def compare_rate(computed, printed, *, what: str, computed_quantity: str,
                 printed_quantity: str, convention: str | None = None) -> Verdict:
    """A printed rate exponent vs the computed one, each for the quantity the paper names.

    ``computed_quantity`` is what the theorem bounds (e.g. "function value (strongly convex)"),
    ``printed_quantity`` what the paper says its printed rate is for; both are keys of
    :data:`RATE_QUANTITIES`, chosen from the paper's text, never inferred from the numbers. Same
    quantity: the exponents must be equal (holds), else fails. Different quantities that are
    powers of one base (||g|| and ||g||^2; the distance and a strongly convex function value):
    the computed exponent is converted by the ratio of the powers, and an equal converted exponent
    holds under ``convention`` (which must say why the paper's quantity is the converted one).
    Quantities of different bases never convert: the exponents are compared as they are.
    """
    computed, printed = sp.nsimplify(computed), sp.nsimplify(printed)
    for name in (computed_quantity, printed_quantity):
        if name not in RATE_QUANTITIES:
            raise ValueError(f"unknown rate quantity {name!r}; one of {sorted(RATE_QUANTITIES)}")
    (base_c, power_c), (base_p, power_p) = (RATE_QUANTITIES[computed_quantity],
                                            RATE_QUANTITIES[printed_quantity])
    converted = computed
    if base_c == base_p and power_c != power_p:
        converted = computed * sp.Rational(power_p, power_c)
    about = (f"{what}: the theorem bounds the {computed_quantity} (exponent {computed}); the "
             f"paper's rate is for the {printed_quantity}")
    if converted != computed:
        about += f", whose exponent is {computed}*{power_p}/{power_c} = {converted}"
    if sp.simplify(converted - printed) == 0:
        if converted == computed:
            return Verdict("holds", f"{about}: printed exponent {printed} = computed {converted}",
                           printed=printed, computed=converted)
        if not convention:
            raise ValueError("a rate converted between quantities needs the convention")
        return Verdict("holds-under-convention",
                       f"{about}: printed exponent {printed} = converted {converted}",
                       printed=printed, computed=converted, convention=convention)
    return Verdict(
        "fails",
        f"{about}: printed exponent {printed}, computed {converted}",
        printed=printed,
        computed=converted,
        correction=f"the exponent of the {printed_quantity} is {converted} ({what})",
    )
