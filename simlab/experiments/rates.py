"""Convergence-rate slopes of Zhang et al. 2020, measured by Monte Carlo against the exponents
:mod:`simlab.theory` derives from the theorems' bounds.

Four experiments, each over a grid of moment orders alpha and two noise laws (symmetric Pareto
and Levy-stable), with the law's tail index just above alpha (:data:`TAIL_MARGIN`) so that
Assumption 1/2/4 holds with the constant computed exactly by :mod:`simlab.noise`:

``theorem4``
    projected GClip with k-weighted averaging on a strongly convex problem on a box (Theorem 4,
    Appendix D schedule ``eta_k = 4/(mu(k+1))``, ``tau_k = G k^(1/alpha)``); the mean over
    replicas of ``f(x_bar_k) - f*`` against k, fitted over the last two decades of k.
``theorem2``
    GClip with Theorem 2's constant eta and tau (Appendix C version) on an L-smooth non-convex
    problem, a sweep over the horizon K; the mean over replicas of
    ``(1/K) sum_{k<K} min{||grad f(x_k)||, ||grad f(x_k)||^2}`` against K. The stated rate needs
    ``eta = 1/(L tau^alpha)``, i.e. ``tau^(alpha-1) >= 24``: from K ~ 1e6 (alpha = 2) to 3e11
    (alpha = 1.2) at best (:func:`~simlab.theory.regimes.theorem2_asymptotic_K`). Feasible
    sweeps run with ``eta = 1/(24 L tau)``, where the same bound decays only like
    ``K^(-(alpha-1)/(3alpha-2))``: each row reports that in-regime exponent beside the stated one.
``sgd-failure``
    SGD and GClip on the same noise draws (one seed for both) on a quadratic: the median over
    disjoint blocks of the sample mean of R replicas of ``f(x_K) - f*`` against R. SGD's error
    has tail index ``a/2 < 1`` under infinite variance, so its mean is infinite and the block
    means grow like ``R^(2/a - 1)`` (generalised CLT,
    :func:`~simlab.theory.regimes.sgd_block_mean_exponent`). GClip's error is bounded
    (:func:`~simlab.theory.regimes.gclip_error_bound`), so its block means converge (slope 0
    asymptotically; over feasible R they still rise until blocks hold the rare errors near the
    bound). The Remark's text was lost in the extracted paper; reconstructed from the published
    version: with infinite variance, E f(x_k) - f* is infinite for SGD whatever the step sizes.
``dimension``
    Corollary 7 (GClip) vs Theorem 8 (CClip), both with the k-weighted average, under
    coordinate-wise noise (Assumption 2, equal B_i) on an unconstrained quadratic (see
    :data:`DIMENSION_PROBLEM` for why not on a box): the mean of ``f(x_bar_K) - f*`` at a fixed
    K against d.

**Pipeline.** Each experiment declares all its cells first (``<name>_cells``: one
:class:`~simlab.run.spec.Spec` per engine run, built with :meth:`Spec.of`), obtains their
results with one :func:`simlab.run.compute` call (the store and the current executor: a second
run computes nothing), then analyses them. Seeds follow :mod:`simlab.rng`: theorem2's horizons
and starts share one seed per (law, alpha), sgd-failure's SGD and GClip one per (law, alpha)
(common random numbers, :func:`shared_seed`); the other cells' seeds are derived from their
specs. ``seed`` (``simlab rates --seed S``) names another replicate of the whole experiment: it
enters every seed's description.

Every row carries the slope the theorem predicts (:mod:`simlab.theory`), the measured slope with
a bootstrap interval (:mod:`simlab.analysis`), the verdict in the words of
:mod:`simlab.finding` (:meth:`Row.finding`), the statistic and why it matches the theorem, and
where the run is not in the theorem's asymptotic regime, what the proof's bound predicts in the
regime it is in (:mod:`simlab.theory.regimes`, computed the same way, from the same bound).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from simlab import analysis, theory
from simlab.algorithms import make_algorithm
from simlab.errors import InputError, check_choice
from simlab.finding import NO_CORRECTION, Finding
from simlab.noise import NoiseLaw, Pareto, Stable
from simlab.problems import ConstrainedQuadratic, NonConvex, Quadratic
from simlab.rng import seed_of
from simlab.run.context import compute
from simlab.run.engine import log_checkpoints
from simlab.run.spec import Spec
from simlab.schedules import assumption4_G, default_schedule, theorem2, theorem4, theorem8
from simlab.theory.regimes import (
    gclip_error_bound,
    gclip_law_d_exponent,
    projection_crossover,
    sgd_block_mean_exponent,
    theorem2_asymptotic_K,
    theorem2_first_K,
    theorem2_regime_exponent,
    theorem2_sigma,
    theorem2_term_exponents,
    theorem2_terms,
    theorem4_law_exponent,
)

#: the law's tail index is alpha + TAIL_MARGIN (stable: capped at 2, the Gaussian): the
#: alpha-moment is finite, and the law is as heavy as that allows. A law with tail index a > alpha
#: is better than the worst case the theorems bound: see
#: :func:`~simlab.theory.regimes.theorem4_law_exponent` for the gap it implies (about
#: TAIL_MARGIN / alpha on Theorem 4's slope).
TAIL_MARGIN = 0.05

LAWS = ("pareto", "stable")
EXPERIMENTS = ("theorem4", "theorem2", "sgd-failure", "dimension")


@dataclass(frozen=True)
class Budget:
    """Grid and sample sizes of one mode (quick, full, or a test's tiny one)."""

    name: str
    alphas: tuple[float, ...]
    laws: tuple[str, ...] = LAWS
    theorem4_steps: int = 3000
    theorem4_replicas: int = 800
    theorem2_decades: float = 1.0
    theorem2_points: int = 4
    theorem2_replicas: int = 16
    sgd_replicas: int = 32_768
    sgd_steps: int = 30
    dims: tuple[int, ...] = (8, 32, 128)
    dims_steps: int = 700
    dims_replicas: int = 40
    resamples: int = 200


QUICK = Budget("quick", (1.2, 1.4, 1.6, 1.8, 2.0))
FULL = Budget("full", tuple(round(1.1 + 0.1 * i, 1) for i in range(10)),
              theorem4_steps=20_000, theorem4_replicas=600,
              theorem2_decades=1.5, theorem2_points=6, theorem2_replicas=32,
              sgd_replicas=131_072, sgd_steps=30,
              dims=(10, 30, 100, 300, 1000), dims_steps=1000, dims_replicas=32, resamples=1000)
BUDGETS = {"quick": QUICK, "full": FULL}

#: ``bound_holds`` in the verdict words: :func:`simlab.analysis.upper_bound_verdict`'s
#: "consistent" (no exponent above the bound's), "exceeds", "undetermined" (no interval)
_BOUND_VERDICT = {"consistent": "holds", "exceeds": "fails", "undetermined": "inconclusive"}


@dataclass
class Row:
    """One line of the ``rates`` table.

    ``predicted_slope`` is the exponent :mod:`simlab.theory` derives from the theorem's bound;
    ``measured_slope`` the least-squares log-log slope of ``statistic`` over replicas against
    ``x`` in ``window`` (fixed per experiment), with the 95% bootstrap interval
    ``[ci_low, ci_high]``; ``verdict`` is :func:`simlab.analysis.verdict` (holds, fails or
    inconclusive) and ``bound_holds`` :func:`simlab.analysis.upper_bound_verdict` in the same
    words (None where the prediction is not a bound). A failing row's ``correction`` names the
    derived exponent the interval holds instead (the bound's in the run's regime, or the law's),
    or says that none was derived. ``why`` says why the statistic matches what the theorem
    bounds. ``regime`` says which terms of the schedule or which mechanism is in charge over the
    window; ``regime_slope`` is the exponent of the same bound in that regime (Theorem 2) and
    ``law_slope`` the exponent the law's actual tail index implies (Theorem 4, dimension).
    ``points`` holds the fitted (x, y) for the figure.
    """

    experiment: str
    theorem: str
    algorithm: str
    noise: str
    alpha: float
    quantity: str
    statistic: str
    why: str
    predicted_slope: float
    measured_slope: float
    ci_low: float
    ci_high: float
    verdict: str
    replicas: int
    steps: int
    x: str
    window: list
    regime: str
    regime_slope: float | None = None
    regime_verdict: str | None = None
    law_slope: float | None = None
    bound_holds: str | None = None
    correction: str | None = None
    extra: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    def finding(self) -> Finding:
        """The row as a :class:`simlab.finding.Finding` (method "fit"): the theorem's exponent
        printed, the measured one computed, the interval as evidence."""
        return Finding(
            self.verdict, method="fit", printed=self.predicted_slope,
            computed=self.measured_slope, correction=self.correction,
            evidence=(f"log-log slope of the {self.statistic} of {self.quantity} over "
                      f"{self.replicas} replicas against {self.x} in [{self.window[0]:g}, "
                      f"{self.window[1]:g}]: {self.measured_slope:+.3f}, 95% bootstrap interval "
                      f"[{self.ci_low:+.3f}, {self.ci_high:+.3f}], tolerance "
                      f"{analysis.SLOPE_TOLERANCE:g}"),
            subject=f"{self.experiment}: {self.algorithm}, {self.noise}, alpha = {self.alpha:g}",
            ref=f"Zhang et al. 2020, {self.theorem}")


# ----------------------------------------------------------------------------- helpers
def shared_seed(experiment: str, replicate: int | None = None, **description) -> int:
    """The seed of cells that share draws (common random numbers): :func:`simlab.rng.seed_of`
    of the experiment, the replicate (``--seed``; None by default) and what the cells share."""
    return seed_of({"experiment": f"rates/{experiment}", "replicate": replicate, **description})


def _own_seed(experiment: str, replicate: int | None, **description) -> int | None:
    """A cell that shares no draws: its seed is derived from its spec (None), or, for another
    replicate of the experiment, from its description and the replicate."""
    return None if replicate is None else shared_seed(experiment, replicate, **description)


def _bootstrap_seed(*specs: Spec, **description) -> int:
    """The bootstrap's seed: :func:`simlab.rng.seed_of` of the fitted cells' seeds and what
    else names the fit (never the order of execution)."""
    return seed_of({"bootstrap": [spec.seed for spec in specs], **description})


def _specs(planned: list[dict]) -> list[Spec]:
    return [spec for cell in planned for spec in cell["specs"]]


def _grid(budget: Budget) -> list[tuple[str, float]]:
    return [(law, alpha) for law in budget.laws for alpha in budget.alphas]


def tail_index_for(law: str, alpha: float) -> float:
    """The law's tail index for moment order alpha: ``alpha + TAIL_MARGIN`` (stable: at most 2)."""
    check_choice("noise law", law, LAWS)
    tail = alpha + TAIL_MARGIN
    return min(tail, 2.0) if law == "stable" else tail


def noise_law(law: str, alpha: float, geometry: str, target: float, dim: int = 1) -> NoiseLaw:
    """The law with tail index :func:`tail_index_for` and the scale at which its constant of the
    assumption is exactly ``target``: ``sigma(alpha, dim)`` (isotropic, Assumptions 1 and 4) or
    ``B_i`` (coordinate, Assumption 2). Both constants are computed by :mod:`simlab.noise`."""
    tail = tail_index_for(law, alpha)
    unit = Pareto(tail=tail, geometry=geometry) if law == "pareto" else Stable(
        index=tail, geometry=geometry)
    constant = unit.sigma(alpha, dim) if geometry == "isotropic" else unit.coordinate_bound(alpha)
    scale = target / constant
    if law == "pareto":
        return Pareto(scale=scale, geometry=geometry, tail=tail)
    return Stable(scale=scale, geometry=geometry, index=tail)


def _correction(fit: analysis.SlopeFit, regime: str, candidates) -> str:
    """What a failing row's interval holds instead: the first derived exponent of
    ``candidates`` ((exponent or None, what it is)) that :func:`simlab.analysis.verdict` finds
    held, else "none derived" with the measured exponent."""
    for exponent, what in candidates:
        if exponent is not None and analysis.verdict(exponent, fit.ci_low,
                                                     fit.ci_high) == "holds":
            return f"the interval holds {exponent:+.3f}, {what}"
    return (f"{NO_CORRECTION}the measured exponent {fit.slope:+.3f} "
            f"[{fit.ci_low:+.3f}, {fit.ci_high:+.3f}] matches no exponent derived for this "
            f"run (regime: {regime})")


def _fit_row(fit: analysis.SlopeFit, predicted: float, *, upper_bound: bool = True,
             regime_slope: float | None = None, **fields) -> Row:
    """A row from a fit. ``upper_bound``: the prediction is the exponent of an upper bound, so
    ``bound_holds`` says whether the data are consistent with it (no exponent above it)."""
    verdict = analysis.verdict(predicted, fit.ci_low, fit.ci_high)
    correction = None
    if verdict == "fails":
        correction = _correction(fit, fields["regime"], (
            (regime_slope, "the exponent of the same bound in the run's regime"),
            (fields.get("law_slope"), "the exponent the law's tail index implies")))
    row = Row(predicted_slope=float(predicted), measured_slope=fit.slope, ci_low=fit.ci_low,
              ci_high=fit.ci_high, verdict=verdict,
              bound_holds=_BOUND_VERDICT[analysis.upper_bound_verdict(predicted, fit.ci_low)]
              if upper_bound else None,
              regime_slope=regime_slope,
              regime_verdict=None if regime_slope is None else analysis.verdict(
                  regime_slope, fit.ci_low, fit.ci_high),
              correction=correction, statistic=fit.statistic, replicas=fit.replicas,
              points={"x": fit.x.tolist(), "y": np.asarray(fit.y).tolist(),
                      "fit_intercept": fit.intercept}, **fields)
    row.finding()  # the one verdict type's checks: a known word, a failing row's correction
    return row


# ----------------------------------------------------------------------------- Theorem 4
#: Theorem 4's problem: one coordinate, mu = 1, on [-5, 5] with an l1 term (non-smooth at 0; the
#: minimiser 0.4 is off the kink). The box is wide compared with the centre so that
#: eta_k tau_k = 4 G k^(1/alpha) / (k+1) falls below the box width early: before that the
#: projection, not the clipping, bounds the steps (a pre-asymptotic regime).
THEOREM4_PROBLEM = dict(mu=1.0, L=1.0, center=0.5, l1=0.1, radius=5.0)
THEOREM4_SIGMA = 0.5


def theorem4_cells(budget: Budget, seed: int | None = None) -> list[dict]:
    """The Theorem 4 experiment's cells: one run per (law, alpha), with what the analysis needs
    (``spec``, ``law``, ``alpha``, ``noise``, ``G``)."""
    problem = ConstrainedQuadratic(dim=1, **THEOREM4_PROBLEM)
    steps = budget.theorem4_steps
    planned = []
    for law, alpha in _grid(budget):
        noise = noise_law(law, alpha, "isotropic", THEOREM4_SIGMA)
        G = assumption4_G(problem, noise, alpha)
        spec = Spec.of(problem, noise, "proj-gclip", theorem4(G, alpha, problem.mu), steps=steps,
                       replicas=budget.theorem4_replicas, alpha=alpha,
                       checkpoints=log_checkpoints(steps, 60),
                       seed=_own_seed("theorem4", seed, law=law, alpha=alpha))
        planned.append(dict(spec=spec, specs=[spec], law=law, alpha=alpha, noise=noise, G=G,
                            problem=problem))
    return planned


def theorem4_experiment(budget: Budget, seed: int | None = None) -> list[Row]:
    """Rows and plot data of the Theorem 4 experiment (see the module docstring)."""
    planned = theorem4_cells(budget, seed)
    results = compute(_specs(planned))
    window = (budget.theorem4_steps / 100.0, float(budget.theorem4_steps))
    rows = []
    for cell in planned:
        spec, noise, G, problem, alpha = (cell[name] for name in
                                          ("spec", "noise", "G", "problem", "alpha"))
        result = results[spec]
        checkpoints = np.asarray(result.checkpoints)
        mask = analysis.window_mask(checkpoints, *window)
        fit = analysis.bootstrap_slope(checkpoints[mask], result.metrics["avg_error"][:, mask],
                                       "mean", resamples=budget.resamples,
                                       seed=_bootstrap_seed(spec))
        crossover = projection_crossover(G / problem.mu, alpha, problem.radius)
        rows.append(_fit_row(
            fit, theory.theorem4_exponent(alpha), experiment="theorem4", theorem="Theorem 4",
            algorithm="proj-gclip", noise=noise.describe(), alpha=alpha,
            quantity="E[f(x_bar_k)] - f*",
            why="Theorem 4 bounds the expectation; f(x_bar_k) is bounded on the box, so the mean "
                "has a finite variance and a valid bootstrap interval",
            steps=spec.steps, x="k", window=list(window),
            regime=("asymptotic" if crossover <= window[0] else
                    f"projection-bound until k ~ {crossover:.3g} (eta_k tau_k > box width)"),
            law_slope=theorem4_law_exponent(alpha, noise.tail_index),
            extra={"G": G, "sigma": noise.sigma(alpha, 1), "tail_index": noise.tail_index,
                   "diverged": result.diverged,
                   "curve": {"k": checkpoints.tolist(),
                             "mean": result.mean("avg_error").tolist()}}))
    return rows


# ----------------------------------------------------------------------------- Theorem 2
#: Theorem 2's problem: one coordinate of x^2/2 + 2 sin^2(x - 1), L = 5, spurious stationary points
THEOREM2_PROBLEM = dict(mu=1.0, wave=2.0, center=1.0)
#: two starting points: x_0 = 0 (F0 = 1.92: the descent term F0/(eta K) of the bound is in charge
#: over feasible K) and x_0 = x* + 0.01 (F0 = 2.5e-4: the noise terms are)
THEOREM2_STARTS = {"x0=0": 0.0, "x0=x*+0.01": 1.01}


def theorem2_cells(budget: Budget, seed: int | None = None) -> list[dict]:
    """The Theorem 2 experiment's cells: per (law, alpha, start), one run per horizon K of a
    sweep from :func:`~simlab.theory.regimes.theorem2_first_K` over ``budget.theorem2_decades``
    decades. Every horizon and both starts of a (law, alpha) share one seed (common random
    numbers: the sweep's points differ by K and x_0, not by the draws)."""
    problem = NonConvex(dim=1, **THEOREM2_PROBLEM)
    planned = []
    for law, alpha in _grid(budget):
        sigma = theorem2_sigma(alpha)
        noise = noise_law(law, alpha, "isotropic", sigma)
        first = theorem2_first_K(alpha, sigma)
        horizons = np.unique(np.round(first * np.logspace(
            0, budget.theorem2_decades, budget.theorem2_points)).astype(np.int64))
        common = shared_seed("theorem2", seed, law=law, alpha=alpha)
        for start, x0 in THEOREM2_STARTS.items():
            x0 = np.full(problem.dim, x0)
            F0 = problem.initial_gap(x0)
            specs = [Spec.of(problem, noise, "gclip",
                             theorem2(problem.smoothness, sigma, alpha, int(steps), F0),
                             steps=int(steps), replicas=budget.theorem2_replicas, x0=x0,
                             seed=common, checkpoints=[int(steps)], alpha=alpha,
                             track_min_grad=True) for steps in horizons]
            planned.append(dict(specs=specs, law=law, alpha=alpha, start=start, noise=noise,
                                sigma=sigma, F0=F0, horizons=horizons, problem=problem))
    return planned


def theorem2_experiment(budget: Budget, seed: int | None = None) -> list[Row]:
    """Rows of the Theorem 2 experiment (window: the whole sweep of K)."""
    planned = theorem2_cells(budget, seed)
    results = compute(_specs(planned))
    rows = []
    for cell in planned:
        alpha, sigma, start, horizons = (cell[name] for name in
                                         ("alpha", "sigma", "start", "horizons"))
        values = np.column_stack([results[spec].metrics["min_grad_mean"][:, -1]
                                  for spec in cell["specs"]])
        fit = analysis.bootstrap_slope(horizons, values, "mean", resamples=budget.resamples,
                                       seed=_bootstrap_seed(*cell["specs"], start=start))
        terms = {theorem2_terms(cell["problem"].smoothness, sigma, alpha, int(steps))
                 for steps in horizons}
        if len(terms) == 1:
            tau_term, eta_term = terms.pop()
            regime = f"{start}; tau = {tau_term}, eta = {eta_term}"
            regime_slope = theorem2_regime_exponent(alpha, tau_term, eta_term)
            term_exponents = theorem2_term_exponents(alpha, tau_term, eta_term)
        else:
            regime = f"{start}; mixed: " + "; ".join(
                f"tau = {t}, eta = {e}" for t, e in sorted(terms))
            regime_slope = term_exponents = None
        rows.append(_fit_row(
            fit, theory.theorem2_exponent(alpha, "appendix"), regime_slope=regime_slope,
            experiment="theorem2", theorem="Theorem 2", algorithm="gclip",
            noise=cell["noise"].describe(), alpha=alpha,
            quantity="(1/K) sum_k E[min{||grad f(x_k)||, ||grad f(x_k)||^2}]",
            why="Theorem 2 bounds this expectation; a time average of quantities bounded over a "
                "finite horizon (clipped steps), so its replica mean has a finite variance",
            steps=int(horizons[-1]), x="K", window=[float(horizons[0]), float(horizons[-1])],
            regime=regime,
            extra={"start": start, "F0": cell["F0"], "sigma": sigma,
                   "tail_index": cell["noise"].tail_index, "horizons": horizons.tolist(),
                   "term_exponents_in_regime": term_exponents,
                   "asymptotic_regime_from_K": theorem2_asymptotic_K(alpha)}))
    return rows


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


def sgd_failure_cells(budget: Budget, seed: int | None = None) -> list[dict]:
    """The SGD-failure experiment's cells: per (law, alpha), SGD and GClip (each with its
    default schedule) on the same draws: one seed for both (common random numbers)."""
    problem = Quadratic(dim=1, **SGD_PROBLEM)
    sgd_block_sizes(budget.sgd_replicas)  # refuse a budget too small before any run
    planned = []
    for law, alpha in _grid(budget):
        noise = noise_law(law, alpha, "isotropic", SGD_SIGMA)
        common = shared_seed("sgd-failure", seed, law=law, alpha=alpha)
        for name in ("sgd", "gclip"):
            algorithm = make_algorithm(name)
            schedule = default_schedule(problem, noise, algorithm, budget.sgd_steps, alpha)
            spec = Spec.of(problem, noise, algorithm, schedule, steps=budget.sgd_steps,
                           replicas=budget.sgd_replicas, seed=common,
                           checkpoints=[budget.sgd_steps], alpha=alpha)
            planned.append(dict(spec=spec, specs=[spec], law=law, alpha=alpha, name=name,
                                noise=noise, schedule=schedule, problem=problem))
    return planned


def sgd_failure_experiment(budget: Budget, seed: int | None = None) -> list[Row]:
    """Rows of the SGD-failure experiment: SGD and GClip on the same draws (same seed)."""
    planned = sgd_failure_cells(budget, seed)
    results = compute(_specs(planned))
    sizes = sgd_block_sizes(budget.sgd_replicas)
    rows = []
    for cell in planned:
        spec, name, noise, schedule, problem = (cell[key] for key in
                                                ("spec", "name", "noise", "schedule", "problem"))
        result = results[spec]
        level = problem.initial_gap()
        errors = result.metrics["error"][:, -1]
        fit = analysis.bootstrap_block_growth(errors, sizes, resamples=budget.resamples,
                                              seed=_bootstrap_seed(spec))
        above = analysis.fraction_above(errors, level)
        bound = (gclip_error_bound(problem, schedule, budget.sgd_steps) if name == "gclip"
                 else None)
        if name == "sgd":
            predicted = sgd_block_mean_exponent(noise.tail_index)
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
            theorem="Remark after Assumption 1", algorithm=name, noise=noise.describe(),
            alpha=cell["alpha"],
            quantity="median over blocks of the mean of f(x_K) - f* over R replicas",
            why="SGD's E[f(x_K)] - f* is infinite when the variance is: a mean has no limit "
                "to estimate, but the median of block means is well defined and its growth "
                "in R measures the tail (GCLT); GClip's clipped noise has a finite variance "
                "(slope 0)",
            steps=budget.sgd_steps, x="R", window=[float(sizes[0]), float(sizes[-1])],
            regime=regime,
            extra={"median_error": float(result.median("error")[-1]),
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


# ----------------------------------------------------------------------------- dimension
#: the dimension experiment's problem: every coordinate alike, so f*, mu, L and B_i do not
#: change with d (``Quadratic(dim=d, mu=1, L=1)``, centre 0.5, x_0 = 0). It is unconstrained on
#: purpose: on a box, the projection bounds GClip's steps long before its threshold does
#: (eta_k tau_k < box width only from k ~ (2G/R)^(alpha/(alpha-1)), about 1e11 at alpha = 1.2 and
#: d = 128, see :func:`~simlab.theory.regimes.projection_crossover`), which hides the
#: threshold's d-dependence. The constants of Assumptions 2 and 4 are taken on the ball
#: ||x - x*|| <= ||x_0 - x*|| (as :func:`simlab.schedules.default_schedule` does); with
#: eta_k = 4/(k+1) <= 2 and curvature 1 the iterates never leave a bounded set.
DIMENSION_PROBLEM = dict(mu=1.0, L=1.0, center=0.5)
DIMENSION_B = 1.0

#: GClip (Corollary 7) and CClip (Theorem 8) with the k-weighted average of Theorem 4 and no
#: projection: the registry's algorithms with ``averaging=True``
AVG_GCLIP = make_algorithm("gclip", averaging=True)
AVG_CCLIP = make_algorithm("cclip", averaging=True)
#: the rows' algorithm names
DIMENSION_LABELS = {"gclip": "gclip-avg", "cclip": "cclip-avg"}


def dimension_cells(budget: Budget, seed: int | None = None) -> list[dict]:
    """The dimension experiment's cells: per (law, alpha), one run per d and algorithm (GClip
    with Theorem 4's schedule and G, CClip with Theorem 8's and B; independent draws)."""
    steps = budget.dims_steps
    planned = []
    for law, alpha in _grid(budget):
        specs = {AVG_GCLIP.name: [], AVG_CCLIP.name: []}
        constants = {"G": [], "B": []}
        for dim in budget.dims:
            dim = int(dim)
            problem = Quadratic(dim=dim, **DIMENSION_PROBLEM)
            noise = noise_law(law, alpha, "coordinate", DIMENSION_B, dim)
            start_gap = np.abs(problem.initial_point() - problem.minimiser)
            # Assumption 4 on the ball: sup ||grad f|| + ||B||_alpha (Minkowski)
            G = float(np.max(problem.curvatures) * np.linalg.norm(start_gap)) + noise.sigma(
                alpha, dim)
            # Assumption 2 per coordinate: sup |d_i f| + B_i (Minkowski)
            B = float(np.max(problem.curvatures * start_gap)) + noise.coordinate_bound(alpha)
            constants["G"].append(G)
            constants["B"].append(B)
            for algorithm, schedule in ((AVG_GCLIP, theorem4(G, alpha, 1.0)),
                                        (AVG_CCLIP, theorem8(B, alpha, 1.0))):
                specs[algorithm.name].append(Spec.of(
                    problem, noise, algorithm, schedule, steps=steps,
                    replicas=budget.dims_replicas, checkpoints=[steps], alpha=alpha,
                    seed=_own_seed("dimension", seed, law=law, alpha=alpha, dim=dim,
                                   algorithm=algorithm.name)))
        planned.append(dict(specs=specs[AVG_GCLIP.name] + specs[AVG_CCLIP.name],
                            by_algorithm=specs, law=law, alpha=alpha, noise=noise,
                            constants=constants))
    return planned


def dimension_experiment(budget: Budget, seed: int | None = None) -> list[Row]:
    """Rows of the Corollary 7 vs Theorem 8 experiment: error at K against d."""
    planned = dimension_cells(budget, seed)
    results = compute(_specs(planned))
    dims = np.asarray(budget.dims, dtype=np.int64)
    steps = budget.dims_steps
    rows = []
    for cell in planned:
        alpha = cell["alpha"]
        tail = tail_index_for(cell["law"], alpha)
        for name, predicted, theorem, law_slope in (
                (AVG_GCLIP.name, theory.corollary7_d_exponent(alpha), "Corollary 7",
                 gclip_law_d_exponent(alpha, tail)),
                (AVG_CCLIP.name, theory.theorem8_d_exponent(alpha), "Theorem 8", 1.0)):
            runs = [results[spec] for spec in cell["by_algorithm"][name]]
            clipped = [float(np.mean(run.metrics["clip_fraction"][:, -1])) for run in runs]
            fit = analysis.bootstrap_slope(dims, [run.metrics["avg_error"][:, -1] for run in runs],
                                           "mean", paired=False, resamples=budget.resamples,
                                           seed=_bootstrap_seed(*cell["by_algorithm"][name]))
            rows.append(_fit_row(
                fit, predicted, experiment="dimension", theorem=theorem,
                algorithm=DIMENSION_LABELS[name],
                noise=f"{cell['noise'].describe()} per coordinate", alpha=alpha,
                quantity=f"E[f(x_bar_K)] - f* at K = {steps}",
                why="the bounds are on the expectation; the clipped steps keep the iterates in "
                    "a bounded set, so the mean has a finite variance; the d-exponent of the "
                    "bound's constant (||B||_alpha^2 or ||B||_2^2) is compared",
                steps=steps, x="d", window=[float(dims[0]), float(dims[-1])],
                regime=f"fixed K = {steps}; independent runs per d; clipped steps "
                       f"{min(clipped):.3g}-{max(clipped):.3g} of all",
                law_slope=law_slope,
                extra={"G": cell["constants"]["G"], "B": cell["constants"]["B"],
                       "clip_fraction_per_d": clipped, "tail_index": tail}))
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
    """One log-log figure per experiment: a line per alpha (a panel per law and algorithm), the
    predicted slope dashed beside each; returns the path of ``figures/rates-<name>.png``."""
    from simlab.plotting import new_figure, save, slope_guide

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
            if name == "theorem4":
                curve = row.extra["curve"]
                ax.plot(curve["k"], curve["mean"], color=colour, linewidth=1.2,
                        label=f"alpha={row.alpha:g}: {row.measured_slope:+.2f}")
            else:
                ax.plot(row.points["x"], row.points["y"], marker="o", markersize=3,
                        color=colour, linewidth=1.2,
                        label=f"alpha={row.alpha:g}: {row.measured_slope:+.2f}")
            x_window = np.asarray(row.points["x"])
            anchor = float(row.points["y"][0])
            slope_guide(ax, x_window, anchor, row.predicted_slope, color=colour)
            if row.regime_slope is not None:  # the same bound in the regime the run is in
                ax.plot(x_window, anchor * (x_window / x_window[0]) ** row.regime_slope,
                        linestyle=":", linewidth=1.2, color=colour)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(", ".join(part for part in (panel[1], f"{panel[0]} noise", panel[2])
                               if part), fontsize=9)
        ax.set_xlabel(_XLABEL[name])
        ax.set_ylabel(_YLABEL[name])
        ax.plot([], [], linestyle="--", color="grey", label="predicted slope")
        if any(row.regime_slope is not None for row in rows if _panel(row) == panel):
            ax.plot([], [], linestyle=":", color="grey", label="bound's slope in the run's regime")
        ax.legend(title="measured slope", fontsize=7)
    return save(fig, f"rates-{name}", caption=_CAPTION[name])


def _panel(row: Row) -> tuple[str, str, str]:
    return row.noise.split("(")[0], row.algorithm, row.extra.get("start", "")


_CAPTION = {
    "theorem4": "Theorem 4: mean f(x_bar_k) - f* of projected GClip against k, one line per "
                "alpha; dashed: the theorem's slope -2(alpha-1)/alpha",
    "theorem2": "Theorem 2: mean (1/K) sum min(|grad f|, |grad f|^2) of GClip against the horizon "
                "K; dashed: the theorem's slope, dotted: the same bound in the run's regime",
    "sgd-failure": "SGD vs GClip on the same draws: median of block means of f(x_K) - f* against "
                   "the block size R; dashed: the GCLT growth 2/a - 1 (SGD) and 0 (GClip)",
    "dimension": "Corollary 7 vs Theorem 8: mean f(x_bar_K) - f* of GClip and CClip against d; "
                 "dashed: the bounds' d-exponents 2/alpha and 1",
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


__all__ = ["BUDGETS", "Budget", "EXPERIMENTS", "FULL", "QUICK", "Row", "cells", "run_rates",
           "shared_seed", "theorem2_asymptotic_K", "theorem4_law_exponent",
           "sgd_block_mean_exponent"]
