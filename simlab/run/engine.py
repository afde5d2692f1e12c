"""``simulate``: R independent replicas of one algorithm on one problem under one noise law.

    result = simlab.simulate(problem, noise, algorithm, schedule, steps, replicas, seed)

Each replica r has its own counter-based random stream derived from ``(seed, r)``: results are
bit-identical whatever the number of threads, the replicas run beside it, or the chunking. The
replicas run in blocks on ``numba.get_num_threads()`` threads (the kernel releases the GIL; set
the count with ``numba.set_num_threads`` or ``NUMBA_NUM_THREADS``), and the progress bar counts
finished blocks. A non-finite iterate is recorded, never a crash.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from simlab import _kernels as kernels
from simlab import custom
from simlab.algorithms import Algorithm, make_algorithm
from simlab.errors import InputError, check_choice, check_count, check_memory
from simlab.noise import GEOMETRIES, NoiseLaw
from simlab.problems import Problem
from simlab.progress import progress
from simlab.rng import seed_key
from simlab.run.result import METRICS, Result
from simlab.schedules import Schedule, default_schedule

#: where a run can execute: "cpu" (the numba threads), "cuda" (numba-cuda, simlab[cuda]) and
#: "auto" (cuda when a GPU is present, else cpu)
BACKENDS = ("cpu", "cuda", "auto")


@functools.cache
def _pool(threads: int, pid: int) -> ThreadPoolExecutor:
    """The threads that run the blocks, started once per process and thread count (keyed on the
    pid, so a forked child starts its own): a new pool per call cost about 0.3 ms."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="simlab")


def log_checkpoints(steps: int, count: int = 30) -> np.ndarray:
    """About ``count`` log-spaced distinct steps in [1, steps], always including ``steps``."""
    points = np.unique(np.geomspace(1, steps, num=min(count, steps)).round().astype(np.int64))
    return np.union1d(points, [steps]).astype(np.int64)


def run_bytes(steps: int, replicas: int, dim: int, checkpoints: int | None = None) -> int:
    """The memory a run allocates, in bytes: per replica its metrics at each checkpoint, its
    divergence step and its final iterate; the schedule's three arrays of K + 1 values; the
    problem's arrays (a few of length d)."""
    count = min(steps, 31) if checkpoints is None else checkpoints
    return 8 * (replicas * (len(METRICS) * count + 1 + dim) + 3 * (steps + 1) + 8 * dim)


def check_run_size(steps: int, replicas: int, dim: int = 1,
                   checkpoints: int | None = None) -> int:
    """Refuse (:class:`InputError`, before anything is allocated) a run whose arrays would not
    fit in half of this machine's memory, naming the size; returns the size in bytes."""
    return check_memory(f"the run (K = {steps:,} steps, R = {replicas:,} replicas, "
                        f"d = {dim:,})", run_bytes(steps, replicas, dim, checkpoints),
                        "lower the steps, replicas or dimension")


def simulate(problem: Problem, noise: NoiseLaw, algorithm: Algorithm | str,
             schedule: Schedule | None = None, steps: int = 1000, replicas: int = 100,
             seed: int = 0, *, checkpoints=None, x0=None, alpha: float = 2.0,
             noise_schedule=None, replica_offset: int = 0, chunk: int | None = None,
             track_min_grad: bool = False, show_progress: bool = True,
             backend: str = "cpu") -> Result:
    """Run ``replicas`` independent replicas for ``steps`` steps and record the metrics.

    ``schedule`` defaults to :func:`simlab.schedules.default_schedule` (the theorem covering the
    combination, with the moment order ``alpha``). ``noise_schedule`` is an optional array of
    ``steps + 1`` multipliers of the noise at step k (non-stationary noise). ``checkpoints``
    defaults to :func:`log_checkpoints`. ``replica_offset`` shifts the global replica indices
    (so a sweep can split replicas across workers and get the same streams).
    ``track_min_grad`` records ``min_grad_mean``, the quantity Theorem 2 bounds: one more
    gradient norm per step (measured: 57 against 74 ns a step for GClip at d = 10, one thread),
    so it is off unless asked for; it never changes the path. ``backend``: "cpu" (the numba
    threads), "cuda" (:mod:`simlab.run.cuda`: the same streams and bits on a GPU) or "auto"
    (cuda when a GPU is present and supports the combination).
    """
    steps = check_count("steps K", steps)
    replicas = check_count("replicas R", replicas)
    check_run_size(steps, replicas, problem.dim,
                   None if checkpoints is None else np.size(checkpoints))
    replica_offset = check_count("replica offset", replica_offset, minimum=0)
    if isinstance(algorithm, str):
        algorithm = make_algorithm(algorithm)
    if schedule is None:
        schedule = default_schedule(problem, noise, algorithm, steps, alpha)
    check_choice("backend", backend, BACKENDS)
    checkpoints = log_checkpoints(steps) if checkpoints is None else np.unique(
        np.asarray(checkpoints, dtype=np.int64))
    if checkpoints.size == 0 or checkpoints[0] < 1 or checkpoints[-1] > steps:
        raise InputError(f"checkpoints must lie in [1, {steps}]")
    # the kernel stops at its last checkpoint: K is always one, so every run makes all K steps
    # and final_iterates is x_K (a column at K that was not asked for is dropped below)
    requested = checkpoints
    checkpoints = np.union1d(checkpoints, [steps]).astype(np.int64)
    x0 = problem.initial_point() if x0 is None else np.array(x0, dtype=float)
    if x0.shape != (problem.dim,) or not np.all(np.isfinite(x0)):
        raise InputError(f"x0 must be a finite vector of length {problem.dim}")
    step_sizes = np.ascontiguousarray(schedule.step_sizes(steps))
    thresholds = np.ascontiguousarray(schedule.thresholds(steps))
    if noise_schedule is None:
        noise_scales = np.ones(steps + 1)
    else:
        noise_scales = np.array(noise_schedule, dtype=float)
        if noise_scales.shape != (steps + 1,) or not np.all(np.isfinite(noise_scales[1:])):
            raise InputError(f"noise_schedule must hold {steps + 1} finite multipliers")
    projected = algorithm.projected and problem.projected
    if algorithm.projected and not problem.projected:
        raise InputError(f"{algorithm.name} needs a bounded domain; {problem.name} has none "
                         "(use constrained-quadratic)")
    code, params, arrays = problem.kernel_args()
    law_params = noise.parameters()
    scales = np.full(problem.dim, float(noise.scale))
    geometry = GEOMETRIES[noise.geometry]
    key = seed_key(seed)

    out = np.empty((replicas, len(METRICS), checkpoints.size))
    diverged_step = np.zeros(replicas, dtype=np.int64)
    final_x = np.empty((replicas, problem.dim))
    algorithm_params = algorithm.parameters()
    flags = kernels.driver_flags(algorithm.code, noise.code, geometry, code, projected,
                                 algorithm.averaging)
    user = custom.engine_arguments(problem, noise)  # a user's problem or law (simlab.custom)
    if user and backend == "cuda":
        raise InputError("the cuda backend does not run user-defined problems or noise laws; "
                         "use --backend cpu or auto")
    if user:
        backend = "cpu"
    if backend != "cpu":  # "auto": cuda when a GPU is present and runs this combination
        from simlab.run import cuda

        backend = cuda.resolve(backend, code, noise.code, algorithm)
    threads = numba.get_num_threads()
    if chunk is None:  # blocks of about 2e6 replica-steps x d, at least 4 per thread
        chunk = min(2_000_000 // max(1, steps * problem.dim), -(-replicas // (4 * threads)))
    chunk = max(1, chunk)
    starts = range(0, replicas, chunk)

    def run_block(start):
        stop = min(replicas, start + chunk)
        kernels.run(x0, key, replica_offset + start, checkpoints, step_sizes, thresholds,
                    noise_scales, code, params, arrays, noise.code, geometry, law_params, scales,
                    algorithm.code, algorithm_params, algorithm.state_rows, projected,
                    algorithm.averaging, track_min_grad, out[start:stop], diverged_step[start:stop],
                    final_x[start:stop], *flags, **custom.work_arrays(user, problem.dim))

    if backend == "cuda":  # one thread per replica on the GPU: the same arrays, the same bits
        cuda.run(x0, key, replica_offset, checkpoints, step_sizes, thresholds, noise_scales, code,
                 params, arrays, noise.code, geometry, law_params, scales, algorithm.code,
                 projected, algorithm.averaging, track_min_grad, out, diverged_step, final_x)
    else:
        bar = progress(total=len(starts), desc=f"{algorithm.name} x{replicas}", unit="block",
                       disable=not show_progress or len(starts) == 1)
        with bar:
            for _ in _pool(threads, os.getpid()).map(run_block, starts):
                bar.update()
    parameters = {
        "problem": problem.name, "dim": problem.dim, "noise": noise.describe(),
        "geometry": noise.geometry, "noise_scale": noise.scale, "algorithm": algorithm.name,
        "alpha": alpha, "steps": steps, "replicas": replicas, "seed": seed,
        "replica_offset": replica_offset, "schedule": schedule.describe(),
        "threads": threads, "float": "float64, 52-bit uniforms",
        "track_min_grad": bool(track_min_grad),
    }
    if backend == "cuda":
        parameters["backend"] = "cuda"
    keep = np.isin(checkpoints, requested)
    metrics = {name: out[:, i, keep] for i, name in enumerate(METRICS)}
    return Result(parameters, requested, metrics, diverged_step, final_iterates=final_x)
