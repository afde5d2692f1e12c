"""The engine: reproducibility, divergence accounting, and a rate test with a stated tolerance."""

import numba
import numpy as np
import pytest

import simlab
from simlab import schedules
from simlab.errors import InputError


def _run(**kwargs):
    args = dict(problem=simlab.Quadratic(dim=6), noise=simlab.Pareto(tail=1.6),
                algorithm="gclip", steps=300, replicas=40, seed=7, alpha=1.4)
    args.update(kwargs)
    return simlab.simulate(**args, show_progress=False)


def test_bit_identical_with_one_or_two_threads():
    numba.set_num_threads(1)
    one = _run()
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    two = _run()
    assert numba.get_num_threads() >= 1
    for name in simlab.METRICS:
        np.testing.assert_array_equal(one.metrics[name], two.metrics[name])


def _simulate_in_child(queue):
    queue.put(_run(replicas=8).metrics["error"].tobytes())


def test_a_forked_child_runs_on_threads_of_its_own():
    """The engine keeps one thread pool per process; a child forked after a run gets none of the
    parent's threads, so it must start its own pool (a pool inherited through fork would hang)."""
    import multiprocessing
    expected = _run(replicas=8).metrics["error"].tobytes()  # the parent's pool now exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_simulate_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0, "the forked child hung or failed"
    assert queue.get(timeout=5) == expected


@pytest.mark.parametrize("algorithm, problem", [
    ("gclip", simlab.Quadratic(dim=6)),
    ("adam", simlab.Quadratic(dim=6)),  # state vectors
    ("proj-gclip", simlab.ConstrainedQuadratic(dim=6)),  # the averaged iterate
])
def test_replica_path_independent_of_the_replicas_beside_it_and_of_chunking(algorithm, problem):
    """The kernel reuses its working vectors (iterate, average, state) from one replica to the
    next within a call: each replica must still start afresh (chunk=1 runs each replica alone)."""
    kwargs = dict(algorithm=algorithm, problem=problem)
    many = _run(replicas=40, **kwargs)
    few = _run(replicas=5, **kwargs)
    chunked = _run(replicas=40, chunk=3, **kwargs)
    alone = _run(replicas=40, chunk=1, **kwargs)
    shifted = _run(replicas=10, replica_offset=30, **kwargs)
    for name in ("error", "avg_error", "distance"):
        np.testing.assert_array_equal(few.metrics[name], many.metrics[name][:5])
        np.testing.assert_array_equal(chunked.metrics[name], many.metrics[name])
        np.testing.assert_array_equal(alone.metrics[name], many.metrics[name])
        np.testing.assert_array_equal(shifted.metrics[name], many.metrics[name][30:])
    np.testing.assert_array_equal(alone.final_iterates, many.final_iterates)


def test_pruned_fast_paths_give_the_bits_of_the_general_paths():
    """The driver draws coordinate-wise Pareto noise itself, writes out the quadratic and skips
    the zero-chain dispatch when their flags are None (so the unused parts are never compiled);
    forcing the general paths (``add_noise``, ``separable_gradient``/``separable_objective``,
    ``gradient``/``objective``) must give the same bits. A wrong fast
    path (here: the draws of another seed) is caught."""
    from simlab import _kernels as kernels
    from simlab.noise import GEOMETRIES

    problem, noise = simlab.Quadratic(dim=7), simlab.Pareto(tail=1.6)
    algorithm = simlab.make_algorithm("gclip")
    code, params, arrays = problem.kernel_args()
    schedule, steps, replicas = simlab.constant(0.05, 2.0), 200, 6
    checkpoints = simlab.log_checkpoints(steps)

    def run(general_noise, zero_chain, key=5, extras=None, general_problem=None):
        out = np.empty((replicas, len(simlab.METRICS), checkpoints.size))
        final = np.empty((replicas, problem.dim))
        kernels.run(problem.initial_point(), np.uint64(key), 0, checkpoints,
                    schedule.step_sizes(steps), schedule.thresholds(steps), np.ones(steps + 1),
                    code, params, arrays, noise.code, GEOMETRIES[noise.geometry],
                    noise.parameters(), np.full(problem.dim, noise.scale), algorithm.code,
                    algorithm.parameters(), algorithm.state_rows, False, algorithm.averaging,
                    True, out, np.zeros(replicas, dtype=np.int64), final, None, general_noise,
                    zero_chain, extras, general_problem)
        return np.concatenate([out.ravel(), final.ravel()])

    assert kernels.driver_flags(algorithm.code, noise.code, GEOMETRIES[noise.geometry],
                                code) == (None, None, None, None, None)
    assert kernels.driver_flags(kernels.ADAM, kernels.STABLE, kernels.COORDINATE,
                                kernels.ZERO_CHAIN) == (True, True, True, None, True)
    assert kernels.driver_flags(kernels.NSGD, kernels.PARETO, kernels.COORDINATE,
                                code) == (None, None, None, True, None)
    assert kernels.driver_flags(kernels.SGD, kernels.PARETO, kernels.COORDINATE,
                                kernels.NONCONVEX)[4] is True
    assert kernels.driver_flags(kernels.CCLIP, kernels.PARETO, kernels.COORDINATE,
                                code)[3] is True
    assert kernels.driver_flags(kernels.GCLIP, kernels.PARETO, kernels.COORDINATE, code,
                                projected=True, averaging=True)[3] is True
    assert kernels.driver_flags(kernels.SGD, kernels.PARETO, kernels.ISOTROPIC,
                                code)[1] is True  # isotropic Pareto takes the general path
    fast = run(None, None)
    assert fast.tobytes() == run(True, None).tobytes()
    assert fast.tobytes() == run(None, True).tobytes()
    assert fast.tobytes() == run(None, None, extras=True).tobytes()
    assert fast.tobytes() == run(None, None, general_problem=True).tobytes()
    assert fast.tobytes() == run(None, True, general_problem=True).tobytes()
    assert fast.tobytes() != run(True, None, key=6).tobytes()


def test_different_seeds_differ():
    assert not np.array_equal(_run(seed=1).metrics["error"], _run(seed=2).metrics["error"])


def test_divergence_is_recorded_not_raised():
    result = _run(algorithm="sgd", schedule=simlab.constant(5.0), steps=200)
    assert result.diverged == result.replicas
    assert np.all(result.diverged_step > 0)
    assert np.all(np.isinf(result.metrics["error"][:, -1]))
    assert result.summary("error")["diverged"] == result.replicas


def test_clipping_keeps_the_same_draws_stable():
    """GClip on the same draws never diverges and clips some steps."""
    result = _run(algorithm="gclip", schedule=simlab.constant(0.05, 8.0), steps=300)
    assert result.diverged == 0
    assert 0 < result.mean("clip_fraction")[-1] < 1


def test_checkpoints_are_log_spaced_and_end_at_K():
    points = simlab.log_checkpoints(1000, 20)
    assert points[0] == 1 and points[-1] == 1000 and np.all(np.diff(points) > 0)


def test_metric_definitions_on_a_noiseless_run():
    """With zero noise and tau = inf, GClip is gradient descent: check the metrics by hand."""
    problem = simlab.Quadratic(dim=2, mu=1.0, L=1.0, center=1.0)
    noise = simlab.TwoPoint(p=1.0, success=0.0, failure=0.0)
    result = simlab.simulate(problem, noise, "gclip", simlab.constant(0.5), steps=3, replicas=1,
                             checkpoints=[1, 2, 3], track_min_grad=True, show_progress=False)
    # x_k = 1 - 0.5^k per coordinate; f - f* = 2 * (0.5^k)^2 / 2; grad norm sqrt(2) 0.5^k
    k = np.arange(1, 4)
    np.testing.assert_allclose(result.metrics["error"][0], 0.25 ** k)
    np.testing.assert_allclose(result.metrics["grad_norm"][0], np.sqrt(2) * 0.5 ** k)
    # min_grad_mean at k: (1/k) sum_{j<k} min(g_j, g_j^2), g_j = sqrt(2) 0.5^j
    g = np.sqrt(2) * 0.5 ** np.arange(3)
    expected = np.cumsum(np.minimum(g, g ** 2)) / k
    np.testing.assert_allclose(result.metrics["min_grad_mean"][0], expected)
    assert np.all(result.metrics["clip_fraction"][0] == 0)


def test_projected_gclip_converges_at_rate_one_over_k_with_gaussian_noise():
    """Theorem 4 at alpha = 2 (Gaussian noise): E[f(x_bar_k)] - f* = O(1/k).

    Fit of log mean error against log k over k in [300, 10000] (window fixed in advance);
    the standard error of the slope comes from a bootstrap over replicas (seeded, 200 resamples).
    Tolerance: 4 bootstrap standard errors (a correct implementation falls outside with
    probability about 6e-5 under normality) plus 0.05 for the O(1/k^2) transient, stated here.
    """
    problem = simlab.ConstrainedQuadratic(dim=5, mu=1.0, L=4.0, l1=0.0, radius=3.0, center=1.0)
    noise = simlab.Gaussian(scale=1.0, geometry="isotropic")
    G = schedules.assumption4_G(problem, noise, 2.0)
    result = simlab.simulate(problem, noise, "proj-gclip", schedules.theorem4(G, 2.0, 1.0),
                             steps=10_000, replicas=400, seed=3, alpha=2.0, show_progress=False)
    window = (result.checkpoints >= 300)
    k = np.log(result.checkpoints[window])
    errors = result.metrics["avg_error"][:, window]
    slope = np.polyfit(k, np.log(errors.mean(axis=0)), 1)[0]
    rng = np.random.default_rng(0)
    boot = [np.polyfit(k, np.log(errors[rng.integers(0, 400, 400)].mean(axis=0)), 1)[0]
            for _ in range(200)]
    tolerance = 4 * np.std(boot) + 0.05
    assert abs(slope - (-1.0)) < tolerance, (slope, tolerance)
    # the same check rejects a wrong prediction (the alpha = 1.5 exponent -2(a-1)/a = -2/3)
    assert abs(slope - (-2 / 3)) > tolerance


@pytest.mark.parametrize("kwargs", [dict(steps=0), dict(replicas=0), dict(seed=1.5),
                                    dict(checkpoints=[0, 5]), dict(x0=[np.nan] * 6),
                                    dict(algorithm="proj-gclip"), dict(algorithm="adamw")])
def test_bad_simulate_arguments(kwargs):
    with pytest.raises(InputError):
        _run(**kwargs)


def test_fresh_compile_and_cached_code_give_the_same_bits(tmp_path):
    """The kernel compiled fresh (first process, empty numba cache) and the same kernel loaded
    from that cache (second process) give bit-identical results. Fast-math flags broke this for
    Adam: a local run (fresh JIT) and Dask workers (cached code) differed in the last bit."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys, numpy as np, simlab\n"
        "r = simlab.simulate(simlab.Quadratic(dim=10), simlab.Pareto(tail=2.0), 'adam',"
        " steps=300, replicas=20, seed=5, show_progress=False)\n"
        "np.save(sys.argv[1], np.stack([r.metrics[m] for m in simlab.METRICS]))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(Path(__file__).parents[1])}
    for name in ("fresh", "cached"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / f"{name}.npy")], env=env,
                       check=True)
    assert any((tmp_path / "cache").rglob("*.nbc"))  # the second process had a cache to load
    fresh, cached = np.load(tmp_path / "fresh.npy"), np.load(tmp_path / "cached.npy")
    assert fresh.tobytes() == cached.tobytes()


def test_results_do_not_depend_on_the_machines_vector_width(tmp_path):
    """Coordinate-wise Pareto noise computes its variates in buffers padded to the host's vector
    width (8 lanes with AVX-512, 4 otherwise) but advances the stream by d rounded up to 4 on
    every machine, so a run on this host and the same run compiled for a generic x86-64 CPU
    (``NUMBA_CPU_NAME=generic``: SSE2, width 4) give the same bits. Advancing the stream by the
    buffer's length instead would fail this on an AVX-512 host (d = 10: 16 words a step against
    12)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from simlab import _kernels as kernels

    script = (
        "import sys, numpy as np, simlab\n"
        "from simlab import _kernels as kernels\n"
        "r = simlab.simulate(simlab.Quadratic(dim=10), simlab.Pareto(tail=1.5), 'gclip',"
        " simlab.constant(0.05, 2.0), steps=200, replicas=12, seed=3, show_progress=False)\n"
        "np.save(sys.argv[1], np.stack([r.metrics[m] for m in simlab.METRICS]))\n"
        "print(kernels.VECTOR_WIDTH)\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "NUMBA_CPU_NAME": "generic",
           "PYTHONPATH": str(Path(__file__).parents[1])}
    width = subprocess.run([sys.executable, "-c", script, str(tmp_path / "generic.npy")],
                           env=env, check=True, capture_output=True, text=True).stdout.split()
    assert width == ["4"]
    here = simlab.simulate(simlab.Quadratic(dim=10), simlab.Pareto(tail=1.5), "gclip",
                           simlab.constant(0.05, 2.0), steps=200, replicas=12, seed=3,
                           show_progress=False)
    here = np.stack([here.metrics[m] for m in simlab.METRICS])
    assert np.isfinite(here).any()
    assert np.load(tmp_path / "generic.npy").tobytes() == here.tobytes(), kernels.VECTOR_WIDTH


def test_min_grad_mean_is_recorded_only_when_asked_and_never_changes_the_path():
    """``track_min_grad`` (Theorem 2's quantity, one more norm a step) is off by default: the
    metric is then NaN and left out of the JSON document; on, it is finite, and every other
    metric keeps its bits."""
    args = (simlab.Quadratic(dim=10), simlab.Pareto(tail=1.5), "gclip",
            simlab.constant(0.05, 2.0))
    kwargs = dict(steps=100, replicas=8, seed=1, show_progress=False)
    off = simlab.simulate(*args, **kwargs)
    on = simlab.simulate(*args, track_min_grad=True, **kwargs)
    assert np.all(np.isnan(off.metrics["min_grad_mean"]))
    assert "min_grad_mean" not in off.to_dict()["metrics"]
    assert np.all(np.isfinite(on.metrics["min_grad_mean"]))
    for name in simlab.METRICS:
        if name != "min_grad_mean":
            assert on.metrics[name].tobytes() == off.metrics[name].tobytes(), name
