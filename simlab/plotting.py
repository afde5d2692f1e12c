"""One shared matplotlib style, the figures folder, and the helpers every figure shares: the
predicted-slope guide line, a fitted slope with its confidence band (:func:`slope_band`), and
legends that cover no data (:func:`place_legend`; :func:`save` moves any legend that does)."""

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


def save(fig, name: str, caption: str | None = None, *, rect=None) -> Path:
    """Save ``fig`` as ``figures_dir()/name.png`` and close it; returns the path. A one-line
    ``caption`` is stored beside it (``name.txt``) for the report's list of figures. A legend
    that covers data is moved first (:func:`fix_legends`). ``rect`` (left, bottom, right, top in
    figure fractions) keeps room outside the axes, e.g. for a figure-wide legend."""
    path = figures_dir() / f"{name}.png"
    with plt.rc_context(STYLE):
        fig.tight_layout(**({} if rect is None else {"rect": rect}))
        if fix_legends(fig):
            fig.tight_layout(**({} if rect is None else {"rect": rect}))
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


def _slope_parts(fit) -> tuple[float, float, float, float | None]:
    """``(slope, low, high, intercept or None)`` from a :class:`simlab.analysis.SlopeFit` or a
    dict with ``slope`` and ``interval`` (or ``ci_low``/``ci_high``), optionally ``intercept``."""
    if isinstance(fit, dict):
        low, high = fit["interval"] if "interval" in fit else (fit["ci_low"], fit["ci_high"])
        return float(fit["slope"]), float(low), float(high), fit.get("intercept")
    return float(fit.slope), float(fit.ci_low), float(fit.ci_high), float(fit.intercept)


def slope_band(ax, x, fit, *, y=None, predicted: float | None = None, color=None,
               label: str | None = None, predicted_label: str | None = None):
    """Draw a fitted log-log slope with its confidence band, and the predicted slope beside it.

    The fitted line is ``exp(intercept) x^slope`` (the intercept from ``fit``, else the least-
    squares one through the points ``(x, y)``). The band is the set of lines whose slope lies in
    the fit's interval, pivoting at the geometric centre of ``x`` (where a least-squares line is
    best determined), so its width at the ends shows what the interval allows. The predicted
    line (dashed) passes through the same pivot: where it leaves the band, the interval excludes
    the prediction (the verdict rule of :func:`simlab.analysis.verdict`, less its tolerance).
    Returns the fitted line's artist.
    """
    x = np.asarray(x, dtype=float)
    slope, low, high, intercept = _slope_parts(fit)
    logx = np.log(x)
    centre = float(np.mean(logx))
    if intercept is None:
        if y is None:
            raise ValueError("slope_band needs the fit's intercept or the fitted points y")
        level = float(np.mean(np.log(np.asarray(y, dtype=float))))
    else:
        level = float(intercept) + slope * centre
    dense = np.geomspace(x.min(), x.max(), 60)
    offset = np.log(dense) - centre
    line, = ax.plot(dense, np.exp(level + slope * offset), "-", color=color, linewidth=1.2,
                    label=label or f"fit: slope {slope:.3g} [{low:.3g}, {high:.3g}]")
    if np.isfinite(low) and np.isfinite(high):
        edges = np.exp(level + np.outer([low, high], offset))
        ax.fill_between(dense, edges.min(axis=0), edges.max(axis=0), color=line.get_color(),
                        alpha=0.25, linewidth=0)
    if predicted is not None:
        ax.plot(dense, np.exp(level + predicted * offset), "--", color=line.get_color(),
                linewidth=1, label=predicted_label or f"predicted slope {predicted:.3g}")
    return line


def _data_points(ax) -> tuple[np.ndarray, list]:
    """What ``ax`` draws, in display coordinates: points (line vertices and points along each
    segment, scatter offsets, error-bar segments) and the outlines of filled bands and bars
    (paths)."""
    from matplotlib.collections import PathCollection, PolyCollection

    chunks, polygons = [], []
    for line in ax.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        if xy.ndim != 2 or len(xy) == 0:
            continue
        xy = line.get_transform().transform(xy)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy) > 1 and line.get_linestyle() not in ("None", "", " "):
            t = np.linspace(0.0, 1.0, 16)[:, None, None]
            xy = (xy[:-1][None] * (1 - t) + xy[1:][None] * t).reshape(-1, 2)
        chunks.append(xy)
    for collection in ax.collections:
        if isinstance(collection, PathCollection):
            offsets = np.asarray(collection.get_offsets(), dtype=float)
            if offsets.size:
                chunks.append(collection.get_offset_transform().transform(offsets))
            continue
        for path in collection.get_paths():
            if not len(path.vertices):
                continue
            shown = path.transformed(collection.get_transform())
            chunks.append(shown.vertices)
            if isinstance(collection, PolyCollection):
                polygons.append(shown)
    for patch in ax.patches:  # bars and other filled shapes
        shown = patch.get_path().transformed(patch.get_transform())
        chunks.append(shown.vertices)
        polygons.append(shown)
    points = np.concatenate(chunks) if chunks else np.empty((0, 2))
    return points[np.all(np.isfinite(points), axis=1)], polygons


def legend_covers_data(ax) -> bool:
    """True when the legend of ``ax`` covers data of ``ax``: a point of a line (sampled along
    its segments), a marker, an error bar, or a filled band (its outline inside the legend, or
    the legend inside it)."""
    legend = ax.get_legend()
    if legend is None:
        return False
    renderer = ax.figure.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    frame = ax.get_window_extent(renderer)
    points, polygons = _data_points(ax)
    x0, x1 = max(box.x0, frame.x0) - 2, min(box.x1, frame.x1) + 2
    y0, y1 = max(box.y0, frame.y0) - 2, min(box.y1, frame.y1) + 2
    if x0 >= x1 or y0 >= y1:  # the legend lies outside the axes
        return False
    hit = ((points[:, 0] >= x0) & (points[:, 0] <= x1)
           & (points[:, 1] >= y0) & (points[:, 1] <= y1))
    if np.any(hit):
        return True
    probes = np.array([[x0, y0], [x0, y1], [x1, y0], [x1, y1], [(x0 + x1) / 2, (y0 + y1) / 2]])
    return any(np.any(polygon.contains_points(probes)) for polygon in polygons)


#: where :func:`place_legend` tries a legend inside the axes, in this order
INSIDE = ("upper right", "upper left", "lower left", "lower right", "center right",
          "center left", "upper center", "lower center")


def _rightmost(ax) -> bool:
    """Whether ``ax`` sits in the last column of its grid (a lone axes does)."""
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is None:
        return True
    return spec.colspan.stop == spec.get_gridspec().ncols


def _add_headroom(ax, fraction: float = 0.4) -> None:
    """Raise the top of the y-axis by ``fraction`` of its span (in the axis' scale)."""
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log" and low > 0 and high > 0:
        ax.set_ylim(low, high * (high / low) ** fraction)
    else:
        ax.set_ylim(low, high + (high - low) * fraction)


def _first_free(ax, handles, labels, places, **kwargs):
    for loc in places:
        ax.legend(handles, labels, loc=loc, **kwargs)
        if not legend_covers_data(ax):
            return ax.get_legend()
    return None


def place_legend(ax, handles=None, labels=None, *, outside: str = "right", **kwargs):
    """A legend on ``ax`` that covers no data (:func:`legend_covers_data`).

    In order: the first place of :data:`INSIDE` where it covers nothing; for an axes in the
    last column of its grid (or alone), outside the axes (``outside``: "right" or "below"), the
    figure grown by the legend's size so the axes keep theirs; for an axes with neighbours on
    its right, headroom above the data (the y-axis raised up to three times by 40% of its span)
    and an upper corner, so the grid's spacing is untouched. ``handles``/``labels`` default to
    the labelled artists of ``ax``; ``kwargs`` go to ``ax.legend`` (``loc`` and
    ``bbox_to_anchor`` are chosen here). Returns the legend."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    kwargs.pop("loc", None)
    kwargs.pop("bbox_to_anchor", None)
    fig = ax.figure
    fig.canvas.draw()
    legend = _first_free(ax, handles, labels, INSIDE, **kwargs)
    if legend is not None:
        return legend
    if not _rightmost(ax):
        limits = ax.get_ylim()
        for _ in range(3):
            _add_headroom(ax)
            legend = _first_free(ax, handles, labels, ("upper right", "upper left",
                                                       "upper center"), **kwargs)
            if legend is not None:
                return legend
        ax.set_ylim(limits)
    if outside == "below":
        legend = ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.15),
                           **kwargs)
    else:
        legend = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                           **kwargs)
    # widen (or heighten) the figure by the legend's size, so the axes keep theirs
    extent = legend.get_window_extent(fig.canvas.get_renderer())
    if outside == "below":
        fig.set_figheight(fig.get_figheight() + extent.height / fig.dpi)
    else:
        fig.set_figwidth(fig.get_figwidth() + extent.width / fig.dpi)
    return legend


def fix_legends(fig) -> list:
    """Re-place (:func:`place_legend`) every axes legend of ``fig`` that covers data; returns
    the axes whose legend moved. :func:`save` calls it, so no saved figure has a legend on
    data."""
    moved = []
    fig.canvas.draw()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend_covers_data(ax):
            continue
        handles = list(legend.legend_handles)
        labels = [text.get_text() for text in legend.get_texts()]
        options = {"ncol": getattr(legend, "_ncols", 1)}
        if legend.get_texts():
            options["fontsize"] = legend.get_texts()[0].get_fontsize()
        if legend.get_title().get_text():
            options["title"] = legend.get_title().get_text()
        legend.remove()
        place_legend(ax, handles, labels, **options)
        moved.append(ax)
    return moved
