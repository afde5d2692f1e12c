"""simlab adaptive: the (L0, L1) problems, the statistics and checks of the four experiments, and
the verb. Each checker is also fed a wrong input and must flip its verdict.

Every Monte Carlo cell here has the seed derived from its spec (:mod:`simlab.rng`), so each
statistical assertion runs on fixed draws; the tests share the session store (conftest), so a
wrong-input test re-analyses the cells its companion test computed."""

import json
import math

import numpy as np
import pytest

from simlab.cli import main
from simlab.experiments import acclip_nonstationary as acclip
from simlab.experiments import adaptive
from simlab.experiments import clipping_bias as bias
from simlab.experiments import high_probability as tails
from simlab.experiments import l0l1_smoothness as smoothness
from simlab.experiments.evidence import combine
from simlab.finding import VERDICTS, Finding
from simlab.problems import PROBLEMS, Exponential, Quartic
from simlab.run import compute
from tests.test_reproduce import _verdicts

L0L1_PROBLEMS = [Quartic(dim=3, mu=0.5, L=2.0), Exponential(dim=3, mu=0.5, L=2.0),
                 Quartic(dim=2, l1_constant=0.5)]


# --------------------------------------------------------------------------- problems 3 and 4
def test_registered_under_their_names():
    assert PROBLEMS["quartic"] is Quartic and PROBLEMS["exponential"] is Exponential


@pytest.mark.parametrize("problem", L0L1_PROBLEMS, ids=lambda p: f"{p.name}-{p.dim}")
def test_gradient_matches_central_differences(problem):
    rng = np.random.default_rng(8)
    for _ in range(5):
        x = rng.uniform(-3, 3, problem.dim)
        h = 1e-6
        numeric = np.array([(problem.f(x + h * e) - problem.f(x - h * e)) / (2 * h)
                            for e in np.eye(problem.dim)])
        np.testing.assert_allclose(problem.grad(x), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("problem", L0L1_PROBLEMS, ids=lambda p: f"{p.name}-{p.dim}")
def test_minimiser_is_the_centre_with_zero_value(problem):
    assert problem.f(problem.minimiser) == 0.0
    assert np.all(problem.grad(problem.minimiser) == 0.0)
    assert problem.smoothness == math.inf


def _hessian_by_differences(problem, x, h=1e-5):
    return np.array([(problem.grad(x + h * e) - problem.grad(x - h * e)) / (2 * h)
                     for e in np.eye(problem.dim)])


@pytest.mark.parametrize("problem", L0L1_PROBLEMS, ids=lambda p: f"{p.name}-{p.dim}")
def test_l0_l1_inequality_holds_over_a_range_and_is_tight(problem):
    """||hess f(x)|| <= L0 + L1 ||grad f(x)|| on 20000 points spread over [-12, 12]^d and along
    the worst ray; and with L0 lowered by 5% it fails somewhere (the constants are tight, so
    the check can fail)."""
    rng = np.random.default_rng(4)
    points = problem.minimiser + rng.uniform(-12, 12, size=(20000, problem.dim))
    # points along the first coordinate, where the 1-D bound is attained for the quartic
    line = np.linspace(-12, 12, 24001)
    along = problem.minimiser + np.outer(line, np.eye(problem.dim)[np.argmax(
        problem.curvatures)])
    l0, l1 = problem.smoothness_l0, problem.smoothness_l1
    slack = []
    for x in np.vstack([points, along]):
        slack.append(l0 + l1 * np.linalg.norm(problem.grad(x)) - problem.hessian_norm(x))
    slack = np.array(slack)
    assert slack.min() >= -1e-9 * l0
    for x in points[:5]:  # the analytic Hessian norm is the finite-difference one
        assert problem.hessian_norm(x) == pytest.approx(
            np.linalg.norm(_hessian_by_differences(problem, x), 2), rel=1e-5)
    assert slack.min() < 0.05 * l0  # lowering L0 by 5% breaks the bound somewhere


# --------------------------------------------------------------------------- statistics
def test_quantile_interval_covers_the_true_quantile_and_rejects_a_wrong_one():
    """Uniform(0, 1) sample, n = 20000, seed 1: the 95% order-statistic interval of the
    0.99-quantile contains 0.99 (fails with probability <= 5% for a correct interval, fixed seed)
    and excludes 0.985 (the standard error of the quantile is sqrt(0.99*0.01/n)/1 = 7e-4, so
    0.985 is 7 standard errors away)."""
    sample = np.random.default_rng(1).uniform(size=20000)
    estimate, low, high = adaptive.quantile_interval(sample, 0.99)
    assert low <= 0.99 <= high
    assert not low <= 0.985 <= high
    assert low <= estimate <= high


def test_fit_tail_tells_polylogarithmic_from_polynomial():
    """Exponential samples: the (1-delta)-quantile is ln(1/delta) (polylogarithmic, power 1);
    Pareto(1.5) samples: delta^(-1/1.5) (polynomial, slope 0.67). n = 50000, seed 3."""
    rng = np.random.default_rng(3)
    light = rng.exponential(size=50000)
    heavy = rng.pareto(1.5, size=50000) + 1.0
    light_fit = adaptive.fit_tail(light, rng)
    heavy_fit = adaptive.fit_tail(heavy, rng)
    assert light_fit["shape"] == "polylogarithmic"
    assert heavy_fit["shape"] == "polynomial"
    assert heavy_fit["exponent_low"] <= 1 / 1.5 <= heavy_fit["exponent_high"]


def test_classify_tail_cases():
    cap = adaptive.POLYLOG_SLOPE_CAP
    assert adaptive.classify_tail(0.0, cap) == "polylogarithmic"
    assert adaptive.classify_tail(cap * 1.01, 2.0) == "polynomial"
    assert adaptive.classify_tail(cap / 2, cap * 2) == "undecided"


def test_combine_fails_first_then_inconclusive_then_holds():
    """The experiment's finding: one failing check fails it (its correction carried over), an
    undecided check without a failure leaves it inconclusive, all holding makes it hold."""
    good = Finding("holds", "e", method="exact")
    bad = Finding("fails", "e", method="exact", correction="x is 2, not 1")
    open_ = Finding("inconclusive", "e", method="monte-carlo")
    kwargs = dict(subject="s", ref="r", printed="p", method="monte-carlo", evidence="e")
    assert combine({"a": good, "b": good}, **kwargs).verdict == "holds"
    assert combine({"a": good, "b": open_}, **kwargs).verdict == "inconclusive"
    failed = combine({"a": open_, "b": bad}, **kwargs)
    assert failed.verdict == "fails" and failed.correction == "b: x is 2, not 1"
    assert combine({}, **kwargs).verdict == "inconclusive"


# --------------------------------------------------------------------------- item 2
SMALL_TAILS = tails.HighProbabilityBudget(replicas=3000, steps=100, dim=2)


def test_high_probability_small_budget():
    """R = 3000 replicas, K = 100, d = 2, seeds derived from each spec (fixed): clipped
    AdaGrad-Norm's tail is polylogarithmic and delayed unclipped AdaGrad-Norm's polynomial (its
    last-decade slope's 95% CI lies above 1 against the cap 0.35, far beyond the bootstrap
    spread); the quantiles grow with 1/delta and their intervals bracket them."""
    out = tails.high_probability(SMALL_TAILS, figure=False)
    rows = {(r["method"], r["delta"]): r for r in out["rows"]}
    assert len(rows) == len(tails.HIGH_PROBABILITY_METHODS) * len(tails.DELTAS)
    assert rows[("clip-adagrad-norm", 0.5)]["shape"] == "polylogarithmic"
    assert rows[("adagrad-norm-delayed", 0.5)]["shape"] == "polynomial"
    for method in tails.HIGH_PROBABILITY_METHODS:
        quantiles = [rows[(method, d)]["quantile"] for d in tails.DELTAS]
        assert np.all(np.diff(quantiles) >= 0)
        for d in tails.DELTAS:
            r = rows[(method, d)]
            assert r["quantile_low"] <= r["quantile"] <= r["quantile_high"]
    assert "adagrad-norm-delayed" in out["witnesses"]
    assert out["verdict"] == out["finding"]["verdict"] == "holds"
    assert out["finding"]["method"] == "monte-carlo"
    assert "3000 replicas" in out["finding"]["evidence"]
    assert str(rows[("adam-norm", 0.5)]["seed"]) in out["finding"]["evidence"]


def test_high_probability_verdict_flags_a_heavy_clipped_tail(monkeypatch):
    """Wrong input: if every tail were polynomial, the clipped methods contradict the claim
    (fails, with the exponent as correction); if none were, the existential part is not
    witnessed (inconclusive, never holds)."""
    specs = tails.cells(SMALL_TAILS)
    results = compute(specs.values())
    monkeypatch.setattr(tails, "fit_tail", lambda values, rng: {"shape": "polynomial",
                                                                "exponent": 0.6})
    finding = tails.analyse(SMALL_TAILS, specs, results)["finding"]
    assert finding.verdict == "fails"
    assert "(1/delta)^0.60" in finding.correction
    monkeypatch.setattr(tails, "fit_tail", lambda values, rng: {"shape": "polylogarithmic"})
    assert tails.analyse(SMALL_TAILS, specs, results)["finding"].verdict == "inconclusive"
    monkeypatch.setattr(tails, "fit_tail", lambda values, rng: {"shape": "undecided"})
    assert tails.analyse(SMALL_TAILS, specs, results)["finding"].verdict == "inconclusive"


# --------------------------------------------------------------------------- item 3
def test_exact_floor_matches_the_closed_form():
    """Two-point noise with A > c and |B| < c: the root of p c + (1-p)(u + B) = 0 is
    u = p (A - c) / (1 - p)."""
    noise = adaptive.asymmetric_two_point(1.0, 0.1)   # A = 3, B = -1/3
    c = 1.0
    expected = 0.1 * (noise.success - c) / 0.9
    assert adaptive.exact_floor(noise, c) == pytest.approx(expected, rel=1e-12)
    assert adaptive.mean_clipped_field(expected, noise, c) == pytest.approx(0.0, abs=1e-12)
    assert adaptive.mean_clipped_field(expected + 0.01, noise, c) > 1e-3
    # no clipping (c above every value) or symmetric noise: unbiased, floor 0
    assert adaptive.exact_floor(noise, 10.0) == 0.0
    assert adaptive.exact_floor(adaptive.asymmetric_two_point(1.0, 0.5), 0.3) == 0.0


def test_asymmetric_two_point_has_mean_zero_and_variance_sigma_squared():
    noise = adaptive.asymmetric_two_point(2.0, 0.1)
    mean = noise.p * noise.success + (1 - noise.p) * noise.failure
    variance = noise.p * noise.success ** 2 + (1 - noise.p) * noise.failure ** 2
    assert mean == pytest.approx(0.0, abs=1e-12)
    assert variance == pytest.approx(4.0)


def test_floor_verdict_cases():
    """Beyond 4 standard errors: fails; within, with 4 se <= 10% of the floor: holds; within,
    but too noisy to see a 10% error: inconclusive; an exact floor of 0 needs no resolution."""
    assert bias.floor_verdict(0.100, 0.001, 0.110) == "fails"
    assert bias.floor_verdict(0.100, 0.001, 0.102) == "holds"
    assert bias.floor_verdict(0.100, 0.004, 0.102) == "inconclusive"
    assert bias.floor_verdict(0.001, 0.001, 0.0) == "holds"
    assert bias.floor_verdict(math.nan, 0.001, 0.1) == "inconclusive"


#: 400 replicas: the c = 2 cell's standard error (about 0.0025) then resolves 10% of its floor
#: 0.111 at 4 standard errors (300 replicas would leave it inconclusive)
SMALL_BIAS = adaptive.ClippingBiasBudget(sigmas=(1.0,), thresholds=(0.5, 2.0),
                                         step_sizes=(0.01,), replicas=400)


def test_clipping_bias_small_budget_holds():
    """400 replicas per cell, seeds derived from each spec: the measured floor is within 4
    standard errors of the exact root (a correct engine fails this with probability 6e-5 per
    cell), every check holds."""
    out = adaptive.clipping_bias(SMALL_BIAS, figure=False)
    assert {name: c["verdict"] for name, c in out["checks"].items()} == dict.fromkeys(
        out["checks"], "holds")
    assert out["verdict"] == "holds" and out["finding"]["correction"] is None
    for row in out["rows"]:
        assert row["verdict"] == "holds"
        assert row["floor"] > 4 * row["floor_stderr"]            # a real, non-zero floor
        assert row["deterministic_grad"] < 1e-10                  # deterministic: converges


def _bias_analysis():
    """The small run's analysis from its stored cells."""
    stochastic, deterministic = bias.cells(SMALL_BIAS)
    results = compute([*stochastic.values(), *deterministic.values()])
    return bias.analyse(SMALL_BIAS, stochastic, deterministic, results)


def test_clipping_bias_flags_a_wrong_prediction(monkeypatch):
    """The same runs against a floor prediction 10% off (the runs are the stored ones; only the
    analysis sees the wrong prediction): the match check must fail with the measured floor as
    correction."""
    exact = bias.exact_floor
    cells = bias.cells(SMALL_BIAS)   # built with the true floor (it sets the steps): stored runs
    monkeypatch.setattr(bias, "exact_floor", lambda noise, c: 1.1 * exact(noise, c))
    monkeypatch.setattr(bias, "cells", lambda budget: cells)
    analysis = _bias_analysis()
    check = analysis["checks"]["stochastic floor matches the exact root of the mean clipped field"]
    assert check.verdict == "fails" and "stationary |E grad|" in check.correction
    assert analysis["finding"].verdict == "fails"


@pytest.mark.parametrize("mutation, name", [
    (lambda r: {**r, "ratio": 1.5}, "floor <= min(sigma, sigma^2/c)"),
    (lambda r: {**r, "worst_ratio": r["worst_ratio"] * (10 if r["threshold"] == 2.0 else 1)},
     "worst-case floor"),
    (lambda r: {**r, "deterministic_grad": 1e-3}, "deterministic clipped GD converges"),
    (lambda r: {**r, "iterations_1e-8": r["iterations_1e-8"] + int(10 * r["threshold"])},
     "deterministic: steps from"),
    (lambda r: {**r, "floor": 0.0, "floor_stderr": 1e-4}, "stochastic floor is non-zero"),
])
def test_each_clipping_bias_check_can_fail(mutation, name):
    """Wrong inputs, one per check: rows of the small run altered the way a wrong engine or a
    wrong bound would alter them must flip that check to fails, with a correction."""
    rows = [mutation(r) for r in _bias_analysis()["rows"]]
    checks = bias._checks(rows, SMALL_BIAS)
    (key,) = [k for k in checks if k.startswith(name)]
    assert checks[key].verdict == "fails" and checks[key].correction


# --------------------------------------------------------------------------- item 4
SMALL_SMOOTHNESS = adaptive.SmoothnessBudget(
    distances={"exponential": (1.0, 3.0, 5.0), "quartic": (1.0, 4.0, 8.0)}, trace=5000)


def test_deterministic_descent_matches_a_python_loop():
    """Clipped GD on the exponential problem: the kernel's count equals a plain NumPy loop's."""
    problem = Exponential(dim=2, mu=1.0, L=2.0)
    x0 = problem.minimiser + 4.0
    eta, tau, tol = 0.05, 1.0, 1e-3
    x = x0.copy()
    count = 0
    while np.linalg.norm(problem.grad(x)) > tol:
        g = problem.grad(x)
        x = x - eta * min(1.0, tau / np.linalg.norm(g)) * g
        count += 1
    code, pp, parr = problem.kernel_args()
    trace = np.full(10, np.nan)
    x_kernel = x0.copy()
    got = adaptive.deterministic_descent(adaptive.CLIPPED_GD, code, pp, parr, x_kernel, eta,
                                         tau, 0.0, tol, 10 ** 6, trace, trace.copy(),
                                         trace.copy())
    assert got == count
    np.testing.assert_allclose(x_kernel, x, rtol=1e-12)
    assert adaptive.deterministic_descent(adaptive.GD, code, pp, parr, x0.copy(), 5.0, 0.0, 0.0,
                                          tol, 1000, trace, trace.copy(), trace.copy()) == -2


def test_l0l1_small_budget_holds():
    """Deterministic descents (no seed): every check holds, and clipped GD's advantage over GD
    grows more than threefold from D = 1 to D = 5 on the exponential problem."""
    out = adaptive.l0l1_smoothness(SMALL_SMOOTHNESS, figure=False)
    assert {name: c["verdict"] for name, c in out["checks"].items()} == dict.fromkeys(
        out["checks"], "holds")
    assert out["verdict"] == "holds" and out["finding"]["method"] == "numeric"
    gd = [r["iterations"] for r in out["rows"] if r["problem"] == "exponential"
          and r["method"] == "gd"]
    clipped = [r["iterations"] for r in out["rows"] if r["problem"] == "exponential"
               and r["method"] == "clipped-gd"]
    assert gd[-1] / clipped[-1] > 3 * gd[0] / clipped[0]
    for row in out["rows"]:   # the least L0 the traces need is below the stated one
        assert row["l0_needed"] <= row["L0"] * (1 + 1e-9)


def test_l0l1_flags_wrong_constants(monkeypatch):
    """With L0 of the exponential problem understated (0.5 instead of its true 4) the local
    smoothness exceeds L0 + L1 ||grad|| near the minimiser (where it tends to L0 = max h = 4):
    the check fails and derives the L0 the traces need, between 0.5 and 4."""
    monkeypatch.setattr(Exponential, "smoothness_l0", property(lambda self: 0.5))
    out = adaptive.l0l1_smoothness(SMALL_SMOOTHNESS, figure=False)
    check = out["checks"]["exponential: local smoothness <= L0 + L1 ||grad f|| at every traced "
                          "step"]
    assert check["verdict"] == "fails"
    needed = float(check["correction"].split(">= ")[1].split(" ")[0])
    assert 0.5 < needed <= 4.0
    assert out["verdict"] == "fails"


@pytest.mark.parametrize("mutation, name", [
    (lambda r: {**r, "upper_bound": r["upper_bound"] and 1.0}, "exponential: clipped-gd within"),
    (lambda r: {**r, "iterations": 10 if r["method"] == "gd" else r["iterations"]},
     "exponential: gd/clipped-gd count ratio"),
])
def test_each_l0l1_count_check_can_fail(mutation, name):
    """Wrong inputs: a bound below the counts, and GD counts that no longer grow with D."""
    tasks = smoothness.cells(SMALL_SMOOTHNESS)
    rows = smoothness.analyse(SMALL_SMOOTHNESS, tasks, compute(tasks.values()))["rows"]
    rows = [mutation(r) for r in rows]
    checks = {}
    smoothness._count_checks("exponential", {
        m: [r for r in rows if r["problem"] == "exponential" and r["method"] == m]
        for m in smoothness.DESCENT_METHODS}, checks)
    (key,) = [k for k in checks if k.startswith(name)]
    assert checks[key].verdict == "fails" and checks[key].correction


# --------------------------------------------------------------------------- item 5
SMALL_ACCLIP = adaptive.NonStationaryBudget(steps=150, tuning_replicas=20, replicas=100)


@pytest.fixture
def small_grid(monkeypatch):
    monkeypatch.setattr(acclip, "TUNING_GRID", {
        method: grid[::2] for method, grid in acclip.TUNING_GRID.items()})


def test_acclip_nonstationary_small_budget(small_grid):
    """Tuning 20 replicas per cell on every second grid cell, evaluation 100 replicas, K = 150,
    the stage seeds fixed by simlab.rng: each comparison's verdict is what its paired-bootstrap
    interval says (inconclusive when a method of the pair was tuned on the grid's edge), and the
    finding combines them."""
    out = acclip.acclip_nonstationary(SMALL_ACCLIP, figure=False)
    assert {r["method"] for r in out["rows"]} == set(acclip.TUNING_GRID)
    for row in out["rows"]:
        assert row["ci_low"] <= row["median_error"] <= row["ci_high"]
        assert (row["step_size"], row["threshold"]) in acclip.TUNING_GRID[row["method"]]
    for comparison in out["comparisons"]:
        assert comparison["ci_low"] <= comparison["log10_median_ratio"] <= comparison["ci_high"]
        expected = ("inconclusive" if comparison["tuned_on_grid_edge"] else
                    "holds" if comparison["ci_high"] < 0 else
                    "fails" if comparison["ci_low"] > 0 else "inconclusive")
        assert comparison["verdict"] == expected
        assert out["checks"][comparison["paper"]]["verdict"] == expected
    assert out["verdict"] in VERDICTS
    assert out["budget"]["seed"] == acclip.EVALUATION_SEED != out["budget"]["tuning_seed"]


def test_acclip_comparisons_flip_when_the_order_is_reversed(small_grid, monkeypatch):
    """Wrong input: the paper's pairs reversed (adam beats acclip, ...) against the same stored
    runs: every comparison that held now fails, with the measured ratio as correction."""
    first = acclip.acclip_nonstationary(SMALL_ACCLIP, figure=False)
    held = [c["paper"] for c in first["comparisons"] if c["verdict"] == "holds"]
    assert held   # the small run resolves two of the paper's comparisons (gclip/sgd, cclip/gclip)
    monkeypatch.setattr(acclip, "PAPER_ORDER", tuple((w, b) for b, w in acclip.PAPER_ORDER))
    out = acclip.acclip_nonstationary(SMALL_ACCLIP, figure=False)
    for paper in held:
        better, worse = paper.split(" beats ")
        check = out["checks"][f"{worse} beats {better}"]
        assert check["verdict"] == "fails" and f"{better} beats {worse}" in check["correction"]
    assert out["verdict"] == "fails"


def test_acclip_a_method_tuned_on_the_grid_edge_leaves_its_comparisons_open(small_grid,
                                                                           monkeypatch):
    """Wrong input: every tuned cell reported on its grid's edge (where the optimum may lie
    outside the grid): no comparison can decide, so each is inconclusive."""
    monkeypatch.setattr(acclip, "at_grid_edge", lambda method, eta, tau: True)
    out = acclip.acclip_nonstationary(SMALL_ACCLIP, figure=False)
    assert {c["verdict"] for c in out["comparisons"]} == {"inconclusive"}
    assert out["verdict"] == "inconclusive"
    assert all(c["tuned_on_grid_edge"] for c in out["comparisons"])


def test_compare_cases():
    """Paired synthetic errors, n = 400, seed 5: a at half of b holds, at twice fails, equal
    is inconclusive (the interval of the log-ratio of medians, about +-0.1 wide, contains 0)."""
    rng = np.random.default_rng(5)
    b = rng.pareto(1.5, size=400) + 1.0
    for a, verdict in ((0.5 * b, "holds"), (2.0 * b, "fails"),
                       (b * rng.uniform(0.9, 1.1, size=400), "inconclusive")):
        assert acclip.compare("x", "y", a, b, np.random.default_rng(6))["verdict"] == verdict
    assert acclip.compare("x", "y", 0.5 * b, b, np.random.default_rng(6),
                          edge=("y",))["verdict"] == "inconclusive"


def test_shrinking_noise_schedule():
    budget = adaptive.NonStationaryBudget(steps=100)
    scale = adaptive.shrinking_noise(budget)
    assert scale[0] == budget.noise_start and scale[-1] == pytest.approx(budget.noise_end)
    assert np.all(np.diff(scale) < 0)


def test_grid_edge_flag():
    steps = sorted({eta for eta, _ in adaptive.TUNING_GRID["gclip"]})
    taus = sorted({tau for _, tau in adaptive.TUNING_GRID["gclip"]})
    assert adaptive.at_grid_edge("gclip", steps[0], taus[1])
    assert adaptive.at_grid_edge("gclip", steps[1], taus[-1])
    assert not adaptive.at_grid_edge("gclip", steps[1], taus[1])
    assert not adaptive.at_grid_edge("adam", 0.1, math.inf)   # thresholds unused: steps only


# --------------------------------------------------------------------------- the verb
def test_verb_runs_one_experiment_as_json(monkeypatch, capsys):
    monkeypatch.setitem(adaptive.CLIPPING_BIAS_BUDGETS, "quick", SMALL_BIAS)
    assert main(["adaptive", "--only", "clipping-bias", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    result = document["experiments"]["clipping-bias"]
    assert document["mode"] == "quick"
    assert result["verdict"] == result["finding"]["verdict"] == "holds"
    assert {"claim", "rows", "tolerance", "figure", "checks", "finding"} <= set(result)
    assert result["rows"][0]["threshold"] == 0.5
    assert set(_verdicts(document)) <= set(VERDICTS)


def test_verb_renders_a_table(monkeypatch, capsys):
    monkeypatch.setitem(adaptive.CLIPPING_BIAS_BUDGETS, "quick", SMALL_BIAS)
    assert main(["adaptive", "--only", "clipping-bias"]) == 0
    text = capsys.readouterr().out
    assert "verdict: holds" in text and "floor_exact" in text and "[holds]" in text


def test_verb_rejects_an_unknown_experiment(capsys):
    assert main(["adaptive", "--only", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err


def test_run_experiments_validates_its_arguments():
    from simlab.errors import InputError

    with pytest.raises(InputError):
        adaptive.run_experiments("medium")
    with pytest.raises(InputError):
        adaptive.run_experiments("quick", only="rates")
