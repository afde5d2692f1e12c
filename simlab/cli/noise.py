"""``simlab noise``: heavy-tail diagnostics (Zhang et al. 2020, Section 2, Figure 1, Appendix H).

A thin verb over :func:`simlab.experiments.noise.run_noise`: the tail-index estimator validation
table, the Figure 1 analogues and the mini-batch noise of two small NumPy models, every Monte Carlo
part a stored cell, each verdict a :class:`simlab.finding.Finding`. Figures go to ``figures/``.
"""

from __future__ import annotations

import math

from simlab.experiments.noise import BUDGETS, PAPER, run_noise

HELP = "heavy-tail diagnostics: tail-index estimator validation, Figure 1 analogues, model noise"


def configure(parser):
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", const="quick", dest="budget",
                      help="quick budget (the default, as for every verb): n up to 1e4, "
                           "variance up to 1e6 samples, 600 steps")
    mode.add_argument("--full", action="store_const", const="full", dest="budget",
                      help="the publication budget: variance up to 1e7 samples")
    mode.add_argument("--budget", choices=sorted(BUDGETS),
                      help="quick (default), full, or smoke (tests)")
    parser.set_defaults(budget="quick")
    parser.add_argument("--seed", type=int, default=0, help="root seed of every part")
    parser.add_argument("--no-figures", action="store_true", help="skip writing figures")


def run(args):
    budget = BUDGETS[args.budget]
    seed = args.seed
    parts = run_noise(args.budget, seed, figures=not args.no_figures)
    reference, variance, models = parts["reference"], parts["variance"], parts["models"]
    rows, growth, observation = parts["validation"], parts["growth"], parts["observation"]
    figures, timings = parts["figures"], parts["timings"]

    variance_summary = []
    for law_name, entry in variance["laws"].items():
        item = {"law": law_name, "variance": entry["variance"],
                "final_median_variance": entry["median"][-1],
                "fitted_slope": entry["fitted_slope"], "predicted_slope": entry["predicted_slope"]}
        if "predicted_quantiles" in entry:
            item["predicted_final_median"] = entry["predicted_quantiles"][0.5][-1]
            item["band_coverage"] = entry["band_coverage"]
        else:
            item["final_relative_error"] = entry["final_relative_error"]
        variance_summary.append(item)
    return {
        "paper": PAPER,
        "budget": args.budget, "seed": seed, "settings": budget,
        "notes": ["null tail indices in JSON are infinite (Gaussian law, light tails)",
                  ("validation targets: Hill and moment estimate the tail index of |x|; "
                  "Mohammadi estimates the stable index min(tail index, 2)"),
                  ("heavier_than_gaussian: Hill's 99% interval for the noise-norm index lies "
                  "entirely below that of a Gaussian with the same covariance")],
        "validation": rows,
        "figure1": {
            "noise_norms": {"dimension": reference["dimension"], "alpha": reference["alpha"],
                            "samples": reference["samples"],
                            "gaussian_hill": reference["gaussian_hill"],
                            "stable_hill": reference["stable_hill"]},
            "variance_vs_samples": {"max_samples": variance["max_samples"],
                                    "paths": variance["paths"], "laws": variance_summary},
            "stable_growth_check": growth,
        },
        "models": {name: {**{k: v for k, v in result.items() if k != "measurements"},
                          "measurements": [m.as_dict() for m in result["measurements"]]}
                   for name, result in models.items()},
        "paper_observation": observation,
        "findings": [finding.as_dict() for finding in parts["findings"]],
        "figures": figures, "timings": timings,
    }


def _fmt(value, spec=".3g"):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def render(result) -> str:
    lines = [f"simlab noise ({result['budget']} budget, seed {result['seed']}): {result['paper']}",
             "", ("Tail-index estimators on laws with a known index "
             f"({result['settings']['replicas']} replicas; vectors of dimension 10):"),
             (f"{'law':13s} {'index':>5s} {'n':>7s} {'estimator':9s} {'input':16s} {'target':>6s} "
             f"{'mean':>7s} {'spread':>7s} {'median':>7s} {'predicted':>9s} {'<2':>5s} "
             f"{'warned':>6s}")]
    for r in result["validation"]:
        lines.append(
            f"{r['law']:13s} {_fmt(r['true_index']):>5s} {r['n']:7d} {r['estimator']:9s} "
            f"{r['input']:16s} {_fmt(r['target']):>6s} {_fmt(r['mean_estimate'], '.3f'):>7s} "
            f"{_fmt(r['spread'], '.3f'):>7s} {_fmt(r['median_estimate'], '.3f'):>7s} "
            f"{_fmt(r['predicted'], '.3f'):>9s} "
            f"{r['fraction_below_2']:5.2f} {r['fraction_warned']:6.2f}")
    norms = result["figure1"]["noise_norms"]
    lines += ["", (f"Figure 1 (c, g): Hill index of noise norms (d={norms['dimension']}, "
              f"{norms['samples']} samples): Gaussian {norms['gaussian_hill']['tail_index']:.1f}, "
              f"stable({norms['alpha']:g}) {norms['stable_hill']['tail_index']:.2f}")]
    var = result["figure1"]["variance_vs_samples"]
    lines.append(f"Figure 1 (d, h): empirical variance up to n = {var['max_samples']:.0e} "
                 f"({var['paths']} paths)")
    for item in var["laws"]:
        predicted = item.get("predicted_final_median", item["variance"])
        lines.append(f"  {item['law']:12s} median at max n {item['final_median_variance']:10.4g} "
                     f"(predicted {predicted:.4g}); slope {item['fitted_slope']:+.3f} "
                     f"(predicted {item['predicted_slope']:+.3f})"
                     + (f"; share inside predicted 10-90% band {item['band_coverage']:.2f} "
                        "(0.80 expected)" if "band_coverage" in item else ""))
    growth = result["figure1"]["stable_growth_check"]
    lines.append(f"  growth law n^(2/alpha-1) S for stable({growth['alpha']:g}) at n = "
                 f"{growth['samples']}, {growth['replicas']} independent replicas: "
                 + ", ".join(f"{r['fraction_below']:.3f} below predicted q{r['quantile']:g} "
                             f"(p = {r['p_value']:.2g})" for r in growth["quantiles"]))
    lines += ["", ("Mini-batch gradient noise of small NumPy models (Hill index of noise norms, "
              "99% interval; Gaussian surrogate with the same covariance):"),
              (f"{'model':20s} {'step':>5s} {'B':>3s} {'loss':>6s} {'acc':>5s} {'hill':>6s} "
              f"{'interval':>15s} {'gauss':>6s} {'pooled hill':>11s} {'pooled moh.':>11s} heavier")]
    for name, model in result["models"].items():
        for m in model["measurements"]:
            h = m["hill_norms"]
            lines.append(
                f"{name:20s} {m['step']:5d} {m['batch_size']:3d} {m['loss']:6.3f} "
                f"{m['accuracy']:5.2f} {h['tail_index']:6.2f} "
                f"{'[' + _fmt(h['ci_low'], '.2f') + ', ' + _fmt(h['ci_high'], '.2f') + ']':>15s} "
                f"{m['hill_surrogate']['tail_index']:6.2f} {m['hill_pooled']['tail_index']:11.2f} "
                f"{m['mohammadi_pooled']['tail_index']:11.2f} {m['heavier_than_gaussian']}")
    obs = result["paper_observation"]
    lines += ["", ("Paper's observation (attention heavy-tailed, MLP on images concentrated) "
              f"reproduces at initialisation: {obs['reproduces_at_init']}")]
    for row in obs["rows"]:
        lines.append(f"  step {row['step']:4d} B={row['batch_size']:2d}: attention heavier "
                     f"{row['attention_heavier_than_gaussian']}, MLP heavier "
                     f"{row['mlp_heavier_than_gaussian']} -> reproduces {row['reproduces']}")
    lines += ["", "Findings:"] + [f"  {f['verdict']:12s} {f['subject']} ({f['ref']})"
                                  for f in result["findings"]]
    lines += ["", "Figures: " + (", ".join(result["figures"]) or "none"),
              "Timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items())]
    return "\n".join(lines)
