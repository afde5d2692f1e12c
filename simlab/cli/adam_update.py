"""``simlab adam-update``: the simulated law of the Adam update against Theorem 1 (Zhiyi & Ziyin).

Per step m = 2..M: simulated mean, Var(Delta theta), Var|Delta theta| (with standard errors), the
predicted values (Corollaries 1-2, eq. 30) and the KS test of the simulated updates against eq. 30.
The preconditioner is Theorem 1's simple average unless ``--beta2`` is given (then Adam's
bias-corrected exponential average, predicted through the effective m of eq. 9/12).
"""

from __future__ import annotations


from simlab import adam_update as au
from simlab.errors import as_number, check_count
from simlab.experiments import adam_update as experiment
from simlab.experiments.adam_update_figures import make_figures

HELP = "law of the Adam update (Zhiyi & Ziyin): simulated vs predicted per step, KS tests"


def configure(parser) -> None:
    names = ", ".join(f"{k} ({v})" for k, v in au.GRADIENTS.items())
    parser.add_argument(
        "--steps", default="100", help="last step M; rows for m = 2..M (default 100)"
    )
    parser.add_argument(
        "--samples",
        default="20000",
        help="independent updates per step (the KS sample size; default 20000)",
    )
    parser.add_argument("--gradient", default="normal", help=f"gradient stream: {names}")
    parser.add_argument(
        "--beta2",
        default=None,
        help="preconditioner decay beta in [0, 1); omit for Theorem 1's simple "
        f"average ('exponential' defaults to {au.ADAM_DEFAULT_BETA2})",
    )
    parser.add_argument("--convention", default="c=m", help="normaliser c of eq. 14: c=m or c=m-1")
    parser.add_argument(
        "--tail-index",
        default="1.5",
        help="tail index in (0, 2] of the pareto and stable streams (default 1.5)",
    )
    parser.add_argument("--seed", default=None,
                        help="seed of the gradient streams (default: derived from the other "
                        "settings, simlab.rng's one seed rule); the figures and checks derive "
                        "theirs from it (default root 0)")
    parser.add_argument(
        "--no-figures", action="store_true", help="do not write the five figures (quick mode)"
    )
    parser.add_argument(
        "--checks",
        action="store_true",
        help="also run every comparison (modality, Gaussian limit, eq. 12, bias "
        "correction, epsilon, wrong laws) with its verdict (about 15 s)",
    )


def run(args) -> dict:
    beta = None if args.beta2 is None else as_number("beta2", args.beta2)
    seed = None if args.seed is None else check_count("seed", args.seed, minimum=0)
    spec = au.UpdateSpec(
        gradient=args.gradient,
        steps=check_count("steps", args.steps),
        samples=check_count("samples", args.samples),
        beta=beta,
        convention=args.convention,
        seed=seed,
        tail_index=as_number("tail-index", args.tail_index),
    )
    rows = experiment.compare_steps(spec)
    finding = experiment.steps_finding(rows, spec)
    root = 0 if seed is None else seed
    figures = [] if args.no_figures else [str(p) for p in make_figures(quick=True, seed=root)]
    checks = experiment.run_checks(samples=spec.samples, seed=root) if args.checks else None
    return {
        "paper": experiment.PAPER,
        "gradient": spec.gradient,
        "preconditioner": spec.preconditioner,
        "beta2": spec.beta,
        "samples": spec.samples,
        "seed": spec.seed,
        "tail_index": spec.tail_index if spec.gradient in ("pareto", "stable") else None,
        "convention": rows[0].convention,
        "verdict": finding.verdict,
        "verdict_rule": "Bonferroni over 3 x (steps-1) comparisons at family-wise level 0.01: "
        "KS p-value and both variances (within z standard errors); holds only when z standard "
        f"errors are below {experiment.RESOLUTION:g} of the predicted variances, else "
        "inconclusive; unverifiable where Theorem 1 predicts nothing",
        "finding": finding.as_dict(),
        "rows": [r.as_dict() for r in rows],
        "figures": figures,
        "checks": checks,
        "findings": [finding.as_dict()] + (experiment.findings(checks) if checks else []),
    }


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(result: dict) -> str:
    beta = "simple average" if result["beta2"] is None else f"beta2 = {result['beta2']:g}"
    lines = [
        (
            f"Adam update law, gradient {result['gradient']}, {beta}, {result['convention']}, "
            f"{result['samples']} samples per step, seed {result['seed']}"
        ),
        (
            f"{'m':>4} {'mean':>8} {'var':>7} {'pred':>7} {'var|.|':>7} {'pred':>7} "
            f"{'KS':>7} {'p':>7}  verdict"
        ),
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['m']:>4} {r['mean']:>8.4f} {r['variance']:>7.4f} "
            f"{_fmt(r['predicted_variance'], '7.4f'):>7} {r['abs_variance']:>7.4f} "
            f"{_fmt(r['predicted_abs_variance'], '7.4f'):>7} "
            f"{_fmt(r['ks_statistic'], '7.4f'):>7} {_fmt(r['ks_pvalue'], '7.3g'):>7}  "
            f"{r['verdict']}"
        )
    lines.append(f"overall: {result['verdict']} ({result['verdict_rule']})")
    checks = result.get("checks")
    if checks:
        lines.append("checks:")
        for name, value in checks.items():
            if isinstance(value, dict) and "verdict" in value:
                lines.append(f"  {name}: {value['verdict']}")
            elif name == "bias_correction_and_epsilon_findings":
                for v in value:
                    lines.append(f"  {v['subject']}: {v['verdict']}")
            elif name == "theorem_1_law_m_2_to_100":
                for convention, v in value.items():
                    lines.append(
                        f"  {name} [{convention}]: {v['verdict']} (min KS p "
                        f"{v['min_ks_pvalue']:.3g})"
                    )
            elif name == "bias_correction_and_epsilon":
                for v in value:
                    lines.append(
                        f"  {v['setting']} at m={v['m']}: Var {v['variance']:.4g} vs "
                        f"{v['predicted_variance']:.4g}: {v['verdict']} ({v['effect']})"
                    )
            elif name == "exchangeable_corollary_1":
                lines.append(
                    "  " + name + ": " + ", ".join(f"{k} {v['verdict']}" for k, v in value.items())
                )
    if result["figures"]:
        lines.append("figures: " + ", ".join(result["figures"]))
    return "\n".join(lines)
