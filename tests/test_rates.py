"""The rate experiments (simlab.experiments.rates), their theory (simlab.theory.regimes) and the
``rates`` verb.

The experiments run here on a tiny budget (seconds) through a store of this module's own (a
temporary folder); the real ``--quick`` run is the slow test at the end. Predicted exponents are
cross-checked against independent closed forms and against the schedules the engine runs. The
seeds are fixed by the seed rule (simlab.rng: derived from each cell's spec, or shared where
cells use common random numbers), so every statistical assertion below sees the same draws.
"""

import dataclasses
import json
import math

import numpy as np
import pytest

from simlab import analysis, theory
from simlab.cli import main
from simlab.errors import InputError
from simlab.experiments import rates, rates_common, rates_theorem2, rates_theorem4
from simlab.finding import NO_CORRECTION, VERDICTS
from simlab.noise import Stable
from simlab.problems import ConstrainedQuadratic, Quadratic
from simlab.rng import seed_of
from simlab.run.context import reset_tally, tally, using
from simlab.run.spec import Spec
from simlab.schedules import theorem2_parameters, theorem4
from simlab.theory import regimes

TINY = rates.Budget(
    "tiny", (1.4, 2.0), laws=("pareto", "stable"), theorem4_steps=1000, theorem4_replicas=256,
    theorem2_decades=0.5, theorem2_points=3, theorem2_replicas=16, sgd_replicas=16384,
    sgd_steps=30, dims=(4, 16, 64), dims_steps=200, dims_replicas=32, resamples=50)

ROW_FIELDS = {"experiment", "theorem", "algorithm", "noise", "alpha", "quantity",
              "predicted_slope", "measured_slope", "ci_low", "ci_high", "verdict", "replicas",
              "steps", "statistic", "why", "regime", "bound_holds", "correction", "schedule",
              "resolution"}
#: the words a rate row's verdicts use (a fit never yields the other two)
SLOPE_VERDICTS = ("holds", "fails", "inconclusive")


@pytest.fixture(autouse=True, scope="module")
def _store(tmp_path_factory):
    """Every cell of this module goes through a store in a temporary folder (never the user's
    .simlab-cache/): the experiments' cells are computed once and reused by later tests."""
    with using(store=str(tmp_path_factory.mktemp("rates-store"))):
        yield


# ----------------------------------------------------------------------------- predictions
@pytest.mark.parametrize("alpha", [1.2, 1.5, 1.8])
def test_theorem4_law_exponent_matches_the_clipped_variance_scaling(alpha):
    tail = alpha + rates.TAIL_MARGIN
    assert regimes.theorem4_law_exponent(alpha, tail) == pytest.approx(-1 + (2 - tail) / alpha)
    # a law at the boundary of the moment class gives the theorem's rate back
    assert regimes.theorem4_law_exponent(alpha, alpha) == pytest.approx(
        theory.theorem4_exponent(alpha))
    assert regimes.theorem4_law_exponent(alpha, math.inf) == pytest.approx(-1.0)
    assert regimes.theorem4_law_exponent(alpha, tail) != pytest.approx(
        theory.theorem4_exponent(alpha), abs=1e-3)


def test_sgd_block_mean_exponent():
    assert regimes.sgd_block_mean_exponent(1.25) == pytest.approx(2 / 1.25 - 1)
    assert regimes.sgd_block_mean_exponent(2.05) == 0.0
    assert regimes.sgd_block_mean_exponent(math.inf) == 0.0


@pytest.mark.parametrize("alpha", [1.2, 1.6, 2.0])
def test_theorem2_sigma_rule_puts_the_K_term_in_charge_from_first_K(alpha):
    sigma = regimes.theorem2_sigma(alpha)
    first = regimes.theorem2_first_K(alpha, sigma)
    _, tau = theorem2_parameters(5.0, sigma, alpha, first, 1.0)
    assert tau == pytest.approx(sigma * first ** (1 / (3 * alpha - 2)))
    assert regimes.theorem2_terms(5.0, sigma, alpha, first)[0] == regimes.TAU_TERMS[3]
    assert regimes.theorem2_terms(5.0, sigma, alpha, max(1, first // 2))[0] != regimes.TAU_TERMS[3]
    # the moment term equals the floor 2 at this sigma
    assert 48 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)) == pytest.approx(2.0)


@pytest.mark.parametrize("alpha", [1.3, 1.7, 2.0])
def test_theorem2_regime_exponents(alpha):
    k_term = regimes.TAU_TERMS[3]
    asymptotic = regimes.theorem2_regime_exponent(alpha, k_term, regimes.ETA_TERMS[1])
    assert asymptotic == pytest.approx(theory.theorem2_exponent(alpha, "appendix"))
    feasible = regimes.theorem2_regime_exponent(alpha, k_term, regimes.ETA_TERMS[2])
    assert feasible == pytest.approx(-(alpha - 1) / (3 * alpha - 2))
    terms = regimes.theorem2_term_exponents(alpha, k_term, regimes.ETA_TERMS[2])
    assert max(terms.values()) == pytest.approx(feasible)
    assert terms["descent F0/(eta K)"] == pytest.approx(-1 + 1 / (3 * alpha - 2))


@pytest.mark.parametrize("alpha", [1.5, 2.0])
def test_theorem2_asymptotic_K_is_where_the_rate_applies(alpha):
    horizon = regimes.theorem2_asymptotic_K(alpha)
    sigma = 2 ** (-1 / alpha)  # the optimum: K-term = moment term and tau^(alpha-1) = 24
    above = regimes.theorem2_terms(1.0, sigma, alpha, int(horizon * 1.01))
    assert above == (regimes.TAU_TERMS[3], regimes.ETA_TERMS[1])
    below = regimes.theorem2_terms(1.0, sigma, alpha, int(horizon * 0.5))
    assert below != (regimes.TAU_TERMS[3], regimes.ETA_TERMS[1])


@pytest.mark.parametrize("law", rates.LAWS)
def test_noise_laws_have_the_target_constants(law):
    noise = rates.noise_law(law, 1.4, "isotropic", 0.5)
    assert noise.tail_index == pytest.approx(1.4 + rates.TAIL_MARGIN)
    assert noise.sigma(1.4, 1) == pytest.approx(0.5)
    coordinate = rates.noise_law(law, 1.4, "coordinate", 2.0, dim=7)
    assert coordinate.coordinate_bound(1.4) == pytest.approx(2.0)
    assert rates.noise_law("stable", 2.0, "isotropic", 1.0) == Stable(
        scale=1.0 / Stable(index=2.0, geometry="isotropic").sigma(2.0, 1), index=2.0,
        geometry="isotropic")
    with pytest.raises(InputError):
        rates.noise_law("cauchy", 1.4, "isotropic", 1.0)


def test_projection_crossover_and_gclip_error_bound():
    # eta_k tau_k = 4 c k^(1/alpha)/(k+1) < 2R from about k = (2c/R)^(alpha/(alpha-1))
    k = regimes.projection_crossover(3.0, 1.5, 2.0)
    assert 4 * 3.0 * k ** (1 / 1.5) / k == pytest.approx(2 * 2.0)
    problem = Quadratic(dim=1, mu=1.0, L=1.0, center=1.0)
    schedule = theorem4(2.0, 1.5, 1.0)
    travel = sum(4 / (k + 1) * 2.0 * k ** (1 / 1.5) for k in range(1, 31))
    assert regimes.gclip_error_bound(problem, schedule, 30) == pytest.approx((1 + travel) ** 2 / 2)


# ----------------------------------------------------------------------------- cells and seeds
def _unseeded(spec):
    """The spec's description without its seed (what a derived seed is the hash of)."""
    return {name: value for name, value in spec.spec().items() if name != "seed"}


def test_cells_are_declared_with_the_one_seed_rule():
    reversed_grid = dataclasses.replace(TINY, alphas=TINY.alphas[::-1], laws=TINY.laws[::-1])
    for name in rates.EXPERIMENTS:
        specs = rates.cells(name, TINY)
        # a cell's seed depends on what the cell is, not on the order of the grid
        assert {spec.key for spec in specs} == {spec.key for spec in
                                                rates.cells(name, reversed_grid)}
        # another replicate (--seed S) moves every seed, and S = 1 differs from S = 2
        first, second = (rates.cells(name, TINY, seed=s) for s in (1, 2))
        assert all(a.seed != b.seed != c.seed for a, b, c in zip(specs, first, second,
                                                                 strict=True))
    # dimension cells share no draws: each seed is derived from the spec
    specs = rates.cells("dimension", TINY)
    assert all(spec.seed == seed_of(_unseeded(spec)) for spec in specs)
    assert len({spec.seed for spec in specs}) == len(specs)
    # theorem4: the two printed schedules of a (law, alpha) on the same draws (one seed)
    theorem4 = rates.cells("theorem4", TINY)
    assert len(theorem4) == 2 * 2 * 2
    for law in TINY.laws:
        for alpha in TINY.alphas:
            pair = [s for s in theorem4 if s.alpha == alpha and s.noise == law]
            assert len({s.seed for s in pair}) == 1 and len({s.key for s in pair}) == 2
            assert {s.replicas for s in pair} == {TINY.theorem4_replicas}
    # theorem2: every horizon, both starts and both schedules of a (law, alpha) share one seed
    theorem2 = rates.cells("theorem2", TINY)
    assert len(theorem2) == 2 * 2 * 3 * 3  # laws x alphas x (starts + main text) x horizons
    for law in TINY.laws:
        for alpha in TINY.alphas:
            group = [s for s in theorem2 if s.alpha == alpha and s.noise == law]
            assert len(group) == 9 and len({s.steps for s in group}) == 3
            assert {s.seed for s in group} == {rates.shared_seed("theorem2", law=law,
                                                                 alpha=alpha)}
    assert len({s.seed for s in theorem2}) == 4
    # sgd-failure: SGD and GClip of a (law, alpha) on the same draws, distinct across cells
    sgd = rates.cells("sgd-failure", TINY)
    pairs = {}
    for spec in sgd:
        pairs.setdefault((spec.noise, spec.alpha), []).append(spec)
    assert all(len(p) == 2 and {s.algorithm for s in p} == {"sgd", "gclip"}
               and p[0].seed == p[1].seed for p in pairs.values())
    assert len({p[0].seed for p in pairs.values()}) == len(pairs)
    with pytest.raises(InputError):
        rates.cells("theorem9", TINY)


def test_a_second_run_of_an_experiment_computes_nothing(tmp_path):
    with using(store=str(tmp_path)):
        reset_tally()
        first = rates.sgd_failure_experiment(TINY)
        assert tally() == {"computed": 8, "cached": 0}
        reset_tally()
        second = rates.sgd_failure_experiment(TINY)
        assert tally() == {"computed": 0, "cached": 8}
    assert [row.as_dict() for row in first] == [row.as_dict() for row in second]


# ----------------------------------------------------------------------------- verdicts
def _fit(slope, ci_low, ci_high):
    x = np.array([1.0, 10.0])
    return analysis.SlopeFit(slope, 0.0, ci_low, ci_high, "mean", x, x ** slope, 100, 50)


def test_fit_rows_use_the_verdict_words_and_fails_carry_a_correction():
    fields = dict(experiment="theorem2", theorem="Theorem 2", algorithm="gclip", noise="n",
                  alpha=2.0, quantity="q", why="w", steps=10, x="K", window=[1.0, 10.0],
                  regime="r")
    narrow = _fit(-0.25, -0.28, -0.22)
    held = rates._fit_row(narrow, -0.26, **fields)
    assert (held.verdict, held.bound_holds, held.correction) == ("holds", "holds", None)
    wide = rates._fit_row(_fit(-0.25, -0.6, 0.1), -0.5, **fields)
    assert (wide.verdict, wide.correction) == ("inconclusive", None)
    # a wrong prediction fails (a bound decaying more slowly than the data still holds); the
    # correction is the derived exponent the interval holds ...
    row = rates._fit_row(narrow, 0.0, regime_slope=-0.25, **fields)
    assert (row.verdict, row.regime_verdict, row.bound_holds) == ("fails", "holds", "holds")
    assert row.correction.startswith("the interval holds -0.250")
    finding = row.finding()
    assert (finding.verdict, finding.printed, finding.computed) == ("fails", 0.0, -0.25)
    # ... or "none derived" when no derived exponent fits; a bound below the data fails too
    row = rates._fit_row(narrow, -0.9, regime_slope=-0.6, law_slope=-0.7, **fields)
    assert row.correction.startswith(NO_CORRECTION) and row.bound_holds == "fails"
    assert rates._fit_row(_fit(0.1, math.nan, math.nan), 0.0, **fields).bound_holds == (
        "inconclusive")


# ----------------------------------------------------------------------------- experiments
def _check_rows(rows, experiment, count):
    assert len(rows) == count
    for row in rows:
        data = row.as_dict()
        assert ROW_FIELDS <= set(data)
        assert data["experiment"] == experiment
        assert data["verdict"] == analysis.verdict(row.predicted_slope, row.ci_low, row.ci_high,
                                                   resolution=row.resolution)
        assert 0 < row.resolution <= analysis.SLOPE_TOLERANCE
        for name in ("verdict", "regime_verdict", "bound_holds"):
            assert data[name] is None or data[name] in SLOPE_VERDICTS
        assert row.finding().verdict in VERDICTS  # a failing row has its correction
        assert (row.correction is not None) == (row.verdict == "fails")
        flipped = analysis.verdict(row.predicted_slope + 1.0, row.ci_low, row.ci_high,
                                   resolution=row.resolution)
        assert flipped == "fails" or row.ci_high - row.ci_low > 1.0
        assert math.isfinite(row.measured_slope)


def test_theorem4_experiment_runs_both_printed_schedules_on_common_draws():
    rows = rates.theorem4_experiment(TINY)
    _check_rows(rows, "theorem4", 8)
    assert {row.schedule for row in rows} == {"appendix", "main-text"}
    for row in rows:
        power = 1 / row.alpha if row.schedule == "appendix" else row.alpha - 1
        assert row.predicted_slope == pytest.approx(theory.theorem4_exponent(row.alpha, power))
        assert row.law_slope <= row.predicted_slope + 1e-12
        assert row.extra["diverged"] == 0
        difference = row.extra["difference"]
        assert difference["predicted"] == pytest.approx(
            theory.theorem4_exponent(row.alpha, row.alpha - 1)
            - theory.theorem4_exponent(row.alpha))
        assert difference["ci"][0] <= difference["measured"] <= difference["ci"][1]
        assert difference["separates"] == (difference["ci"][0] > 0 or difference["ci"][1] < 0)
    # at alpha = 1.4 the printed exponents differ by 0.25: each row must also resolve its
    # prediction from the other one, yet the resolution stays 0.05 (half the gap is 0.125)
    row = next(r for r in rows if r.alpha == 1.4)
    assert abs(row.extra["difference"]["predicted"]) > 0.2 and row.resolution == 0.05
    # alpha = 2, Gaussian noise: E f(x_bar_k) - f* ~ 1/k. 256 replicas (16 blocks of 16),
    # window [10, 1000]: the median-of-means interval holds -1 (seed derived from the spec)
    gaussian = next(r for r in rows if r.noise.startswith("stable(2")
                    and r.schedule == "appendix")
    assert gaussian.predicted_slope == pytest.approx(-1.0)
    assert gaussian.ci_low - analysis.SLOPE_TOLERANCE <= -1.0 <= (
        gaussian.ci_high + analysis.SLOPE_TOLERANCE)


def test_theorem2_experiment_runs_in_the_stated_regime():
    rows = rates.theorem2_experiment(TINY)
    _check_rows(rows, "theorem2", 12)
    for row in rows:
        assert row.extra["asymptotic_regime_from_K"] > row.steps
        if row.schedule == "main-text":
            assert row.predicted_slope == 0.0 and row.extra["start"] == "x0=x*+0.01"
            continue
        assert row.regime == (f"{row.extra['start']}; tau = {regimes.TAU_TERMS[3]}, "
                              f"eta = {regimes.ETA_TERMS[2]}")
        assert row.regime_slope == pytest.approx(-(row.alpha - 1) / (3 * row.alpha - 2))
        # from x0 = 0 the descent term is in charge: the average decays faster than the bound
        if row.extra["start"] == "x0=0":
            assert row.bound_holds == "holds"
            assert row.measured_slope < row.regime_slope - 0.1
    # from near x* with Gaussian noise (alpha = 2) the variance term is in charge: the in-regime
    # bound's slope -1/4, not the theorem's -1/2 (16 replicas, but each a time average over
    # thousands of steps: the interval is narrow); the failing row's correction is that
    # in-regime exponent
    gaussian = next(r for r in rows if r.noise.startswith("stable(2")
                    and r.extra["start"] != "x0=0" and r.schedule == "appendix")
    assert gaussian.regime_verdict == "holds"
    assert gaussian.verdict == "fails"
    assert gaussian.correction.startswith("the interval holds -0.250")


def test_theorem2_asymptotic_rows_decide_the_stated_rate():
    # Theorem 2 in its stated regime at alpha = 2: K = 1.34e6 and 2.68e6 (just above
    # theorem2_asymptotic_K(2) = 1.33e6), Pareto noise, 16 replicas (16 blocks of one replica:
    # each is a time average over millions of steps). The stated -1/2 holds; the pre-asymptotic
    # regime's -1/4 (a wrong prediction here) fails on the same interval.
    budget = dataclasses.replace(TINY, alphas=(2.0,), laws=("pareto",),
                                 theorem2_asymptotic_alphas=(2.0,), theorem2_asymptotic_points=2,
                                 theorem2_asymptotic_replicas=16, theorem2_asymptotic_max=1e8)
    horizons = rates_theorem2.asymptotic_horizons(2.0, 2)
    assert horizons[0] > regimes.theorem2_asymptotic_K(2.0) and horizons[1] == 2 * horizons[0]
    sigma = regimes.theorem2_asymptotic_sigma(2.0)
    assert regimes.theorem2_terms(5.0, sigma, 2.0, int(horizons[0])) == (
        regimes.TAU_TERMS[3], regimes.ETA_TERMS[1])
    rows = [row for row in rates.theorem2_experiment(budget) if row.regime == "asymptotic"]
    assert len(rows) == 1
    row = rows[0]
    assert (row.predicted_slope, row.schedule, row.verdict) == (-0.5, "appendix", "holds")
    assert analysis.verdict(-0.25, row.ci_low, row.ci_high,
                            resolution=row.resolution) == "fails"
    cost = row.extra["cost"]["alpha=2"]
    assert cost["ran"] and cost["replica_steps"] == pytest.approx(16 * sum(horizons))
    assert cost["seconds_engine"] > 0
    assert cost["seconds_dask_8_workers"] <= cost["seconds_engine"]
    # a sweep over the budget's cost is not run, only estimated
    expensive = dataclasses.replace(budget, theorem2_asymptotic_max=1e6)
    assert not any(cell["kind"] == "asymptotic"
                   for cell in rates_theorem2.theorem2_cells(expensive))


def test_sgd_failure_uses_the_same_draws_and_gclip_stays_bounded():
    rows = rates.sgd_failure_experiment(TINY)
    _check_rows(rows, "sgd-failure", 8)
    for law in ("pareto", "stable"):
        sgd, gclip = (next(r for r in rows if r.alpha == 1.4 and r.noise.startswith(law)
                           and r.algorithm == name) for name in ("sgd", "gclip"))
        assert gclip.extra["max_error"] <= gclip.extra["deterministic_bound"]
        # infinite variance: SGD's largest error over 4096 replicas exceeds GClip's on the
        # same draws, and its sample mean too
        assert sgd.extra["max_error"] > gclip.extra["max_error"]
        assert sgd.extra["sample_mean_all"] > gclip.extra["sample_mean_all"]
        assert sgd.predicted_slope == pytest.approx(2 / 1.45 - 1)
        assert gclip.predicted_slope == 0.0


def test_dimension_experiment_predictions_come_from_theory():
    rows = rates.dimension_experiment(TINY)
    _check_rows(rows, "dimension", 8)
    for row in rows:
        gclip = row.algorithm == rates.DIMENSION_LABELS[rates.AVG_GCLIP.name]
        expected = (theory.corollary7_d_exponent(row.alpha) if gclip
                    else theory.theorem8_d_exponent(row.alpha))
        assert row.predicted_slope == pytest.approx(expected)
        tail = rates.tail_index_for(row.noise.split("(")[0], row.alpha)
        assert row.law_slope == pytest.approx(1 + (2 - min(tail, 2)) / row.alpha if gclip
                                              else 1.0)
        assert row.window == [4.0, 64.0]
        assert len(row.extra["clip_fraction_per_d"]) == 3
        # the constants hold on the box and the projection keeps every replica in it; the
        # ball ||x - x*|| <= ||x0 - x*|| of the former version is left by many replicas
        assert row.extra["left_region"] == 0.0
        assert row.extra["left_start_ball"] > 0.2
    assert {row.algorithm for row in rows} == {"proj-gclip-avg", "proj-cclip-avg"}


def test_dimension_constants_hold_on_the_whole_box():
    problem = ConstrainedQuadratic(dim=3, **rates.DIMENSION_PROBLEM)
    noise = rates.noise_law("pareto", 1.5, "coordinate", 1.0, dim=3)
    values = rates_theorem4.dimension_constants(problem, noise, 1.5)
    # the largest gradient on [-1, 1]^3 of ||x - 0.5||^2/2 is at the corner -1: 1.5 per
    # coordinate; G adds the noise's sigma, B the per-coordinate constant (Minkowski)
    assert values["G"] == pytest.approx(1.5 * math.sqrt(3) + noise.sigma(1.5, 3))
    assert values["B"] == pytest.approx(1.5 + 1.0)
    assert values["region_radius"] == pytest.approx(1.5 * math.sqrt(3))
    assert values["start_radius"] == pytest.approx(0.5 * math.sqrt(3))
    distances = np.array([[0.1, 2.0], [0.1, 0.2]])
    assert rates_theorem4._left(distances, 1.0) == 0.5
    assert rates_theorem4._left(distances, 3.0) == 0.0


def test_powered_stage_sizes_replicas_from_the_pilot(monkeypatch):
    # a synthetic experiment whose interval half-width is 0.2 sqrt(64 / R) around the
    # prediction: the pilot (64 replicas) is inconclusive at the resolution 0.05, the powered
    # stage asks for replicas_for(0.2, 64, 0.05) = 64 (0.2 / 0.04)^2 = 1600 (a multiple of the
    # budget's 32 blocks) and decides the row; a cap on replica-steps cuts it and says so
    budget = dataclasses.replace(TINY, powered=True, blocks=32, max_replica_steps=1e9)
    seen = []

    def plan(budget, seed, replicas):
        count = rates_common.replicas_of(replicas, "g", 64)
        seen.append(count)
        spec = Spec.of(Quadratic(dim=1, mu=1.0, L=1.0, center=1.0), Stable(), "sgd",
                       steps=100, replicas=count)
        return [dict(group="g", specs=[spec], count=count)]

    def analyse(planned, results):
        half = 0.2 * math.sqrt(64 / planned[0]["count"])
        fit = analysis.SlopeFit(-0.5, 0.0, -0.5 - half, -0.5 + half, "mean", np.array([1, 10]),
                                np.array([1.0, 0.3]), planned[0]["count"], 0)
        return [rates._fit_row(fit, -0.5, experiment="theorem2", theorem="T", algorithm="a",
                               noise="n", alpha=2.0, quantity="q", why="w", steps=100, x="K",
                               window=[1.0, 10.0], regime="r", extra={"group": "g"})]

    # the cells are never computed here: compute gives each spec a placeholder result
    monkeypatch.setattr(rates_common, "compute", lambda specs: {spec: None for spec in specs})
    row, = rates_common.run_powered(plan, analyse, budget)
    assert seen == [64, 1600] and row.verdict == "holds"
    assert row.extra == {"group": "g", "pilot_replicas": 64, "replicas_needed": 1600,
                         "capped": False}
    seen.clear()
    capped = dataclasses.replace(budget, max_replica_steps=100 * 640)
    row, = rates_common.run_powered(plan, analyse, capped)
    assert seen[:2] == [64, 640] and row.verdict == "inconclusive"
    assert row.extra["capped"] is True
    # what deciding it takes: 1600 replicas x 100 steps (no engine seconds in the store here)
    assert row.extra["to_decide"] == {"replicas": 1600, "replica_steps": 1600 * 100.0}
    seen.clear()
    limited = dict(budget=budget, seed=None)
    row, = rates_common.run_powered(
        lambda *args: [dict(plan(*args)[0], max_replicas=320)], analyse, **limited)
    assert seen[:2] == [64, 320] and row.extra["capped"] is True  # a cell's own limit
    seen.clear()
    row, = rates_common.run_powered(plan, analyse, TINY)  # not powered: the pilot only
    assert seen == [64] and row.verdict == "inconclusive"


def test_run_rates_writes_one_figure_per_experiment(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMLAB_FIGURES", str(tmp_path))
    small = rates.Budget("tiny", (1.6,), laws=("pareto",), theorem4_steps=300,
                         theorem4_replicas=50, sgd_replicas=8192, sgd_steps=10, blocks=8,
                         theorem2_decades=0.3, theorem2_points=2, theorem2_replicas=4,
                         dims=(2, 8), dims_steps=50, dims_replicas=8, resamples=20)
    rows = rates.run_rates(small)
    assert {row["experiment"] for row in rows} == set(rates.EXPERIMENTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"rates-{name}.{ext}" for name in rates.EXPERIMENTS for ext in ("png", "txt"))
    with pytest.raises(InputError):
        rates.run_rates(small, only="theorem9")
    with pytest.raises(InputError):
        rates.run_rates("medium")


def test_each_fitted_row_of_a_figure_draws_its_band_and_predicted_line(monkeypatch):
    """No Monte Carlo: two synthetic dimension rows (exact power laws d^1 and d^1.5) through
    plot_experiment; the saved figure is caught before it is written."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    import simlab.plotting

    caught = {}
    monkeypatch.setattr(simlab.plotting, "save", lambda fig, name, caption=None: caught.update(
        fig=fig, name=name))
    x = np.array([8.0, 32.0, 128.0])
    rows = [rates_common.Row(
        experiment="dimension", theorem="Corollary 7", algorithm="proj-gclip-avg",
        noise="pareto(1.5)", alpha=alpha, quantity="f", statistic="mean", why="test",
        predicted_slope=2 / alpha, measured_slope=slope, ci_low=slope - 0.1,
        ci_high=slope + 0.1, verdict="inconclusive", replicas=8, steps=10, x="d",
        window=[8, 128], regime="asymptotic", points={"x": x.tolist(),
                                                      "y": (0.01 * x ** slope).tolist()})
        for alpha, slope in ((1.2, 1.0), (1.6, 1.5))]
    rates.plot_experiment("dimension", rows)
    ax = caught["fig"].axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert caught["name"] == "rates-dimension" and len(bands) == 2
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"
              and len(line.get_xdata()) > 1]
    slopes = sorted(np.polyfit(np.log(line.get_xdata()), np.log(line.get_ydata()), 1)[0]
                    for line in dashed)
    assert np.allclose(slopes, sorted(2 / row.alpha for row in rows))  # the predicted slopes
    for band, row in zip(bands, rows, strict=True):
        top = band.get_paths()[0].vertices[:, 1].max()
        # the band's upper edge at d = 128: the steepest allowed slope through the pivot
        pivot = np.exp(np.mean(np.log(x)))
        assert np.isclose(top, 0.01 * pivot ** row.measured_slope
                          * (128 / pivot) ** row.ci_high, rtol=1e-9)
    plt.close(caught["fig"])


# ----------------------------------------------------------------------------- CLI
def test_cli_rejects_an_unknown_experiment(capsys):
    assert main(["rates", "--only", "theorem9"]) == 2
    assert "unknown experiment" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["rates", "--quick", "--full"])


def test_cli_json_and_table(capsys, monkeypatch):
    monkeypatch.setitem(rates.BUDGETS, "quick", TINY)
    assert main(["rates", "--quick", "--only", "sgd-failure", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 8 and ROW_FIELDS <= set(rows[0])
    assert "points" not in rows[0]
    assert main(["rates", "--quick", "--only", "sgd-failure"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| experiment |") and table.count("| sgd-failure |") == 8


@pytest.mark.slow
def test_quick_run_has_rows_for_every_experiment_and_alpha(capsys):
    assert main(["rates", "--quick", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for experiment in rates.EXPERIMENTS:
        alphas = {row["alpha"] for row in rows if row["experiment"] == experiment}
        assert alphas == set(rates.QUICK.alphas)
    assert np.all([row["verdict"] in SLOPE_VERDICTS for row in rows])
    assert np.all([row["bound_holds"] in SLOPE_VERDICTS + (None,) for row in rows])
