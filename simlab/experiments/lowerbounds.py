"""The properties the lower-bound proofs of Zhang et al. 2020 use, checked on the hard instances
of :mod:`simlab.lowerbounds` (Theorem 5: Appendix F; Theorem 6: Appendix G, built on Arjevani et
al. 2019, Lemma 2, and Carmon et al. 2019): the table of ``simlab lowerbounds``.

**Cells -> findings.** Each property is measured by one check of a group (``theorem5``,
``zero-chain``, ``theorem6``; the keys are :data:`CHECKS`). A check that draws random numbers (a
worst-case search with seeded multi-start L-BFGS-B, or a Monte Carlo estimate) is a stored
:class:`simlab.run.Task` of :func:`measure`, computed through :func:`simlab.run.compute`; its seed
is the one derived from the task (:mod:`simlab.rng`), so a check's numbers depend on its group,
key, budget and instance only. The exact checks (sympy, mpmath, closed forms) run in the
analysis. A check returns what it measured (``value``, the paper's ``bound``, the ``relation``
between them, the ``allowance``: float64 rounding for exact checks, :data:`MC_STANDARD_ERRORS`
standard errors for Monte Carlo, stated in ``detail``); :func:`finding` derives the verdict and
the correction, a :class:`simlab.finding.Finding`.

The instances are named by an importable class (``factory``: ``"module:name"`` or the class);
the tests feed deliberately broken subclasses through the same route, and every check fails.

What the checks find (``simlab lowerbounds``, full budgets, 11 s on 2 shared cores; re-measured
with 0.3.0's derived seeds, the numbers below unchanged to the digits quoted): all 23
properties hold. Where the
stated constants are not sharp, the searched worst cases are: sup ||Hess f_d|| = 134.02 (stated
L0 = 152), sup ||grad f_d||_inf = 21.39 (stated 23); f_d(0) - inf f_d <= 11.234 d (stated 12 d,
exact: e sqrt(2 pi e) d in the limit). Sharp ones: gamma = 1/2 at alpha = 2, eps = 1/8;
sup E|g(x)|^alpha -> 1 as alpha -> 1 (0.9931 at alpha = 1.01); inf ||grad f_d|| over
prog_1(x) < d is exactly 1 (d = 1, x = +-1), so Zhang et al.'s "||grad f_d||^2 >= 1" holds while
the strict "> 1" of Arjevani et al. fails on that boundary (for d >= 2 the infimum is about 1.34).
The proof of Theorem 6 bounds the noisy coordinate by ||grad f_d||_inf <= 23, but that coordinate
(j = prog_1/4(x) + 1, where |x_j| <= 1/4 kills the Psi' term) is at most e^(3/2) = 4.48 in
absolute value: the alpha-moment bound holds with room, and p could be smaller by a factor of
about (23 / e^(3/2))^(alpha/(alpha-1)) (135 at alpha = 1.5), a constant, not the rate.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy
from scipy import optimize
from threadpoolctl import threadpool_limits

from simlab.errors import InputError
from simlab.finding import NO_CORRECTION, Finding
from simlab.lowerbounds import (
    THEOREM6_DEFAULT,
    ULP,
    Theorem5Instance,
    Theorem6Instance,
    ZeroChain,
    closed_form_p,
    noise_moment_factor,
    prog,
    prog_rows,
    psi_second,
    tridiagonal_matvec,
    tridiagonal_norm,
)
from simlab.run import Task, compute

#: Monte Carlo tolerance in standard errors: a correct oracle fails with probability < 1e-6
MC_STANDARD_ERRORS = 5.0
#: where each group's properties are stated
REFS = {
    "Theorem 5": "Zhang et al. 2020, Theorem 5 and Appendix F",
    "Theorem 6": "Zhang et al. 2020, Theorem 6 and Appendix G; Arjevani et al. 2019, Lemma 2",
}
#: the check keys of each group; those in RANDOMIZED draw random numbers (stored tasks)
CHECKS = {
    "theorem5": ("gamma", "curvature", "unbiased", "moment", "monte-carlo"),
    "zero-chain": ("suboptimality", "smoothness", "gradient-bound", "gradient-support",
                   "gradient-norm", "oracle", "monte-carlo"),
    "theorem6": ("suboptimality", "smoothness", "gradient-norm", "moment-exact", "moment",
                 "monte-carlo"),
}
RANDOMIZED = {
    "theorem5": {"gamma", "moment", "monte-carlo"},
    "zero-chain": {"smoothness", "gradient-bound", "gradient-support", "gradient-norm", "oracle",
                   "monte-carlo"},
    "theorem6": {"smoothness", "gradient-norm", "moment", "monte-carlo"},
}
THEOREM5_CHECKS, ZERO_CHAIN_CHECKS, THEOREM6_CHECKS = CHECKS.values()
#: the default instance of each group
FACTORIES = {"theorem5": Theorem5Instance, "zero-chain": ZeroChain, "theorem6": Theorem6Instance}
#: the fields a measured row carries (the JSON keeps them beside the finding's)
FIELDS = ("instance", "property", "value", "bound", "relation", "method", "allowance", "detail")

#: relation -> does ``value`` satisfy it against ``bound`` up to ``allowance``
RELATIONS: dict[str, Callable[[float, float, float], bool]] = {
    "<=": lambda value, bound, allowance: value <= bound + allowance,
    ">=": lambda value, bound, allowance: value >= bound - allowance,
    "==": lambda value, bound, allowance: abs(value - bound) <= allowance,
}


@dataclass(frozen=True)
class CheckSettings:
    """Budgets of the checks. ``quick`` is the small grid the tests and ``--quick`` use."""

    starts: int = 40  # seeded starts of every multi-start worst-case search
    samples: int = 1_000_000  # Monte Carlo draws per estimate
    adversarial_points: int = 20_000  # points of the prog / zero-chain searches
    chain_dimension: int = 6  # d of the chains searched for f_d's constants

    @classmethod
    def quick(cls) -> CheckSettings:
        return cls(starts=8, samples=200_000, adversarial_points=2_000, chain_dimension=4)


# ---------------------------------------------------------------------------------------------
# Measured rows and their findings
# ---------------------------------------------------------------------------------------------


def row(instance: str, prop: str, value, bound, relation: str, method: str, detail: str,
        allowance: float = 0.0) -> dict:
    """What one check measured: ``value`` (computed) ``relation`` ``bound`` (the paper's) up to
    ``allowance``. No verdict: :func:`finding` derives it."""
    return {"instance": instance, "property": prop, "value": float(value), "bound": float(bound),
            "relation": relation, "method": method, "allowance": float(allowance),
            "detail": detail}


def _correction(measured: dict) -> str:
    """What is true instead, derived from the check's own number (a search or an exact value
    gives the constant that holds; a Monte Carlo estimate rejects a property but gives none)."""
    value, bound, relation, method = (measured[k] for k in ("value", "bound", "relation",
                                                            "method"))
    if method == "monte-carlo":
        return (f"{NO_CORRECTION}the Monte Carlo estimate {value:.6g} is beyond {bound:.6g} by "
                f"more than the allowance {measured['allowance']:.3g}; a sampled estimate names "
                "no constant that holds")
    source = "the searched worst case" if method == "worst-case search" else "the exact value"
    if relation == "<=":
        return f"the bound must be at least {value:.6g} ({source}), not {bound:.6g}"
    if relation == ">=":
        return f"the bound can be at most {value:.6g} ({source}), not {bound:.6g}"
    return f"the value is {value:.6g} ({source}), not {bound:.6g}"


def finding(measured: dict) -> Finding:
    """The verdict of a measured row: ``holds`` when ``value relation bound`` up to the
    allowance, ``fails`` (with a derived correction) when not, ``unverifiable`` when the check
    produced no number (NaN)."""
    value, bound, allowance = measured["value"], measured["bound"], measured["allowance"]
    evidence = (f"{value:.6g} {measured['relation']} {bound:.6g} up to {allowance:.3g}: "
                f"{measured['detail']}")
    common = dict(evidence=evidence, method=measured["method"], printed=bound, computed=value,
                  subject=measured["property"], ref=REFS.get(measured["instance"], ""))
    if math.isnan(value):
        return Finding("unverifiable", **common)
    if RELATIONS[measured["relation"]](value, bound, allowance):
        return Finding("holds", **common)
    return Finding("fails", correction=_correction(measured), **common)


def as_row(measured: dict) -> dict:
    """The JSON row: the measured fields and the finding's (verdict, evidence, correction...)."""
    return measured | finding(measured).as_dict()


# ---------------------------------------------------------------------------------------------
# Searches
# ---------------------------------------------------------------------------------------------


def _minimize(objective, bounds, rng, starts: int, *, jac=None, extra_starts=()):
    """Multi-start L-BFGS-B from ``starts`` seeded uniform points in the box ``bounds`` (plus
    ``extra_starts``); returns (minimum found, its argument)."""
    low, high = np.array(bounds, dtype=float).T
    points = [np.asarray(s, dtype=float) for s in extra_starts]
    points += [rng.uniform(low, high) for _ in range(starts)]
    best_value, best_x = np.inf, None
    for start in points:
        # one BLAS thread: L-BFGS-B's tiny BLAS calls ran 30x slower with two (measured)
        with threadpool_limits(limits=1, user_api="blas"):
            result = optimize.minimize(objective, start, jac=jac, method="L-BFGS-B", bounds=bounds)
        value = float(objective(result.x)) if jac is None else float(result.fun)
        if value < best_value:
            best_value, best_x = value, np.array(result.x)
    return best_value, best_x


def _curvature_starts(k: int, scale: float = 1.0) -> list[np.ndarray]:
    """Structured starts for the Hessian searches: |Psi''| is largest at a computed t* in (1/2, 3),
    and Phi is largest far right, so try x_j = +-t*, x_{j+1} = +-6 for every j (times ``scale``)."""
    peak = optimize.minimize_scalar(
        lambda t: -abs(psi_second(t)), bounds=(0.5 + 1e-3, 3.0), method="bounded"
    ).x
    starts = []
    for j in range(k - 1):
        for sign_j in (1.0, -1.0):
            for sign_next in (1.0, -1.0):
                start = np.zeros(k)
                start[j], start[j + 1] = sign_j * peak, sign_next * 6.0
                starts.append(scale * start)
    return starts


def _gradient_norm_starts(d: int, scale: float = 1.0) -> list[np.ndarray]:
    """Structured starts for inf ||grad f_d|| over |x_d| <= 1: the chain walked to its end
    (x_i = c, x_d = t) and alternating-sign chains with |x_i| in (1/2, 1) (where a wider search
    put the infimum for d >= 3, about 1.341; the wider search: 60 uniform starts per d), each
    times ``scale``."""
    starts = [np.r_[np.full(d - 1, c), t] for c in (1.5, 3.0) for t in (-1.0, 1.0)]
    signs = (-1.0) ** np.arange(d)
    starts += [sign * c * signs for c in (0.6, 0.75, 0.9) for sign in (1.0, -1.0)]
    return [scale * start for start in starts]


def _adversarial_points(rng, count: int, d: int) -> np.ndarray:
    """Points whose entries sit on and next to the thresholds 0, 1/4, 1/2, 1 of prog_beta, Psi and
    the gradient-norm lemma, mixed with uniform entries in [-3, 3] and [-1/2, 1/2]."""
    edges = np.array([0.0, 0.25, 0.5, 1.0])
    edges = np.concatenate([edges, np.nextafter(edges, 2.0), np.nextafter(edges, -1.0)])
    edges = np.concatenate([edges, -edges])
    kind = rng.integers(0, 3, size=(count, d))
    points = np.where(
        kind == 0,
        rng.uniform(-3.0, 3.0, (count, d)),
        np.where(kind == 1, rng.uniform(-0.5, 0.5, (count, d)), rng.choice(edges, size=(count, d))),
    )
    # make long zero tails common: the chain's structure is about where the support ends
    cut = rng.integers(0, d + 1, size=count)
    zero_tail = (np.arange(d)[None, :] >= cut[:, None]) & (rng.random((count, 1)) < 0.5)
    return np.where(zero_tail, 0.0, points)


def _mc_mean(samples) -> tuple[float, float]:
    """Sample mean and its standard error."""
    samples = np.asarray(samples, dtype=float)
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(samples.size))


# ---------------------------------------------------------------------------------------------
# Theorem 5 (Appendix F)
# ---------------------------------------------------------------------------------------------

#: the admissible box searched: alpha in (1, 2] (from 1.01: below, gamma underflows for small eps)
THEOREM5_ALPHA_RANGE = (1.01, 2.0)
THEOREM5_EPS_RANGE = (1e-2, 0.125)


def _theorem5(key: str, settings: CheckSettings, factory, rng, **_) -> list[dict]:
    """Check ``key`` of the properties Appendix F uses, for the instances
    ``factory(alpha, eps, nu)`` (gamma, mu = L = 1, the oracle's unbiasedness and alpha-moment)."""
    name = "Theorem 5"

    def want(k):
        return k == key

    box = [THEOREM5_ALPHA_RANGE, THEOREM5_EPS_RANGE]
    corners = [(a, e) for a in THEOREM5_ALPHA_RANGE for e in THEOREM5_EPS_RANGE]
    rows = []

    if want("gamma"):
        # gamma in (0, 1/2]: positivity holds by construction (a positive base to a real power;
        # float64 underflow is rejected by the constructor), the upper end is searched.
        neg_gamma, where = _minimize(
            lambda v: -factory(v[0], v[1], 0).gamma, box, rng, settings.starts, extra_starts=corners
        )
        rows.append(row(name, "gamma = (4 eps)^(1/(alpha-1)) in (0, 1/2]", -neg_gamma, 0.5, "<=",
                        "worst-case search",
                        f"sup over alpha in [1.01, 2], eps in [0.01, 1/8] (gamma grows in both) at "
                        f"alpha={where[0]:.4g}, "
                        f"eps={where[1]:.4g}; gamma > 0 by construction"))

    if want("curvature"):
        # f_b: mu = L = 1 and f_b(b) = 0 with b in the domain, exactly (sympy)
        x = sympy.Symbol("x", real=True)
        domain = sympy.Interval(0, sympy.Rational(1, 2))
        curvature_low, curvature_high, optimum_gap = sympy.oo, -sympy.oo, 0
        for nu in (0, 1):
            instance = factory(1.5, 0.125, nu)
            f = instance.objective_expression(x)
            curvature = sympy.diff(f, x, 2)
            curvature_low = sympy.Min(
                curvature_low, sympy.calculus.util.minimum(curvature, x, domain)
            )
            curvature_high = sympy.Max(
                curvature_high, sympy.calculus.util.maximum(curvature, x, domain)
            )
            b = sympy.nsimplify(instance.minimizer)
            gap = abs(f.subs(x, b)) + abs(f.subs(x, b) - sympy.calculus.util.minimum(f, x, domain))
            optimum_gap = sympy.Max(optimum_gap, gap if b in domain else sympy.oo)
        rows.append(row(name, "f_b is mu = 1 strongly convex (inf f_b'' on [0, 1/2])",
                        curvature_low, 1.0, ">=", "exact", "sympy: second derivative of f_b"))
        rows.append(row(name, "f_b is L = 1 smooth (sup f_b'' on [0, 1/2])", curvature_high, 1.0,
                        "<=", "exact", "sympy: second derivative of f_b"))
        rows.append(row(name, "f_b(b) = min f_b = 0 with b in [0, 1/2]", optimum_gap, 0.0, "==",
                        "exact", "sympy: |f_b(b)| + |f_b(b) - min f_b| over nu in {0, 1}"))

    if want("unbiased"):
        # unbiasedness, exactly: E g(x) from the two-point law in 50-digit arithmetic
        worst_bias = mpmath.mpf(0)
        with mpmath.workdps(50):
            for alpha in (1.01, 1.1, 1.5, 2.0):
                for eps in (1e-2, 1 / 32, 0.125):
                    for nu in (0, 1):
                        instance = factory(alpha, eps, nu)
                        for point in (0.0, 0.25, 0.5):
                            mean = mpmath.fsum(
                                mpmath.mpf(q) * mpmath.mpf(v) for q, v in instance.oracle_law(point)
                            )
                            gradient = mpmath.mpf(float(instance.gradient(point)))
                            worst_bias = max(worst_bias, abs(mean - gradient) / instance.b)
        rows.append(row(name, "oracle unbiased: E g(x) = f_b'(x)", float(worst_bias), 0.0, "==",
                        "exact",
                        "max |E g(x) - f_b'(x)| / b_nu over alpha in {1.01, 1.1, 1.5, 2}"
                        ", eps in {1e-2, 1/32, 1/8}, nu, x in {0, 1/4, 1/2}, law summed in "
                        "50 digits; allowance 64 ulp: float64 rounding of gamma, p_nu, 1/(2 gamma)",
                        allowance=64 * ULP))

    if want("moment"):
        # alpha-moment, worst case over (alpha, eps, x) and nu
        def moment(v, nu):
            instance = factory(v[0], v[1], nu)
            return sum(q * abs(g) ** v[0] for q, g in instance.oracle_law(v[2]))

        worst_moment, worst_at = -np.inf, None
        for nu in (0, 1):
            neg, where = _minimize(
                lambda v, nu=nu: -moment(v, nu),
                box + [(0.0, 0.5)],
                rng,
                settings.starts,
                extra_starts=[(a, e, xx) for a, e in corners for xx in (0, 0.5)],
            )
            if -neg > worst_moment:
                worst_moment, worst_at = -neg, (*where, nu)
        bound = factory(1.5, 0.125, 0).moment_bound
        rows.append(row(name, "alpha-moment E|g(x)|^alpha <= G^alpha = 1", worst_moment, bound,
                        "<=", "worst-case search",
                        f"exact moment of the two-point law, sup over alpha in [1.01, 2], "
                        f"eps in [0.01, 1/8], x in [0, 1/2], "
                        f"nu at alpha={worst_at[0]:.4g}, eps={worst_at[1]:.4g}, "
                        f"x={worst_at[2]:.4g}, nu={worst_at[3]}; the sup tends to 1 as alpha -> 1 "
                        f"(2^(1-alpha)), so the bound is sharp"))

    if want("monte-carlo"):
        # Monte Carlo, through sample_gradient
        n = settings.samples
        worst_z, worst_case = 0.0, None
        for nu in (0, 1):
            instance = factory(1.25, 0.125, nu)
            for point in (0.0, 0.5):
                mean, se = _mc_mean(instance.sample_gradient(np.full(n, point), rng))
                z = abs(mean - float(instance.gradient(point))) / se
                if z >= worst_z:
                    worst_z, worst_case = z, (nu, point)
        rows.append(row(name, "oracle unbiased (Monte Carlo)", worst_z, MC_STANDARD_ERRORS, "<=",
                        "monte-carlo",
                        f"max |mean - f_b'(x)| / standard error over nu in {{0, 1}}, "
                        f"x in {{0, 1/2}} at alpha=1.25, eps=1/8, n={n} each "
                        f"(worst nu={worst_case[0]}, x={worst_case[1]}); a correct oracle "
                        "exceeds 5 with probability < 1e-6"))
        instance = factory(1.25, 0.125, 0)
        exact = sum(q * abs(g) ** 1.25 for q, g in instance.oracle_law(0.5))
        mean, se = _mc_mean(np.abs(instance.sample_gradient(np.full(n, 0.5), rng)) ** 1.25)
        rows.append(row(name, "alpha-moment E|g(x)|^alpha <= 1 (Monte Carlo)", mean,
                        instance.moment_bound, "<=", "monte-carlo",
                        f"alpha=1.25, eps=1/8, nu=0, x=1/2 (the worst x: the moment is convex in "
                        f"x), n={n}; exact {exact:.6g}; allowance 5 standard errors",
                        allowance=MC_STANDARD_ERRORS * se))
    return rows


# ---------------------------------------------------------------------------------------------
# Theorem 6 (Appendix G): the zero chain f_d, then the scaled instance F
# ---------------------------------------------------------------------------------------------


def _zero_chain(key: str, settings: CheckSettings, factory, rng, p: float, **_) -> list[dict]:
    """Check ``key`` of the properties of f_d and g_d (Arjevani et al. 2019, Lemma 2; Appendix
    G, Lemma 17) for the chains ``factory(d, p)``."""
    name = "Theorem 6"
    d_search = settings.chain_dimension
    chain = factory(d_search, p)
    rows = []

    def want(k):
        return k == key

    if want("suboptimality"):
        # f_d(0) - inf f_d <= 12 d, exactly: inf f_d in closed form, the ratio grows with d
        dims = (1, 2, 10, 100, 10_000, 1_000_000)
        ratios = [(factory(d, p).value(np.zeros(d)) - factory(d, p).f_star) / d for d in dims]
        limit = mpmath.e * mpmath.sqrt(2 * mpmath.pi * mpmath.e)
        far = factory(10, p)
        far_gap = far.value(np.full(10, 1e8)) - far.f_star
        rows.append(row(name, "f_d(0) - inf f_d <= 12 d", max(ratios),
                        factory(1, p).suboptimality_per_dimension, "<=", "exact",
                        f"(f_d(0) - inf f_d)/d, inf f_d = -sqrt(2 pi e)(1 + (d-1)e), over d in "
                        f"{dims}; increasing in d with limit e sqrt(2 pi e) = {float(limit):.6g}; "
                        f"f_10(1e8, ..., 1e8) - inf f_10 = {far_gap:.2g}"))

    if want("smoothness"):
        # L0 = 152: sup of the Hessian's operator norm
        neg, where = _minimize(
            lambda v: -chain.hessian_norm(v),
            [(-6.0, 6.0)] * d_search,
            rng,
            settings.starts,
            extra_starts=_curvature_starts(d_search),
        )
        rows.append(row(name, "f_d is L0 = 152 smooth (sup ||Hess f_d||)", -neg, chain.smoothness,
                        "<=", "worst-case search",
                        f"d={d_search}, analytic tridiagonal Hessian, {settings.starts} seeded "
                        f"starts in [-6, 6]^d plus starts at the peak of |Psi''|; worst x = "
                        f"{np.round(where, 3).tolist()}"))

    if want("gradient-bound"):
        # ||grad f_d||_inf <= 23: every coordinate of a d = 3 chain (an interior one has the same
        # dependence on its three neighbours as in any longer chain), both signs
        small = factory(3, p)
        best = 0.0
        for j in range(3):
            for sign in (1.0, -1.0):

                def objective(v, j=j, sign=sign):
                    return -sign * small.gradient(v)[j]

                def jac(v, j=j, sign=sign):
                    return -sign * small.hessian(v)[j]

                neg, where = _minimize(
                    objective, [(-50.0, 50.0)] * 3, rng, settings.starts, jac=jac
                )
                best = max(best, -neg)
        rows.append(row(name, "||grad f_d||_inf <= 23", best, chain.gradient_bound, "<=",
                        "worst-case search", "sup of +-grad_j f_3, j = 1, 2, 3, over [-50, 50]^3"))

    if want("gradient-support"):
        # prog_0(grad f_d(x)) <= prog_{1/2}(x) + 1
        points = _adversarial_points(rng, settings.adversarial_points, d_search)
        excess = max(prog(chain.gradient(v), 0.0) - prog(v, 0.5) for v in points)
        rows.append(row(name, "prog_0(grad f_d(x)) <= prog_1/2(x) + 1", excess, 1.0, "<=",
                        "worst-case search",
                        f"max of prog_0(grad f_d(x)) - prog_1/2(x) over {len(points)} seeded "
                        f"points with entries on and beside the thresholds, d={d_search}"))

    if want("gradient-norm"):
        # ||grad f_d(x)|| >= 1 whenever prog_1(x) < d, i.e. |x_d| <= 1
        lowest, lowest_d = np.inf, None
        for d in range(1, d_search + 1):
            trial = factory(d, p)

            def squared_norm(v, trial=trial):
                return float(np.sum(trial.gradient(v) ** 2))

            def squared_norm_jac(v, trial=trial):
                return 2.0 * tridiagonal_matvec(*trial.hessian_bands(v), trial.gradient(v))

            value, where = _minimize(
                squared_norm,
                [(-50.0, 50.0)] * (d - 1) + [(-1.0, 1.0)],
                rng,
                settings.starts,
                jac=squared_norm_jac,
                extra_starts=_gradient_norm_starts(d),
            )
            if math.sqrt(value) < lowest:
                lowest, lowest_d = math.sqrt(value), d
        rows.append(row(name, "||grad f_d(x)|| >= 1 when prog_1(x) < d", lowest, 1.0, ">=",
                        "worst-case search",
                        f"inf over |x_d| <= 1 for d = 1..{d_search}, lowest at d={lowest_d}; "
                        "sharp at d = 1, x = +-1 (Phi'(1) = 1); allowance 4 ulp",
                        allowance=4 * ULP))

    if want("oracle"):
        points = _adversarial_points(rng, settings.adversarial_points, d_search)
        # oracle: exact unbiasedness and the zero-chain support, on the adversarial points
        worst_bias, support_excess = 0.0, -np.inf
        for v in points:
            gradient = chain.gradient(v)
            law = chain.oracle_law(v)
            mean = sum(q * g for q, g in law)
            scale = max(float(np.max(np.abs(gradient))), 1e-300)
            worst_bias = max(worst_bias, float(np.max(np.abs(mean - gradient))) / scale)
            reach = prog(v, 0.25)
            support_excess = max(
                support_excess, prog(law[0][1], 0.0) - reach - 1, prog(law[1][1], 0.0) - reach
            )
        rows.append(row(name, "zero-chain oracle unbiased: E g_d(x) = grad f_d(x)", worst_bias,
                        0.0, "==", "exact",
                        f"max_x ||E g_d(x) - grad f_d(x)||_inf / ||grad f_d(x)||_inf from the "
                        f"two-point law (p={p:g}) over the {len(points)} points; allowance 4 ulp "
                        f"(rounding of z/p)", allowance=4 * ULP))
        rows.append(row(name, "zero chain: prog_0(g_d(x)) <= prog_1/4(x) + z", support_excess, 0.0,
                        "<=", "worst-case search",
                        "max of prog_0(g_d(x)) - prog_1/4(x) - z over both outcomes z of the law "
                        f"and the {len(points)} points"))
    if want("monte-carlo"):
        n = settings.samples
        progressed = np.mean(
            prog_rows(chain.sample_gradient(np.zeros((n, d_search)), rng), 0.0) >= 1
        )
        rows.append(row(name, "zero chain: P(prog_0(g_d(0)) = prog_1/4(0) + 1) <= p (Monte Carlo)",
                        progressed, p, "<=", "monte-carlo",
                        f"frequency over n={n} draws at x=0, p={p:g}; allowance 5 binomial "
                        "standard errors",
                        allowance=MC_STANDARD_ERRORS * math.sqrt(p * (1 - p) / n)))
    return rows


def _theorem6(key: str, settings: CheckSettings, factory, rng, parameters: dict,
              **_) -> list[dict]:
    """Check ``key`` of the scaled instance F of the proof of Theorem 6 and its oracle
    (Appendix G), ``factory(**parameters)``."""

    def want(k):
        return k == key

    instance = factory(**parameters)
    name = "Theorem 6"
    alpha, eps, G = instance.alpha, instance.eps, instance.G
    d, scale, p = instance.chain.d, instance.scale, instance.chain.p
    label = ", ".join(f"{k}={v:g}" for k, v in parameters.items()) + f" (d={d}, p={p:.4g})"
    rows = []
    k = min(d, settings.chain_dimension)

    def embed(v):
        """x = lambda (v, 0, ..., 0): the searches move the first k coordinates."""
        x = np.zeros(d)
        x[:k] = scale * np.asarray(v)
        return x

    def noise_moment(x):
        """E||g(x) - grad F(x)||^alpha, exactly, from the two-point law."""
        gradient = instance.gradient(x)
        return sum(
            q * float(np.sum(np.abs(g - gradient) ** 2)) ** (alpha / 2)
            for q, g in instance.oracle_law(x)
        )

    if want("suboptimality"):
        # scalings
        rows.append(row(name, "F(0) - inf F <= Delta",
                        instance.value(np.zeros(d)) - instance.f_star, instance.Delta, "<=",
                        "exact", f"{label}; inf F = (L lambda^2/152) inf f_d in closed form"))
    if want("smoothness"):
        neg, _ = _minimize(
            lambda v: -tridiagonal_norm(*instance.hessian_bands(embed(v))),
            [(-6.0, 6.0)] * k,
            rng,
            settings.starts,
            extra_starts=_curvature_starts(k),
        )
        rows.append(row(name, "F is L smooth (sup ||Hess F||)", -neg, instance.L, "<=",
                        "worst-case search", f"{label}; x = lambda (y, 0), y in [-6, 6]^{k}"))

    if want("gradient-norm"):

        def squared_norm(x):
            return float(np.sum(instance.gradient(x) ** 2))

        def squared_norm_jac(x):
            return 2.0 * tridiagonal_matvec(*instance.hessian_bands(x), instance.gradient(x))

        box = [(-50.0 * scale, 50.0 * scale)] * (d - 1) + [(-scale, scale)]
        prefixes = [embed(rng.uniform(-3.0, 3.0, k)) for _ in range(settings.starts)]
        value, _ = _minimize(
            squared_norm,
            box,
            rng,
            max(2, settings.starts // 4),
            jac=squared_norm_jac,
            extra_starts=_gradient_norm_starts(d, scale) + prefixes,
        )
        rows.append(row(name, "||grad F(x)|| >= 2 eps when prog_1(x/lambda) < d", math.sqrt(value),
                        2 * eps, ">=", "worst-case search",
                        f"{label}; inf over |x_d| <= lambda (structured, prefix and uniform "
                        "starts); allowance 4 ulp", allowance=4 * ULP * 2 * eps))

    if want("moment-exact"):
        # alpha-moment: the proof's bound, exactly, and the worst case over x
        with mpmath.workdps(50):
            q = mpmath.mpf(p)
            factor = (1 - q) * (((1 - q) / q) ** (alpha - 1) + 1)
            proof_bound = float((2 * mpmath.mpf(eps) * 23) ** alpha * factor)
        rows.append(row(name, "alpha-moment: (46 eps)^alpha E|z/p - 1|^alpha <= G^alpha",
                        proof_bound, G**alpha, "<=", "exact",
                        f"{label}; E|z/p-1|^alpha = (1-p)[((1-p)/p)^(alpha-1) + 1] in 50 digits; "
                        f"closed-form p = {closed_form_p(eps, G, alpha):.4g} is an upper bound "
                        "on the smallest p"))

    if want("moment"):
        neg, _ = _minimize(
            lambda v: -noise_moment(embed(v)), [(-6.0, 6.0)] * k, rng, settings.starts
        )
        coordinate = abs(float((-neg / noise_moment_factor(p, alpha)) ** (1 / alpha))) / (2 * eps)
        rows.append(row(name, "alpha-moment E||g(x) - grad F(x)||^alpha <= G^alpha", -neg,
                        G**alpha, "<=", "worst-case search",
                        f"{label}; exact moment of the law, sup over x = lambda (y, 0), y in "
                        f"[-6, 6]^{k}; at the worst x the noisy |grad_j f_d| = {coordinate:.4g} "
                        f"(its sup is e^(3/2) = {math.e**1.5:.4g}, not 23: the proof's bound is "
                        f"loose)"))

    if want("monte-carlo"):
        # Monte Carlo through sample_gradient, in chunks
        n = settings.samples
        chunk = max(1, min(n, 2_000_000 // d))
        worst_z = 0.0
        x_points = (
            [np.zeros(d), embed([1.5, -1.2, 0.1] + [0.0] * (k - 3))] if k >= 3 else [np.zeros(d)]
        )
        moment_samples = []
        for x in x_points:
            gradient = instance.gradient(x)
            total, total_sq, moment_chunks = np.zeros(d), np.zeros(d), []
            for start in range(0, n, chunk):
                size = min(chunk, n - start)
                draws = instance.sample_gradient(np.broadcast_to(x, (size, d)), rng)
                total += draws.sum(axis=0)
                total_sq += ((draws - gradient) ** 2).sum(axis=0)
                moment_chunks.append(np.sum((draws - gradient) ** 2, axis=1) ** (alpha / 2))
            mean = total / n
            se = np.sqrt(np.maximum(total_sq / n - (mean - gradient) ** 2, 0.0) / (n - 1))
            # a coordinate whose every draw equals grad F exactly (total_sq == 0) is unbiased
            # exactly; any other coordinate is compared in standard errors (a constant shift
            # gives se = 0, hence z = inf)
            noisy = total_sq > 0
            gap = np.abs(mean - gradient)[noisy]
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(gap > 0, gap / se[noisy], 0.0)
            worst_z = max(worst_z, float(np.max(z, initial=0.0)))
            moment_samples.append(np.concatenate(moment_chunks))
        rows.append(row(name, "oracle unbiased (Monte Carlo)", worst_z, MC_STANDARD_ERRORS, "<=",
                        "monte-carlo",
                        f"{label}; max over coordinates and {len(x_points)} points of |mean - "
                        f"grad F| / standard error (coordinates whose draws all equal grad F "
                        f"count as exact),"
                        f" n={n} each"))
        mean, se = _mc_mean(moment_samples[-1])
        rows.append(row(name, "alpha-moment E||g(x) - grad F(x)||^alpha <= G^alpha (Monte Carlo)",
                        mean, G**alpha, "<=", "monte-carlo",
                        f"{label}; at x = lambda (1.5, -1.2, 0.1, 0, ...), n={n}; exact "
                        f"{noise_moment(x_points[-1]):.6g}; allowance 5 standard errors",
                        allowance=MC_STANDARD_ERRORS * se))
    return rows


# ---------------------------------------------------------------------------------------------
# Cells: one task per randomized check; the exact ones in the analysis
# ---------------------------------------------------------------------------------------------

_GROUPS = {"theorem5": _theorem5, "zero-chain": _zero_chain, "theorem6": _theorem6}


def factory_name(factory) -> str:
    """``"module:name"`` of an instance class (a task names what it computes by import path)."""
    return factory if isinstance(factory, str) else f"{factory.__module__}:{factory.__qualname__}"


def resolve(name: str):
    """The class a :func:`factory_name` names."""
    module, _, qualname = name.partition(":")
    try:
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError, ValueError) as error:
        raise InputError(f"cannot import the instance class {name!r}: {error}") from None
    return target


def measure(group: str, check: str, factory: str, starts: int, samples: int,
            adversarial_points: int, chain_dimension: int, p: float = 0.1,
            instance: list | None = None, seed: int | None = None) -> dict:
    """What check ``check`` of ``group`` measures, as columns :data:`FIELDS` (one entry per
    row): the function of the checks' :class:`Task` cells. ``seed`` (the task's) seeds the
    searches and the Monte Carlo draws; the exact checks take none. ``p`` is the zero chain's
    oracle probability; ``instance`` the Theorem 6 instance's arguments in the order of
    :data:`THEOREM6_DEFAULT`'s keys."""
    if check in RANDOMIZED[group] and seed is None:
        raise InputError(f"the {group} check {check!r} draws random numbers: it needs a seed")
    settings = CheckSettings(starts, samples, adversarial_points, chain_dimension)
    cls = resolve(factory)
    parameters = dict(zip(THEOREM6_DEFAULT, THEOREM6_DEFAULT.values() if instance is None
                          else instance, strict=True))
    rng = None if seed is None else np.random.default_rng(seed)
    rows = _GROUPS[group](check, settings, cls, rng, p=p, parameters=parameters)
    return {name: [r[name] for r in rows] for name in FIELDS}


def measure_checks(groups, settings: CheckSettings | None = None) -> list[dict]:
    """The measured rows of ``groups``, a list of ``(group, factory, extra, select)``
    (``extra``: :func:`measure`'s ``p`` or ``instance``; ``select``: a subset of the group's
    keys, None for all): every randomized check one task, all computed in one call."""
    settings = settings or CheckSettings()
    plan = []
    for group, factory, extra, select in groups:
        unknown = set(select or ()) - set(CHECKS[group])
        if unknown:
            raise InputError(f"unknown {group} checks {sorted(unknown)}; one of "
                             f"{', '.join(CHECKS[group])}")
        for key in CHECKS[group]:
            if select is None or key in select:
                params = dict(group=group, check=key, factory=factory_name(factory),
                              **dataclasses.asdict(settings), **extra)
                plan.append((params, Task(f"{__name__}:measure", params)
                             if key in RANDOMIZED[group] else None))
    results = compute([task for _, task in plan if task is not None])
    rows = []
    for params, task in plan:
        columns = measure(**params) if task is None else {
            name: np.asarray(values).tolist() for name, values in results[task].items()}
        rows += [dict(zip(FIELDS, values, strict=True))
                 for values in zip(*(columns[name] for name in FIELDS), strict=True)]
    return rows


def theorem5_checks(settings: CheckSettings | None = None, factory=Theorem5Instance,
                    select: Collection[str] | None = None) -> list[Finding]:
    """Every property Appendix F uses, for the instances ``factory(alpha, eps, nu)``.
    ``select``: a subset of :data:`THEOREM5_CHECKS` (default all)."""
    return [finding(r) for r in measure_checks([("theorem5", factory, {}, select)], settings)]


def zero_chain_checks(settings: CheckSettings | None = None, factory=ZeroChain, p: float = 0.1,
                      select: Collection[str] | None = None) -> list[Finding]:
    """The properties of f_d and g_d for the chains ``factory(d, p)``. ``select``: a subset of
    :data:`ZERO_CHAIN_CHECKS` (default all)."""
    return [finding(r) for r in measure_checks([("zero-chain", factory, {"p": p}, select)],
                                               settings)]


def theorem6_checks(settings: CheckSettings | None = None, factory=Theorem6Instance,
                    parameters: dict | None = None,
                    select: Collection[str] | None = None) -> list[Finding]:
    """The scaled instance F of the proof of Theorem 6, ``factory(**parameters)`` (default
    :data:`THEOREM6_DEFAULT`), and its oracle. ``select``: a subset of :data:`THEOREM6_CHECKS`."""
    return [finding(r) for r in measure_checks([("theorem6", factory,
                                                 _instance_argument(parameters), select)],
                                               settings)]


def _instance_argument(parameters: dict | None) -> dict:
    parameters = dict(THEOREM6_DEFAULT, **(parameters or {}))
    return {"instance": [float(parameters[k]) for k in THEOREM6_DEFAULT]}


def run_checks(quick: bool = False) -> list[dict]:
    """All rows, Theorem 5 then Theorem 6 (chain, then the scaled instance), as JSON rows
    (:func:`as_row`): every randomized check of the three groups computed in one call."""
    settings = CheckSettings.quick() if quick else CheckSettings()
    p = Theorem6Instance(**THEOREM6_DEFAULT).p
    groups = [("theorem5", Theorem5Instance, {}, None), ("zero-chain", ZeroChain, {"p": p}, None),
              ("theorem6", Theorem6Instance, _instance_argument(None), None)]
    return [as_row(r) for r in measure_checks(groups, settings)]
