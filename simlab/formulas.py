"""Formulas from the checks, simplified and rendered readably for the report and the errata.

A check states what it printed and computed as sympy strings, e.g. the exponent of Appendix D's
weighted error sum ``Max(0, Max(-(alpha - 2)*(alpha - 1), 1 - 2*(alpha - 1)**2) + 1) - 2``.
:func:`readable` parses such a string, flattens nested extrema (``Max(a, b) + c`` becomes
``Max(a + c, b + c)``), drops the terms of a Max or Min that never win on the papers' range of
alpha, (1, 2] (Zhang et al. 2020, Assumption 1), keeps the shortest of sympy's simplified,
factored and expanded forms, and writes it as inline LaTeX: here
``max(-2 (alpha - 1)^2, (2 - alpha)(alpha - 1) - 1)``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

#: the range of a symbol that the papers fix (alpha in (1, 2]); Max/Min terms that never win on
#: it are dropped
DOMAINS = {"alpha": (1.0, 2.0)}

__all__ = ["DOMAINS", "readable", "simplest"]


def _lift(expr):
    """Max(a, b) + c -> Max(a + c, b + c) and c * Max(a, b) -> Max(c a, c b) for c > 0 (and
    likewise Min), bottom-up: nested extrema become one flat Max or Min."""
    if not expr.args:
        return expr
    expr = expr.func(*[_lift(arg) for arg in expr.args])
    if isinstance(expr, sp.Add):
        extrema = [a for a in expr.args if isinstance(a, (sp.Max, sp.Min))]
        if len(extrema) == 1:
            rest = expr - extrema[0]
            return extrema[0].func(*[_lift(a + rest) for a in extrema[0].args])
    if isinstance(expr, sp.Mul):
        extrema = [a for a in expr.args if isinstance(a, (sp.Max, sp.Min))]
        if len(extrema) == 1:
            rest = expr / extrema[0]
            if rest.is_number and rest.is_positive:
                return extrema[0].func(*[_lift(a * rest) for a in extrema[0].args])
    return expr


def _prune(expr):
    """Drop the arguments of a Max (Min) that never exceed (fall below) another one on the
    domain of its only free symbol (:data:`DOMAINS`, checked on a 401-point grid of the open
    interval: a term that wins only between two grid points would be dropped)."""
    if not expr.args:
        return expr
    expr = expr.func(*[_prune(arg) for arg in expr.args])
    if not isinstance(expr, (sp.Max, sp.Min)):
        return expr
    names = {s.name for s in expr.free_symbols}
    if len(names) != 1 or next(iter(names)) not in DOMAINS:
        return expr
    symbol = next(iter(expr.free_symbols))
    low, high = DOMAINS[symbol.name]
    grid = np.linspace(low, high, 402)[1:]
    values = [np.broadcast_to(np.asarray(sp.lambdify(symbol, a, "numpy")(grid), float),
                              grid.shape) for a in expr.args]
    sign = 1.0 if isinstance(expr, sp.Max) else -1.0
    best = np.max([sign * v for v in values], axis=0)
    kept = [a for a, v in zip(expr.args, values) if np.any(sign * v >= best - 1e-12)]
    return expr.func(*kept) if kept else expr


def _nesting(expr) -> int:
    """How deep Max and Min nest in ``expr`` (0 without any)."""
    inner = max((_nesting(arg) for arg in expr.args), default=0)
    return inner + isinstance(expr, (sp.Max, sp.Min))


def simplest(expr):
    """The least nested in Max/Min, then shortest (by sympy's count_ops), of the expression,
    its flattened form (:func:`_lift`, :func:`_prune`), and the simplified, factored and expanded
    forms of that."""
    flat = _prune(_lift(expr))
    candidates = [expr, flat]
    for transform in (sp.simplify, sp.factor, sp.expand):
        try:
            candidates.append(transform(flat))
        except Exception:  # noqa: BLE001 - a form sympy cannot produce is skipped
            pass
    return min(candidates, key=lambda e: (_nesting(e), sp.count_ops(e)))


def readable(text) -> str:
    """A formula from a check (sympy's string form) as inline LaTeX, simplified
    (:func:`simplest`); anything sympy cannot parse is returned in a code span unchanged."""
    if text is None:
        return ""
    text = str(text)
    try:
        expr = sp.sympify(text, locals={name: sp.Symbol(name) for name in
                                        ("beta", "gamma", "lambda", "E", "I", "S", "N", "Q")
                                        if f"{name}(" not in text})
    except Exception:  # noqa: BLE001
        return f"`{text}`"
    if not isinstance(expr, sp.Basic) or isinstance(expr, sp.Set) or (
            isinstance(expr, sp.logic.boolalg.Boolean)
            and not isinstance(expr, (sp.Symbol, sp.Rel))):
        return f"`{text}`"
    return f"${sp.latex(simplest(expr))}$"
