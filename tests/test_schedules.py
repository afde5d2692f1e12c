"""Schedules: the theorems' formulas as printed, and the inequalities the proofs take from them."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab import schedules
from simlab.errors import InputError


def test_theorem4_versions_agree_only_at_the_golden_ratio():
    golden = (1 + math.sqrt(5)) / 2  # 1/alpha = alpha - 1
    for alpha in (1.2, 1.5, golden, 2.0):
        proof = schedules.theorem4(3.0, alpha, 2.0, printed="appendix-d").thresholds(100)
        main = schedules.theorem4(3.0, alpha, 2.0, printed="main-text").thresholds(100)
        assert np.allclose(proof[1:], main[1:]) == (alpha == golden)
    steps = schedules.theorem4(3.0, 1.5, 2.0).step_sizes(10)
    np.testing.assert_allclose(steps[1:], 4 / (2.0 * (np.arange(1, 11) + 1)))
    np.testing.assert_allclose(
        schedules.theorem4(3.0, 1.5, 2.0).thresholds(8)[8], 3 * 8 ** (1 / 1.5)
    )


@settings(deadline=None, max_examples=200)
@given(
    st.floats(1.01, 2.0),
    st.floats(1e-3, 10.0),
    st.floats(0.1, 100.0),
    st.integers(1, 10**7),
    st.floats(1e-3, 1e3),
)
def test_theorem2_parameters_meet_the_proof_inequalities(alpha, sigma, L, steps, F0):
    """Appendix C uses tau >= 8 sigma, tau >= 2, eta <= 1/(4L), eta <= 1/(L tau^alpha),
    eta <= 1/(24 L tau), and sigma^alpha / (tau/4)^(alpha-1) <= 1/12."""
    eta, tau = schedules.theorem2_parameters(L, sigma, alpha, steps, F0)
    assert tau >= 8 * sigma and tau >= 2
    assert eta <= 1 / (4 * L) * (1 + 1e-12)
    assert eta <= 1 / (L * tau**alpha) * (1 + 1e-12)
    assert eta <= 1 / (24 * L * tau) * (1 + 1e-12)
    if (math.log(48) + alpha * math.log(sigma)) / (alpha - 1) < 700:  # no overflow cap
        assert math.log(sigma) * alpha - (alpha - 1) * math.log(tau / 4) <= math.log(1 / 12) + 1e-9


def test_theorem2_tau_grows_with_K_only_in_the_appendix_version():
    small = schedules.theorem2_parameters(1.0, 0.05, 1.5, 10**3, 1.0)[1]
    large = schedules.theorem2_parameters(1.0, 0.05, 1.5, 10**7, 1.0)[1]
    assert large > small
    small_main = schedules.theorem2_parameters(1.0, 0.05, 1.5, 10**3, 1.0, "main-text")[1]
    large_main = schedules.theorem2_parameters(1.0, 0.05, 1.5, 10**7, 1.0, "main-text")[1]
    assert large_main <= small_main


@pytest.mark.parametrize(
    "call",
    [
        lambda: schedules.theorem4(1.0, 1.0, 1.0),
        lambda: schedules.theorem4(1.0, 2.1, 1.0),
        lambda: schedules.theorem4(-1.0, 1.5, 1.0),
        lambda: schedules.theorem4(1.0, 1.5, 1.0, "x"),
        lambda: schedules.theorem2_parameters(1.0, 1.0, 1.5, 0, 1.0),
        lambda: schedules.constant(float("nan")),
    ],
)
def test_bad_schedule_parameters(call):
    with pytest.raises(InputError):
        call()
