"""User components for tests/test_custom.py, as a user writes them: top level of an importable
module, so a spec names them by path ("tests.byo_components:quadratic") and a Dask worker
imports them."""

import math

from numba import njit

from simlab import custom


@njit
def quadratic_gradient(x, out):
    """The built-in quadratic's gradient h (x - c) with h = 2, c = 1, written the same way (so
    the engine's results must be bit-identical to problem quadratic with mu = L = 2)."""
    for i in range(x.size):
        out[i] = 2.0 * (x[i] - 1.0)


@njit
def quadratic_value(x):
    total = 0.0
    for i in range(x.size):
        delta = x[i] - 1.0
        total += 0.5 * 2.0 * delta * delta
    return total


quadratic = custom.problem(quadratic_gradient, quadratic_value, dim=3, L=2.0, mu=2.0,
                           f_star=0.0, minimiser=[1.0, 1.0, 1.0], name="user-quadratic")

boxed = custom.problem(quadratic_gradient, quadratic_value, dim=3, L=2.0, mu=2.0, f_star=0.25 * 3,
                       minimiser=[0.5, 0.5, 0.5], domain=(-0.5, 0.5), gradient_bound=3.0 * 3 ** 0.5,
                       name="boxed-quadratic")


@njit
def cauchy_sample(u, x, out):
    """The built-in Cauchy law's draw, tan(pi (U - 0.5)), one uniform a coordinate."""
    for i in range(out.size):
        out[i] = math.tan(math.pi * (u[i] - 0.5))


cauchy = custom.noise_law(cauchy_sample, uniforms=1, tail_index=1.0,
                          moment=lambda alpha, dim: dim / math.cos(math.pi * alpha / 2),
                          name="user-cauchy")


@njit
def laplace_sample(u, x, out):
    """Symmetric Laplace(1) per coordinate: |X| = -log U (Exp(1)), the sign from a second
    uniform. E|X|^a = Gamma(a + 1)."""
    for i in range(out.size):
        magnitude = -math.log(u[2 * i])
        out[i] = magnitude if u[2 * i + 1] < 0.5 else -magnitude


def laplace_norm_moment(alpha, dim):
    """E||xi||^alpha <= d E|X|^alpha for alpha <= 2 (Appendix E of Zhang et al. 2020)."""
    return dim * math.gamma(alpha + 1.0)


laplace = custom.noise_law(laplace_sample, uniforms=2, tail_index=math.inf,
                           moment=laplace_norm_moment,
                           coordinate_moment=lambda alpha: math.gamma(alpha + 1.0),
                           name="laplace")

no_moment = custom.noise_law(laplace_sample, uniforms=2, tail_index=math.inf, name="no-moment")
