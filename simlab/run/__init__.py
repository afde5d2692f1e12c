"""The run pipeline: spec -> store -> executor -> result.

- :mod:`simlab.run.spec`: :class:`Spec` (an engine run by name), :class:`Task` (any other stored
  computation), :class:`Grid`: the only route from a description to a run;
- :mod:`simlab.run.engine`: :func:`simulate`, the engine over numba threads;
- :mod:`simlab.run.result`: :class:`Result`;
- :mod:`simlab.run.store`: :class:`Store`, durable, checksummed, resumable;
- :mod:`simlab.run.executors`: local and Dask executors (:func:`sweep`, :func:`iter_sweep`);
- :mod:`simlab.run.context`: :func:`compute`, how experiments get their cells' results through
  the store and the current executor.
"""

from simlab.run.context import compute, using
from simlab.run.engine import log_checkpoints, simulate
from simlab.run.executors import iter_sweep, sweep
from simlab.run.result import METRICS, Result
from simlab.run.spec import Cell, Grid, Spec, Task
from simlab.run.store import Store

__all__ = ["METRICS", "Cell", "Grid", "Result", "Spec", "Store", "Task", "compute",
           "iter_sweep", "log_checkpoints", "simulate", "sweep", "using"]
