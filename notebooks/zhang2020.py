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
# # Zhang et al. 2020, *Why are Adaptive Methods Good for Attention Models?*
#
# This notebook drives simlab's public API: the noise laws with their exact alpha-moments, the
# engine (`simlab.simulate`), the predicted exponents of `simlab.theory`, and the claims
# registry. Set `SIMLAB_QUICK=0` for publication budgets.

# %%
import os

import numpy as np

import simlab
from simlab import schedules, theory
from simlab.claims import verify

QUICK = os.environ.get("SIMLAB_QUICK", "1") == "1"
STEPS, REPLICAS = (3_000, 200) if QUICK else (100_000, 2_000)

# %% [markdown]
# ## The noise: a bounded alpha-moment, computed from the law
# Assumption 1 asks for `E||g - grad f||^alpha <= sigma^alpha`. For isotropic Pareto noise with
# tail index a the moment is exact; for alpha >= a it is infinite and simlab says so.

# %%
noise = simlab.Pareto(tail=1.7, geometry="isotropic")
for alpha in (1.2, 1.5):
    print(f"alpha = {alpha}: sigma = {noise.sigma(alpha, dim=10):.4f}")
try:
    noise.sigma(1.8, dim=10)
except simlab.errors.InputError as error:
    print("alpha = 1.8:", error)

# %% [markdown]
# ## Theorem 4: projected GClip on a strongly convex problem over a box
# The schedule is Appendix D's (`tau_k = G k^(1/alpha)`, what the proof supports), with G from
# the law (Minkowski: `G <= sup ||grad f|| + sigma`). The predicted exponent of k comes from
# `simlab.theory`, derived symbolically from the bound.

# %%
alpha = 1.5
problem = simlab.ConstrainedQuadratic(dim=5, mu=1.0, L=1.0, l1=0.0, radius=3.0, center=1.0)
G = schedules.assumption4_G(problem, noise, alpha)
result = simlab.simulate(problem, noise, "proj-gclip", schedules.theorem4(G, alpha, 1.0),
                         steps=STEPS, replicas=REPLICAS, seed=1, alpha=alpha)
window = result.checkpoints >= STEPS // 30
slope = np.polyfit(np.log(result.checkpoints[window]),
                   np.log(result.mean("avg_error")[window]), 1)[0]
print(result)
print(f"measured slope of E[f(x_bar_k)] - f*: {slope:.3f}; "
      f"Theorem 4 predicts {theory.theorem4_exponent(alpha):.3f} (an upper bound)")

# %% [markdown]
# ## SGD on the same draws
# Same seed, same replica streams: SGD with the same step sizes and no clipping.

# %%
sgd = simlab.simulate(simlab.Quadratic(dim=5, mu=1.0, L=1.0), simlab.Pareto(tail=1.2),
                      "sgd", simlab.constant(0.5), steps=STEPS, replicas=REPLICAS, seed=1)
gclip = simlab.simulate(simlab.Quadratic(dim=5, mu=1.0, L=1.0), simlab.Pareto(tail=1.2),
                        "gclip", simlab.constant(0.5, 2.0), steps=STEPS, replicas=REPLICAS,
                        seed=1)
for name, run in (("sgd", sgd), ("gclip", gclip)):
    final = run.metrics["error"][:, -1]
    print(f"{name:6s} mean {final.mean():10.3g}  median {np.median(final):8.3g}  "
          f"q0.99 {np.quantile(final, 0.99):10.3g}  diverged {run.diverged}")

# %% [markdown]
# ## The claims, checked by computation

# %%
records = verify("zhang2020")
for record in records:
    print(f"{record['id']:40s} {record['ref'][:32]:32s} {record['verdict']}")
print({v: sum(r["verdict"] == v for r in records) for v in {r["verdict"] for r in records}})
