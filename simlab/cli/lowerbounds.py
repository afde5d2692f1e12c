"""``simlab lowerbounds``: validate the hard instances of Theorems 5 and 6 (Zhang et al. 2020,
Appendices F and G) and draw their figures."""

from __future__ import annotations

from simlab import lowerbounds

HELP = "validate the lower-bound instances of Theorems 5 and 6 (exact, worst-case, Monte Carlo)"

COLUMNS = ("instance", "property", "value", "relation", "bound", "allowance", "verdict", "method")


def configure(parser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small budgets: fewer optimizer starts and Monte Carlo draws",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")


def run(args) -> dict:
    rows = lowerbounds.run_checks(quick=args.quick)
    figures = (
        []
        if args.no_figures
        else [str(path) for path in lowerbounds.draw_figures(quick=args.quick)]
    )
    return {
        "quick": args.quick,
        "rows": rows,
        "figures": figures,
        "violated": sum(row["verdict"] == "violated" for row in rows),
    }


def render(result: dict) -> str:
    def cell(row, key):
        value = row[key]
        return f"{value:.6g}" if isinstance(value, float) else str(value)

    table = [COLUMNS] + [tuple(cell(row, key) for key in COLUMNS) for row in result["rows"]]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)) for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append(
        f"{len(result['rows']) - result['violated']} of {len(result['rows'])} properties "
        f"hold; {result['violated']} violated."
    )
    lines += [f"figure: {path}" for path in result["figures"]]
    return "\n".join(lines)
