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
# # Zhiyi & Ziyin, *On the Distributional Properties of Adaptive Gradients*
#
# The exact law of the Adam update under Gaussian gradients (Theorem 1: simple-average
# preconditioner, mu = 0), built on scipy's Beta law, against the jitted simulator of eq. 1-4.

# %%
import os

import numpy as np

from simlab import adam_update
from simlab.claims import verify
from simlab.experiments import adam_update as experiment

QUICK = os.environ.get("SIMLAB_QUICK", "1") == "1"
SAMPLES = 20_000 if QUICK else 200_000

# %% [markdown]
# ## The predicted law at a few m, both normalisations

# %%
for m in (2, 3, 10, 100):
    for convention in ("c=m", "c=m-1"):
        law = adam_update.law_xg(m, convention)
        print(f"m={m:3d} {convention:6s} Var = {law.var():.4f}  "
              f"Corollary 1: {adam_update.corollary_1_variance(m, convention):.4f}  "
              f"Var|X| (Corollary 2): {adam_update.corollary_2_abs_variance(m, convention):.4f}")

# %% [markdown]
# ## Simulated against predicted (KS test and variances, Bonferroni over all m)
#
# The draws are a stored cell (a `simlab.run.spec.Task`), computed once through the store.

# %%
spec = adam_update.UpdateSpec(gradient="normal", steps=30, samples=SAMPLES)
rows = experiment.compare_steps(spec)
for row in rows[:: max(1, len(rows) // 8)]:
    print(f"m={row.m:3d} Var {row.variance:.4f} (pred {row.predicted_variance:.4f})  "
          f"KS p = {row.ks_pvalue:.3f}  {row.verdict}")
finding = experiment.steps_finding(rows, spec)
print("overall:", finding.verdict, "--", finding.evidence)

# %% [markdown]
# ## The wrong law (Student-t, ignoring the correlation) is rejected

# %%
updates = experiment.updates_of(spec)
statistic, pvalue = adam_update.ks_against(updates[5], adam_update.student_t_law(5))
print(f"m = 5: KS against the Student-t law: p = {pvalue:.2e}")
print("errata, each a claim whose check derives the correction:", adam_update.ERRATA_CLAIMS)

# %% [markdown]
# ## The paper's claims, checked by computation

# %%
records = verify("zhiyi-ziyin")
print({v: sum(r["verdict"] == v for r in records) for v in {r["verdict"] for r in records}})
for record in records:
    if record["verdict"] == "fails":
        print(record["ref"], "->", record["correction"])
