"""``simlab noise``: heavy-tail diagnostics (Zhang et al. 2020, Section 2, Figure 1, Appendix H).

Three parts, each a call into the public API: the tail-index estimator validation table
(:func:`simlab.tail_index.validation_table`), the Figure 1 analogues
(:func:`simlab.gradient_noise.noise_norm_reference`, :func:`~simlab.gradient_noise.variance_paths`)
and the mini-batch noise of two small NumPy models
(:func:`simlab.gradient_noise.measure_model_noise`). Figures go to ``figures/``.
"""

from __future__ import annotations

import math
import time

from simlab import gradient_noise as gn
from simlab.progress import progress
from simlab.tail_index import VALIDATION_LAWS, validation_table

HELP = "heavy-tail diagnostics: tail-index estimator validation, Figure 1 analogues, model noise"

#: budgets: full (the reproduction), quick (default CI-sized run), smoke (tests of the verb)
BUDGETS = {
    "full": {"sizes": (1000, 10000, 100000), "replicas": 20, "variance_samples": 10**7,
             "variance_paths": 8, "growth_samples": 10**4, "growth_replicas": 1000,
             "norm_samples": 20000, "steps": 900, "batches": 2000},
    "quick": {"sizes": (1000, 10000), "replicas": 8, "variance_samples": 10**6,
              "variance_paths": 4, "growth_samples": 1000, "growth_replicas": 500,
              "norm_samples": 10000, "steps": 600, "batches": 400},
    "smoke": {"sizes": (300,), "replicas": 2, "variance_samples": 10**4, "variance_paths": 2,
              "growth_samples": 100, "growth_replicas": 50, "norm_samples": 1000, "steps": 0,
              "batches": 60},
}


def configure(parser):
    parser.add_argument("--quick", action="store_const", const="quick", dest="budget",
                        help="quick budget: n up to 1e4, variance up to 1e6 samples, 600 steps")
    parser.add_argument("--budget", choices=sorted(BUDGETS),
                        help="full (default; variance up to 1e7 samples), quick, or smoke (tests)")
    parser.set_defaults(budget="full")
    parser.add_argument("--seed", type=int, default=0, help="root seed of every part")
    parser.add_argument("--no-figures", action="store_true", help="skip writing figures")


def run(args):
    budget = BUDGETS[args.budget]
    seed = args.seed
    timings, figures = {}, []

    start = time.perf_counter()
    cells = len(VALIDATION_LAWS) * len(budget["sizes"]) * budget["replicas"]
    with progress(total=cells, desc="estimator validation", unit="replica") as bar:
        rows = validation_table(sizes=budget["sizes"], replicas=budget["replicas"], seed=seed,
                                bar=bar)
    timings["validation_s"] = time.perf_counter() - start

    start = time.perf_counter()
    reference = gn.noise_norm_reference(samples=budget["norm_samples"], seed=seed)
    variance = gn.variance_paths(max_samples=budget["variance_samples"],
                                 paths=budget["variance_paths"], seed=seed)
    growth = gn.variance_growth_check(samples=budget["growth_samples"],
                                      replicas=budget["growth_replicas"], seed=seed)
    timings["figure1_s"] = time.perf_counter() - start

    start = time.perf_counter()
    models = {}
    for name in progress(gn.MODELS, desc="models", unit="model"):
        models[name] = gn.measure_model_noise(name, steps=budget["steps"],
                                              batches=budget["batches"], seed=seed)
    observation = gn.paper_observation(models)
    timings["models_s"] = time.perf_counter() - start

    if not args.no_figures:
        figures = [str(gn.plot_validation(rows)), str(gn.plot_noise_norm_reference(reference)),
                   str(gn.plot_variance_paths(variance)), str(gn.plot_model_noise(models))]

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
        "paper": "Zhang et al. 2020, Section 2, Figure 1, Appendix H",
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
    lines += ["", "Figures: " + (", ".join(result["figures"]) or "none"),
              "Timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items())]
    return "\n".join(lines)
