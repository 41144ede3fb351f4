"""Figures of an evaluation: the results heatmap, confusion matrices and UAR per outer fold, as
stable PNGs. The one module that draws: matplotlib is set up and PNGs are saved here only."""

from __future__ import annotations

import os
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from serflow.classifier_registry import CLASSIFIER_NAMES  # noqa: E402
from serflow.evaluation import rows_of  # noqa: E402
from serflow.tables import atomic_write  # noqa: E402


def save_png(fig: plt.Figure, path: str | os.PathLike) -> None:
    """Write ``fig`` as PNG atomically, without the matplotlib version in its metadata."""
    atomic_write(
        path, lambda temp: fig.savefig(temp, format="png", dpi=100, metadata={"Software": None})
    )
    plt.close(fig)


def row_normalised(counts: pd.DataFrame) -> pd.DataFrame:
    """A confusion table in % of each true emotion's utterances (rows sum to 100)."""
    totals = counts.sum(axis=1).replace(0, np.nan)
    return 100 * counts.div(totals, axis=0)


def plot_confusion(counts: pd.DataFrame, title: str, path: str | os.PathLike) -> None:
    """Save a row-normalised confusion matrix: true emotions as rows, predicted as columns.

    Each cell shows the % of the row's utterances; the row labels also give their count.
    """
    percent = row_normalised(counts)
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    image = ax.imshow(percent.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=100)
    ax.set_xticks(range(percent.shape[1]), percent.columns, rotation=45, ha="right")
    row_labels = [f"{name} ({int(n)})" for name, n in counts.sum(axis=1).items()]
    ax.set_yticks(range(percent.shape[0]), row_labels)
    for (i, j), value in np.ndenumerate(percent.to_numpy(dtype=float)):
        if np.isfinite(value):
            colour = "white" if value > 60 else "black"
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", color=colour, fontsize=9)
    ax.set_xlabel("predicted emotion")
    ax.set_ylabel("true emotion (utterances)")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label="% of the true emotion's utterances")
    fig.tight_layout()
    save_png(fig, path)


def plot_uar_per_fold(
    folds: pd.DataFrame,
    feature_sets: list[str],
    classifiers: list[str],
    title: str,
    path: str | os.PathLike,
    chance: float | None = None,
) -> None:
    """Save the test UAR (%) of every outer fold: a panel per classifier, a line per feature set.

    ``folds`` has columns feature_set, classifier, fold, test_speakers and uar (%); the x axis
    is labelled with each fold's test speakers. ``chance`` draws the chance level (100 / classes).
    """
    order = sorted(folds["fold"].unique())
    speakers = folds.drop_duplicates("fold").set_index("fold")["test_speakers"]
    size = (max(6.0, 2.5 + 0.45 * len(order)), 1.2 + 2.4 * len(classifiers))
    fig, axes = plt.subplots(len(classifiers), 1, figsize=size, sharex=True, squeeze=False)
    markers = "osD^v<>"
    for ax, classifier in zip(axes[:, 0], classifiers, strict=True):
        for k, feature_set in enumerate(feature_sets):
            part = rows_of(folds, feature_set, classifier).set_index("fold")
            values = part["uar"].reindex(order)
            ax.plot(range(len(order)), values.to_numpy(), marker=markers[k % 7], label=feature_set)
        if chance is not None:
            ax.axhline(chance, color="grey", linestyle="--", linewidth=1, label="chance")
        ax.set_title(CLASSIFIER_NAMES.get(classifier, classifier), fontsize=10)
        ax.set_ylabel("test UAR (%)")
        ax.set_ylim(0, 100)
        ax.grid(axis="y", alpha=0.3)
    axes[-1, 0].set_xticks(range(len(order)), [speakers[f] for f in order], rotation=90, fontsize=8)
    axes[-1, 0].set_xlabel("test speaker(s) of the fold")
    axes[0, 0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save_png(fig, path)


def colour_limits(values: np.ndarray, bounds: tuple[float, float]) -> tuple[float, float]:
    """The colour range of a heatmap: the finite values' minimum and maximum, so that close
    scores get different colours; within ``bounds`` (the score's own range), and widened about
    its middle to at least 2 % of it, so that equal scores still give a range; ``bounds``
    when no value is finite."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return bounds
    low, high = float(finite.min()), float(finite.max())
    least = 0.02 * (bounds[1] - bounds[0])
    if high - low < least:
        middle = min(max((low + high) / 2, bounds[0] + least / 2), bounds[1] - least / 2)
        low, high = middle - least / 2, middle + least / 2
    return low, high


def _level_of(levels: np.ndarray, axis: int) -> np.ndarray:
    """The (largest) finite chance level of each row (``axis`` 1) or column (0); nan where
    there is none."""
    filled = np.where(np.isfinite(levels), levels, -np.inf).max(axis=axis)
    return np.where(np.isfinite(filled), filled, np.nan)


def _varies(levels: np.ndarray, axis: int) -> bool:
    """Whether the finite chance levels differ along ``axis`` within some row or column."""
    known = np.isfinite(levels)
    highest = np.where(known, levels, -np.inf).max(axis=axis)
    lowest = np.where(known, levels, np.inf).min(axis=axis)
    return bool(np.any(known.any(axis=axis) & (highest > lowest)))


def heatmap_figure(
    matrix: pd.DataFrame,
    title: str,
    labels: pd.DataFrame | None = None,
    *,
    chance: float | np.ndarray,
    axis_titles: tuple[str, str],
    bounds: tuple[float, float] = (0, 100),
    score: str = "test UAR (%)",
    digits: int = 1,
) -> plt.Figure:
    """The matrix as an annotated heatmap (fixed size, for stable output).

    Cells are annotated with their value (``digits`` decimals), or with the text of ``labels``
    when given. Colours span the values' range (:func:`colour_limits`, within ``bounds``:
    UAR's 0-100 %, CCC's -1 to 1) and ``score`` names them. ``chance`` is the chance level, one
    for the matrix or one per cell (an array shaped like it, nan for none): cells at or below
    it are hatched, the colour bar has a red line at each level inside its range, and the
    subtitle gives the level, or the row or column labels do where it differs between them.
    ``axis_titles`` are the x (columns) and y (rows) axis titles.
    """
    values = matrix.to_numpy(dtype=float)
    levels = np.broadcast_to(np.asarray(chance, dtype=float), values.shape)
    low, high = colour_limits(values, bounds)
    texts = (
        [[f"{value:.{digits}f}" for value in row] for row in values]
        if labels is None
        else labels.to_numpy(dtype=str).tolist()
    )
    cell_lines = [line for row in texts for text in row for line in text.split("\n")]
    lines = max(text.count("\n") + 1 for row in texts for text in row)
    # about 0.085 inch per character of the longest line at the default font size
    column_width = max(2.0, 0.085 * max(map(len, cell_lines)))
    row_height = 0.6 + 0.2 * max(0, lines - 2)
    fig, ax = plt.subplots(
        figsize=(2.6 + column_width * matrix.shape[1], 1.8 + row_height * matrix.shape[0])
    )
    image = ax.imshow(values, cmap="viridis", vmin=low, vmax=high, aspect="auto")
    row_names, column_names = [str(name) for name in matrix.index], list(map(str, matrix.columns))
    known = np.isfinite(levels)
    per_row = known.any() and not _varies(levels, axis=1) and _varies(levels, axis=0)
    per_column = known.any() and not per_row and _varies(levels, axis=1)
    if per_row:
        row_names = [
            f"{name}\n(chance {level:.{digits}f})" if np.isfinite(level) else name
            for name, level in zip(row_names, _level_of(levels, axis=1), strict=True)
        ]
    column_names = [name.replace(" ", "\n", 1) for name in column_names]
    if per_column:
        column_names = [
            f"{name}\n(chance {level:.{digits}f})" if np.isfinite(level) else name
            for name, level in zip(column_names, _level_of(levels, axis=0), strict=True)
        ]
    ax.set_xticks(range(matrix.shape[1]), column_names)
    ax.set_yticks(range(matrix.shape[0]), row_names)
    ax.set_xlabel(axis_titles[0])
    ax.set_ylabel(axis_titles[1])
    for (i, j), value in np.ndenumerate(values):
        colour = "white" if value < low + 0.6 * (high - low) else "black"
        if np.isfinite(value) and known[i, j] and value <= levels[i, j]:
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5),
                    1,
                    1,
                    fill=False,
                    hatch="//",
                    hatchcolor=to_rgba(colour, 0.45),
                    linewidth=0,
                )
            )
        ax.text(j, i, texts[i][j], ha="center", va="center", color=colour)
    colour_bar = fig.colorbar(image, ax=ax)
    distinct = sorted(set(levels[known].tolist()))
    for level in distinct:
        if low <= level <= high:
            colour_bar.ax.axhline(level, color="red", linewidth=2.5)
    if len(distinct) == 1:
        (level,) = distinct
        where = (
            ", below every cell"
            if level < low
            else ", above every cell"
            if level > high
            else " (red line on the colour bar)"
        )
        note = f"chance level {level:.{digits}f}{where}"
    elif distinct:
        note = "chance level per row (see its label)" if per_row else ""
        note = note or ("chance level per column (see its label)" if per_column else "")
        note = note or f"chance level {distinct[0]:.{digits}f}-{distinct[-1]:.{digits}f} by cell"
    fig.suptitle(title)
    if distinct:
        ax.set_title(f"{note}; cells at or below it hatched", fontsize=9)
    colour_bar.set_label(score)
    fig.tight_layout()
    return fig


def plot_heatmap(
    matrix: pd.DataFrame,
    title: str,
    path: str | os.PathLike,
    labels: pd.DataFrame | None = None,
    **style: Any,
) -> None:
    """Save :func:`heatmap_figure` of the matrix as a PNG (``style``: its keyword arguments)."""
    save_png(heatmap_figure(matrix, title, labels, **style), path)


def plot_predicted_vs_true(
    pooled: pd.DataFrame,
    feature_sets: list[str],
    regressors: list[str],
    value_range: tuple[float, float],
    title: str,
    path: str | os.PathLike,
) -> None:
    """Scatter of predicted against true values of one dimension, one panel per (feature set,
    regressor), over ``value_range`` with the identity line; each panel's title gives its CCC
    on the pooled test predictions (``pooled``: feature_set, regressor, true, predicted)."""
    from serflow.metrics import ccc

    low, high = value_range
    fig, axes = plt.subplots(
        len(feature_sets),
        len(regressors),
        figsize=(0.6 + 2.6 * len(regressors), 0.8 + 2.6 * len(feature_sets)),
        squeeze=False,
    )
    for i, feature_set in enumerate(feature_sets):
        for j, regressor in enumerate(regressors):
            ax = axes[i, j]
            rows = pooled[
                (pooled["feature_set"] == feature_set) & (pooled["regressor"] == regressor)
            ]
            ax.scatter(rows["true"], rows["predicted"], s=6, alpha=0.5, color="tab:blue")
            ax.plot([low, high], [low, high], color="grey", linewidth=0.8)
            ax.set_xlim(low, high)
            ax.set_ylim(low, high)
            name = CLASSIFIER_NAMES.get(regressor, regressor)
            ax.set_title(
                f"{feature_set} · {name}\nCCC {ccc(rows['true'], rows['predicted']):.3f}",
                fontsize=9,
            )
            ax.set_xlabel("true", fontsize=8)
            ax.set_ylabel("predicted", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
