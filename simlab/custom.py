"""Bring your own problem and noise law (issue 20, item 1).

A user writes, at the top level of an importable module::

    from numba import njit
    from simlab import custom

    @njit
    def gradient(x, out):           # grad f(x) into out (float64 arrays of length d)
        ...

    @njit
    def value(x):                   # f(x), a float
        ...

    rosenbrock = custom.problem(gradient, value, dim=2, L=..., mu=0.0, f_star=0.0,
                                minimiser=[1.0, 1.0], domain=None)

    @njit
    def sample(u, x, out):          # u: uniforms in (0, 1]; x: the query point; out: noise
        ...

    laplace = custom.noise_law(sample, uniforms=1, tail_index=math.inf,
                               moment=lambda alpha, dim: ...)

and runs them like the built-in ones: ``simulate(custom_problem(rosenbrock), ...)``, or by name
in a :class:`simlab.run.spec.Spec` (problem ``"custom"`` with ``function="mymodule:rosenbrock"``,
noise ``"custom"`` with ``function="mymodule:laplace"``), so the store and the executors (a
Dask worker imports the module and rebuilds them) treat them as any other cell.

**Constants.** A problem gives L (inf if it is not L-smooth), mu (0 if not strongly convex) and
f* (``error`` is f(x) - f*); optionally the minimiser x* (else the ``distance`` metric is NaN),
a box ``domain=(low, high)`` (then the iterates may be projected: ``proj-gclip``, ``projected``
variants), ``gradient_bound`` (sup ||grad f|| on the domain, Assumption 4's G) and ``x0``. A
noise law gives its ``tail_index`` (moments of order below it are finite) and ``moment``, a
function ``(alpha, dim) -> E||xi||^alpha`` or an upper bound on it (``moment_exact`` says
which): the theorems' sigma, G and B follow from it as for the built-in laws (Assumption 1 of
Zhang et al. 2020: ``E||xi||^alpha <= sigma^alpha``; Assumption 2's ``B_i`` from
``coordinate_moment``, ``(alpha) -> E|xi_i|^alpha``, if given). A missing constant is a one-line
:class:`~simlab.errors.InputError`.

**Randomness.** A sampler never owns a generator: each step the engine hands it ``uniforms``
(times d when ``per_coordinate``) uniforms in (0, 1] made from the replica's counter-based
stream (:mod:`simlab.rng`), so its draws depend only on (seed, replica, step): the same whatever
the threads, the chunking or the executor. A rejection sampler takes a fixed budget of
uniforms. The noise vector is multiplied by the law's ``scale`` and the noise schedule.

**Compilation.** Plain Python functions are jitted (``numba.njit``); each function is wrapped
in a ``cfunc`` with a C signature of pointers and lengths, which the engine's driver calls as a
first-class function (see :mod:`simlab._kernels`): the driver is compiled once for all user
functions and cached on disk across processes; the small wrappers (and the user's functions,
unless they are ``njit(cache=True)``) compile in each process, once. A function numba cannot
type is a one-line InputError naming it and numba's first message.

**Store keys.** A spec naming a user's component carries ``source``: the sha256 of the source
files of the modules that define the component and its functions, so editing them changes
the key (and the derived seed). Helpers imported from *other* modules are not hashed (as
numba's own cache does not see them): change the component's module, or its name, when they
change.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simlab.errors import InputError

_MISSING: Any = object()


# -- definitions (what a user writes) ----------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ProblemDefinition:
    """A user's problem: jitted ``gradient(x, out)`` and ``value(x) -> float`` and its
    constants (see the module docstring). Build it with :func:`problem`."""

    gradient: Any
    value: Any
    dim: int
    L: float
    mu: float
    f_star: float
    minimiser: tuple | None = None
    domain: tuple | None = None
    gradient_bound: float = math.inf
    x0: tuple | None = None
    name: str = "custom"


@dataclass(frozen=True, eq=False)
class NoiseDefinition:
    """A user's noise law: a jitted ``sample(u, x, out)`` and its moment (see the module
    docstring). Build it with :func:`noise_law`."""

    sample: Any
    uniforms: int
    per_coordinate: bool
    tail_index: float
    moment: Any = None
    moment_exact: bool = False
    coordinate_moment: Any = None
    name: str = "custom"


def _number(what: str, name: str, value, *, allow_inf: bool = False) -> float:
    if value is _MISSING or value is None:
        raise InputError(f"{what}: the constant {name} is missing")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: {name} must be a number, got {value!r}") from None
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise InputError(f"{what}: {name} must be {'a number' if allow_inf else 'finite'}")
    return value


def _vector(what: str, name: str, value, dim: int) -> tuple | None:
    if value is None:
        return None
    array = np.asarray(value, dtype=float)
    if array.shape != (dim,) or not np.all(np.isfinite(array)):
        raise InputError(f"{what}: {name} must be a finite vector of length {dim}")
    return tuple(float(v) for v in array)


def problem(gradient, value, *, dim=_MISSING, L=_MISSING, mu=_MISSING, f_star=_MISSING,
            minimiser=None, domain=None, gradient_bound=math.inf, x0=None,
            name: str | None = None) -> ProblemDefinition:
    """A user's problem (validated and compiled now: a bad constant or a function numba
    cannot type is an InputError here, not in the middle of a run)."""
    what = f"problem {name or 'custom'}"
    if dim is _MISSING:
        raise InputError(f"{what}: the constant dim is missing")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise InputError(f"{what}: dim must be a positive whole number, got {dim!r}")
    dim = int(dim)
    L = _number(what, "L", L, allow_inf=True)
    mu = _number(what, "mu", mu)
    if L <= 0 or mu < 0 or mu > L:
        raise InputError(f"{what}: need 0 <= mu <= L and L > 0, got mu={mu:g}, L={L:g}")
    f_star = _number(what, "f_star", f_star)
    if domain is not None:
        try:
            low, high = (float(v) for v in domain)
        except (TypeError, ValueError):
            raise InputError(f"{what}: domain is a box (low, high), got {domain!r}") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InputError(f"{what}: the domain box needs finite low < high, got {domain!r}")
        domain = (low, high)
    gradient_bound = _number(what, "gradient_bound", gradient_bound, allow_inf=True)
    definition = ProblemDefinition(
        gradient=jitted(what, "gradient", gradient), value=jitted(what, "value", value),
        dim=dim, L=L, mu=mu, f_star=f_star, minimiser=_vector(what, "minimiser", minimiser, dim),
        domain=domain, gradient_bound=gradient_bound, x0=_vector(what, "x0", x0, dim),
        name=name or "custom")
    problem_functions(definition)  # compile now: errors surface at definition time
    return definition


def noise_law(sample, *, uniforms=_MISSING, per_coordinate: bool = True, tail_index=_MISSING,
              moment=None, moment_exact: bool = False, coordinate_moment=None,
              name: str | None = None) -> NoiseDefinition:
    """A user's noise law: ``sample(u, x, out)`` receives ``uniforms`` (times d when
    ``per_coordinate``) uniforms in (0, 1] each step. ``moment(alpha, dim)`` is
    ``E||xi||^alpha`` (or an upper bound; ``moment_exact``); without it the theorems' constants
    cannot be computed and asking for them is an InputError."""
    what = f"noise law {name or 'custom'}"
    if uniforms is _MISSING:
        raise InputError(f"{what}: the number of uniforms a step takes is missing")
    if isinstance(uniforms, bool) or not isinstance(uniforms, (int, np.integer)) or uniforms < 0:
        raise InputError(f"{what}: uniforms must be a whole number >= 0, got {uniforms!r}")
    tail_index = _number(what, "tail_index", tail_index, allow_inf=True)
    if tail_index <= 0:
        raise InputError(f"{what}: tail_index must be positive")
    for label, function in (("moment", moment), ("coordinate_moment", coordinate_moment)):
        if function is not None and not callable(function):
            raise InputError(f"{what}: {label} must be a function of alpha (and dim)")
    definition = NoiseDefinition(sample=jitted(what, "sample", sample), uniforms=int(uniforms),
                                 per_coordinate=bool(per_coordinate), tail_index=tail_index,
                                 moment=moment, moment_exact=bool(moment_exact),
                                 coordinate_moment=coordinate_moment, name=name or "custom")
    noise_function(definition)
    return definition


# -- compilation -------------------------------------------------------------------------------

def jitted(what: str, role: str, function):
    """``function`` as a numba dispatcher (a plain Python function is jitted)."""
    from numba.core.registry import CPUDispatcher

    if isinstance(function, CPUDispatcher):
        return function
    if not callable(function):
        raise InputError(f"{what}: {role} must be a function, got {function!r}")
    from numba import njit

    return njit(function)


def _summary(error: Exception) -> str:
    """numba's first meaningful line (its messages run to dozens of lines)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    skip = ("- Resolution failure", "During:", "File ", "^", "<source", "[1]", "[0]")
    useful = [line for line in lines if not line.startswith(skip)
              and "Failed in nopython mode pipeline" not in line]
    useful = useful or lines or [type(error).__name__]
    text = useful[0]
    if text.endswith(":") and len(useful) > 1:  # "No implementation ... for signature:" + which
        text = f"{text} {useful[1]}"
    return text[:240]


def _compile(what: str, role: str, function, build):
    from numba.core.errors import NumbaError

    try:
        return build()
    except NumbaError as error:
        name = getattr(getattr(function, "py_func", function), "__name__", "?")
        raise InputError(f"{what}: numba cannot compile its {role} ({name}): "
                         f"{_summary(error)}") from None


_PROBLEM_CACHE: dict[int, tuple] = {}
_NOISE_CACHE: dict[int, Any] = {}


def problem_functions(definition: ProblemDefinition) -> tuple:
    """``(gradient, value)`` as ``cfunc`` wrappers for the driver (compiled once per process and
    definition): ``void(double* x, double* g, intp d)`` and ``double(double* x, intp d)``."""
    cached = _PROBLEM_CACHE.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    from numba import carray, cfunc, types

    what = f"problem {definition.name}"
    user_gradient, user_value = definition.gradient, definition.value
    pointer = types.CPointer(types.float64)

    def build_gradient():
        @cfunc(types.void(pointer, pointer, types.intp), error_model="numpy")
        def gradient_wrapper(x, g, d):
            user_gradient(carray(x, d), carray(g, d))

        return gradient_wrapper

    def build_value():
        @cfunc(types.float64(pointer, types.intp), error_model="numpy")
        def value_wrapper(x, d):
            return user_value(carray(x, d))

        return value_wrapper

    functions = (_compile(what, "gradient(x, out)", user_gradient, build_gradient),
                 _compile(what, "value(x)", user_value, build_value))
    _PROBLEM_CACHE[id(definition)] = (definition, functions)
    return functions


def noise_function(definition: NoiseDefinition):
    """The sampler as a ``cfunc`` for the driver:
    ``void(double* u, intp m, double* x, double* out, intp d)``."""
    cached = _NOISE_CACHE.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    from numba import carray, cfunc, types

    what = f"noise law {definition.name}"
    user_sample = definition.sample
    pointer = types.CPointer(types.float64)

    def build():
        @cfunc(types.void(pointer, types.intp, pointer, pointer, types.intp),
               error_model="numpy")
        def sample_wrapper(u, m, x, out, d):
            user_sample(carray(u, m), carray(x, d), carray(out, d))

        return sample_wrapper

    function = _compile(what, "sample(u, x, out)", user_sample, build)
    _NOISE_CACHE[id(definition)] = (definition, function)
    return function


def uniforms_per_step(definition: NoiseDefinition, dim: int) -> int:
    return definition.uniforms * (dim if definition.per_coordinate else 1)


# -- names: importable paths and source hashes -----------------------------------------------

def load(path: str, kind: type):
    """The definition at ``"package.module:name"`` (an InputError if it is not one)."""
    module_name, colon, name = str(path).partition(":")
    label = "problem" if kind is ProblemDefinition else "noise law"
    if not colon or not module_name or not name:
        raise InputError(f"a custom {label} is named 'package.module:name', got {path!r}")
    try:
        module = importlib.import_module(module_name)
        definition = getattr(module, name)
    except (ImportError, AttributeError) as error:
        raise InputError(f"cannot import the custom {label} {path}: {error}") from None
    if not isinstance(definition, kind):
        raise InputError(f"{path} is not a custom {label} (build it with "
                         f"simlab.custom.{'problem' if label == 'problem' else 'noise_law'})")
    return definition


def path_of(definition) -> str:
    """``"module:name"`` where a definition is bound at the top level of an importable module,
    or "" (defined in ``__main__`` or a notebook, or not bound to a module-level name)."""
    functions = ([definition.gradient, definition.value]
                 if isinstance(definition, ProblemDefinition) else [definition.sample])
    modules = {getattr(getattr(f, "py_func", f), "__module__", None) for f in functions}
    for module_name in sorted(m for m in modules if m and m != "__main__"):
        module = sys.modules.get(module_name)
        for name, value in vars(module or {}).items():
            if value is definition:
                return f"{module_name}:{name}"
    return ""


def source_hash(definition) -> str:
    """sha256 of the source files of the modules defining the definition's functions (see the
    module docstring: what a store key covers), in a fixed order."""
    functions = ([definition.gradient, definition.value]
                 if isinstance(definition, ProblemDefinition) else [definition.sample])
    for extra in ("moment", "coordinate_moment"):
        if getattr(definition, extra, None) is not None:
            functions.append(getattr(definition, extra))
    files = set()
    for function in functions:
        target = getattr(function, "py_func", function)
        try:
            files.add(str(Path(inspect.getsourcefile(target)).resolve()))
        except (TypeError, OSError):
            raise InputError(f"the source of {getattr(target, '__name__', target)!r} cannot "
                             "be found, so a store key cannot cover it") from None
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()


def engine_arguments(problem, noise) -> dict:
    """The driver's ``user_*`` keyword arguments for a problem and a noise law (empty for the
    built-in ones), without the per-block work arrays (see :func:`work_arrays`)."""
    out = {}
    definition = getattr(problem, "definition", None)
    if isinstance(definition, ProblemDefinition):
        out["user_gradient"], out["user_value"] = problem_functions(definition)
    law = getattr(noise, "definition", None)
    if isinstance(law, NoiseDefinition):
        out["user_noise"] = noise_function(law)
        out["n_uniforms"] = uniforms_per_step(law, problem.dim)
    return out


def work_arrays(arguments: dict, dim: int) -> dict:
    """The driver's arguments for one block: each block (a thread) gets its own work arrays."""
    out = {k: v for k, v in arguments.items() if k != "n_uniforms"}
    if "user_noise" in arguments:
        out["user_uniforms"] = np.empty(arguments["n_uniforms"])
        out["user_noise_out"] = np.empty(dim)
    return out


__all__ = ["NoiseDefinition", "ProblemDefinition", "engine_arguments", "load", "noise_law",
           "path_of", "problem", "source_hash", "work_arrays"]
