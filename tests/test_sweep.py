"""Sweeps: cell keys and seeds, grids, the store (round trip, corruption, interruption), the
local and Dask executors (bit-identical results), and the ``sweep`` / ``cache`` verbs.

No statistics here: every check is exact (bit-identical arrays, equal keys, file mtimes).
Cells are tiny; the Dask tests share one 2-worker LocalCluster (module-scoped fixture).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import simlab
from simlab.cli import main
from simlab.errors import InputError
from simlab.sweep import Cell, Grid, Store, identical, iter_sweep, run_cell, sweep

REPO = Path(__file__).resolve().parents[1]

TINY = {"problem": "quadratic", "dim": 3, "noise": "pareto", "algorithm": "gclip",
        "steps": 60, "replicas": 8, "alpha": 1.5}


def tiny_grid() -> Grid:
    return Grid(base={k: v for k, v in TINY.items() if k not in ("algorithm", "alpha")},
                axes={"algorithm": ["gclip", "sgd"], "alpha": [1.5, 2.0]})


def mtimes(store: Store) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in store.root.iterdir()}


# -- cells and grids ------------------------------------------------------------------------

def test_equal_specs_have_equal_keys_and_different_specs_differ():
    cell = Cell.from_flat(TINY)
    assert cell.key == Cell.from_flat(dict(reversed(list(TINY.items())))).key
    assert cell.key == Cell.from_flat({**TINY, "alpha": 1.5, "steps": 60.0}).key
    assert Cell.from_flat({**TINY, "alpha": 2}).key == Cell.from_flat({**TINY, "alpha": 2.0}).key
    assert hash(cell) == hash(Cell.from_flat(TINY)) and cell == Cell.from_flat(TINY)
    for change in ({"seed": 1}, {"alpha": 1.6}, {"dim": 4}, {"noise.scale": 2.0},
                   {"checkpoints": 5}, {"schedule": "constant", "schedule.step_size": 0.1}):
        assert Cell.from_flat({**TINY, **change}).key != cell.key, change
    assert len(cell.key) == 64 and int(cell.key, 16) >= 0


def test_seed_is_derived_from_the_spec_without_the_version(monkeypatch):
    cell = Cell.from_flat(TINY)
    again = Cell.from_flat(TINY)
    assert cell.seed == again.seed and 0 <= cell.seed < 2 ** 63
    assert Cell.from_flat({**TINY, "algorithm": "sgd"}).seed != cell.seed
    assert Cell.from_flat({**TINY, "seed": 7}).seed == 7
    key = cell.key
    monkeypatch.setattr(simlab._version, "__version__", "999.0")
    bumped = Cell.from_flat(TINY)
    assert bumped.seed == cell.seed  # same streams across versions
    assert bumped.key != key  # but a new store key


def test_flat_names_and_stored_specs_round_trip():
    from simlab.run.spec import spec_from_json as _cell_from_spec

    cell = Cell.from_flat({**TINY, "noise.geometry": "isotropic", "checkpoints": [1, 7, 60],
                           "schedule": "constant", "schedule.step_size": 0.05,
                           "algorithm": "adam", "algorithm.beta1": 0.8})
    assert Cell.from_flat(cell.flat()) == cell and Cell.from_flat(cell.flat()).key == cell.key
    assert _cell_from_spec(json.loads(json.dumps(cell.spec()))) == cell
    assert cell.build()["checkpoints"].tolist() == [1, 7, 60]


def test_grid_expands_the_product_last_axis_fastest():
    grid = tiny_grid()
    cells = grid.cells()
    assert len(grid) == len(cells) == 4
    assert [(c.algorithm, c.alpha) for c in cells] == [
        ("gclip", 1.5), ("gclip", 2), ("sgd", 1.5), ("sgd", 2)]
    assert all(c.problem_params == (("dim", 3),) for c in cells)
    assert len({c.key for c in cells}) == 4


@pytest.mark.parametrize("bad, message", [
    ({"algorithm": "gclipp"}, "unknown algorithm"),
    ({"problem": "cubic"}, "unknown problem"),
    ({"noise": "levy"}, "unknown noise law"),
    ({"steps": 0}, "steps K must be >= 1"),
    ({"replicas": 2.5}, "whole number"),
    ({"alphabet": 1}, "unknown spec parameter"),
    ({"problem.curvy": 1}, "problem quadratic"),
    ({"noise.tail_index": 0.5}, "tail index"),
    ({"schedule": "theorem9"}, "unknown schedule"),
    ({"schedule": "constant"}, "step_size"),
    ({"algorithm": "proj-gclip"}, "bounded domain"),
    ({"checkpoints": [0, 10]}, "checkpoint"),
    ({"alpha": float("inf")}, "finite"),
])
def test_bad_specs_raise_input_errors(bad, message):
    with pytest.raises(InputError, match=message):
        Cell.from_flat({**TINY, **bad}).build()


def test_grid_rejects_bad_shapes():
    with pytest.raises(InputError, match="non-empty list"):
        Grid(base=TINY, axes={"seed": []})
    with pytest.raises(InputError, match="both in base and in axes"):
        Grid(base=TINY, axes={"alpha": [1.5]})
    with pytest.raises(InputError, match="'base' and 'axes'"):
        Grid.from_dict({"base": TINY, "axis": {}})


def test_schedule_constructors_receive_the_cells_alpha_and_steps():
    cell = Cell.from_flat({**TINY, "schedule": "theorem4", "schedule.G": 3.0,
                           "schedule.mu": 1.0, "alpha": 1.25})
    schedule = cell.build()["schedule"]
    assert schedule.threshold.power == pytest.approx(1 / 1.25)


# -- identical() can fail -------------------------------------------------------------------

def test_identical_detects_one_flipped_bit_and_a_changed_param():
    result = run_cell(Cell.from_flat(TINY))
    assert identical(result, run_cell(Cell.from_flat(TINY)))
    error = result.metrics["error"].copy()
    error.view(np.uint64)[0, -1] ^= np.uint64(1)  # one ulp
    flipped = type(result)(result.params, result.checkpoints, {**result.metrics, "error": error},
                           result.diverged_step, result.quantiles, result.final_iterates)
    assert not identical(result, flipped)
    other_params = type(result)({**result.params, "seed": -1}, result.checkpoints,
                                result.metrics, result.diverged_step, result.quantiles,
                                result.final_iterates)
    assert not identical(result, other_params)
    assert identical(result, type(result)({**result.params, "threads": 99}, result.checkpoints,
                                          result.metrics, result.diverged_step, result.quantiles,
                                          result.final_iterates))


def test_replica_blocks_merge_bit_identically_and_only_in_order():
    from simlab.run.executors import _run_on_worker, merge_replica_blocks, replica_blocks

    cell = Cell.from_flat({**TINY, "algorithm": "proj-gclip", "problem": "constrained-quadratic",
                           "replicas": 7})
    assert replica_blocks(7, 3) == [(0, 3), (3, 3), (6, 1)]
    assert replica_blocks(7, None) == [(0, 7)] and replica_blocks(7, 100) == [(0, 7)]
    parts = [_run_on_worker(cell, first, count, 1)[0] for first, count in replica_blocks(7, 3)]
    whole = run_cell(cell)
    assert identical(merge_replica_blocks(cell, parts), whole)
    assert not identical(merge_replica_blocks(cell, parts[::-1]), whole)


# -- the store ------------------------------------------------------------------------------

def test_store_round_trip_is_exact(tmp_path):
    cell = Cell.from_flat({**TINY, "algorithm": "adam", "noise": "stable", "noise.skew": 0.5})
    result = run_cell(cell)
    store = Store(tmp_path / "store")
    assert store.status(cell) == "missing" and store.get(cell) is None
    store.put(cell, result, seconds=0.1)
    loaded = store.get(cell)
    assert store.status(cell) == "ok" and cell in store
    assert identical(result, loaded, ignore=())  # params too, thread count included
    assert loaded.params == result.params and loaded.quantiles == result.quantiles
    assert sorted(p.suffix for p in store.root.iterdir()) == [".json", ".npz"]
    assert store.temporary_files() == []


def test_default_store_is_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMLAB_CACHE", str(tmp_path / "env-store"))
    assert Store().root == tmp_path / "env-store"
    monkeypatch.delenv("SIMLAB_CACHE")
    assert Store().root == Path(".simlab-cache")


@pytest.mark.parametrize("damage", ["truncate", "flip", "no-sidecar", "bad-sidecar",
                                    "foreign-sidecar"])
def test_damaged_entries_are_detected_and_recomputed(tmp_path, damage):
    cells = tiny_grid().cells()
    store = Store(tmp_path / "store")
    first = sweep(cells, store, show_progress=False)
    victim, other = cells[1], cells[2]
    data, meta = (store.root / f"{victim.key}.npz", store.root / f"{victim.key}.json")
    if damage == "truncate":
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif damage == "flip":
        payload = bytearray(data.read_bytes())
        payload[len(payload) // 2] ^= 0x01
        data.write_bytes(bytes(payload))
    elif damage == "no-sidecar":
        meta.unlink()
    elif damage == "bad-sidecar":
        meta.write_text(meta.read_text()[:20])
    else:  # the sidecar of another cell under this cell's name
        meta.write_text((store.root / f"{other.key}.json").read_text())
    assert store.status(victim) == "corrupt" and store.get(victim) is None
    assert {e["key"]: e["status"] for e in store.list()}[victim.key] in (
        "corrupt", "incomplete")
    untouched = {k: v for k, v in mtimes(store).items() if victim.key not in k}
    outcomes = {o.cell: o for o in iter_sweep(cells, store, show_progress=False)}
    assert outcomes[victim].status == "recomputed"
    assert [outcomes[c].status for c in cells if c != victim] == ["cached"] * 3
    assert identical(outcomes[victim].result, first[victim.key])
    assert store.status(victim) == "ok"
    assert {k: v for k, v in mtimes(store).items() if victim.key not in k} == untouched


def test_rerun_skips_finished_cells(tmp_path):
    cells = tiny_grid().cells()
    store = Store(tmp_path / "store")
    statuses = [o.status for o in iter_sweep(cells[:2], store, show_progress=False)]
    assert statuses == ["computed", "computed"]
    before = mtimes(store)
    outcomes = list(iter_sweep(cells + cells[:1], store, show_progress=False))
    assert [o.status for o in outcomes] == ["cached", "cached", "computed", "computed"]
    assert {k: v for k, v in mtimes(store).items() if k in before} == before
    results = sweep(cells, store, show_progress=False)
    assert list(results) == [c.key for c in cells]


def test_results_do_not_depend_on_the_order_of_execution(tmp_path):
    cells = tiny_grid().cells()  # seeds derived from each spec, not from a position
    forward = sweep(cells, tmp_path / "forward", show_progress=False)
    backward = sweep(cells[::-1], tmp_path / "backward", show_progress=False)
    assert all(identical(forward[c.key], backward[c.key]) for c in cells)
    assert not identical(forward[cells[0].key], forward[cells[1].key])


def test_progress_bar_counts_cells_and_is_silent_when_quiet(tmp_path, capsys, monkeypatch):
    import simlab.progress

    cells = tiny_grid().cells()[:3]
    sweep(cells[:1], tmp_path, show_progress=False)
    monkeypatch.setattr(simlab.progress.sys.stderr, "isatty", lambda: True, raising=False)
    simlab.progress.set_quiet(False)
    list(iter_sweep(cells, tmp_path / "a"))  # nothing stored: three cells to compute
    assert "sweep:   0%|" in capsys.readouterr().err
    list(iter_sweep(cells, tmp_path))  # one cell stored: two to compute
    err = capsys.readouterr().err
    assert "sweep (1 of 3 cells cached):   0%|" in err and "| 0/2 [" in err and "cell/s" in err
    simlab.progress.set_quiet(True)  # what --json does
    try:
        list(iter_sweep(cells, tmp_path / "b"))
    finally:
        simlab.progress.set_quiet(False)
    assert capsys.readouterr().err == ""


def test_entries_of_another_version_are_listed_as_stale(tmp_path, monkeypatch):
    store = Store(tmp_path / "store")
    cell = Cell.from_flat(TINY)
    sweep([cell], store, show_progress=False)
    assert [e["status"] for e in store.list()] == ["ok"]
    monkeypatch.setattr(simlab._version, "__version__", "999.0")
    assert [e["status"] for e in store.list()] == ["stale"]
    assert store.status(cell) == "missing"  # a new version never reads the old entry


def test_clear_removes_only_store_files(tmp_path):
    store = Store(tmp_path / "store")
    sweep(tiny_grid().cells()[:2], store, show_progress=False)
    key = tiny_grid().cells()[0].key
    (store.root / f".{key}.npz.abc.tmp").write_bytes(b"half a write")
    (store.root / "notes.txt").write_text("mine")
    assert len(store.list()) == 2 and len(store.temporary_files()) == 1
    report = store.clear()
    assert report["files_removed"] == 5
    assert [p.name for p in store.root.iterdir()] == ["notes.txt"]
    assert store.list() == []


# -- an interrupted sweep resumes and loses nothing -----------------------------------------

INTERRUPTED = {"problem": "quadratic", "dim": 10, "noise": "pareto", "steps": 1000,
               "replicas": 200, "alpha": 1.5}
INTERRUPTED_AXES = {"algorithm": ["gclip", "sgd", "nsgd", "cclip", "adam"]}


@pytest.mark.parametrize("executor", ["local", pytest.param("dask", marks=pytest.mark.dask)])
def test_a_killed_sweep_resumes_and_loses_nothing(tmp_path, request, executor):
    """SIGKILL a sweep (a subprocess; with Dask, the client process) once a cell is stored;
    the rerun keeps the finished cells untouched and computes exactly the others."""
    scheduler = (request.getfixturevalue("cluster").scheduler_address if executor == "dask"
                 else None)
    grid = Grid(INTERRUPTED, INTERRUPTED_AXES)
    cells = grid.cells()
    store = Store(tmp_path / "store")
    script = tmp_path / "run_sweep.py"
    script.write_text(textwrap.dedent(f"""
        from simlab.sweep import Grid, sweep
        if __name__ == "__main__":
            sweep(Grid({INTERRUPTED!r}, {INTERRUPTED_AXES!r}).cells(), {str(store.root)!r},
                  scheduler={scheduler!r})
    """))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(script)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while not (store.root.is_dir() and any(store.root.glob("*.json"))):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no cell finished in 300 s"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    finished = [c for c in cells if store.status(c) == "ok"]
    assert 1 <= len(finished) < len(cells), "the kill must land mid-sweep"
    before = mtimes(store)

    outcomes = {o.cell: o for o in iter_sweep(cells, store, scheduler=scheduler,
                                              show_progress=False)}
    assert all(store.status(c) == "ok" for c in cells)
    assert {outcomes[c].status for c in finished} == {"cached"}
    assert {outcomes[c].status for c in cells if c not in finished} == {"computed"}
    after = mtimes(store)
    for cell in finished:  # finished cells were not rewritten
        for suffix in (".npz", ".json"):
            assert after[cell.key + suffix] == before[cell.key + suffix]
    reference = sweep(cells, tmp_path / "reference", show_progress=False)
    assert all(identical(outcomes[c].result, reference[c.key]) for c in cells)


# -- the verbs ------------------------------------------------------------------------------

def write_spec(tmp_path, spec) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return str(path)


def test_sweep_verb_table_json_and_resume(tmp_path, capsys):
    grid = tiny_grid()
    spec = write_spec(tmp_path, {"base": grid.base, "axes": grid.axes})
    store = str(tmp_path / "store")
    assert main(["sweep", "--spec", spec, "--store", store, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [row["status"] for row in document["cells"]] == ["computed"] * 4
    assert document["computed"] == 4 and document["cached"] == 0
    assert [row["key"] for row in document["cells"]] == [c.key for c in grid.cells()]
    expected = run_cell(grid.cells()[0])
    assert document["cells"][0]["final_median_error"] == float(
        np.quantile(expected.metrics["error"][:, -1], 0.5, method="inverted_cdf"))
    assert main(["sweep", "--spec", spec, "--store", store]) == 0
    table = capsys.readouterr().out
    assert "cached 4" in table and "algorithm" in table and grid.cells()[0].key[:10] in table


@pytest.mark.parametrize("spec, message", [
    ({"base": {**TINY, "algorithm": "nope"}, "axes": {}}, "unknown algorithm"),
    ({"base": TINY, "axes": {"seed": 3}}, "non-empty list"),
    ({"base": {**TINY, "replicas": -1}, "axes": {}}, "replicas"),
    ("{not json", "not valid JSON"),
])
def test_sweep_verb_bad_spec_is_one_line_and_exit_2(tmp_path, capsys, spec, message):
    path = tmp_path / "spec.json"
    path.write_text(spec if isinstance(spec, str) else json.dumps(spec))
    assert main(["sweep", "--spec", str(path), "--store", str(tmp_path / "s")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith("simlab sweep: error:")


def test_sweep_verb_missing_spec_file(tmp_path, capsys):
    assert main(["sweep", "--spec", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cache_verb_lists_and_clears(tmp_path, capsys):
    store = Store(tmp_path / "store")
    cells = tiny_grid().cells()[:2]
    sweep(cells, store, show_progress=False)
    assert main(["cache", "list", "--store", str(store.root), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["cells"] == 2 and {e["status"] for e in listing["entries"]} == {"ok"}
    assert {e["key"] for e in listing["entries"]} == {c.key for c in cells}
    assert listing["entries"][0]["parameters"]["dim"] == 3
    assert main(["cache", "list", "--store", str(store.root)]) == 0
    assert "2 cells" in capsys.readouterr().out
    assert main(["cache", "clear", "--store", str(store.root)]) == 0
    assert "removed 4 files" in capsys.readouterr().out
    assert store.list() == []


# -- Dask -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    import distributed  # a runtime dependency: missing, the tests must fail, not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  env={"NUMBA_NUM_THREADS": "1"}, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as local_cluster:
        yield local_cluster


@pytest.mark.dask
def test_dask_gives_bit_identical_results_and_resumes(cluster, tmp_path):
    cells = tiny_grid().cells() + Grid({**TINY, "noise": "student-t"},
                                       {"seed": [0, 1]}).cells()
    local = sweep(cells, tmp_path / "local", show_progress=False)
    store = Store(tmp_path / "dask")
    sweep(cells[:2], store, show_progress=False)  # a sweep stopped after two cells
    corrupt = store.root / f"{cells[1].key}.npz"
    corrupt.write_bytes(corrupt.read_bytes()[:100])
    before = mtimes(store)
    outcomes = {o.cell: o for o in iter_sweep(cells, store, scheduler=cluster.scheduler_address,
                                              show_progress=False)}
    assert outcomes[cells[0]].status == "cached"
    assert outcomes[cells[1]].status == "recomputed"
    assert {outcomes[c].status for c in cells[2:]} == {"computed"}
    assert mtimes(store)[cells[0].key + ".npz"] == before[cells[0].key + ".npz"]
    for cell in cells:
        assert identical(outcomes[cell].result, local[cell.key]), cell
        assert identical(store.get(cell), local[cell.key])
    assert {outcomes[c].result.params["threads"] for c in cells[1:]} == {1}


@pytest.mark.dask
def test_dask_split_into_replica_blocks_is_bit_identical(cluster, tmp_path):
    cells = tiny_grid().cells()
    local = sweep(cells, tmp_path / "local", show_progress=False)
    split = sweep(cells, tmp_path / "split", scheduler=cluster.scheduler_address,
                  replicas_per_task=3, show_progress=False)
    assert all(identical(split[c.key], local[c.key]) for c in cells)
    assert {r.params["replicas"] for r in split.values()} == {TINY["replicas"]}


@pytest.mark.dask
def test_dask_workers_run_one_numba_thread(cluster):
    from distributed import Client

    def numba_threads():
        import numba

        return os.environ.get("NUMBA_NUM_THREADS"), numba.config.NUMBA_NUM_THREADS

    with Client(cluster.scheduler_address) as client:
        assert set(client.run(numba_threads).values()) == {("1", 1)}


@pytest.mark.dask
def test_sweep_verb_on_a_scheduler(cluster, tmp_path, capsys):
    grid = tiny_grid()
    spec = write_spec(tmp_path, {"base": grid.base, "axes": grid.axes})
    store = str(tmp_path / "store")
    assert main(["sweep", "--spec", spec, "--store", store, "--scheduler",
                 cluster.scheduler_address, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["executor"].startswith("dask tcp://")
    assert document["computed"] == 4
    local = sweep(grid.cells(), tmp_path / "local", show_progress=False)
    assert all(identical(Store(store).get(c), local[c.key]) for c in grid.cells())


@pytest.mark.slow
@pytest.mark.dask
def test_workers_option_starts_its_own_local_cluster(tmp_path):
    cells = tiny_grid().cells()
    local = sweep(cells, tmp_path / "local", show_progress=False)
    on_dask = sweep(cells, tmp_path / "dask", workers=2, show_progress=False)
    assert all(identical(on_dask[c.key], local[c.key]) for c in cells)
    assert {r.params["threads"] for r in on_dask.values()} == {1}


def test_workers_with_another_simlab_are_refused():
    from simlab.run.executors import _check_workers

    class FakeClient:
        def __init__(self, answer):
            self.answer = answer

        def run(self, function):
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer

    _check_workers(FakeClient({"tcp://a:1": simlab.__version__}))  # the right version passes
    with pytest.raises(InputError, match="another simlab version"):
        _check_workers(FakeClient({"tcp://a:1": simlab.__version__, "tcp://b:1": "0.0.1"}))
    with pytest.raises(InputError, match="cannot run simlab"):
        _check_workers(FakeClient(ModuleNotFoundError("No module named 'simlab'")))


def test_sweep_accepts_a_grid(tmp_path):
    grid = tiny_grid()
    assert list(sweep(grid, tmp_path, show_progress=False)) == [c.key for c in grid.cells()]


def test_executor_arguments_are_checked(tmp_path):
    cells = tiny_grid().cells()
    with pytest.raises(InputError, match="not both"):
        list(iter_sweep(cells, tmp_path, scheduler="tcp://x:1", workers=2))
    with pytest.raises(InputError, match="dask executor only"):
        list(iter_sweep(cells, tmp_path, executor="local", workers=2))
    with pytest.raises(InputError, match="unknown executor"):
        list(iter_sweep(cells, tmp_path, executor="ray"))
    with pytest.raises(InputError, match="replicas per task applies"):
        list(iter_sweep(cells, tmp_path, replicas_per_task=2))
    with pytest.raises(InputError, match="Spec or Task objects"):
        list(iter_sweep([TINY], tmp_path))
