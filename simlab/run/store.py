"""The result store: a directory of finished runs, each durable, checksummed and resumable.

**Format.** One run (a :class:`simlab.run.spec.Spec` or a :class:`simlab.run.spec.Task`), two
files in the store directory (default ``$SIMLAB_CACHE`` or ``.simlab-cache/``): ``<key>.npz``
holds the arrays (an engine run's checkpoints, one (replicas x checkpoints) array per metric,
``diverged_step``, ``final_iterates``; a task's named arrays), and ``<key>.json``, written
*last*, holds the spec, the Result's params and quantiles, and a sha256 that covers the
``.npz`` bytes *and* every field of the sidecar a load uses (spec, params, quantiles, metric
names): editing either file is detected. Each file is written to a temporary name in the same
directory, flushed and fsync'ed, then ``os.replace``'d over the final name, and the directory is
fsync'ed. A run counts as finished only when its ``.json`` exists, parses, names this spec and
its checksum matches: a run killed at any instant leaves every cell either finished or absent,
and a truncated or corrupted file is detected and the cell recomputed.

*Why npz:* a cell's payload is a handful of dense float64/int64 arrays of a few kB to a few MB.
``np.savez`` (uncompressed) writes them bit-exactly, at disk speed, with numpy alone (parquet
would need pyarrow and suits tables, not (replicas x checkpoints) matrices; zarr's chunked
directories make a single atomic rename impossible). A file per cell keeps writes independent
(no shared index to corrupt) and makes ``os.replace`` the commit point.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from simlab._version import version
from simlab.errors import InputError

_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_DEFAULT_STORE = ".simlab-cache"


def _version() -> str:
    return version()


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

    def check_writable(self) -> Store:
        """Refuse, before any work, a store that cannot hold results: a file, a path under a
        file, or a directory this process cannot create or write (one line, exit 2)."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise InputError(f"the store {root} is a file, not a directory")
        for parent in root.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise InputError(f"the store {root} lies under {parent}, which is a file")
                break
        try:
            root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=root, prefix=".probe-", suffix=".tmp")
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            raise InputError(f"cannot write to the store {root}: "
                             f"{error.strerror or error}") from None
        return self

    def put(self, cell, result, seconds: float | None = None) -> Path:
        """Write ``result`` for ``cell`` durably: the arrays, then the sidecar (the commit)."""
        self.root.mkdir(parents=True, exist_ok=True)
        data_path, meta_path = self._paths(cell.key)
        meta_path.unlink(missing_ok=True)  # a stale sidecar must never vouch for new data
        if cell.kind == "engine":
            arrays = {"checkpoints": np.asarray(result.checkpoints),
                      "diverged_step": np.asarray(result.diverged_step)}
            arrays.update({f"metric/{name}": np.asarray(values)
                           for name, values in result.metrics.items()})
            if result.final_iterates is not None:
                arrays["final_iterates"] = np.asarray(result.final_iterates)
            meta = {"params": result.params, "quantiles": list(result.quantiles),
                    "metrics": list(result.metrics)}
        else:
            arrays = {f"task/{name}": np.asarray(value) for name, value in result.items()}
            meta = {"arrays": list(result)}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
        _write_atomic(data_path, payload)
        meta = json.loads(json.dumps({"key": cell.key, "kind": cell.kind, "simlab": _version(),
                                      "cell": cell.spec(), **meta}, default=_json_default))
        meta.update(sha256=_checksum(payload, meta), bytes=len(payload), seconds=seconds,
                    created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        _write_atomic(meta_path, json.dumps(meta, indent=1).encode())
        _fsync_directory(self.root)
        return data_path

    def status(self, cell) -> str:
        """``"missing"``, ``"ok"`` or ``"corrupt"`` (reads and checks the files)."""
        return self._load(cell)[0]

    def get(self, cell):
        """The stored result of ``cell`` (a Result, or a task's ``{name: array}``), or ``None``
        if it is absent or fails its checks."""
        return self._load(cell)[1]

    def __contains__(self, cell) -> bool:
        return self.status(cell) == "ok"

    def _load(self, cell):
        data_path, meta_path = self._paths(cell.key)
        if not meta_path.exists():
            return ("corrupt" if data_path.exists() else "missing"), None
        try:
            meta = json.loads(meta_path.read_text())
            payload = data_path.read_bytes()
            if (meta.get("key") != cell.key or meta.get("cell") != cell.spec()
                    or meta.get("kind", "engine") != cell.kind
                    or _checksum(payload, meta) != meta.get("sha256")):
                return "corrupt", None
            result = _decode(meta, payload)
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            return "corrupt", None
        return "ok", result

    def read(self, key: str):
        """``(sidecar, result)`` of the cell stored under ``key`` (a Result, or a task's
        ``{name: array}``), or ``None`` unless its checksum matches and this simlab version
        wrote it (status ``ok`` of :meth:`list`): what ``simlab cache export`` exports."""
        data_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            payload = data_path.read_bytes()
            if (meta.get("key") != key or meta.get("simlab") != _version()
                    or _checksum(payload, meta) != meta.get("sha256")):
                return None
            return meta, _decode(meta, payload)
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            return None

    def list(self) -> list[dict]:
        """One entry per cell file pair: key, status (``ok``; ``corrupt``; ``incomplete``: data
        without its sidecar; ``stale``: intact but written by another simlab version, so no
        cell of this version reads it), the cell's flat parameters, bytes and creation time.
        Checksums are verified. A store path that is a file is an error, not an empty store."""
        from simlab.run.spec import spec_from_json

        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"the store {self.root} is a file, not a directory")
        if not self.root.is_dir():
            return []
        keys = sorted({path.stem for path in self.root.iterdir()
                       if path.suffix in (".npz", ".json") and _KEY_PATTERN.match(path.stem)})
        entries = []
        for key in keys:
            data_path, meta_path = self._paths(key)
            entry = {"key": key, "status": "incomplete", "kind": None, "parameters": {},
                     "bytes": 0, "created": None, "seconds": None}
            if data_path.exists():
                entry["bytes"] = data_path.stat().st_size
            try:
                meta = json.loads(meta_path.read_text())
                entry.update(created=meta.get("created"), seconds=meta.get("seconds"),
                             simlab=meta.get("simlab"), kind=meta.get("kind", "engine"))
                ok = (meta.get("key") == key and data_path.exists() and
                      _checksum(data_path.read_bytes(), meta) == meta.get("sha256"))
                entry["status"] = "ok" if ok else "corrupt"
                if ok and meta.get("simlab") != _version():
                    entry["status"] = "stale"  # intact, written by another simlab version
                    entry["parameters"] = meta["cell"]
                else:
                    spec = spec_from_json(meta["cell"])
                    entry["parameters"] = (spec.flat() if spec.kind == "engine"
                                           else spec.spec())
            except FileNotFoundError:
                pass
            except (OSError, ValueError, KeyError, TypeError, InputError):
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




def _decode(meta: dict, payload: bytes):
    """The result a checked sidecar and its arrays hold."""
    from simlab.run.result import Result

    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    if meta.get("kind", "engine") != "engine":
        return {name: arrays[f"task/{name}"] for name in meta["arrays"]}
    metrics = {name: arrays[f"metric/{name}"] for name in meta["metrics"]}
    return Result(meta["params"], arrays["checkpoints"], metrics, arrays["diverged_step"],
                  quantiles=tuple(meta["quantiles"]), final_iterates=arrays.get("final_iterates"))


def _checksum(payload: bytes, meta: dict) -> str:
    """sha256 of the arrays' bytes and of the sidecar fields a load trusts."""
    covered = {name: meta.get(name) for name in ("key", "kind", "cell", "params", "quantiles",
                                                 "metrics", "arrays")}
    digest = hashlib.sha256(payload)
    digest.update(json.dumps(covered, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()
