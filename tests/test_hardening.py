"""Hardening (issue 18): faults, bad input and the distributed path, as a new user and a
cluster meet them. Each test here failed on the code before its fix.

Exact checks (bit-identical arrays, exit codes, one-line messages), no statistics, except where
a test says otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from simlab.cli import main
from simlab.sweep import Grid, Store, identical, iter_sweep, sweep

REPO = Path(__file__).resolve().parents[1]


def write_json(path: Path, document) -> str:
    path.write_text(json.dumps(document))
    return str(path)


def one_line_error(capsys, verb: str) -> str:
    """The stderr of a refused command: exactly one line, naming the verb."""
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"simlab {verb}: error:") or lines[0].startswith("simlab: error"), \
        lines[0]
    return lines[0]


# -- 1. Dask workers with a cold numba cache ------------------------------------------------

@pytest.mark.dask
def test_dask_sweep_with_a_cold_numba_cache(tmp_path):
    """A LocalCluster of 2 workers, an empty NUMBA_CACHE_DIR and a kernel specialisation
    (rmsprop under Cauchy noise, isotropic) that nothing compiled in that cache before.

    The driver script imports simlab at its top, as the ``simlab`` console script does: the
    spawned workers re-import it, so numba is imported before the Nanny's environment is
    applied. Before the fix every task raised "Cannot set NUMBA_NUM_THREADS to a different
    value once the threads have been launched" and the sweep exited 1 with a traceback."""
    spec = write_json(tmp_path / "spec.json", {
        "base": {"problem": "quadratic", "dim": 2, "noise": "cauchy", "algorithm": "rmsprop",
                 "steps": 20, "replicas": 4, "noise.geometry": "isotropic"},
        "axes": {"seed": [0, 1]}})
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent("""\
        import sys
        from simlab.cli import main
        if __name__ == "__main__":
            sys.exit(main(sys.argv[1:]))
        """))
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO),
           "SIMLAB_CACHE": str(tmp_path / "unused")}
    env.pop("NUMBA_NUM_THREADS", None)
    store = tmp_path / "store"
    run = subprocess.run([sys.executable, str(script), "sweep", "--spec", spec, "--workers", "2",
                          "--store", str(store), "--json"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Cannot set NUMBA_NUM_THREADS" not in run.stderr
    document = json.loads(run.stdout)
    assert document["computed"] == 2
    assert any(cache.rglob("*.nbi")), "the workers compiled into the empty cache"
    local = sweep(Grid.from_json(spec).cells(), tmp_path / "local", show_progress=False)
    for cell in Grid.from_json(spec).cells():
        assert identical(Store(store).get(cell), local[cell.key])


# -- 2. final_iterates is x_K even when the checkpoints end before K ------------------------

def test_final_iterates_are_x_K_when_the_checkpoints_end_early():
    """Checkpoints [1, 5, 10] of a K = 40 run: the engine used to stop at step 10 and report
    x_10 as x_K. The run whose checkpoints end at K draws the same streams (seed 3, 6
    replicas), so its final iterates are x_K bit for bit."""
    from simlab.noise import make_noise
    from simlab.problems import PROBLEMS
    from simlab.run import simulate

    args = dict(problem=PROBLEMS["quadratic"](dim=3), noise=make_noise("pareto", alpha=1.5),
                algorithm="gclip", steps=40, replicas=6, seed=3, alpha=1.5,
                show_progress=False)
    early = simulate(**args, checkpoints=[1, 5, 10])
    full = simulate(**args, checkpoints=[1, 5, 10, 40])
    assert early.checkpoints.tolist() == [1, 5, 10]
    assert early.params["steps"] == 40
    assert early.final_iterates.tobytes() == full.final_iterates.tobytes()
    assert early.metrics["error"].tobytes() == full.metrics["error"][:, :3].tobytes()
    stopped = simulate(**{**args, "steps": 10}, checkpoints=[1, 5, 10])
    assert stopped.final_iterates.tobytes() != early.final_iterates.tobytes()


# -- 3. an overflowed f(x) with a finite x counts as diverged ---------------------------------

def test_overflowed_objective_counts_as_diverged():
    """The issue's run: nonconvex, SGD with constant step 100, K = 100, 8 replicas (seed 0).
    The iterates stay finite (about 1e80) while f(x_k) overflows to +inf from k = 85: the
    table showed error inf and "diverged replicas: 0 of 8"."""
    from simlab.noise import make_noise
    from simlab.problems import PROBLEMS
    from simlab.run import simulate
    from simlab.schedules import constant

    result = simulate(PROBLEMS["nonconvex"](dim=10), make_noise("pareto", alpha=1.5), "sgd",
                      constant(100.0, float("inf")), steps=100, replicas=8, seed=0, alpha=1.5,
                      show_progress=False)
    assert np.all(np.isfinite(result.final_iterates)), "x stays finite: f overflows first"
    final_errors = result.metrics["error"][:, -1]
    assert result.diverged == np.count_nonzero(~np.isfinite(final_errors)) == 8
    for r, step in enumerate(result.diverged_step):
        column = int(np.searchsorted(result.checkpoints, step))
        assert result.checkpoints[column] == step  # found at a checkpoint
        assert np.all(np.isinf(result.metrics["error"][r, column:]))
        assert np.all(np.isfinite(result.metrics["error"][r, :column]))


def test_simulate_verb_divergence_count_agrees_with_the_table(capsys):
    assert main(["simulate", "--problem", "nonconvex", "--algorithm", "sgd", "--step-size",
                 "100", "--steps", "100", "--replicas", "8", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["diverged"] == 8
    assert document["metrics"]["error"]["diverged"] == 8


# -- 4. the checksum covers the sidecar; bad store paths are refused before any work ----------

TINY = {"problem": "quadratic", "dim": 3, "noise": "pareto", "algorithm": "gclip",
        "steps": 30, "replicas": 4, "alpha": 1.5}


def tiny_cells(seeds=(0, 1)):
    return Grid({k: v for k, v in TINY.items()}, {"seed": list(seeds)}).cells()


def _edit_quantiles(meta):
    meta["quantiles"] = [0.2, 0.5, 0.8]


def _edit_params(meta):
    meta["params"]["algorithm"] = "sgd"


def _edit_metric_names(meta):
    meta["metrics"] = list(reversed(meta["metrics"]))


def _edit_created(meta):  # not a field a load trusts: the entry stays valid
    meta["created"] = "1999-01-01T00:00:00+00:00"


@pytest.mark.parametrize("edit, status", [(_edit_quantiles, "corrupt"),
                                          (_edit_params, "corrupt"),
                                          (_edit_metric_names, "corrupt"),
                                          (_edit_created, "ok")])
def test_editing_the_sidecar_is_detected_and_recomputed(tmp_path, edit, status):
    """Editing the stored quantiles or params of a cell's .json used to load silently with
    wrong labels; now the sha256 covers them and the cell is recomputed (bit-identical)."""
    cells = tiny_cells()
    store = Store(tmp_path / "store")
    first = sweep(cells, store, show_progress=False)
    meta_path = store.root / f"{cells[0].key}.json"
    meta = json.loads(meta_path.read_text())
    edit(meta)
    meta_path.write_text(json.dumps(meta, indent=1))
    assert store.status(cells[0]) == status
    assert {e["key"]: e["status"] for e in store.list()}[cells[0].key] == status
    outcomes = {o.cell: o for o in iter_sweep(cells, store, show_progress=False)}
    expected = "recomputed" if status == "corrupt" else "cached"
    assert [outcomes[c].status for c in cells] == [expected, "cached"]
    assert identical(outcomes[cells[0]].result, first[cells[0].key])
    assert store.get(cells[0]).quantiles == first[cells[0].key].quantiles


def tiny_task(size: int, seed: int) -> dict:
    """A stored task for the tests (tests/ is a package: it imports as tests.test_hardening)."""
    return {"draws": np.random.default_rng(seed).random(size)}


def test_editing_a_tasks_sidecar_is_detected(tmp_path):
    from simlab.run.spec import Task

    task = Task("tests.test_hardening:tiny_task", {"size": 5})
    store = Store(tmp_path)
    sweep([task], store, show_progress=False)
    meta_path = store.root / f"{task.key}.json"
    meta = json.loads(meta_path.read_text())
    meta["arrays"] = []
    meta_path.write_text(json.dumps(meta))
    assert store.status(task) == "corrupt"


def _not_writable(tmp_path: Path) -> Path:
    """A directory this process cannot write: read-only by mode, or (as root, who ignores
    modes) a place under /sys, which nobody can create files in."""
    if os.geteuid() == 0:
        return Path("/sys/simlab-test-store")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.mark.parametrize("place", ["file", "under-file", "read-only", "env-file"])
def test_a_bad_store_is_refused_before_any_cell_is_computed(tmp_path, capsys, monkeypatch,
                                                            place):
    from simlab.run.spec import Spec

    def no_compute(*_, **__):
        raise AssertionError("a cell was computed before the store was checked")

    monkeypatch.setattr(Spec, "compute", no_compute)
    spec = write_json(tmp_path / "spec.json", {"base": TINY, "axes": {"seed": [0]}})
    blocker = tmp_path / "a-file"
    blocker.write_text("not a store")
    store = {"file": blocker, "under-file": blocker / "store", "env-file": blocker,
             "read-only": _not_writable(tmp_path)}[place]
    argv = ["sweep", "--spec", spec]
    if place == "env-file":
        monkeypatch.setenv("SIMLAB_CACHE", str(store))
    else:
        argv += ["--store", str(store)]
    assert main(argv) == 2
    message = one_line_error(capsys, "sweep")
    assert str(store) in message or str(blocker) in message
    assert blocker.read_text() == "not a store"


@pytest.mark.parametrize("action", ["list", "clear"])
def test_cache_verb_on_a_file_is_an_error(tmp_path, capsys, action):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a store")
    assert main(["cache", action, "--store", str(blocker)]) == 2
    assert "is a file" in one_line_error(capsys, "cache")
    assert blocker.read_text() == "not a store"


# -- 6. JSON tells inf from NaN -------------------------------------------------------------

def test_json_writes_nan_as_null_and_inf_as_a_string():
    from simlab.cli import dumps, loads_value

    document = json.loads(dumps({"nan": float("nan"), "inf": np.inf, "minus": -np.inf,
                                 "array": np.array([1.5, np.nan, np.inf]), "n": np.int64(3)}))
    assert document == {"nan": None, "inf": "inf", "minus": "-inf",
                        "array": [1.5, None, "inf"], "n": 3}
    assert [loads_value(v) for v in document["array"][1:]][1] == np.inf
    assert np.isnan(loads_value(None)) and loads_value("-inf") == -np.inf
    assert loads_value(2.5) == 2.5


def test_simulate_json_marks_diverged_values_as_inf(capsys):
    """All 8 replicas diverge (test above): the final mean error is +inf (diverged), its
    standard error undefined (inf - inf): before, both were null."""
    assert main(["simulate", "--problem", "nonconvex", "--algorithm", "sgd", "--step-size",
                 "100", "--steps", "100", "--replicas", "8", "--json"]) == 0
    error = json.loads(capsys.readouterr().out)["metrics"]["error"]
    assert error["mean"][-1] == "inf" and error["median"][-1] == "inf"
    assert error["stderr"][-1] is None
    assert all(isinstance(v, float) for v in error["mean"][:3])


# -- two sweeps on one store: claims ----------------------------------------------------------

DRIVER = """\
import json, sys, time
from pathlib import Path
from simlab.cli import main
if __name__ == "__main__":
    go = Path(sys.argv[1])
    while not go.exists():  # both processes start computing together
        time.sleep(0.01)
    sys.exit(main(sys.argv[2:]))
"""


def test_two_sweeps_on_one_store_compute_each_cell_once(tmp_path):
    """Two processes sweep the same 6 cells (each ~0.3 s: K = 50000, R = 100) on one store,
    released together. Before claims each computed all 6 (12 computations); now each cell is
    computed by exactly one of them and the other reads it from the store."""
    spec = write_json(tmp_path / "spec.json", {
        "base": {**TINY, "steps": 50_000, "replicas": 100}, "axes": {"seed": list(range(6))}})
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    go, store = tmp_path / "go", tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [subprocess.Popen([sys.executable, str(script), str(go), "sweep", "--spec",
                                   spec, "--store", str(store), "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    go.touch()
    documents = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        documents.append(json.loads(out))
    statuses = [{row["key"]: row["status"] for row in d["cells"]} for d in documents]
    assert statuses[0].keys() == statuses[1].keys() and len(statuses[0]) == 6
    for key in statuses[0]:
        assert sorted([statuses[0][key], statuses[1][key]]) == ["cached", "computed"], key
    assert documents[0]["computed"] + documents[1]["computed"] == 6
    assert not Store(store).claim_files()
    errors = [{row["key"]: row["final_median_error"] for row in d["cells"]} for d in documents]
    assert errors[0] == errors[1]


def _claim_file(store: Store, cell, pid: int, host: str, age: float = 0.0) -> Path:
    store.root.mkdir(parents=True, exist_ok=True)
    path = store.root / f"{cell.key}.claim"
    path.write_text(json.dumps({"pid": pid, "host": host, "token": "x", "since": 0}))
    if age:
        stamp = path.stat().st_mtime - age
        os.utime(path, (stamp, stamp))
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("owner", ["dead-pid", "old-heartbeat", "unreadable"])
def test_a_crashed_sweeps_claim_never_blocks(tmp_path, owner):
    """A claim left by a killed process (this host, pid gone), by a host whose heartbeat
    stopped 1 h ago, or a half-written claim 10 s old: taken over at once, the cell computed."""
    import socket

    cells = tiny_cells()
    store = Store(tmp_path / "store")
    if owner == "dead-pid":
        path = _claim_file(store, cells[0], _dead_pid(), socket.gethostname())
    elif owner == "old-heartbeat":
        path = _claim_file(store, cells[0], 1, "elsewhere", age=3600)
    else:
        path = _claim_file(store, cells[0], 1, "elsewhere", age=10)
        stamp = path.stat().st_mtime
        path.write_text('{"pid": ')
        os.utime(path, (stamp, stamp))
    outcomes = {o.cell: o.status for o in iter_sweep(cells, store, show_progress=False)}
    assert outcomes == {cells[0]: "computed", cells[1]: "computed"}
    assert not path.exists()


def test_a_live_claim_is_waited_for(tmp_path):
    """Another host's fresh claim on cell 0: the sweep computes cell 1, then waits until the
    owner stores cell 0 (a thread here, 0.5 s later) and reads it: computed once."""
    import threading

    cells = tiny_cells()
    store = Store(tmp_path / "store")
    path = _claim_file(store, cells[0], 1, "elsewhere")
    expected = cells[0].compute()

    def owner():
        Store(store.root).put(cells[0], expected, 0.0)
        path.unlink()

    timer = threading.Timer(0.5, owner)
    timer.start()
    outcomes = {o.cell: o for o in iter_sweep(cells, store, show_progress=False)}
    timer.join()
    assert outcomes[cells[1]].status == "computed"
    assert outcomes[cells[0]].status == "cached"
    assert identical(outcomes[cells[0]].result, expected)


def test_a_claim_released_without_a_result_is_taken_over(tmp_path):
    """The owner gives up (its cell failed): the waiting sweep computes the cell itself."""
    import threading

    cells = tiny_cells()
    store = Store(tmp_path / "store")
    path = _claim_file(store, cells[0], 1, "elsewhere")
    timer = threading.Timer(0.3, path.unlink)
    timer.start()
    outcomes = {o.cell: o.status for o in iter_sweep(cells, store, show_progress=False)}
    timer.join()
    assert outcomes == {cells[0]: "computed", cells[1]: "computed"}


def test_claims_are_released_when_a_cell_fails(tmp_path, monkeypatch):
    from simlab.run.spec import Spec

    def fail(*_, **__):
        raise RuntimeError("boom")

    monkeypatch.setattr(Spec, "compute", fail)
    store = Store(tmp_path / "store")
    with pytest.raises(RuntimeError, match="boom"):
        list(iter_sweep(tiny_cells(), store, show_progress=False))
    assert store.claim_files() == []


def test_cache_clear_removes_claim_files(tmp_path):
    store = Store(tmp_path / "store")
    _claim_file(store, tiny_cells()[0], 1, "elsewhere")
    assert store.clear()["files_removed"] == 1 and store.claim_files() == []


# -- the sweep verb's bad input: one line, exit 2, nothing computed or written ----------------

def _sweep_refuses(tmp_path, capsys, monkeypatch, spec_text, extra=(), timeout=None):
    from simlab.run import executors
    from simlab.run.spec import Spec

    def no_compute(*_, **__):
        raise AssertionError("a cell was computed")

    monkeypatch.setattr(Spec, "compute", no_compute)
    if timeout is not None:
        monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", timeout)
    path = tmp_path / "spec.json"
    path.write_bytes(spec_text if isinstance(spec_text, bytes) else spec_text.encode())
    store = tmp_path / "store"
    try:
        code = main(["sweep", "--spec", str(path), "--store", str(store), *extra])
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    message = one_line_error(capsys, "sweep")
    if "--scheduler" not in extra:  # refused before the store is even created
        assert not store.exists()
    assert not store.exists() or not any(store.iterdir())
    return message


GOOD = {"base": TINY, "axes": {"seed": [0]}}


@pytest.mark.parametrize("text, message", [
    ("{}".encode("utf-16"), "not UTF-8"),
    (json.dumps({"base": "quadratic", "axes": {}}), "must be JSON objects"),
    (json.dumps({"base": [TINY], "axes": {}}), "must be JSON objects"),
    (json.dumps({"base": {**TINY, "steps": True}, "axes": {}}), "steps K must be a whole"),
    (json.dumps({"base": {**TINY, "replicas": True}, "axes": {}}), "replicas R must be a whole"),
    (json.dumps({"base": TINY, "axes": {f"noise.x{i}": list(range(10)) for i in range(9)}}),
     "more than the 1,000,000"),
    (json.dumps({"base": {**TINY, "dim": 10 ** 13}, "axes": {}}), "of memory"),
    (json.dumps({"base": {**TINY, "steps": 10 ** 15}, "axes": {}}), "of memory"),
])
def test_sweep_bad_spec_files(tmp_path, capsys, monkeypatch, text, message):
    assert message in _sweep_refuses(tmp_path, capsys, monkeypatch, text)


def test_sweep_refuses_more_workers_than_cores(tmp_path, capsys, monkeypatch):
    message = _sweep_refuses(tmp_path, capsys, monkeypatch, json.dumps(GOOD),
                             ["--workers", "100000"])
    assert "100,000 workers" in message


@pytest.mark.parametrize("address, message", [
    ("tcp://127.0.0.1:1", "refused"), ("not a url", "missing port"),
    ("foo://x:1", "unknown address scheme")])
def test_sweep_bad_scheduler_is_one_line(tmp_path, capsys, monkeypatch, address, message):
    """A scheduler nobody listens at: one line after the timeout (1 s here, 10 s by default),
    where it was a 30 s wait and a 53-line traceback."""
    import time

    start = time.perf_counter()
    text = _sweep_refuses(tmp_path, capsys, monkeypatch, json.dumps(GOOD),
                          ["--scheduler", address], timeout=1)
    assert message in text and address in text
    assert time.perf_counter() - start < 15


# -- the README's sweep spec ------------------------------------------------------------------

def test_readme_shows_the_example_spec_file_and_it_builds():
    """The JSON block of the README's sweep section is examples/sweep.json, and its 8 cells
    build (names valid) without running."""
    import re

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Sweeps: the spec file and its names"):]
    block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    example = REPO / "examples" / "sweep.json"
    assert json.loads(block) == json.loads(example.read_text())
    grid = Grid.from_json(example)
    cells = grid.cells()
    assert len(cells) == 8
    for cell in cells:
        cell.build()
    for name in list(grid.base) + list(grid.axes):
        assert f"`{name.partition('.')[0]}" in section, name


def test_claims_without_hard_links_and_young_unreadable_claims(tmp_path, monkeypatch):
    """Where the file system has no hard links a claim is still exclusive; an unreadable claim
    younger than 5 s may be mid-write, so it is respected."""
    import errno

    cells = tiny_cells()
    store, other = Store(tmp_path), Store(tmp_path)

    def no_links(*_):
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    assert store.claim(cells[0]) and not other.claim(cells[0])
    assert other.claimed(cells[0]) and not store.claimed(cells[0])
    store.release(cells[0])
    assert other.claim(cells[0])
    path = tmp_path / f"{cells[1].key}.claim"
    path.write_text('{"pid": ')
    assert store.claimed(cells[1]) and not store.claim(cells[1])


def test_an_unforeseen_memory_error_is_one_line(capsys, monkeypatch):
    """The net under the size checks: a MemoryError from any verb (adam-update --samples 1e13
    was one) is one line and exit 2, not a traceback."""
    import simlab.cli.cache as cache

    def too_big(_):
        raise MemoryError

    monkeypatch.setattr(cache, "run", too_big)
    assert main(["cache", "list"]) == 2
    assert "out of memory" in one_line_error(capsys, "cache")
