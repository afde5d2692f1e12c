"""``simlab adaptive``: the adaptive-method experiments of the three clipping preprints and of
ACClip (:mod:`simlab.experiments.adaptive`); a table per experiment or JSON. Each experiment's
``verdict`` is one of the five words of :mod:`simlab.finding`; its ``finding`` and ``checks``
carry the evidence and any correction."""

from __future__ import annotations

from simlab.experiments.adaptive import EXPERIMENTS, run_experiments

HELP = "adaptive methods: high-probability tails, clipping bias, (L0,L1)-smoothness, ACClip"


def configure(parser):
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--quick", dest="mode", action="store_const", const="quick",
                        help="small budgets (the default; about a minute on 2 cores)")
    budget.add_argument("--full", dest="mode", action="store_const", const="full",
                        help="the full budgets (many minutes)")
    parser.set_defaults(mode="quick")
    parser.add_argument("--only", default=None, metavar="NAME",
                        help="run one experiment: " + " | ".join(EXPERIMENTS))


def run(args) -> dict:
    return run_experiments(args.mode, args.only)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(rows: list[dict], columns: list[str]) -> list[str]:
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return lines


COLUMNS = {
    "high-probability": ["method", "delta", "quantile", "quantile_low", "quantile_high",
                         "iterations", "exponent", "local_exponent", "shape", "expected"],
    "clipping-bias": ["sigma", "threshold", "step_size", "floor", "floor_stderr", "floor_exact",
                      "mean_abs_grad", "verdict", "bound", "worst_ratio", "deterministic_grad",
                      "iterations_1e-4", "iterations_1e-8"],
    "l0l1-smoothness": ["problem", "method", "distance", "iterations", "upper_bound",
                        "smoothness_correlation", "bound_violations"],
    "acclip-nonstationary": ["method", "step_size", "threshold", "median_error", "ci_low",
                             "ci_high", "mean_log10_error", "diverged", "at_grid_edge"],
}


def render(result: dict) -> str:
    lines = [f"simlab adaptive ({result['mode']})"]
    for name, out in result["experiments"].items():
        lines += ["", f"== {name}: {out['source']}", f"claim: {out['claim']}",
                  f"tolerance: {out['tolerance']}"]
        lines += _table(out["rows"], COLUMNS[name])
        for check, finding in out.get("checks", {}).items():
            lines.append(f"  [{finding['verdict']}] {check}: {finding['evidence']}")
            if finding.get("correction"):
                lines.append(f"      correction: {finding['correction']}")
        lines.append(f"verdict: {out['verdict']}")
        if out.get("finding", {}).get("correction"):
            lines.append(f"correction: {out['finding']['correction']}")
        if "figure" in out:
            lines.append(f"figure: {out['figure']}")
    return "\n".join(lines)
