"""``simlab bounds``: every upper bound of Zhang et al. 2020 with its constants against the runs
(issue 17, items 1 and 2).

For Theorem 2 (GClip, non-convex), Theorem 4 (projected GClip, k-weighted average), Corollary 7
(the same under coordinate-wise noise, G = ||B||_alpha) and Theorem 8 (projected CClip with the
average), each in both printed versions (``appendix`` and ``main-text`` schedules,
:mod:`simlab.schedules`), a run's mean is compared with the bound's full right-hand side
(:mod:`simlab.theory.bounds`, constants included):

- **constants** come from the law's exact alpha-moment (:mod:`simlab.noise`) and the problem's
  known L, mu, box and F0. Theorem 4's G (Assumption 4 on the box) is
  ``sup_box ||grad f|| + sigma`` (Minkowski), or, in one dimension under two-point noise, the
  exact ``sup_box (E|f'(x) + xi|^alpha)^(1/alpha)`` (convex in f'(x), so attained at an end of
  the box); Assumption 2's ``B_i = sup_box |d_i f| + B_i(noise)``; Theorem 2's sigma is the law's
  exact ``(E||xi||^alpha)^(1/alpha)``, valid on all of R^d as is L;
- **regions**: Theorems 4, 8 and Corollary 7 run projected onto their box, Theorem 2's constants
  hold on R^d; ``left_region`` is the fraction of replicas whose final iterate is not finite or
  not in the region (the projection makes it 0 by construction; the field checks it);
- **verdict** (:func:`simlab.theory.bounds.bound_verdict`): ``holds`` when measured + 3 stderr
  <= bound, ``fails`` when measured - 3 stderr > bound, else ``inconclusive``;
- **tightness**: for each bound the largest ratio measured/bound over its rows (every checkpoint
  k <= K: the bound holds at each), the lower-bound instances of Theorems 5 and 6
  (:mod:`simlab.lowerbounds`; Theorem 5's f_b with its two-point oracle under Theorems 4, 8 and
  Corollary 7, which coincide in one dimension; the zero chain with its oracle under Theorem 2)
  and a random search over an instance family (two-point magnitude and asymmetry, Pareto tail and
  scale, box width, mu, L, centre, start), refined around the best instances in ``--full``.

Both versions of a row see the same draws (one seed from :func:`simlab.rng.seed_of` of what
they share), so ``main_minus_appendix`` is a paired difference with its own standard error.

Budgets were fixed from a pilot (module constant :data:`QUICK`): see its comment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from simlab import schedules
from simlab.algorithms import make_algorithm
from simlab.errors import check_choice
from simlab.finding import NO_CORRECTION, Finding
from simlab.noise import NoiseLaw, Pareto, Stable, TwoPoint
from simlab.problems import ConstrainedQuadratic, NonConvex, Problem
from simlab.rng import seed_of
from simlab.run import compute
from simlab.run.engine import log_checkpoints
from simlab.run.spec import Spec
from simlab.theory import bounds as tb
from simlab.theory import exponents
from simlab.theory.regimes import theorem2_sigma

THEOREMS = ("Theorem 2", "Theorem 4", "Corollary 7", "Theorem 8")
REFS = {"Theorem 2": "Zhang et al. 2020, Theorem 2 / Appendix C",
        "Theorem 4": "Zhang et al. 2020, Theorem 4 / Appendix D",
        "Corollary 7": "Zhang et al. 2020, Corollary 7 / Appendix E",
        "Theorem 8": "Zhang et al. 2020, Theorem 8 / Appendix E.2"}
#: the tail index of the rows' laws: alpha + TAIL_MARGIN (stable: at most 2), the heaviest law
#: whose alpha-moment is finite with a margin (as in ``simlab rates``)
TAIL_MARGIN = 0.05


@dataclass(frozen=True)
class Budget:
    name: str
    alphas: tuple[float, ...]
    laws: tuple[str, ...] = ("pareto", "stable")
    steps: int = 2000  # Theorems 4, 8, Corollary 7
    replicas: int = 400
    steps2: int = 5000  # Theorem 2
    replicas2: int = 200
    search: int = 8  # random instances per theorem
    search_steps: int = 1000
    search_replicas: int = 200
    refine: int = 0  # perturbations around each of the 3 best (second round)
    extend: int = 1  # the tightest instance per bound again at extend x K (third round)


#: Pilot (2 cores, empty store, numba cache warm), 2026-12-04: the quick grid (48 rows), the
#: lower-bound instances and 8 search instances per theorem, each in both versions, took 27 s
#: wall (24 s CPU) for the whole verb, 41 s while eight engineers shared the machine; the largest
#: stderr of a row was 0.02% of its bound and the largest ratio 0.023, so every verdict is decided
#: with a wide margin. Smaller K would still decide them; K and R were kept at this size so that
#: the ratios are measured at a horizon where the k-weighted average has settled.
QUICK = Budget("quick", (1.2, 1.5, 2.0))
#: --full: four alphas, K five times longer, a search of 30 instances per theorem refined by 4
#: neighbours of each of the 3 best (about 420 cells; a first try with seven alphas, K = 20000,
#: R = 800 and 60 instances per theorem computed about 10 cells a minute on the shared 2 cores,
#: over an hour in all, and was cut to this)
FULL = Budget("full", (1.2, 1.5, 1.8, 2.0), steps=10_000, replicas=400, steps2=20_000,
              replicas2=200, search=30, search_steps=2000, search_replicas=200, refine=4,
              extend=10)
BUDGETS = {"quick": QUICK, "full": FULL}


# ----------------------------------------------------------------------------- instances
@dataclass(frozen=True)
class Instance:
    """One problem, law and start under one theorem: what a bound is evaluated on."""

    theorem: str
    name: str
    problem: Problem
    noise: NoiseLaw
    alpha: float
    label: str  # the noise's name in the rows
    x0: tuple | None = None
    family: str = "rows"  # rows | lower-bound | search
    detail: dict = field(default_factory=dict, compare=False)


def scaled_law(unit: NoiseLaw, alpha: float, target: float) -> NoiseLaw:
    """``unit`` rescaled so that its per-coordinate alpha-moment constant
    ``(E|xi_i|^alpha)^(1/alpha)`` (exact, :meth:`NoiseLaw.coordinate_bound`) is ``target``."""
    return replace(unit, scale=unit.scale * target / unit.coordinate_bound(alpha))


def row_law(law: str, alpha: float, target: float) -> NoiseLaw:
    """The rows' laws: symmetric Pareto or Levy-stable, tail index alpha + TAIL_MARGIN."""
    check_choice("noise law", law, ("pareto", "stable"))
    tail = alpha + TAIL_MARGIN
    unit = Pareto(tail=tail) if law == "pareto" else Stable(index=min(tail, 2.0))
    return scaled_law(unit, alpha, target)


def _box(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    h = problem.curvatures
    c = np.broadcast_to(np.asarray(problem.center, dtype=float), (problem.dim,))
    return h, c, np.full(problem.dim, problem.low), np.full(problem.dim, problem.high)


def gradient_range(problem: ConstrainedQuadratic) -> np.ndarray:
    """Per coordinate, the values of d_i f at the two ends of the box (dim x 2): d_i f is
    non-decreasing in x_i, so these are its extremes over the box."""
    h, c, low, high = _box(problem)
    return np.stack([h * (low - c) + problem.l1 * np.sign(low),
                     h * (high - c) + problem.l1 * np.sign(high)], axis=1)


def exact_G_1d(problem: ConstrainedQuadratic, noise: NoiseLaw, alpha: float) -> float | None:
    """``sup_box (E|f'(x) + xi|^alpha)^(1/alpha)`` for a one-dimensional box under two-point
    noise, exactly (``a -> E|a + xi|^alpha`` is convex, so the sup is at an end); None else."""
    if problem.dim != 1 or not isinstance(noise, TwoPoint):
        return None
    s, f = noise.scale * noise.success, noise.scale * noise.failure
    values = [noise.p * abs(a + s) ** alpha + (1 - noise.p) * abs(a + f) ** alpha
              for a in gradient_range(problem)[0]]
    return max(values) ** (1.0 / alpha)


def constants(instance: Instance) -> dict:
    """The constants of the instance's theorem (see the module docstring) and its region."""
    problem, noise, alpha = instance.problem, instance.noise, instance.alpha
    out = {"dim": problem.dim, "mu": problem.strong_convexity,
           "L": problem.smoothness if math.isfinite(problem.smoothness) else None}
    if instance.theorem == "Theorem 2":
        x0 = None if instance.x0 is None else np.asarray(instance.x0, dtype=float)
        sigma = (noise.moment_bound if noise.name == "zero-chain-oracle"
                 else noise.sigma(alpha, problem.dim))
        out.update(sigma=sigma, F0=problem.initial_gap(x0), region="R^d",
                   sigma_source="the law's exact alpha-moment" if noise.name != "zero-chain-oracle"
                   else "the Theorem 6 construction's G")
        return out
    out.update(D=float((problem.high - problem.low) * math.sqrt(problem.dim)),
               region=f"box [{problem.low:g}, {problem.high:g}]^{problem.dim}")
    ends = np.max(np.abs(gradient_range(problem)), axis=1)
    if instance.theorem == "Theorem 4":
        sigma = noise.sigma(alpha, problem.dim)
        minkowski = float(np.sqrt(np.sum(ends ** 2))) + sigma
        exact = exact_G_1d(problem, noise, alpha)
        out.update(G=exact if exact is not None else minkowski, G_minkowski=minkowski,
                   G_source="exact sup over the box" if exact is not None else
                   "sup ||grad f|| + sigma (Minkowski)", sigma=sigma)
        return out
    B_i = ends + noise.coordinate_bound(alpha)
    if instance.theorem == "Corollary 7":
        out.update(G=tb.corollary7_G(B_i, alpha), B=float(np.max(B_i)),
                   G_lower=tb.corollary7_G_lower(B_i, alpha),
                   G_source="||B||_alpha, B_i = sup |d_i f| + B_i(noise)")
    else:  # Theorem 8: one threshold for every coordinate, B_i = max_i B_i (valid for each)
        out.update(B=float(np.max(B_i)), B_norm2=float(np.max(B_i) * math.sqrt(problem.dim)),
                   B_source="max_i (sup |d_i f| + B_i(noise)) for every coordinate")
    return out


def algorithm_for(theorem: str):
    if theorem == "Theorem 2":
        return make_algorithm("gclip")
    if theorem == "Theorem 8":
        return replace(make_algorithm("cclip"), projected=True, averaging=True)
    return make_algorithm("proj-gclip")


def schedule_for(theorem: str, version: str, const: dict, alpha: float, steps: int):
    printed_proof = "appendix-c" if theorem == "Theorem 2" else "appendix-d"
    printed = printed_proof if version == "appendix" else "main-text"
    if theorem == "Theorem 2":
        return schedules.theorem2(const["L"], const["sigma"], alpha, steps, const["F0"], printed)
    if theorem == "Theorem 8":
        return schedules.theorem8(const["B"], alpha, const["mu"], printed)
    return schedules.theorem4(const["G"], alpha, const["mu"], printed)


def bound_for(theorem: str, version: str, const: dict, alpha: float, K: int) -> float:
    if theorem == "Theorem 2":
        return tb.theorem2_bound(const["L"], const["sigma"], alpha, K, const["F0"], version)
    if theorem == "Theorem 8":
        return tb.theorem8_bound(np.full(const["dim"], const["B"]), const["mu"], alpha, K)
    return tb.theorem4_bound(const["G"], const["mu"], alpha, K)


@dataclass(frozen=True)
class Check:
    """An instance run under one version of its theorem's schedule: one cell."""

    instance: Instance
    version: str
    steps: int
    replicas: int

    @property
    def const(self) -> dict:
        return constants(self.instance)

    def spec(self) -> Spec:
        inst = self.instance
        schedule = schedule_for(inst.theorem, self.version, self.const, inst.alpha, self.steps)
        shared = {"experiment": "bounds", "theorem": inst.theorem, "instance": inst.name,
                  "noise": inst.label, "alpha": inst.alpha, "K": self.steps,
                  "replicas": self.replicas}  # the same draws for both versions
        checkpoints = ([self.steps] if inst.theorem == "Theorem 2"
                       else log_checkpoints(self.steps, 16))
        return Spec.of(inst.problem, inst.noise, algorithm_for(inst.theorem), schedule,
                       steps=self.steps, replicas=self.replicas, alpha=inst.alpha,
                       seed=seed_of(shared), checkpoints=checkpoints, x0=inst.x0,
                       track_min_grad=inst.theorem == "Theorem 2")


# ----------------------------------------------------------------------------- the grid
ROW_PROBLEMS = {
    # one coordinate, x* = 0.5 inside [-2, 2], x0 = 0; G = 2.5 + sigma
    "Theorem 4": ("box-1d", lambda: ConstrainedQuadratic(dim=1, mu=1.0, L=1.0, center=0.5,
                                                         l1=0.0, radius=2.0)),
    # four equal coordinates: every B_i alike, so ||B||_2^2 = d B^2 is Theorem 8's own constant
    "Corollary 7": ("box-4d", lambda: ConstrainedQuadratic(dim=4, mu=1.0, L=1.0, center=0.5,
                                                           l1=0.0, radius=2.0)),
    "Theorem 8": ("box-4d", lambda: ConstrainedQuadratic(dim=4, mu=1.0, L=1.0, center=0.5,
                                                         l1=0.0, radius=2.0)),
    # x^2/2 + 2 sin^2(x - 1): L = 5, spurious stationary points; x0 = 0, F0 = 1.92
    "Theorem 2": ("nonconvex-1d", lambda: NonConvex(dim=1, mu=1.0, wave=2.0, center=1.0)),
}
ROW_NOISE_CONSTANT = 0.5


def row_instances(budget: Budget) -> list[Instance]:
    out = []
    for theorem in THEOREMS:
        name, make = ROW_PROBLEMS[theorem]
        for law in budget.laws:
            for alpha in budget.alphas:
                target = theorem2_sigma(alpha) if theorem == "Theorem 2" else ROW_NOISE_CONSTANT
                noise = row_law(law, alpha, target)
                out.append(Instance(theorem, name, make(), noise, alpha, noise.describe(),
                                    x0=(0.0,) * make().dim))
    return out


def lower_bound_instances(budget: Budget) -> list[Instance]:
    """Theorem 5's f_b with its oracle (both b) at eps(K) under Theorems 4, 8 and Corollary 7,
    and Theorem 6's zero chain with its oracle under Theorem 2 (reconstructions in
    :mod:`simlab.lowerbounds`)."""
    from simlab.lowerbounds import THEOREM6_DEFAULT, Theorem5Instance, Theorem6Instance
    from simlab.noise import ZeroChainOracle
    from simlab.problems import ZeroChainProblem

    out = []
    for alpha in budget.alphas:
        eps = budget.steps ** (-(alpha - 1.0) / alpha) / 8.0  # Lemma 16's order, eps(1) = 1/8
        for nu in (0, 1):
            lb = Theorem5Instance(alpha, eps, nu)
            problem = ConstrainedQuadratic(dim=1, mu=1.0, L=1.0, l1=0.0, center=lb.b, low=0.0,
                                           high=0.5)
            noise = TwoPoint(p=lb.p, success=lb.b - lb.jump, failure=lb.b)
            for theorem in ("Theorem 4", "Corollary 7", "Theorem 8"):
                out.append(Instance(theorem, f"theorem5-f_b(nu={nu})", problem, noise, alpha,
                                    f"theorem5 oracle (p={lb.p:.3g})", x0=(0.0,),
                                    family="lower-bound", detail={"eps": eps, "b": lb.b}))
    instance = Theorem6Instance(**THEOREM6_DEFAULT)
    problem = ZeroChainProblem(instance=instance)
    out.append(Instance("Theorem 2", "theorem6-zero-chain", problem,
                        ZeroChainOracle.from_instance(instance), instance.alpha,
                        f"zero-chain oracle (p={instance.p:.3g})", family="lower-bound",
                        detail={"d": instance.dimension, "eps": instance.eps}))
    return out


def _two_point(rng, magnitude: float) -> TwoPoint:
    """Mean-zero two-point noise: ``success`` w.p. p, ``failure = -p success/(1-p)``."""
    p = float(10 ** rng.uniform(-3, math.log10(0.5)))
    return TwoPoint(p=p, success=magnitude, failure=-p * magnitude / (1 - p))


def search_instance(theorem: str, rng, alphas, tag: str) -> Instance:
    """One random instance of the family (module docstring)."""
    alpha = float(rng.choice(alphas))
    magnitude = float(10 ** rng.uniform(-1, 1))
    if rng.random() < 0.5:
        noise, label = _two_point(rng, magnitude), "two-point"
    else:
        noise = replace(Pareto(tail=alpha + float(rng.uniform(0.05, 1.0))), scale=magnitude)
        label = "pareto"
    label = f"{label}({', '.join(f'{k}={v:.3g}' for k, v in _law_fields(noise).items())})"
    if theorem == "Theorem 2":
        mu = float(10 ** rng.uniform(-1, 0.5))
        problem = NonConvex(dim=1, mu=mu, wave=mu * float(10 ** rng.uniform(-0.2, 1)),
                            center=float(rng.uniform(-2, 2)))
        x0 = (float(rng.uniform(-4, 4)),)
        detail = {"mu": mu, "wave": problem.wave, "center": problem.center}
    else:
        dim = 1 if theorem == "Theorem 4" else 2
        radius = float(10 ** rng.uniform(-1, 0.7))
        mu = float(10 ** rng.uniform(-1, 1))
        problem = ConstrainedQuadratic(dim=dim, mu=mu, L=mu * float(10 ** rng.uniform(0, 1)),
                                       l1=float(rng.choice([0.0, 0.1])),
                                       center=float(rng.uniform(-1.5, 1.5)) * radius,
                                       radius=radius)
        x0 = tuple(float(v) for v in rng.uniform(-radius, radius, dim))
        detail = {"mu": mu, "L": problem.L, "radius": radius, "center": problem.center,
                  "l1": problem.l1}
    detail.update(x0=list(x0), alpha=alpha)
    return Instance(theorem, f"search-{tag}", problem, noise, alpha, label, x0=x0,
                    family="search", detail=detail)


def _law_fields(noise: NoiseLaw) -> dict:
    if isinstance(noise, TwoPoint):
        return {"p": noise.p, "success": noise.scale * noise.success,
                "failure": noise.scale * noise.failure}
    return {"tail": noise.tail, "scale": noise.scale}


def perturb(instance: Instance, rng, tag: str) -> Instance:
    """A neighbour of a search instance: the box (or wave), start and noise magnitude moved by
    up to +-30% (log scale), the same law and alpha."""
    f = lambda: float(np.exp(rng.uniform(-0.3, 0.3)))  # noqa: E731
    problem, noise = instance.problem, instance.noise
    noise = replace(noise, scale=noise.scale * f())
    x0 = tuple(v * f() for v in instance.x0)
    if isinstance(problem, NonConvex):
        problem = replace(problem, wave=max(problem.wave * f(), 0.51 * problem.mu))
    else:
        radius = problem.radius * f()
        problem = ConstrainedQuadratic(dim=problem.dim, mu=problem.mu, L=problem.L,
                                       l1=problem.l1, center=problem.center * f(), radius=radius)
        x0 = tuple(float(np.clip(v, -radius, radius)) for v in x0)
    label = instance.label.split("(")[0]
    label = f"{label}({', '.join(f'{k}={v:.3g}' for k, v in _law_fields(noise).items())})"
    return replace(instance, name=f"search-{tag}", problem=problem, noise=noise, x0=x0,
                   label=label, detail={**instance.detail, "refined_from": instance.name})


# ----------------------------------------------------------------------------- analysis
def measured_values(check: Check, result) -> tuple[np.ndarray, np.ndarray]:
    """(checkpoints, replicas x checkpoints) of what the theorem bounds."""
    metric = "min_grad_mean" if check.instance.theorem == "Theorem 2" else "avg_error"
    return np.asarray(result.checkpoints), np.asarray(result.metrics[metric], dtype=float)


def left_region(check: Check, result) -> float:
    """Fraction of replicas whose final iterate is not finite or lies outside the region where
    the constants were computed (R^d for Theorem 2, the box otherwise)."""
    x = np.asarray(result.final_iterates, dtype=float)
    outside = ~np.all(np.isfinite(x), axis=1)
    problem = check.instance.problem
    if check.instance.theorem != "Theorem 2":
        tol = 1e-12 * max(1.0, abs(problem.low), abs(problem.high))
        outside |= np.any((x < problem.low - tol) | (x > problem.high + tol), axis=1)
    return float(np.mean(outside))


def analyse(check: Check, result) -> dict:
    inst, const = check.instance, check.const
    steps, values = measured_values(check, result)
    means = values.mean(axis=0)
    stderrs = values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
    bounds = np.array([bound_for(inst.theorem, check.version, const, inst.alpha, int(k))
                       for k in steps]) if inst.theorem != "Theorem 2" else np.array(
        [bound_for(inst.theorem, check.version, const, inst.alpha, check.steps)])
    ratios = means / bounds
    worst = int(np.argmax(ratios))
    measured, stderr, bound = float(means[-1]), float(stderrs[-1]), float(bounds[-1])
    row = {"theorem": inst.theorem, "version": check.version, "instance": inst.name,
           "noise": inst.label, "alpha": inst.alpha, "K": check.steps,
           "replicas": check.replicas, "measured": measured, "stderr": stderr, "bound": bound,
           "ratio": measured / bound, "verdict": tb.bound_verdict(measured, stderr, bound)}
    row.update({k: v for k, v in const.items()})
    if inst.theorem == "Theorem 2":  # the constant step and threshold the run used
        schedule = schedule_for(inst.theorem, check.version, const, inst.alpha, check.steps)
        row.update(eta=schedule.step_size.scale, tau=schedule.threshold.scale)
    row.update(left_region=left_region(check, result), family=inst.family,
               max_ratio=float(ratios[worst]), max_ratio_k=int(steps[worst]),
               max_ratio_stderr=float(stderrs[worst] / bounds[worst]),
               detail=inst.detail, _values=values[:, -1])
    return row


def explain(row: dict, sibling: dict | None) -> Finding:
    """The row's finding: its verdict with the evidence; a ``fails`` says which it is (bug,
    misread bound or erratum) from what the checks found."""
    theorem, version = row["theorem"], row["version"]
    evidence = (f"mean over {row['replicas']} replicas {row['measured']:.4g} +- 3 x "
                f"{row['stderr']:.2g} against the bound {row['bound']:.4g} at K = {row['K']} "
                f"(ratio {row['ratio']:.3g}); constants on {row['region']}, "
                f"{row['left_region']:.0%} of replicas left it")
    correction = None
    if row["verdict"] == "fails":
        if version == "main-text" and sibling is not None and sibling["verdict"] == "holds":
            power = tb.threshold_power(row["alpha"], "main-text")
            exponent = (exponents.theorem4_exponent(row["alpha"], power)
                        if theorem != "Theorem 2" else exponents.theorem2_exponent(
                            row["alpha"], "main"))
            evidence += (f"; the appendix schedule holds on the same draws: the main text's "
                         f"printed schedule is an erratum (the proof's bound with it decays "
                         f"like K^{exponent:.3g}, not as stated)")
            correction = (f"use the appendix schedule (verified on the same draws: "
                          f"{sibling['measured']:.4g} <= {sibling['bound']:.4g})")
        else:
            correction = (NO_CORRECTION + "the proof's schedule fails too, so the bound or its "
                          "constants are misread, or the engine has a bug: not resolved here")
    return Finding(row["verdict"], evidence, "monte-carlo", printed=row["bound"],
                   computed=row["measured"], correction=correction,
                   subject=f"{theorem} ({version}) on {row['instance']}, {row['noise']}, "
                           f"alpha={row['alpha']:g}", ref=REFS[theorem])


def paired_difference(main: dict, appendix: dict) -> dict:
    """main-text minus appendix measured value on the same draws, with its standard error."""
    diff = main["_values"] - appendix["_values"]
    stderr = float(np.std(diff, ddof=1) / math.sqrt(diff.size))
    return {"difference": float(np.mean(diff)), "stderr": stderr,
            "main_worse": bool(np.mean(diff) - 3 * stderr > 0),
            "appendix_worse": bool(np.mean(diff) + 3 * stderr < 0)}


# ----------------------------------------------------------------------------- tightness
def tightness(rows: list[dict]) -> dict:
    """Per theorem: the largest ratio found (over every checkpoint of every instance) and where;
    how loose each constant is; whether the main text's schedule did worse somewhere."""
    out = {}
    for theorem in THEOREMS:
        mine = [r for r in rows if r["theorem"] == theorem]
        best = max(mine, key=lambda r: r["max_ratio"])
        by_family = {family: max((r["max_ratio"] for r in mine if r["family"] == family),
                                 default=None) for family in ("rows", "lower-bound", "search")}
        worse = [r for r in mine if r["version"] == "main-text" and r.get("paired", {}).get(
            "main_worse")]
        entry = {"max_ratio": best["max_ratio"], "stderr": best["max_ratio_stderr"],
                 "at_k": best["max_ratio_k"], "version": best["version"],
                 "instance": best["instance"], "noise": best["noise"], "alpha": best["alpha"],
                 "family": best["family"], "detail": best["detail"],
                 "max_ratio_by_family": by_family,
                 "looseness": looseness(theorem, best),
                 "main_text_worse_on": [f"{r['instance']}, {r['noise']}, alpha={r['alpha']:g}: "
                                        f"+{r['paired']['difference']:.3g} "
                                        f"(+-{r['paired']['stderr']:.2g})" for r in worse],
                 "instances": len(mine)}
        out[theorem] = entry
    return out


def looseness(theorem: str, row: dict) -> dict:
    """How loose each constant of the bound is at the tightest instance."""
    alpha, K = row["alpha"], row["max_ratio_k"]
    if theorem == "Theorem 2":
        terms = tb.theorem2_terms(row["L"], row["sigma"], alpha, row["K"], row["F0"],
                                  row["eta"], row["tau"])
        return {"proof constants": "24 F0/(eta K) + 12 bias^2 + 24 L eta c_v sigma^a tau^(2-a): "
                                   "re-derived (Appendix C); the statement's constant was lost",
                "c_v": tb.variance_constant(alpha),
                "terms / bound": {name: value / row["bound"] for name, value in terms.items()}}
    out = {"printed 16 / proof's 12": tb.PRINTED_CONSTANT / tb.PROOF_CONSTANT}
    if row["version"] == "appendix":
        G = row.get("G") or row.get("B_norm2")
        out["printed bound / proof's exact sum"] = (
            tb.theorem4_bound(G, row["mu"], alpha, K) / tb.theorem4_proof_bound(G, row["mu"],
                                                                                 alpha, K))
    if "G_minkowski" in row and row["G_minkowski"] != row["G"]:
        out["(G Minkowski / exact G)^2"] = (row["G_minkowski"] / row["G"]) ** 2
    if "G_lower" in row:
        out["(||B||_alpha / Appendix E's lower side)^2"] = (row["G"] / row["G_lower"]) ** 2
    return out


# ----------------------------------------------------------------------------- entry point
def checks(budget: Budget) -> list[Check]:
    """The first round: rows, lower-bound instances and the random search, both versions."""
    out = []
    for inst in row_instances(budget) + lower_bound_instances(budget):
        steps, replicas = ((budget.steps2, budget.replicas2) if inst.theorem == "Theorem 2"
                           else (budget.steps, budget.replicas))
        out += [Check(inst, version, steps, replicas) for version in tb.VERSIONS]
    rng = np.random.default_rng(seed_of({"experiment": "bounds", "search": budget.name}) % 2**32)
    for theorem in THEOREMS:
        for i in range(budget.search):
            inst = search_instance(theorem, rng, budget.alphas, f"{i}")
            out += [Check(inst, v, budget.search_steps, budget.search_replicas)
                    for v in tb.VERSIONS]
    return out


def evaluate(check_list: list[Check]) -> list[dict]:
    results = compute([c.spec() for c in check_list])
    rows = [analyse(c, results[c.spec()]) for c in check_list]
    pairs = {}
    for row in rows:
        pairs.setdefault((row["theorem"], row["instance"], row["noise"], row["alpha"]),
                         {})[row["version"]] = row
    for pair in pairs.values():
        if len(pair) == 2:
            pair["main-text"]["paired"] = paired_difference(pair["main-text"], pair["appendix"])
            for version, other in (("appendix", "main-text"), ("main-text", "appendix")):
                finding = explain(pair[version], pair[other])
                pair[version]["finding"] = finding.as_dict()
    return rows


def run_bounds(budget: Budget | str = "quick", figures: bool = True) -> dict:
    """Rows (the grid), the lower-bound and search instances, tightness; writes
    ``figures/bounds.png``."""
    if isinstance(budget, str):
        check_choice("budget", budget, BUDGETS)
        budget = BUDGETS[budget]
    first = checks(budget)
    rows = evaluate(first)
    if budget.refine:
        rng = np.random.default_rng(seed_of({"experiment": "bounds", "refine": budget.name})
                                    % 2**32)
        extra = []
        for theorem in THEOREMS:
            found = sorted((r for r in rows if r["theorem"] == theorem and r["family"] ==
                            "search"), key=lambda r: -r["max_ratio"])[:3]
            for row in found:
                base = next(c for c in first if c.instance.name == row["instance"]
                            and c.instance.theorem == theorem)
                for j in range(budget.refine):
                    inst = perturb(base.instance, rng, f"{row['instance'][7:]}.{j}")
                    extra += [Check(inst, v, budget.search_steps, budget.search_replicas)
                              for v in tb.VERSIONS]
        rows += evaluate(extra)
        first += extra
    if budget.extend > 1:  # the ratios peak at the last k: does a longer run find more?
        longer = []
        for theorem in THEOREMS:
            best = max((r for r in rows if r["theorem"] == theorem), key=lambda r: r["max_ratio"])
            base = next(c for c in first if c.instance.name == best["instance"]
                        and c.instance.theorem == theorem and c.instance.label == best["noise"]
                        and c.instance.alpha == best["alpha"])
            steps = base.steps * budget.extend
            inst = replace(base.instance, name=f"{base.instance.name}-K{steps}")
            longer += [Check(inst, v, steps, base.replicas)
                       for v in tb.VERSIONS]
        rows += evaluate(longer)
    for row in rows:
        row.pop("_values", None)
    table = [r for r in rows if r["family"] == "rows"]
    out = {"budget": budget.name, "rows": table, "tightness": tightness(rows),
           "instances": [r for r in rows if r["family"] != "rows"],
           "summary": {v: sum(r["verdict"] == v for r in rows)
                       for v in ("holds", "fails", "inconclusive")}}
    if figures:
        out["figure"] = str(plot(rows))
    return out


def plot(rows: list[dict]):
    """Ratio measured/bound per row (log scale), one panel per theorem, the line ratio = 1."""
    from simlab.plotting import new_figure, save

    fig, axes = new_figure(ncols=2, nrows=2)
    markers = {"rows": "o", "lower-bound": "s", "search": "."}
    for ax, theorem in zip(axes.ravel(), THEOREMS, strict=True):
        for version, colour, shift in (("appendix", "tab:blue", -0.015),
                                       ("main-text", "tab:orange", 0.015)):
            for family, marker in markers.items():
                pts = [(r["alpha"] + shift, r["max_ratio"]) for r in rows if r["theorem"] == theorem
                       and r["version"] == version and r["family"] == family]
                if pts:
                    x, y = zip(*pts, strict=True)
                    ax.scatter(x, y, marker=marker, color=colour, s=18, alpha=0.8,
                               label=f"{version}, {family}")
        ax.axhline(1.0, color="black", linewidth=1)
        ax.set_yscale("log")
        ax.set_title(theorem, fontsize=9)
        ax.set_xlabel("alpha (appendix left, main text right)")
        ax.set_ylabel("max over k of measured / bound")
        ax.legend(fontsize=6)
    return save(fig, "bounds", caption="Each upper bound with its constants: the largest ratio "
                "measured/bound over k per instance (rows, lower-bound instances, search); "
                "a bound holds below the line")


__all__ = ["BUDGETS", "Budget", "FULL", "QUICK", "THEOREMS", "constants", "exact_G_1d",
           "run_bounds", "scaled_law"]
