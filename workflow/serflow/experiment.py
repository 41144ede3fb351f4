"""One classification experiment: tune on the training speakers, predict the test speakers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from serflow.classifiers import TuningResult, tune
from serflow.grids import expand_grid
from serflow.split import inner_folds

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """A tuned classifier's selection record, its test predictions and its inner folds.

    ``training`` holds the training rows (utterance, speaker, emotion) in the order that the
    (train, validation) row indices of ``inner_folds`` refer to.
    """

    tuning: TuningResult
    predictions: pd.DataFrame
    training: pd.DataFrame
    inner_folds: list[tuple[np.ndarray, np.ndarray]]


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
    inner_cv: str = "kfold",
    seed: int = 0,
    n_jobs: int = 1,
    cache_dir: str | None = None,
) -> Outcome:
    """Grid-search ``classifier`` on the fold's training speakers; predict its test speakers.

    ``inner_cv`` picks the grid search's folds (:func:`serflow.split.inner_folds`): ``kfold``,
    the notebook's, or ``group``, speaker-independent. ``cache_dir`` keeps the CV scores so that
    a rerun fits only new grid points (:func:`serflow.classifiers.tune`).
    """
    x_train, y_train, train_ids = labelled_rows(features, metadata, fold["train_speakers"])
    points, rejected = expand_grid(classifier, grid, n_classes=len(np.unique(y_train)))
    for line in rejected:
        log.warning("grid point not fitted: %s", line)
    log.info("%s: %d grid points x %d %s folds", classifier, len(points), cv_folds, inner_cv)
    folds = inner_folds(y_train, train_ids["speaker"].to_numpy(), inner_cv, cv_folds)
    x_test, _, test_ids = labelled_rows(features, metadata, fold["test_speakers"])
    # with kfold, tune() makes these same folds itself (StratifiedKFold, the notebook's)
    tuning = tune(
        classifier,
        points,
        x_train,
        y_train,
        cv_folds=cv_folds,
        folds=None if inner_cv == "kfold" else folds,
        seed=seed,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
    )
    predictions = test_ids.assign(predicted=tuning.search.predict(x_test))
    return Outcome(tuning=tuning, predictions=predictions, training=train_ids, inner_folds=folds)
