"""Where an experiment's cells run: the store and the executor of the current reproduction or
verb, and the tally of cells computed and reused.

An experiment never calls the engine directly. It declares its cells (specs and tasks) and asks
for their results::

    from simlab.run import compute
    results = compute(cells)          # {cell: Result or {name: array}}, in the order given

``compute`` goes through the store (every cell is reused when present, written when computed)
and the executor of the current :func:`using` block: by default the local executor and the store
of ``$SIMLAB_CACHE`` (or ``.simlab-cache/``); ``simlab reproduce --workers N`` or
``--scheduler ADDRESS`` put a Dask cluster there. :func:`tally` counts the cells computed and
reused since the last :func:`reset_tally` (``simlab reproduce --json`` reports them per stage).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace

from simlab.run.executors import iter_sweep
from simlab.run.store import Store


@dataclass
class Runner:
    """The store and executor settings :func:`compute` uses, and its tally."""

    store: str | None = None
    executor: str | None = None
    scheduler: str | None = None
    workers: int | None = None
    numba_threads: int = 1
    show_progress: bool = False
    backend: str = "cpu"
    counts: dict = field(default_factory=lambda: {"computed": 0, "cached": 0})


_current = Runner()


def current() -> Runner:
    return _current


@contextlib.contextmanager
def using(**settings):
    """Run the ``compute`` calls of the block with these :class:`Runner` settings."""
    global _current
    previous = _current
    _current = replace(previous, **settings, counts=previous.counts)
    try:
        yield _current
    finally:
        _current = previous


def configure(**settings) -> Runner:
    """Set the runner for the rest of this process (a reproduction's stage process)."""
    global _current
    _current = replace(_current, **settings)
    return _current


def compute(cells) -> dict:
    """``{cell: result}`` for every cell (duplicates once), reused from the store or computed by
    the current executor and stored."""
    cells = list(cells)
    runner = _current
    store = Store(runner.store)
    outcomes = {}
    for outcome in iter_sweep(cells, store, executor=runner.executor,
                              scheduler=runner.scheduler, workers=runner.workers,
                              numba_threads=runner.numba_threads,
                              show_progress=runner.show_progress, backend=runner.backend):
        outcomes[outcome.cell] = outcome.result
        runner.counts["cached" if outcome.status == "cached" else "computed"] += 1
    return {cell: outcomes[cell] for cell in cells}


def tally() -> dict:
    """Cells computed and reused by :func:`compute` since the last :func:`reset_tally`."""
    return dict(_current.counts)


def reset_tally() -> None:
    _current.counts.update(computed=0, cached=0)


__all__ = ["Runner", "compute", "configure", "current", "reset_tally", "tally", "using"]
