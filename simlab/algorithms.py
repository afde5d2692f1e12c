"""Update rules and the clipping operators (Zhang et al. 2020, Section 3-4).

An algorithm is a direction rule (identity, global clip, coordinate clip, normalisation), whether
it projects onto the problem's domain, and whether it keeps the k-weighted average of Theorem 4.
The clipping operators are public (:func:`clip_global`, :func:`clip_coordinates`,
:func:`normalize`) and are the very kernels the engine runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simlab import _kernels as kernels
from simlab.errors import check_choice, check_positive


@dataclass(frozen=True)
class Algorithm:
    name: str
    code: int
    projected: bool = False
    averaging: bool = False
    clips: bool = False
    source: str = ""


#: CLI names -> algorithms (a contract)
ALGORITHMS: dict[str, Algorithm] = {
    "sgd": Algorithm("sgd", kernels.SGD, source="x_{k+1} = x_k - eta_k g_k"),
    "gclip": Algorithm("gclip", kernels.GCLIP, clips=True,
                       source="GClip, Zhang et al. 2020 Section 3.1: g * min{1, tau/||g||}"),
    "cclip": Algorithm("cclip", kernels.CCLIP, clips=True,
                       source="CClip, Zhang et al. 2020 Section 4 / Theorem 8: per coordinate"),
    "nsgd": Algorithm("nsgd", kernels.NSGD, source="normalised SGD: x - eta g/||g||"),
    "proj-gclip": Algorithm("proj-gclip", kernels.GCLIP, projected=True, averaging=True,
                            clips=True, source="projected GClip with k-weighted averaging, "
                            "Zhang et al. 2020 Theorem 4 / Appendix D"),
}


def make_algorithm(name: str) -> Algorithm:
    check_choice("algorithm", name, ALGORITHMS)
    return ALGORITHMS[name]


def _vector(g) -> np.ndarray:
    return np.array(g, dtype=float, copy=True, ndmin=1)


def clip_global(g, tau: float) -> np.ndarray:
    """GClip's estimator ``min{1, tau/||g||} g`` (a new array). See
    :func:`simlab._kernels.clip_global_inplace` for g = 0, NaN and inf."""
    tau = check_positive("clipping threshold", tau, allow_zero=True, allow_inf=True)
    out = _vector(g)
    kernels.clip_global_inplace(out, tau)
    return out


def clip_coordinates(g, tau: float) -> np.ndarray:
    """CClip's estimator: each coordinate clipped to [-tau, tau] (a new array)."""
    tau = check_positive("clipping threshold", tau, allow_zero=True, allow_inf=True)
    out = _vector(g)
    kernels.clip_coordinates_inplace(out, tau)
    return out


def normalize(g) -> np.ndarray:
    """``g / ||g||`` (0 stays 0; inf and NaN as in :func:`clip_global` with tau = 1)."""
    out = _vector(g)
    kernels.normalize_inplace(out)
    return out
