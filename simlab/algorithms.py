"""Update rules and the clipping operators (Zhang et al. 2020, Section 3-4).

An algorithm is a direction rule (identity, global clip, coordinate clip, normalisation), whether
it projects onto the problem's domain, and whether it keeps the k-weighted average of Theorem 4.
The clipping operators are public (:func:`clip_global`, :func:`clip_coordinates`,
:func:`normalize`) and are the very kernels the engine runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simlab import _kernels as kernels
from simlab.errors import InputError, check_choice, check_interval, check_positive


@dataclass(frozen=True)
class Algorithm:
    """An update rule. ``clips``: it uses the schedule's threshold tau_k (for the adaptive
    methods: the input gradient is clipped globally at tau_k first). ``delayed``: AdaGrad-Norm /
    Adam-Norm use the step size of step k-1 (Chezhegov et al. 2024). ``beta1``, ``beta2``,
    ``eps``, ``moment`` (ACClip's alpha) and ``b0`` (the initial scalar step-size denominator)
    are the adaptive methods' hyper-parameters."""

    name: str
    code: int
    projected: bool = False
    averaging: bool = False
    clips: bool = False
    source: str = ""
    state_rows: int = 0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    moment: float = 1.0
    b0: float = 1e-2
    delayed: bool = False

    def __post_init__(self):
        check_interval("beta1", self.beta1, 0.0, 1.0, high_open=True)
        check_interval("beta2", self.beta2, 0.0, 1.0, high_open=True)
        check_positive("eps", self.eps, allow_zero=True)
        check_interval("ACClip moment alpha", self.moment, 0.0, 2.0, low_open=True)
        check_positive("b0", self.b0)

    def parameters(self) -> np.ndarray:
        """The kernel's parameter vector (layout ``simlab._kernels.AP_*``)."""
        ap = np.zeros(kernels.N_AP)
        ap[kernels.AP_BETA1] = self.beta1
        ap[kernels.AP_BETA2] = self.beta2
        ap[kernels.AP_EPS] = self.eps
        ap[kernels.AP_MOMENT] = self.moment
        ap[kernels.AP_B0] = self.b0
        ap[kernels.AP_CLIP_INPUT] = float(self.clips and self.code >= kernels.ADAM)
        ap[kernels.AP_DELAYED] = float(self.delayed)
        return ap

    def with_params(self, **params) -> Algorithm:
        """A copy with other hyper-parameters (validated); ``projected``/``averaging`` make a
        projected or averaged variant (the lower-bound runs project every method)."""
        unknown = set(params) - {"beta1", "beta2", "eps", "moment", "b0", "projected",
                                 "averaging"}
        if unknown:
            raise InputError(f"unknown hyper-parameter(s) for {self.name}: {sorted(unknown)}")
        return replace(self, **params)


def _adaptive(name, code, rows, source, **kwargs):
    return Algorithm(name, code, state_rows=rows, source=source, **kwargs)


_CHEZHEGOV = "Chezhegov et al. 2024"
_ADAPTIVE = [
    _adaptive("adam", kernels.ADAM, 2, "Adam, Kingma & Ba 2015 (bias-corrected)"),
    _adaptive("rmsprop", kernels.RMSPROP, 1, "RMSProp, Tieleman & Hinton 2012", beta2=0.99),
    _adaptive("adagrad", kernels.ADAGRAD, 1, "AdaGrad, Duchi et al. 2011"),
    _adaptive("acclip", kernels.ACCLIP, 2, "ACClip, Zhang et al. 2020 Algorithm 1 (alpha = 1)",
              beta2=0.99, eps=1e-5),
]
for _delayed in (False, True):
    for _clip in (False, True):
        _suffix = "-delayed" if _delayed else ""
        _prefix = "clip-" if _clip else ""
        _ADAPTIVE.append(_adaptive(
            f"{_prefix}adagrad-norm{_suffix}", kernels.ADAGRAD_NORM, 1,
            f"{'clipped ' if _clip else ''}AdaGrad-Norm{' with delay' if _delayed else ''}, "
            f"{_CHEZHEGOV}", clips=_clip, delayed=_delayed))
        _ADAPTIVE.append(_adaptive(
            f"{_prefix}adam-norm{_suffix}", kernels.ADAM_NORM, 2,
            f"{'clipped ' if _clip else ''}Adam-Norm{' with delay' if _delayed else ''}, "
            f"{_CHEZHEGOV}", clips=_clip, delayed=_delayed))
_ADAPTIVE.append(_adaptive("clip-adam", kernels.ADAM, 2, "Adam on globally clipped gradients",
                           clips=True))

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
    **{algorithm.name: algorithm for algorithm in _ADAPTIVE},
}


def make_algorithm(name: str, **params) -> Algorithm:
    """An algorithm by its CLI name, with optional hyper-parameters (beta1, beta2, eps, moment,
    b0) for the adaptive methods."""
    check_choice("algorithm", name, ALGORITHMS)
    algorithm = ALGORITHMS[name]
    return algorithm.with_params(**params) if params else algorithm


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
