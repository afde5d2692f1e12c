"""Step-size and clipping-threshold schedules, including the theorems' exact formulas.

A schedule is two power laws in the step index k = 1, 2, ...:
``eta_k = a (k + b)^p`` and ``tau_k = a' (k + b')^p'``; the engine receives them as arrays
(index 0 unused), so any other schedule is one more constructor here.

Where the paper prints a formula twice, differently, both versions exist, named after where they
are printed; the default is the one the proof supports (see ``printed=``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simlab.errors import InputError, check_choice, check_count, check_interval, check_positive


@dataclass(frozen=True)
class PowerLaw:
    """``value_k = scale * (k + shift) ** power`` for k >= 1."""

    scale: float
    shift: float = 0.0
    power: float = 0.0

    def values(self, steps: int) -> np.ndarray:
        k = np.arange(steps + 1, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self.scale * (k + self.shift) ** self.power if self.power else np.full(
                steps + 1, float(self.scale))
        out[0] = np.nan
        return out

    def formula(self) -> str:
        if self.power == 0:
            return f"{self.scale:.4g}"
        base = "k" if self.shift == 0 else f"(k + {self.shift:g})"
        return f"{self.scale:.4g} * {base}^{self.power:.4g}"


@dataclass(frozen=True)
class Schedule:
    step_size: PowerLaw
    threshold: PowerLaw = field(default_factory=lambda: PowerLaw(math.inf))
    name: str = "constant"
    source: str = ""

    def step_sizes(self, steps: int) -> np.ndarray:
        return self.step_size.values(steps)

    def thresholds(self, steps: int) -> np.ndarray:
        return self.threshold.values(steps)

    def spec_params(self) -> dict:
        """The arguments of :func:`power_law` that rebuild this schedule (its spec)."""
        params = {"step_scale": self.step_size.scale, "step_shift": self.step_size.shift,
                  "step_power": self.step_size.power, "threshold_scale": self.threshold.scale,
                  "threshold_shift": self.threshold.shift,
                  "threshold_power": self.threshold.power, "label": self.name}
        if self.source:
            params["source"] = self.source
        return params

    def describe(self) -> dict:
        return {"name": self.name, "step_size": self.step_size.formula(),
                "threshold": self.threshold.formula(), "source": self.source}


def constant(step_size: float, threshold: float = math.inf) -> Schedule:
    step_size = check_positive("step size", step_size)
    threshold = check_positive("clipping threshold", threshold, allow_zero=True, allow_inf=True)
    return Schedule(PowerLaw(step_size), PowerLaw(threshold), "constant")


def power_law(step_scale: float, step_shift: float = 0.0, step_power: float = 0.0,
              threshold_scale: float = math.inf, threshold_shift: float = 0.0,
              threshold_power: float = 0.0, label: str = "power-law",
              source: str = "") -> Schedule:
    """Any schedule of two power laws, ``eta_k = a (k + b)^p`` and ``tau_k = a' (k + b')^p'``:
    the form every schedule of this module takes, so a run's spec can name any of them
    (:meth:`Schedule.spec_params`); ``label`` is the schedule's name in a Result's params."""
    check_positive("step size", step_scale)
    check_positive("clipping threshold", threshold_scale, allow_zero=True, allow_inf=True)
    for what, value in (("step-size shift", step_shift), ("step-size power", step_power),
                        ("threshold shift", threshold_shift), ("threshold power", threshold_power)):
        if not math.isfinite(value):
            raise InputError(f"{what} must be finite, got {value}")
    return Schedule(PowerLaw(step_scale, step_shift, step_power),
                    PowerLaw(threshold_scale, threshold_shift, threshold_power), label, source)


def _check_alpha(alpha: float) -> float:
    return check_interval("alpha", alpha, 1.0, 2.0, low_open=True,
                          why="the theorems of Zhang et al. 2020 take alpha in (1, 2]")


THEOREM4_PRINTED = ("appendix-d", "main-text")


def theorem4(G: float, alpha: float, mu: float, printed: str = "appendix-d") -> Schedule:
    """Theorem 4 of Zhang et al. 2020 (projected GClip, mu-strongly convex, Assumption 4).

    ``eta_k = 4 / (mu (k + 1))`` and the threshold as printed:

    - ``appendix-d`` (the proof, Appendix D): ``tau_k = G k^(1/alpha)``. The proof's sum
      ``sum_k k^((2-alpha)/alpha)`` is ``sum_k G^-2 G^alpha tau_k^(2-alpha)`` with exactly this
      threshold, so this is what the proof supports (the default);
    - ``main-text`` (the statement of Theorem 4 in Section 3.1): ``tau_k = G k^(alpha-1)``.
      The two agree only where 1/alpha = alpha - 1, at alpha = (1 + sqrt 5)/2.
    """
    G = check_positive("G", G)
    alpha = _check_alpha(alpha)
    mu = check_positive("mu", mu)
    check_choice("printed version", printed, THEOREM4_PRINTED)
    power = 1.0 / alpha if printed == "appendix-d" else alpha - 1.0
    return Schedule(PowerLaw(4.0 / mu, 1.0, -1.0), PowerLaw(G, 0.0, power),
                    f"theorem4-{printed}", f"Zhang et al. 2020, Theorem 4 ({printed})")


def theorem8(B: float, alpha: float, mu: float, printed: str = "appendix-d") -> Schedule:
    """Theorem 8 (CClip under Assumption 2): ``eta_k = 4/(mu(k+1))``, ``tau_k = B k^(1/alpha)``
    (Appendix E.2; the main text prints ``B k^(alpha-1)``, as for Theorem 4). One threshold for
    every coordinate: ``B = max_i B_i``, valid for each coordinate."""
    schedule = theorem4(B, alpha, mu, printed)
    return Schedule(schedule.step_size, schedule.threshold, f"theorem8-{printed}",
                    f"Zhang et al. 2020, Theorem 8 ({printed})")


THEOREM2_PRINTED = ("appendix-c", "main-text")


def theorem2_parameters(L: float, sigma: float, alpha: float, steps: int, F0: float,
                        printed: str = "appendix-c") -> tuple[float, float]:
    """(eta, tau) of Theorem 2 of Zhang et al. 2020 (GClip, L-smooth non-convex, Assumption 1).

    - ``appendix-c`` (the proof): ``eta = min{1/(4L), 1/(L tau^alpha), 1/(24 L tau)}``,
      ``tau = max{2, 48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), 8 sigma, sigma K^(1/(3alpha-2))}``;
    - ``main-text``: ``eta = min{1/(4L), sigma^alpha/(L tau^alpha), 1/(24 L tau)}``,
      ``tau = max{2, 48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), 8 sigma,
      (F0/(sigma^2 K))^(alpha/(3alpha-2)) / L^((2alpha-2)/(3alpha-2))}``.
    Both are as printed in the extracted text; ``simlab verify`` checks which gives the stated rate.
    """
    L = check_positive("L", L)
    sigma = check_positive("sigma", sigma)
    alpha = _check_alpha(alpha)
    steps = check_count("steps K", steps)
    F0 = check_positive("F0", F0)
    check_choice("printed version", printed, THEOREM2_PRINTED)
    # 48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), in logs (it overflows for alpha near 1)
    log_moment_term = (math.log(48.0) + alpha * math.log(sigma)) / (alpha - 1.0)
    moment_term = math.exp(min(log_moment_term, 700.0))
    if printed == "appendix-c":
        k_term = sigma * steps ** (1.0 / (3 * alpha - 2))
    else:
        k_term = (F0 / (sigma ** 2 * steps)) ** (alpha / (3 * alpha - 2)) / L ** (
            (2 * alpha - 2) / (3 * alpha - 2))
    tau = max(2.0, moment_term, 8.0 * sigma, k_term)
    middle = (1.0 if printed == "appendix-c" else sigma ** alpha) / (L * tau ** alpha)
    eta = min(1.0 / (4 * L), middle, 1.0 / (24 * L * tau))
    return eta, tau


def theorem2(L: float, sigma: float, alpha: float, steps: int, F0: float,
             printed: str = "appendix-c") -> Schedule:
    """Theorem 2's constant eta and tau for a run of ``steps`` steps (see
    :func:`theorem2_parameters`)."""
    eta, tau = theorem2_parameters(L, sigma, alpha, steps, F0, printed)
    return Schedule(PowerLaw(eta), PowerLaw(tau), f"theorem2-{printed}",
                    f"Zhang et al. 2020, Theorem 2 ({printed})")


def assumption4_G(problem, noise, alpha: float) -> float:
    """A valid G for Assumption 4 (``E||g(x)||^alpha <= G^alpha`` on the domain):
    by Minkowski's inequality (alpha >= 1), ``G <= sup ||grad f|| + sigma``."""
    bound = problem.gradient_bound()
    if not math.isfinite(bound):
        raise InputError(f"{problem.name} has an unbounded domain: Assumption 4 needs a bounded "
                         "one (use constrained-quadratic)")
    return bound + noise.sigma(alpha, problem.dim)


def default_schedule(problem, noise, algorithm, steps: int, alpha: float) -> Schedule:
    """What a user gets without choosing: the theorem that covers the combination.

    proj-gclip: Theorem 4 (Appendix D). gclip/cclip on a strongly convex problem: Theorem 4/8's
    schedule with G (or B) from the law; gclip on the non-convex problem: Theorem 2 (Appendix C).
    sgd: ``4/(mu(k+1))`` if strongly convex, else ``1/(4L)``. nsgd: ``1/(L sqrt(k))``.
    Adaptive methods: a constant step (1 for the AdaGrad family, whose step is divided by a
    growing sum; 0.1 otherwise) and, for the clipped variants, ``tau = max{1, sigma}``; the
    experiments tune them on stated grids.
    """
    mu, L = problem.strong_convexity, problem.smoothness
    name = algorithm.name
    if algorithm.state_rows > 0:  # the adaptive methods: no theorem here fixes their schedule
        step = 1.0 if "adagrad" in name else 0.1
        return constant(step, max(1.0, noise.sigma(alpha, problem.dim)) if algorithm.clips
                        else math.inf)
    if name == "proj-gclip":
        return theorem4(assumption4_G(problem, noise, alpha), alpha, mu)
    if name in ("gclip", "cclip") and mu > 0:
        bound = problem.gradient_bound()
        if not math.isfinite(bound):
            # unconstrained: no bounded domain, so Assumption 4 does not hold as stated; use the
            # gradient bound on the ball ||x - x*|| <= ||x0 - x*|| (max curvature times radius)
            bound = float(np.max(problem.curvatures)) * float(
                np.linalg.norm(problem.initial_point() - problem.minimiser))
        if name == "gclip":
            return theorem4(bound + noise.sigma(alpha, problem.dim), alpha, mu)
        return theorem8(bound + noise.coordinate_bound(alpha), alpha, mu)
    if not math.isfinite(L) and not (name == "sgd" and mu > 0):
        raise InputError(f"{problem.name} is not L-smooth, so no theorem fixes a default schedule "
                         f"for {name}: give a step size (and a threshold)")
    if name == "gclip":
        return theorem2(L, noise.sigma(alpha, problem.dim), alpha, steps, problem.initial_gap())
    if name == "cclip":
        eta, tau = theorem2_parameters(L, noise.coordinate_bound(alpha), alpha, steps,
                                       problem.initial_gap())
        return Schedule(PowerLaw(eta), PowerLaw(tau), "theorem2-coordinate",
                        "Theorem 2's constants with sigma = B (coordinate-wise analogue)")
    if name == "sgd":
        if mu > 0:
            return Schedule(PowerLaw(4.0 / mu, 1.0, -1.0), name="strongly-convex",
                            source="eta_k = 4/(mu(k+1)) as in Theorem 4")
        return constant(1.0 / (4.0 * L))
    return Schedule(PowerLaw(1.0 / L, 0.0, -0.5), name="nsgd", source="eta_k = 1/(L sqrt(k))")
