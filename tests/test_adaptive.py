"""simlab adaptive: the (L0, L1) problems, the statistics and checks of the four experiments, and
the verb. Each checker is also fed a wrong input and must say so."""

import json
import math

import numpy as np
import pytest

from simlab.cli import main
from simlab.experiments import adaptive
from simlab.problems import PROBLEMS, Exponential, Quartic

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


# --------------------------------------------------------------------------- item 2
def test_high_probability_small_budget():
    """R = 3000 replicas, K = 100, d = 2, seed 20240 (fixed): clipped AdaGrad-Norm's tail is
    polylogarithmic and delayed unclipped AdaGrad-Norm's polynomial; the quantiles grow with
    1/delta and their intervals bracket them."""
    budget = adaptive.HighProbabilityBudget(replicas=3000, steps=100, dim=2)
    out = adaptive.high_probability(budget, figure=False)
    rows = {(r["method"], r["delta"]): r for r in out["rows"]}
    assert len(rows) == len(adaptive.HIGH_PROBABILITY_METHODS) * len(adaptive.DELTAS)
    assert rows[("clip-adagrad-norm", 0.5)]["shape"] == "polylogarithmic"
    assert rows[("adagrad-norm-delayed", 0.5)]["shape"] == "polynomial"
    for method in adaptive.HIGH_PROBABILITY_METHODS:
        quantiles = [rows[(method, d)]["quantile"] for d in adaptive.DELTAS]
        assert np.all(np.diff(quantiles) >= 0)
        for d in adaptive.DELTAS:
            r = rows[(method, d)]
            assert r["quantile_low"] <= r["quantile"] <= r["quantile_high"]
    assert "adagrad-norm-delayed" in out["witnesses"]
    assert out["verdict"].startswith("consistent")


def test_high_probability_verdict_flags_a_heavy_clipped_tail(monkeypatch):
    """If every tail were polynomial, the clipped methods would contradict the claim."""
    budget = adaptive.HighProbabilityBudget(replicas=300, steps=20, dim=2)
    monkeypatch.setattr(adaptive, "fit_tail", lambda values, rng: {"shape": "polynomial"})
    out = adaptive.high_probability(budget, figure=False)
    assert out["verdict"].startswith("inconsistent")
    monkeypatch.setattr(adaptive, "fit_tail", lambda values, rng: {"shape": "polylogarithmic"})
    out = adaptive.high_probability(budget, figure=False)
    assert out["verdict"].startswith("not reproduced")


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


SMALL_BIAS = adaptive.ClippingBiasBudget(sigmas=(1.0,), thresholds=(0.5, 2.0),
                                         step_sizes=(0.01,), replicas=300)


def test_clipping_bias_small_budget_is_consistent():
    """300 replicas per cell, seed 20230: the measured floor is within 4 standard errors of
    the exact root (a correct engine fails this with probability 6e-5 per cell)."""
    out = adaptive.clipping_bias(SMALL_BIAS, figure=False)
    assert all(out["checks"].values()), out["checks"]
    assert out["verdict"] == "consistent"
    for row in out["rows"]:
        assert row["floor"] > 4 * row["floor_stderr"]            # a real, non-zero floor
        assert row["deterministic_grad"] < 1e-10                  # deterministic: converges


def test_clipping_bias_flags_a_wrong_prediction(monkeypatch):
    """The same runs against a floor prediction 10% off: the check must fail."""
    exact = adaptive.exact_floor
    monkeypatch.setattr(adaptive, "exact_floor", lambda noise, c: 1.1 * exact(noise, c))
    out = adaptive.clipping_bias(SMALL_BIAS, figure=False)
    assert not out["checks"]["stochastic floor matches the exact root of the mean clipped field"]
    assert out["verdict"].startswith("inconsistent")


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


def test_l0l1_small_budget_is_consistent():
    out = adaptive.l0l1_smoothness(SMALL_SMOOTHNESS, figure=False)
    assert all(out["checks"].values()), out["checks"]
    gd = [r["iterations"] for r in out["rows"] if r["problem"] == "exponential"
          and r["method"] == "gd"]
    clipped = [r["iterations"] for r in out["rows"] if r["problem"] == "exponential"
               and r["method"] == "clipped-gd"]
    assert gd[-1] / clipped[-1] > 3 * gd[0] / clipped[0]


def test_l0l1_flags_wrong_constants(monkeypatch):
    """With L0 of the exponential problem understated (0.5 instead of 1) the local smoothness
    exceeds L0 + L1 ||grad|| near the minimiser, and the verdict says so."""
    monkeypatch.setattr(Exponential, "smoothness_l0", property(lambda self: 0.5))
    out = adaptive.l0l1_smoothness(SMALL_SMOOTHNESS, figure=False)
    key = "exponential: local smoothness <= L0 + L1 ||grad f|| at every traced step"
    assert out["checks"][key] is False
    assert out["verdict"].startswith("inconsistent")


# --------------------------------------------------------------------------- item 5
def test_acclip_nonstationary_small_budget(monkeypatch):
    budget = adaptive.NonStationaryBudget(steps=150, tuning_replicas=20, replicas=100)
    monkeypatch.setattr(adaptive, "TUNING_GRID", {
        method: grid[::3] for method, grid in adaptive.TUNING_GRID.items()})
    out = adaptive.acclip_nonstationary(budget, figure=False)
    assert {r["method"] for r in out["rows"]} == set(adaptive.TUNING_GRID)
    for row in out["rows"]:
        assert row["ci_low"] <= row["median_error"] <= row["ci_high"]
        assert (row["step_size"], row["threshold"]) in adaptive.TUNING_GRID[row["method"]]
    for comparison in out["comparisons"]:
        assert comparison["ci_low"] <= comparison["log10_median_ratio"] <= comparison["ci_high"]
        assert comparison["agrees"] == (comparison["ci_high"] < 0)
    assert out["verdict"].split(":")[0] in ("consistent", "inconsistent", "inconclusive")


def test_shrinking_noise_schedule():
    budget = adaptive.NonStationaryBudget(steps=100)
    scale = adaptive.shrinking_noise(budget)
    assert scale[0] == budget.noise_start and scale[-1] == pytest.approx(budget.noise_end)
    assert np.all(np.diff(scale) < 0)


# --------------------------------------------------------------------------- the verb
def test_verb_runs_one_experiment_as_json(monkeypatch, capsys):
    monkeypatch.setitem(adaptive.CLIPPING_BIAS_BUDGETS, "quick", SMALL_BIAS)
    assert main(["adaptive", "--only", "clipping-bias", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    result = document["experiments"]["clipping-bias"]
    assert document["mode"] == "quick"
    assert result["verdict"] == "consistent"
    assert {"claim", "rows", "tolerance", "figure"} <= set(result)
    assert result["rows"][0]["threshold"] == 0.5


def test_verb_renders_a_table(monkeypatch, capsys):
    monkeypatch.setitem(adaptive.CLIPPING_BIAS_BUDGETS, "quick", SMALL_BIAS)
    assert main(["adaptive", "--only", "clipping-bias"]) == 0
    text = capsys.readouterr().out
    assert "verdict: consistent" in text and "floor_exact" in text


def test_verb_rejects_an_unknown_experiment(capsys):
    assert main(["adaptive", "--only", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err


def test_grid_edge_flag():
    steps = sorted({eta for eta, _ in adaptive.TUNING_GRID["gclip"]})
    taus = sorted({tau for _, tau in adaptive.TUNING_GRID["gclip"]})
    assert adaptive.at_grid_edge("gclip", steps[0], taus[1])
    assert adaptive.at_grid_edge("gclip", steps[1], taus[-1])
    assert not adaptive.at_grid_edge("gclip", steps[1], taus[1])
    assert not adaptive.at_grid_edge("adam", 0.1, math.inf)   # thresholds unused: steps only


def test_run_experiments_validates_its_arguments():
    from simlab.errors import InputError

    with pytest.raises(InputError):
        adaptive.run_experiments("medium")
    with pytest.raises(InputError):
        adaptive.run_experiments("quick", only="rates")
