"""``simlab reproduce``: stages through their verb modules, the report, failures reported."""

import json

from simlab.cli import main
from simlab.cli.reproduce import _run_stage


def test_reproduce_writes_the_report_and_json(tmp_path, capsys):
    out = tmp_path / "reports"
    code = main(["reproduce", "--only", "simulate", "--out", str(out), "--json", "--workers", "1"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["failed"] == []
    report = (out / "REPORT.md").read_text()
    assert "| simulate | ok |" in report and "proj-gclip on constrained-quadratic" in report
    results = json.loads((out / "results.json").read_text())
    assert results["stages"][0]["result"]["parameters"]["algorithm"] == "proj-gclip"


def test_a_failing_stage_is_reported_not_raised():
    record = _run_stage("simulate", ["simulate", "--alpha", "7"], "bad alpha")
    assert record["status"] == "failed" and "alpha must lie in (1, 2]" in record["error"]


def test_unknown_stage_is_an_input_error(tmp_path, capsys):
    assert main(["reproduce", "--only", "everything", "--out", str(tmp_path)]) == 2
    assert "unknown stage" in capsys.readouterr().err
