"""``acclip-nonstationary`` (Zhang et al. 2020, Section 4.2 and Figure 2): a quadratic with
curvatures 1..20 and coordinate-wise Pareto noise whose scale shrinks geometrically during
training (the spec's ``noise_schedule``).

ACClip, Adam, GClip, CClip and SGD, each tuned on a fixed grid (:data:`TUNING_GRID`) by the
median final error on tuning streams, then evaluated on fresh streams. Both stages use common
random numbers: every tuning cell shares one seed, every evaluation cell another
(``seed_of`` of the stage's description, :mod:`simlab.rng`), so the same replica index sees the
same noise draws under every method. Rows: ``method``, ``step_size``, ``threshold``,
``median_error`` with ``ci_low``/``ci_high`` (bootstrap 95% CI over replicas),
``mean_log10_error`` with ``log_stderr``, ``diverged``, ``at_grid_edge`` (the tuned cell lies
on the grid's boundary); ``comparisons`` hold the paper's pairwise claims with paired-bootstrap
intervals and a ``verdict`` each (``inconclusive`` when a method of the pair was tuned on its
grid's edge, named in ``tuned_on_grid_edge``).

Item 1 (the update rules) lives in :mod:`simlab._kernels`; ACClip there was checked against
Algorithm 1 of Zhang et al. 2020 (m = b1 m + (1-b1) g; tau^a = b2 tau^a + (1-b2)|g|^a;
g_hat = min{tau/(|m| + eps), 1} m; x -= eta g_hat) and agrees, so it is used unchanged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from simlab.experiments.evidence import (BOOTSTRAP, CONFIDENCE, bootstrap_quantiles,
                                         bootstrap_rng, combine, outcome, quantile_interval)
from simlab.finding import Finding
from simlab.noise import Pareto
from simlab.plotting import new_figure, save
from simlab.problems import Quadratic
from simlab.rng import seed_of
from simlab.run import Spec, compute, log_checkpoints
from simlab.schedules import constant

#: The fixed tuning grid (step size, threshold) per method: SGD needs eta < 2/L = 0.1 on the
#: curvature-20 coordinate; thresholds span the noise scale at the start (10) and end (0.1).
#: Adam and ACClip move each coordinate by about eta per step whatever the curvature, so their
#: grid reaches further (Adam divides by a second moment inflated by the heavy tail).
STEP_GRID = (0.001, 0.003, 0.01, 0.03, 0.1)
ADAPTIVE_STEP_GRID = STEP_GRID + (0.3, 1.0, 3.0)
TUNING_GRID: dict[str, list[tuple[float, float]]] = {
    "sgd": [(eta, math.inf) for eta in STEP_GRID],
    "gclip": [(eta, tau) for eta in STEP_GRID for tau in (0.3, 1.0, 3.0, 10.0, 30.0)],
    "cclip": [(eta, tau) for eta in STEP_GRID for tau in (0.1, 0.3, 1.0, 3.0, 10.0)],
    "adam": [(eta, math.inf) for eta in ADAPTIVE_STEP_GRID],
    "acclip": [(eta, math.inf) for eta in ADAPTIVE_STEP_GRID],
}
#: comparisons the paper makes (Zhang et al. 2020, Section 5.1 / Figure 3b and Table 2):
#: (better, worse) pairs it reports
PAPER_ORDER = (("acclip", "adam"), ("gclip", "sgd"), ("cclip", "gclip"))
SOURCE = ("Zhang et al. 2020, Section 4.2 (Figure 2: noise heavy-tailed and shrinking during "
          "BERT training), Section 5.1 (Figure 3b) and Table 2")
REF = "Zhang et al. 2020, Section 5.1, Figure 3b, Table 2"
CLAIM = ("With heavy-tailed, non-stationary noise, ACClip (coordinate-wise clipping of the "
         "momentum at an EMA estimate of the noise moment) trains faster than Adam; GClip "
         "improves on SGD and coordinate-wise clipping improves on GClip.")


def at_grid_edge(method: str, step_size: float, threshold: float) -> bool:
    """True if the tuned cell lies on the boundary of its grid (the optimum may lie outside)."""
    steps = sorted({eta for eta, _ in TUNING_GRID[method]})
    taus = sorted({tau for _, tau in TUNING_GRID[method]})
    edge_step = step_size in (steps[0], steps[-1])
    edge_tau = len(taus) > 1 and threshold in (taus[0], taus[-1])
    return edge_step or edge_tau


@dataclass(frozen=True)
class NonStationaryBudget:
    steps: int = 600
    dim: int = 10
    tuning_replicas: int = 100
    replicas: int = 400
    tail_index: float = 1.5
    noise_start: float = 10.0
    noise_end: float = 0.1


NONSTATIONARY_BUDGETS = {
    "quick": NonStationaryBudget(),
    "full": NonStationaryBudget(steps=3000, tuning_replicas=300, replicas=2000),
}
#: the common seeds of the two stages (one rule: seed_of a description of what they share)
TUNING_SEED = seed_of({"experiment": "acclip-nonstationary", "stage": "tuning"})
EVALUATION_SEED = seed_of({"experiment": "acclip-nonstationary", "stage": "evaluation"})


def shrinking_noise(budget: NonStationaryBudget) -> np.ndarray:
    """Noise multipliers s_k = start (end/start)^(k/K): the scale shrinks geometrically during
    training, as the BERT noise does in Figure 2 of Zhang et al. 2020 (index 0 unused)."""
    k = np.arange(budget.steps + 1)
    return budget.noise_start * (budget.noise_end / budget.noise_start) ** (k / budget.steps)


def cell(method: str, step: float, threshold: float, replicas: int, seed: int,
         budget: NonStationaryBudget, checkpoints) -> Spec:
    """One run: d = 10, curvatures 1..20, Pareto noise scaled by :func:`shrinking_noise`."""
    return Spec.of(Quadratic(dim=budget.dim, mu=1.0, L=20.0, center=1.0),
                   Pareto(tail=budget.tail_index), method, constant(step, threshold),
                   steps=budget.steps, replicas=replicas, seed=seed, checkpoints=checkpoints,
                   noise_schedule=shrinking_noise(budget))


def tuning_cells(budget: NonStationaryBudget) -> dict:
    """{(method, eta, tau): Spec} over :data:`TUNING_GRID`, final step only, common seed."""
    return {(m, eta, tau): cell(m, eta, tau, budget.tuning_replicas, TUNING_SEED, budget,
                                [budget.steps])
            for m, grid in TUNING_GRID.items() for eta, tau in grid}


def tune(specs: dict, results: dict) -> tuple[dict, list]:
    """The winner per method (smallest median final error; a diverged replica counts as +inf)
    and the tuning table."""
    tuned, tuning = {}, []
    for (method, eta, tau), spec in specs.items():
        result = results[spec]
        median = float(np.quantile(result.metrics["error"][:, -1], 0.5, method="inverted_cdf"))
        tuning.append({"method": method, "step_size": eta, "threshold": tau,
                       "median_error": median, "diverged": result.diverged})
        if method not in tuned or median < tuned[method][2]:
            tuned[method] = (eta, tau, median)
    return tuned, tuning


def compare(better: str, worse: str, a: np.ndarray, b: np.ndarray, rng,
            edge: tuple[str, ...] = ()) -> dict:
    """The paper's "``better`` beats ``worse``" against paired final errors ``a``, ``b`` (same
    replica, same draws): the paired-bootstrap 95% CI of the log10 ratio of medians decides
    ``holds`` (below 0), ``fails`` (above 0) or ``inconclusive`` (contains 0). A method tuned on
    its grid's edge (named in ``edge``) may be better outside the grid, so a comparison that
    involves one is ``inconclusive`` whatever the interval says."""
    index = rng.integers(0, a.size, size=(BOOTSTRAP, a.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log10(np.median(a[index], axis=1) / np.median(b[index], axis=1))
        observed_ratio = float(np.log10(np.median(a) / np.median(b)))
    tail = (1 - CONFIDENCE) / 2
    low, high = (float(v) for v in np.quantile(ratio, [tail, 1 - tail]))
    if not (math.isfinite(low) and math.isfinite(high)):
        observed, verdict = "indistinguishable", "inconclusive"
    else:
        observed = "better" if high < 0 else "worse" if low > 0 else "indistinguishable"
        verdict = {"better": "holds", "worse": "fails"}.get(observed, "inconclusive")
    if edge:
        verdict = "inconclusive"
    return {
        "paper": f"{better} beats {worse}", "log10_median_ratio": observed_ratio,
        "ci_low": low, "ci_high": high,
        "observed": f"{better} {observed}" + ("" if observed == "indistinguishable"
                                               else f" than {worse}"),
        "tuned_on_grid_edge": list(edge),
        "verdict": verdict,
    }


def _comparison_finding(c: dict, replicas: int) -> Finding:
    worse_name = c["paper"].split(" beats ")[1]
    better_name = c["paper"].split(" beats ")[0]
    return Finding(
        c["verdict"],
        f"log10 ratio of median final errors {c['log10_median_ratio']:.3f}, paired bootstrap "
        f"95% CI [{c['ci_low']:.3f}, {c['ci_high']:.3f}] ({BOOTSTRAP} resamples of "
        f"{replicas} replicas, seed {EVALUATION_SEED})"
        + (f"; tuned on the grid's edge: {', '.join(c['tuned_on_grid_edge'])}"
           if c["tuned_on_grid_edge"] else ""),
        method="monte-carlo", printed=c["paper"], computed=c["observed"],
        correction=(f"{worse_name} beats {better_name}: its median final error is "
                    f"{10 ** c['log10_median_ratio']:.3g} times smaller"
                    if c["verdict"] == "fails" else None),
        subject=c["paper"], ref=REF)


def _bootstrap(what) -> np.random.Generator:
    """The generator of one bootstrap (a method's median, or a pair's ratio)."""
    return bootstrap_rng({"experiment": "acclip-nonstationary", "seed": EVALUATION_SEED,
                          "resample": what})


def analyse(budget, tuned, specs, results) -> dict:
    """Rows, comparisons, checks and the finding from the evaluation cells."""
    rows, finals, curves = [], {}, {}
    tail = (1 - CONFIDENCE) / 2
    for method, spec in specs.items():
        eta, tau, _ = tuned[method]
        result = results[spec]
        final = result.metrics["error"][:, -1]
        finals[method] = final
        boot = bootstrap_quantiles(final, [0.5], _bootstrap(method))[0]
        logs = np.log10(final)
        curves[method] = np.array([quantile_interval(result.metrics["error"][:, c], 0.5)
                                   for c in range(result.checkpoints.size)])
        rows.append({
            "method": method, "step_size": eta, "threshold": tau,
            "median_error": float(np.quantile(final, 0.5, method="inverted_cdf")),
            "ci_low": float(np.quantile(boot, tail)), "ci_high": float(np.quantile(boot, 1 - tail)),
            "mean_log10_error": float(np.mean(logs)) if np.all(np.isfinite(logs)) else None,
            "log_stderr": float(np.std(logs, ddof=1) / math.sqrt(logs.size))
            if np.all(np.isfinite(logs)) else None,
            "diverged": result.diverged, "at_grid_edge": at_grid_edge(method, eta, tau),
        })
    edge = {r["method"] for r in rows if r["at_grid_edge"]}
    comparisons = [compare(better, worse, finals[better], finals[worse],
                           _bootstrap([better, worse]),
                           tuple(m for m in (better, worse) if m in edge))
                   for better, worse in PAPER_ORDER]
    checks = {c["paper"]: _comparison_finding(c, budget.replicas) for c in comparisons}
    finding = combine(
        checks, subject="acclip-nonstationary", ref=REF, printed=CLAIM, method="monte-carlo",
        evidence=(f"tuning: {budget.tuning_replicas} replicas per grid cell, seed {TUNING_SEED};"
                  f" evaluation: {budget.replicas} fresh replicas per method, seed "
                  f"{EVALUATION_SEED}; K = {budget.steps}, d = {budget.dim}"))
    return {"rows": rows, "curves": curves, "comparisons": comparisons, "checks": checks,
            "finding": finding}


def acclip_nonstationary(budget: NonStationaryBudget | None = None, *,
                         figure: bool = True) -> dict:
    """Item 5: ACClip vs Adam vs GClip vs CClip vs SGD under shrinking coordinate-wise Pareto
    noise (tail index 1.5: infinite variance) on a quadratic with curvatures 1..20 in d = 10.

    Tuning: every cell of :data:`TUNING_GRID` runs ``tuning_replicas`` replicas; the cell with
    the smallest median final error f(x_K) - f* wins. Evaluation: the winner re-runs on fresh
    streams (``replicas``); reported are the median final error with a bootstrap 95% CI over
    replicas and paired comparisons (the log-ratio of medians is bootstrapped over joint
    resamples of the replica indices). Two ``compute`` calls: the evaluation cells depend on the
    tuning results.
    """
    budget = budget or NONSTATIONARY_BUDGETS["quick"]
    tuning_specs = tuning_cells(budget)
    tuned, tuning = tune(tuning_specs, compute(tuning_specs.values()))
    checkpoints = log_checkpoints(budget.steps, 30)
    specs = {method: cell(method, eta, tau, budget.replicas, EVALUATION_SEED, budget, checkpoints)
             for method, (eta, tau, _) in tuned.items()}
    analysis = analyse(budget, tuned, specs, compute(specs.values()))
    out = outcome(
        "acclip-nonstationary", source=SOURCE, claim=CLAIM,
        tolerance=f"paired bootstrap 95% CI ({BOOTSTRAP} resamples) of the log10 ratio of "
                  "median final errors excludes 0",
        checks=analysis["checks"], finding=analysis["finding"],
        tuning_grid={m: [list(c) for c in grid] for m, grid in TUNING_GRID.items()},
        tuning=tuning, rows=analysis["rows"], comparisons=analysis["comparisons"],
        budget={**asdict(budget), "tuning_seed": TUNING_SEED, "seed": EVALUATION_SEED})
    if figure:
        out["figure"] = str(plot(analysis["rows"], analysis["curves"], checkpoints, budget))
    return out


def plot(rows, curves, checkpoints, budget):
    fig, axes = new_figure(ncols=2)
    ax = axes[0, 0]
    for method, curve in curves.items():
        line, = ax.plot(checkpoints, curve[:, 0], label=method)
        ax.fill_between(checkpoints, curve[:, 1], curve[:, 2], color=line.get_color(),
                        alpha=0.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step k")
    ax.set_ylabel("median f(x_k) - f* (95% CI)")
    twin = ax.twinx()
    scale = shrinking_noise(budget)
    twin.plot(np.arange(1, budget.steps + 1), scale[1:], "k:", linewidth=1)
    twin.set_yscale("log")
    twin.set_ylabel("noise scale s_k (dotted)")
    ax.set_title(f"Tuned methods, Pareto({budget.tail_index:g}) noise shrinking "
                 f"{budget.noise_start:g} -> {budget.noise_end:g}")
    ax.legend()
    ax = axes[0, 1]
    names = [r["method"] for r in rows]
    medians = np.array([r["median_error"] for r in rows])
    errors = np.array([[r["median_error"] - r["ci_low"] for r in rows],
                       [r["ci_high"] - r["median_error"] for r in rows]])
    ax.bar(names, medians, yerr=errors, capsize=4, color="tab:blue", alpha=0.7)
    ax.set_yscale("log")
    ax.set_ylabel(f"median f(x_K) - f*, K = {budget.steps} (bootstrap 95% CI)")
    ax.set_title(f"Final error over {budget.replicas} fresh replicas")
    return save(fig, "adaptive_acclip_nonstationary")
