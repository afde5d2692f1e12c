"""Clipping operators: properties (hypothesis) and the defined edge cases (0, NaN, inf)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import simlab
from simlab.errors import InputError

finite_vectors = arrays(np.float64, st.integers(1, 12),
                        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
thresholds = st.floats(1e-6, 1e6)


def check_global_clip(op, g, tau):
    """||out|| <= tau, identity below the threshold, direction kept."""
    out = op(g, tau)
    norm = np.linalg.norm(g)
    assert np.linalg.norm(out) <= tau * (1 + 1e-12) or np.array_equal(out, g)
    if norm <= tau:
        np.testing.assert_array_equal(out, g)  # identity below the threshold
    elif norm > 0:
        # direction kept: out = c g with c = tau/||g|| > 0
        np.testing.assert_allclose(out, g * (tau / norm), rtol=1e-12, atol=1e-300)
        assert np.linalg.norm(out) == pytest.approx(tau, rel=1e-12)


@settings(deadline=None, max_examples=200)
@given(finite_vectors, thresholds)
def test_global_clip_properties(g, tau):
    check_global_clip(simlab.clip_global, g, tau)


@settings(deadline=None, max_examples=200)
@given(finite_vectors, thresholds)
def test_coordinate_clip_properties(g, tau):
    out = simlab.clip_coordinates(g, tau)
    assert np.all(np.abs(out) <= tau)
    inside = np.abs(g) <= tau
    np.testing.assert_array_equal(out[inside], g[inside])
    np.testing.assert_array_equal(np.sign(out), np.sign(g))


@settings(deadline=None, max_examples=100)
@given(finite_vectors)
def test_normalize_has_unit_norm(g):
    out = simlab.normalize(g)
    if np.any(g != 0):
        assert np.linalg.norm(out) == pytest.approx(1.0, rel=1e-12)
    else:
        np.testing.assert_array_equal(out, 0)


def test_zero_gradient_stays_zero():
    for op in (lambda g: simlab.clip_global(g, 1.0), lambda g: simlab.clip_coordinates(g, 1.0),
               simlab.normalize):
        np.testing.assert_array_equal(op(np.zeros(4)), np.zeros(4))


def test_nan_makes_the_whole_globally_clipped_vector_nan():
    out = simlab.clip_global([1.0, np.nan, 3.0], 1.0)
    assert np.all(np.isnan(out))


def test_nan_stays_in_its_coordinate_under_cclip():
    out = simlab.clip_coordinates([5.0, np.nan, -5.0], 1.0)
    assert out[0] == 1.0 and np.isnan(out[1]) and out[2] == -1.0


def test_infinite_entries_take_the_limit_direction():
    out = simlab.clip_global([np.inf, 2.0, -np.inf], 3.0)
    np.testing.assert_allclose(out, [3 / math.sqrt(2), 0.0, -3 / math.sqrt(2)])
    np.testing.assert_array_equal(simlab.clip_coordinates([np.inf, -np.inf], 2.0), [2.0, -2.0])
    np.testing.assert_allclose(simlab.normalize([0.0, -np.inf]), [0.0, -1.0])


def test_overflowing_finite_norm_is_clipped_correctly():
    g = np.array([1e200, 1e200])
    np.testing.assert_allclose(simlab.clip_global(g, 1.0), [2 ** -0.5, 2 ** -0.5])


def test_rare_cases_share_one_rule():
    """GClip and NSGD leave ||g|| = 0, tiny, infinite or NaN to ``rescale_edge_cases``: tau = inf
    is the identity even with infinite entries; subnormal vectors keep their direction (scaled
    by an exact power of two first); NSGD gives the limit direction of infinite entries."""
    g = np.array([np.inf, 2.0, -np.inf])
    np.testing.assert_array_equal(simlab.clip_global(g, np.inf), g)
    tiny = np.array([3e-320, -4e-320])  # subnormal: the plain norm loses digits
    np.testing.assert_allclose(simlab.normalize(tiny), [0.6, -0.8], rtol=1e-3)
    np.testing.assert_allclose(simlab.clip_global(tiny, 1e-321), [6e-322, -8e-322], rtol=0.05)
    np.testing.assert_array_equal(simlab.clip_global(tiny, 1.0), tiny)  # below tau: unchanged
    np.testing.assert_allclose(simlab.normalize([1e300, 1e300]), [2 ** -0.5, 2 ** -0.5])


def test_threshold_edges():
    np.testing.assert_array_equal(simlab.clip_global([3.0, 4.0], 0.0), [0.0, 0.0])
    np.testing.assert_array_equal(simlab.clip_global([3.0, 4.0], np.inf), [3.0, 4.0])
    with pytest.raises(InputError):
        simlab.clip_global([1.0], -1.0)
    with pytest.raises(InputError):
        simlab.clip_global([1.0], float("nan"))


@pytest.mark.parametrize("wrong", [
    lambda g, tau: simlab.clip_coordinates(g, tau),          # per coordinate: norm can exceed tau
    lambda g, tau: g * min(1.0, tau / np.sum(np.abs(g))),    # l1 norm: clips too early
    lambda g, tau: np.abs(simlab.clip_global(g, tau))])      # loses the direction
def test_global_clip_check_rejects_wrong_operators(wrong):
    with pytest.raises(AssertionError):
        check_global_clip(wrong, np.array([3.0, -4.0, 0.5]), 1.0)
        check_global_clip(wrong, np.array([0.3, -0.4]), 1.0)


# --------------------------------------------------------------------------- conformance
def _steps(name, gradients, step_size=0.1, threshold=np.inf, **params):
    """Apply the engine's adaptive update kernel for ``name`` to the given gradient sequence
    (d = 1, x0 = 0) and return the iterates: hand-computed steps are compared with these."""
    from simlab import _kernels as kernels

    algorithm = simlab.make_algorithm(name, **params)
    x = np.zeros(1)
    state = np.zeros((max(algorithm.state_rows, 1), 1))
    ap = algorithm.parameters()
    path = []
    for k, g in enumerate(gradients, start=1):
        kernels.adaptive_update(algorithm.code, ap, x, np.array([g], dtype=float), step_size,
                                threshold, state, k)
        path.append(x[0])
    return np.array(path)


def test_adam_two_steps_by_hand():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.1
    m1, v1 = 0.1 * 2.0, 0.001 * 4.0
    x1 = -lr * (m1 / 0.1) / (np.sqrt(v1 / 0.001) + eps)  # = -lr * 2/2
    m2, v2 = b1 * m1 + 0.1 * (-1.0), b2 * v1 + 0.001 * 1.0
    x2 = x1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps)
    np.testing.assert_allclose(_steps("adam", [2.0, -1.0]), [x1, x2], rtol=1e-12)


def test_acclip_two_steps_by_hand():
    """Algorithm 1 of Zhang et al. 2020 with beta1 = 0.9, beta2 = 0.99, alpha = 1, eps = 1e-5."""
    m1 = 0.1 * 4.0
    t1 = 0.01 * 4.0                     # tau_1^1 = (1 - beta2)|g_1|
    x1 = -0.1 * min(t1 / (abs(m1) + 1e-5), 1.0) * m1
    m2 = 0.9 * m1 + 0.1 * 1.0
    t2 = 0.99 * t1 + 0.01 * 1.0
    x2 = x1 - 0.1 * min(t2 / (abs(m2) + 1e-5), 1.0) * m2
    np.testing.assert_allclose(_steps("acclip", [4.0, 1.0]), [x1, x2], rtol=1e-12)


def test_adagrad_norm_plain_and_delayed_by_hand():
    b0 = 0.5
    plain = [-1.0 * 3.0 / np.sqrt(b0 ** 2 + 9.0)]
    plain.append(plain[0] - 1.0 * 4.0 / np.sqrt(b0 ** 2 + 9.0 + 16.0))
    np.testing.assert_allclose(_steps("adagrad-norm", [3.0, 4.0], 1.0, b0=b0), plain, rtol=1e-12)
    delayed = [-3.0 / b0]
    delayed.append(delayed[0] - 4.0 / np.sqrt(b0 ** 2 + 9.0))
    np.testing.assert_allclose(_steps("adagrad-norm-delayed", [3.0, 4.0], 1.0, b0=b0), delayed,
                               rtol=1e-12)


def test_clipped_adam_norm_clips_its_input_by_hand():
    b0, tau = 1.0, 2.0
    g1 = 2.0                                  # 10 clipped to 2
    m1 = 0.1 * g1
    b1sq = 0.999 * b0 ** 2 + 0.001 * g1 ** 2
    expected = -0.1 * m1 / np.sqrt(b1sq)
    got = _steps("clip-adam-norm", [10.0], 0.1, tau, b0=b0)
    np.testing.assert_allclose(got, [expected], rtol=1e-12)
    unclipped = _steps("adam-norm", [10.0], 0.1, tau, b0=b0)
    assert abs(unclipped[0] - expected) > 1e-3  # the check would catch a missing clip


def test_rmsprop_and_adagrad_by_hand():
    np.testing.assert_allclose(_steps("rmsprop", [2.0], 0.1),
                               [-0.1 * 2.0 / (np.sqrt(0.01 * 4.0) + 1e-8)], rtol=1e-12)
    np.testing.assert_allclose(_steps("adagrad", [2.0, 2.0], 1.0),
                               [-2.0 / (2.0 + 1e-8),
                                -2.0 / (2.0 + 1e-8) - 2.0 / (np.sqrt(8.0) + 1e-8)], rtol=1e-12)


def test_bad_hyper_parameters():
    for params in ({"beta1": 1.0}, {"beta2": -0.1}, {"eps": -1.0}, {"moment": 0.0},
                   {"b0": 0.0}, {"lr": 1.0}):
        with pytest.raises(InputError):
            simlab.make_algorithm("adam", **params)
