"""The lower-bound instances in the engine, and the algorithm-vs-bound verdicts (issue 5, item 4).

Every checker is also fed a deliberately wrong input and must say "fails" (or "inconclusive"
where the data cannot decide). The runs go through the pipeline (Specs computed by
simlab.run.compute) into a fresh store per module.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

import simlab
from simlab import analysis
from simlab import lowerbounds as lb
from simlab.experiments import lowerbound_figures
from simlab.experiments import lowerbound_runs as runs
from simlab.experiments import lowerbounds as checks
from simlab.noise import ZeroChainOracle
from simlab.problems import PROBLEMS, ConstrainedQuadratic, ZeroChainProblem
from simlab.run import Spec, compute, using
from simlab.schedules import constant

#: the quick chain instance: d = 8, p = 0.00718, lambda = 1.216
SMALL_CHAIN = lb.Theorem6Instance(alpha=1.5, eps=4e-3, Delta=1.0, L=1.0, G=1.0)


@pytest.fixture(autouse=True, scope="module")
def _fresh_store(tmp_path_factory):
    with using(store=str(tmp_path_factory.mktemp("lowerbound-runs-store"))):
        yield


def chain_points(instance, count, seed):
    """Points x = lambda y with y a chain walked part of the way (entries in (1/2, 3) up to a
    random length, one entry near the thresholds 1/4, 1/2, 1, zeros after) and uniform ones."""
    rng = np.random.default_rng(seed)
    d = instance.dimension
    points = []
    for _ in range(count):
        y = np.zeros(d)
        length = rng.integers(0, d + 1)
        y[:length] = rng.uniform(0.5, 3.0, length) * rng.choice([-1.0, 1.0], length)
        if length < d:
            y[length] = rng.choice([0.2, 0.26, 0.49, 0.51, 0.99, 1.01])
        points.append(instance.scale * y)
        points.append(instance.scale * rng.uniform(-3.0, 3.0, d))
    return points


# --- the engine's zero chain equals lowerbounds' ----------------------------------------------


def test_zero_chain_problem_registered_and_built_from_the_instance():
    problem = PROBLEMS["zero-chain"](SMALL_CHAIN)
    assert isinstance(problem, ZeroChainProblem) and problem.dim == SMALL_CHAIN.dimension == 8
    assert problem.f_star == SMALL_CHAIN.f_star and problem.smoothness == SMALL_CHAIN.L
    assert ZeroChainProblem().dim == lb.Theorem6Instance(**lb.THEOREM6_DEFAULT).dimension
    with pytest.raises(simlab.errors.InputError):
        ZeroChainProblem("not an instance")


def engine_matches_instance(problem, instance, points) -> bool:
    """The engine's F and grad F (problem code ZERO_CHAIN) against Theorem6Instance's (x/lambda
    in NumPy, then the f_d kernels) at every point, to 4 ulp of the largest entry."""
    for x in points:
        value, expected_value = problem.f(x), instance.value(x)
        if abs(value - expected_value) > 4 * lb.ULP * max(1.0, abs(expected_value)):
            return False
        gradient, expected = problem.grad(x), instance.gradient(x)
        scale = max(1e-300, float(np.max(np.abs(expected))))
        if np.max(np.abs(gradient - expected)) > 4 * lb.ULP * scale:
            return False
    return True


def test_engine_zero_chain_value_and_gradient_equal_lowerbounds():
    problem = ZeroChainProblem(SMALL_CHAIN)
    points = chain_points(SMALL_CHAIN, 200, seed=1)
    assert engine_matches_instance(problem, SMALL_CHAIN, points)
    assert all(problem.progress(x) == lb.prog(x / SMALL_CHAIN.scale, 1.0) for x in points)


def test_gradient_comparison_can_fail():
    """Against an instance with the same d = 8 but eps = 4.1e-3 (lambda 2.5% larger) the same
    comparison must fail."""
    other = lb.Theorem6Instance(alpha=1.5, eps=4.1e-3, Delta=1.0, L=1.0, G=1.0)
    assert other.dimension == 8
    points = chain_points(SMALL_CHAIN, 20, seed=2)
    assert not engine_matches_instance(ZeroChainProblem(SMALL_CHAIN), other, points)


def test_zero_chain_noise_law_matches_the_oracle_law():
    """Every value the engine's oracle adds is one of the two outcomes of the exact law
    (Theorem6Instance.oracle_law minus grad F), with z = 1 at frequency p."""
    oracle = ZeroChainOracle.from_instance(SMALL_CHAIN)
    x = SMALL_CHAIN.scale * np.r_[1.5, -1.2, 0.1, np.zeros(5)]
    gradient = SMALL_CHAIN.gradient(x)
    outcomes = [g - gradient for _, g in SMALL_CHAIN.oracle_law(x)]
    draws = oracle.sample(20_000, dim=8, seed=3, at=x)
    success = np.all(np.abs(draws - outcomes[0]) <= 4 * lb.ULP * np.abs(outcomes[0]).max(), 1)
    failure = np.all(np.abs(draws - outcomes[1]) <= 4 * lb.ULP * np.abs(outcomes[1]).max(), 1)
    assert np.all(success | failure)
    assert np.flatnonzero(outcomes[0])[0] == lb.prog(x / SMALL_CHAIN.scale, 0.25) == 2
    # the frequency of z = 1: a two-sided binomial test; a correct oracle fails w.p. 1e-6
    assert stats.binomtest(int(success.sum()), success.size, SMALL_CHAIN.p).pvalue > 1e-6


def unbiasedness_z(draws: np.ndarray, exact_sd: np.ndarray) -> float:
    """max over coordinates of |sample mean| / (exact standard deviation / sqrt(n))."""
    n = draws.shape[0]
    noisy = exact_sd > 0
    assert np.all(draws[:, ~noisy] == 0.0)
    return float(np.max(np.abs(draws[:, noisy].mean(axis=0)) / (exact_sd[noisy] / math.sqrt(n))))


def test_engine_oracle_is_unbiased_and_the_check_can_fail():
    """Monte Carlo, seed 7, n = 400,000 draws at two points: the noise's mean is within 5 of its
    exact standard errors (sd = |(L lambda/152) grad_j f_d| sqrt((1 - p)/p) on coordinate j);
    a correct oracle fails with probability < 1e-6. The same draws shifted by 10 standard
    errors (a biased oracle) must fail."""
    oracle = ZeroChainOracle.from_instance(SMALL_CHAIN)
    n, p = 400_000, SMALL_CHAIN.p
    for x in (np.zeros(8), SMALL_CHAIN.scale * np.r_[1.5, -1.2, 0.1, np.zeros(5)]):
        law = SMALL_CHAIN.oracle_law(x)
        exact_sd = np.abs(law[0][1] - law[1][1]) * math.sqrt(p * (1 - p))
        draws = oracle.sample(n, dim=8, seed=7, at=x)
        assert unbiasedness_z(draws, exact_sd) <= 5.0
        shifted = draws + np.where(exact_sd > 0, 10.0 * exact_sd / math.sqrt(n), 0.0)
        assert unbiasedness_z(shifted, exact_sd) > 5.0


def test_progress_per_step_is_p():
    """SGD with eta = 1 on the small chain: a success of the oracle moves the noisy coordinate
    by about eta (L/152) |grad_j f_d| / p >= 1.5 lambda, so prog_1 counts the successes exactly
    until it reaches d. Over R = 200 replicas x 300 steps (expected progress 2.2 of d = 8) the
    total is Binomial(60,000, p): a two-sided binomial test at 1e-6. A wrong p (2p) fails it."""
    problem = ZeroChainProblem(SMALL_CHAIN)
    steps, replicas = 300, 200
    result = simlab.simulate(problem, ZeroChainOracle.from_instance(SMALL_CHAIN), "sgd",
                             constant(1.0), steps=steps, replicas=replicas, seed=11,
                             checkpoints=[steps], show_progress=False)
    total = int(result.metrics["progress"][:, -1].sum())
    assert np.all(result.metrics["progress"][:, -1] < problem.dim)
    assert stats.binomtest(total, steps * replicas, SMALL_CHAIN.p).pvalue > 1e-6
    assert stats.binomtest(total, steps * replicas, 2 * SMALL_CHAIN.p).pvalue < 1e-6


def test_progress_metric_is_nan_off_the_chain():
    result = simlab.simulate(simlab.Quadratic(dim=2), simlab.Gaussian(), "sgd", constant(0.1),
                             steps=5, replicas=3, show_progress=False)
    assert np.all(np.isnan(result.metrics["progress"]))
    assert "progress" not in result.to_dict()["metrics"]


# --- Theorem 5 in the engine ------------------------------------------------------------------


def test_constrained_quadratic_box_bounds():
    problem = ConstrainedQuadratic(dim=1, mu=1.0, L=1.0, l1=0.0, center=0.1, low=0.0, high=0.5)
    assert np.array_equal(problem.project(np.array([-0.3])), [0.0])
    assert np.array_equal(problem.project(np.array([0.7])), [0.5])
    assert problem.minimiser[0] == 0.1 and problem.f_star == 0.0
    assert problem.gradient_bound() == pytest.approx(0.4)
    default = ConstrainedQuadratic(dim=2)
    assert (default.low, default.high) == (-2.0, 2.0)
    with pytest.raises(simlab.errors.InputError):
        ConstrainedQuadratic(dim=1, low=1.0, high=0.0)


def test_theorem5_oracle_through_the_engine():
    """g = f_b'(x) + noise is x - 1/(2 gamma) w.p. p_nu and x otherwise: unbiased for f_b'(x)
    (Monte Carlo, n = 1,000,000, seed 5, mean within 5 exact standard errors); the
    deliberately wrong noise without the shift b (success = -jump, failure = 0, mean -b)
    fails the same check."""
    instance = lb.Theorem5Instance(1.5, 0.05, 1)
    problem, noise = runs.theorem5_problem(instance)
    n = 1_000_000
    draws = noise.sample(n, seed=5)[:, 0]
    sd = instance.jump * math.sqrt(instance.p * (1 - instance.p))
    assert abs(draws.mean()) <= 5 * sd / math.sqrt(n)
    wrong = simlab.TwoPoint(p=instance.p, success=-instance.jump, failure=0.0).sample(n, seed=5)
    assert abs(wrong[:, 0].mean()) > 5 * sd / math.sqrt(n)
    assert problem.grad(np.array([0.3]))[0] == pytest.approx(0.3 - instance.b)


def test_le_cam_bound_is_below_the_best_possible_risk_and_has_the_rate():
    """The bound is below the exact Bayes risk of the Bayes-optimal rule for k = 1 (computed by
    enumerating the two outcomes) and its slope over k in [10^3, 10^5] is -2(alpha-1)/alpha to
    0.02 (the TV term converges slowly)."""
    alpha, k = 1.5, 1
    eps = float(runs.theorem5_eps(k, alpha))
    laws = [lb.Theorem5Instance(alpha, eps, nu) for nu in (0, 1)]
    # Bayes risk of the best output for each observation (jump or not), fair prior
    risk = 0.0
    for jumped in (True, False):
        weights = [0.5 * (law.p if jumped else 1 - law.p) for law in laws]
        best = (weights[0] * laws[0].b + weights[1] * laws[1].b) / sum(weights)
        risk += sum(w * 0.5 * (best - law.b) ** 2 for w, law in zip(weights, laws, strict=True))
    assert runs.le_cam_bound(k, alpha) <= risk
    horizons = np.array([1_000, 10_000, 100_000])
    slope = np.polyfit(np.log(horizons), np.log([runs.le_cam_bound(int(h), alpha)
                                                 for h in horizons]), 1)[0]
    assert abs(slope - simlab.theory.theorem5_exponent(alpha)) < 0.02


# --- the verdicts -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_theorem5():
    settings = replace(runs.RunSettings.quick(), horizons=(10, 40, 160, 640), replicas=400,
                       bootstrap=200)
    return runs.theorem5_runs(settings)


def test_theorem5_every_algorithm_stays_above_the_bound(quick_theorem5):
    rows = {row["property"].split(":")[0]: row for row in quick_theorem5["rows"]}
    for name in runs.ALGORITHMS:
        assert rows[name]["verdict"] == "holds", rows[name]
    assert set(quick_theorem5["algorithms"]) == set(runs.ALGORITHMS)
    # GClip below Theorem 4's upper bound (same exponent: the sandwich); a bound 1000 times
    # smaller must be reported "fails"
    upper = next(row for row in quick_theorem5["rows"] if "Theorem 4's" in row["property"])
    assert upper["verdict"] == "holds"
    gclip = quick_theorem5["algorithms"]["gclip"]
    too_small = np.asarray(quick_theorem5["gclip_upper_bound"]) / 1000
    assert runs.stays_below(gclip["risk"], gclip["stderr"], too_small, name="gclip")[
        "verdict"] == "fails"


def test_stays_above_fails_for_a_wrong_bound(quick_theorem5):
    """A "lower bound" with the exponent halved, c k^{-(alpha-1)/alpha}, with the largest
    constant such a bound could have given the first horizon (tight there: c k_1^{-(a-1)/a}
    = measured risk at k_1) rises above GClip's measured risk at the later horizons: the
    verdict must be 'fails' (while the true bound holds)."""
    gclip = quick_theorem5["algorithms"]["gclip"]
    horizons = np.asarray(gclip["horizons"], dtype=float)
    bound = np.asarray(quick_theorem5["bound"])
    half = quick_theorem5["predicted_exponent"] / 2
    wrong = gclip["risk"][0] * (horizons / horizons[0]) ** half
    right = runs.stays_above(gclip["risk"], gclip["stderr"], bound, name="gclip")
    row = runs.stays_above(gclip["risk"], gclip["stderr"], wrong, name="gclip")
    assert right["verdict"] == "holds" and row["verdict"] == "fails"


def test_slope_verdict_is_computed_and_can_fail(quick_theorem5):
    """The slope row is simlab.analysis.verdict of the bootstrap interval: a narrow interval
    (half-width 0.025) covering the prediction holds, the same interval against half the
    exponent fails (with the measured slope as its correction), a wide one (half-width 0.2)
    is inconclusive. The measured GClip fit is reported whatever it says (in the quick range
    it is shallower than -2/3, see the module docstring)."""
    predicted = quick_theorem5["predicted_exponent"]
    assert predicted == pytest.approx(-2 * 0.5 / 1.5)
    covering = {"slope": predicted + 0.01, "stderr": 0.01, "interval": [predicted - 0.02,
                                                                      predicted + 0.03]}
    assert runs.slope_row(covering, predicted, "gclip")["verdict"] == "holds"
    wrong = runs.slope_row(covering, predicted / 2, "gclip", [10, 40])
    assert wrong["verdict"] == "fails" and "measured slope over k in [10, 40]" in wrong[
        "correction"]
    wide = {"slope": predicted, "stderr": 0.1, "interval": [predicted - 0.2, predicted + 0.2]}
    assert runs.slope_row(wide, predicted, "gclip")["verdict"] == "inconclusive"
    fit = quick_theorem5["gclip_fit"]
    row = next(r for r in quick_theorem5["rows"] if "slope" in r["property"]
               and "last two" not in r["property"])
    assert row["verdict"] == analysis.verdict(predicted, *fit["interval"])


def test_zero_chain_verdicts_and_a_wrong_threshold():
    settings = replace(runs.RunSettings.quick(), chain_replicas=60)
    chain = runs.zero_chain_runs(settings, SMALL_CHAIN)
    assert chain["horizon"] == runs.chain_horizon(SMALL_CHAIN) == 487
    assert all(row["verdict"] == "holds" for row in chain["rows"])
    for data in chain["algorithms"].values():
        # progress never exceeds the number of oracle successes, whose mean is p k: the mean
        # progress is at most p k + 5 standard errors at every checkpoint
        excess = data["mean_progress"] - chain["expected_progress_bound"]
        assert np.all(excess <= 5 * data["progress_stderr"] + 1e-12)
    # the progress verdict against a wrong bound, p T / 4, fails: the progress at T counts the
    # oracle's successes (mean p T = 3.5, sd about sqrt(p T) = 1.9), so at 60 replicas its
    # standard error is about 0.24 and p T / 4 lies about 11 of them below the expected mean;
    # with the 5-standard-error allowance a correct run passes it with probability < 1e-8
    horizon_bound = SMALL_CHAIN.p * chain["horizon"]
    at = int(np.searchsorted(chain["checkpoints"], chain["horizon"]))
    for name, data in chain["algorithms"].items():
        args = data["progress_at_horizon"], float(data["progress_stderr"][at])
        assert runs.progress_row(*args, horizon_bound, name=name, replicas=60)[
            "verdict"] == "holds"
        assert runs.progress_row(*args, horizon_bound / 4, name=name, replicas=60)[
            "verdict"] == "fails"
    # the same check with a wrong claim, ||grad F|| >= 20 eps (10 times the scaled 1), fails
    spec = runs.zero_chain_spec("sgd", constant(1.0), SMALL_CHAIN, chain["horizon"],
                                np.arange(1, chain["horizon"] + 1), settings)
    norms = compute([spec])[spec].metrics["grad_norm"]
    right = runs.stays_large(norms, 2 * SMALL_CHAIN.eps)[:, -1]
    wrong = runs.stays_large(norms, 20 * SMALL_CHAIN.eps)[:, -1]
    assert runs.probability_row(int(right.sum()), right.size, name="sgd", detail="")[
        "verdict"] == "holds"
    failing = runs.probability_row(int(wrong.sum()), wrong.size, name="sgd", detail="")
    assert failing["verdict"] == "fails" and failing["correction"].startswith("P is at most")
    # 5 of 10: the 99% interval [0.15, 0.85] straddles 1/2, so the data cannot decide
    assert runs.probability_row(5, 10, name="sgd", detail="")["verdict"] == "inconclusive"


def test_runs_are_specs_with_seed_of_seeds():
    """Theorem 5's two instances of one k have two seeds (seed_of of their description), shared
    by every algorithm and schedule there (common random numbers); a spec rebuilds the engine
    objects it was made from."""
    settings = runs.RunSettings.quick()
    cells = runs.theorem5_cells(settings)
    first, second = cells["sgd", 10, 0]
    assert first.seed == runs.theorem5_seed(1.5, 10, 0) != second.seed
    assert {specs[0].seed for key, specs in cells.items() if key[1] == 10} == {first.seed}
    assert first.algorithm_params == (("projected", True),)
    built = first.build()
    assert built["problem"].center == runs.theorem5_problem(
        lb.Theorem5Instance(1.5, float(runs.theorem5_eps(10, 1.5)), 0))[0].center
    assert Spec.of(built["problem"], built["noise"], built["algorithm"], built["schedule"],
                   steps=10, replicas=first.replicas, alpha=1.5, checkpoints=[10],
                   x0=np.zeros(1), seed=first.seed) == first


def test_stays_large_is_a_running_minimum():
    norms = np.array([[3.0, 1.0, 5.0], [3.0, 4.0, 5.0]])
    assert stays_large(norms, 2.0).tolist() == [[True, False, False], [True, True, True]]


stays_large = runs.stays_large


def test_cli_runs_key_render_and_figures(monkeypatch, tmp_path, capsys):
    """``simlab lowerbounds --quick`` carries the runs under ``runs`` (the existing rows and
    fields unchanged) and draws both figures; tiny budgets here (the verb's own quick budgets
    run in tests/test_lowerbounds.py)."""
    import json

    from simlab.cli import main

    tiny = replace(runs.RunSettings.quick(), horizons=(10, 40), replicas=50, chain_replicas=20,
                   bootstrap=20, chain_horizon_multiple=1.2)
    monkeypatch.setattr(runs.RunSettings, "quick", classmethod(lambda cls: tiny))
    monkeypatch.setenv("SIMLAB_FIGURES", str(tmp_path))
    monkeypatch.setattr(checks, "run_checks", lambda quick=False: [])
    monkeypatch.setattr(lowerbound_figures, "draw_figures", lambda quick=False: [])
    assert main(["lowerbounds", "--quick", "--json", "--no-figures"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"quick", "rows", "figures", "violated", "verdicts", "runs"}
    assert sum(document["runs"]["verdicts"].values()) == len(document["runs"]["rows"])
    assert document["figures"] == [] and document["runs"]["figures"] == []
    assert len(document["runs"]["rows"]) == 3 * len(runs.ALGORITHMS) + 3
    assert main(["lowerbounds", "--quick"]) == 0
    text = capsys.readouterr().out
    assert "Algorithms on the instances" in text and "run verdicts:" in text
    names = ("lowerbound_runs_theorem5.png", "lowerbound_runs_zero_chain.png")
    assert all((tmp_path / name).stat().st_size > 10_000 for name in names)
    assert main(["lowerbounds", "--quick", "--json", "--no-runs", "--no-figures"]) == 0
    assert "runs" not in json.loads(capsys.readouterr().out)


def test_zero_chain_oracle_validation():
    oracle = ZeroChainOracle.from_instance(SMALL_CHAIN)
    assert oracle.sigma(1.5, 8) == pytest.approx(SMALL_CHAIN.G)  # the construction's G
    assert not oracle.norm_moment(1.5, 8).exact
    for bad in ({"p": 0.0}, {"p": 1.5}, {"scale": 2.0}, {"geometry": "isotropic"},
                {"chain_scale": -1.0}):
        with pytest.raises(simlab.errors.InputError):
            ZeroChainOracle(**bad)
    with pytest.raises(simlab.errors.InputError):
        ZeroChainOracle(p=0.5).sigma(1.5, 8)  # no G without the instance
    with pytest.raises(simlab.errors.InputError):
        oracle.sample(3, dim=8, at=np.zeros(5))


def test_simulate_verb_runs_the_zero_chain_with_its_oracle(capsys):
    import json

    from simlab.cli import main

    assert main(["simulate", "--problem", "zero-chain", "--algorithm", "sgd", "--step-size",
                 "1", "--steps", "300", "--replicas", "8", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["parameters"]["noise"].startswith("zero-chain oracle")
    assert document["parameters"]["dim"] == lb.Theorem6Instance(**lb.THEOREM6_DEFAULT).dimension
    assert document["metrics"]["progress"]["mean"][-1] > 0


def test_gclip_extra_horizons_extend_only_gclip():
    settings = replace(runs.RunSettings.quick(), horizons=(10, 40), gclip_extra_horizons=(160,),
                       replicas=100, bootstrap=20)
    out = runs.theorem5_runs(settings)
    assert out["gclip_horizons"] == [10, 40, 160] and len(out["bound"]) == 3
    assert {name: len(data["risk"]) for name, data in out["algorithms"].items()} == {
        "sgd": 2, "gclip": 3, "cclip": 2, "nsgd": 2, "adam": 2}
    assert out["gclip_fit_last_two"]["slope"] == pytest.approx(
        out["gclip_fit"]["local_slopes"][-1])
