"""``simlab verify``: run the paper claims' checks; a table, JSON records, and the errata report."""

from __future__ import annotations

import sys

from simlab.claims import PAPERS, verify
from simlab.claims.errata import write_errata
from simlab.errors import InputError, check_choice

HELP = "check the papers' claims symbolically/numerically and write the errata report"
DEFAULT_ERRATA = "reports/errata.md"


def configure(parser) -> None:
    parser.add_argument(
        "--paper", default=None, help=f"only this paper's claims: one of {', '.join(PAPERS)}"
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_ERRATA,
        help=f"where to write the errata report (default {DEFAULT_ERRATA})",
    )


def run(args) -> dict | list:
    if args.paper is not None:
        check_choice("paper", args.paper, PAPERS)
    records = verify(args.paper)
    if not records:
        raise InputError(f"no claims registered for paper {args.paper!r}")
    try:
        path = write_errata(records, args.out)
    except OSError as error:
        raise InputError(f"cannot write the errata report to {args.out}: {error}") from None
    if args.json:  # stdout stays pure JSON; say where the report went on stderr
        print(f"errata report written to {path}", file=sys.stderr)
        return records
    return {"records": records, "errata": str(path)}


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
    counts = {
        v: sum(r["verdict"] == v for r in records)
        for v in ("holds", "fails", "holds-under-convention", "unverifiable")
    }
    lines += [
        "",
        "  ".join(f"{k}: {n}" for k, n in counts.items()),
        "* statement reconstructed (lost in the extracted text)",
        f"errata report written to {result['errata']}" if isinstance(result, dict) else "",
    ]
    return "\n".join(lines)
