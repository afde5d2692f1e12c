"""simlab: theory verification and Monte Carlo simulation for stochastic optimization under
heavy-tailed gradient noise.

The public API: :func:`simulate` -> :class:`Result`; noise laws (:mod:`simlab.noise`), problems
(:mod:`simlab.problems`), algorithms and clipping operators (:mod:`simlab.algorithms`),
schedules (:mod:`simlab.schedules`).
"""

from simlab.algorithms import ALGORITHMS, clip_coordinates, clip_global, make_algorithm, normalize
from simlab._version import __version__
from simlab.run.engine import log_checkpoints, simulate
from simlab.run.result import METRICS, Result
from simlab.noise import LAWS, Cauchy, Gaussian, Pareto, Stable, StudentT, TwoPoint, make_noise
from simlab.problems import PROBLEMS, ConstrainedQuadratic, NonConvex, Quadratic
from simlab.schedules import Schedule, constant, theorem2, theorem4, theorem8

__all__ = [
    "ALGORITHMS", "LAWS", "METRICS", "PROBLEMS", "Cauchy", "ConstrainedQuadratic", "Gaussian",
    "NonConvex", "Pareto", "Quadratic", "Result", "Schedule", "Stable", "StudentT", "TwoPoint",
    "clip_coordinates", "clip_global", "constant", "log_checkpoints", "make_algorithm",
    "make_noise", "normalize", "simulate", "theorem2", "theorem4", "theorem8",
]
