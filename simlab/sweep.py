"""Sweeps: a grid of specs run through the store and an executor (the public face of
:mod:`simlab.run`; see :mod:`simlab.run.spec` for the spec names and the grid file,
:mod:`simlab.run.store` for the store's format, :mod:`simlab.run.executors` for the executors).

    from simlab.sweep import Grid, Store, sweep

    grid = Grid(base={"problem": "quadratic", "dim": 10, "noise": "pareto", "steps": 2000,
                      "replicas": 200},
                axes={"algorithm": ["gclip", "sgd"], "alpha": [1.2, 1.5, 2.0], "seed": [0, 1]})
    results = sweep(grid.cells(), store=Store("my-store"))      # {cell.key: Result}
    results = sweep(grid.cells(), store="my-store", workers=4)  # the same, on a Dask LocalCluster
"""

from simlab.run.executors import (
    Outcome,
    identical,
    iter_sweep,
    merge_replica_blocks,
    replica_blocks,
    run_cell,
    sweep,
)
from simlab.run.spec import SCHEDULES, Cell, Grid, Spec, Task
from simlab.run.store import Store

__all__ = ["SCHEDULES", "Cell", "Grid", "Outcome", "Spec", "Store", "Task", "identical",
           "iter_sweep", "merge_replica_blocks", "replica_blocks", "run_cell", "sweep"]
