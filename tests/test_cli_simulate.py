"""``simlab simulate``: JSON fields, the table, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest

from simlab.cli import main

BASE = ["simulate", "--steps", "200", "--replicas", "20", "--dim", "3"]


def test_json_fields(capsys):
    assert main(BASE + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"parameters", "checkpoints", "metrics", "replicas", "diverged"} <= set(doc)
    error = doc["metrics"]["avg_error"]
    assert {"mean", "stderr", "median", "quantiles", "diverged"} <= set(error)
    assert len(error["mean"]) == len(doc["checkpoints"]) and doc["checkpoints"][-1] == 200
    assert doc["parameters"]["algorithm"] == "proj-gclip"


@pytest.mark.parametrize("problem, algorithm", [("quadratic", "sgd"), ("quadratic", "gclip"),
                                                ("nonconvex", "gclip"), ("quadratic", "cclip"),
                                                ("nonconvex", "nsgd")])
def test_every_name_runs(capsys, problem, algorithm):
    args = BASE + ["--problem", problem, "--algorithm", algorithm, "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["parameters"]["problem"] == problem


@pytest.mark.parametrize("noise", ["gaussian", "pareto", "stable", "student-t"])
def test_every_noise_runs_with_both_geometries(capsys, noise):
    for geometry in ("coordinate", "isotropic"):
        assert main(BASE + ["--noise", noise, "--geometry", geometry]) == 0
        assert "diverged replicas" in capsys.readouterr().out


@pytest.mark.parametrize("extra", [
    ["--alpha", "2.5"], ["--alpha", "1.0"], ["--alpha", "nan"], ["--scale", "-1"],
    ["--scale", "nan"], ["--steps", "0"], ["--replicas", "0"], ["--problem", "rosenbrock"],
    ["--noise", "levy"], ["--algorithm", "adamw"], ["--geometry", "ball"],
    ["--noise", "stable", "--tail-index", "1.3", "--alpha", "1.5"], ["--noise", "cauchy"],
    ["--steps", "ten"], ["--dim", "-3"]])
def test_bad_input_one_line_exit_2(capsys, extra):
    with pytest.raises(SystemExit) as stop:
        code = main(BASE + extra)
        raise SystemExit(code)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err


def test_real_process_exit_code_and_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "simlab", "simulate", "--alpha", "3"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_not_l_smooth_problem_without_a_schedule_is_a_clear_error(capsys):
    assert main(BASE + ["--problem", "quartic", "--algorithm", "gclip"]) == 2
    assert "not L-smooth" in capsys.readouterr().err
    assert main(BASE + ["--problem", "quartic", "--algorithm", "gclip", "--step-size", "0.01",
                        "--threshold", "1"]) == 0


# -- issue 18: flags that do not apply, sizes, the headline run ------------------------------

@pytest.mark.parametrize("extra, message", [
    (["--threshold", "3"], "give --step-size too"),
    (["--printed", "main-text", "--step-size", "0.1"], "give one of them"),
    (["--printed", "main-text", "--algorithm", "sgd"], "does not clip"),
    (["--problem", "zero-chain", "--dim", "5"], "--dim: the zero-chain problem"),
    (["--problem", "zero-chain", "--noise", "gaussian", "--scale", "2"],
     "--noise, --scale: the zero-chain"),
    (["--steps", "1000000000000000"], "of memory"),
    (["--replicas", "10000000000000"], "of memory"),
    (["--dim", "10000000000000"], "of memory"),
    (["--steps", "1e15"], "invalid int value"),
])
def test_ignored_flags_and_huge_sizes_are_one_line_errors(capsys, monkeypatch, extra, message):
    """Each of these used to run silently (a flag ignored) or end in a MemoryError traceback.
    The sizes are refused before anything is allocated: the engine must not be reached."""
    import simlab.run.engine as engine

    def no_run(*_, **__):
        raise AssertionError("the engine ran")

    monkeypatch.setattr(engine.kernels, "run", no_run)
    try:
        code = main(["simulate", *extra])
    except SystemExit as stop:  # argparse's own errors exit from the parser
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("simlab simulate: error:")


def test_zero_chain_runs_without_the_flags_it_fixes(capsys):
    assert main(["simulate", "--problem", "zero-chain", "--algorithm", "sgd", "--steps", "50",
                 "--replicas", "4", "--json"]) == 0
    parameters = json.loads(capsys.readouterr().out)["parameters"]
    assert parameters["noise"].startswith("zero-chain") and parameters["dim"] > 10


def test_the_headline_run_clips():
    """The default run (projected GClip, Theorem 4, Pareto noise of scale 10; K = 1000,
    R = 200, seed 0) clips: at scale 1 its clip fraction was exactly 0 at every checkpoint.
    Seed fixed, so exact: at k = 1, 8 of the 200 replicas clip."""
    import numpy as np

    from simlab.cli.simulate import configure, run
    from simlab.cli import Parser

    parser = Parser()
    configure(parser)
    document = run(parser.parse_args([]))
    fraction = np.asarray(document["metrics"]["clip_fraction"]["mean"])
    assert document["parameters"]["algorithm"] == "proj-gclip"
    assert fraction[0] > 0.01 and np.all(fraction > 0)
    assert document["parameters"]["schedule"]["name"] == "theorem4-appendix-d"
