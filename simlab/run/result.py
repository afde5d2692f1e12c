"""``Result``: the per-replica metrics of one engine run at its checkpoints, and their
summaries (made by :func:`simlab.run.engine.simulate`, stored by :mod:`simlab.run.store`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simlab import _kernels as kernels

METRICS = kernels.METRICS
DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True, repr=False)
class Result:
    """Per-replica metrics at the checkpoints and their summaries.

    ``metrics[name]`` is a (replicas x checkpoints) array for each name of :data:`METRICS`:
    ``error`` f(x_k) - f*, ``grad_norm`` ||grad f(x_k)||, ``avg_error`` f(x_bar_k) - f* (NaN
    without averaging), ``clip_fraction`` the fraction of steps 1..k that clipped,
    ``min_grad_mean`` (1/k) sum_{j<k} min{||grad f(x_j)||, ||grad f(x_j)||^2} (Theorem 2's
    quantity; NaN unless ``simulate(..., track_min_grad=True)``), ``distance`` ||x_k - x*||.
    A replica that diverged at step s holds +inf from s on; ``diverged_step[r]`` is s (0 if it
    never diverged). ``final_iterates`` holds x_K per replica.
    """

    params: dict
    checkpoints: np.ndarray
    metrics: dict[str, np.ndarray]
    diverged_step: np.ndarray
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    final_iterates: np.ndarray | None = None

    @property
    def replicas(self) -> int:
        return int(self.diverged_step.size)

    @property
    def diverged(self) -> int:
        return int(np.count_nonzero(self.diverged_step))

    def mean(self, metric: str) -> np.ndarray:
        return np.mean(self.metrics[metric], axis=0)

    def stderr(self, metric: str) -> np.ndarray:
        values = self.metrics[metric]
        if values.shape[0] < 2:
            return np.full(values.shape[1], np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            return np.std(values, axis=0, ddof=1) / math.sqrt(values.shape[0])

    def median(self, metric: str) -> np.ndarray:
        return self.quantile(metric, 0.5)

    def quantile(self, metric: str, q: float) -> np.ndarray:
        """Quantiles by order statistic ('inverted_cdf'): well defined when replicas hold +inf."""
        return np.quantile(self.metrics[metric], q, axis=0, method="inverted_cdf")

    def summary(self, metric: str) -> dict:
        """mean with standard error, median and quantiles per checkpoint (NaN-free unless the
        metric is undefined for this algorithm; +inf where replicas diverged)."""
        values = self.metrics[metric]
        return {
            "mean": self.mean(metric),
            "stderr": self.stderr(metric),
            "median": self.median(metric),
            "quantiles": {f"{q:g}": self.quantile(metric, q) for q in self.quantiles},
            "diverged": int(np.count_nonzero(~np.isfinite(values[:, -1]))),
        }

    def to_dict(self) -> dict:
        return {
            "parameters": self.params,
            "checkpoints": self.checkpoints,
            "replicas": self.replicas,
            "diverged": self.diverged,
            "metrics": {name: self.summary(name) for name in METRICS
                        if not np.all(np.isnan(self.metrics[name]))},
        }

    def __repr__(self):
        final = {name: float(np.median(self.metrics[name][:, -1])) for name in
                 ("error", "grad_norm")}
        return (f"Result({self.params.get('algorithm')} on {self.params.get('problem')}, "
                f"{self.params.get('noise')}; {self.replicas} replicas x "
                f"{int(self.checkpoints[-1])} steps; final median error {final['error']:.3g}, "
                f"grad norm {final['grad_norm']:.3g}; diverged {self.diverged})")


