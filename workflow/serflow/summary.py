"""Tables across datasets: every dataset's results side by side, and the cross-corpus matrix."""

from __future__ import annotations

import pandas as pd

from serflow.classifier_registry import CLASSIFIER_NAMES
from serflow.metrics import chance_uar


def datasets_summary(matrices: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows (dataset, feature set), columns classifier names, cells test UAR (%).

    ``matrices`` maps each dataset to its results matrix (rows feature sets, columns classifier
    names), in the order the rows should have.
    """
    parts = [matrix.assign(dataset=name) for name, matrix in matrices.items()]
    table = pd.concat(parts).reset_index().set_index(["dataset", "feature_set"])
    return table


def fold_means(summary: pd.DataFrame, classifiers: list[str]) -> pd.DataFrame:
    """A multi-fold scheme's uar_summary table as a matrix of mean UARs (%, one decimal)."""
    means = summary.pivot(index="feature_set", columns="classifier", values="uar_mean")
    means = means[[c for c in classifiers if c in means.columns]].round(1)
    return means.rename(columns=CLASSIFIER_NAMES).rename_axis(columns=None)


def cross_corpus_table(scores: list[dict]) -> pd.DataFrame:
    """One row per (feature set, classifier, train dataset, test dataset) with its UAR (%);
    a cell that could not be computed has no UAR and its reason under ``missing``."""
    rows = [
        {
            "feature_set": score["feature_set"],
            "classifier": score["classifier"],
            "train": score["train_dataset"],
            "test": score["test_dataset"],
            "uar": float("nan") if score["uar"] is None else round(100 * score["uar"], 1),
            "n_test": score["n_test"],
            "missing": score.get("missing", ""),
        }
        for score in scores
    ]
    return pd.DataFrame(rows)


def missing_cells(table: pd.DataFrame, feature_set: str, classifier: str) -> list[str]:
    """One line per cell of (feature set, classifier) that could not be computed: why."""
    part = table[
        (table["feature_set"] == feature_set)
        & (table["classifier"] == classifier)
        & (table["missing"] != "")
    ]
    return [f"{row.train} → {row.test} missing: {row.missing}" for row in part.itertuples()]


def cell_labels(
    table: pd.DataFrame, feature_set: str, classifier: str, datasets: list[str]
) -> pd.DataFrame:
    """:func:`cross_corpus_matrix` as text: UAR with one decimal, "missing" where a cell could
    not be computed and "–" where none was asked for (cross_corpus.diagonal: false)."""
    part = table[(table["feature_set"] == feature_set) & (table["classifier"] == classifier)]
    text = [
        "missing" if reason else f"{uar:.1f}"
        for uar, reason in zip(part["uar"], part["missing"], strict=True)
    ]
    labels = part.assign(text=text).pivot(index="train", columns="test", values="text")
    return (
        labels.reindex(index=datasets, columns=datasets)
        .fillna("–")
        .rename_axis(index="train \\ test", columns=None)
    )


def cross_corpus_matrix(
    table: pd.DataFrame, feature_set: str, classifier: str, datasets: list[str]
) -> pd.DataFrame:
    """Train datasets (rows) x test datasets (columns) UAR (%) of one feature set and classifier."""
    part = table[(table["feature_set"] == feature_set) & (table["classifier"] == classifier)]
    matrix = part.pivot(index="train", columns="test", values="uar")
    return matrix.reindex(index=datasets, columns=datasets).rename_axis(
        index="train \\ test", columns=None
    )


def cross_corpus_chance(
    scores: list[dict], feature_set: str, classifier: str, datasets: list[str]
) -> pd.DataFrame:
    """Shaped like :func:`cross_corpus_matrix`: each cell's chance level, 100 / the classes of
    its test rows (the test dataset's, as the cell's ``recall`` lists them); nan where the cell
    is missing or was not asked for."""
    chance = pd.DataFrame(float("nan"), index=datasets, columns=datasets)
    for score in scores:
        if (score["feature_set"], score["classifier"]) == (feature_set, classifier) and score.get(
            "recall"
        ):
            chance.loc[score["train_dataset"], score["test_dataset"]] = chance_uar(
                len(score["recall"])
            )
    return chance.rename_axis(index="train \\ test", columns=None)
