"""Claims of Zhang, Karimireddy, Veit, Kim, Reddi, Kumar, Sra 2020, "Why are Adaptive Methods
Good for Attention Models?" (NeurIPS 2020; arXiv:1912.03194), each with a computed verdict.

Source: ``/work/shared/papers/zhang2020-why-adaptive-methods-attention.txt`` (text extracted from
the PDF). The step sizes and thresholds of Theorems 2, 4, 8 and the inequalities quoted inside
the proofs are in the extracted text and are encoded as printed. The displayed results (the
bounds of Theorems 2, 4, 5, 6, Corollary 7, Theorem 8, Lemma 9, the Appendix F construction,
the Appendix G oracle bound, the RMSProp/ACClip parameter matching) were lost in extraction and
are reconstructed from the published paper: those claims carry ``reconstructed=True`` and say so.

Assumptions used throughout (reconstructed): Assumption 1, E[g(x)] = grad f(x) and
E||g(x) - grad f(x)||^alpha <= sigma^alpha; Assumption 4 (App. A), E||g(x)||^alpha <= G^alpha;
Assumption 2, E|g_i(x)|^alpha <= B_i^alpha per coordinate; alpha in (1, 2].
"""

from __future__ import annotations

# the sections, imported in the paper's order: their claims register in this order
from simlab.claims.zhang2020 import (  # noqa: F401
    upper_bounds,
    coordinate_clipping,
    lower_bounds,
    discussion,
)
from simlab.claims.zhang2020.common import (
    PAPER,
    RATE_THEOREM2,
    grad_norm,
    sigma,
    tau,
)
from simlab.claims.zhang2020.upper_bounds import (
    TAU_48,
    _lemma9_on_a_law,
)
from simlab.claims.zhang2020.lower_bounds import (
    BERN_MOMENT_EXACT,
    P_RANGE,
    p_sym,
)
from simlab.claims.zhang2020.discussion import (
    rmsprop_acclip_steps,
)

