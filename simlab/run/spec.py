"""The one route from a description to a run: :class:`Spec` (an engine run) and :class:`Task`
(any other Monte Carlo computation), and :class:`Grid`, a Cartesian product of specs.

**Spec.** A frozen, hashable description of one :func:`simlab.run.engine.simulate` call: the
problem, noise law and algorithm (each a registry name plus its parameters), a schedule
(``"default"`` or the name of a :mod:`simlab.schedules` constructor plus its arguments;
``"power-law"`` takes any schedule's two power laws), ``steps`` K, ``replicas`` R, the moment
order ``alpha``, the ``seed``, the ``checkpoints``, and the optional ``x0``, ``noise_schedule``
and ``track_min_grad``. Its :attr:`Spec.key` is the sha256 of the canonical JSON of the spec and
``simlab.__version__``: the store's file name. Integral floats are written as integers
(``alpha=2`` and ``alpha=2.0`` are one spec); an infinite parameter is written ``"inf"``.

:meth:`Spec.of` builds a spec from engine objects (an experiment that computed a noise scale or
a schedule's constants builds them as objects, then names the run by them), :meth:`Spec.build`
turns a spec back into objects; ``Spec.of(...).build()`` gives equal objects. Special pairings
live here: the noise ``zero-chain-oracle`` is built from the ``zero-chain`` problem's instance.

**User components** (:mod:`simlab.custom`): problem ``"custom"`` and noise ``"custom"`` take
``function="package.module:name"`` (a definition bound at the top level of an importable
module, so a Dask worker can import it) and ``source``, the sha256 of its module's source that
the spec computes itself (:func:`simlab.custom.source_hash`): editing the user's code changes
the key.

**Seeds** follow :mod:`simlab.rng`: an explicit seed (common random numbers), else the seed
derived from the spec without its seed.

**Task.** A stored computation that is not an engine run (the Adam-update simulator, a gradient
noise model, a Monte Carlo property check): ``function`` names an importable function
``"package.module:name"`` that takes the task's parameters as keyword arguments (plus ``seed``)
and returns a mapping of names to arrays (anything ``np.asarray`` turns into a non-object
array: numbers, lists, strings). Its key hashes the function's name, the parameters, the seed and
the simlab version, so a Dask worker can run it by importing the function.

**Flat names** (``Grid`` and the ``simlab sweep`` spec file): ``problem``, ``noise``,
``algorithm``, ``schedule`` (names); ``steps``, ``replicas``, ``alpha``, ``seed``,
``checkpoints`` (an integer: about that many log-spaced checkpoints; a list: exactly those),
``x0``, ``track_min_grad``; ``dim`` (short for ``problem.dim``); ``problem.<arg>``,
``noise.<arg>``, ``algorithm.<arg>``, ``schedule.<arg>`` for the constructors' keyword arguments.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simlab._version import version
from simlab.errors import InputError, check_choice, check_count, check_positive
from simlab.rng import canonical_json, check_seed, seed_of

#: the ``schedule`` names a spec accepts besides "default": constructors of simlab.schedules
SCHEDULES = ("default", "constant", "theorem2", "theorem4", "theorem8", "power-law")
GROUPS = ("problem", "noise", "algorithm", "schedule")
SCALARS = ("steps", "replicas", "alpha", "seed", "checkpoints", "x0", "track_min_grad",
           "noise_schedule")
_ALIASES = {"dim": "problem.dim"}
_INF = {"inf": math.inf, "-inf": -math.inf}
#: grids larger than this are refused before any cell is built (a spec file with a typo in
#: an axis can otherwise ask for billions of cells)
MAX_GRID_CELLS = 1_000_000


# -- canonical values -----------------------------------------------------------------------

def canonical(name: str, value):
    """A JSON-stable, hashable form: integral floats as ints, sequences as tuples, +-inf as the
    strings "inf" and "-inf" (NaN is refused)."""
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            raise InputError(f"{name} must not be NaN")
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(canonical(name, item) for item in value)
    raise InputError(f"{name} must be a number, a string or a list of them, got {value!r}")


def _params(group: str, value) -> tuple:
    """Keyword arguments as a sorted tuple of (name, canonical value) pairs."""
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)
    if not isinstance(value, dict):
        raise InputError(f"{group} parameters must be a mapping, got {value!r}")
    return tuple(sorted((str(k), canonical(f"{group}.{k}", v)) for k, v in value.items()))


def jsonable(value):
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    return value


def _decode(value):
    """Inverse of :func:`canonical` for a constructor's argument."""
    if isinstance(value, str) and value in _INF:
        return _INF[value]
    if isinstance(value, tuple):
        return tuple(_decode(v) for v in value)
    return value


def _whole(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    return check_count(name, value, minimum=minimum)


# -- engine runs ----------------------------------------------------------------------------

class _Keyed:
    """What a Spec and a Task share: the canonical spec and the store key made from it."""

    _KEY_LABEL = ""

    def spec(self) -> dict:
        """The canonical spec as plain JSON types (what the key hashes, minus the version)."""
        return self._spec()

    @property
    def key(self) -> str:
        """sha256 (hex) of the canonical JSON of the spec and ``simlab.__version__``."""
        payload = canonical_json({self._KEY_LABEL: self._spec(), "simlab": version()})
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Spec(_Keyed):
    """One engine run, named by its description (see the module docstring).

    ``*_params`` accept dicts and are stored as sorted tuples of pairs, so a spec is hashable
    and equal specs have equal keys. ``seed=None`` is replaced by the seed derived from the
    spec (without the seed and the simlab version). ``checkpoints``: ``None`` (the engine's ~30
    log-spaced steps), an integer count of log-spaced steps, or a list of steps.
    """

    problem: str
    noise: str
    algorithm: str
    steps: int
    replicas: int
    alpha: float = 2.0
    seed: int | None = None
    schedule: str = "default"
    checkpoints: int | tuple[int, ...] | None = None
    problem_params: tuple = ()
    noise_params: tuple = ()
    algorithm_params: tuple = ()
    schedule_params: tuple = ()
    x0: tuple | None = None
    noise_schedule: tuple | None = None
    track_min_grad: bool = False

    kind = "engine"
    _KEY_LABEL = "cell"

    def __post_init__(self):
        from simlab.algorithms import ALGORITHMS
        from simlab.noise import LAWS
        from simlab.problems import PROBLEMS

        check_choice("problem", self.problem, PROBLEMS)
        check_choice("noise law", self.noise, LAWS)
        check_choice("algorithm", self.algorithm, ALGORITHMS)
        check_choice("schedule", self.schedule, SCHEDULES)
        set_ = object.__setattr__
        set_(self, "steps", _whole("steps K", self.steps))
        set_(self, "replicas", _whole("replicas R", self.replicas))
        if isinstance(self.alpha, bool):
            raise InputError(f"alpha must be a number, got {self.alpha!r}")
        set_(self, "alpha", canonical("alpha", check_positive("alpha", self.alpha)))
        checkpoints = self.checkpoints
        if checkpoints is not None:
            if isinstance(checkpoints, (list, tuple, np.ndarray)):
                checkpoints = tuple(sorted({_whole("checkpoint", c) for c in checkpoints}))
                if not checkpoints or checkpoints[-1] > self.steps:
                    raise InputError(f"checkpoints must lie in [1, {self.steps}]")
            else:
                checkpoints = _whole("checkpoint count", checkpoints)
        set_(self, "checkpoints", checkpoints)
        for group in GROUPS:
            set_(self, f"{group}_params", _params(group, getattr(self, f"{group}_params")))
        if "alpha" in dict(self.noise_params):
            raise InputError("give alpha once, as the spec's alpha, not as noise.alpha")
        if self.schedule == "default" and self.schedule_params:
            raise InputError("the default schedule takes no arguments; name a schedule "
                             f"({', '.join(SCHEDULES[1:])})")
        for name in ("x0", "noise_schedule"):
            value = getattr(self, name)
            if value is not None:
                if not isinstance(value, (list, tuple, np.ndarray)):
                    raise InputError(f"{name} must be a list of numbers, got {value!r}")
                set_(self, name, canonical(name, value))
        if not isinstance(self.track_min_grad, (bool, np.bool_)):
            raise InputError(f"track_min_grad must be true or false, got {self.track_min_grad!r}")
        set_(self, "track_min_grad", bool(self.track_min_grad))
        for group in ("problem", "noise"):
            if getattr(self, group) == "custom":
                set_(self, f"{group}_params", _with_source(group, getattr(self, f"{group}_params")))
        if self.noise == "zero-chain-oracle" and (self.problem != "zero-chain"
                                                  or self.noise_params):
            raise InputError("the zero-chain oracle is built from the zero-chain problem's "
                             "instance: use it with problem zero-chain and no noise parameters")
        set_(self, "seed", seed_of(self._spec(seed=False)) if self.seed is None
             else check_seed(self.seed))

    # -- spec and key
    def _spec(self, seed: bool = True) -> dict:
        spec = {
            group: {"name": getattr(self, group),
                    **{k: jsonable(v) for k, v in getattr(self, f"{group}_params")}}
            for group in GROUPS
        }
        spec.update(steps=self.steps, replicas=self.replicas, alpha=self.alpha,
                    checkpoints=jsonable(self.checkpoints))
        # the optional fields enter the spec only when set, so specs written before they
        # existed keep their keys and seeds
        for name in ("x0", "noise_schedule"):
            if getattr(self, name) is not None:
                spec[name] = jsonable(getattr(self, name))
        if self.track_min_grad:
            spec["track_min_grad"] = True
        if seed:
            spec["seed"] = self.seed
        return spec

    def flat(self) -> dict:
        """The spec under the flat names of :class:`Grid` (``dim``, ``noise.tail_index``...)."""
        out = {group: getattr(self, group) for group in GROUPS}
        for group in GROUPS:
            for name, value in getattr(self, f"{group}_params"):
                out[f"{group}.{name}"] = jsonable(value)
        out.update(steps=self.steps, replicas=self.replicas, alpha=self.alpha, seed=self.seed,
                   checkpoints=jsonable(self.checkpoints))
        for name in ("x0", "noise_schedule"):
            if getattr(self, name) is not None:
                out[name] = jsonable(getattr(self, name))
        if self.track_min_grad:
            out["track_min_grad"] = True
        if "problem.dim" in out:
            out["dim"] = out.pop("problem.dim")
        return out

    @classmethod
    def from_flat(cls, values: dict) -> Spec:
        """A spec from flat names (see the module docstring); unknown names are an error."""
        if not isinstance(values, dict):
            raise InputError(f"a spec is a mapping of names to values, got {values!r}")
        direct: dict = {}
        groups: dict[str, dict] = {group: {} for group in GROUPS}
        for name, value in values.items():
            name = _ALIASES.get(name, name)
            group, dot, arg = name.partition(".")
            if dot and group in GROUPS and arg:
                groups[group][arg] = value
            elif not dot and name in GROUPS + SCALARS:
                direct[name] = value
            else:
                raise InputError(f"unknown spec parameter {name!r}; use one of "
                                 f"{', '.join(GROUPS + SCALARS)}, dim, or "
                                 "problem.<arg>, noise.<arg>, algorithm.<arg>, schedule.<arg>")
        missing = [name for name in ("problem", "noise", "algorithm", "steps", "replicas")
                   if name not in direct]
        if missing:
            raise InputError(f"a spec needs {', '.join(missing)}")
        return cls(**direct, **{f"{g}_params": groups[g] for g in GROUPS})

    @classmethod
    def of(cls, problem, noise, algorithm, schedule=None, *, steps: int, replicas: int,
           alpha: float = 2.0, seed: int | None = None, checkpoints=None, x0=None,
           noise_schedule=None, track_min_grad: bool = False) -> Spec:
        """The spec of a run given as engine objects (each a validated dataclass of its
        registry; ``algorithm`` may be a name; ``schedule`` None means the default)."""
        from simlab.algorithms import ALGORITHMS, make_algorithm

        if isinstance(algorithm, str):
            algorithm = make_algorithm(algorithm)
        base = ALGORITHMS.get(algorithm.name)
        if base is None:
            raise InputError(f"algorithm {algorithm.name!r} is not in the registry")
        algorithm_params = {f.name: getattr(algorithm, f.name)
                            for f in dataclasses.fields(algorithm)
                            if getattr(algorithm, f.name) != getattr(base, f.name)}
        if schedule is None:
            schedule_name, schedule_params = "default", {}
        else:
            schedule_name, schedule_params = "power-law", schedule.spec_params()
        noise_params = ({} if noise.name == "zero-chain-oracle" else _fields_of(noise))
        if isinstance(checkpoints, np.ndarray):
            checkpoints = tuple(int(c) for c in checkpoints)
        return cls(problem=problem.name, noise=noise.name, algorithm=algorithm.name,
                   steps=steps, replicas=replicas, alpha=alpha, seed=seed,
                   schedule=schedule_name, checkpoints=checkpoints,
                   problem_params=_fields_of(problem), noise_params=noise_params,
                   algorithm_params=algorithm_params, schedule_params=schedule_params,
                   x0=None if x0 is None else tuple(float(v) for v in np.ravel(x0)),
                   noise_schedule=None if noise_schedule is None else
                   tuple(float(v) for v in np.ravel(noise_schedule)),
                   track_min_grad=track_min_grad)

    # -- building the engine's objects
    def objects(self) -> dict:
        """The problem, noise law, algorithm and schedule of this spec (validated: a bad name
        or value raises :class:`InputError`)."""
        from simlab import schedules
        from simlab.algorithms import make_algorithm
        from simlab.noise import LAWS, ZeroChainOracle, make_noise
        from simlab.problems import PROBLEMS

        problem_params = {k: _decode(v) for k, v in self.problem_params}
        if self.problem == "zero-chain":
            from simlab.lowerbounds import Theorem6Instance

            instance = {k[len("instance."):]: v for k, v in problem_params.items()
                        if k.startswith("instance.")}
            rest = set(problem_params) - {f"instance.{k}" for k in instance}
            if rest:
                raise InputError(f"problem zero-chain takes instance.<arg> parameters only, "
                                 f"got {sorted(rest)}")
            problem_params = ({"instance": _construct("zero-chain instance", Theorem6Instance,
                                                      instance)} if instance else {})
        problem = _construct(f"problem {self.problem}", PROBLEMS[self.problem], problem_params)
        noise_params = {k: _decode(v) for k, v in self.noise_params}
        if self.noise == "zero-chain-oracle":
            noise = ZeroChainOracle.from_instance(problem.instance)
        elif self.noise in ("two-point", "custom"):
            noise = _construct(f"noise {self.noise}", LAWS[self.noise], noise_params)
        else:
            noise = _construct(f"noise {self.noise}", make_noise,
                               {"alpha": self.alpha, **noise_params}, self.noise)
        algorithm = _construct(f"algorithm {self.algorithm}", make_algorithm,
                               {k: _decode(v) for k, v in self.algorithm_params}, self.algorithm)
        if algorithm.projected and not problem.projected:  # simulate's check, made up front
            raise InputError(f"{algorithm.name} needs a bounded domain; {problem.name} has none")
        if self.schedule == "default":  # what simulate would pick, built here to validate it
            schedule = schedules.default_schedule(problem, noise, algorithm, self.steps,
                                                  self.alpha)
        else:
            constructor = getattr(schedules, self.schedule.replace("-", "_"))
            kwargs = {k: _decode(v) for k, v in self.schedule_params}
            accepted = inspect.signature(constructor).parameters
            for name, value in (("alpha", self.alpha), ("steps", self.steps)):
                if name in accepted and name not in kwargs:
                    kwargs[name] = value
            schedule = _construct(f"schedule {self.schedule}", constructor, kwargs)
        return dict(problem=problem, noise=noise, algorithm=algorithm, schedule=schedule)

    def build(self) -> dict:
        """The keyword arguments of :func:`simlab.run.engine.simulate` for this spec."""
        from simlab.run.engine import log_checkpoints

        if isinstance(self.checkpoints, int):
            checkpoints = log_checkpoints(self.steps, self.checkpoints)
        elif self.checkpoints is None:
            checkpoints = None
        else:
            checkpoints = np.array(self.checkpoints, dtype=np.int64)
        extra = {}
        if self.x0 is not None:
            extra["x0"] = np.array([_decode(v) for v in self.x0], dtype=float)
        if self.noise_schedule is not None:
            extra["noise_schedule"] = np.array([_decode(v) for v in self.noise_schedule],
                                               dtype=float)
        if self.track_min_grad:
            extra["track_min_grad"] = True
        return dict(**self.objects(), steps=self.steps, replicas=self.replicas, seed=self.seed,
                    alpha=self.alpha, checkpoints=checkpoints, **extra)

    def compute(self, *, replica_offset: int = 0, replicas: int | None = None,
                show_progress: bool = False, backend: str = "cpu"):
        """Run the spec (or ``replicas`` of its replicas from ``replica_offset`` on)."""
        from simlab.run.engine import simulate

        arguments = self.build()
        if replicas is not None:
            arguments["replicas"] = replicas
        return simulate(**arguments, replica_offset=replica_offset, show_progress=show_progress,
                        backend=backend)

    def __repr__(self):
        varying = ", ".join(f"{k}={v}" for k, v in self.flat().items() if v not in (None, ()))
        return f"Spec({self.key[:10]}: {varying})"


#: the name the sweep API has always used
Cell = Spec


def _fields_of(component) -> dict:
    """The constructor arguments of a problem or noise law (a frozen dataclass); a nested
    dataclass (the zero chain's instance) is flattened as ``instance.<arg>``."""
    out = {}
    for f in dataclasses.fields(component):
        if not f.init or f.name.startswith("_"):
            continue
        value = getattr(component, f.name)
        if dataclasses.is_dataclass(value):
            for inner in dataclasses.fields(value):
                if inner.init:
                    out[f"{f.name}.{inner.name}"] = getattr(value, inner.name)
        elif value is not None:
            out[f.name] = value
    return out


def _with_source(group: str, params: tuple) -> tuple:
    """A custom component's parameters with ``source`` set to the hash of its current source
    (a stale or missing one is replaced: the spec names the code as it is now)."""
    from simlab import custom

    values = dict(params)
    path = values.get("function")
    if not isinstance(path, str) or not path:
        raise InputError(f"a custom {group} is named by function='package.module:name' (a "
                         "definition at the top level of an importable module, so that a Dask "
                         "worker can import it; one defined in a notebook or __main__ cannot)")
    kind = custom.ProblemDefinition if group == "problem" else custom.NoiseDefinition
    values["source"] = custom.source_hash(custom.load(path, kind))
    return _params(group, values)


def _construct(what: str, constructor, kwargs: dict, *args):
    """Call a constructor, turning an unknown or ill-typed keyword into an InputError."""
    try:
        return constructor(*args, **kwargs)
    except InputError:
        raise
    except TypeError as error:
        raise InputError(f"{what}: {error}") from None


def spec_from_json(spec: dict):
    """Inverse of ``.spec()`` for both kinds (a Task's spec names its function)."""
    if "function" in spec:
        return Task(spec["function"], spec.get("params", {}), seed=spec.get("seed"))
    groups = {}
    for group in GROUPS:
        params = dict(spec[group])
        groups[group] = params.pop("name")
        groups[f"{group}_params"] = params
    extra = {name: spec[name] for name in ("x0", "noise_schedule", "track_min_grad")
             if name in spec}
    return Spec(steps=spec["steps"], replicas=spec["replicas"], alpha=spec["alpha"],
                seed=spec["seed"], checkpoints=spec["checkpoints"], **groups, **extra)


# -- other computations -----------------------------------------------------------------------

@dataclass(frozen=True)
class Task(_Keyed):
    """A stored computation other than an engine run (see the module docstring).

    ``function`` is ``"package.module:name"``; ``params`` its keyword arguments (canonical
    values; lists become tuples and are passed as lists); ``seed`` as for :class:`Spec`
    (``None``: derived from the function and parameters; ``False``: the function takes none).
    """

    function: str
    params: tuple = ()
    seed: int | None | bool = None

    kind = "task"
    _KEY_LABEL = "task"

    def __post_init__(self):
        module, colon, name = str(self.function).partition(":")
        if not colon or not module or not name.isidentifier():
            raise InputError(f"a task's function is 'package.module:name', got {self.function!r}")
        object.__setattr__(self, "params", _params("task", self.params))
        if self.seed is None:
            object.__setattr__(self, "seed", seed_of(self._spec(seed=False)))
        elif self.seed is not False:
            object.__setattr__(self, "seed", check_seed(self.seed))

    def _spec(self, seed: bool = True) -> dict:
        spec = {"function": self.function,
                "params": {k: jsonable(v) for k, v in self.params}}
        if seed:
            spec["seed"] = self.seed
        return spec

    @property
    def replicas(self) -> int:
        return 1

    def callable(self):
        import importlib

        module, _, name = self.function.partition(":")
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as error:
            raise InputError(f"cannot import the task function {self.function}: {error}") from None

    def compute(self, **_):
        """Run the function; returns ``{name: np.ndarray}``."""
        kwargs = {k: _as_argument(_decode(v)) for k, v in self.params}
        if self.seed is not False:
            kwargs["seed"] = self.seed
        out = self.callable()(**kwargs)
        if not isinstance(out, dict):
            raise TypeError(f"task {self.function} returned {type(out).__name__}, not a dict")
        arrays = {}
        for name, value in out.items():
            array = np.asarray(value)
            if array.dtype == object:
                raise TypeError(f"task {self.function}: {name!r} is not an array of numbers "
                                "or strings")
            arrays[str(name)] = array
        return arrays

    def __repr__(self):
        return f"Task({self.key[:10]}: {self.function} {dict(self.params)})"


def _as_argument(value):
    return [_as_argument(v) for v in value] if isinstance(value, tuple) else value


# -- grids ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """``base`` values shared by every spec and ``axes`` (name -> list of values) expanded as
    a Cartesian product, the last axis varying fastest; names are the flat names of
    :meth:`Spec.from_flat`."""

    base: dict
    axes: dict

    def __post_init__(self):
        if not isinstance(self.base, dict) or not isinstance(self.axes, dict):
            raise InputError("a grid needs a 'base' mapping and an 'axes' mapping")
        for name, values in self.axes.items():
            if not isinstance(values, (list, tuple)) or len(values) == 0:
                raise InputError(f"axis {name!r} must be a non-empty list of values")
        overlap = set(self.base) & set(self.axes)
        if overlap:
            raise InputError(f"{sorted(overlap)} given both in base and in axes")
        if len(self) > MAX_GRID_CELLS:
            raise InputError(f"the grid has {len(self):.3g} cells, more than the "
                             f"{MAX_GRID_CELLS:,} a sweep takes; split it")

    @classmethod
    def from_dict(cls, spec: dict) -> Grid:
        if not isinstance(spec, dict) or set(spec) - {"base", "axes"}:
            raise InputError("a grid spec is a JSON object with keys 'base' and 'axes'")
        base, axes = spec.get("base", {}), spec.get("axes", {})
        if not isinstance(base, dict) or not isinstance(axes, dict):
            raise InputError("a grid spec's 'base' and 'axes' must be JSON objects")
        return cls(dict(base), dict(axes))

    @classmethod
    def from_json(cls, path) -> Grid:
        import json

        try:
            text = Path(path).read_bytes().decode("utf-8")
        except OSError as error:
            raise InputError(f"cannot read the grid spec {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text") from None
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path} is not valid JSON: {error}") from None
        return cls.from_dict(spec)

    def __len__(self) -> int:
        return math.prod(len(values) for values in self.axes.values())

    def cells(self) -> list[Spec]:
        names = list(self.axes)
        return [Spec.from_flat({**self.base, **dict(zip(names, combination, strict=True))})
                for combination in itertools.product(*self.axes.values())]


__all__ = ["Cell", "GROUPS", "Grid", "MAX_GRID_CELLS", "SCHEDULES", "Spec", "Task", "canonical",
           "jsonable", "spec_from_json"]
