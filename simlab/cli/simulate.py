"""``simlab simulate``: one algorithm, one problem, one noise law; a table or JSON.

The run is named by a :class:`simlab.run.spec.Spec` built from the flags' objects (the one
route from a description to the engine) and obtained through :func:`simlab.run.compute`: read
from the result store when present, else computed and stored.

The headline run (no flags) is projected GClip on the constrained quadratic under Theorem 4's
schedule (Zhang et al. 2020, Theorem 4, Appendix D threshold ``tau_k = G k^(1/alpha)``), with
Pareto noise of scale 10: at scale 1 the domain's gradient bound dominates ``G``, no gradient
ever reaches the threshold and the run is projected SGD; at scale 10 the noise dominates ``G``
and the early steps clip (about 4% of replicas at k = 1, a fraction that decays as the
threshold grows, as the proof intends).

Flags that do not apply are errors, never ignored: ``--threshold`` needs ``--step-size``;
``--printed`` picks Theorem 4/8's schedule, so it excludes ``--step-size`` and needs a clipping
algorithm; the zero-chain problem (Theorem 6) brings its own dimension and oracle, so
``--dim`` and the noise flags are refused with it. Sizes are checked before anything is
allocated (:func:`simlab.run.engine.check_run_size`).
"""

from __future__ import annotations

import numpy as np

from simlab.algorithms import ALGORITHMS, make_algorithm
from simlab.errors import InputError, check_choice, check_count, check_interval
from simlab.noise import GEOMETRIES, LAWS, make_noise
from simlab.problems import PROBLEMS
from simlab.run.engine import check_run_size
from simlab.run.context import compute
from simlab.run.spec import Spec
from simlab.schedules import THEOREM4_PRINTED, constant, theorem4, theorem8

HELP = "run replicas of one algorithm on one problem under one noise law"

#: the defaults of the flags that default to None (None: "not given", so that a flag that does
#: not apply can be refused)
DEFAULTS = {"noise": "pareto", "geometry": "coordinate", "scale": 10.0, "skew": 0.0, "dim": 10}
#: the flags the zero-chain problem ignores (its instance fixes the dimension and the oracle)
ZERO_CHAIN_IGNORES = ("noise", "tail_index", "geometry", "scale", "skew", "dim")


def configure(parser):
    parser.add_argument("--problem", default="constrained-quadratic", help=", ".join(PROBLEMS))
    parser.add_argument("--noise", default=None,
                        help=", ".join(LAWS) + " (default pareto; zero-chain uses its own "
                        "oracle)")
    parser.add_argument("--alpha", type=float, default=1.5,
                        help="moment order alpha of the assumptions, in (1, 2] (default 1.5)")
    parser.add_argument("--tail-index", type=float, default=None,
                        help="the law's tail index (pareto/stable index, student-t dof); "
                             "default: as heavy as a finite alpha-moment allows, with a margin")
    parser.add_argument("--geometry", default=None,
                        help="coordinate | isotropic (default coordinate)")
    parser.add_argument("--scale", type=float, default=None,
                        help="noise scale (default 10: the noise, not the domain, sets "
                        "Theorem 4's G, so GClip clips)")
    parser.add_argument("--skew", type=float, default=None,
                        help="stable skewness in [-1, 1] (default 0)")
    parser.add_argument("--algorithm", default="proj-gclip", help=", ".join(ALGORITHMS))
    parser.add_argument("--steps", type=int, default=1000, help="K")
    parser.add_argument("--replicas", type=int, default=200, help="R")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=None, help="dimension d (default 10)")
    parser.add_argument("--step-size", type=float, default=None,
                        help="constant step size (overrides the theorem's schedule)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="constant clipping threshold (only with --step-size; default inf)")
    parser.add_argument("--printed", default=None, choices=THEOREM4_PRINTED,
                        help="Theorem 4/8 threshold as printed in the main text or Appendix D "
                        "(not with --step-size)")
    parser.add_argument("--backend", default="cpu", choices=("cpu", "cuda", "auto"),
                        help="cpu threads, a CUDA GPU (simlab[cuda]), or auto (the GPU if any)")


def _check_flags(args) -> dict:
    """Refuse the flags that would be ignored; the values of the flags left unset."""
    given = {name: getattr(args, name) for name in ZERO_CHAIN_IGNORES
             if getattr(args, name) is not None}
    if args.problem == "zero-chain" and given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise InputError(f"{flags}: the zero-chain problem (Theorem 6) fixes its dimension and "
                         "its oracle; drop these flags or set instance.* in a sweep spec")
    if args.threshold is not None and args.step_size is None:
        raise InputError("--threshold sets a constant schedule's threshold: give --step-size "
                         "too (without it the theorem's schedule is used)")
    if args.printed is not None and args.step_size is not None:
        raise InputError("--printed chooses Theorem 4/8's schedule; --step-size replaces it "
                         "with a constant one: give one of them")
    return {**DEFAULTS, **given}


def run(args) -> dict:
    check_interval("alpha", args.alpha, 1.0, 2.0, low_open=True,
                   why="the moment order of Assumptions 1, 2 and 4")
    values = _check_flags(args)
    steps = check_count("steps K", args.steps)
    replicas = check_count("replicas R", args.replicas)
    dim = check_count("dimension", values["dim"])
    check_choice("problem", args.problem, PROBLEMS)
    check_choice("geometry", values["geometry"], GEOMETRIES)
    if "custom" in (args.problem, values["noise"]):  # simlab.custom: named by a module path
        raise InputError("a custom problem or noise law is named by its module path: use a "
                         "sweep spec (problem.function / noise.function = \"module:name\") "
                         "or the Python API (simlab.custom)")
    algorithm = make_algorithm(args.algorithm)
    if args.printed is not None and algorithm.name not in ("proj-gclip", "gclip", "cclip"):
        raise InputError(f"--printed chooses Theorem 4/8's clipping threshold; {algorithm.name} "
                         "does not clip by a threshold (use proj-gclip, gclip or cclip)")
    check_run_size(steps, replicas, 1 if args.problem == "zero-chain" else dim)
    if args.problem == "zero-chain":  # Theorem 6's instance comes with its own oracle
        from simlab.noise import ZeroChainOracle

        problem = PROBLEMS[args.problem]()
        noise = ZeroChainOracle.from_instance(problem.instance)
    else:
        noise = make_noise(values["noise"], tail_index=args.tail_index, alpha=args.alpha,
                           scale=values["scale"], geometry=values["geometry"],
                           skew=values["skew"])
        problem = PROBLEMS[args.problem](dim=dim)
    schedule = None
    if args.step_size is not None:
        schedule = constant(args.step_size, float("inf") if args.threshold is None
                            else args.threshold)
    elif args.printed is not None:
        from simlab.schedules import default_schedule

        base = default_schedule(problem, noise, algorithm, steps, args.alpha)
        G = base.threshold.scale
        make = theorem8 if algorithm.name == "cclip" else theorem4
        schedule = make(G, args.alpha, problem.strong_convexity, printed=args.printed)
    spec = Spec.of(problem, noise, algorithm, schedule, steps=steps, replicas=replicas,
                   alpha=args.alpha, seed=args.seed)
    backend = getattr(args, "backend", "cpu")
    # through the store (reused when present, as every stage of `simlab reproduce`); a GPU run
    # is computed directly (the store's executors run on the CPU)
    result = compute([spec])[spec] if backend == "cpu" else spec.compute(backend=backend)
    out = result.to_dict()
    out["constants"] = {
        "tail_index": noise.tail_index, "f_star": problem.f_star, "L": problem.smoothness,
        "mu": problem.strong_convexity,
        "sigma": noise.sigma(args.alpha, problem.dim) if args.alpha < noise.tail_index else None,
        "sigma_exact": noise.norm_moment(args.alpha, problem.dim).exact
        if args.alpha < noise.tail_index else None,
    }
    return out


def render(result: dict) -> str:
    p = result["parameters"]
    metrics = result["metrics"]
    lines = [
        f"{p['algorithm']} on {p['problem']} (d={p['dim']}), {p['noise']} noise "
        f"({p['geometry']}), alpha={p['alpha']:g}; {p['replicas']} replicas x {p['steps']} steps,"
        f" seed {p['seed']}",
        f"schedule {p['schedule']['name']}: eta_k = {p['schedule']['step_size']}, "
        f"tau_k = {p['schedule']['threshold']}",
        "",
    ]
    error_key = "avg_error" if "avg_error" in metrics else "error"
    header = (f"{'k':>8}  {error_key + ' mean':>14} {'+-stderr':>10} {'median':>11} "
              f"{'q0.9':>11} {'grad median':>12} {'clipped':>8}")
    lines.append(header)
    checkpoints = np.asarray(result["checkpoints"])
    rows = np.unique(np.linspace(0, checkpoints.size - 1, 10).round().astype(int))
    err = metrics[error_key]
    for i in rows:
        lines.append(
            f"{checkpoints[i]:>8d}  {err['mean'][i]:>14.4g} {err['stderr'][i]:>10.2g} "
            f"{err['median'][i]:>11.4g} {err['quantiles']['0.9'][i]:>11.4g} "
            f"{metrics['grad_norm']['median'][i]:>12.4g} "
            f"{metrics['clip_fraction']['mean'][i]:>8.2g}")
    lines.append(f"\ndiverged replicas: {result['diverged']} of {result['replicas']}")
    return "\n".join(lines)
