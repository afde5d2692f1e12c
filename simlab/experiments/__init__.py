"""Experiments: one module per figure or table (cells -> simlab.run.compute -> analysis ->
findings -> plot).

- :mod:`simlab.experiments.rates`: convergence-rate slopes, measured against the exponents
  :mod:`simlab.theory` derives from Zhang et al. 2020 (the ``simlab rates`` verb), with its
  parts :mod:`simlab.experiments.rates_theorem4` (Theorem 4 in both printed versions, Corollary
  7 vs Theorem 8 against d), :mod:`simlab.experiments.rates_theorem2` (Theorem 2 in both printed
  versions and in its stated regime) and :mod:`simlab.experiments.rates_common` (budgets, rows,
  the median-of-means fit, the powered stage).
- :mod:`simlab.experiments.bounds`: every upper bound with its constants against the runs
  (``simlab bounds``).
- :mod:`simlab.experiments.lowerbounds`, :mod:`~simlab.experiments.lowerbound_runs`,
  :mod:`~simlab.experiments.lowerbound_figures`: the hard instances of Theorems 5 and 6, their
  properties and every algorithm run on them (``simlab lowerbounds``).
- :mod:`simlab.experiments.adaptive` (the ``simlab adaptive`` verb): the four figures of the
  adaptive methods and the clipping preprints, one module each (``high_probability``,
  ``clipping_bias``, ``l0l1_smoothness``, ``acclip_nonstationary``), their shared statistics
  and finding combiner in ``evidence``.
- :mod:`simlab.experiments.adam_update`, :mod:`~simlab.experiments.adam_update_figures`: the
  law of the Adam update of Zhiyi & Ziyin against the simulator (``simlab adam-update``).
- :mod:`simlab.experiments.noise`: heavy-tail diagnostics (``simlab noise``).
"""
