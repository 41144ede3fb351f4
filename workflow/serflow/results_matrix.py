"""The results matrix: feature sets × classifiers, test UAR in %, as table and heatmap.

For one hold-out split a cell is the test UAR; for several outer folds (repeated hold-out,
leave one speaker out) it is the mean over folds ± their standard deviation, with a bootstrap
interval of the mean.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from serflow.classifiers import CLASSIFIER_NAMES  # noqa: E402
from serflow.evaluation import rows_of  # noqa: E402
from serflow.metrics import uar  # noqa: E402
from serflow.stats import bootstrap_mean_interval  # noqa: E402
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
    """A Markdown table of the matrix with a caption line above it.

    Numbers are shown with one decimal; text cells (the multi-fold matrix's) as they are.
    """
    header = "| feature set | " + " | ".join(matrix.columns) + " |"
    rule = "|---|" + "---:|" * len(matrix.columns)
    rows = [
        f"| {name} | " + " | ".join(v if isinstance(v, str) else f"{v:.1f}" for v in row) + " |"
        for name, row in matrix.iterrows()
    ]
    return "\n".join([caption, "", header, rule, *rows]) + "\n"


def plot_heatmap(
    matrix: pd.DataFrame,
    title: str,
    path: str | os.PathLike,
    labels: pd.DataFrame | None = None,
) -> None:
    """Save the matrix as an annotated heatmap PNG (fixed size and dpi, for stable output).

    Cells are annotated with their value, or with the text of ``labels`` when given.
    """
    fig, ax = plt.subplots(figsize=(2.2 + 2.0 * matrix.shape[1], 1.2 + 0.6 * matrix.shape[0]))
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), [c.replace(" ", "\n", 1) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        text = f"{value:.1f}" if labels is None else labels.iloc[i, j]
        ax.text(j, i, text, ha="center", va="center", color="white" if value < 60 else "black")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="test UAR (%)")
    fig.tight_layout()
    atomic_write(
        path, lambda temp: fig.savefig(temp, format="png", dpi=100, metadata={"Software": None})
    )
    plt.close(fig)


def fold_uar_table(scores: list[dict]) -> pd.DataFrame:
    """One row per job (feature set, classifier, outer fold): its test speakers and UAR in %."""
    rows = [
        {
            "feature_set": score["feature_set"],
            "classifier": score["classifier"],
            "fold": score["fold"],
            "test_speakers": " ".join(score["test_speakers"]),
            "n_test": score["n_test"],
            "uar": 100 * score["uar"],
        }
        for score in scores
    ]
    return pd.DataFrame(rows).sort_values(["feature_set", "classifier", "fold"], ignore_index=True)


def summarise_folds(
    folds: pd.DataFrame,
    pooled: pd.DataFrame,
    feature_sets: list[str],
    classifiers: list[str],
    *,
    confidence: float = 0.95,
    resamples: int = 10000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per (feature set, classifier): mean and sd of the fold UARs, their interval, pooled UAR.

    ``uar_sd`` is the sample standard deviation over folds; ``ci_low``/``ci_high`` the
    percentile bootstrap interval of the mean over folds (folds drawn with replacement, the
    same seed for every cell); ``uar_pooled`` the UAR of all folds' test predictions together.
    All in %.
    """
    rows = []
    for feature_set in feature_sets:
        for classifier in classifiers:
            values = rows_of(folds, feature_set, classifier)["uar"].to_numpy()
            part = rows_of(pooled, feature_set, classifier)
            low, high = bootstrap_mean_interval(
                values, confidence=confidence, resamples=resamples, seed=seed
            )
            rows.append(
                {
                    "feature_set": feature_set,
                    "classifier": classifier,
                    "n_folds": len(values),
                    "uar_mean": float(np.mean(values)),
                    "uar_sd": float(np.std(values, ddof=1)) if len(values) > 1 else np.nan,
                    "ci_low": low,
                    "ci_high": high,
                    "uar_pooled": 100 * uar(part["emotion"], part["predicted"]),
                }
            )
    return pd.DataFrame(rows)


def build_fold_matrix(summary: pd.DataFrame, feature_sets: list[str], classifiers: list[str]):
    """The multi-fold results matrix: numbers (mean UAR %) and cell texts ``mean ± sd [low, high]``.

    Returns ``(means, texts)``, two tables shaped like :func:`build_matrix`'s.
    """
    index = pd.Index(feature_sets, name="feature_set")
    columns = [CLASSIFIER_NAMES[c] for c in classifiers]
    means = pd.DataFrame(np.nan, index=index, columns=columns)
    texts = pd.DataFrame("", index=index, columns=columns)
    for row in summary.itertuples():
        column = CLASSIFIER_NAMES[row.classifier]
        means.loc[row.feature_set, column] = round(row.uar_mean, 1)
        texts.loc[row.feature_set, column] = (
            f"{row.uar_mean:.1f} ± {row.uar_sd:.1f} [{row.ci_low:.1f}, {row.ci_high:.1f}]"
        )
    return means, texts
