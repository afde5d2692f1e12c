"""The five figures of the Adam-update experiment (analogues of Zhiyi & Ziyin's Figures 1, 3, 5,
6 and 7): every figure declares its simulations (:func:`figure_specs`), :func:`make_figures`
computes all of them through :func:`simlab.run.compute` (the store) and then draws.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from simlab.adam_update import (
    CONVENTIONS,
    UpdateSpec,
    Updates,
    corollary_1_variance,
    corollary_2_abs_variance,
    law_xg,
    normaliser,
    update_task,
    variance_standard_error,
)
from simlab.experiments.adam_update import comparison_seed

FIGURE_NAMES = (
    "adam_update_pdf",
    "adam_update_variance",
    "adam_update_time_varying",
    "adam_update_nonzero_mean",
    "adam_update_cauchy",
)


def _spec(gradient: str, steps: int, samples: int, seed: int, convention: str = "c=m"):
    """A figure's simulation: the seed names what is simulated, so figures that draw the same
    simulation share one stored cell."""
    return UpdateSpec(gradient=gradient, steps=steps, samples=samples, convention=convention,
                      seed=comparison_seed("figures", seed, gradient, steps, convention))


PDF_MS = (2, 3, 5, 10, 100)
VARYING_MS = (2, 3, 10, 50)
CAUCHY_MS = (2, 5, 20, 100)


def figure_specs(samples: int = 20_000, seed: int = 0) -> dict[str, dict[str, UpdateSpec]]:
    """figure name -> {scenario label: the simulation it draws}."""
    return {
        "adam_update_pdf": {"simple average": _spec("simple-average", max(PDF_MS), samples,
                                                    seed)},
        "adam_update_variance": {c: _spec("simple-average", 100, samples, seed, c)
                                 for c in CONVENTIONS},
        "adam_update_time_varying": {
            "N(0, t^2)": _spec("growing", max(VARYING_MS), samples, seed),
            "N(0, 1/t^2)": _spec("shrinking", max(VARYING_MS), samples, seed)},
        "adam_update_nonzero_mean": {
            "N(-1, 1)": _spec("shifted", max(VARYING_MS), samples, seed),
            "N(-t, 1)": _spec("drifting", max(VARYING_MS), samples, seed)},
        "adam_update_cauchy": {"Cauchy": _spec("cauchy", max(CAUCHY_MS), samples, seed)},
    }


def _updates(spec: UpdateSpec, results) -> np.ndarray:
    """The stored updates of ``spec`` (every step), samples x steps."""
    task = update_task(spec)
    if results is None or task not in results:
        from simlab.run import compute

        results = compute([task])
    return Updates(results[task]).array


def _histogram_grid(
    scenarios: dict[str, UpdateSpec],
    ms,
    name: str,
    title: str,
    reference_label: str,
    log_density: bool = False,
    results=None,
):
    """One row per scenario, one column per step m: the simulated histogram beside eq. 30's law
    for i.i.d. N(0,1) gradients (the reference the scenario departs from); the last column shows
    Var(Delta theta) and Var|Delta theta| against m beside Corollaries 1-2 (the i.i.d.
    reference)."""
    from matplotlib.ticker import NullFormatter

    from simlab.plotting import new_figure, save

    fig, axes = new_figure(
        ncols=len(ms) + 1, nrows=len(scenarios), figsize=(3.0 * (len(ms) + 1), 2.6 * len(scenarios))
    )
    for row, (label, spec) in enumerate(scenarios.items()):
        updates = _updates(spec, results)
        ax = axes[row][-1]
        steps = np.arange(2, spec.steps + 1)
        ax.plot(
            steps,
            updates[:, 1:].var(axis=0),
            "o",
            ms=2.5,
            color="C0",
            label=r"simulated Var $\Delta\theta$",
        )
        ax.plot(
            steps,
            np.abs(updates[:, 1:]).var(axis=0),
            "s",
            ms=2.5,
            color="C1",
            label=r"simulated Var $|\Delta\theta|$",
        )
        for corollary, color, corollary_name in ((corollary_1_variance, "C0", "Corollary 1"),
                                                 (corollary_2_abs_variance, "C1", "Corollary 2")):
            ax.plot(steps, [corollary(m, spec.convention) for m in steps], color=color, lw=1,
                    label=f"{corollary_name} (i.i.d. N(0,1))")
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("step m")
        ax.set_ylabel("variance")
        ax.set_title(f"{label}: variance in time", fontsize=9)
        if row == 0:
            ax.legend(fontsize=6)
        for col, m in enumerate(ms):
            ax = axes[row][col]
            x = updates[:, m - 1]
            root_c = math.sqrt(normaliser(m, spec.convention))
            lo, hi = np.quantile(x, [0.002, 0.998])
            lo, hi = min(lo, -root_c), max(hi, root_c)
            counts, _, _ = ax.hist(
                x,
                bins=80,
                range=(lo, hi),
                density=True,
                color="C0",
                alpha=0.55,
                histtype="stepfilled",
                label=f"simulated ({spec.samples} samples)",
            )
            grid = np.linspace(-root_c, root_c, 400)[1:-1]
            ax.plot(
                grid,
                law_xg(m, spec.convention).pdf(grid),
                color="C3",
                lw=1.2,
                label=reference_label,
            )
            ax.set_title(f"{label}, m = {m}", fontsize=9)
            ax.set_xlabel(r"update $\Delta\theta$")
            if col == 0:
                ax.set_ylabel("density")
            if log_density:
                ax.set_yscale("log")
                one_count = 80 / (spec.samples * (hi - lo))  # density of one sample in one bin
                ax.set_ylim(0.5 * one_count, 5 * counts.max())
            elif m == 2:
                ax.set_ylim(0, 3 * law_xg(m, spec.convention).pdf(0.0) + 0.5)
    axes[0][-2].legend(loc="upper left", fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save(fig, name)


def figure_pdf(ms=PDF_MS, *, samples: int = 20_000, seed: int = 0, results=None):
    """Figure 1 analogue: eq. 30's pdf (c=m) for several m, with simulated histograms (Theorem 1's
    simple average) and the Gaussian limit eq. 31."""
    from simlab.plotting import new_figure, save

    updates = _updates(figure_specs(samples, seed)["adam_update_pdf"]["simple average"], results)
    fig, axes = new_figure()
    ax = axes[0][0]
    for k, m in enumerate(ms):
        root_c = math.sqrt(m)
        grid = np.linspace(-root_c, root_c, 600)[1:-1]
        color = f"C{k}"
        ax.plot(grid, law_xg(m).pdf(grid), color=color, lw=1.5, label=f"eq. 30, m = {m}")
        counts, edges = np.histogram(
            updates[:, m - 1], bins=60, range=(-root_c, root_c), density=True
        )
        centres = (edges[:-1] + edges[1:]) / 2
        ax.plot(centres, counts, "o", ms=2.5, color=color, alpha=0.7)
    grid = np.linspace(-4, 4, 400)
    ax.plot(grid, stats.norm.pdf(grid), "k--", lw=1, label="N(0,1) limit (eq. 31)")
    ax.plot([], [], "o", color="gray", ms=3, label=f"simulated, {samples} samples per m")
    ax.set_xlim(-4, 4)
    ax.set_ylim(0, 1.2)
    ax.set_xlabel(r"update $\Delta\theta$ (c = m)")
    ax.set_ylabel("density")
    ax.set_title("Law of the Adam update, Theorem 1 (simple average, mu = 0)")
    ax.legend()
    return save(fig, "adam_update_pdf")


def figure_variance(*, steps: int = 100, samples: int = 20_000, seed: int = 0, results=None):
    """Figure 3 analogue: Var(Delta theta) (Corollary 1) and Var|Delta theta| (Corollary 2)
    against m, simulated (error bars: 2 standard errors) beside the predictions for both
    conventions and the Student-t variance m/(m-2) that ignoring the correlation predicts."""
    from simlab.plotting import new_figure, save

    fig, axes = new_figure(ncols=2)
    ms = np.arange(2, steps + 1)
    for k, convention in enumerate(CONVENTIONS):
        updates = _updates(_spec("simple-average", steps, samples, seed, convention),
                           results)[:, 1:]
        for ax, field in zip(axes[0], ("variance", "abs_variance"), strict=True):
            sample = updates if field == "variance" else np.abs(updates)
            values = sample.var(axis=0)
            errors = np.array([variance_standard_error(col) for col in sample.T])
            corollary = corollary_1_variance if field == "variance" else corollary_2_abs_variance
            predicted = np.array([corollary(m, convention) for m in ms])
            ax.errorbar(
                ms,
                values,
                yerr=2 * errors,
                fmt="o",
                ms=2.5,
                color=f"C{k}",
                alpha=0.7,
                label=f"simulated, {convention} ({samples} samples)",
            )
            ax.plot(
                ms,
                predicted,
                color=f"C{k}",
                lw=1.5,
                label=("Corollary 1" if field == "variance" else "Corollary 2") + f", {convention}",
            )
    t_ms = ms[ms > 2]
    axes[0][0].plot(
        t_ms, t_ms / (t_ms - 2.0), "k--", lw=1, label="Student-t m/(m-2) (correlation ignored)"
    )
    axes[0][0].set_ylim(0, 3.2)
    axes[0][1].axhline(1 - 2 / math.pi, color="gray", ls=":", label="1 - 2/pi (m -> inf)")
    for ax, label in zip(axes[0], (r"Var $\Delta\theta$", r"Var $|\Delta\theta|$"), strict=True):
        ax.set_xscale("log")
        ax.set_xlabel("step m")
        ax.set_ylabel(label)
        ax.legend()
    return save(fig, "adam_update_variance")


#: the histogram figures: name -> (steps m shown, title, log density)
HISTOGRAM_FIGURES = {
    "adam_update_time_varying": (
        VARYING_MS, "Time-varying gradient variance (simple average): growing keeps the bimodal "
        "shape, shrinking narrows it", False),
    "adam_update_nonzero_mean": (
        VARYING_MS, "Non-zero-mean gradients (simple average; Delta theta = -m_t, eq. 4)", False),
    "adam_update_cauchy": (
        CAUCHY_MS, "Standard Cauchy gradients (simple average): a trimodal update law (log "
        "density: the edge modes at +-sqrt(m) carry ~1/m of the mass)", True),
}


def histogram_figure(name: str, *, samples: int = 20_000, seed: int = 0, results=None):
    """One of :data:`HISTOGRAM_FIGURES`, its scenarios from :func:`figure_specs`."""
    ms, title, log_density = HISTOGRAM_FIGURES[name]
    return _histogram_grid(figure_specs(samples, seed)[name], ms, name, title,
                           "eq. 30 for i.i.d. N(0,1)", log_density, results)


def figure_time_varying(*, samples: int = 20_000, seed: int = 0, results=None):
    """Figure 5 analogue: gradients N(0, t^2) (variance growing) and N(0, 1/t^2) (shrinking)."""
    return histogram_figure("adam_update_time_varying", samples=samples, seed=seed,
                            results=results)


def figure_nonzero_mean(*, samples: int = 20_000, seed: int = 0, results=None):
    """Figure 6 analogue: gradients N(-1, 1) and N(-t, 1); Delta theta = -m_t (eq. 4) is skewed."""
    return histogram_figure("adam_update_nonzero_mean", samples=samples, seed=seed,
                            results=results)


def figure_cauchy(*, samples: int = 20_000, seed: int = 0, results=None):
    """Figure 7 analogue: standard Cauchy gradients give a trimodal update law."""
    return histogram_figure("adam_update_cauchy", samples=samples, seed=seed, results=results)


def make_figures(quick: bool = True, samples: int | None = None, seed: int = 0) -> list:
    """Write all five figures; ``quick`` uses 20 000 samples per step, otherwise 200 000
    (``samples`` overrides both). Every simulation is declared first and computed through the
    store in one :func:`simlab.run.compute` call."""
    from simlab.run import compute

    if samples is None:
        samples = 20_000 if quick else 200_000
    tasks = [update_task(spec) for scenarios in figure_specs(samples, seed).values()
             for spec in scenarios.values()]
    results = compute(tasks)
    figures = (figure_pdf, figure_variance, figure_time_varying, figure_nonzero_mean,
               figure_cauchy)
    return [figure(samples=samples, seed=seed, results=results) for figure in figures]
