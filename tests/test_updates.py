"""The public update rules (simlab.updates) reproduce the engine bit for bit.

The engine's gradient sequence is replayed exactly: the problem's gradient by the engine's own
kernel and the heavy-tailed noise by the engine's counter-based stream of replica 0
(:func:`simlab._kernels.add_noise` with the replica's key), so stepping a rule with
``apply_updates`` must give ``simulate(...).final_iterates[0]`` to the last bit (equality, no
tolerance: the rules run the engine's kernels, and the step ``x - eta g`` equals
``x + (-(eta g))`` exactly in IEEE arithmetic). Pareto(1.5) noise (infinite variance) and a far
start make the clipping rules clip on most steps; the test checks that they did.
"""

import math

import numpy as np
import pytest

from simlab import _kernels as kernels
from simlab import updates as U
from simlab.adam_update import UpdateSpec, simulate_updates
from simlab.algorithms import clip_global, make_algorithm
from simlab.errors import InputError
from simlab.noise import GEOMETRIES, Gaussian, Pareto
from simlab.problems import ConstrainedQuadratic, NonConvex, Quadratic
from simlab.rng import seed_key
from simlab.run.engine import simulate
from simlab.schedules import constant, power_law


def replay(problem, noise, transformation, steps, seed, x0, box=None):
    """The engine's path of replica 0, stepped with ``transformation``; also the gradients."""
    code, pp, parr = problem.kernel_args()
    d = problem.dim
    law, geometry = noise.code, GEOMETRIES[noise.geometry]
    lp, scales = noise.parameters(), np.full(d, float(noise.scale))
    key = np.uint64(kernels.replica_key(seed_key(seed), 0))
    counter = np.uint64(0)
    buffer = np.empty(kernels.buffer_length(d))
    x = np.array(x0, dtype=float)
    state = transformation.init(x)
    grads = []
    for _ in range(steps):
        g = np.empty(d)
        kernels.gradient(code, pp, parr, x, g)
        counter = np.uint64(kernels.add_noise(law, geometry, lp, scales, 1.0, key, counter, x, g,
                                              buffer))
        grads.append(g.copy())
        u, state = transformation.update(g, state, x)
        x = U.apply_updates(x, u)
        if box is not None:
            x = U.projection_box(x, *box)
    return x, np.array(grads)


def engine(problem, noise, name, schedule, steps, seed, x0):
    result = simulate(problem, noise, make_algorithm(name), schedule, steps=steps, replicas=1,
                      seed=seed, checkpoints=[steps], x0=x0, show_progress=False)
    return result.final_iterates[0], result


STEPS = 200
ETA, TAU = 0.02, 1.0


@pytest.mark.parametrize("name", ["sgd", "gclip", "cclip", "nsgd", "adam", "rmsprop", "adagrad",
                                  "adagrad-norm", "adagrad-norm-delayed", "adam-norm",
                                  "adam-norm-delayed", "clip-adagrad-norm",
                                  "clip-adam-norm-delayed", "clip-adam", "acclip"])
def test_rule_reproduces_the_engine_bit_for_bit(name):
    """Seed 11, one replica, 200 steps, quadratic d = 6 from x0 = 5 under Pareto(1.5)."""
    problem, noise = Quadratic(dim=6, mu=1.0, L=4.0), Pareto(tail=1.5, scale=0.5)
    x0 = np.full(6, 5.0)
    expected, result = engine(problem, noise, name, constant(ETA, TAU), STEPS, 11, x0)
    tx = U.from_algorithm(name, ETA, TAU)
    got, grads = replay(problem, noise, tx, STEPS, 11, x0)
    assert np.isfinite(expected).all()
    np.testing.assert_array_equal(got, expected)
    if make_algorithm(name).clips:  # the comparison exercised the clipping
        assert result.metrics["clip_fraction"][0, -1] > 0.2


def test_schedules_as_functions_of_the_step():
    """A decaying eta_k = 0.1 (k+1)^-0.6 and tau_k = 2 (k+1)^0.3, given as functions of k."""
    problem, noise = NonConvex(dim=4), Pareto(tail=1.8)
    schedule = power_law(0.1, 1.0, -0.6, 2.0, 1.0, 0.3)
    eta, tau = schedule.step_sizes(STEPS), schedule.thresholds(STEPS)
    x0 = np.full(4, 3.0)
    for name in ("gclip", "clip-adam"):
        expected, _ = engine(problem, noise, name, schedule, STEPS, 5, x0)
        tx = U.from_algorithm(name, lambda k: eta[k], lambda k: tau[k])
        np.testing.assert_array_equal(replay(problem, noise, tx, STEPS, 5, x0)[0], expected)


def test_projected_gclip_with_projection_box():
    """proj-gclip on the constrained quadratic: GClip, then the box (the averaged iterate is
    the engine's metric, not part of the step)."""
    problem, noise = ConstrainedQuadratic(dim=5), Pareto(tail=1.5)
    x0 = np.full(5, -1.5)
    expected, _ = engine(problem, noise, "proj-gclip", constant(0.05, 0.5), STEPS, 3, x0)
    tx = U.chain(U.clip_by_global_norm(0.5), U.sgd(0.05))
    got, _ = replay(problem, noise, tx, STEPS, 3, x0, box=(problem.low, problem.high))
    np.testing.assert_array_equal(got, expected)
    # the project_box rule inside a chain agrees up to rounding (x + (P(x+u) - x))
    chained = U.chain(U.clip_by_global_norm(0.5), U.sgd(0.05),
                      U.project_box(problem.low, problem.high))
    close, _ = replay(problem, noise, chained, STEPS, 3, x0)
    np.testing.assert_allclose(close, expected, rtol=0, atol=1e-12)
    assert np.all((close >= problem.low) & (close <= problem.high))


def test_the_engine_comparison_can_fail():
    """A wrong rule (Adam with another beta2; GClip at another tau) is told apart."""
    problem, noise = Quadratic(dim=6, mu=1.0, L=4.0), Pareto(tail=1.5, scale=0.5)
    x0 = np.full(6, 5.0)
    expected, _ = engine(problem, noise, "adam", constant(ETA, TAU), STEPS, 11, x0)
    wrong, _ = replay(problem, noise, U.adam(ETA, b2=0.99), STEPS, 11, x0)
    assert not np.array_equal(wrong, expected)
    expected, _ = engine(problem, noise, "gclip", constant(ETA, TAU), STEPS, 11, x0)
    wrong, _ = replay(problem, noise, U.from_algorithm("gclip", ETA, 1.01 * TAU), STEPS, 11, x0)
    assert not np.array_equal(wrong, expected)


def test_laprop_is_eq_1_to_4_of_zhiyi_ziyin():
    """LaProp stepped on 500 N(0,1) gradient streams (seed 0; coordinates = streams) equals
    simlab.adam_update's jitted eq. 1-4 per step (Delta theta / lambda = -m_t/c_m). Not bit
    for bit: numba evaluates beta^t for an integer t by repeated multiplication, Python by
    ``pow``, and the last-bit difference of c_n propagates through the momentum; the updates
    are O(1) and agree to 1e-13 absolute (measured: 5e-15), a wrong rule differs by O(0.01)."""
    spec = UpdateSpec(gradient="exponential", steps=20, samples=500, momentum=0.9, epsilon=1e-8)
    gradients = np.random.default_rng(0).standard_normal((500, 20))
    expected = simulate_updates(spec, gradients)
    updates, _, _ = U.step_sequence(U.laprop(1.0, b1=0.9, b2=0.999, eps=1e-8), gradients.T)
    np.testing.assert_allclose(updates.T, expected, rtol=0, atol=1e-13)
    # ... and it is not Kingma-Ba Adam (the momentum of the raw gradient): they differ
    adam_updates, _, _ = U.step_sequence(U.adam(1.0, 0.9, 0.999, 1e-8), gradients.T)
    np.testing.assert_allclose(adam_updates[0], updates[0], rtol=1e-12)  # same first step
    assert np.max(np.abs(adam_updates[-1] - updates[-1])) > 1e-2


def test_laprop_with_b1_zero_is_bias_corrected_rmsprop():
    g = np.random.default_rng(1).standard_normal((30, 3))
    lap, _, _ = U.step_sequence(U.laprop(0.1, b1=0.0, b2=0.9, eps=0.0), g)
    nu = np.zeros(3)
    for t, gt in enumerate(g, start=1):
        nu = 0.9 * nu + 0.1 * gt * gt
        np.testing.assert_allclose(lap[t - 1], -0.1 * gt / np.sqrt(nu / (1 - 0.9 ** t)),
                                   rtol=1e-14)


def test_heavy_ball_is_polyak_momentum():
    g = np.random.default_rng(2).standard_normal((10, 4))
    ups, path, state = U.step_sequence(U.heavy_ball(0.1, 0.5), g, params=np.ones(4))
    m = np.zeros(4)
    for k in range(10):
        m = 0.5 * m + g[k]
        np.testing.assert_array_equal(ups[k], -0.1 * m)
    assert state.count == 10 and path.shape == (11, 4)
    x = np.ones(4)
    for u in ups:
        x = x + u
    np.testing.assert_array_equal(path[-1], x)


def test_clipping_edge_cases_are_the_kernels():
    """g = 0 with tau = 0, an infinite entry, a NaN, a vector whose squared norm underflows."""
    tx = U.clip_by_global_norm(0.0)
    u, _ = tx.update(np.zeros(3), tx.init(np.zeros(3)))
    np.testing.assert_array_equal(u, np.zeros(3))
    tx = U.clip_by_global_norm(2.0)
    u, _ = tx.update(np.array([np.inf, -np.inf, 5.0]), tx.init(np.zeros(3)))
    np.testing.assert_allclose(u, [math.sqrt(2), -math.sqrt(2), 0.0], rtol=1e-15, atol=0)
    u, _ = tx.update(np.array([1.0, np.nan]), tx.init(np.zeros(2)))
    assert np.isnan(u).all()
    tiny = np.full(4, 1e-200)  # ||g||^2 underflows to 0 in naive arithmetic
    u, _ = U.clip_by_global_norm(1e-201).update(tiny, U.CountState(0))
    np.testing.assert_allclose(np.linalg.norm(u / 1e-201), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(u, clip_global(tiny, 1e-201))
    u, _ = U.clip_coordinates(1.0).update(np.array([-np.inf, 0.5, 3.0]), U.CountState(0))
    np.testing.assert_array_equal(u, [-1.0, 0.5, 1.0])
    u, _ = U.normalize().update(np.zeros(2), U.CountState(0))
    np.testing.assert_array_equal(u, np.zeros(2))


def test_rules_are_pure():
    g = np.array([3.0, -4.0])
    state = U.adam(0.1).init(g)
    before = (state.mu.copy(), state.nu.copy())
    u1, s1 = U.adam(0.1).update(g, state)
    u2, s2 = U.adam(0.1).update(g, state)
    np.testing.assert_array_equal(u1, u2)
    np.testing.assert_array_equal(state.mu, before[0])
    np.testing.assert_array_equal(state.nu, before[1])
    np.testing.assert_array_equal(g, [3.0, -4.0])
    assert s1.count == 1 and state.count == 0
    # matrices are one vector for the global norm, and keep their shape
    u, _ = U.clip_by_global_norm(1.0).update(np.full((2, 2), 2.0), U.CountState(0))
    assert u.shape == (2, 2)
    np.testing.assert_allclose(u, 0.5)


def test_delayed_adagrad_norm_uses_the_previous_b():
    """Chezhegov et al. 2024: the delayed step divides by b_{k-1} (b_0 at k = 1)."""
    g = np.array([[3.0, 4.0], [0.0, 12.0]])
    ups, _, state = U.step_sequence(U.adagrad_norm(1.0, b0=0.5, delayed=True), g)
    np.testing.assert_allclose(ups[0], -g[0] / 0.5)
    np.testing.assert_allclose(ups[1], -g[1] / math.sqrt(0.25 + 25.0))
    assert state.b_squared == pytest.approx(0.25 + 25.0 + 144.0)
    now, _, _ = U.step_sequence(U.adagrad_norm(1.0, b0=0.5), g)
    np.testing.assert_allclose(now[0], -g[0] / math.sqrt(25.25))


def test_errors_are_one_line_input_errors():
    with pytest.raises(InputError, match="step size"):
        U.sgd(-1.0)
    with pytest.raises(InputError, match="clipping threshold"):
        U.clip_by_global_norm(lambda k: -1.0).update(np.ones(2), U.CountState(0))
    with pytest.raises(InputError, match="needs the parameters"):
        U.project_box(0, 1).update(np.ones(2), U.EmptyState())
    with pytest.raises(InputError, match="beta2"):
        U.adam(0.1, b2=1.0)
    with pytest.raises(InputError, match="do not match"):
        U.adam(0.1).update(np.ones(3), U.adam(0.1).init(np.ones(2)))
    with pytest.raises(InputError, match="empty"):
        U.step_sequence(U.sgd(0.1), [])
    with pytest.raises(InputError, match="GradientTransformation"):
        U.chain(U.sgd(0.1), "adam")


def test_gaussian_noise_replay_is_exact_too():
    """The replay does not depend on the law: Gaussian noise (the general noise path)."""
    problem, noise = Quadratic(dim=3), Gaussian(scale=2.0)
    x0 = np.full(3, 4.0)
    expected, _ = engine(problem, noise, "rmsprop", constant(ETA), 100, 2, x0)
    got, _ = replay(problem, noise, U.from_algorithm("rmsprop", ETA), 100, 2, x0)
    np.testing.assert_array_equal(got, expected)
