"""The law of the Adam update: Zhiyi & Ziyin, *On the Distributional Properties of Adaptive
Gradients*.

Three parts:

1. **Predicted laws** as scipy.stats objects, every one a transformation of scipy's Beta law (so
   pdf, cdf, ppf, moments and sampling come from :data:`scipy.stats.beta`):

   - :func:`law_k`: ``K = X_m^2 / sum_{i<=m} X_i^2 ~ Beta(1/2, (m-1)/2)`` (eq. 15, 21);
   - :func:`law_g`: ``G = c K`` (eq. 14, 23), ``c = m`` or ``m - 1`` (the *convention*);
   - :func:`law_xk`: ``X_k = sign(X_m) sqrt(K)`` on ``[-1, 1]``:
     ``(1 + X_k)/2 ~ Beta((m-1)/2, (m-1)/2)`` (eq. 28, 29);
   - :func:`law_xg`: ``X_g = sign(X_m) sqrt(G) = sqrt(c) X_k``, the law of the update (eq. 30,
     Theorem 1);
   - :func:`law_abs_xg`: ``|X_g| = sqrt(c K)``, a square root of a Beta law (:data:`root_beta`),
     whose variance is Corollary 2;
   - :func:`student_t_law`: the law one gets by *ignoring* the correlation of numerator and
     denominator (Section 3, Liu et al. 2019): Student-t with ``m`` degrees of freedom. It is wrong,
     and the tests check that the simulator rejects it.

2. **A jitted simulator** (:func:`simulate_updates`) of ``Delta theta = (theta_t - theta_{t-1}) /
   lambda`` for eq. 1-4 (momentum ``mu``, preconditioner decay ``beta``, bias corrections ``c_n``
   and ``c_m``, ``epsilon``), many independent samples, every step recorded. Gradients are drawn
   in NumPy from ``np.random.default_rng(seed)`` (row ``s`` is sample ``s``) and the kernel
   :func:`_adam_update_kernel` is pure, so results are bit-identical whatever the thread count.

3. **The stored draws** (:func:`update_samples`, :func:`update_task`): a
   :class:`simlab.run.spec.Task` per simulation, so experiments get their updates through
   :func:`simlab.run.compute` (the store), and the **statistics** every comparison uses (the
   standard error of a sample variance, Bonferroni quantiles, KS tests, the edge-to-centre
   ratio of the modality transition).

The comparisons with their :class:`simlab.finding.Finding` verdicts and the five figures live in
:mod:`simlab.experiments.adam_update`. Where the printed paper is wrong, the code follows the
derivation; each erratum is a claim of :mod:`simlab.claims.zhiyi_ziyin` whose check derives the
correction (:data:`ERRATA_CLAIMS` names them).

Formulas were reconstructed from the published paper (arXiv 2105.07222); the extracted text kept
eq. 14-34 but lost some typography (e.g. the support of eq. 28 printed as ``[-sqrt m, sqrt m]``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
from numba import njit, prange
from scipy import special, stats

from simlab.errors import (
    InputError,
    check_choice,
    check_count,
    check_finite,
    check_interval,
    check_memory,
    check_positive,
)
from simlab.rng import seed_of

CONVENTIONS: tuple[str, ...] = ("c=m", "c=m-1")

#: gradient stream name -> what it is (the ``--gradient`` choices of ``simlab adam-update``)
GRADIENTS: dict[str, str] = {
    "normal": "i.i.d. N(0,1); simple average unless a beta is given",
    "simple-average": "i.i.d. N(0,1) with Theorem 1's preconditioner n_t = sum g^2 (always)",
    "exponential": "i.i.d. N(0,1) with Adam's exponential average (beta default 0.999, always)",
    "growing": "N(0, t^2) (Figure 5 left)",
    "shrinking": "N(0, 1/t^2) (Figure 5 right)",
    "shifted": "N(-1, 1) (Figure 6 left)",
    "drifting": "N(-t, 1) (Figure 6 right)",
    "cauchy": "standard Cauchy (Figure 7)",
    "pareto": "symmetric Pareto: random sign times Pareto(tail_index) on [1, inf)",
    "stable": "symmetric Levy-stable(tail_index, skew 0)",
}
#: gradient streams whose update law Theorem 1 predicts (zero-mean Gaussian, constant variance)
PREDICTED_GRADIENTS = ("normal", "simple-average", "exponential")
ADAM_DEFAULT_BETA2 = 0.999

#: where the printed paper is wrong (topic -> ids of the claims of simlab.claims.zhiyi_ziyin whose
#: checks derive the correction); tests/test_adam_update.py checks that every id is registered
ERRATA_CLAIMS: dict[str, tuple[str, ...]] = {
    "theorem-1": ("zz-theorem1",),
    "eq-22-mode": ("zz-eq22-mode",),
    "eq-27": ("zz-eq27",),
    "eq-28-support": ("zz-eq28-support",),
    "eq-32-33": ("zz-eq32", "zz-eq33"),
    "eq-8-10": ("zz-eq8-mean", "zz-eq8-variance", "zz-eq10"),
    "eq-34": ("zz-eq34", "zz-sec4-abs-variance"),
}


# --------------------------------------------------------------------------------------------
# 1. predicted laws
# --------------------------------------------------------------------------------------------


def _check_m(m) -> float:
    """``m`` (the step, or an effective number of averaged gradients) must exceed 1."""
    value = check_finite("m", m)
    if value <= 1:
        raise InputError(f"m must be > 1 (the law of K is Beta(1/2, (m-1)/2)), got {value:g}")
    return value


def normaliser(m, convention: str = "c=m") -> float:
    """The constant ``c`` of eq. 14: ``m`` (mean of squares) or ``m - 1`` (unbiased)."""
    check_choice("convention", convention, CONVENTIONS)
    return float(m) if convention == "c=m" else float(m) - 1.0


def law_k(m):
    """Eq. 21: ``K = X_m^2 / sum_{i<=m} X_i^2 ~ Beta(1/2, (m-1)/2)``, mean ``1/m`` (eq. 22)."""
    m = _check_m(m)
    return stats.beta(0.5, (m - 1) / 2)


def law_g(m, convention: str = "c=m"):
    """Eq. 23: ``G = c K`` on ``[0, c]``; ``E G = c/m`` (eq. 24: 1 under c=m, (m-1)/m under
    c=m-1)."""
    m = _check_m(m)
    return stats.beta(0.5, (m - 1) / 2, scale=normaliser(m, convention))


def law_xk(m):
    """Eq. 28-29: ``X_k = sign(X_m) sqrt(K)`` on ``[-1, 1]``;
    ``(1 + X_k)/2 ~ Beta((m-1)/2, (m-1)/2)``.

    The print says the support is ``[-sqrt m, sqrt m]``; ``sqrt(K) <= 1`` so it is ``[-1, 1]``.
    """
    m = _check_m(m)
    half = (m - 1) / 2
    return stats.beta(half, half, loc=-1.0, scale=2.0)


def law_xg(m, convention: str = "c=m"):
    """Eq. 30 / Theorem 1: the update ``X_g = sqrt(c) X_k`` on ``[-sqrt c, sqrt c]``.

    Built as ``sqrt(c) (2 Z - 1)`` with ``Z ~ Beta((m-1)/2, (m-1)/2)`` (eq. 29). Variance ``c/m``
    (Corollary 1: 1 under c=m). Bimodal (U-shaped) for m < 3, uniform at m = 3 (eq. 33),
    unimodal for m > 3, Gaussian as m -> infinity (eq. 31).
    """
    m = _check_m(m)
    half = (m - 1) / 2
    root_c = math.sqrt(normaliser(m, convention))
    if root_c == 0:
        raise InputError("under c=m-1 the law needs m > 1 strictly above 1 (c = 0)")
    return stats.beta(half, half, loc=-root_c, scale=2 * root_c)


class root_beta_gen(stats.rv_continuous):
    """``X = sqrt(Y)`` with ``Y ~ Beta(a, b)``, on ``[0, 1]``: every method delegates to scipy's
    Beta.

    pdf ``2 x f_Beta(x^2)``, cdf ``F_Beta(x^2)``, ppf ``sqrt(F_Beta^{-1}(q))``, raw moments
    ``E X^n = B(a + n/2, b) / B(a, b)``.
    """

    def _argcheck(self, a, b):
        return (a > 0) & (b > 0)

    def _pdf(self, x, a, b):
        return 2 * x * stats.beta.pdf(x * x, a, b)

    def _logpdf(self, x, a, b):
        return np.log(2 * x) + stats.beta.logpdf(x * x, a, b)

    def _cdf(self, x, a, b):
        return stats.beta.cdf(x * x, a, b)

    def _sf(self, x, a, b):
        return stats.beta.sf(x * x, a, b)

    def _ppf(self, q, a, b):
        return np.sqrt(stats.beta.ppf(q, a, b))

    def _isf(self, q, a, b):
        return np.sqrt(stats.beta.isf(q, a, b))

    def _munp(self, n, a, b):
        return np.exp(special.betaln(a + n / 2, b) - special.betaln(a, b))

    def _rvs(self, a, b, size=None, random_state=None):
        return np.sqrt(random_state.beta(a, b, size))


root_beta = root_beta_gen(a=0.0, b=1.0, name="root_beta")


def law_abs_xg(m, convention: str = "c=m"):
    """The law of ``|Delta theta| = |X_g| = sqrt(c K)``: :data:`root_beta` ``(1/2, (m-1)/2)``
    scaled by ``sqrt c``.

    Its variance is Corollary 2 under c=m (:func:`corollary_2_abs_variance`).
    """
    m = _check_m(m)
    return root_beta(0.5, (m - 1) / 2, scale=math.sqrt(normaliser(m, convention)))


def student_t_law(m):
    """The *wrong* law of Section 3: ``T = X / sqrt(U)`` with ``U`` independent of ``X``:
    Student-t, ``m`` dof.

    Its variance ``m/(m-2)`` diverges at m <= 2; the true update (eq. 30) is bounded.
    """
    return stats.t(df=_check_m(m))


def corollary_1_variance(m, convention: str = "c=m") -> float:
    """Corollary 1: ``Var(Delta theta) = E G = c/m``: 1 under c=m (as printed), (m-1)/m under
    c=m-1."""
    m = _check_m(m)
    return normaliser(m, convention) / m


def corollary_2_abs_variance(m, convention: str = "c=m") -> float:
    """Corollary 2 as printed (c=m): ``1 - 4 m Gamma(m/2)^2 / ((m-1)^2 pi Gamma((m-1)/2)^2)``.

    Derivation: ``E|X_g| = sqrt(c) E sqrt(K) = sqrt(c) * 2 Gamma(m/2) / ((m-1) sqrt(pi)
    Gamma((m-1)/2))``, so ``Var|X_g| = c/m - c * 4 Gamma(m/2)^2 / ((m-1)^2 pi Gamma((m-1)/2)^2)``;
    under c=m this is the printed formula, under c=m-1 it is ``(m-1)/m`` times it. Tends to
    ``1 - 2/pi`` (the half-normal variance) as m -> infinity.
    """
    m = _check_m(m)
    c = normaliser(m, convention)
    log_ratio = special.gammaln(m / 2) - special.gammaln((m - 1) / 2)
    return c / m - c * 4 * math.exp(2 * log_ratio) / ((m - 1) ** 2 * math.pi)


def effective_steps_eq12(beta) -> float:
    """Eq. 12: the simple-average length that mimics exponential averaging with ``beta``:
    ``m = 2/(1-beta)``."""
    beta = check_interval("beta", beta, 0.0, 1.0, high_open=True)
    return 2.0 / (1.0 - beta)


def effective_steps(beta, t) -> float:
    """The effective number of averaged squares in Adam's bias-corrected preconditioner at step
    ``t``.

    From eq. 9-10 (with the exponent ``t``: the printed ``m-1`` counts ``m-1`` terms, claims
    ``zz-eq8-mean`` and ``zz-eq10``): the weights
    ``beta^(t-i) / sum beta^j`` give ``n_eff = (sum_{i<t} beta^i)^2 /
    sum_{i<t} beta^(2i)``; ``n_eff = t`` as ``beta -> 1`` (simple average) and ``n_eff ->
    (1+beta)/(1-beta) = m_eq12 - 1`` as ``t -> infinity`` (eq. 11-12).
    """
    beta = check_interval("beta", beta, 0.0, 1.0, high_open=True)
    t = check_count("t", t)
    if beta == 0:
        return 1.0
    total = -math.expm1(t * math.log(beta)) / (1 - beta)
    total_sq = -math.expm1(2 * t * math.log(beta)) / (1 - beta * beta)
    return total * total / total_sq


# --------------------------------------------------------------------------------------------
# 2. the simulator
# --------------------------------------------------------------------------------------------


#: kernel code for Theorem 1's printed ``c_n = 1/t`` (kept to show that it is wrong)
SIMPLE_C_N_ONE_OVER_T = 2


@njit(cache=True, parallel=True, error_model="numpy")
def _adam_update_kernel(
    gradients, momentum, beta, epsilon, simple_average, normaliser_offset, bias_correction, out
):
    """Eq. 1-4 per sample (row), every step: ``out[s, t-1] = -m_t / c_m``.

    Preconditioner: ``simple_average`` -> ``n_t = sum_{i<=t} g_i^2``,
    ``c_n = t - normaliser_offset`` (Theorem 1, offset 0 for c=m, 1 for c=m-1; offset 2 means
    ``c_n = 1/t`` as printed); else ``n_t = beta n_{t-1} + (1-beta) g_t^2`` with
    ``c_n = 1 - beta^t`` (or 1 without bias correction). ``c_m = 1 - momentum^t`` (or 1).
    """
    samples, steps = gradients.shape
    for s in prange(samples):
        second = 0.0
        first = 0.0
        for t in range(1, steps + 1):
            g = gradients[s, t - 1]
            if simple_average:
                second += g * g
                if normaliser_offset == SIMPLE_C_N_ONE_OVER_T:
                    c_n = 1.0 / t
                else:
                    c_n = t - normaliser_offset
            else:
                second = beta * second + (1.0 - beta) * g * g
                c_n = 1.0 - beta**t if bias_correction else 1.0
            first = momentum * first + (1.0 - momentum) * g / (np.sqrt(second / c_n) + epsilon)
            c_m = 1.0 - momentum**t if bias_correction else 1.0
            out[s, t - 1] = -first / c_m


@dataclass(frozen=True)
class UpdateSpec:
    """One simulation of eq. 1-4: gradient stream, preconditioner and hyperparameters.

    ``beta = None`` means Theorem 1's simple average ``n_t = sum g^2`` with ``c_n = t`` (c=m) or
    ``t - 1`` (c=m-1); a number means Adam's exponential average (eq. 2) with bias correction
    ``c_n = 1 - beta^t`` unless ``bias_correction=False``. ``momentum`` is eq. 3's ``mu``.
    ``seed`` None: derived from the other fields (:func:`simlab.rng.seed_of`, the one seed rule);
    give one seed to several specs for common random numbers.
    """

    gradient: str = "normal"
    steps: int = 100
    samples: int = 20_000
    beta: float | None = None
    momentum: float = 0.0
    epsilon: float = 0.0
    bias_correction: bool = True
    convention: str = "c=m"
    tail_index: float = 1.5
    seed: int | None = None

    def __post_init__(self):
        check_choice("gradient", self.gradient, GRADIENTS)
        object.__setattr__(self, "steps", check_count("steps", self.steps, minimum=2))
        object.__setattr__(self, "samples", check_count("samples", self.samples, minimum=1))
        # the gradients and the updates: two (samples x steps) float64 arrays, plus the
        # simulator's working copies
        check_memory(f"{self.samples:,} samples x {self.steps:,} steps",
                     4 * 8 * self.samples * self.steps, "lower --samples or --steps")
        beta = self.beta
        if self.gradient == "exponential" and beta is None:
            beta = ADAM_DEFAULT_BETA2
        if self.gradient == "simple-average" and beta is not None:
            raise InputError(
                "gradient 'simple-average' is Theorem 1's simple average: give no beta2"
            )
        if beta is not None:
            beta = check_interval("beta2", beta, 0.0, 1.0, high_open=True)
        object.__setattr__(self, "beta", beta)
        check_interval("momentum", self.momentum, 0.0, 1.0, high_open=True)
        check_positive("epsilon", self.epsilon, allow_zero=True)
        check_choice("convention", self.convention, CONVENTIONS)
        if beta is not None and self.convention != "c=m":
            raise InputError(
                "convention c=m-1 applies to the simple average only; Adam's "
                "bias-corrected average is a weighted mean (c=m)"
            )
        check_interval("tail_index", self.tail_index, 0.0, 2.0, low_open=True)
        if self.seed is None:
            fields = {k: v for k, v in asdict(self).items() if k != "seed"}
            object.__setattr__(self, "seed", seed_of({"adam-update": fields}))
        else:
            object.__setattr__(self, "seed", check_count("seed", self.seed, minimum=0))

    @property
    def preconditioner(self) -> str:
        return "simple-average" if self.beta is None else "exponential"

    @property
    def predicted(self) -> bool:
        """Theorem 1 predicts the law: zero-mean, constant-variance Gaussian gradients, mu = 0,
        eps = 0."""
        return (
            self.gradient in PREDICTED_GRADIENTS
            and self.momentum == 0
            and self.epsilon == 0
            and (self.bias_correction or self.beta is None)
        )


def draw_gradients(spec: UpdateSpec) -> np.ndarray:
    """The gradient streams, shape ``(samples, steps)``, from ``np.random.default_rng(spec.seed)``.

    Column ``t - 1`` is step ``t``. Heavy-tailed streams come from scipy.stats (Pareto,
    Levy-stable).
    """
    rng = np.random.default_rng(spec.seed)
    shape = (spec.samples, spec.steps)
    t = np.arange(1, spec.steps + 1, dtype=float)
    name = spec.gradient
    if name in PREDICTED_GRADIENTS:
        return rng.standard_normal(shape)
    if name == "growing":
        return rng.standard_normal(shape) * t
    if name == "shrinking":
        return rng.standard_normal(shape) / t
    if name == "shifted":
        return rng.standard_normal(shape) - 1.0
    if name == "drifting":
        return rng.standard_normal(shape) - t
    if name == "cauchy":
        return rng.standard_cauchy(shape)
    if name == "pareto":
        signs = rng.choice(np.array([-1.0, 1.0]), size=shape)
        return signs * stats.pareto.rvs(spec.tail_index, size=shape, random_state=rng)
    if name == "stable":
        return stats.levy_stable.rvs(spec.tail_index, 0.0, size=shape, random_state=rng)
    raise InputError(f"unknown gradient {name!r}")  # unreachable: validated in UpdateSpec


def simulate_updates(spec: UpdateSpec, gradients: np.ndarray | None = None) -> np.ndarray:
    """``Delta theta = (theta_t - theta_{t-1}) / lambda = -m_t / c_m`` (eq. 4), shape
    ``(samples, steps)``.

    Column ``m - 1`` is the update at step ``t = m``. The sign follows eq. 4; for the symmetric
    gradient laws of Theorem 1 the law of ``-X_g`` is that of ``X_g``.
    """
    if gradients is None:
        gradients = draw_gradients(spec)
    gradients = np.ascontiguousarray(gradients, dtype=np.float64)
    out = np.empty_like(gradients)
    offset = 0 if spec.convention == "c=m" else 1
    beta = 0.0 if spec.beta is None else float(spec.beta)
    _adam_update_kernel(
        gradients,
        float(spec.momentum),
        beta,
        float(spec.epsilon),
        spec.beta is None,
        offset,
        bool(spec.bias_correction),
        out,
    )
    return out


def predicted_update_law(spec: UpdateSpec, m: int):
    """The predicted law of the update at step ``m``, or ``None`` where no prediction exists.

    Simple average: eq. 30 at ``m`` (exact, Theorem 1). Exponential average: eq. 30 at the
    effective ``m`` of :func:`effective_steps` (an approximation, Section 3.1); ``None`` when that
    is <= 1 (beta = 0: the update is sign(g), a two-point law).
    """
    if not spec.predicted:
        return None
    if spec.beta is None:
        if normaliser(m, spec.convention) <= 0:
            return None
        return law_xg(m, spec.convention)
    m_eff = effective_steps(spec.beta, m)
    if m_eff <= 1 + 1e-9:
        return None
    return law_xg(m_eff, "c=m")


def predicted_abs_law(spec: UpdateSpec, m: int):
    """The predicted law of ``|Delta theta|`` at step ``m`` (companion of
    :func:`predicted_update_law`)."""
    if predicted_update_law(spec, m) is None:
        return None
    if spec.beta is None:
        return law_abs_xg(m, spec.convention)
    return law_abs_xg(effective_steps(spec.beta, m), "c=m")


def _printed_kernel(gradients: np.ndarray) -> np.ndarray:
    """The kernel with Theorem 1's printed ``c_n = 1/t`` (mu = 0, eps = 0)."""
    out = np.empty_like(gradients)
    _adam_update_kernel(gradients, 0.0, 0.0, 0.0, True, SIMPLE_C_N_ONE_OVER_T, True, out)
    return out


# --------------------------------------------------------------------------------------------
# 3. stored draws and the statistics of the comparisons
# --------------------------------------------------------------------------------------------

TASK_FUNCTION = "simlab.adam_update:update_samples"


def update_samples(*, gradient: str, steps: int, samples: int, beta=None, momentum=0.0,
                   epsilon=0.0, bias_correction=True, convention="c=m", tail_index=1.5,
                   columns=None, printed_c_n=False, seed: int) -> dict:
    """The task function of :func:`update_task`: the updates of eq. 1-4 for the
    :class:`UpdateSpec` these arguments name, at the steps ``columns`` (all steps when None).

    Returns ``updates`` (samples x len(columns)) and ``steps`` (the step m of each column).
    ``printed_c_n`` runs Theorem 1 as printed (``c_n = 1/t``, claim ``zz-theorem1``).
    """
    spec = UpdateSpec(gradient=gradient, steps=steps, samples=samples, beta=beta,
                      momentum=momentum, epsilon=epsilon, bias_correction=bias_correction,
                      convention=convention, tail_index=tail_index, seed=seed)
    gradients = np.ascontiguousarray(draw_gradients(spec), dtype=np.float64)
    if printed_c_n:
        if spec.beta is not None or spec.momentum or spec.epsilon:
            raise InputError("Theorem 1 as printed is the simple average with mu = eps = 0")
        updates = _printed_kernel(gradients)
    else:
        updates = simulate_updates(spec, gradients)
    steps_kept = np.arange(1, spec.steps + 1) if columns is None else np.array(
        sorted({check_count("column", m) for m in columns}), dtype=np.int64)
    if steps_kept[-1] > spec.steps:
        raise InputError(f"columns must lie in [1, {spec.steps}]")
    return {"updates": np.ascontiguousarray(updates[:, steps_kept - 1]), "steps": steps_kept}


def update_task(spec: UpdateSpec, columns=None, printed_c_n: bool = False):
    """The stored cell (:class:`simlab.run.spec.Task`) of one simulation: the updates of
    ``spec`` at the steps ``columns`` (all when None), seeded by ``spec.seed``."""
    from simlab.run.spec import Task

    params = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name != "seed"}
    if columns is not None:
        params["columns"] = sorted({int(m) for m in columns})
    if printed_c_n:
        params["printed_c_n"] = True
    return Task(TASK_FUNCTION, params, seed=spec.seed)


class Updates:
    """The stored updates of one task, by step: ``updates[m]`` is the sample at step m."""

    def __init__(self, result: dict):
        self.array = result["updates"]
        self.index = {int(m): k for k, m in enumerate(result["steps"])}

    def __getitem__(self, m: int) -> np.ndarray:
        return self.array[:, self.index[int(m)]]

    @property
    def steps(self) -> list[int]:
        return sorted(self.index)


def variance_standard_error(x: np.ndarray) -> float:
    """Standard error of the sample variance: ``sqrt((mu_4 - s^4) / n)`` (delta method, sample
    moments)."""
    x = np.asarray(x, dtype=float)
    centred = x - x.mean()
    s2 = np.mean(centred**2)
    mu4 = np.mean(centred**4)
    return float(math.sqrt(max(mu4 - s2 * s2, 0.0) / x.size))


def bonferroni_z(alpha: float, tests: int) -> float:
    """Two-sided normal quantile for family-wise level ``alpha`` over ``tests`` comparisons."""
    return float(stats.norm.isf(alpha / (2 * tests)))


def _ks_method(n: int) -> str:
    """scipy's exact KS p-value up to 10 000 samples, the asymptotic Kolmogorov law above (5x
    faster, relative p-value error below 1e-2 at n = 20 000)."""
    return "exact" if n <= 10_000 else "asymp"


def ks_against(updates_at_m: np.ndarray, law) -> tuple[float, float]:
    """KS statistic and p-value of a sample against any frozen scipy law (e.g.
    :func:`student_t_law`)."""
    x = np.asarray(updates_at_m)
    result = stats.kstest(x, law.cdf, method=_ks_method(x.size))
    return float(result.statistic), float(result.pvalue)


def edge_to_centre_ratio(law_or_sample, root_c: float, width: float = 0.2):
    """Mass within ``width sqrt(c)`` of the edges over mass within ``width sqrt(c)`` of 0.

    Above 1: bimodal (U-shaped, m < 3); 1: flat (m = 3, eq. 33); below 1: unimodal (m > 3).
    For a sample returns ``(ratio, standard error)`` (delta method on the two binomial counts).
    """
    edge = (1 - width) * root_c
    centre = width * root_c
    if isinstance(law_or_sample, np.ndarray):
        x = np.abs(law_or_sample)
        n = x.size
        p_edge = np.mean(x > edge)
        p_centre = np.mean(x < centre)
        ratio = p_edge / p_centre
        rel_se = math.sqrt(
            (1 - p_edge) / (n * p_edge) + (1 - p_centre) / (n * p_centre) + 2 / n
        )  # multinomial: cov(p_edge, p_centre) = -p_edge p_centre / n
        return float(ratio), float(ratio * rel_se)
    law = law_or_sample
    p_edge = law.sf(edge) + law.cdf(-edge)
    p_centre = law.cdf(centre) - law.cdf(-centre)
    return float(p_edge / p_centre)
