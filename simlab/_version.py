"""The simlab version: part of every store key (a result computed by other code is never reused)."""

__version__ = "0.3.0"


def version() -> str:
    """The version, read at call time (tests patch ``simlab._version.__version__``)."""
    return __version__
