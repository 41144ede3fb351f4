"""The results matrix: feature sets × classifiers, test UAR in %, as table and heatmap."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from serflow.classifiers import CLASSIFIER_NAMES  # noqa: E402
from serflow.tables import atomic_write  # noqa: E402


def build_matrix(
    scores: list[dict], feature_sets: list[str], classifiers: list[str]
) -> pd.DataFrame:
    """Rows = feature sets, columns = classifier names, cells = test UAR in % (one decimal).

    ``scores`` holds one dict per job with ``feature_set``, ``classifier`` and ``uar`` (0–1).
    """
    matrix = pd.DataFrame(
        np.nan,
        index=pd.Index(feature_sets, name="feature_set"),
        columns=[CLASSIFIER_NAMES[c] for c in classifiers],
    )
    for score in scores:
        matrix.loc[score["feature_set"], CLASSIFIER_NAMES[score["classifier"]]] = round(
            100 * score["uar"], 1
        )
    return matrix


def matrix_markdown(matrix: pd.DataFrame, caption: str) -> str:
    """A Markdown table of the matrix with a caption line above it."""
    header = "| feature set | " + " | ".join(matrix.columns) + " |"
    rule = "|---|" + "---:|" * len(matrix.columns)
    rows = [
        f"| {name} | " + " | ".join(f"{v:.1f}" for v in row) + " |"
        for name, row in matrix.iterrows()
    ]
    return "\n".join([caption, "", header, rule, *rows]) + "\n"


def plot_heatmap(matrix: pd.DataFrame, title: str, path: str | os.PathLike) -> None:
    """Save the matrix as an annotated heatmap PNG (fixed size and dpi, for stable output)."""
    fig, ax = plt.subplots(figsize=(2.2 + 2.0 * matrix.shape[1], 1.2 + 0.6 * matrix.shape[0]))
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), [c.replace(" ", "\n", 1) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        ax.text(
            j, i, f"{value:.1f}", ha="center", va="center", color="white" if value < 60 else "black"
        )
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="test UAR (%)")
    fig.tight_layout()
    atomic_write(
        path, lambda temp: fig.savefig(temp, format="png", dpi=100, metadata={"Software": None})
    )
    plt.close(fig)
