"""Section 6 of Zhiyi & Ziyin (What affects the distribution of the update?): 6.1 time-varying
variance, 6.2 non-zero mean, 6.3 Cauchy gradients.

The paper answers these by simulation (Figures 5-7), so do the checks: the updates of eq. 1-4
(mu = 0, eps = 0, Theorem 1's simple-average preconditioner ``n_t = sum g^2``, ``c_n = t``) are
stored cells (:func:`simlab.adam_update.update_task`, computed through :func:`simlab.run.compute`),
one per gradient stream, :data:`SAMPLES` independent trajectories, each seeded by the one seed
rule (the seed derived from the stream's spec, printed in the evidence). The statistics:

- **modality** (6.1): ``edge_to_centre_ratio`` of :mod:`simlab.adam_update`, the mass within
  0.2 sqrt(m) of the support's edges +-sqrt(m) over the mass within 0.2 sqrt(m) of 0 (the update
  is sqrt(m) g_m/||g|| whatever the gradients' law, so its support is [-sqrt m, sqrt m]): above 1
  bimodal, below 1 unimodal, each decided at :data:`Z` standard errors;
- **spread** (6.1, 6.2): the sample variance with its delta-method standard error;
- **skewness** (6.2): the sample skewness, its standard error from :data:`BLOCKS` blocks;
- **trimodality** (6.3): on a 20-bin histogram of |update|/sqrt(m), the first (centre) and last
  (edge) bins each exceed the lowest interior bin by :data:`Z` Poisson standard errors.

:data:`Z` is a Bonferroni quantile at family-wise level 1% over the comparisons of a claim.
"""

from __future__ import annotations

import math

import numpy as np

from simlab.adam_update import (
    UpdateSpec,
    Updates,
    bonferroni_z,
    update_task,
    variance_standard_error,
)
from simlab.claims import Verdict, claim
from simlab.claims.checks import none_derived
from simlab.claims.zhiyi_ziyin.common import PAPER

#: trajectories per gradient stream (the figures' 20 000)
SAMPLES = 20_000
#: the steps of Figures 5 and 6, and of Figure 7
VARYING_MS = (2, 3, 10, 50)
CAUCHY_MS = (2, 5, 20, 100)
#: the steps scanned for the end of bimodality
SCAN_MS = tuple(range(2, 21))
#: blocks of the skewness standard error
BLOCKS = 20
#: family-wise level of each claim's comparisons
LEVEL = 0.01


def Z(tests: int) -> float:
    """Two-sided Bonferroni normal quantile at :data:`LEVEL` over ``tests`` comparisons."""
    return bonferroni_z(LEVEL, tests)


def stream(gradient: str, steps: int, columns) -> tuple[Updates, UpdateSpec]:
    """The stored updates of one gradient stream at ``columns`` (a cell of the store)."""
    from simlab.run import compute

    spec = UpdateSpec(gradient=gradient, steps=steps, samples=SAMPLES)
    task = update_task(spec, columns=columns)
    return Updates(compute([task])[task]), spec


def _about(spec: UpdateSpec) -> str:
    return f"{spec.gradient} (seed {spec.seed}, {spec.samples} trajectories)"


def modality(x: np.ndarray, m: int, z: float) -> tuple[str, float, float]:
    """("bimodal" | "unimodal" | "undecided", edge-to-centre ratio, its standard error)."""
    root = math.sqrt(m)
    a = np.abs(x)
    n = a.size
    edge, centre = np.count_nonzero(a > 0.8 * root), np.count_nonzero(a < 0.2 * root)
    if centre == 0:
        return "bimodal", math.inf, 0.0
    ratio = edge / centre
    se = ratio * math.sqrt(max(1 / max(edge, 1) - 1 / n, 0) + 1 / centre - 1 / n + 2 / n)
    if ratio - z * se > 1:
        return "bimodal", ratio, se
    if ratio + z * se < 1:
        return "unimodal", ratio, se
    return "undecided", ratio, se


def skewness(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness and its standard error over :data:`BLOCKS` equal blocks."""
    def skew(v):
        c = v - v.mean()
        return float(np.mean(c**3) / np.mean(c**2) ** 1.5)

    blocks = [skew(b) for b in np.array_split(x, BLOCKS)]
    return skew(x), float(np.std(blocks, ddof=1) / math.sqrt(BLOCKS))


def first_unimodal(gradient: str, z: float) -> tuple[int | None, str]:
    """The first step of :data:`SCAN_MS` from which the update is decided unimodal at every
    later scanned step, and the per-step evidence."""
    updates, spec = stream(gradient, max(SCAN_MS), SCAN_MS)
    rows = [(m, *modality(updates[m], m, z)) for m in SCAN_MS]
    first = None
    for j in range(len(rows)):
        if all(r[1] == "unimodal" for r in rows[j:]):
            first = rows[j][0]
            break
    text = ", ".join(f"m={m}: {r:.3g}+-{s:.2g} {v}" for m, v, r, s in rows[:8])
    return first, f"{_about(spec)}: edge/centre {text}, ...; unimodal from m={first}"


# ------------------------------------------------------------------------------- 6.1 modality
@claim(
    PAPER,
    "zz-sec6-growing-bimodal",
    "Section 6.1 (Figure 5 left)",
    "with an increasing gradient variance, g_t ~ N(0, t^2), the bi-modal structure of the update "
    "remains for a relatively long time",
    mutant={"gradient": "normal"},
)
def check_growing_bimodal(gradient="growing") -> Verdict:
    """"Relatively long" is read against the constant-variance law of Theorem 1 (bimodal for
    m < 3, flat at m = 3, eq. 33): the update of the increasing-variance stream must stay bimodal
    past the step where the constant-variance one turns unimodal. Monte Carlo, the end of
    bimodality scanned over m = 2..20, both streams, Bonferroni over the 38 steps."""
    z = Z(2 * len(SCAN_MS))
    varying, varying_text = first_unimodal(gradient, z)
    constant, constant_text = first_unimodal("normal", z)
    evidence = f"{varying_text}; {constant_text} (z = {z:.3g})"
    if varying is None or constant is None:
        return Verdict("inconclusive", evidence + "; a stream is not decided unimodal by m = 20",
                       "monte-carlo")
    computed = f"bimodal until m = {varying - 1} (constant variance: until m = {constant - 1})"
    if varying > constant:
        return Verdict("holds", evidence, "monte-carlo", printed=gradient, computed=computed)
    return Verdict("fails", evidence, "monte-carlo", printed=gradient, computed=computed,
                   correction=f"the {gradient} stream turns unimodal at m = {varying}, no later "
                   f"than constant variance (m = {constant})")


@claim(
    PAPER,
    "zz-sec6-shrinking-unimodal",
    "Section 6.1 (Figure 5 right)",
    "with a decreasing gradient variance, g_t ~ N(0, 1/t^2), the bi-modal structure disappears "
    "very fast, and the distribution becomes thinner and sharper through time",
    mutant={"gradient": "growing"},
)
def check_shrinking_unimodal(gradient="shrinking") -> Verdict:
    """"Very fast": unimodal no later than the constant-variance law (scanned m = 2..20);
    "thinner through time": the update's variance decreases between consecutive steps of Figure
    5 (2, 3, 10, 50), each decrease beyond Z standard errors (the sum of the two errors: the steps
    share trajectories, so the errors are not independent, and the sum is the conservative
    bound)."""
    z = Z(2 * len(SCAN_MS) + len(VARYING_MS) - 1)
    varying, varying_text = first_unimodal(gradient, z)
    constant, constant_text = first_unimodal("normal", z)
    updates, spec = stream(gradient, max(VARYING_MS), VARYING_MS)
    spread = [(m, float(np.var(updates[m])), variance_standard_error(updates[m]))
              for m in VARYING_MS]
    thinner = all(b[1] + z * b[2] < a[1] - z * a[2] for a, b in zip(spread, spread[1:]))
    spread_text = ", ".join(f"m={m}: {v:.4g}+-{s:.2g}" for m, v, s in spread)
    evidence = (f"{varying_text}; {constant_text}; variance of the update, {_about(spec)}: "
                f"{spread_text} (z = {z:.3g})")
    fast = varying is not None and constant is not None and varying <= constant
    computed = f"unimodal from m = {varying}; variance {spread_text}"
    if fast and thinner:
        return Verdict("holds", evidence, "monte-carlo", printed=gradient, computed=computed)
    wrong = ([] if fast else [f"it turns unimodal at m = {varying}, after constant variance "
                              f"(m = {constant})"]) + ([] if thinner else
                                                       ["its variance does not decrease "
                                                        "at every step"])
    return Verdict("fails", evidence, "monte-carlo", printed=gradient, computed=computed,
                   correction=f"for the {gradient} stream " + "; ".join(wrong))


# ------------------------------------------------------------------------------- 6.2 skewness
def _skews(gradient: str):
    updates, spec = stream(gradient, max(VARYING_MS), VARYING_MS)
    return {m: (*skewness(updates[m]), float(np.std(updates[m]))) for m in VARYING_MS}, spec


@claim(
    PAPER,
    "zz-sec6-shifted-skew",
    "Section 6.2 (Figure 6 left)",
    "with g_t ~ N(-1, 1) the update distribution is left-skewed but moves back towards the "
    "center as m increases",
    mutant={"gradient": "normal"},
)
def check_shifted_skew(gradient="shifted") -> Verdict:
    """Left-skewed: the skewness of Delta theta = -m_t (eq. 4) is negative at the first step of
    Figure 6 (m = 2) beyond Z standard errors; back towards the centre: |skewness| decreases
    between consecutive steps (2, 3, 10, 50), each beyond Z summed standard errors."""
    z = Z(len(VARYING_MS))
    skews, spec = _skews(gradient)
    left = skews[2][0] + z * skews[2][1] < 0
    receding = all(abs(skews[b][0]) + z * skews[b][1] < abs(skews[a][0]) - z * skews[a][1]
                   for a, b in zip(VARYING_MS, VARYING_MS[1:]))
    text = ", ".join(f"m={m}: {s:+.3f}+-{e:.3f}" for m, (s, e, _) in skews.items())
    evidence = f"skewness of the update, {_about(spec)}: {text} (z = {z:.3g})"
    if left and receding:
        return Verdict("holds", evidence, "monte-carlo", printed=gradient, computed=text)
    return Verdict("fails", evidence, "monte-carlo", printed=gradient, computed=text,
                   correction=f"for the {gradient} stream the skewness is {text}: "
                   + ("not left-skewed at m = 2" if not left else "|skewness| does not "
                      "decrease at every step"))


@claim(
    PAPER,
    "zz-sec6-drifting-thinner",
    "Section 6.2 (Figure 6 right)",
    "the distribution gets thinner and less skewed when the magnitude of the mean increases with "
    "time (g_t ~ N(-t, 1) against N(-1, 1))",
    mutant={"steps": (10,)},
)
def check_drifting_thinner(steps=VARYING_MS) -> Verdict:
    """At each step of Figure 6 (``steps``): the standard deviation of the update of the N(-t, 1)
    stream is below that of the N(-1, 1) stream, and its |skewness| too, each beyond Z summed
    standard errors (the standard deviation's error by the delta method)."""
    z = Z(2 * len(steps))
    drifting, spec_d = _skews("drifting")
    shifted, spec_s = _skews("shifted")
    rows = []
    for m in steps:
        (sd_d, sd_s) = drifting[m][2], shifted[m][2]
        se_sd = max(sd_d, sd_s) * math.sqrt(2 / SAMPLES)  # normal-theory error of an sd, per law
        thinner = sd_d + z * se_sd < sd_s - z * se_sd
        low_d, high_d = abs(drifting[m][0]) - z * drifting[m][1], abs(drifting[m][0]) + z * \
            drifting[m][1]
        low_s, high_s = abs(shifted[m][0]) - z * shifted[m][1], abs(shifted[m][0]) + z * \
            shifted[m][1]
        skew = "less" if high_d < low_s else "more" if low_d > high_s else "undecided"
        rows.append((m, thinner, skew))
    text = "; ".join(f"m={m}: sd {drifting[m][2]:.3g} vs {shifted[m][2]:.3g}, skewness "
                     f"{drifting[m][0]:+.3f}+-{drifting[m][1]:.3f} vs {shifted[m][0]:+.3f}+-"
                     f"{shifted[m][1]:.3f}" for m in steps)
    evidence = f"N(-t, 1): {_about(spec_d)} vs N(-1, 1): {_about(spec_s)}: {text} (z = {z:.3g})"
    by = {kind: [m for m, _, k in rows if k == kind] for kind in ("less", "more", "undecided")}
    not_thinner = [m for m, t, _ in rows if not t]
    if not not_thinner and not by["more"] and not by["undecided"]:
        return Verdict("holds", evidence, "monte-carlo", computed=text)
    if not not_thinner and not by["more"]:
        return Verdict("inconclusive", evidence + f"; |skewness| not resolved at m in "
                       f"{by['undecided']}", "monte-carlo", computed=text)
    return Verdict(
        "fails", evidence, "monte-carlo", computed=text,
        correction=(f"N(-t, 1) gives a thinner update at m in {[m for m, t, _ in rows if t]}"
                    f"{'' if not not_thinner else f' (not at {not_thinner})'}; it is less "
                    f"skewed at m in {by['less']}, more skewed at m in {by['more']} (the "
                    f"initial steps, as Figure 6's caption says), undecided at m in "
                    f"{by['undecided']}"),
    )


# ------------------------------------------------------------------------------- 6.3 Cauchy
def trimodal(x: np.ndarray, m: int, z: float) -> tuple[bool, str]:
    """Centre and edge bins of a 20-bin histogram of |x|/sqrt(m) on [0, 1] each above the lowest
    interior bin by ``z`` Poisson standard errors."""
    counts, _ = np.histogram(np.abs(x) / math.sqrt(m), bins=20, range=(0.0, 1.0))
    dip = int(counts[1:-1].min())
    centre, edge = int(counts[0]), int(counts[-1])
    ok = all(peak - dip > z * math.sqrt(peak + dip) for peak in (centre, edge))
    return ok, f"m={m}: centre {centre}, lowest interior {dip}, edge {edge}"


@claim(
    PAPER,
    "zz-sec6-cauchy-trimodal",
    "Section 6.3 (Figure 7)",
    "with standard Cauchy gradients the update distribution takes a trimodal structure",
    mutant={"gradient": "normal"},
)
def check_cauchy_trimodal(gradient="cauchy") -> Verdict:
    """Trimodal (peaks at 0 and at +-sqrt(m), the update being symmetric) at every step of
    Figure 7 (2, 5, 20, 100); Bonferroni over the 2 x 4 comparisons."""
    z = Z(2 * len(CAUCHY_MS))
    updates, spec = stream(gradient, max(CAUCHY_MS), CAUCHY_MS)
    rows = [trimodal(updates[m], m, z) for m in CAUCHY_MS]
    evidence = f"{_about(spec)}: " + "; ".join(t for _, t in rows) + f" (z = {z:.3g})"
    shown = [m for m, (ok, _) in zip(CAUCHY_MS, rows) if ok]
    if len(shown) == len(CAUCHY_MS):
        return Verdict("holds", evidence, "monte-carlo", printed=gradient,
                       computed=f"trimodal at m in {shown}")
    return Verdict("fails", evidence, "monte-carlo", printed=gradient,
                   computed=f"trimodal at m in {shown}",
                   correction=none_derived(f"the {gradient} update is trimodal only at m in "
                                           f"{shown}; the check names no other shape"))
