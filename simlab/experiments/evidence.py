"""Statistics and findings shared by the adaptive experiments (:mod:`simlab.experiments.adaptive`).

Heavy tails make means unstable, so the experiments compare quantiles and medians (with
order-statistic or bootstrap intervals), and means only of bounded quantities. Every bootstrap
draws from a generator seeded by :func:`bootstrap_rng`, i.e. by :func:`simlab.rng.seed_of` of a
description of what is resampled (the one seed rule; never the order of execution).

An experiment's outcome is a :class:`simlab.finding.Finding` made by :func:`combine` from the
findings of its checks: ``fails`` if any check fails (the corrections of the failing checks are
the correction), ``inconclusive`` if none fails but one cannot decide at its tolerance, ``holds``
only when every check holds.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from simlab.finding import Finding
from simlab.rng import seed_of

#: Confidence level of every interval reported by the adaptive experiments.
CONFIDENCE = 0.95
#: Bootstrap resamples for the slope and median intervals.
BOOTSTRAP = 400


def quantile_interval(values: np.ndarray, q: float, confidence: float = CONFIDENCE):
    """The ``q``-quantile by order statistic and its distribution-free confidence interval.

    The number of samples below the true quantile is Binomial(n, q); the interval is the pair of
    order statistics at the binomial's (1 -+ confidence)/2 quantiles (exact coverage >= the
    level, no assumption on the law: fits heavy tails).
    """
    ordered = np.sort(values)
    n = ordered.size
    estimate = np.quantile(ordered, q, method="inverted_cdf")
    tail = (1 - confidence) / 2
    low_index = int(stats.binom.ppf(tail, n, q))
    high_index = int(stats.binom.ppf(1 - tail, n, q))
    low = ordered[max(low_index - 1, 0)]
    high = ordered[min(high_index, n - 1)]
    return float(estimate), float(low), float(high)


def bootstrap_quantiles(values, levels, rng, resamples: int = BOOTSTRAP, chunk: int = 50):
    """(levels x resamples) quantiles of bootstrap resamples of ``values`` (in chunks, so the
    memory stays at chunk x n)."""
    out = np.empty((len(levels), resamples))
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        sample = values[rng.integers(0, values.size, size=(stop - start, values.size))]
        for i, level in enumerate(levels):
            out[i, start:stop] = np.quantile(sample, level, axis=1, method="inverted_cdf")
    return out


def bootstrap_rng(description) -> np.random.Generator:
    """The generator of a bootstrap over stored arrays, seeded by ``seed_of(description)``."""
    return np.random.default_rng(seed_of({"bootstrap": description}))


def log_log_slope(x, y) -> float:
    """Least-squares slope of log y against log x (:func:`simlab.analysis.loglog_fit`)."""
    from simlab.analysis import loglog_fit

    return loglog_fit(x, y)[0]


def combine(checks: dict[str, Finding], *, subject: str, ref: str, printed: str, method: str,
            evidence: str) -> Finding:
    """One experiment's finding from its checks' findings (see the module docstring)."""
    verdicts = {name: check.verdict for name, check in checks.items()}
    failing = [name for name, verdict in verdicts.items() if verdict == "fails"]
    if failing:
        verdict = "fails"
    elif any(v in ("inconclusive", "unverifiable") for v in verdicts.values()) or not checks:
        verdict = "inconclusive"
    else:
        verdict = "holds"
    correction = ("; ".join(f"{name}: {checks[name].correction}" for name in failing)
                  if failing else None)
    computed = "; ".join(f"{verdict} ({name})" for name, verdict in verdicts.items())
    return Finding(verdict, evidence, method=method, printed=printed, computed=computed,
                   correction=correction, subject=subject, ref=ref)


def outcome(experiment: str, *, source: str, claim: str, tolerance: str,
            checks: dict[str, Finding], finding: Finding, **fields) -> dict:
    """An experiment's JSON: what it tests, its other ``fields`` (rows, budget...), its checks
    (name -> :meth:`Finding.as_dict`), its ``verdict`` word and its whole ``finding``."""
    return {"experiment": experiment, "source": source, "claim": claim, "tolerance": tolerance,
            **fields, "checks": {name: check.as_dict() for name, check in checks.items()},
            "verdict": finding.verdict, "finding": finding.as_dict()}


__all__ = ["BOOTSTRAP", "CONFIDENCE", "bootstrap_quantiles", "bootstrap_rng", "combine",
           "log_log_slope", "outcome", "quantile_interval"]
