"""The classifiers, their grid search on training speakers, and their test scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from serflow.classifier_registry import spec
from serflow.cv_search import (
    CachedGridSearch,
    EstimatorSearch,
    ForestSearch,
    GroupedEstimatorSearch,
    plain_params,
)
from serflow.svm_search import PrecomputedSVMSearch, supports


def make_estimator(classifier: str, seed: int) -> BaseEstimator:
    """A new estimator of ``classifier`` (:mod:`serflow.classifier_registry`), default settings,
    seeded where it has randomness; a substitute such as ``linear_svm`` too."""
    return spec(classifier).make(seed)


def uses_precomputed_kernels(classifier: str, points: list[dict[str, Any]]) -> bool:
    """Whether ``classifier`` over ``points`` is searched and refitted on precomputed kernels."""
    return spec(classifier).search == "kernel_svm" and supports(points)


@dataclass
class TuningResult:
    """What a grid search found: the refitted model and its selection record.

    ``search`` is a fitted search of :mod:`serflow.cv_search`, which has GridSearchCV's
    ``best_params_``, ``best_score_``, ``best_estimator_``, ``cv_results_`` and ``predict``.
    """

    search: CachedGridSearch

    @property
    def best_params(self) -> dict[str, Any]:
        return plain_params(self.search.best_params_)

    @property
    def selected(self) -> bool:
        """Whether cross-validation chose the point (not so for a one-point grid)."""
        return self.search.n_splits_ > 0

    @property
    def best_cv_uar(self) -> float:
        return float(self.search.best_score_)

    def selection_record(self) -> dict[str, Any]:
        """The best point and its CV UAR for best_params.json and scores.json; for a one-point
        grid, a CV UAR of None and a line saying that no selection ran."""
        if self.selected:
            return {"best_params": self.best_params, "cv_uar": self.best_cv_uar}
        return {"best_params": self.best_params, "cv_uar": None, "selection": NO_SELECTION}

    def cv_results(self) -> pd.DataFrame:
        """``cv_results_`` as a table, parameters as plain columns, sorted by candidate."""
        table = pd.DataFrame(self.search.cv_results_)
        table["params"] = table["params"].map(lambda p: str(plain_params(p)))
        return table


#: What best_params.json says when a one-point grid was fitted without model selection.
NO_SELECTION = "none: the grid has one point, fitted on every training clip without inner CV"


def needs_selection(points: list[dict[str, Any]]) -> bool:
    """Whether a grid needs model selection by inner cross-validation (more than one point)."""
    return len(points) > 1


def tune(
    classifier: str,
    points: list[dict[str, Any]],
    features: np.ndarray,
    labels: np.ndarray,
    *,
    cv_folds: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
    folds: list[tuple[np.ndarray, np.ndarray]] | None = None,
    cache_dir: str | Path | None = None,
    oversample: bool = False,
    groups: np.ndarray | None = None,
    estimator_params: dict[str, Any] | None = None,
) -> TuningResult:
    """Grid search over ``points`` with stratified ``cv_folds``-fold CV, scored by UAR.

    The folds are scikit-learn's default for ``cv=5`` with a classifier (StratifiedKFold without
    shuffling), so that the selection matches the notebook's GridSearchCV; the best point is
    refitted on all training rows. ``folds``, (training rows, validation rows) index pairs such
    as speaker-grouped folds, replaces them when given.

    The search gives GridSearchCV's scores, ranks and refitted model with less work
    (:mod:`serflow.cv_search`): SVM kernels come from one Gram matrix (:mod:`serflow.svm_search`),
    a forest's largest ``n_estimators`` also scores the smaller ones, fits run longest first on
    ``n_jobs`` workers of one BLAS thread each, and with ``cache_dir`` a rerun after a grid
    change fits only the new points. ``oversample`` balances the classes of each fold's
    training rows and of the refit's (:mod:`serflow.balance`). A one-point grid is fitted
    directly, without CV: the one point would win whatever the folds, so the model is the one a
    search would refit.

    ``groups`` (the rows' speakers) go to the fits of a classifier whose spec asks for them
    (``speaker_groups``); ``estimator_params`` are set on its estimator before the search (the
    ``mlp``'s ``n_layers`` on an SSL all-layers table).
    """
    if not needs_selection(points):
        folds = []
    options = dict(
        cv_folds=cv_folds,
        folds=folds,
        seed=seed,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        oversample=oversample,
    )
    entry = spec(classifier)
    estimator = make_estimator(classifier, seed).set_params(**(estimator_params or {}))
    if entry.search == "kernel_svm" and supports(points):
        search = PrecomputedSVMSearch(points, **options)
    elif entry.search == "forest":
        search = ForestSearch(estimator, points, **options)
    elif entry.speaker_groups:
        if groups is None:
            raise ValueError(f"{classifier} fits on the training rows' speakers: pass groups")
        search = GroupedEstimatorSearch(estimator, points, **options).with_speakers(groups)
    else:
        search = EstimatorSearch(estimator, points, **options)
    return TuningResult(search.fit(features, labels))
