"""``simlab cache list`` / ``clear`` / ``export``: what the result store holds; empty it; write it
out as netCDF or parquet (:mod:`simlab.run.export`: one netCDF group per cell, or one parquet
row per cell x replica x checkpoint).

``list`` verifies every entry's checksum (status ``ok``, ``corrupt``, ``incomplete`` for data
without its sidecar, ``stale`` for an intact entry of another simlab version) and counts the
temporary files left by killed writes. ``clear`` deletes the store's files and nothing else.
"""

from __future__ import annotations

from simlab.errors import InputError
from simlab.run.export import FORMATS, export
from simlab.sweep import Store

HELP = "list, clear or export the sweep result store"

ACTIONS = ("list", "clear", "export")


def configure(parser):
    parser.add_argument("action", choices=ACTIONS, help="list | clear | export")
    parser.add_argument("path", nargs="?", default=None, metavar="PATH",
                        help="export: the file to write")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="export: netcdf (one group per cell) or parquet (one row per "
                             "cell x replica x checkpoint)")
    parser.add_argument("--store", default=None, metavar="DIR",
                        help="result store directory (default $SIMLAB_CACHE or .simlab-cache)")


def run(args) -> dict:
    store = Store(args.store)
    if args.action == "export":
        if args.path is None or args.format is None:
            raise InputError("cache export needs --format netcdf|parquet and a PATH")
        return export(store, args.path, args.format)
    if args.path is not None or args.format is not None:
        raise InputError(f"cache {args.action} takes no PATH or --format")
    if args.action == "clear":
        return {"action": "clear", **store.clear()}
    entries = store.list()
    return {"action": "list", "store": str(store.root), "entries": entries,
            "cells": len(entries), "bytes": sum(entry["bytes"] for entry in entries),
            "temporary_files": len(store.temporary_files())}


_COLUMNS = ("problem", "noise", "algorithm", "dim", "alpha", "steps", "replicas", "seed")


def render(result: dict) -> str:
    if result["action"] == "export":
        skipped = len(result["skipped"]) + sum(result["not_exported"].values())
        rows = f", {result['rows']} rows" if result["rows"] is not None else ""
        return (f"exported {result['cells']} cells{rows} from {result['store']} to "
                f"{result['path']} ({result['format']})"
                + (f"; {skipped} not exported" if skipped else ""))
    if result["action"] == "clear":
        return (f"removed {result['files_removed']} files ({result['bytes_removed']} bytes) "
                f"from {result['store']}")
    lines = [f"{result['cells']} cells, {result['bytes']} bytes in {result['store']}"
             + (f"; {result['temporary_files']} temporary files from interrupted writes"
                if result["temporary_files"] else "")]
    if not result["entries"]:
        return lines[0]
    rows = [[entry["key"][:10], entry["status"]]
            + [str(entry["parameters"].get(name, "")) for name in _COLUMNS]
            + [str(entry["bytes"]), entry["created"] or ""] for entry in result["entries"]]
    header = ["key", "status", *_COLUMNS, "bytes", "created"]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines.append("")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(lines)
