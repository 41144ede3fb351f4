"""One classification experiment: tune on the training speakers, predict the test speakers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from serflow.balance import weighted_points
from serflow.classifier_registry import spec
from serflow.classifiers import TuningResult, needs_selection, tune, uses_precomputed_kernels
from serflow.fold_rows import part_mask
from serflow.grids import expand_grid
from serflow.kernel_memory import (
    MemoryBudget,
    fitted_classifier,
    linear_points,
    plan_training_rows,
)
from serflow.layer_weighting import estimator_params
from serflow.leakage import (
    check_early_stopping,
    check_fold,
    check_rows,
    check_selection_rows,
    guarded_columns,
)
from serflow.split import inner_folds

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """A tuned classifier's selection record, its test predictions and its inner folds.

    ``training`` holds the training rows (utterance, speaker, emotion) in the order that the
    (train, validation) row indices of ``inner_folds`` refer to; ``svm_memory`` records the
    fall-back of a kernel SVM over ``svm_memory.budget_mb`` (``None``: within it).
    """

    tuning: TuningResult
    predictions: pd.DataFrame
    training: pd.DataFrame
    inner_folds: list[tuple[np.ndarray, np.ndarray]]
    svm_memory: dict | None = None


def class_order(metadata: pd.DataFrame) -> list[str]:
    """The emotions of ``metadata`` in the order the classifiers number them.

    With the corpus's own labels (``label``), each emotion ranks by its smallest own label, so
    that a corpus is classified exactly as when its own labels were the classes (EmoDB: by
    emotion letter); without them, alphabetically.
    """
    if "label" not in metadata.columns:
        return sorted(metadata["emotion"].unique())
    return metadata.groupby("emotion")["label"].min().sort_values(kind="stable").index.tolist()


def encode(emotions: pd.Series | np.ndarray, order: list[str]) -> np.ndarray:
    """Emotion names as class numbers in ``order``; an error naming any not in it."""
    codes = {emotion: i for i, emotion in enumerate(order)}
    unknown = sorted(set(np.asarray(emotions)) - set(codes))
    if unknown:
        raise ValueError(f"emotion(s) {unknown} are not among the classes {order}")
    return np.array([codes[e] for e in np.asarray(emotions)], dtype=np.int64)


def labelled_rows(
    features: pd.DataFrame, metadata: pd.DataFrame, fold: dict, part: str
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Feature matrix, emotion names and ids (utterance, speaker, emotion and, where the
    metadata has it, text) of the fold's ``part`` (train or test), sorted by id."""
    keys = [c for c in ("utterance", "speaker", "emotion", "text") if c in metadata.columns]
    table = metadata[keys].merge(features, on="utterance", how="inner", validate="one_to_one")
    if len(table) != len(metadata):
        missing = sorted(set(metadata["utterance"]) - set(features["utterance"]))[:10]
        raise KeyError(f"the feature table lacks utterance(s) {missing}; rerun its extraction")
    table = table[part_mask(table, fold, part)].sort_values("utterance", ignore_index=True)
    values = table.drop(columns=keys).to_numpy(dtype=np.float32)
    return values, table["emotion"].to_numpy(), table[keys]


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
    memory_budget: MemoryBudget | None = None,
    balance: str = "none",
) -> Outcome:
    """Grid-search ``classifier`` on the fold's training speakers; predict its test speakers.

    ``inner_cv`` picks the grid search's folds (:func:`serflow.split.inner_folds`): ``kfold``,
    the notebook's, or ``group``, speaker-independent. ``cache_dir`` keeps the CV scores so that
    a rerun fits only new grid points (:func:`serflow.classifiers.tune`). A kernel SVM whose
    matrices would exceed ``memory_budget`` stops, runs on a subsample of the training rows or
    is replaced by a linear SVM (:func:`serflow.kernel_memory.plan_training_rows`). ``balance``
    (:mod:`serflow.balance`) weights or oversamples the classes of the rows each model is fitted
    on: the training part of every inner fold and the refit, never validation or test rows. A
    classifier that fits on speakers (``mlp``) gets the training rows' speakers, and the speakers
    its refit stopped early on are checked to be training speakers; an SSL all-layers table
    (``layer: weighted``) sets its ``n_layers``.
    """
    check_fold(fold)
    order = class_order(metadata)
    x_train, train_emotions, train_ids = labelled_rows(features, metadata, fold, "train")
    y_train = encode(train_emotions, order)
    points, rejected = expand_grid(classifier, grid, n_classes=len(np.unique(y_train)))
    for line in rejected:
        log.warning("grid point not fitted: %s", line)
    log.info("%s: %d grid points x %d %s folds", classifier, len(points), cv_folds, inner_cv)
    x_test, _, test_ids = labelled_rows(features, metadata, fold, "test")

    speakers, labels = train_ids["speaker"].to_numpy(), y_train
    selecting = needs_selection(points)
    if not selecting:
        log.info("%s: one grid point, fitted on every training clip without inner CV", classifier)

    def folds_of(rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        if not selecting:
            return []
        return inner_folds(labels[rows], speakers[rows], inner_cv, cv_folds)

    over_budget = None
    if uses_precomputed_kernels(classifier, points):
        rows, over_budget = plan_training_rows(
            f"{classifier} fold {fold['fold']}",
            points,
            speakers,
            labels,
            folds_of,
            memory_budget,
            n_jobs=n_jobs,
            n_predict=len(x_test),
            seed=seed,
            minimum=cv_folds * len(np.unique(y_train)),
        )
        if rows is not None:
            x_train, y_train = x_train[rows], y_train[rows]
            train_ids = train_ids.iloc[rows].reset_index(drop=True)
    searched = fitted_classifier(classifier, over_budget)
    if searched != classifier:
        points = linear_points(points)
    folds = (
        inner_folds(y_train, train_ids["speaker"].to_numpy(), inner_cv, cv_folds)
        if needs_selection(points)
        else []
    )
    check_rows(train_ids, test_ids, guarded_columns(fold))
    check_selection_rows(folds, len(train_ids))
    if balance != "none":
        log.info("%s: classes balanced by %s in every training part", classifier, balance)
    params = estimator_params(classifier, [c for c in features.columns if c != "utterance"])
    # with kfold, tune() makes these same folds itself (StratifiedKFold, the notebook's); a
    # one-point grid is fitted without folds
    tuning = tune(
        searched,
        weighted_points(points, balance),
        x_train,
        y_train,
        cv_folds=cv_folds,
        folds=None if inner_cv == "kfold" else folds,
        seed=seed,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        oversample=balance == "oversample",
        groups=train_ids["speaker"].to_numpy(),
        estimator_params=params,
    )
    if spec(searched).speaker_groups:
        check_early_stopping(
            tuning.search.best_estimator_.validation_speakers_,
            test_ids["speaker"].to_numpy(),
            f"fold {fold['fold']}",
        )
    codes = tuning.search.predict(x_test)
    predicted = np.asarray(order, dtype=object)[codes]
    predictions = test_ids.assign(predicted=predicted.astype(str))
    probabilities = tuning.search.class_probabilities(x_test)
    if probabilities is not None:
        # the probability the classifier gave the class it predicted: calibration's confidence
        column = np.searchsorted(tuning.search.classes_, codes)
        predictions["confidence"] = probabilities[np.arange(len(codes)), column]
    return Outcome(
        tuning=tuning,
        predictions=predictions,
        training=train_ids,
        inner_folds=folds,
        svm_memory=over_budget,
    )
