"""The update rules as a public, composable API (the ``init``/``update`` style of optax).

Each rule is a :class:`GradientTransformation`: a pair of pure functions

- ``init(params) -> state`` (a NamedTuple of arrays and a step count), and
- ``update(grads, state, params=None) -> (updates, state)``,

and :func:`chain` composes them left to right. ``updates`` are *added* to the parameters
(:func:`apply_updates`), so a rule that ends in a step size returns ``-eta_k * direction``.
Nothing is modified in place: a researcher steps them on a NumPy gradient sequence of their
own (:func:`step_sequence`), or in a loop of their own::

    from simlab import updates as U
    tx = U.chain(U.clip_by_global_norm(1.0), U.adam(1e-2))     # clipped Adam
    state = tx.init(x)
    for g in my_gradients:
        u, state = tx.update(g, state, x)
        x = U.apply_updates(x, u)

A step size, a clipping threshold or a decay may be a number or a function of the step
``k = 1, 2, ...`` (the step being taken; the engine's ``eta_k``, ``tau_k``).

The rules, with the equations they implement:

- :func:`clip_by_global_norm` (GClip, Zhang et al. 2020 Section 3.1: ``min{1, tau/||g||} g``),
  :func:`clip_coordinates` (CClip, Section 4 / Theorem 8: each coordinate to [-tau, tau]),
  :func:`normalize` (``g/||g||``): simlab's exact kernels
  (:func:`simlab._kernels.clip_global_inplace` and friends), defined for g = 0, NaN, inf and
  vectors whose norm underflows or overflows, where torch's ``clip_grad_norm_`` and optax's
  ``clip_by_global_norm`` are not (``tests/test_conformance.py`` shows the cases);
- :func:`project_box` / :func:`projection_box`: the Euclidean projection onto a box (the
  projected GClip of Theorem 4);
- :func:`sgd` (``-eta_k g``), :func:`heavy_ball` (Polyak momentum ``m = beta m + g``, the form
  of torch's and optax's SGD with momentum);
- :func:`adam` (Kingma & Ba 2015, bias-corrected), :func:`laprop` (the form of Zhiyi & Ziyin,
  eq. 1-4: the momentum averages the *preconditioned* gradient), :func:`rmsprop`,
  :func:`adagrad`, :func:`adagrad_norm` and :func:`adam_norm` (Chezhegov et al. 2024, with or
  without the delayed step size ``delayed=True``: the step uses ``b_{k-1}``, which does not see
  the current gradient), :func:`acclip` (Zhang et al. 2020 Algorithm 1).

Where the engine has a rule (SGD, GClip, CClip, NSGD, projection, Adam, RMSProp, AdaGrad,
AdaGrad-Norm, Adam-Norm and their clipped or delayed forms, ACClip), the stateful rules run
the engine's own step (:func:`simlab._kernels.adaptive_step`) on a copy of the state, and
stepping them reproduces :func:`simlab.simulate` bit for bit (``tests/test_updates.py``
replays the engine's gradient sequence, noise included).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

from simlab import _kernels as kernels
from simlab.algorithms import make_algorithm
from simlab.errors import InputError, check_interval, check_positive

ScalarOrSchedule = float | Callable[[int], float]


class GradientTransformation(NamedTuple):
    """``init(params) -> state``; ``update(grads, state, params=None) -> (updates, state)``."""

    init: Callable[[Any], Any]
    update: Callable[..., tuple[np.ndarray, Any]]


class EmptyState(NamedTuple):
    """The state of a rule without memory and without a schedule."""


class CountState(NamedTuple):
    """``count``: the steps taken so far (the next step is ``k = count + 1``)."""

    count: int


class TraceState(NamedTuple):
    count: int
    momentum: np.ndarray


class AdamState(NamedTuple):
    """Kingma & Ba's first and second moments ``m``, ``v`` (and LaProp's ``m``, ``n``)."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


class ScaleByRmsState(NamedTuple):
    """RMSProp's average ``v`` of ``g^2``; AdaGrad's sum of ``g^2``."""

    count: int
    nu: np.ndarray


class NormState(NamedTuple):
    """AdaGrad-Norm / Adam-Norm: the scalar ``b_k^2`` (``b_0^2`` before the first step) and, for
    Adam-Norm, the momentum ``m``."""

    count: int
    b_squared: float
    mu: np.ndarray | None = None


class ACClipState(NamedTuple):
    """ACClip: the momentum ``m`` and the per-coordinate ``tau^alpha``."""

    count: int
    mu: np.ndarray
    tau_alpha: np.ndarray


# ----------------------------------------------------------------------------- helpers
def _array(values) -> np.ndarray:
    """A fresh float64 array (0-d input becomes a vector of one)."""
    return np.array(values, dtype=np.float64, copy=True, ndmin=1)


def _flat(values) -> tuple[np.ndarray, tuple]:
    """A fresh contiguous 1-d float64 copy of ``values`` and its shape (the kernels work on
    vectors; a matrix of parameters is one vector for the global norm)."""
    out = _array(values)
    return np.ascontiguousarray(out.reshape(-1)), out.shape


def _schedule(name: str, value: ScalarOrSchedule, *, allow_zero=True,
              allow_inf=False) -> Callable[[int], float]:
    """A number or a function of the step ``k >= 1``, checked at every use."""
    def check(v):
        return check_positive(name, v, allow_zero=allow_zero, allow_inf=allow_inf)

    if callable(value):
        return lambda k: check(value(k))
    constant = check(value)
    return lambda k: constant


def apply_updates(params, updates) -> np.ndarray:
    """``params + updates`` (a new array)."""
    return _array(params) + _array(updates)


def projection_box(params, lower: float, upper: float) -> np.ndarray:
    """The Euclidean projection onto ``[lower, upper]^d`` (a new array; NaN stays NaN): the
    engine's :func:`simlab._kernels.project`, bit for bit. Apply it after
    :func:`apply_updates` for the projected methods of Zhang et al. 2020 Theorem 4."""
    if not lower <= upper:
        raise InputError(f"the box needs lower <= upper, got [{lower}, {upper}]")
    out, shape = _flat(params)
    pp = np.zeros(max(kernels.PP_HIGH, kernels.PP_LOW) + 1)
    pp[kernels.PP_LOW], pp[kernels.PP_HIGH] = lower, upper
    kernels.project(pp, out)
    return out.reshape(shape)


def chain(*transformations: GradientTransformation) -> GradientTransformation:
    """Apply ``transformations`` in order (each one's updates are the next one's grads); the
    state is the tuple of their states. ``chain(clip_by_global_norm(tau), adam(eta))`` is the
    engine's ``clip-adam``."""
    for t in transformations:
        if not isinstance(t, GradientTransformation):
            raise InputError(f"chain takes GradientTransformations, got {type(t).__name__}")

    def init(params):
        return tuple(t.init(params) for t in transformations)

    def update(grads, state, params=None):
        if len(state) != len(transformations):
            raise InputError(f"chain of {len(transformations)} rules got a state of "
                             f"{len(state)}")
        new_state = []
        for t, s in zip(transformations, state, strict=True):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update)


def step_sequence(transformation: GradientTransformation, gradients: Iterable,
                  params=None) -> tuple[np.ndarray, np.ndarray | None, Any]:
    """Step ``transformation`` on a given gradient sequence (``gradients[k-1]`` is the gradient
    of step k). Returns ``(updates, path, state)``: the updates (steps x shape); with initial
    ``params``, the parameters ``x_0 .. x_K`` (``x_k = x_{k-1} + updates[k-1]``; a rule that
    needs the parameters, such as :func:`project_box`, gets ``x_{k-1}``), else ``None``; and the
    final state."""
    x = None if params is None else _array(params)
    state = None if x is None else transformation.init(x)
    out, path = [], [] if x is None else [x]
    for g in gradients:
        if state is None:  # no params: the state is shaped like the first gradient
            state = transformation.init(np.zeros_like(_array(g)))
        u, state = transformation.update(g, state, x)
        out.append(u)
        if x is not None:
            x = apply_updates(x, u)
            path.append(x)
    if not out:
        raise InputError("the gradient sequence is empty")
    return np.stack(out), (None if x is None else np.stack(path)), state


def _stateless(direction: Callable, threshold: ScalarOrSchedule | None = None,
               name: str = "clipping threshold") -> GradientTransformation:
    tau = None if threshold is None else _schedule(name, threshold, allow_inf=True)

    def init(params):
        return CountState(0)

    def update(grads, state, params=None):
        g, shape = _flat(grads)
        k = state.count + 1
        if tau is None:
            direction(g)
        else:
            direction(g, tau(k))
        return g.reshape(shape), CountState(k)

    return GradientTransformation(init, update)


# ----------------------------------------------------------------------------- directions
def clip_by_global_norm(threshold: ScalarOrSchedule) -> GradientTransformation:
    """GClip's estimator ``min{1, tau_k/||g||} g`` (Zhang et al. 2020, Section 3.1), by
    :func:`simlab._kernels.clip_global_inplace`: ``g = 0`` stays 0 (also for tau = 0), a NaN
    makes the whole vector NaN, infinite entries give the limit of the rule (they share the norm
    tau), and norms whose squares underflow or overflow are clipped exactly."""
    return _stateless(kernels.clip_global_inplace, threshold)


def clip_coordinates(threshold: ScalarOrSchedule) -> GradientTransformation:
    """CClip's estimator: each coordinate clipped to ``[-tau_k, tau_k]`` (Zhang et al. 2020,
    Section 4 / Theorem 8; ``+-inf -> +-tau``, NaN stays NaN), by
    :func:`simlab._kernels.clip_coordinates_inplace`."""
    return _stateless(kernels.clip_coordinates_inplace, threshold)


def normalize() -> GradientTransformation:
    """Normalised SGD's direction ``g/||g||`` (0 stays 0; inf and NaN as GClip at tau = 1), by
    :func:`simlab._kernels.normalize_inplace`."""
    return _stateless(kernels.normalize_inplace)


def project_box(lower: float, upper: float) -> GradientTransformation:
    """Updates that keep the parameters in ``[lower, upper]^d``: ``P(x + u) - x`` (needs
    ``params``). Put it last in a chain. ``x + (P(x + u) - x)`` may differ from ``P(x + u)`` in
    the last bit; for the engine's bits apply :func:`projection_box` after
    :func:`apply_updates` instead."""
    if not lower <= upper:
        raise InputError(f"the box needs lower <= upper, got [{lower}, {upper}]")

    def init(params):
        return EmptyState()

    def update(grads, state, params=None):
        if params is None:
            raise InputError("project_box needs the parameters: update(grads, state, params)")
        x = _array(params)
        return projection_box(x + _array(grads), lower, upper) - x, state

    return GradientTransformation(init, update)


# ----------------------------------------------------------------------------- step rules
def sgd(learning_rate: ScalarOrSchedule) -> GradientTransformation:
    """``-eta_k g``: SGD's step (after a direction rule: GClip, CClip, normalised SGD).
    ``chain(clip_by_global_norm(tau), sgd(eta))`` is the engine's ``gclip`` bit for bit."""
    eta = _schedule("step size", learning_rate)

    def init(params):
        return CountState(0)

    def update(grads, state, params=None):
        k = state.count + 1
        return -(eta(k) * _array(grads)), CountState(k)

    return GradientTransformation(init, update)


def heavy_ball(learning_rate: ScalarOrSchedule, momentum: float = 0.9) -> GradientTransformation:
    """Polyak's heavy ball: ``m_k = beta m_{k-1} + g_k`` (``m_0 = 0``), update
    ``-eta_k m_k`` (the form of ``torch.optim.SGD(momentum=beta)`` and
    ``optax.sgd(eta, momentum=beta)``)."""
    eta = _schedule("step size", learning_rate)
    beta = check_interval("momentum", momentum, 0.0, 1.0, high_open=True)

    def init(params):
        return TraceState(0, np.zeros_like(_array(params)))

    def update(grads, state, params=None):
        k = state.count + 1
        m = beta * state.momentum + _array(grads)
        return -(eta(k) * m), TraceState(k, m)

    return GradientTransformation(init, update)


def _kernel_rule(name: str, learning_rate: ScalarOrSchedule, state_of, rows_of,
                 **hyper) -> GradientTransformation:
    """A stateful rule that runs the engine's :func:`simlab._kernels.adaptive_step` on a copy of
    its state: ``x = 0`` receives ``-step`` exactly, so ``x + updates`` has the engine's bits."""
    algorithm = make_algorithm(name, **hyper)
    ap = algorithm.parameters()
    ap[kernels.AP_CLIP_INPUT] = 0.0  # clipping is a rule of its own in a chain
    eta = _schedule("step size", learning_rate)

    def init(params):
        d = _array(params).size
        return state_of(0, np.zeros((algorithm.state_rows, d)))

    def update(grads, state, params=None):
        g, shape = _flat(grads)
        rows = np.ascontiguousarray(rows_of(state, g.size))
        if rows.shape != (algorithm.state_rows, g.size):
            raise InputError(f"{name}: gradients of size {g.size} do not match the state")
        k = state.count + 1
        x = np.zeros_like(g)
        kernels.adaptive_step(algorithm.code, ap, x, g, float(eta(k)), rows, k)
        return x.reshape(shape), state_of(k, rows)

    return GradientTransformation(init, update)


def _moments_state(k, rows):
    return AdamState(k, rows[0].copy(), rows[1].copy())


def _moments_rows(state, d):
    return np.stack([np.ravel(state.mu), np.ravel(state.nu)])


def _rms_state(k, rows):
    return ScaleByRmsState(k, rows[0].copy())


def _rms_rows(state, d):
    return np.ravel(state.nu)[None, :]


def adam(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> GradientTransformation:
    """Adam (Kingma & Ba 2015, bias-corrected): ``m = b1 m + (1-b1) g``,
    ``v = b2 v + (1-b2) g^2``, update ``-eta_k (m/(1-b1^k)) / (sqrt(v/(1-b2^k)) + eps)``
    (the engine's ``adam``; the momentum averages the raw gradient, unlike :func:`laprop`)."""
    return _kernel_rule("adam", learning_rate, _moments_state, _moments_rows, beta1=b1,
                        beta2=b2, eps=eps)


def rmsprop(learning_rate: ScalarOrSchedule, decay: float = 0.99,
            eps: float = 1e-8) -> GradientTransformation:
    """RMSProp (Tieleman & Hinton 2012): ``v = decay v + (1-decay) g^2``, update
    ``-eta_k g/(sqrt(v) + eps)`` (eps outside the root, as torch; optax's default puts it
    inside: ``eps_in_sqrt=False`` there is this rule)."""
    return _kernel_rule("rmsprop", learning_rate, _rms_state, _rms_rows, beta2=decay, eps=eps)


def adagrad(learning_rate: ScalarOrSchedule, eps: float = 1e-8) -> GradientTransformation:
    """AdaGrad (Duchi et al. 2011): ``v = v + g^2`` (``v_0 = 0``), update
    ``-eta_k g/(sqrt(v) + eps)``."""
    return _kernel_rule("adagrad", learning_rate, _rms_state, _rms_rows, eps=eps)


def adagrad_norm(learning_rate: ScalarOrSchedule, b0: float = 1e-2,
                 delayed: bool = False) -> GradientTransformation:
    """AdaGrad-Norm (Chezhegov et al. 2024; Ward et al. 2019): ``b_k^2 = b_{k-1}^2 + ||g_k||^2``,
    update ``-eta_k g_k / b_k``; ``delayed``: ``-eta_k g_k / b_{k-1}`` (the delayed step size,
    independent of the current gradient). Clipped AdaGrad-Norm is
    ``chain(clip_by_global_norm(tau), adagrad_norm(...))``."""
    name = "adagrad-norm-delayed" if delayed else "adagrad-norm"

    def state_of(k, rows):
        return NormState(k, float(rows[0, 0]) if k else float(b0) ** 2)

    def rows_of(state, d):
        rows = np.zeros((1, d))
        rows[0, 0] = state.b_squared
        return rows

    return _kernel_rule(name, learning_rate, state_of, rows_of, b0=b0)


def adam_norm(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
              b0: float = 1e-2, delayed: bool = False) -> GradientTransformation:
    """Adam-Norm (Chezhegov et al. 2024): ``m_k = b1 m_{k-1} + (1-b1) g_k``,
    ``b_k^2 = b2 b_{k-1}^2 + (1-b2) ||g_k||^2``, update ``-eta_k m_k / b_k`` (``delayed``:
    ``/ b_{k-1}``); no bias correction, as in the paper."""
    name = "adam-norm-delayed" if delayed else "adam-norm"

    def state_of(k, rows):
        return NormState(k, float(rows[1, 0]) if k else float(b0) ** 2, rows[0].copy())

    def rows_of(state, d):
        rows = np.zeros((2, d))
        rows[0] = np.ravel(state.mu)
        rows[1, 0] = state.b_squared
        return rows

    return _kernel_rule(name, learning_rate, state_of, rows_of, beta1=b1, beta2=b2, b0=b0)


def acclip(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.99,
           eps: float = 1e-5, alpha: float = 1.0) -> GradientTransformation:
    """ACClip (Zhang et al. 2020, Algorithm 1): ``m = b1 m + (1-b1) g``,
    ``tau^a = b2 tau^a + (1-b2)|g|^a`` per coordinate, update
    ``-eta_k min{tau/(|m| + eps), 1} m``."""
    def state_of(k, rows):
        return ACClipState(k, rows[0].copy(), rows[1].copy())

    def rows_of(state, d):
        return np.stack([np.ravel(state.mu), np.ravel(state.tau_alpha)])

    return _kernel_rule("acclip", learning_rate, state_of, rows_of, beta1=b1, beta2=b2,
                        eps=eps, moment=alpha)


def laprop(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
           eps: float = 1e-8, bias_correction: bool = True) -> GradientTransformation:
    """Adam in the form of Zhiyi & Ziyin eq. 1-4 (LaProp, Ziyin et al. 2020):
    ``n_t = b2 n_{t-1} + (1-b2) g_t^2`` (eq. 2),
    ``m_t = b1 m_{t-1} + (1-b1) g_t/(sqrt(n_t/c_n) + eps)`` (eq. 3), update
    ``-lambda_t m_t/c_m`` (eq. 4), with ``c_n = 1 - b2^t``, ``c_m = 1 - b1^t`` (1 without bias
    correction). The momentum averages the preconditioned gradient; with ``b1 = 0`` it is
    RMSProp with bias correction, and it differs from :func:`adam` as soon as ``b1 > 0`` and
    the preconditioner moves. Same arithmetic as :func:`simlab.adam_update.simulate_updates`."""
    eta = _schedule("step size", learning_rate)
    b1 = check_interval("b1", b1, 0.0, 1.0, high_open=True)
    b2 = check_interval("b2", b2, 0.0, 1.0, high_open=True)
    eps = check_positive("eps", eps, allow_zero=True)

    def init(params):
        zeros = np.zeros_like(_array(params))
        return AdamState(0, zeros, zeros.copy())

    def update(grads, state, params=None):
        g = _array(grads)
        t = state.count + 1
        c_n = 1.0 - b2 ** t if bias_correction else 1.0
        c_m = 1.0 - b1 ** t if bias_correction else 1.0
        nu = b2 * state.nu + (1.0 - b2) * g * g
        mu = b1 * state.mu + (1.0 - b1) * g / (np.sqrt(nu / c_n) + eps)
        return -(eta(t) * (mu / c_m)), AdamState(t, mu, nu)

    return GradientTransformation(init, update)


def from_algorithm(name: str, learning_rate: ScalarOrSchedule,
                   threshold: ScalarOrSchedule = math.inf, **hyper) -> GradientTransformation:
    """The engine's algorithm ``name`` (``simlab.ALGORITHMS``, hyper-parameters as in
    :func:`simlab.make_algorithm`) as a chain of the rules above, with step size
    ``eta_k = learning_rate`` and threshold ``tau_k = threshold`` (numbers or functions of k);
    the projection and averaging of ``proj-gclip`` excepted: apply :func:`projection_box` after
    each step. ``tests/test_updates.py`` checks each against :func:`simlab.simulate`."""
    a = make_algorithm(name, **hyper)
    step = {
        kernels.SGD: lambda: sgd(learning_rate),
        kernels.GCLIP: lambda: chain(clip_by_global_norm(threshold), sgd(learning_rate)),
        kernels.CCLIP: lambda: chain(clip_coordinates(threshold), sgd(learning_rate)),
        kernels.NSGD: lambda: chain(normalize(), sgd(learning_rate)),
        kernels.ADAM: lambda: adam(learning_rate, a.beta1, a.beta2, a.eps),
        kernels.RMSPROP: lambda: rmsprop(learning_rate, a.beta2, a.eps),
        kernels.ADAGRAD: lambda: adagrad(learning_rate, a.eps),
        kernels.ADAGRAD_NORM: lambda: adagrad_norm(learning_rate, a.b0, a.delayed),
        kernels.ADAM_NORM: lambda: adam_norm(learning_rate, a.beta1, a.beta2, a.b0, a.delayed),
        kernels.ACCLIP: lambda: acclip(learning_rate, a.beta1, a.beta2, a.eps, a.moment),
    }[a.code]()
    if a.clips and a.code >= kernels.ADAM:
        return chain(clip_by_global_norm(threshold), step)
    return step


__all__ = [
    "ACClipState", "AdamState", "CountState", "EmptyState", "GradientTransformation",
    "NormState", "ScaleByRmsState", "TraceState", "acclip", "adagrad", "adagrad_norm", "adam",
    "adam_norm", "apply_updates", "chain", "clip_by_global_norm", "clip_coordinates",
    "from_algorithm", "heavy_ball", "laprop", "normalize", "project_box", "projection_box",
    "rmsprop", "sgd", "step_sequence",
]
