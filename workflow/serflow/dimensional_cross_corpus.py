"""Cross-corpus experiments of task dimensional: train a regressor on one dataset, test it on
another, for each dimension both have as a target.

Corpora rate a dimension on different scales (1-5, 1-7, -1 to 1), so each dataset's values are
mapped linearly from its ``range`` [low, high] onto [0, 1] before training and scoring: CCC and
MAE are then on one scale. Rows are told apart by qualified ids as in
:mod:`serflow.cross_corpus`, whose folds (every speaker off the diagonal, the hold-out split on
it) this reuses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.cross_corpus import qualify
from serflow.regression import target_column

#: The common scale every dataset's ratings are mapped onto.
COMMON_SCALE = (0.0, 1.0)


def to_common_scale(values: np.ndarray | pd.Series, value_range: list[float]) -> np.ndarray:
    """``values`` rated on ``value_range`` [low, high], mapped linearly onto [0, 1]."""
    low, high = value_range
    return (np.asarray(values, dtype=np.float64) - low) / (high - low)


def scaled_rows(
    dataset: str,
    features: pd.DataFrame,
    metadata: pd.DataFrame,
    ranges: dict[str, list[float]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row of ``dataset`` with qualified utterance and speaker ids and its target columns
    of the dimensions of ``ranges`` on the common scale."""
    table = metadata[["utterance", "speaker"]].assign(
        utterance=qualify(metadata["utterance"], dataset),
        speaker=qualify(metadata["speaker"], dataset),
    )
    for dimension, value_range in ranges.items():
        column = target_column(dimension)
        table[column] = to_common_scale(metadata[column], value_range)
    rows = features.assign(utterance=qualify(features["utterance"], dataset))
    return rows, table.reset_index(drop=True)


def cross_corpus_table(scores: list[dict]) -> pd.DataFrame:
    """One row per (feature set, regressor, dimension, train dataset, test dataset) with its
    CCC, Pearson's r and MAE on the common scale; a cell that could not be computed has none
    and its reason under ``missing``."""
    rows = []
    for score in scores:
        for dimension, values in score["dimensions"].items():
            values = values or {}
            rows.append(
                {
                    "feature_set": score["feature_set"],
                    "regressor": score["regressor"],
                    "dimension": dimension,
                    "train": score["train_dataset"],
                    "test": score["test_dataset"],
                    **{key: values.get(key, np.nan) for key in ("ccc", "pearson", "mae")},
                    "n_test": score["n_test"],
                    "missing": score.get("missing", ""),
                }
            )
    return pd.DataFrame(rows)


def _cells(table: pd.DataFrame, feature_set: str, regressor: str, dimension: str) -> pd.DataFrame:
    return table[
        (table["feature_set"] == feature_set)
        & (table["regressor"] == regressor)
        & (table["dimension"] == dimension)
    ]


def ccc_matrix(
    table: pd.DataFrame, feature_set: str, regressor: str, dimension: str, datasets: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Train (rows) × test (columns) CCC of one (feature set, regressor, dimension) over
    ``datasets``; the cells as text ("missing" where a cell could not be computed, "–" where
    none was asked for); and one line per missing cell saying why."""
    part = _cells(table, feature_set, regressor, dimension)
    values = part.pivot(index="train", columns="test", values="ccc")
    text = [
        "missing" if reason else f"{ccc:.3f}"
        for ccc, reason in zip(part["ccc"], part["missing"], strict=True)
    ]
    labels = part.assign(text=text).pivot(index="train", columns="test", values="text")
    axes = {"index": "train \\ test", "columns": None}
    values = values.reindex(index=datasets, columns=datasets).rename_axis(**axes)
    labels = labels.reindex(index=datasets, columns=datasets).fillna("–").rename_axis(**axes)
    reasons = [
        f"{row.train} → {row.test} missing: {row.missing}"
        for row in part[part["missing"] != ""].itertuples()
    ]
    return values, labels, reasons
