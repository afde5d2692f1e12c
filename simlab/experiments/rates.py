"""Convergence-rate slopes of Zhang et al. 2020, measured by Monte Carlo against the exponents
:mod:`simlab.theory` derives from the theorems' bounds: the entry point of ``simlab rates``.

Four experiments, each over a grid of moment orders alpha and two noise laws (symmetric Pareto
and Levy-stable), with the law's tail index just above alpha (:data:`TAIL_MARGIN`) so that
Assumption 1/2/4 holds with the constant computed exactly by :mod:`simlab.noise`:

``theorem4``, ``dimension``
    Theorem 4 (both printed thresholds, on common random numbers) and Corollary 7 vs Theorem 8
    on a box where their constants hold: :mod:`simlab.experiments.rates_theorem4`.
``theorem2``
    Theorem 2 (both printed schedules; in ``--full`` also in its stated regime, K beyond
    :func:`~simlab.theory.regimes.theorem2_asymptotic_K`): :mod:`simlab.experiments.rates_theorem2`.
``sgd-failure``
    SGD and GClip on the same noise draws (one seed for both) on a quadratic: the median over
    disjoint blocks of the sample mean of R replicas of ``f(x_K) - f*`` against R (this module).
    SGD's error has tail index ``a/2 < 1`` under infinite variance, so its mean is infinite and
    the block means grow like ``R^(2/a - 1)`` (generalised CLT,
    :func:`~simlab.theory.regimes.sgd_block_mean_exponent`). GClip's error is bounded
    (:func:`~simlab.theory.regimes.gclip_error_bound`), so its block means converge (slope 0
    asymptotically; over feasible R they still rise until blocks hold the rare errors near the
    bound). The Remark's text was lost in the extracted paper; reconstructed from the published
    version: with infinite variance, E f(x_k) - f* is infinite for SGD whatever the step sizes.
    The interval is a median of means again: the replicas are cut into ``budget.blocks`` super
    blocks, each gives the slope of its median of block means against R (R up to the budget's
    pilot replicas / blocks / 32), and the median of those slopes has the order-statistic
    interval (:func:`simlab.analysis.median_interval`).

**Pipeline.** Each experiment declares all its cells first (one
:class:`~simlab.run.spec.Spec` per engine run, built with :meth:`Spec.of`), obtains their
results with one :func:`simlab.run.compute` call (the store and the current executor: a second
run computes nothing), then analyses them; ``--full`` is powered: a pilot, then the replicas
each row needs to resolve its prediction from the competing ones
(:func:`~simlab.experiments.rates_common.run_powered`). Seeds follow :mod:`simlab.rng`:
theorem4's two schedules, theorem2's horizons, starts and schedules, and sgd-failure's SGD and
GClip share one seed per (law, alpha) (common random numbers, :func:`shared_seed`); the other
cells' seeds are derived from their specs. ``seed`` (``simlab rates --seed S``) names another
replicate of the whole experiment: it enters every seed's description.

Every row carries the slope the theorem predicts (:mod:`simlab.theory`), the measured slope with
its median-of-means interval (:mod:`simlab.analysis`), the resolution it had to reach, the
verdict in the words of :mod:`simlab.finding` (:meth:`Row.finding`), the statistic and why it
matches the theorem, and where the run is not in the theorem's asymptotic regime, what the
proof's bound predicts in the regime it is in (:mod:`simlab.theory.regimes`, computed the same
way, from the same bound).
"""

from __future__ import annotations

import math

import numpy as np

from simlab import analysis
from simlab.algorithms import make_algorithm
from simlab.errors import InputError, check_choice
from simlab.experiments.rates_common import (
    BUDGETS,
    EXPERIMENTS,
    FULL,
    LAWS,
    QUICK,
    TAIL_MARGIN,
    Budget,
    Row,
    _correction,
    _fit_row,
    _grid,
    _specs,
    noise_law,
    replicas_of,
    run_powered,
    shared_seed,
    tail_index_for,
)
from simlab.experiments.rates_theorem2 import (
    THEOREM2_PROBLEM,
    THEOREM2_STARTS,
    theorem2_cells,
    theorem2_experiment,
)
from simlab.experiments.rates_theorem4 import (
    AVG_CCLIP,
    AVG_GCLIP,
    DIMENSION_LABELS,
    DIMENSION_PROBLEM,
    THEOREM4_PROBLEM,
    dimension_cells,
    dimension_experiment,
    theorem4_cells,
    theorem4_experiment,
)
from simlab.problems import Quadratic
from simlab.run.spec import Spec
from simlab.schedules import default_schedule
from simlab.theory.regimes import (
    gclip_error_bound,
    sgd_block_mean_exponent,
    theorem2_asymptotic_K,
    theorem4_law_exponent,
)

# ----------------------------------------------------------------------------- SGD failure
#: the SGD-failure problem: f(x) = (x - 1)^2 / 2 on the line, x_0 = 0 (F0 = 1/2)
SGD_PROBLEM = dict(mu=1.0, L=1.0, center=1.0)
SGD_SIGMA = 1.0
#: the block sizes of the SGD experiment: R = 16, 32, ... while at least 32 disjoint blocks
#: remain. It starts at 16 because the median of a mean of R skewed (even light-tailed) errors
#: sits below the mean by about skewness * sd / (6 R), which tilts the slope at small R.
SGD_FIRST_BLOCK = 16
SGD_MIN_BLOCKS = 32


def sgd_block_sizes(replicas: int) -> np.ndarray:
    """R = 16, 32, ... while at least 32 disjoint blocks remain (fixed window: all of them)."""
    largest = replicas // SGD_MIN_BLOCKS
    sizes = 2 ** np.arange(int(math.log2(SGD_FIRST_BLOCK)), int(math.log2(max(largest, 1))) + 1)
    if sizes.size < 2:
        raise InputError(f"the SGD experiment needs at least "
                         f"{2 * SGD_FIRST_BLOCK * SGD_MIN_BLOCKS} replicas, got {replicas}")
    return sizes


def sgd_window(budget: Budget) -> np.ndarray:
    """The block sizes R of the budget (fixed by its pilot: each of ``budget.blocks`` super
    blocks of the pilot's replicas holds at least 32 blocks of the largest R)."""
    return sgd_block_sizes(budget.sgd_replicas // budget.blocks)


#: the most replicas of one SGD-failure cell (its metrics are kept in memory and in the store)
SGD_MAX_REPLICAS = 2 ** 20


def sgd_failure_cells(budget: Budget, seed: int | None = None,
                      replicas: dict | None = None) -> list[dict]:
    """The SGD-failure experiment's cells: per (law, alpha), SGD and GClip (each with its
    default schedule) on the same draws: one seed for both (common random numbers)."""
    problem = Quadratic(dim=1, **SGD_PROBLEM)
    sgd_window(budget)  # refuse a budget too small before any run
    planned = []
    for law, alpha in _grid(budget):
        noise = noise_law(law, alpha, "isotropic", SGD_SIGMA)
        common = shared_seed("sgd-failure", seed, law=law, alpha=alpha)
        group = ("sgd-failure", law, alpha)
        count = min(SGD_MAX_REPLICAS, replicas_of(replicas, group, budget.sgd_replicas))
        count = max(budget.sgd_replicas, count // budget.blocks * budget.blocks)
        for name in ("sgd", "gclip"):
            algorithm = make_algorithm(name)
            schedule = default_schedule(problem, noise, algorithm, budget.sgd_steps, alpha)
            spec = Spec.of(problem, noise, algorithm, schedule, steps=budget.sgd_steps,
                           replicas=count, seed=common,
                           checkpoints=[budget.sgd_steps], alpha=alpha)
            planned.append(dict(spec=spec, specs=[spec], law=law, alpha=alpha, name=name,
                                group=group, max_replicas=SGD_MAX_REPLICAS,
                                noise=noise, schedule=schedule, problem=problem))
    return planned


def mom_block_growth(values, sizes, blocks: int) -> analysis.SlopeFit:
    """The growth slope of the median of block means against R
    (:func:`simlab.analysis.median_block_mean`) as a median of means: the slope in each of
    ``blocks`` disjoint super blocks of replicas, their median and its order-statistic
    interval; y is the median of block means over all replicas (for the figure)."""
    values = np.asarray(values, dtype=float).ravel()
    size = values.size // blocks
    sizes = np.asarray(sizes, dtype=float)
    slopes = [analysis.loglog_fit(sizes, analysis.median_block_mean(
        values[i * size:(i + 1) * size], sizes))[0] for i in range(blocks)]
    slope, low, high = analysis.median_interval(slopes)
    y = analysis.median_block_mean(values, sizes)
    return analysis.SlopeFit(slope, analysis.loglog_fit(sizes, y)[1], low, high,
                             f"median of block means, median over {blocks} super blocks", sizes,
                             y, int(values.size), 0)


def sgd_failure_experiment(budget: Budget, seed: int | None = None) -> list[Row]:
    """Rows of the SGD-failure experiment: SGD and GClip on the same draws (same seed)."""
    return run_powered(sgd_failure_cells, lambda planned, results: _sgd_rows(
        planned, results, budget), budget, seed)


def _sgd_rows(planned: list[dict], results, budget: Budget) -> list[Row]:
    sizes = sgd_window(budget)
    rows = []
    for cell in planned:
        spec, name, noise, schedule, problem = (cell[key] for key in
                                                ("spec", "name", "noise", "schedule", "problem"))
        result = results[spec]
        level = problem.initial_gap()
        errors = result.metrics["error"][:, -1]
        fit = mom_block_growth(errors, sizes, budget.blocks)
        above = analysis.fraction_above(errors, level)
        bound = (gclip_error_bound(problem, schedule, budget.sgd_steps) if name == "gclip"
                 else None)
        growth = sgd_block_mean_exponent(noise.tail_index)
        if name == "sgd":
            predicted = growth
            regime = (f"eta_k = {schedule.describe()['step_size']}; error tail index "
                      f"{noise.tail_index / 2:g} (noise tail {noise.tail_index:g}, squared)")
        else:
            predicted = 0.0
            regime = (f"eta_k, tau_k of Theorem 4 (G = {schedule.threshold.scale:.3g}); "
                      f"error <= {bound:.3g} always (max seen {np.max(errors):.3g}), so the "
                      "mean is finite; block means level off only once blocks hold the "
                      "rare errors near that bound")
        rows.append(_fit_row(
            fit, predicted, upper_bound=False, experiment="sgd-failure",
            competitors=[0.0 if name == "sgd" else growth],
            theorem="Remark after Assumption 1", algorithm=name, noise=noise.describe(),
            alpha=cell["alpha"],
            quantity="median over blocks of the mean of f(x_K) - f* over R replicas",
            why="SGD's E[f(x_K)] - f* is infinite when the variance is: a mean has no limit "
                "to estimate, but the median of block means is well defined and its growth "
                "in R measures the tail (GCLT); GClip's clipped noise has a finite variance "
                "(slope 0)",
            steps=budget.sgd_steps, x="R", window=[float(sizes[0]), float(sizes[-1])],
            regime=regime,
            extra={"group": cell["group"], "median_error": float(result.median("error")[-1]),
                   "max_error": float(np.max(errors)),
                   "deterministic_bound": bound,
                   "clipped_steps_per_replica": float(np.mean(
                       result.metrics["clip_fraction"][:, -1])) * budget.sgd_steps,
                   "quantile_0.99": float(result.quantile("error", 0.99)[-1]),
                   "sample_mean_all": float(np.mean(errors)),
                   "fraction_above_F0": above.value,
                   "fraction_above_F0_ci": [above.ci_low, above.ci_high],
                   "level_F0": level, "diverged": result.diverged,
                   "tail_index": noise.tail_index}))
    return rows


RUNNERS = {
    "theorem4": theorem4_experiment,
    "theorem2": theorem2_experiment,
    "sgd-failure": sgd_failure_experiment,
    "dimension": dimension_experiment,
}
CELLS = {
    "theorem4": theorem4_cells,
    "theorem2": theorem2_cells,
    "sgd-failure": sgd_failure_cells,
    "dimension": dimension_cells,
}


def cells(name: str, budget: Budget, seed: int | None = None) -> list[Spec]:
    """Every engine run of experiment ``name`` at ``budget`` (what its one ``compute`` call
    asks the store and executor for)."""
    check_choice("experiment", name, EXPERIMENTS)
    return _specs(CELLS[name](budget, seed))


# ----------------------------------------------------------------------------- figures
def plot_experiment(name: str, rows: list[Row]):
    """One log-log figure per experiment: a line per alpha (a panel per law and algorithm), and
    for each fitted row its fit with the 95% band of slopes its interval allows and the predicted
    slope dashed through the same pivot (:func:`simlab.plotting.slope_band`): where the dashed
    line leaves the band, the interval excludes the theorem's exponent (the verdict rule of
    :func:`simlab.analysis.verdict`, less its tolerance). Returns the path of
    ``figures/rates-<name>.png``."""
    from matplotlib.patches import Patch

    from simlab.plotting import new_figure, save, slope_band

    panels = sorted({_panel(row) for row in rows})
    ncols = min(2, len(panels))
    fig, axes = new_figure(ncols=ncols, nrows=math.ceil(len(panels) / ncols))
    axes = [list(axes.ravel())]
    colours = dict(zip(sorted({row.alpha for row in rows}),
                       _colours(len({row.alpha for row in rows})), strict=True))
    for ax in axes[0][len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes[0], panels, strict=False):
        for row in rows:
            if _panel(row) != panel:
                continue
            colour = colours[row.alpha]
            label = (f"alpha={row.alpha:g}: {row.measured_slope:+.2f} "
                     f"[{row.ci_low:+.2f}, {row.ci_high:+.2f}]")
            if name == "theorem4":
                curve = row.extra["curve"]
                ax.plot(curve["k"], curve["mean"], color=colour, linewidth=0.8, alpha=0.6,
                        label=label)
            else:
                ax.plot(row.points["x"], row.points["y"], marker="o", markersize=3,
                        color=colour, linewidth=0, label=label)
            x_window = np.asarray(row.points["x"], dtype=float)
            # no intercept: a median-of-means slope with the least-squares intercept of another
            # slope would pivot at x = 1; through the points' centre it is the fit's own level
            fit = {"slope": row.measured_slope, "ci_low": row.ci_low, "ci_high": row.ci_high}
            slope_band(ax, x_window, fit, y=row.points["y"], predicted=row.predicted_slope,
                       color=colour, label="_fit", predicted_label="_predicted")
            if row.regime_slope is not None:  # the same bound in the regime the run is in
                anchor = float(row.points["y"][0])
                ax.plot(x_window, anchor * (x_window / x_window[0]) ** row.regime_slope,
                        linestyle=":", linewidth=1.2, color=colour)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(", ".join(part for part in (panel[1], f"{panel[0]} noise", panel[2])
                               if part), fontsize=9)
        ax.set_xlabel(_XLABEL[name])
        ax.set_ylabel(_YLABEL[name])
        handles, labels = ax.get_legend_handles_labels()
        handles += [Patch(color="grey", alpha=0.4), ax.plot([], [], "--", color="grey")[0]]
        labels += ["fit and its 95% slope band", "predicted slope"]
        if any(row.regime_slope is not None for row in rows if _panel(row) == panel):
            handles.append(ax.plot([], [], linestyle=":", color="grey")[0])
            labels.append("bound's slope in the run's regime")
        ax.legend(handles, labels, title="measured slope [95% interval]", fontsize=6,
                  title_fontsize=7)
    return save(fig, f"rates-{name}", caption=_CAPTION[name])


def _panel(row: Row) -> tuple[str, str, str]:
    return (row.noise.split("(")[0], row.algorithm,
            " ".join(part for part in (row.schedule or "", row.extra.get("start", ""),
                                       "asymptotic" if row.regime == "asymptotic" else "")
                     if part))


_CAPTION = {
    "theorem4": "Theorem 4: mean f(x_bar_k) - f* of projected GClip against k, one line per "
                "alpha, its fit with the 95% slope band; dashed: the theorem's slope "
                "-2(alpha-1)/alpha",
    "theorem2": "Theorem 2: mean (1/K) sum min(|grad f|, |grad f|^2) of GClip against the horizon "
                "K, the fit with its 95% slope band; dashed: the theorem's slope, dotted: the "
                "same bound in the run's regime",
    "sgd-failure": "SGD vs GClip on the same draws: median of block means of f(x_K) - f* against "
                   "the block size R, the fit with its 95% slope band; dashed: the GCLT growth "
                   "2/a - 1 (SGD) and 0 (GClip)",
    "dimension": "Corollary 7 vs Theorem 8: mean f(x_bar_K) - f* of GClip and CClip against d, "
                 "the fit with its 95% slope band; dashed: the bounds' d-exponents 2/alpha "
                 "and 1",
}

_XLABEL = {"theorem4": "step k", "theorem2": "horizon K", "sgd-failure": "replicas R per block",
           "dimension": "dimension d"}
_YLABEL = {"theorem4": "mean f(x_bar_k) - f*",
           "theorem2": "mean (1/K) sum min(|grad f|, |grad f|^2)",
           "sgd-failure": "median of block means of f(x_K) - f*",
           "dimension": "mean f(x_bar_K) - f*"}


def _colours(count: int):
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(1, count - 1) * 0.9) for i in range(count)]


# ----------------------------------------------------------------------------- entry point
def run_rates(budget: Budget | str = "quick", only: str | None = None, seed: int | None = None,
              figures: bool = True) -> list[dict]:
    """Run the experiments (all, or ``only`` one of :data:`EXPERIMENTS`) at ``budget`` and return
    the rows as dicts (fields of :class:`Row`); writes ``figures/rates-<experiment>.png``.
    ``seed``: None (every seed derived as the module docstring says) or a replicate number."""
    if isinstance(budget, str):
        check_choice("budget", budget, BUDGETS)
        budget = BUDGETS[budget]
    names = EXPERIMENTS if only is None else (check_choice("experiment", only, EXPERIMENTS),)
    out = []
    for name in names:
        rows = RUNNERS[name](budget, seed)
        if figures:
            plot_experiment(name, rows)
        out.extend(row.as_dict() for row in rows)
    return out


__all__ = ["AVG_CCLIP", "AVG_GCLIP", "BUDGETS", "Budget", "DIMENSION_LABELS",
           "DIMENSION_PROBLEM", "EXPERIMENTS", "FULL", "LAWS", "QUICK", "Row", "TAIL_MARGIN",
           "THEOREM2_PROBLEM", "THEOREM2_STARTS", "THEOREM4_PROBLEM", "_correction", "_fit_row",
           "cells", "dimension_experiment", "mom_block_growth", "noise_law", "run_rates",
           "sgd_block_mean_exponent", "sgd_failure_experiment", "shared_seed", "tail_index_for",
           "theorem2_asymptotic_K", "theorem2_experiment", "theorem4_experiment",
           "theorem4_law_exponent"]

