"""The classifiers, their grid search on training speakers, and their test scores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from serflow.classifier_registry import spec
from serflow.cv_search import CachedGridSearch, EstimatorSearch, ForestSearch, plain_params
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
    def best_cv_uar(self) -> float:
        return float(self.search.best_score_)

    def cv_results(self) -> pd.DataFrame:
        """``cv_results_`` as a table, parameters as plain columns, sorted by candidate."""
        table = pd.DataFrame(self.search.cv_results_)
        table["params"] = table["params"].map(lambda p: str(plain_params(p)))
        return table


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
    training rows and of the refit's (:mod:`serflow.balance`).
    """
    options = dict(
        cv_folds=cv_folds,
        folds=folds,
        seed=seed,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        oversample=oversample,
    )
    kind = spec(classifier).search
    if kind == "kernel_svm" and supports(points):
        search = PrecomputedSVMSearch(points, **options)
    elif kind == "forest":
        search = ForestSearch(make_estimator(classifier, seed), points, **options)
    else:
        search = EstimatorSearch(make_estimator(classifier, seed), points, **options)
    return TuningResult(search.fit(features, labels))
