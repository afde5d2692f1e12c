"""One shared matplotlib style, the figures folder, and the predicted-slope guide line."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = {
    "figure.figsize": (6.4, 4.4),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "font.size": 10,
}


def figures_dir() -> Path:
    """Where figures go: ``$SIMLAB_FIGURES`` if set, else ``./figures``."""
    path = Path(os.environ.get("SIMLAB_FIGURES", "figures"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        from simlab.errors import InputError

        raise InputError(f"cannot make the figures folder {path} ($SIMLAB_FIGURES): "
                         f"{error.strerror or error}") from None
    return path


def new_figure(ncols: int = 1, nrows: int = 1, **kwargs):
    with plt.rc_context(STYLE):
        size = (STYLE["figure.figsize"][0] * ncols, STYLE["figure.figsize"][1] * nrows)
        return plt.subplots(
            nrows, ncols, figsize=kwargs.pop("figsize", size), squeeze=False, **kwargs
        )


def save(fig, name: str, caption: str | None = None) -> Path:
    """Save ``fig`` as ``figures_dir()/name.png`` and close it; returns the path. A one-line
    ``caption`` is stored beside it (``name.txt``) for the report's list of figures."""
    path = figures_dir() / f"{name}.png"
    with plt.rc_context(STYLE):
        fig.tight_layout()
        fig.savefig(path)
    plt.close(fig)
    if caption:
        path.with_suffix(".txt").write_text(caption.strip() + "\n")
    return path


def slope_guide(ax, x, y_anchor: float, slope: float, *, color=None, label: str | None = None):
    """Dashed line ``y = y_anchor * (x / x[0]) ** slope``: a predicted slope on log-log axes."""
    x = np.asarray(x, dtype=float)
    ax.plot(
        x, y_anchor * (x / x[0]) ** slope, linestyle="--", linewidth=1, color=color, label=label
    )
