"""``simlab reproduce [--quick | --full] [--workers N | --scheduler ADDRESS]``: every verb, every
figure, and ``reports/REPORT.md``.

Each stage is a verb run through its own module (the same code as ``simlab <verb>``), so the
report and the CLI cannot disagree. Every Monte Carlo cell of every stage goes through the result
store (``--store``, else ``$SIMLAB_CACHE`` or ``.simlab-cache/``) and an executor
(:mod:`simlab.run.context`): a second reproduction computes nothing it already has, and one
killed at any moment loses at most the cells in flight. The executor is the local machine by
default (stages in ``--processes`` processes, one numba thread each), a Dask LocalCluster of
``--workers N`` processes, or a running Dask cluster at ``--scheduler ADDRESS``.

A stage that fails is reported as failed (with its error) and the others still run; the exit
code is then 1. Figures are regenerated in ``$SIMLAB_FIGURES`` (default ``figures/``); the JSON
of every stage goes to ``reports/results.json`` beside the report, which :mod:`simlab.report`
writes (with one ``appendix-<stage>.md`` per stage). Every output place is checked
for writing before any work. Without a terminal (output redirected), one line per stage is
printed to stderr when it starts and when it ends.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from simlab.errors import InputError, check_count
from simlab.plotting import figures_dir
from simlab.progress import progress

HELP = "run every verb, regenerate every figure and write reports/REPORT.md"

#: (verb, arguments in quick mode, arguments in full mode, section title)
STAGES: list[tuple[str, list[str], list[str], str]] = [
    ("simulate", [], ["--replicas", "2000", "--steps", "100000"],
     "Headline run: projected GClip (Theorem 4) under Pareto noise"),
    ("verify", [], [], "Paper claims checked by computation"),
    ("rates", ["--quick"], ["--full"], "Convergence-rate slopes: measured against predicted"),
    ("bounds", ["--quick"], ["--full"],
     "Upper bounds with their constants against the runs (Theorems 2, 4, 8, Corollary 7)"),
    ("lowerbounds", ["--quick"], ["--full"], "Lower-bound instances (Theorems 5 and 6)"),
    ("adam-update", [], ["--samples", "200000"], "The law of the Adam update"),
    ("adaptive", ["--quick"], ["--full"], "Adaptive methods and the three preprints"),
    ("noise", ["--quick"], ["--full"], "Heavy-tail diagnostics"),
]


def configure(parser):
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the quick budgets (default)")
    mode.add_argument("--full", action="store_true", help="the publication budgets")
    parser.add_argument("--only", action="append", default=None, metavar="VERB",
                        help="run only these stages (repeatable)")
    parser.add_argument("--out", default="reports", help="report folder (default reports/)")
    parser.add_argument("--store", default=None, metavar="PATH",
                        help="the result store (default $SIMLAB_CACHE or .simlab-cache/)")
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=int, default=None, metavar="N",
                         help="run the cells on a Dask LocalCluster of N worker processes")
    cluster.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run the cells on a running Dask cluster (tcp://host:port)")
    parser.add_argument("--backend", choices=("cpu", "cuda", "auto"), default="cpu",
                        help="where engine cells run: cpu (default), cuda or auto (the GPU "
                             "for the combinations the CUDA backend supports, else the CPU)")
    parser.add_argument("--processes", type=int, default=2, metavar="P",
                        help="stages run in this many processes, one numba thread each "
                             "(default 2)")


def _stage_args(verb: str, extra: list[str], out: Path) -> list[str]:
    args = [verb, *extra]
    if verb == "verify":
        args += ["--out", str(out / "errata.md")]
    return args


def _announce(message: str) -> None:
    """One line on stderr for a person reading a log (only when stderr is not a terminal: a
    terminal has the progress bar)."""
    if not sys.stderr.isatty():
        print(f"simlab reproduce: {message}", file=sys.stderr, flush=True)


def _run_stage(verb: str, argv: list[str], title: str, runner: dict | None = None) -> dict:
    """Run one stage in this process (a worker of the pool); returns its record, with the cells
    it computed and reused."""
    import importlib

    from simlab.cli import VERBS, build_parser, jsonable
    from simlab.progress import set_quiet
    from simlab.run import context

    set_quiet(True)
    context.configure(**(runner or {}))
    context.reset_tally()
    module = importlib.import_module(VERBS[verb][0])
    stage_start = time.time()
    _announce(f"{verb} started")
    record = {"verb": verb, "name": verb, "title": title, "argv": argv}
    try:
        namespace = build_parser(verb).parse_args(argv)
        namespace.json = True
        result = module.run(namespace)
        record.update(status="ok", result=jsonable(result), text=module.render(result))
    except Exception as error:  # noqa: BLE001 - a failed stage is reported, not fatal
        record.update(status="failed", error=f"{type(error).__name__}: {error}",
                      traceback=traceback.format_exc())
    record["seconds"] = round(time.time() - stage_start, 1)
    counts = context.tally()
    record.update(cells_computed=counts["computed"], cells_cached=counts["cached"])
    _announce(f"{verb} {record['status']} in {record['seconds']} s "
              f"({counts['computed']} cells computed, {counts['cached']} reused)")
    return record


def _worker_init(threads: int) -> None:
    """Limit numba's threads in this worker. ``numba.set_num_threads`` (per thread) and not the
    ``NUMBA_NUM_THREADS`` variable: numba is already imported here (importing ``simlab.cli``
    imports ``simlab``), and changing the variable after import makes numba refuse to compile."""
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _check_writable_dir(what: str, path: Path) -> None:
    """A folder we will write into: refuse a file, a path under a file or an unwritable place
    before any work (one line, exit 2)."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path} is a file, not a folder")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{what} {path} lies under {parent}, which is a file")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise InputError(f"cannot write to {what} {path}: {error.strerror or error}") from None


def _start_cluster(workers: int):
    """A Dask LocalCluster for the reproduction's cells (one numba thread per worker)."""
    import logging

    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        env={"NUMBA_NUM_THREADS": "1"}, dashboard_address=":0",
                        silence_logs=logging.ERROR)


def run(args) -> dict:
    from simlab.cli import VERBS
    from simlab.run.store import Store

    mode = "full" if args.full else "quick"
    stages = [s for s in STAGES if s[0] in VERBS]
    if args.only:
        unknown = sorted(set(args.only) - {s[0] for s in stages})
        if unknown:
            raise InputError(f"unknown stage(s) {', '.join(unknown)}; choose from: "
                             f"{', '.join(s[0] for s in stages)}")
        stages = [s for s in stages if s[0] in args.only]
    processes = check_count("processes", args.processes)
    if args.workers is not None:
        check_count("workers", args.workers)
        if args.workers > 4 * (os.cpu_count() or 1):
            raise InputError(f"--workers {args.workers} would start more worker processes than "
                             f"4 x the {os.cpu_count()} cores; use --scheduler for a cluster")
    out = Path(args.out)
    _check_writable_dir("the report folder", out)
    _check_writable_dir("the figures folder ($SIMLAB_FIGURES)",
                        Path(os.environ.get("SIMLAB_FIGURES", "figures")))
    figures = figures_dir()
    store = Store(args.store).check_writable()
    started = time.time()
    # Stages run in `processes` processes with one numba thread each: most stages are partly
    # single-threaded (sympy, scipy, matplotlib), so this keeps both cores busy.
    processes = max(1, min(processes, len(stages)))
    jobs = [(verb, _stage_args(verb, full if mode == "full" else quick, out), title)
            for verb, quick, full, title in stages]
    cluster = None
    runner = {"store": str(store.root), "executor": "local", "scheduler": None,
              "backend": args.backend}
    if args.scheduler is not None:
        runner.update(executor="dask", scheduler=_check_scheduler(args.scheduler))
    elif args.workers is not None:
        cluster = _start_cluster(args.workers)
        runner.update(executor="dask", scheduler=cluster.scheduler_address)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_worker_init,
                                 initargs=(1 if processes > 1 else os.cpu_count() or 1,)) as pool:
            futures = {pool.submit(_run_stage, *job, runner): job[0] for job in jobs}
            done = {}
            for future in progress(as_completed(futures), total=len(futures),
                                   desc="reproduce", unit="stage"):
                done[futures[future]] = future.result()
    finally:
        if cluster is not None:
            cluster.close()
    records = [done[verb] for verb, _, _ in jobs]
    new_figures = sorted(p for p in figures.glob("*.png") if p.stat().st_mtime >= started - 1)
    summary = {
        "mode": mode,
        "seconds": round(time.time() - started, 1),
        "executor": runner["executor"] if cluster is None else f"dask ({args.workers} workers)",
        "store": str(store.root),
        "stages": [{k: r[k] for k in ("name", "verb", "status", "seconds", "cells_computed",
                                      "cells_cached")} for r in records],
        "figures": [str(p) for p in new_figures],
        "report": str(out / "REPORT.md"),
    }
    from simlab.cli import jsonable

    (out / "results.json").write_text(json.dumps(jsonable(
        {"summary": summary, "stages": [{k: v for k, v in r.items() if k != "text"}
                                        for r in records]}), indent=1, allow_nan=False))
    from simlab.report import write_report

    write_report(mode, summary, records, new_figures, out)
    summary["failed"] = [r["verb"] for r in records if r["status"] != "ok"]
    return summary


def _check_scheduler(address: str) -> str:
    """Reach the scheduler within a few seconds, or one line, exit 2."""
    from distributed import Client

    if "://" not in address and ":" not in address:
        raise InputError(f"--scheduler takes an address such as tcp://host:8786, got {address!r}")
    try:
        Client(address, timeout="5s").close()
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError(f"cannot reach the Dask scheduler at {address}: "
                         f"{type(error).__name__}") from None
    return address


def exit_code(summary: dict) -> int:
    return 1 if summary["failed"] else 0


def render(summary: dict) -> str:
    lines = [f"simlab reproduce --{summary['mode']}: {summary['seconds']} s"]
    lines += [f"  {s['verb']:<12} {s['status']:<7} {s['seconds']:>7} s  {s['cells_computed']:>5} "
              f"computed {s['cells_cached']:>5} reused" for s in summary["stages"]]
    lines += [f"figures written: {len(summary['figures'])}", f"report: {summary['report']}"]
    if summary["failed"]:
        lines.append(f"FAILED stages: {', '.join(summary['failed'])}")
    return "\n".join(lines)
