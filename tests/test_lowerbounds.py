"""Tests of simlab.lowerbounds (the Theorem 5 and 6 instances of Zhang et al. 2020, Appendices F,
G, and their kernels) and of simlab.experiments.lowerbounds (the checks): every check's finding
says "fails", with a correction, when fed a deliberately broken instance.

The broken instances are classes of this module, named to the checks' tasks by import path
("test_lowerbounds:WrongGamma"); every test here uses a fresh store (a stored result is keyed by
that name, not by the class's code)."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from dataclasses import dataclass, replace

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from simlab import lowerbounds as lb
from simlab.cli import main
from simlab.errors import InputError
from simlab.experiments import lowerbounds as checks
from simlab.finding import NO_CORRECTION, VERDICTS
from simlab.run import using

QUICK = checks.CheckSettings.quick()
P_DEFAULT = lb.Theorem6Instance(**lb.THEOREM6_DEFAULT).p


@pytest.fixture(autouse=True, scope="module")
def _fresh_store(tmp_path_factory):
    """Every check of this module computes into a store of its own."""
    with using(store=str(tmp_path_factory.mktemp("lowerbounds-store"))):
        yield


def verdicts(findings, fragment: str) -> list[str]:
    """Verdicts of the findings whose subject contains ``fragment`` (at least one must match);
    every failing one carries a correction."""
    found = [f for f in findings if fragment in f.subject]
    assert found, f"no finding matches {fragment!r}"
    assert all(f.correction for f in found if f.verdict == "fails")
    return [f.verdict for f in found]


# --- kernels -------------------------------------------------------------------------------


def test_psi_phi_special_values_and_phi_against_scipy():
    assert lb.psi(0.5) == 0.0 and lb.psi(-3.0) == 0.0
    assert lb.psi(1.0) == pytest.approx(1.0, rel=1e-15)
    t = np.linspace(-6, 6, 101)
    # Phi(t) = sqrt(e) sqrt(2 pi) * standard normal cdf (scipy.stats), to 1e-13 relative
    expected = math.sqrt(math.e * 2 * math.pi) * stats.norm.cdf(t)
    assert np.allclose([lb.phi(v) for v in t], expected, rtol=1e-13, atol=1e-300)
    assert lb.phi_prime(1.0) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_gradient_and_tridiagonal_hessian_match_finite_differences(d):
    chain = lb.ZeroChain(d)
    rng = np.random.default_rng(1)
    step = 1e-6
    for _ in range(20):
        x = rng.uniform(-2.5, 2.5, d)
        basis = np.eye(d)
        gradient_fd = [
            (chain.value(x + step * e) - chain.value(x - step * e)) / (2 * step) for e in basis
        ]
        hessian_fd = np.array(
            [
                (chain.gradient(x + step * e) - chain.gradient(x - step * e)) / (2 * step)
                for e in basis
            ]
        )
        # central differences: error O(step^2 * third derivative) + O(ulp * |f| / step) ~ 1e-8
        assert np.allclose(chain.gradient(x), gradient_fd, atol=1e-6)
        assert np.allclose(chain.hessian(x), hessian_fd, atol=1e-6)
    # a wrong Hessian (off-diagonal sign flipped) is caught by the same comparison
    x = np.array([0.8, 0.9, 1.2, -0.7, 0.3])[:d]
    diagonal, off = chain.hessian_bands(x)
    if d > 1 and np.any(off != 0):
        wrong = np.diag(diagonal) - np.diag(off, 1) - np.diag(off, -1)
        hessian_fd = np.array(
            [
                (chain.gradient(x + step * e) - chain.gradient(x - step * e)) / (2 * step)
                for e in np.eye(d)
            ]
        )
        assert not np.allclose(wrong, hessian_fd, atol=1e-6)


def test_prog_and_noise_kernels():
    x = np.array([0.9, -0.3, 0.6, 0.3, 0.0])
    assert lb.prog(x, 0.5) == 3 and lb.prog(x, 0.25) == 4 and lb.prog(x, 1.0) == 0
    chain = lb.ZeroChain(5, p=0.3)
    gradient = chain.gradient(x)
    assert [lb.zero_chain_partial(x, j) for j in range(5)] == gradient.tolist()
    for u in (0.1, 0.7):
        oracle, noise = np.empty(5), np.empty(5)
        lb.zero_chain_oracle(x, 0.3, u, oracle)
        lb.zero_chain_noise(x, 0.3, u, noise)
        assert np.allclose(oracle - chain.gradient(x), noise, atol=1e-15)
        assert np.count_nonzero(noise) <= 1  # only coordinate prog_1/4(x) + 1 is noisy
    instance = lb.Theorem5Instance(1.5, 0.125, 1)
    for u in (0.01, 0.99):
        noise = lb.theorem5_noise(instance.b, instance.p, instance.jump, u)
        oracle = lb.theorem5_oracle(0.3, instance.p, instance.jump, u)
        assert noise == pytest.approx(oracle - instance.gradient(0.3), abs=1e-15)
        assert oracle == (0.3 - instance.jump if u < instance.p else 0.3)


def test_infimum_closed_form_is_approached_far_out():
    chain = lb.ZeroChain(7)
    far = chain.value(np.full(7, 1e8))
    assert far == pytest.approx(chain.f_star, rel=1e-14)
    assert chain.value(np.full(7, 3.0)) > chain.f_star


# --- instances: formulas and validation ------------------------------------------------------


def test_theorem5_printed_p_equals_two_gamma_b_symbolically():
    """p_nu / (2 gamma) = b_nu for all alpha in (1, 2], eps > 0: the oracle is unbiased exactly.

    gamma = (4 eps)^(1/(alpha-1)) is written exp(ell/(alpha-1)) with ell = log(4 eps), which lets
    sympy combine the powers; ell is substituted back at the end."""
    alpha, eps = sympy.symbols("alpha epsilon", positive=True)
    ell = sympy.Symbol("ell", real=True)

    def residual(gamma, nu):
        expr = (gamma**alpha - 2 * nu * gamma * eps) / (2 * gamma) - (2 - nu) * eps
        expr = sympy.simplify(sympy.powsimp(sympy.powdenest(expr, force=True)))
        return sympy.simplify(expr.subs(ell, sympy.log(4 * eps)))

    for nu in (0, 1):
        assert residual(sympy.exp(ell / (alpha - 1)), nu) == 0
        # a wrong gamma, (4 eps)^(1/alpha), leaves a residual
        assert residual(sympy.exp(ell / alpha), nu) != 0


def test_instances_reject_bad_parameters():
    for args in [(1.0, 0.1), (2.5, 0.1), (1.5, 0.2), (1.5, 0.0)]:
        with pytest.raises(InputError):
            lb.Theorem5Instance(*args)
    with pytest.raises(InputError):
        lb.Theorem5Instance(1.5, 0.1, nu=2)
    with pytest.raises(InputError, match="underflows"):
        lb.Theorem5Instance(1.001, 1e-4)
    with pytest.raises(InputError, match="d = floor"):
        lb.Theorem6Instance(1.5, eps=0.1)
    with pytest.raises(InputError):
        lb.ZeroChain(0)


def test_theorem6_scalings_and_smallest_p():
    instance = lb.Theorem6Instance(**lb.THEOREM6_DEFAULT)
    eps, alpha, G = instance.eps, instance.alpha, instance.G
    assert instance.scale == pytest.approx(304 * eps / instance.L)
    assert instance.dimension == math.floor(instance.Delta * instance.L / (7296 * eps**2)) == 34
    assert instance.gradient_factor == pytest.approx(2 * eps)
    p = instance.p
    assert (46 * eps) ** alpha * lb.noise_moment_factor(p, alpha) <= G**alpha
    # smallest: one part in 1e9 less breaks the bound
    assert (46 * eps) ** alpha * lb.noise_moment_factor(p * (1 - 1e-9), alpha) > G**alpha
    assert p <= lb.closed_form_p(eps, G, alpha)
    # E|z/p - 1|^alpha by direct summation over z in {0, 1}
    direct = p * abs(1 / p - 1) ** alpha + (1 - p) * 1.0
    assert lb.noise_moment_factor(p, alpha) == pytest.approx(direct, rel=1e-14)


def test_sample_gradient_shapes():
    rng = np.random.default_rng(0)
    instance = lb.Theorem6Instance(**lb.THEOREM6_DEFAULT)
    d = instance.dimension
    assert instance.sample_gradient(np.zeros(d), rng).shape == (d,)
    assert instance.sample_gradient(np.zeros((7, d)), rng).shape == (7, d)
    assert lb.Theorem5Instance(1.5, 0.1).sample_gradient(np.zeros(4), rng).shape == (4,)


# --- all checks hold on the correct instances ------------------------------------------------


@pytest.fixture(scope="module")
def quick_document(tmp_path_factory):
    """One run of ``simlab lowerbounds --quick --json`` shared by the tests below."""
    figures = tmp_path_factory.mktemp("lowerbound_figures")
    previous = os.environ.get("SIMLAB_FIGURES")
    os.environ["SIMLAB_FIGURES"] = str(figures)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            status = main(["lowerbounds", "--quick", "--json"])
    finally:
        if previous is not None:
            os.environ["SIMLAB_FIGURES"] = previous
    assert status == 0
    return json.loads(out.getvalue()), figures


def test_every_property_has_a_computed_verdict(quick_document):
    rows = quick_document[0]["rows"]
    required = {"instance", "property", "value", "bound", "verdict", "method", "evidence",
                "printed", "computed", "correction", "subject", "ref"}
    assert all(required <= set(row) for row in rows)
    assert {row["verdict"] for row in rows} <= set(VERDICTS)
    assert all(row["printed"] == row["bound"] and row["computed"] == row["value"] for row in rows)
    assert {row["method"] for row in rows} == {"exact", "worst-case search", "monte-carlo"}
    assert {row["instance"] for row in rows} == {"Theorem 5", "Theorem 6"}
    failing = [row["property"] for row in rows if row["verdict"] != "holds"]
    assert failing == []
    for fragment in [
        "gamma",
        "mu = 1",
        "L = 1",
        "unbiased",
        "E|g(x)|^alpha",
        "L0 = 152",
        "<= 23",
        "prog_0(grad",
        ">= 1 when",
        "zero chain",
        "F(0) - inf F",
        ">= 2 eps",
        "G^alpha",
    ]:
        assert any(fragment in row["property"] for row in rows), fragment


def test_cli_json_and_figures(quick_document):
    document, figures = quick_document
    assert document["violated"] == 0 and len(document["rows"]) >= 20
    assert document["verdicts"]["holds"] == len(document["rows"])
    names = ("lowerbounds_theorem5_oracle.png", "lowerbounds_zero_chain.png")
    assert sorted(path.rsplit("/", 1)[-1] for path in document["figures"]) == list(names)
    assert all((figures / name).stat().st_size > 10_000 for name in names)


def test_cli_rejects_unknown_option(capsys):
    with pytest.raises(SystemExit) as error:
        main(["lowerbounds", "--quik"])
    assert error.value.code == 2


# --- broken instances: every check says "fails" ----------------------------------------------


class WrongGamma(lb.Theorem5Instance):
    @property
    def gamma(self):
        return (4.0 * self.eps) ** (1.0 / self.alpha)  # exponent 1/alpha instead of 1/(alpha-1)


class DoubleJump(lb.Theorem5Instance):
    @property
    def jump(self):
        return 1.0 / self.gamma  # twice the jump, p unchanged: biased and too heavy


class SteepObjective(lb.Theorem5Instance):
    def objective_expression(self, x):
        return (x - sympy.nsimplify(self.b)) ** 2  # curvature 2: not 1-smooth


class FlatShiftedObjective(lb.Theorem5Instance):
    def objective_expression(self, x):
        return (x - sympy.nsimplify(self.b)) ** 2 / 4 + 1  # curvature 1/2 and f(b) = 1


class BiasedSampler(lb.Theorem5Instance):
    def sample_gradient(self, x, rng):
        x = np.asarray(x, dtype=float)
        return x - self.jump * (rng.random(x.shape) < 1.2 * self.p)  # jumps 20% too often


def test_theorem5_checks_catch_broken_instances():
    rows = checks.theorem5_checks(QUICK, WrongGamma, select=["gamma", "unbiased", "monte-carlo"])
    assert verdicts(rows, "gamma") == ["fails"]  # (1/2)^(1/2) > 1/2 at alpha=2, eps=1/8
    assert verdicts(rows, "oracle unbiased: E g") == ["fails"]
    assert verdicts(rows, "unbiased (Monte Carlo)") == ["fails"]

    rows = checks.theorem5_checks(QUICK, DoubleJump, select=["unbiased", "moment", "monte-carlo"])
    assert set(verdicts(rows, "alpha-moment")) == {"fails"}  # exact search and Monte Carlo
    assert set(verdicts(rows, "unbiased")) == {"fails"}

    rows = checks.theorem5_checks(QUICK, SteepObjective, select=["curvature"])
    assert verdicts(rows, "L = 1 smooth") == ["fails"]
    assert verdicts(rows, "mu = 1") == ["holds"]
    rows = checks.theorem5_checks(QUICK, FlatShiftedObjective, select=["curvature"])
    assert verdicts(rows, "mu = 1") == ["fails"]
    assert verdicts(rows, "f_b(b) = min f_b = 0") == ["fails"]

    rows = checks.theorem5_checks(QUICK, BiasedSampler, select=["unbiased", "monte-carlo"])
    assert verdicts(rows, "oracle unbiased: E g") == ["holds"]  # the law is still right
    assert verdicts(rows, "unbiased (Monte Carlo)") == ["fails"]


@dataclass(frozen=True)
class WrongConstantsChain(lb.ZeroChain):
    smoothness = 100.0  # the true sup of ||Hess f_d|| is about 134
    gradient_bound = 20.0  # the true sup of ||grad f_d||_inf is about 21.4


@dataclass(frozen=True)
class DoubledChain(lb.ZeroChain):
    def value(self, x):
        return 2.0 * super().value(x)

    @property
    def f_star(self):
        return 2.0 * super().f_star


@dataclass(frozen=True)
class LeakyChain(lb.ZeroChain):
    """Gradient and oracle leak into coordinate prog_1/2(x) + 2: not a zero chain."""

    def gradient(self, x):
        out = super().gradient(x)
        j = lb.prog(np.asarray(x, dtype=float), 0.5) + 1
        if j < out.size:
            out[j] += 1e-3
        return out

    def oracle_law(self, x):
        law = super().oracle_law(x)
        leak = np.zeros_like(law[0][1])
        j = lb.prog(np.asarray(x, dtype=float), 0.25) + 1
        if j < leak.size:
            leak[j] = 1e-3
        return [(q, g + leak) for q, g in law]


@dataclass(frozen=True)
class HalfGradientChain(lb.ZeroChain):
    def gradient(self, x):
        return 0.5 * super().gradient(x)

    def hessian_bands(self, x):
        diagonal, off = super().hessian_bands(x)
        return 0.5 * diagonal, 0.5 * off


@dataclass(frozen=True)
class BiasedOracleChain(lb.ZeroChain):
    """The z = 1 outcome scaled by 1.1/p and drawn with probability 2p."""

    def oracle_law(self, x):
        (q1, g1), (q0, g0) = super().oracle_law(x)
        return [(q1, 1.1 * g1), (q0, g0)]

    def sample_gradient(self, x, rng):
        rows = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=float)))
        out = np.empty_like(rows)
        lb.zero_chain_oracle_rows(rows, self.p, rng.random(rows.shape[0]) / 2.0, out)
        return out.reshape(np.shape(x))


def test_zero_chain_checks_catch_broken_chains():
    rows = checks.zero_chain_checks(
        QUICK, WrongConstantsChain, P_DEFAULT, select=["smoothness", "gradient-bound"]
    )
    assert verdicts(rows, "L0 = 152") == ["fails"]
    assert verdicts(rows, "<= 23") == ["fails"]
    rows = checks.zero_chain_checks(QUICK, DoubledChain, P_DEFAULT, select=["suboptimality"])
    assert verdicts(rows, "12 d") == ["fails"]
    rows = checks.zero_chain_checks(QUICK, LeakyChain, P_DEFAULT,
                                    select=["gradient-support", "oracle"])
    assert verdicts(rows, "prog_0(grad") == ["fails"]
    assert verdicts(rows, "zero chain: prog_0(g_d") == ["fails"]
    rows = checks.zero_chain_checks(QUICK, HalfGradientChain, P_DEFAULT, select=["gradient-norm"])
    assert verdicts(rows, ">= 1 when") == ["fails"]
    rows = checks.zero_chain_checks(
        QUICK, BiasedOracleChain, P_DEFAULT, select=["oracle", "monte-carlo"]
    )
    assert verdicts(rows, "oracle unbiased") == ["fails"]
    # frequency 2p against p: (2p - p) / sqrt(p(1-p)/n) is about 38 standard errors at n = 2e5
    assert verdicts(rows, "Monte Carlo") == ["fails"]


class WrongP(lb.Theorem6Instance):
    """p computed for G = 0.5 while the instance promises G = 0.05."""

    @property
    def p(self):
        return lb.smallest_p(self.eps, 0.5, self.alpha)


class WrongDimension(lb.Theorem6Instance):
    @property
    def dimension(self):
        return math.floor(self.Delta * self.L / (3648.0 * self.eps**2))  # 7296 / 2


class WrongScale(lb.Theorem6Instance):
    @property
    def scale(self):
        return 152.0 * self.eps / self.L  # lambda halved: ||grad F|| only >= eps


class WrongSmoothness(lb.Theorem6Instance):
    def hessian_bands(self, x):
        diagonal, off = super().hessian_bands(x)
        return 2.0 * diagonal, 2.0 * off  # L / 76 instead of L / 152


class BiasedOracleInstance(lb.Theorem6Instance):
    def sample_gradient(self, x, rng):
        chain = BiasedOracleChain(self.chain.d, self.chain.p)
        return self.gradient_factor * chain.sample_gradient(np.asarray(x) / self.scale, rng)


def test_theorem6_checks_catch_broken_instances():
    parameters = dict(lb.THEOREM6_DEFAULT, G=0.05)
    rows = checks.theorem6_checks(
        QUICK, WrongP, parameters, select=["moment-exact", "moment", "monte-carlo"]
    )
    assert set(verdicts(rows, "alpha-moment")) == {"fails"}  # exact, search and Monte Carlo
    rows = checks.theorem6_checks(QUICK, WrongDimension, select=["suboptimality"])
    assert verdicts(rows, "F(0) - inf F") == ["fails"]
    rows = checks.theorem6_checks(QUICK, WrongScale, select=["gradient-norm"])
    assert verdicts(rows, ">= 2 eps") == ["fails"]
    rows = checks.theorem6_checks(QUICK, WrongSmoothness, select=["smoothness"])
    assert verdicts(rows, "L smooth") == ["fails"]
    rows = checks.theorem6_checks(QUICK, BiasedOracleInstance, select=["monte-carlo"])
    # z drawn with probability 2p: the noisy coordinate's mean is twice the gradient, a bias of
    # |v| against a standard error |v| sqrt(2 / (p n)): about 27 standard errors at n = 2e5
    assert verdicts(rows, "unbiased (Monte Carlo)") == ["fails"]


def test_finding_verdicts_and_corrections():
    def finding(*args, **kwargs):
        return checks.finding(checks.row("Theorem 6", "p", *args, **kwargs))

    assert finding(1.0, 1.0, "<=", "exact", "").verdict == "holds"
    wrong = finding(1.0 + 1e-12, 1.0, "<=", "exact", "")
    assert wrong.verdict == "fails" and wrong.correction.startswith("the bound must be at least")
    assert finding(0.9, 1.0, ">=", "exact", "", allowance=0.2).verdict == "holds"
    below = finding(0.5, 1.0, ">=", "worst-case search", "")
    assert below.verdict == "fails" and "at most 0.5 (the searched worst case)" in below.correction
    assert finding(0.2, 0.0, "==", "exact", "").correction.startswith("the value is 0.2")
    sampled = finding(7.0, 5.0, "<=", "monte-carlo", "", allowance=0.1)
    assert sampled.verdict == "fails" and sampled.correction.startswith(NO_CORRECTION)
    assert finding(float("nan"), 1.0, "<=", "exact", "").verdict == "unverifiable"
    assert finding(float("inf"), 1.0, "<=", "exact", "").verdict == "fails"
    assert finding(1.0, 1.0, "<=", "exact", "").ref.startswith("Zhang et al. 2020, Theorem 6")


def test_checks_are_stored_tasks_with_derived_seeds():
    """A randomized check is a stored task: the second call reads the store (same numbers);
    its seed is derived from the task, so another budget draws other numbers."""
    first = checks.theorem5_checks(QUICK, select=["monte-carlo"])
    assert checks.theorem5_checks(QUICK, select=["monte-carlo"]) == first
    other = checks.theorem5_checks(replace(QUICK, samples=QUICK.samples + 1),
                                   select=["monte-carlo"])
    assert other[0].computed != first[0].computed
    with pytest.raises(InputError, match="unknown theorem5 checks"):
        checks.theorem5_checks(QUICK, select=["gama"])
    with pytest.raises(InputError, match="needs a seed"):
        checks.measure("theorem5", "gamma", "simlab.lowerbounds:Theorem5Instance", starts=2,
                       samples=10, adversarial_points=10, chain_dimension=2)
    with pytest.raises(InputError, match="cannot import"):
        checks.theorem5_checks(QUICK, factory="simlab.lowerbounds:NoSuchInstance",
                               select=["gamma"])


def test_theorem5_problem_distribution_is_a_fair_coin():
    rng = np.random.default_rng(7)
    draws = 4000
    zeros = sum(lb.draw_theorem5_instance(1.5, 0.1, rng).nu == 0 for _ in range(draws))
    # two-sided binomial test at level 1e-6: a fair coin fails it less than once in a million
    assert stats.binomtest(zeros, draws, 0.5).pvalue > 1e-6
    # the same test rejects a 60/40 coin: expected 2400 of 4000, about 12.6 standard errors off
    biased = int(np.sum(rng.random(draws) < 0.6))
    assert stats.binomtest(biased, draws, 0.5).pvalue < 1e-6
    instance = lb.draw_theorem5_instance(1.5, 0.1, rng)
    assert instance.b == pytest.approx((2 - instance.nu) * 0.1)


@settings(max_examples=300, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-3.0, 3.0)),
    st.floats(1e-3, 1.0),
)
def test_zero_chain_structure_for_any_point(x, p):
    """Appendix G: prog_0(grad f_d(x)) <= prog_1/2(x) + 1, and g_d reveals coordinate
    prog_1/4(x) + 1 only when z = 1, for every x hypothesis generates."""
    chain = lb.ZeroChain(x.size, p)
    assert lb.prog(chain.gradient(x), 0.0) <= lb.prog(x, 0.5) + 1
    (_, with_z1), (_, with_z0) = chain.oracle_law(x)
    assert lb.prog(with_z1, 0.0) <= lb.prog(x, 0.25) + 1
    assert lb.prog(with_z0, 0.0) <= lb.prog(x, 0.25)
    noise = np.empty_like(x)
    lb.zero_chain_noise(x, p, 0.0, noise)
    # g/p - g and (1/p - 1) g differ by rounding: a few ulp of |g| / p
    scale = float(np.max(np.abs(chain.gradient(x)))) / p
    assert np.allclose(with_z1 - chain.gradient(x), noise, rtol=0.0, atol=8 * lb.ULP * scale)


def test_engine_names_delegate_to_the_instances():
    instance = lb.Theorem6Instance(**lb.THEOREM6_DEFAULT)
    x = instance.scale * np.linspace(-1.5, 1.5, instance.dim)
    assert instance.f(x) == instance.value(x)
    assert np.array_equal(instance.grad(x), instance.gradient(x))
    assert instance.initial_gap() == instance.value(np.zeros(instance.dim)) - instance.f_star
    assert (instance.smoothness, instance.strong_convexity, instance.projected) == (1.0, 0.0, False)
    strongly_convex = lb.Theorem5Instance(1.5, 0.1, 1)
    assert strongly_convex.f(np.array([0.3])) == pytest.approx(0.5 * (0.3 - 0.1) ** 2)
    assert strongly_convex.grad(np.array([0.3])) == pytest.approx([0.2])
    assert strongly_convex.project(np.array([0.9, -0.1])).tolist() == [0.5, 0.0]


def test_quick_is_the_default_budget_as_for_every_verb():
    from simlab.cli import build_parser

    assert build_parser("lowerbounds").parse_args(["lowerbounds"]).quick is True
    assert build_parser("lowerbounds").parse_args(["lowerbounds", "--full"]).quick is False
    for verb in ("rates", "adaptive", "bounds"):
        assert build_parser(verb).parse_args([verb]).mode == "quick"
