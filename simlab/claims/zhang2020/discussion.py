"""Discussion of Zhang et al. 2020 (Section 2, Online moment estimation): RMSProp and ACClip
take steps of matching size.
"""

from __future__ import annotations

import sympy as sp

from simlab.claims import claim
from simlab.claims.checks import all_hold, inequality
from simlab.claims.zhang2020.common import (
    PAPER,
)


# ============================================================================ Discussion
def rmsprop_acclip_steps():
    """Effective step sizes with beta1 = 0 (reconstructed from the published Discussion):
    h_rms = eta/(eps_r + sqrt(beta2 v + (1-beta2) g^2)), h_clip = eta_clip min{tau/|g|, 1},
    matched by eta_clip = eta/(eps_r + sqrt(beta2 v)), tau = (eps_r + sqrt(beta2 v))/sqrt(1-beta2).

    Written in s = sqrt(beta2 v) >= 0 and b = sqrt(1-beta2)|g| > 0, per unit eta."""
    eps_r, s, b = sp.symbols("epsilon_r s b", positive=True)
    h_rms = 1 / (eps_r + sp.sqrt(s**2 + b**2))
    eta_clip = 1 / (eps_r + s)
    tau_over_g = (eps_r + s) / b  # tau/|g| with the matched tau
    h_clip = eta_clip * sp.Min(tau_over_g, 1)
    return (
        h_rms,
        h_clip,
        {
            eps_r: (sp.Rational(1, 10**8), 10),
            s: (sp.Rational(1, 10**6), 10**3),
            b: (sp.Rational(1, 10**6), 10**3),
        },
    )


@claim(
    PAPER,
    "zhang2020-rmsprop-acclip",
    "Discussion",
    "Given any RMSProp parameters, setting ACClip's eta_clip = eta_rms/(eps + sqrt(beta2 v)) "
    "and tau = (eps + sqrt(beta2 v))/sqrt(1 - beta2) gives h_clip/2 <= h_rms <= 2 h_clip.",
    reconstructed=True,
)
def check_rmsprop_acclip():
    h_rms, h_clip, box = rmsprop_acclip_steps()
    parts = {
        "h_clip/2 <= h_rms": inequality(h_clip / 2, h_rms, box, points=9),
        "h_rms <= 2 h_clip": inequality(h_rms, 2 * h_clip, box, points=9),
        "(tighter) h_rms <= h_clip": inequality(h_rms, h_clip, box, points=9),
    }
    return all_hold(parts)
