"""The figures of the lower-bound instances themselves (``simlab lowerbounds``): the functions
Psi, Phi and f_2 of the zero chain (Appendix G; Arjevani et al. 2019, eq. (9)), and the law of
the Theorem 5 oracle g(x) with its alpha-moment (Appendix F, eq. (6)), exact beside Monte Carlo.

The Monte Carlo frequencies and moments are one stored :class:`simlab.run.Task`
(:func:`oracle_draws`, seed derived from the task); the exact curves are computed in the plot.
"""

from __future__ import annotations

import math

import numpy as np

from simlab.lowerbounds import PHI_SUP, Theorem5Instance, ZeroChain, phi, phi_prime, psi, psi_prime
from simlab.run import Task, compute

#: the Theorem 5 instances drawn: alpha = 1.25, eps = 1/8 (the law); the moment curves' alphas
LAW_ALPHA, EPS = 1.25, 0.125
MOMENT_ALPHAS = (1.05, 1.25, 1.5, 2.0)
#: the points x in [0, 1/2] of the moment curves (the Monte Carlo marks are every 20th)
MOMENT_POINTS = np.linspace(0.0, 0.5, 101)


def oracle_draws(n: int, seed: int) -> dict:
    """Monte Carlo of the Theorem 5 oracle with ``n`` draws per estimate: ``frequency[nu, i]``
    of outcome i of the law of g(1/2) (alpha = 1.25, eps = 1/8, nu = 0, 1), and
    ``moment[a, m]`` the sample E|g(x)|^alpha at alpha = MOMENT_ALPHAS[a], x = the m-th mark
    (nu = 0)."""
    rng = np.random.default_rng(seed)
    frequency = np.empty((2, 2))
    for nu in (0, 1):
        instance = Theorem5Instance(LAW_ALPHA, EPS, nu)
        draws = instance.sample_gradient(np.full(n, 0.5), rng)
        frequency[nu] = [np.mean(draws == g) for _, g in instance.oracle_law(0.5)]
    marks = MOMENT_POINTS[::20]
    moment = np.empty((len(MOMENT_ALPHAS), marks.size))
    for a, alpha in enumerate(MOMENT_ALPHAS):
        instance = Theorem5Instance(alpha, EPS, 0)
        moment[a] = [np.mean(np.abs(instance.sample_gradient(np.full(n, v), rng)) ** alpha)
                     for v in marks]
    return {"frequency": frequency, "moment": moment}


def draw_figures(quick: bool = False) -> list:
    """``lowerbounds_zero_chain.png`` (Psi, Phi and f_2) and ``lowerbounds_theorem5_oracle.png``
    (the law of g(x) and its alpha-moment, exact beside Monte Carlo); returns their paths."""
    from simlab.plotting import new_figure, place_legend, save

    n = 50_000 if quick else 500_000
    task = Task(f"{__name__}:oracle_draws", {"n": n})
    draws = compute([task])[task]
    paths = []
    fig, axes = new_figure(ncols=3)
    t = np.linspace(-0.5, 3.0, 600)
    ax = axes[0, 0]
    ax.plot(t, [psi(v) for v in t], label="Psi(t)")
    ax.plot(t, [psi_prime(v) for v in t], label="Psi'(t)")
    ax.axhline(math.e, linestyle="--", linewidth=1, color="C0", label="sup Psi = e")
    ax.axhline(math.sqrt(54 / math.e), linestyle="--", linewidth=1, color="C1",
               label="sup Psi' <= sqrt(54/e)")
    ax.set(xlabel="t", ylabel="value", title="Psi: zero for t <= 1/2")
    place_legend(ax)
    ax = axes[0, 1]
    t = np.linspace(-4.0, 4.0, 600)
    ax.plot(t, [phi(v) for v in t], label="Phi(t)")
    ax.plot(t, [phi_prime(v) for v in t], label="Phi'(t)")
    ax.axhline(PHI_SUP, linestyle="--", linewidth=1, color="C0", label="sup Phi = sqrt(2 pi e)")
    ax.axhline(1.0, linestyle=":", linewidth=1, color="k", label="Phi'(+-1) = 1")
    ax.set(xlabel="t", ylabel="value", title="Phi")
    place_legend(ax)
    ax = axes[0, 2]
    grid = np.linspace(-3.0, 3.0, 121)
    chain = ZeroChain(2)
    values = np.array([[chain.value(np.array([a, b])) for a in grid] for b in grid])
    contour = ax.contourf(grid, grid, values, levels=30, cmap="viridis")
    fig.colorbar(contour, ax=ax, label="f_2(x)")
    ax.axvline(0.5, color="w", linewidth=0.8, linestyle="--")
    ax.axvline(-0.5, color="w", linewidth=0.8, linestyle="--")
    ax.set(xlabel="x_1", ylabel="x_2", title="f_2: x_2 is felt only once |x_1| > 1/2")
    paths.append(save(fig, "lowerbounds_zero_chain"))

    fig, axes = new_figure(ncols=2)
    ax = axes[0, 0]
    for nu, color in ((0, "C0"), (1, "C1")):
        instance = Theorem5Instance(LAW_ALPHA, EPS, nu)
        for k, (q, _) in enumerate(instance.oracle_law(0.5)):
            offset = (nu - 0.5) * 0.4
            ax.bar(k + offset, q, width=0.35, color=color, alpha=0.5,
                   label=f"exact, nu={nu} (b={instance.b:g})" if k == 0 else None)
            ax.plot(k + offset, draws["frequency"][nu, k], "k_", markersize=14,
                    label=f"Monte Carlo, n={n}" if k == 0 and nu == 0 else None)
    ax.set_yscale("log")
    ax.set_xticks([0, 1], ["x - 1/(2 gamma)", "x"])
    ax.set(ylabel="probability", title="law of g(1/2), alpha = 1.25, eps = 1/8")
    place_legend(ax)
    ax = axes[0, 1]
    x = MOMENT_POINTS
    for a, (alpha, color) in enumerate(zip(MOMENT_ALPHAS, ("C0", "C1", "C2", "C3"), strict=True)):
        instance = Theorem5Instance(alpha, EPS, 0)
        exact = [sum(q * abs(g) ** alpha for q, g in instance.oracle_law(v)) for v in x]
        ax.plot(x, exact, color=color,
                label=f"exact, alpha={alpha:g} (n p = {n * instance.p:.2g} jumps expected)")
        ax.plot(x[::20], draws["moment"][a], "o", color=color, markersize=4,
                label="Monte Carlo" if alpha == 2.0 else None)
    ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label="bound G^alpha = 1")
    ax.set(xlabel="x", ylabel="E|g(x)|^alpha",
           title="alpha-moment of the Theorem 5 oracle (nu=0, eps=1/8)")
    ax.text(0.02, 0.02, "n p ~ 1 or less: a run draws the rare jump 0 or 1 times,\n"
            "so its sample moment falls far below or far above the exact one",
            transform=ax.transAxes, fontsize=8)
    place_legend(ax)
    paths.append(save(fig, "lowerbounds_theorem5_oracle"))
    return paths
