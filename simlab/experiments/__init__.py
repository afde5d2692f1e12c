"""Experiments: one module per figure or table (spec -> runs -> analysis -> plot).

- :mod:`simlab.experiments.rates`: convergence-rate slopes, measured against the exponents
  :mod:`simlab.theory` derives from Zhang et al. 2020 (the ``simlab rates`` verb).
"""
