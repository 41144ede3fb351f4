"""The results matrix: feature sets × classifiers, test UAR in %, as table and heatmap.

For one hold-out split a cell is the test UAR; for several outer folds (repeated hold-out,
leave one speaker out) it is the mean over folds ± their standard deviation, with a bootstrap
interval of the mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.classifier_registry import CLASSIFIER_NAMES
from serflow.evaluation import rows_of
from serflow.metrics import chance_uar, uar
from serflow.stats import MIN_INTERVAL_FOLDS, bootstrap_mean_interval, interval_note


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


def chance_level(scores: list[dict]) -> float:
    """The chance level (UAR %, :func:`~serflow.metrics.chance_uar`) of a results matrix: the
    mean over its jobs of 100 / the classes of each job's test rows (the keys of its
    ``recall``), which over several folds is the mean UAR that a constant classifier gets."""
    return float(np.mean([chance_uar(len(score["recall"])) for score in scores]))


def few_folds_caption(n_folds: int) -> str:
    """A caption's note on an interval over fewer than
    :data:`~serflow.stats.MIN_INTERVAL_FOLDS` folds; empty for enough folds."""
    if not interval_note(n_folds):
        return ""
    return (
        f"; with {n_folds} fold{'s' * (n_folds != 1)} (fewer than {MIN_INTERVAL_FOLDS}) an "
        "interval over the folds is not meaningful"
    )


def fallback_note(scores: list[dict]) -> str:
    """A caption's closing note naming the SVM cells that come from a ``svm_memory`` fall-back
    (a subsample, or a linear SVM instead of the kernel SVM); empty when none does."""
    cells = sorted(
        {
            (score["feature_set"], score["svm_memory"]["fallback"])
            for score in scores
            if "svm_memory" in score
        }
    )
    if not cells:
        return ""
    named = ", ".join(f"{feature_set} ({fallback})" for feature_set, fallback in cells)
    return (
        f"; SVM beyond svm_memory.budget_mb, a fall-back instead of the full kernel SVM search "
        f"for {named}"
    )


def matrix_markdown(matrix: pd.DataFrame, caption: str) -> str:
    """A Markdown table of the matrix with a caption line above it.

    Numbers are shown with one decimal; text cells (the multi-fold matrix's) as they are.
    """
    index = " · ".join(str(name).replace("_", " ") for name in matrix.index.names)
    header = f"| {index} | " + " | ".join(map(str, matrix.columns)) + " |"
    rule = "|---|" + "---:|" * len(matrix.columns)
    rows = [
        f"| {' · '.join(name) if isinstance(name, tuple) else name} | "
        + " | ".join(v if isinstance(v, str) else f"{v:.1f}" for v in row)
        + " |"
        for name, row in matrix.iterrows()
    ]
    return "\n".join([caption, "", header, rule, *rows]) + "\n"


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
    same seed for every cell), ``interval_note`` says when it is over too few folds
    (:func:`~serflow.stats.interval_note`); ``uar_pooled`` the UAR of all folds' test
    predictions together. All in %.
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
                    "interval_note": interval_note(len(values)),
                    "uar_pooled": 100 * uar(part["emotion"], part["predicted"]),
                }
            )
    return pd.DataFrame(rows)


def build_fold_matrix(summary: pd.DataFrame, feature_sets: list[str], classifiers: list[str]):
    """The multi-fold results matrix: numbers (mean UAR %) and cell texts ``mean ± sd [low, high]``,
    followed by :func:`~serflow.stats.interval_note` over too few folds.

    Returns ``(means, texts)``, two tables shaped like :func:`build_matrix`'s.
    """
    index = pd.Index(feature_sets, name="feature_set")
    columns = [CLASSIFIER_NAMES[c] for c in classifiers]
    means = pd.DataFrame(np.nan, index=index, columns=columns)
    texts = pd.DataFrame("", index=index, columns=columns)
    for row in summary.itertuples():
        column = CLASSIFIER_NAMES[row.classifier]
        means.loc[row.feature_set, column] = round(row.uar_mean, 1)
        text = f"{row.uar_mean:.1f} ± {row.uar_sd:.1f} [{row.ci_low:.1f}, {row.ci_high:.1f}]"
        texts.loc[row.feature_set, column] = f"{text} {row.interval_note}".rstrip()
    return means, texts
