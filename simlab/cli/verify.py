"""``simlab verify``: run the paper claims' checks; a table, JSON records, and the errata report.

The errata report (:mod:`simlab.claims.errata`) is written to ``reports/errata.md`` only by a
full run: a run restricted with ``--paper`` writes a one-paper errata only where ``--out`` says,
so it never replaces the committed report with a partial one (issue 18).
"""

from __future__ import annotations

import sys

from simlab.claims import PAPERS, verify
from simlab.claims.errata import write_errata
from simlab.errors import InputError, check_choice
from simlab.finding import VERDICTS

HELP = "check the papers' claims symbolically/numerically and write the errata report"
DEFAULT_ERRATA = "reports/errata.md"


def configure(parser) -> None:
    parser.add_argument(
        "--paper", default=None, help=f"only this paper's claims: one of {', '.join(PAPERS)}"
    )
    parser.add_argument(
        "--out",
        default=None,
        help=f"where to write the errata report (default {DEFAULT_ERRATA} for a full run; a "
        "run with --paper writes one only where --out says)",
    )


def errata_path(paper: str | None, out: str | None) -> str | None:
    """Where the errata go: ``out`` if given, the committed report for a full run, else none."""
    if out is not None:
        return out
    return DEFAULT_ERRATA if paper is None else None


def run(args) -> dict | list:
    if args.paper is not None:
        check_choice("paper", args.paper, PAPERS)
    records = verify(args.paper)
    if not records:
        raise InputError(f"no claims registered for paper {args.paper!r}")
    target = errata_path(args.paper, args.out)
    path = None
    if target is not None:
        try:
            path = write_errata(records, target)
        except OSError as error:
            raise InputError(f"cannot write the errata report to {target}: {error}") from None
    if args.json:  # stdout stays pure JSON; say where the report went on stderr
        if path is not None:
            print(f"errata report written to {path}", file=sys.stderr)
        return records
    return {"records": records, "errata": None if path is None else str(path)}


def render(result: dict | list) -> str:
    records = result if isinstance(result, list) else result["records"]
    width = max(len(r["id"]) for r in records)
    ref_width = min(40, max(len(r["ref"]) for r in records))
    lines = [f"{'id':<{width}}  {'ref':<{ref_width}}  verdict", "-" * (width + ref_width + 28)]
    for r in records:
        mark = "*" if r["reconstructed"] else " "
        lines.append(
            f"{r['id']:<{width}}  {r['ref'][:ref_width]:<{ref_width}}  {r['verdict']}{mark}"
        )
    counts = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    errata = result.get("errata") if isinstance(result, dict) else None
    lines += [
        "",
        "  ".join(f"{k}: {n}" for k, n in counts.items()),
        "* statement reconstructed (lost in the extracted text)",
        f"errata report written to {errata}" if errata else "errata report not written "
        "(a --paper run writes one only with --out)",
    ]
    return "\n".join(lines)
