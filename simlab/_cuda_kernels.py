"""CUDA kernels of the Monte Carlo engine (numba-cuda; the extra ``simlab[cuda]``).

One replica per thread: its iterate, gradient and counter-based stream live in the thread's
registers or local memory for all K steps, the noise is drawn where it is added (no noise array
in memory), and the checkpoint metrics are written by the thread into the same ``out`` array the
CPU driver fills. :mod:`simlab.run.cuda` validates, launches and copies back.

**The same source as the CPU engine.** The device functions are not rewritten: :func:`port`
takes each jitted function of :mod:`simlab._kernels` that the step needs (``mix64``,
``replica_key``, ``fast_log2``/``fast_exp2``, the Box-Muller and Chambers-Mallows-Stuck draws,
``norm2``, ``rescale_edge_cases``, the problems' gradients, ...), rebinds the jitted helpers it
calls to their ported versions, and compiles its Python source for the GPU (the CPU's three LLVM
intrinsics become ``cuda.fma`` and libdevice's bit reinterpretations, and ``min``/``max`` the
comparisons numba compiles them to on the CPU: :data:`_GPU_BUILTINS`). Only the driver's
loop is written here (:func:`make_kernel`), statement for statement after
:func:`simlab._kernels.run`, with coordinate-wise Pareto noise fused into the gradient (the
CPU's three passes over a buffer, one coordinate at a time: the same words, the same operations,
so the same bits).

**Identical bits.** IEEE arithmetic is the same on both sides where the compiler keeps it:
``+ - * /`` and ``sqrt`` are correctly rounded on the GPU (numba's CUDA target compiles without
fast-math: ``prec_div=1``, ``prec_sqrt=1``, no flush to zero), the integer mixing is the same
64-bit arithmetic, and the engine's own ``pow`` (``fast_log2``/``fast_exp2``, explicit ``fma``)
replaces libdevice's. What NVVM changes by default is *contraction*: it fuses ``a * b + c`` into
one FMA (``-fma=1``), which the CPU engine never does; :mod:`simlab.run.cuda` compiles these
kernels with ``-fma=0`` (measured on the PTX: ``fma.rn.f64`` becomes ``mul.rn.f64`` and
``add.rn.f64``, which ptxas does not fuse). Where bits cannot match: ``math.log``, ``cos``,
``tan``, ``sin``, ``atan``, ``exp`` and ``**`` with a float exponent go to libdevice on the GPU
(within 1-2 ulp, CUDA Math API) and to glibc on the CPU, so Gaussian, Student-t, Cauchy and
stable draws, and the non-convex and exponential problems, agree to a few ulp per draw, not bit
for bit (``tests/test_cuda.py`` states and checks the bound on a GPU).

**The simulator.** Under ``NUMBA_ENABLE_CUDASIM=1`` numba runs the kernels as Python, one
thread per replica, on NumPy scalars. The ported functions then run as plain Python, with the
three LLVM intrinsics of :mod:`simlab._kernels` replaced by exact Python equivalents
(:func:`exact_fma` rounds once, through rationals; the bit casts go through NumPy views), so the
simulator gives the CPU engine's bits: that is what the default test run checks.
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
import types as pytypes
from fractions import Fraction

import numpy as np
from numba import cuda, float64
from numba.core import config as numba_config
from numba.core.registry import CPUDispatcher

from simlab import _kernels as kernels

#: True when numba runs CUDA kernels in its simulator (``NUMBA_ENABLE_CUDASIM=1``)
SIMULATOR = bool(numba_config.ENABLE_CUDASIM)


def exact_fma(a, b, c):
    """``a * b + c`` rounded once (IEEE fusedMultiplyAdd) in Python: the simulator's stand-in
    for ``llvm.fma`` (numba's simulated ``cuda.fma`` rounds twice). Exact through rationals;
    non-finite operands follow ordinary float arithmetic."""
    a, b, c = float(a), float(b), float(c)
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return np.float64(a) * np.float64(b) + np.float64(c)
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:  # the sign of an exact zero: (+0) unless both parts are -0
        return np.float64(a * b + c)
    try:
        return np.float64(float(exact))  # Fraction -> float rounds to nearest, ties to even
    except OverflowError:  # rounds beyond the largest float
        return np.float64(math.inf if exact > 0 else -math.inf)


def _bits_to_float(bits):
    return np.uint64(bits).view(np.float64)


def _float_to_bits(value):
    return np.float64(value).view(np.uint64)


#: the intrinsics of :mod:`simlab._kernels` and their Python equivalents for the simulator
_SIMULATED_INTRINSICS = {"fma": exact_fma, "bits_to_float": _bits_to_float,
                         "float_to_bits": _float_to_bits}

def static_power(x, n):
    """``x ** n`` for a literal integer ``n >= 0`` as numba compiles it on every target
    (``static_power_impl``: squaring, ``res = res * x`` from res = 1): CPython and NumPy call
    libm's ``pow``, which is not correctly rounded (glibc: ``pow(v, 2) != v * v`` for
    v = -1.0194459847886574), so the simulator uses this."""
    result = type(x)(1.0)
    while n:
        if n & 1:
            result = result * x
        n >>= 1
        if n:
            x = x * x
    return result


class _AsNumbaTypes(ast.NodeTransformer):
    """The simulator's port: ``a ** <integer literal>`` becomes ``static_power(a, n)``, and a
    comparison a Python bool (numba's booleans are integers: ``(x > 0) - (x < 0)`` is the sign,
    which NumPy's booleans refuse)."""

    def visit_Compare(self, node):
        self.generic_visit(node)
        return ast.copy_location(ast.Call(ast.Name("bool", ast.Load()), [node], []), node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if (isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant)
                and type(node.right.value) is int and node.right.value >= 0):
            return ast.copy_location(ast.Call(ast.Name("static_power", ast.Load()),
                                              [node.left, node.right], []), node)
        return node


def _simulated_source(source, namespace):
    """The Python function ``source`` recompiled with integer powers as numba computes them."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(source)))
    tree.body[0].decorator_list = []
    ast.increment_lineno(tree, source.__code__.co_firstlineno - 1)
    tree = ast.fix_missing_locations(_AsNumbaTypes().visit(tree))
    namespace["static_power"] = static_power
    exec(compile(tree, inspect.getsourcefile(source), "exec"), namespace)
    return namespace[source.__name__]


_device = (lambda f: f) if SIMULATOR else cuda.jit(device=True)


@_device
def min2(a, b):
    """``min(a, b)`` as numba compiles it on the CPU (``do_minmax``: b if b < a else a, so a NaN
    in b gives a), and as Python does: numba's built-in CUDA target fails to type the builtin
    (``ol_min``'s ``*args`` implementation: "Signature mismatch"), so ports call this."""
    return b if b < a else a


@_device
def max2(a, b):
    """``max(a, b)`` as numba compiles it on the CPU: b if b > a else a."""
    return b if b > a else a


if SIMULATOR:
    _GPU_INTRINSICS: dict = {}
else:
    from numba.cuda import libdevice

    @cuda.jit(device=True)
    def _gpu_bits_to_float(bits):
        return libdevice.longlong_as_double(np.int64(bits))

    @cuda.jit(device=True)
    def _gpu_float_to_bits(value):
        return np.uint64(libdevice.double_as_longlong(value))

    @cuda.jit(device=True)
    def _gpu_fma(a, b, c):
        return cuda.fma(a, b, c)

    #: the CPU's LLVM intrinsics as CUDA's own functions (numba-cuda types these in every
    #: version; numba.extending intrinsics belong to numba's CPU typing): ``cuda.fma`` is
    #: ``fma.rn.f64``, one rounding; the bit casts are libdevice's reinterpretations
    _GPU_INTRINSICS = {"fma": _gpu_fma, "bits_to_float": _gpu_bits_to_float,
                       "float_to_bits": _gpu_float_to_bits}

#: builtins and intrinsics replaced in the GPU ports (the simulator keeps Python's min and max,
#: which agree)
_GPU_BUILTINS = {"min": min2, "max": max2, **_GPU_INTRINSICS}

_PORTED: dict[str, object] = {}


def port(function):
    """The GPU version of a jitted function of :mod:`simlab._kernels` (the same source).

    Its Python function is rebuilt with the jitted helpers it names rebound to their own ported
    versions (recursively), then compiled with ``cuda.jit(device=True)``; under the simulator it
    stays a plain Python function, with the intrinsics replaced by :data:`_SIMULATED_INTRINSICS`
    and literal integer powers computed as numba does (:func:`static_power`).
    """
    name = function.__name__
    if name in _PORTED:
        return _PORTED[name]
    source = function.py_func
    namespace = dict(source.__globals__)
    for symbol in source.__code__.co_names:
        value = namespace.get(symbol)
        if isinstance(value, CPUDispatcher) and value is not function:
            namespace[symbol] = port(value)
        elif SIMULATOR and symbol in _SIMULATED_INTRINSICS:
            namespace[symbol] = _SIMULATED_INTRINSICS[symbol]
        elif not SIMULATOR and symbol in _GPU_BUILTINS:
            namespace[symbol] = _GPU_BUILTINS[symbol]
    if SIMULATOR:
        ported = _simulated_source(source, namespace)
    else:
        rebuilt = pytypes.FunctionType(source.__code__, namespace, name, source.__defaults__,
                                       source.__closure__)
        ported = cuda.jit(device=True)(rebuilt)
    _PORTED[name] = ported
    return ported


mix64 = port(kernels.mix64)
replica_key = port(kernels.replica_key)
word_to_uniform = port(kernels.word_to_uniform)
fast_log2 = port(kernels.fast_log2)
fast_exp2 = port(kernels.fast_exp2)
norm2 = port(kernels.norm2)
ordinary_norm = port(kernels.ordinary_norm)
clip_factor = port(kernels.clip_factor)
rescale_edge_cases = port(kernels.rescale_edge_cases)
clip_coordinates_inplace = port(kernels.clip_coordinates_inplace)
normalize_inplace = port(kernels.normalize_inplace)
project = port(kernels.project)
distance = port(kernels.distance)
quadratic_gradient = port(kernels.quadratic_gradient)
quadratic_objective = port(kernels.quadratic_objective)
separable_gradient = port(kernels.separable_gradient)
separable_objective = port(kernels.separable_objective)
add_noise = port(kernels.add_noise)

_GOLDEN = kernels._GOLDEN
_ONE = kernels._ONE


@_device
def pareto_from_word(word, power):
    """``+-U ** power`` from one word, exactly as :func:`simlab._kernels.pareto_variates` makes
    it in three passes (sign from the lowest bit, U from the top 52 bits, ``power * log2 U``
    carrying the sign through ``copysign``, then ``exp2``): one coordinate at a time."""
    u = word_to_uniform(word)
    u = u if (word & _ONE) == 0 else -u
    y = math.copysign(power * fast_log2(abs(u)), u)
    return math.copysign(fast_exp2(abs(y)), y)


@_device
def all_finite(x):
    """True if no entry of ``x`` is NaN or inf (:func:`simlab._kernels.all_finite`)."""
    for i in range(x.size):
        if math.isinf(x[i]) or math.isnan(x[i]):
            return False
    return True


def make_kernel(dim, problem, pareto_fast, algorithm, projected, averaging, track_min_grad):
    """The kernel for one specialisation: ``dim`` and the codes are compile-time constants (the
    local arrays' sizes; the branches not taken are pruned, as the CPU driver's flags do).

    The body follows :func:`simlab._kernels.run` statement for statement, for one replica
    ``r = cuda.grid(1)``: the same step ``g = grad f(x_{k-1}) + noise_k``, ``x_k = [proj](x_{k-1}
    - eta_k direction(g, tau_k))``, the same averaged iterate, divergence flag and checkpoint
    metrics (:data:`simlab._kernels.METRICS`) in the same order of operations.
    """
    D = int(dim)
    B = int(kernels.buffer_length(D))  # the general noise laws' buffer (isotropic: unused)
    PADDED = np.uint64(kernels.padded_length(D))
    QUADRATIC = problem == kernels.QUADRATIC
    PROBLEM = int(problem)
    PARETO_FAST = bool(pareto_fast)
    ALGORITHM = int(algorithm)
    GCLIP, CCLIP, NSGD = kernels.GCLIP, kernels.CCLIP, kernels.NSGD
    PROJECTED = bool(projected)
    AVERAGING = bool(averaging)
    TRACK = bool(track_min_grad)
    F_STAR = kernels.PP_F_STAR
    MINIMISER = kernels.PARR_MINIMISER

    def kernel(x0, seed_key, replica_offset, checkpoints, step_sizes, thresholds, noise_scales,
               pp, parr, law, geometry, lp, scales, out, diverged_step, final_x):
        r = cuda.grid(1)
        if r >= out.shape[0]:
            return
        steps = step_sizes.size - 1
        n_checkpoints = checkpoints.size
        f_star = pp[F_STAR]
        minimiser = parr[MINIMISER]
        pareto_power = -1.0 / lp[0] if PARETO_FAST else 0.0
        x = cuda.local.array(D, float64)
        x_bar = cuda.local.array(D, float64)
        g = cuda.local.array(D, float64)
        buffer = cuda.local.array(B, float64)
        key = replica_key(seed_key, replica_offset + r)
        counter = np.uint64(0)
        for i in range(D):
            x[i] = x0[i]
            x_bar[i] = x0[i]
        clipped_steps = 0
        min_grad_sum = 0.0
        next_checkpoint = 0
        diverged_step[r] = 0
        for k in range(1, steps + 1):
            if QUADRATIC:
                quadratic_gradient(parr, x, g)
            else:
                separable_gradient(PROBLEM, pp, parr, x, g)
            if TRACK:
                gn = norm2(g)
                min_grad_sum += min2(gn, gn * gn)
            if PARETO_FAST:  # add_pareto_noise, fused: word i of this step is base + i golden
                base = key + counter * _GOLDEN
                for i in range(D):
                    value = pareto_from_word(mix64(base + np.uint64(i) * _GOLDEN), pareto_power)
                    g[i] += value * scales[i] * noise_scales[k]
                counter = counter + PADDED
            else:
                counter = add_noise(law, geometry, lp, scales, noise_scales[k], key, counter, x,
                                    g, buffer)
            if AVERAGING:
                weight = 2.0 / (k + 1.0)
                for i in range(D):
                    x_bar[i] += weight * (x[i] - x_bar[i])
            factor = 1.0
            if ALGORITHM == GCLIP:
                norm = norm2(g)
                if ordinary_norm(norm):
                    factor, clipped = clip_factor(norm, thresholds[k])
                    clipped_steps += clipped
                else:
                    clipped_steps += rescale_edge_cases(g, thresholds[k], thresholds[k])
            elif ALGORITHM == CCLIP:
                clipped_steps += clip_coordinates_inplace(g, thresholds[k])
            elif ALGORITHM == NSGD:
                normalize_inplace(g)
            for i in range(D):
                x[i] -= step_sizes[k] * (g[i] * factor)
            if PROJECTED:
                project(pp, x)
            finite = all_finite(x)
            error = math.nan
            grad_norm = math.nan
            if finite and k == checkpoints[next_checkpoint]:
                if QUADRATIC:
                    error = quadratic_objective(parr, x) - f_star
                    quadratic_gradient(parr, x, g)
                else:
                    error = separable_objective(PROBLEM, pp, parr, x) - f_star
                    separable_gradient(PROBLEM, pp, parr, x, g)
                grad_norm = norm2(g)
                # f(x_k) or its gradient overflowed while x_k is finite: diverged (the CPU's rule)
                finite = math.isfinite(error) and math.isfinite(grad_norm)
            if k == checkpoints[next_checkpoint] or not finite:
                if not finite:
                    diverged_step[r] = k
                while next_checkpoint < n_checkpoints and (
                        not finite or k == checkpoints[next_checkpoint]):
                    c = next_checkpoint
                    if finite:
                        out[r, 0, c] = error
                        out[r, 1, c] = grad_norm
                        if AVERAGING:
                            if QUADRATIC:
                                out[r, 2, c] = quadratic_objective(parr, x_bar) - f_star
                            else:
                                out[r, 2, c] = (separable_objective(PROBLEM, pp, parr, x_bar)
                                                - f_star)
                        else:
                            out[r, 2, c] = math.nan
                        out[r, 4, c] = min_grad_sum / k if TRACK else math.nan
                        out[r, 5, c] = distance(x, minimiser)
                        out[r, 6, c] = math.nan
                    else:
                        out[r, 0, c] = math.inf
                        out[r, 1, c] = math.inf
                        out[r, 2, c] = math.inf if AVERAGING else math.nan
                        out[r, 4, c] = math.inf if TRACK else math.nan
                        out[r, 5, c] = math.inf
                        out[r, 6, c] = math.nan
                    out[r, 3, c] = clipped_steps / k
                    next_checkpoint += 1
                if not finite or next_checkpoint == n_checkpoints:
                    break
        for i in range(D):
            final_x[r, i] = x[i]

    return cuda.jit(kernel)


def make_noise_kernel(dim, pareto_fast):
    """A kernel that draws one noise vector per replica at the point ``x`` (the first step's
    draws, as :func:`simlab._kernels.sample_noise`): the draws alone, to compare with the CPU's
    in ulps."""
    D = int(dim)
    B = int(kernels.buffer_length(D))
    PARETO_FAST = bool(pareto_fast)

    def kernel(seed_key, replica_offset, law, geometry, lp, scales, x, out):
        r = cuda.grid(1)
        if r >= out.shape[0]:
            return
        g = cuda.local.array(D, float64)
        buffer = cuda.local.array(B, float64)
        key = replica_key(seed_key, replica_offset + r)
        for i in range(D):
            g[i] = 0.0
        if PARETO_FAST:
            power = -1.0 / lp[0]
            for i in range(D):
                value = pareto_from_word(mix64(key + np.uint64(i) * _GOLDEN), power)
                g[i] += value * scales[i] * 1.0
        else:
            add_noise(law, geometry, lp, scales, 1.0, key, np.uint64(0), x, g, buffer)
        for i in range(D):
            out[r, i] = g[i]

    return cuda.jit(kernel)


def make_floor_kernel(dim):
    """The GPU floor of ``bench/engine.py``: the engine's Pareto draws (same words, same
    transform) summed per replica over ``steps`` steps, and nothing else."""
    D = int(dim)
    PADDED = np.uint64(kernels.padded_length(D))

    def kernel(seed_key, steps, power, out):
        r = cuda.grid(1)
        if r >= out.shape[0]:
            return
        key = replica_key(seed_key, r)
        counter = np.uint64(0)
        total = 0.0
        for _ in range(steps):
            base = key + counter * _GOLDEN
            for i in range(D):
                total += pareto_from_word(mix64(base + np.uint64(i) * _GOLDEN), power)
            counter = counter + PADDED
        out[r] = total

    return cuda.jit(kernel)
