"""One verdict type for everything simlab decides: a :class:`Finding`.

A claim is a finding whose evidence is symbolic or numeric; a rate row is a finding whose
evidence is a fit; a bound check, a lower-bound property, an adaptive experiment, an Adam-update
comparison and a noise validation are findings too. All use the same five words:

``holds``
    the computation agrees with the paper at the stated tolerance;
``fails``
    it disagrees; ``correction`` says what is true instead (derived by a check), or says that
    none was derived and why;
``holds-under-convention``
    it agrees under one of the paper's conventions, named in ``convention``;
``inconclusive``
    the data cannot decide at the stated tolerance (e.g. a confidence interval wider than the
    difference it must resolve): more budget, or a better design, could decide;
``unverifiable``
    nothing in the paper or the computation can decide (a check that could not simplify and has
    no numeric fallback, a check that raised: the error is in ``evidence``).

The verdict is computed, never typed in: ``printed`` (the paper's value) and ``computed`` (the
value simlab derives) stand side by side, and ``method`` says how the verdict was reached.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

VerdictName = Literal["holds", "fails", "holds-under-convention", "inconclusive",
                      "unverifiable"]
VERDICTS: tuple[str, ...] = ("holds", "fails", "holds-under-convention", "inconclusive",
                             "unverifiable")
#: what a failing finding says when its check derived no correction (it must say why)
NO_CORRECTION = "none derived: "


@dataclass(frozen=True)
class Finding:
    """The computed outcome of one check (see the module docstring).

    ``subject`` names what was checked (a claim id, a rate row, a property); ``ref`` where the
    paper states it. ``method`` is how it was decided: "symbolic" (sympy), "numeric" (mpmath or
    scipy on a stated grid; ``evidence`` names the grid and precision), "monte-carlo" (seed and
    sample size in ``evidence``), "fit" (a slope with its interval), "exact" (closed form).
    A ``fails`` needs a ``correction``; a ``holds-under-convention`` a ``convention``.
    """

    verdict: VerdictName
    evidence: str
    method: str = "symbolic"
    printed: Any = None
    computed: Any = None
    correction: str | None = None
    convention: str | None = None
    subject: str = ""
    ref: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}; one of {', '.join(VERDICTS)}")
        if self.verdict == "fails" and not self.correction:
            raise ValueError("a failing finding needs a correction, derived or "
                             f"'{NO_CORRECTION}<why>'")
        if self.verdict == "holds-under-convention" and not self.convention:
            raise ValueError("'holds-under-convention' needs the convention it holds under")

    def about(self, subject: str, ref: str = "") -> Finding:
        """The same finding, naming what it is about."""
        return replace(self, subject=subject, ref=ref or self.ref)

    def as_dict(self) -> dict:
        out = asdict(self)
        for name in ("printed", "computed"):
            if out[name] is not None and not isinstance(out[name], (int, float, str, bool)):
                out[name] = str(out[name])
        return out


__all__ = ["Finding", "NO_CORRECTION", "VERDICTS", "VerdictName"]
