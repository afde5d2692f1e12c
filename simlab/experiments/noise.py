"""Gradient-noise diagnostics (the ``simlab noise`` verb): Figure 1 analogues, the tail-index
estimators' validation, and the mini-batch noise of two small NumPy models.

Zhang et al. 2020, *Why are Adaptive Methods Good for Attention Models?*, Section 2 and Figure 1:
the distribution of the noise norm ``||g - grad f(x)||`` (g a mini-batch gradient) is concentrated
for ResNet50 on ImageNet (like a normalised sum of squared Gaussians, Figure 1 c) and heavy-tailed
for BERT (like the norm of a Lévy alpha-stable vector, Figure 1 g); the empirical variance of the
stochastic gradients converges with the sample size for ImageNet and does not for BERT even at
``10**7`` samples (Figure 1 d, h). Appendix H contrasts noise *norms* (their view) with pooled
*coordinates* (Simsekli et al. 2019). The extracted text of the paper keeps the captions' words
but not the panels; the reference laws below follow the published Figure 1 (c: a normalised sum
of squared Gaussians, g: a Lévy alpha-stable vector), with alpha = 1.5 chosen here.

Parts, each a set of stored cells (:class:`simlab.run.spec.Task`) declared by :func:`cells` and
computed in one :func:`simlab.run.compute` call before :func:`analyse` reads them:

1. :func:`noise_norm_reference` -- Figure 1 (c, g): norms of Gaussian and of alpha-stable noise
   vectors, with the exact law (scipy ``chi``) and the stable tail asymptote
   ``P(||X|| > x) ~ d * 2 c_alpha x**(-alpha)``.
2. :func:`variance_paths` -- Figure 1 (d, h): running empirical variance against the sample size
   for Gaussian, Student-t(3) and alpha-stable(1.5) laws, with the theoretical curve (the
   variance, or for infinite variance the growth ``n**(2/alpha - 1) S`` of
   :func:`stable_variance_growth`), and :func:`variance_growth_check`, its test.
3. The validation of the tail-index estimators (:mod:`simlab.tail_index`) on laws of known index.
4. The mini-batch noise of the models of :mod:`simlab.models` and :func:`paper_observation`.

Seeds follow :mod:`simlab.rng`: every cell's seed is ``seed_of`` a description naming the part,
its parameters and the root seed of the run. Verdicts are :class:`simlab.finding.Finding`\\ s
(:func:`findings`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from simlab.errors import check_count, check_interval
from simlab.finding import NO_CORRECTION, Finding
from simlab.models import MODELS, measurements_from, model_noise_task
from simlab.rng import seed_of
from simlab.run.spec import Task
from simlab.tail_index import (
    VALIDATION_LAWS,
    ReferenceLaw,
    hill,
    law_from,
    law_params,
    validation_rows,
    validation_task,
)

PAPER = "Zhang et al. 2020, Section 2, Figure 1, Appendix H"

#: budgets: full (the reproduction), quick (default CI-sized run), smoke (tests of the verb)
BUDGETS = {
    "full": {"sizes": (1000, 10000, 100000), "replicas": 20, "variance_samples": 10**7,
             "variance_paths": 8, "growth_samples": 10**4, "growth_replicas": 1000,
             "norm_samples": 20000, "steps": 900, "batches": 2000},
    "quick": {"sizes": (1000, 10000), "replicas": 8, "variance_samples": 10**6,
              "variance_paths": 4, "growth_samples": 1000, "growth_replicas": 500,
              "norm_samples": 10000, "steps": 600, "batches": 400},
    "smoke": {"sizes": (300,), "replicas": 2, "variance_samples": 10**4, "variance_paths": 2,
              "growth_samples": 100, "growth_replicas": 50, "norm_samples": 1000, "steps": 0,
              "batches": 60},
}


def part_seed(part: str, seed: int = 0, **description) -> int:
    """The seed of one cell (the one rule: sha256 of what the cell is)."""
    return seed_of({"experiment": "noise", "part": part, "seed": int(seed), **description})


def _get(task: Task, results) -> dict:
    if results is None or task not in results:
        from simlab.run import compute

        results = compute([task])
    return results[task]


# ---------------------------------------------------------------------------------------------
# Part 1: Figure 1 (c, g) analogues
# ---------------------------------------------------------------------------------------------


def stable_tail_constant(alpha: float) -> float:
    """``c_alpha`` with ``P(X > x) ~ c_alpha x**(-alpha)`` for a standard symmetric alpha-stable.

    Samorodnitsky & Taqqu (1994), Property 1.2.15: ``c_alpha = Gamma(alpha) sin(pi alpha/2) / pi``
    (scipy's default S1 parametrisation, scale 1, beta = 0).
    """
    alpha = check_interval("alpha", alpha, 0.0, 2.0, low_open=True, high_open=True)
    return special.gamma(alpha) * math.sin(math.pi * alpha / 2) / math.pi


def noise_norm_samples(*, samples: int, dimension: int, alpha: float, seed: int) -> dict:
    """Task function: ``samples`` normalised norms ``||xi|| / sqrt(d)`` of Gaussian and of iid
    symmetric alpha-stable noise vectors of dimension ``d`` (``default_rng(seed)``)."""
    samples = check_count("samples", samples, minimum=100)
    dimension = check_count("dimension", dimension)
    rng = np.random.default_rng(seed)
    gaussian = (np.linalg.norm(rng.standard_normal((samples, dimension)), axis=1)
                / math.sqrt(dimension))
    stable_vectors = ReferenceLaw("stable", alpha).draw((samples, dimension), rng)
    return {"gaussian_norms": gaussian,
            "stable_norms": np.linalg.norm(stable_vectors, axis=1) / math.sqrt(dimension)}


def noise_norm_task(samples: int = 20000, dimension: int = 100, alpha: float = 1.5,
                    seed: int = 0) -> Task:
    params = {"samples": samples, "dimension": dimension, "alpha": alpha}
    return Task("simlab.experiments.noise:noise_norm_samples", params,
                seed=part_seed("noise-norms", seed, **params))


def noise_norm_reference(samples: int = 20000, dimension: int = 100, alpha: float = 1.5,
                         seed: int = 0, results=None) -> dict:
    """Normalised noise norms ``||xi|| / sqrt(d)`` for Gaussian and alpha-stable noise vectors.

    Gaussian: ``||xi||^2 / d`` is the paper's "normalised sum of squared Gaussians"; its square
    root has the exact law ``chi(d, scale=1/sqrt(d))``. Stable: iid standard symmetric
    alpha-stable coordinates; one big coordinate dominates the tail, so
    ``P(||xi||/sqrt(d) > x) ~ d * 2 c_alpha (x sqrt(d))**(-alpha)`` (subexponential "single big
    jump"). Returns the stored samples and Hill's estimate (``k = sqrt(n)``) for each.
    """
    arrays = _get(noise_norm_task(samples, dimension, alpha, seed), results)
    gaussian, stable = arrays["gaussian_norms"], arrays["stable_norms"]
    return {
        "dimension": dimension, "alpha": alpha, "samples": samples, "seed": seed,
        "gaussian_norms": gaussian, "stable_norms": stable,
        "gaussian_hill": hill(gaussian).as_dict(), "stable_hill": hill(stable).as_dict(),
        "stable_tail_coefficient": dimension * 2 * stable_tail_constant(alpha)
        * dimension ** (-alpha / 2),
    }


# ---------------------------------------------------------------------------------------------
# Part 2: Figure 1 (d, h) analogues
# ---------------------------------------------------------------------------------------------

GROWTH_QUANTILES = (0.1, 0.5, 0.9)


def stable_growth_constants(alpha: float) -> tuple[float, float]:
    """``(exponent, scale)`` of the growth law of :func:`stable_variance_growth`."""
    alpha = check_interval("alpha", alpha, 1.0, 2.0, low_open=True, high_open=True)
    beta = alpha / 2
    tail = 2 * stable_tail_constant(alpha)
    c_beta = (1 - beta) / (special.gamma(2 - beta) * math.cos(math.pi * beta / 2))
    return 2 / alpha - 1, (tail / c_beta) ** (1 / beta)


def stable_growth_draws(*, alpha: float, quantiles, draws: int, seed: int) -> dict:
    """Task function: the ``quantiles`` of the limit ``S`` (a totally skewed (alpha/2)-stable law,
    see :func:`stable_variance_growth`) estimated from ``draws`` samples."""
    _, scale = stable_growth_constants(alpha)
    limit = stats.levy_stable(alpha / 2, 1.0, scale=scale).rvs(
        draws, random_state=np.random.default_rng(seed))
    return {"levels": np.array(quantiles, dtype=float),
            "quantiles": np.quantile(limit, quantiles)}


def stable_growth_task(alpha: float, quantiles=GROWTH_QUANTILES, draws: int = 200000,
                       seed: int = 0) -> Task:
    params = {"alpha": alpha, "quantiles": list(quantiles), "draws": draws}
    return Task("simlab.experiments.noise:stable_growth_draws", params,
                seed=part_seed("stable-growth", seed, **params))


def stable_variance_growth(alpha: float, quantiles=GROWTH_QUANTILES, draws: int = 200000,
                           seed: int = 0, results=None) -> dict:
    """Law of the empirical variance of ``n`` iid symmetric alpha-stable samples, ``1 < alpha < 2``.

    Derived here: ``X^2`` has tail ``P(X^2 > y) ~ A y**(-beta)`` with ``beta = alpha/2 < 1`` and
    ``A = 2 c_alpha``, so ``sum X_i^2 / n**(1/beta)`` tends to a totally skewed beta-stable ``S``
    with scale ``sigma = (A / C_beta)**(1/beta)``,
    ``C_beta = (1 - beta)/(Gamma(2 - beta) cos(pi beta/2))`` (Samorodnitsky & Taqqu,
    Property 1.2.15). The empirical variance (the squared mean is ``O(n**(2/alpha - 2))``,
    negligible) is therefore ``~ n**(2/alpha - 1) S``: it grows without bound. Quantiles of
    ``S`` come from ``draws`` stored samples of scipy's ``levy_stable``.
    """
    exponent, scale = stable_growth_constants(alpha)
    arrays = _get(stable_growth_task(alpha, quantiles, draws, seed), results)
    return {"exponent": exponent, "scale": scale,
            "quantiles": {float(q): float(v) for q, v in zip(arrays["levels"],
                                                             arrays["quantiles"], strict=True)}}


def stable_variances(*, alpha: float, samples: int, replicas: int, seed: int) -> dict:
    """Task function: ``replicas`` independent empirical variances of ``samples`` stable draws."""
    rng = np.random.default_rng(seed)
    law = ReferenceLaw("stable", alpha)
    return {"variances": np.array([law.draw(samples, rng).var(ddof=1)
                                   for _ in range(replicas)])}


def variance_growth_task(alpha: float = 1.5, samples: int = 10**4, replicas: int = 1000,
                         seed: int = 0) -> Task:
    samples = check_count("samples", samples, minimum=10)
    replicas = check_count("replicas", replicas, minimum=10)
    params = {"alpha": alpha, "samples": samples, "replicas": replicas}
    return Task("simlab.experiments.noise:stable_variances", params,
                seed=part_seed("variance-growth", seed, **params))


def variance_growth_check(alpha: float = 1.5, samples: int = 10**4, replicas: int = 1000,
                          seed: int = 0, results=None) -> dict:
    """Test :func:`stable_variance_growth` on ``replicas`` independent empirical variances of
    ``samples`` stable draws each: the count below each predicted quantile ``q`` is
    Binomial(replicas, q) if the law holds; two-sided ``scipy.stats.binomtest`` p-values.

    The variance paths of the figure are few and autocorrelated (one path's jump moves every later
    checkpoint), so their median slope is descriptive; this is the check with a stated error rate.
    """
    variances = _get(variance_growth_task(alpha, samples, replicas, seed), results)["variances"]
    growth = stable_variance_growth(alpha, seed=seed, results=results)
    rows = []
    for q, value in growth["quantiles"].items():
        predicted = value * samples ** growth["exponent"]
        below = int(np.sum(variances < predicted))
        rows.append({"quantile": q, "predicted": predicted, "fraction_below": below / replicas,
                     "p_value": float(stats.binomtest(below, replicas, q).pvalue)})
    return {"alpha": alpha, "samples": samples, "replicas": replicas, "quantiles": rows,
            "min_p_value": min(r["p_value"] for r in rows)}


#: laws of the variance-vs-sample-size figure: concentrated, heavy but finite variance, infinite
VARIANCE_LAWS: tuple[ReferenceLaw, ...] = (ReferenceLaw("gaussian"), ReferenceLaw("student", 3.0),
                                           ReferenceLaw("stable", 1.5))


def path_sizes(max_samples: int, checkpoints: int) -> np.ndarray:
    return np.unique(np.geomspace(100, max_samples, checkpoints).astype(np.int64))


def variance_path_samples(*, law_kind: str, law_parameter, max_samples: int, paths: int,
                          checkpoints: int, chunk: int = 10**6, seed: int) -> dict:
    """Task function: running empirical variances (paths x sizes) of one law at the log-spaced
    sizes of :func:`path_sizes`. Streams ``chunk`` draws at a time (running sums of ``x`` and
    ``x^2`` in float64, exact enough at these magnitudes), so memory stays ``O(chunk)``; path
    ``p`` draws from ``default_rng(SeedSequence(seed).spawn(paths)[p])``."""
    law = law_from(law_kind, law_parameter)
    sizes = path_sizes(max_samples, checkpoints)
    variances = np.empty((paths, sizes.size))
    for path, path_seed in enumerate(np.random.SeedSequence(seed).spawn(paths)):
        rng = np.random.default_rng(path_seed)
        total = total_sq = 0.0
        done = 0
        for start in range(0, max_samples, chunk):
            block = law.draw(min(chunk, max_samples - start), rng)
            sums = total + np.cumsum(block)
            squares = total_sq + np.cumsum(block * block)
            inside = (sizes > done) & (sizes <= done + block.size)
            local = sizes[inside] - done - 1
            n = sizes[inside].astype(float)
            variances[path, inside] = (squares[local] - sums[local] ** 2 / n) / (n - 1)
            total, total_sq, done = sums[-1], squares[-1], done + block.size
    return {"sizes": sizes, "variances": variances}


def variance_path_tasks(max_samples: int = 10**7, paths: int = 4, checkpoints: int = 40,
                        seed: int = 0, laws=VARIANCE_LAWS) -> list[Task]:
    max_samples = check_count("max_samples", max_samples, minimum=1000)
    paths = check_count("paths", paths)
    out = []
    for law in laws:
        params = {**law_params(law), "max_samples": max_samples, "paths": paths,
                  "checkpoints": checkpoints}
        out.append(Task("simlab.experiments.noise:variance_path_samples", params,
                        seed=part_seed("variance-paths", seed, **params)))
    return out


def variance_paths(max_samples: int = 10**7, paths: int = 4, checkpoints: int = 40,
                   seed: int = 0, laws=VARIANCE_LAWS, results=None) -> dict:
    """Running empirical variance at log-spaced sample sizes up to ``max_samples``.

    For each law: the checkpoints, the variance of every path (stored cells), and the predicted
    curve: the variance itself for finite variance (with the Gaussian's +-2 standard-error band
    ``sqrt(2/n)``), or the quantiles of ``n**(2/alpha - 1) S`` for the stable law
    (:func:`stable_variance_growth`). It also fits the slope of log(median over paths) against
    log n over the upper half of the checkpoints.
    """
    tasks = variance_path_tasks(max_samples, paths, checkpoints, seed, laws)
    if results is None or any(t not in results for t in tasks):
        from simlab.run import compute

        results = {**(results or {}), **compute(tasks)}
    sizes = path_sizes(max_samples, checkpoints)
    out = {"sizes": sizes, "max_samples": max_samples, "paths": paths, "seed": seed, "laws": {}}
    for law, task in zip(laws, tasks, strict=True):
        variances = results[task]["variances"]
        median = np.median(variances, axis=0)
        upper = sizes >= np.sqrt(sizes[0] * sizes[-1])
        slope = float(np.polyfit(np.log(sizes[upper]), np.log(median[upper]), 1)[0])
        entry = {"law": law.name, "variance": law.variance, "paths": variances,
                 "median": median, "fitted_slope": slope}
        if math.isfinite(law.variance):
            entry["predicted_slope"] = 0.0
            entry["final_relative_error"] = float(abs(median[-1] / law.variance - 1))
            if law.kind == "gaussian":
                entry["standard_error"] = law.variance * np.sqrt(2.0 / (sizes - 1))
        else:
            growth = stable_variance_growth(law.parameter, seed=seed, results=results)
            entry["predicted_slope"] = growth["exponent"]
            entry["predicted_quantiles"] = {
                q: value * sizes.astype(float) ** growth["exponent"]
                for q, value in growth["quantiles"].items()}
            # share of (path, checkpoint) values inside the predicted 10-90% band, upper half of
            # the checkpoints (0.8 expected if the growth law holds; paths are autocorrelated, so
            # this is a descriptive number, not a test)
            low, high = (entry["predicted_quantiles"][q] for q in (0.1, 0.9))
            inside = (variances >= low) & (variances <= high)
            entry["band_coverage"] = float(inside[:, upper].mean())
        out["laws"][law.name] = entry
    return out


# ---------------------------------------------------------------------------------------------
# Part 4: the models
# ---------------------------------------------------------------------------------------------


def paper_observation(results: dict[str, dict]) -> dict:
    """Does "attention: heavy-tailed; MLP on images: concentrated" reproduce, per batch size and
    step? Computed from the ``heavier_than_gaussian`` rule of :func:`simlab.models.measure`."""
    attention = {(m.step, m.batch_size): m for m in results["attention-sequences"]["measurements"]}
    mlp = {(m.step, m.batch_size): m for m in results["mlp-digits"]["measurements"]}
    rows = []
    for key in sorted(set(attention) & set(mlp)):
        rows.append({"step": key[0], "batch_size": key[1],
                     "attention_heavier_than_gaussian": attention[key].heavier_than_gaussian,
                     "mlp_heavier_than_gaussian": mlp[key].heavier_than_gaussian,
                     "reproduces": attention[key].heavier_than_gaussian
                     and not mlp[key].heavier_than_gaussian})
    return {"rows": rows,
            "reproduces_at_init": all(r["reproduces"] for r in rows if r["step"] == 0)}


def model_noise(name: str, *, steps: int, batches: int, seed: int = 0, results=None) -> dict:
    """The stored noise measurements of model ``name`` (:func:`simlab.models.model_noise_samples`
    trained for ``steps`` SGD steps, measured at 0, steps // 2 and steps with ``batches``
    mini-batches of sizes 1 and 32)."""
    task = model_noise_task(name, steps=steps, batches=batches,
                            seed=part_seed("models", seed, model=name))
    arrays = _get(task, results)
    return {"model": name, "parameters": int(arrays["parameters"]),
            "examples": int(arrays["examples"]), "batch_sizes": [1, 32],
            "train_batch_size": 32, "batches": batches, "steps": steps,
            "step_size": float(arrays["step_size"]), "seed": task.seed,
            "measurements": measurements_from(name, arrays)}


# ---------------------------------------------------------------------------------------------
# the experiment: cells -> compute -> analyse -> findings
# ---------------------------------------------------------------------------------------------


def cells(budget: dict, seed: int = 0) -> list[Task]:
    """Every stored cell of one run of the experiment (declared before anything runs)."""
    tasks = [validation_task(law, n, budget["replicas"], 10, part_seed(
        "validation", seed, law=law.name, n=n)) for law in VALIDATION_LAWS
        for n in budget["sizes"]]
    tasks.append(noise_norm_task(samples=budget["norm_samples"], seed=seed))
    tasks.append(stable_growth_task(1.5, seed=seed))
    tasks.append(variance_growth_task(samples=budget["growth_samples"],
                                      replicas=budget["growth_replicas"], seed=seed))
    tasks += variance_path_tasks(max_samples=budget["variance_samples"],
                                 paths=budget["variance_paths"], seed=seed)
    tasks += [model_noise_task(name, steps=budget["steps"], batches=budget["batches"],
                               seed=part_seed("models", seed, model=name)) for name in MODELS]
    return tasks


def analyse(budget: dict, seed: int, results: dict) -> dict:
    """The parts of the experiment from the stored cells."""
    validation = []
    for law in VALIDATION_LAWS:
        for n in budget["sizes"]:
            task = validation_task(law, n, budget["replicas"], 10,
                                   part_seed("validation", seed, law=law.name, n=n))
            validation += validation_rows(law, n, 10, results[task])
    models = {name: model_noise(name, steps=budget["steps"], batches=budget["batches"],
                                seed=seed, results=results) for name in MODELS}
    return {
        "validation": validation,
        "reference": noise_norm_reference(samples=budget["norm_samples"], seed=seed,
                                          results=results),
        "variance": variance_paths(max_samples=budget["variance_samples"],
                                   paths=budget["variance_paths"], seed=seed, results=results),
        "growth": variance_growth_check(samples=budget["growth_samples"],
                                        replicas=budget["growth_replicas"], seed=seed,
                                        results=results),
        "models": models,
        "observation": paper_observation(models),
    }


#: relative tolerance of an estimator's mean against its predicted value (validation findings)
ESTIMATOR_TOLERANCE = 0.15
#: family-wise level of the experiment's statistical findings
LEVEL = 0.01


def validation_findings(rows: list[dict], tolerance: float = ESTIMATOR_TOLERANCE) -> list[Finding]:
    """Per (estimator, input): at the largest ``n``, is the mean estimate within ``tolerance``
    (relative) of its predicted value for every law with a finite target? ``inconclusive`` when
    the standard error of the mean (spread / sqrt(replicas)) times the Bonferroni Student-t
    quantile exceeds the tolerance (too few replicas to decide); ``fails`` (with the measured
    means as the correction) when a mean lies further than tolerance + quantile x SE."""
    out = []
    largest = max(r["n"] for r in rows)
    methods = list(dict.fromkeys((r["estimator"], r["input"]) for r in rows))
    for method in methods:
        sub = [r for r in rows if (r["estimator"], r["input"]) == method and r["n"] == largest
               and math.isfinite(r["predicted"])]
        misses, unresolved = [], []
        for r in sub:
            # Student-t quantile: the standard error is itself estimated from the replicas
            z = float(stats.t.isf(LEVEL / (2 * len(sub)), df=max(r["replicas"] - 1, 1)))
            error = abs(r["mean_estimate"] - r["predicted"])
            se = r["spread"] / math.sqrt(r["replicas"]) if math.isfinite(r["spread"]) else math.inf
            if error > tolerance * r["predicted"] + z * se:
                misses.append(r)
            elif z * se > tolerance * r["predicted"]:
                unresolved.append(r)
        verdict = "fails" if misses else ("inconclusive" if unresolved else "holds")
        evidence = (f"Monte Carlo, n = {largest}, {sub[0]['replicas'] if sub else 0} replicas: "
                    + "; ".join(f"{r['law']} {r['mean_estimate']:.3f}+-{r['spread']:.3f} vs "
                                f"{r['predicted']:.3f}" for r in sub)
                    + f" (tolerance {tolerance:g} relative + t quantile x SE, Bonferroni at "
                    f"{LEVEL:g})")
        correction = None
        if misses:
            correction = ("the estimator gives " + ", ".join(
                f"{r['mean_estimate']:.3f} on {r['law']} (target {r['predicted']:.3f})"
                for r in misses) + ("; on norms as scalars the block sums grow like K1 * mean, "
                                    "so the estimate tends to 1 whatever the law"
                                    if method[1] == "norms-as-scalars" else ""))
        out.append(Finding(verdict, evidence, "monte-carlo",
                           printed="consistent for its target",
                           computed=", ".join(f"{r['mean_estimate']:.3f}" for r in sub),
                           correction=correction,
                           subject=f"{method[0]} estimator on {method[1]}",
                           ref="Appendix H" if method[0] == "mohammadi" else "Section 2"))
    return out


def observation_finding(models: dict) -> Finding:
    """Section 2 at initialisation, per batch size: attention noise heavy-tailed, MLP noise on
    images concentrated. A row *supports* the claim when the attention noise is heavier than its
    matched Gaussian (:func:`simlab.models.heavier_than_gaussian`) and the MLP noise is not; it
    *contradicts* it when the MLP noise is heavier, or when the attention noise is not and Hill's
    99% interval for its index lies above 2 (finite variance: not the alpha-stable picture); it
    is undecided otherwise. ``fails`` if a row contradicts (the measured intervals are the
    correction), ``holds`` if every row supports, else ``inconclusive``."""
    attention = {m.batch_size: m for m in models["attention-sequences"]["measurements"]
                 if m.step == 0}
    mlp = {m.batch_size: m for m in models["mlp-digits"]["measurements"] if m.step == 0}
    verdicts, notes = [], []
    for batch_size in sorted(set(attention) & set(mlp)):
        a, b = attention[batch_size], mlp[batch_size]
        light = not a.heavier_than_gaussian and a.hill_norms["ci_low"] > 2
        if b.heavier_than_gaussian or light:
            verdicts.append("fails")
        elif a.heavier_than_gaussian:
            verdicts.append("holds")
        else:
            verdicts.append("inconclusive")
        notes.append(f"B={batch_size}: attention Hill [{a.hill_norms['ci_low']:.2f}, "
                     f"{a.hill_norms['ci_high']:.2f}] vs Gaussian "
                     f"[{a.hill_surrogate['ci_low']:.2f}, {a.hill_surrogate['ci_high']:.2f}] "
                     f"(heavier {a.heavier_than_gaussian}); MLP heavier "
                     f"{b.heavier_than_gaussian} -> {verdicts[-1]}")
    verdict = ("fails" if "fails" in verdicts else "holds" if verdicts and all(
        v == "holds" for v in verdicts) else "inconclusive")
    correction = None
    if verdict == "fails":
        correction = "measured at step 0: " + "; ".join(
            note for note, v in zip(notes, verdicts, strict=True) if v == "fails")
    return Finding(verdict, "Hill 99% intervals of the noise norms at step 0, each beside a "
                   "Gaussian with the same covariance: " + "; ".join(notes), "monte-carlo",
                   printed="attention: heavy-tailed; images: concentrated",
                   computed=", ".join(verdicts), correction=correction,
                   subject="attention noise heavy-tailed, MLP noise concentrated (toy models, "
                   "init)", ref="Section 2, Figure 1 (b, f)")


def findings(parts: dict) -> list[Finding]:
    """The verdicts of the experiment (each computed; see each rule below)."""
    out = validation_findings(parts["validation"])
    # Figure 1 (c, g): the stable norms' Hill interval covers alpha, and lies below the Gaussian's
    reference = parts["reference"]
    stable, gaussian = reference["stable_hill"], reference["gaussian_hill"]
    covers = stable["ci_low"] <= reference["alpha"] <= stable["ci_high"]
    separated = stable["ci_high"] < gaussian["ci_low"]
    verdict = "holds" if covers and separated else "fails"
    out.append(Finding(
        verdict, f"Hill (99% interval) on {reference['samples']} norms, d = "
        f"{reference['dimension']}: stable [{stable['ci_low']:.2f}, {stable['ci_high']:.2f}], "
        f"Gaussian [{gaussian['ci_low']:.2f}, {gaussian['ci_high']:.2f}]", "monte-carlo",
        printed=f"stable norms: index {reference['alpha']:g}; Gaussian norms concentrated",
        computed=stable["tail_index"],
        correction=None if verdict == "holds" else
        f"Hill index of the stable norms {stable['tail_index']:.3f}"
        + ("" if separated else ", not separated from the Gaussian's"),
        subject="noise norms: Gaussian concentrated, stable heavy-tailed",
        ref="Figure 1 (c, g)"))
    # Figure 1 (d): the Gaussian variance converges (median of the paths within z SE of 1)
    gaussian_entry = parts["variance"]["laws"]["gaussian"]
    n = parts["variance"]["sizes"][-1]
    se = math.sqrt(2.0 / (n - 1))
    z = float(stats.norm.isf(LEVEL / 2))
    error = abs(gaussian_entry["median"][-1] - 1.0)
    converges = error <= z * se
    out.append(Finding(
        "holds" if converges else "fails", f"median over {parts['variance']['paths']} paths of "
        f"the empirical variance at n = {n}: {gaussian_entry['median'][-1]:.5f} (SE of one path "
        f"{se:.2g}, z {z:.2f})", "monte-carlo", printed=1.0,
        computed=float(gaussian_entry["median"][-1]),
        correction=None if converges else
        f"{NO_CORRECTION}the median variance is {error / se:.1f} SE from 1",
        subject="empirical variance of Gaussian noise converges", ref="Figure 1 (d)"))
    # Figure 1 (h): the stable variance grows like n^(2/alpha - 1) S (binomial tests)
    growth = parts["growth"]
    threshold = LEVEL / len(growth["quantiles"])
    grows = growth["min_p_value"] >= threshold
    out.append(Finding(
        "holds" if grows else "fails", f"{growth['replicas']} variances of n = "
        f"{growth['samples']} stable({growth['alpha']:g}) draws: fraction below the predicted "
        "quantiles " + ", ".join(f"q{r['quantile']:g}: {r['fraction_below']:.3f} (p "
                                 f"{r['p_value']:.2g})" for r in growth["quantiles"])
        + f"; reject below {threshold:.3g} (Bonferroni)", "monte-carlo",
        printed="variance does not converge", computed=growth["min_p_value"],
        correction=None if grows else
        f"{NO_CORRECTION}the growth law n^(2/alpha-1) S is rejected (min p "
        f"{growth['min_p_value']:.2g})",
        subject="empirical variance of stable noise grows like n^(2/alpha-1) S",
        ref="Figure 1 (h)"))
    out.append(observation_finding(parts["models"]))
    return out


def run_noise(budget_name: str = "quick", seed: int = 0, figures: bool = True) -> dict:
    """The whole experiment: declare the cells, compute them (one :func:`simlab.run.compute`),
    analyse, decide, draw. Returns the parts, the findings and the figure paths."""
    import time

    from simlab.run import compute

    budget = BUDGETS[budget_name]
    start = time.perf_counter()
    results = compute(cells(budget, seed))
    computed = time.perf_counter() - start
    start = time.perf_counter()
    parts = analyse(budget, seed, results)
    decided = findings(parts)
    paths = []
    if figures:
        paths = [plot_validation(parts["validation"]),
                 plot_noise_norm_reference(parts["reference"]),
                 plot_variance_paths(parts["variance"]), plot_model_noise(parts["models"])]
    return {**parts, "findings": decided, "figures": [str(p) for p in paths],
            "timings": {"compute_s": computed, "analysis_s": time.perf_counter() - start}}


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------

def plot_noise_norm_reference(reference: dict, name: str = "fig1_noise_norm_reference"):
    """Figure 1 (c, g) analogue: histograms (top) and survival functions on log-log axes
    (bottom), each beside its predicted curve."""
    from simlab.plotting import new_figure, save

    d, alpha = reference["dimension"], reference["alpha"]
    gaussian, stable = reference["gaussian_norms"], reference["stable_norms"]
    exact = stats.chi(d, scale=1 / math.sqrt(d))
    fig, axes = new_figure(2, 2)
    ax = axes[0, 0]
    ax.hist(gaussian, bins=60, density=True, alpha=0.6, label="simulated")
    grid = np.linspace(gaussian.min(), gaussian.max(), 300)
    ax.plot(grid, exact.pdf(grid), "k--", label=f"exact: chi({d})/sqrt({d})")
    ax.set(title=f"(c) Gaussian noise, d={d}: normalised sum of squares", xlabel="||xi|| / sqrt(d)",
           ylabel="density")
    ax.legend()
    ax = axes[0, 1]
    bins = np.geomspace(stable.min(), stable.max(), 60)
    ax.hist(stable, bins=bins, density=True, alpha=0.6, color="C3", label="simulated")
    ax.set(xscale="log", yscale="log", title=f"(g) alpha-stable noise, alpha={alpha:g}, d={d}",
           xlabel="||xi|| / sqrt(d)", ylabel="density")
    ax.legend()
    for ax, values, color, label in ((axes[1, 0], gaussian, "C0", "Gaussian"),
                                     (axes[1, 1], stable, "C3", f"stable({alpha:g})")):
        ordered = np.sort(values)
        survival = 1.0 - np.arange(ordered.size) / ordered.size
        ax.loglog(ordered, survival, color=color, label=f"{label}: empirical")
        ax.set(xlabel="x", ylabel="P(||xi|| / sqrt(d) > x)")
    grid = np.geomspace(gaussian.min(), gaussian.max(), 200)
    axes[1, 0].loglog(grid, exact.sf(grid), "k--", label="exact chi survival")
    tail = np.geomspace(np.quantile(stable, 0.5), stable.max(), 100)
    axes[1, 1].loglog(tail, reference["stable_tail_coefficient"] * tail ** (-alpha), "k--",
                      label=f"predicted d*2c_alpha*(x sqrt d)^-{alpha:g}")
    hill_g = reference["gaussian_hill"]["tail_index"]
    hill_s = reference["stable_hill"]["tail_index"]
    axes[1, 0].set_title(f"Hill index of norms: {hill_g:.1f}")
    axes[1, 1].set_title(f"Hill index of norms: {hill_s:.2f} (true {alpha:g})")
    for ax in axes[1]:
        ax.legend()
    return save(fig, name)


def plot_variance_paths(result: dict, name: str = "fig1_variance_vs_samples"):
    """Figure 1 (d, h) analogue: running empirical variance of every path against n, with the
    predicted curve (variance and Gaussian +-2 SE band, or the stable growth quantiles)."""
    from simlab.plotting import new_figure, save

    sizes = result["sizes"]
    laws = result["laws"]
    fig, axes = new_figure(len(laws), 1)
    for ax, (law_name, entry) in zip(axes[0], laws.items(), strict=True):
        for index, path in enumerate(entry["paths"]):
            ax.plot(sizes, path, color="C0", alpha=0.5, linewidth=0.8,
                    label="simulated paths" if index == 0 else None)
        ax.plot(sizes, entry["median"], color="C0", linewidth=2, label="median over paths")
        if math.isfinite(entry["variance"]):
            ax.axhline(entry["variance"], color="k", linestyle="--",
                       label=f"true variance {entry['variance']:g}")
            if "standard_error" in entry:
                band = 2 * entry["standard_error"]
                ax.fill_between(sizes, entry["variance"] - band, entry["variance"] + band,
                                color="k", alpha=0.15, label="+-2 standard errors")
            ax.set_xscale("log")
        else:
            quantiles = entry["predicted_quantiles"]
            low, mid, high = (quantiles[q] for q in sorted(quantiles))
            ax.plot(sizes, mid, "k--", label="predicted median ~ n^(2/alpha-1)")
            ax.fill_between(sizes, low, high, color="k", alpha=0.15,
                            label="predicted 10-90% quantiles")
            ax.set(xscale="log", yscale="log")
        ax.set(title=f"{law_name}: slope {entry['fitted_slope']:.3f} "
               f"(predicted {entry['predicted_slope']:.3f})", xlabel="sample size n",
               ylabel="empirical variance")
        ax.legend()
    return save(fig, name)


def plot_model_noise(results: dict[str, dict], name: str = "noise_models"):
    """Histograms of noise norms per model (rows) and (step, batch size) (columns), beside the
    Gaussian surrogate with the same covariance: the analogue of Figure 1 (b, f) and Figure 2."""
    from simlab.plotting import new_figure, save

    columns = max(len(r["measurements"]) for r in results.values())
    fig, axes = new_figure(columns, len(results), figsize=(3.2 * columns, 3.0 * len(results)))
    for row, (model_name, result) in enumerate(results.items()):
        for col, m in enumerate(result["measurements"]):
            ax = axes[row, col]
            bins = np.linspace(0, max(m.norms.max(), m.surrogate_norms.max()), 60)
            ax.hist(m.norms, bins=bins, density=True, alpha=0.6, label="measured")
            ax.hist(m.surrogate_norms, bins=bins, density=True, histtype="step", color="k",
                    label="Gaussian, same covariance")
            ax.set_title(f"{model_name} step {m.step} B={m.batch_size}\nHill "
                         f"{m.hill_norms['tail_index']:.1f} vs Gaussian "
                         f"{m.hill_surrogate['tail_index']:.1f}", fontsize=8)
            ax.set(xlabel="||g_B - grad f||", ylabel="density")
            if row == 0 and col == 0:
                ax.legend()
    return save(fig, name)


def plot_validation(rows: list[dict], name: str = "tail_index_validation"):
    """Mean estimate +- spread against n, per (estimator, input) in a grid of at most three
    columns, one colour per law (one legend, in an empty cell or below the grid); dashed: the estimator's target;
    dotted: the derived finite-K1 limit where it differs."""
    from simlab.plotting import new_figure, save

    methods = list(dict.fromkeys((r["estimator"], r["input"]) for r in rows))
    laws = list(dict.fromkeys(r["law"] for r in rows))
    columns = min(3, len(methods))
    nrows = -(-len(methods) // columns)
    fig, axes = new_figure(columns, nrows, figsize=(4.0 * columns, 3.4 * nrows))
    for ax in axes.flat[len(methods):]:
        ax.set_visible(False)
    for ax, method in zip(axes.flat, methods):
        for color, law in enumerate(laws):
            sub = [r for r in rows if (r["estimator"], r["input"]) == method and r["law"] == law]
            n = np.array([r["n"] for r in sub], dtype=float)
            ax.errorbar(n, [r["mean_estimate"] for r in sub], yerr=[r["spread"] for r in sub],
                        color=f"C{color}", marker="o", capsize=2, label=law)
            if math.isfinite(sub[0]["target"]):
                ax.axhline(sub[0]["target"], color=f"C{color}", linestyle="--", linewidth=0.8)
            predicted = np.array([r["predicted"] for r in sub], dtype=float)
            if math.isfinite(sub[0]["target"]) and np.any(np.abs(predicted - sub[0]["target"])
                                                          > 1e-9):
                ax.plot(n, predicted, color=f"C{color}", linestyle=":", linewidth=1.2)
        ax.set(xscale="log", ylim=(0, 8), title=f"{method[0]} on {method[1]}",
               xlabel="n (vectors)", ylabel="estimated tail index")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    title = "law\n(dashed: target; dotted: finite-K1 limit;\nGaussian Hill off-scale)"
    spare = list(axes.flat[len(methods):])
    if spare:  # the legend fills an empty cell of the grid
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, labels, title=title, loc="center")
        return save(fig, name)
    fig.legend(handles, labels, title=title.replace("\n", " "), loc="lower center",
               ncol=len(laws), bbox_to_anchor=(0.5, 0.0))
    return save(fig, name, rect=(0, 0.12 / nrows, 1, 1))