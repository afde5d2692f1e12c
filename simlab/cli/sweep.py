"""``simlab sweep --spec FILE.json``: run a grid of cells, skipping those already in the store.

The spec file is ``{"base": {...}, "axes": {name: [values...]}}`` with the flat parameter names
of :mod:`simlab.sweep`, for example::

    {
      "base": {"problem": "quadratic", "dim": 10, "noise": "pareto", "steps": 2000,
               "replicas": 200},
      "axes": {"algorithm": ["gclip", "sgd"], "alpha": [1.5, 2.0], "seed": [0, 1]}
    }

Local by default (numba threads); ``--workers N`` starts a Dask LocalCluster of N one-thread
processes, ``--scheduler ADDRESS`` uses a running Dask cluster; ``--replicas-per-task R``
splits each cell into Dask tasks of at most R replicas (bit-identical once merged). Prints
one row per cell: key prefix, the values of the axes, computed / cached / recomputed, the
final median error.
"""

from __future__ import annotations

import math

import numpy as np

from simlab.run.executors import check_workers
from simlab.sweep import Grid, Store, iter_sweep

HELP = "run a grid of engine cells (local or Dask), resumable through the result store"


def configure(parser):
    parser.add_argument("--spec", required=True, metavar="FILE.json",
                        help='grid spec: {"base": {...}, "axes": {"name": [values]}}')
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="address of a running Dask scheduler (tcp://host:8786)")
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="start a Dask LocalCluster with N worker processes")
    parser.add_argument("--replicas-per-task", type=int, default=None, metavar="R",
                        help="with Dask: split each cell into tasks of at most R replicas")
    parser.add_argument("--store", default=None, metavar="DIR",
                        help="result store directory (default $SIMLAB_CACHE or .simlab-cache)")
    parser.add_argument("--backend", choices=("cpu", "cuda", "auto"), default="cpu",
                        help="where engine cells run: cpu (default), cuda (numba-cuda, "
                             "simlab[cuda]) or auto (the GPU where present and supported)")


def final_median_error(result) -> float:
    """Median over replicas at the last checkpoint of ``avg_error`` when the algorithm averages
    (Theorem 4's quantity), else of ``error``."""
    averaged = result.metrics["avg_error"]
    values = result.metrics["error"] if np.all(np.isnan(averaged)) else averaged
    return float(np.quantile(values[:, -1], 0.5, method="inverted_cdf"))


def run(args) -> dict:
    grid = Grid.from_json(args.spec)
    if args.workers is not None:
        check_workers(args.workers)
    store = Store(args.store)  # checked writable by iter_sweep before any cell runs
    cells = grid.cells()
    outcomes = {outcome.cell: outcome for outcome in iter_sweep(
        cells, store, scheduler=args.scheduler, workers=args.workers,
        replicas_per_task=args.replicas_per_task, backend=args.backend)}
    rows = []
    for cell in dict.fromkeys(cells):
        outcome = outcomes[cell]
        flat = cell.flat()
        rows.append({
            "key": cell.key, "parameters": {name: flat.get(name) for name in _axis_names(grid)},
            "status": outcome.status, "seconds": outcome.seconds,
            "final_median_error": final_median_error(outcome.result),
            "diverged": outcome.result.diverged, "replicas": outcome.result.replicas,
        })
    counts = {status: sum(row["status"] == status for row in rows)
              for status in ("computed", "recomputed", "cached")}
    executor = ("dask " + (args.scheduler or f"LocalCluster({args.workers} workers)")
                if args.scheduler or args.workers else "local")
    return {"store": str(store.root), "executor": executor, "base": grid.base,
            "cells": rows, **counts}


def _axis_names(grid: Grid) -> list[str]:
    return ["dim" if name == "problem.dim" else name for name in grid.axes]


def render(result: dict) -> str:
    names = list(result["cells"][0]["parameters"]) if result["cells"] else []
    widths = {name: max(len(name), *(len(str(row["parameters"][name])) for row in
                                     result["cells"])) for name in names}
    base = ", ".join(f"{k}={v}" for k, v in result["base"].items())
    lines = [f"{len(result['cells'])} cells on {result['executor']}; store {result['store']}",
             f"base: {base}", ""]
    header = "  ".join([f"{'key':<10}"] + [f"{name:<{widths[name]}}" for name in names]
                       + [f"{'status':<10}", f"{'seconds':>8}", f"{'final median error':>18}",
                          f"{'diverged':>9}"])
    lines.append(header)
    for row in result["cells"]:
        seconds = "" if row["seconds"] is None else f"{row['seconds']:.2f}"
        error = row["final_median_error"]
        error = "inf" if error is None or not math.isfinite(error) else f"{error:.4g}"
        lines.append("  ".join(
            [f"{row['key'][:10]:<10}"]
            + [f"{str(row['parameters'][name]):<{widths[name]}}" for name in names]
            + [f"{row['status']:<10}", f"{seconds:>8}", f"{error:>18}",
               f"{row['diverged']:>4}/{row['replicas']:<4}"]))
    lines.append(f"\ncomputed {result['computed']}, recomputed (corrupt) {result['recomputed']},"
                 f" cached {result['cached']}")
    return "\n".join(lines)
