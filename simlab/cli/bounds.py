"""``simlab bounds``: each upper bound of Zhang et al. 2020 (Theorems 2, 4, 8, Corollary 7, both
printed versions) with its constants against the runs, and how tight each is.

    simlab bounds [--quick | --full] [--json]

Runs :func:`simlab.experiments.bounds.run_bounds`; writes ``figures/bounds.png``; prints a
Markdown table of the rows and the tightest ratio per theorem (or, with ``--json``, the rows,
the ``tightness`` section and the lower-bound and search ``instances``). Exit code 1 when a row
``fails``.
"""

from __future__ import annotations

HELP = "each upper bound with its constants against the runs (Theorems 2, 4, 8, Cor. 7), tightness"


def configure(parser):
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="three alphas, two laws, a small search (about a minute; the default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="four alphas, K five times longer, a wider search refined around the "
                           "tightest instances")
    parser.set_defaults(mode="quick")
    parser.add_argument("--no-figures", action="store_true", help="skip figures/bounds.png")


def run(args) -> dict:
    from simlab.experiments.bounds import run_bounds

    return run_bounds(args.mode, figures=not args.no_figures)


def _g(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def render(result: dict) -> str:
    lines = ["| theorem | version | instance | noise | alpha | K | R | measured | stderr | bound "
             "| ratio | verdict | G / sigma / B | L | mu | F0 / D | dim | left region |",
             "|" + "---|" * 18]
    for row in result["rows"]:
        constant = next(f"{name} = {_g(row[name])}" for name in ("G", "sigma", "B")
                        if row.get(name) is not None)
        start = f"F0 = {_g(row['F0'])}" if "F0" in row else f"D = {_g(row['D'])}"
        lines.append(
            f"| {row['theorem']} | {row['version']} | {row['instance']} | {row['noise']} | "
            f"{row['alpha']:g} | {row['K']} | {row['replicas']} | {row['measured']:.4g} | "
            f"{row['stderr']:.2g} | {row['bound']:.4g} | {row['ratio']:.3g} | {row['verdict']} | "
            f"{constant} | {_g(row['L'])} | {_g(row['mu'])} | {start} | {row['dim']} | "
            f"{row['left_region']:.0%} |")
    lines += ["", "Tightest ratio found per bound (max over k, instances, both versions):", ""]
    for theorem, entry in result["tightness"].items():
        worse = entry["main_text_worse_on"]
        lines.append(f"- {theorem}: {entry['max_ratio']:.3g} (+-{entry['stderr']:.2g}) at "
                     f"k = {entry['at_k']}, {entry['version']}, {entry['instance']}, "
                     f"{entry['noise']}, alpha = {entry['alpha']:g}; main text worse on "
                     f"{len(worse)} instance(s)")
    summary = result["summary"]
    lines += ["", f"verdicts over every instance: {summary}; holds when measured + 3 stderr <= "
              "bound, fails when measured - 3 stderr > bound."]
    if result.get("figure"):
        lines.append(f"figure: {result['figure']}")
    return "\n".join(lines)


def exit_code(result: dict) -> int:
    return 1 if result["summary"]["fails"] else 0
