"""``simlab reproduce [--quick | --full]``: every verb, every figure, and ``reports/REPORT.md``.

Each stage is a verb run through its own module (the same code as ``simlab <verb>``), so the
report and the CLI cannot disagree. A stage that fails is reported as failed (with its error)
and the others still run; the exit code is then 1. Figures are regenerated in
``$SIMLAB_FIGURES`` (default ``figures/``); the JSON of every stage goes to
``reports/results.json`` beside the report.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path

from simlab.errors import InputError
from simlab.plotting import figures_dir
from simlab.progress import progress

HELP = "run every verb, regenerate every figure and write reports/REPORT.md"

#: (verb, arguments in quick mode, arguments in full mode, section title)
STAGES: list[tuple[str, list[str], list[str], str]] = [
    ("simulate", [], ["--replicas", "2000", "--steps", "100000"],
     "Headline run: projected GClip (Theorem 4) under Pareto noise"),
    ("verify", [], [], "Paper claims checked by computation"),
    ("rates", ["--quick"], ["--full"], "Convergence-rate slopes: measured against predicted"),
    ("lowerbounds", ["--quick"], [], "Lower-bound instances (Theorems 5 and 6)"),
    ("adam-update", [], ["--samples", "200000"], "The law of the Adam update"),
    ("adaptive", ["--quick"], ["--full"], "Adaptive methods and the three preprints"),
    ("noise", ["--quick"], [], "Heavy-tail diagnostics"),
]


def configure(parser):
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the quick budgets (default)")
    mode.add_argument("--full", action="store_true", help="the publication budgets")
    parser.add_argument("--only", action="append", default=None, metavar="VERB",
                        help="run only these stages (repeatable)")
    parser.add_argument("--out", default="reports", help="report folder (default reports/)")
    parser.add_argument("--workers", type=int, default=2,
                        help="stages run in this many processes, one numba thread each (default 2)")


def _stage_args(verb: str, extra: list[str], out: Path) -> list[str]:
    args = [verb, *extra]
    if verb == "verify":
        args += ["--out", str(out / "errata.md")]
    return args


def _run_stage(verb: str, argv: list[str], title: str) -> dict:
    """Run one stage in this process (a worker of the pool); returns its record."""
    import importlib

    from simlab.cli import VERBS, build_parser, jsonable
    from simlab.progress import set_quiet

    set_quiet(True)
    module = importlib.import_module(VERBS[verb][0])
    stage_start = time.time()
    record = {"verb": verb, "title": title, "argv": argv}
    try:
        namespace = build_parser(verb).parse_args(argv)
        namespace.json = True
        result = module.run(namespace)
        record.update(status="ok", result=jsonable(result), text=module.render(result))
    except Exception as error:  # noqa: BLE001 - a failed stage is reported, not fatal
        record.update(status="failed", error=f"{type(error).__name__}: {error}",
                      traceback=traceback.format_exc())
    record["seconds"] = round(time.time() - stage_start, 1)
    return record


def _worker_init(threads: int) -> None:
    os.environ["NUMBA_NUM_THREADS"] = str(threads)  # before numba is imported in this worker


def run(args) -> dict:
    from simlab.cli import VERBS

    mode = "full" if args.full else "quick"
    stages = [s for s in STAGES if s[0] in VERBS]
    if args.only:
        unknown = sorted(set(args.only) - {s[0] for s in stages})
        if unknown:
            raise InputError(f"unknown stage(s) {', '.join(unknown)}; choose from: "
                             f"{', '.join(s[0] for s in stages)}")
        stages = [s for s in stages if s[0] in args.only]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figures = figures_dir()
    started = time.time()
    # Stages run in `workers` processes with one numba thread each: most stages are partly
    # single-threaded (sympy, scipy, matplotlib), so this keeps both cores busy.
    workers = max(1, min(args.workers, len(stages)))
    jobs = [(verb, _stage_args(verb, full if mode == "full" else quick, out), title)
            for verb, quick, full, title in stages]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                             initargs=(1 if workers > 1 else os.cpu_count() or 1,)) as pool:
        futures = {pool.submit(_run_stage, *job): job[0] for job in jobs}
        done = {}
        for future in progress(as_completed(futures), total=len(futures), desc="reproduce",
                               unit="stage"):
            done[futures[future]] = future.result()
    records = [done[verb] for verb, _, _ in jobs]
    new_figures = sorted(p for p in figures.glob("*.png") if p.stat().st_mtime >= started - 1)
    summary = {
        "mode": mode,
        "seconds": round(time.time() - started, 1),
        "stages": [{k: r[k] for k in ("verb", "status", "seconds")} for r in records],
        "figures": [str(p) for p in new_figures],
        "report": str(out / "REPORT.md"),
    }
    from simlab.cli import jsonable

    (out / "results.json").write_text(json.dumps(jsonable(
        {"summary": summary, "stages": [{k: v for k, v in r.items() if k != "text"}
                                        for r in records]}), indent=1, allow_nan=False))
    (out / "REPORT.md").write_text(_report(mode, summary, records, new_figures, out))
    summary["failed"] = [r["verb"] for r in records if r["status"] != "ok"]
    return summary


def _report(mode, summary, records, figures, out: Path) -> str:
    import simlab

    lines = [
        "# simlab reproduction report",
        "",
        f"simlab {simlab.__version__}, `simlab reproduce --{mode}`, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {summary['seconds']} s in all.",
        "Every number below was computed by this run; nothing is typed in.",
        "",
        "| stage | status | seconds |",
        "|---|---|---|",
    ]
    lines += [f"| {r['verb']} | {r['status']} | {r['seconds']} |" for r in records]
    for r in records:
        lines += ["", f"## {r['title']} (`simlab {' '.join(r['argv'])}`)", ""]
        if r["status"] == "ok":
            text = r["text"]
            lines += [text] if text.lstrip().startswith("|") else ["```", text, "```"]
        else:
            lines += [f"**Failed**: {r['error']}", "", "```", r["traceback"], "```"]
    errata = out / "errata.md"
    if errata.exists():
        lines += ["", "## Errata", "", f"The full errata report is `{errata}`; its content:", ""]
        lines += [errata.read_text().replace("\n# ", "\n### ")]
    lines += ["", "## Figures", ""]
    lines += [f"- `{p}`: {_caption(p)}" for p in figures]
    return "\n".join(lines) + "\n"


def _caption(path: Path) -> str:
    """The one-line caption stored beside a figure (``name.txt``), else its name in words."""
    sidecar = path.with_suffix(".txt")
    if sidecar.exists():
        return sidecar.read_text().strip().splitlines()[0]
    return path.stem.replace("_", " ").replace("-", " ")


def exit_code(summary: dict) -> int:
    return 1 if summary["failed"] else 0


def render(summary: dict) -> str:
    lines = [f"simlab reproduce --{summary['mode']}: {summary['seconds']} s"]
    lines += [f"  {s['verb']:<12} {s['status']:<7} {s['seconds']:>7} s" for s in summary["stages"]]
    lines += [f"figures written: {len(summary['figures'])}", f"report: {summary['report']}"]
    if summary["failed"]:
        lines.append(f"FAILED stages: {', '.join(summary['failed'])}")
    return "\n".join(lines)
