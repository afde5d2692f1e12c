# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Bring your own problem and noise law
#
# simlab's engine runs a problem and a noise law you write yourself, through the same spec,
# store and executors as the built-in ones (`simlab.custom`). You give
#
# - a **problem**: numba-compilable `gradient(x, out)` and `value(x)`, and its constants: L, mu,
#   f* (and, if known, the minimiser x* and a box domain);
# - a **noise law**: a jittable `sample(u, x, out)` that turns uniforms `u` in (0, 1] into a
#   noise vector at the query point `x`, and its alpha-moment `E||xi||^alpha` (or a bound on
#   it), from which the theorems' sigma, G and B follow as for the built-in laws (Assumption 1
#   of Zhang et al. 2020).
#
# The sampler never owns a generator: the engine hands it uniforms from each replica's
# counter-based stream, so every replica's draws depend only on (seed, replica, step), whatever
# the threads, the chunking or the Dask worker. Set `SIMLAB_QUICK=0` for larger budgets.

# %%
import importlib
import math
import os
import sys
from pathlib import Path

import numpy as np

import simlab
from simlab.noise import CustomNoise
from simlab.problems import CustomProblem
from simlab.run import Spec, compute

QUICK = os.environ.get("SIMLAB_QUICK", "1") == "1"
STEPS, REPLICAS = (2_000, 100) if QUICK else (50_000, 2_000)

# %% [markdown]
# ## Your code, in your module
# A spec names a user's component by its importable path (`"my_components:logcosh"`): a Dask
# worker imports it by that name, and the store key includes the sha256 of the module's source,
# so editing the module invalidates the cached cells. Here the notebook writes the module next
# to itself; in practice it is a file of your package.
#
# The problem is a robust-regression loss, `f(x) = sum_i log cosh(x_i - c_i) + mu/2 ||x - c||^2`:
# `f'' = sech^2(t) + mu` lies in `[mu, 1 + mu]`, so `L = 1 + mu`, f* = 0 at x* = c. The noise is
# a symmetric Lomax law with tail index a: `|X| = U^(-1/a) - 1`, the sign from a second uniform,
# `E|X|^p = a Gamma(p + 1) Gamma(a - p) / Gamma(a + 1)` for p < a; coordinate-wise, so
# `E||xi||^alpha <= d E|X|^alpha` (Appendix E of Zhang et al. 2020, alpha <= 2).

# %%
SOURCE = '''
import math

from numba import njit

from simlab import custom

MU, CENTER, TAIL = 0.5, 1.0, 1.8


@njit
def gradient(x, out):
    for i in range(x.size):
        t = x[i] - CENTER
        out[i] = math.tanh(t) + MU * t


@njit
def value(x):
    total = 0.0
    for i in range(x.size):
        t = x[i] - CENTER
        total += math.log(math.cosh(t)) + 0.5 * MU * t * t
    return total


logcosh = custom.problem(gradient, value, dim=10, L=1.0 + MU, mu=MU, f_star=0.0,
                         minimiser=[CENTER] * 10, name="logcosh")


@njit
def sample(u, x, out):
    for i in range(out.size):
        magnitude = u[2 * i] ** (-1.0 / TAIL) - 1.0
        out[i] = magnitude if u[2 * i + 1] < 0.5 else -magnitude


def coordinate_moment(p):
    return TAIL * math.gamma(p + 1.0) * math.gamma(TAIL - p) / math.gamma(TAIL + 1.0)


lomax = custom.noise_law(sample, uniforms=2, tail_index=TAIL,
                         moment=lambda alpha, dim: dim * coordinate_moment(alpha),
                         coordinate_moment=coordinate_moment, name="lomax")
'''
Path("my_components.py").write_text(SOURCE)
sys.path.insert(0, str(Path.cwd()))
my_components = importlib.import_module("my_components")

# %% [markdown]
# ## The noise law: its moments, checked against its own draws
# `sample` draws exactly what the engine adds to the gradient at the first step of each replica.
# The p-moment of |X| is finite for p < a = 1.8; at p = 0.5 its Monte Carlo mean over 40,000
# draws has a finite variance too (2p < a), so it should sit within a few standard errors of
# the formula.

# %%
problem = CustomProblem("my_components:logcosh")
noise = CustomNoise(function="my_components:lomax", scale=0.5)
draws = noise.sample(4_000, dim=10, seed=1).ravel()
p = 0.5
empirical = np.mean(np.abs(draws) ** p)
stderr = np.std(np.abs(draws) ** p) / math.sqrt(draws.size)
print(f"E|xi_i|^{p}: formula {noise.abs_moment(p):.4f}, Monte Carlo {empirical:.4f} "
      f"+- {stderr:.4f}")
print(f"sigma at alpha = 1.5 (an upper bound, Appendix E): {noise.sigma(1.5, problem.dim):.4f}")
try:
    noise.sigma(1.9, problem.dim)
except simlab.errors.InputError as error:
    print("alpha = 1.9:", error)

# %% [markdown]
# ## Through `simulate`
# GClip and SGD with the same constant step (0.05; GClip's threshold 1) and the same seed, so
# the same noise: under noise of infinite variance (a = 1.8 < 2), SGD's stationary error has a
# heavy upper tail that clipping cuts. GClip's default schedule (no schedule given) is Theorem
# 4's, with G from the problem's L, x0 and the law's sigma.

# %%
alpha = 1.5
schedule = simlab.schedules.constant(0.05, 1.0)
runs = {name: simlab.simulate(problem, noise, name, schedule, steps=STEPS, replicas=REPLICAS,
                              seed=3, alpha=alpha, show_progress=False)
        for name in ("gclip", "sgd")}
runs["gclip, Theorem 4"] = simlab.simulate(problem, noise, "gclip", steps=STEPS,
                                           replicas=REPLICAS, seed=3, alpha=alpha,
                                           show_progress=False)
for name, result in runs.items():
    final = result.metrics["error"][:, -1]
    print(f"{name:16s} median f(x_K) - f* = {np.median(final):.3e}, "
          f"90% quantile {np.quantile(final, 0.9):.3e}")

# %% [markdown]
# ## Through a sweep: the spec, the store and the executor
# The same components by name. `compute` reuses the store (`SIMLAB_CACHE`, else
# `.simlab-cache/`) and computes what is missing with the current executor (locally here; on
# Dask under `simlab reproduce --workers N`, where each worker imports `my_components`).

# %%
cells = [Spec(problem="custom", problem_params={"function": "my_components:logcosh"},
              noise="custom", noise_params={"function": "my_components:lomax", "scale": 0.5},
              algorithm=algorithm, schedule="constant",
              schedule_params={"step_size": 0.05, "threshold": 1.0},
              alpha=alpha, steps=STEPS, replicas=REPLICAS, seed=seed)
         for algorithm in ("gclip", "sgd") for seed in (1, 2)]
results = compute(cells)
for cell, result in results.items():
    print(f"{cell.algorithm:6s} seed {cell.seed}: median final error "
          f"{np.median(result.metrics['error'][:, -1]):.3e}  key {cell.key[:12]}")
again = compute(cells)  # a second call reads the store
assert all(np.array_equal(again[c].metrics["error"], results[c].metrics["error"]) for c in cells)
print("source hash in the key:", dict(cells[0].problem_params)["source"][:16], "...")

# %% [markdown]
# ## A clear error when numba cannot compile your function
# The functions are compiled when the component is defined, and numba's long message is
# summarised in one line.

# %%
def broken_gradient(x, out):
    out[0] = "a string"


try:
    simlab.custom.problem(broken_gradient, my_components.value, dim=10, L=1.5, mu=0.5,
                          f_star=0.0)
except simlab.errors.InputError as error:
    print(error)
try:
    simlab.custom.problem(my_components.gradient, my_components.value, dim=10, mu=0.5,
                          f_star=0.0)
except simlab.errors.InputError as error:
    print(error)

# %% [markdown]
# ## Stepping an update rule on your own gradient sequence
# The public update rules (`simlab.updates`, optax-style `init`/`update` pairs) step on any
# gradient sequence. The clipping operator is exact where common libraries are not:
# `min{1, tau/||g||} g` with an infinite entry gives the limit of the rule (torch gives NaN),
# and g = 0 with tau = 0 stays 0 (optax gives NaN).

# %%
from simlab import updates as U

sequence = [np.array([np.inf, 1.0]), np.zeros(2), np.array([3.0, 4.0])]
steps, _, _ = U.step_sequence(U.clip_by_global_norm(1.0), sequence)
print("clip_by_global_norm(1) on", [g.tolist() for g in sequence], "->", steps.tolist())
print("clip_by_global_norm(0) on [0, 0] ->",
      U.step_sequence(U.clip_by_global_norm(0.0), [np.zeros(2)])[0].tolist())

# %% [markdown]
# Clipped Adam (`chain(clip_by_global_norm, adam)`) on your problem, with your sampler fed by
# NumPy's uniforms (in (0, 1]: `1 - random()`), in a loop of your own.

# %%
tx = U.chain(U.clip_by_global_norm(1.0), U.adam(0.05))
rng = np.random.default_rng(0)
x = np.zeros(problem.dim)
state = tx.init(x)
gradient, noise_vector = np.empty(problem.dim), np.empty(problem.dim)
for k in range(STEPS):
    my_components.gradient(x, gradient)
    my_components.sample(1.0 - rng.random(2 * problem.dim), x, noise_vector)
    step, state = tx.update(gradient + 0.5 * noise_vector, state, x)
    x = U.apply_updates(x, step)
print(f"clipped Adam after {STEPS} steps: f(x) - f* = {problem.f(x) - problem.f_star:.3e}")
