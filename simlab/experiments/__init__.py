"""Experiments: one module per figure or table (spec -> runs -> analysis -> plot).

- :mod:`simlab.experiments.rates`: convergence-rate slopes, measured against the exponents
  :mod:`simlab.theory` derives from Zhang et al. 2020 (the ``simlab rates`` verb).
- :mod:`simlab.experiments.adaptive` (the ``simlab adaptive`` verb): the four figures of the
  adaptive methods and the clipping preprints, one module each (``high_probability``,
  ``clipping_bias``, ``l0l1_smoothness``, ``acclip_nonstationary``), their shared statistics
  and finding combiner in ``evidence``.
"""
