"""Results of task dimensional: per dimension the matrix feature sets × regressors of test CCC
(for several outer folds mean ± sd with a bootstrap interval of the mean), and the table of
CCC, Pearson's r and MAE of every (feature set, regressor, dimension)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.classifier_registry import CLASSIFIER_NAMES
from serflow.regression import dimension_scores
from serflow.stats import bootstrap_mean_interval, interval_note
from serflow.tables import read_json, read_parquet


def read_results(
    score_files: list[str], prediction_files: list[str]
) -> tuple[list[dict], pd.DataFrame]:
    """Every job's scores.json, and their test predictions pooled in one table labelled by
    feature set, regressor and fold (sorted)."""
    scores = [read_json(path) for path in score_files]
    parts = [
        read_parquet(path).assign(
            feature_set=score["feature_set"], regressor=score["regressor"], fold=score["fold"]
        )
        for score, path in zip(scores, prediction_files, strict=True)
    ]
    columns = ["feature_set", "regressor", "fold", "dimension", "utterance"]
    pooled = pd.concat(parts, ignore_index=True)
    return scores, pooled.sort_values(columns, ignore_index=True)


def fold_scores(scores: list[dict]) -> pd.DataFrame:
    """One row per (feature set, regressor, fold, dimension) with its CCC, Pearson and MAE."""
    rows = [
        {
            "feature_set": score["feature_set"],
            "regressor": score["regressor"],
            "fold": score["fold"],
            "dimension": dimension,
            **values,
        }
        for score in scores
        for dimension, values in score["dimensions"].items()
    ]
    return pd.DataFrame(rows)


def summary_table(
    scores: list[dict],
    pooled: pd.DataFrame,
    *,
    confidence: float = 0.95,
    resamples: int = 10000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per (feature set, regressor, dimension): folds, mean and sd over the folds of CCC,
    Pearson's r and MAE, the bootstrap interval of the mean CCC (nan for one fold) with its
    ``interval_note`` (:func:`~serflow.stats.interval_note`; empty for one fold, which has no
    interval), and the CCC of the predictions pooled over the folds."""
    folds = fold_scores(scores)
    rows = []
    keys = ["feature_set", "regressor", "dimension"]
    for (feature_set, regressor, dimension), part in folds.groupby(keys, sort=False):
        low, high = bootstrap_mean_interval(
            part["ccc"], confidence=confidence, resamples=resamples, seed=seed
        )
        of_cell = pooled[
            (pooled["feature_set"] == feature_set)
            & (pooled["regressor"] == regressor)
            & (pooled["dimension"] == dimension)
        ]
        pooled_scores = dimension_scores(of_cell["true"], of_cell["predicted"])
        rows.append(
            {
                "feature_set": feature_set,
                "regressor": regressor,
                "dimension": dimension,
                "folds": len(part),
                "ccc": part["ccc"].mean(),
                "ccc_sd": part["ccc"].std(ddof=1) if len(part) > 1 else np.nan,
                "ccc_ci_low": low,
                "ccc_ci_high": high,
                "interval_note": interval_note(len(part)) if len(part) > 1 else "",
                "pearson": part["pearson"].mean(),
                "mae": part["mae"].mean(),
                "pooled_ccc": pooled_scores["ccc"],
            }
        )
    return pd.DataFrame(rows)


def ccc_matrix(
    summary: pd.DataFrame, dimension: str, feature_sets: list[str], regressors: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows = feature sets, columns = regressor names: the mean test CCC of ``dimension``, and
    the cells as text (``0.512`` for one fold; ``0.512 ± 0.040 [0.480, 0.545]`` for several,
    followed by :func:`~serflow.stats.interval_note` over too few folds)."""
    names = [CLASSIFIER_NAMES[r] for r in regressors]
    index = pd.Index(feature_sets, name="feature_set")
    means = pd.DataFrame(np.nan, index=index, columns=names)
    texts = pd.DataFrame("", index=index, columns=names)
    for row in summary[summary["dimension"] == dimension].itertuples():
        column = CLASSIFIER_NAMES[row.regressor]
        means.loc[row.feature_set, column] = round(row.ccc, 3)
        text = f"{row.ccc:.3f}"
        if row.folds > 1:
            text += f" ± {row.ccc_sd:.3f} [{row.ccc_ci_low:.3f}, {row.ccc_ci_high:.3f}]"
            text = f"{text} {row.interval_note}".rstrip()
        texts.loc[row.feature_set, column] = text
    return means, texts


def datasets_ccc_summary(
    tables: dict[str, pd.DataFrame], dimension: str, regressors: list[str]
) -> pd.DataFrame:
    """Rows (dataset, feature set), columns regressor names: the mean test CCC of
    ``dimension`` (three decimals) of every dataset that has it.

    ``tables`` maps each dataset to its scores table (:func:`summary_table`, as written by the
    dimensional_scores rule), in the order the rows should have; datasets without the dimension
    are left out.
    """
    parts = []
    for name, table in tables.items():
        part = table[table["dimension"] == dimension]
        if part.empty:
            continue
        means = part.pivot(index="feature_set", columns="regressor", values="ccc")
        means = means.reindex(index=list(dict.fromkeys(part["feature_set"])))
        means = means[[r for r in regressors if r in means.columns]].round(3)
        means = means.rename(columns=CLASSIFIER_NAMES).rename_axis(columns=None)
        parts.append(means.assign(dataset=name).reset_index())
    if not parts:
        raise ValueError(f"no dataset's scores table has dimension {dimension!r}")
    return pd.concat(parts, ignore_index=True).set_index(["dataset", "feature_set"])
