"""Figures of an evaluation: the results heatmap, confusion matrices and UAR per outer fold, as
stable PNGs. The one module that draws: matplotlib is set up and PNGs are saved here only."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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


def plot_heatmap(
    matrix: pd.DataFrame,
    title: str,
    path: str | os.PathLike,
    labels: pd.DataFrame | None = None,
    *,
    scale: tuple[float, float] = (0, 100),
    score: str = "test UAR (%)",
    digits: int = 1,
) -> None:
    """Save the matrix as an annotated heatmap PNG (fixed size and dpi, for stable output).

    Cells are annotated with their value (``digits`` decimals), or with the text of ``labels``
    when given; colours span ``scale`` (UAR's 0-100 %, CCC's -1 to 1), ``score`` names them.
    """
    low, high = scale
    fig, ax = plt.subplots(figsize=(2.2 + 2.0 * matrix.shape[1], 1.2 + 0.6 * matrix.shape[0]))
    image = ax.imshow(
        matrix.to_numpy(dtype=float), cmap="viridis", vmin=low, vmax=high, aspect="auto"
    )
    ax.set_xticks(range(matrix.shape[1]), [c.replace(" ", "\n", 1) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        text = f"{value:.{digits}f}" if labels is None else labels.iloc[i, j]
        dark = value < low + 0.6 * (high - low)
        ax.text(j, i, text, ha="center", va="center", color="white" if dark else "black")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label=score)
    fig.tight_layout()
    save_png(fig, path)


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
