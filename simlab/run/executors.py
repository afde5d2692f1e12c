"""Executors: run specs and tasks that are not yet in the store, locally or on Dask, and store
each one as it finishes.

    from simlab.run import Store, Spec, sweep
    results = sweep(specs, store=Store("my-store"))                # {key: Result}, local
    results = sweep(specs, store="my-store", workers=4)           # a Dask LocalCluster
    results = sweep(specs, store="my-store", scheduler="tcp://host:8786")

``local``: cell after cell in this process, each using every numba thread (the engine runs
blocks of replicas on ``numba.get_num_threads()`` threads). ``dask``: cell by cell on a
``dask.distributed`` cluster, an existing one (``scheduler="tcp://host:8786"``) or a local one
started for the sweep (``workers=N``: ``LocalCluster(n_workers=N, threads_per_worker=1,
processes=True)``). Each task calls ``numba.set_num_threads(numba_threads)`` (default 1; the
setting is per thread), so workers x threads never oversubscribes the cores. The environment is
never used for this: numba reads ``NUMBA_NUM_THREADS`` when it is imported *and again at every
compilation* (``numba.core.config.reload_config``, numba PR #1236), and refuses a value that
differs from the pool it has launched ("Cannot set NUMBA_NUM_THREADS to a different value once
the threads have been launched"). A Nanny applies its ``env`` only after the spawned worker has
re-imported the main script (which, for the ``simlab`` console script, imports simlab and
numba), so setting ``NUMBA_NUM_THREADS`` there made every compilation on a cold cache fail.
Each task therefore pins the variable to the value numba was imported with before it may
compile (:func:`_pin_numba_environment`), on a LocalCluster or any other cluster. The kernels
are top-level ``@njit(cache=True)`` functions of :mod:`simlab._kernels`, so every worker
process loads them from numba's on-disk cache (or compiles them once). A sweep
of few, large cells can split each engine cell into tasks of at most ``replicas_per_task``
replicas (``simulate``'s ``replica_offset``); the blocks are concatenated in replica order,
bit-identical to one piece. Results travel back to the client, which writes the store: the
workers need no shared file system, but they need this simlab version importable (checked
before any cell is submitted). A script that starts a LocalCluster (``workers=N``) needs the
usual ``if __name__ == "__main__":`` guard: the worker processes are spawned and re-import the
main module.

Two sweeps on one store share its cells: each claims a cell before computing it (see
:mod:`simlab.run.store`, *Claims*), computes the cells it could claim, then waits for the
cells another live sweep holds (or takes them over when that sweep died).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from simlab._version import version
from simlab.errors import InputError, check_choice, check_count
from simlab.run.engine import check_run_size
from simlab.run.spec import Grid, Spec, Task
from simlab.run.store import Heartbeat, Store

#: the executors a sweep or a reproduction can use
EXECUTORS = ("local", "dask")
#: how often a sweep looks for a cell that another sweep on the store is computing
CLAIM_POLL_SECONDS = 0.2
#: seconds to reach a Dask scheduler before giving up with one line
SCHEDULER_TIMEOUT = 10


def _version() -> str:
    return version()


def run_cell(cell: Spec | Task, show_progress: bool = False):
    """Compute one cell in this process (no store): an engine run or a task."""
    return cell.compute(show_progress=show_progress)


def identical(first, second, ignore=("threads",)) -> bool:
    """Bit-identical Results: every array equal byte for byte (NaN and inf included) and the
    params equal except ``ignore`` (the thread count differs between executors by design)."""
    def arrays(result):
        out = {"checkpoints": result.checkpoints, "diverged_step": result.diverged_step}
        out.update({f"metric/{k}": v for k, v in result.metrics.items()})
        if result.final_iterates is not None:
            out["final_iterates"] = result.final_iterates
        return out

    a, b = arrays(first), arrays(second)
    if a.keys() != b.keys() or tuple(first.quantiles) != tuple(second.quantiles):
        return False
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            return False
    drop = set(ignore)
    return ({k: v for k, v in first.params.items() if k not in drop}
            == {k: v for k, v in second.params.items() if k not in drop})


@dataclass(frozen=True)
class Outcome:
    """One cell of a sweep: its Result, ``status`` (``cached``, ``computed``, or
    ``recomputed`` when a corrupt store entry was replaced) and the compute time in seconds."""

    cell: Spec | Task
    result: object
    status: str
    seconds: float | None


def _pin_numba_environment() -> None:
    """Make ``NUMBA_NUM_THREADS`` in this process's environment agree with the thread pool numba
    was imported with, so that numba's re-reading of the environment at each compilation
    (``numba.core.config.reload_config``) finds no change once its threads are launched.
    Without it a worker whose environment changed after ``import numba`` (a Dask Nanny's
    ``env``, a user's ``os.environ`` edit) raises "Cannot set NUMBA_NUM_THREADS to a different
    value once the threads have been launched" on its first compilation (a cold cache)."""
    import numba

    os.environ["NUMBA_NUM_THREADS"] = str(numba.config.NUMBA_NUM_THREADS)


def _run_on_worker(cell: Spec | Task, first: int, count: int, numba_threads: int,
                   backend: str = "cpu"):
    """A Dask task: replicas ``first .. first + count - 1`` of a cell with ``numba_threads``
    numba threads (the setting is per thread, so it is made in the task, on the worker thread
    that runs the kernel)."""
    import numba

    _pin_numba_environment()
    numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))
    start = time.perf_counter()
    if cell.kind == "engine":
        result = cell.compute(replica_offset=first, replicas=count, backend=backend)
    else:
        result = cell.compute()
    return result, time.perf_counter() - start


def replica_blocks(replicas: int, per_task: int | None) -> list[tuple[int, int]]:
    """``(first replica, count)`` blocks of at most ``per_task`` replicas covering
    ``0 .. replicas - 1`` (one block when ``per_task`` is None)."""
    per_task = replicas if per_task is None else per_task
    return [(first, min(per_task, replicas - first)) for first in range(0, replicas, per_task)]


def merge_replica_blocks(cell: Spec | Task, parts: list):
    """One Result from Results of consecutive replica blocks of ``cell`` (in order): the
    per-replica arrays concatenated, the params those of a single run of every replica. The
    engine's streams depend only on (seed, replica index), so this is bit-identical to
    running the cell in one piece."""
    from simlab.run.result import Result

    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    metrics = {name: np.concatenate([part.metrics[name] for part in parts])
               for name in first.metrics}
    finals = (None if first.final_iterates is None else
              np.concatenate([part.final_iterates for part in parts]))
    params = {**first.params, "replicas": cell.replicas, "replica_offset": 0}
    return Result(params, first.checkpoints, metrics,
                  np.concatenate([part.diverged_step for part in parts]),
                  quantiles=first.quantiles, final_iterates=finals)


def iter_sweep(cells: Iterable[Spec | Task] | Grid,
               store: Store | str | os.PathLike | None = None, *,
               executor: str | None = None, scheduler: str | None = None,
               workers: int | None = None, numba_threads: int = 1,
               replicas_per_task: int | None = None,
               show_progress: bool = True, backend: str = "cpu") -> Iterator[Outcome]:
    """Run every cell (or every cell of a :class:`Grid`) not yet in the store, yielding an
    :class:`Outcome` per cell as it is available (cached ones first), each computed cell
    written to the store before it is yielded.

    ``executor`` is ``"local"`` or ``"dask"``; by default ``"dask"`` when ``scheduler`` (the
    address of a running cluster) or ``workers`` (start a LocalCluster of that many processes)
    is given, else ``"local"``. ``numba_threads``: numba threads per Dask task.
    ``replicas_per_task``: with Dask, split each cell into tasks of at most this many replicas
    (for sweeps of few, large cells; the merged Result is bit-identical to one piece). Every
    cell is validated (its objects built) before anything runs. Duplicate cells run once.
    ``backend``: where engine cells run (:data:`simlab.run.engine.BACKENDS`; "auto" takes the
    GPU for the combinations the CUDA backend supports, the CPU for the rest). The store key
    does not name the backend: the CUDA kernels give the CPU engine's bits where IEEE
    arithmetic allows (see simlab/run/cuda.py for the laws where they differ by ulps).
    """
    from simlab.progress import progress
    from simlab.run.engine import BACKENDS

    store = store if isinstance(store, Store) else Store(store)
    if executor is None:
        executor = "dask" if (scheduler is not None or workers is not None) else "local"
    check_choice("executor", executor, EXECUTORS)
    if executor == "local" and (scheduler is not None or workers is not None):
        raise InputError("scheduler and workers apply to the dask executor only")
    if scheduler is not None and workers is not None:
        raise InputError("give either a scheduler address or a number of workers, not both")
    if workers is not None:
        workers = check_workers(workers)
    numba_threads = check_count("numba threads per task", numba_threads)
    check_choice("backend", backend, BACKENDS)
    if replicas_per_task is not None:
        if executor != "dask":
            raise InputError("replicas per task applies to the dask executor only")
        replicas_per_task = check_count("replicas per task", replicas_per_task)

    cells = cells.cells() if isinstance(cells, Grid) else list(cells)
    for cell in cells:
        if not isinstance(cell, (Spec, Task)):
            raise InputError(f"a sweep takes Spec or Task objects, got {type(cell).__name__}")
    unique = list(dict.fromkeys(cells))
    for cell in unique:
        if cell.kind == "engine":
            check_run_size(cell.steps, cell.replicas, _spec_dim(cell),
                           cell.checkpoints if isinstance(cell.checkpoints, int) else
                           None if cell.checkpoints is None else len(cell.checkpoints))
            cell.build()
        else:
            cell.callable()
    store.check_writable()  # after the cells (a bad cell leaves no empty store behind), before
    # any work
    cached, pending, statuses = [], [], {}
    for cell in unique:
        state, result = store._load(cell)
        if result is not None:
            cached.append(Outcome(cell, result, "cached", None))
        else:
            statuses[cell] = "recomputed" if state == "corrupt" else "computed"
            pending.append(cell)
    yield from cached
    if not pending:
        return
    # the bar counts the cells to compute (its rate and time left are theirs); the cached
    # ones are named in its label
    label = f"sweep ({len(cached)} of {len(unique)} cells cached)" if cached else "sweep"
    bar = progress(total=len(pending), desc=label, unit="cell") if show_progress else None
    try:
        with Heartbeat(store):
            remaining = pending
            while remaining:
                # claim, then compute: lazily for the local executor (two local sweeps share
                # the cells), all at once for Dask; the cells claimed by another live sweep
                # are waited for afterwards
                taken: set = set()
                if executor == "local":
                    finished = _local(_claim(store, remaining, taken), backend)
                else:
                    mine = list(_claim(store, remaining, taken))
                    finished = (_dask(mine, scheduler, workers or os.cpu_count() or 1,
                                      numba_threads, replicas_per_task, backend)
                                if mine else ())
                for cell, result, seconds in finished:
                    store.put(cell, result, seconds)
                    store.release(cell)
                    if bar is not None:
                        bar.update(1)
                    yield Outcome(cell, result, statuses[cell], seconds)
                waiting = [cell for cell in remaining if cell not in taken]
                remaining = []
                while waiting and not remaining:
                    still = []
                    for cell in waiting:
                        result = store.get(cell)
                        if result is not None:  # the other sweep stored it
                            if bar is not None:
                                bar.update(1)
                            yield Outcome(cell, result, "cached", None)
                        elif store.claimed(cell):
                            still.append(cell)
                        elif (result := store.get(cell)) is not None:  # stored, then released
                            if bar is not None:
                                bar.update(1)
                            yield Outcome(cell, result, "cached", None)
                        else:  # its claim was released without a result, or went stale
                            remaining.append(cell)
                    waiting = still
                    if waiting and not remaining:
                        time.sleep(CLAIM_POLL_SECONDS)
                remaining += waiting
    finally:
        store.release_all()
        if bar is not None:
            bar.close()


def _claim(store: Store, cells, taken: set):
    """The cells of ``cells`` this process could claim, claimed as they are drawn; a cell that
    another sweep stored before this one claimed it is released and left to the waiting loop,
    which reads it."""
    for cell in cells:
        if store.claim(cell):
            if store.status(cell) == "ok":
                store.release(cell)
                continue
            taken.add(cell)
            yield cell


def _spec_dim(cell: Spec) -> int:
    """The dimension a spec names (``problem.dim``; 1 when it names none), read before the
    problem is built: a problem of dimension 1e13 would allocate before any check."""
    dim = dict(cell.problem_params).get("dim", 1)
    return dim if isinstance(dim, int) and not isinstance(dim, bool) and dim > 0 else 1


def check_workers(workers) -> int:
    """A LocalCluster's worker count: a whole number from 1 to the number of cores (each worker
    is a one-thread process: more only oversubscribe the cores, and 1e5 of them never start)."""
    workers = check_count("workers", workers)
    cores = os.cpu_count() or 1
    if workers > max(cores, 2):
        raise InputError(f"{workers:,} workers on a machine with {cores} cores: a LocalCluster "
                         f"runs one single-threaded process per worker; use at most "
                         f"{max(cores, 2)}, or a cluster (--scheduler)")
    return workers


def _connect(scheduler: str):
    """A Client of the scheduler at ``scheduler``, or one line (InputError) within
    :data:`SCHEDULER_TIMEOUT` seconds: a malformed address, an unknown scheme, nobody
    listening."""
    import socket

    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    # checked before a Client exists: a Client whose construction failed is left to the
    # garbage collector, and its __del__ (a blocking close of its event loop) deadlocked when
    # the collection ran while another thread was starting (seen: the claims' heartbeat)
    try:
        scheme, location = parse_address(scheduler)
        get_backend(scheme)
        if scheme in ("tcp", "tls"):
            socket.create_connection(parse_host_port(location), timeout=SCHEDULER_TIMEOUT).close()
        return Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT}s")
    except (OSError, ValueError, TypeError, MemoryError) as error:
        # MemoryError: something that is not a Dask scheduler answered, and its first bytes
        # read as the length of a huge frame (seen behind a proxy that accepts every port)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"cannot use the Dask scheduler {scheduler!r}: {first}") from None


def _worker_simlab_version() -> str:
    return version()


def _check_workers(client) -> None:
    """Every worker must import this simlab version: a cell's key names the version, so a
    result computed by other code must never be stored under it."""
    try:
        versions = client.run(_worker_simlab_version)
    except Exception as error:  # the workers could not even import simlab
        raise InputError(f"the Dask workers cannot run simlab ({type(error).__name__}: "
                         f"{error}); install simlab {_version()} on them") from None
    wrong = {worker: version for worker, version in versions.items() if version != _version()}
    if wrong:
        raise InputError(f"Dask workers run another simlab version than {_version()}: {wrong}")


def _local(cells: list[Spec | Task], backend: str = "cpu"):
    for cell in cells:
        start = time.perf_counter()
        result = cell.compute(backend=backend) if cell.kind == "engine" else cell.compute()
        yield cell, result, time.perf_counter() - start


def _dask(cells: list[Spec | Task], scheduler: str | None, workers: int, numba_threads: int,
          replicas_per_task: int | None, backend: str = "cpu"):
    from distributed import Client, LocalCluster, as_completed

    if scheduler is None:  # ":0": a free port (the scheduler serves HTTP even without bokeh)
        # no env={"NUMBA_NUM_THREADS": ...}: see the module docstring (the tasks set the count)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        cluster, client = None, _connect(scheduler)
    try:
        _check_workers(client)
        tasks = {}  # task key -> (cell, block index); blocks of one cell are gathered in order
        arguments = ([], [], [])
        for cell in cells:
            for index, (first, count) in enumerate(replica_blocks(cell.replicas,
                                                                  replicas_per_task)):
                tasks[f"simlab-cell-{cell.key}-{first}-{count}"] = cell, index
                for column, value in zip(arguments, (cell, first, count), strict=True):
                    column.append(value)
        blocks = {cell: len(replica_blocks(cell.replicas, replicas_per_task)) for cell in cells}
        parts: dict[Spec | Task, dict] = {cell: {} for cell in cells}
        # as_completed holds each future only until it is yielded: a finished cell's Result
        # leaves the cluster's memory once it is in the store
        for future in as_completed(client.map(_run_on_worker, *arguments, key=list(tasks),
                                              numba_threads=numba_threads,
                                              backend=backend)):
            result, seconds = future.result()
            cell, index = tasks[future.key]
            future.release()
            parts[cell][index] = result, seconds
            if len(parts[cell]) == blocks[cell]:
                finished = parts.pop(cell)
                done = [finished[i] for i in range(blocks[cell])]
                yield (cell, merge_replica_blocks(cell, [r for r, _ in done]),
                       sum(t for _, t in done))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def sweep(cells: Iterable[Spec | Task] | Grid,
          store: Store | str | os.PathLike | None = None, *,
          executor: str | None = None, scheduler: str | None = None, workers: int | None = None,
          numba_threads: int = 1, replicas_per_task: int | None = None,
          show_progress: bool = True, backend: str = "cpu") -> dict:
    """``{cell.key: Result}`` for every cell, in the order given, computing only the cells not
    already in the store (see :func:`iter_sweep` for the arguments)."""
    cells = cells.cells() if isinstance(cells, Grid) else list(cells)
    outcomes = {outcome.cell.key: outcome.result for outcome in iter_sweep(
        cells, store, executor=executor, scheduler=scheduler, workers=workers,
        numba_threads=numba_threads, replicas_per_task=replicas_per_task,
        show_progress=show_progress, backend=backend)}
    return {cell.key: outcomes[cell.key] for cell in cells}


__all__ = ["EXECUTORS", "Outcome", "identical", "iter_sweep", "merge_replica_blocks",
           "replica_blocks", "run_cell", "sweep"]
