"""``Result``: the per-replica metrics of one engine run at its checkpoints, and their
summaries (made by :func:`simlab.run.engine.simulate`, stored by :mod:`simlab.run.store`).
"""

from __future__ import annotations

import importlib
import json
import math
from dataclasses import dataclass

import numpy as np

from simlab import _kernels as kernels
from simlab.errors import InputError

METRICS = kernels.METRICS
DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
#: what each metric is (the ``description`` attribute of :meth:`Result.to_xarray`'s variables)
DESCRIPTIONS = {
    "error": "f(x_k) - f*",
    "grad_norm": "||grad f(x_k)||",
    "avg_error": "f(x_bar_k) - f* of the k-weighted average (Theorem 4); NaN without averaging",
    "clip_fraction": "fraction of steps 1..k that clipped",
    "min_grad_mean": "(1/k) sum_{j<k} min{||grad f(x_j)||, ||grad f(x_j)||^2} (Theorem 2)",
    "distance": "||x_k - x*||",
    "progress": "prog_1(x_k/lambda) on the zero chain; NaN elsewhere",
    "diverged_step": "step at which the iterate became non-finite (0: never)",
    "final_iterate": "x_K",
}
#: how to install the optional packages (xarray, h5netcdf, pyarrow)
DATA_EXTRA = "pip install 'simlab[data]'"


def optional_import(module: str, needed_by: str):
    """Import an optional package of ``simlab[data]`` (xarray, h5netcdf, pyarrow), or raise
    one :class:`InputError` line saying what needs it and how to install it (exit 2)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"{needed_by} needs the optional package {module.split('.')[0]}: "
                         f"{DATA_EXTRA}") from None


def json_default(value):
    """JSON for numpy scalars and arrays in params (as the store writes them)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def attributes(params: dict) -> dict:
    """``params`` as netCDF-safe attributes: numbers and strings as they are, booleans as 0/1,
    anything else (dicts, lists, None) as JSON text; ``simlab_params`` holds the whole dict as
    JSON for an exact round trip."""
    attrs = {}
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)):
            attrs[name] = int(value)
        elif isinstance(value, (int, float, str, np.integer, np.floating)):
            attrs[name] = value
        else:
            attrs[name] = json.dumps(value, default=json_default)
    attrs["simlab_params"] = json.dumps(params, default=json_default)
    return attrs


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
        metric is undefined for this algorithm; +inf where replicas diverged), labelled by
        ``checkpoints`` (the step numbers, one per entry of each array)."""
        values = self.metrics[metric]
        return {
            "checkpoints": np.asarray(self.checkpoints),
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
            "metrics": {name: _without_checkpoints(self.summary(name)) for name in METRICS
                        if not np.all(np.isnan(self.metrics[name]))},
        }

    def to_xarray(self):
        """An ``xarray.Dataset`` with dims ``replica`` and ``checkpoint`` (coordinate: the step
        numbers): one (replica x checkpoint) variable per metric, ``diverged_step`` per replica,
        ``final_iterate`` (replica x coordinate) when kept, and the params as attributes
        (:func:`attributes`; the quantiles of the summaries as ``quantiles``). Needs xarray
        (``simlab[data]``); :meth:`from_xarray` reads it back."""
        xr = optional_import("xarray", "Result.to_xarray")
        data = {name: (("replica", "checkpoint"), np.asarray(values))
                for name, values in self.metrics.items()}
        data["diverged_step"] = (("replica",), np.asarray(self.diverged_step))
        if self.final_iterates is not None:
            data["final_iterate"] = (("replica", "coordinate"), np.asarray(self.final_iterates))
        coords = {"replica": np.arange(self.replicas),
                  "checkpoint": np.asarray(self.checkpoints, dtype=np.int64)}
        attrs = attributes(self.params)
        attrs["quantiles"] = np.asarray(self.quantiles, dtype=float)
        dataset = xr.Dataset(data, coords=coords, attrs=attrs)
        for name in dataset.data_vars:
            if name in DESCRIPTIONS:
                dataset[name].attrs["description"] = DESCRIPTIONS[name]
        dataset["checkpoint"].attrs["description"] = "step k"
        return dataset

    @classmethod
    def from_xarray(cls, dataset) -> Result:
        """The Result a :meth:`to_xarray` Dataset holds (also after a netCDF round trip)."""
        try:
            params = json.loads(dataset.attrs["simlab_params"])
        except (KeyError, TypeError, ValueError):
            raise InputError("not a simlab Result dataset: no simlab_params attribute") from None
        metrics = {name: np.asarray(dataset[name].values) for name in METRICS
                   if name in dataset.data_vars}
        final = (np.asarray(dataset["final_iterate"].values)
                 if "final_iterate" in dataset.data_vars else None)
        quantiles = tuple(float(q) for q in np.atleast_1d(dataset.attrs.get(
            "quantiles", DEFAULT_QUANTILES)))
        return cls(params, np.asarray(dataset["checkpoint"].values, dtype=np.int64), metrics,
                   np.asarray(dataset["diverged_step"].values), quantiles=quantiles,
                   final_iterates=final)

    def __repr__(self):
        final = {name: float(np.median(self.metrics[name][:, -1])) for name in
                 ("error", "grad_norm")}
        return (f"Result({self.params.get('algorithm')} on {self.params.get('problem')}, "
                f"{self.params.get('noise')}; {self.replicas} replicas x "
                f"{int(self.checkpoints[-1])} steps; final median error {final['error']:.3g}, "
                f"grad norm {final['grad_norm']:.3g}; diverged {self.diverged})")


def _without_checkpoints(summary: dict) -> dict:
    """A summary for :meth:`Result.to_dict`, whose checkpoints are given once at the top."""
    return {key: value for key, value in summary.items() if key != "checkpoints"}
