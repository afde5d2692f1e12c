"""simlab.updates against torch.optim and optax, where those libraries have the rule.

Optional: torch and optax (``pip install simlab[conformance]``) are not test dependencies;
each test skips with its reason when its library is missing. JAX runs in float64
(``jax_enable_x64``) and torch on float64 tensors, so the trajectories are compared in the
same precision.

Coverage (a rule with no counterpart is checked against the engine in tests/test_updates.py):

=========================  ===========================  =========================================
simlab.updates             torch                        optax
=========================  ===========================  =========================================
sgd                        optim.SGD                    sgd
heavy_ball                 optim.SGD(momentum)          sgd(momentum)
adam                       optim.Adam                   adam
rmsprop                    optim.RMSprop                rmsprop(eps_in_sqrt=False)
adagrad                    optim.Adagrad                adagrad (eps = 0: optax puts eps in the
                                                        root)
clip_by_global_norm        nn.utils.clip_grad_norm_     clip_by_global_norm
clip_coordinates           nn.utils.clip_grad_value_    clip
clip -> adam (clipped)     clip_grad_norm_ + Adam       chain(clip_by_global_norm, adam)
projection_box             (none)                       projections.projection_box
schedules (function of k)  (LambdaLR: not compared)     a schedule of the count (count = k - 1)
normalize, laprop,         (none)                       (none)
adagrad_norm, adam_norm,
acclip, delays
=========================  ===========================  =========================================

Trajectories: 60 steps of a fixed gradient sequence (seed 0: Student-t(1.5) entries times 3,
d = 5, so norms range over orders of magnitude and clipping is active), from x0 = 1. The
libraries order their floating-point operations differently (torch's Adam divides by
``sqrt(v)/sqrt(1 - b2^k) + eps`` and multiplies by ``lr/(1 - b1^k)``; optax's clip divides by
the norm, then multiplies by tau), so trajectories agree to rounding, rtol 1e-10 (measured
differences are 1e-15 to 1e-13). One documented exception: torch's ``clip_grad_norm_`` uses
``tau/(||g|| + 1e-6)``, a relative bias of ``1e-6/||g||``; the gradients here have norms >= 0.3
after the first few steps, so its trajectories agree to rtol 1e-5, and
:func:`test_torch_clip_bias` shows the bias where it is large.

The edge cases where simlab is exact and the libraries are not (each asserted both ways):
torch and optax give NaN on an infinite entry; optax gives NaN for g = 0 with tau = 0; optax
passes a vector whose squared norm underflows through unclipped, torch zeroes it; both map a
vector whose squared norm overflows to 0.
"""

import math

import numpy as np
import pytest

from simlab import updates as U

STEPS, D = 60, 5
GRADIENTS = 3.0 * np.random.default_rng(0).standard_t(1.5, size=(STEPS, D))
X0 = np.ones(D)
RTOL = 1e-10


def simlab_path(tx):
    return U.step_sequence(tx, GRADIENTS, params=X0)[1]


# ----------------------------------------------------------------------------- torch
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="torch is not installed (simlab[conformance])")


def torch_path(torch, make_optimizer, clip=None):
    p = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([p])
    path = [X0.copy()]
    for g in GRADIENTS:
        p.grad = torch.tensor(g, dtype=torch.float64)
        if clip is not None:
            clip([p])
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


TORCH_RULES = {
    "sgd": (lambda: U.sgd(0.05), lambda t: lambda p: t.optim.SGD(p, lr=0.05), None, RTOL),
    "heavy_ball": (lambda: U.heavy_ball(0.05, 0.9),
                   lambda t: lambda p: t.optim.SGD(p, lr=0.05, momentum=0.9), None, RTOL),
    "adam": (lambda: U.adam(0.05, 0.9, 0.999, 1e-8),
             lambda t: lambda p: t.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8),
             None, RTOL),
    "rmsprop": (lambda: U.rmsprop(0.05, 0.99, 1e-8),
                lambda t: lambda p: t.optim.RMSprop(p, lr=0.05, alpha=0.99, eps=1e-8),
                None, RTOL),
    "adagrad": (lambda: U.adagrad(0.05, 1e-10),
                lambda t: lambda p: t.optim.Adagrad(p, lr=0.05, eps=1e-10), None, RTOL),
    "gclip": (lambda: U.chain(U.clip_by_global_norm(1.0), U.sgd(0.05)),
              lambda t: lambda p: t.optim.SGD(p, lr=0.05),
              lambda t: lambda p: t.nn.utils.clip_grad_norm_(p, 1.0), 1e-5),
    "cclip": (lambda: U.chain(U.clip_coordinates(1.0), U.sgd(0.05)),
              lambda t: lambda p: t.optim.SGD(p, lr=0.05),
              lambda t: lambda p: t.nn.utils.clip_grad_value_(p, 1.0), RTOL),
    "clipped adam": (lambda: U.chain(U.clip_by_global_norm(1.0), U.adam(0.05)),
                     lambda t: lambda p: t.optim.Adam(p, lr=0.05),
                     lambda t: lambda p: t.nn.utils.clip_grad_norm_(p, 1.0), 1e-5),
}


@pytest.mark.parametrize("name", list(TORCH_RULES))
def test_against_torch(torch, name):
    ours, theirs, clip, rtol = TORCH_RULES[name]
    expected = torch_path(torch, theirs(torch), None if clip is None else clip(torch))
    got = simlab_path(ours())
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12)
    assert np.max(np.abs(got[-1] - X0)) > 0.05  # the trajectory moved


def test_torch_comparison_can_fail(torch):
    """A wrong rule (heavy ball with momentum 0.8 against torch's 0.9) is told apart."""
    expected = torch_path(torch, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9))
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(simlab_path(U.heavy_ball(0.05, 0.8)), expected, rtol=RTOL)


def torch_clip(torch, g, tau):
    p = torch.zeros(len(g), dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(g, dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_([p], tau)
    return p.grad.numpy().copy()


def ours_clip(g, tau):
    return U.clip_by_global_norm(tau).update(np.array(g, dtype=float), U.CountState(0))[0]


def test_torch_edge_cases(torch):
    # an infinite entry: torch NaN; simlab the limit of the rule (the inf entries share tau)
    assert np.isnan(torch_clip(torch, [math.inf, 1.0], 1.0)).any()
    np.testing.assert_array_equal(ours_clip([math.inf, 1.0], 1.0), [1.0, 0.0])
    # ||g||^2 underflows: torch zeroes the vector (tau/(||g|| + 1e-6)); simlab has norm tau
    tiny = [1e-200] * 4
    np.testing.assert_array_equal(torch_clip(torch, tiny, 1e-201), np.zeros(4))
    assert np.linalg.norm(ours_clip(tiny, 1e-201) * 1e201) == pytest.approx(1.0, rel=1e-15)
    # ||g||^2 overflows: torch 0; simlab g/||g||
    np.testing.assert_array_equal(torch_clip(torch, [1e200, 1e200], 1.0), [0.0, 0.0])
    np.testing.assert_allclose(ours_clip([1e200, 1e200], 1.0), [2 ** -0.5] * 2, rtol=1e-15)


def test_torch_clip_bias(torch):
    """torch clips to tau ||g||/(||g|| + 1e-6), not tau: 0.1% short at ||g|| = 1e-3."""
    clipped = torch_clip(torch, [1e-3, 0.0], 1e-4)
    assert clipped[0] == pytest.approx(1e-4 * 1e-3 / (1e-3 + 1e-6), rel=1e-12)
    assert abs(clipped[0] / 1e-4 - 1) > 9e-4
    assert ours_clip([1e-3, 0.0], 1e-4)[0] == 1e-4


# ----------------------------------------------------------------------------- optax
@pytest.fixture(scope="module")
def optax():
    jax = pytest.importorskip("jax", reason="jax is not installed (simlab[conformance])")
    module = pytest.importorskip("optax", reason="optax is not installed (simlab[conformance])")
    jax.config.update("jax_enable_x64", True)
    return module


def optax_path(optax, tx):
    import jax.numpy as jnp

    x = jnp.asarray(X0)
    state = tx.init(x)
    path = [X0.copy()]
    for g in GRADIENTS:
        u, state = tx.update(jnp.asarray(g), state, x)
        x = optax.apply_updates(x, u)
        path.append(np.asarray(x, dtype=np.float64))
    return np.array(path)


OPTAX_RULES = {
    "sgd": (lambda: U.sgd(0.05), lambda o: o.sgd(0.05)),
    "heavy_ball": (lambda: U.heavy_ball(0.05, 0.9), lambda o: o.sgd(0.05, momentum=0.9)),
    "adam": (lambda: U.adam(0.05, 0.9, 0.999, 1e-8), lambda o: o.adam(0.05, 0.9, 0.999, 1e-8)),
    "rmsprop": (lambda: U.rmsprop(0.05, 0.9, 1e-8),
                lambda o: o.rmsprop(0.05, decay=0.9, eps=1e-8, eps_in_sqrt=False)),
    "adagrad": (lambda: U.adagrad(0.05, 0.0),
                lambda o: o.adagrad(0.05, initial_accumulator_value=0.0, eps=0.0)),
    "gclip": (lambda: U.chain(U.clip_by_global_norm(1.0), U.sgd(0.05)),
              lambda o: o.chain(o.clip_by_global_norm(1.0), o.sgd(0.05))),
    "cclip": (lambda: U.chain(U.clip_coordinates(1.0), U.sgd(0.05)),
              lambda o: o.chain(o.clip(1.0), o.sgd(0.05))),
    "clipped adam": (lambda: U.chain(U.clip_by_global_norm(1.0), U.adam(0.05)),
                     lambda o: o.chain(o.clip_by_global_norm(1.0), o.adam(0.05))),
    # optax counts from 0; simlab's step k is count + 1
    "schedule": (lambda: U.chain(U.clip_by_global_norm(1.0), U.sgd(lambda k: 0.2 / k ** 0.5)),
                 lambda o: o.chain(o.clip_by_global_norm(1.0),
                                   o.sgd(lambda count: 0.2 / (count + 1) ** 0.5))),
}


@pytest.mark.parametrize("name", list(OPTAX_RULES))
def test_against_optax(optax, name):
    ours, theirs = OPTAX_RULES[name]
    got = simlab_path(ours())
    np.testing.assert_allclose(got, optax_path(optax, theirs(optax)), rtol=RTOL, atol=1e-12)
    assert np.max(np.abs(got[-1] - X0)) > 0.05


def test_optax_projection_box(optax):
    x = np.array([-3.0, 0.2, 7.0, np.nan])
    theirs = np.asarray(optax.projections.projection_box(x, -1.0, 1.0))
    np.testing.assert_array_equal(U.projection_box(x, -1.0, 1.0), theirs)


def test_optax_comparison_can_fail(optax):
    """Adam with eps = 1e-3 against optax's 1e-8 is told apart."""
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(simlab_path(U.adam(0.05, eps=1e-3)),
                                   optax_path(optax, optax.adam(0.05, eps=1e-8)), rtol=RTOL)


def optax_clip(optax, g, tau):
    import jax.numpy as jnp

    tx = optax.clip_by_global_norm(tau)
    g = jnp.asarray(np.array(g, dtype=float))
    return np.asarray(tx.update(g, tx.init(g))[0])


def test_optax_edge_cases(optax):
    # g = 0 with tau = 0: optax 0/0 = NaN; simlab 0
    assert np.isnan(optax_clip(optax, [0.0, 0.0], 0.0)).all()
    np.testing.assert_array_equal(ours_clip([0.0, 0.0], 0.0), [0.0, 0.0])
    # ||g||^2 underflows: optax computes ||g|| = 0 < tau and passes g through unclipped
    tiny = [1e-200] * 4  # ||g|| = 2e-200, twenty times tau
    np.testing.assert_array_equal(optax_clip(optax, tiny, 1e-201), tiny)
    assert np.linalg.norm(ours_clip(tiny, 1e-201) * 1e201) == pytest.approx(1.0, rel=1e-15)
    # an infinite entry: NaN; simlab the limit
    assert np.isnan(optax_clip(optax, [math.inf, 1.0], 1.0)).any()
    # ||g||^2 overflows: optax 0; simlab g/||g||
    np.testing.assert_array_equal(optax_clip(optax, [1e200, 1e200], 1.0), [0.0, 0.0])
