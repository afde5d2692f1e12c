"""Tests of simlab.adam_update (the predicted laws of Zhiyi & Ziyin eq. 21-34, the jitted simulator
of eq. 1-4, its stored Task) and of simlab.experiments.adam_update (the comparisons and their
Findings, the figures) and the ``adam-update`` verb.

Statistical tests use fixed seeds and say their sample size and tolerance. Unless stated otherwise,
KS tests reject at p < 1e-4 and variance checks allow 5 standard errors: a correct implementation
fails such a check with probability below about 1e-4 per check (5 SE: 6e-7).
"""

from __future__ import annotations

import itertools
import json
import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import integrate, special, stats

from simlab import adam_update as au
from simlab.cli import main
from simlab.errors import InputError
from simlab.finding import VERDICTS
from simlab.run import compute
from simlab.experiments import adam_update as ex
from simlab.experiments.adam_update_figures import FIGURE_NAMES, make_figures

# ---------------------------------------------------------------------------------------------
# predicted laws
# ---------------------------------------------------------------------------------------------

MS = (2, 3, 4.5, 10, 60)


@pytest.mark.parametrize("m", MS)
@pytest.mark.parametrize("convention", au.CONVENTIONS)
def test_law_moments_match_scipy_numeric_expectation(m, convention):
    """Closed-form moments (Beta-based) against scipy's numeric ``expect`` (quadrature), 1e-7."""
    c = au.normaliser(m, convention)
    xg = au.law_xg(m, convention)
    absolute = au.law_abs_xg(m, convention)
    assert xg.var() == pytest.approx(c / m, rel=1e-12)
    assert au.corollary_1_variance(m, convention) == pytest.approx(c / m, rel=1e-12)
    assert xg.expect(lambda x: x**2) == pytest.approx(c / m, rel=1e-7)
    assert au.law_g(m, convention).mean() == pytest.approx(c / m, rel=1e-12)  # eq. 24
    assert au.law_k(m).mean() == pytest.approx(1 / m, rel=1e-12)  # eq. 22
    numeric_abs_var = absolute.expect(lambda x: x**2) - absolute.expect(lambda x: x) ** 2
    assert absolute.var() == pytest.approx(numeric_abs_var, rel=1e-7, abs=1e-10)
    assert absolute.var() == pytest.approx(au.corollary_2_abs_variance(m, convention), rel=1e-10)
    # |X_g| is the folded X_g: same second moment, E|X_g| by quadrature of the update law
    assert absolute.mean() == pytest.approx(xg.expect(abs), rel=1e-7)


def test_corollary_2_as_printed_is_the_c_equals_m_case():
    """Corollary 2 printed: 1 - 4 m Gamma(m/2)^2 / ((m-1)^2 pi Gamma((m-1)/2)^2)."""
    for m in range(2, 60):
        printed = 1 - 4 * m * special.gamma(m / 2) ** 2 / (
            (m - 1) ** 2 * math.pi * special.gamma((m - 1) / 2) ** 2
        )
        assert au.corollary_2_abs_variance(m, "c=m") == pytest.approx(printed, rel=1e-10)
        assert au.corollary_2_abs_variance(m, "c=m-1") == pytest.approx(
            printed * (m - 1) / m, rel=1e-10
        )
        # a wrong input: the c=m-1 value is not the printed formula
        assert au.corollary_2_abs_variance(m, "c=m-1") != pytest.approx(printed, rel=1e-3)
    values = [au.corollary_2_abs_variance(m) for m in range(2, 200)]
    assert all(b > a for a, b in itertools.pairwise(values))  # "an increasing function of time"
    # half-normal limit 1 - 2/pi; the gap is about 1/(pi m) (measured 0.3183/m), 3.2e-6 at m = 1e5
    assert au.corollary_2_abs_variance(1e5) == pytest.approx(1 - 2 / math.pi, abs=1e-5)


def test_root_beta_is_a_proper_law():
    law = au.root_beta(0.5, 2.0)
    total, _ = integrate.quad(law.pdf, 0, 1)
    assert total == pytest.approx(1, abs=1e-9)
    x = np.linspace(0.05, 0.95, 7)
    for xi in x:
        assert law.cdf(xi) == pytest.approx(integrate.quad(law.pdf, 0, xi)[0], abs=1e-9)
    assert law.ppf(law.cdf(x)) == pytest.approx(x, abs=1e-10)
    assert law.moment(3) == pytest.approx(law.expect(lambda t: t**3), rel=1e-8)


def test_special_cases_of_the_paper_and_its_errata():
    # eq. 26 (c=m, m=3): f(g) = g^{-1/2} / (2 sqrt 3)
    g = np.array([0.1, 0.7, 2.5])
    assert au.law_g(3).pdf(g) == pytest.approx(g**-0.5 / (2 * math.sqrt(3)), rel=1e-12)

    # eq. 27 as printed integrates to 2 (missing Jacobian); the Beta-based density integrates to 1
    def printed_27(t):
        return 1 / (math.pi * math.sqrt(t / 2 * (1 - t / 2)))

    assert integrate.quad(printed_27, 0, 2)[0] == pytest.approx(2, rel=1e-6)
    assert integrate.quad(au.law_g(2).pdf, 0, 2)[0] == pytest.approx(1, rel=1e-6)
    assert au.law_g(2).pdf(g[:2]) == pytest.approx([printed_27(t) / 2 for t in g[:2]], rel=1e-12)
    # eq. 28: density Gamma(m/2)/(Gamma((m-1)/2) sqrt(pi)) (1 - x^2)^((m-3)/2) on [-1, 1]
    m, x = 7, np.array([-0.9, -0.2, 0.4])
    constant = special.gamma(m / 2) / (special.gamma((m - 1) / 2) * math.sqrt(math.pi))
    assert au.law_xk(m).pdf(x) == pytest.approx(constant * (1 - x**2) ** ((m - 3) / 2), rel=1e-12)
    assert au.law_xk(m).support() == (-1.0, 1.0)
    # eq. 30 (c=m) at m=7
    y = np.array([-2.0, 0.3, 1.7])
    eq30 = constant / math.sqrt(m) * (1 - y**2 / m) ** ((m - 3) / 2)
    assert au.law_xg(m).pdf(y) == pytest.approx(eq30, rel=1e-12)
    # eq. 32-33 hold under c=m-1: arcsine on [-1, 1] and uniform 1/(2 sqrt 2) on [-sqrt 2, sqrt 2]
    z = np.array([-0.5, 0.0, 0.8])
    assert au.law_xg(2, "c=m-1").pdf(z) == pytest.approx(1 / (math.pi * np.sqrt(1 - z**2)))
    assert au.law_xg(3, "c=m-1").pdf(z) == pytest.approx(np.full(3, 1 / (2 * math.sqrt(2))))
    assert au.law_xg(3, "c=m").pdf(z) != pytest.approx(np.full(3, 1 / (2 * math.sqrt(2))))
    # eq. 34's "Var|X_g| = (m-1)/m" is Var(X_g) under c=m-1, not Var|X_g| (Corollary 2)
    for m in (3, 10, 50):
        assert au.corollary_1_variance(m, "c=m-1") == pytest.approx((m - 1) / m, rel=1e-12)
        assert au.law_abs_xg(m).var() < (m - 1) / m - 0.2
    # eq. 22's mode: the Beta(1/2, (m-1)/2) density is unbounded at 0, not peaked at 1/(m-2)
    k = au.law_k(10)
    assert k.pdf(1e-8) > k.pdf(1 / 8) * 100


def test_law_of_k_matches_direct_chi_square_sampling():
    """eq. 15-21 without the simulator: K = Z/(Z + H), Z ~ chi2(1), H ~ chi2(m-1); n = 20 000,
    seed 1."""
    rng = np.random.default_rng(1)
    m, n = 6, 20_000
    z = rng.chisquare(1, n)
    h = rng.chisquare(m - 1, n)
    assert stats.kstest(z / (z + h), au.law_k(m).cdf).pvalue > 1e-4
    # a wrong law (m instead of m-1 degrees of freedom in H) is rejected
    assert stats.kstest(z / (z + h), au.law_k(m + 1).cdf).pvalue < 1e-4


def test_exponential_average_moments_eq_8_to_10():
    """Eq. 8-10 with m terms: weights (1-beta) beta^(m-i), i = 1..m, sum to 1 - beta^m (printed:
    m-1); the bias-corrected variance is 1/effective_steps. Exact arithmetic in floats, 1e-12."""
    beta, m = 0.9, 5
    weights = (1 - beta) * beta ** (m - np.arange(1, m + 1))
    assert weights.sum() == pytest.approx(1 - beta**m, rel=1e-12)
    assert weights.sum() != pytest.approx(1 - beta ** (m - 1), rel=1e-3)  # the printed exponent
    corrected_variance = np.sum(weights**2) / weights.sum() ** 2
    eq10 = (1 - beta) / (1 + beta) * (1 + beta**m) / (1 - beta**m)
    assert corrected_variance == pytest.approx(eq10, rel=1e-12)
    assert au.effective_steps(beta, m) == pytest.approx(1 / eq10, rel=1e-12)


def test_laws_reject_bad_m():
    for bad in (1, 0.5, float("nan"), float("inf")):
        with pytest.raises(InputError):
            au.law_xg(bad)
    with pytest.raises(InputError):
        au.law_g(3, "c=2m")


# ---------------------------------------------------------------------------------------------
# the simulator
# ---------------------------------------------------------------------------------------------


def _reference_updates(gradients, momentum, beta, epsilon, simple_average, offset, bias_correction):
    """Eq. 1-4 in plain NumPy, vectorised over samples: the kernel's independent oracle."""
    samples, steps = gradients.shape
    second = np.zeros(samples)
    first = np.zeros(samples)
    out = np.empty_like(gradients)
    for t in range(1, steps + 1):
        g = gradients[:, t - 1]
        if simple_average:
            second = second + g * g
            c_n = t - offset
        else:
            second = beta * second + (1 - beta) * g * g
            c_n = 1 - beta**t if bias_correction else 1.0
        with np.errstate(divide="ignore"):  # c=m-1 at t = 1: c_n = 0, the update is 0 (IEEE)
            first = momentum * first + (1 - momentum) * g / (np.sqrt(second / c_n) + epsilon)
        c_m = 1 - momentum**t if bias_correction else 1.0
        out[:, t - 1] = -first / c_m
    return out


@pytest.mark.parametrize(
    "momentum, beta, epsilon, simple, offset, bias",
    [
        (0.0, 0.0, 0.0, True, 0, True),
        (0.0, 0.0, 0.0, True, 1, True),
        (0.9, 0.999, 1e-8, False, 0, True),
        (0.5, 0.9, 1e-3, False, 0, False),
        (0.0, 0.0, 0.0, False, 0, True),
    ],
)
def test_kernel_matches_numpy_reference(momentum, beta, epsilon, simple, offset, bias):
    gradients = np.random.default_rng(3).standard_cauchy((64, 12))
    spec = au.UpdateSpec(
        gradient="cauchy",
        steps=12,
        samples=64,
        momentum=momentum,
        beta=None if simple else beta,
        epsilon=epsilon,
        bias_correction=bias,
        convention="c=m" if offset == 0 else "c=m-1",
    )
    got = au.simulate_updates(spec, gradients)
    expected = _reference_updates(gradients, momentum, beta, epsilon, simple, offset, bias)
    np.testing.assert_allclose(got[:, 1:], expected[:, 1:], rtol=1e-12, atol=0)
    # a wrong input: the reference with the other bias-correction setting differs (when it matters)
    if not simple and momentum > 0:
        wrong = _reference_updates(gradients, momentum, beta, epsilon, simple, offset, not bias)
        assert not np.allclose(got[:, 1:], wrong[:, 1:], rtol=1e-6)


@settings(deadline=None, max_examples=60)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(2, 15)),
        elements=st.floats(1e-6, 1e6) | st.floats(-1e6, -1e-6),
    )
)
def test_simple_average_update_is_bounded_by_sqrt_c(gradients):
    """Proposition 1 / eq. 30's support, for any nonzero gradients: |Delta theta_t| <= sqrt(t)
    (c=m) and <= sqrt(t-1) (c=m-1), with mu = 0 and eps = 0."""
    samples, steps = gradients.shape
    t = np.arange(1, steps + 1)
    for convention, c in (("c=m", t), ("c=m-1", t - 1)):
        spec = au.UpdateSpec(gradient="normal", steps=steps, samples=samples, convention=convention)
        updates = au.simulate_updates(spec, gradients)
        assert np.all(np.abs(updates) <= np.sqrt(c) * (1 + 1e-12))
    # a wrong bound (the Student-t picture: unbounded, or bounded by 1) is violated somewhere
    wrong = au.simulate_updates(
        au.UpdateSpec(gradient="normal", steps=2, samples=1), np.array([[1e-3, 1.0]])
    )
    assert abs(wrong[0, 1]) > 1


def test_simulator_reproducible_and_independent_of_thread_count():
    spec = au.UpdateSpec(gradient="stable", steps=20, samples=3000, seed=9)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = au.simulate_updates(spec)
        numba.set_num_threads(max(2, threads) if numba.config.NUMBA_NUM_THREADS >= 2 else 1)
        many = au.simulate_updates(spec)
    finally:
        numba.set_num_threads(threads)
    assert np.array_equal(one, many)
    assert np.array_equal(one, au.simulate_updates(spec))
    other = au.simulate_updates(au.UpdateSpec(gradient="stable", steps=20, samples=3000, seed=10))
    assert not np.array_equal(one, other)


@pytest.mark.parametrize("convention", au.CONVENTIONS)
def test_simulator_matches_theorem_1_law(convention):
    """n = 20 000 updates per step, seed 2, simple average, N(0,1): at m = 2, 3, 10, 50 the KS test
    (p > 1e-4) and Var, Var|.| within 5 standard errors of Corollaries 1-2."""
    spec = au.UpdateSpec(
        gradient="simple-average", steps=50, samples=20_000, seed=2, convention=convention
    )
    updates = au.simulate_updates(spec)
    for m in (2, 3, 10, 50):
        x = updates[:, m - 1]
        _, p = au.ks_against(x, au.law_xg(m, convention))
        assert p > 1e-4, (m, p)
        assert abs(
            x.var() - au.corollary_1_variance(m, convention)
        ) < 5 * au.variance_standard_error(x)
        assert abs(np.abs(x).var() - au.corollary_2_abs_variance(m, convention)) < (
            5 * au.variance_standard_error(np.abs(x))
        )
        assert np.max(np.abs(x)) <= math.sqrt(au.normaliser(m, convention)) * (1 + 1e-12)  # bounded


def test_wrong_laws_are_rejected():
    """Same simulation (n = 20 000, seed 2): Student-t ignoring the correlation (Section 3) and the
    other convention's law are rejected (KS p < 1e-6) at small m."""
    updates = au.simulate_updates(
        au.UpdateSpec(gradient="simple-average", steps=10, samples=20_000, seed=2)
    )
    for m in (3, 5, 10):
        _, p = au.ks_against(updates[:, m - 1], au.student_t_law(m))
        assert p < 1e-6, (m, p)
    for m in (2, 3, 5):
        _, p = au.ks_against(updates[:, m - 1], au.law_xg(m, "c=m-1"))
        assert p < 1e-6, (m, p)


def test_compare_steps_verdicts():
    """n = 20 000, seed 4, m = 2..20: holds with the right law; updates from N(0, t^2) gradients
    fed to the same prediction fail; heavy tails are unverifiable (no prediction)."""
    spec = au.UpdateSpec(gradient="simple-average", steps=20, samples=20_000, seed=4)
    rows = ex.compare_steps(spec)
    assert [r.m for r in rows] == list(range(2, 21))
    assert ex.overall_verdict(rows) == "holds"
    finding = ex.steps_finding(rows, spec)
    assert finding.verdict == "holds" and finding.method == "monte-carlo"
    assert str(spec.seed) in finding.evidence
    wrong = au.simulate_updates(au.UpdateSpec(gradient="growing", steps=20, samples=20_000, seed=4))
    wrong_rows = ex.compare_steps(spec, wrong)
    assert ex.overall_verdict(wrong_rows) == "fails"
    failing = ex.steps_finding(wrong_rows, spec)
    assert failing.verdict == "fails" and failing.correction.startswith("none derived: ")
    cauchy_spec = au.UpdateSpec(gradient="cauchy", steps=5, samples=2000)
    cauchy = ex.compare_steps(cauchy_spec)
    assert {r.verdict for r in cauchy} == {"unverifiable"}
    assert all(r.predicted_variance is None and r.ks_pvalue is None for r in cauchy)
    assert ex.steps_finding(cauchy, cauchy_spec).verdict == "unverifiable"


def test_too_few_samples_are_inconclusive_never_holds():
    """n = 100 updates (seed 4): nothing rejects the right law, but 4 standard errors of the
    variance (about 0.14 x 4) exceed the 10% resolution: inconclusive. The same rows with a
    resolution of 100% hold (the rule, not the data, decides)."""
    spec = au.UpdateSpec(gradient="simple-average", steps=6, samples=100, seed=4)
    rows = ex.compare_steps(spec)
    assert ex.overall_verdict(rows) == "inconclusive"
    assert ex.steps_finding(rows, spec).verdict == "inconclusive"
    assert ex.overall_verdict(ex.compare_steps(spec, resolution=1.0)) == "holds"


def test_small_samples_leave_the_other_checks_inconclusive():
    """Too few draws to decide (derived seeds): 50 updates do not separate the Student-t law from
    eq. 30 (neither KS p < 1e-6), 200 updates leave E[Delta theta^2] with 3 SE of about 0.25 >
    the 10% resolution, and 300 updates cannot tell the flat m = 3 law within 10%: all
    inconclusive, never holds."""
    assert ex.student_t_check(samples=50)["verdict"] == "inconclusive"
    exchangeable = ex.exchangeable_variance(("normal", "cauchy"), samples=200)
    assert {v["verdict"] for v in exchangeable.values()} == {"inconclusive"}
    rows = ex.modality_transition(ex.modality_spec(samples=300))
    assert rows[1].m == 3 and rows[1].verdict == "inconclusive"
    assert ex.modality_finding(rows, ex.modality_spec(samples=300)).verdict == "inconclusive"


def test_exponential_average_effective_m_approximation():
    """Adam's bias-corrected exponential average against eq. 30 at eq. 9's effective m (n = 20 000,
    derived seed, m = 2..30): indistinguishable at beta = 0.999 (Adam's default), rejected at
    beta = 0.9 (the weighted average is not a Beta law: at m = 2 the support
    sqrt((1-beta^2)/(1-beta)) differs from sqrt(m_eff), KS p < 1e-6)."""
    adam = ex.compare_steps(au.UpdateSpec(gradient="exponential", steps=30, samples=20_000))
    assert ex.overall_verdict(adam) == "holds"
    rough = ex.compare_steps(
        au.UpdateSpec(gradient="exponential", beta=0.9, steps=30, samples=20_000)
    )
    assert ex.overall_verdict(rough) == "fails"
    assert rough[0].verdict == "fails" and rough[0].ks_pvalue < 1e-6


def test_theorem_1_as_printed_has_variance_one_over_m_squared():
    """n = 20 000, m = 3 (derived seed): c_n = 1/t gives 1/9, c_n = t gives 1 (5 standard
    errors); the finding fails with the derived correction citing claim zz-theorem1. A wrong
    input (the corrected draws in place of the printed ones) holds."""
    result = ex.theorem_1_as_printed(3)
    for case in ("printed", "corrected"):
        r = result[case]
        assert abs(r["variance"] - r["predicted_variance"]) < 5 * r["variance_se"]
    assert abs(result["printed"]["variance"] - 1) > 100 * result["printed"]["variance_se"]
    assert result["verdict"] == "fails"
    assert "zz-theorem1" in result["finding"]["correction"]
    spec = ex.theorem_1_specs(3, 20_000, 0)
    printed, corrected = au.update_task(spec, [3], printed_c_n=True), au.update_task(spec, [3])
    stored = {corrected: corrected.compute()}
    swapped = ex.theorem_1_as_printed(3, results={printed: stored[corrected], **stored})
    assert swapped["verdict"] == "holds" and swapped["finding"]["correction"] is None


def test_exchangeability_makes_corollary_1_distribution_free():
    """n = 20 000 per law, m = 5: E[Delta theta^2] = 1 for i.i.d. Cauchy, Pareto, stable; not for
    N(0, t^2) (Bonferroni z over 5 laws at 0.01: 3.3 SE); the failing one carries its measured
    moment as the correction."""
    result = ex.exchangeable_variance()
    assert {k: v["verdict"] for k, v in result.items()} == {
        "normal": "holds",
        "cauchy": "holds",
        "pareto": "holds",
        "stable": "holds",
        "growing": "fails",
    }
    assert "E[Delta theta^2]" in result["growing"]["finding"]["correction"]


def test_student_t_check_rejects_and_flips_on_student_t_draws():
    """n = 20 000 (derived seed): the Student-t law of Section 3 fails against the simulated
    update (KS p < 1e-6 at m = 3, 5, 10), with eq. 30's fit as the correction. A wrong input
    (Student-t draws stored in place of the updates, seed 8) makes it hold."""
    check = ex.student_t_check()
    assert check["verdict"] == "fails"
    assert check["finding"]["correction"].startswith("the update follows eq. 30")
    task = au.update_task(ex.student_spec(), ex.STUDENT_MS)
    rng = np.random.default_rng(8)
    fake = {"updates": np.column_stack([au.student_t_law(m).rvs(20_000, random_state=rng)
                                        for m in ex.STUDENT_MS]),
            "steps": np.array(ex.STUDENT_MS)}
    assert ex.student_t_check(results={task: fake})["verdict"] == "holds"


def test_modality_transition_and_gaussian_limit():
    """Edge-to-centre mass ratio (n = 20 000, derived seed): > 1 at m = 2, = 1 at m = 3, < 1
    beyond, simulated within Bonferroni z SE. A wrong input (N(0, t^2) gradients) fails at m = 3."""
    rows = ex.modality_transition()
    assert all(r.verdict == "holds" for r in rows)
    assert ex.modality_finding(rows, ex.modality_spec()).verdict == "holds"
    assert [r.predicted_shape for r in rows] == [
        "bimodal",
        "flat",
        "unimodal",
        "unimodal",
        "unimodal",
    ]
    assert rows[0].predicted_ratio > 1 and rows[1].predicted_ratio == pytest.approx(1)
    assert all(r.predicted_ratio < 1 for r in rows[2:])
    wrong_spec = au.UpdateSpec(gradient="growing", steps=10, samples=20_000, seed=7)
    wrong = ex.modality_transition(wrong_spec)
    assert wrong[1].verdict == "fails"
    assert ex.modality_finding(wrong, wrong_spec).verdict == "fails"
    limit = ex.gaussian_limit()
    assert limit.verdict == "holds"
    assert -1.2 < limit.slope < -0.8
    assert limit.simulated_ks_pvalue_vs_normal > 1e-4
    # a wrong input: m values that decrease make the distances increase (not monotone)
    assert ex.gaussian_limit(ms=(1000, 200, 50, 10)).verdict == "fails"


def test_beta_mapping_improves_as_beta_grows():
    """n = 4 000 stationary updates per beta: eq. 12's error in Var|.| shrinks as beta -> 1."""
    rows = ex.beta_mapping()
    assert ex.beta_mapping_verdict(rows) == "holds"
    assert rows[0].m_eq12 == pytest.approx(2) and math.isnan(rows[0].error_effective)
    assert rows[0].simulated_abs_variance == 0  # beta = 0: the update is sign(g)
    # a wrong input: reversing the rows (beta decreasing) fails the verdict
    reversed_finding = ex.beta_mapping_finding(rows[::-1])
    assert reversed_finding.verdict == "fails" and reversed_finding.correction
    assert au.effective_steps(0.999, 1) == pytest.approx(1)
    assert au.effective_steps(0.9, 10_000) == pytest.approx(19)  # (1+beta)/(1-beta)
    assert au.effective_steps(1 - 1e-9, 50) == pytest.approx(50, rel=1e-6)


def test_bias_correction_and_epsilon():
    """n = 20 000, common gradients, beta = 0.999: without bias correction Var is Var/(1-beta^m)
    exactly; eps = 1e-8 is invisible at this sample size (holds: Theorem 1 ignores eps), eps = 1
    shrinks the variance (fails, the measured ratio as the correction)."""
    rows = ex.bias_correction_and_epsilon()
    by = {(r.setting, r.m): r for r in rows}
    assert all(by[("no bias correction", m)].verdict == "holds" for m in (2, 10, 100))
    assert by[("no bias correction", 2)].variance > 400
    assert all(by[("epsilon=1e-08", m)].effect == "negligible" for m in (2, 10, 100))
    assert all(by[("epsilon=1", m)].verdict == "fails" for m in (2, 10, 100))
    assert all(by[("epsilon=1", m)].effect == "shrinks" for m in (2, 10, 100))
    # a wrong input: the corrected draws stored as the uncorrected ones break the exact scaling
    tasks = {name: au.update_task(spec, ex.EFFECT_MS) for name, spec in ex.setting_specs().items()}
    stored = compute(tasks.values())
    stored[tasks["no bias correction"]] = stored[tasks["corrected"]]
    swapped = ex.bias_correction_and_epsilon(results=stored)
    assert all(r.verdict == "fails" for r in swapped if r.setting == "no bias correction")
    found = {f["subject"]: f for f in ex.setting_findings(rows, 20_000, 0)}
    assert found["Theorem 1's variance at epsilon=1e-08"]["verdict"] == "holds"
    eps_1 = found["Theorem 1's variance at epsilon=1"]
    assert eps_1["verdict"] == "fails" and "ratio" in eps_1["correction"]


def test_spec_validation():
    for kwargs in (
        {"steps": 1},
        {"samples": 0},
        {"gradient": "uniform"},
        {"beta": 1.0},
        {"beta": float("nan")},
        {"momentum": 1.0},
        {"epsilon": -1.0},
        {"gradient": "simple-average", "beta": 0.9},
        {"beta": 0.9, "convention": "c=m-1"},
        {"tail_index": 2.5},
    ):
        with pytest.raises(InputError):
            au.UpdateSpec(**kwargs)
    assert au.UpdateSpec(gradient="exponential").beta == au.ADAM_DEFAULT_BETA2


# ---------------------------------------------------------------------------------------------
# figures and CLI
# ---------------------------------------------------------------------------------------------


def test_make_figures_writes_five_pngs():
    paths = make_figures(samples=2000)
    assert [p.stem for p in paths] == list(FIGURE_NAMES)
    assert all(p.exists() and p.stat().st_size > 10_000 for p in paths)


def test_cli_json(capsys):
    code = main(["adam-update", "--steps", "12", "--samples", "5000", "--no-figures", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    rows = result["rows"]
    assert [r["m"] for r in rows] == list(range(2, 13))
    for field in (
        "m",
        "variance",
        "abs_variance",
        "predicted_variance",
        "predicted_abs_variance",
        "ks_statistic",
        "ks_pvalue",
        "convention",
    ):
        assert all(field in r for r in rows)
    assert result["verdict"] == "holds"
    assert result["finding"]["verdict"] == "holds"
    code = main(
        [
            "adam-update",
            "--steps",
            "5",
            "--samples",
            "500",
            "--no-figures",
            "--json",
            "--gradient",
            "cauchy",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "unverifiable"
    assert all(r["predicted_variance"] is None for r in result["rows"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--steps", "1"],
        ["--samples", "0"],
        ["--gradient", "foo"],
        ["--beta2", "1"],
        ["--beta2", "nan"],
        ["--steps", "nan"],
        ["--beta2", "-0.1"],
        ["--steps", "2.5"],
        ["--gradient", "stable", "--tail-index", "3"],
        ["--convention", "c=2m"],
    ],
)
def test_cli_bad_input_exits_2(argv, capsys):
    assert main(["adam-update", "--no-figures", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err


@pytest.mark.slow
def test_run_checks_full():
    """Every comparison at n = 20 000 (root seed 0): the verdicts the report quotes."""
    checks = ex.run_checks()
    assert {k: v["verdict"] for k, v in checks["theorem_1_law_m_2_to_100"].items()} == {
        "c=m": "holds",
        "c=m-1": "holds",
    }
    assert checks["student_t_rejected"]["verdict"] == "fails"
    assert checks["modality_transition"]["verdict"] == "holds"
    assert checks["gaussian_limit"]["verdict"] == "holds"
    assert checks["beta_mapping_eq12"]["verdict"] == "holds"
    assert checks["theorem_1_printed_c_n"]["verdict"] == "fails"
    assert all(f["verdict"] in VERDICTS for f in ex.findings(checks))


def test_errata_are_registered_claims():
    """Every erratum names claims of simlab.claims.zhiyi_ziyin (no hand-typed correction)."""
    from simlab.claims import all_claims

    registered = {claim.id for claim in all_claims("zhiyi-ziyin")}
    ids = [i for ids in au.ERRATA_CLAIMS.values() for i in ids]
    assert ids and set(ids) <= registered
    assert not hasattr(au, "PAPER_ERRATA")


def test_update_task_through_the_store_matches_the_simulator(tmp_path):
    """A stored Task gives the simulator's updates bit for bit (seed 9, 300 samples), is read
    back from the store the second time, and the derived seed is the one rule's."""
    from simlab.rng import seed_of
    from simlab.run import using

    spec = au.UpdateSpec(gradient="stable", steps=8, samples=300, seed=9)
    task = au.update_task(spec, [2, 8])
    with using(store=str(tmp_path)) as runner:
        first = compute([task])[task]
        second = compute([task])[task]
        assert runner.counts["cached"] >= 1
    direct = au.simulate_updates(spec)
    assert np.array_equal(au.Updates(first)[8], direct[:, 7])
    assert np.array_equal(first["updates"], second["updates"])
    derived = au.UpdateSpec(gradient="cauchy", steps=5, samples=10)
    fields = {k: v for k, v in derived.__dict__.items() if k != "seed"}
    assert derived.seed == seed_of({"adam-update": fields})
    assert au.UpdateSpec(gradient="cauchy", steps=5, samples=11).seed != derived.seed


def test_a_sample_count_beyond_memory_is_one_line_before_any_allocation(capsys):
    """Issue 18: ``adam-update --samples 1e13`` raised a MemoryError traceback; the size is now
    checked against half of the machine's memory before anything is drawn."""
    from simlab.cli import main

    assert main(["adam-update", "--samples", "1e13"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PB of memory" in err
