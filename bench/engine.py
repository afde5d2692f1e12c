"""Engine throughput as ratios measured in one run (the machines are shared and noisy).

    python bench/engine.py [--json] [--replicas R] [--steps K]

Workload: GClip with a constant step and threshold on the d-dimensional quadratic under
coordinate-wise symmetric Pareto(1.5) noise, R replicas x K steps; throughput is
replica-steps x d per second. Compared with

- ``numpy``: the same algorithm vectorised over replicas with in-place NumPy operations and
  NumPy's PCG64 generator (the fair baseline: one array op per stage, no Python per replica);
- ``rng_floor``: a jitted kernel that only draws the same variates with the same transform the
  engine uses (counter-based words, 52-bit uniforms, the vectorisable ``U^(-1/a)``, the sign bit)
  over replicas in ``prange``, and nothing else;
- ``parallel_speedup``: the engine with all numba threads against one thread.

Compile times are measured in fresh processes: ``compile_cold_s`` with an empty numba cache
(a temporary ``NUMBA_CACHE_DIR``), ``compile_cached_s`` in a second process with that cache warm;
each is the time of the first ``simulate`` call, imports excluded (``import_s`` separately).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simlab  # noqa: E402
from simlab import _kernels as kernels  # noqa: E402

TAIL = 1.5
STEP, THRESHOLD = 0.01, 5.0


def engine_throughput(dim: int, replicas: int, steps: int, repeats: int = 3) -> float:
    problem = simlab.Quadratic(dim=dim, mu=1.0, L=4.0)
    noise = simlab.Pareto(tail=TAIL)
    schedule = simlab.constant(STEP, THRESHOLD)
    checkpoints = [steps]
    simlab.simulate(problem, noise, "gclip", schedule, steps=10, replicas=replicas,
                    checkpoints=[10], show_progress=False)  # compile / load
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        simlab.simulate(problem, noise, "gclip", schedule, steps=steps, replicas=replicas,
                        checkpoints=checkpoints, show_progress=False)
        best = min(best, time.perf_counter() - start)
    return replicas * steps * dim / best


def numpy_throughput(dim: int, replicas: int, steps: int, repeats: int = 3) -> float:
    """GClip on the quadratic, vectorised over replicas, in place."""
    problem = simlab.Quadratic(dim=dim, mu=1.0, L=4.0)
    h, c = problem.curvatures, problem.minimiser
    rng = np.random.default_rng(0)
    best = np.inf
    for _ in range(repeats):
        x = np.zeros((replicas, dim))
        g = np.empty_like(x)
        u = np.empty_like(x)
        sign = np.empty((replicas, dim), dtype=bool)
        norm = np.empty(replicas)
        start = time.perf_counter()
        for _ in range(steps):
            np.subtract(x, c, out=g)
            np.multiply(g, h, out=g)
            rng.random(out=u)
            np.power(u, -1.0 / TAIL, out=u)
            np.less(rng.random((replicas, dim)), 0.5, out=sign)
            np.negative(u, out=u, where=sign)
            np.add(g, u, out=g)
            np.einsum("ij,ij->i", g, g, out=norm)
            np.sqrt(norm, out=norm)
            np.maximum(norm, THRESHOLD, out=norm)
            np.divide(THRESHOLD, norm, out=norm)
            np.multiply(g, norm[:, None], out=g)
            g *= STEP
            x -= g
        best = min(best, time.perf_counter() - start)
    return replicas * steps * dim / best


@njit(parallel=True, fastmath=kernels.FASTMATH, error_model="numpy")
def _rng_floor(key, replicas, steps, dim, tail, out):
    power = -1.0 / tail
    for r in prange(replicas):
        stream = kernels.replica_key(key, r)
        counter = np.uint64(0)
        acc = np.zeros(dim)
        for _ in range(steps):
            for i in range(dim):
                word = kernels.random_word(stream, counter + np.uint64(i))
                value = kernels.fast_pow(kernels.word_to_uniform(word), power)
                acc[i] += value if (word & np.uint64(1)) == 0 else -value
            counter += np.uint64(dim)
        out[r] = acc.sum()


def rng_floor_throughput(dim: int, replicas: int, steps: int, repeats: int = 3) -> float:
    out = np.empty(replicas)
    _rng_floor(np.uint64(1), replicas, 2, dim, TAIL, out)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        _rng_floor(np.uint64(1), replicas, steps, dim, TAIL, out)
        best = min(best, time.perf_counter() - start)
    return replicas * steps * dim / best


_FIRST_CALL = """
import time
t0 = time.perf_counter()
import simlab
t1 = time.perf_counter()
simlab.simulate(simlab.Quadratic(dim=10), simlab.Pareto(tail=1.5), "gclip",
                simlab.constant(0.01, 5.0), steps=10, replicas=4, show_progress=False)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def compile_times() -> dict:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            times.append([float(v) for v in out])
    return {"compile_cold_s": times[0][1], "compile_cached_s": times[1][1],
            "import_s": times[1][0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--replicas", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()

    threads = numba.get_num_threads()
    result: dict = {"threads": threads, "replicas": args.replicas, "steps": args.steps,
                    "units": "replica-steps x d per second", "throughput": {}}
    for dim in (1, 10, 100):
        steps = max(20, args.steps * 10 // dim) if dim < 10 else max(20, args.steps * 10 // dim)
        engine = engine_throughput(dim, args.replicas, steps)
        result["throughput"][str(dim)] = {
            "engine": engine,
            "numpy": numpy_throughput(dim, args.replicas, steps),
            "rng_floor": rng_floor_throughput(dim, args.replicas, steps),
        }
    numba.set_num_threads(1)
    single = engine_throughput(10, args.replicas, args.steps)
    numba.set_num_threads(threads)
    at10 = result["throughput"]["10"]
    result["engine_vs_numpy"] = at10["engine"] / at10["numpy"]
    result["engine_vs_rng_floor"] = at10["engine"] / at10["rng_floor"]
    result["parallel_speedup"] = engine_throughput(10, args.replicas, args.steps) / single
    result["ratios_by_dim"] = {
        d: {"engine_vs_numpy": v["engine"] / v["numpy"],
            "engine_vs_rng_floor": v["engine"] / v["rng_floor"]}
        for d, v in result["throughput"].items()}
    result.update(compile_times())
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"engine throughput, {result['units']} (millions), {threads} threads")
    print(f"{'d':>5} {'engine':>9} {'numpy':>9} {'rng floor':>10} {'vs numpy':>9} {'vs floor':>9}")
    for d, v in result["throughput"].items():
        print(f"{d:>5} {v['engine'] / 1e6:>9.1f} {v['numpy'] / 1e6:>9.1f} "
              f"{v['rng_floor'] / 1e6:>10.1f} {v['engine'] / v['numpy']:>9.2f} "
              f"{v['engine'] / v['rng_floor']:>9.2f}")
    print(f"parallel speed-up (d=10, {threads} threads vs 1): {result['parallel_speedup']:.2f}")
    print(f"first call: cold compile {result['compile_cold_s']:.2f} s, "
          f"cached {result['compile_cached_s']:.2f} s (import {result['import_s']:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
