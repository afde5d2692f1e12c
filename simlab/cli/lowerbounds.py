"""``simlab lowerbounds``: validate the hard instances of Theorems 5 and 6 (Zhang et al. 2020,
Appendices F and G; :mod:`simlab.experiments.lowerbounds`), run SGD, GClip, CClip, NSGD and Adam
on them through the engine (:mod:`simlab.experiments.lowerbound_runs`, under the ``runs`` key)
and draw their figures (:mod:`simlab.experiments.lowerbound_figures`). Every row carries a
finding (``verdict`` in the five words of :mod:`simlab.finding`, ``evidence``, ``correction``...)
beside its measured fields; ``violated`` counts the ``fails``, ``verdicts`` every word."""

from __future__ import annotations

from simlab.experiments import lowerbound_figures, lowerbound_runs, lowerbounds

HELP = "validate the lower-bound instances of Theorems 5 and 6 (exact, worst-case, Monte Carlo)"

COLUMNS = ("instance", "property", "value", "relation", "bound", "allowance", "verdict", "method")


def configure(parser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=True,
                      help="small budgets: fewer optimizer starts and Monte Carlo draws "
                           "(the default, as for every verb)")
    mode.add_argument("--full", dest="quick", action="store_false",
                      help="the publication budgets")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument(
        "--no-runs", action="store_true", help="skip the algorithm-vs-bound runs (the 'runs' key)"
    )


def run(args) -> dict:
    rows = lowerbounds.run_checks(quick=args.quick)
    figures = (
        []
        if args.no_figures
        else [str(path) for path in lowerbound_figures.draw_figures(quick=args.quick)]
    )
    result = {
        "quick": args.quick,
        "rows": rows,
        "figures": figures,
        "violated": sum(row["verdict"] == "fails" for row in rows),
        "verdicts": lowerbound_runs.verdict_counts(rows),
    }
    if not args.no_runs:
        result["runs"] = lowerbound_runs.run_all(quick=args.quick, figures=not args.no_figures)
    return result


def render(result: dict) -> str:
    lines = _table(result["rows"])
    lines.append("")
    lines.append(f"{len(result['rows'])} properties: {_counts(result['verdicts'])}.")
    lines += [f"figure: {path}" for path in result["figures"]]
    if "runs" in result:
        lines += ["", "Algorithms on the instances (best of each tuning grid):", ""]
        lines += _runs_summary(result["runs"])
        lines += [""] + _table(result["runs"]["rows"]) + [""]
        runs = result["runs"]
        lines.append(f"{len(runs['rows'])} run verdicts: {_counts(runs['verdicts'])}.")
        lines += [f"figure: {path}" for path in runs["figures"]]
    return "\n".join(lines)


def _counts(counts: dict) -> str:
    return ", ".join(f"{count} {word}" for word, count in counts.items() if count) or "none"


def _table(rows) -> list[str]:
    def cell(row, key):
        value = row[key]
        return f"{value:.6g}" if isinstance(value, float) else str(value)

    table = [COLUMNS] + [tuple(cell(row, key) for key in COLUMNS) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True))
             for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += [f"  {row['property']}: {row['correction']}" for row in rows if row.get("correction")]
    return lines


def _runs_summary(runs) -> list[str]:
    theorem5, chain = runs["theorem5"], runs["zero_chain"]
    lines = [
        f"Theorem 5 (alpha={theorem5['alpha']:g}, {theorem5['replicas_per_b']} replicas per b): "
        f"measured / lower bound at k = "
        f"{', '.join(str(k) for k in theorem5['gclip_horizons'])} (gclip alone past "
        f"{theorem5['horizons'][-1]})"
    ]
    for name, data in theorem5["algorithms"].items():
        bounds = theorem5["bound"][: len(data["risk"])]  # gclip alone has the extra horizons
        ratios = [risk / bound for risk, bound in zip(data["risk"], bounds, strict=True)]
        lines.append(f"  {name:6s} " + " ".join(f"{ratio:8.3g}" for ratio in ratios))
    fit = theorem5["gclip_fit"]
    lines.append(
        f"  gclip slope {fit['slope']:.4f} +- {fit['stderr']:.4f} (predicted "
        f"{theorem5['predicted_exponent']:.4f}; the bound's own slope "
        f"{theorem5['bound_slope']:.4f}); between consecutive horizons: "
        + ", ".join(f"{slope:.3f}" for slope in fit["local_slopes"])
    )
    lines.append(
        f"Zero chain (d={chain['d']}, p={chain['p']:.4g}, T=(d-1)/(2p)={chain['horizon']}, "
        f"{chain['replicas']} replicas): mean progress at T "
        f"(p T = {chain['p'] * chain['horizon']:.3g}), fraction with ||grad F|| >= 2 eps up to T"
    )
    for name, data in chain["algorithms"].items():
        lines.append(
            f"  {name:6s} progress {data['progress_at_horizon']:.3g} "
            f"({data['progress_per_step']:.4g} per step), "
            f"fraction {data['fraction_at_horizon']:.3f}"
            f"  [eta_k = {data['schedule']['step_size']}, tau_k = {data['schedule']['threshold']}]"
        )
    return lines
