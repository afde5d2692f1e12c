"""Tail-index estimators for gradient noise, validated on laws with a known index.

Three well-established estimators, applied either to noise *vectors* (through their Euclidean
norms, the view of Zhang et al. 2020, Section 2 and Appendix H) or to *pooled coordinates* (every
coordinate of every noise vector as one scalar sample, the view of Simsekli et al. 2019):

- :func:`hill`: the Hill (1975) estimator of the tail index from the top ``k`` order statistics of
  ``|x|`` (or of the norms). Its target is the tail index of the marginal law: ``nu`` for a
  Student-t with ``nu`` degrees of freedom, ``alpha`` for an alpha-stable or Pareto law, and
  infinity for a Gaussian.
- :func:`moment_estimator`: the Dekkers-Einmahl-de Haan (1989) moment estimator, a
  generalisation of Hill that is consistent for light tails too (Gaussian: infinite index).
- :func:`mohammadi`: the estimator of Mohammadi, Mohammadpour & Ogata (2015, Corollary 2.4), as
  used by Simsekli et al. (2019, eq. (11) and their public code) and by Zhang et al. (2020,
  Appendix H). With ``n = K1 * K2`` samples cut into ``K2`` blocks of ``K1`` and
  ``Y_j`` the sum of block ``j``::

      1 / alpha_hat = (1 / log K1) * ( mean_j log|Y_j| - mean_i log|X_i| ).

  (Reconstructed from the published papers; the extracted text of Zhang et al. lost the formula.)
  For a symmetric alpha-stable law ``Y =_d K1**(1/alpha) X`` so the estimator is unbiased for
  ``1/alpha``. For any law with *finite* variance the block sums tend to a Gaussian and the estimate
  tends to 2, never to the marginal tail index: its target is the *stable* index ``min(index, 2)``.
  On vectors the absolute values are Euclidean norms of the vectors and of the block sums
  (Simsekli et al.'s code does exactly this).

Known failures this module makes visible, each measured in :func:`validation_table`:

1. Pooled coordinates of a finite-variance law with heavy tails (Student-t(3)) give a Mohammadi
   estimate *below 2*: the block sums are only approximately Gaussian and the bias decays like
   ``1 / log K1`` (:func:`mohammadi_finite_variance_limit` derives it). The API warns
   (:class:`FiniteVarianceSuspectedWarning`) when an estimate below 2 meets data whose variance
   looks finite by the diagnostic of :func:`finite_variance_diagnostic`.
2. Applied to noise *norms* as scalars (positive numbers with a finite mean), as the text of
   Appendix H of Zhang et al. describes (it notes the symmetry assumption is violated), the
   block sums grow like ``K1 * mean`` and the estimate tends to **1 whatever the law**.
   :func:`mohammadi` therefore refuses one-signed data unless ``symmetrize=True``, which
   multiplies each sample by an independent random sign (same tail index, symmetric law), or
   ``allow_one_signed=True`` to reproduce the failure on purpose.
3. A sample size without a suitable factorisation (a prime ``n``) breaks ``n = K1 * K2``: a
   search for a divisor of ``n`` (our recollection of Simsekli et al.'s public code, not checked
   here) finds none. Here ``K1 = floor(sqrt(n))`` by default, ``K2 = n // K1``, and the last
   ``n - K1 * K2 < K1`` samples are dropped (documented in the result's ``n_used``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from simlab.errors import InputError, check_count, check_interval

#: Euler's constant appears in E log|Z| for a standard Gaussian Z.
_E_LOG_ABS_GAUSSIAN = -(np.euler_gamma + math.log(2.0)) / 2.0


class FiniteVarianceSuspectedWarning(UserWarning):
    """An estimate below 2 (infinite variance) from data whose variance looks finite."""


@dataclass(frozen=True)
class TailIndexEstimate:
    """One estimate: ``tail_index`` with the tuning that produced it.

    ``k`` is the number of order statistics (Hill) or the block size ``K1`` (Mohammadi);
    ``n_used`` the number of samples actually used; ``ci_low``/``ci_high`` an asymptotic
    confidence interval where the estimator has one (Hill), else ``None``; ``standard_error`` a
    delta-method standard error of the index where derived (Mohammadi), else ``None``.
    """

    estimator: str
    tail_index: float
    n_used: int
    k: int
    ci_low: float | None = None
    ci_high: float | None = None
    standard_error: float | None = None

    def as_dict(self) -> dict:
        return {"estimator": self.estimator, "tail_index": self.tail_index, "n_used": self.n_used,
                "k": self.k, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "standard_error": self.standard_error}


@dataclass(frozen=True)
class FiniteVarianceDiagnostic:
    """Hill's lower confidence bound on the marginal tail index; finite variance if it exceeds 2."""

    hill_index: float
    hill_lower_bound: float
    looks_finite: bool


def _as_samples(samples, *, name: str = "samples") -> np.ndarray:
    array = np.asarray(samples, dtype=float)
    if array.ndim not in (1, 2):
        raise InputError(f"{name} must be a 1-D array of scalars or a 2-D array (n, d) of vectors, "
                         f"got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} must be finite (found NaN or inf)")
    return array


def magnitudes(samples) -> np.ndarray:
    """``|x|`` for scalars, Euclidean norms of the rows for vectors."""
    array = _as_samples(samples)
    return np.abs(array) if array.ndim == 1 else np.linalg.norm(array, axis=1)


def pooled_coordinates(vectors) -> np.ndarray:
    """Every coordinate of every vector as one scalar sample (Simsekli et al. 2019's view)."""
    array = _as_samples(vectors, name="vectors")
    return array.reshape(-1)


def default_hill_k(n: int) -> int:
    """The stated rule for Hill's ``k``: ``k = floor(sqrt(n))`` (at least 5).

    ``sqrt(n)`` balances the variance (``~ 1/k``) against the second-order bias (which grows with
    ``k/n``) for laws whose tail departs from a power law like a Student-t's; it is the common
    default in the tail-index literature when no second-order parameter is known.
    """
    return max(5, math.isqrt(n))


def hill(samples, k: int | None = None, *, confidence: float = 0.99) -> TailIndexEstimate:
    """Hill (1975) estimator of the tail index of ``|x|`` (or of the norms of vectors).

    ``1/alpha_hat = (1/k) sum_{i=1..k} log X_(i) - log X_(k+1)`` with ``X_(1) >= X_(2) >= ...``
    the order statistics. Asymptotically ``sqrt(k) (1/alpha_hat - 1/alpha) -> N(0, 1/alpha**2)``
    (Hall 1982), which gives the two-sided ``confidence`` interval returned.
    """
    values = magnitudes(samples)
    n = values.size
    if n < 20:
        raise InputError(f"the Hill estimator needs at least 20 samples, got {n}")
    k = default_hill_k(n) if k is None else check_count("k", k)
    if not k < n:
        raise InputError(f"k must be < the number of samples ({n}), got {k}")
    check_interval("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    top = np.partition(values, n - k - 1)[n - k - 1:]  # the k+1 largest, unordered except [0]
    threshold = top[0]
    if threshold <= 0:
        raise InputError("the Hill estimator needs the (k+1)-th largest magnitude to be > 0")
    gamma = float(np.mean(np.log(top[1:])) - math.log(threshold))
    if gamma <= 0:
        return TailIndexEstimate("hill", math.inf, n, k, math.inf, math.inf)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    half = z / math.sqrt(k)
    ci_low = 1.0 / (gamma * (1.0 + half))
    ci_high = 1.0 / (gamma * (1.0 - half)) if half < 1.0 else math.inf
    return TailIndexEstimate("hill", 1.0 / gamma, n, k, ci_low, ci_high)


def moment_estimator(samples, k: int | None = None) -> TailIndexEstimate:
    """Dekkers, Einmahl & de Haan (1989) moment estimator of the extreme-value index of ``|x|``.

    With ``M_j = (1/k) sum_{i=1..k} (log X_(i) - log X_(k+1))**j``:
    ``gamma_hat = M_1 + 1 - (1/2) / (1 - M_1**2 / M_2)``; the tail index is ``1/gamma_hat`` when
    ``gamma_hat > 0`` and infinite otherwise. Unlike Hill (which is ``1/M_1`` and assumes a
    power-law tail), it is consistent for every extreme-value domain, so light tails (Gaussian:
    ``gamma = 0``) give large or infinite indices instead of a slowly growing finite one. Same
    ``k`` rule as :func:`hill`.
    """
    values = magnitudes(samples)
    n = values.size
    if n < 20:
        raise InputError(f"the moment estimator needs at least 20 samples, got {n}")
    k = default_hill_k(n) if k is None else check_count("k", k)
    if not k < n:
        raise InputError(f"k must be < the number of samples ({n}), got {k}")
    top = np.partition(values, n - k - 1)[n - k - 1:]
    if top[0] <= 0:
        raise InputError("the moment estimator needs the (k+1)-th largest magnitude to be > 0")
    spacings = np.log(top[1:]) - math.log(top[0])
    first, second = float(spacings.mean()), float(np.mean(spacings**2))
    if second <= 0:
        return TailIndexEstimate("moment", math.inf, n, k)
    gamma = first + 1.0 - 0.5 / (1.0 - first**2 / second)
    return TailIndexEstimate("moment", 1.0 / gamma if gamma > 0 else math.inf, n, k)


def finite_variance_diagnostic(samples, *, confidence: float = 0.99) -> FiniteVarianceDiagnostic:
    """Does the variance look finite? Hill's lower confidence bound on the index of ``|x|`` > 2.

    Defence: the variance is finite iff the tail index of ``|x|`` exceeds 2 (for regularly varying
    tails), and Hill estimates exactly that marginal index, unlike Mohammadi's estimator, whose
    target is capped at 2. Requiring the *lower* end of the (two-sided ``confidence``) interval to
    exceed 2 makes the diagnostic conservative: on alpha-stable data with alpha = 1.5 it does not
    fire, on Student-t(3) pooled coordinates (true index 3) it does
    (tests/test_tail_index.py checks both).
    """
    estimate = hill(samples, confidence=confidence)
    return FiniteVarianceDiagnostic(estimate.tail_index, estimate.ci_low, estimate.ci_low > 2.0)


def mohammadi_block_size(n: int) -> int:
    """Default ``K1 = floor(sqrt(n))``; with ``K2 = n // K1`` blocks, ``n - K1*K2 < K1`` are
    dropped."""
    return max(2, math.isqrt(n))


def mohammadi(samples, block_size: int | None = None, *, symmetrize: bool = False,
              allow_one_signed: bool = False, rng: np.random.Generator | None = None,
              warn: bool = True) -> TailIndexEstimate:
    """Mohammadi et al. (2015) estimator as used by Simsekli et al. (2019); see the module
    docstring.

    ``samples``: 1-D scalars or 2-D ``(n, d)`` vectors (then ``|.|`` is the Euclidean norm of the
    vectors and of the block sums). ``block_size`` is ``K1`` (default ``floor(sqrt(n))``); any ``n``
    works, prime included: the last ``n mod K1`` samples are dropped.

    One-signed scalar data (e.g. noise norms) violate the estimator's symmetry assumption and drive
    it to 1; they raise :class:`InputError` unless ``symmetrize`` (random signs from ``rng``) or
    ``allow_one_signed``. If the estimate is below 2 and :func:`finite_variance_diagnostic` says the
    variance looks finite, a :class:`FiniteVarianceSuspectedWarning` is issued (``warn=False``
    silences it, for the validation table that counts such cases itself).
    """
    array = _as_samples(samples)
    n = array.shape[0]
    if n < 8:
        raise InputError(f"the Mohammadi estimator needs at least 8 samples, got {n}")
    if array.ndim == 1 and (np.all(array >= 0) or np.all(array <= 0)):
        if symmetrize:
            rng = np.random.default_rng(0) if rng is None else rng  # deterministic by default
            array = array * rng.choice(np.array([-1.0, 1.0]), size=n)
        elif not allow_one_signed:
            raise InputError("one-signed samples (e.g. noise norms) violate the Mohammadi "
                             "estimator's symmetry assumption and drive it to 1; pass "
                             "symmetrize=True (random signs) or allow_one_signed=True")
    block = mohammadi_block_size(n) if block_size is None else check_count("block_size", block_size,
                                                                          minimum=2)
    blocks = n // block
    if blocks < 2:
        raise InputError(f"block_size {block} leaves fewer than 2 blocks of {n} samples")
    used = array[: block * blocks]
    sums = used.reshape(blocks, block, *used.shape[1:]).sum(axis=1)
    tiny = np.spacing(1.0)  # Simsekli et al.'s guard against log(0)
    log_sums = np.log(magnitudes(sums) + tiny)
    log_samples = np.log(magnitudes(used) + tiny)
    inverse = (log_sums.mean() - log_samples.mean()) / math.log(block)
    index = 1.0 / inverse if inverse > 0 else math.inf
    # Delta method: Var(1/alpha_hat) <= (Var log|Y|/K2 + Var log|X|/n) / log(K1)^2, dropping the
    # (positive) covariance of the two means, hence conservative; SE(alpha) = alpha^2 SE(1/alpha).
    se_inverse = math.sqrt(log_sums.var(ddof=1) / blocks
                           + log_samples.var(ddof=1) / log_samples.size) / math.log(block)
    estimate = TailIndexEstimate("mohammadi", float(index), int(used.shape[0]), block,
                                 standard_error=float(index**2 * se_inverse))
    if warn and index < 2.0:
        diagnostic = finite_variance_diagnostic(used)
        if diagnostic.looks_finite:
            warnings.warn(
                f"Mohammadi estimate {index:.3g} < 2 (infinite variance) but Hill's 99% lower "
                f"bound on the tail index of |x| is {diagnostic.hill_lower_bound:.3g} > 2: the "
                "variance looks finite; the estimate is the slow 1/log(K1) bias of a "
                "finite-variance law (e.g. Student-t(3) pooled coordinates)",
                FiniteVarianceSuspectedWarning, stacklevel=2)
    return estimate


# ---------------------------------------------------------------------------------------------
# Reference laws with a known index, and the predicted limit of the Mohammadi estimator
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferenceLaw:
    """A symmetric scalar law with known tail index (``inf`` for the Gaussian).

    ``kind`` in {"pareto", "stable", "student", "gaussian"}; ``parameter`` is the Pareto shape,
    the stable alpha or the Student degrees of freedom. Pareto is symmetrised with a random sign so
    that the Mohammadi estimator's symmetry assumption holds.
    """

    kind: str
    parameter: float = math.nan

    @property
    def name(self) -> str:
        if self.kind == "gaussian":
            return "gaussian"
        return f"{self.kind}({self.parameter:g})"

    @property
    def tail_index(self) -> float:
        """Tail index of ``|X|`` (Hill's target)."""
        return math.inf if self.kind == "gaussian" else float(self.parameter)

    @property
    def stable_index(self) -> float:
        """Index of the stable law the sums converge to (Mohammadi's target): ``min(index, 2)``."""
        return min(self.tail_index, 2.0)

    @property
    def variance(self) -> float:
        if self.kind == "gaussian":
            return 1.0
        if self.kind == "student":
            nu = self.parameter
            return nu / (nu - 2.0) if nu > 2 else math.inf
        if self.kind == "pareto":
            b = self.parameter
            return b / (b - 2.0) if b > 2 else math.inf  # E X^2 of Pareto(b), scale 1
        return math.inf if self.parameter < 2 else 2.0  # stable(2) = N(0, 2)

    def frozen(self):
        if self.kind == "gaussian":
            return stats.norm()
        if self.kind == "student":
            return stats.t(self.parameter)
        if self.kind == "stable":
            return stats.levy_stable(self.parameter, 0.0)
        if self.kind == "pareto":
            return stats.pareto(self.parameter)
        raise InputError(f"unknown law kind {self.kind!r}")

    def draw(self, size, rng: np.random.Generator) -> np.ndarray:
        values = self.frozen().rvs(size=size, random_state=rng)
        if self.kind == "pareto":
            values = values * rng.choice(np.array([-1.0, 1.0]), size=size)
        return np.asarray(values, dtype=float)

    def mean_log_abs(self) -> float:
        """``E log|X|`` in closed form, used by :func:`mohammadi_finite_variance_limit`.

        Gaussian: ``-(gamma_E + log 2)/2``; Student-t: through ``T = Z / sqrt(V/nu)``; Pareto(b):
        ``log X ~ Exp(b)``; symmetric alpha-stable with characteristic function
        ``exp(-|t|**alpha)`` (scipy's S1, scale 1): ``(1/alpha - 1) gamma_E`` (Zolotarev 1986; the
        log-moment used by Kuruoglu 2001). Each is checked against Monte Carlo in the tests.
        """
        if self.kind == "gaussian":
            return _E_LOG_ABS_GAUSSIAN
        if self.kind == "student":
            nu = self.parameter  # T = Z / sqrt(V/nu), V ~ chi2_nu: E log V = psi(nu/2) + log 2
            return _E_LOG_ABS_GAUSSIAN - 0.5 * (special.digamma(nu / 2) + math.log(2 / nu))
        if self.kind == "pareto":
            return 1.0 / self.parameter
        return (1.0 / self.parameter - 1.0) * np.euler_gamma


def mohammadi_finite_variance_limit(law: ReferenceLaw, block_size: int) -> float:
    """Predicted Mohammadi estimate on scalars of a finite-variance law, for block size ``K1``.

    Derived here (not in the papers): for large ``K1`` the block sum is ``~ N(0, K1 sigma^2)``, so
    ``E log|Y| - E log|X| = (1/2) log K1 + c`` with ``c = (1/2) log sigma^2 + E log|Z| - E log|X|``,
    and ``alpha_hat -> 1 / (1/2 + c / log K1)``. For a Student-t(3), ``c = 0.365 > 0``: the
    estimate is *below* 2 and approaches 2 only like ``1/log K1`` (``1.73`` at ``K1 = 100``).
    ``nan`` for a law with infinite variance.
    """
    variance = law.variance
    if not math.isfinite(variance):
        return math.nan
    c = 0.5 * math.log(variance) + _E_LOG_ABS_GAUSSIAN - law.mean_log_abs()
    return 1.0 / (0.5 + c / math.log(block_size))


#: the laws of the validation table (issue 9: Pareto, stable, Student-t 1.5/3/5, Gaussian)
VALIDATION_LAWS: tuple[ReferenceLaw, ...] = (
    ReferenceLaw("pareto", 1.5),
    ReferenceLaw("stable", 1.5),
    ReferenceLaw("student", 1.5),
    ReferenceLaw("student", 3.0),
    ReferenceLaw("student", 5.0),
    ReferenceLaw("gaussian"),
)

#: (estimator, input) pairs of the validation table
VALIDATION_METHODS: tuple[tuple[str, str], ...] = (
    ("hill", "norms"),
    ("hill", "pooled"),
    ("moment", "norms"),
    ("moment", "pooled"),
    ("mohammadi", "vectors"),
    ("mohammadi", "pooled"),
    ("mohammadi", "norms-as-scalars"),
)


def _estimate(method: str, view: str, vectors: np.ndarray):
    """(estimate, the data the estimator saw) for one (estimator, input) pair."""
    if view == "norms-as-scalars":  # Zhang et al. Appendix H: norms as positive scalars
        data = magnitudes(vectors)
        return mohammadi(data, allow_one_signed=True, warn=False), data
    data = pooled_coordinates(vectors) if view == "pooled" else vectors
    if method == "hill":
        return hill(data), data
    if method == "moment":
        return moment_estimator(data), data
    return mohammadi(data, warn=False), data


VALIDATION_FUNCTION = "simlab.tail_index:validation_estimates"


def law_params(law: ReferenceLaw) -> dict:
    """A reference law as task parameters (the Gaussian's missing parameter as None: a task's
    parameters are never NaN)."""
    return {"law_kind": law.kind,
            "law_parameter": None if math.isnan(law.parameter) else law.parameter}


def law_from(law_kind: str, law_parameter) -> ReferenceLaw:
    """Inverse of :func:`law_params`."""
    return ReferenceLaw(law_kind, math.nan if law_parameter is None else float(law_parameter))


def validation_estimates(*, law_kind: str, law_parameter: float, n: int, replicas: int,
                         dimension: int = 10, seed: int) -> dict:
    """The Monte Carlo part of the validation table for one law and sample size (a stored task):
    ``replicas`` independent draws of ``n`` vectors of ``dimension`` iid coordinates from
    ``np.random.default_rng(seed)``, and every estimator of :data:`VALIDATION_METHODS` on each.

    Returns ``estimates`` (replicas x methods: the tail index) and ``warned`` (replicas x
    methods: the trigger of :class:`FiniteVarianceSuspectedWarning`, an estimate below 2 while
    :func:`finite_variance_diagnostic` says the variance looks finite; Mohammadi on vectors and
    pooled coordinates only).
    """
    law = law_from(law_kind, law_parameter)
    rng = np.random.default_rng(seed)
    estimates = np.empty((replicas, len(VALIDATION_METHODS)))
    warned = np.zeros((replicas, len(VALIDATION_METHODS)), dtype=bool)
    for replica in range(replicas):
        vectors = law.draw((n, dimension), rng)
        for j, (method, view) in enumerate(VALIDATION_METHODS):
            estimate, data = _estimate(method, view, vectors)
            estimates[replica, j] = estimate.tail_index
            if method == "mohammadi" and view != "norms-as-scalars" and estimate.tail_index < 2:
                # the same trigger as mohammadi(..., warn=True), counted instead of warned
                used = data[: estimate.n_used]
                warned[replica, j] = finite_variance_diagnostic(used).looks_finite
    return {"estimates": estimates, "warned": warned}


def validation_task(law: ReferenceLaw, n: int, replicas: int, dimension: int, seed: int):
    """The stored cell (:class:`simlab.run.spec.Task`) of :func:`validation_estimates`."""
    from simlab.run.spec import Task

    return Task(VALIDATION_FUNCTION,
                {**law_params(law), "n": n, "replicas": replicas, "dimension": dimension},
                seed=seed)


def validation_rows(law: ReferenceLaw, n: int, dimension: int, arrays: dict) -> list[dict]:
    """The rows of the validation table for one law and ``n`` from the arrays of
    :func:`validation_estimates`: the target of each estimator (Hill and moment: the tail index;
    Mohammadi: ``min(index, 2)``), the mean and standard deviation of the finite estimates over
    replicas (with the median and the fraction of infinite estimates, which the moment estimator
    produces on light tails), the predicted finite-``K1`` limit for finite-variance laws on
    pooled scalars, and how often the warning's trigger fired."""
    rows = []
    replicas = arrays["estimates"].shape[0]
    for j, (method, view) in enumerate(VALIDATION_METHODS):
        values = arrays["estimates"][:, j]
        target = law.stable_index if method == "mohammadi" else law.tail_index
        predicted = target
        if method == "mohammadi" and view == "pooled" and math.isfinite(law.variance):
            predicted = mohammadi_finite_variance_limit(law, mohammadi_block_size(n * dimension))
        finite = values[np.isfinite(values)]
        rows.append({
            "law": law.name, "true_index": law.tail_index, "target": target, "n": n,
            "samples": n * dimension if view == "pooled" else n,
            "estimator": method, "input": view, "replicas": replicas,
            "mean_estimate": float(finite.mean()) if finite.size else math.inf,
            "median_estimate": float(np.median(values)),
            "fraction_infinite": float(np.mean(~np.isfinite(values))),
            "spread": float(finite.std(ddof=1)) if finite.size > 1 else math.nan,
            "predicted": predicted,
            "fraction_below_2": float(np.mean(values < 2.0)),
            "fraction_warned": float(np.mean(arrays["warned"][:, j])),
        })
    return rows


def validation_seed(law: ReferenceLaw, n: int, seed: int = 0) -> int:
    """The seed of one (law, n) cell of the validation table (the one rule of simlab.rng)."""
    from simlab.rng import seed_of

    return seed_of({"experiment": "tail-index-validation", "law": law.name, "n": n,
                    "seed": seed})


def validation_table(sizes=(1000, 10000), replicas: int = 10, dimension: int = 10,
                     seed: int = 0, laws=VALIDATION_LAWS) -> list[dict]:
    """Bias and spread of each estimator on each reference law and sample size, computed here
    (no store; :mod:`simlab.experiments.noise` runs the same cells through the store).

    For each law and ``n`` in ``sizes``: ``replicas`` independent draws of ``n`` vectors of
    ``dimension`` iid coordinates (norms: ``n`` samples; pooled: ``n * dimension``); see
    :func:`validation_rows` for the columns. Seeds: :func:`validation_seed` per (law, n), so rows
    do not depend on the order of the loop.
    """
    rows = []
    for law in laws:
        for n in sizes:
            arrays = validation_estimates(law_kind=law.kind, law_parameter=law.parameter, n=n,
                                          replicas=replicas, dimension=dimension,
                                          seed=validation_seed(law, n, seed))
            rows += validation_rows(law, n, dimension, arrays)
    return rows
