"""Shared symbols of Zhang et al. 2020 (from :mod:`simlab.theory`), the alpha grid of the numeric
fallbacks, and the printed rates of Theorems 2, 4, 5 and 6 (reconstructed from the published
theorems).
"""

from __future__ import annotations

import sympy as sp

from simlab import theory


PAPER = "zhang2020"
ALPHA = theory.ALPHA
K, k, d, eps = theory.K, theory.k, theory.d, theory.eps
L, sigma, F0, G, mu = theory.L, theory.sigma, theory.F0, theory.G, theory.mu
tau, eta, grad_norm = sp.symbols("tau eta gradnorm", positive=True)

#: alpha grid for numeric fallbacks: (1, 2] starting just above 1, where exponents blow up
ALPHA_RANGE = {ALPHA: (sp.Rational(21, 20), 2)}
#: printed rates (reconstructed from the published theorems)
RATE_THEOREM2 = -2 * (ALPHA - 1) / (3 * ALPHA - 2)
RATE_THEOREM4 = -2 * (ALPHA - 1) / ALPHA
RATE_THEOREM5 = -2 * (ALPHA - 1) / ALPHA
RATE_THEOREM6 = -(ALPHA - 1) / (3 * ALPHA - 2)
