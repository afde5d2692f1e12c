"""The generic checkers, the theory exponents and the paper claims.

Every checker is fed the printed (true) statement and a deliberately wrong variant (a changed
exponent or constant) and must say "holds" for one and "fails" for the other. The Monte Carlo
pieces inside claims use fixed seeds; their tolerances are stated where they are decided.
"""

from __future__ import annotations

import json

import pytest
import sympy as sp

from simlab import theory
from simlab.claims import (
    NO_CORRECTION,
    PAPERS,
    VERDICTS,
    Claim,
    Verdict,
    all_claims,
    checks,
    register,
)
from simlab.claims import zhang2020 as z
from simlab.cli import main

ALPHA = theory.ALPHA
ALPHA_RANGE = {ALPHA: (sp.Rational(21, 20), 2)}
K, k = theory.K, theory.k
x = sp.Symbol("x", positive=True)


# ----------------------------------------------------------------------------- checkers
def test_identity_symbolic_and_wrong_constant():
    assert checks.identity(sp.Integer(304) ** 2 * 12 / 152, 7296).verdict == "holds"
    wrong = checks.identity(sp.Integer(304) ** 2 * 12 / 152, 7300)
    assert wrong.verdict == "fails" and "7296" in wrong.correction


def test_identity_numeric_fallback_and_wrong_exponent():
    # sympy cannot simplify Max(..) - expr to 0 symbolically; the grid decides
    lhs = sp.Max(ALPHA - 1, 0)
    assert checks.identity(lhs, ALPHA - 1, domain=ALPHA_RANGE).verdict == "holds"
    wrong = checks.identity(lhs, ALPHA - 2, domain=ALPHA_RANGE)
    assert wrong.verdict == "fails" and wrong.method == "numeric"


def test_identity_that_cannot_decide_is_unverifiable():
    # sympy leaves Max(alpha - 1, 0) - (alpha - 1) unsimplified; with no grid nothing decides
    undecided = checks.identity(sp.Max(ALPHA - 1, 0), ALPHA - 1)
    assert undecided.verdict == "unverifiable" and undecided.correction is None
    assert checks.identity(x**2, x).verdict == "unverifiable"  # differs, but nothing proves it
    # the same pairs decided on a grid: one holds, the other fails with a counterexample
    assert checks.identity(sp.Max(ALPHA - 1, 0), ALPHA - 1, domain=ALPHA_RANGE).verdict == "holds"
    assert checks.identity(x**2, x, domain={x: (2, 5)}).verdict == "fails"
    # a constant difference needs no grid: it is decided
    assert checks.identity(x + 1, x).verdict == "fails"


def test_all_hold_does_not_hide_an_undecided_part():
    good = checks.identity(sp.Integer(2) + 2, 4)
    undecided = checks.identity(x**2, x)
    assert checks.all_hold({"a": good, "b": undecided}).verdict == "unverifiable"
    bad = checks.identity(sp.Integer(2) + 2, 5)
    assert checks.all_hold({"a": bad, "b": undecided}).verdict == "fails"
    convention = checks.compare_rate(-1, sp.Rational(-1, 2), what="w",
                                     computed_quantity="squared gradient norm",
                                     printed_quantity="gradient norm", convention="sqrt")
    combined = checks.all_hold({"a": good, "c": convention})
    assert combined.verdict == "holds-under-convention" and "sqrt" in combined.convention


def test_a_fix_is_printed_only_when_its_check_verifies_it():
    assert checks.verified_fix("use 32 sigma", True, "why") == "use 32 sigma"
    refused = checks.verified_fix("use 32 sigma", False, "the chain still breaks")
    assert refused.startswith(NO_CORRECTION) and "the chain still breaks" in refused
    assert checks.none_derived("a reason") == NO_CORRECTION + "a reason"
    # a failing finding always carries a correction, derived or "none derived: <why>"
    assert Verdict("fails", "e", correction=checks.none_derived("r")).correction


def test_inequality_and_wrong_constant():
    # 4^(alpha-1)/48 <= 1/12 on (1, 2] (equality at alpha = 2); a smaller constant fails
    lhs = 4 ** (ALPHA - 1) / 48
    assert checks.inequality(lhs, sp.Rational(1, 12), ALPHA_RANGE).verdict == "holds"
    wrong = checks.inequality(lhs, sp.Rational(1, 13), ALPHA_RANGE)
    assert wrong.verdict == "fails"
    assert "1.0833" in wrong.correction  # best constant 13/12 over the grid


def test_implies_printed_and_wrong_exponent():
    tau, sigma = sp.symbols("tau sigma", positive=True)
    box = {**ALPHA_RANGE, sigma: (sp.Rational(1, 100), 100)}
    conclusion = sigma**ALPHA / (tau / 4) ** (ALPHA - 1)
    assert (
        checks.implies([(tau, z.TAU_48)], conclusion, sp.Rational(1, 12), box, points=5).verdict
        == "holds"
    )
    # a weaker premise (exponent 1 instead of alpha/(alpha-1) on sigma) does not imply it
    weak = 48 ** (1 / (ALPHA - 1)) * sigma
    assert (
        checks.implies([(tau, weak)], conclusion, sp.Rational(1, 12), box, points=5).verdict
        == "fails"
    )


def test_exponent_of():
    assert checks.exponent_of(K**3 / sp.log(K) + K, K) == 3
    assert checks.exponent_of(sp.Max(2, K ** sp.Rational(1, 2)) / (K + 1), K) == sp.Rational(-1, 2)
    assert checks.exponent_of(x**2 / (1 - x), x, point=0) == 2


def test_same_exponent_and_wrong_exponent():
    expr = (K + 1) ** (2 / ALPHA) / K**2
    assert checks.same_exponent(expr, K, 2 / ALPHA - 2, domain=ALPHA_RANGE).verdict == "holds"
    wrong = checks.same_exponent(expr, K, 1 / ALPHA - 2, domain=ALPHA_RANGE)
    assert wrong.verdict == "fails"


def test_sum_bound_and_wrong_exponent():
    term = k ** ((2 - ALPHA) / ALPHA)
    assert (
        checks.sum_bound(term, k, K, (K + 1) ** (2 / ALPHA), ALPHA_RANGE, points=5).verdict
        == "holds"
    )
    wrong = checks.sum_bound(term, k, K, (K + 1) ** (1 / ALPHA), ALPHA_RANGE, points=5)
    assert wrong.verdict == "fails" and "alpha*(K + 1)**(2/alpha)/2" in wrong.correction


def test_normalises_and_wrong_constant():
    s = sp.Symbol("s", real=True)
    gauss = sp.exp(-(s**2) / 2) / sp.sqrt(2 * sp.pi)
    assert checks.normalises(gauss, s, (-sp.oo, sp.oo)).verdict == "holds"
    wrong = checks.normalises(gauss / 2, s, (-sp.oo, sp.oo))
    assert wrong.verdict == "fails" and "1/2" in wrong.correction
    lam = sp.Symbol("lambda", positive=True)
    assert checks.normalises(lam * sp.exp(-lam * x), x, (0, sp.oo)).verdict == "holds"


def test_verdict_needs_correction_and_convention():
    with pytest.raises(ValueError):
        Verdict("fails", "no correction")
    with pytest.raises(ValueError):
        Verdict("holds-under-convention", "no convention")


# ----------------------------------------------------------------------------- theory
@pytest.mark.parametrize("alpha", [1.25, 1.5, 2.0])
def test_theory_exponents_numeric_match_symbolic(alpha):
    for fn in (
        theory.theorem2_exponent,
        theory.theorem4_exponent,
        theory.theorem5_exponent,
        theory.theorem6_exponent,
        theory.corollary7_d_exponent,
        theory.theorem8_d_exponent,
    ):
        assert fn(alpha) == pytest.approx(float(fn(ALPHA).subs(ALPHA, alpha)), rel=1e-12)


def test_theory_exponent_values():
    assert sp.simplify(theory.theorem2_exponent() + 2 * (ALPHA - 1) / (3 * ALPHA - 2)) == 0
    assert theory.theorem2_exponent(ALPHA, "main") == 0
    assert sp.simplify(theory.theorem4_exponent() + 2 * (ALPHA - 1) / ALPHA) == 0
    assert theory.theorem4_exponent(1.5, ALPHA - 1) == pytest.approx(-0.5)  # main-text schedule
    assert sp.simplify(theory.theorem4_best_tau_power() - 1 / ALPHA) == 0
    assert theory.corollary7_d_exponent(1.5) == pytest.approx(4 / 3)
    assert theory.theorem8_d_exponent(1.5) == 1.0
    with pytest.raises(ValueError):
        theory.theorem2_exponent(2.5)


# --------------------------------------------------------------------------- claims: wrong variants
def test_rate_claim_with_wrong_printed_exponent_fails():
    computed = theory.theorem2_exponent(ALPHA, "appendix")
    assert checks.identity(computed, z.RATE_THEOREM2, domain=ALPHA_RANGE).verdict == "holds"
    assert (
        checks.identity(computed, -(ALPHA - 1) / (3 * ALPHA - 2), domain=ALPHA_RANGE).verdict
        == "fails"
    )


def test_compare_rate_decides_the_quantity_from_the_paper_not_from_the_numbers():
    same = dict(computed_quantity="function value", printed_quantity="function value")
    assert checks.compare_rate(-1, -1, what="w", **same).verdict == "holds"
    # half the exponent is no convention when both sides are the same quantity (the old rule
    # let "at alpha = 2 Theorem 4 matches O(1/sqrt k)" pass): it fails, with the exponent
    halved = checks.compare_rate(-1, sp.Rational(-1, 2), what="w", **same)
    assert halved.verdict == "fails" and "-1" in halved.correction
    # ||g||^2 -> ||g||: the converted exponent holds under the convention the caller names
    norm = dict(computed_quantity="squared gradient norm", printed_quantity="gradient norm")
    converted = checks.compare_rate(-1, sp.Rational(-1, 2), what="w", convention="Jensen", **norm)
    assert converted.verdict == "holds-under-convention" and converted.convention == "Jensen"
    assert checks.compare_rate(-1, sp.Rational(-1, 3), what="w", convention="c",
                               **norm).verdict == "fails"
    # a strongly convex function value and the distance: mu/2 d^2 <= f - f*
    distance = checks.compare_rate(-1, sp.Rational(-1, 2), what="w", convention="c",
                                   computed_quantity="function value (strongly convex)",
                                   printed_quantity="distance")
    assert distance.verdict == "holds-under-convention"
    # quantities of different bases never convert; unknown names are refused
    assert checks.compare_rate(-1, sp.Rational(-1, 2), what="w", convention="c",
                               computed_quantity="function value",
                               printed_quantity="distance").verdict == "fails"
    with pytest.raises(ValueError):
        checks.compare_rate(-1, -1, what="w", computed_quantity="loss", printed_quantity="loss")


def test_alpha2_convex_remark_fails_and_nonconvex_holds_under_convention():
    """Theorem 4 at alpha = 2 gives O(1/k) for the function value, not O(1/sqrt k)."""
    convex = z.upper_bounds.check_alpha2_convex()
    assert convex.verdict == "fails" and convex.computed == -1
    nonconvex = z.upper_bounds.check_alpha2_nonconvex()
    assert nonconvex.verdict == "holds-under-convention"


def test_relaxation_is_decided_by_its_witness():
    from simlab.claims import abstracts

    assert abstracts.check_relaxation().verdict == "holds"
    assert abstracts.check_relaxation(l0=1, l1=1).verdict == "fails"  # x^4 is not (1,1)-smooth


def test_rmsprop_acclip_wrong_factor_fails():
    h_rms, h_clip, box = z.rmsprop_acclip_steps()
    assert checks.inequality(h_clip / 2, h_rms, box, points=7).verdict == "holds"
    # the lower factor 1/2 is needed: h_rms >= h_clip is false
    assert checks.inequality(h_clip, h_rms, box, points=7).verdict == "fails"


def test_appendix_f_wrong_gamma_exponent_fails():
    eps = theory.eps
    box = {**ALPHA_RANGE, eps: (sp.Rational(1, 10**6), sp.Rational(1, 8))}
    # with gamma = (4 eps)^(1/alpha) instead of (4 eps)^(1/(alpha-1)), p_0 != 2 gamma b_0
    gamma = (4 * eps) ** (1 / ALPHA)
    assert checks.identity(gamma**ALPHA, 2 * gamma * 2 * eps, domain=box).verdict == "fails"


def test_appendix_g_bernoulli_moment_wrong_exponent_fails():
    p = z.p_sym
    wrong = (1 - p) * (((1 - p) / p) ** ALPHA + 1)
    assert (
        checks.identity(z.BERN_MOMENT_EXACT, wrong, domain={**ALPHA_RANGE, **z.P_RANGE}).verdict
        == "fails"
    )


def test_tau8sigma_claim_fails_and_32_sigma_fixes_it():
    tau, g, sigma = z.tau, z.grad_norm, z.sigma
    box = {sigma: (sp.Rational(1, 100), 100)}
    printed = checks.implies(
        [(tau, 8 * sigma), (g, tau / 2)], sp.Rational(8, 3) * sigma, g / 6, box, points=5
    )
    fixed = checks.implies(
        [(tau, 32 * sigma), (g, tau / 2)], sp.Rational(8, 3) * sigma, g / 6, box, points=5
    )
    assert (printed.verdict, fixed.verdict) == ("fails", "holds")


def test_registry_rejects_duplicates_and_unknown_papers():
    some = all_claims()[0]
    with pytest.raises(ValueError):
        register(some)
    with pytest.raises(ValueError):
        register(Claim("x-unknown", "no-such-paper", "eq. 1", "s", check=lambda: None))


# ------------------------------------------------------------------------ the verb and the registry
@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """One `simlab verify --json` over every registered claim (the expensive part, ~30 s)."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("verify") / "errata.md"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["verify", "--json", "--out", str(out)])
    return code, json.loads(buffer.getvalue()), out.read_text()


def test_every_claim_has_a_computed_verdict(full_run):
    code, records, _ = full_run
    assert code == 0
    ids = {c.id for c in all_claims()}
    assert {r["id"] for r in records} == ids and len(records) == len(ids)
    for r in records:
        assert r["verdict"] in VERDICTS, r["id"]
        assert r["evidence"], r["id"]
        assert r["paper"] in PAPERS
        if r["verdict"] == "fails":
            assert r["correction"], r["id"]
            assert "see evidence" not in r["correction"], r["id"]  # derived, or "none derived"
        else:
            assert r["correction"] is None, r["id"]
        if r["verdict"] == "holds-under-convention":
            assert r["convention"], r["id"]
    # every paper of this issue has claims
    for paper in ("zhang2020", "zhang2019", "koloskova2023", "chezhegov2024"):
        assert any(r["paper"] == paper for r in records), paper


def test_errata_lists_every_failing_claim(full_run):
    _, records, errata = full_run
    failing = [r for r in records if r["verdict"] == "fails"]
    assert failing, "the known errors of the paper must be found"
    for r in failing:
        assert f"`{r['id']}`" in errata and r["correction"] in errata
    # issue 20: the errata also explain every convention and every undecided claim
    for r in records:
        if r["verdict"] == "holds":
            assert f"`{r['id']}`" not in errata
        elif r["verdict"] == "holds-under-convention":
            assert f"`{r['id']}`" in errata and r["convention"] in errata
        elif r["verdict"] != "fails":
            assert f"`{r['id']}`" in errata and r["evidence"] in errata


def test_verify_table_and_paper_filter(tmp_path, capsys):
    out = tmp_path / "e.md"
    assert main(["verify", "--paper", "zhang2019", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "zhang2019-arbitrarily-faster" in table and "zhang2020" not in table
    assert str(out) in table and out.exists()


def test_partial_run_leaves_the_committed_errata_alone(tmp_path, monkeypatch, capsys):
    # issue 18: `verify --paper` used to overwrite reports/errata.md with a one-paper errata
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "--paper", "zhang2019"]) == 0
    assert not (tmp_path / "reports" / "errata.md").exists()
    assert "errata report not written" in capsys.readouterr().out
    assert main(["verify", "--paper", "zhang2019", "--json"]) == 0
    assert not (tmp_path / "reports").exists()
    json.loads(capsys.readouterr().out)  # stdout stays pure JSON
    # with --out, a partial run writes exactly there
    assert main(["verify", "--paper", "zhang2019", "--out", "partial.md"]) == 0
    assert (tmp_path / "partial.md").exists() and not (tmp_path / "reports").exists()


def test_full_run_writes_the_default_errata():
    from simlab.cli.verify import DEFAULT_ERRATA, errata_path

    assert errata_path(None, None) == DEFAULT_ERRATA
    assert errata_path("zhang2019", None) is None
    assert errata_path("zhang2019", "x.md") == "x.md" and errata_path(None, "x.md") == "x.md"


def test_a_check_that_raises_is_unverifiable_and_verify_goes_on(monkeypatch, capsys):
    from simlab import claims

    all_claims()  # import every section first, so the registry is complete

    def broken():
        raise ZeroDivisionError("deliberately broken check")

    bad = Claim("zhang2019-raises", "zhang2019", "nowhere", "a check that raises", check=broken)
    monkeypatch.setitem(claims._REGISTRY, bad.id, bad)
    assert main(["verify", "--paper", "zhang2019", "--json"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert records[bad.id]["verdict"] == "unverifiable"
    assert "ZeroDivisionError" in records[bad.id]["evidence"]
    assert "deliberately broken check" in records[bad.id]["evidence"]
    # the other claims of the paper still ran and kept their verdicts
    assert records["zhang2019-arbitrarily-faster"]["verdict"] == "holds"
    assert len(records) == len(all_claims("zhang2019"))
    # a check that returns something other than a Finding is unverifiable too
    odd = Claim("zhang2019-odd", "zhang2019", "nowhere", "returns a string", check=lambda: "yes")
    assert odd.run()["verdict"] == "unverifiable"


def test_claim_findings_name_their_subject():
    some = all_claims("zhang2019")[0]
    finding = some.finding()
    assert isinstance(finding, Verdict) and (finding.subject, finding.ref) == (some.id, some.ref)


def test_verify_unknown_paper_exits_2(tmp_path, capsys):
    assert main(["verify", "--paper", "nope", "--out", str(tmp_path / "e.md")]) == 2
    err = capsys.readouterr().err
    assert "unknown paper" in err and len(err.strip().splitlines()) == 1


def test_lemma9_on_a_concrete_law_and_wrong_constant():
    # quadrature (scipy, relative accuracy ~1e-10): the printed bounds hold with room to spare
    # (largest ratios about 0.58 and 0.022); bounds shrunk by 1/2 and 1/100 are exceeded
    assert z._lemma9_on_a_law(0).verdict == "holds"
    assert z._lemma9_on_a_law(1).verdict == "holds"
    assert z._lemma9_on_a_law(0, scale=0.5).verdict == "fails"
    assert z._lemma9_on_a_law(1, scale=0.01).verdict == "fails"


def test_all_hold_fails_when_one_part_fails():
    good = checks.identity(sp.Integer(2) + 2, 4)
    bad = checks.identity(sp.Integer(2) + 2, 5)
    assert checks.all_hold({"a": good, "b": good}).verdict == "holds"
    combined = checks.all_hold({"a": good, "b": bad})
    assert combined.verdict == "fails" and combined.correction.startswith("b:")


def test_sum_bound_decreasing_term():
    # sum_{k<=K} k^(-1/2) <= 2 sqrt(K) is true but the term decreases, so the integral test
    # int_0^(K+1) does not apply: the checker must not claim a proof; 1.5 sqrt(K) fails at K=1000
    term = k ** sp.Rational(-1, 2)
    assert checks.sum_bound(term, k, K, 2 * sp.sqrt(K), {}, points=3).verdict == "unverifiable"
    assert (
        checks.sum_bound(term, k, K, sp.Rational(3, 2) * sp.sqrt(K), {}, points=3).verdict
        == "fails"
    )
