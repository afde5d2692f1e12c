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
# # simlab's update rules on your own gradients, and the data out
#
# `simlab.updates` gives the engine's update rules as optax-style `init`/`update` pairs: step
# them on any gradient sequence. Here: a heavy-tailed sequence of our own (Student-t with 1.5
# degrees of freedom: infinite variance), Adam against clipped Adam
# (`chain(clip_by_global_norm(tau), adam(eta))`, Chezhegov et al. 2024 clip the input of the
# adaptive step), and the clipping edge cases where simlab's operator is exact. Then a small
# engine run leaves simlab as an `xarray.Dataset` (needs `simlab[data]`).

# %%
import numpy as np

from simlab import updates as U

rng = np.random.default_rng(0)
d, steps = 4, 500
target = np.array([1.0, -2.0, 0.5, 3.0])


def noisy_gradient(x):
    """Gradient of 0.5 ||x - target||^2 plus Student-t(1.5) noise: our own oracle."""
    return (x - target) + rng.standard_t(1.5, size=d)


for name, tx in {"adam": U.adam(0.05),
                 "clipped adam": U.chain(U.clip_by_global_norm(1.0), U.adam(0.05))}.items():
    x = np.zeros(d)
    state = tx.init(x)
    for k in range(steps):
        u, state = tx.update(noisy_gradient(x), state, x)
        x = U.apply_updates(x, u)
    print(f"{name:>13}: ||x_K - target|| = {np.linalg.norm(x - target):.3f}")

# %% [markdown]
# A fixed sequence works too (`step_sequence` returns the updates, the path and the state), and
# a step size or threshold may be a function of the step k = 1, 2, ...

# %%
gradients = rng.standard_t(1.5, size=(100, d))
tx = U.chain(U.clip_by_global_norm(lambda k: 2.0 * k ** 0.25), U.sgd(lambda k: 0.1 / k ** 0.5))
updates, path, state = U.step_sequence(tx, gradients, params=np.zeros(d))
print(updates.shape, path.shape, state[1].count)

# %% [markdown]
# The clipping operator is the engine's kernel: exact where torch's `clip_grad_norm_` and
# optax's `clip_by_global_norm` are not (see `tests/test_conformance.py`).

# %%
for g, tau in [([np.inf, 1.0], 1.0), ([0.0, 0.0], 0.0), ([1e-200] * 4, 1e-201),
               ([1e200, 1e200], 1.0)]:
    clipped, _ = U.clip_by_global_norm(tau).update(np.array(g), U.CountState(0))
    print(f"g = {g}, tau = {tau:g} -> {clipped}")

# %% [markdown]
# ## Data out
#
# A `Result` becomes an `xarray.Dataset` with dims `replica` and `checkpoint`; the whole store
# leaves by `simlab cache export --format netcdf|parquet PATH`.

# %%
import simlab

result = simlab.simulate(simlab.Quadratic(dim=4), simlab.Pareto(tail=1.8), "gclip",
                         simlab.constant(0.05, 1.0), steps=200, replicas=50, seed=1,
                         show_progress=False)
try:
    dataset = result.to_xarray()
    print(dataset["error"].median("replica").to_series().tail())
except simlab.errors.InputError as error:  # xarray is the optional extra simlab[data]
    print(error)
