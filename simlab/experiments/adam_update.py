"""The law of the Adam update against Zhiyi & Ziyin (*On the Distributional Properties of Adaptive
Gradients*): the comparisons with their :class:`simlab.finding.Finding` verdicts, and the five
figures (analogues of the paper's Figures 1, 3, 5, 6 and 7).

Every comparison declares its cells first (one :func:`simlab.adam_update.update_task` per
simulation: a stored :class:`simlab.run.spec.Task`), obtains them through
:func:`simlab.run.compute` (the store, the current executor) and then analyses them. A comparison
function takes ``results`` (the mapping :func:`simlab.run.compute` returned for a superset of its
cells) so that :func:`run_checks` and :func:`make_figures` declare every cell, compute once and
analyse each part. Seeds follow :mod:`simlab.rng`: each comparison's cells draw their gradients
from ``seed_of({"experiment": "adam-update", "comparison": <name>, "seed": <root>})``; cells that
must see the same gradients (bias correction and epsilon; Theorem 1 as printed and corrected)
share one such seed (common random numbers).

Verdict words are :data:`simlab.finding.VERDICTS`: ``holds`` (the simulation agrees with the
prediction at family-wise level ``alpha`` *and* the check resolves the prediction to the stated
relative ``resolution``), ``fails`` (rejected; the correction is derived from the simulation or
says why none was), ``inconclusive`` (not rejected, but the standard errors are too wide to
resolve it), ``unverifiable`` (the paper makes no prediction for this gradient law).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy import stats

from simlab.adam_update import (
    ADAM_DEFAULT_BETA2,
    CONVENTIONS,
    ERRATA_CLAIMS,
    UpdateSpec,
    Updates,
    bonferroni_z,
    corollary_1_variance,
    edge_to_centre_ratio,
    effective_steps,
    effective_steps_eq12,
    ks_against,
    law_abs_xg,
    law_xg,
    normaliser,
    predicted_abs_law,
    predicted_update_law,
    student_t_law,
    update_task,
    variance_standard_error,
)
from simlab.finding import NO_CORRECTION, Finding
from simlab.rng import seed_of

PAPER = "Zhiyi & Ziyin, On the Distributional Properties of Adaptive Gradients"
#: the relative precision a variance check must reach to say "holds" (else "inconclusive"):
#: z standard errors must be below this fraction of the predicted variance
RESOLUTION = 0.1


def comparison_seed(name: str, seed: int = 0, *parts) -> int:
    """The seed of a comparison's cells (the one rule: sha256 of a description)."""
    return seed_of({"experiment": "adam-update", "comparison": name, "seed": int(seed),
                    "parts": list(parts)})


def _results(tasks, results):
    """``results`` when it holds every task, else the tasks computed through the store."""
    if results is None or any(task not in results for task in tasks):
        from simlab.run import compute

        results = compute(tasks)
    return results


def updates_of(spec: UpdateSpec, columns=None, results=None, printed_c_n: bool = False):
    """The stored updates of ``spec`` (an :class:`~simlab.adam_update.Updates`), through the
    store."""
    task = update_task(spec, columns, printed_c_n)
    return Updates(_results([task], results)[task])


def _combine(verdicts) -> str:
    """One verdict from several: fails if any fails; unverifiable if all are; inconclusive if
    any is (and none fails); holds otherwise."""
    verdicts = set(verdicts)
    if "fails" in verdicts:
        return "fails"
    if verdicts <= {"unverifiable"}:
        return "unverifiable"
    return "inconclusive" if "inconclusive" in verdicts else "holds"


# --------------------------------------------------------------------------------------------
# Theorem 1, Corollaries 1-2: the law at every step
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepComparison:
    """Simulated against predicted at one step ``m``. ``None`` marks a missing prediction."""

    m: int
    samples: int
    mean: float
    mean_se: float
    variance: float
    variance_se: float
    abs_variance: float
    abs_variance_se: float
    predicted_variance: float | None
    predicted_abs_variance: float | None
    ks_statistic: float | None
    ks_pvalue: float | None
    verdict: str
    convention: str

    def as_dict(self) -> dict:
        return asdict(self)


def compare_steps(spec: UpdateSpec, updates=None, *, alpha: float = 0.01,
                  resolution: float = RESOLUTION, results=None) -> list[StepComparison]:
    """At every step m = 2..steps: mean, Var, Var|.| with standard errors, KS test, verdict
    (Theorem 1 / eq. 30, Corollaries 1-2).

    ``updates``: an array (samples x steps, column m-1 = step m) or an
    :class:`~simlab.adam_update.Updates`; by default the stored draws of ``spec``. Verdict
    ``fails`` when, at family-wise level ``alpha`` (Bonferroni over the ``3 x (steps-1)``
    comparisons), the KS test rejects or a variance lies more than ``z`` standard errors from
    its prediction; ``inconclusive`` when nothing rejects but ``z`` standard errors exceed
    ``resolution`` times a predicted variance; ``holds`` otherwise; ``unverifiable`` where the
    paper predicts nothing. KS sample size = ``spec.samples`` independent updates per step.
    """
    if updates is None:
        updates = updates_of(spec, results=results)
    column = (updates.__getitem__ if isinstance(updates, Updates)
              else (lambda m: updates[:, m - 1]))
    steps = spec.steps
    tests = 3 * max(steps - 1, 1)
    z = bonferroni_z(alpha, tests)
    rows = []
    for m in range(2, steps + 1):
        x = column(m)
        magnitude = np.abs(x)
        n = x.size
        row = {
            "m": m,
            "samples": n,
            "mean": float(x.mean()),
            "mean_se": float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan"),
            "variance": float(x.var()),
            "variance_se": variance_standard_error(x),
            "abs_variance": float(magnitude.var()),
            "abs_variance_se": variance_standard_error(magnitude),
            "convention": spec.convention if spec.beta is None else "c=m",
        }
        law = predicted_update_law(spec, m)
        if law is None:
            rows.append(StepComparison(**row, predicted_variance=None,
                                       predicted_abs_variance=None, ks_statistic=None,
                                       ks_pvalue=None, verdict="unverifiable"))
            continue
        predicted_var = float(law.var())
        predicted_abs = float(predicted_abs_law(spec, m).var())
        statistic, pvalue = ks_against(x, law)
        rejected = (pvalue < alpha / tests
                    or abs(row["variance"] - predicted_var) > z * row["variance_se"]
                    or abs(row["abs_variance"] - predicted_abs) > z * row["abs_variance_se"])
        resolved = (z * row["variance_se"] <= resolution * predicted_var
                    and z * row["abs_variance_se"] <= resolution * predicted_abs)
        verdict = "fails" if rejected else ("holds" if resolved else "inconclusive")
        rows.append(StepComparison(**row, predicted_variance=predicted_var,
                                   predicted_abs_variance=predicted_abs, ks_statistic=statistic,
                                   ks_pvalue=pvalue, verdict=verdict))
    return rows


def steps_finding(rows: list[StepComparison], spec: UpdateSpec, *, alpha: float = 0.01,
                  resolution: float = RESOLUTION) -> Finding:
    """The :class:`Finding` of a :func:`compare_steps` table: the rows' verdicts combined
    (:func:`_combine`), with the worst KS p-value and variance z-scores as evidence."""
    verdict = _combine(r.verdict for r in rows)
    predicted = [r for r in rows if r.predicted_variance is not None]
    law = ("eq. 30 at eq. 9's effective m (Section 3.1)" if spec.beta is not None
           else f"eq. 30 ({spec.convention})")
    preconditioner = (f"{spec.convention}" if spec.beta is None else f"beta2 = {spec.beta:g}")
    subject = f"update law for {spec.gradient} gradients ({preconditioner}), m = 2..{spec.steps}"
    if not predicted:
        return Finding("unverifiable", f"Theorem 1 assumes i.i.d. zero-mean Gaussian gradients "
                       f"(mu = 0, eps = 0); {spec.gradient} gradients (momentum "
                       f"{spec.momentum:g}, eps {spec.epsilon:g}) have no predicted law",
                       "monte-carlo", printed=law, subject=subject, ref="Theorem 1")
    worst_p = min(r.ks_pvalue for r in predicted)
    z_var = max(abs(r.variance - r.predicted_variance) / r.variance_se for r in predicted)
    z_abs = max(abs(r.abs_variance - r.predicted_abs_variance) / r.abs_variance_se
                for r in predicted)
    counts = {v: sum(r.verdict == v for r in rows) for v in sorted({r.verdict for r in rows})}
    tests = 3 * max(spec.steps - 1, 1)
    evidence = (f"Monte Carlo, seed {spec.seed}, {spec.samples} updates per step, "
                f"{len(predicted)} steps: min KS p {worst_p:.3g} (reject below "
                f"{alpha / tests:.3g}, Bonferroni at {alpha:g}); max |z| Var {z_var:.2f}, "
                f"Var|.| {z_abs:.2f} (limit {bonferroni_z(alpha, tests):.2f}); resolution "
                f"{resolution:g} of the predicted variance; rows {counts}")
    correction = None
    if verdict == "fails":
        first = next(r for r in rows if r.verdict == "fails")
        correction = (f"{NO_CORRECTION}the simulated law departs from {law} (first at m = "
                      f"{first.m}: Var {first.variance:.4g} vs {first.predicted_variance:.4g}, "
                      f"KS p {first.ks_pvalue:.3g}); no alternative law is fitted")
    return Finding(verdict, evidence, "monte-carlo", printed=law,
                   computed=f"min KS p {worst_p:.3g}, max z {max(z_var, z_abs):.2f}",
                   correction=correction, subject=subject,
                   ref="Theorem 1, Corollaries 1-2, eq. 30")


def overall_verdict(rows: list[StepComparison]) -> str:
    """The combined verdict word of a :func:`compare_steps` table."""
    return _combine(r.verdict for r in rows)


# --------------------------------------------------------------------------------------------
# the other comparisons: each has a *_cells function (declaration) and an analysis
# --------------------------------------------------------------------------------------------


def theorem_law_specs(samples: int = 20_000, seed: int = 0, steps: int = 100) -> dict:
    """Theorem 1's law at m = 2..steps under both conventions."""
    return {c: UpdateSpec(gradient="simple-average", steps=steps, samples=samples,
                          convention=c, seed=comparison_seed("theorem-1-law", seed, c))
            for c in CONVENTIONS}


STUDENT_MS = (3, 5, 10)


def student_spec(samples: int = 20_000, seed: int = 0) -> UpdateSpec:
    return UpdateSpec(gradient="simple-average", steps=max(STUDENT_MS), samples=samples,
                      seed=comparison_seed("student-t", seed))


def student_t_check(samples: int = 20_000, seed: int = 0, *, level: float = 1e-6,
                    results=None) -> dict:
    """Section 3's Student-t law (numerator and denominator taken independent, Liu et al. 2019)
    against the simulated update at m = 3, 5, 10, beside eq. 30 on the same draws (KS at
    ``level``). ``fails`` when a KS test rejects the Student-t law (the correction: eq. 30's
    p-values, when eq. 30 is not rejected); ``holds`` when no test rejects it while eq. 30 is
    rejected; ``inconclusive`` when neither is rejected (the sample cannot tell them apart)."""
    spec = student_spec(samples, seed)
    updates = updates_of(spec, STUDENT_MS, results)
    p_t = {m: ks_against(updates[m], student_t_law(m))[1] for m in STUDENT_MS}
    p_30 = {m: ks_against(updates[m], law_xg(m))[1] for m in STUDENT_MS}
    rejected = min(p_t.values()) < level
    evidence = (f"Monte Carlo, seed {spec.seed}, {samples} updates at m = {STUDENT_MS}: KS p vs "
                f"Student-t(m) {', '.join(f'{p:.3g}' for p in p_t.values())}, vs eq. 30 "
                f"{', '.join(f'{p:.3g}' for p in p_30.values())} (reject below {level:g})")
    correction = None
    if rejected:
        fits = all(p >= level for p in p_30.values())
        correction = (f"the update follows eq. 30 (bounded by sqrt(m)): KS p vs eq. 30 "
                      f"{', '.join(f'{p:.3g}' for p in p_30.values())}" if fits else
                      f"{NO_CORRECTION}eq. 30 is rejected too on these draws")
    distinguished = min(p_30.values()) < level
    verdict = "fails" if rejected else ("holds" if distinguished else "inconclusive")
    finding = Finding(verdict, evidence, "monte-carlo",
                      printed="Student-t with m degrees of freedom",
                      computed=f"min KS p {min(p_t.values()):.3g}", correction=correction,
                      subject="Student-t law of the update (correlation ignored)",
                      ref="Section 3")
    return {"ks_pvalues": p_t, "ks_pvalues_eq30": p_30, "verdict": finding.verdict,
            "finding": finding.as_dict()}


@dataclass(frozen=True)
class ModalityRow:
    m: int
    predicted_ratio: float
    simulated_ratio: float
    simulated_ratio_se: float
    predicted_shape: str
    verdict: str


MODALITY_MS = (2, 3, 4, 5, 10)


def modality_spec(samples: int = 20_000, seed: int = 0, ms=MODALITY_MS) -> UpdateSpec:
    return UpdateSpec(gradient="simple-average", steps=max(ms), samples=samples,
                      seed=comparison_seed("modality", seed))


def modality_transition(spec: UpdateSpec | None = None, ms=MODALITY_MS, *, alpha: float = 0.01,
                        results=None) -> list[ModalityRow]:
    """The bimodal-to-unimodal transition in m (eq. 29: ``Beta(a, a)`` with ``a = (m-1)/2`` is
    U-shaped for ``a < 1``, flat for ``a = 1`` i.e. m = 3, unimodal for ``a > 1``), simulated
    against predicted.

    Verdict per m ``fails`` if the simulated edge-to-centre ratio lies more than ``z`` standard
    errors (Bonferroni over ``ms``) from the predicted one; otherwise ``holds`` when the check
    resolves the shape (``z`` standard errors below ``|predicted - 1|``, the distance to the flat
    law, or below :data:`RESOLUTION` at the flat m = 3), else ``inconclusive``.
    """
    spec = spec or modality_spec(ms=ms)
    updates = updates_of(spec, ms, results)
    z = bonferroni_z(alpha, len(ms))
    rows = []
    for m in ms:
        root_c = math.sqrt(normaliser(m, spec.convention))
        predicted = edge_to_centre_ratio(law_xg(m, spec.convention), root_c)
        simulated, se = edge_to_centre_ratio(updates[m], root_c)
        shape = "bimodal" if m < 3 else ("flat" if m == 3 else "unimodal")
        resolved = z * se < (RESOLUTION if m == 3 else abs(predicted - 1))
        verdict = ("fails" if abs(simulated - predicted) > z * se else
                   "holds" if resolved else "inconclusive")
        rows.append(ModalityRow(m, predicted, simulated, se, shape, verdict))
    return rows


def modality_finding(rows: list[ModalityRow], spec: UpdateSpec) -> Finding:
    verdict = _combine(r.verdict for r in rows)
    evidence = (f"Monte Carlo, seed {spec.seed}, {spec.samples} updates: edge-to-centre ratio "
                + "; ".join(f"m={r.m} {r.simulated_ratio:.3f}+-{r.simulated_ratio_se:.3f} "
                            f"(predicted {r.predicted_ratio:.3f})" for r in rows))
    correction = None
    if verdict == "fails":
        bad = [r.m for r in rows if r.verdict == "fails"]
        correction = f"{NO_CORRECTION}simulated shape departs from eq. 29 at m = {bad}"
    return Finding(verdict, evidence, "monte-carlo", printed="bimodal m<3, flat m=3, unimodal",
                   computed=", ".join(f"{r.simulated_ratio:.3f}" for r in rows),
                   correction=correction, subject="bimodal-to-unimodal transition",
                   ref="eq. 29, eq. 33")


@dataclass(frozen=True)
class GaussianLimit:
    ms: list[int]
    sup_distance: list[float]  # sup_x |F_m(x) - Phi(x)| of the predicted law, exact (grid of 4001)
    slope: float  # log-log slope of sup_distance against m
    simulated_ks_pvalue_vs_normal: float  # the simulated updates at the last m against N(0, c/m)
    simulated_ks_pvalue_vs_law: float
    verdict: str
    finding: dict


GAUSSIAN_MS = (2, 5, 10, 20, 50, 100, 200, 500, 1000)


def gaussian_spec(samples: int = 20_000, seed: int = 0, convention: str = "c=m") -> UpdateSpec:
    return UpdateSpec(gradient="simple-average", steps=100, samples=samples,
                      convention=convention, seed=comparison_seed("gaussian-limit", seed))


def gaussian_limit(ms=GAUSSIAN_MS, *, samples: int = 20_000, seed: int = 0,
                   convention: str = "c=m", results=None) -> GaussianLimit:
    """Eq. 31: ``X_g -> N(0, 1)`` as m -> infinity. The exact Kolmogorov distance of the
    predicted law from ``N(0, c/m)`` on a grid, its log-log slope in m (an Edgeworth argument
    gives ``O(1/m)``: the law is symmetric, the first correction is the excess kurtosis
    ``-6/(m+2)``), and KS tests of the stored updates at m = 100 against both laws.

    Verdict ``holds`` if the distance decreases monotonically with slope in ``[-1.2, -0.8]``;
    ``fails`` otherwise, with the fitted slope as the derived correction.
    """
    distances = []
    for m in ms:
        law = law_xg(m, convention)
        root_c = math.sqrt(normaliser(m, convention))
        x = np.linspace(-root_c, root_c, 4001)
        gauss = stats.norm(scale=math.sqrt(normaliser(m, convention) / m))
        distances.append(float(np.max(np.abs(law.cdf(x) - gauss.cdf(x)))))
    slope = float(np.polyfit(np.log(ms), np.log(distances), 1)[0])
    spec = gaussian_spec(samples, seed, convention)
    last = updates_of(spec, [100], results)[100]
    gauss = stats.norm(scale=math.sqrt(normaliser(100, convention) / 100))
    p_normal = float(stats.kstest(last, gauss.cdf).pvalue)
    p_law = float(stats.kstest(last, law_xg(100, convention).cdf).pvalue)
    monotone = all(b < a for a, b in itertools.pairwise(distances))
    verdict = "holds" if monotone and -1.2 <= slope <= -0.8 else "fails"
    finding = Finding(
        verdict, f"exact sup-distance of eq. 30 from N(0, c/m) on 4001 points at m = {list(ms)}:"
        f" {', '.join(f'{d:.2g}' for d in distances)}; log-log slope {slope:.3f} (rule: "
        f"monotone, slope in [-1.2, -0.8]); seed {spec.seed}, {samples} updates at m = 100: KS p "
        f"vs normal {p_normal:.3g}, vs eq. 30 {p_law:.3g}", "numeric",
        printed="X_g -> N(0, 1)", computed=f"distance ~ m^{slope:.3f}",
        correction=None if verdict == "holds" else
        f"the distance decays like m^{slope:.3f}" + ("" if monotone else ", not monotonically"),
        subject="Gaussian limit of the update law", ref="eq. 31")
    return GaussianLimit(list(ms), distances, slope, p_normal, p_law, verdict,
                         finding.as_dict())


@dataclass(frozen=True)
class BetaMappingRow:
    beta: float
    steps: int  # the step the stationary update was sampled at
    simulated_abs_variance: float
    simulated_abs_variance_se: float
    m_eq12: float
    predicted_abs_variance_eq12: float
    error_eq12: float
    ks_statistic_eq12: float
    m_effective: float
    predicted_abs_variance_effective: float
    error_effective: float
    ks_statistic_effective: float


BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99)


def beta_mapping_specs(betas=BETAS, samples: int = 4000, seed: int = 0) -> list[UpdateSpec]:
    """Adam (mu = 0, eps = 0, bias-corrected), N(0,1) gradients, ``t = ceil(30/(1-beta))``
    steps (``beta^t < 1e-13``: stationary)."""
    return [UpdateSpec(gradient="exponential", beta=beta, samples=samples,
                       steps=max(2, math.ceil(30 / (1 - beta))),
                       seed=comparison_seed("beta-mapping", seed, beta)) for beta in betas]


def beta_mapping(betas=BETAS, *, samples: int = 4000, seed: int = 0,
                 results=None) -> list[BetaMappingRow]:
    """How well eq. 12 (``m = 2/(1-beta)``) predicts Adam's stationary update as beta varies.

    Compares Var|Delta theta| (the informative variance; Var(Delta theta) is 1 under every
    approximation) and the KS distance of the update with eq. 30 at ``m_eq12`` and at
    ``m_eff = (1+beta)/(1-beta)`` (eq. 9's effective count,
    :func:`~simlab.adam_update.effective_steps`). beta = 0 gives ``m_eff = 1``: the update is
    ``sign(g)``, no Beta law, reported as NaN.
    """
    specs = beta_mapping_specs(betas, samples, seed)
    tasks = [update_task(spec, [spec.steps]) for spec in specs]
    results = _results(tasks, results)
    rows = []
    for beta, spec, task in zip(betas, specs, tasks, strict=True):
        x = Updates(results[task])[spec.steps]
        sim_abs = float(np.abs(x).var())
        se = variance_standard_error(np.abs(x))
        out = {}
        for tag, m in (("eq12", effective_steps_eq12(beta)),
                       ("effective", effective_steps(beta, spec.steps))):
            if m <= 1 + 1e-9:
                out[tag] = (m, float("nan"), float("nan"), float("nan"))
                continue
            predicted = float(law_abs_xg(m).var())
            ks = float(stats.kstest(x, law_xg(m).cdf).statistic)
            out[tag] = (m, predicted, predicted - sim_abs, ks)
        rows.append(BetaMappingRow(beta, spec.steps, sim_abs, se, *out["eq12"],
                                   *out["effective"]))
    return rows


def beta_mapping_finding(rows: list[BetaMappingRow], *, alpha: float = 0.01) -> Finding:
    """Eq. 12 *holds* (as an approximation that improves as beta -> 1) when its error in
    Var|Delta theta| shrinks monotonically over the betas with m_eq12 >= 4 and the error at the
    largest beta is within ``z`` standard errors (Bonferroni over the rows) of zero, with ``z``
    standard errors below :data:`RESOLUTION` of the predicted variance (else ``inconclusive``);
    otherwise ``fails``, with the effective count's error at the largest beta as the derived
    alternative."""
    z = bonferroni_z(alpha, len(rows))
    errors = [abs(r.error_eq12) for r in rows if r.m_eq12 >= 4]
    monotone = all(b < a for a, b in itertools.pairwise(errors))
    last = rows[-1]
    consistent = abs(last.error_eq12) <= z * last.simulated_abs_variance_se
    resolved = (z * last.simulated_abs_variance_se
                <= RESOLUTION * last.predicted_abs_variance_eq12)
    verdict = ("fails" if not (monotone and consistent) else
               "holds" if resolved else "inconclusive")
    evidence = ("Monte Carlo, stationary Adam updates per beta: |error of Var|.|| under eq. 12 "
                + ", ".join(f"beta={r.beta:g}: {abs(r.error_eq12):.2g}" for r in rows)
                + f"; at beta={last.beta:g}: {abs(last.error_eq12):.3g} vs z SE "
                f"{z * last.simulated_abs_variance_se:.3g}")
    correction = None
    if verdict == "fails":
        effective_ok = (math.isfinite(last.error_effective) and abs(last.error_effective)
                        <= z * last.simulated_abs_variance_se)
        correction = (f"m_eff = (1+beta)/(1-beta) (eq. 9): error {abs(last.error_effective):.3g}"
                      f" at beta={last.beta:g}, within z SE" if effective_ok else
                      f"{NO_CORRECTION}neither eq. 12 nor eq. 9's effective count matches "
                      f"at beta={last.beta:g}" if monotone else
                      f"{NO_CORRECTION}the eq. 12 error does not shrink as beta -> 1")
    return Finding(verdict, evidence, "monte-carlo", printed="m = 2/(1-beta)",
                   computed=f"error {abs(last.error_eq12):.3g} at beta={last.beta:g}",
                   correction=correction, subject="beta <-> m mapping improves as beta -> 1",
                   ref="eq. 12")


def beta_mapping_verdict(rows: list[BetaMappingRow], *, alpha: float = 0.01) -> str:
    return beta_mapping_finding(rows, alpha=alpha).verdict


@dataclass(frozen=True)
class SettingEffect:
    setting: str
    m: int
    variance: float
    variance_se: float
    predicted_variance: float
    verdict: str
    effect: str


EFFECT_MS = (2, 10, 100)
EPSILONS = (1e-8, 1e-3, 1e-1, 1.0)


def setting_specs(*, beta: float = ADAM_DEFAULT_BETA2, ms=EFFECT_MS, epsilons=EPSILONS,
                  samples: int = 20_000, seed: int = 0) -> dict:
    """The specs of :func:`bias_correction_and_epsilon`: one seed, so every setting sees the
    same gradients (common random numbers)."""
    base = UpdateSpec(gradient="exponential", beta=beta, steps=max(ms), samples=samples,
                      seed=comparison_seed("bias-epsilon", seed))
    out = {"corrected": base, "no bias correction": replace(base, bias_correction=False)}
    out.update({f"epsilon={eps:g}": replace(base, epsilon=eps) for eps in epsilons})
    return out


def bias_correction_and_epsilon(*, beta: float = ADAM_DEFAULT_BETA2, ms=EFFECT_MS,
                                epsilons=EPSILONS, samples: int = 20_000, seed: int = 0,
                                alpha: float = 0.01, results=None) -> list[SettingEffect]:
    """The effect of Adam's bias correction and of epsilon on Var(Delta theta), N(0,1)
    gradients, mu = 0, the same gradients in every setting.

    - Without bias correction, ``n_t/c_n`` loses its ``c_n = 1 - beta^t``, and exactly (eps = 0)
      ``Delta theta_uncorrected = Delta theta_corrected / sqrt(1 - beta^t)``: the predicted
      variance is ``Var_corrected / (1 - beta^t)`` (about ``1/(m (1-beta))`` = 500 at m = 2 for
      beta = 0.999). ``holds`` when within ``z`` standard errors (Bonferroni), else ``fails``.
    - Theorem 1 ignores epsilon: the prediction is the eps = 0 variance. ``holds`` (effect
      "negligible") when the variance is within ``z`` standard errors of it, ``fails`` (effect
      "shrinks": ``|Delta theta|`` always shrinks, pathwise) otherwise.

    A row that is not rejected but whose ``z`` standard errors exceed :data:`RESOLUTION` of the
    prediction is ``inconclusive``.
    """
    z = bonferroni_z(alpha, len(ms) * (1 + len(epsilons)))
    specs = setting_specs(beta=beta, ms=ms, epsilons=epsilons, samples=samples, seed=seed)
    tasks = {name: update_task(spec, ms) for name, spec in specs.items()}
    results = _results(list(tasks.values()), results)
    updates = {name: Updates(results[task]) for name, task in tasks.items()}
    corrected = updates.pop("corrected")
    rows = []
    for name, sample in updates.items():
        for m in ms:
            x, y = corrected[m], sample[m]
            se = variance_standard_error(y)
            if name == "no bias correction":
                predicted = float(x.var()) / (1 - beta**m)
                agrees = abs(y.var() - predicted) <= z * se + 1e-9 * predicted
                effect = "scaled by 1/(1-beta^m)"
            else:
                predicted = float(x.var())
                agrees = abs(y.var() - predicted) <= z * se
                effect = "negligible" if agrees else "shrinks"
            verdict = ("fails" if not agrees else
                       "holds" if z * se <= RESOLUTION * predicted else "inconclusive")
            rows.append(SettingEffect(name, m, float(y.var()), se, predicted, verdict, effect))
    return rows


def setting_findings(rows: list[SettingEffect], samples: int, seed: int) -> list[dict]:
    """One finding per setting (rows over m combined)."""
    out = []
    for setting in dict.fromkeys(r.setting for r in rows):
        sub = [r for r in rows if r.setting == setting]
        verdict = _combine(r.verdict for r in sub)
        evidence = (f"Monte Carlo, {samples} updates, common gradients (seed "
                    f"{comparison_seed('bias-epsilon', seed)}): "
                    + "; ".join(f"m={r.m} Var {r.variance:.4g}+-{r.variance_se:.2g} vs "
                                f"{r.predicted_variance:.4g}" for r in sub))
        printed = ("Var_corrected / (1 - beta^m)" if setting == "no bias correction"
                   else "the eps = 0 law (Theorem 1 sets eps = 0)")
        correction = None
        if verdict == "fails":
            correction = ("; ".join(f"m={r.m}: Var {r.variance:.4g} (ratio "
                                    f"{r.variance / r.predicted_variance:.3g} to eps = 0)"
                                    for r in sub if r.verdict == "fails")
                          if setting.startswith("epsilon") else
                          f"{NO_CORRECTION}the exact scaling 1/(1-beta^m) is violated")
        out.append(Finding(verdict, evidence, "monte-carlo", printed=printed,
                           computed=", ".join(f"{r.variance:.4g}" for r in sub),
                           correction=correction, subject=(
                               setting if setting == "no bias correction" else
                               f"Theorem 1's variance at {setting}"),
                           ref="eq. 2-4 (bias correction, epsilon)").as_dict())
    return out


def theorem_1_specs(m: int = 3, samples: int = 20_000, seed: int = 0) -> UpdateSpec:
    return UpdateSpec(gradient="simple-average", steps=m, samples=samples,
                      seed=comparison_seed("theorem-1-printed", seed))


def theorem_1_as_printed(m: int = 3, *, samples: int = 20_000, seed: int = 0,
                         results=None) -> dict:
    """Theorem 1 as printed sets ``c_n = 1/t``: then ``n_t / c_n = t sum g^2`` and the update is
    ``X_k / sqrt(t)``, variance ``1/m^2``, not eq. 30's 1. Both run through the kernel (printed
    and corrected ``c_n = t``) on the same gradients (one seed).

    The finding ``fails`` when the printed variance is more than 5 standard errors from
    Corollary 1's; the correction (``c_n = t``) is derived when its variance is within 5
    standard errors of Corollary 1's (claim ``zz-theorem1`` checks the same by KS). Not
    rejected: ``holds`` when 5 standard errors are below :data:`RESOLUTION` of Corollary 1's
    variance, else ``inconclusive``.
    """
    spec = theorem_1_specs(m, samples, seed)
    tasks = {"printed": update_task(spec, [m], printed_c_n=True),
             "corrected": update_task(spec, [m])}
    results = _results(list(tasks.values()), results)
    out = {}
    for name, task in tasks.items():
        x = Updates(results[task])[m]
        out[name] = {"variance": float(x.var()), "variance_se": variance_standard_error(x)}
    out["printed"]["predicted_variance"] = 1.0 / m**2
    out["corrected"]["predicted_variance"] = corollary_1_variance(m)
    target = corollary_1_variance(m)
    z_printed = abs(out["printed"]["variance"] - target) / out["printed"]["variance_se"]
    z_corrected = abs(out["corrected"]["variance"] - target) / out["corrected"]["variance_se"]
    resolved = 5 * out["printed"]["variance_se"] <= RESOLUTION * target
    verdict = "fails" if z_printed > 5 else ("holds" if resolved else "inconclusive")
    correction = None
    if verdict == "fails":
        correction = (f"c_n = t: Var {out['corrected']['variance']:.4f} matches Corollary 1's "
                      f"{target:g} (z = {z_corrected:.2f}); see claim "
                      f"{', '.join(ERRATA_CLAIMS['theorem-1'])}" if z_corrected <= 5 else
                      f"{NO_CORRECTION}c_n = t does not match Corollary 1 either "
                      f"(z = {z_corrected:.1f})")
    finding = Finding(verdict, f"Monte Carlo, seed {spec.seed}, {samples} updates at m = {m}: "
                      f"c_n = 1/t gives Var {out['printed']['variance']:.4g} (z = "
                      f"{z_printed:.1f} from Corollary 1's {target:g}; 1/m^2 = {1 / m**2:.4g})",
                      "monte-carlo", printed="c_n = 1/t", computed=out["printed"]["variance"],
                      correction=correction, subject="Theorem 1 as printed (c_n = 1/t)",
                      ref="Theorem 1")
    return {**out, "verdict": verdict, "finding": finding.as_dict()}


EXCHANGEABLE = ("normal", "cauchy", "pareto", "stable", "growing")
#: the gradient streams that are i.i.d. (exchangeable); the others are negative controls
IDENTICALLY_DISTRIBUTED = ("normal", "simple-average", "exponential", "cauchy", "pareto",
                           "stable", "shifted")


def exchangeable_specs(gradients=EXCHANGEABLE, m: int = 5, samples: int = 20_000,
                       seed: int = 0) -> dict:
    return {name: UpdateSpec(gradient=name, steps=m, samples=samples,
                             seed=comparison_seed("exchangeable", seed, name))
            for name in gradients}


def exchangeable_variance(gradients=EXCHANGEABLE, m: int = 5, *, samples: int = 20_000,
                          seed: int = 0, alpha: float = 0.01, results=None) -> dict:
    """Corollary 1 needs far less than Theorem 1: for *any* i.i.d. (exchangeable) gradient law,
    simple average, c=m, mu = 0, eps = 0, ``E[g_m^2 / sum_i g_i^2] = 1/m`` by symmetry, so
    ``Var(Delta theta) = E[Delta theta^2] - (E Delta theta)^2 = 1`` for symmetric laws (Cauchy,
    Pareto, stable included). Non-identically distributed streams (``growing``) break it.

    Per gradient: the simulated ``E[Delta theta^2]`` at ``m``, its standard error, and the
    verdict (``fails``, with the measured moment as the correction, beyond ``z`` SE of 1,
    Bonferroni over the gradients; else ``holds`` when ``z`` SE is below :data:`RESOLUTION`,
    ``inconclusive`` above).
    """
    z = bonferroni_z(alpha, len(gradients))
    specs = exchangeable_specs(gradients, m, samples, seed)
    tasks = {name: update_task(spec, [m]) for name, spec in specs.items()}
    results = _results(list(tasks.values()), results)
    out = {}
    for name, task in tasks.items():
        square = Updates(results[task])[m] ** 2
        moment = float(square.mean())
        se = float(square.std(ddof=1) / math.sqrt(square.size))
        verdict = ("fails" if abs(moment - 1) > z * se else
                   "holds" if z * se <= RESOLUTION else "inconclusive")
        finding = Finding(
            verdict, f"Monte Carlo, seed {specs[name].seed}, {samples} updates at m = {m}: "
            f"E[Delta theta^2] = {moment:.4f} +- {se:.4f} (z limit {z:.2f})", "monte-carlo",
            printed=1.0, computed=moment,
            correction=None if verdict == "holds" else
            f"E[Delta theta^2] = {moment:.4f} +- {se:.4f} for {name} gradients",
            subject=f"Corollary 1 for {name} gradients" + (
                "" if name in IDENTICALLY_DISTRIBUTED else " (not identically distributed)"),
            ref="Corollary 1")
        out[name] = {"second_moment": moment, "se": se, "verdict": verdict,
                     "finding": finding.as_dict()}
    return out


# --------------------------------------------------------------------------------------------
# all comparisons at once
# --------------------------------------------------------------------------------------------


def check_cells(samples: int = 20_000, seed: int = 0) -> list:
    """Every stored cell of :func:`run_checks` (declared before anything is computed)."""
    tasks = [update_task(s) for s in theorem_law_specs(samples, seed).values()]
    tasks.append(update_task(student_spec(samples, seed), STUDENT_MS))
    tasks.append(update_task(modality_spec(samples, seed), MODALITY_MS))
    tasks.append(update_task(gaussian_spec(samples, seed), [100]))
    tasks += [update_task(s, [s.steps]) for s in beta_mapping_specs(seed=seed)]
    tasks += [update_task(s, EFFECT_MS)
              for s in setting_specs(samples=samples, seed=seed).values()]
    spec = theorem_1_specs(3, samples, seed)
    tasks += [update_task(spec, [3], printed_c_n=True), update_task(spec, [3])]
    tasks += [update_task(s, [5]) for s in exchangeable_specs(samples=samples, seed=seed).values()]
    return tasks


def run_checks(*, samples: int = 20_000, seed: int = 0) -> dict:
    """Every comparison with its computed :class:`Finding` (JSON-able): the cells of all of them
    are computed first (one :func:`simlab.run.compute`), then each is analysed. ``samples`` is
    the per-step sample size where a comparison takes one (the eq. 12 mapping uses 4 000 per
    beta: its longest run has 3 000 steps)."""
    from simlab.run import compute

    results = compute(check_cells(samples, seed))
    theorem = {}
    for convention, spec in theorem_law_specs(samples, seed).items():
        rows = compare_steps(spec, results=results)
        finding = steps_finding(rows, spec)
        theorem[convention] = {
            "verdict": finding.verdict,
            "min_ks_pvalue": min(r.ks_pvalue for r in rows),
            "max_variance_z": max(abs(r.variance - r.predicted_variance) / r.variance_se
                                  for r in rows),
            "max_abs_variance_z": max(abs(r.abs_variance - r.predicted_abs_variance)
                                      / r.abs_variance_se for r in rows),
            "finding": finding.as_dict(),
        }
    modality_rows = modality_transition(modality_spec(samples, seed), results=results)
    modality = modality_finding(modality_rows, modality_spec(samples, seed))
    mapping = beta_mapping(seed=seed, results=results)
    mapping_finding = beta_mapping_finding(mapping)
    effects = bias_correction_and_epsilon(samples=samples, seed=seed, results=results)
    return {
        "theorem_1_law_m_2_to_100": theorem,
        "student_t_rejected": student_t_check(samples, seed, results=results),
        "modality_transition": {"rows": [asdict(r) for r in modality_rows],
                                "verdict": modality.verdict, "finding": modality.as_dict()},
        "gaussian_limit": asdict(gaussian_limit(samples=samples, seed=seed, results=results)),
        "beta_mapping_eq12": {"rows": [asdict(r) for r in mapping],
                              "verdict": mapping_finding.verdict,
                              "finding": mapping_finding.as_dict()},
        "bias_correction_and_epsilon": [asdict(r) for r in effects],
        "bias_correction_and_epsilon_findings": setting_findings(effects, samples, seed),
        "exchangeable_corollary_1": exchangeable_variance(samples=samples, seed=seed,
                                                          results=results),
        "theorem_1_printed_c_n": theorem_1_as_printed(samples=samples, seed=seed,
                                                      results=results),
        "errata": {topic: list(ids) for topic, ids in ERRATA_CLAIMS.items()},
    }


def findings(checks: dict) -> list[dict]:
    """Every finding of a :func:`run_checks` result, flattened."""
    out = [v["finding"] for v in checks["theorem_1_law_m_2_to_100"].values()]
    for name in ("student_t_rejected", "modality_transition", "gaussian_limit",
                 "beta_mapping_eq12", "theorem_1_printed_c_n"):
        out.append(checks[name]["finding"])
    out += checks["bias_correction_and_epsilon_findings"]
    out += [v["finding"] for v in checks["exchangeable_corollary_1"].values()]
    return out
