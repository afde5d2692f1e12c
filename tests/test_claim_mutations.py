"""Mutation test per claim: perturb what the paper printed, and the verdict must change.

For every registered claim (``simlab verify``'s list) the test runs the check twice: as printed,
and on a mutant (a perturbed printed formula or constant). A check whose verdict does not change
cannot fail, whatever the paper printed: it is weak, and must be fixed, not this test.

The mutant is, in order of preference:

1. the claim's own :attr:`simlab.claims.Claim.mutant` (keyword arguments of its check that replace
   a printed value, declared next to the claim);
2. otherwise a generic mutant: the printed argument of every generic checker the check calls
   (:data:`PRINTED`: ``identity``'s right side, ``same_exponent``'s exponent, ``compare``'s
   printed formula, ...) is perturbed ("break": a changed constant, or a bound below the left
   side) where the claim holds, or replaced by the value the checker derives ("repair") where it
   fails. A claim that neither mutant changes fails :func:`test_every_claim_can_fail`, so a new
   claim without a live comparison fails the suite.

"Disabled" (the check's decisive comparison bypassed, e.g. a check that returns its verdict
whatever the comparison says) is caught: :func:`test_a_disabled_check_is_caught` shows it.
No Monte Carlo draws are made here beyond the claims' own (fixed seeds, stored cells).
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Callable

import pytest
import sympy as sp

from simlab.claims import MODULES, Claim, Verdict, all_claims, checks
from simlab.theory.exponents import exponent_of

#: the claims with no comparison to mutate, because nothing stated can decide them (an abstract
#: that states no formula; eq. 13's approximation, stated with no formula or error bound): each
#: must stay "unverifiable", with its reason as evidence. A new claim is not added here lightly.
NOTHING_TO_MUTATE = {
    "chezhegov2024-adagrad-bad-hp",
    "chezhegov2024-clip-polylog",
    "koloskova2023-deterministic-threshold",
    "koloskova2023-tight",
    "zz-eq13",
}



def _changed(value):
    """A perturbed printed value: 8/7 of it plus 1/7 (so zero moves too)."""
    return sp.sympify(value) * sp.Rational(8, 7) + sp.Rational(1, 7)


def _below(lhs):
    return sp.sympify(lhs) - 1


#: generic checker -> (index of the printed argument, keyword name, break, repair); break and
#: repair get (the bound arguments) and return the new printed value; repair None: none known
def _repair_identity(args):
    return args[0]


def _repair_exponent(args):
    return exponent_of(sp.sympify(args[0]), args[1])


PRINTED: dict[str, tuple[int, str, Callable, Callable | None]] = {
    "identity": (1, "rhs", lambda a: _changed(a[1]), _repair_identity),
    "inequality": (1, "rhs", lambda a: _below(a[0]), lambda a: sp.sympify(a[0]) + 1),
    "implies": (2, "rhs", lambda a: _below(a[1]), lambda a: sp.sympify(a[1]) + 1),
    "same_exponent": (2, "printed_exponent", lambda a: _changed(a[2]), _repair_exponent),
    "sum_bound": (3, "bound", lambda a: sp.Integer(-1), None),
    "normalises": (0, "density", lambda a: 2 * sp.sympify(a[0]), None),
    "compare_rate": (1, "printed", lambda a: _changed(a[1]), lambda a: None),
    "compare": (0, "printed", lambda a: _changed(a[0]), lambda a: a[1]),
    "moment_matches": (0, "printed", lambda a: _changed(a[0]), None),
    "check_mode": (2, "printed_mode", lambda a: _changed(a[2]), None),
}
#: modules whose generic checkers are patched (where the checks look the names up)
NAMESPACES = (*MODULES, "simlab.claims.zhang2020.common", "simlab.claims.zhiyi_ziyin.common")


def _mutating(original: Callable, index: int, keyword: str, make: Callable) -> Callable:
    def mutated(*args, **kwargs):
        args = list(args)
        bound = args + [kwargs[keyword]] if index >= len(args) and keyword in kwargs else args
        if index < len(args):
            new = make(bound)
            if new is not None:
                args[index] = new
        elif keyword in kwargs:
            new = make(bound)
            if new is not None:
                kwargs[keyword] = new
        return original(*args, **kwargs)

    return mutated


def _repair_compare_rate(original):
    def mutated(computed, printed, **kwargs):
        from simlab.claims.checks import RATE_QUANTITIES

        (_, pc), (_, pp) = (RATE_QUANTITIES[kwargs["computed_quantity"]],
                            RATE_QUANTITIES[kwargs["printed_quantity"]])
        return original(computed, sp.nsimplify(computed) * sp.Rational(pp, pc), **kwargs)

    return mutated


@contextlib.contextmanager
def generic_mutant(mode: str):
    """Patch every generic checker in the claim modules so that it sees a mutated printed value
    (``mode`` "break" or "repair")."""
    saved = []
    try:
        for name in NAMESPACES:
            module = importlib.import_module(name)
            for checker, (index, keyword, breaker, repairer) in PRINTED.items():
                original = getattr(module, checker, None)
                if original is None:
                    continue
                if mode == "repair" and checker == "compare_rate":
                    replacement = _repair_compare_rate(original)
                else:
                    make = breaker if mode == "break" else repairer
                    if make is None:
                        continue
                    replacement = _mutating(original, index, keyword, make)
                saved.append((module, checker, original))
                setattr(module, checker, replacement)
        yield
    finally:
        for module, checker, original in reversed(saved):
            setattr(module, checker, original)


def mutation_outcome(claim: Claim) -> tuple[str, str, str]:
    """(verdict as printed, verdict of the mutant, which mutant). The claim's own mutant if it
    has one; else the generic break mutant, then the repair one."""
    printed = claim.finding().verdict
    if claim.mutant is not None:
        return printed, claim.finding(**claim.mutant).verdict, f"own mutant {claim.mutant}"
    for mode in ("break", "repair"):
        with generic_mutant(mode):
            mutated = claim.finding().verdict
        if mutated != printed:
            return printed, mutated, f"generic {mode}"
    return printed, printed, "generic break and repair"


CLAIMS = all_claims()


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_every_claim_can_fail(claim):
    """Seedless and deterministic (the claims' Monte Carlo parts are stored cells with fixed
    seeds): the verdict on the mutant differs from the verdict as printed."""
    if claim.id in NOTHING_TO_MUTATE:
        printed = claim.finding()
        assert printed.verdict == "unverifiable" and printed.evidence
        return
    verdict, mutated, how = mutation_outcome(claim)
    assert mutated != verdict, (f"{claim.id}: the verdict stays {verdict!r} on the {how}: "
                                "its check cannot fail; fix the check")


def test_exempt_list_names_registered_claims():
    assert {c.id for c in CLAIMS} >= NOTHING_TO_MUTATE


def test_a_disabled_check_is_caught():
    """A check whose decisive comparison is bypassed (it returns "holds" whatever identity()
    says) keeps its verdict on every mutant, so the mutation test would fail it."""
    def disabled(printed=sp.Integer(4)):
        checks.identity(sp.Integer(2) + 2, printed)  # computed, then ignored
        return Verdict("holds", "bypassed")

    def live(printed=sp.Integer(4)):
        return checks.identity(sp.Integer(2) + 2, printed)

    for check, changes in ((disabled, False), (live, True)):
        fake = Claim("test-disabled", "zhang2020", "none", "2 + 2 = 4", check,
                     mutant={"printed": sp.Integer(5)})
        verdict, mutated, how = mutation_outcome(fake)
        assert (mutated != verdict) is changes, how


def test_generic_mutant_is_undone():
    """The patched checkers are restored: verify after the mutation tests is unchanged."""
    module = importlib.import_module("simlab.claims.zhang2020.upper_bounds")
    before = {name: getattr(module, name, None) for name in PRINTED}
    with generic_mutant("break"):
        pass
    assert before == {name: getattr(module, name, None) for name in PRINTED}
    json.dumps([c.id for c in CLAIMS])  # the ids stay serialisable for the golden file


@pytest.mark.parametrize("module, checker, claim_id", [
    ("simlab.claims.zhang2020.upper_bounds", "compare_rate", "zhang2020-alpha2-convex"),  # own
    ("simlab.claims.zhang2020.lower_bounds", "identity", "zhang2020-thm4-optimal"),  # generic
])
def test_disabling_a_real_claims_comparison_is_caught(monkeypatch, module, checker, claim_id):
    """Bypass the decisive comparison of a registered claim (its checker always says "holds"):
    the claim's verdict no longer changes on its mutant, which test_every_claim_can_fail would
    report."""
    claim = next(c for c in CLAIMS if c.id == claim_id)
    verdict, mutated, _ = mutation_outcome(claim)
    assert mutated != verdict  # live
    monkeypatch.setattr(importlib.import_module(module), checker,
                        lambda *args, **kwargs: Verdict("holds", "comparison bypassed"))
    verdict, mutated, how = mutation_outcome(claim)
    assert mutated == verdict, how  # disabled: caught
