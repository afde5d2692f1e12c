"""The CUDA backend (issue 19) against the CPU engine, bit for bit.

Without a GPU (CI, and this project's machines) the kernels run in numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``): the default test run starts one child process with it set (numba
reads it at import), or runs in-process when pytest itself runs under it
(``NUMBA_ENABLE_CUDASIM=1 pytest -m cuda``). The sizes are tiny (d = 3 and 5, 5 replicas, 20
steps: the simulator runs each thread as Python): what is checked is the arithmetic, replica by
replica, not statistics, so there is no tolerance: every metric, divergence step and final
iterate must have the same bits.

Tests marked ``gpu`` need a real CUDA GPU and are skipped with their reason where there is none.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba.cuda", reason="numba's CUDA target (built in, or numba-cuda)")

import simlab  # noqa: E402
from simlab import _kernels as kernels  # noqa: E402
from simlab.errors import InputError  # noqa: E402
from simlab.run import cuda as cuda_backend  # noqa: E402
from simlab.run.engine import simulate  # noqa: E402
from simlab.run.executors import identical  # noqa: E402

pytestmark = pytest.mark.cuda
ROOT = Path(__file__).resolve().parents[1]
SIMULATED = cuda_backend.simulator()
GPU = cuda_backend.gpu_available()
needs_gpu = pytest.mark.skipif(not GPU, reason="needs a CUDA GPU (none here, or the simulator "
                                               "is on): the simulator tests cover the kernels")

# (name, problem, noise, algorithm, options): the CPU driver's specialisations the backend runs,
# each tiny. d = 3 pads the Pareto stream to 4 words a step; d = 5 to 8.
STEPS, REPLICAS, SEED = 20, 5, 11
CHECKPOINTS = [1, 5, 20]


def cases():
    quadratic = simlab.Quadratic(dim=3)
    pareto, gaussian = simlab.Pareto(tail=1.5), simlab.Gaussian()
    clipped = simlab.constant(0.1, 1.0)
    out = []
    for algorithm in ("sgd", "gclip", "cclip", "nsgd"):
        for noise in (pareto, gaussian):
            out.append((f"{algorithm}-{noise.describe()}", quadratic, noise, algorithm,
                        dict(schedule=clipped)))
    constrained = simlab.problems.PROBLEMS["constrained-quadratic"](dim=5)
    out += [
        ("proj-gclip-averaged-d5", constrained, pareto, "proj-gclip",
         dict(schedule=clipped, track_min_grad=True)),
        ("gclip-noise-schedule-offset", simlab.Quadratic(dim=5), pareto, "gclip",
         dict(schedule=clipped, noise_schedule=np.linspace(1.0, 3.0, STEPS + 1),
              replica_offset=7)),
        ("sgd-diverges", quadratic, pareto, "sgd", dict(schedule=simlab.constant(1e30, 1.0))),
        ("gclip-stable", quadratic, simlab.Stable(index=1.5, skew=0.5), "gclip",
         dict(schedule=clipped)),
        ("gclip-student-t-isotropic", quadratic, simlab.StudentT(dof=3.0, geometry="isotropic"),
         "gclip", dict(schedule=clipped)),
        ("nsgd-nonconvex", simlab.problems.PROBLEMS["nonconvex"](dim=3), pareto, "nsgd",
         dict(schedule=clipped)),
    ]
    return out


def differences(a, b) -> list[str]:
    """What differs between two Results, bit for bit (NaN equal to NaN); [] when identical."""
    found = [name for name in a.metrics
             if not np.array_equal(a.metrics[name], b.metrics[name], equal_nan=True)]
    if not np.array_equal(a.diverged_step, b.diverged_step):
        found.append("diverged_step")
    if not np.array_equal(a.final_iterates, b.final_iterates, equal_nan=True):
        found.append("final_iterates")
    return found


def compare_all() -> dict:
    """Each case on the CPU and on the (simulated) GPU: the names of what differs (also by the
    executors' own test of bit-identical Results, the backend and thread count aside)."""
    report = {}
    for name, problem, noise, algorithm, options in cases():
        kwargs = dict(steps=STEPS, replicas=REPLICAS, seed=SEED, checkpoints=CHECKPOINTS,
                      show_progress=False, **options)
        cpu = simulate(problem, noise, algorithm, **kwargs)
        gpu = simulate(problem, noise, algorithm, backend="cuda", **kwargs)
        report[name] = differences(cpu, gpu) + (
            [] if gpu.params.get("backend") == "cuda" else ["not run on cuda"]) + (
            [] if identical(cpu, gpu, ignore=("threads", "backend")) else ["not identical()"])
        if name == "sgd-diverges":
            report[name] += [] if cpu.diverged else ["the divergence case did not diverge"]
    draws = {}
    for noise in (simlab.Pareto(tail=1.5), simlab.Gaussian(), simlab.Cauchy(), simlab.TwoPoint(),
                  simlab.Stable(index=1.2, geometry="isotropic")):
        expected = noise.sample(REPLICAS, 5, SEED)
        got = cuda_backend.sample_noise(noise, 5, REPLICAS, SEED)
        draws[noise.describe()] = bool(np.array_equal(expected, got, equal_nan=True))
    report["draws"] = [name for name, same in draws.items() if not same]
    return report


def _simulated_report() -> dict:
    if SIMULATED:
        return compare_all()
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(ROOT))
    code = ("import json, sys; sys.path.insert(0, 'tests'); import test_cuda; "
            "print(json.dumps(test_cuda.compare_all()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def simulated_report():
    return _simulated_report()


def test_simulated_kernels_give_the_cpu_engines_bits(simulated_report):
    """Every case: every metric at every checkpoint, the divergence steps and x_K identical."""
    cases_seen = {name for name, *_ in cases()}
    assert cases_seen <= set(simulated_report)
    failing = {name: what for name, what in simulated_report.items() if what}
    assert not failing, failing


def test_the_comparison_can_fail():
    """A different seed, or one step more, is caught (the checker is not vacuous)."""
    problem, noise = simlab.Quadratic(dim=3), simlab.Pareto(tail=1.5)
    kwargs = dict(steps=10, replicas=3, checkpoints=[10], show_progress=False,
                  schedule=simlab.constant(0.1, 1.0))
    a = simulate(problem, noise, "gclip", seed=1, **kwargs)
    assert differences(a, simulate(problem, noise, "gclip", seed=1, **kwargs)) == []
    assert "error" in differences(a, simulate(problem, noise, "gclip", seed=2, **kwargs))


# ----------------------------------------------------------------------------- the simulator's
# exact arithmetic (what makes its bits the CPU's)
def test_exact_fma_rounds_once():
    """fma(a, b, c) is a*b + c rounded once: on a case where two roundings lose the answer."""
    from simlab._cuda_kernels import exact_fma

    a = 1.0 + 2.0 ** -30
    b = 1.0 - 2.0 ** -30
    c = -1.0
    assert a * b + c == 0.0  # two roundings: 1 - 2^-60 rounds to 1
    assert exact_fma(a, b, c) == -(2.0 ** -60)
    for a, b, c in [(0.1, 3.0, -0.3), (1e300, 1e10, 1.0), (-0.0, 0.0, -0.0)]:
        exact = Fraction(a) * Fraction(b) + Fraction(c) if math.isfinite(a * b) else None
        if exact is not None and exact != 0:
            assert exact_fma(a, b, c) == float(exact)
    assert math.isinf(exact_fma(1e300, 1e10, 1.0))


def test_static_power_is_numbas_integer_power():
    """x ** 2 by squaring (numba) is x * x; libm's pow(x, 2) is not always (glibc)."""
    from simlab._cuda_kernels import static_power

    v = np.float64(-1.0194459847886574)
    assert static_power(v, 2) == v * v
    assert v ** 2 != v * v  # why the simulator cannot use NumPy's power
    x = np.float64(1.7)
    assert static_power(x, 0) == 1.0 and static_power(x, 1) == x
    assert static_power(x, 3) == x * (x * x) and static_power(x, 4) == (x * x) * (x * x)


# ----------------------------------------------------------------------------- the backend's
# choices
def test_unsupported_combinations_name_what_is_missing():
    problem, noise = simlab.Quadratic(dim=3), simlab.Pareto(tail=1.5)
    with pytest.raises(InputError, match="algorithm adam"):
        simulate(problem, noise, "adam", steps=5, replicas=2, backend="cuda",
                 show_progress=False)
    chain = simlab.problems.PROBLEMS["zero-chain"]()
    oracle = simlab.noise.ZeroChainOracle.from_instance(chain.instance)
    with pytest.raises(InputError, match="zero-chain"):
        simulate(chain, oracle, "sgd", simlab.constant(0.1, 1.0), steps=5, replicas=2,
                 backend="cuda", show_progress=False)
    with pytest.raises(InputError, match="backend"):
        simulate(problem, noise, "sgd", steps=5, replicas=2, backend="gpu", show_progress=False)


@pytest.mark.skipif(GPU or SIMULATED, reason="checks the answer where no GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error_and_auto_is_cpu():
    problem, noise = simlab.Quadratic(dim=3), simlab.Pareto(tail=1.5)
    kwargs = dict(steps=5, replicas=2, show_progress=False, schedule=simlab.constant(0.1, 1.0))
    with pytest.raises(InputError, match="needs a CUDA GPU"):
        simulate(problem, noise, "gclip", backend="cuda", **kwargs)
    auto = simulate(problem, noise, "gclip", backend="auto", **kwargs)
    cpu = simulate(problem, noise, "gclip", **kwargs)
    assert "backend" not in auto.params and differences(auto, cpu) == []


def test_cli_simulate_backend_flag():
    """``simlab simulate --backend`` reaches the engine (cpu here; cuda without a GPU is the
    one-line error, exit 2)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    base = [sys.executable, "-m", "simlab", "simulate", "--problem", "quadratic", "--dim", "2",
            "--steps", "5", "--replicas", "2", "--algorithm", "gclip", "--json"]
    done = subprocess.run(base + ["--backend", "cpu"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    if not GPU:
        done = subprocess.run(base + ["--backend", "cuda"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "needs a CUDA GPU" in done.stderr


def test_no_contraction_turns_off_nvvms_fma():
    """NVVM fuses a*b + c into one FMA by default; :func:`no_contraction` compiles it as a
    multiply and an add (the CPU engine's bits). Needs libNVVM (the CUDA toolkit, or the wheel
    nvidia-cuda-nvcc-cu12 with CUDA_HOME pointing at its cuda_nvcc folder), not a GPU."""
    if SIMULATED:
        pytest.skip("the simulator compiles nothing")
    from numba import cuda, types

    def probe(a, b, c):
        return a * b + c

    signature = (types.float64, types.float64, types.float64)
    try:
        contracted, _ = cuda.compile_ptx(probe, signature, device=True, cc=(9, 0))
    except Exception as error:  # no libNVVM here
        pytest.skip(f"needs libNVVM to compile PTX: {type(error).__name__}")
    with cuda_backend.no_contraction():
        strict, _ = cuda.compile_ptx(probe, signature, device=True, cc=(9, 0))
    assert "fma.rn.f64" in contracted  # NVVM's default: the checker sees a contraction
    assert "fma.rn.f64" not in strict and "mul.rn.f64" in strict and "add.rn.f64" in strict


class _Device:
    """Stands in for a GPU when compiling PTX without one: numba's built-in CUDA target asks the
    current device's compute capability before compiling a device function."""

    compute_capability = (9, 0)


def test_kernels_compile_for_the_gpu_without_contraction(monkeypatch):
    """Three specialisations (between them every algorithm, noise path and metric) compile to
    PTX on numba's real CUDA target (what the simulator cannot show), and without
    :func:`no_contraction` NVVM adds FMAs that the CPU never computes: with it, only the
    engine's explicit ones are left (23 per Pareto draw: the 24 of fast_log2 and fast_exp2 less
    fma(1, r, 1), folded to an add). Needs libNVVM, not a GPU."""
    if SIMULATED:
        pytest.skip("the simulator compiles nothing")
    from numba import cuda, types

    import numba.cuda.dispatcher as dispatcher
    from simlab import _cuda_kernels

    if not GPU:
        monkeypatch.setattr(dispatcher, "get_current_device", _Device, raising=False)
    a1, a2, a3 = types.float64[::1], types.float64[:, ::1], types.float64[:, :, ::1]
    i1 = types.int64[::1]
    signature = (a1, types.uint64, types.int64, i1, a1, a1, a1, a1, a2, types.int64,
                 types.int64, a1, a1, a3, i1, a2)
    dim = 10
    specialisations = [  # (problem, pareto_fast, algorithm, projected, averaging, track)
        (kernels.QUADRATIC, True, kernels.CCLIP, False, False, False),
        (kernels.CONSTRAINED_QUADRATIC, True, kernels.GCLIP, True, True, True),
        (kernels.NONCONVEX, False, kernels.NSGD, False, False, False),  # every noise law
    ]
    for problem, *rest in specialisations:
        kernel = _cuda_kernels.make_kernel(dim, problem, *rest)
        try:
            with cuda_backend.no_contraction():
                strict, _ = cuda.compile_ptx(kernel.py_func, signature, cc=(9, 0))
        except Exception as error:  # no libNVVM or no driver here: skip; a typing error fails
            toolchain = type(error).__name__ in ("NvvmSupportError", "CudaSupportError",
                                                 "NvvmError", "CudaDriverError", "OSError")
            if toolchain or "nvvm" in str(error).lower() or "driver" in str(error).lower():
                pytest.skip(f"needs libNVVM to compile PTX: {type(error).__name__}")
            raise
        assert ".entry" in strict
        if rest[0]:  # Pareto noise, no libdevice (whose log seeds Newton with rcp.approx):
            # every float64 operation IEEE and correctly rounded
            assert ".approx" not in strict and ".ftz" not in strict
    cclip = _cuda_kernels.make_kernel(dim, *specialisations[0])
    contracted, _ = cuda.compile_ptx(cclip.py_func, signature, cc=(9, 0))
    with cuda_backend.no_contraction():
        strict, _ = cuda.compile_ptx(cclip.py_func, signature, cc=(9, 0))
    assert strict.count("fma.rn.f64") == 23 * dim
    assert contracted.count("fma.rn.f64") > strict.count("fma.rn.f64")


# ----------------------------------------------------------------------------- the benchmark
BENCH = [sys.executable, "bench/engine.py", "--backend", "cuda", "--json", "--rounds", "1",
         "--replicas", "40", "--steps", "20"]


@pytest.mark.skipif(GPU, reason="checks what the benchmark says where no GPU is present")
def test_bench_without_a_gpu_measures_the_cpu_and_says_it_stopped():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    done = subprocess.run(BENCH, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["measured_on_gpu"] is False
    assert "nothing was measured on a GPU" in result["status"]
    assert set(result["throughput"]) == {"1", "10", "100"}
    assert all(row["cpu_engine"] > 0 for row in result["throughput"].values())


def test_bench_gpu_measures_run_under_the_simulator():
    """The code the benchmark runs on a GPU (engine, floor, ratios, targets), executed by the
    simulator on 3 replicas: a smoke test of the script, not a measurement."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_ENABLE_CUDASIM="1")
    code = ("import runpy, sys; import simlab.run.cuda as b; b.gpu_available = lambda: True; "
            f"sys.argv = {BENCH[1:] + ['--gpu-replicas', '3', '--gpu-steps', '2']!r}; "
            "runpy.run_path('bench/engine.py', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["measured_on_gpu"] and result["gpu"] == "simulator"
    for row in result["throughput"].values():
        assert row["engine"] > 0 and row["gpu_floor"] > 0
        assert set(row["ratios"]) >= {"engine_vs_cpu", "engine_vs_gpu_floor"}
    assert set(result["targets_met"]) == {"engine_vs_jax", "engine_vs_gpu_floor"}


# ----------------------------------------------------------------------------- on a GPU
GAUSSIAN_ULP_BOUND = 8  # per draw: sqrt(-2 log u1) cos(2 pi u2), libdevice log 1 ulp and cos
# 2 ulp against glibc's < 1 ulp each (CUDA Math API, double precision), through the sqrt (halves
# the relative error), the product and the 2 pi u2 argument (exact inputs): 1 + 1 + 2 + 1 + 1
# rounded up to 8


def ulps(a, b):
    """|a - b| in units of the last place of a (elementwise, finite a, b)."""
    return np.abs(a - b) / np.spacing(np.abs(a))


@needs_gpu
@pytest.mark.gpu
def test_gpu_pareto_runs_are_bit_identical():
    """Seed 11, 4096 replicas x 200 steps at d = 10, GClip and SGD under Pareto(1.5): the engine's
    own pow and integer mixing, no contraction: the same bits as the CPU."""
    problem, noise = simlab.Quadratic(dim=10), simlab.Pareto(tail=1.5)
    for algorithm in ("gclip", "sgd", "cclip", "nsgd"):
        kwargs = dict(steps=200, replicas=4096, seed=SEED, show_progress=False,
                      schedule=simlab.constant(0.05, 2.0))
        cpu = simulate(problem, noise, algorithm, **kwargs)
        gpu = simulate(problem, noise, algorithm, backend="cuda", **kwargs)
        assert differences(cpu, gpu) == [], algorithm


@needs_gpu
@pytest.mark.gpu
def test_gpu_gaussian_draws_within_the_ulp_bound():
    """Box-Muller uses libdevice's log and cos on the GPU: each draw within
    GAUSSIAN_ULP_BOUND ulp of the CPU's (seed 11, 65536 x 10 draws)."""
    noise = simlab.Gaussian()
    got = cuda_backend.sample_noise(noise, 10, 65536, SEED)
    expected = noise.sample(65536, 10, SEED)
    assert np.max(ulps(expected, got)) <= GAUSSIAN_ULP_BOUND


@needs_gpu
@pytest.mark.gpu
def test_gpu_gaussian_runs_agree_to_rounding():
    """GClip under Gaussian noise (seed 11, 4096 replicas x 200 steps, d = 10, step 0.05 on a
    quadratic with L = 4: a contraction, so per-draw ulp differences do not grow): the errors
    agree to a relative 1e-9, far below any Monte Carlo error (the standard error of a mean
    over 4096 replicas is about 1.6% of its spread)."""
    problem, noise = simlab.Quadratic(dim=10), simlab.Gaussian()
    kwargs = dict(steps=200, replicas=4096, seed=SEED, show_progress=False,
                  schedule=simlab.constant(0.05, 2.0))
    cpu = simulate(problem, noise, "gclip", **kwargs)
    gpu = simulate(problem, noise, "gclip", backend="cuda", **kwargs)
    np.testing.assert_allclose(gpu.metrics["error"], cpu.metrics["error"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(gpu.final_iterates, cpu.final_iterates, rtol=1e-9, atol=1e-12)


def test_sweeps_and_reproduce_pass_the_backend_to_engine_cells(tmp_path):
    """``sweep(..., backend=)`` (and so ``simlab sweep --backend``, ``reproduce --backend``,
    which set it through simlab.run.context) runs engine cells on the chosen backend: under
    the simulator or on a GPU the stored Result is the CPU's bits; without either, a clear
    error before anything is stored."""
    from simlab.run import Spec, sweep, using
    from simlab.run.context import compute

    spec = Spec.of(simlab.Quadratic(dim=3), simlab.Pareto(tail=1.5), "gclip",
                   simlab.constant(0.1, 1.0), steps=STEPS, replicas=REPLICAS, seed=SEED)
    cpu = sweep([spec], store=tmp_path / "cpu", show_progress=False)[spec.key]
    if SIMULATED or GPU:
        gpu = sweep([spec], store=tmp_path / "gpu", show_progress=False,
                    backend="cuda")[spec.key]
        assert gpu.params.get("backend") == "cuda"
        assert identical(cpu, gpu, ignore=("threads", "backend"))
        with using(store=str(tmp_path / "ctx"), backend="cuda"):
            assert compute([spec])[spec].params.get("backend") == "cuda"
    else:
        with pytest.raises(InputError, match="needs a CUDA GPU"):
            sweep([spec], store=tmp_path / "gpu", show_progress=False, backend="cuda")
    with pytest.raises(InputError, match="backend"):
        sweep([spec], store=tmp_path / "bad", show_progress=False, backend="gpu")
