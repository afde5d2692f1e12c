"""Paper claims, encoded as printed, each with a computed verdict.

A :class:`Claim` is a statement from a paper (its key, its reference as printed, its text as
printed, the sympy expressions it is made of) plus a ``check``: a function that computes and
returns a :class:`simlab.finding.Finding` (``Verdict`` is the same class, the name the claims
have always used). Verdicts are never typed in: the check computes the value the paper states and
the value it derives, side by side (``printed`` and ``computed``), and decides with the five words
of :mod:`simlab.finding`. A check that raises is ``unverifiable``, with the error in its evidence.

Modules: one per paper section (:data:`MODULES`), each registering its claims with the one
decorator :func:`claim` when imported; :func:`all_claims` imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simlab.finding import NO_CORRECTION, VERDICTS, Finding, VerdictName

#: the claims' name for :class:`simlab.finding.Finding` (one verdict type for all of simlab)
Verdict = Finding

PAPERS: dict[str, str] = {
    "zhang2020": "Zhang et al. 2020, Why are Adaptive Methods Good for Attention Models?",
    "zhiyi-ziyin": "Zhiyi & Ziyin, On the Distributional Properties of Adaptive Gradients",
    "zhang2019": "Zhang et al. 2019, Why gradient clipping accelerates training",
    "koloskova2023": "Koloskova et al. 2023, Revisiting Gradient Clipping",
    "chezhegov2024": "Chezhegov et al. 2024, Clipping Improves Adam-Norm and AdaGrad-Norm",
}
#: modules that register claims, one per paper section, imported in this order by
#: :func:`all_claims` (the order of ``simlab verify``'s table and of the errata report)
MODULES = (
    "simlab.claims.zhang2020.upper_bounds",
    "simlab.claims.zhang2020.coordinate_clipping",
    "simlab.claims.zhang2020.lower_bounds",
    "simlab.claims.zhang2020.discussion",
    "simlab.claims.zhiyi_ziyin.preliminaries",
    "simlab.claims.zhiyi_ziyin.exponential_averaging",
    "simlab.claims.zhiyi_ziyin.dependent_xu",
    "simlab.claims.zhiyi_ziyin.update_law",
    "simlab.claims.zhiyi_ziyin.theorem_corollaries",
    "simlab.claims.zhiyi_ziyin.section6",
    "simlab.claims.abstracts",
)


@dataclass(frozen=True)
class Claim:
    id: str
    paper: str
    ref: str
    statement: str
    check: Callable[[], Finding] = field(repr=False)
    expressions: dict[str, Any] = field(default_factory=dict, repr=False)
    reconstructed: bool = False  # the formula was lost in the extracted text and rebuilt
    #: keyword arguments that run the check on a perturbed printed value (its mutation test,
    #: tests/test_claim_mutations.py: the verdict must change); None: the test perturbs the
    #: printed argument of every generic checker the check calls instead
    mutant: dict[str, Any] | None = field(default=None, repr=False)

    def finding(self, **printed) -> Finding:
        """Run the check (with ``printed`` replacing printed values the check takes as keyword
        arguments, e.g. :attr:`mutant`); a check that raises (or returns something other than a
        Finding) is ``unverifiable``, its error in the evidence. ``subject`` is the claim id,
        ``ref`` its reference as printed."""
        try:
            verdict = self.check(**printed)
            if not isinstance(verdict, Finding):
                raise TypeError(f"the check returned {type(verdict).__name__}, not a Finding")
        except Exception as error:  # noqa: BLE001 - any failure of a check is reported, not fatal
            verdict = Finding("unverifiable", f"the check raised {type(error).__name__}: {error}",
                              method="none")
        return verdict.about(self.id, self.ref)

    def run(self) -> dict:
        """The record the CLI prints and the errata report uses (the Finding's fields plus the
        claim's id, paper, statement and expressions)."""
        verdict = self.finding()
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


def claim(paper: str, id: str, ref: str, statement: str, expressions: dict | None = None, *,
          reconstructed: bool = False, mutant: dict | None = None, **named):
    """Decorator: register the decorated check as claim ``id`` of ``paper``.

    The check runs with no arguments; printed values it takes as keyword arguments (with the
    printed value as default) can be perturbed by ``mutant``, the keyword arguments of its
    mutation test (:attr:`Claim.mutant`). ``expressions`` (a dict, for names that are not
    identifiers) and ``named`` are the sympy expressions the statement is made of, shown in the
    JSON record."""

    def wrap(check: Callable[..., Finding]) -> Callable[..., Finding]:
        register(Claim(id=id, paper=paper, ref=ref, statement=statement, check=check,
                       expressions={**(expressions or {}), **named},
                       reconstructed=reconstructed, mutant=mutant))
        return check

    return wrap


def all_claims(paper: str | None = None) -> list[Claim]:
    for module in MODULES:
        importlib.import_module(module)
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


__all__ = ["MODULES", "NO_CORRECTION", "PAPERS", "VERDICTS", "Claim", "Finding", "Verdict",
           "VerdictName", "all_claims", "claim", "register", "verify"]
