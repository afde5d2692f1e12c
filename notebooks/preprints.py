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
# # The three preprints: (L0, L1)-smoothness, clipping bias, clipped AdaGrad-Norm / Adam-Norm
#
# Zhang et al. 2019, Koloskova et al. 2023 and Chezhegov et al. 2024 reach simlab as abstracts;
# the experiments below (`simlab.experiments.adaptive`, the same code as `simlab adaptive`) test
# their claims on the engine through the result store, each ending in a finding, and the claims
# registry records what the abstracts alone settle.
# Set `SIMLAB_QUICK=0` for the publication budgets.

# %%
import os

from simlab.claims import verify
from simlab.experiments import adaptive

MODE = "quick" if os.environ.get("SIMLAB_QUICK", "1") == "1" else "full"


def show(name):
    result = adaptive.run_experiments(MODE, only=name)["experiments"][name]
    finding = result["finding"]  # a simlab.finding.Finding as a dict: one of the five words
    print(name, "->", finding["verdict"])
    print("claim:", result["claim"])
    print("evidence:", finding["evidence"])
    if finding["correction"]:
        print("correction:", finding["correction"])
    return result


# %% [markdown]
# ## Koloskova et al.: clipped SGD converges only to a neighbourhood under biased clipping

# %%
bias = show("clipping-bias")

# %% [markdown]
# ## Zhang et al. 2019: fixed-step GD against clipped and normalized GD on (L0, L1)-smooth
# functions, as the initial distance grows

# %%
smoothness = show("l0l1-smoothness")

# %% [markdown]
# ## Chezhegov et al.: the (1 - delta)-quantile of the error against 1/delta

# %%
tails = show("high-probability")

# %% [markdown]
# ## Zhang et al. 2020, Section 4: ACClip on non-stationary heavy-tailed noise

# %%
acclip = show("acclip-nonstationary")

# %% [markdown]
# ## What the abstracts alone let the claims registry settle

# %%
for paper in ("zhang2019", "koloskova2023", "chezhegov2024"):
    for record in verify(paper):
        print(f"{paper:14s} {record['ref'][:30]:30s} {record['verdict']}")
