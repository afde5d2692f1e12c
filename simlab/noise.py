"""Noise laws: validated parameters, the engine's draws, and exact alpha-moment constants.

A noise law is a scalar law X (with a scale) and a geometry:

- ``coordinate``: coordinates i.i.d. ``scale_i * X`` (Assumption 2 of Zhang et al. 2020:
  ``E|xi_i|^alpha <= B_i^alpha``, and ``B_i^alpha = scale_i^alpha E|X|^alpha`` exactly);
- ``isotropic``: a uniform random direction times ``scale * |X|`` (the global bound of
  Assumptions 1 and 4: ``E||xi||^alpha = scale^alpha E|X|^alpha`` exactly).

So a theorem's sigma, G or B is computed from the law (:meth:`NoiseLaw.sigma`), never guessed.
The tail index of the law (Pareto's index, the stable index, Student-t's degrees of freedom) is
a parameter of the law; the theorems' alpha is the order of the moment that must be finite
(``alpha < tail index``).

Every sampler is the engine's own kernel (:meth:`NoiseLaw.sample`), compared with
``scipy.stats`` (:meth:`NoiseLaw.reference`) in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy import special, stats

from simlab import _kernels as kernels
from simlab import custom
from simlab.errors import InputError, check_choice, check_interval, check_positive
from simlab.rng import seed_key

GEOMETRIES = {"coordinate": kernels.COORDINATE, "isotropic": kernels.ISOTROPIC}


@dataclass(frozen=True)
class MomentBound:
    """``E||xi||^alpha`` (or a valid upper bound on it) and where the number comes from."""

    value: float
    exact: bool
    source: str


@dataclass(frozen=True)
class NoiseLaw:
    """Base class: a scalar law with a ``scale`` and a ``geometry``."""

    scale: float = 1.0
    geometry: str = "coordinate"

    name: ClassVar[str] = ""
    code: ClassVar[int] = -1

    def __post_init__(self):
        check_positive("noise scale", self.scale)
        check_choice("geometry", self.geometry, GEOMETRIES)

    # -- what subclasses define
    @property
    def tail_index(self) -> float:
        """Moments of order below this are finite (inf for the Gaussian)."""
        raise NotImplementedError

    def parameters(self) -> np.ndarray:
        """The kernel's parameter vector for :func:`simlab._kernels.draw_scalar`."""
        return np.zeros(3)

    def unit_abs_moment(self, alpha: float) -> float:
        """``E|X|^alpha`` for the unit-scale scalar law, exact (closed form)."""
        raise NotImplementedError

    def reference(self):
        """The unit-scale scalar law as a frozen ``scipy.stats`` distribution."""
        raise NotImplementedError

    # -- shared
    def _check_order(self, alpha: float) -> float:
        alpha = check_positive("alpha", alpha)
        if alpha >= self.tail_index:
            raise InputError(f"the {alpha:g}-moment of {self.describe()} is infinite "
                             f"(finite only below its tail index {self.tail_index:g})")
        return alpha

    def abs_moment(self, alpha: float) -> float:
        """``E|scale * X|^alpha``: the per-coordinate ``B_i^alpha`` of Assumption 2."""
        alpha = self._check_order(alpha)
        return self.scale ** alpha * self.unit_abs_moment(alpha)

    def coordinate_bound(self, alpha: float) -> float:
        """``B_i`` of Assumption 2 (equal for every coordinate): ``(E|xi_i|^alpha)^(1/alpha)``."""
        if self.geometry != "coordinate":
            raise InputError("coordinate bounds B_i are defined for the coordinate geometry")
        return self.abs_moment(alpha) ** (1.0 / alpha)

    def norm_moment(self, alpha: float, dim: int) -> MomentBound:
        """``E||xi||^alpha`` in dimension ``dim``: exact where known, else a valid upper bound.

        Isotropic: ``scale^alpha E|X|^alpha`` exactly. Coordinate, Gaussian: the chi law,
        ``scale^alpha 2^(alpha/2) Gamma((d+alpha)/2) / Gamma(d/2)`` exactly. Coordinate, other
        laws: Appendix E of Zhang et al. 2020, ``E||xi||^alpha <= ||B||_alpha^alpha = d B^alpha``
        (subadditivity of ``t -> t^(alpha/2)`` for alpha <= 2), an upper bound.
        """
        alpha = self._check_order(alpha)
        if self.geometry == "isotropic":
            return MomentBound(self.abs_moment(alpha), True, "isotropic: scale^a E|X|^a")
        if isinstance(self, Gaussian):
            value = self.scale ** alpha * 2 ** (alpha / 2) * math.exp(
                special.gammaln((dim + alpha) / 2) - special.gammaln(dim / 2))
            return MomentBound(value, True, "chi law of ||xi||")
        if alpha > 2:
            raise InputError("the Appendix E bound needs alpha <= 2")
        return MomentBound(dim * self.abs_moment(alpha), False,
                           "Appendix E upper bound ||B||_alpha^alpha")

    def sigma(self, alpha: float, dim: int) -> float:
        """The sigma (or G of pure noise) of Assumption 1: ``(E||xi||^alpha)^(1/alpha)`` or its
        upper bound (see :meth:`norm_moment`): a valid constant for the theorems either way."""
        return self.norm_moment(alpha, dim).value ** (1.0 / alpha)

    def describe(self) -> str:
        return self.name

    def sample(self, size: int, dim: int = 1, seed: int = 0, at=None) -> np.ndarray:
        """``size`` noise vectors (size x dim) drawn by the engine's kernel, replica streams
        ``0 .. size-1`` of ``seed``, at the query point ``at`` (default 0; only laws that
        depend on the point, such as :class:`ZeroChainOracle`, use it)."""
        out = np.empty((size, dim))
        scales = np.full(dim, float(self.scale))
        point = np.zeros(dim) if at is None else np.ascontiguousarray(at, dtype=float)
        if point.shape != (dim,):
            raise InputError(f"the query point must have shape ({dim},), got {point.shape}")
        kernels.sample_noise(self.code, GEOMETRIES[self.geometry], self.parameters(), scales,
                             seed_key(seed), 0, point, out)
        return out


@dataclass(frozen=True)
class Gaussian(NoiseLaw):
    """Standard normal scaled by ``scale``."""

    name: ClassVar[str] = "gaussian"
    code: ClassVar[int] = kernels.GAUSSIAN

    @property
    def tail_index(self) -> float:
        return math.inf

    def unit_abs_moment(self, alpha):
        return 2 ** (alpha / 2) * math.gamma((alpha + 1) / 2) / math.sqrt(math.pi)

    def reference(self):
        return stats.norm()


@dataclass(frozen=True)
class Pareto(NoiseLaw):
    """Symmetric Pareto: ``X = +-U^(-1/a)``, so ``|X|`` is Pareto(a) on [1, inf) (scipy's
    ``pareto(a)``) and ``E|X|^alpha = a / (a - alpha)`` for alpha < a. Mean zero needs a > 1."""

    tail: float = 2.5

    name: ClassVar[str] = "pareto"
    code: ClassVar[int] = kernels.PARETO

    def __post_init__(self):
        super().__post_init__()
        check_positive("pareto tail index", self.tail)
        if self.tail <= 1:
            raise InputError(f"pareto tail index must be > 1 for the noise to have mean zero, "
                             f"got {self.tail:g}")

    @property
    def tail_index(self):
        return self.tail

    def parameters(self):
        return np.array([self.tail, 0.0, 0.0])

    def unit_abs_moment(self, alpha):
        return self.tail / (self.tail - alpha)

    def reference(self):
        """The law of ``|X|`` (the sign is a fair coin, tested separately)."""
        return stats.pareto(self.tail)

    def describe(self):
        return f"pareto({self.tail:g})"


@dataclass(frozen=True)
class Stable(NoiseLaw):
    """Levy alpha-stable, parametrisation S1 (scipy's default), drawn by Chambers-Mallows-Stuck.

    ``E|X|^p`` for p < index (Samorodnitsky & Taqqu 1994, Property 1.2.17 for the symmetric case;
    the skewed factor as in Kuruoglu 2001):
    ``2^p Gamma((1+p)/2) Gamma(1-p/a) / (sqrt(pi) Gamma(1-p/2))
    * (1 + zeta^2)^(p/(2a)) cos((p/a) arctan zeta)``, ``zeta = beta tan(pi a / 2)``.
    """

    index: float = 1.5
    skew: float = 0.0

    name: ClassVar[str] = "stable"
    code: ClassVar[int] = kernels.STABLE

    def __post_init__(self):
        super().__post_init__()
        check_interval("stable index", self.index, 0.0, 2.0, low_open=True)
        check_interval("stable skew", self.skew, -1.0, 1.0)
        if self.index == 1.0 and self.skew != 0.0:
            raise InputError("a skewed stable law with index 1 is not supported (its moments "
                             "need another parametrisation); use skew 0 or index != 1")

    @property
    def tail_index(self):
        return math.inf if self.index == 2.0 else self.index

    def parameters(self):
        return np.array([self.index, self.skew, 0.0])

    def unit_abs_moment(self, p):
        a = self.index
        zeta = self.skew * math.tan(math.pi * a / 2) if a != 2.0 else 0.0
        symmetric = (2 ** p * math.gamma((1 + p) / 2) * math.gamma(1 - p / a)
                     / (math.sqrt(math.pi) * math.gamma(1 - p / 2))) if a != 2.0 else (
            2 ** p * math.gamma((1 + p) / 2) / math.sqrt(math.pi))
        return symmetric * (1 + zeta ** 2) ** (p / (2 * a)) * math.cos(p / a * math.atan(zeta))

    def reference(self):
        return stats.levy_stable(self.index, self.skew)

    def describe(self):
        return f"stable({self.index:g}, skew {self.skew:g})"


@dataclass(frozen=True)
class StudentT(NoiseLaw):
    """Student-t with ``dof`` degrees of freedom (Bailey's polar method);
    ``E|T|^p = dof^(p/2) Gamma((p+1)/2) Gamma((dof-p)/2) / (sqrt(pi) Gamma(dof/2))``."""

    dof: float = 3.0

    name: ClassVar[str] = "student-t"
    code: ClassVar[int] = kernels.STUDENT_T

    def __post_init__(self):
        super().__post_init__()
        check_positive("student-t degrees of freedom", self.dof)

    @property
    def tail_index(self):
        return self.dof

    def parameters(self):
        return np.array([self.dof, 0.0, 0.0])

    def unit_abs_moment(self, p):
        v = self.dof
        return math.exp(p / 2 * math.log(v) + special.gammaln((p + 1) / 2)
                        + special.gammaln((v - p) / 2) - special.gammaln(v / 2)) / math.sqrt(
            math.pi)

    def reference(self):
        return stats.t(self.dof)

    def describe(self):
        return f"student-t({self.dof:g})"


@dataclass(frozen=True)
class Cauchy(NoiseLaw):
    """Standard Cauchy (the stable law with index 1): ``E|X|^p = 1 / cos(pi p / 2)``, p < 1.
    No theorem of Zhang et al. applies (no finite alpha-moment for alpha > 1)."""

    name: ClassVar[str] = "cauchy"
    code: ClassVar[int] = kernels.CAUCHY

    @property
    def tail_index(self):
        return 1.0

    def unit_abs_moment(self, p):
        return 1.0 / math.cos(math.pi * p / 2)

    def reference(self):
        return stats.cauchy()


@dataclass(frozen=True)
class TwoPoint(NoiseLaw):
    """``success`` with probability ``p``, else ``failure`` (times ``scale``): the Bernoulli-type
    noise of lower-bound constructions (Appendix F of Zhang et al. 2020)."""

    p: float = 0.5
    success: float = 1.0
    failure: float = -1.0

    name: ClassVar[str] = "two-point"
    code: ClassVar[int] = kernels.TWO_POINT

    def __post_init__(self):
        super().__post_init__()
        check_interval("two-point probability", self.p, 0.0, 1.0)

    @property
    def tail_index(self):
        return math.inf

    def parameters(self):
        return np.array([self.p, self.success, self.failure])

    def unit_abs_moment(self, alpha):
        return self.p * abs(self.success) ** alpha + (1 - self.p) * abs(self.failure) ** alpha

    def reference(self):
        values = np.array([self.failure, self.success])
        order = np.argsort(values)
        probs = np.array([1 - self.p, self.p])[order]
        return stats.rv_discrete(values=(values[order], probs))


@dataclass(frozen=True)
class ZeroChainOracle(NoiseLaw):
    """The noise of the probability-p zero-chain oracle of Zhang et al. 2020, Appendix G (proof
    of Theorem 6; reconstructed from the published paper and Arjevani et al. 2019):
    ``g(x) - grad F(x) = (z/p - 1) (L lambda/152) grad_j f_d(x/lambda) e_j`` with
    ``j = prog_{1/4}(x/lambda) + 1`` and ``z ~ Bernoulli(p)``, zero if ``j > d``. It depends on
    the query point, so it has no scalar law; its alpha-moment is checked in
    :mod:`simlab.lowerbounds`. Build it with :meth:`from_instance`.
    """

    p: float = 1.0
    chain_scale: float = 1.0  # lambda = 304 eps / L
    gradient_factor: float = 1.0  # L lambda / 152 = 2 eps
    moment_bound: float = math.inf  # G of the construction: E||xi||^alpha <= G^alpha

    name: ClassVar[str] = "zero-chain-oracle"
    code: ClassVar[int] = kernels.ZERO_CHAIN_ORACLE

    def __post_init__(self):
        super().__post_init__()
        if self.scale != 1.0 or self.geometry != "coordinate":
            raise InputError("the zero-chain oracle takes no scale or geometry")
        check_interval("zero-chain probability p", self.p, 0.0, 1.0, low_open=True)
        check_positive("chain scale lambda", self.chain_scale)
        check_positive("gradient factor", self.gradient_factor)

    @classmethod
    def from_instance(cls, instance) -> ZeroChainOracle:
        """The oracle of a :class:`simlab.lowerbounds.Theorem6Instance`."""
        return cls(p=instance.p, chain_scale=instance.scale,
                   gradient_factor=instance.gradient_factor, moment_bound=instance.G)

    def norm_moment(self, alpha: float, dim: int) -> MomentBound:
        """The construction's bound ``G^alpha`` (p is chosen so that it holds at every x; the
        worst case over x is searched in
        :func:`simlab.experiments.lowerbounds.theorem6_checks`)."""
        if not math.isfinite(self.moment_bound):
            raise InputError("build the zero-chain oracle with from_instance to know its G")
        return MomentBound(self.moment_bound ** alpha, False,
                           "Theorem 6 construction: sup_x E||xi(x)||^alpha <= G^alpha")

    @property
    def tail_index(self):
        return math.inf

    def parameters(self):
        out = np.zeros(3)
        out[kernels.LP_CHAIN_P] = self.p
        out[kernels.LP_CHAIN_SCALE] = self.chain_scale
        out[kernels.LP_CHAIN_GRADIENT_FACTOR] = self.gradient_factor
        return out

    def unit_abs_moment(self, alpha):
        raise InputError("the zero-chain oracle's moment depends on the point: see "
                         "simlab.experiments.lowerbounds.theorem6_checks")

    def reference(self):
        raise InputError("the zero-chain oracle has no scalar reference law")

    def describe(self):
        return f"zero-chain oracle (p={self.p:.4g})"


@dataclass(frozen=True)
class CustomNoise(NoiseLaw):
    """A user's noise law (:mod:`simlab.custom`): ``function`` is the importable path of a
    :class:`simlab.custom.NoiseDefinition` or the definition itself; ``scale`` multiplies its
    draws; ``source`` is the spec's record of the source hash (not read here). The moments are
    the user's: ``E||xi||^alpha = scale^alpha moment(alpha, d)`` (or a bound), and
    ``E|xi_i|^alpha = scale^alpha coordinate_moment(alpha)`` for Assumption 2's B_i."""

    function: object = ""
    source: str = ""
    definition: custom.NoiseDefinition = field(init=False, repr=False, compare=False,
                                               default=None)

    name: ClassVar[str] = "custom"
    code: ClassVar[int] = kernels.USER_NOISE

    def __post_init__(self):
        super().__post_init__()
        if self.geometry != "coordinate":
            raise InputError("a custom noise law draws its own vectors: it takes no geometry")
        if isinstance(self.function, custom.NoiseDefinition):
            definition = self.function
            object.__setattr__(self, "function", custom.path_of(definition))
        else:
            definition = custom.load(self.function, custom.NoiseDefinition)
        object.__setattr__(self, "definition", definition)

    @property
    def tail_index(self):
        return self.definition.tail_index

    def _missing(self, what: str) -> InputError:
        return InputError(f"noise law {self.definition.name}: {what} is missing (give "
                          "simlab.custom.noise_law the moment function), so the theorems' "
                          "constants cannot be computed")

    def unit_abs_moment(self, alpha):
        if self.definition.coordinate_moment is None:
            raise self._missing("its coordinate moment E|xi_i|^alpha")
        return float(self.definition.coordinate_moment(alpha))

    def norm_moment(self, alpha: float, dim: int) -> MomentBound:
        alpha = self._check_order(alpha)
        if self.definition.moment is None:
            raise self._missing("its moment E||xi||^alpha")
        value = self.scale ** alpha * float(self.definition.moment(alpha, dim))
        if not value >= 0:
            raise InputError(f"noise law {self.definition.name}: its moment at alpha="
                             f"{alpha:g} is {value!r}, not a non-negative number")
        return MomentBound(value, self.definition.moment_exact,
                           "the user's moment" + ("" if self.definition.moment_exact
                                                  else " (an upper bound)"))

    def reference(self):
        raise InputError("a custom noise law has no scipy reference law")

    def describe(self):
        return f"custom({self.definition.name})"

    def sample(self, size: int, dim: int = 1, seed: int = 0, at=None) -> np.ndarray:
        """The first step's noise of replicas ``0 .. size-1`` of ``seed`` at ``at``, drawn as
        the engine draws it (:func:`simlab._kernels.sample_user_noise`)."""
        out = np.empty((size, dim))
        point = np.zeros(dim) if at is None else np.ascontiguousarray(at, dtype=float)
        if point.shape != (dim,):
            raise InputError(f"the query point must have shape ({dim},), got {point.shape}")
        kernels.sample_user_noise(custom.noise_function(self.definition),
                                  custom.uniforms_per_step(self.definition, dim),
                                  np.full(dim, float(self.scale)), seed_key(seed), 0, point, out)
        return out


#: CLI names -> classes (the names are a contract: scripts rely on them)
LAWS: dict[str, type[NoiseLaw]] = {
    "gaussian": Gaussian,
    "pareto": Pareto,
    "stable": Stable,
    "student-t": StudentT,
    "cauchy": Cauchy,
    "two-point": TwoPoint,
    "zero-chain-oracle": ZeroChainOracle,
    "custom": CustomNoise,
}


def default_tail_index(law: str, alpha: float) -> float:
    """A tail index whose alpha-moment is finite, as heavy as that allows with a margin:
    ``alpha + 0.5`` for Pareto and Student-t, ``(alpha + 2)/2`` for stable (2 at alpha = 2)."""
    if law == "stable":
        return 2.0 if alpha >= 2.0 else (alpha + 2.0) / 2.0
    return alpha + 0.5


def make_noise(name: str, *, tail_index: float | None = None, alpha: float = 2.0,
               scale: float = 1.0, geometry: str = "coordinate", skew: float = 0.0,
               **fields) -> NoiseLaw:
    """Build a noise law by its registry name. Without ``tail_index``,
    :func:`default_tail_index`. The class's own field names are accepted too (``tail`` for
    Pareto, ``index`` for stable, ``dof`` for Student-t, ``p``/``success``/``failure`` for
    two-point), so a law's fields name it in a :class:`simlab.run.spec.Spec`. The zero-chain
    oracle is built from its problem (``ZeroChainOracle.from_instance``), not by name."""
    check_choice("noise law", name, LAWS)
    own = {"pareto": "tail", "stable": "index", "student-t": "dof"}.get(name)
    if own is not None and own in fields:
        if tail_index is not None:
            raise InputError(f"give {name}'s tail index once (tail_index or {own})")
        tail_index = fields.pop(own)
    if name == "zero-chain-oracle":
        raise InputError("the zero-chain oracle is built from the zero-chain problem "
                         "(ZeroChainOracle.from_instance), not by name")
    if name == "custom" and tail_index is not None:
        raise InputError("a custom noise law's tail index is its definition's "
                         "(simlab.custom.noise_law)")
    if name in ("two-point", "custom"):
        return LAWS[name](scale=scale, geometry=geometry, **fields)
    if fields:
        raise InputError(f"unknown parameter(s) for {name} noise: {sorted(fields)}")
    if name in ("gaussian", "cauchy"):
        if tail_index is not None:
            raise InputError(f"{name} noise has no tail-index parameter")
        return LAWS[name](scale=scale, geometry=geometry)
    index = default_tail_index(name, alpha) if tail_index is None else tail_index
    if name == "pareto":
        return Pareto(scale=scale, geometry=geometry, tail=index)
    if name == "stable":
        return Stable(scale=scale, geometry=geometry, index=index, skew=skew)
    if skew:
        raise InputError("only stable noise has a skew")
    return StudentT(scale=scale, geometry=geometry, dof=index)
