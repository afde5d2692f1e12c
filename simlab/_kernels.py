"""Jitted kernels of the Monte Carlo engine.

Every function here is a top-level ``@njit(cache=True)`` function over plain arrays, scalars and
integer codes (the QuantEcon pattern): the dataclasses in :mod:`simlab.noise`,
:mod:`simlab.problems`, :mod:`simlab.algorithms` and :mod:`simlab.schedules` validate parameters
and translate them into the codes and parameter arrays used here. Everything the driver calls
lives in this one module, so numba's on-disk cache sees every helper (a helper edited in another
file would not invalidate the cache).

Adding a noise law, a problem or an algorithm is one branch here (``draw_scalar``,
``gradient``/``objective``, the driver's step or ``adaptive_step``) plus one small dataclass in
the matching module.

Design decisions, each measured (see DESIGN.md and ``bench/engine.py``):

- Random numbers are counter-based: word ``n`` of replica ``r`` is
  ``mix64(key_r + n * GOLDEN)`` (SplitMix64's finaliser), so a replica's path depends only on
  ``(seed, replica index)``: bit-identical whatever the thread count, the number of replicas run
  beside it or the chunking, and the loop over coordinates has no sequential dependency.
- The heavy-tail transform ``U ** (-1/a)`` is the cost, and libm's ``pow`` does not vectorise.
  ``fast_pow`` computes ``exp2(y * log2(u))`` with bit manipulation and polynomials (relative
  error below 1e-15, checked in the tests against ``numpy.power``), which LLVM vectorises.
- No fast-math flags: strict IEEE arithmetic. The prototype's "safe" set (``nsz, arcp,
  contract, afn``) let two compilations of the same kernel round differently (FMA contraction,
  reciprocal division): a kernel compiled fresh in one process and the same kernel loaded from
  numba's cache in another (a Dask worker) gave results differing in the last bit for Adam
  (measured; ``tests/test_engine.py`` checks it). ``reassoc`` made sums depend on the thread
  count, and ``nnan``/``ninf`` would let the compiler assume away the NaN/inf the divergence
  check must catch. ``error_model='numpy'`` still lets divisions vectorise. The polynomials
  use an explicit :func:`fma` (IEEE fusedMultiplyAdd: one rounding, the same in every
  compilation), which vectorises and made the variate loop about 3x faster than separate
  multiply and add (measured: 24 -> 69 million variates/s on one thread at d = 10).
- Uniforms are float64 built from 52 random bits in (0, 1]: the largest Pareto draw is
  ``2 ** (52 / a)``, so the tail is not capped at a practically reachable level.
- The Pareto draws of one step are padded to a multiple of the host's vector width (no scalar
  remainder loop; the stream itself advances by d rounded up to 4 on every machine),
  ``fast_log2``/``fast_exp2`` avoid the 64-bit integer/float conversions AVX2 lacks and
  evaluate their polynomials by Estrin's scheme (the draw loop was latency-bound, llvm-mca),
  and :func:`pareto_variates` runs in three passes: together the RNG floor of
  ``bench/engine.py`` went from 90-108 to 238-299 million variates/s at d = 10 on 2 cores
  (AVX2).
- The driver is serial and ``nogil``; :func:`simlab.engine.simulate` runs blocks of replicas on
  a thread pool. The hot step calls as few functions as possible: LLVM does not inline numba's
  already-optimised functions into the driver (each call passes every array as seven scalars),
  so ``norm2``, ``clip_global_inplace``, ``pareto_variates`` and ``add_pareto_noise`` are
  inlined by numba (``inline="always"``: 3-9% per step, no measurable compile cost;
  inlining ``separable_gradient`` too gave another 5% for 2.3 s more compile, not taken; the
  quadratic's gradient alone is written out in the step: 8%). The driver's optional parts
  (adaptive methods, general noise laws, the zero chain, CClip/NSGD/projection/averaging, and
  every problem but the quadratic) are pruned at compile time when unused
  (:func:`driver_flags`), and the rare clipping cases share one small function
  (:func:`rescale_edge_cases`): the first call of GClip under Pareto noise on the quadratic
  with an empty cache went from 4.0-4.7 s to 2.7 s (medians of 5 and 7 cold runs; AVX-512).
- A user's problem or noise law (:mod:`simlab.custom`) reaches the driver as numba
  first-class functions (``cfunc`` wrappers with a C signature of pointers and lengths: the
  driver's ``user_*`` arguments). The driver's specialisation is then typed by the signature,
  not by the user's function, so it is one specialisation for every user function and numba
  caches it on disk; only the small wrappers compile in each process. Passing the user's
  dispatchers instead compiles a driver per function and never hits the cache in another
  process (measured: a cache miss in every new process, because numba's key for a dispatcher
  type is the object). The ``user_*`` arguments default to None and are pruned like the flags,
  so the built-in runs compile exactly as before (``tests/test_golden.py``).
- GClip's factor is folded into the driver's update (:func:`clip_factor`; 53.5 against 56 ns a
  step), and the driver passes it only the norm: an inlined function taking ``g`` made numba
  wrap every step in an atomic incref/decref of g (two calls, a memory barrier). The working
  vectors are allocated once per call, not per replica (with both changes, two threads at d =
  10: 349-359 -> 384-397 million replica-steps x d per second, three A/B pairs). What is left of
  a step at d = 10 (one thread, AVX-512, about 50 ns against 31 ns for the floor's 16 draws
  alone), by removing one part at a time from a stripped-down kernel: the clip's norm and
  division 3-11 ns, the update 5-7 ns, the finiteness check 4-5 ns. Measured and not taken:
  drawing several steps' variates in one call (the draws alone 37 -> 18 ns, no gain in the
  step), the gradient and the noise in one pass (no gain), the finiteness check folded into the
  update (no gain, A/B), skipping the per-step finiteness check (5%), and two replicas
  interleaved stage by stage (3% beyond the folded factor: not worth a second driver).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir
from numba import njit, types
from numba.core import config as numba_config
from numba.extending import intrinsic

FASTMATH: set[str] = set()  # strict IEEE: see the module docstring
_jit = dict(cache=True, fastmath=FASTMATH, error_model="numpy")

# ----------------------------------------------------------------------------- integer codes
# noise laws
GAUSSIAN, PARETO, STABLE, STUDENT_T, CAUCHY, TWO_POINT = 0, 1, 2, 3, 4, 5
# noise geometries
COORDINATE, ISOTROPIC = 0, 1
# problems
QUADRATIC, NONCONVEX, CONSTRAINED_QUADRATIC = 0, 1, 2
# (L0, L1)-smooth problems of Zhang et al. 2019 (codes 5 and up are reserved elsewhere)
QUARTIC, EXPONENTIAL = 3, 4
ZERO_CHAIN = 5  # F(x) = (L lambda^2/152) f_d(x/lambda), Zhang et al. 2020 Appendix G
# noise laws that depend on the query point (codes after TWO_POINT)
ZERO_CHAIN_ORACLE = 6  # the probability-p zero-chain oracle of Appendix G
# a user's problem and noise law (simlab.custom): the driver calls them through function
# pointers (its ``user_*`` arguments), never through the codes' branches
USER_PROBLEM, USER_NOISE = 100, 100
# algorithms (codes >= ADAM keep state and may clip their input gradient first)
SGD, GCLIP, CCLIP, NSGD, ADAM, RMSPROP, ADAGRAD, ADAGRAD_NORM, ADAM_NORM, ACCLIP = range(10)
# algorithm parameter vector layout (``ap``)
AP_BETA1, AP_BETA2, AP_EPS, AP_MOMENT, AP_B0, AP_CLIP_INPUT, AP_DELAYED = range(7)
N_AP = 8
# recorded metrics: the order of axis 1 of the driver's output
METRICS = ("error", "grad_norm", "avg_error", "clip_fraction", "min_grad_mean", "distance",
           "progress")
N_METRICS = len(METRICS)
# problem parameter vector layout (``pp``) and problem arrays (``parr`` rows)
PP_F_STAR, PP_L1, PP_LOW, PP_HIGH, PP_WAVE = 0, 1, 2, 3, 4
# zero chain: lambda, the value factor L lambda^2/152 and the gradient factor L lambda/152
PP_CHAIN_SCALE, PP_CHAIN_VALUE_FACTOR, PP_CHAIN_GRADIENT_FACTOR = 5, 6, 7
# zero-chain oracle law parameters (``lp``): p, lambda, L lambda/152
LP_CHAIN_P, LP_CHAIN_SCALE, LP_CHAIN_GRADIENT_FACTOR = 0, 1, 2
PARR_CURVATURE, PARR_CENTER, PARR_MINIMISER = 0, 1, 2

# ----------------------------------------------------------------------------- bit casts
@intrinsic
def bits_to_float(typingctx, bits):
    """Reinterpret a uint64 as the float64 with the same bits (no conversion)."""
    if bits != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.uint64), codegen


@intrinsic
def float_to_bits(typingctx, value):
    """Reinterpret a float64 as the uint64 with the same bits."""
    if value != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (IEEE 754 fusedMultiplyAdd): exact and deterministic in every
    compilation, unlike the ``contract`` fast-math flag; vectorises to FMA instructions."""
    if not (a == types.float64 and b == types.float64 and c == types.float64):
        return None

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        function = builder.module.declare_intrinsic(
            "llvm.fma", [double], ir.FunctionType(double, [double, double, double]))
        return builder.call(function, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


# ----------------------------------------------------------------------------- random numbers
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_REPLICA_SALT = np.uint64(0xD1B54A32D192ED03)
_S30, _S27, _S31, _S12, _S52 = (np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(12),
                                np.uint64(52))
_ONE = np.uint64(1)
_ONE_BITS = np.uint64(0x3FF0000000000000)
_MANTISSA = np.uint64(0x000FFFFFFFFFFFFF)
_EXPONENT = np.uint64(0x7FF0000000000000)


@njit(**_jit)
def mix64(z):
    """SplitMix64's finaliser: a bijective, well-mixed hash of a 64-bit word."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(**_jit)
def replica_key(seed_key, replica):
    """The stream key of replica ``replica`` (a global index) under ``seed_key``."""
    return mix64(seed_key ^ mix64(np.uint64(replica) * _REPLICA_SALT + _GOLDEN))


@njit(**_jit)
def random_word(key, counter):
    """Word ``counter`` of the stream ``key``."""
    return mix64(key + counter * _GOLDEN)


@njit(**_jit)
def word_to_uniform(word):
    """A uniform in (0, 1] from the top 52 bits of ``word`` (never 0, so ``log`` is finite)."""
    return 2.0 - bits_to_float((word >> _S12) | _ONE_BITS)


@njit(**_jit)
def uniform(key, counter):
    return word_to_uniform(random_word(key, counter))


# ----------------------------------------------------------------------------- vectorisable pow
_SQRT2 = math.sqrt(2.0)
_LN2 = math.log(2.0)
_INV_LN2 = 1.0 / _LN2


_EXPONENT_MAGIC = np.uint64(0x4330000000000000)  # the float 2**52: its low bits hold an integer
_TWO52_PLUS_BIAS = 4503599627370496.0 + 1023.0
_ROUND_MAGIC = 6755399441055744.0  # 1.5 * 2**52: adding it rounds |y| < 2**51 to an integer
_ROUND_MAGIC_BITS = np.uint64(0x4338000000000000)
_BIAS = np.uint64(1023)


@njit(**_jit)
def fast_log2(x):
    """log2 of a positive, finite, normal float64, branch-free (vectorises).

    ``x = 2**e * m`` with ``m`` centred in [sqrt(1/2), sqrt(2)); ``ln m = 2 atanh(s)``,
    ``s = (m - 1)/(m + 1)``, ``|s| <= 0.1716``, summed to ``s**23`` (truncation < 1e-17).
    The exponent becomes a float through the bits of ``2**52 + e`` (integer-to-float conversion
    of 64-bit lanes does not vectorise on AVX2), and the polynomial in ``s**2`` is evaluated by
    Estrin's scheme (a dependency chain of 4 FMAs instead of Horner's 11: the draw loop was
    latency-bound, by llvm-mca).
    """
    bits = float_to_bits(x)
    exponent = bits_to_float((bits >> _S52) | _EXPONENT_MAGIC) - _TWO52_PLUS_BIAS
    mantissa = bits_to_float((bits & _MANTISSA) | _ONE_BITS)
    big = mantissa > _SQRT2
    mantissa = mantissa * 0.5 if big else mantissa
    exponent = exponent + 1.0 if big else exponent
    s = (mantissa - 1.0) / (mantissa + 1.0)
    s2 = s * s
    s4 = s2 * s2
    s8 = s4 * s4
    # sum_{k=0}^{11} s2**k / (2k + 1), Estrin: pairs, then quadruples, then the three blocks
    p01 = fma(1.0 / 3.0, s2, 1.0)
    p23 = fma(1.0 / 7.0, s2, 1.0 / 5.0)
    p45 = fma(1.0 / 11.0, s2, 1.0 / 9.0)
    p67 = fma(1.0 / 15.0, s2, 1.0 / 13.0)
    p89 = fma(1.0 / 19.0, s2, 1.0 / 17.0)
    p1011 = fma(1.0 / 23.0, s2, 1.0 / 21.0)
    q0 = fma(p23, s4, p01)
    q1 = fma(p67, s4, p45)
    q2 = fma(p1011, s4, p89)
    poly = fma(fma(q2, s8, q1), s8, q0)
    return exponent + 2.0 * s * poly * _INV_LN2


@njit(**_jit)
def fast_exp2(y):
    """2**y for y in [-1022, inf) (inf beyond 1024), branch-free (vectorises).

    ``y = n + r`` with ``n`` the nearest integer (rounded by adding 1.5 * 2**52, which also
    leaves ``n`` in the low bits: no float-to-integer conversion, which does not vectorise on
    AVX2) and ``|r| <= 1/2``; ``2**r = exp(r ln 2)`` by its Taylor series to degree 13 (the
    first omitted term, ``(ln 2 / 2)**14 / 14!``, is 4e-18), evaluated by Estrin's scheme;
    ``2**n`` is built from the exponent bits.
    """
    y = min(max(y, -1022.0), 1024.0)
    shifted = y + _ROUND_MAGIC
    n = shifted - _ROUND_MAGIC
    r = (y - n) * _LN2
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    p01 = fma(1.0, r, 1.0)
    p23 = fma(1.0 / 6.0, r, 0.5)
    p45 = fma(1.0 / 120.0, r, 1.0 / 24.0)
    p67 = fma(1.0 / 5040.0, r, 1.0 / 720.0)
    p89 = fma(1.0 / 362880.0, r, 1.0 / 40320.0)
    p1011 = fma(1.0 / 39916800.0, r, 1.0 / 3628800.0)
    p1213 = fma(1.0 / 6227020800.0, r, 1.0 / 479001600.0)
    low = fma(fma(p67, r2, p45), r4, fma(p23, r2, p01))
    high = fma(p1213, r4, fma(p1011, r2, p89))
    poly = fma(high, r8, low)
    return poly * bits_to_float((float_to_bits(shifted) - _ROUND_MAGIC_BITS + _BIAS) << _S52)


@njit(**_jit)
def fast_pow(u, power):
    """``u ** power`` for positive normal ``u`` (the heavy-tail transform ``U ** (-1/a)``)."""
    return fast_exp2(power * fast_log2(u))


# ----------------------------------------------------------------------------- zero chain
# The zero chain f_d of Zhang et al. 2020, Appendix G (built on Arjevani et al. 2019, Section 3,
# and Carmon et al. 2019). Moved here from :mod:`simlab.lowerbounds` (which imports them) so the
# driver's problem and noise branches call them from this module. Compiled without fastmath, as
# they were: the lower-bound checks compare them at the level of a few ulp. The ``*_scaled``
# forms evaluate at ``x / scale`` entry by entry (the instance of Theorem 6 is F(x) =
# (L lambda^2/152) f_d(x/lambda)); the plain forms are the scaled ones at scale 1 (division by
# 1.0 is exact, so both give the same bits).
SQRT_E = math.sqrt(math.e)


@njit(cache=True)
def psi(t):
    """Psi(t) = 0 for t <= 1/2, exp(1 - 1/(2t - 1)^2) for t > 1/2 (Arjevani et al. 2019, eq. (8);
    reconstructed, the extracted Appendix G lost it)."""
    if t <= 0.5:
        return 0.0
    s = 1.0 / (2.0 * t - 1.0)
    return math.exp(1.0 - s * s)


@njit(cache=True)
def psi_prime(t):
    """Psi'(t) = Psi(t) * 4 / (2t - 1)^3 for t > 1/2, else 0."""
    if t <= 0.5:
        return 0.0
    s = 1.0 / (2.0 * t - 1.0)
    exponent = 1.0 - s * s
    if exponent < -700.0:  # Psi underflows; avoid 0 * inf
        return 0.0
    return math.exp(exponent) * 4.0 * s * s * s


@njit(cache=True)
def psi_second(t):
    """Psi''(t) = Psi(t) * (16 / (2t - 1)^6 - 24 / (2t - 1)^4) for t > 1/2, else 0."""
    if t <= 0.5:
        return 0.0
    s = 1.0 / (2.0 * t - 1.0)
    exponent = 1.0 - s * s
    if exponent < -700.0:
        return 0.0
    s2 = s * s
    return math.exp(exponent) * (16.0 * s2 * s2 * s2 - 24.0 * s2 * s2)


@njit(cache=True)
def phi(t):
    """Phi(t) = sqrt(e) * int_{-inf}^t exp(-s^2/2) ds = sqrt(e) sqrt(pi/2) erfc(-t/sqrt 2)
    (Arjevani et al. 2019, eq. (8); reconstructed)."""
    return SQRT_E * math.sqrt(math.pi / 2.0) * math.erfc(-t / math.sqrt(2.0))


@njit(cache=True)
def phi_prime(t):
    """Phi'(t) = sqrt(e) exp(-t^2 / 2)."""
    return SQRT_E * math.exp(-0.5 * t * t)


@njit(cache=True)
def phi_second(t):
    """Phi''(t) = -t Phi'(t)."""
    return -t * SQRT_E * math.exp(-0.5 * t * t)


@njit(cache=True)
def prog_scaled(x, scale, beta):
    """prog_beta(x / scale) = max{i : |x_i / scale| > beta}, 1-based, 0 if none (Appendix G)."""
    for i in range(x.shape[0] - 1, -1, -1):
        if abs(x[i] / scale) > beta:
            return i + 1
    return 0


@njit(cache=True)
def prog(x, beta):
    """prog_beta(x) = max{i : |x_i| > beta}, 1-based, 0 if no entry exceeds beta (Appendix G)."""
    return prog_scaled(x, 1.0, beta)


@njit(cache=True)
def zero_chain_value_scaled(x, scale):
    """f_d(x / scale), f_d(y) = -Psi(1) Phi(y_1) + sum_{i=2}^d [Psi(-y_{i-1}) Phi(-y_i) -
    Psi(y_{i-1}) Phi(y_i)] (Appendix G; Arjevani et al. 2019, eq. (9); reconstructed)."""
    total = -psi(1.0) * phi(x[0] / scale)
    for i in range(1, x.shape[0]):
        previous = x[i - 1] / scale
        if not abs(previous) <= 0.5:  # else Psi(+-previous) = 0: the summand is 0 (speed)
            current = x[i] / scale
            total += psi(-previous) * phi(-current) - psi(previous) * phi(current)
    return total


@njit(cache=True)
def zero_chain_value(x):
    """f_d(x) (see :func:`zero_chain_value_scaled`)."""
    return zero_chain_value_scaled(x, 1.0)


@njit(cache=True)
def zero_chain_partial_scaled(x, scale, j):
    """d f_d / d y_j at y = x / scale (0-based j): coordinate j collects the summand j (through
    Phi(+-y_j)) and the summand j + 1 (through Psi(+-y_j))."""
    current = x[j] / scale
    if j == 0:
        g = -psi(1.0) * phi_prime(current)
    else:
        previous = x[j - 1] / scale
        g = 0.0
        if not abs(previous) <= 0.5:  # else Psi(+-previous) = 0: skip (speed; NaN enters)
            g = -psi(-previous) * phi_prime(-current) - psi(previous) * phi_prime(current)
    if j + 1 < x.shape[0] and not abs(current) <= 0.5:  # else Psi'(+-current) = 0
        following = x[j + 1] / scale
        g += -psi_prime(-current) * phi(-following) - psi_prime(current) * phi(following)
    return g


@njit(cache=True)
def zero_chain_partial(x, j):
    """grad_j f_d(x) alone (0-based j)."""
    return zero_chain_partial_scaled(x, 1.0, j)


@njit(cache=True)
def zero_chain_gradient(x, out):
    """grad f_d(x) into ``out``."""
    for j in range(x.shape[0]):
        out[j] = zero_chain_partial(x, j)


@njit(cache=True)
def zero_chain_noise_entry(x, scale, p, success):
    """The noise of the probability-p zero-chain oracle of Appendix G at y = x / scale
    (reconstructed from the published paper): g_d(y) - grad f_d(y) is zero except at coordinate
    j = prog_{1/4}(y) + 1, where it is (z/p - 1) grad_j f_d(y), z = 1{success}. Returns
    ``(j, value)`` with j 0-based; j = d (no noisy coordinate) when prog_{1/4}(y) = d."""
    j = prog_scaled(x, scale, 0.25)
    if j >= x.shape[0]:
        return j, 0.0
    z = 1.0 if success else 0.0
    return j, (z / p - 1.0) * zero_chain_partial_scaled(x, scale, j)


@njit(cache=True)
def zero_chain_noise(x, p, u, out):
    """g_d(x) - grad f_d(x) with z = 1{u < p} (u uniform in [0, 1)): zero except coordinate
    prog_{1/4}(x) + 1 (computes that one partial derivative only)."""
    for i in range(x.shape[0]):
        out[i] = 0.0
    j, value = zero_chain_noise_entry(x, 1.0, p, u < p)
    if j < x.shape[0]:
        out[j] = value


# ----------------------------------------------------------------------------- noise laws
@njit(**_jit)
def gaussian_from_uniforms(u1, u2):
    """Box-Muller: a standard normal from two uniforms in (0, 1]."""
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(**_jit)
def stable_from_uniforms(u1, u2, index, skew):
    """Chambers-Mallows-Stuck (1976): a standard alpha-stable variate, parametrisation S1.

    S1 is scipy.stats.levy_stable's default (Samorodnitsky & Taqqu's (alpha, beta, 1, 0)), so the
    tests compare against it directly. Index 2 gives N(0, 2).
    """
    v = math.pi * (u1 - 0.5)
    w = -math.log(u2)
    if index == 1.0:
        half_pi = 0.5 * math.pi
        t = half_pi + skew * v
        return (t * math.tan(v) - skew * math.log(half_pi * w * math.cos(v) / t)) / half_pi
    zeta = skew * math.tan(0.5 * math.pi * index)
    shift = math.atan(zeta) / index
    factor = (1.0 + zeta * zeta) ** (0.5 / index)
    angle = index * (v + shift)
    return (factor * math.sin(angle) / math.cos(v) ** (1.0 / index)
            * (math.cos(v - angle) / w) ** ((1.0 - index) / index))


@njit(**_jit)
def draw_scalar(law, lp, key, counter):
    """One draw of the scalar law ``law`` with parameters ``lp`` (unit scale).

    Returns ``(value, next_counter)``. Parameter layout per law: Pareto ``(tail_index,)``,
    stable ``(index, skew)``, Student-t ``(dof,)``, two-point ``(p, success, failure)``.
    """
    if law == GAUSSIAN:
        value = gaussian_from_uniforms(uniform(key, counter), uniform(key, counter + _ONE))
        return value, counter + np.uint64(2)
    if law == PARETO:
        word = random_word(key, counter)
        value = fast_pow(word_to_uniform(word), -1.0 / lp[0])
        return (value if (word & _ONE) == 0 else -value), counter + _ONE
    if law == STABLE:
        value = stable_from_uniforms(uniform(key, counter), uniform(key, counter + _ONE),
                                     lp[0], lp[1])
        return value, counter + np.uint64(2)
    if law == STUDENT_T:
        # Bailey's (1994) polar method: exact, one rejection loop (acceptance pi/4).
        dof = lp[0]
        while True:
            a = 2.0 * uniform(key, counter) - 1.0
            b = 2.0 * uniform(key, counter + _ONE) - 1.0
            counter += np.uint64(2)
            radius2 = a * a + b * b
            if 0.0 < radius2 <= 1.0:
                return a * math.sqrt(dof * (radius2 ** (-2.0 / dof) - 1.0) / radius2), counter
    if law == CAUCHY:
        return math.tan(math.pi * (uniform(key, counter) - 0.5)), counter + _ONE
    if law == TWO_POINT:
        success = uniform(key, counter) <= lp[0]
        return (lp[1] if success else lp[2]), counter + _ONE
    return math.nan, counter


STREAM_BLOCK = 4  # the stream advances by d rounded up to a multiple of this, on every machine


def host_vector_width() -> int:
    """float64 lanes of the widest vectors LLVM uses here: 8 with AVX-512, else 4 (AVX2).

    Only the number of variates *computed* per step depends on it, never the stream: a result
    is the same on every machine (:func:`pareto_variates`). With ``NUMBA_CPU_NAME`` set (a
    portable cache) the host's features are not used, so 4."""
    if numba_config.CPU_NAME:
        return 4
    return 8 if llvm_binding.get_host_cpu_features().get("avx512f") else 4


VECTOR_WIDTH = host_vector_width()


@njit(**_jit)
def padded_length(d):
    """``d`` rounded up to a multiple of :data:`STREAM_BLOCK`: the words of the stream that one
    step of coordinate-wise Pareto noise takes."""
    return (d + STREAM_BLOCK - 1) // STREAM_BLOCK * STREAM_BLOCK


@njit(**_jit)
def buffer_length(d):
    """The noise buffer's length: ``d`` rounded up to a multiple of :data:`VECTOR_WIDTH` and of
    :data:`STREAM_BLOCK` (the draw loops then have no scalar remainder)."""
    width = max(VECTOR_WIDTH, STREAM_BLOCK)
    return (d + width - 1) // width * width


@njit(inline="always", **_jit)
def pareto_variates(power, key, counter, advance, buffer):
    """Fill ``buffer`` with symmetric Pareto variates ``+-U ** power`` (``power = -1/a < 0``)
    from words ``counter, counter + 1, ...`` of stream ``key``: the sign is the word's lowest
    bit, U its top 52 bits. Returns the next counter, ``counter + advance`` (``advance`` =
    :func:`padded_length` ``(d)``; the buffer, :func:`buffer_length` ``(d)`` long, may hold
    more: those words are computed and not used, so the stream, and every result, is the same
    whatever the machine's vector width). ``bench/engine.py``'s RNG floor calls exactly this.

    Three vectorised passes over the buffer (signed uniform, then signed ``power * log2 U``,
    then ``exp2``) rather than one: each pass's dependency chain is short enough for the CPU to
    overlap iterations (measured: 1.5x the single pass at d = 10, 1.4x at d = 100), and the
    values are bit-identical to ``+-fast_pow(U, power)`` (``power * log2 U >= 0`` carries the
    sign through ``copysign``; tested).
    """
    base = key + counter * _GOLDEN  # random_word(key, counter + i), strength-reduced
    for i in range(buffer.size):
        word = mix64(base + np.uint64(i) * _GOLDEN)
        u = word_to_uniform(word)
        buffer[i] = u if (word & _ONE) == 0 else -u
    for i in range(buffer.size):
        u = buffer[i]
        buffer[i] = math.copysign(power * fast_log2(abs(u)), u)
    for i in range(buffer.size):
        y = buffer[i]
        buffer[i] = math.copysign(fast_exp2(abs(y)), y)
    return counter + np.uint64(advance)


@njit(inline="always", **_jit)
def add_pareto_noise(power, scales, step_scale, key, counter, g, buffer):
    """Coordinate-wise symmetric Pareto noise: ``g[i] += scales[i] * step_scale * X_i`` with
    the X_i of :func:`pareto_variates` (``power = -1/a``); returns the next counter. Inlined
    into the driver, which calls it directly (no call on the hot path)."""
    counter = pareto_variates(power, key, counter, padded_length(g.size), buffer)
    for i in range(g.size):
        g[i] += buffer[i] * scales[i] * step_scale
    return counter


@njit(**_jit)
def add_noise(law, geometry, lp, scales, step_scale, key, counter, x, g, buffer):
    """Add one noise vector, drawn at the query point ``x``, to ``g`` in place; returns the next
    counter.

    Coordinate geometry (Assumption 2): coordinate i is ``scales[i]`` times an independent draw.
    Isotropic geometry (Assumptions 1 and 4): a uniform direction (a normalised Gaussian vector)
    times ``scales[0]`` times the absolute value of one draw, so ``E||xi||^a = scale^a E|X|^a``.
    Coordinate-wise Pareto noise (:func:`add_pareto_noise`) takes :func:`padded_length` ``(d)``
    words a step (d rounded up to 4) and computes :func:`buffer_length` ``(d)`` variates (d
    rounded up to the vector width), of which the first d are used: a loop whose trip count is
    a multiple of the vector width has no scalar remainder (AVX2, one thread: 94 million
    variates/s at d = 10 against 139 at d = 16; AVX-512, one thread, whole engine at d = 10:
    112 against 146 million with the buffer padded to 16 rather than 12). No word is used twice,
    and the stream does not depend on the machine.

    The zero-chain oracle (``ZERO_CHAIN_ORACLE``, Appendix G) depends on ``x`` and ignores the
    geometry: one uniform u gives z = 1{u <= p}, and coordinate j = prog_{1/4}(x/lambda) + 1
    receives (z/p - 1) (L lambda/152) grad_j f_d(x/lambda), so that g = grad F(x) + noise is
    the scaled oracle (L lambda/152) g_d(x/lambda) of the proof of Theorem 6.
    """
    d = g.size
    if law == ZERO_CHAIN_ORACLE:
        success = uniform(key, counter) <= lp[LP_CHAIN_P]
        j, value = zero_chain_noise_entry(x, lp[LP_CHAIN_SCALE], lp[LP_CHAIN_P], success)
        if j < d:
            g[j] += lp[LP_CHAIN_GRADIENT_FACTOR] * value * scales[j] * step_scale
        return counter + _ONE
    if geometry == COORDINATE:
        if law == PARETO:
            return add_pareto_noise(-1.0 / lp[0], scales, step_scale, key, counter, g, buffer)
        for i in range(d):
            value, counter = draw_scalar(law, lp, key, counter)
            g[i] += value * scales[i] * step_scale
        return counter
    # isotropic: direction from d Gaussians (2 words each), then one radius draw
    norm2 = 0.0
    for i in range(d):
        c = counter + np.uint64(2 * i)
        z = gaussian_from_uniforms(uniform(key, c), uniform(key, c + _ONE))
        norm2 += z * z
    radius, next_counter = draw_scalar(law, lp, key, counter + np.uint64(2 * d))
    factor = abs(radius) * scales[0] * step_scale / math.sqrt(norm2)
    for i in range(d):
        c = counter + np.uint64(2 * i)
        g[i] += gaussian_from_uniforms(uniform(key, c), uniform(key, c + _ONE)) * factor
    return next_counter


@njit(**_jit)
def sample_noise(law, geometry, lp, scales, seed_key, replica_offset, x, out):
    """Fill ``out`` (replicas x d) with noise vectors drawn at the point ``x`` (only the
    zero-chain oracle depends on it): the engine's own draws, for validation."""
    buffer = np.empty(buffer_length(out.shape[1]))
    for r in range(out.shape[0]):
        key = replica_key(seed_key, replica_offset + r)
        out[r, :] = 0.0
        add_noise(law, geometry, lp, scales, 1.0, key, np.uint64(0), x, out[r], buffer)


@njit(inline="always", **_jit)
def user_noise_step(sampler, uniforms, noise_out, scales, step_scale, key, counter, x, g):
    """A user's noise law (:mod:`simlab.custom`): ``uniforms.size`` words of the replica's
    stream from ``counter`` on become uniforms in (0, 1], the user's ``sampler(u, x, out)``
    turns them into a noise vector at the query point ``x``, and ``g[i] += scales[i] *
    step_scale * out[i]``. Returns ``counter + uniforms.size``: a replica's draws depend only
    on ``(seed, replica, step)``, whatever the threads or the chunking."""
    for i in range(uniforms.size):
        uniforms[i] = uniform(key, counter + np.uint64(i))
    sampler(uniforms.ctypes, uniforms.size, x.ctypes, noise_out.ctypes, x.size)
    for i in range(g.size):
        g[i] += noise_out[i] * scales[i] * step_scale
    return counter + np.uint64(uniforms.size)


@njit(**_jit)
def sample_user_noise(sampler, n_uniforms, scales, seed_key, replica_offset, x, out):
    """:func:`sample_noise` for a user's law: row r holds the first step's noise of replica
    ``replica_offset + r`` at the point ``x``, as the driver draws it."""
    uniforms = np.empty(n_uniforms)
    noise_out = np.empty(out.shape[1])
    g = np.empty(out.shape[1])
    for r in range(out.shape[0]):
        key = replica_key(seed_key, replica_offset + r)
        g[:] = 0.0
        user_noise_step(sampler, uniforms, noise_out, scales, 1.0, key, np.uint64(0), x, g)
        out[r, :] = g


# ----------------------------------------------------------------------------- problems
@njit(**_jit)
def objective(problem, pp, parr, x):
    """f(x) (not minus f*).

    quadratic / constrained quadratic: sum_i h_i (x_i - c_i)^2 / 2 + l1 * ||x||_1;
    non-convex: sum_i h_i (x_i - c_i)^2 / 2 + w sin^2(x_i - c_i);
    quartic: sum_i h_i (x_i - c_i)^4 / 4; exponential: sum_i h_i (cosh(x_i - c_i) - 1);
    zero chain: F(x) = (L lambda^2/152) f_d(x/lambda) (Appendix G, proof of Theorem 6).
    """
    if problem == ZERO_CHAIN:
        return pp[PP_CHAIN_VALUE_FACTOR] * zero_chain_value_scaled(x, pp[PP_CHAIN_SCALE])
    return separable_objective(problem, pp, parr, x)


@njit(inline="always", **_jit)
def quadratic_gradient(parr, x, g):
    """The quadratic's gradient ``h_i (x_i - c_i)``: :func:`separable_gradient` of the quadratic,
    and the driver's own (inlined, no call on the hot path)."""
    for i in range(x.size):
        g[i] = parr[PARR_CURVATURE, i] * (x[i] - parr[PARR_CENTER, i])


@njit(inline="always", **_jit)
def quadratic_objective(parr, x):
    """The quadratic's value ``sum_i h_i (x_i - c_i)^2 / 2`` (not minus f*):
    :func:`separable_objective` of the quadratic."""
    total = 0.0
    for i in range(x.size):
        delta = x[i] - parr[PARR_CENTER, i]
        total += 0.5 * parr[PARR_CURVATURE, i] * delta * delta
    return total


@njit(**_jit)
def separable_objective(problem, pp, parr, x):
    """:func:`objective` for every problem but the zero chain (a sum over coordinates)."""
    if problem == QUADRATIC:
        return quadratic_objective(parr, x)
    total = 0.0
    for i in range(x.size):
        delta = x[i] - parr[PARR_CENTER, i]
        if problem == QUARTIC:
            total += 0.25 * parr[PARR_CURVATURE, i] * delta ** 4
            continue
        if problem == EXPONENTIAL:
            total += parr[PARR_CURVATURE, i] * (math.cosh(delta) - 1.0)
            continue
        total += 0.5 * parr[PARR_CURVATURE, i] * delta * delta
        if problem == NONCONVEX:
            total += pp[PP_WAVE] * math.sin(delta) ** 2
        elif problem == CONSTRAINED_QUADRATIC:
            total += pp[PP_L1] * abs(x[i])
    return total


@njit(**_jit)
def gradient(problem, pp, parr, x, g):
    """The (sub)gradient of ``objective`` at x into g (sign(0) = 0 for the l1 term); for the
    zero chain grad F(x) = (L lambda/152) grad f_d(x/lambda)."""
    if problem == ZERO_CHAIN:
        for j in range(x.size):
            g[j] = pp[PP_CHAIN_GRADIENT_FACTOR] * zero_chain_partial_scaled(
                x, pp[PP_CHAIN_SCALE], j)
        return
    separable_gradient(problem, pp, parr, x, g)


@njit(**_jit)
def separable_gradient(problem, pp, parr, x, g):
    """:func:`gradient` for every problem but the zero chain."""
    # one loop per problem (not a branch inside one loop): each loop vectorises
    if problem == QUARTIC:
        for i in range(x.size):
            g[i] = parr[PARR_CURVATURE, i] * (x[i] - parr[PARR_CENTER, i]) ** 3
    elif problem == EXPONENTIAL:
        for i in range(x.size):
            g[i] = parr[PARR_CURVATURE, i] * math.sinh(x[i] - parr[PARR_CENTER, i])
    elif problem == NONCONVEX:
        wave = pp[PP_WAVE]
        for i in range(x.size):
            delta = x[i] - parr[PARR_CENTER, i]
            g[i] = parr[PARR_CURVATURE, i] * delta + wave * math.sin(2.0 * delta)
    elif problem == CONSTRAINED_QUADRATIC:
        l1 = pp[PP_L1]
        for i in range(x.size):
            g[i] = (parr[PARR_CURVATURE, i] * (x[i] - parr[PARR_CENTER, i])
                    + l1 * ((x[i] > 0.0) - (x[i] < 0.0)))
    else:
        quadratic_gradient(parr, x, g)


@njit(**_jit)
def project(pp, x):
    """Euclidean projection onto the box [low, high]^d (NaN stays NaN)."""
    low = pp[PP_LOW]
    high = pp[PP_HIGH]
    for i in range(x.size):
        if x[i] > high:
            x[i] = high
        elif x[i] < low:
            x[i] = low


# ----------------------------------------------------------------------------- algorithms
@njit(inline="always", **_jit)
def norm2(v):
    """Euclidean norm with four partial sums in a fixed order (deterministic, no reassoc)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    n = v.size
    i = 0
    while i + 4 <= n:
        s0 += v[i] * v[i]
        s1 += v[i + 1] * v[i + 1]
        s2 += v[i + 2] * v[i + 2]
        s3 += v[i + 3] * v[i + 3]
        i += 4
    while i < n:
        s0 += v[i] * v[i]
        i += 1
    return math.sqrt((s0 + s1) + (s2 + s3))


@njit(inline="always", **_jit)
def ordinary_norm(norm):
    """False when ``||g||`` is 0, tiny, infinite or NaN (or its square overflowed or
    underflowed): the rare cases that :func:`rescale_edge_cases` settles."""
    return 1e-150 <= norm < math.inf


@njit(inline="always", **_jit)
def clip_factor(norm, tau):
    """GClip's factor ``min{1, tau/||g||}`` for an :func:`ordinary_norm`, and whether g is
    clipped. A scalar function: the driver folds the factor into its update, and passes only
    the norm, not g (an inlined function taking g made numba wrap each step in an atomic
    incref/decref of g, two calls and a memory barrier: measured 1-2% a step)."""
    if norm <= tau:
        return 1.0, False
    return tau / norm, True


@njit(inline="always", **_jit)
def clip_global_inplace(g, tau):
    """GClip (Zhang et al. 2020, eq. GClip): ``g <- min{1, tau/||g||} g``; returns True if clipped.

    Edge cases, defined and tested: ``g = 0`` stays 0 (nothing to clip); a NaN anywhere makes the
    whole vector NaN (``min{1, tau/NaN}`` is undefined; the replica is then flagged diverged);
    infinite entries (no NaN) give the limit of the rule as they grow: the infinite coordinates
    share the norm ``tau`` equally with their signs and the finite ones become 0. ``tau = inf``
    is the identity; ``tau = 0`` maps every g to 0. Norms whose squares overflow or underflow
    are computed by rescaling.
    """
    norm = norm2(g)
    if not ordinary_norm(norm):
        return rescale_edge_cases(g, tau, tau)
    factor, clipped = clip_factor(norm, tau)
    if clipped:
        for i in range(g.size):
            g[i] *= factor
    return clipped


@njit(**_jit)
def rescale_edge_cases(g, tau, threshold):
    """``g <- tau g/||g||`` if ``||g|| > threshold`` (GClip: ``threshold = tau``; normalisation:
    ``tau = 1``, ``threshold = 0``), when ``||g||`` is 0, tiny,
    infinite or NaN or its square overflows or underflows: the rare cases
    :func:`clip_global_inplace` and :func:`normalize_inplace` leave to this one function (kept
    out of the hot step, and small: it is compiled into every kernel). Returns True if g changed.

    A NaN makes the whole vector NaN; ``g = 0`` stays 0; infinite entries give the limit of the
    rule as they grow (the infinite coordinates share the norm ``tau`` equally, with their
    signs; the finite ones become 0); otherwise the entries are first scaled by the exact power
    of two that brings ``max |g_i|`` to [1/2, 1), so neither the squares nor ``tau/||g||``
    overflow or underflow (a division would not do for subnormal entries).
    """
    largest = 0.0
    nan = False
    for i in range(g.size):
        nan = nan or math.isnan(g[i])
        largest = max(largest, abs(g[i]))
    if nan:
        for i in range(g.size):
            g[i] = math.nan
        return True
    if largest == 0.0:
        return False
    if largest == math.inf:
        if threshold == math.inf:  # ||g|| = inf <= threshold: the identity
            return False
        infinite = 0
        for i in range(g.size):
            infinite += math.isinf(g[i])
        share = tau / math.sqrt(infinite)
        for i in range(g.size):
            g[i] = math.copysign(share, g[i]) if math.isinf(g[i]) else 0.0
        return True
    exponent = math.frexp(largest)[1]
    total = 0.0
    for i in range(g.size):
        total += math.ldexp(g[i], -exponent) ** 2
    scaled_norm = math.sqrt(total)  # ||g|| / 2**exponent, in [1/2, sqrt(d)]
    if math.ldexp(scaled_norm, exponent) <= threshold:
        return False
    factor = tau / scaled_norm
    for i in range(g.size):
        g[i] = math.ldexp(g[i], -exponent) * factor
    return True


@njit(**_jit)
def clip_coordinates_inplace(g, tau):
    """CClip (Zhang et al. 2020, Section 4): each coordinate clipped to [-tau, tau].

    ``g_i = +-inf`` becomes ``+-tau``; NaN stays NaN; 0 stays 0. Returns True if any coordinate
    was clipped.
    """
    clipped = False
    for i in range(g.size):
        if g[i] > tau:
            g[i] = tau
            clipped = True
        elif g[i] < -tau:
            g[i] = -tau
            clipped = True
    return clipped


@njit(**_jit)
def normalize_inplace(g):
    """Normalised gradient ``g / ||g||`` with the same edge cases as GClip at tau = 1 (0 -> 0)."""
    norm = norm2(g)
    if ordinary_norm(norm):
        for i in range(g.size):
            g[i] /= norm
        return
    rescale_edge_cases(g, 1.0, 0.0)


@njit(**_jit)
def adaptive_step(algorithm, ap, x, g, step_size, state, k):
    """The stateful methods; ``state`` is this replica's (rows x d) array, zero at k = 1.

    - Adam (Kingma & Ba 2015, bias-corrected): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
      x -= eta (m / (1-b1^k)) / (sqrt(v / (1-b2^k)) + eps). State rows: m, v.
    - RMSProp (Tieleman & Hinton 2012): v = b2 v + (1-b2) g^2, x -= eta g / (sqrt(v) + eps).
    - AdaGrad (Duchi et al. 2011): v += g^2, x -= eta g / (sqrt(v) + eps).
    - AdaGrad-Norm (Chezhegov et al. 2024; Ward et al. 2019): b^2 = b_{k-1}^2 + ||g||^2 with
      b_0 = ``ap[AP_B0]``, x -= eta g / b_k; delayed: x -= eta g / b_{k-1} (the step size does
      not see the current gradient). State: row 0, entry 0 holds b^2.
    - Adam-Norm (Chezhegov et al. 2024): m = b1 m + (1-b1) g, b^2 = b2 b_{k-1}^2 + (1-b2)||g||^2,
      x -= eta m / b_k (delayed: / b_{k-1}). State rows: m, then b^2 in row 1 entry 0.
    - ACClip (Zhang et al. 2020, Algorithm 1): m = b1 m + (1-b1) g,
      tau^a = b2 tau^a + (1-b2) |g|^a (per coordinate, a = ``ap[AP_MOMENT]``),
      g_hat = min{tau / (|m| + eps), 1} m, x -= eta g_hat. State rows: m, tau^a.
    Returns True if ACClip clipped a coordinate.
    """
    beta1 = ap[AP_BETA1]
    beta2 = ap[AP_BETA2]
    eps = ap[AP_EPS]
    d = x.size
    clipped = False
    if algorithm == ADAM:
        c1 = 1.0 - beta1 ** k
        c2 = 1.0 - beta2 ** k
        for i in range(d):
            state[0, i] = beta1 * state[0, i] + (1.0 - beta1) * g[i]
            state[1, i] = beta2 * state[1, i] + (1.0 - beta2) * g[i] * g[i]
            x[i] -= step_size * (state[0, i] / c1) / (math.sqrt(state[1, i] / c2) + eps)
    elif algorithm == RMSPROP:
        for i in range(d):
            state[0, i] = beta2 * state[0, i] + (1.0 - beta2) * g[i] * g[i]
            x[i] -= step_size * g[i] / (math.sqrt(state[0, i]) + eps)
    elif algorithm == ADAGRAD:
        for i in range(d):
            state[0, i] += g[i] * g[i]
            x[i] -= step_size * g[i] / (math.sqrt(state[0, i]) + eps)
    elif algorithm == ADAGRAD_NORM or algorithm == ADAM_NORM:
        row = 0 if algorithm == ADAGRAD_NORM else 1
        previous = ap[AP_B0] ** 2 if k == 1 else state[row, 0]
        gn2 = norm2(g) ** 2
        if algorithm == ADAGRAD_NORM:
            current = previous + gn2
        else:
            current = beta2 * previous + (1.0 - beta2) * gn2
        state[row, 0] = current
        scale = step_size / math.sqrt(previous if ap[AP_DELAYED] != 0.0 else current)
        for i in range(d):
            if algorithm == ADAM_NORM:
                state[0, i] = beta1 * state[0, i] + (1.0 - beta1) * g[i]
                x[i] -= scale * state[0, i]
            else:
                x[i] -= scale * g[i]
    elif algorithm == ACCLIP:
        moment = ap[AP_MOMENT]
        for i in range(d):
            state[0, i] = beta1 * state[0, i] + (1.0 - beta1) * g[i]
            state[1, i] = beta2 * state[1, i] + (1.0 - beta2) * abs(g[i]) ** moment
            tau = state[1, i] ** (1.0 / moment)
            factor = tau / (abs(state[0, i]) + eps)
            if factor < 1.0:
                clipped = True
            else:
                factor = 1.0
            x[i] -= step_size * factor * state[0, i]
    return clipped


@njit(**_jit)
def adaptive_update(algorithm, ap, x, g, step_size, threshold, state, k):
    """One step of an adaptive method (codes >= ADAM); returns True if the step was clipped.

    It first clips its input gradient globally at ``threshold`` when ``ap[AP_CLIP_INPUT]`` is
    set (the clipped AdaGrad/Adam-Norm of Chezhegov et al. 2024), then takes
    :func:`adaptive_step`. The stateless methods (SGD, GClip, CClip, NSGD) are stepped in the
    driver itself: one function call fewer per step on the hot path (measured: 0.71-0.88 of
    the time per step, A/B in one process).
    """
    clipped = False
    if ap[AP_CLIP_INPUT] != 0.0:
        clipped = clip_global_inplace(g, threshold)
    return adaptive_step(algorithm, ap, x, g, step_size, state, k) or clipped


@njit(**_jit)
def all_finite(x):
    """True if no entry is NaN or inf (integer OR-reduction: vectorises without reassoc)."""
    bad = np.uint64(0)
    for i in range(x.size):
        bad |= np.uint64((float_to_bits(x[i]) & _EXPONENT) == _EXPONENT)
    return bad == 0


@njit(**_jit)
def distance(a, b):
    total = 0.0
    for i in range(a.size):
        total += (a[i] - b[i]) ** 2
    return math.sqrt(total)


# ----------------------------------------------------------------------------- driver
# The driver's optional parts are flags that are either None or True. numba prunes an
# ``if flag is None`` branch while compiling, so a part whose flag is None is never compiled:
# GClip under Pareto noise on a quadratic compiles neither the adaptive methods, nor the zero
# chain, nor the other noise laws (each combination of flags is one cached specialisation).
@njit(inline="always", **_jit)
def driver_gradient(general_problem, zero_chain, problem, pp, parr, x, g, user_gradient=None):
    if user_gradient is not None:
        user_gradient(x.ctypes, g.ctypes, x.size)
    elif general_problem is None:
        quadratic_gradient(parr, x, g)
    elif zero_chain is None:
        separable_gradient(problem, pp, parr, x, g)
    else:
        gradient(problem, pp, parr, x, g)


@njit(inline="always", **_jit)
def driver_objective(general_problem, zero_chain, problem, pp, parr, x, user_value=None):
    if user_value is not None:
        return user_value(x.ctypes, x.size)
    if general_problem is None:
        return quadratic_objective(parr, x)
    if zero_chain is None:
        return separable_objective(problem, pp, parr, x)
    return objective(problem, pp, parr, x)


@njit(inline="always", **_jit)
def driver_progress(zero_chain, problem, pp, x):
    """prog_1(x/lambda) on the zero chain, NaN on every other problem."""
    if zero_chain is None:
        return math.nan
    return prog_scaled(x, pp[PP_CHAIN_SCALE], 1.0) if problem == ZERO_CHAIN else math.nan


def driver_flags(algorithm, law, geometry, problem, projected=False, averaging=False):
    """``(adaptive, general_noise, zero_chain, extras, general_problem)`` for :func:`run`,
    derived from the codes and the algorithm's ``projected``/``averaging``: the only place that
    decides them, so a flag never disagrees with what it prunes."""
    return (True if algorithm >= ADAM else None,
            None if law == PARETO and geometry == COORDINATE else True,
            True if problem == ZERO_CHAIN else None,
            True if algorithm in (CCLIP, NSGD) or projected or averaging else None,
            None if problem == QUADRATIC else True)


@njit(nogil=True, **_jit)
def run(x0, seed_key, replica_offset, checkpoints, step_sizes, thresholds, noise_scales,
        problem, pp, parr, law, geometry, lp, scales,
        algorithm, ap, state_rows, projected, averaging, track_min_grad,
        out, diverged_step, final_x, adaptive=None, general_noise=None, zero_chain=None,
        extras=None, general_problem=True, user_gradient=None, user_value=None,
        user_noise=None, user_uniforms=None, user_noise_out=None):
    """Run ``out.shape[0]`` replicas for ``K = step_sizes.size - 1`` steps.

    Step k = 1..K: ``g = grad f(x_{k-1}) + noise_k`` (noise scaled by ``noise_scales[k]``),
    ``x_k = [proj](x_{k-1} - step_sizes[k] * direction(g, thresholds[k]))``; the k-weighted
    average ``x_bar_k = sum_{j<=k} j x_{j-1} / sum_{j<=k} j`` of Theorem 4 is updated as
    ``x_bar_k = x_bar_{k-1} + 2/(k+1) (x_{k-1} - x_bar_{k-1})``.
    At each checkpoint k, ``out[r, :, c]`` holds the metrics of :data:`METRICS` at x_k
    (``progress`` = prog_1(x_k/lambda) on the zero chain, NaN on other problems and after a
    divergence).
    A replica whose iterate becomes non-finite at step k stops; ``diverged_step[r] = k`` and its
    later checkpoints hold +inf (errors, norms) and its clipped fraction so far. So does one
    whose f(x_k) - f* or gradient norm overflows at a checkpoint k while x_k is still finite
    (found only at checkpoints: there the metrics are computed).
    ``final_x[r]`` receives the last iterate. Stateful algorithms get ``state_rows`` vectors of
    state per replica, zero at the start.

    Optional parts, each compiled only when its flag is True (None prunes it): ``adaptive``
    (algorithm codes >= ADAM, :func:`adaptive_update`), ``general_noise`` (every noise but
    coordinate-wise Pareto, which goes through :func:`add_pareto_noise`; the others through
    :func:`add_noise`), ``zero_chain`` (the zero-chain problem), ``extras`` (CClip, NSGD,
    the projection and the averaged iterate: SGD and GClip, the common case, compile none of
    them; ``projected`` and ``averaging`` take effect only with it) and ``general_problem``
    (every problem but the quadratic, whose gradient and value are written out in the driver).
    Pass :func:`driver_flags`. A user's problem (``user_gradient``, ``user_value``) and noise
    law (``user_noise`` with its ``user_uniforms`` and ``user_noise_out`` work arrays) are
    first-class functions (see :mod:`simlab.custom`), also pruned when None.

    Serial and ``nogil``: :func:`simlab.engine.simulate` runs blocks of replicas on a thread
    pool. Measured against ``prange`` (first call, empty cache): the parfor machinery cost 3-6 s
    of the cold compile (15.8 s against 18.9 s; 13.2 s against 19.0 s).
    """
    replicas = out.shape[0]
    d = x0.size
    steps = step_sizes.size - 1
    n_checkpoints = checkpoints.size
    f_star = pp[PP_F_STAR]
    minimiser = parr[PARR_MINIMISER]
    pareto_power = -1.0 / lp[0] if general_noise is None else 0.0
    # The working vectors are allocated once per call, not per replica: with fresh allocations
    # in every replica, two threads ran each other's steps 8-9% slower (51 -> 55-56 ns a step;
    # the RNG floor: 3%). Allocated once (and GClip's step free of reference counting), the
    # engine's 2-thread throughput at d = 10 went from 349-359 to 384-397 (three A/B pairs).
    x = np.empty(d)
    x_bar = np.empty(d)
    g = np.empty(d)
    buffer = np.empty(buffer_length(d))
    state = np.empty((state_rows, d))
    for r in range(replicas):
        key = replica_key(seed_key, replica_offset + r)
        counter = np.uint64(0)
        for i in range(d):
            x[i] = x0[i]
            x_bar[i] = x0[i]
            for j in range(state_rows):
                state[j, i] = 0.0
        clipped_steps = 0
        min_grad_sum = 0.0
        next_checkpoint = 0
        diverged_step[r] = 0
        for k in range(1, steps + 1):
            # driver_gradient written out: calling it (inlined by numba) made a step 1-3% slower
            # (49.0-50.3 against 50.5-51.2 ns, three A/B pairs); the quadratic's gradient is
            # inlined, no call (8% a step at d = 10)
            if user_gradient is not None:
                user_gradient(x.ctypes, g.ctypes, d)
            elif general_problem is None:
                quadratic_gradient(parr, x, g)
            elif zero_chain is None:
                separable_gradient(problem, pp, parr, x, g)
            else:
                gradient(problem, pp, parr, x, g)
            if track_min_grad:
                gn = norm2(g)
                min_grad_sum += min(gn, gn * gn)
            if user_noise is not None:
                counter = user_noise_step(user_noise, user_uniforms, user_noise_out, scales,
                                          noise_scales[k], key, counter, x, g)
            elif general_noise is None:
                counter = add_pareto_noise(pareto_power, scales, noise_scales[k], key, counter,
                                           g, buffer)
            else:
                counter = add_noise(law, geometry, lp, scales, noise_scales[k], key, counter, x,
                                    g, buffer)
            if extras is not None and averaging:
                weight = 2.0 / (k + 1.0)
                for i in range(d):
                    x_bar[i] += weight * (x[i] - x_bar[i])
            if adaptive is not None:
                clipped_steps += adaptive_update(algorithm, ap, x, g, step_sizes[k],
                                                 thresholds[k], state, k)
            else:  # x <- x - eta_k direction(g): SGD, GClip, CClip, NSGD
                factor = 1.0  # GClip's factor, folded into the update (one pass fewer: 4-5%)
                if algorithm == GCLIP:
                    norm = norm2(g)
                    if ordinary_norm(norm):
                        factor, clipped = clip_factor(norm, thresholds[k])
                        clipped_steps += clipped
                    else:  # g rescaled in place, factor 1
                        clipped_steps += rescale_edge_cases(g, thresholds[k], thresholds[k])
                elif extras is not None:
                    if algorithm == CCLIP:
                        clipped_steps += clip_coordinates_inplace(g, thresholds[k])
                    elif algorithm == NSGD:
                        normalize_inplace(g)
                for i in range(d):  # the bits of g *= factor, then x -= eta g (g * 1.0 is g)
                    x[i] -= step_sizes[k] * (g[i] * factor)
            if extras is not None and projected:
                project(pp, x)
            finite = all_finite(x)
            error = grad_norm = math.nan
            if finite and k == checkpoints[next_checkpoint]:
                error = driver_objective(general_problem, zero_chain, problem, pp, parr, x,
                                         user_value) - f_star
                driver_gradient(general_problem, zero_chain, problem, pp, parr, x, g,
                                user_gradient)
                grad_norm = norm2(g)
                # f(x_k) or its gradient overflowed while x_k is finite: diverged too, so the
                # count of diverged replicas agrees with the +inf in the table
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
                        out[r, 2, c] = (driver_objective(general_problem, zero_chain, problem,
                                                         pp, parr, x_bar, user_value)
                                        - f_star if extras is not None and averaging
                                        else math.nan)
                        out[r, 4, c] = min_grad_sum / k if track_min_grad else math.nan
                        out[r, 5, c] = distance(x, minimiser)
                        out[r, 6, c] = driver_progress(zero_chain, problem, pp, x)
                    else:
                        out[r, 0, c] = math.inf
                        out[r, 1, c] = math.inf
                        out[r, 2, c] = (math.inf if extras is not None and averaging
                                        else math.nan)
                        out[r, 4, c] = math.inf if track_min_grad else math.nan
                        out[r, 5, c] = math.inf
                        out[r, 6, c] = math.nan
                    out[r, 3, c] = clipped_steps / k
                    next_checkpoint += 1
                if not finite or next_checkpoint == n_checkpoints:
                    break
        for i in range(d):  # not final_x[r, :] = x: its shape check compiles string code
            final_x[r, i] = x[i]
