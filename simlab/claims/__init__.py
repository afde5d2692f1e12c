"""Paper claims, encoded as printed, each with a computed verdict.

A :class:`Claim` is a statement from a paper (its key, its reference as printed, its text as
printed, the sympy expressions it is made of) plus a ``check``: a function that computes and
returns a :class:`Verdict`. Verdicts are never typed in: the check computes the value the paper
states and the value it derives, side by side (``printed`` and ``computed``), and decides.

Modules: one per paper (``zhang2020``, ``zhiyi_ziyin``, ``abstracts``); each registers its claims
with :func:`register` when imported. :func:`all_claims` imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

VerdictName = Literal["holds", "fails", "holds-under-convention", "unverifiable"]
VERDICTS: tuple[str, ...] = ("holds", "fails", "holds-under-convention", "unverifiable")
PAPERS: dict[str, str] = {
    "zhang2020": "Zhang et al. 2020, Why are Adaptive Methods Good for Attention Models?",
    "zhiyi-ziyin": "Zhiyi & Ziyin, On the Distributional Properties of Adaptive Gradients",
    "zhang2019": "Zhang et al. 2019, Why gradient clipping accelerates training",
    "koloskova2023": "Koloskova et al. 2023, Revisiting Gradient Clipping",
    "chezhegov2024": "Chezhegov et al. 2024, Clipping Improves Adam-Norm and AdaGrad-Norm",
}
#: modules that register claims, imported by :func:`all_claims`
MODULES = ("simlab.claims.zhang2020", "simlab.claims.zhiyi_ziyin", "simlab.claims.abstracts")


@dataclass(frozen=True)
class Verdict:
    """The computed outcome of one check.

    ``method`` says how it was decided: "symbolic" (sympy), "numeric" (mpmath or scipy on a
    stated grid; ``evidence`` names the grid and precision) or "monte-carlo" (seed and sample size
    in ``evidence``). ``correction`` is required for "fails", ``convention`` for
    "holds-under-convention".
    """

    verdict: VerdictName
    evidence: str
    method: str = "symbolic"
    printed: Any = None
    computed: Any = None
    correction: str | None = None
    convention: str | None = None

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")
        if self.verdict == "fails" and not self.correction:
            raise ValueError("a failing claim needs a derived correction")
        if self.verdict == "holds-under-convention" and not self.convention:
            raise ValueError("'holds-under-convention' needs the convention it holds under")


@dataclass(frozen=True)
class Claim:
    id: str
    paper: str
    ref: str
    statement: str
    check: Callable[[], Verdict] = field(repr=False)
    expressions: dict[str, Any] = field(default_factory=dict, repr=False)
    reconstructed: bool = False  # the formula was lost in the extracted text and rebuilt

    def run(self) -> dict:
        """Run the check; the record the CLI prints and the errata report uses."""
        verdict = self.check()
        return {
            "id": self.id,
            "paper": self.paper,
            "ref": self.ref,
            "statement": self.statement,
            "expressions": {k: str(v) for k, v in self.expressions.items()},
            "reconstructed": self.reconstructed,
            "verdict": verdict.verdict,
            "evidence": verdict.evidence,
            "method": verdict.method,
            "printed": None if verdict.printed is None else str(verdict.printed),
            "computed": None if verdict.computed is None else str(verdict.computed),
            "correction": verdict.correction,
            "convention": verdict.convention,
        }


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    if claim.paper not in PAPERS:
        raise ValueError(f"unknown paper key {claim.paper!r}")
    if claim.id in _REGISTRY:
        raise ValueError(f"duplicate claim id {claim.id!r}")
    _REGISTRY[claim.id] = claim
    return claim


def all_claims(paper: str | None = None) -> list[Claim]:
    for module in MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:  # a paper module not written yet
            if error.name != module:
                raise
    claims = list(_REGISTRY.values())
    return [c for c in claims if paper is None or c.paper == paper]


def verify(paper: str | None = None) -> list[dict]:
    """Run every registered claim (of ``paper``, or all) and return their records (the issue's
    fields: id, paper, ref, statement, verdict, evidence, correction, convention, ...)."""
    if paper is not None and paper not in PAPERS:
        raise ValueError(f"unknown paper key {paper!r}")
    from simlab.progress import progress

    claims = all_claims(paper)
    return [claim.run() for claim in progress(claims, total=len(claims), desc="claims",
                                              unit="claim")]
