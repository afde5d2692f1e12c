"""``simlab reproduce``: stages through their verb modules and the result store, the report,
failures reported, output places checked before any work."""

import json

import pytest

from simlab.cli import main
from simlab.cli.reproduce import _run_stage
from simlab.finding import VERDICTS


def _verdicts(obj):
    """Every value of a key named ``verdict`` anywhere in a JSON document."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "verdict":
                yield value
            yield from _verdicts(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _verdicts(value)


def test_the_verdict_walker_sees_nested_verdicts():
    doc = {"a": [{"verdict": "holds"}, {"b": {"verdict": "agrees"}}], "verdict": "fails"}
    assert sorted(_verdicts(doc)) == ["agrees", "fails", "holds"]


def test_reproduce_writes_the_report_and_json_and_reuses_the_store(tmp_path, capsys):
    out, store = tmp_path / "reports", tmp_path / "store"
    argv = ["reproduce", "--only", "simulate", "--out", str(out), "--json", "--processes", "1",
            "--store", str(store)]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["failed"] == []
    stage = summary["stages"][0]
    assert stage["name"] == "simulate" and stage["cells_computed"] >= 1
    report = (out / "REPORT.md").read_text()
    assert "| simulate | ok |" in report and "proj-gclip on constrained-quadratic" in report
    results = json.loads((out / "results.json").read_text())
    first = results["stages"][0]["result"]
    assert first["parameters"]["algorithm"] == "proj-gclip"
    assert set(_verdicts(results)) <= set(VERDICTS)
    # the second run computes nothing and gives the same numbers
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)["stages"][0]
    assert again["cells_computed"] == 0 and again["cells_cached"] == stage["cells_computed"]
    second = json.loads((out / "results.json").read_text())["stages"][0]["result"]
    assert second["metrics"] == first["metrics"]


def test_a_failing_stage_is_reported_not_raised():
    record = _run_stage("simulate", ["simulate", "--alpha", "7"], "bad alpha")
    assert record["status"] == "failed" and "alpha must lie in (1, 2]" in record["error"]


def test_unknown_stage_is_an_input_error(tmp_path, capsys):
    assert main(["reproduce", "--only", "everything", "--out", str(tmp_path)]) == 2
    assert "unknown stage" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--workers", "0"], ["--workers", "-3"],
                                  ["--processes", "0"]])
def test_non_positive_counts_are_refused(tmp_path, capsys, flag):
    assert main(["reproduce", "--only", "simulate", "--out", str(tmp_path), *flag]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_output_places_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for argv in (["--out", str(a_file)], ["--out", str(a_file / "under")],
                 ["--out", str(tmp_path / "r"), "--store", str(a_file)]):
        assert main(["reproduce", "--only", "simulate", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "file" in err
    monkeypatch.setenv("SIMLAB_FIGURES", str(a_file))
    assert main(["reproduce", "--only", "simulate", "--out", str(tmp_path / "r")]) == 2
    assert "figures" in capsys.readouterr().err
    assert not (tmp_path / "r" / "REPORT.md").exists()


def test_a_bad_scheduler_is_one_line(tmp_path, capsys):
    assert main(["reproduce", "--only", "simulate", "--out", str(tmp_path),
                 "--scheduler", "not a url"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
