"""One dimensional experiment: a regressor per dimension (arousal, valence, ...) tuned by
speaker-grouped inner CV scored by CCC on the training speakers, then tested on the test
speakers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from serflow.classifier_registry import LINEAR_SVR_FALLBACK, spec
from serflow.classifiers import TuningResult
from serflow.cv_search import (
    CachedGridSearch,
    EstimatorSearch,
    ForestSearch,
    GroupedEstimatorSearch,
)
from serflow.grids import expand_grid
from serflow.kernel_memory import MemoryBudget, linear_points, plan_training_rows
from serflow.leakage import check_early_stopping, check_fold, check_rows, check_selection_rows
from serflow.metrics import ccc, mae, pearson
from serflow.svm_search import supports
from serflow.svr_search import SVR_PASSED_PARAMS, PrecomputedSVRSearch

log = logging.getLogger(__name__)


def target_column(dimension: str) -> str:
    """The metadata column of a dimension's values (written by build_metadata)."""
    return f"target_{dimension}"


def grouped_folds(speakers: np.ndarray, cv_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Speaker-grouped (train, validation) folds: each speaker validates in one fold only, so
    that selection is speaker-independent like the test (GroupKFold, deterministic)."""
    from sklearn.model_selection import GroupKFold

    speakers = np.asarray(speakers)
    n_speakers = len(np.unique(speakers))
    if n_speakers < cv_folds:
        raise ValueError(
            f"the speaker-grouped inner CV needs at least cv_folds ({cv_folds}) training "
            f"speakers, but there are {n_speakers}; lower cv_folds or test fewer speakers"
        )
    return list(GroupKFold(n_splits=cv_folds).split(np.zeros(len(speakers)), groups=speakers))


def dimension_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """CCC (the primary score), Pearson's r and MAE of one dimension's predictions."""
    return {
        "ccc": ccc(truth, predicted),
        "pearson": pearson(truth, predicted),
        "mae": mae(truth, predicted),
    }


def make_search(
    regressor: str,
    points: list[dict[str, Any]],
    speakers: np.ndarray | None = None,
    **options: Any,
) -> CachedGridSearch:
    """The grid search of ``regressor`` over ``points``, scored by CCC: SVR on the SVM's
    precomputed kernels, a forest's largest ``n_estimators`` scoring the smaller, any other
    point by point. A regressor that fits on speakers (``mlp_regressor``: early stopping on
    speakers of its own) gets ``speakers``, the speaker of each row."""
    entry = spec(regressor)
    if entry.search == "kernel_svr" and supports(points, SVR_PASSED_PARAMS):
        return PrecomputedSVRSearch(points, score=ccc, **options)
    estimator = entry.make(options["seed"])
    if entry.search == "forest":
        return ForestSearch(estimator, points, score=ccc, **options)
    if entry.speaker_groups:
        if speakers is None:
            raise ValueError(f"{regressor} fits on the training rows' speakers: pass speakers")
        search = GroupedEstimatorSearch(estimator, points, score=ccc, **options)
        return search.with_speakers(speakers)
    return EstimatorSearch(estimator, points, score=ccc, **options)


@dataclass
class DimensionOutcome:
    """One dimension's tuned regressor, its test predictions and any svm_memory fall-back."""

    dimension: str
    tuning: TuningResult
    predictions: pd.DataFrame
    svm_memory: dict | None = None


def rows_of(features: pd.DataFrame, metadata: pd.DataFrame, speakers: list[str], dims: list[str]):
    """Feature matrix and (utterance, speaker, target columns) of ``speakers``, sorted by id."""
    columns = ["utterance", "speaker", *map(target_column, dims)]
    table = metadata[columns].merge(features, on="utterance", how="inner", validate="one_to_one")
    if len(table) != len(metadata):
        missing = sorted(set(metadata["utterance"]) - set(features["utterance"]))[:10]
        raise KeyError(f"the feature table lacks utterance(s) {missing}; rerun its extraction")
    table = table[table["speaker"].isin(speakers)].sort_values("utterance", ignore_index=True)
    values = table.drop(columns=columns).to_numpy(dtype=np.float32)
    return values, table[columns]


def train_and_test(
    features: pd.DataFrame,
    metadata: pd.DataFrame,
    fold: dict,
    regressor: str,
    grid: Any,
    dimensions: list[str],
    *,
    cv_folds: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
    cache_dir: str | Path | None = None,
    memory_budget: MemoryBudget | None = None,
) -> list[DimensionOutcome]:
    """Tune ``regressor`` for each dimension on the fold's training speakers (speaker-grouped
    inner CV, CCC) and predict its test speakers. An SVR over ``memory_budget`` stops, runs on
    a speaker-stratified subsample or fits LinearSVR, as the SVM does. A regressor that stops
    early on speakers of its own (``mlp_regressor``) is checked to have stopped its refit on
    training speakers only."""
    check_fold(fold)
    x_all, train_ids = rows_of(features, metadata, fold["train_speakers"], dimensions)
    x_test, test_ids = rows_of(features, metadata, fold["test_speakers"], dimensions)
    check_rows(train_ids, test_ids)
    points, rejected = expand_grid(regressor, grid)
    for line in rejected:
        log.warning("grid point not fitted: %s", line)
    speakers = train_ids["speaker"].to_numpy()
    rows, over_budget, searched = None, None, regressor
    if spec(regressor).search == "kernel_svr" and supports(points, SVR_PASSED_PARAMS):
        rows, over_budget = plan_training_rows(
            f"{regressor} fold {fold['fold']}",
            points,
            speakers,
            speakers,  # a subsample keeps each speaker's share
            lambda subset: grouped_folds(speakers[subset], cv_folds),
            memory_budget,
            n_jobs=n_jobs,
            n_predict=len(x_test),
            seed=seed,
            minimum=cv_folds * 2,
        )
        if over_budget is not None and over_budget["fallback"] == "linear":
            searched, points = LINEAR_SVR_FALLBACK, linear_points(points)
            over_budget["model"] = "LinearSVR (liblinear) over the grid's C values"
    x_train = x_all if rows is None else x_all[rows]
    train_ids = train_ids if rows is None else train_ids.iloc[rows].reset_index(drop=True)
    folds = grouped_folds(train_ids["speaker"].to_numpy(), cv_folds)
    check_selection_rows(folds, len(train_ids))
    outcomes = []
    for dimension in dimensions:
        y_train = train_ids[target_column(dimension)].to_numpy(dtype=np.float64)
        search = make_search(
            searched,
            points,
            train_ids["speaker"].to_numpy(),
            folds=folds,
            seed=seed,
            n_jobs=n_jobs,
            cache_dir=cache_dir,
        )
        tuning = TuningResult(search.fit(x_train, y_train))
        if spec(searched).speaker_groups:
            check_early_stopping(
                search.best_estimator_.validation_speakers_,
                test_ids["speaker"].to_numpy(),
                f"fold {fold['fold']}, {dimension}",
            )
        predictions = test_ids[["utterance", "speaker"]].assign(
            dimension=dimension,
            true=test_ids[target_column(dimension)].to_numpy(dtype=np.float64),
            predicted=np.asarray(search.predict(x_test), dtype=np.float64),
        )
        outcomes.append(DimensionOutcome(dimension, tuning, predictions, over_budget))
    return outcomes
