"""Input validation shared by the API and the CLI.

Every public constructor validates its parameters with these helpers and raises
:class:`InputError` (a ``ValueError``) with one readable sentence. The CLI turns an
``InputError`` into one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


class InputError(ValueError):
    """A parameter outside the range a law, problem, algorithm or theorem allows."""


def as_number(name: str, value) -> float:
    """``value`` as a float (text accepted); NaN and non-numbers are an InputError."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(out):
        raise InputError(f"{name} must be a number, got NaN")
    return out


def check_finite(name: str, value) -> float:
    out = as_number(name, value)
    if not math.isfinite(out):
        raise InputError(f"{name} must be finite, got {out}")
    return out


def check_positive(name: str, value, *, allow_zero: bool = False, allow_inf: bool = False) -> float:
    out = as_number(name, value)
    if math.isinf(out) and not (allow_inf and out > 0):
        raise InputError(f"{name} must be finite, got {out}")
    if out < 0 or (out == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be {bound}, got {out}")
    return out


def check_interval(name: str, value, low: float, high: float, *, low_open: bool = False,
                   high_open: bool = False, why: str = "") -> float:
    """``value`` in the interval from ``low`` to ``high`` (open or closed at each end)."""
    out = as_number(name, value)
    too_low = out <= low if low_open else out < low
    too_high = out >= high if high_open else out > high
    if too_low or too_high:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        reason = f" ({why})" if why else ""
        raise InputError(f"{name} must lie in {interval}{reason}, got {out:g}")
    return out


def check_count(name: str, value, *, minimum: int = 1) -> int:
    """A whole number >= ``minimum``; accepts ints, integral floats and their text ("2", "2.0")."""
    number = as_number(name, value)
    if not number.is_integer():
        raise InputError(f"{name} must be a whole number, got {value!r}")
    out = int(number)
    if out < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {out}")
    return out


def physical_memory() -> int | None:
    """This machine's memory in bytes (None where the OS does not say)."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(nbytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1000
    return f"{nbytes:.3g} EB"


def check_memory(what: str, nbytes: float, remedy: str) -> int:
    """Refuse, before anything is allocated, work whose arrays would not fit in half of this
    machine's memory (one line naming the size); returns ``nbytes``."""
    memory = physical_memory()
    if memory is not None and nbytes > memory // 2:
        raise InputError(f"{what} needs about {format_bytes(nbytes)} of memory, more than half "
                         f"of this machine's {format_bytes(memory)}: {remedy}")
    return int(nbytes)


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")
    return value
