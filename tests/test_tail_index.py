"""Tail-index estimators on laws with a known index (simlab.tail_index).

Every statistical test states its seed, its sample size and a tolerance that is a multiple of a
standard error; each checker is also fed a deliberately wrong input and must reject it.
"""

import math
import warnings

import numpy as np
import pytest

from simlab.errors import InputError
from simlab.tail_index import (
    FiniteVarianceSuspectedWarning,
    ReferenceLaw,
    finite_variance_diagnostic,
    hill,
    magnitudes,
    mohammadi,
    mohammadi_finite_variance_limit,
    moment_estimator,
    pooled_coordinates,
    validation_table,
)

PARETO = ReferenceLaw("pareto", 1.5)
STABLE = ReferenceLaw("stable", 1.5)
STUDENT3 = ReferenceLaw("student", 3.0)
GAUSSIAN = ReferenceLaw("gaussian")


def hill_agrees(estimate, tail_index, *, z=5.0, bias=0.0):
    """Hill's 1/alpha within z standard errors (1/alpha)/sqrt(k) (+ a stated bias allowance)."""
    inverse_se = (1.0 / tail_index) / math.sqrt(estimate.k)
    return abs(1.0 / estimate.tail_index - 1.0 / tail_index) <= z * inverse_se + bias


def mohammadi_agrees(estimate, tail_index, *, z=5.0):
    """Within z of the estimator's own (conservative, delta-method) standard error."""
    return abs(estimate.tail_index - tail_index) <= z * estimate.standard_error


def test_hill_is_exact_on_pareto_and_rejects_a_gaussian():
    # seed 1, n = 1e5 scalars, k = 316. Above any threshold |X| of a Pareto(1.5) is exactly Pareto,
    # so the k log-spacings are iid Exp(1.5): 1/alpha_hat has mean 1/1.5 and SE (1/1.5)/sqrt(k);
    # 5 SE fails a correct implementation with probability ~6e-7.
    rng = np.random.default_rng(1)
    estimate = hill(PARETO.draw(100_000, rng))
    assert estimate.k == 316
    assert hill_agrees(estimate, 1.5)
    assert estimate.ci_low < 1.5 < estimate.ci_high
    wrong = hill(GAUSSIAN.draw(100_000, rng))
    assert not hill_agrees(wrong, 1.5)


def test_moment_estimator_on_pareto_and_gaussian():
    # seed 9, n = 1e5, k = 316. Asymptotically sqrt(k)(gamma_hat - gamma) ~ N(0, 1 + gamma^2) for
    # gamma > 0 (Dekkers, Einmahl & de Haan 1989): tolerance 5 SE = 5 sqrt(1 + gamma^2)/sqrt(k)
    # = 0.34 on gamma = 1/1.5. A Gaussian (gamma = 0) must fall outside that band.
    rng = np.random.default_rng(9)
    tolerance = 5 * math.sqrt(1 + (1 / 1.5) ** 2) / math.sqrt(316)
    estimate = moment_estimator(PARETO.draw(100_000, rng))
    assert abs(1 / estimate.tail_index - 1 / 1.5) < tolerance
    gaussian = moment_estimator(GAUSSIAN.draw(100_000, rng))
    assert abs(1 / gaussian.tail_index - 1 / 1.5) > tolerance


def test_hill_on_student_t3_norms_and_pooled():
    # seed 2, 20000 vectors of d = 10 iid Student-t(3) coordinates: norms (k = 141) and pooled
    # coordinates (2e5 scalars, k = 447). Student-t tails are power laws only to first order; the
    # second-order bias of Hill at k = sqrt(n) is O(k/n)^(2/nu) = about 0.05 on 1/alpha for nu = 3,
    # allowed as `bias` on top of 5 SE.
    rng = np.random.default_rng(2)
    vectors = STUDENT3.draw((20_000, 10), rng)
    for data in (vectors, pooled_coordinates(vectors)):
        estimate = hill(data)
        assert hill_agrees(estimate, 3.0, bias=0.05)
        assert not hill_agrees(estimate, 1.5, bias=0.05)  # a wrong target is rejected


def test_mohammadi_on_stable_vectors_pooled_and_prime_n():
    # seed 3, symmetric alpha-stable(1.5): Y =_d K1^(1/alpha) X, so the estimator is unbiased for
    # 1/alpha; tolerance 5 of its conservative delta-method standard errors.
    rng = np.random.default_rng(3)
    vectors = STABLE.draw((10_007, 10), rng)  # n = 10007 is prime: K1 = 100, 7 samples dropped
    on_vectors = mohammadi(vectors)
    assert (on_vectors.k, on_vectors.n_used) == (100, 10_000)
    assert mohammadi_agrees(on_vectors, 1.5)
    assert not mohammadi_agrees(on_vectors, 2.0)
    scalars = pooled_coordinates(vectors)[:99_991]  # 99991 is prime too
    on_pooled = mohammadi(scalars)
    assert on_pooled.k == 316 and on_pooled.n_used == 316 * (99_991 // 316)
    assert mohammadi_agrees(on_pooled, 1.5)
    assert not mohammadi_agrees(mohammadi(GAUSSIAN.draw(99_991, rng)), 1.5)


def test_mohammadi_on_norms_goes_to_one_unless_symmetrized():
    # Zhang et al. Appendix H applies the estimator to noise norms: positive with finite mean, the
    # block sums grow like K1 * mean and the estimate goes to 1 whatever the law (seed 4, n = 1e4).
    rng = np.random.default_rng(4)
    norms = magnitudes(STABLE.draw((10_000, 10), rng))
    with pytest.raises(InputError, match="symmetry"):
        mohammadi(norms)
    one_signed = mohammadi(norms, allow_one_signed=True, warn=False)
    assert abs(one_signed.tail_index - 1.0) < 0.1
    symmetrized = mohammadi(norms, symmetrize=True, rng=np.random.default_rng(5))
    assert mohammadi_agrees(symmetrized, 1.5)
    assert not mohammadi_agrees(one_signed, 1.5)


def test_warning_fires_on_student_t3_pooled_coordinates_only():
    # The known failure: pooled Student-t(3) coordinates (seed 6, 1e5 scalars) give an estimate
    # below 2 although the variance is finite; Hill's 99% lower bound on |x| (k = 316) is > 2.
    rng = np.random.default_rng(6)
    student = STUDENT3.draw(100_000, rng)
    with pytest.warns(FiniteVarianceSuspectedWarning, match="variance looks finite"):
        estimate = mohammadi(student)
    assert estimate.tail_index < 2.0
    assert finite_variance_diagnostic(student).looks_finite
    # wrong input for the diagnostic: infinite-variance stable data must not trigger it
    stable = STABLE.draw(100_000, rng)
    assert not finite_variance_diagnostic(stable).looks_finite
    with warnings.catch_warnings():
        warnings.simplefilter("error", FiniteVarianceSuspectedWarning)
        assert mohammadi(stable).tail_index < 2.0


def test_predicted_finite_variance_bias_matches_student_t3():
    # The derived limit 1/(1/2 + c/log K1) (c = 0.365 for Student-t(3)) against 20 replicas
    # (seed 7) of 1e4 scalars (K1 = 100): |mean - prediction| < 5 SE of the replica mean. The
    # prediction is an asymptotic (Gaussian block sums) value; a Gaussian law gives exactly 2.
    rng = np.random.default_rng(7)
    predicted = mohammadi_finite_variance_limit(STUDENT3, 100)
    assert predicted == pytest.approx(1 / (0.5 + 0.3654 / math.log(100)), abs=1e-3)
    assert mohammadi_finite_variance_limit(GAUSSIAN, 100) == pytest.approx(2.0)
    assert math.isnan(mohammadi_finite_variance_limit(STABLE, 100))
    estimates = np.array([mohammadi(STUDENT3.draw(10_000, rng), warn=False).tail_index
                          for _ in range(20)])
    standard_error = estimates.std(ddof=1) / math.sqrt(estimates.size)
    assert abs(estimates.mean() - predicted) < 5 * standard_error
    assert abs(estimates.mean() - 2.0) > 5 * standard_error  # the naive target 2 is rejected


def test_mean_log_abs_closed_forms_match_monte_carlo():
    # E log|X| (closed forms) against 2e5 draws
    # (seed 8); SE = sd(log|X|)/sqrt(n) ~ 3e-3, tolerance 5 SE.
    rng = np.random.default_rng(8)
    for law in (STABLE, ReferenceLaw("stable", 1.2), STUDENT3, PARETO, GAUSSIAN):
        logs = np.log(np.abs(law.draw(200_000, rng)))
        standard_error = logs.std() / math.sqrt(logs.size)
        assert abs(logs.mean() - law.mean_log_abs()) < 5 * standard_error
        # a wrong formula (the Gaussian value for every law) is rejected for the heavy laws
        if law is not GAUSSIAN:
            assert abs(logs.mean() - GAUSSIAN.mean_log_abs()) > 5 * standard_error


def test_bad_input_is_rejected():
    with pytest.raises(InputError, match="finite"):
        hill([1.0, np.nan] * 20)
    with pytest.raises(InputError, match="1-D"):
        hill(np.ones((3, 3, 3)))
    with pytest.raises(InputError, match="at least 20"):
        hill(np.arange(1.0, 10.0))
    with pytest.raises(InputError, match="k must be"):
        hill(np.arange(1.0, 100.0), k=99)
    with pytest.raises(InputError, match="fewer than 2 blocks"):
        mohammadi(np.linspace(-1, 1, 50), block_size=40)


def test_validation_table_rows_and_targets():
    rows = validation_table(sizes=(500,), replicas=3, dimension=4, seed=0,
                            laws=(STABLE, STUDENT3))
    assert len(rows) == 2 * 7
    by_key = {(r["law"], r["estimator"], r["input"]): r for r in rows}
    assert by_key[("student(3)", "hill", "pooled")]["target"] == 3.0
    assert by_key[("student(3)", "mohammadi", "pooled")]["target"] == 2.0
    assert by_key[("stable(1.5)", "mohammadi", "norms-as-scalars")]["mean_estimate"] < 1.1
    again = validation_table(sizes=(500,), replicas=3, dimension=4, seed=0, laws=(STABLE, STUDENT3))
    assert again == rows  # seeded per cell: reproducible


def test_validation_task_is_the_table_through_the_store(tmp_path):
    """The stored task of one (law, n) cell gives the rows validation_table computes in place
    (stable(1.5), n = 300, 2 replicas, dimension 4, root seed 0), from the store the second time;
    Gaussian's missing parameter travels as None (a task's parameters are never NaN)."""
    from simlab.run import compute, using
    from simlab.tail_index import (
        ReferenceLaw,
        law_from,
        law_params,
        validation_rows,
        validation_seed,
        validation_task,
    )

    task = validation_task(STABLE, 300, 2, 4, validation_seed(STABLE, 300, 0))
    with using(store=str(tmp_path)):
        stored = compute([task])[task]
        again = compute([task])[task]
    assert np.array_equal(stored["estimates"], again["estimates"], equal_nan=True)
    assert validation_rows(STABLE, 300, 4, stored) == validation_table(
        sizes=(300,), replicas=2, dimension=4, seed=0, laws=(STABLE,))
    gaussian = ReferenceLaw("gaussian")
    assert law_params(gaussian)["law_parameter"] is None
    assert law_from(**law_params(gaussian)).name == "gaussian"
    assert law_from(**law_params(STABLE)) == STABLE
