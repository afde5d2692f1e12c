"""Experiments: one module per figure or table (spec -> runs -> analysis -> plot).

- :mod:`simlab.experiments.rates`: convergence-rate slopes, measured against the exponents
  :mod:`simlab.theory` derives from Zhang et al. 2020 (the ``simlab rates`` verb), with its
  parts :mod:`simlab.experiments.rates_theorem4` (Theorem 4 in both printed versions, Corollary
  7 vs Theorem 8 against d), :mod:`simlab.experiments.rates_theorem2` (Theorem 2 in both printed
  versions and in its stated regime) and :mod:`simlab.experiments.rates_common` (budgets, rows,
  the median-of-means fit, the powered stage).
"""
