"""The Theorem 2 rate experiment of :mod:`simlab.experiments.rates`: GClip on an L-smooth
non-convex problem, the mean over replicas of ``(1/K) sum_{k<K} min{||grad f(x_k)||,
||grad f(x_k)||^2}`` (what Theorem 2 bounds) against the horizon K.

Three kinds of rows, all on the same problem (:data:`THEOREM2_PROBLEM`):

- ``schedule`` = ``appendix``, ``regime`` naming the binding terms: Theorem 2's eta and tau as
  the proof (Appendix C) prints them, a sweep of K from
  :func:`~simlab.theory.regimes.theorem2_first_K` over ``budget.theorem2_decades`` decades, from
  two starts. Below :func:`~simlab.theory.regimes.theorem2_asymptotic_K` the runs have
  ``eta = 1/(24 L tau)``, where the same bound decays only like ``K^(-(alpha-1)/(3alpha-2))``:
  each row reports that in-regime exponent beside the stated one.
- ``schedule`` = ``main-text``: the main text's printed tau and eta
  (:func:`simlab.schedules.theorem2` with ``printed="main-text"``) on the same horizons and
  draws, from x_0 = x* + 0.01; the proof's bound with them does not decay (exponent 0,
  :func:`simlab.theory.theorem2_exponent` with ``"main"``).
- ``regime`` = ``asymptotic`` (``--full``, alpha in ``budget.theorem2_asymptotic_alphas``):
  horizons ``K >= theorem2_asymptotic_K(alpha)`` (1.3e6 at alpha = 2, 2.7e6 at 1.8) with the
  sigma at which that K is smallest (:func:`~simlab.theory.regimes.theorem2_asymptotic_sigma`),
  where ``eta = 1/(L tau^alpha)`` and tau's K-term bind: the theorem's stated rate. A sweep whose
  cost exceeds ``budget.theorem2_asymptotic_max`` replica-steps is not run; every asymptotic
  row carries in ``extra["cost"]`` the replica-steps of each asymptotic sweep of the budget, the
  engine's throughput measured on the sweeps that ran (the store's seconds per cell) and the
  time each would take on the engine and on a Dask cluster of N workers (cells and replica
  blocks spread over the workers: the time divided by N, but never below one replica of the
  longest horizon, which one worker runs alone).

Every horizon, start and schedule of a (law, alpha) shares one seed (common random numbers: the
points of a sweep differ by K, x_0 and the schedule, not by the draws). Estimator, resolution
and the powered stage: :mod:`simlab.experiments.rates_common`.
"""

from __future__ import annotations

import numpy as np

from simlab import theory
from simlab.experiments.rates_common import (
    DASK_WORKERS,
    Budget,
    Row,
    _fit_row,
    _grid,
    mom_fit,
    noise_law,
    replicas_of,
    run_powered,
    shared_seed,
    stored_seconds,
)
from simlab.problems import NonConvex
from simlab.run.spec import Spec
from simlab.schedules import theorem2
from simlab.theory.regimes import (
    theorem2_asymptotic_K,
    theorem2_asymptotic_sigma,
    theorem2_first_K,
    theorem2_regime_exponent,
    theorem2_sigma,
    theorem2_term_exponents,
    theorem2_terms,
)

#: Theorem 2's problem: one coordinate of x^2/2 + 2 sin^2(x - 1), L = 5, spurious stationary points
THEOREM2_PROBLEM = dict(mu=1.0, wave=2.0, center=1.0)
#: two starting points: x_0 = 0 (F0 = 1.92: the descent term F0/(eta K) of the bound is in charge
#: over feasible K) and x_0 = x* + 0.01 (F0 = 2.5e-4: the noise terms are)
THEOREM2_STARTS = {"x0=0": 0.0, "x0=x*+0.01": 1.01}
#: the start of the main-text rows (F0 small: the printed tau's K-term is below its floor 2)
MAIN_TEXT_START = "x0=x*+0.01"
#: the start of the asymptotic rows
ASYMPTOTIC_START = "x0=0"
#: the rows' ``schedule`` -> :func:`simlab.schedules.theorem2`'s ``printed``
SCHEDULES = {"appendix": "appendix-c", "main-text": "main-text"}


def theorem2_predictions(alpha: float) -> dict[str, float]:
    """The exponent of K of the proof's bound with each printed schedule."""
    return {"appendix": float(theory.theorem2_exponent(alpha, "appendix")),
            "main-text": float(theory.theorem2_exponent(alpha, "main"))}


def asymptotic_horizons(alpha: float, points: int) -> np.ndarray:
    """``points`` horizons a factor 2 apart from just above ``theorem2_asymptotic_K(alpha)``."""
    first = int(np.ceil(theorem2_asymptotic_K(alpha) * 1.01))
    return first * 2 ** np.arange(points, dtype=np.int64)


def asymptotic_cost(alpha: float, budget: Budget) -> float:
    """Replica-steps of one asymptotic sweep (one law) at the budget's pilot replicas."""
    horizons = asymptotic_horizons(alpha, budget.theorem2_asymptotic_points)
    return float(np.sum(horizons)) * budget.theorem2_asymptotic_replicas


def _problem() -> NonConvex:
    return NonConvex(dim=1, **THEOREM2_PROBLEM)


def theorem2_cells(budget: Budget, seed: int | None = None,
                   replicas: dict | None = None) -> list[dict]:
    """The Theorem 2 experiment's cells (see the module docstring): per (law, alpha) a sweep of
    K per start with the appendix schedule and one with the main-text schedule; per alpha of
    ``budget.theorem2_asymptotic_alphas`` whose cost is within the budget, an asymptotic sweep.
    """
    problem = _problem()
    planned = []
    for law, alpha in _grid(budget):
        sigma = theorem2_sigma(alpha)
        noise = noise_law(law, alpha, "isotropic", sigma)
        first = theorem2_first_K(alpha, sigma)
        horizons = np.unique(np.round(first * np.logspace(
            0, budget.theorem2_decades, budget.theorem2_points)).astype(np.int64))
        common = shared_seed("theorem2", seed, law=law, alpha=alpha)
        group = ("theorem2", law, alpha)
        count = replicas_of(replicas, group, budget.theorem2_replicas)
        runs = [("appendix", start) for start in THEOREM2_STARTS] + [("main-text",
                                                                     MAIN_TEXT_START)]
        for schedule, start in runs:
            planned.append(_sweep(problem, noise, sigma, alpha, horizons, start, schedule,
                                  count, common, group, law, "sweep"))
    for law, alpha in _grid(budget):
        if alpha not in budget.theorem2_asymptotic_alphas or (
                asymptotic_cost(alpha, budget) > budget.theorem2_asymptotic_max):
            continue
        sigma = theorem2_asymptotic_sigma(alpha)
        noise = noise_law(law, alpha, "isotropic", sigma)
        group = ("theorem2-asymptotic", law, alpha)
        count = replicas_of(replicas, group, budget.theorem2_asymptotic_replicas)
        common = shared_seed("theorem2-asymptotic", seed, law=law, alpha=alpha)
        planned.append(_sweep(problem, noise, sigma, alpha, asymptotic_horizons(
            alpha, budget.theorem2_asymptotic_points), ASYMPTOTIC_START, "appendix", count,
            common, group, law, "asymptotic"))
    return planned


def _sweep(problem, noise, sigma, alpha, horizons, start, schedule, count, seed, group, law,
           kind) -> dict:
    x0 = np.full(problem.dim, THEOREM2_STARTS[start])
    F0 = problem.initial_gap(x0)
    specs = [Spec.of(problem, noise, "gclip",
                     theorem2(problem.smoothness, sigma, alpha, int(steps), F0,
                              SCHEDULES[schedule]),
                     steps=int(steps), replicas=count, x0=x0, seed=seed,
                     checkpoints=[int(steps)], alpha=alpha, track_min_grad=True)
             for steps in horizons]
    return dict(specs=specs, law=law, alpha=alpha, start=start, noise=noise, sigma=sigma, F0=F0,
                horizons=horizons, problem=problem, schedule=schedule, group=group, kind=kind)


def _cost_report(planned: list[dict], budget: Budget) -> dict:
    """Per asymptotic alpha of the budget: the replica-steps of its sweep (one law), whether it
    ran, and the time it takes at the throughput measured on the asymptotic sweeps that ran."""
    ran = [cell for cell in planned if cell["kind"] == "asymptotic"]
    seconds = [stored_seconds(cell["specs"]) for cell in ran]
    steps = [float(sum(spec.steps * spec.replicas for spec in cell["specs"])) for cell in ran]
    rate = (sum(steps) / sum(seconds) if ran and all(s is not None for s in seconds)
            and sum(seconds) > 0 else None)
    report = {"replica_steps_per_second": rate, "measured_on": len(ran)}
    for alpha in budget.theorem2_asymptotic_alphas:
        cost = asymptotic_cost(alpha, budget)
        horizons = asymptotic_horizons(alpha, budget.theorem2_asymptotic_points)
        entry = {"replica_steps": cost, "ran": cost <= budget.theorem2_asymptotic_max,
                 "horizons": horizons.tolist(), "replicas": budget.theorem2_asymptotic_replicas}
        if rate is not None:
            entry["seconds_engine"] = cost / rate
            # one replica of the longest horizon cannot be split across workers
            single = float(horizons[-1]) / rate
            for workers in DASK_WORKERS:
                entry[f"seconds_dask_{workers}_workers"] = max(cost / rate / workers, single)
        report[f"alpha={alpha:g}"] = entry
    return report


def _theorem2_rows(planned: list[dict], results, budget: Budget) -> list[Row]:
    rows = []
    cost = None
    for cell in planned:
        alpha, sigma, start, horizons, schedule = (cell[name] for name in (
            "alpha", "sigma", "start", "horizons", "schedule"))
        values = np.column_stack([results[spec].metrics["min_grad_mean"][:, -1]
                                  for spec in cell["specs"]])
        fit = mom_fit(horizons, values, budget)
        predictions = theorem2_predictions(alpha)
        other = "main-text" if schedule == "appendix" else "appendix"
        terms = {theorem2_terms(cell["problem"].smoothness, sigma, alpha, int(steps))
                 for steps in horizons}
        regime_slope = term_exponents = None
        if schedule == "main-text":
            regime = f"{start}; main-text tau and eta (tau at its floor 2: constant eta)"
        elif cell["kind"] == "asymptotic":
            regime = "asymptotic"
            term_exponents = theorem2_term_exponents(alpha, *terms.pop())
        elif len(terms) == 1:
            tau_term, eta_term = terms.pop()
            regime = f"{start}; tau = {tau_term}, eta = {eta_term}"
            regime_slope = theorem2_regime_exponent(alpha, tau_term, eta_term)
            term_exponents = theorem2_term_exponents(alpha, tau_term, eta_term)
        else:
            regime = f"{start}; mixed: " + "; ".join(
                f"tau = {t}, eta = {e}" for t, e in sorted(terms))
        extra = {"group": cell["group"], "start": start, "F0": cell["F0"], "sigma": sigma,
                 "tail_index": cell["noise"].tail_index, "horizons": horizons.tolist(),
                 "term_exponents_in_regime": term_exponents,
                 "asymptotic_regime_from_K": theorem2_asymptotic_K(alpha)}
        if cell["kind"] == "asymptotic":
            cost = cost or _cost_report(planned, budget)
            extra["cost"] = cost
        rows.append(_fit_row(
            fit, predictions[schedule], regime_slope=regime_slope,
            competitors=[predictions[other]], experiment="theorem2", theorem="Theorem 2",
            algorithm="gclip", noise=cell["noise"].describe(), alpha=alpha, schedule=schedule,
            quantity="(1/K) sum_k E[min{||grad f(x_k)||, ||grad f(x_k)||^2}]",
            why="Theorem 2 bounds this expectation; a time average of quantities bounded over a "
                "finite horizon (clipped steps), so its block means have a finite variance",
            steps=int(horizons[-1]), x="K", window=[float(horizons[0]), float(horizons[-1])],
            regime=regime, extra=extra))
    return rows


def theorem2_experiment(budget: Budget, seed: int | None = None) -> list[Row]:
    """Rows of the Theorem 2 experiment (window: the whole sweep of K)."""
    return run_powered(theorem2_cells, lambda planned, results: _theorem2_rows(
        planned, results, budget), budget, seed)


__all__ = ["SCHEDULES", "THEOREM2_PROBLEM", "THEOREM2_STARTS", "asymptotic_cost",
           "asymptotic_horizons", "theorem2_cells", "theorem2_experiment",
           "theorem2_predictions"]
