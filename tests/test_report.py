"""The reproduction report (issue 20, item 4), its formulas, the errata and the figure helpers
(item 5).

No Monte Carlo here: the stage records are synthetic (their counts are known by construction),
the figures tiny. Every checker is fed a wrong input too: a wrong verdict count, a broken link,
a legend laid on data.
"""

import json
from collections import Counter

import numpy as np
import pytest
import sympy as sp

from simlab.claims.errata import render_errata
from simlab.finding import VERDICTS
from simlab.formulas import _nesting, readable, simplest
from simlab.report import (
    broken_links,
    check_summary,
    render_report,
    stage_findings,
    summary_table,
    verdict_counts,
    write_report,
)


def _claim(i, paper, verdict, **extra):
    base = {"id": f"{paper}-c{i}", "paper": paper, "ref": f"eq. {i}", "statement": "s",
            "verdict": verdict, "evidence": f"evidence {i}", "method": "symbolic",
            "printed": None, "computed": None, "reconstructed": False,
            "correction": "none derived: a test" if verdict == "fails" else None,
            "convention": "a convention" if verdict == "holds-under-convention" else None}
    return base | extra


def _finding(subject, verdict, ref="Zhang et al. 2020, Theorem 4"):
    return {"verdict": verdict, "evidence": "e", "method": "fit", "printed": -0.5,
            "computed": -0.6, "correction": "none derived: test" if verdict == "fails" else None,
            "convention": None, "subject": subject, "ref": ref}


def _record(verb, result, title=None, text="text"):
    return {"verb": verb, "name": verb, "title": title or f"stage {verb}", "argv": [verb],
            "status": "ok", "result": result, "text": text, "seconds": 1.0,
            "cells_computed": 1, "cells_cached": 0}


def synthetic_records():
    """Known counts: verify 3 zhang2020 (holds, fails, holds-under-convention), 2 zhiyi-ziyin
    (fails, unverifiable), 1 koloskova2023 (unverifiable); rates 4 rows for zhang2020 (two
    inconclusive rows told apart only by x0, one holds, one fails); bounds 2 rows each
    carrying its finding (counted once each) and the first row listed again (not recounted);
    adaptive an experiment of Chezhegov et al. with 2 checks and its overall finding; a
    simulate stage with no verdict; a failed stage."""
    verify = [_claim(1, "zhang2020", "holds"), _claim(2, "zhang2020", "fails"),
              _claim(3, "zhang2020", "holds-under-convention"),
              _claim(4, "zhiyi-ziyin", "fails", printed="(2 - 2*alpha)/alpha",
                     computed="Max(0, Max(-(alpha - 2)*(alpha - 1), 1 - 2*(alpha - 1)**2)"
                              " + 1) - 2"),
              _claim(5, "zhiyi-ziyin", "unverifiable"), _claim(6, "koloskova2023", "unverifiable")]
    rates = [{"theorem": "Theorem 2", "algorithm": "gclip", "noise": "pareto(1.5)", "alpha": 1.5,
              "verdict": v, "ci_low": -0.9, "ci_high": -0.1, "predicted_slope": -0.5,
              "measured_slope": -0.5, "correction": c, "extra": {"start": start}}
             for v, c, start in (("inconclusive", None, "x0=0"),
                                 ("inconclusive", None, "x0=x*+0.01"),
                                 ("holds", None, "x0=2"),
                                 ("fails", "none derived: test", "x0=3"))]
    rows = [{"theorem": "Theorem 4", "instance": name, "verdict": "holds",
             "finding": _finding(f"Theorem 4 on {name}", "holds")} for name in ("a", "b")]
    bounds = {"rows": rows, "again": [rows[0]], "figure": "bounds.png"}
    experiment = {"experiment": "high-probability", "source": "Chezhegov et al. 2024, abstract",
                  "verdict": "holds",
                  "checks": {"x": _finding("x", "holds", "Chezhegov et al. 2024, abstract"),
                             "y": _finding("y", "inconclusive", "")},
                  "finding": _finding("overall", "holds", "Chezhegov et al. 2024, abstract")}
    failed = _record("noise", None) | {"status": "failed", "error": "ValueError: boom",
                                       "traceback": "Traceback"}
    return [_record("simulate", {"metrics": {}}, text="proj-gclip on constrained-quadratic"),
            _record("verify", verify), _record("rates", rates), _record("bounds", bounds),
            _record("adaptive", {"experiments": {"high-probability": experiment}}), failed]


EXPECTED = {
    "zhang2020": {"holds": 1 + 1 + 2, "fails": 1 + 1, "holds-under-convention": 1,
                  "inconclusive": 2},
    "zhiyi-ziyin": {"fails": 1, "unverifiable": 1},
    "koloskova2023": {"unverifiable": 1},
    "chezhegov2024": {"holds": 2, "inconclusive": 1},
}


def test_counts_walk_every_verdict_once():
    counts = verdict_counts(synthetic_records())
    assert {paper: dict(row) for paper, row in counts.items()} == EXPECTED


def test_the_summary_states_the_computed_counts_and_a_wrong_count_is_caught(tmp_path):
    records = synthetic_records()
    text = render_report("quick", {"seconds": 1.0}, records, [], tmp_path)
    assert text.index("## Summary") < text.index("## Stages")
    table = summary_table(text)
    assert table["Zhang et al. 2020"]["fails"] == 2
    assert table["**all**"]["all"] == sum(sum(r.values()) for r in EXPECTED.values())
    assert set(table["**all**"]) == set(VERDICTS) | {"all"}
    assert check_summary(text, records) == []
    # mutation: one count changed in the text
    wrong = text.replace("| Zhang et al. 2020 | 4 | 2 |", "| Zhang et al. 2020 | 4 | 3 |")
    assert wrong != text
    assert check_summary(wrong, records) == ["Zhang et al. 2020: fails is 3, computed 2"]
    # mutation: a verdict flipped in the records makes the old report wrong
    records[1]["result"][0]["verdict"] = "fails"
    records[1]["result"][0]["correction"] = "none derived: flipped"
    assert len(check_summary(text, records)) >= 2


def test_rows_show_what_distinguishes_them_and_formulas_are_simplified(tmp_path):
    text = render_report("quick", {"seconds": 1.0}, synthetic_records(), [], tmp_path)
    assert "x0=0" in text and "x0=x*+0.01" in text  # the two inconclusive rows differ by x0
    assert "Max(" not in text and "\\max" in text
    assert "**Failed**: ValueError: boom" in text
    assert "proj-gclip on constrained-quadratic" in text  # a stage without findings: its text
    errata_lines = [line for line in text.splitlines() if line.startswith("- [")]
    assert any("zhang2020-c2" in line for line in errata_lines)  # an erratum in the summary
    assert any("koloskova2023-c6" in line and "unverifiable" in line for line in errata_lines)


def test_links_are_valid_and_a_broken_one_is_caught(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    for name in ("bounds.png", "rates-theorem2.png", "stray.png"):
        (figures / name).write_bytes(b"png")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "results.json").write_text("{}")
    records = synthetic_records()
    write_report("quick", {"seconds": 1.0}, records, sorted(figures.glob("*.png")), out)
    text = (out / "REPORT.md").read_text()
    assert "![" in text and "](../figures/bounds.png)" in text
    assert "](../figures/stray.png)" in text  # a figure no stage names is still listed
    assert broken_links(out) == []
    assert {p.name for p in out.glob("appendix-*.md")} == {f"appendix-{r['verb']}.md"
                                                           for r in records}
    (out / "REPORT.md").write_text(text + "\n[gone](appendix-none.md) [nowhere](#stage-none)\n")
    assert broken_links(out) == ["REPORT.md: appendix-none.md (no file)",
                                 "REPORT.md: #stage-none (no anchor)"]


def _many_records(findings_per_stage=150):
    """Records at least as large as a quick run's (106 claims, 70 rate rows, 150 bound rows,
    100 Adam-update rows), every other finding failing or undecided: the worst case for the
    report's length."""
    words = ["fails", "inconclusive", "holds", "unverifiable", "holds-under-convention"]
    records = []
    for verb in ("simulate", "verify", "rates", "bounds", "lowerbounds", "adam-update",
                 "adaptive", "noise"):
        rows = [_finding(f"{verb} row {i % 7}", words[i % 5]) | {"alpha": i / 100, "K": i,
                                                                "convention": "c"}
                for i in range(findings_per_stage)]
        records.append(_record(verb, {"rows": rows}, text="x\n" * 200))
    return records


def test_the_report_stays_under_400_lines(tmp_path):
    figures = [tmp_path / f"{p}_{i}.png" for p in ("rates", "bounds", "lowerbound",
                                                    "adam_update", "adaptive_", "fig1_")
               for i in range(5)]
    records = _many_records()
    text = render_report("quick", {"seconds": 1.0}, records, figures, tmp_path)
    assert len(text.splitlines()) < 400
    assert check_summary(text, records) == []


def test_stage_findings_are_attributed_by_paper_key_ref_or_stage():
    items = stage_findings(synthetic_records()[4])
    assert Counter(i["paper"] for i in items) == {"chezhegov2024": 3}
    assert stage_findings(synthetic_records()[-1]) == []  # a failed stage has no findings


@pytest.mark.parametrize("text", [
    "Max(0, Max(-(alpha - 2)*(alpha - 1), 1 - 2*(alpha - 1)**2) + 1) - 2",
    "Min(alpha, 2 - alpha) + 3", "2*Max(alpha - 1, (alpha - 1)**2)",
])
def test_simplest_keeps_the_value_on_alpha_in_1_2(text):
    """Simplified on (1, 2] (the papers' alpha): same values on a 50-point grid, to 1e-12."""
    alpha = sp.Symbol("alpha")
    expr = sp.sympify(text)
    short = simplest(expr)
    f, g = (sp.lambdify(alpha, e, "numpy") for e in (expr, short))
    grid = np.linspace(1.0, 2.0, 51)[1:]
    assert np.allclose(np.broadcast_to(f(grid), grid.shape), np.broadcast_to(g(grid),
                                                                            grid.shape),
                       atol=1e-12, rtol=0)
    assert (_nesting(short), sp.count_ops(short)) <= (_nesting(expr), sp.count_ops(expr))


def test_readable_flattens_nested_extrema_and_keeps_terms_that_win():
    flat = readable("Max(0, Max(-(alpha - 2)*(alpha - 1), 1 - 2*(alpha - 1)**2) + 1) - 2")
    assert flat.count("\\max") == 1 and flat.startswith("$")
    # both terms win somewhere on (1, 2]: neither may be dropped
    assert readable("Max(alpha - 1, 2 - alpha)").count(",") == 1
    assert readable("Interval.open(5, oo)") == "`Interval.open(5, oo)`"


def test_errata_explain_conventions_and_undecided_claims():
    records = synthetic_records()[1]["result"]
    text = render_errata(records)
    assert "## Failing claims (2)" in text
    assert "## Claims that hold under a convention (1)" in text
    assert "**Convention:** a convention" in text
    assert "## Unverifiable claims (2)" in text and "evidence 6" in text
    assert "Max(" not in text and "\\max" in text


def test_a_legend_on_data_is_detected_and_moved(tmp_path, monkeypatch):
    from simlab.plotting import fix_legends, legend_covers_data, new_figure, place_legend, save

    fig, axes = new_figure()
    ax = axes[0, 0]
    x = np.linspace(0, 1, 50)
    ax.plot(x, x, label="diagonal")
    ax.plot(x, 1 - x, label="anti-diagonal")
    ax.legend(loc="center")
    fig.canvas.draw()
    assert legend_covers_data(ax)  # the two lines cross under a centred legend
    assert fix_legends(fig) == [ax] and not legend_covers_data(ax)
    # a band filling the axes: no place inside is free, so the legend goes outside
    fig, axes = new_figure()
    ax = axes[0, 0]
    ax.fill_between(x, 0, 1, label="band")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    place_legend(ax)
    assert not legend_covers_data(ax) and ax.get_legend().get_bbox_to_anchor() is not None
    monkeypatch.setenv("SIMLAB_FIGURES", str(tmp_path))
    assert save(fig, "band").exists()


def test_slope_band_draws_the_fit_its_band_and_the_prediction():
    from simlab.analysis import bootstrap_slope
    from simlab.plotting import new_figure, slope_band

    # seed 0, 400 replicas of a Pareto(3) scale at 5 points: any fit will do, the band's
    # geometry is what is checked
    rng = np.random.default_rng(0)
    x = np.array([10.0, 30, 100, 300, 1000])
    fit = bootstrap_slope(x, rng.pareto(3.0, (400, 5)) * x ** -0.5, seed=1)
    fig, axes = new_figure()
    ax = axes[0, 0]
    line = slope_band(ax, x, fit, predicted=-0.5)
    assert len(ax.collections) == 1 and len(ax.get_lines()) == 2
    dense = line.get_xdata()
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() > 0 and np.isclose(dense[0], 10) and np.isclose(dense[-1], 1000)
    as_dict = {"slope": fit.slope, "interval": [fit.ci_low, fit.ci_high]}
    with pytest.raises(ValueError, match="intercept"):
        slope_band(ax, x, as_dict)
    slope_band(ax, x, as_dict, y=np.exp(fit.intercept) * x ** fit.slope)
    assert np.allclose(ax.get_lines()[-1].get_ydata(), line.get_ydata())


def test_the_quick_run_records_if_present_are_summarised_right(tmp_path):
    """When a reproduction's results.json is at hand (reports/), its summary is recomputed."""
    from pathlib import Path

    path = Path("reports/results.json")
    if not path.exists():
        pytest.skip("no reports/results.json")
    records = [dict(r, text="") for r in json.loads(path.read_text())["stages"]]
    text = render_report("quick", {"seconds": 0}, records, [], tmp_path)
    assert check_summary(text, records) == [] and len(text.splitlines()) < 400


def _rate_row(alpha, verdict="inconclusive", **extra):
    """A Theorem 4 rate row as the rates stage writes it (fields of simlab.experiments.rates.Row,
    abridged), with the difference of its two schedules' slopes nested in ``extra``."""
    return {"experiment": "theorem4", "theorem": "Theorem 4", "algorithm": "proj-gclip",
            "noise": "pareto(1.5)", "alpha": alpha, "schedule": "appendix",
            "quantity": "E[f(x_bar_k)] - f*", "verdict": verdict, "ci_low": -0.9,
            "ci_high": -0.1, "predicted_slope": -0.5, "measured_slope": -0.5,
            "correction": "none derived: test" if verdict == "fails" else None,
            "extra": {"sigma": 0.5, "difference": {
                "predicted": 0.25, "measured": -0.3 * alpha, "ci": [-0.6, -0.2],
                "separates": True, "verdict": "fails",
                "what": "slope(main-text) - slope(appendix), same draws"}} | extra}


def test_rows_differing_only_by_alpha_are_labelled_apart_in_the_summary_and_tables(tmp_path):
    rows = [_rate_row(1.2), _rate_row(1.4)]
    text = render_report("quick", {"seconds": 1.0}, [_record("rates", rows)], [], tmp_path)
    summary = text.split("## Stages")[0]
    undecided = [line for line in summary.splitlines() if "inconclusive:" in line]
    assert len(undecided) == 2 and len(set(undecided)) == 2
    assert "*alpha=1.2*" in undecided[0] and "*alpha=1.4*" in undecided[1]
    table = [line for line in text.split("## Stages")[1].splitlines()
             if line.startswith("| Theorem 4, proj-gclip, E[f")]
    assert [line.split(" | ")[1] for line in table] == ["alpha=1.2", "alpha=1.4"]
    # the difference nested in each row: named by its row and what it measures, labelled by
    # the row's alpha, and explained by its interval (never an empty entry)
    errata = [line for line in summary.splitlines() if line.startswith("- [Theorem 4")
              and "slope(main-text) - slope(appendix)" in line]
    assert len(errata) == 2 and "*alpha=1.2*" in errata[0] and "*alpha=1.4*" in errata[1]
    assert "measured -0.36" in errata[0] and "measured -0.42" in errata[1]
    assert "interval [-0.6, -0.2] against predicted 0.25" in errata[0]
    assert "difference: row" not in text and "): \n" not in text


def test_a_field_past_the_first_four_still_tells_rows_apart_and_alike_rows_are_numbered():
    from simlab.report import distinctions

    base = {"theorem": "Theorem 2", "algorithm": "gclip", "verdict": "holds"}
    # version, x0, schedule, noise vary together; only the instance tells the last two apart
    rows = [base | {"version": v, "x0": v, "schedule": v, "noise": v, "instance": i}
            for v, i in (("a", "p"), ("b", "q"), ("b", "r"))]
    items = [{"node": row, "where": "rows"} for row in rows]
    told = distinctions(items)
    assert len(set(told)) == 3 and "instance=q" in told[1] and "instance=r" in told[2]
    # two rows alike in every field: numbered, still apart; a lone row: nothing to show
    items = [{"node": dict(base), "where": "rows"} for _ in range(2)]
    assert distinctions(items) == ["#1", "#2"]
    assert distinctions(items[:1]) == [""]


def test_rows_alike_in_every_descriptive_field_are_told_apart_by_a_short_text_field():
    from simlab.report import distinctions

    rows = [{"experiment": "acclip", "verdict": "holds", "observed": f"{a} better than {b}",
             "ci_low": -0.3, "ci_high": -0.1} for a, b in (("acclip", "adam"), ("gclip", "sgd"))]
    told = distinctions([{"node": row, "where": "acclip"} for row in rows])
    assert told == ["observed=acclip better than adam", "observed=gclip better than sgd"]
