"""The rate experiments (simlab.experiments.rates) and the ``rates`` verb.

The experiments run here on a tiny budget (seconds); the real ``--quick`` run is the slow test
at the end. Predicted exponents are cross-checked against independent closed forms and against
the schedules the engine runs.
"""

import json
import math

import numpy as np
import pytest

from simlab import analysis, theory
from simlab.cli import main
from simlab.errors import InputError
from simlab.experiments import rates
from simlab.noise import Stable
from simlab.problems import Quadratic
from simlab.schedules import theorem2_parameters, theorem4

TINY = rates.Budget(
    "tiny", (1.4, 2.0), laws=("pareto", "stable"), theorem4_steps=1000, theorem4_replicas=200,
    theorem2_decades=0.5, theorem2_points=3, theorem2_replicas=8, sgd_replicas=4096,
    sgd_steps=30, dims=(4, 16, 64), dims_steps=200, dims_replicas=16, resamples=50)

ROW_FIELDS = {"experiment", "theorem", "algorithm", "noise", "alpha", "quantity",
              "predicted_slope", "measured_slope", "ci_low", "ci_high", "verdict", "replicas",
              "steps", "statistic", "why", "regime"}


# ----------------------------------------------------------------------------- predictions
@pytest.mark.parametrize("alpha", [1.2, 1.5, 1.8])
def test_theorem4_law_exponent_matches_the_clipped_variance_scaling(alpha):
    tail = alpha + rates.TAIL_MARGIN
    assert rates.theorem4_law_exponent(alpha, tail) == pytest.approx(-1 + (2 - tail) / alpha)
    # a law at the boundary of the moment class gives the theorem's rate back
    assert rates.theorem4_law_exponent(alpha, alpha) == pytest.approx(
        theory.theorem4_exponent(alpha))
    assert rates.theorem4_law_exponent(alpha, math.inf) == pytest.approx(-1.0)
    assert rates.theorem4_law_exponent(alpha, tail) != pytest.approx(
        theory.theorem4_exponent(alpha), abs=1e-3)


def test_sgd_block_mean_exponent():
    assert rates.sgd_block_mean_exponent(1.25) == pytest.approx(2 / 1.25 - 1)
    assert rates.sgd_block_mean_exponent(2.05) == 0.0
    assert rates.sgd_block_mean_exponent(math.inf) == 0.0


@pytest.mark.parametrize("alpha", [1.2, 1.6, 2.0])
def test_theorem2_sigma_rule_puts_the_K_term_in_charge_from_first_K(alpha):
    sigma = rates.theorem2_sigma(alpha)
    first = rates.theorem2_first_K(alpha, sigma)
    _, tau = theorem2_parameters(5.0, sigma, alpha, first, 1.0)
    assert tau == pytest.approx(sigma * first ** (1 / (3 * alpha - 2)))
    assert rates.theorem2_terms(5.0, sigma, alpha, first)[0] == rates._TAU_TERMS[3]
    assert rates.theorem2_terms(5.0, sigma, alpha, max(1, first // 2))[0] != rates._TAU_TERMS[3]
    # the moment term equals the floor 2 at this sigma
    assert 48 ** (1 / (alpha - 1)) * sigma ** (alpha / (alpha - 1)) == pytest.approx(2.0)


@pytest.mark.parametrize("alpha", [1.3, 1.7, 2.0])
def test_theorem2_regime_exponents(alpha):
    k_term = rates._TAU_TERMS[3]
    asymptotic = rates.theorem2_regime_exponent(alpha, k_term, rates._ETA_TERMS[1])
    assert asymptotic == pytest.approx(theory.theorem2_exponent(alpha, "appendix"))
    feasible = rates.theorem2_regime_exponent(alpha, k_term, rates._ETA_TERMS[2])
    assert feasible == pytest.approx(-(alpha - 1) / (3 * alpha - 2))
    terms = rates.theorem2_term_exponents(alpha, k_term, rates._ETA_TERMS[2])
    assert max(terms.values()) == pytest.approx(feasible)
    assert terms["descent F0/(eta K)"] == pytest.approx(-1 + 1 / (3 * alpha - 2))


@pytest.mark.parametrize("alpha", [1.5, 2.0])
def test_theorem2_asymptotic_K_is_where_the_rate_applies(alpha):
    horizon = rates.theorem2_asymptotic_K(alpha)
    sigma = 2 ** (-1 / alpha)  # the optimum: K-term = moment term and tau^(alpha-1) = 24
    above = rates.theorem2_terms(1.0, sigma, alpha, int(horizon * 1.01))
    assert above == (rates._TAU_TERMS[3], rates._ETA_TERMS[1])
    below = rates.theorem2_terms(1.0, sigma, alpha, int(horizon * 0.5))
    assert below != (rates._TAU_TERMS[3], rates._ETA_TERMS[1])


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
    k = rates.projection_crossover(3.0, 1.5, 2.0)
    assert 4 * 3.0 * k ** (1 / 1.5) / k == pytest.approx(2 * 2.0)
    problem = Quadratic(dim=1, mu=1.0, L=1.0, center=1.0)
    schedule = theorem4(2.0, 1.5, 1.0)
    travel = sum(4 / (k + 1) * 2.0 * k ** (1 / 1.5) for k in range(1, 31))
    assert rates.gclip_error_bound(problem, schedule, 30) == pytest.approx((1 + travel) ** 2 / 2)


def test_cell_seeds_depend_on_the_spec_not_the_order():
    assert rates.cell_seed(0, "theorem4", "pareto", 1.2) == rates.cell_seed(
        0, "theorem4", "pareto", 1.2)
    assert rates.cell_seed(0, "theorem4", "pareto", 1.2) != rates.cell_seed(
        0, "theorem4", "pareto", 1.4)
    assert rates.cell_seed(0, "a") != rates.cell_seed(1, "a")


# ----------------------------------------------------------------------------- experiments
def _check_rows(rows, experiment, count):
    assert len(rows) == count
    for row in rows:
        data = row.as_dict()
        assert ROW_FIELDS <= set(data)
        assert data["experiment"] == experiment
        assert data["verdict"] == analysis.verdict(row.predicted_slope, row.ci_low, row.ci_high)
        flipped = analysis.verdict(row.predicted_slope + 1.0, row.ci_low, row.ci_high)
        assert flipped == "disagrees" or row.ci_high - row.ci_low > 1.0
        assert math.isfinite(row.measured_slope)


def test_theorem4_experiment_gaussian_row_has_slope_minus_one():
    rows = rates.theorem4_experiment(TINY, seed=0)
    _check_rows(rows, "theorem4", 4)
    gaussian = next(r for r in rows if r.noise.startswith("stable(2"))
    # alpha = 2, Gaussian noise: E f(x_bar_k) - f* ~ 1/k. 200 replicas, window [10, 1000]:
    # the bootstrap interval holds -1 up to the verdict's tolerance (seed 0)
    assert gaussian.predicted_slope == pytest.approx(-1.0)
    assert gaussian.verdict == "agrees"
    assert all(r.law_slope <= r.predicted_slope + 1e-12 for r in rows)
    assert all(r.extra["diverged"] == 0 for r in rows)


def test_theorem2_experiment_runs_in_the_stated_regime():
    rows = rates.theorem2_experiment(TINY, seed=0)
    _check_rows(rows, "theorem2", 8)
    for row in rows:
        assert row.regime == (f"{row.extra['start']}; tau = {rates._TAU_TERMS[3]}, "
                              f"eta = {rates._ETA_TERMS[2]}")
        assert row.regime_slope == pytest.approx(-(row.alpha - 1) / (3 * row.alpha - 2))
        assert row.extra["asymptotic_regime_from_K"] > row.steps
        # from x0 = 0 the descent term is in charge: the average decays faster than the bound
        if row.extra["start"] == "x0=0":
            assert row.bound_holds == "consistent"
            assert row.measured_slope < row.regime_slope - 0.1
    # from near x* with Gaussian noise (alpha = 2) the variance term is in charge: the in-regime
    # bound's slope -1/4, not the theorem's -1/2 (8 replicas, but each a time average over
    # thousands of steps: the bootstrap interval is narrow)
    gaussian = next(r for r in rows if r.noise.startswith("stable(2")
                    and r.extra["start"] != "x0=0")
    assert gaussian.regime_verdict == "agrees"
    assert gaussian.verdict == "disagrees"


def test_sgd_failure_uses_the_same_draws_and_gclip_stays_bounded():
    rows = rates.sgd_failure_experiment(TINY, seed=0)
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
    rows = rates.dimension_experiment(TINY, seed=0)
    _check_rows(rows, "dimension", 8)
    for row in rows:
        gclip = row.algorithm == rates.AVG_GCLIP.name
        expected = (theory.corollary7_d_exponent(row.alpha) if gclip
                    else theory.theorem8_d_exponent(row.alpha))
        assert row.predicted_slope == pytest.approx(expected)
        tail = rates.tail_index_for(row.noise.split("(")[0], row.alpha)
        assert row.law_slope == pytest.approx(1 + (2 - min(tail, 2)) / row.alpha if gclip
                                              else 1.0)
        assert row.window == [4.0, 64.0]
        assert len(row.extra["clip_fraction_per_d"]) == 3


def test_run_rates_writes_one_figure_per_experiment(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMLAB_FIGURES", str(tmp_path))
    small = rates.Budget("tiny", (1.6,), laws=("pareto",), theorem4_steps=300,
                         theorem4_replicas=50, sgd_replicas=1024, sgd_steps=10,
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
    assert np.all([row["verdict"] in ("agrees", "disagrees") for row in rows])
