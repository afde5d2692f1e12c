"""Predicted exponents of Zhang et al. 2020, derived symbolically from the bounds in the proofs.

Each function takes ``alpha`` as a sympy symbol (returns a sympy expression) or as a number in
(1, 2] (returns a float), so a rate experiment can compare a measured slope with the prediction
and the claims in :mod:`simlab.claims.zhang2020` can compare it with the printed exponent:
nothing is typed in twice. The exponents are computed with
:func:`exponent_of` from the bound's terms after substituting the
theorem's step size and threshold.

Results are cached (the arguments are hashable: numbers, sympy expressions, strings).
Internally alpha is written ``1 + a`` with ``a > 0`` so that sympy can decide the Max/Min of
exponents (for example ``Max(0, -alpha/(3 alpha - 2)) = 0``); the result is mapped back to alpha.

The bounds below are reconstructed from the published paper (NeurIPS 2020 / arXiv:1912.03194):
the extracted text lost the displayed formulas of the theorems and of the proofs; the step sizes
and thresholds are as printed in the extracted text.
"""

from __future__ import annotations

from functools import cache

import sympy as sp


def exponent_of(expr, var: sp.Symbol, point=sp.oo):
    """The exponent e with ``expr ~ var**e`` as ``var -> point`` (``oo`` or ``0``).

    Max/Min/sums/products/powers are taken apart term by term (all terms assumed positive: the
    exponent of a sum is the Max of the exponents at infinity, the Min at zero); anything else is
    ``limit(log(expr)/log(var))``. Logarithmic factors count as exponent 0.
    """
    expr = sp.sympify(expr)
    at_inf = point == sp.oo
    if var not in expr.free_symbols:
        return sp.Integer(0)
    if expr == var:
        return sp.Integer(1)
    if isinstance(expr, sp.Max):
        parts = [exponent_of(a, var, point) for a in expr.args]
        return sp.Max(*parts) if at_inf else sp.Min(*parts)
    if isinstance(expr, sp.Min):
        parts = [exponent_of(a, var, point) for a in expr.args]
        return sp.Min(*parts) if at_inf else sp.Max(*parts)
    if isinstance(expr, sp.Add):
        parts = [exponent_of(a, var, point) for a in expr.args]
        return sp.Max(*parts) if at_inf else sp.Min(*parts)
    if isinstance(expr, sp.Mul):
        return sp.Add(*[exponent_of(a, var, point) for a in expr.args])
    if isinstance(expr, sp.Pow) and var not in expr.exp.free_symbols:
        return sp.simplify(expr.exp * exponent_of(expr.base, var, point))
    if isinstance(expr, (sp.floor, sp.ceiling)):
        return exponent_of(expr.args[0], var, point)
    if isinstance(expr, sp.log):
        return sp.Integer(0)
    direction = "-" if at_inf else "+"
    return sp.simplify(sp.limit(sp.log(expr) / sp.log(var), var, point, direction))


ALPHA = sp.Symbol("alpha", positive=True)
_A = sp.Symbol("a", positive=True)  # alpha - 1 > 0
K = sp.Symbol("K", positive=True)
k = sp.Symbol("k", positive=True)
d = sp.Symbol("d", positive=True)
eps = sp.Symbol("epsilon", positive=True)
L, sigma, F0, G, mu, B = sp.symbols("L sigma F_0 G mu B", positive=True)


def _with_alpha(build, alpha):
    """Run ``build(alpha_expr)`` with alpha = 1 + a and return it in the caller's alpha."""
    numeric = not isinstance(alpha, sp.Basic) or alpha.is_number
    if numeric:
        value = sp.nsimplify(alpha)
        if not (1 < value <= 2):
            raise ValueError(f"alpha must lie in (1, 2], got {alpha}")
        return float(build(value))
    out = sp.sympify(build(1 + _A)).subs(_A, alpha - 1)
    # simplify is slow on unevaluated Max/Min (a piecewise exponent); simplify their pieces only
    if out.has(sp.Max, sp.Min):
        return out.replace(lambda e: isinstance(e, (sp.Max, sp.Min)),
                           lambda e: e.func(*[sp.simplify(arg) for arg in e.args]))
    return sp.simplify(out)


# ----------------------------------------------------------------------------- Theorem 2
def theorem2_parameters(alpha, version: str = "appendix"):
    """(tau, eta) of Theorem 2 as printed: ``version="main"`` (Section 3) or ``"appendix"``
    (Appendix C). Both are in the extracted text.

    main:     eta = min{1/(4L), sigma^a/(L tau^a), 1/(24 L tau)},
              tau = max{2, 48^(1/(a-1)) sigma^(a/(a-1)), 8 sigma,
                        (F0/(sigma^2 K))^(a/(3a-2)) / L^((2a-2)/(3a-2))}
    appendix: eta = min{1/(4L), 1/(L tau^a), 1/(24 L tau)},
              tau = max{2, 48^(1/(a-1)) sigma^(a/(a-1)), 8 sigma, sigma K^(1/(3a-2))}
    """
    first = [sp.Integer(2), 48 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)), 8 * sigma]
    if version == "main":
        tau = sp.Max(*first, (F0 / (sigma ** 2 * K)) ** (alpha / (3 * alpha - 2))
                     / L ** ((2 * alpha - 2) / (3 * alpha - 2)))
        eta = sp.Min(1 / (4 * L), sigma ** alpha / (L * tau ** alpha), 1 / (24 * L * tau))
    elif version == "appendix":
        tau = sp.Max(*first, sigma * K ** (1 / (3 * alpha - 2)))
        eta = sp.Min(1 / (4 * L), 1 / (L * tau ** alpha), 1 / (24 * L * tau))
    else:
        raise ValueError(f"version must be 'main' or 'appendix', got {version!r}")
    return tau, eta


def theorem2_bound(alpha, tau, eta):
    """The bound the proof of Theorem 2 (App. C) reaches on (1/K) sum_k E min{|grad|, |grad|^2},
    up to constants (reconstructed: the displayed formulas were lost in the extracted text):

        F0/(eta K)                      (T1: telescoped descent)
      + sigma^(2a) tau^(2-2a)           (squared clipping bias, Lemma 10: sigma^a/(tau/2)^(a-1))
      + L eta sigma^a tau^(2-a)         (variance of the clipped gradient, times L eta)
    """
    return (F0 / (eta * K) + sigma ** (2 * alpha) * tau ** (2 - 2 * alpha)
            + L * eta * sigma ** alpha * tau ** (2 - alpha))


@cache
def theorem2_exponent(alpha=ALPHA, version: str = "appendix"):
    """Exponent of K of (1/K) sum_k E[min{||grad f(x_k)||, ||grad f(x_k)||^2}] implied by the
    proof's bound after substituting Theorem 2's printed tau and eta (``version`` main/appendix).

    Appendix C's choice gives -2(alpha-1)/(3alpha-2), the stated rate. The main text's fourth
    tau term decreases in K, so tau and eta stay bounded and the bound does not vanish: 0.
    """
    def build(a):
        tau, eta = theorem2_parameters(a, version)
        return exponent_of(theorem2_bound(a, tau, eta), K)
    return _with_alpha(build, alpha)


# ----------------------------------------------------------------------------- Theorem 4 / 8
def theorem4_terms(alpha, tau_power):
    """The per-step error of the proof of Theorem 4 (App. D) multiplied by the weight k, with
    eta_k = 4/(mu(k+1)) and tau_k = G k^p (reconstructed from the proof; Lemma 9). From
    D_k <= (1 - mu eta_k/2) D_(k-1) - 2 eta_k (f - f*) + eta_k^2 E||g_hat||^2
    + (2 eta_k/mu) ||E g_hat - grad f||^2 (bias split by 2<b, x-x*> <= (mu/2)|x-x*|^2
    + (2/mu)|b|^2), divided by 2 eta_k and multiplied by k:

        k eta_k G^a tau_k^(2-a) / 2        (variance, E||g_hat||^2 <= G^a tau^(2-a))
      + k G^(2a) tau_k^(2-2a) / mu         (bias, ||E g_hat - grad f||^2 <= G^(2a) tau^(-2(a-1)))

    With p = 1/alpha both are of order k^((2-alpha)/alpha), the sum the proof bounds.
    """
    eta_k = 4 / (mu * (k + 1))
    tau_k = G * k ** tau_power
    return (k * eta_k * G ** alpha * tau_k ** (2 - alpha) / 2
            + k / mu * G ** (2 * alpha) * tau_k ** (2 - 2 * alpha))


@cache
def theorem4_exponent(alpha=ALPHA, tau_power=None):
    """Exponent of k of E f(x_bar_k) - f* for proj-GClip with tau_k = G k^p (default
    p = 1/alpha, the schedule of Appendix D; the main text prints p = alpha - 1).

    The weighted sum of the per-step terms grows like K^max(e+1, 0) where e is the exponent of
    :func:`theorem4_terms`, and is divided by K(K+1)/2.
    """
    def build(a):
        p = 1 / a if tau_power is None else sp.sympify(tau_power).subs(ALPHA, a)
        per_step = exponent_of(theorem4_terms(a, p), k)
        weights = exponent_of(K * (K + 1) / 2, K)
        return sp.Max(per_step + 1, 0) - weights
    return _with_alpha(build, alpha)


@cache
def theorem4_best_tau_power(alpha=ALPHA):
    """The p in tau_k = G k^p that balances the variance and bias terms of
    :func:`theorem4_terms` (solved by sympy): 1/alpha."""
    p = sp.Symbol("p", real=True)

    def build(a):
        e_var = exponent_of(k / (k + 1) * (k ** p) ** (2 - a), k)
        e_bias = exponent_of(k * (k ** p) ** (2 - 2 * a), k)
        (solution,) = sp.solve(sp.Eq(e_var, e_bias), p)
        return solution
    return _with_alpha(build, alpha)


@cache
def corollary7_d_exponent(alpha=ALPHA):
    """Exponent of d of Corollary 7's bound 16 ||B||_alpha^2 / (mu (k+1)^...) with equal
    B_i = B: ||B||_alpha^2 = (d B^alpha)^(2/alpha), so 2/alpha."""
    return _with_alpha(lambda a: exponent_of((d * B ** a) ** (2 / a), d), alpha)


@cache
def theorem8_d_exponent(alpha=ALPHA):
    """Exponent of d of Theorem 8's bound 16 ||B||_2^2 / (mu (k+1)^...) with equal B_i = B:
    ||B||_2^2 = d B^2, so 1 (whatever alpha)."""
    return _with_alpha(lambda a: exponent_of(d * B ** 2, d), alpha)


# ----------------------------------------------------------------------------- lower bounds
def appendix_f_quantities(alpha):
    """The construction of Appendix F (reconstructed where the text lost it): gamma, p_0, p_1,
    b_0, b_1 and the chi-square bound (p0-p1)^2/(p1(1-p1)) on KL(Bern(p0)||Bern(p1))."""
    gamma = (4 * eps) ** (1 / (alpha - 1))
    p0 = gamma ** alpha
    p1 = gamma ** alpha - 2 * gamma * eps
    chi2 = (p0 - p1) ** 2 / (p1 * (1 - p1))
    return {"gamma": gamma, "p0": p0, "p1": p1, "b0": 2 * eps, "b1": eps, "chi2": chi2}


@cache
def theorem5_exponent(alpha=ALPHA):
    """Exponent of k of Theorem 5's lower bound, derived from Appendix F: k KL <= k chi2(eps) is
    held at a constant, chi2 ~ eps^e as eps -> 0, so eps ~ k^(-1/e), and the error is of order
    eps^2: exponent -2/e = -2(alpha-1)/alpha."""
    def build(a):
        e = exponent_of(sp.simplify(appendix_f_quantities(a)["chi2"]), eps, point=0)
        return -2 / e
    return _with_alpha(build, alpha)


@cache
def theorem6_exponent(alpha=ALPHA):
    """Exponent of k of Theorem 6's lower bound on E||grad f(x_k)||, derived from Appendix G:

    the scaled oracle's noise is 2 eps (g_d - grad f_d) with alpha-moment
    (2 eps)^a 23^a E|z/p - 1|^a <= (2 eps)^a 23^a 2 / p^(a-1) = sigma^a, so p ~ eps^(a/(a-1));
    d = floor(Delta L/(7296 eps^2)) ~ eps^-2; no algorithm finds an eps-stationary point before
    k = (d-1)/(2p) ~ eps^-(2 + a/(a-1)); inverting, eps ~ k^(-(a-1)/(3a-2)).
    """
    def build(a):
        p = ((2 * eps * 23) ** a * 2 / sigma ** a) ** (1 / (a - 1))
        dim = sp.Symbol("Delta", positive=True) * L / (7296 * eps ** 2)
        steps_exponent = exponent_of(dim / p, eps, point=0)  # k ~ eps^steps_exponent
        return 1 / steps_exponent  # eps ~ k^(1/steps_exponent)
    return _with_alpha(build, alpha)
