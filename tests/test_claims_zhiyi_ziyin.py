"""Tests of the Zhiyi & Ziyin claims (simlab/claims/zhiyi_ziyin/, one module per section).

Every checker is fed a deliberately wrong variant (changed exponent, changed constant, wrong
convention, wrong mode) and must say "fails"; the printed or corrected formula must say "holds".
Monte Carlo checks use fixed seeds; their decision level (KS p >= 1e-3) is in the module.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import sympy as sp

from simlab.claims import NO_CORRECTION, VERDICTS, all_claims
from simlab.claims import zhiyi_ziyin as zz
from simlab.claims.zhiyi_ziyin import common, dependent_xu, exponential_averaging, preliminaries
from simlab.claims.zhiyi_ziyin import theorem_corollaries, update_law

m, k, g, x, z = zz.m, zz.k, zz.g, zz.x, zz.z


@pytest.fixture(scope="module")
def records():
    """Every zhiyi-ziyin claim run once (the module's full check run)."""
    return {claim.id: claim.run() for claim in all_claims("zhiyi-ziyin")}


# --------------------------------------------------------------------------- the whole paper


def test_every_claim_returns_a_computed_verdict(records):
    assert len(records) >= 55
    for claim_id, record in records.items():
        assert record["paper"] == "zhiyi-ziyin"
        assert record["verdict"] in VERDICTS, claim_id
        assert record["evidence"], claim_id
        assert record["method"] in {"symbolic", "numeric", "monte-carlo",
                                    "symbolic+monte-carlo", "symbolic+numeric"}, claim_id
        if record["verdict"] == "fails":
            assert record["correction"], claim_id
            assert "see evidence" not in record["correction"], claim_id
        if record["verdict"] == "holds-under-convention":
            assert record["convention"], claim_id


def test_every_equation_from_5_to_34_is_covered(records):
    refs = " ".join(record["ref"] for record in records.values())
    for number in range(5, 35):
        assert f"eq. {number}" in refs, number
    for ref in ("Theorem 1", "Corollary 1", "Corollary 2", "Proposition 1"):
        assert ref in refs


def test_known_correct_claims_hold(records):
    for claim_id in (
        "zz-eq5-density",
        "zz-eq6-density",
        "zz-eq21",
        "zz-eq28",
        "zz-eq29",
        "zz-beta-0.99-example",
        "zz-eq7-mean",
        "zz-proposition1",
    ):
        assert records[claim_id]["verdict"] == "holds", claim_id


def test_convention_dependent_claims_name_their_convention(records):
    expected = {
        "zz-eq23": "c = m",
        "zz-eq24-mean": "c = m",
        "zz-eq24-mean-c-m-minus-1": "c = m - 1",
        "zz-eq30": "c = m",
        "zz-corollary1": "c = m",
        "zz-corollary2": "c = m",
        "zz-eq32": "c = m - 1",
        "zz-eq33": "c = m - 1",
    }
    for claim_id, convention in expected.items():
        record = records[claim_id]
        assert record["verdict"] == "holds-under-convention", claim_id
        assert record["convention"].startswith(convention), claim_id


def test_known_errata_fail_with_derived_corrections(records):
    expected_in_correction = {
        "zz-eq7-density": "power of (m - 1) in the constant is m/2 - 1/2, printed m - 1/2",
        "zz-eq7-variance": "2*(m - 2)*(m - 1)**2/((m - 5)*(m - 3)**2)",
        "zz-eq7-divergence": "m <= 5",
        "zz-eq8-mean": "mu*(1 - beta**m)",
        "zz-eq8-variance": "(1 - beta**(2*m))",
        "zz-beta-0.9-example": "1/19",
        "zz-eq19": "e^(-z/(2k))",
        "zz-eq27": "1/(pi*sqrt(g)*sqrt(2 - g))",
        "zz-eq34-equality-limit": "(-2 + pi)/pi",
        "zz-theorem1": "c_n = t",
        "zz-fig2-transition": "m = 3",
        "zz-m-to-1-mixture": "delta(g - 1) alone",
    }
    for claim_id, fragment in expected_in_correction.items():
        record = records[claim_id]
        assert record["verdict"] == "fails", claim_id
        assert fragment in record["correction"], (claim_id, record["correction"])


# --------------------------------------------------------------------------- generic helpers


def test_compare_detects_a_changed_exponent_and_accepts_the_identity():
    points = zz.K_POINTS
    equal, method, _ = zz.compare(zz.EQ21, zz.k_density(), points)
    assert equal and method == "symbolic"
    wrong = k ** (-sp.S.Half) * (1 - k) ** ((m - 1) / 2) / sp.beta((m - 1) / 2, sp.S.Half)
    equal, method, evidence = zz.compare(wrong, zz.k_density(), points)
    assert not equal and method == "numeric" and "printed" in evidence


def test_moment_matches_rejects_a_wrong_mean():
    assert zz.moment_matches(1 / m, k * zz.k_density(), k, 0, 1, zz._grid())[0]
    assert not zz.moment_matches(1 / (m + 1), k * zz.k_density(), k, 0, 1, zz._grid())[0]


def test_under_conventions_three_outcomes():
    assert zz.under_conventions(zz.EQ30, zz.xg_density, zz._x_points, "f").verdict == (
        "holds-under-convention"
    )
    wrong_constant = zz.EQ30 * sp.Rational(101, 100)
    verdict = zz.under_conventions(wrong_constant, zz.xg_density, zz._x_points, "f")
    assert verdict.verdict == "fails" and "c = m - 1" in verdict.correction
    # a law that does not involve c holds under both
    both = zz.under_conventions(
        zz.EQ28, lambda _c: zz.xk_density(), lambda _c: zz._x_points(m), "f"
    )
    assert both.verdict == "holds"


def test_check_mode_accepts_a_true_mode_and_rejects_a_wrong_one():
    beta_3_5 = 105 * k**2 * (1 - k) ** 4  # Beta(3, 5): mode (3-1)/(3+5-2) = 1/3
    assert zz.check_mode(beta_3_5, k, sp.Rational(1, 3), sp.S.Zero, sp.S.One, (4,))[0]
    assert not zz.check_mode(beta_3_5, k, sp.Rational(1, 2), sp.S.Zero, sp.S.One, (4,))[0]
    # no grid: a printed mode one part in 10^6 off is rejected, the analytic one accepted
    near = sp.Rational(1, 3) + sp.Rational(1, 10**6)
    assert not zz.check_mode(beta_3_5, k, near, sp.S.Zero, sp.S.One, (4,))[0]
    # a density decreasing on its support has its mode at the lower end (analysis, not a grid)
    mode, note = common.mode_by_analysis(zz.k_density(), k, sp.S.Zero, sp.S.One, 7)
    assert mode == 0 and "signs [-1]" in note


def test_positive_polynomial_certificate():
    assert zz.positive_polynomial(m - 3, m, 5)
    assert not zz.positive_polynomial(m - 7, m, 5)
    assert zz.positive_polynomial(-sp.diff(zz.f_variance(), m), m, 5)


def test_geometric_sum_and_limit_helpers():
    assert (
        sp.simplify(
            zz.geometric_sum(zz.beta ** (m - zz.i_index)) - (1 - zz.beta**m) / (1 - zz.beta)
        )
        == 0
    )
    assert zz.gamma_ratio_limit() == sp.Rational(1, 2)
    assert sp.simplify(zz.limit_m_to_infinity(zz.xg_density(m)) - zz.EQ31) == 0
    # a wrong power of m in the constant changes the limit
    assert zz.limit_m_to_infinity(zz.xg_density(m) * sp.sqrt(m)) == sp.oo


def test_ks_helper_separates_laws():
    # seed 3, 20 000 draws: a correct law gives a large p-value, a wrong scale a tiny one
    sample = np.random.default_rng(3).standard_normal(20_000)
    assert zz.ks_verdict(sample, scipy.stats.norm.cdf) > zz.KS_LEVEL
    assert zz.ks_verdict(1.1 * sample, scipy.stats.norm.cdf) < zz.KS_LEVEL


# ------------------------------------------------------------------------ claims fed wrong variants


def test_eq7_constant_variant(monkeypatch):
    assert preliminaries.check_eq7().verdict == "fails"
    fixed = zz.f_density_constant() * z ** (-sp.S.Half) / (m - 1 + z) ** (m / 2)
    monkeypatch.setattr(preliminaries, "EQ7", fixed)
    assert preliminaries.check_eq7().verdict == "holds"


def test_eq7_variance_variant(monkeypatch):
    monkeypatch.setattr(preliminaries, "EQ7_VARIANCE", 2 * (m - 1) ** 2 * (m - 2) / ((m - 3) ** 2 * (m - 5)))
    assert preliminaries.check_eq7_variance().verdict == "holds"
    monkeypatch.setattr(preliminaries, "EQ7_VARIANCE", 2 * (m - 1) ** 2 * (m - 2) / ((m - 3) ** 2 * (m - 4)))
    assert preliminaries.check_eq7_variance().verdict == "fails"


def test_eq8_off_by_one_variant(monkeypatch):
    corrected = zz.sigma**2 * (1 - zz.beta) ** 2 * (1 - zz.beta ** (2 * m)) / (1 - zz.beta**2)
    monkeypatch.setattr(exponential_averaging, "EQ8_VARIANCE", corrected)
    assert exponential_averaging.check_eq8_variance().verdict == "holds"
    monkeypatch.setattr(exponential_averaging, "EQ8_MEAN", zz.mu * (1 - zz.beta**m))
    assert exponential_averaging.check_eq8_mean().verdict == "holds"


def test_eq10_corrected_exponent_holds(monkeypatch):
    b = zz.beta
    corrected = zz.sigma**2 * (1 - b) / (1 + b) * (1 + b**m) / (1 - b**m)
    monkeypatch.setattr(exponential_averaging, "EQ10", corrected)
    assert exponential_averaging.check_eq10().verdict == "holds"


def test_eq19_corrected_exponential_holds(monkeypatch):
    corrected = zz.EQ19.subs(sp.exp(-z / k), sp.exp(-z / (2 * k)))
    monkeypatch.setattr(dependent_xu, "EQ19", corrected)
    assert dependent_xu.check_eq19().verdict == "holds"


def test_eq19_fix_is_printed_only_if_it_repairs_the_formula(monkeypatch):
    # the printed eq. 19 fails and its fix (e^(-z/(2k))) is verified by the same comparison;
    # doubled, the fix no longer repairs it, so the correction says none was derived
    assert "e^(-z/(2k))" in dependent_xu.check_eq19().correction
    monkeypatch.setattr(dependent_xu, "EQ19", 2 * zz.EQ19)
    wrong = dependent_xu.check_eq19()
    assert wrong.verdict == "fails" and wrong.correction.startswith(NO_CORRECTION)
    assert "did not pass its own check" in wrong.correction


def test_ks_outcome_three_outcomes():
    # p-values as given: both above KS_LEVEL hold, one names its convention, none fails
    assert preliminaries.ks_outcome({"a": 0.5, "b": 0.2}, "e", "L").verdict == "holds"
    one = preliminaries.ks_outcome({"a": 0.5, "b": 1e-9}, "e", "L", lambda n: f"only {n}")
    assert one.verdict == "holds-under-convention" and one.convention == "only a"
    none = preliminaries.ks_outcome({"a": 1e-9, "b": 1e-9}, "e", "L")
    assert none.verdict == "fails" and none.correction.startswith(NO_CORRECTION)


def test_mode_correction_is_verified():
    # d/dk log f_K < 0 on (0, 1) for m >= 3 is checked on a grid before it is printed
    text = dependent_xu._no_interior_mode_text("k", "1")
    assert text.startswith("no interior mode") and "m >= 3" in text


def test_eq26_changed_constant_fails(monkeypatch):
    assert dependent_xu.check_eq26().verdict == "holds-under-convention"
    monkeypatch.setattr(dependent_xu, "EQ26", g ** (-sp.S.Half) / (2 * sp.sqrt(2)) * sp.Rational(11, 10))
    assert dependent_xu.check_eq26().verdict == "fails"


def test_eq33_both_conventions(monkeypatch):
    monkeypatch.setattr(update_law, "EQ33", 1 / (2 * sp.sqrt(3)))
    verdict = update_law.check_eq33()
    assert verdict.verdict == "holds-under-convention" and verdict.convention == "c = m (eq. 14)"
    monkeypatch.setattr(update_law, "EQ33", sp.Rational(1, 3))
    assert update_law.check_eq33().verdict == "fails"


def test_corollary2_changed_constant_fails(monkeypatch):
    # the printed formula is the check's keyword argument (its mutant, Claim.mutant)
    changed = zz.COR2.subs(sp.pi, 3)
    assert theorem_corollaries.check_corollary2(printed=changed).verdict == "fails"


def test_index_shift_correction_finds_the_shift_or_none():
    mean = zz.ema_moments()[0]
    assert "m -> m + 1" in zz.index_shift_correction(zz.EQ8_MEAN, mean, zz.EMA_POINTS, m)
    # a wrong constant is not an off-by-one
    assert zz.index_shift_correction(2 * zz.EQ8_MEAN, mean, zz.EMA_POINTS, m) is None


def test_scipy_agrees_rejects_a_wrong_reference():
    chi2 = zz.chi2_density(zz.chi2_var, m)
    assert zz.scipy_agrees(chi2, zz.chi2_var, scipy.stats.chi2, [(3, 2.5)])[0]
    assert not zz.scipy_agrees(chi2, zz.chi2_var, lambda d: scipy.stats.chi2(d + 1), [(3, 2.5)])[0]
