"""Gradient-noise diagnostics: Figure 1 analogues and mini-batch noise of small real models.

Zhang et al. 2020, *Why are Adaptive Methods Good for Attention Models?*, Section 2 and Figure 1:
the distribution of the noise norm ``||g - grad f(x)||`` (g a mini-batch gradient) is concentrated
for ResNet50 on ImageNet (like a normalised sum of squared Gaussians, Figure 1 c) and heavy-tailed
for BERT (like the norm of a Lévy alpha-stable vector, Figure 1 g); the empirical variance of the
stochastic gradients converges with the sample size for ImageNet and does not for BERT even at
``10**7`` samples (Figure 1 d, h). Appendix H contrasts noise *norms* (their view) with pooled
*coordinates* (Simsekli et al. 2019). The extracted text of the paper keeps the captions' words
but not the panels; the reference laws below follow the published Figure 1 (c: a normalised sum
of squared Gaussians, g: a Lévy alpha-stable vector), with alpha = 1.5 chosen here.

Three parts:

1. :func:`noise_norm_reference` -- Figure 1 (c, g) analogue: norms of Gaussian and of alpha-stable
   noise vectors, with the exact law (scipy ``chi``) and the stable tail asymptote
   ``P(||X|| > x) ~ d * 2 c_alpha x**(-alpha)``.
2. :func:`variance_paths` -- Figure 1 (d, h) analogue: running empirical variance against the
   sample size for Gaussian, Student-t(3) and alpha-stable(1.5) laws, with the theoretical curve
   (the variance, or for infinite variance the median growth ``n**(2/alpha - 1)`` derived in
   :func:`stable_variance_growth`).
3. :func:`measure_model_noise` -- mini-batch gradient noise of two small pure-NumPy models at
   initialisation and during training: a tanh MLP on scikit-learn's ``load_digits`` and a
   single-head self-attention classifier on a synthetic sequence task with Zipf-distributed tokens
   (generated here). Gradients are hand-derived (per-example, vectorised) and checked against
   finite differences in tests/test_gradient_noise.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from simlab.errors import InputError, check_choice, check_count, check_interval
from simlab.tail_index import ReferenceLaw, hill, mohammadi, pooled_coordinates

# ---------------------------------------------------------------------------------------------
# Part 1: Figure 1 (c, g) analogues
# ---------------------------------------------------------------------------------------------


def stable_tail_constant(alpha: float) -> float:
    """``c_alpha`` with ``P(X > x) ~ c_alpha x**(-alpha)`` for a standard symmetric alpha-stable.

    Samorodnitsky & Taqqu (1994), Property 1.2.15: ``c_alpha = Gamma(alpha) sin(pi alpha/2) / pi``
    (scipy's default S1 parametrisation, scale 1, beta = 0).
    """
    alpha = check_interval("alpha", alpha, 0.0, 2.0, low_open=True, high_open=True)
    return special.gamma(alpha) * math.sin(math.pi * alpha / 2) / math.pi


def noise_norm_reference(samples: int = 20000, dimension: int = 100, alpha: float = 1.5,
                         seed: int = 0) -> dict:
    """Normalised noise norms ``||xi|| / sqrt(d)`` for Gaussian and alpha-stable noise vectors.

    Gaussian: ``||xi||^2 / d`` is the paper's "normalised sum of squared Gaussians"; its square root
    has the exact law ``chi(d, scale=1/sqrt(d))``. Stable: iid standard symmetric alpha-stable
    coordinates; one big coordinate dominates the tail, so
    ``P(||xi||/sqrt(d) > x) ~ d * 2 c_alpha (x sqrt(d))**(-alpha)`` (subexponential "single big
    jump"). Returns the samples and Hill's estimate (``k = sqrt(n)``) for each.
    """
    samples = check_count("samples", samples, minimum=100)
    dimension = check_count("dimension", dimension)
    rng = np.random.default_rng(seed)
    gaussian = (np.linalg.norm(rng.standard_normal((samples, dimension)), axis=1)
                / math.sqrt(dimension))
    stable_vectors = ReferenceLaw("stable", alpha).draw((samples, dimension), rng)
    stable = np.linalg.norm(stable_vectors, axis=1) / math.sqrt(dimension)
    return {
        "dimension": dimension, "alpha": alpha, "samples": samples, "seed": seed,
        "gaussian_norms": gaussian, "stable_norms": stable,
        "gaussian_hill": hill(gaussian).as_dict(), "stable_hill": hill(stable).as_dict(),
        "stable_tail_coefficient": dimension * 2 * stable_tail_constant(alpha)
        * dimension ** (-alpha / 2),
    }


# ---------------------------------------------------------------------------------------------
# Part 2: Figure 1 (d, h) analogues
# ---------------------------------------------------------------------------------------------


def stable_variance_growth(alpha: float, quantiles=(0.1, 0.5, 0.9), draws: int = 200000,
                           seed: int = 0) -> dict:
    """Law of the empirical variance of ``n`` iid symmetric alpha-stable samples, ``1 < alpha < 2``.

    Derived here: ``X^2`` has tail ``P(X^2 > y) ~ A y**(-beta)`` with ``beta = alpha/2 < 1`` and
    ``A = 2 c_alpha``, so ``sum X_i^2 / n**(1/beta)`` tends to a totally skewed beta-stable ``S``
    with scale ``sigma = (A / C_beta)**(1/beta)``,
    ``C_beta = (1 - beta)/(Gamma(2 - beta) cos(pi beta/2))`` (Samorodnitsky & Taqqu,
    Property 1.2.15). The empirical variance (the squared mean is ``O(n**(2/alpha - 2))``,
    negligible) is therefore ``~ n**(2/alpha - 1) S``: it grows without
    bound. Quantiles of ``S`` are computed from ``draws`` samples of scipy's ``levy_stable``.
    """
    alpha = check_interval("alpha", alpha, 1.0, 2.0, low_open=True, high_open=True)
    beta = alpha / 2
    tail = 2 * stable_tail_constant(alpha)
    c_beta = (1 - beta) / (special.gamma(2 - beta) * math.cos(math.pi * beta / 2))
    scale = (tail / c_beta) ** (1 / beta)
    limit = stats.levy_stable(beta, 1.0, scale=scale).rvs(
        draws, random_state=np.random.default_rng(seed))
    return {"exponent": 2 / alpha - 1, "scale": scale,
            "quantiles": {float(q): float(np.quantile(limit, q)) for q in quantiles}}


def variance_growth_check(alpha: float = 1.5, samples: int = 10**4, replicas: int = 1000,
                          seed: int = 0) -> dict:
    """Test :func:`stable_variance_growth` on ``replicas`` independent empirical variances of
    ``samples`` stable draws each: the count below each predicted quantile ``q`` is
    Binomial(replicas, q) if the law holds; two-sided ``scipy.stats.binomtest`` p-values.

    The variance paths of the figure are few and autocorrelated (one path's jump moves every later
    checkpoint), so their median slope is descriptive; this is the check with a stated error rate.
    """
    samples = check_count("samples", samples, minimum=10)
    replicas = check_count("replicas", replicas, minimum=10)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 9]))
    law = ReferenceLaw("stable", alpha)
    variances = np.array([law.draw(samples, rng).var(ddof=1) for _ in range(replicas)])
    growth = stable_variance_growth(alpha, seed=seed)
    rows = []
    for q, value in growth["quantiles"].items():
        predicted = value * samples ** growth["exponent"]
        below = int(np.sum(variances < predicted))
        rows.append({"quantile": q, "predicted": predicted, "fraction_below": below / replicas,
                     "p_value": float(stats.binomtest(below, replicas, q).pvalue)})
    return {"alpha": alpha, "samples": samples, "replicas": replicas, "quantiles": rows,
            "min_p_value": min(r["p_value"] for r in rows)}


#: laws of the variance-vs-sample-size figure: concentrated, heavy but finite variance, infinite
VARIANCE_LAWS: tuple[ReferenceLaw, ...] = (ReferenceLaw("gaussian"), ReferenceLaw("student", 3.0),
                                           ReferenceLaw("stable", 1.5))


def variance_paths(max_samples: int = 10**7, paths: int = 4, checkpoints: int = 40,
                   seed: int = 0, laws=VARIANCE_LAWS, chunk: int = 10**6) -> dict:
    """Running empirical variance at log-spaced sample sizes up to ``max_samples``.

    Streams ``chunk`` draws at a time (Welford-free: running sums of ``x`` and ``x^2`` in float64,
    exact enough at these magnitudes), so memory stays ``O(chunk)``. For each law the result gives
    the checkpoints, the variance of every path, and the predicted curve: the variance itself for
    finite variance (with the Gaussian's +-2 standard-error band ``sqrt(2/n)``), or the quantiles of
    ``n**(2/alpha - 1) S`` for the stable law (:func:`stable_variance_growth`). It also fits the
    slope of log(median over paths) against log n over the upper half of the checkpoints.
    """
    max_samples = check_count("max_samples", max_samples, minimum=1000)
    paths = check_count("paths", paths)
    sizes = np.unique(np.geomspace(100, max_samples, checkpoints).astype(np.int64))
    root = np.random.SeedSequence(seed)
    out = {"sizes": sizes, "max_samples": max_samples, "paths": paths, "seed": seed, "laws": {}}
    for law, law_seed in zip(laws, root.spawn(len(laws)), strict=True):
        variances = np.empty((paths, sizes.size))
        for path, path_seed in enumerate(law_seed.spawn(paths)):
            rng = np.random.default_rng(path_seed)
            total = total_sq = 0.0
            done = 0
            for start in range(0, max_samples, chunk):
                block = law.draw(min(chunk, max_samples - start), rng)
                sums = total + np.cumsum(block)
                squares = total_sq + np.cumsum(block * block)
                inside = (sizes > done) & (sizes <= done + block.size)
                local = sizes[inside] - done - 1
                n = sizes[inside].astype(float)
                variances[path, inside] = (squares[local] - sums[local] ** 2 / n) / (n - 1)
                total, total_sq, done = sums[-1], squares[-1], done + block.size
        median = np.median(variances, axis=0)
        upper = sizes >= np.sqrt(sizes[0] * sizes[-1])
        slope = float(np.polyfit(np.log(sizes[upper]), np.log(median[upper]), 1)[0])
        entry = {"law": law.name, "variance": law.variance, "paths": variances,
                 "median": median, "fitted_slope": slope}
        if math.isfinite(law.variance):
            entry["predicted_slope"] = 0.0
            entry["final_relative_error"] = float(abs(median[-1] / law.variance - 1))
            if law.kind == "gaussian":
                entry["standard_error"] = law.variance * np.sqrt(2.0 / (sizes - 1))
        else:
            growth = stable_variance_growth(law.parameter, seed=seed)
            entry["predicted_slope"] = growth["exponent"]
            entry["predicted_quantiles"] = {
                q: value * sizes.astype(float) ** growth["exponent"]
                for q, value in growth["quantiles"].items()}
            # share of (path, checkpoint) values inside the predicted 10-90% band, upper half of
            # the checkpoints (0.8 expected if the growth law holds; paths are autocorrelated, so
            # this is a descriptive number, not a test)
            low, high = (entry["predicted_quantiles"][q] for q in (0.1, 0.9))
            inside = (variances >= low) & (variances <= high)
            entry["band_coverage"] = float(inside[:, upper].mean())
        out["laws"][law.name] = entry
    return out


# ---------------------------------------------------------------------------------------------
# Part 3: small models in pure NumPy, with per-example gradients
# ---------------------------------------------------------------------------------------------


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
            heavier_than_gaussian=bool(measured.ci_high < reference.ci_low)))
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
    # separate streams: the training path does not depend on what is measured along it
    train_seed, measure_seed = np.random.SeedSequence([seed, MODELS.index(name)]).spawn(2)
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


def paper_observation(results: dict[str, dict]) -> dict:
    """Does "attention: heavy-tailed; MLP on images: concentrated" reproduce, per batch size and
    step? Computed from the ``heavier_than_gaussian`` rule of :func:`measure`."""
    attention = {(m.step, m.batch_size): m for m in results["attention-sequences"]["measurements"]}
    mlp = {(m.step, m.batch_size): m for m in results["mlp-digits"]["measurements"]}
    rows = []
    for key in sorted(set(attention) & set(mlp)):
        rows.append({"step": key[0], "batch_size": key[1],
                     "attention_heavier_than_gaussian": attention[key].heavier_than_gaussian,
                     "mlp_heavier_than_gaussian": mlp[key].heavier_than_gaussian,
                     "reproduces": attention[key].heavier_than_gaussian
                     and not mlp[key].heavier_than_gaussian})
    return {"rows": rows,
            "reproduces_at_init": all(r["reproduces"] for r in rows if r["step"] == 0)}


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def plot_noise_norm_reference(reference: dict, name: str = "fig1_noise_norm_reference"):
    """Figure 1 (c, g) analogue: histograms (top) and survival functions on log-log axes
    (bottom), each beside its predicted curve."""
    from simlab.plotting import new_figure, save

    d, alpha = reference["dimension"], reference["alpha"]
    gaussian, stable = reference["gaussian_norms"], reference["stable_norms"]
    exact = stats.chi(d, scale=1 / math.sqrt(d))
    fig, axes = new_figure(2, 2)
    ax = axes[0, 0]
    ax.hist(gaussian, bins=60, density=True, alpha=0.6, label="simulated")
    grid = np.linspace(gaussian.min(), gaussian.max(), 300)
    ax.plot(grid, exact.pdf(grid), "k--", label=f"exact: chi({d})/sqrt({d})")
    ax.set(title=f"(c) Gaussian noise, d={d}: normalised sum of squares", xlabel="||xi|| / sqrt(d)",
           ylabel="density")
    ax.legend()
    ax = axes[0, 1]
    bins = np.geomspace(stable.min(), stable.max(), 60)
    ax.hist(stable, bins=bins, density=True, alpha=0.6, color="C3", label="simulated")
    ax.set(xscale="log", yscale="log", title=f"(g) alpha-stable noise, alpha={alpha:g}, d={d}",
           xlabel="||xi|| / sqrt(d)", ylabel="density")
    ax.legend()
    for ax, values, color, label in ((axes[1, 0], gaussian, "C0", "Gaussian"),
                                     (axes[1, 1], stable, "C3", f"stable({alpha:g})")):
        ordered = np.sort(values)
        survival = 1.0 - np.arange(ordered.size) / ordered.size
        ax.loglog(ordered, survival, color=color, label=f"{label}: empirical")
        ax.set(xlabel="x", ylabel="P(||xi|| / sqrt(d) > x)")
    grid = np.geomspace(gaussian.min(), gaussian.max(), 200)
    axes[1, 0].loglog(grid, exact.sf(grid), "k--", label="exact chi survival")
    tail = np.geomspace(np.quantile(stable, 0.5), stable.max(), 100)
    axes[1, 1].loglog(tail, reference["stable_tail_coefficient"] * tail ** (-alpha), "k--",
                      label=f"predicted d*2c_alpha*(x sqrt d)^-{alpha:g}")
    hill_g = reference["gaussian_hill"]["tail_index"]
    hill_s = reference["stable_hill"]["tail_index"]
    axes[1, 0].set_title(f"Hill index of norms: {hill_g:.1f}")
    axes[1, 1].set_title(f"Hill index of norms: {hill_s:.2f} (true {alpha:g})")
    for ax in axes[1]:
        ax.legend()
    return save(fig, name)


def plot_variance_paths(result: dict, name: str = "fig1_variance_vs_samples"):
    """Figure 1 (d, h) analogue: running empirical variance of every path against n, with the
    predicted curve (variance and Gaussian +-2 SE band, or the stable growth quantiles)."""
    from simlab.plotting import new_figure, save

    sizes = result["sizes"]
    laws = result["laws"]
    fig, axes = new_figure(len(laws), 1)
    for ax, (law_name, entry) in zip(axes[0], laws.items(), strict=True):
        for index, path in enumerate(entry["paths"]):
            ax.plot(sizes, path, color="C0", alpha=0.5, linewidth=0.8,
                    label="simulated paths" if index == 0 else None)
        ax.plot(sizes, entry["median"], color="C0", linewidth=2, label="median over paths")
        if math.isfinite(entry["variance"]):
            ax.axhline(entry["variance"], color="k", linestyle="--",
                       label=f"true variance {entry['variance']:g}")
            if "standard_error" in entry:
                band = 2 * entry["standard_error"]
                ax.fill_between(sizes, entry["variance"] - band, entry["variance"] + band,
                                color="k", alpha=0.15, label="+-2 standard errors")
            ax.set_xscale("log")
        else:
            quantiles = entry["predicted_quantiles"]
            low, mid, high = (quantiles[q] for q in sorted(quantiles))
            ax.plot(sizes, mid, "k--", label="predicted median ~ n^(2/alpha-1)")
            ax.fill_between(sizes, low, high, color="k", alpha=0.15,
                            label="predicted 10-90% quantiles")
            ax.set(xscale="log", yscale="log")
        ax.set(title=f"{law_name}: slope {entry['fitted_slope']:.3f} "
               f"(predicted {entry['predicted_slope']:.3f})", xlabel="sample size n",
               ylabel="empirical variance")
        ax.legend()
    return save(fig, name)


def plot_model_noise(results: dict[str, dict], name: str = "noise_models"):
    """Histograms of noise norms per model (rows) and (step, batch size) (columns), beside the
    Gaussian surrogate with the same covariance: the analogue of Figure 1 (b, f) and Figure 2."""
    from simlab.plotting import new_figure, save

    columns = max(len(r["measurements"]) for r in results.values())
    fig, axes = new_figure(columns, len(results), figsize=(3.2 * columns, 3.0 * len(results)))
    for row, (model_name, result) in enumerate(results.items()):
        for col, m in enumerate(result["measurements"]):
            ax = axes[row, col]
            bins = np.linspace(0, max(m.norms.max(), m.surrogate_norms.max()), 60)
            ax.hist(m.norms, bins=bins, density=True, alpha=0.6, label="measured")
            ax.hist(m.surrogate_norms, bins=bins, density=True, histtype="step", color="k",
                    label="Gaussian, same covariance")
            ax.set_title(f"{model_name} step {m.step} B={m.batch_size}\nHill "
                         f"{m.hill_norms['tail_index']:.1f} vs Gaussian "
                         f"{m.hill_surrogate['tail_index']:.1f}", fontsize=8)
            ax.set(xlabel="||g_B - grad f||", ylabel="density")
            if row == 0 and col == 0:
                ax.legend()
    return save(fig, name)


def plot_validation(rows: list[dict], name: str = "tail_index_validation"):
    """Mean estimate +- spread against n, per (estimator, input), one colour per law; dashed:
    the estimator's target; dotted: the derived finite-K1 limit where it differs."""
    from simlab.plotting import new_figure, save

    methods = list(dict.fromkeys((r["estimator"], r["input"]) for r in rows))
    laws = list(dict.fromkeys(r["law"] for r in rows))
    fig, axes = new_figure(len(methods), 1, figsize=(3.4 * len(methods), 3.8))
    for ax, method in zip(axes[0], methods, strict=True):
        for color, law in enumerate(laws):
            sub = [r for r in rows if (r["estimator"], r["input"]) == method and r["law"] == law]
            n = np.array([r["n"] for r in sub], dtype=float)
            ax.errorbar(n, [r["mean_estimate"] for r in sub], yerr=[r["spread"] for r in sub],
                        color=f"C{color}", marker="o", capsize=2, label=law)
            if math.isfinite(sub[0]["target"]):
                ax.axhline(sub[0]["target"], color=f"C{color}", linestyle="--", linewidth=0.8)
            predicted = np.array([r["predicted"] for r in sub], dtype=float)
            if math.isfinite(sub[0]["target"]) and np.any(np.abs(predicted - sub[0]["target"])
                                                          > 1e-9):
                ax.plot(n, predicted, color=f"C{color}", linestyle=":", linewidth=1.2)
        ax.set(xscale="log", ylim=(0, 8), title=f"{method[0]} on {method[1]}",
               xlabel="n (vectors)", ylabel="estimated tail index")
    axes[0, 0].legend(title="law (Gaussian Hill is off-scale)")
    return save(fig, name)
