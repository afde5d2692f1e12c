"""Sweeps: a grid of cells, a durable result store, and local or Dask executors.

    from simlab.sweep import Grid, Store, sweep

    grid = Grid(base={"problem": "quadratic", "dim": 10, "noise": "pareto", "steps": 2000,
                      "replicas": 200},
                axes={"algorithm": ["gclip", "sgd"], "alpha": [1.2, 1.5, 2.0], "seed": [0, 1]})
    results = sweep(grid.cells(), store=Store("my-store"))      # {cell.key: Result}
    results = sweep(grid.cells(), store="my-store", workers=4)  # the same, on a Dask LocalCluster

**Cells.** A :class:`Cell` is one engine run (:func:`simlab.engine.simulate`), named by a frozen,
hashable spec: problem, noise law and algorithm (each a name plus its parameters), a schedule
(``"default"`` or the name of a :mod:`simlab.schedules` constructor plus its arguments), ``steps``
K, ``replicas`` R, the moment order ``alpha``, the ``seed`` and the checkpoints. Its
:attr:`Cell.key` is the sha256 of a canonical JSON of the spec and ``simlab.__version__``: the
store file name. Integral floats are written as integers (``alpha=2`` and ``alpha=2.0`` are one
cell).

**Seeds** (benchopt's lesson: never from the order of execution). A cell's seed is either given
(``"seed"``; give the same seed to two algorithms for common random numbers) or, when omitted,
derived from the spec: the first 63 bits of the sha256 of the canonical spec *without* the
seed and *without* the simlab version, so a version bump changes store keys but not the streams.
The engine's replica streams depend only on ``(seed, replica index)``, so a cell gives
bit-identical arrays whatever the executor, worker or thread count.

**Flat parameter names** (``Grid`` and the ``simlab sweep`` spec file): ``problem``, ``noise``,
``algorithm``, ``schedule`` (names); ``steps``, ``replicas``, ``alpha``, ``seed``,
``checkpoints`` (an integer: about that many log-spaced checkpoints; a list: exactly those);
``dim`` (short for ``problem.dim``); ``problem.<arg>``, ``noise.<arg>``, ``algorithm.<arg>``,
``schedule.<arg>`` for the constructors' keyword arguments (e.g. ``noise.tail_index``,
``noise.geometry``, ``problem.mu``, ``algorithm.beta1``, ``schedule.step_size``).
:func:`simlab.schedules.theorem2`/``theorem4``/``theorem8`` receive the cell's ``alpha`` and
``steps`` unless given. The grid file of ``simlab sweep --spec`` is::

    {
      "base": {"problem": "quadratic", "dim": 10, "noise": "pareto", "steps": 2000,
               "replicas": 200, "schedule": "constant", "schedule.step_size": 0.05},
      "axes": {"algorithm": ["gclip", "sgd"], "alpha": [1.5, 2.0], "seed": [0, 1]}
    }

``axes`` is expanded as a Cartesian product (the last axis varies fastest); ``base`` holds the
values common to every cell.

**Store.** One cell, two files in the store directory (default ``$SIMLAB_CACHE`` or
``.simlab-cache/``): ``<key>.npz`` holds the Result's arrays (checkpoints, one (replicas x
checkpoints) array per metric, ``diverged_step``, ``final_iterates``), and ``<key>.json``, written
*last*, holds the cell spec, the Result's params and quantiles, and the sha256 of the ``.npz``
bytes. Each file is written to a temporary name in the same directory, flushed and fsync'ed, then
``os.replace``'d over the final name, and the directory is fsync'ed. A cell counts as finished
only when its ``.json`` exists, parses, names this cell and its checksum matches the ``.npz``: a
sweep killed at any instant leaves every cell either finished or absent, and a truncated or
corrupted file is detected and the cell recomputed. Two sweeps writing the same cell at once
cannot produce a wrong entry either: at worst the last sidecar vouches for the other writer's
``.npz`` (whose zip timestamps differ), the check fails and the cell is computed once more.

*Why npz:* a cell's payload is a handful of dense float64/int64 arrays of a few kB to a few MB.
``np.savez`` (uncompressed) writes them bit-exactly, at disk speed, with numpy alone (parquet
would need pyarrow and suits tables, not (replicas x checkpoints) matrices; zarr's chunked
directories make a single atomic rename impossible). A file per cell keeps writes independent
(no lock, no shared index to corrupt) and makes ``os.replace`` the commit point.

**Executors.** ``local``: cell after cell in this process, each using every numba thread
(the engine runs blocks of replicas on ``numba.get_num_threads()`` threads). ``dask``: cell by
cell on a ``dask.distributed`` cluster, an existing one (``scheduler="tcp://host:8786"``) or a
local one started for the sweep (``workers=N``:
``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)`` with
``NUMBA_NUM_THREADS=1`` set in each worker process before numba is imported). Each task also
calls ``numba.set_num_threads(numba_threads)`` (default 1; the setting is per thread), so
workers x threads never oversubscribes the cores on a cluster started elsewhere. The kernels are
top-level ``@njit(cache=True)`` functions of :mod:`simlab._kernels`, so every worker process
loads them from numba's on-disk cache (or compiles them once). A sweep of few, large cells can
split each cell into tasks of at most ``replicas_per_task`` replicas (``simulate``'s
``replica_offset``); the blocks are concatenated in replica order, bit-identical to one piece.
Results travel back to the client,
which writes the store: the workers need no shared file system, but they need this simlab
version importable (checked before any cell is submitted). A script that starts a LocalCluster
(``workers=N``) needs the usual ``if __name__ == "__main__":`` guard: the worker processes are
spawned and re-import the main module.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import itertools
import json
import logging
import math
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from simlab.errors import InputError, check_choice, check_count, check_positive

#: the ``schedule`` names a cell accepts besides "default": constructors of simlab.schedules
SCHEDULES = ("default", "constant", "theorem2", "theorem4", "theorem8")
_GROUPS = ("problem", "noise", "algorithm", "schedule")
_SCALARS = ("steps", "replicas", "alpha", "seed", "checkpoints")
_ALIASES = {"dim": "problem.dim"}
_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_DEFAULT_STORE = ".simlab-cache"


def _version() -> str:
    from simlab import __version__

    return __version__


# -- canonical values -----------------------------------------------------------------------

def _canonical(name: str, value):
    """A JSON-stable, hashable form: integral floats as ints, sequences as tuples."""
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            raise InputError(f"{name} must be finite in a sweep spec, got {value}")
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_canonical(name, item) for item in value)
    raise InputError(f"{name} must be a number, a string or a list of them, got {value!r}")


def _params(group: str, value) -> tuple:
    """Keyword arguments as a sorted tuple of (name, canonical value) pairs."""
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)
    if not isinstance(value, dict):
        raise InputError(f"{group} parameters must be a mapping, got {value!r}")
    return tuple(sorted((str(k), _canonical(f"{group}.{k}", v)) for k, v in value.items()))


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def _canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


# -- cells ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One engine run, named by its spec (see the module docstring).

    ``*_params`` accept dicts and are stored as sorted tuples of pairs, so a cell is hashable
    and equal cells have equal keys. ``seed=None`` is replaced by the seed derived from the
    spec's hash (without the seed and the simlab version). ``checkpoints``: ``None`` (the
    engine's ~30 log-spaced steps), an integer count of log-spaced steps, or a list of steps.
    """

    problem: str
    noise: str
    algorithm: str
    steps: int
    replicas: int
    alpha: float = 2.0
    seed: int | None = None
    schedule: str = "default"
    checkpoints: int | tuple[int, ...] | None = None
    problem_params: tuple = ()
    noise_params: tuple = ()
    algorithm_params: tuple = ()
    schedule_params: tuple = ()

    def __post_init__(self):
        from simlab.algorithms import ALGORITHMS
        from simlab.noise import LAWS
        from simlab.problems import PROBLEMS

        check_choice("problem", self.problem, PROBLEMS)
        check_choice("noise law", self.noise, LAWS)
        check_choice("algorithm", self.algorithm, ALGORITHMS)
        check_choice("schedule", self.schedule, SCHEDULES)
        set_ = object.__setattr__
        set_(self, "steps", check_count("steps K", self.steps))
        set_(self, "replicas", check_count("replicas R", self.replicas))
        set_(self, "alpha", _canonical("alpha", check_positive("alpha", self.alpha)))
        checkpoints = self.checkpoints
        if checkpoints is not None:
            if isinstance(checkpoints, (list, tuple, np.ndarray)):
                checkpoints = tuple(sorted({check_count("checkpoint", c) for c in checkpoints}))
                if not checkpoints or checkpoints[-1] > self.steps:
                    raise InputError(f"checkpoints must lie in [1, {self.steps}]")
            else:
                checkpoints = check_count("checkpoint count", checkpoints)
        set_(self, "checkpoints", checkpoints)
        for group in _GROUPS:
            set_(self, f"{group}_params", _params(group, getattr(self, f"{group}_params")))
        if "alpha" in dict(self.noise_params):
            raise InputError("give alpha once, as the cell's alpha, not as noise.alpha")
        if self.schedule == "default" and self.schedule_params:
            raise InputError("the default schedule takes no arguments; name a schedule "
                             f"({', '.join(SCHEDULES[1:])})")
        if self.seed is None:
            digest = hashlib.sha256(_canonical_json(self._spec(seed=False)).encode()).digest()
            set_(self, "seed", int.from_bytes(digest[:8], "big") >> 1)
        elif isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise InputError(f"seed must be a whole number, got {self.seed!r}")
        else:
            set_(self, "seed", int(self.seed))

    # -- spec and key
    def _spec(self, seed: bool = True) -> dict:
        spec = {
            group: {"name": getattr(self, group),
                    **{k: _jsonable(v) for k, v in getattr(self, f"{group}_params")}}
            for group in _GROUPS
        }
        spec.update(steps=self.steps, replicas=self.replicas, alpha=self.alpha,
                    checkpoints=_jsonable(self.checkpoints))
        if seed:
            spec["seed"] = self.seed
        return spec

    def spec(self) -> dict:
        """The canonical spec as plain JSON types (what the key hashes, minus the version)."""
        return self._spec()

    @property
    def key(self) -> str:
        """sha256 (hex) of the canonical JSON of the spec and ``simlab.__version__``."""
        payload = _canonical_json({"cell": self._spec(), "simlab": _version()})
        return hashlib.sha256(payload.encode()).hexdigest()

    def flat(self) -> dict:
        """The spec under the flat names of :class:`Grid` (``dim``, ``noise.tail_index``...)."""
        out = {group: getattr(self, group) for group in _GROUPS}
        for group in _GROUPS:
            for name, value in getattr(self, f"{group}_params"):
                out[f"{group}.{name}"] = _jsonable(value)
        out.update(steps=self.steps, replicas=self.replicas, alpha=self.alpha, seed=self.seed,
                   checkpoints=_jsonable(self.checkpoints))
        if "problem.dim" in out:
            out["dim"] = out.pop("problem.dim")
        return out

    @classmethod
    def from_flat(cls, values: dict) -> Cell:
        """A cell from flat names (see the module docstring); unknown names are an error."""
        direct: dict = {}
        groups: dict[str, dict] = {group: {} for group in _GROUPS}
        for name, value in values.items():
            name = _ALIASES.get(name, name)
            group, dot, arg = name.partition(".")
            if dot and group in _GROUPS and arg:
                groups[group][arg] = value
            elif not dot and name in _GROUPS + _SCALARS:
                direct[name] = value
            else:
                raise InputError(f"unknown sweep parameter {name!r}; use one of "
                                 f"{', '.join(_GROUPS + _SCALARS)}, dim, or "
                                 "problem.<arg>, noise.<arg>, algorithm.<arg>, schedule.<arg>")
        missing = [name for name in ("problem", "noise", "algorithm", "steps", "replicas")
                   if name not in direct]
        if missing:
            raise InputError(f"a cell needs {', '.join(missing)}")
        return cls(**direct, **{f"{g}_params": groups[g] for g in _GROUPS})

    # -- building the engine's objects
    def build(self) -> dict:
        """The keyword arguments of :func:`simlab.engine.simulate` for this cell (validated:
        a bad name or value raises :class:`InputError`)."""
        from simlab import schedules
        from simlab.algorithms import make_algorithm
        from simlab.engine import log_checkpoints
        from simlab.noise import make_noise
        from simlab.problems import PROBLEMS

        problem = _construct(f"problem {self.problem}", PROBLEMS[self.problem],
                             dict(self.problem_params))
        noise = _construct(f"noise {self.noise}", make_noise,
                           {"alpha": self.alpha, **dict(self.noise_params)}, self.noise)
        algorithm = _construct(f"algorithm {self.algorithm}", make_algorithm,
                               dict(self.algorithm_params), self.algorithm)
        if algorithm.projected and not problem.projected:  # simulate's check, made up front
            raise InputError(f"{algorithm.name} needs a bounded domain; {problem.name} has none")
        if self.schedule == "default":  # what simulate would pick, built here to validate it
            schedule = schedules.default_schedule(problem, noise, algorithm, self.steps,
                                                  self.alpha)
        else:
            constructor = getattr(schedules, self.schedule)
            kwargs = dict(self.schedule_params)
            accepted = inspect.signature(constructor).parameters
            for name, value in (("alpha", self.alpha), ("steps", self.steps)):
                if name in accepted and name not in kwargs:
                    kwargs[name] = value
            schedule = _construct(f"schedule {self.schedule}", constructor, kwargs)
        if isinstance(self.checkpoints, int):
            checkpoints = log_checkpoints(self.steps, self.checkpoints)
        elif self.checkpoints is None:
            checkpoints = None
        else:
            checkpoints = np.array(self.checkpoints, dtype=np.int64)
        return dict(problem=problem, noise=noise, algorithm=algorithm, schedule=schedule,
                    steps=self.steps, replicas=self.replicas, seed=self.seed, alpha=self.alpha,
                    checkpoints=checkpoints)

    def __repr__(self):
        varying = ", ".join(f"{k}={v}" for k, v in self.flat().items() if v not in (None, ()))
        return f"Cell({self.key[:10]}: {varying})"


def _construct(what: str, constructor, kwargs: dict, *args):
    """Call a constructor, turning an unknown or ill-typed keyword into an InputError."""
    try:
        return constructor(*args, **kwargs)
    except InputError:
        raise
    except TypeError as error:
        raise InputError(f"{what}: {error}") from None


@dataclass(frozen=True)
class Grid:
    """``base`` values shared by every cell and ``axes`` (name -> list of values) expanded as
    a Cartesian product, the last axis varying fastest; names are the flat names of
    :meth:`Cell.from_flat`."""

    base: dict
    axes: dict

    def __post_init__(self):
        if not isinstance(self.base, dict) or not isinstance(self.axes, dict):
            raise InputError("a grid needs a 'base' mapping and an 'axes' mapping")
        for name, values in self.axes.items():
            if not isinstance(values, (list, tuple)) or len(values) == 0:
                raise InputError(f"axis {name!r} must be a non-empty list of values")
        overlap = set(self.base) & set(self.axes)
        if overlap:
            raise InputError(f"{sorted(overlap)} given both in base and in axes")

    @classmethod
    def from_dict(cls, spec: dict) -> Grid:
        if not isinstance(spec, dict) or set(spec) - {"base", "axes"}:
            raise InputError("a grid spec is a JSON object with keys 'base' and 'axes'")
        return cls(dict(spec.get("base", {})), dict(spec.get("axes", {})))

    @classmethod
    def from_json(cls, path) -> Grid:
        try:
            text = Path(path).read_text()
        except OSError as error:
            raise InputError(f"cannot read the grid spec {path}: {error.strerror}") from None
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path} is not valid JSON: {error}") from None
        return cls.from_dict(spec)

    def __len__(self) -> int:
        return math.prod(len(values) for values in self.axes.values())

    def cells(self) -> list[Cell]:
        names = list(self.axes)
        return [Cell.from_flat({**self.base, **dict(zip(names, combination, strict=True))})
                for combination in itertools.product(*self.axes.values())]


def run_cell(cell: Cell, show_progress: bool = False):
    """One engine run: build the cell's objects by name and call :func:`simlab.simulate`."""
    from simlab.engine import simulate

    return simulate(**cell.build(), show_progress=show_progress)


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


# -- the store ------------------------------------------------------------------------------

def _fsync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path: Path, payload: bytes) -> None:
    """Temporary file in the same directory, fsync, then ``os.replace`` (the commit point)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp's 0600 would hide the store from others
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a Result's params")


class Store:
    """A directory of finished cells (see the module docstring for the format and guarantees).

    ``root`` defaults to ``$SIMLAB_CACHE`` or ``.simlab-cache`` in the working directory.
    """

    def __init__(self, root=None):
        root = root if root is not None else os.environ.get("SIMLAB_CACHE") or _DEFAULT_STORE
        self.root = Path(root)

    def __repr__(self):
        return f"Store({str(self.root)!r})"

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.npz", self.root / f"{key}.json"

    def put(self, cell: Cell, result, seconds: float | None = None) -> Path:
        """Write ``result`` for ``cell`` durably: the arrays, then the sidecar (the commit)."""
        self.root.mkdir(parents=True, exist_ok=True)
        data_path, meta_path = self._paths(cell.key)
        meta_path.unlink(missing_ok=True)  # a stale sidecar must never vouch for new data
        arrays = {"checkpoints": np.asarray(result.checkpoints),
                  "diverged_step": np.asarray(result.diverged_step)}
        arrays.update({f"metric/{name}": np.asarray(values)
                       for name, values in result.metrics.items()})
        if result.final_iterates is not None:
            arrays["final_iterates"] = np.asarray(result.final_iterates)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
        _write_atomic(data_path, payload)
        meta = {
            "key": cell.key, "simlab": _version(), "cell": cell.spec(),
            "params": result.params, "quantiles": list(result.quantiles),
            "metrics": list(result.metrics), "sha256": hashlib.sha256(payload).hexdigest(),
            "bytes": len(payload), "seconds": seconds,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        _write_atomic(meta_path, json.dumps(meta, default=_json_default, indent=1).encode())
        _fsync_directory(self.root)
        return data_path

    def status(self, cell: Cell) -> str:
        """``"missing"``, ``"ok"`` or ``"corrupt"`` (reads and checks the files)."""
        return self._load(cell)[0]

    def get(self, cell: Cell):
        """The stored Result of ``cell``, or ``None`` if it is absent or fails its checks."""
        return self._load(cell)[1]

    def __contains__(self, cell: Cell) -> bool:
        return self.status(cell) == "ok"

    def _load(self, cell: Cell):
        from simlab.engine import Result

        data_path, meta_path = self._paths(cell.key)
        if not meta_path.exists():
            return ("corrupt" if data_path.exists() else "missing"), None
        try:
            meta = json.loads(meta_path.read_text())
            payload = data_path.read_bytes()
            if (meta.get("key") != cell.key or meta.get("cell") != cell.spec()
                    or hashlib.sha256(payload).hexdigest() != meta.get("sha256")):
                return "corrupt", None
            with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            metrics = {name: arrays[f"metric/{name}"] for name in meta["metrics"]}
            result = Result(meta["params"], arrays["checkpoints"], metrics,
                            arrays["diverged_step"], quantiles=tuple(meta["quantiles"]),
                            final_iterates=arrays.get("final_iterates"))
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            return "corrupt", None
        return "ok", result

    def list(self) -> list[dict]:
        """One entry per cell file pair: key, status (``ok``; ``corrupt``; ``incomplete``: data
        without its sidecar; ``stale``: intact but written by another simlab version, so no
        cell of this version reads it), the cell's flat parameters, bytes and creation time.
        Checksums are verified."""
        if not self.root.is_dir():
            return []
        keys = sorted({path.stem for path in self.root.iterdir()
                       if path.suffix in (".npz", ".json") and _KEY_PATTERN.match(path.stem)})
        entries = []
        for key in keys:
            data_path, meta_path = self._paths(key)
            entry = {"key": key, "status": "incomplete", "parameters": {}, "bytes": 0,
                     "created": None, "seconds": None}
            if data_path.exists():
                entry["bytes"] = data_path.stat().st_size
            try:
                meta = json.loads(meta_path.read_text())
                entry.update(created=meta.get("created"), seconds=meta.get("seconds"),
                             simlab=meta.get("simlab"))
                ok = (meta.get("key") == key and data_path.exists() and
                      hashlib.sha256(data_path.read_bytes()).hexdigest() == meta.get("sha256"))
                entry["status"] = "ok" if ok else "corrupt"
                if ok and meta.get("simlab") != _version():
                    entry["status"] = "stale"  # intact, written by another simlab version
                    entry["parameters"] = meta["cell"]
                else:
                    entry["parameters"] = _cell_from_spec(meta["cell"]).flat()
            except FileNotFoundError:
                pass
            except (OSError, ValueError, KeyError, TypeError):
                entry["status"] = "corrupt"
            entries.append(entry)
        return entries

    def temporary_files(self) -> list[Path]:
        """Leftovers of writes that were killed before their rename."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir()
                      if p.name.startswith(".") and p.name.endswith(".tmp")
                      and _KEY_PATTERN.match(p.name[1:65]))

    def clear(self) -> dict:
        """Delete every store file (cells and temporary leftovers), nothing else."""
        removed, size = 0, 0
        if self.root.is_dir():
            for path in list(self.root.iterdir()):
                ours = (path.suffix in (".npz", ".json") and _KEY_PATTERN.match(path.stem)) or (
                    path.name.startswith(".") and path.name.endswith(".tmp")
                    and _KEY_PATTERN.match(path.name[1:65]))
                if ours and path.is_file():
                    size += path.stat().st_size
                    path.unlink()
                    removed += 1
            _fsync_directory(self.root)
        return {"store": str(self.root), "files_removed": removed, "bytes_removed": size}


def _cell_from_spec(spec: dict) -> Cell:
    """Inverse of :meth:`Cell.spec`."""
    groups = {}
    for group in _GROUPS:
        params = dict(spec[group])
        groups[group] = params.pop("name")
        groups[f"{group}_params"] = params
    return Cell(steps=spec["steps"], replicas=spec["replicas"], alpha=spec["alpha"],
                seed=spec["seed"], checkpoints=spec["checkpoints"], **groups)


# -- executors ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """One cell of a sweep: its Result, ``status`` (``cached``, ``computed``, or
    ``recomputed`` when a corrupt store entry was replaced) and the compute time in seconds."""

    cell: Cell
    result: object
    status: str
    seconds: float | None


def _run_on_worker(cell: Cell, first: int, count: int, numba_threads: int):
    """A Dask task: replicas ``first .. first + count - 1`` of a cell with ``numba_threads``
    numba threads (the setting is per thread, so it is made in the task, on the worker thread
    that runs the kernel)."""
    import numba

    from simlab.engine import simulate

    numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))
    start = time.perf_counter()
    arguments = {**cell.build(), "replicas": count}
    result = simulate(**arguments, replica_offset=first, show_progress=False)
    return result, time.perf_counter() - start


def replica_blocks(replicas: int, per_task: int | None) -> list[tuple[int, int]]:
    """``(first replica, count)`` blocks of at most ``per_task`` replicas covering
    ``0 .. replicas - 1`` (one block when ``per_task`` is None)."""
    per_task = replicas if per_task is None else per_task
    return [(first, min(per_task, replicas - first)) for first in range(0, replicas, per_task)]


def merge_replica_blocks(cell: Cell, parts: list):
    """One Result from Results of consecutive replica blocks of ``cell`` (in order): the
    per-replica arrays concatenated, the params those of a single run of every replica. The
    engine's streams depend only on (seed, replica index), so this is bit-identical to
    running the cell in one piece."""
    from simlab.engine import Result

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


def iter_sweep(cells: Iterable[Cell] | Grid, store: Store | str | os.PathLike | None = None, *,
               executor: str | None = None, scheduler: str | None = None,
               workers: int | None = None, numba_threads: int = 1,
               replicas_per_task: int | None = None,
               show_progress: bool = True) -> Iterator[Outcome]:
    """Run every cell (or every cell of a :class:`Grid`) not yet in the store, yielding an
    :class:`Outcome` per cell as it is available (cached ones first), each computed cell
    written to the store before it is yielded.

    ``executor`` is ``"local"`` or ``"dask"``; by default ``"dask"`` when ``scheduler`` (the
    address of a running cluster) or ``workers`` (start a LocalCluster of that many processes)
    is given, else ``"local"``. ``numba_threads``: numba threads per Dask task.
    ``replicas_per_task``: with Dask, split each cell into tasks of at most this many replicas
    (for sweeps of few, large cells; the merged Result is bit-identical to one piece). Every
    cell is validated (its objects built) before anything runs. Duplicate cells run once.
    """
    from simlab.progress import progress

    store = store if isinstance(store, Store) else Store(store)
    if executor is None:
        executor = "dask" if (scheduler is not None or workers is not None) else "local"
    check_choice("executor", executor, ("local", "dask"))
    if executor == "local" and (scheduler is not None or workers is not None):
        raise InputError("scheduler and workers apply to the dask executor only")
    if scheduler is not None and workers is not None:
        raise InputError("give either a scheduler address or a number of workers, not both")
    if workers is not None:
        workers = check_count("workers", workers)
    numba_threads = check_count("numba threads per task", numba_threads)
    if replicas_per_task is not None:
        if executor != "dask":
            raise InputError("replicas per task applies to the dask executor only")
        replicas_per_task = check_count("replicas per task", replicas_per_task)

    cells = cells.cells() if isinstance(cells, Grid) else list(cells)
    for cell in cells:
        if not isinstance(cell, Cell):
            raise InputError(f"a sweep takes Cell objects, got {type(cell).__name__}")
    unique = list(dict.fromkeys(cells))
    for cell in unique:
        cell.build()
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
        finished = (_local(pending) if executor == "local" else
                    _dask(pending, scheduler, workers or os.cpu_count() or 1, numba_threads,
                          replicas_per_task))
        for cell, result, seconds in finished:
            store.put(cell, result, seconds)
            if bar is not None:
                bar.update(1)
            yield Outcome(cell, result, statuses[cell], seconds)
    finally:
        if bar is not None:
            bar.close()


def _worker_simlab_version() -> str:
    from simlab import __version__

    return __version__


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


def _local(cells: list[Cell]):
    for cell in cells:
        start = time.perf_counter()
        result = run_cell(cell)
        yield cell, result, time.perf_counter() - start


def _dask(cells: list[Cell], scheduler: str | None, workers: int, numba_threads: int,
          replicas_per_task: int | None):
    from distributed import Client, LocalCluster, as_completed

    if scheduler is None:  # ":0": a free port (the scheduler serves HTTP even without bokeh)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               env={"NUMBA_NUM_THREADS": str(numba_threads)},
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
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
        parts: dict[Cell, dict] = {cell: {} for cell in cells}
        # as_completed holds each future only until it is yielded: a finished cell's Result
        # leaves the cluster's memory once it is in the store
        for future in as_completed(client.map(_run_on_worker, *arguments, key=list(tasks),
                                              numba_threads=numba_threads)):
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


def sweep(cells: Iterable[Cell] | Grid, store: Store | str | os.PathLike | None = None, *,
          executor: str | None = None, scheduler: str | None = None, workers: int | None = None,
          numba_threads: int = 1, replicas_per_task: int | None = None,
          show_progress: bool = True) -> dict:
    """``{cell.key: Result}`` for every cell, in the order given, computing only the cells not
    already in the store (see :func:`iter_sweep` for the arguments)."""
    cells = cells.cells() if isinstance(cells, Grid) else list(cells)
    outcomes = {outcome.cell.key: outcome.result for outcome in iter_sweep(
        cells, store, executor=executor, scheduler=scheduler, workers=workers,
        numba_threads=numba_threads, replicas_per_task=replicas_per_task,
        show_progress=show_progress)}
    return {cell.key: outcomes[cell.key] for cell in cells}


__all__ = ["Cell", "Grid", "Outcome", "SCHEDULES", "Store", "identical", "iter_sweep",
           "merge_replica_blocks", "replica_blocks", "run_cell", "sweep"]
