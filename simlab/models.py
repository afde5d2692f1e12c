"""Small classifiers in pure NumPy with per-example gradients, and the mini-batch gradient
noise they produce (the "real models" of Zhang et al. 2020, Section 2, Figure 1 (b, f) and
Figure 2, at toy scale).

- :class:`DigitsMLP`: a tanh MLP on scikit-learn's ``load_digits`` (images: the paper's ResNet on
  ImageNet stand-in);
- :class:`SequenceAttention`: a single-head self-attention classifier on a synthetic sequence task
  with Zipf-distributed tokens (language-like: the paper's BERT stand-in), generated here.

Gradients are hand-derived (per-example, vectorised) and checked against finite differences in
tests/test_gradient_noise.py. :func:`measure_model_noise` trains a model with plain SGD and
measures the noise ``g_B - grad f`` of mini-batches along the way; :func:`model_noise_samples`
is its stored form (the task function of :func:`model_noise_task`), whose arrays
:func:`measurements_from` turns back into :class:`NoiseMeasurement` rows. The experiment that
uses them is :mod:`simlab.experiments.noise`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simlab.errors import InputError, check_choice, check_count, check_interval
from simlab.tail_index import TailIndexEstimate, hill, mohammadi, pooled_coordinates

def _softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def _cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return log_norm - shifted[np.arange(labels.size), labels]


class Model:
    """A classifier with flat parameters, per-example losses and per-example gradients."""

    name: str = "model"
    shapes: dict[str, tuple[int, ...]]  # name -> shape, set by the subclass constructor

    def unflatten(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        params, start = {}, 0
        for key, shape in self.shapes.items():
            size = int(np.prod(shape))
            params[key] = theta[start:start + size].reshape(shape)
            start += size
        return params

    @property
    def size(self) -> int:
        return int(sum(np.prod(shape) for shape in self.shapes.values()))

    def losses(self, theta, inputs, labels) -> np.ndarray:
        return _cross_entropy(self.logits(theta, inputs), labels)

    def accuracy(self, theta, inputs, labels) -> float:
        return float(np.mean(self.logits(theta, inputs).argmax(axis=1) == labels))

    def logits(self, theta, inputs) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def per_example_gradients(self, theta, inputs, labels) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class DigitsMLP(Model):
    """``x -> tanh(x W1 + b1) W2 + b2`` with softmax cross-entropy (64 -> hidden -> 10)."""

    name = "mlp-digits"

    def __init__(self, inputs: int = 64, hidden: int = 32, classes: int = 10):
        self.shapes = {"W1": (inputs, hidden), "b1": (hidden,), "W2": (hidden, classes),
                       "b2": (classes,)}

    def init(self, rng: np.random.Generator) -> np.ndarray:
        inputs, hidden = self.shapes["W1"]
        classes = self.shapes["b2"][0]
        return np.concatenate([rng.normal(0, 1 / math.sqrt(inputs), inputs * hidden),
                               np.zeros(hidden),
                               rng.normal(0, 1 / math.sqrt(hidden), hidden * classes),
                               np.zeros(classes)])

    def _forward(self, theta, inputs):
        p = self.unflatten(theta)
        hidden = np.tanh(inputs @ p["W1"] + p["b1"])
        return p, hidden, hidden @ p["W2"] + p["b2"]

    def logits(self, theta, inputs):
        return self._forward(theta, inputs)[2]

    def per_example_gradients(self, theta, inputs, labels):
        """Backpropagation per example: rows are ``grad_theta loss_i`` in flat layout."""
        p, hidden, logits = self._forward(theta, inputs)
        d_logits = _softmax(logits)
        d_logits[np.arange(labels.size), labels] -= 1.0
        d_pre = (d_logits @ p["W2"].T) * (1.0 - hidden**2)
        n = labels.size
        return np.concatenate([np.einsum("ni,nj->nij", inputs, d_pre).reshape(n, -1), d_pre,
                               np.einsum("ni,nj->nij", hidden, d_logits).reshape(n, -1),
                               d_logits], axis=1)


class SequenceAttention(Model):
    """Single-head self-attention classifier, read out at the first (query) position.

    ``X = E[tokens] + P``; ``A = softmax(X Wq (X Wk)^T / sqrt(d))``; ``H = A X Wv``;
    ``logits = H[0] Wo + bo``. Task (:func:`sequence_task`): does the first token occur again in
    the sequence? Attention from position 0 to matching tokens solves it.
    """

    name = "attention-sequences"

    def __init__(self, vocabulary: int = 32, length: int = 12, width: int = 16, classes: int = 2):
        self.vocabulary, self.length, self.width = vocabulary, length, width
        self.shapes = {"E": (vocabulary, width), "P": (length, width), "Wq": (width, width),
                       "Wk": (width, width), "Wv": (width, width), "Wo": (width, classes),
                       "bo": (classes,)}

    def init(self, rng: np.random.Generator) -> np.ndarray:
        d = self.width
        parts = [rng.normal(0, 1, self.vocabulary * d), rng.normal(0, 0.5, self.length * d)]
        parts += [rng.normal(0, 1 / math.sqrt(d), d * d) for _ in range(3)]
        parts += [rng.normal(0, 1 / math.sqrt(d), d * self.shapes["Wo"][1]),
                  np.zeros(self.shapes["bo"][0])]
        return np.concatenate(parts)

    def _forward(self, theta, tokens):
        p = self.unflatten(theta)
        x = p["E"][tokens] + p["P"]  # (n, T, d)
        q, k, v = x @ p["Wq"], x @ p["Wk"], x @ p["Wv"]
        attention = _softmax(q @ k.transpose(0, 2, 1) / math.sqrt(self.width))
        head = attention @ v
        logits = head[:, 0] @ p["Wo"] + p["bo"]
        return p, x, q, k, v, attention, head, logits

    def logits(self, theta, tokens):
        return self._forward(theta, tokens)[-1]

    def per_example_gradients(self, theta, tokens, labels):
        """Hand-derived backpropagation through attention, vectorised over examples."""
        p, x, q, k, v, attention, head, logits = self._forward(theta, tokens)
        n, _, d = x.shape
        d_logits = _softmax(logits)
        d_logits[np.arange(n), labels] -= 1.0
        d_wo = np.einsum("ni,nj->nij", head[:, 0], d_logits)
        d_head0 = d_logits @ p["Wo"].T  # only position 0 is read out
        d_attention0 = (v @ d_head0[:, :, None])[:, :, 0]  # row 0 of dA
        d_v = attention[:, 0, :, None] * d_head0[:, None, :]  # A^T dH with dH = e_0 dh0
        a0 = attention[:, 0]
        d_scores0 = a0 * (d_attention0 - np.sum(d_attention0 * a0, axis=1, keepdims=True))
        d_scores0 /= math.sqrt(d)
        d_q0 = (d_scores0[:, None, :] @ k)[:, 0]  # only q[:, 0] matters
        d_k = d_scores0[:, :, None] * q[:, 0, None, :]
        d_wq = x[:, 0, :, None] * d_q0[:, None, :]
        x_t = x.transpose(0, 2, 1)
        d_wk, d_wv = x_t @ d_k, x_t @ d_v
        d_x = d_k @ p["Wk"].T + d_v @ p["Wv"].T
        d_x[:, 0] += d_q0 @ p["Wq"].T
        d_embedding = np.zeros((n, self.vocabulary, d))
        np.add.at(d_embedding, (np.arange(n)[:, None], tokens), d_x)
        return np.concatenate([d_embedding.reshape(n, -1), d_x.reshape(n, -1),
                               d_wq.reshape(n, -1), d_wk.reshape(n, -1), d_wv.reshape(n, -1),
                               d_wo.reshape(n, -1), d_logits], axis=1)


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``load_digits`` (1797 8x8 images, shipped with the package), pixels / 16."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data / 16.0, digits.target.astype(np.int64)


def sequence_task(examples: int = 2048, vocabulary: int = 32, length: int = 12,
                  zipf_exponent: float = 1.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic sequences with Zipf token frequencies (``p_v ~ (v+1)**(-s)``, language-like).

    Label 1 iff the first token occurs again among the others. The first token is drawn uniformly
    and half of the sequences get one copy of it planted at a random later position, so the
    classes are balanced whatever the Zipf law.
    """
    rng = np.random.default_rng(seed)
    weights = (np.arange(vocabulary) + 1.0) ** (-zipf_exponent)
    rest = rng.choice(vocabulary, size=(examples, length), p=weights / weights.sum())
    first = rng.integers(0, vocabulary, size=examples)
    rest[:, 0] = first
    plant = rng.random(examples) < 0.5
    where = rng.integers(1, length, size=examples)
    rest[plant, where[plant]] = first[plant]
    labels = (rest[:, 1:] == first[:, None]).any(axis=1).astype(np.int64)
    return rest, labels


MODELS = ("mlp-digits", "attention-sequences")


def model_and_data(name: str, seed: int = 0):
    check_choice("model", name, MODELS)
    if name == "mlp-digits":
        inputs, labels = digits_data()
        return DigitsMLP(), inputs, labels
    tokens, labels = sequence_task(seed=seed)
    return SequenceAttention(), tokens, labels


def minibatch_noise(per_example: np.ndarray, batch_size: int, batches: int,
                    rng: np.random.Generator, chunk: int = 256) -> np.ndarray:
    """Noise vectors ``g_B - grad f``: mean of ``batch_size`` rows drawn without replacement
    within a batch, minus the full-batch mean (the paper's noise, Section 2)."""
    n = per_example.shape[0]
    centred = per_example - per_example.mean(axis=0)
    out = np.empty((batches, per_example.shape[1]))
    for start in range(0, batches, chunk):
        stop = min(batches, start + chunk)
        index = np.argsort(rng.random((stop - start, n)), axis=1)[:, :batch_size]
        out[start:stop] = centred[index].mean(axis=1)
    return out


def gaussian_surrogate(per_example: np.ndarray, batch_size: int, batches: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with the exact covariance of the mini-batch noise (sampling without
    replacement): ``Sigma/B * (N - B)/(N - 1)`` with ``Sigma`` the per-example covariance."""
    n = per_example.shape[0]
    centred = per_example - per_example.mean(axis=0)
    factor = math.sqrt((n - batch_size) / (batch_size * (n - 1)) / n)
    return (rng.standard_normal((batches, n)) @ centred) * factor


@dataclass(frozen=True)
class NoiseMeasurement:
    """Noise statistics of one model at one training step."""

    model: str
    step: int
    batch_size: int
    loss: float
    accuracy: float
    norms: np.ndarray
    surrogate_norms: np.ndarray
    hill_norms: dict
    hill_surrogate: dict
    hill_pooled: dict
    mohammadi_pooled: dict
    heavier_than_gaussian: bool

    def as_dict(self, with_samples: bool = False) -> dict:
        out = {key: getattr(self, key) for key in (
            "model", "step", "batch_size", "loss", "accuracy", "hill_norms", "hill_surrogate",
            "hill_pooled", "mohammadi_pooled", "heavier_than_gaussian")}
        out["norm_median"] = float(np.median(self.norms))
        out["norm_max_over_median"] = float(self.norms.max() / np.median(self.norms))
        out["surrogate_max_over_median"] = float(self.surrogate_norms.max()
                                                 / np.median(self.surrogate_norms))
        if with_samples:
            out["norms"] = self.norms
        return out


def measure(model: Model, theta, inputs, labels, step: int, batch_sizes, batches: int,
            rng: np.random.Generator) -> list[NoiseMeasurement]:
    """Noise norms, their Hill index, a matched Gaussian surrogate's, and pooled coordinates,
    for mini-batches of each size in ``batch_sizes`` (per-example gradients computed once).

    Verdict rule (fixed before looking at the models): the noise is *heavier than Gaussian* when
    Hill's 99% interval for the index of the noise norms lies entirely below the interval of the
    Gaussian surrogate with the same covariance -- the paper's comparison of Figure 1 (b, f) with
    (c, g), made quantitative.
    """
    per_example = model.per_example_gradients(theta, inputs, labels)
    # structural zeros (e.g. weights of always-blank pixels) would put log(0) into the pooled
    # estimators; they carry no noise, so they are left out of the pooled coordinates
    per_example = per_example[:, np.any(per_example != 0.0, axis=0)]
    loss = float(model.losses(theta, inputs, labels).mean())
    accuracy = model.accuracy(theta, inputs, labels)
    out = []
    for batch_size in batch_sizes:
        noise = minibatch_noise(per_example, batch_size, batches, rng)
        surrogate = gaussian_surrogate(per_example, batch_size, batches, rng)
        norms = np.linalg.norm(noise, axis=1)
        surrogate_norms = np.linalg.norm(surrogate, axis=1)
        measured, reference = hill(norms), hill(surrogate_norms)
        pooled = pooled_coordinates(noise)
        pooled = pooled[pooled != 0.0]
        out.append(NoiseMeasurement(
            model=model.name, step=step, batch_size=batch_size, loss=loss, accuracy=accuracy,
            norms=norms, surrogate_norms=surrogate_norms, hill_norms=measured.as_dict(),
            hill_surrogate=reference.as_dict(), hill_pooled=hill(pooled).as_dict(),
            mohammadi_pooled=mohammadi(pooled, warn=False).as_dict(),
            heavier_than_gaussian=heavier_than_gaussian(measured, reference)))
    return out


#: plain-SGD step sizes that train each model in a few hundred steps (tuned once, by hand, on
#: the training loss only; the noise statistics were not looked at)
STEP_SIZES = {"mlp-digits": 0.2, "attention-sequences": 0.5}


def measure_model_noise(name: str, steps: int = 900, measure_at=None, batch_sizes=(1, 32),
                        batches: int = 2000, step_size: float | None = None, seed: int = 0,
                        train_batch_size: int = 32) -> dict:
    """Train ``name`` with plain mini-batch SGD (batches of ``train_batch_size``) and measure the
    noise of mini-batches of each size in ``batch_sizes`` at the ``measure_at`` steps (default:
    0, ``steps // 2``, ``steps``). ``batch_size = 1`` is the per-example noise; 32 is a
    mini-batch."""
    steps = check_count("steps", steps, minimum=0)
    batches = check_count("batches", batches, minimum=50)
    batch_sizes = [check_count("batch_size", b) for b in batch_sizes]
    model, inputs, labels = model_and_data(name, seed)
    if max(batch_sizes + [train_batch_size]) >= labels.size:
        raise InputError(f"batch sizes must be < the data set size {labels.size}")
    step_size = STEP_SIZES[name] if step_size is None else check_interval(
        "step_size", step_size, 0.0, math.inf, low_open=True, high_open=True)
    measure_at = sorted({0, steps // 2, steps} if measure_at is None else set(measure_at))
    # separate streams of the one seed: the training path does not depend on what is measured
    # along it (the seed itself names the model: simlab.experiments.noise derives it per model)
    train_seed, measure_seed = np.random.SeedSequence(seed).spawn(2)
    rng, measure_rng = np.random.default_rng(train_seed), np.random.default_rng(measure_seed)
    theta = model.init(rng)
    measurements = []
    for step in range(steps + 1):
        if step in measure_at:
            measurements += measure(model, theta, inputs, labels, step, batch_sizes, batches,
                                    measure_rng)
        if step < steps:
            batch = rng.choice(labels.size, size=train_batch_size, replace=False)
            theta = theta - step_size * model.per_example_gradients(
                theta, inputs[batch], labels[batch]).mean(axis=0)
    return {"model": name, "parameters": model.size, "examples": int(labels.size),
            "batch_sizes": batch_sizes, "train_batch_size": train_batch_size,
            "batches": batches, "steps": steps, "step_size": step_size, "seed": seed,
            "measurements": measurements}


# ---------------------------------------------------------------------------------------------
# the stored form: a Task per model
# ---------------------------------------------------------------------------------------------

TASK_FUNCTION = "simlab.models:model_noise_samples"
_HILL_FIELDS = ("tail_index", "ci_low", "ci_high", "k", "n_used")
_MOHAMMADI_FIELDS = ("tail_index", "standard_error", "k", "n_used")


def _row(estimate: dict, names) -> list[float]:
    return [math.nan if estimate[name] is None else float(estimate[name]) for name in names]


def _estimate(estimator: str, row, names) -> dict:
    values = dict(zip(names, (float(v) for v in row), strict=True))
    out = {"estimator": estimator, "tail_index": values["tail_index"],
           "n_used": int(values["n_used"]), "k": int(values["k"]), "ci_low": None,
           "ci_high": None, "standard_error": None}
    for name in ("ci_low", "ci_high", "standard_error"):
        if name in values and not math.isnan(values[name]):
            out[name] = values[name]
    return out


def model_noise_samples(*, name: str, steps: int = 900, batches: int = 2000,
                        batch_sizes=(1, 32), measure_at=None, step_size=None,
                        train_batch_size: int = 32, seed: int) -> dict:
    """The task function: :func:`measure_model_noise` as arrays (one row per measurement):
    ``step``, ``batch_size``, ``loss``, ``accuracy``, ``norms`` and ``surrogate_norms``
    (measurements x batches), the pooled-coordinate estimates ``pooled_hill`` (tail index,
    99% interval, k, n used) and ``pooled_mohammadi`` (tail index, standard error, K1, n used),
    and the model's ``parameters``, ``examples`` and ``step_size``. The pooled estimates need the
    noise vectors, which are not stored (about 2 000 x 2 400 floats per measurement).

    BLAS runs on one thread here: its sums then have one order whatever the process (a stage
    process, a Dask worker), so the stored cell has the same bits on every executor (measured:
    a Dask worker's 2-thread BLAS moved the MLP's estimates in the 15th digit)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        result = measure_model_noise(name, steps=steps, measure_at=measure_at,
                                     batch_sizes=batch_sizes, batches=batches,
                                     step_size=step_size, seed=seed,
                                     train_batch_size=train_batch_size)
    rows = result["measurements"]
    return {
        "step": np.array([m.step for m in rows], dtype=np.int64),
        "batch_size": np.array([m.batch_size for m in rows], dtype=np.int64),
        "loss": np.array([m.loss for m in rows]),
        "accuracy": np.array([m.accuracy for m in rows]),
        "norms": np.stack([m.norms for m in rows]),
        "surrogate_norms": np.stack([m.surrogate_norms for m in rows]),
        "pooled_hill": np.array([_row(m.hill_pooled, _HILL_FIELDS) for m in rows]),
        "pooled_mohammadi": np.array([_row(m.mohammadi_pooled, _MOHAMMADI_FIELDS)
                                      for m in rows]),
        "parameters": result["parameters"], "examples": result["examples"],
        "step_size": result["step_size"],
    }


def model_noise_task(name: str, *, steps: int, batches: int, seed: int, batch_sizes=(1, 32)):
    """The stored cell (:class:`simlab.run.spec.Task`) of :func:`model_noise_samples`."""
    from simlab.run.spec import Task

    check_choice("model", name, MODELS)
    return Task(TASK_FUNCTION, {"name": name, "steps": steps, "batches": batches,
                                "batch_sizes": list(batch_sizes)}, seed=seed)


def measurements_from(name: str, arrays: dict) -> list[NoiseMeasurement]:
    """The :class:`NoiseMeasurement` rows of a stored :func:`model_noise_samples` result: Hill's
    estimates of the norms (cheap) are recomputed, the pooled ones read back."""
    out = []
    for i in range(arrays["step"].size):
        norms, surrogate = arrays["norms"][i], arrays["surrogate_norms"][i]
        measured, reference = hill(norms), hill(surrogate)
        out.append(NoiseMeasurement(
            model=name, step=int(arrays["step"][i]), batch_size=int(arrays["batch_size"][i]),
            loss=float(arrays["loss"][i]), accuracy=float(arrays["accuracy"][i]), norms=norms,
            surrogate_norms=surrogate, hill_norms=measured.as_dict(),
            hill_surrogate=reference.as_dict(),
            hill_pooled=_estimate("hill", arrays["pooled_hill"][i], _HILL_FIELDS),
            mohammadi_pooled=_estimate("mohammadi", arrays["pooled_mohammadi"][i],
                                       _MOHAMMADI_FIELDS),
            heavier_than_gaussian=heavier_than_gaussian(measured, reference)))
    return out


def heavier_than_gaussian(measured: TailIndexEstimate, reference: TailIndexEstimate) -> bool:
    """The rule of :func:`measure`: Hill's 99% interval for the index of the noise norms lies
    entirely below that of the Gaussian surrogate with the same covariance."""
    return bool(measured.ci_high < reference.ci_low)
