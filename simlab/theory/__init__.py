"""Theory: what the papers predict, derived once and imported by both :mod:`simlab.claims` (which
compares it with the printed statements) and :mod:`simlab.experiments` (which compares it with
measurements).

- :mod:`simlab.theory.exponents`: rate exponents derived symbolically from the proofs' bounds
  (Theorems 2, 4, 5, 6, 8, Corollary 7) and :func:`exponent_of`;
- :mod:`simlab.theory.regimes`: the same bounds' exponents in the regimes a finite run is in
  (which terms of Theorem 2's tau and eta bind, and from which K the stated rate applies), for
  laws lighter than the worst case (Theorem 4, Corollary 7), and the Remark on SGD's infinite
  expected error (block-mean growth, GClip's deterministic bound); imported as a module
  (``from simlab.theory import regimes``), used by :mod:`simlab.experiments.rates`.

The theorems' schedules (step sizes and thresholds as printed) are in :mod:`simlab.schedules`,
with ``default_schedule``, the schedule of the theorem that covers a run.
"""

from simlab.theory.exponents import *  # noqa: F401,F403 -- ``from simlab import theory``
from simlab.theory.exponents import _A, K, exponent_of, k  # noqa: F401
