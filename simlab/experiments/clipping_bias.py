"""``clipping-bias`` (Koloskova, Hendrikx, Stich 2023): the floor of |grad f| of clipped SGD
against the threshold c and the noise level sigma.

Clipped SGD with threshold c on a 1-D quadratic ``f(x) = (x - 1)^2 / 2`` under zero-mean
asymmetric two-point noise (value A with probability p, else -p A / (1 - p); variance
sigma^2 = p A^2 / (1 - p)); one engine cell (:class:`simlab.run.Spec`) per (sigma, c, eta), its
seed derived from the spec, and one zero-noise cell per c. Rows: ``sigma``, ``threshold``,
``step_size``, ``steps``, ``seed``, ``floor`` (the measured |E grad f(x_K)|: |mean of the final
iterates - 1|, the bias, with ``floor_stderr``), ``mean_abs_grad`` (E|grad f(x_K)|, the papers'
quantity: the floor plus the O(sqrt(eta)) stationary spread, with ``mean_abs_grad_stderr``),
``floor_exact`` (the root of the mean clipped field E clip_c(grad + xi) = 0, by scipy's brentq:
where SGD with small steps settles), ``verdict`` (the measured floor against the exact one, see
:func:`floor_verdict`), ``bound`` (``min(sigma, sigma^2 / c)``, the form of the upper and lower
bounds), ``ratio`` = floor_exact / bound, ``worst_ratio`` (max over the two-point family of
floor / bound, computed exactly: the lower bound's instance), ``deterministic_grad``
(|grad f(x_K)| of clipped GD with zero noise: -> 0), ``iterations_1e-4``/``iterations_1e-8``
(deterministic steps to |grad| <= 1e-4, 1e-8: the threshold changes only the additive term, not
the slope in log(1/eps)).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np
from matplotlib.ticker import NullFormatter
from scipy import optimize

from simlab.experiments.evidence import combine, outcome
from simlab.finding import Finding
from simlab.noise import TwoPoint
from simlab.plotting import new_figure, save
from simlab.problems import Quadratic
from simlab.run import Spec, compute
from simlab.schedules import constant

SOURCE = ("Koloskova, Hendrikx, Stich 2023 (abstract; bounds min(sigma, sigma^2/c) "
          "reconstructed from the published paper)")
REF = "Koloskova et al. 2023, abstract and Section 3"
CLAIM = ("(i) for deterministic gradient descent the clipping threshold affects only "
         "higher-order terms; (ii) with stochastic gradients clipped SGD does not converge to the "
         "optimum, even with arbitrarily small steps; matching upper and lower bounds of order "
         "min(sigma, sigma^2/c).")


@dataclass(frozen=True)
class ClippingBiasBudget:
    sigmas: tuple[float, ...] = (0.5, 2.0)
    thresholds: tuple[float, ...] = (0.25, 1.0, 4.0)
    step_sizes: tuple[float, ...] = (0.01, 0.002)
    replicas: int = 500
    probability: float = 0.1
    deterministic_step: float = 0.1


CLIPPING_BIAS_BUDGETS = {
    "quick": ClippingBiasBudget(),
    "full": ClippingBiasBudget(sigmas=(0.25, 0.5, 1.0, 2.0),
                               thresholds=(0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
                               step_sizes=(0.01, 0.003), replicas=1000),
}
#: measured floor vs the exact root: |measured - exact| <= Z_TOLERANCE standard errors
#: (normal approximation; two-sided probability 6e-5 per cell for a correct engine)
Z_TOLERANCE = 4.0
#: the z-test decides only where it could see a relative error of this size in the floor:
#: Z_TOLERANCE standard errors must be at most RESOLUTION x the exact floor, else the cell is
#: inconclusive (a wrong prediction 10% off is then at least Z_TOLERANCE standard errors away)
RESOLUTION = 0.1
#: the worst-case floor over the two-point family follows min(sigma, sigma^2/c) if its ratio to
#: it stays within this factor across the threshold grid (which moves the bound by a factor 64
#: in full mode)
RATIO_SPREAD_TOLERANCE = 4.0
#: zero-noise clipped GD converged if |grad f(x_K)| is below this
DETERMINISTIC_TOLERANCE = 1e-10


def asymmetric_two_point(sigma: float, probability: float) -> TwoPoint:
    """Zero-mean two-point noise with variance sigma^2: A = sigma sqrt((1-p)/p) with probability
    p, else -sigma sqrt(p/(1-p)) (p A + (1 - p) B = 0; p A^2 + (1 - p) B^2 = sigma^2)."""
    success = sigma * math.sqrt((1 - probability) / probability)
    failure = -sigma * math.sqrt(probability / (1 - probability))
    return TwoPoint(p=probability, success=success, failure=failure)


def mean_clipped_field(gradient: float, noise: TwoPoint, threshold: float) -> float:
    """E clip_c(gradient + xi) for two-point xi (in 1-D global and coordinate clipping agree)."""
    def clip(v):
        return math.copysign(min(abs(v), threshold), v)
    return (noise.p * clip(gradient + noise.success)
            + (1 - noise.p) * clip(gradient + noise.failure))


def exact_floor(noise: TwoPoint, threshold: float) -> float:
    """|grad f| at the root of E clip_c(grad f(x) + xi) = 0 (scipy.optimize.brentq).

    Clipped SGD with small steps settles where the mean clipped update vanishes (Koloskova et
    al. 2023, Section 3: the clipping bias). The field is non-decreasing in the gradient and
    equals -c / +c far left / right, so the bracket is valid. When the field is linear around
    the root over the range the iterates explore, the stationary mean is exactly this root.
    """
    span = threshold + abs(noise.success) + abs(noise.failure) + 1.0
    if mean_clipped_field(0.0, noise, threshold) == 0.0:
        return 0.0
    root = optimize.brentq(mean_clipped_field, -span, span, args=(noise, threshold),
                           xtol=1e-14, rtol=1e-14)
    return abs(root)


def floor_bound(sigma: float, threshold: float) -> float:
    """min(sigma, sigma^2 / c): the form of Koloskova et al.'s upper bound on the stochastic
    term of E||grad f|| and of their lower bound (reconstructed from the published paper; the
    extracted text has only the abstract; constants are not compared, only the form)."""
    return min(sigma, sigma ** 2 / threshold)


@functools.lru_cache(maxsize=4096)
def worst_case_floor(sigma: float, threshold: float) -> float:
    """The largest exact floor over the zero-mean two-point laws with variance sigma^2 (p on a
    log grid in [1e-4, 0.5]): the lower bound's instance is of this kind."""
    grid = np.geomspace(1e-4, 0.5, 120)
    return max(exact_floor(asymmetric_two_point(sigma, p), threshold) for p in grid)


def mixing_steps(noise: TwoPoint, threshold: float, floor: float, step_size: float) -> int:
    """Steps for clipped SGD started at the optimum to reach its stationary law: the time to
    travel to the floor at the initial drift |E clip(xi)|, plus 20 relaxation times 1/(eta m')
    of the mean field's slope m' at the root (each relaxation time shrinks the transient by e,
    so 20 leave e^-20 of it: far below the standard error)."""
    drift = abs(mean_clipped_field(0.0, noise, threshold))
    root = -math.copysign(floor, mean_clipped_field(0.0, noise, threshold))
    h = 1e-7
    slope = (mean_clipped_field(root + h, noise, threshold)
             - mean_clipped_field(root - h, noise, threshold)) / (2 * h)
    travel = floor / drift if drift > 0 else 0.0
    return int(math.ceil((travel + 20.0 / max(slope, 1e-3)) / step_size))


PROBLEM = Quadratic(dim=1, mu=1.0, L=1.0, center=1.0)


def deterministic_cell(threshold: float, step_size: float) -> Spec:
    """Clipped GD on (x - 1)^2/2 from 0 with zero noise, |grad| recorded at every step (one
    replica: the path does not depend on the seed)."""
    steps = int(math.ceil(1.0 / (step_size * threshold))) + 400
    return Spec.of(PROBLEM, TwoPoint(p=1.0, success=0.0, failure=0.0), "gclip",
                   constant(step_size, threshold), steps=steps, replicas=1,
                   checkpoints=np.arange(1, steps + 1))


def cells(budget: ClippingBiasBudget) -> tuple[dict, dict]:
    """The stochastic cells {(sigma, c, eta): Spec}, each started AT the optimum x0 = x* = 1 and
    run :func:`mixing_steps` steps, and the deterministic ones {c: Spec}."""
    stochastic = {}
    for sigma in budget.sigmas:
        noise = asymmetric_two_point(sigma, budget.probability)
        for threshold in budget.thresholds:
            exact = exact_floor(noise, threshold)
            for eta in budget.step_sizes:
                steps = mixing_steps(noise, threshold, exact, eta)
                stochastic[(sigma, threshold, eta)] = Spec.of(
                    PROBLEM, noise, "gclip", constant(eta, threshold), steps=steps,
                    replicas=budget.replicas, checkpoints=[steps], x0=PROBLEM.minimiser)
    deterministic = {c: deterministic_cell(c, budget.deterministic_step)
                     for c in budget.thresholds}
    return stochastic, deterministic


def floor_verdict(floor: float, stderr: float, exact: float) -> str:
    """The measured floor against the exact root: ``fails`` beyond :data:`Z_TOLERANCE` standard
    errors; ``holds`` within them when they resolve :data:`RESOLUTION` of the exact floor (or
    the exact floor is 0); ``inconclusive`` when the standard error is too large to tell."""
    if not (math.isfinite(floor) and math.isfinite(stderr)):
        return "inconclusive"
    if abs(floor - exact) > Z_TOLERANCE * stderr:
        return "fails"
    if exact > 0 and Z_TOLERANCE * stderr > RESOLUTION * exact:
        return "inconclusive"
    return "holds"


def _cell_name(row) -> str:
    return f"sigma {row['sigma']:g}, c {row['threshold']:g}, eta {row['step_size']:g}"


def _checks(rows: list[dict], budget: ClippingBiasBudget) -> dict[str, Finding]:
    """The six checks of the claim, each a finding that can fail (see the tolerances)."""
    checks = {}
    sample = f"{budget.replicas} replicas per cell; seeds in the rows (derived from each spec)"
    verdicts = [r["verdict"] for r in rows]
    bad = [r for r in rows if r["verdict"] == "fails"]
    checks["stochastic floor matches the exact root of the mean clipped field"] = Finding(
        "fails" if bad else "inconclusive" if "inconclusive" in verdicts or not rows
        else "holds",
        f"|measured - exact| <= {Z_TOLERANCE:g} standard errors in "
        f"{verdicts.count('holds')} of {len(rows)} cells, {len(bad)} beyond, "
        f"{verdicts.count('inconclusive')} unresolved (resolution {RESOLUTION:.0%}); {sample}",
        method="monte-carlo", printed="floor = root of E clip_c(grad + xi) = 0",
        computed=f"{verdicts.count('holds')}/{len(rows)} cells agree",
        correction="; ".join(f"{_cell_name(r)}: stationary |E grad| = {r['floor']:.4g} +- "
                             f"{r['floor_stderr']:.2g}, not {r['floor_exact']:.4g}"
                             for r in bad) or None)
    biased = [r for r in rows if r["floor_exact"] > 0]
    zero = [r for r in biased if r["floor"] <= Z_TOLERANCE * r["floor_stderr"]]
    resolved = [r for r in zero if Z_TOLERANCE * r["floor_stderr"] < r["floor_exact"] / 2]
    checks["stochastic floor is non-zero (no convergence to the optimum)"] = Finding(
        "inconclusive" if not biased or (zero and not resolved) else
        "fails" if resolved else "holds",
        f"{len(biased) - len(zero)} of {len(biased)} biased cells have a floor above "
        f"{Z_TOLERANCE:g} standard errors; {sample}",
        method="monte-carlo", printed="clipped SGD does not converge to the optimum",
        computed=f"{len(biased) - len(zero)}/{len(biased)} floors non-zero",
        correction="; ".join(f"{_cell_name(r)}: floor {r['floor']:.3g} +- "
                             f"{r['floor_stderr']:.2g}: converges to the optimum within "
                             f"{r['floor'] + Z_TOLERANCE * r['floor_stderr']:.3g}"
                             for r in resolved) or None)
    worst = max(rows, key=lambda r: r["ratio"]) if rows else None
    checks["floor <= min(sigma, sigma^2/c) (upper bound's form, constant 1)"] = Finding(
        "inconclusive" if worst is None else "holds" if worst["ratio"] <= 1.0 else "fails",
        "exact floors (brentq, xtol 1e-14) over the grid"
        + (f"; largest ratio {worst['ratio']:.3g} at {_cell_name(worst)}" if worst else ""),
        method="numeric", printed="floor <= min(sigma, sigma^2/c)",
        computed=worst and worst["ratio"],
        correction=(f"the constant must be at least {worst['ratio']:.4g} "
                    f"(at {_cell_name(worst)})" if worst and worst["ratio"] > 1.0 else None))
    spreads = {}
    for sigma in budget.sigmas:
        ratios = [r["worst_ratio"] for r in rows if r["sigma"] == sigma]
        if ratios:
            spreads[sigma] = max(ratios) / min(ratios) if min(ratios) > 0 else math.inf
    wide = {s: v for s, v in spreads.items() if v > RATIO_SPREAD_TOLERANCE}
    checks["worst-case floor / min(sigma, sigma^2/c) within a factor "
           f"{RATIO_SPREAD_TOLERANCE:g} across c (lower bound's form)"] = Finding(
        "inconclusive" if not spreads else "fails" if wide else "holds",
        "worst two-point law over p in [1e-4, 0.5] (120 points), exact floors; spread per "
        "sigma: " + ", ".join(f"{s:g}: {v:.3g}" for s, v in spreads.items()),
        method="numeric", printed=f"spread <= {RATIO_SPREAD_TOLERANCE:g}",
        computed=max(spreads.values()) if spreads else None,
        correction="; ".join(f"sigma {s:g}: the worst floor departs from min(sigma, sigma^2/c) "
                             f"by a factor {v:.3g} across c = {list(budget.thresholds)}"
                             for s, v in wide.items()) or None)
    stalled = [r for r in rows if not r["deterministic_grad"] < DETERMINISTIC_TOLERANCE]
    checks[f"deterministic clipped GD converges (|grad f(x_K)| < "
           f"{DETERMINISTIC_TOLERANCE:g})"] = Finding(
        "fails" if stalled else "holds" if rows else "inconclusive",
        f"zero-noise clipped GD from x0 = 0, eta = {budget.deterministic_step:g}",
        method="exact", printed="|grad f(x_K)| -> 0",
        computed=max((r["deterministic_grad"] for r in rows), default=None),
        correction="; ".join(sorted({f"c {r['threshold']:g}: stalls at |grad f| = "
                                     f"{r['deterministic_grad']:.3g}" for r in stalled}))
        or None)
    tails = {r["threshold"]: r["iterations_1e-8"] - r["iterations_1e-4"] for r in rows
             if r["iterations_1e-8"] is not None and r["iterations_1e-4"] is not None}
    varies = bool(tails) and max(tails.values()) - min(tails.values()) > 1
    checks["deterministic: steps from |grad| 1e-4 to 1e-8 independent of c (+-1)"] = Finding(
        "inconclusive" if not tails else "fails" if varies else "holds",
        "steps from 1e-4 to 1e-8 per c: " + ", ".join(f"{c:g}: {n}" for c, n in tails.items()),
        method="exact", printed="independent of c",
        computed=(max(tails.values()) - min(tails.values())) if tails else None,
        correction=("the threshold changes the local rate: steps from 1e-4 to 1e-8 are "
                    + ", ".join(f"{n} at c = {c:g}" for c, n in tails.items()))
        if varies else None)
    return checks


def analyse(budget: ClippingBiasBudget, stochastic: dict, deterministic: dict,
            results: dict) -> dict:
    """Rows, checks and the finding from the computed cells."""
    rows, paths = [], {}
    for c, spec in deterministic.items():
        result = results[spec]
        paths[c] = (result.checkpoints, result.metrics["grad_norm"][0])
    for (sigma, threshold, eta), spec in stochastic.items():
        noise = asymmetric_two_point(sigma, budget.probability)
        exact = exact_floor(noise, threshold)
        gradients = results[spec].final_iterates[:, 0] - 1.0
        floor = abs(float(np.mean(gradients)))
        stderr = float(np.std(gradients, ddof=1) / math.sqrt(gradients.size))
        bound = floor_bound(sigma, threshold)
        ks, grads = paths[threshold]
        counts = {}
        for eps in (1e-4, 1e-8):
            hit = np.nonzero(grads <= eps)[0]
            counts[eps] = int(ks[hit[0]]) if hit.size else None
        rows.append({
            "sigma": sigma, "threshold": threshold, "step_size": eta, "steps": spec.steps,
            "seed": spec.seed, "floor": floor, "floor_stderr": stderr, "floor_exact": exact,
            "mean_abs_grad": float(np.mean(np.abs(gradients))),
            "mean_abs_grad_stderr": float(np.std(np.abs(gradients), ddof=1)
                                          / math.sqrt(gradients.size)),
            "verdict": floor_verdict(floor, stderr, exact),
            "bound": bound, "ratio": exact / bound,
            "worst_ratio": worst_case_floor(sigma, threshold) / bound,
            "deterministic_grad": float(grads[-1]),
            "iterations_1e-4": counts[1e-4], "iterations_1e-8": counts[1e-8],
        })
    checks = _checks(rows, budget)
    finding = combine(
        checks, subject="clipping-bias", ref=REF, printed=CLAIM, method="monte-carlo",
        evidence=(f"{len(stochastic)} stochastic cells of {budget.replicas} replicas (seeds "
                  f"derived from each spec, in the rows), two-point noise p = "
                  f"{budget.probability:g}; {len(deterministic)} zero-noise cells"))
    return {"rows": rows, "paths": paths, "checks": checks, "finding": finding}


def clipping_bias(budget: ClippingBiasBudget | None = None, *, figure: bool = True) -> dict:
    """Item 3: the floor of |grad f| of clipped SGD against c and sigma (Koloskova et al. 2023).

    1-D quadratic f(x) = (x - 1)^2 / 2 (L = 1), asymmetric two-point noise (non-zero bias).
    The floor is |mean of x_K - 1| over the replicas (the noise is bounded, so the mean has a
    finite variance and its standard error is exact to first order).
    """
    budget = budget or CLIPPING_BIAS_BUDGETS["quick"]
    stochastic, deterministic = cells(budget)
    results = compute([*stochastic.values(), *deterministic.values()])
    analysis = analyse(budget, stochastic, deterministic, results)
    out = outcome(
        "clipping-bias", source=SOURCE, claim=CLAIM,
        tolerance=f"measured vs exact floor within {Z_TOLERANCE:g} standard errors, decided "
                  f"where they resolve {RESOLUTION:.0%} of the floor; worst-case ratio spread "
                  f"<= {RATIO_SPREAD_TOLERANCE:g}",
        checks=analysis["checks"], finding=analysis["finding"], rows=analysis["rows"],
        budget=asdict(budget))
    if figure:
        out["figure"] = str(plot(analysis["rows"], analysis["paths"], budget))
    return out


def plot(rows, deterministic, budget):
    fig, axes = new_figure(ncols=2)
    ax = axes[0, 0]
    fine = np.geomspace(min(budget.thresholds) / 2, max(budget.thresholds) * 2, 30)
    markers = "osd^v"
    for sigma in budget.sigmas:
        noise = asymmetric_two_point(sigma, budget.probability)
        line, = ax.plot(fine, [exact_floor(noise, c) for c in fine], "-",
                        label=f"sigma = {sigma:g}")
        color = line.get_color()
        ax.plot(fine, [floor_bound(sigma, c) for c in fine], "--", color=color, linewidth=1)
        ax.plot(fine, [worst_case_floor(sigma, float(c)) for c in fine], ":", color=color)
        for j, eta in enumerate(budget.step_sizes):
            cells_ = [r for r in rows if r["sigma"] == sigma and r["step_size"] == eta]
            ax.errorbar([r["threshold"] for r in cells_], [r["floor"] for r in cells_],
                        yerr=[2 * r["floor_stderr"] for r in cells_], fmt=markers[j % 5],
                        color=color, markersize=4, linestyle="none")
    # one legend entry per line style and marker (colours are the sigmas above)
    ax.plot([], [], "k-", label=f"exact root, two-point law p = {budget.probability:g}")
    ax.plot([], [], "k--", linewidth=1, label="min(sigma, sigma^2/c)")
    ax.plot([], [], "k:", label="worst two-point law (exact)")
    for j, eta in enumerate(budget.step_sizes):
        ax.plot([], [], markers[j % 5], color="k", label=f"measured, eta = {eta:g} (+-2 se)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(bottom=1e-3)
    ax.set_xlabel("clipping threshold c")
    ax.set_ylabel("floor |E grad f(x_K)|")
    ax.set_title("Stochastic: clipped SGD stalls at a bias floor")
    ax.legend(fontsize=6, loc="lower left")
    ax = axes[0, 1]
    for c, (ks, grads) in sorted(deterministic.items()):
        ax.plot(ks, np.maximum(grads, 1e-300), label=f"c={c:g}")
    ax.set_yscale("log")
    ax.set_ylim(1e-16, 2)
    ax.set_xlabel("step k")
    ax.set_ylabel("|grad f(x_k)| (zero noise)")
    ax.set_title(f"Deterministic clipped GD, eta={budget.deterministic_step:g}")
    ax.legend()
    return save(fig, "adaptive_clipping_bias")


__all__ = ["CLIPPING_BIAS_BUDGETS", "ClippingBiasBudget", "asymmetric_two_point",
           "clipping_bias", "exact_floor", "floor_bound", "floor_verdict", "mean_clipped_field",
           "worst_case_floor"]
