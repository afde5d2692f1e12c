"""Progress bars for long work (tqdm), silent with ``--json`` or when stderr is not a terminal."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

_quiet = False


def set_quiet(quiet: bool) -> None:
    """Silence every progress bar (the CLI calls this for ``--json``)."""
    global _quiet
    _quiet = quiet


def enabled() -> bool:
    return not _quiet and sys.stderr.isatty()


def progress(
    iterable=None, *, total: int | None = None, desc: str | None = None, unit: str = "cell",
    disable: bool = False,
):
    """A tqdm bar with cells done, rate and time left; disabled when output is not for a person."""
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        disable=disable or not enabled(),
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    )
