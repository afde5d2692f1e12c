"""``simlab bounds`` (issue 17, items 1-2): the bounds with their constants, the re-derived lemmas
of Theorem 2's proof checked exactly on two-point laws, the constants of the instances, the
verdict rule (each checker fed a wrong input), and a small end-to-end run.

Monte Carlo: the end-to-end run uses fixed seeds (derived from the specs, :mod:`simlab.rng`) and
R = 64 replicas (32 for Theorem 2); its rows are asserted to hold because every measured mean is
below 5% of its bound there while 3 standard errors are below 5% of it (the bounds are loose by
one to three orders of magnitude, :func:`test_small_run`): a holding verdict has a margin of 90%
of the bound, so it cannot flip by chance at these seeds.
"""

import math

import numpy as np
import pytest

from simlab.cli import main
from simlab.experiments import bounds as xb
from simlab.finding import Finding
from simlab.noise import Pareto, Stable, TwoPoint
from simlab.problems import ConstrainedQuadratic
from simlab.schedules import theorem2_parameters
from simlab.theory import bounds as tb

ALPHAS = (1.1, 1.3, 1.5, 1.8, 2.0)


# ----------------------------------------------------------------------------- the formulas
@pytest.mark.parametrize("alpha", ALPHAS)
def test_theorem4_printed_form_and_the_proofs_sum_below_it(alpha):
    """16 G^2/(mu (K+1)^(2(alpha-1)/alpha)) as printed; the proof's exact sum (constant 3 per
    step) is below 12/16 of it for every K (the printed integral bound and 1/K <= 2/(K+1))."""
    for K in (1, 2, 10, 1000, 10 ** 5):
        printed = tb.theorem4_bound(2.0, 0.5, alpha, K)
        assert printed == pytest.approx(16 * 4 / (0.5 * (K + 1) ** (2 * (alpha - 1) / alpha)))
        assert tb.theorem4_proof_bound(2.0, 0.5, alpha, K) <= 12 / 16 * printed * (1 + 1e-12)


def test_corollary7_and_theorem8_constants():
    """G = ||B||_alpha, its Appendix E lower side d^(1/2 - 1/alpha) ||B||_alpha, and Theorem 8's
    ||B||_2; in one dimension all three are B."""
    alpha, B = 1.5, np.array([3.0, 3.0, 3.0, 3.0])
    assert tb.corollary7_G(B, alpha) == pytest.approx(3.0 * 4 ** (1 / alpha))
    assert tb.corollary7_G_lower(B, alpha) == pytest.approx(3.0 * 4 ** 0.5)
    assert tb.corollary7_G_lower(B, alpha) < tb.corollary7_G(B, alpha)
    assert tb.theorem8_bound(B, 1.0, alpha, 9) == pytest.approx(tb.theorem4_bound(6.0, 1.0,
                                                                                 alpha, 9))
    one = np.array([2.5])
    assert tb.corollary7_G(one, alpha) == tb.corollary7_G_lower(one, alpha) == pytest.approx(2.5)


@pytest.mark.parametrize("version", tb.VERSIONS)
def test_theorem2_parameters_meet_the_proofs_conditions(version):
    """Both printed (eta, tau) satisfy every condition the reconstructed proof uses, over a grid
    of L, sigma, alpha, K, F0: the bound applies to both versions."""
    printed = "appendix-c" if version == "appendix" else "main-text"
    for alpha in ALPHAS:
        for L in (0.1, 1.0, 30.0):
            for sigma in (1e-3, 0.1, 2.0):
                for K in (1, 100, 10 ** 6):
                    eta, tau = theorem2_parameters(L, sigma, alpha, K, 1.5, printed)
                    assert all(tb.theorem2_conditions(L, sigma, alpha, eta, tau).values())
                    bound = tb.theorem2_bound(L, sigma, alpha, K, 1.5, version)
                    assert bound == pytest.approx(tb.theorem2_bound_at(L, sigma, alpha, K, 1.5,
                                                                       eta, tau))


def test_theorem2_conditions_can_fail():
    eta, tau = theorem2_parameters(1.0, 0.1, 1.5, 100, 1.0)
    bad = tb.theorem2_conditions(1.0, 0.1, 1.5, 2.0 / (24.0 * tau), tau)
    assert not bad["eta <= 1/(24 L tau)"]
    assert not tb.theorem2_conditions(1.0, 5.0, 1.5, eta, 2.0)["tau^(alpha-1) >= 48 sigma^alpha"]


def _clip(g, tau):
    return np.clip(g, -tau, tau)


def _two_point_laws():
    """Mean-zero two-point laws (value, probability) over a grid of asymmetry and magnitude."""
    for p in (1e-3, 0.02, 0.2, 0.5):
        for s in (0.05, 0.5, 3.0, 40.0):
            for sign in (1, -1):
                yield np.array([sign * s, -sign * p * s / (1 - p)]), np.array([p, 1 - p])


@pytest.mark.parametrize("alpha", (1.2, 1.5, 2.0))
def test_rederived_lemmas_10_and_11_hold_exactly_on_two_point_laws(alpha):
    """The proof steps of :func:`simlab.theory.bounds.theorem2_bound`, with exact expectations
    over two-point noise (no sampling): Lemma 10 (|grad| <= tau/2: bias <= sigma^a (tau/2)^(1-a),
    variance <= c_v sigma^a tau^(2-a)) and Lemma 11 (|grad| >= tau/2 under the theorem's tau:
    E<grad, g_hat> >= tau |grad| / 24)."""
    c_v = tb.variance_constant(alpha)
    for values, probs in _two_point_laws():
        sigma_a = float(probs @ np.abs(values) ** alpha)
        floor = max(2.0, (48 * sigma_a) ** (1 / (alpha - 1)))
        for tau in (floor, 3 * floor, 0.3, 1.0):
            for a in np.linspace(-tau / 2, tau / 2, 41):
                clipped = _clip(a + values, tau)
                slack = 1e-12 * tau  # rounding of a + value - a at |a| ~ tau
                assert abs(probs @ clipped - a) <= sigma_a * (tau / 2) ** (1 - alpha) + slack
                assert probs @ (clipped - a) ** 2 <= c_v * sigma_a * tau ** (2 - alpha) * (
                    1 + 1e-9) + slack ** 2
            if tau < floor:
                continue  # Lemma 11's step needs the theorem's tau
            for a in np.concatenate([np.linspace(tau / 2, 4 * tau, 40), [50 * tau]]):
                for u in (a, -a):
                    assert probs @ (u * _clip(u + values, tau)) >= tau * abs(u) / 24 * (1 - 1e-9)


@pytest.mark.parametrize("alpha", (1.2, 1.5, 2.0))
def test_lemma9_holds_exactly_on_two_point_laws(alpha):
    """Lemma 9 (Appendix B), the step of Theorems 4, 8 and Corollary 7's proofs, with exact
    expectations: for g = a + xi with G^alpha = E|g|^alpha, E g_hat^2 <= G^alpha tau^(2-alpha) and
    (E g_hat - a)^2 <= G^(2 alpha) tau^(2 - 2 alpha), for every tau (the pointwise G, the
    tightest the assumption allows). Mutation: a bias bound 1000 times smaller fails on some
    law of the grid, so the check can fail."""
    tighter_fails = 0
    for values, probs in _two_point_laws():
        for a in (-3.0, -0.2, 0.0, 0.7, 5.0):
            G_a = float(probs @ np.abs(a + values) ** alpha)
            for tau in (0.05, 0.5, 2.0, 30.0):
                clipped = _clip(a + values, tau)
                assert probs @ clipped ** 2 <= G_a * tau ** (2 - alpha) * (1 + 1e-9)
                bias2 = (probs @ clipped - a) ** 2
                assert bias2 <= G_a ** 2 * tau ** (2 - 2 * alpha) * (1 + 1e-9) + 1e-300
                tighter_fails += bias2 > G_a ** 2 * tau ** (2 - 2 * alpha) / 1000
    assert tighter_fails > 0


def test_left_region_counts_iterates_outside_the_box():
    """The region checker fed iterates outside the box and a diverged replica."""
    from types import SimpleNamespace

    problem = ConstrainedQuadratic(dim=2, mu=1.0, L=1.0, l1=0.0, center=0.5, radius=1.0)
    instance = xb.Instance("Theorem 4", "t", problem, TwoPoint(), 1.5, "two-point")
    check = xb.Check(instance, "appendix", 10, 4)
    inside = SimpleNamespace(final_iterates=np.array([[0.0, 1.0], [-1.0, 0.5], [0.2, 0.2],
                                                      [1.0, -1.0]]))
    assert xb.left_region(check, inside) == 0.0
    outside = SimpleNamespace(final_iterates=np.array([[0.0, 1.1], [np.inf, 0.5], [0.2, 0.2],
                                                       [1.0, -1.0]]))
    assert xb.left_region(check, outside) == 0.5


def test_lemma11_check_can_fail():
    """Mutation: with the threshold's moment floor dropped, E<grad, g_hat> >= tau|grad|/24 fails
    on some two-point law: the check depends on the theorem's condition."""
    alpha, failures = 1.5, 0
    for values, probs in _two_point_laws():
        tau = 2.0
        for a in np.linspace(tau / 2, 4 * tau, 40):
            failures += probs @ (a * _clip(a + values, tau)) < tau * a / 24
    assert failures > 0


def test_bound_verdict_rule():
    assert tb.bound_verdict(1.0, 0.1, 1.3) == "holds"
    assert tb.bound_verdict(1.0, 0.1, 1.2) == "inconclusive"
    assert tb.bound_verdict(1.0, 0.1, 0.69) == "fails"
    assert tb.bound_verdict(float("nan"), 0.1, 1.0) == "inconclusive"


# ----------------------------------------------------------------------------- constants
def test_scaled_law_hits_its_target_constant():
    for unit in (Pareto(tail=1.55), Stable(index=1.8), TwoPoint(p=0.1, success=9, failure=-1)):
        law = xb.scaled_law(unit, 1.5, 0.7)
        assert law.coordinate_bound(1.5) == pytest.approx(0.7)


def test_exact_G_is_the_sup_over_the_box_and_below_minkowski():
    """Exact G (ends of the box) against a brute-force sup over 2001 points of the box, and
    below the Minkowski bound sup|f'| + sigma."""
    alpha = 1.5
    problem = ConstrainedQuadratic(dim=1, mu=2.0, L=2.0, l1=0.1, center=0.3, radius=1.0)
    noise = TwoPoint(p=0.05, success=4.0, failure=-4.0 * 0.05 / 0.95)
    G = xb.exact_G_1d(problem, noise, alpha)
    xs = np.linspace(-1, 1, 2001)
    grads = 2.0 * (xs - 0.3) + 0.1 * np.sign(xs)
    brute = max((noise.p * abs(g + 4.0) ** alpha + (1 - noise.p) * abs(g + noise.failure)
                 ** alpha) ** (1 / alpha) for g in grads)
    assert G == pytest.approx(brute, rel=1e-9)
    instance = xb.Instance("Theorem 4", "t", problem, noise, alpha, "two-point", x0=(0.0,))
    const = xb.constants(instance)
    assert const["G"] == G < const["G_minkowski"]
    assert xb.exact_G_1d(problem, Pareto(tail=2.0), alpha) is None


def test_constants_list_every_field():
    budget = xb.Budget("t", (1.5,), laws=("pareto",))
    for instance in xb.row_instances(budget):
        const = xb.constants(instance)
        assert {"dim", "mu", "L", "region"} <= set(const)
        assert {"F0", "D"} & set(const) and {"G", "sigma", "B"} & set(const)


# ----------------------------------------------------------------------------- end to end
TINY = xb.Budget("test", (1.5, 2.0), steps=300, replicas=64, steps2=500, replicas2=32, search=1,
                 search_steps=200, search_replicas=32)


@pytest.fixture(scope="module")
def small_run():
    return xb.run_bounds(TINY, figures=False)


def test_small_run(small_run):
    rows = small_run["rows"]
    assert {(r["theorem"], r["version"]) for r in rows} == {
        (t, v) for t in xb.THEOREMS for v in tb.VERSIONS}
    assert {r["noise"].split("(")[0] for r in rows} == {"pareto", "stable"}
    for row in rows:
        for name in ("theorem", "version", "instance", "noise", "alpha", "K", "replicas",
                     "measured", "stderr", "bound", "ratio", "verdict", "dim", "mu",
                     "left_region"):
            assert row[name] is not None, name
        assert row["verdict"] == "holds" and row["finding"]["verdict"] == "holds"
        assert row["ratio"] < 0.05 and 3 * row["stderr"] < 0.05 * row["bound"]
        assert row["left_region"] == 0.0
    assert set(small_run["tightness"]) == set(xb.THEOREMS)
    families = {r["family"] for r in small_run["instances"]}
    assert families == {"lower-bound", "search"}
    for entry in small_run["tightness"].values():
        assert 0 < entry["max_ratio"] < 1


def test_cells_are_reused_from_the_store(small_run):
    from simlab.run.context import reset_tally, tally

    reset_tally()
    again = xb.run_bounds(TINY, figures=False)
    assert tally()["computed"] == 0 and tally()["cached"] > 0
    assert again["rows"][0]["measured"] == small_run["rows"][0]["measured"]


def test_a_wrong_bound_fails_and_says_why(small_run):
    """Mutation: the same measurement against a bound 100 times too small fails; a main-text
    failure beside a holding appendix row gets a derived correction, a failure of the proof's own
    schedule says that none was derived."""
    row = dict(small_run["rows"][0])
    row["bound"] = row["bound"] / 100 if row["measured"] > 0 else -1.0
    row["verdict"] = tb.bound_verdict(row["measured"], row["stderr"], row["bound"])
    assert row["verdict"] == "fails"
    finding = xb.explain(row, None)
    assert isinstance(finding, Finding) and finding.correction.startswith("none derived: ")
    sibling = next(r for r in small_run["rows"] if r["version"] == "appendix"
                   and r["theorem"] == row["theorem"] and r["noise"] == row["noise"]
                   and r["alpha"] == row["alpha"])
    main = dict(row, version="main-text")
    derived = xb.explain(main, sibling)
    assert derived.verdict == "fails" and derived.correction.startswith("use the appendix")


def test_render_and_exit_code(small_run):
    from simlab.cli import bounds as verb

    text = verb.render(small_run)
    assert "Theorem 8" in text and "Tightest ratio" in text
    assert verb.exit_code(small_run) == 0
    assert verb.exit_code({**small_run, "summary": {"fails": 1}}) == 1


def test_cli_rejects_two_modes(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bounds", "--quick", "--full"])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert math.isfinite(tb.rate_exponent(1.5))
