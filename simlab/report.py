"""The reproduction report: ``reports/REPORT.md``, read like a paper's appendix (issue 20).

``simlab reproduce`` hands :func:`write_report` the record of every stage (its verb's JSON
result and text) and the figures it drew. The report opens with a one-page summary: per paper,
the verdict counts (the five words of :mod:`simlab.finding`) over every finding of every stage
that concerns it, then the findings that matter (the errata with their corrections, the
undecided rows and why), each linked to its stage's section. One section per stage follows: its
figures embedded beside its table of findings, every row showing what distinguishes it from the
rows that share its subject (version, instance, noise, alpha, x0...; the summary's lists label
their rows the same way), formulas simplified
(:mod:`simlab.formulas`). Long tables go to ``appendix-<stage>.md`` beside the report; the JSON of
every stage is ``results.json``.

Nothing is typed: the counts come from walking every ``verdict`` key of the stage JSON
(:func:`stage_findings`), the corrections from the checks that derived them.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from simlab.claims import PAPERS
from simlab.finding import VERDICTS
from simlab.formulas import readable

#: the paper a stage's findings concern when a finding names none (``None``: each names its own)
STAGE_PAPER = {"simulate": "zhang2020", "rates": "zhang2020", "bounds": "zhang2020",
               "lowerbounds": "zhang2020", "noise": "zhang2020", "adam-update": "zhiyi-ziyin"}
#: a finding's ``ref``/``source`` text -> the paper it cites (first match wins)
REF_PAPERS = (("zhiyi", "zhiyi-ziyin"), ("koloskova", "koloskova2023"),
              ("chezhegov", "chezhegov2024"), ("zhang et al. 2019", "zhang2019"),
              ("zhang, he, sra", "zhang2019"), ("zhang et al. 2020", "zhang2020"))
#: the three preprints whose abstracts are checked, grouped in the summary
ABSTRACTS = ("zhang2019", "koloskova2023", "chezhegov2024")
#: figure-name prefixes of each stage (a figure its JSON does not name is placed by these)
STAGE_FIGURES = {"rates": ("rates",), "bounds": ("bounds",), "lowerbounds": ("lowerbound",),
                 "adam-update": ("adam_update",), "adaptive": ("adaptive_",),
                 "noise": ("fig1_", "tail_index", "noise_")}
#: fields that tell rows apart, shown first when rows share a subject
DESCRIPTIVE = ("version", "instance", "x0", "start", "family", "schedule", "algorithm", "noise",
               "alpha", "dim", "d", "K", "steps", "m", "sigma", "threshold", "step_size",
               "statistic", "quantity", "experiment", "law", "estimator", "input", "n")
#: fields that are outcomes or prose, never what distinguishes a row
OUTCOMES = {"verdict", "evidence", "correction", "convention", "computed", "printed", "detail",
            "why", "subject", "ref", "id", "property", "statement", "claim", "method", "paper",
            "source", "tolerance", "figure", "verdict_rule", "reconstructed", "regime_verdict",
            "bound_holds", "observed"}
#: rows of a stage's table shown in REPORT.md; the rest are in its appendix
TABLE_ROWS = 12
#: findings per paper and kind listed in the summary; the rest are linked
SUMMARY_ITEMS = 8


# ---------------------------------------------------------------------------------------------
# Findings from the stage JSON
# ---------------------------------------------------------------------------------------------


def paper_of(node: dict, inherited: str | None) -> str | None:
    """The paper a finding concerns: its ``paper`` key, else the paper its ``ref`` or ``source``
    cites (:data:`REF_PAPERS`), else the one inherited from the record that holds it."""
    if node.get("paper") in PAPERS:
        return node["paper"]
    for field in ("ref", "source", "paper"):
        text = str(node.get(field) or "").lower()
        for needle, paper in REF_PAPERS:
            if needle in text:
                return paper
    return inherited


def _carries_its_finding(node: dict) -> bool:
    """A row whose ``finding`` holds the same verdict: the finding is counted, not the row."""
    child = node.get("finding")
    return isinstance(child, dict) and "verdict" in child


#: keys of the stage JSON that name a kind of list, not what its rows are about
_GENERIC = {"rows", "checks", "findings", "finding", "instances", "runs", "experiments",
            "comparisons", "result", "results"}


#: fields that make a dict a record whose nested findings are about it (their context)
_RECORD_KEYS = ("verdict", "theorem", "experiment", "id", "subject")


def stage_findings(record: dict) -> list[dict]:
    """Every distinct finding of a stage: each dict of its JSON result with a string ``verdict``
    (a row that carries its ``finding`` counts once, as that finding; the same record reached
    twice, e.g. listed in two tables, counts once). Items: ``{"paper", "verdict", "node",
    "stage", "where", "context"}``; ``where`` names the record that holds a row without a
    subject, ``context`` is the nearest enclosing record (e.g. the rate row whose
    ``extra["difference"]`` is the finding; None at the top), whose theorem, algorithm, noise,
    alpha... the finding shares (:func:`label`, :func:`distinctions`)."""
    if record.get("status") != "ok":
        return []
    found, seen = [], set()

    def walk(obj, inherited, where, context):
        if isinstance(obj, dict):
            paper = paper_of(obj, inherited)
            if isinstance(obj.get("verdict"), str) and not _carries_its_finding(obj):
                key = json.dumps(obj, sort_keys=True, default=str)
                if key not in seen:
                    seen.add(key)
                    found.append({"paper": paper, "verdict": obj["verdict"], "node": obj,
                                  "stage": record["verb"], "where": where,
                                  "context": context})
            inner = obj if any(isinstance(obj.get(k), str) for k in _RECORD_KEYS) else context
            for name, value in obj.items():
                walk(value, paper, where if name in _GENERIC else str(name), inner)
        elif isinstance(obj, list):
            for value in obj:
                walk(value, inherited, where, context)

    walk(record.get("result"), STAGE_PAPER.get(record["verb"]), record["verb"], None)
    return found


def verdict_counts(records: list[dict]) -> dict[str, Counter]:
    """``paper -> Counter(verdict word -> findings)`` over every stage (:func:`stage_findings`);
    findings that concern no paper are counted under ``"other"``."""
    counts: dict[str, Counter] = {}
    for record in records:
        for item in stage_findings(record):
            counts.setdefault(item["paper"] or "other", Counter())[item["verdict"]] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def anchor(verb: str) -> str:
    return f"stage-{verb}"


def _cell(text, limit: int = 220) -> str:
    """One Markdown table cell: no newlines or pipes, ``**`` written ``^`` outside LaTeX, at
    most ``limit`` characters."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    if "$" not in text:  # sympy's power in prose, written as a power
        text = text.replace("**", "^")
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _number(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "lambda", "sigma",
          "omega", "kappa", "iota"}
_PROSE = re.compile(r"[A-Za-z]{2,}[,:;]?\s+[A-Za-z]{2,}")


def formula(value) -> str:
    """A printed or computed value for a table: numbers to 4 digits, formulas simplified and
    rendered (:func:`simlab.formulas.readable`), prose as it is."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return _number(value)
    if re.fullmatch(r"[A-Za-z]{4,}", value) and value.lower() not in _GREEK:
        return value
    if len(value) < 300 and not _PROSE.search(value):
        return readable(value)
    return value


def label(node: dict, where: str = "", context: dict | None = None) -> str:
    """What a finding is about: its subject (claim id, property), else its theorem, experiment,
    algorithm and quantity (:func:`distinctions` then tells rows with the same label apart).
    A finding nested in a record (``context``, e.g. the difference of two slopes inside a rate
    row) is named by the record's theorem and algorithm and by what it measures (its ``what``,
    else the key that holds it)."""
    for field in ("id", "subject", "property", "claim"):
        if node.get(field):
            return str(node[field])
    first = "theorem" if isinstance(node.get("theorem"), str) else "experiment"
    parts = list(dict.fromkeys(str(node[key]) for key in (first, "algorithm", "quantity")
                               if isinstance(node.get(key), str)))  # each name once
    if parts:
        return ", ".join(parts)
    what = str(node.get("what") or where or "").split(",")[0].strip()
    if context:
        first = "theorem" if isinstance(context.get("theorem"), str) else "experiment"
        outer = [str(context[key]) for key in (first, "algorithm")
                 if isinstance(context.get(key), str)]
        if outer:
            return ", ".join(dict.fromkeys(outer + [what or "row"]))
    return f"{where}: {what}" if what and what != where else (f"{where}: row" if where
                                                               else "(unnamed)")


def item_label(item: dict) -> str:
    """:func:`label` of an item of :func:`stage_findings`."""
    return label(item["node"], item.get("where", ""), item.get("context"))


def _scalars(node: dict, context: dict | None = None) -> dict:
    """The short scalar fields of a finding that are not outcomes, with those of its nested
    records one level down (e.g. a rate row's ``extra.start``, its x0), then those of the record
    that holds it (``context``) that it does not have itself."""
    if context is not None:
        return _scalars(context) | _scalars(node)
    out = {}
    for key, value in node.items():
        if isinstance(value, dict) and key != "finding":
            out.update({k: v for k, v in _scalars({k: v for k, v in value.items()
                                                   if not isinstance(v, dict)}).items()
                        if k not in node})
        elif key not in OUTCOMES and isinstance(value, (str, int, float, bool)) \
                and not (isinstance(value, str) and len(value) > 80):
            out[key] = value
    return out


def _shown(key: str, value) -> str:
    text = _number(value)
    return text if isinstance(value, str) and "=" in text else f"{key}={text}"


#: at most this many fields tell a row apart in a table or the summary
SHOWN_FIELDS = 4


def _telling(values: list[dict]) -> list[str]:
    """The fields to show for rows with the same label (their scalars ``values``): every field
    that splits rows still alike, in the order of :data:`DESCRIPTIVE` then by name (so that no
    row is left alike with another while a field could tell them apart), then other varying
    descriptive fields up to :data:`SHOWN_FIELDS`, in that order."""
    rank = {k: i for i, k in enumerate(DESCRIPTIVE)}
    keys = sorted({k for v in values for k in v}, key=lambda k: (rank.get(k, len(rank)), k))
    varying = [k for k in keys if len({str(v.get(k)) for v in values}) > 1
               and (k in rank or not any(isinstance(v.get(k), float) for v in values))]
    chosen, classes = [], {0: list(range(len(values)))}
    for key in varying:
        split: dict = {}
        for number, members in classes.items():
            for i in members:
                split.setdefault((number, str(values[i].get(key))), []).append(i)
        if len(split) > len(classes):
            chosen.append(key)
            classes = dict(enumerate(split.values()))
        if len(classes) == len(values):
            break
    extra = [k for k in varying if k in rank and k not in chosen]
    chosen += extra[:max(0, SHOWN_FIELDS - len(chosen))]
    return sorted(chosen, key=lambda k: (rank.get(k, len(rank)), k))


def _apart(texts: list[str], nodes: list[dict]) -> list[str]:
    """Rows still alike (the same ``texts``) told apart, where one can be, by a short text field
    that :data:`OUTCOMES` keeps out of the descriptive ones (e.g. ``observed="acclip better than
    adam"``): the first such field, by name, whose value differs among them."""
    out = list(texts)
    for text in {t for t in texts if texts.count(t) > 1}:
        alike = [i for i, t in enumerate(texts) if t == text]
        keys = sorted({k for i in alike for k, v in nodes[i].items() if k != "verdict"
                       and isinstance(v, str) and len(v) <= 80})
        key = next((k for k in keys if len({str(nodes[i].get(k)) for i in alike})
                    == len(alike)), None)
        if key is not None:
            for i in alike:
                value = nodes[i].get(key)
                out[i] = ", ".join(filter(None, (text, "" if value is None else f"{key}={value}")))
    return out


def distinctions(items: list[dict]) -> list[str]:
    """For each finding, the fields that tell it apart from the others with the same
    :func:`label` (empty when its label is unique; :func:`_telling` chooses them): its own
    scalar fields and those of the record that holds it (alpha, noise, schedule version, x0,
    instance, dimension...). Rows alike in every such field are numbered (``#1``, ``#2``...)."""
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(item_label(item), []).append(index)
    out = [""] * len(items)
    for members in groups.values():
        if len(members) < 2:
            continue
        values = [_scalars(items[i]["node"], items[i].get("context")) for i in members]
        fields = _telling(values)
        texts = [", ".join(_shown(k, v.get(k)) for k in fields) for v in values]
        texts = _apart(texts, [items[i]["node"] for i in members])
        alike = Counter(texts)
        seen: Counter = Counter()
        for i, text in zip(members, texts, strict=True):
            if alike[text] > 1:
                seen[text] += 1
                text = ", ".join(filter(None, (text, f"#{seen[text]}")))
            out[i] = text
    return out


def outcome_text(node: dict) -> str:
    """Why the verdict is what it is: the correction of a ``fails``, the convention of a
    ``holds-under-convention``, else the evidence (or the interval of a slope fit)."""
    verdict = node.get("verdict")
    if verdict == "fails" and node.get("correction"):
        return f"correction: {node['correction']}"
    if verdict == "holds-under-convention" and node.get("convention"):
        return f"convention: {node['convention']}"
    if node.get("evidence"):
        return str(node["evidence"])
    interval = (node.get("ci_low"), node.get("ci_high")) if "ci_low" in node else node.get("ci")
    if isinstance(interval, (list, tuple)) and len(interval) == 2:
        measured = node.get("measured_slope", node.get("log10_median_ratio",
                                                       node.get("measured")))
        predicted = node.get("predicted_slope", node.get("predicted"))
        text = f"measured {_number(measured)}, interval [{_number(interval[0])}, " \
               f"{_number(interval[1])}]"
        text += f" against predicted {_number(predicted)}" if predicted is not None else ""
        return text + (f" ({node['what']})" if isinstance(node.get("what"), str) else "")
    return str(node.get("why") or node.get("detail") or "")


def findings_table(items: list[dict], limit: int = 220, among: list[dict] | None = None
                   ) -> list[str]:
    """A Markdown table of findings: subject, what distinguishes it from the findings of
    ``among`` (default ``items``) with the same subject, verdict, printed and computed
    (simplified), and the correction, convention or evidence."""
    context = among if among is not None else items
    told = dict(zip((id(i["node"]) for i in context), distinctions(context), strict=True))
    lines = ["| finding | distinguished by | verdict | printed | computed | why |",
             "|---|---|---|---|---|---|"]
    for item in items:
        node, distinct = item["node"], told.get(id(item["node"]), "")
        subject = item_label(item)
        lines.append(f"| {_cell(subject, 90)} | {_cell(distinct, 90)} | {node.get('verdict')} | "
                     f"{_cell(formula(node.get('printed')), 160)} | "
                     f"{_cell(formula(node.get('computed')), 160)} | "
                     f"{_cell(outcome_text(node), limit)} |")
    return lines


def _relative(path, out: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), out.resolve())).as_posix()


def _stage_figures(record: dict, figures: list[Path]) -> list[Path]:
    """The figures a stage drew: those its JSON names, else those with its prefixes."""
    named = set()

    def walk(obj):
        if isinstance(obj, dict):
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)
        elif isinstance(obj, str) and obj.endswith(".png"):
            named.add(Path(obj).name)

    walk(record.get("result"))
    prefixes = STAGE_FIGURES.get(record["verb"], ())
    return [p for p in figures if p.name in named or p.stem.startswith(prefixes)]


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def _paper_name(paper: str) -> str:
    return PAPERS.get(paper, paper).split(",")[0] if paper in PAPERS else paper


def summary_lines(records: list[dict], out: Path) -> list[str]:
    """The one-page summary: verdict counts per paper and the findings that matter."""
    counts = verdict_counts(records)
    papers = [p for p in PAPERS if p in counts] + sorted(set(counts) - set(PAPERS))
    words = list(VERDICTS) + sorted({w for c in counts.values() for w in c} - set(VERDICTS))
    lines = ["## Summary", "",
             "Verdict counts over every finding of every stage that concerns each paper (each "
             "distinct `verdict` in the stage JSON of `results.json`; a row carrying its finding "
             "counts once).", "",
             "| paper | " + " | ".join(words) + " | all |", "|---" * (len(words) + 2) + "|"]
    for paper in papers:
        name = _paper_name(paper) + (" (abstract)" if paper in ABSTRACTS else "")
        row = counts[paper]
        lines.append(f"| {name} | " + " | ".join(str(row[w]) for w in words)
                     + f" | {sum(row.values())} |")
    total = sum(counts.values(), Counter())
    lines.append("| **all** | " + " | ".join(str(total[w]) for w in words)
                 + f" | {sum(total.values())} |")
    items, told = [], {}
    for record in records:
        found = stage_findings(record)
        items += found
        told.update(zip((id(i["node"]) for i in found), distinctions(found), strict=True))
    groups = [(p, [p]) for p in papers if p not in ABSTRACTS]
    abstracts = [p for p in ABSTRACTS if p in papers]
    if abstracts:
        groups.append(("the three abstracts", abstracts))
    for title, members in groups:
        mine = [i for i in items if (i["paper"] or "other") in members]
        errata = [i for i in mine if i["verdict"] == "fails"]
        undecided = [i for i in mine if i["verdict"] in ("inconclusive", "unverifiable")]
        name = title if title == "the three abstracts" else _paper_name(title)
        lines += ["", f"### {name}", ""]
        if not errata and not undecided:
            lines.append(f"All {len(mine)} findings hold (or hold under a stated convention).")
        for kind, chosen in (("Errata", errata), ("Undecided", undecided)):
            if not chosen:
                continue
            lines.append(f"**{kind} ({len(chosen)})**:")
            for item in chosen[:SUMMARY_ITEMS]:
                node = item["node"]
                why = outcome_text(node)
                if kind == "Undecided":
                    why = f"{item['verdict']}: {why}"
                distinct = told.get(id(node))
                lines.append(f"- [{_cell(item_label(item), 80)}](#{anchor(item['stage'])})"
                             + (f" *{_cell(distinct, 100)}*" if distinct else "")
                             + f" ({item['stage']}): {_cell(why, 200)}")
            rest = Counter(i["stage"] for i in chosen[SUMMARY_ITEMS:])
            if rest:
                lines.append("- and " + ", ".join(
                    f"[{n} more in {stage}](appendix-{stage}.md)" for stage, n in rest.items()))
        if any(i["stage"] == "verify" for i in errata) and (out / "errata.md").exists():
            lines.append("- every erratum with its evidence: [errata.md](errata.md)")
    return lines


def stage_section(number: int, record: dict, figures: list[Path], out: Path) -> list[str]:
    """One stage: title, command, its figures beside its table of findings (the rows that do
    not hold first, at most :data:`TABLE_ROWS`), a link to its appendix."""
    verb = record["verb"]
    lines = ["", f'<a id="{anchor(verb)}"></a>', "",
             f"## {number}. {record['title']}", "",
             f"`simlab {' '.join(record['argv'])}`: {record['status']}, {record['seconds']} s, "
             f"{record['cells_computed']} cells computed, {record['cells_cached']} reused. "
             f"Full output: [appendix-{verb}.md](appendix-{verb}.md).", ""]
    if record["status"] != "ok":
        return lines + [f"**Failed**: {_cell(record['error'], 400)}"]
    if verb == "verify" and (out / "errata.md").exists():
        lines += ["Every failing claim with its evidence and correction, every convention and "
                  "every undecided claim with why: [errata.md](errata.md).", ""]
    for path in figures:
        lines += [f"![{_cell(caption(path), 120)}]({_relative(path, out)})", "",
                  f"*{caption(path)}*", ""]
    items = stage_findings(record)
    if not items:
        text = record.get("text", "")
        if text.count("\n") < 30:
            lines += ["```", text, "```"] if not text.lstrip().startswith("|") else [text]
        return lines
    counts = Counter(i["verdict"] for i in items)
    lines.append(f"{len(items)} findings: " + ", ".join(f"{counts[w]} {w}" for w in VERDICTS
                                                         if counts[w]) + ".")
    order = {"fails": 0, "inconclusive": 1, "unverifiable": 2, "holds-under-convention": 3,
             "holds": 4}
    shown = sorted(items, key=lambda i: order.get(i["verdict"], -1))[:TABLE_ROWS]
    lines += [""] + findings_table(shown, among=items)
    if len(items) > TABLE_ROWS:
        lines += ["", f"The other {len(items) - TABLE_ROWS} rows: "
                  f"[appendix-{verb}.md](appendix-{verb}.md)."]
    return lines


def appendix(record: dict) -> str:
    """``appendix-<stage>.md``: every finding of the stage in one table, then the verb's own
    text output (or its error and traceback)."""
    lines = [f"# Appendix: {record['title']}", "",
             f"`simlab {' '.join(record['argv'])}`; back to [the report](REPORT.md#"
             f"{anchor(record['verb'])}).", ""]
    if record["status"] != "ok":
        return "\n".join(lines + [f"**Failed**: {record['error']}", "", "```",
                                  record.get("traceback", ""), "```"]) + "\n"
    items = stage_findings(record)
    if items:
        lines += [f"## Findings ({len(items)})", ""] + findings_table(items, limit=600) + [""]
    text = record.get("text", "")
    lines += ["## Output of the verb", ""]
    lines += [text] if text.lstrip().startswith("|") else ["```", text, "```"]
    return "\n".join(lines) + "\n"


def render_report(mode: str, summary: dict, records: list[dict], figures, out: Path) -> str:
    """REPORT.md's text (see the module docstring)."""
    import simlab

    out = Path(out)
    figures = [Path(p) for p in figures]
    lines = [
        "# simlab reproduction report", "",
        f"simlab {simlab.__version__}, `simlab reproduce --{mode}`, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {summary['seconds']} s in all. "
        "Every number below was computed by this run; nothing is typed in. The JSON of every "
        "stage: [results.json](results.json).", "",
    ]
    lines += summary_lines(records, out)
    lines += ["", "## Stages", "",
              "| stage | status | seconds | cells computed | cells reused | section |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r['verb']} | {r['status']} | {r['seconds']} | {r['cells_computed']} | "
              f"{r['cells_cached']} | [{r['title']}](#{anchor(r['verb'])}) |" for r in records]
    placed: set[Path] = set()
    for number, record in enumerate(records, start=1):
        mine = [p for p in _stage_figures(record, figures) if p not in placed]
        placed.update(mine)
        lines += stage_section(number, record, mine, out)
    others = [p for p in figures if p not in placed]
    if others:
        lines += ["", "## Other figures", ""]
        lines += [f"- [{p.name}]({_relative(p, out)}): {caption(p)}" for p in others]
    return "\n".join(lines) + "\n"


def write_report(mode: str, summary: dict, records: list[dict], figures, out) -> Path:
    """Write ``REPORT.md`` and one ``appendix-<stage>.md`` per stage into ``out``; returns the
    report's path."""
    out = Path(out)
    for record in records:
        (out / f"appendix-{record['verb']}.md").write_text(appendix(record))
    path = out / "REPORT.md"
    path.write_text(render_report(mode, summary, records, figures, out))
    return path


def summary_table(text: str) -> dict[str, dict[str, int]]:
    """The verdict counts as REPORT.md's summary table states them: ``row name -> {word: n}``
    (the row names as printed, the last row ``**all**``)."""
    lines = text.split("## Summary", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| paper |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    table = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        table[cells[0]] = {word: int(n) for word, n in zip(header[1:], cells[1:], strict=True)}
    return table


def check_summary(text: str, records: list[dict]) -> list[str]:
    """Where REPORT.md's summary table disagrees with the counts computed from ``records``
    (:func:`verdict_counts`): one line per wrong cell; empty when every count is right."""
    counts = verdict_counts(records)
    table = summary_table(text)
    expected = {}
    for paper, row in counts.items():
        name = _paper_name(paper) + (" (abstract)" if paper in ABSTRACTS else "")
        expected[name] = dict(row) | {"all": sum(row.values())}
    total = sum(counts.values(), Counter())
    expected["**all**"] = dict(total) | {"all": sum(total.values())}
    wrong = [f"row {name!r} missing" for name in expected if name not in table]
    wrong += [f"row {name!r} is not a paper with findings" for name in table
              if name not in expected]
    for name, row in table.items():
        for word, n in row.items():
            if name in expected and expected[name].get(word, 0) != n:
                wrong.append(f"{name}: {word} is {n}, computed {expected[name].get(word, 0)}")
    return wrong


def broken_links(out) -> list[str]:
    """Every link of the Markdown files in ``out`` that leads nowhere: a file that does not
    exist (relative to ``out``), or an anchor (``#name``) with no ``<a id="name">`` in its
    target file."""
    out = Path(out)
    broken = []
    for page in sorted(out.glob("*.md")):
        text = page.read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if "://" in target:
                continue
            name, _, fragment = target.partition("#")
            file = out / name if name else page
            if not file.exists():
                broken.append(f"{page.name}: {target} (no file)")
            elif fragment and f'<a id="{fragment}"></a>' not in file.read_text():
                broken.append(f"{page.name}: {target} (no anchor)")
    return broken


#: captions of figures whose module does not write a ``name.txt`` beside them
CAPTIONS = {
    "adam_update_pdf": "Zhiyi & Ziyin Figure 1 analogue: the predicted pdf of the Adam update "
                       "(eq. 30) for several m, beside simulated histograms",
    "adam_update_variance": "Figure 3 analogue: Var of the update (Corollary 1) and of its "
                            "absolute value (Corollary 2) against m, simulated (+- s.e.) and "
                            "predicted, both normalisations; the Student-t law that ignores the "
                            "correlation dashed",
    "adam_update_time_varying": "Figure 5 analogue: updates when the gradient variance grows "
                                "(N(0, t^2)) or shrinks (N(0, 1/t^2)) in time",
    "adam_update_nonzero_mean": "Figure 6 analogue: updates for gradients with non-zero mean "
                                "(N(-1, 1) and N(-t, 1))",
    "adam_update_cauchy": "Figure 7 analogue: updates under standard Cauchy gradients",
    "adaptive_high_probability": "Chezhegov et al.: (1 - delta)-quantile of the error after K "
                                 "steps against 1/delta, AdaGrad-Norm and Adam-Norm, clipped or "
                                 "not, delayed or not",
    "adaptive_clipping_bias": "Koloskova et al.: the floor of clipped SGD against the threshold c "
                              "and the noise level (asymmetric noise), with the exact floor and "
                              "min(sigma, sigma^2/c)",
    "adaptive_l0l1_smoothness": "Zhang et al. 2019: local smoothness against gradient norm along "
                                "trajectories, and iterations of GD, clipped GD and normalized GD "
                                "against the initial distance",
    "adaptive_acclip_nonstationary": "ACClip, Adam, GClip, CClip and SGD (each tuned on a fixed "
                                     "grid) on heavy-tailed noise whose scale shrinks in time",
    "fig1_noise_norm_reference": "Zhang et al. Figure 1 (c, g) analogue: noise norms of a "
                                 "normalised sum of squared Gaussians and of a Levy-stable vector",
    "fig1_variance_vs_samples": "Figure 1 (d, h) analogue: empirical variance against sample "
                                "size, Gaussian (converges) and heavy-tailed (does not), with the "
                                "theoretical curves",
    "tail_index_validation": "Tail-index estimators (Hill, Mohammadi et al., moment) on laws of "
                             "known index: estimate against sample size",
    "noise_models": "Mini-batch gradient-noise norms of a NumPy MLP (digits) and a single-head "
                    "attention model, at initialisation and during training",
    "lowerbounds_zero_chain": "Theorem 6 (Appendix G): Psi, Phi and a slice of the zero-chain f_d",
    "lowerbounds_theorem5_oracle": "Theorem 5 (Appendix F): the two-point oracle and its "
                                   "alpha-moment against the bound 1",
}


def caption(path: Path) -> str:
    """The one-line caption stored beside a figure (``name.txt``), else :data:`CAPTIONS`."""
    path = Path(path)
    sidecar = path.with_suffix(".txt")
    if sidecar.exists():
        return sidecar.read_text().strip().splitlines()[0]
    return CAPTIONS.get(path.stem, path.stem.replace("_", " ").replace("-", " "))


__all__ = ["CAPTIONS", "broken_links", "caption", "check_summary", "distinctions",
           "findings_table", "item_label", "label", "render_report", "stage_findings",
           "summary_lines", "summary_table", "verdict_counts", "write_report"]
