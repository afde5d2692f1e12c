"""Problems: gradients against finite differences, minimisers, constants, projection."""

import numpy as np
import pytest

import simlab
from simlab.errors import InputError

PROBLEMS = [simlab.Quadratic(dim=7), simlab.NonConvex(dim=7),
            simlab.ConstrainedQuadratic(dim=7), simlab.ConstrainedQuadratic(dim=7, l1=0.0)]


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_gradient_matches_central_differences(problem):
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.uniform(-1.9, 1.9, problem.dim)
        step = 1e-6
        numeric = np.array([(problem.f(x + step * e) - problem.f(x - step * e)) / (2 * step)
                            for e in np.eye(problem.dim)])
        np.testing.assert_allclose(problem.grad(x), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_minimiser_and_f_star(problem):
    """f(x*) = f*, and no point of a fine random search (inside the domain) is lower."""
    rng = np.random.default_rng(2)
    assert problem.f(problem.minimiser) == pytest.approx(problem.f_star, abs=1e-12)
    points = problem.minimiser + rng.normal(scale=0.3, size=(2000, problem.dim))
    if problem.projected:
        points = np.array([problem.project(p) for p in points])
    assert min(problem.f(p) for p in points) >= problem.f_star - 1e-12


def test_nonconvex_constants():
    problem = simlab.NonConvex(dim=3, mu=1.0, wave=2.0)
    assert problem.smoothness == 5.0
    # second derivative along a coordinate ranges over [mu - 2w, mu + 2w] = [-3, 5]
    t = np.linspace(-4, 4, 2001)
    curvature = [(problem.f(np.array([s + 1e-4, 1, 1])) - 2 * problem.f(np.array([s, 1, 1]))
                  + problem.f(np.array([s - 1e-4, 1, 1]))) / 1e-8 for s in t]
    assert max(curvature) == pytest.approx(5.0, abs=1e-3)
    assert min(curvature) == pytest.approx(-3.0, abs=1e-3)


def test_constrained_gradient_bound_is_the_supremum():
    problem = simlab.ConstrainedQuadratic(dim=4)
    corners = np.array(np.meshgrid(*[[-2.0, 2.0]] * 4)).reshape(4, -1).T
    assert max(np.linalg.norm(problem.grad(c)) for c in corners) == pytest.approx(
        problem.gradient_bound())


def test_projection_is_the_box():
    problem = simlab.ConstrainedQuadratic(dim=3, radius=1.0)
    np.testing.assert_array_equal(problem.project(np.array([3.0, -0.5, -7.0])), [1.0, -0.5, -1.0])
    assert np.isnan(problem.project(np.array([np.nan, 0, 0]))[0])


@pytest.mark.parametrize("make", [lambda: simlab.Quadratic(dim=0), lambda: simlab.Quadratic(mu=-1),
                                  lambda: simlab.Quadratic(mu=2, L=1),
                                  lambda: simlab.Quadratic(center=float("nan")),
                                  lambda: simlab.NonConvex(wave=0.1),
                                  lambda: simlab.ConstrainedQuadratic(radius=0)])
def test_bad_problem_parameters(make):
    with pytest.raises(InputError):
        make()
