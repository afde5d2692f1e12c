"""``simlab simulate``: one algorithm, one problem, one noise law; a table or JSON."""

from __future__ import annotations

import numpy as np

from simlab.algorithms import ALGORITHMS, make_algorithm
from simlab.run.engine import simulate
from simlab.errors import InputError, check_count, check_interval
from simlab.noise import GEOMETRIES, LAWS, make_noise
from simlab.problems import PROBLEMS
from simlab.schedules import THEOREM4_PRINTED, constant, theorem4, theorem8

HELP = "run replicas of one algorithm on one problem under one noise law"


def configure(parser):
    parser.add_argument("--problem", default="constrained-quadratic", help=", ".join(PROBLEMS))
    parser.add_argument("--noise", default="pareto",
                        help=", ".join(LAWS) + " (zero-chain uses its own oracle)")
    parser.add_argument("--alpha", type=float, default=1.5,
                        help="moment order alpha of the assumptions, in (1, 2] (default 1.5)")
    parser.add_argument("--tail-index", type=float, default=None,
                        help="the law's tail index (pareto/stable index, student-t dof); "
                             "default: as heavy as a finite alpha-moment allows, with a margin")
    parser.add_argument("--geometry", default="coordinate", help="coordinate | isotropic")
    parser.add_argument("--scale", type=float, default=1.0, help="noise scale")
    parser.add_argument("--skew", type=float, default=0.0, help="stable skewness in [-1, 1]")
    parser.add_argument("--algorithm", default="proj-gclip", help=", ".join(ALGORITHMS))
    parser.add_argument("--steps", type=int, default=1000, help="K")
    parser.add_argument("--replicas", type=int, default=200, help="R")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=10, help="dimension d")
    parser.add_argument("--step-size", type=float, default=None,
                        help="constant step size (overrides the theorem's schedule)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="constant clipping threshold (with --step-size; default inf)")
    parser.add_argument("--printed", default=None, choices=THEOREM4_PRINTED,
                        help="Theorem 4/8 threshold as printed in the main text or Appendix D")
    parser.add_argument("--backend", default="cpu", choices=("cpu", "cuda", "auto"),
                        help="cpu threads, a CUDA GPU (simlab[cuda]), or auto (the GPU if any)")


def run(args) -> dict:
    check_interval("alpha", args.alpha, 1.0, 2.0, low_open=True,
                   why="the moment order of Assumptions 1, 2 and 4")
    check_count("steps K", args.steps)
    check_count("replicas R", args.replicas)
    check_count("dimension", args.dim)
    from simlab.errors import check_choice

    check_choice("problem", args.problem, PROBLEMS)
    check_choice("geometry", args.geometry, GEOMETRIES)
    if "custom" in (args.problem, args.noise):  # simlab.custom: named by a module path
        raise InputError("a custom problem or noise law is named by its module path: use a "
                         "sweep spec (problem.function / noise.function = \"module:name\") "
                         "or the Python API (simlab.custom)")
    algorithm = make_algorithm(args.algorithm)
    noise = make_noise(args.noise, tail_index=args.tail_index, alpha=args.alpha, scale=args.scale,
                       geometry=args.geometry, skew=args.skew)
    if args.problem == "zero-chain":  # Theorem 6's instance comes with its own oracle
        from simlab.noise import ZeroChainOracle

        problem = PROBLEMS[args.problem]()
        noise = ZeroChainOracle.from_instance(problem.instance)
    else:
        problem = PROBLEMS[args.problem](dim=args.dim)
    schedule = None
    if args.step_size is not None:
        schedule = constant(args.step_size, float("inf") if args.threshold is None
                            else args.threshold)
    elif args.printed is not None:
        from simlab.schedules import default_schedule

        base = default_schedule(problem, noise, algorithm, args.steps, args.alpha)
        G = base.threshold.scale
        make = theorem8 if algorithm.name == "cclip" else theorem4
        schedule = make(G, args.alpha, problem.strong_convexity, printed=args.printed)
    result = simulate(problem, noise, algorithm, schedule, steps=args.steps,
                      replicas=args.replicas, seed=args.seed, alpha=args.alpha,
                      backend=getattr(args, "backend", "cpu"))
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
            f"{metrics['clip_fraction']['mean'][i]:>8.3f}")
    lines.append(f"\ndiverged replicas: {result['diverged']} of {result['replicas']}")
    return "\n".join(lines)
