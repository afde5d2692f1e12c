"""What the rate experiments (:mod:`simlab.experiments.rates`) share: the budgets, the row, the
noise laws, the seed helpers, the verdict of a fit and the powered two-stage run.

**Estimator.** Every slope is :func:`simlab.analysis.mom_slope`: the median over ``budget.blocks``
disjoint replica blocks of the block mean curve's log-log slope, with the order-statistic
(distribution-free) interval of a median. It is honest under heavy tails: the interval's coverage
needs only that the blocks are i.i.d. (tested on Pareto 2.5 data in tests/test_analysis.py),
where a percentile bootstrap of the mean under-covers when a few replicas carry the mean.
Theorem 4's statistic ``f(x_bar_k) - f*`` is bounded (projected iterates on a box), so its rows
use the batch-means t interval over the same blocks instead
(:func:`simlab.analysis.batch_slope`: same coverage, about half the replicas for a resolution).

**Resolution and power (issue 17).** Each row states, before it is judged, the half-width its
interval must reach: :func:`simlab.analysis.resolution` of its prediction and the competing
predictions (the other printed version's exponent, the regime's, the law's): 0.05, or half the
gap to the nearest competitor farther than the tolerance. In a powered budget (``--full``) each
experiment runs a pilot at the budget's replicas, then every group of cells that share draws
and hold an undecided row again at :func:`simlab.analysis.replicas_for` the last stage's
half-width and the smallest resolution of the group's undecided rows (the half-width falls like 1/sqrt(replicas)),
capped by the budget's ``max_replica_steps`` per cell; at most ``budget.power_stages`` times
(a small pilot's half-width is itself noisy, so a stage may fall short) (:func:`run_powered`).
The rule is code, not typed numbers: the replicas of a row are in its ``replicas`` field, its
pilot's in ``extra["pilot_replicas"]``, what its resolution asked for in
``extra["replicas_needed"]`` and whether the cap cut that in ``extra["capped"]``; a row the
cap left undecided says in ``extra["to_decide"]`` what deciding it takes (replica-steps, and
seconds on the engine and on a Dask cluster, at the throughput measured on its cells).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from simlab import analysis
from simlab.errors import check_choice
from simlab.finding import NO_CORRECTION, Finding
from simlab.noise import NoiseLaw, Pareto, Stable
from simlab.rng import seed_of
from simlab.run.context import compute, current
from simlab.run.spec import Spec
from simlab.run.store import Store

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
    #: replica blocks of the median-of-means interval (:func:`simlab.analysis.mom_slope`)
    blocks: int = 16
    #: a second, powered stage (:func:`run_powered`) with the replicas the pilot asks for
    powered: bool = False
    #: the most replica-steps x d one cell of the powered stage may take
    max_replica_steps: float = 4e8
    #: the same for the dimension experiment's cells (the engine runs their d coordinates of
    #: a step together, many times faster per coordinate than the one-coordinate runs)
    dims_max_replica_steps: float = 1e9
    #: the same for Theorem 4's cells (None: ``max_replica_steps``)
    theorem4_max_replica_steps: float | None = None
    #: powered stages at most (each re-estimates the replicas from the last one's half-width)
    power_stages: int = 3
    #: Theorem 2 in its stated regime: the alphas whose K >= theorem2_asymptotic_K(alpha) runs,
    #: how many horizons (a factor 2 apart) and how many replicas in the pilot
    theorem2_asymptotic_alphas: tuple[float, ...] = ()
    theorem2_asymptotic_points: int = 3
    theorem2_asymptotic_replicas: int = 32
    #: the cost above which an asymptotic sweep is not run but estimated
    #: (replica-steps of the whole sweep)
    theorem2_asymptotic_max: float = 2e9


#: ``--quick``: the pilot only (rows may stay inconclusive); measured 16 s wall on 2 lightly
#: loaded cores, 90 rows (42 fails, 7 holds, 41 inconclusive).
#: ``--full``: powered (:func:`run_powered`). Theorem 4 runs 4000 steps (window [40, 4000], two
#: decades) because its replicas, not its horizon, carry the cost. With the median-of-means
#: interval the pilot of 640 replicas asked for 1e4-2e5 replicas per (law, alpha); one run
#: (19 min 9 s, 2e8 replica-steps per cell) left 10 Theorem 4 rows at alpha 1.4-1.7 undecided
#: (8.7e4-2.1e5 replicas needed). Made decidable by design: Theorem 4's bounded statistic takes
#: the batch-means t interval (:func:`simlab.analysis.batch_slope`, half the replicas for a
#: resolution), and only undecided rows size a group (:func:`powered_replicas`; a failing
#: main-text row at resolution 0.025 had asked for 4 times the replicas). Measured from an
#: empty store with the 2e8 cap and 3 stages: 16 min 29 s wall (load average 3-4 from other
#: sessions, 117% CPU), 180 of 184 rows decided, 540 s of it Theorem 4 (1e7 replica-steps/s).
#: Its 4 undecided rows were Theorem 4's: Pareto alpha 1.8 and 1.9 (half-widths 0.052-0.062 at
#: 6-7e3 replicas, the stages used up by a noisy 640-replica pilot: cheap, so a 4th stage) and
#: Stable alpha 1.6 main-text (resolution 0.03, 9.1e4 replicas asked, cut at 5e4 by the cap).
#: The budget's remaining 3.5 minutes pay for that: Theorem 4's cap is 4e8 replica-steps per
#: cell (1e5 replicas; the two alpha = 1.6 groups ask for 7.1e4 and 9.1e4: about 5e8 more
#: replica-steps, 50 s at the measured throughput).
QUICK = Budget("quick", (1.2, 1.4, 1.6, 1.8, 2.0), theorem2_replicas=16)
FULL = Budget("full", tuple(round(1.1 + 0.1 * i, 1) for i in range(10)),
              theorem4_steps=4000, theorem4_replicas=640,
              theorem2_decades=1.5, theorem2_points=4, theorem2_replicas=64,
              sgd_replicas=131_072, sgd_steps=30,
              dims=(4, 16, 64), dims_steps=500, dims_replicas=64, resamples=400,
              blocks=32, powered=True, max_replica_steps=2e8, power_stages=4,
              theorem4_max_replica_steps=4e8,
              theorem2_asymptotic_alphas=(1.8, 2.0), theorem2_asymptotic_replicas=16,
              theorem2_asymptotic_max=4e8)
BUDGETS = {"quick": QUICK, "full": FULL}

#: ``bound_holds`` in the verdict words: :func:`simlab.analysis.upper_bound_verdict`'s
#: "consistent" (no exponent above the bound's), "exceeds", "undetermined" (no interval)
_BOUND_VERDICT = {"consistent": "holds", "exceeds": "fails", "undetermined": "inconclusive"}


@dataclass
class Row:
    """One line of the ``rates`` table.

    ``predicted_slope`` is the exponent :mod:`simlab.theory` derives from the theorem's bound;
    ``measured_slope`` the median over replica blocks of the least-squares log-log slope of the
    block's ``statistic`` against ``x`` in ``window`` (fixed per experiment), with the 95%
    order-statistic interval ``[ci_low, ci_high]`` (:func:`simlab.analysis.mom_slope`);
    ``verdict`` is :func:`simlab.analysis.verdict` (holds, fails or inconclusive) and
    ``bound_holds`` :func:`simlab.analysis.upper_bound_verdict` in the same words (None where
    the prediction is not a bound). ``schedule`` names the printed version of the schedule the
    run used (``appendix`` or ``main-text``; None where there is one); ``resolution`` the
    half-width the interval had to reach (:func:`simlab.analysis.resolution` of the prediction
    and its competitors, fixed before the run). A failing row's ``correction`` names the
    derived exponent the interval holds instead (the bound's in the run's regime, or the law's),
    or says that none was derived. ``why`` says why the statistic matches what the theorem
    bounds. ``regime`` says which terms of the schedule or which mechanism is in charge over the
    window (``asymptotic`` where the theorem's stated regime); ``regime_slope`` is the exponent
    of the same bound in that regime (Theorem 2) and ``law_slope`` the exponent the law's actual
    tail index implies (Theorem 4, dimension).
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
    schedule: str | None = None
    resolution: float = analysis.SLOPE_TOLERANCE
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
                      f"{self.window[1]:g}]: {self.measured_slope:+.3f}, 95% median-of-means "
                      f"interval [{self.ci_low:+.3f}, {self.ci_high:+.3f}], tolerance "
                      f"{analysis.SLOPE_TOLERANCE:g}, resolution {self.resolution:.3g}"),
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
             regime_slope: float | None = None, competitors=(), **fields) -> Row:
    """A row from a fit. ``upper_bound``: the prediction is the exponent of an upper bound, so
    ``bound_holds`` says whether the data are consistent with it (no exponent above it).
    ``competitors``: the other exponents the measurement must tell the prediction from (with
    ``regime_slope`` and ``law_slope`` they set the row's resolution)."""
    resolution = analysis.resolution(predicted, [*competitors, regime_slope,
                                                 fields.get("law_slope")])
    verdict = analysis.verdict(predicted, fit.ci_low, fit.ci_high, resolution=resolution)
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
                  regime_slope, fit.ci_low, fit.ci_high, resolution=resolution),
              resolution=resolution,
              correction=correction, statistic=fit.statistic, replicas=fit.replicas,
              points={"x": fit.x.tolist(), "y": np.asarray(fit.y).tolist(),
                      "fit_intercept": fit.intercept}, **fields)
    row.finding()  # the one verdict type's checks: a known word, a failing row's correction
    return row




# ----------------------------------------------------------------------------- power
def _cost_per_replica(specs) -> float:
    """Replica-steps x d of one replica of the most expensive cell of ``specs``."""
    return max(spec.steps * int(dict(spec.problem_params).get("dim", 1)) for spec in specs)


def powered_replicas(rows: list[Row], planned: list[dict], budget: Budget) -> dict:
    """The replicas of each group of cells (``cell["group"]``: the cells that share draws, or
    a row's cells) in the powered stage: the largest of
    :func:`simlab.analysis.replicas_for` (pilot half-width, the row's resolution) over the
    group's *undecided* rows (``row.extra["group"]``), capped so that no cell of the group
    takes more than ``budget.max_replica_steps``. A row the last stage already decided (holds
    or fails) asks for nothing: its verdict stands, and sizing the group by its resolution
    (e.g. a failing main-text Theorem 4 row whose resolution is half the former) spent the
    budget the undecided rows needed. Returns ``{group: (replicas, needed)}``."""
    needed: dict = {}
    for row in rows:
        if row.verdict != "inconclusive":
            continue
        group = row.extra["group"]
        half = (row.ci_high - row.ci_low) / 2
        needed[group] = max(needed.get(group, 0), analysis.replicas_for(
            half, row.replicas, row.resolution, blocks=budget.blocks))
    out = {}
    for cell in planned:
        group = cell["group"]
        if group not in needed or group in out:
            continue
        limit = cell.get("max_replica_steps") or budget.max_replica_steps
        cap = int(limit // _cost_per_replica(cell["specs"]))
        cap = min(cap, cell.get("max_replicas", cap))  # a cell's own limit (memory)
        cap = max(budget.blocks, cap // budget.blocks * budget.blocks)
        out[group] = (min(needed[group], cap), needed[group])
    return out


def run_powered(plan: Callable, analyse: Callable, budget: Budget,
                seed: int | None = None) -> list[Row]:
    """Plan, compute and analyse an experiment; in a powered budget, again at the replicas the
    pilot asks for (:func:`powered_replicas`). ``plan(budget, seed, replicas)`` declares the
    cells (``replicas``: None for the pilot, else ``{group: replicas}``), each with its
    ``group`` and ``specs``; ``analyse(planned, results)`` gives the rows, each with
    ``extra["group"]``. Each stage's cells are declared first and computed in one
    :func:`simlab.run.compute` call. Every row of the powered stage records its pilot's
    replicas, the replicas its resolution needed, and whether the budget's cap cut them."""
    planned = plan(budget, seed, None)
    rows = analyse(planned, compute(_specs(planned)))
    if not budget.powered:
        return rows
    pilot = {row.extra["group"]: row.replicas for row in rows}
    current = dict(pilot)
    needs = {group: (count, count) for group, count in pilot.items()}
    for _ in range(budget.power_stages):
        # only groups with a row the last stage left undecided ask for more
        open_groups = {row.extra["group"] for row in rows if row.verdict == "inconclusive"}
        chosen = {group: value for group, value in powered_replicas(rows, planned,
                                                                    budget).items()
                  if group in open_groups and value[0] > current[group]}
        if not chosen:
            break
        needs.update(chosen)
        current.update({group: value[0] for group, value in chosen.items()})
        planned = plan(budget, seed, current)
        rows = analyse(planned, compute(_specs(planned)))
    groups = {}
    for cell in planned:
        groups.setdefault(cell["group"], []).extend(cell["specs"])
    for row in rows:
        chosen_count, needed = needs[row.extra["group"]]
        row.extra.update(pilot_replicas=pilot[row.extra["group"]], replicas_needed=needed,
                         capped=needed > chosen_count)
        if row.verdict == "inconclusive":
            row.extra["to_decide"] = decision_cost(groups[row.extra["group"]], needed)
    return rows


def stored_seconds(specs) -> float | None:
    """The engine seconds the store recorded for these cells (None where it has none)."""
    store = Store(current().store)
    total = 0.0
    for spec in specs:
        try:
            seconds = json.loads(store._paths(spec.key)[1].read_text()).get("seconds")
        except (OSError, ValueError):
            return None
        if seconds is None:
            return None
        total += float(seconds)
    return total


def replica_steps(specs) -> float:
    """Replica-steps x d of these cells."""
    return float(sum(spec.replicas * spec.steps * int(dict(spec.problem_params).get("dim", 1))
                     for spec in specs))


#: Dask workers the cost estimates are given for
DASK_WORKERS = (8, 64)


def decision_cost(specs, replicas: int) -> dict:
    """What deciding a row takes that the budget's cap left undecided: its group's cells at the
    ``replicas`` its resolution asks for, in replica-steps x d, and in seconds at the engine's
    throughput measured on these cells (the store's seconds), alone and on a Dask cluster of N
    workers (replica blocks spread evenly: the time divided by N)."""
    work = sum(replicas * spec.steps * int(dict(spec.problem_params).get("dim", 1))
               for spec in specs)
    seconds = stored_seconds(specs)
    out = {"replicas": int(replicas), "replica_steps": float(work)}
    if seconds:
        rate = replica_steps(specs) / seconds
        out["replica_steps_per_second"] = rate
        out["seconds_engine"] = work / rate
        for workers in DASK_WORKERS:
            out[f"seconds_dask_{workers}_workers"] = work / rate / workers
    return out


def replicas_of(replicas: dict | None, group, pilot: int) -> int:
    """A group's replicas in a stage: the pilot's, or the powered stage's choice."""
    return pilot if replicas is None else int(replicas.get(group, pilot))


def mom_fit(x, samples, budget: Budget, *, paired: bool = True) -> analysis.SlopeFit:
    """The rate experiments' slope fit: :func:`simlab.analysis.mom_slope` with the budget's
    blocks (fewer when there are fewer replicas than blocks)."""
    size = (np.asarray(samples).shape[0] if paired
            else min(np.asarray(column).size for column in samples))
    return analysis.mom_slope(x, samples, paired=paired, blocks=min(budget.blocks, size))
