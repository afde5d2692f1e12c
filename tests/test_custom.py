"""Bring your own problem and noise law (issue 20, item 1; :mod:`simlab.custom`).

The strongest checks are bit-identities: a user's quadratic written as the built-in one computes
it, and a user's Cauchy sampler written as the built-in draw, must give the built-in runs'
results byte for byte (same stream words, same arithmetic), so the user path can be wrong
neither in its stream layout nor in its metrics without failing here. The user components live
in tests/byo_components.py, as a user's module would.
"""

import importlib
import math
import sys
import textwrap

import numpy as np
import pytest

from simlab import custom
from simlab.errors import InputError
from simlab.noise import Cauchy, CustomNoise, Gaussian
from simlab.problems import ConstrainedQuadratic, CustomProblem, Quadratic
from simlab.run import Spec, Store, compute, simulate, sweep
from simlab.run.executors import identical
from simlab.schedules import constant
from tests import byo_components as components

QUADRATIC = "tests.byo_components:quadratic"
SCHEDULE = constant(0.05, 2.0)
RUN = dict(steps=60, replicas=16, seed=7, show_progress=False)


def _same_run(first, second):
    """identical() but for the params that name the components."""
    return identical(first, second, ignore=("threads", "problem", "noise"))


# -- the engine --------------------------------------------------------------------------------

def test_user_quadratic_is_bit_identical_to_the_builtin_one():
    user = CustomProblem(QUADRATIC)
    builtin = Quadratic(dim=3, mu=2.0, L=2.0, center=1.0)
    for algorithm in ("gclip", "sgd", "adam"):
        a = simulate(user, Gaussian(), algorithm, SCHEDULE, **RUN)
        b = simulate(builtin, Gaussian(), algorithm, SCHEDULE, **RUN)
        assert _same_run(a, b), algorithm
    assert a.params["problem"] == "custom"


def test_user_noise_uses_the_replica_stream_like_the_builtin_law():
    """One uniform a coordinate from the replica's counter-based stream: the user's Cauchy
    sampler must reproduce the built-in Cauchy law's draws and runs bit for bit."""
    law = CustomNoise(function="tests.byo_components:cauchy")
    problem = Quadratic(dim=3, mu=2.0, L=2.0, center=1.0)
    a = simulate(problem, law, "gclip", SCHEDULE, **RUN)
    b = simulate(problem, Cauchy(), "gclip", SCHEDULE, **RUN)
    assert _same_run(a, b)
    assert np.array_equal(law.sample(50, 3, seed=3), Cauchy().sample(50, 3, seed=3))


def test_user_runs_do_not_depend_on_chunking_or_offsets():
    problem, law = CustomProblem(QUADRATIC), CustomNoise(function=components.laplace)
    whole = simulate(problem, law, "gclip", SCHEDULE, **RUN)
    chunked = simulate(problem, law, "gclip", SCHEDULE, chunk=1, **RUN)
    assert identical(whole, chunked)
    tail = simulate(problem, law, "gclip", SCHEDULE, replica_offset=10,
                    **{**RUN, "replicas": 6})
    assert np.array_equal(tail.metrics["error"], whole.metrics["error"][10:])


def test_user_problem_metrics_and_projection():
    problem = CustomProblem(function=components.boxed)
    assert problem.function == "tests.byo_components:boxed" and problem.projected
    result = simulate(problem, Gaussian(scale=0.1), "proj-gclip", constant(0.05, 10.0), **RUN)
    final = result.final_iterates
    assert np.all(final <= 0.5) and np.all(final >= -0.5)
    # error = f(x) - f* >= 0 on the box, and distance = ||x - x*||, recomputed here
    x = final[0]
    assert result.metrics["error"][0, -1] == pytest.approx(
        components.quadratic_value(x) - 0.75, abs=1e-12)
    assert result.metrics["distance"][0, -1] == pytest.approx(np.linalg.norm(x - 0.5))
    # the default schedule of proj-gclip reads G from gradient_bound and the law's sigma
    default = simulate(problem, components_law(), "proj-gclip", **RUN)
    assert default.params["schedule"]["name"].startswith("theorem4")
    # its threshold is G k^0.5 with G = gradient_bound + sigma = 3 sqrt(3) + 0.1 sqrt(3 * 2)
    assert default.params["schedule"]["threshold"].startswith(
        f"{3 * math.sqrt(3) + 0.1 * math.sqrt(6):.4g} ")
    # the same run on the built-in constrained quadratic (l1 = 0 and the same box)
    builtin = ConstrainedQuadratic(dim=3, mu=2.0, L=2.0, l1=0.0, center=1.0, low=-0.5, high=0.5)
    reference = simulate(builtin, Gaussian(scale=0.1), "proj-gclip", constant(0.05, 10.0), **RUN)
    assert np.array_equal(reference.final_iterates, final)


def components_law():
    return CustomNoise(function="tests.byo_components:laplace", scale=0.1)


def test_user_noise_moments_and_sampling():
    """Laplace(1): E X^2 = Gamma(3) = 2. Seed 11, n = 20000 draws per coordinate (3 coords):
    the standard error of the mean of X^2 is sqrt((E X^4 - 4)/n) = sqrt(20/20000) = 0.032;
    tolerance 5 standard errors. The mean of X is 0 within 5 sqrt(2/n) = 0.05."""
    law = CustomNoise(function="tests.byo_components:laplace", scale=1.0)
    draws = law.sample(20000, 3, seed=11)
    assert abs(np.mean(draws ** 2) - 2.0) < 5 * math.sqrt(20 / 20000)
    assert abs(np.mean(draws)) < 5 * math.sqrt(2 / 20000)
    assert law.sigma(2.0, 3) == pytest.approx(math.sqrt(3 * 2.0))
    assert law.coordinate_bound(1.5) == pytest.approx(math.gamma(2.5) ** (1 / 1.5))
    assert not law.norm_moment(2.0, 3).exact
    scaled = CustomNoise(function="tests.byo_components:laplace", scale=2.0)
    assert scaled.sigma(2.0, 3) == pytest.approx(2 * law.sigma(2.0, 3))
    assert np.array_equal(scaled.sample(10, 3, seed=1), 2 * law.sample(10, 3, seed=1))


# -- spec, store, executors --------------------------------------------------------------------

def _spec(**overrides):
    return Spec(**{"problem": "custom", "noise": "custom", "algorithm": "gclip", "steps": 40,
                   "replicas": 8, "seed": 5,
                   "problem_params": {"function": QUADRATIC},
                   "noise_params": {"function": "tests.byo_components:laplace", "scale": 0.5},
                   "schedule": "constant", "schedule_params": {"step_size": 0.05, "threshold": 2.0},
                   **overrides})


def test_spec_names_user_components_and_round_trips():
    spec = _spec()
    source = dict(spec.problem_params)["source"]
    assert len(source) == 64 and dict(spec.noise_params)["source"] == source
    objects = spec.objects()
    assert objects["problem"].definition is components.quadratic
    assert objects["noise"].definition is components.laplace
    again = Spec.of(objects["problem"], objects["noise"], "gclip", objects["schedule"],
                    steps=40, replicas=8, seed=5)
    assert Spec.of(*spec.objects().values(), steps=40, replicas=8, seed=5).key == again.key
    direct = simulate(**spec.build(), show_progress=False)
    assert identical(spec.compute(), direct)
    # a stale source in the parameters is replaced by the current one: the key names the code
    stale = _spec(problem_params={"function": QUADRATIC, "source": "0" * 64})
    assert stale.key == spec.key


def test_store_and_compute_reuse_user_cells(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMLAB_CACHE", str(tmp_path / "store"))
    cells = [_spec(seed=s) for s in (1, 2)]
    first = compute(cells)
    store = Store(tmp_path / "store")
    assert {entry["status"] for entry in store.list()} == {"ok"}
    again = sweep(cells, store, show_progress=False)
    assert all(identical(first[c], again[c.key]) for c in cells)


def test_the_key_changes_when_the_users_source_changes(tmp_path, monkeypatch):
    module = tmp_path / "byo_edit.py"
    body = textwrap.dedent("""
        from numba import njit
        from simlab import custom

        @njit
        def gradient(x, out):
            for i in range(x.size):
                out[i] = x[i]

        @njit
        def value(x):
            return 0.5 * (x ** 2).sum()

        bowl = custom.problem(gradient, value, dim=2, L=1.0, mu=1.0, f_star=0.0)
    """)
    module.write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("byo_edit")
    spec = dict(problem="custom", problem_params={"function": "byo_edit:bowl"}, noise="gaussian",
                algorithm="sgd", steps=5, replicas=2, seed=1)
    before = Spec(**spec).key
    assert Spec(**spec).key == before
    module.write_text(body.replace("out[i] = x[i]", "out[i] = 1.0 * x[i]"))
    importlib.reload(sys.modules["byo_edit"])
    assert Spec(**spec).key != before
    del sys.modules["byo_edit"]


@pytest.mark.dask
def test_a_dask_worker_imports_and_rebuilds_user_components(tmp_path):
    """Worker processes import tests.byo_components by path and compute the same bits (the
    driver's user specialisation comes from numba's disk cache; the wrappers compile there)."""
    import logging
    import os
    from pathlib import Path

    import distributed

    root = str(Path(__file__).parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    cells = [_spec(seed=s) for s in (1, 2)]
    local = sweep(cells, tmp_path / "local", show_progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  env={"NUMBA_NUM_THREADS": "1", "PYTHONPATH": path},
                                  dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        remote = sweep(cells, tmp_path / "dask", scheduler=cluster.scheduler_address,
                       show_progress=False)
    assert all(identical(remote[c.key], local[c.key]) for c in cells)


# -- errors: one line, InputError ---------------------------------------------------------------

def _one_line(error):
    text = str(error.value)
    assert "\n" not in text and len(text) < 300, text
    return text


def test_a_function_numba_cannot_compile_is_a_one_line_error():
    def bad_gradient(x, out):
        out[0] = "not a number"

    with pytest.raises(InputError) as error:
        custom.problem(bad_gradient, components.quadratic_value, dim=3, L=1.0, mu=0.0,
                       f_star=0.0)
    text = _one_line(error)
    assert "numba cannot compile its gradient(x, out) (bad_gradient)" in text

    def bad_sample(u, x, out):
        out[:] = u.missing_attribute

    with pytest.raises(InputError) as error:
        custom.noise_law(bad_sample, uniforms=1, tail_index=2.0)
    assert "numba cannot compile its sample" in _one_line(error)


@pytest.mark.parametrize("missing", ["dim", "L", "mu", "f_star"])
def test_a_missing_constant_is_a_one_line_error(missing):
    constants = dict(dim=3, L=2.0, mu=0.0, f_star=0.0)
    del constants[missing]
    with pytest.raises(InputError) as error:
        custom.problem(components.quadratic_gradient, components.quadratic_value, **constants)
    assert f"{missing} is missing" in _one_line(error)


def test_a_missing_moment_is_an_error_when_a_constant_needs_it():
    law = CustomNoise(function="tests.byo_components:no_moment")
    with pytest.raises(InputError) as error:
        law.sigma(2.0, 3)
    assert "moment" in _one_line(error)
    with pytest.raises(InputError):  # the default schedule needs sigma
        simulate(CustomProblem(QUADRATIC), law, "gclip", **RUN)
    with pytest.raises(InputError) as error:
        custom.noise_law(components.laplace_sample, tail_index=2.0)
    assert "uniforms" in _one_line(error)


@pytest.mark.parametrize("bad, message", [
    (dict(problem_params={"function": "tests.byo_components:nothing_here"}), "cannot import"),
    (dict(problem_params={"function": "no_such_module_xyz:p"}), "cannot import"),
    (dict(problem_params={"function": "tests.byo_components:laplace"}), "not a custom problem"),
    (dict(problem_params={}), "function="),
])
def test_bad_names_are_one_line_errors(bad, message):
    with pytest.raises(InputError) as error:
        _spec(**bad)
    assert message in _one_line(error)


def test_a_definition_without_an_importable_path_cannot_be_a_spec():
    """Defined here, inside a function (as in a notebook's __main__): simulate runs it, a spec
    (which a Dask worker must rebuild) refuses it."""
    bowl = custom.problem(components.quadratic_gradient, components.quadratic_value, dim=3,
                          L=2.0, mu=2.0, f_star=0.0)
    # the functions' module binds other definitions, not this one
    problem = CustomProblem(bowl)
    assert problem.function == ""
    simulate(problem, Gaussian(), "sgd", SCHEDULE, **{**RUN, "replicas": 2})
    with pytest.raises(InputError) as error:
        Spec.of(problem, Gaussian(), "sgd", steps=5, replicas=2)
    assert "importable module" in _one_line(error)


def test_the_cuda_backend_refuses_user_components():
    with pytest.raises(InputError) as error:
        simulate(CustomProblem(QUADRATIC), Gaussian(), "sgd", SCHEDULE, backend="cuda", **RUN)
    assert "user-defined" in _one_line(error)
    result = simulate(CustomProblem(QUADRATIC), Gaussian(), "sgd", SCHEDULE, backend="auto",
                      **RUN)
    assert "backend" not in result.params


@pytest.mark.parametrize("flags", [["--problem", "custom"], ["--noise", "custom"]])
def test_the_simulate_verb_points_to_specs_for_user_components(flags, capsys):
    from simlab.cli import main

    assert main(["simulate", *flags, "--algorithm", "sgd", "--steps", "5",
                 "--replicas", "2"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "module path" in error[0]


def test_the_sweep_verb_runs_user_components_from_a_spec_file(tmp_path, capsys):
    import json

    from simlab.cli import main

    spec = tmp_path / "grid.json"
    spec.write_text(json.dumps({
        "base": {"problem": "custom", "problem.function": QUADRATIC, "noise": "custom",
                 "noise.function": "tests.byo_components:laplace", "algorithm": "gclip",
                 "steps": 20, "replicas": 4, "schedule": "constant",
                 "schedule.step_size": 0.05, "schedule.threshold": 1.0},
        "axes": {"seed": [1, 2]}}))
    store = str(tmp_path / "store")
    assert main(["sweep", "--spec", str(spec), "--store", store, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["computed"] == 2
    assert main(["sweep", "--spec", str(spec), "--store", store, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["computed"] == 0
