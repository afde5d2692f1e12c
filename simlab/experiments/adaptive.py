"""Adaptive methods and the three clipping preprints: four experiments through the pipeline.

One module per figure (each: cells -> :func:`simlab.run.compute` -> analysis -> a
:class:`simlab.finding.Finding` -> plot):

- :mod:`simlab.experiments.high_probability` (``high-probability``, Chezhegov et al. 2024);
- :mod:`simlab.experiments.clipping_bias` (``clipping-bias``, Koloskova et al. 2023);
- :mod:`simlab.experiments.l0l1_smoothness` (``l0l1-smoothness``, Zhang et al. 2019);
- :mod:`simlab.experiments.acclip_nonstationary` (``acclip-nonstationary``, Zhang et al. 2020);
- :mod:`simlab.experiments.evidence`: the statistics and the finding combiner they share.

Each experiment is a function ``<name>(budget) -> dict`` returning ``rows`` (named fields,
listed in its module), ``claim`` (its source in ``source``), ``tolerance``, ``checks`` (name ->
finding as a dict), ``verdict`` (one of the five words of :mod:`simlab.finding`) and
``finding`` (the whole finding: evidence, method, printed, computed, correction), ``figure``
(the PNG written through :mod:`simlab.plotting`) and ``budget`` (the sizes used, so every
number can be re-run; the seeds are in the rows or the finding's evidence).

This module keeps the names the CLI, the notebooks and the tests use.
"""

from __future__ import annotations

from simlab.errors import check_choice
from simlab.experiments.acclip_nonstationary import (NONSTATIONARY_BUDGETS, PAPER_ORDER,
                                                     TUNING_GRID, NonStationaryBudget,
                                                     acclip_nonstationary, at_grid_edge,
                                                     shrinking_noise)
from simlab.experiments.clipping_bias import (CLIPPING_BIAS_BUDGETS, ClippingBiasBudget,
                                              asymmetric_two_point, clipping_bias, exact_floor,
                                              floor_bound, mean_clipped_field, worst_case_floor)
from simlab.experiments.evidence import (BOOTSTRAP, CONFIDENCE, log_log_slope,
                                         quantile_interval)
from simlab.experiments.high_probability import (DELTAS, HIGH_PROBABILITY_BUDGETS,
                                                 HIGH_PROBABILITY_METHODS, POLYLOG_SLOPE_CAP,
                                                 HighProbabilityBudget, classify_tail, fit_tail,
                                                 high_probability)
from simlab.experiments.l0l1_smoothness import (CLIPPED_GD, DESCENT_METHODS, GD, NORMALIZED_GD,
                                                SMOOTHNESS_BUDGETS, SmoothnessBudget,
                                                deterministic_descent, l0l1_smoothness)

EXPERIMENTS = ("high-probability", "clipping-bias", "l0l1-smoothness", "acclip-nonstationary")
MODES = ("quick", "full")

RUNNERS = {
    "high-probability": (high_probability, HIGH_PROBABILITY_BUDGETS),
    "clipping-bias": (clipping_bias, CLIPPING_BIAS_BUDGETS),
    "l0l1-smoothness": (l0l1_smoothness, SMOOTHNESS_BUDGETS),
    "acclip-nonstationary": (acclip_nonstationary, NONSTATIONARY_BUDGETS),
}


def run_experiments(mode: str = "quick", only: str | None = None) -> dict:
    """Run the experiments (all, or ``only`` one) with the ``quick`` or ``full`` budgets."""
    check_choice("mode", mode, MODES)
    names = EXPERIMENTS if only is None else (check_choice("experiment", only, EXPERIMENTS),)
    results = {}
    for name in names:
        function, budgets = RUNNERS[name]
        results[name] = function(budgets[mode])
    return {"mode": mode, "experiments": results}


__all__ = ["BOOTSTRAP", "CLIPPED_GD", "CLIPPING_BIAS_BUDGETS", "CONFIDENCE", "DELTAS",
           "DESCENT_METHODS", "EXPERIMENTS", "GD", "HIGH_PROBABILITY_BUDGETS",
           "HIGH_PROBABILITY_METHODS", "MODES", "NONSTATIONARY_BUDGETS", "NORMALIZED_GD",
           "PAPER_ORDER", "POLYLOG_SLOPE_CAP", "RUNNERS", "SMOOTHNESS_BUDGETS", "TUNING_GRID",
           "ClippingBiasBudget", "HighProbabilityBudget", "NonStationaryBudget",
           "SmoothnessBudget", "acclip_nonstationary", "asymmetric_two_point", "at_grid_edge",
           "classify_tail", "clipping_bias", "deterministic_descent", "exact_floor", "fit_tail",
           "floor_bound", "high_probability", "l0l1_smoothness", "log_log_slope",
           "mean_clipped_field", "quantile_interval", "run_experiments", "shrinking_noise",
           "worst_case_floor"]
