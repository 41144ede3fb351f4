"""One classification experiment: tune on the training speakers, predict the test speakers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from serflow.classifiers import TuningResult, tune
from serflow.grids import expand_grid

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """A tuned classifier's selection record and its test predictions."""

    tuning: TuningResult
    predictions: pd.DataFrame


def labelled_rows(
    features: pd.DataFrame, metadata: pd.DataFrame, speakers: list[str]
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Feature matrix, emotion labels and ids of the utterances of ``speakers``, sorted by id."""
    table = metadata[["utterance", "speaker", "emotion"]].merge(
        features, on="utterance", how="inner", validate="one_to_one"
    )
    if len(table) != len(metadata):
        missing = sorted(set(metadata["utterance"]) - set(features["utterance"]))[:10]
        raise KeyError(f"the feature table lacks utterance(s) {missing}; rerun its extraction")
    table = table[table["speaker"].isin(speakers)].sort_values("utterance", ignore_index=True)
    values = table.drop(columns=["utterance", "speaker", "emotion"]).to_numpy(dtype=np.float32)
    return values, table["emotion"].to_numpy(), table[["utterance", "speaker", "emotion"]]


def train_and_test(
    features: pd.DataFrame,
    metadata: pd.DataFrame,
    fold: dict,
    classifier: str,
    grid: Any,
    *,
    cv_folds: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
) -> Outcome:
    """Grid-search ``classifier`` on the fold's training speakers; predict its test speakers."""
    x_train, y_train, _ = labelled_rows(features, metadata, fold["train_speakers"])
    points, rejected = expand_grid(classifier, grid, n_classes=len(np.unique(y_train)))
    for line in rejected:
        log.warning("grid point not fitted: %s", line)
    log.info("%s: %d grid points x %d folds", classifier, len(points), cv_folds)
    x_test, _, test_ids = labelled_rows(features, metadata, fold["test_speakers"])
    tuning = tune(classifier, points, x_train, y_train, cv_folds=cv_folds, seed=seed, n_jobs=n_jobs)
    predictions = test_ids.assign(predicted=tuning.search.predict(x_test))
    return Outcome(tuning=tuning, predictions=predictions)
