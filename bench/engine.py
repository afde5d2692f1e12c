"""Engine throughput as ratios measured in one run (the machines are shared and noisy).

    python bench/engine.py [--json] [--replicas R] [--steps K] [--rounds N]
    python bench/engine.py --backend cuda [--json] [--gpu-replicas R] [--gpu-steps K] [--rounds N]

Workload: GClip with a constant step and threshold on the d-dimensional quadratic under
coordinate-wise symmetric Pareto(1.5) noise, R replicas x K steps; throughput is
replica-steps x d per second. Compared with

- ``numpy``: the same algorithm vectorised over replicas with in-place NumPy operations and
  NumPy's PCG64 generator (the fair baseline: one array op per stage, no Python per replica);
- ``rng_floor``: a jitted kernel that only draws the same variates with the same transform the
  engine uses (it calls the engine's ``pareto_variates``: counter-based words, 52-bit uniforms,
  the vectorisable ``U^(-1/a)``, the sign bit, the padding to a multiple of the vector width)
  over replicas in ``prange``, and nothing else;
- ``parallel_speedup``: the engine with all numba threads against one thread (and the same for
  the floor, as a measure of what the machine gives).

The measures are taken in turn over ``--rounds`` rounds and the best of each is kept, so a slow
phase of the shared machine hits all of them alike.

With ``--backend cuda`` (issue 19) the same workload runs on the GPU, one replica per thread
(:mod:`simlab.run.cuda`), at d = 1, 10, 100, against

- ``engine_vs_jax``: the workload in JAX, ``jit`` over a ``lax.fori_loop`` of steps, vectorised
  over replicas, float64 (the strongest peer measured in the issue);
- ``engine_vs_torch``: the workload written naively in torch, vectorised over replicas, float64;
- ``engine_vs_gpu_floor``: a kernel that only makes the engine's draws (same words, same
  transform) and sums them (``torch_floor`` beside it: torch's uniforms and ``U^(-1/a)``);
- ``engine_vs_cpu``: the CPU engine on all cores of the same machine;

and the throughput in replica-steps x d per second. The CPU engine is measured first; where no
CUDA GPU is present the run stops there and says so (``measured_on_gpu: false``), exit 0.
Targets at d = 10 (the issue): ``engine_vs_jax >= 2`` and ``engine_vs_gpu_floor >= 0.6``.

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

# The RNG floor runs in numba's OpenMP pool, whose idle threads otherwise spin (libgomp's default
# wait policy) into the next measure: interleaved with the floor, the engine measured 321-325
# M/s against 384-391 with passive waiting, and the floor itself 632-649 either way (d = 10,
# three rounds each). Set before numba loads the OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

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
    """Best of ``repeats`` timed runs (after one untimed run that compiles or loads the kernel)."""
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
        coin = np.empty_like(x)
        sign = np.empty((replicas, dim), dtype=bool)
        norm = np.empty(replicas)
        start = time.perf_counter()
        for _ in range(steps):
            np.subtract(x, c, out=g)
            np.multiply(g, h, out=g)
            rng.random(out=u)
            np.power(u, -1.0 / TAIL, out=u)
            rng.random(out=coin)
            np.less(coin, 0.5, out=sign)
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
    """The engine's Pareto draws (``kernels.pareto_variates``: same words, same padding to a
    multiple of the vector width, same transform) summed per replica, and nothing else."""
    power = -1.0 / tail
    for r in prange(replicas):
        stream = kernels.replica_key(key, r)
        counter = np.uint64(0)
        acc = np.zeros(dim)
        buffer = np.empty(kernels.buffer_length(dim))
        advance = kernels.padded_length(dim)
        for _ in range(steps):
            counter = kernels.pareto_variates(power, stream, counter, advance, buffer)
            for i in range(dim):
                acc[i] += buffer[i]
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
import sys, time
t0 = time.perf_counter()
import simlab
t1 = time.perf_counter()
problem = simlab.Quadratic(dim=10)
noise = simlab.Pareto(tail=1.5) if sys.argv[2] == "pareto" else simlab.Stable(index=1.5)
simlab.simulate(problem, noise, sys.argv[1], simlab.constant(0.01, 5.0), steps=10, replicas=4,
                show_progress=False)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def first_call(env: dict, algorithm: str = "gclip", law: str = "pareto") -> list[float]:
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL, algorithm, law], env=env,
                         check=True, capture_output=True, text=True).stdout.split()
    return [float(v) for v in out]


def compile_times() -> dict:
    """First-call times in fresh processes. The kernel is specialised by family (the driver's
    optional parts): the benchmark's GClip under Pareto noise compiles the smallest one; Adam
    under stable noise (adaptive methods and general noise laws) is reported beside it."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        cold = first_call(env)
        cached = first_call(env)
        adam_cold = first_call(env, "adam", "stable")
    return {"compile_cold_s": cold[1], "compile_cached_s": cached[1], "import_s": cached[0],
            "compile_cold_adam_stable_s": adam_cold[1]}


def interleaved(measures: dict, rounds: int) -> dict:
    """Best throughput of each measure over ``rounds`` rounds that take them in turn: slow
    phases of a shared machine then hit every measure alike, and the ratios stay fair."""
    best = {name: 0.0 for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            best[name] = max(best[name], measure())
    return best


def with_threads(count: int, measure):
    def run():
        previous = numba.get_num_threads()
        numba.set_num_threads(count)
        try:
            return measure()
        finally:
            numba.set_num_threads(previous)
    return run


# ----------------------------------------------------------------------------- the GPU
GPU_TARGETS = {"engine_vs_jax": 2.0, "engine_vs_gpu_floor": 0.6}  # at d = 10, float64
DIMS = (1, 10, 100)


def cuda_engine_throughput(dim: int, replicas: int, steps: int) -> float:
    """The engine on the GPU (``backend="cuda"``): one timed run after one that compiles."""
    problem = simlab.Quadratic(dim=dim, mu=1.0, L=4.0)
    noise = simlab.Pareto(tail=TAIL)
    schedule = simlab.constant(STEP, THRESHOLD)
    kwargs = dict(replicas=replicas, show_progress=False, backend="cuda")
    simlab.simulate(problem, noise, "gclip", schedule, steps=2, checkpoints=[2], **kwargs)
    start = time.perf_counter()
    simlab.simulate(problem, noise, "gclip", schedule, steps=steps, checkpoints=[steps], **kwargs)
    return replicas * steps * dim / (time.perf_counter() - start)


def gpu_floor_throughput(dim: int, replicas: int, steps: int) -> float:
    """The engine's Pareto draws alone on the GPU
    (:func:`simlab._cuda_kernels.make_floor_kernel`)."""
    from numba import cuda

    from simlab import _cuda_kernels
    from simlab.run import cuda as backend

    kernel = _cuda_kernels.make_floor_kernel(dim)
    out = cuda.device_array(replicas)
    backend.launch(kernel, replicas, np.uint64(1), np.int64(2), -1.0 / TAIL, out)
    start = time.perf_counter()
    backend.launch(kernel, replicas, np.uint64(1), np.int64(steps), -1.0 / TAIL, out)
    return replicas * steps * dim / (time.perf_counter() - start)


def jax_throughput(dim: int, replicas: int, steps: int) -> float:
    """GClip on the quadratic in JAX: ``jit`` over ``lax.fori_loop``, float64, on the GPU."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    problem = simlab.Quadratic(dim=dim, mu=1.0, L=4.0)
    h, c = jnp.asarray(problem.curvatures), jnp.asarray(problem.minimiser)

    def body(_, carry):
        x, key = carry
        key, ku, ks = jax.random.split(key, 3)
        u = 1.0 - jax.random.uniform(ku, (replicas, dim), dtype=jnp.float64)  # (0, 1]
        sign = jax.random.rademacher(ks, (replicas, dim), dtype=jnp.float64)
        g = h * (x - c) + sign * u ** (-1.0 / TAIL)
        norm = jnp.sqrt(jnp.sum(g * g, axis=1, keepdims=True))
        return x - STEP * g * jnp.minimum(1.0, THRESHOLD / norm), key

    @jax.jit
    def run(key, n):
        x0 = jnp.zeros((replicas, dim), dtype=jnp.float64)
        return jax.lax.fori_loop(0, n, body, (x0, key))[0]

    key = jax.random.PRNGKey(0)
    run(key, 2).block_until_ready()  # compile (the trip count is traced: one compilation)
    start = time.perf_counter()
    run(key, steps).block_until_ready()
    return replicas * steps * dim / (time.perf_counter() - start)


def torch_throughput(dim: int, replicas: int, steps: int, floor: bool = False) -> float:
    """GClip on the quadratic written naively in torch on the GPU, float64; ``floor``: the
    uniforms and ``U^(-1/a)`` alone (the issue's GPU floor)."""
    import torch

    device = torch.device("cuda")
    problem = simlab.Quadratic(dim=dim, mu=1.0, L=4.0)
    h = torch.as_tensor(problem.curvatures, device=device)
    c = torch.as_tensor(problem.minimiser, device=device)

    def run(n):
        x = torch.zeros(replicas, dim, dtype=torch.float64, device=device)
        for _ in range(n):
            u = 1.0 - torch.rand(replicas, dim, dtype=torch.float64, device=device)
            if floor:
                x += u.pow_(-1.0 / TAIL)
                continue
            sign = torch.randint(0, 2, (replicas, dim), device=device).to(torch.float64) * 2 - 1
            g = h * (x - c) + sign * u.pow_(-1.0 / TAIL)
            norm = torch.linalg.vector_norm(g, dim=1, keepdim=True)
            x -= STEP * g * torch.clamp(THRESHOLD / norm, max=1.0)
        torch.cuda.synchronize()

    run(2)
    start = time.perf_counter()
    run(steps)
    return replicas * steps * dim / (time.perf_counter() - start)


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def cuda_main(args) -> dict:
    """The GPU benchmark: the CPU engine first (engine_vs_cpu's denominator), then, where a
    GPU is present, the engine, the floor and the peers on it."""
    from simlab.run import cuda as backend

    threads = numba.get_num_threads()
    result: dict = {"backend": "cuda", "units": "replica-steps x d per second, float64",
                    "cpu_threads": threads, "gpu_replicas": args.gpu_replicas,
                    "gpu_steps_at_d10": args.gpu_steps, "cpu_steps_at_d10": args.steps,
                    "targets_at_d10": GPU_TARGETS,
                    "peers_installed": {name: _importable(name) for name in ("jax", "torch")},
                    "throughput": {}}
    cpu = {}
    for dim in DIMS:
        steps = max(20, args.steps * 10 // dim)
        cpu[dim] = interleaved({"cpu": lambda d=dim, k=steps: engine_throughput(
            d, args.replicas, k, repeats=1)}, args.rounds)["cpu"]
        result["throughput"][str(dim)] = {"cpu_engine": cpu[dim]}
    if not backend.gpu_available():
        result["measured_on_gpu"] = False
        result["status"] = ("stopped where a GPU is needed: no CUDA GPU here (numba's CUDA "
                            "target finds none, or the simulator is on); the CPU engine above "
                            "was measured, nothing was measured on a GPU")
        return result
    from numba import cuda

    result["measured_on_gpu"] = True
    try:
        name = cuda.get_current_device().name
        result["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
    except AttributeError:  # the simulator (a smoke test of this code) has no device
        result["gpu"] = "simulator"
    for dim in DIMS:
        steps = max(20, args.gpu_steps * 10 // dim)
        shape = (dim, args.gpu_replicas, steps)
        measures = {"engine": lambda s=shape: cuda_engine_throughput(*s),
                    "gpu_floor": lambda s=shape: gpu_floor_throughput(*s)}
        if result["peers_installed"]["jax"]:
            measures["jax"] = lambda s=shape: jax_throughput(*s)
        if result["peers_installed"]["torch"]:
            measures["torch"] = lambda s=shape: torch_throughput(*s)
            measures["torch_floor"] = lambda s=shape: torch_throughput(*s, floor=True)
        best = interleaved(measures, args.rounds)
        row = result["throughput"][str(dim)]
        row.update(best)
        ratios = {"engine_vs_cpu": best["engine"] / row["cpu_engine"],
                  "engine_vs_gpu_floor": best["engine"] / best["gpu_floor"]}
        for peer in ("jax", "torch", "torch_floor"):
            if peer in best:
                ratios[f"engine_vs_{peer}"] = best["engine"] / best[peer]
        row["ratios"] = ratios
    at10 = result["throughput"]["10"]["ratios"]
    result.update({name: at10.get(name) for name in
                   ("engine_vs_jax", "engine_vs_torch", "engine_vs_gpu_floor", "engine_vs_cpu",
                    "engine_vs_torch_floor")})
    result["targets_met"] = {name: (at10[name] >= target if name in at10 else None)
                             for name, target in GPU_TARGETS.items()}
    return result


def render_cuda(result: dict) -> str:
    lines = [f"engine on the GPU, {result['units']} (millions)"]
    for d, row in result["throughput"].items():
        cells = ", ".join(f"{name} {value / 1e6:.1f}" for name, value in row.items()
                          if isinstance(value, float))
        lines.append(f"d = {d}: {cells}")
        for name, value in row.get("ratios", {}).items():
            lines.append(f"    {name} {value:.2f}")
    if not result["measured_on_gpu"]:
        lines.append(result["status"])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--backend", default="cpu", choices=("cpu", "cuda"),
                        help="cpu: the engine on the numba threads against numpy and the RNG "
                             "floor; cuda: the engine on the GPU against JAX, torch, the GPU "
                             "floor and the CPU engine")
    parser.add_argument("--replicas", type=int, default=2000)
    parser.add_argument("--gpu-replicas", type=int, default=2 ** 20,
                        help="replicas of the GPU measures (--backend cuda)")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--gpu-steps", type=int, default=2000,
                        help="steps of the GPU measures at d = 10 (10x at d = 1, 1/10 at 100)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds taking the measures in turn; the best of each is kept")
    args = parser.parse_args()
    if args.backend == "cuda":
        result = cuda_main(args)
        print(json.dumps(result, indent=2) if args.json else render_cuda(result))
        return 0

    threads = numba.get_num_threads()
    result: dict = {"threads": threads, "replicas": args.replicas, "steps": args.steps,
                    "rounds": args.rounds, "units": "replica-steps x d per second",
                    "throughput": {}}
    for dim in (1, 10, 100):
        steps = max(20, args.steps * 10 // dim)
        shape = (dim, args.replicas, steps)
        result["throughput"][str(dim)] = interleaved({
            "engine": lambda shape=shape: engine_throughput(*shape, repeats=1),
            "numpy": lambda shape=shape: numpy_throughput(*shape, repeats=1),
            "rng_floor": lambda shape=shape: rng_floor_throughput(*shape, repeats=1),
        }, args.rounds)
    at10 = result["throughput"]["10"]
    result["engine_vs_numpy"] = at10["engine"] / at10["numpy"]
    result["engine_vs_rng_floor"] = at10["engine"] / at10["rng_floor"]
    scaling = interleaved({
        "one": with_threads(1, lambda: engine_throughput(10, args.replicas, args.steps, 1)),
        "all": with_threads(threads, lambda: engine_throughput(10, args.replicas, args.steps, 1)),
        "floor_one": with_threads(1, lambda: rng_floor_throughput(10, args.replicas, args.steps,
                                                                  1)),
        "floor_all": with_threads(threads, lambda: rng_floor_throughput(10, args.replicas,
                                                                        args.steps, 1)),
    }, args.rounds)
    result["parallel_speedup"] = scaling["all"] / scaling["one"]
    result["rng_floor_parallel_speedup"] = scaling["floor_all"] / scaling["floor_one"]
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
    print(f"parallel speed-up (d=10, {threads} threads vs 1): engine "
          f"{result['parallel_speedup']:.2f}, rng floor {result['rng_floor_parallel_speedup']:.2f}")
    print(f"first call: cold compile {result['compile_cold_s']:.2f} s, "
          f"cached {result['compile_cached_s']:.2f} s (import {result['import_s']:.2f} s); "
          f"cold compile of Adam under stable noise {result['compile_cold_adam_stable_s']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
