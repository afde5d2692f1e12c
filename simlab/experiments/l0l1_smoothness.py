"""``l0l1-smoothness`` (Zhang, He, Sra, Jadbabaie 2019): local smoothness against the gradient
norm, and iteration counts against the initial distance, for GD, clipped GD and normalized GD.

``quartic`` and ``exponential`` problems with stated (L0, L1); every descent is a stored
:class:`simlab.run.Task` (:func:`descent_task`, deterministic: no seed). Rows: ``problem``,
``method`` (gd, clipped-gd, normalized-gd), ``distance`` (initial distance D to the minimiser),
``iterations`` (to ||grad f|| <= epsilon, None if not within the cap), ``upper_bound`` (the
reconstructed Theorem 3/4 bound for clipped/normalized GD), and the trajectory statistics
``smoothness_correlation`` (Spearman correlation of the local smoothness
||grad f(x_{k+1}) - grad f(x_k)|| / ||x_{k+1} - x_k|| with ||grad f(x_k)|| along each
trajectory, with ``correlation_pvalue``), ``bound_violations`` (steps where the local smoothness
exceeds L0 + L1 G_k, G_k a bound on ||grad f|| over the segment [x_k, x_{k+1}]: zero if the
stated constants are valid) and ``l0_needed`` (the least L0 that covers every traced step with
the stated L1: the correction when the stated L0 is too small). ``growth`` holds the fitted
growth of the counts with D and, for GD, the growth predicted by the sublevel-set smoothness L_S.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import stats

from simlab import _kernels as kernels
from simlab.experiments.evidence import combine, log_log_slope, outcome
from simlab.finding import Finding
from simlab.plotting import new_figure, save
from simlab.problems import PROBLEMS, Exponential, Quartic
from simlab.run import Task, compute

GD, CLIPPED_GD, NORMALIZED_GD = 0, 1, 2
DESCENT_METHODS = {"gd": GD, "clipped-gd": CLIPPED_GD, "normalized-gd": NORMALIZED_GD}
SOURCE = ("Zhang, He, Sra, Jadbabaie 2019 (abstract; Theorems 3-4 and the step sizes "
          "reconstructed from the published paper)")
REF = "Zhang et al. 2019, Section 3 and Theorems 3-4"
CLAIM = ("Local smoothness grows with the gradient norm (positive correlation); under (L0, L1)-"
         "smoothness clipped GD and normalized GD converge arbitrarily faster than GD with a "
         "fixed step (whose complexity grows with M = sup ||grad f|| on the sublevel set).")
#: GD's count is ~ L_S times a constant phase (log(1/eps) near x*) plus a far phase; only the
#: leading order follows L_S, so measured and predicted growth are compared at 15%
GROWTH_TOLERANCE = 0.15
#: Spearman correlation significant at this level
SIGNIFICANCE = 0.01
#: relative slack of the (L0, L1) inequality at a traced step (rounding)
BOUND_SLACK = 1e-9
#: points of each traced path kept for the figure
PLOT_POINTS = 2000


@njit(error_model="numpy")
def deterministic_descent(rule, problem, pp, parr, x, step_size, threshold, beta, tolerance,
                          max_steps, trace_grad, trace_smoothness, trace_segment_grad):
    """Deterministic descent on an engine problem from ``x`` (modified in place).

    ``rule``: GD ``x -= eta g``; clipped GD ``x -= eta min{1, tau/||g||} g`` (Zhang et al.
    2019, eq. (5): step ``min{eta_c, gamma eta_c / ||g||}`` with ``tau = gamma``); normalized GD
    ``x -= eta / (||g|| + beta) g`` (their eq. (6)). Returns the first k with
    ``||grad f(x_k)|| <= tolerance`` (-1 if none within ``max_steps``, -2 if the iterate became
    non-finite). For the first ``trace_grad.size`` steps it records ``||grad f(x_k)||``, the
    local smoothness ``||g_{k+1} - g_k|| / ||x_{k+1} - x_k||`` and an upper bound on
    ``||grad f||`` over the segment [x_k, x_{k+1}] (per coordinate the larger endpoint value:
    the problems are separable and convex per coordinate, so |f'_i| is largest at an endpoint).

    Not ``cache=True``: it calls the engine's kernels in another module, and numba's cache
    would not see edits there (DESIGN.md); it compiles in about a second.
    """
    d = x.size
    g = np.empty(d)
    g_next = np.empty(d)
    kernels.gradient(problem, pp, parr, x, g)
    gn = kernels.norm2(g)
    trace = trace_grad.size
    for k in range(max_steps):
        if gn <= tolerance:
            return k
        if rule == GD:
            scale = step_size
        elif rule == CLIPPED_GD:
            scale = step_size * min(1.0, threshold / gn)
        else:
            scale = step_size / (gn + beta)
        moved = 0.0
        for i in range(d):
            x[i] -= scale * g[i]
            moved += (scale * g[i]) ** 2
        kernels.gradient(problem, pp, parr, x, g_next)
        if not kernels.all_finite(g_next):
            return -2
        if k < trace:
            change = 0.0
            segment = 0.0
            for i in range(d):
                change += (g_next[i] - g[i]) ** 2
                segment += max(abs(g[i]), abs(g_next[i])) ** 2
            trace_grad[k] = gn
            trace_smoothness[k] = math.sqrt(change / moved) if moved > 0 else math.nan
            trace_segment_grad[k] = math.sqrt(segment)
        for i in range(d):
            g[i] = g_next[i]
        gn = kernels.norm2(g)
    return -1


@dataclass(frozen=True)
class SmoothnessBudget:
    distances: dict = None  # problem name -> tuple of initial distances
    tolerance: float = 1e-3
    max_steps: int = 20_000_000
    trace: int = 50_000

    def grid(self) -> dict:
        return self.distances or {"exponential": (1.0, 2.0, 4.0, 6.0, 8.0),
                                  "quartic": (1.0, 2.0, 4.0, 8.0, 16.0)}


SMOOTHNESS_BUDGETS = {
    "quick": SmoothnessBudget(),
    "full": SmoothnessBudget(distances={
        "exponential": (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0),
        "quartic": (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)}, trace=200_000),
}


def descent_parameters(problem, x0) -> dict:
    """Step sizes per method (Zhang et al. 2019, reconstructed from the published paper: the
    preprint's text here is only its abstract).

    - gd: the fixed step 1/L_S, L_S = sup ||hess f|| over the sublevel set {f <= f(x0)}
      (exact, :meth:`sublevel_hessian_bound`; the best constant the classical analysis allows,
      and L_S <= L0 + L1 M with M = sup ||grad f|| there);
    - clipped-gd (Theorem 3): eta_c = 1/(10 L0), gamma = min{1/eta_c, L0/L1}, i.e. step
      ``min{eta_c, gamma eta_c / ||g||}``: a step length of at most 1/(10 L1) far away;
    - normalized-gd (Theorem 4): eta_n = 1/(10 L1), beta = 10 L0 / L1.
    """
    l0, l1 = problem.smoothness_l0, problem.smoothness_l1
    eta_c = 1.0 / (10.0 * l0)
    return {
        "gd": {"step_size": 1.0 / problem.sublevel_hessian_bound(problem.f(x0) - problem.f_star),
               "threshold": math.inf, "beta": 0.0},
        "clipped-gd": {"step_size": eta_c, "threshold": min(1.0 / eta_c, l0 / l1), "beta": 0.0},
        "normalized-gd": {"step_size": 1.0 / (10.0 * l1), "threshold": math.inf,
                          "beta": 10.0 * l0 / l1},
    }


def clipped_upper_bound(problem, x0, tolerance: float) -> float:
    """Theorem 3 of Zhang et al. 2019 (reconstructed): clipped GD reaches ||grad f|| <= eps
    within ``20 L0 F0 / eps^2 + 20 max{1, L1^2} F0 / L0`` steps, F0 = f(x0) - f*. (Theorem 4
    gives the same form for normalized GD.)"""
    l0, l1 = problem.smoothness_l0, problem.smoothness_l1
    gap = problem.f(x0) - problem.f_star
    return 20 * l0 * gap / tolerance ** 2 + 20 * max(1.0, l1 ** 2) * gap / l0


def descent_task(problem: str, dim: int, mu: float, L: float, x0: list, method: str,
                 step_size: float, threshold: float, beta: float, l0: float, l1: float,
                 tolerance: float, max_steps: int, trace: int) -> dict:
    """One descent (a :class:`Task`, no seed: it is deterministic): the iteration count and the
    statistics of its first ``trace`` steps, computed here so the store keeps a thinned path
    (:data:`PLOT_POINTS` points, for the figure) rather than the whole trace."""
    instance = PROBLEMS[problem](dim=dim, mu=mu, L=L)
    code, pp, parr = instance.kernel_args()
    x = np.array(x0, dtype=float)
    grads, smooth, segment = (np.full(trace, np.nan) for _ in range(3))
    count = deterministic_descent(DESCENT_METHODS[method], code, pp, parr, x, step_size,
                                  threshold, beta, tolerance, max_steps, grads, smooth, segment)
    keep = np.isfinite(smooth)
    grads, smooth, segment = grads[keep], smooth[keep], segment[keep]
    correlation = stats.spearmanr(smooth, grads) if smooth.size > 2 else None
    thin = np.unique(np.linspace(0, smooth.size - 1, min(PLOT_POINTS, smooth.size)).astype(int))
    return {
        "iterations": count,
        "traced_steps": smooth.size,
        "smoothness_correlation": float(correlation.statistic) if correlation else math.nan,
        "correlation_pvalue": float(correlation.pvalue) if correlation else math.nan,
        "bound_violations": int(np.count_nonzero(smooth > (l0 + l1 * segment)
                                                 * (1 + BOUND_SLACK))),
        "l0_needed": float(np.max(smooth - l1 * segment)) if smooth.size else math.nan,
        "path_grad": grads[thin], "path_smoothness": smooth[thin],
    }


PROBLEM_SETUP = {"exponential": (Exponential, 2, 1.0, 4.0), "quartic": (Quartic, 2, 1.0, 4.0)}
DIRECTION = np.array([1.0, 1.0]) / math.sqrt(2.0)


def problems() -> dict:
    """Both problems in d = 2 with coefficients (1, 4)."""
    return {name: cls(dim=dim, mu=mu, L=L) for name, (cls, dim, mu, L) in PROBLEM_SETUP.items()}


def cells(budget: SmoothnessBudget) -> dict:
    """{(problem, D, method): Task}; x0 = x* + D (1, 1)/sqrt 2, so D is the Euclidean distance
    and the path bends (the stiff coordinate converges first)."""
    out = {}
    for name, problem in problems().items():
        _, dim, mu, L = PROBLEM_SETUP[name]
        for distance in budget.grid()[name]:
            x0 = problem.minimiser + distance * DIRECTION
            for method, parameters in descent_parameters(problem, x0).items():
                out[(name, distance, method)] = Task(
                    "simlab.experiments.l0l1_smoothness:descent_task",
                    {"problem": name, "dim": dim, "mu": mu, "L": L, "x0": list(x0),
                     "method": method, **parameters, "l0": problem.smoothness_l0,
                     "l1": problem.smoothness_l1, "tolerance": budget.tolerance,
                     "max_steps": budget.max_steps, "trace": budget.trace}, seed=False)
    return out


def _count_checks(name, cells_, checks):
    """Clipped/normalized GD beat GD by a factor growing with D, within the Theorem 3/4 bound."""
    gd = np.array([r["iterations"] or np.nan for r in cells_["gd"]], dtype=float)
    for method in ("clipped-gd", "normalized-gd"):
        counts = np.array([r["iterations"] or np.nan for r in cells_[method]], dtype=float)
        ratio = gd / counts
        ratios = ", ".join(f"{r['distance']:g}: {v:.3g}" for r, v in zip(cells_[method], ratio,
                                                                          strict=True))
        finite = bool(np.all(np.isfinite(ratio)))
        increasing = finite and bool(np.all(np.diff(ratio) > 0))
        checks[f"{name}: gd/{method} count ratio increases with the distance"] = Finding(
            "inconclusive" if not finite else "holds" if increasing else "fails",
            f"gd/{method} count ratio per D: {ratios}" + ("" if finite else
                                                          " (a count hit the cap)"),
            method="numeric", printed="increasing in D", computed=ratios,
            correction=None if increasing or not finite else
            f"the advantage of {method} over gd does not grow with D here: {ratios}")
        over = [r for r in cells_[method] if r["iterations"] is None
                or r["iterations"] > r["upper_bound"]]
        checks[f"{name}: {method} within the Theorem 3/4 bound"] = Finding(
            "fails" if over else "holds",
            "count / bound per D: " + ", ".join(
                f"{r['distance']:g}: {(r['iterations'] or math.inf) / r['upper_bound']:.2g}"
                for r in cells_[method]),
            method="numeric", printed="count <= 20 L0 F0/eps^2 + 20 max(1, L1^2) F0/L0",
            computed=max((r["iterations"] or math.inf) / r["upper_bound"]
                         for r in cells_[method]),
            correction="; ".join(f"D {r['distance']:g}: {r['iterations']} steps > bound "
                                 f"{r['upper_bound']:.4g}" for r in over) or None)


def _trajectory_checks(name, problem, rows, checks):
    """Positive Spearman correlation on GD paths; the (L0, L1) inequality at every traced step."""
    gd_rows = [r for r in rows if r["problem"] == name and r["method"] == "gd"
               and r["traced_steps"] > 10]
    positive = [r for r in gd_rows if r["smoothness_correlation"] > 0
                and r["correlation_pvalue"] < SIGNIFICANCE]
    negative = [r for r in gd_rows if r["smoothness_correlation"] < 0
                and r["correlation_pvalue"] < SIGNIFICANCE]
    checks[f"{name}: local smoothness correlates positively with ||grad f|| on GD paths "
           f"(Spearman, p < {SIGNIFICANCE:g})"] = Finding(
        "fails" if negative else "holds" if gd_rows and len(positive) == len(gd_rows)
        else "inconclusive",
        "Spearman rho (p) per D: " + ", ".join(
            f"{r['distance']:g}: {r['smoothness_correlation']:.3f} ({r['correlation_pvalue']:.2g})"
            for r in gd_rows),
        method="numeric", printed="positive correlation",
        computed=min((r["smoothness_correlation"] for r in gd_rows), default=None),
        correction="; ".join(f"D {r['distance']:g}: significantly negative, rho = "
                             f"{r['smoothness_correlation']:.3f}" for r in negative) or None)
    mine = [r for r in rows if r["problem"] == name]
    violations = sum(r["bound_violations"] for r in mine)
    needed = max(r["l0_needed"] for r in mine)
    checks[f"{name}: local smoothness <= L0 + L1 ||grad f|| at every traced step"] = Finding(
        "fails" if violations else "holds",
        f"{violations} violations over {sum(r['traced_steps'] for r in mine)} traced steps "
        f"(relative slack {BOUND_SLACK:g}); least L0 covering them with L1 = "
        f"{problem.smoothness_l1:g}: {needed:.6g}",
        method="numeric", printed=f"(L0, L1) = ({problem.smoothness_l0:g}, "
                                  f"{problem.smoothness_l1:g})",
        computed=needed,
        correction=(f"L0 >= {needed:.6g} is needed with L1 = {problem.smoothness_l1:g}"
                    if violations else None))


def _growth(budget, rows, problems_, checks) -> dict:
    """Counts against D: fitted growth; for GD the growth of L_S must match within 15%."""
    growth = {}
    for name, ds in budget.grid().items():
        for method in DESCENT_METHODS:
            counts = [r["iterations"] for r in rows if r["problem"] == name
                      and r["method"] == method]
            if all(c for c in counts):
                growth[f"{name}/{method}"] = {
                    "log_count_per_unit_distance": float(np.polyfit(ds, np.log(counts), 1)[0]),
                    "log_log_slope": log_log_slope(ds, counts)}
        # GD's count scales like L_S (its step is 1/L_S, and the slow phase near x* takes
        # ~ L_S / f''(x*) steps): the predicted growth is that of L_S over the same grid
        problem = problems_[name]
        sublevel = [problem.sublevel_hessian_bound(problem.f(problem.minimiser + D * DIRECTION))
                    for D in ds]
        key = (f"{name}: GD count grows like L_S = sup ||hess f|| on the sublevel set "
               f"(log-log slopes within {GROWTH_TOLERANCE:.0%})")
        if f"{name}/gd" not in growth:
            checks[key] = Finding("inconclusive", "a GD count hit the step cap",
                                  method="numeric", subject=key)
            continue
        entry = growth[f"{name}/gd"]
        entry["predicted_log_count_per_unit_distance"] = float(
            np.polyfit(ds, np.log(sublevel), 1)[0])
        entry["predicted_log_log_slope"] = log_log_slope(ds, sublevel)
        measured, predicted = entry["log_log_slope"], entry["predicted_log_log_slope"]
        ok = abs(measured - predicted) <= GROWTH_TOLERANCE * abs(predicted)
        checks[key] = Finding(
            "holds" if ok else "fails",
            f"log-log slope of the GD count against D {measured:.3f}, of L_S {predicted:.3f}",
            method="fit", printed=predicted, computed=measured,
            correction=None if ok else
            f"GD's count grows like D^{measured:.3f}, not like L_S (D^{predicted:.3f})")
    return growth


def analyse(budget: SmoothnessBudget, tasks: dict, results: dict) -> dict:
    problems_ = problems()
    rows, traces, checks = [], {}, {}
    for (name, distance, method), task in tasks.items():
        out = results[task]
        params = dict(task.params)
        problem = problems_[name]
        x0 = problem.minimiser + distance * DIRECTION
        count = int(out["iterations"])
        rows.append({
            "problem": name, "method": method, "distance": distance,
            "iterations": count if count >= 0 else None,
            "step_size": params["step_size"],
            "threshold": math.inf if params["threshold"] == "inf" else params["threshold"],
            "beta": params["beta"],
            "upper_bound": (clipped_upper_bound(problem, x0, budget.tolerance)
                            if method != "gd" else None),
            "L0": problem.smoothness_l0, "L1": problem.smoothness_l1,
            **{k: (None if math.isnan(float(out[k])) else float(out[k]))
               for k in ("smoothness_correlation", "correlation_pvalue", "l0_needed")},
            "bound_violations": int(out["bound_violations"]),
            "traced_steps": int(out["traced_steps"]),
        })
        if distance == max(budget.grid()[name]):
            traces[(name, method)] = (out["path_grad"], out["path_smoothness"])
    for name, problem in problems_.items():
        cells_ = {m: [r for r in rows if r["problem"] == name and r["method"] == m]
                  for m in DESCENT_METHODS}
        _count_checks(name, cells_, checks)
        _trajectory_checks(name, problem, rows, checks)
    growth = _growth(budget, rows, problems_, checks)
    finding = combine(checks, subject="l0l1-smoothness", ref=REF, printed=CLAIM,
                      method="numeric",
                      evidence=f"deterministic descents (no randomness) from D in "
                               f"{budget.grid()}, ||grad f|| <= {budget.tolerance:g}, at most "
                               f"{budget.max_steps} steps, first {budget.trace} traced")
    return {"rows": rows, "traces": traces, "checks": checks, "growth": growth,
            "finding": finding, "problems": problems_}


def l0l1_smoothness(budget: SmoothnessBudget | None = None, *, figure: bool = True) -> dict:
    """Item 4: local smoothness against gradient norm, and iteration counts against the
    initial distance, for GD, clipped GD and normalized GD (Zhang et al. 2019)."""
    budget = budget or SMOOTHNESS_BUDGETS["quick"]
    tasks = cells(budget)
    analysis = analyse(budget, tasks, compute(tasks.values()))
    out = outcome(
        "l0l1-smoothness", source=SOURCE, claim=CLAIM,
        tolerance=f"||grad f|| <= {budget.tolerance:g}; correlation significant at "
                  f"{SIGNIFICANCE:g}; bound violations counted with relative slack "
                  f"{BOUND_SLACK:g} (rounding)",
        checks=analysis["checks"], finding=analysis["finding"], growth=analysis["growth"],
        rows=analysis["rows"],
        budget={"distances": budget.grid(), "tolerance": budget.tolerance,
                "max_steps": budget.max_steps, "trace": budget.trace})
    if figure:
        out["figure"] = str(plot(analysis["rows"], analysis["traces"], analysis["problems"],
                                 budget))
    return out


def plot(rows, traces, problems_, budget):
    fig, axes = new_figure(ncols=2, nrows=2)
    for col, name in enumerate(problems_):
        problem = problems_[name]
        ax = axes[0, col]
        for method in DESCENT_METHODS:
            grads, smooth = traces[(name, method)]
            ax.scatter(grads, smooth, s=3, alpha=0.4, label=method)
        span = np.geomspace(max(1e-4, min(t[0].min() for t in traces.values() if t[0].size)),
                            max(t[0].max() for t in traces.values() if t[0].size), 50)
        ax.plot(span, problem.smoothness_l0 + problem.smoothness_l1 * span, "k--",
                label=f"L0 + L1 ||grad||, (L0, L1) = ({problem.smoothness_l0:g}, "
                      f"{problem.smoothness_l1:g})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("||grad f(x_k)||")
        ax.set_ylabel("local smoothness ||dg|| / ||dx||")
        ax.set_title(f"{name}: trajectories from D = {max(budget.grid()[name]):g}")
        ax.legend(markerscale=3)
        ax = axes[1, col]
        ds = budget.grid()[name]
        for method in DESCENT_METHODS:
            counts = [r["iterations"] for r in rows if r["problem"] == name
                      and r["method"] == method]
            ax.plot(ds, [c if c else np.nan for c in counts], marker="o", label=method)
        bound = [r["upper_bound"] for r in rows if r["problem"] == name
                 and r["method"] == "clipped-gd"]
        ax.plot(ds, bound, "k:", label="Theorem 3 bound (reconstructed)")
        gd = [r["iterations"] for r in rows if r["problem"] == name and r["method"] == "gd"]
        sublevel = np.array([problem.sublevel_hessian_bound(
            problem.f(problem.minimiser + D * DIRECTION)) for D in ds])
        if gd[0]:
            ax.plot(ds, gd[0] * sublevel / sublevel[0], "--", color="tab:blue", linewidth=1,
                    label="gd predicted: proportional to L_S (sublevel smoothness)")
        ax.set_yscale("log")
        ax.set_xlabel("initial distance D = |x0 - x*|")
        ax.set_ylabel(f"iterations to ||grad f|| <= {budget.tolerance:g}")
        ax.legend()
    return save(fig, "adaptive_l0l1_smoothness")
