"""Claims of Zhiyi & Ziyin, *On the Distributional Properties of Adaptive Gradients*, eq. 5 to 34.

Every formula from eq. (5) to eq. (34), the facts stated between them, Corollaries 1-2,
Theorem 1 and Proposition 1 are encoded *as printed*. The extracted text kept all of these
formulas as LaTeX, so none had to be rebuilt from the published paper; the one claim marked
``reconstructed=True`` is eq. (11), whose printed limit "beta -> oo" is read as the text's
"beta -> 1". Each check derives the same object independently and compares:

* the reference laws are sympy.stats' (chi-squared, Student t, F, Beta), cross-checked with
  scipy.stats (densities at stated points, and CDFs for the Monte Carlo KS tests);
* the law of K = X_m^2 / (X_m^2 + H) (eq. 15) is derived by the paper's own route, a change of
  variables (Jacobian by ``sympy.diff``) followed by a sympy integral over z; every later density
  (G = cK, X_k = +-sqrt(K), X_g = +-sqrt(G)) is a sympy change of variables of that derived law;
* identities are decided on an exact grid of parameter values at 30 significant digits (mpmath),
  then, when they agree, proved by ``sympy.simplify`` where it can ("symbolic"), otherwise the
  verdict says "numeric" and names the grid;
* moments and normalisations are mpmath quadratures (tanh-sinh, 30 digits) over the same grid:
  sympy returns hypergeometric or Piecewise answers for symbolic m and takes seconds per
  integral, so numerics keep the full run short (about 15 s of CPU for all claims), and the
  evidence says so;
* statements about sampling (Student's t, Theorem 1, Proposition 1) are also Monte Carlo tests
  with a fixed seed and sample size (KS p-value against scipy.stats, rejected below 1e-3).

The paper uses two normalisations of the preconditioner, c = m and c = m - 1 (eq. 14). Claims
about G, X_g and the variance of the update are checked under both: a claim that holds under only
one gets "holds-under-convention" and names it; one that holds under neither "fails", with the
c = m (and c = m - 1) derivations as the correction. (Eq. 23, 24, 26, 30 and Corollaries 1-2 hold
under c = m; eq. 32 and 33 only under c = m - 1, so they do not follow from eq. 30 as printed.)

Off-by-one errors are diagnosed, not assumed: ``index_shift_correction`` tries m -> m +- 1 on the
printed formula and reports the shift that makes it equal to the derivation. ``errata()`` runs
every claim and returns the failing ones with their derived corrections.

Helpers (``compare``, ``quad_on_grid``, ``moment_matches``, ``positive_polynomial``,
``under_conventions``, ``check_mode``, ``index_shift_correction``, ``scipy_agrees``,
``ks_verdict``, ``geometric_sum``, ``limit_m_to_infinity``) are generic and small so they can
move to ``checks.py``.
"""

from __future__ import annotations

from simlab.claims import Claim, all_claims

# the sections, imported in the paper's order: their claims register in this order
from simlab.claims.zhiyi_ziyin import (  # noqa: F401
    preliminaries,
    exponential_averaging,
    dependent_xu,
    update_law,
    theorem_corollaries,
    section6,
)
from simlab.claims.zhiyi_ziyin.common import (
    KS_LEVEL,
    PAPER,
    _grid,
    beta,
    check_mode,
    chi2_density,
    compare,
    g,
    gamma_ratio_limit,
    index_shift_correction,
    k,
    k_density,
    ks_verdict,
    limit_m_to_infinity,
    m,
    moment_matches,
    mu,
    positive_polynomial,
    scipy_agrees,
    sigma,
    under_conventions,
    x,
    xg_density,
    xk_density,
    z,
)
from simlab.claims.zhiyi_ziyin.preliminaries import (
    check_eq7,
    check_eq7_variance,
    chi2_var,
    f_density_constant,
    f_variance,
)
from simlab.claims.zhiyi_ziyin.exponential_averaging import (
    EMA_POINTS,
    EQ8_MEAN,
    check_eq10,
    check_eq8_mean,
    check_eq8_variance,
    ema_moments,
    geometric_sum,
    i_index,
)
from simlab.claims.zhiyi_ziyin.dependent_xu import (
    EQ19,
    EQ21,
    K_POINTS,
    check_eq19,
    check_eq26,
)
from simlab.claims.zhiyi_ziyin.update_law import (
    EQ28,
    EQ30,
    EQ31,
    _x_points,
    check_eq33,
)
from simlab.claims.zhiyi_ziyin.theorem_corollaries import (
    COR2,
    check_corollary2,
)



def zhiyi_ziyin_claims() -> list[Claim]:
    """All claims of this paper (registered when its section modules are imported)."""
    return all_claims(PAPER)


def errata() -> list[dict]:
    """Run every claim; the records whose verdict is "fails" (with their derived corrections)."""
    return [
        record for record in (c.run() for c in zhiyi_ziyin_claims()) if record["verdict"] == "fails"
    ]
