"""Data out: the result store as netCDF or parquet (``simlab cache export``).

- **netCDF** (xarray + h5netcdf): *one file, one group per cell*, named by the cell's key. Cells
  have different shapes (replicas, checkpoints, dimension; a task's own arrays), which one
  table or one Dataset could hold only padded; a group keeps each cell as it is, and one file
  is one thing to move. An engine cell's group is :meth:`simlab.run.result.Result.to_xarray`
  (dims ``replica`` x ``checkpoint``, the params as attributes); a task's group holds its named
  arrays (dims ``<name>_0``, ``<name>_1``, ...). Every group carries ``key``, ``kind`` and the
  cell's spec as JSON (``cell``). Read one back with
  ``xarray.open_dataset(path, group=key, engine="h5netcdf")`` (``Result.from_xarray`` for an
  engine cell), or all with ``xarray.open_datatree``.
- **parquet** (pyarrow): *one row per cell x replica x checkpoint* of the engine cells, in one
  long table that pandas, polars or DuckDB filter and group directly: ``key``, the cell's flat
  parameters (numbers stay numbers where every cell has a number, anything else is JSON text),
  ``replica``, ``checkpoint``, one column per metric, ``diverged_step``. Task cells hold arrays
  of their own shapes with no common row, so they are not in the table: the export lists them
  as skipped (use netCDF for them).

Only cells with status ``ok`` are exported (checksum verified, written by this simlab version).
The packages are the optional extra ``simlab[data]``; without them the export stops with one
line (exit 2) before writing anything.
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path

import numpy as np

from simlab.errors import InputError, check_choice
from simlab.run.result import attributes, json_default, optional_import
from simlab.run.store import Store

FORMATS = ("netcdf", "parquet")


def _output(path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"the export path {path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise InputError(f"the export path's directory {path.parent} does not exist")
    return path


def _cells(store: Store) -> tuple[list, dict]:
    """The exportable cells ``(key, sidecar, result)``, and the other entries counted by
    status."""
    cells, other = [], {}
    for entry in store.list():
        read = store.read(entry["key"]) if entry["status"] == "ok" else None
        if read is None:
            other[entry["status"]] = other.get(entry["status"], 0) + 1
            continue
        cells.append((entry["key"], entry, *read))
    return cells, other


def export(store: Store, path, fmt: str) -> dict:
    """Write the store's cells to ``path`` in format ``fmt`` (``netcdf`` or ``parquet``);
    returns what was written and what was skipped."""
    check_choice("export format", fmt, FORMATS)
    path = _output(path)
    if fmt == "netcdf":
        optional_import("xarray", "cache export --format netcdf")
        optional_import("h5netcdf", "cache export --format netcdf")
    else:
        optional_import("pyarrow.parquet", "cache export --format parquet")
    if store.root.exists() and not store.root.is_dir():
        raise InputError(f"the store {store.root} is a file, not a directory")
    cells, other = _cells(store)
    temporary = path.with_name(f".{path.name}.tmp")  # renamed over path when complete
    try:
        written = (_netcdf if fmt == "netcdf" else _parquet)(cells, temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return {"action": "export", "format": fmt, "store": str(store.root), "path": str(path),
            **written, "not_exported": other}


def _netcdf(cells, temporary: Path) -> dict:
    import xarray as xr

    root = xr.Dataset(attrs={"source": "simlab result store", "cells": len(cells),
                             "layout": "one group per cell, named by its key"})
    root.to_netcdf(temporary, mode="w", engine="h5netcdf")
    for key, entry, meta, result in cells:
        if entry["kind"] == "engine":
            dataset = result.to_xarray()
        else:
            dataset = xr.Dataset({name: ([f"{name}_{i}" for i in range(np.ndim(value))],
                                         np.asarray(value)) for name, value in result.items()})
        dataset.attrs.update(key=key, kind=entry["kind"] or "engine",
                             cell=json.dumps(meta["cell"], default=json_default))
        dataset.to_netcdf(temporary, mode="a", group=key, engine="h5netcdf")
    return {"cells": len(cells), "rows": None, "skipped": []}


def _column(values: list):
    """Numbers where every value is a number (not a bool), else JSON text (None stays null)."""
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        return values
    return [None if v is None else v if isinstance(v, str) else
            json.dumps(v, default=json_default) for v in values]


def _parquet(cells, temporary: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    engine = [(key, entry, result) for key, entry, _, result in cells if entry["kind"] == "engine"]
    skipped = [{"key": key, "kind": entry["kind"], "why": "a task's arrays have no common row; "
                "use --format netcdf"} for key, entry, _, _ in cells if entry["kind"] != "engine"]
    names = sorted({name for _, entry, _ in engine for name in entry["parameters"]})
    metrics = sorted({name for _, _, result in engine for name in result.metrics})
    columns = {name: [] for name in ["key", *(f"param_{n}" for n in names), "replica",
                                     "checkpoint", *metrics, "diverged_step"]}
    for key, entry, result in engine:
        replicas, checkpoints = result.replicas, len(result.checkpoints)
        rows = replicas * checkpoints
        columns["key"].extend([key] * rows)
        for name in names:
            columns[f"param_{name}"].extend([entry["parameters"].get(name)] * rows)
        columns["replica"].extend(np.repeat(np.arange(replicas), checkpoints).tolist())
        columns["checkpoint"].extend(np.tile(np.asarray(result.checkpoints), replicas).tolist())
        for name in metrics:
            values = result.metrics.get(name, np.full((replicas, checkpoints), np.nan))
            columns[name].extend(np.asarray(values, dtype=float).reshape(-1).tolist())
        columns["diverged_step"].extend(np.repeat(result.diverged_step, checkpoints).tolist())
    table = pa.table({name: (_column(values) if name.startswith("param_") else values)
                      for name, values in columns.items()})
    attrs = {key: attributes(result.params)["simlab_params"] for key, _, result in engine}
    table = table.replace_schema_metadata({"simlab": json.dumps(
        {"layout": "one row per cell x replica x checkpoint", "params": attrs})})
    pq.write_table(table, temporary)
    return {"cells": len(engine), "rows": table.num_rows, "skipped": skipped}
