"""The engine's CUDA backend: :func:`simlab.run.engine.simulate` with ``backend="cuda"``.

Requires numba's CUDA target (``pip install simlab[cuda]`` installs NVIDIA's ``numba-cuda``,
which supersedes the target built into numba, deprecated since numba 0.61) and a CUDA GPU; under
``NUMBA_ENABLE_CUDASIM=1`` the same kernels run in numba's simulator (slow: tests only). The
kernels are in :mod:`simlab._cuda_kernels`; this module decides what the backend supports,
compiles each specialisation once per process (without FMA contraction, see
:func:`no_contraction`), launches one thread per replica and copies the results back into the
arrays the CPU driver would have filled, so :class:`simlab.run.result.Result` is the same.

Supported: the stateless algorithms (SGD, GClip, CClip, NSGD, with projection and averaging),
every separable problem (quadratic, constrained quadratic, non-convex, quartic, exponential)
and every noise law and geometry except the zero-chain oracle. Not yet: the adaptive methods
(Adam, RMSProp, AdaGrad, AdaGrad-Norm, Adam-Norm, ACClip) and the zero-chain problem of
Theorem 6; :func:`unsupported` names them in an :class:`simlab.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import warnings

import numpy as np

from simlab import _kernels as kernels
from simlab.errors import InputError

#: threads per block: replicas are independent, so any size works; 128 keeps several blocks
#: per SM for latency hiding at the register counts these kernels use
THREADS_PER_BLOCK = 128

SUPPORTED_ALGORITHMS = {kernels.SGD: "sgd", kernels.GCLIP: "gclip", kernels.CCLIP: "cclip",
                        kernels.NSGD: "nsgd"}
UNSUPPORTED_PROBLEMS = {kernels.ZERO_CHAIN: "zero-chain"}
UNSUPPORTED_LAWS = {kernels.ZERO_CHAIN_ORACLE: "zero-chain-oracle"}


def simulator() -> bool:
    """True when numba runs CUDA code in its simulator (``NUMBA_ENABLE_CUDASIM=1``)."""
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


def gpu_available() -> bool:
    """True when a real CUDA GPU can run kernels (the simulator is not a GPU)."""
    if simulator():
        return False
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # numba's CUDA target missing or broken: no GPU for us
        return False


def unsupported(problem_code: int, law_code: int, algorithm) -> str | None:
    """Why the cuda backend cannot run this combination yet, or None if it can."""
    if algorithm.code not in SUPPORTED_ALGORITHMS:
        return (f"the cuda backend does not support the algorithm {algorithm.name} yet "
                f"(supported: {', '.join(SUPPORTED_ALGORITHMS.values())}, projected or "
                "averaged)")
    if problem_code in UNSUPPORTED_PROBLEMS:
        return (f"the cuda backend does not support the problem "
                f"{UNSUPPORTED_PROBLEMS[problem_code]} yet (supported: the separable problems)")
    if law_code in UNSUPPORTED_LAWS:
        return (f"the cuda backend does not support the noise {UNSUPPORTED_LAWS[law_code]} "
                "yet")
    return None


def resolve(backend: str, problem_code: int, law_code: int, algorithm) -> str:
    """``"cpu"`` or ``"cuda"`` for a requested backend. ``"auto"`` is cuda when a GPU is present
    and the combination is supported, else cpu; ``"cuda"`` raises an InputError naming what is
    missing (numba's CUDA target, a GPU, or support for the combination)."""
    if backend == "cpu":
        return "cpu"
    reason = unsupported(problem_code, law_code, algorithm)
    if backend == "auto":
        return "cuda" if reason is None and gpu_available() else "cpu"
    if reason is not None:
        raise InputError(reason)
    if not simulator() and not gpu_available():
        raise InputError("backend cuda needs a CUDA GPU and numba's CUDA target "
                         "(pip install 'simlab[cuda]'); none is available here: use "
                         "--backend cpu or auto")
    return "cuda"


_CONTRACTION_LOCK = threading.Lock()


@contextlib.contextmanager
def no_contraction():
    """Compile CUDA code inside this block with NVVM's ``-fma=0``.

    NVVM contracts ``a * b + c`` into one FMA by default (``-fma=1``), which the CPU engine never
    does (strict IEEE, see :mod:`simlab._kernels`); numba's ``cuda.jit`` has no option for it
    (numba-cuda issue #118), so the option is added where numba hands the IR to NVVM. Explicit
    ``fma`` calls (the engine's ``pow``) stay FMAs. A no-op under the simulator.
    """
    if simulator():
        yield
        return
    from numba.cuda.cudadrv import nvvm

    with _CONTRACTION_LOCK:
        original = nvvm.compile_ir

        def compile_ir(llvmir, **options):
            options.setdefault("fma", False)
            return original(llvmir, **options)

        nvvm.compile_ir = compile_ir
        try:
            yield
        finally:
            nvvm.compile_ir = original


@functools.cache
def _kernel(dim, problem, pareto_fast, algorithm, projected, averaging, track_min_grad):
    from simlab import _cuda_kernels

    return _cuda_kernels.make_kernel(dim, problem, pareto_fast, algorithm, projected, averaging,
                                     track_min_grad)


def launch(kernel, replicas: int, *args):
    """Run ``kernel`` on one thread per replica, compiling it (without contraction) if new.
    NumPy arguments are copied to the device and back by numba."""
    from numba import cuda

    threads = min(THREADS_PER_BLOCK, replicas) if simulator() else THREADS_PER_BLOCK
    blocks = -(-replicas // threads)
    # the simulator runs each thread as Python on NumPy scalars: 64-bit wrap-around in the
    # stream's mixing and inf/NaN in a diverging replica warn there (the GPU, like the CPU
    # driver, is silent); the filter is process-wide, as the simulator's threads need
    with no_contraction(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        kernel[blocks, threads](*args)
        if not simulator():
            cuda.synchronize()


def run(x0, key, replica_offset, checkpoints, step_sizes, thresholds, noise_scales, problem,
        pp, parr, law, geometry, lp, scales, algorithm, projected, averaging, track_min_grad,
        out, diverged_step, final_x):
    """:func:`simlab._kernels.run` on the GPU: the same arguments (less the adaptive methods'
    state), the same outputs, filled in place."""
    from numba import cuda

    pareto_fast = law == kernels.PARETO and geometry == kernels.COORDINATE
    kernel = _kernel(int(x0.size), int(problem), pareto_fast, int(algorithm), bool(projected),
                     bool(averaging), bool(track_min_grad))
    inputs = [np.ascontiguousarray(a) for a in (x0, checkpoints, step_sizes, thresholds,
                                                 noise_scales, pp, parr, lp, scales)]
    if simulator():
        device_out, device_diverged, device_final = out, diverged_step, final_x
    else:
        inputs = [cuda.to_device(a) for a in inputs]
        device_out = cuda.device_array(out.shape, dtype=out.dtype)
        device_diverged = cuda.device_array(diverged_step.shape, dtype=diverged_step.dtype)
        device_final = cuda.device_array(final_x.shape, dtype=final_x.dtype)
    x0_, checkpoints_, step_sizes_, thresholds_, noise_scales_, pp_, parr_, lp_, scales_ = inputs
    launch(kernel, out.shape[0], x0_, np.uint64(key), np.int64(replica_offset), checkpoints_,
           step_sizes_, thresholds_, noise_scales_, pp_, parr_, np.int64(law),
           np.int64(geometry), lp_, scales_, device_out, device_diverged, device_final)
    if not simulator():
        device_out.copy_to_host(out)
        device_diverged.copy_to_host(diverged_step)
        device_final.copy_to_host(final_x)


def sample_noise(noise, dim: int, replicas: int, seed: int, x=None) -> np.ndarray:
    """(replicas x dim) noise vectors drawn by the GPU kernels at the point ``x`` (the draws of
    a first step): compare with :func:`simlab._kernels.sample_noise` on the CPU."""
    from simlab import _cuda_kernels
    from simlab.noise import GEOMETRIES
    from simlab.rng import seed_key

    geometry = GEOMETRIES[noise.geometry]
    pareto_fast = noise.code == kernels.PARETO and geometry == kernels.COORDINATE
    kernel = _noise_kernel(dim, pareto_fast)
    out = np.zeros((replicas, dim))
    x = np.zeros(dim) if x is None else np.asarray(x, dtype=float)
    launch(kernel, replicas, np.uint64(seed_key(seed)), np.int64(0), np.int64(noise.code),
           np.int64(geometry), np.ascontiguousarray(noise.parameters()),
           np.full(dim, float(noise.scale)), x, out)
    return out


@functools.cache
def _noise_kernel(dim, pareto_fast):
    from simlab import _cuda_kernels

    return _cuda_kernels.make_noise_kernel(dim, pareto_fast)
