"""``simlab rates``: convergence-rate slopes, measured against the exponents the theory derives.

    simlab rates [--quick | --full] [--only NAME] [--seed S] [--json]

Runs :func:`simlab.experiments.rates.run_rates`; writes ``figures/rates-<experiment>.png``;
prints a Markdown table (or, with ``--json``, the list of rows).
"""

from __future__ import annotations

import math

from simlab.analysis import SLOPE_TOLERANCE

HELP = "convergence-rate slopes: measured (median-of-means CI) vs predicted by the theorems"


def configure(parser):
    from simlab.experiments.rates import EXPERIMENTS

    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="the quick grid (alpha in 1.2..2.0, a pilot's replicas only: rows "
                           "may stay inconclusive; the default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="the publication grid (alpha in 1.1..2.0), powered: each row's "
                           "replicas chosen from a pilot so that its interval reaches its "
                           "resolution; Theorem 2 also at K beyond its asymptotic threshold")
    parser.set_defaults(mode="quick")
    parser.add_argument("--only", default=None, metavar="NAME",
                        help="run one experiment: " + ", ".join(EXPERIMENTS))
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="another replicate of the experiments: S enters every cell's seed "
                             "(omitted: each seed is derived from the cell's spec, or shared by "
                             "the cells that use common random numbers)")


def run(args) -> list[dict]:
    from simlab import progress
    from simlab.errors import check_choice
    from simlab.experiments.rates import EXPERIMENTS, run_rates
    from simlab.run.context import current, using

    if args.only is not None:
        check_choice("experiment", args.only, EXPERIMENTS)
    # the cells go through the store and executor of the current runner (simlab reproduce
    # sets them); a progress bar per experiment where stderr is a terminal
    with using(show_progress=current().show_progress or progress.enabled()):
        rows = run_rates(args.mode, only=args.only, seed=args.seed)
    for row in rows:  # the JSON rows carry no plot data
        row.pop("points", None)
        row["extra"].pop("curve", None)
    return rows


def _number(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:+.{digits}f}"


def render(rows: list[dict]) -> str:
    header = ("| experiment | theorem | algorithm | schedule | noise | alpha | regime | x | "
              "predicted | measured | 95% CI | resolution | verdict | bound | in-regime bound | "
              "replicas | steps |")
    lines = [header, "|" + "---|" * 17]
    for row in rows:
        regime = "" if row.get("regime_slope") is None else (
            f"{_number(row['regime_slope'])} ({row['regime_verdict']})")
        lines.append(
            f"| {row['experiment']} | {row['theorem']} | {row['algorithm']} | "
            f"{row.get('schedule') or ''} | {row['noise']} | {row['alpha']:g} | "
            f"{'asymptotic' if row['regime'] == 'asymptotic' else ''} | {row['x']} | "
            f"{_number(row['predicted_slope'])} | {_number(row['measured_slope'])} | "
            f"[{_number(row['ci_low'])}, {_number(row['ci_high'])}] | "
            f"{row['resolution']:.3g} | {row['verdict']} | "
            f"{row.get('bound_holds') or ''} | {regime} | {row['replicas']} | {row['steps']} |")
    lines.append("")
    lines.append(f"verdict: 'holds' when the predicted slope lies in the 95% median-of-means "
                 f"interval widened by {SLOPE_TOLERANCE:g} and the interval's half-width is at "
                 f"most the row's resolution (at most {SLOPE_TOLERANCE:g}, or half the gap to a "
                 "competing prediction); 'inconclusive' when it lies in a wider interval (or there "
                 "is none); 'fails' when it lies outside (the row's correction, in --json, names "
                 "the derived exponent the interval holds instead, if any). bound: 'holds' unless "
                 "the whole interval lies above the upper bound's exponent by more than "
                 f"{SLOPE_TOLERANCE:g} ('fails'; 'inconclusive' without an interval). In-regime "
                 "bound: the exponent of the same bound in the regime the run is in, with its "
                 "verdict. Regimes, quantities and statistics: --json.")
    return "\n".join(lines)
