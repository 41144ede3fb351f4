"""Cross-validated grid search that fits only what it must, with GridSearchCV's results.

GridSearchCV fits every (candidate, fold) pair from scratch, in grid order. The searches here
give the same scores, ranks and refitted model, but

* fit *groups*: one fit may score several candidates (a 200-tree forest also scores its first
  50 and 100 trees; one SVM kernel serves every C, see :mod:`serflow.svm_search`);
* run the (group, fold) tasks longest first on ``n_jobs`` workers of one BLAS thread each, so
  that both cores stay busy to the end and BLAS threads do not oversubscribe them;
* optionally keep every (candidate, fold) score in a cache file keyed by the data, the folds
  and the estimator, so that a rerun after a grid change fits only the new candidates.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits

from serflow.balance import oversample, oversampled_folds
from serflow.cv_cache import Folds, Record, ScoreCache, plain_params, point_key
from serflow.cv_results import best_candidate, results_table
from serflow.cv_tasks import Group, plan_folds, plan_tasks, run_tasks
from serflow.leakage import check_early_stopping
from serflow.metrics import uar

log = logging.getLogger(__name__)

__all__ = [
    "CachedGridSearch",
    "EstimatorSearch",
    "ForestSearch",
    "Group",
    "GroupedEstimatorSearch",
    "Record",
    "plain_params",
    "results_table",
]

#: A validation score, higher is better: (true targets, predictions) -> float.
Score = Callable[[np.ndarray, np.ndarray], float]


class CachedGridSearch(BaseEstimator):
    """Base of the searches: the folds (:func:`~serflow.cv_tasks.plan_folds`), the cache
    (:class:`~serflow.cv_cache.ScoreCache`), the tasks (:mod:`serflow.cv_tasks`) and the best
    candidate (:mod:`serflow.cv_results`) put together.

    Subclasses say how candidates group into fits (:meth:`groups`), fit one group on one fold
    (:meth:`fit_group`) and refit the best candidate on all rows (:meth:`refit`); they may
    compute data that every task shares once (:meth:`prepare`).

    Parameters
    ----------
    points
        Grid points in GridSearchCV's order; ties in the mean score go to the first.
    cv_folds
        Folds of StratifiedKFold without shuffling (GridSearchCV's ``cv=k`` for classifiers).
    folds
        Explicit (training rows, validation rows) pairs used instead, when given; an empty
        list, for a one-point grid, fits that point on all rows without cross-validation
        (``cv_results_`` then has no split scores, a NaN mean and rank 1).
    seed
        Seed of every estimator that has randomness.
    n_jobs
        Parallel workers.
    cache_dir
        Folder of the score cache; ``None`` computes everything.
    oversample
        Whether each fold's training rows and the refit's rows are oversampled to equal class
        counts (:func:`serflow.balance.oversample`, seeded); validation rows never are.
    score
        The validation score the search maximises: UAR (:func:`serflow.metrics.uar`) for
        classifiers, CCC (:func:`serflow.metrics.ccc`) for the regressors of dimensions.
        A module-level function, so that worker processes can receive it.
    """

    #: "processes" (loky, for fits that hold the GIL) or "threads" (fits that release it).
    prefer = "processes"

    def __init__(
        self,
        points: list[dict[str, Any]],
        *,
        cv_folds: int = 5,
        folds: Folds | None = None,
        seed: int = 0,
        n_jobs: int = 1,
        cache_dir: str | Path | None = None,
        oversample: bool = False,
        score: Score = uar,
    ) -> None:
        self.points = points
        self.cv_folds = cv_folds
        self.folds = folds
        self.seed = seed
        self.n_jobs = n_jobs
        self.cache_dir = cache_dir
        self.oversample = oversample
        self.score = score

    # -- what subclasses define -------------------------------------------------------------

    def identity(self) -> str:
        """What, besides the data and a point, determines a score (estimator class, seed)."""
        raise NotImplementedError

    def check_points(self) -> None:
        """Raise ValueError for a grid this search cannot run (checked when fitting)."""
        if not self.points:
            raise ValueError("the grid has no point")

    def groups(self, n_features: int) -> list[Group]:
        """Candidates that share a fit; by default each its own."""
        return [Group((index,)) for index in range(len(self.points))]

    def prepare(self, x: np.ndarray, y: np.ndarray) -> Any:
        """Data every task needs, computed once (nothing by default)."""
        return None

    def fit_group(
        self, group: Group, shared: Any, x: np.ndarray, y: np.ndarray, fold: tuple
    ) -> list[Record]:
        """One record per candidate of ``group`` on one (training, validation) fold."""
        raise NotImplementedError

    def refit(self, index: int, shared: Any, x: np.ndarray, y: np.ndarray) -> Any:
        """The best candidate (``index``) fitted on all rows."""
        raise NotImplementedError

    # -- the search ---------------------------------------------------------------------------

    def fit(self, features: np.ndarray, labels: np.ndarray) -> CachedGridSearch:
        """Cross-validate every point, then refit the best one on all rows."""
        self.check_points()
        x = self._as_input(features)
        y = np.asarray(labels)
        folds = plan_folds(x, y, self.cv_folds, self.folds, len(self.points))
        if self.oversample:  # changes the folds, hence the cache file too
            folds = oversampled_folds(folds, y, self.seed)
        cache = ScoreCache(self.cache_dir, self.identity() + self._score_identity())
        cache_file = cache.path(x, y, folds)
        records = cache.read(cache_file)
        keys = [point_key(point) for point in self.points]
        tasks = plan_tasks(self.groups(x.shape[1]), len(folds), keys, records)
        self.n_cached_points_ = sum(
            all(f"{key}|{fold}" in records for fold in range(len(folds))) for key in keys
        )
        if folds and self.cache_dir is not None:
            log.info(
                "CV cache: %d of %d grid points had all %d fold scores cached (%s); "
                "%d computed now",
                self.n_cached_points_,
                len(keys),
                len(folds),
                cache_file,
                len(keys) - self.n_cached_points_,
            )
        shared = self.prepare(x, y)
        outcomes = run_tasks(
            self.fit_group, tasks, shared, x, y, folds, n_jobs=self.n_jobs, prefer=self.prefer
        )
        for (group, fold), outcome in zip(tasks, outcomes, strict=True):
            for index, record in zip(group.candidates, outcome, strict=True):
                records[f"{keys[index]}|{fold}"] = record
        if tasks:
            cache.write(cache_file, records)
        self.n_fitted_tasks_ = len(tasks)
        self.n_computed_scores_ = sum(len(group.candidates) for group, _ in tasks)

        table = np.array(
            [[records[f"{key}|{fold}"] for fold in range(len(folds))] for key in keys],
            dtype=np.float64,
        ).reshape(len(keys), len(folds), 3)
        self.n_splits_ = len(folds)
        self.cv_results_ = results_table(self.points, table)
        self.best_index_ = best_candidate(self.cv_results_)
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        # the rows the refit is fitted on, in order (oversampled: some repeated)
        self.refit_rows_ = np.arange(len(y))
        if self.oversample:
            self.refit_rows_ = oversample(self.refit_rows_, y, self.seed)
            x, y = x[self.refit_rows_], y[self.refit_rows_]
            shared = self.prepare(x, y)
        start = time.perf_counter()
        with threadpool_limits(limits=1):
            self.best_estimator_ = self.refit(self.best_index_, shared, x, y)
        self.refit_time_ = time.perf_counter() - start
        if hasattr(self.best_estimator_, "classes_"):  # classifiers; regressors have none
            self.classes_ = self.best_estimator_.classes_
        return self

    def _score_identity(self) -> str:
        """The score in the cache key; empty for UAR, so that the classifiers' cache files
        keep their names."""
        if self.score is uar:
            return ""
        return f" scored by {self.score.__module__}.{self.score.__name__}"

    @staticmethod
    def _as_input(features: np.ndarray) -> np.ndarray:
        return np.asarray(features)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Labels (or values) predicted by the refitted best candidate."""
        return self.best_estimator_.predict(self._as_input(features))

    def class_probabilities(self, features: np.ndarray) -> np.ndarray | None:
        """Class probabilities (columns in ``classes_`` order) of the refitted best candidate,
        or None where it gives none (an SVM without Platt scaling): what calibration needs."""
        if not hasattr(self.best_estimator_, "predict_proba"):
            return None
        return self.best_estimator_.predict_proba(self._as_input(features))


class EstimatorSearch(CachedGridSearch):
    """Any scikit-learn classifier or regressor, each (candidate, fold) fitted as GridSearchCV
    fits it."""

    def __init__(
        self,
        estimator: BaseEstimator,
        points: list[dict[str, Any]],
        *,
        cv_folds: int = 5,
        folds: Folds | None = None,
        seed: int = 0,
        n_jobs: int = 1,
        cache_dir: str | Path | None = None,
        oversample: bool = False,
        score: Score = uar,
    ) -> None:
        super().__init__(
            points,
            cv_folds=cv_folds,
            folds=folds,
            seed=seed,
            n_jobs=n_jobs,
            cache_dir=cache_dir,
            oversample=oversample,
            score=score,
        )
        self.estimator = estimator

    def identity(self) -> str:
        return repr(self.estimator)

    def fit_group(
        self, group: Group, shared: Any, x: np.ndarray, y: np.ndarray, fold: tuple
    ) -> list[Record]:
        train, test = fold
        out = []
        for index in group.candidates:
            start = time.perf_counter()
            model = self.fit_point(index, x, y, train, test)
            fitted = time.perf_counter()
            score = self.score(y[test], model.predict(x[test]))
            out.append((score, fitted - start, time.perf_counter() - fitted))
        return out

    def fit_point(
        self, index: int, x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray
    ) -> Any:
        """Candidate ``index`` fitted on the rows ``train`` (``test``: the rows it is scored on)."""
        return clone(self.estimator).set_params(**self.points[index]).fit(x[train], y[train])

    def refit(self, index: int, shared: Any, x: np.ndarray, y: np.ndarray) -> Any:
        return clone(self.estimator).set_params(**self.points[index]).fit(x, y)


class GroupedEstimatorSearch(EstimatorSearch):
    """An estimator whose ``fit`` takes the rows' speakers (as ``groups``), as the ``mlp`` and
    ``mlp_regressor`` do for early stopping on a validation part of their own training speakers.

    ``speakers`` holds the speaker of every row; each fit gets those of its training rows only,
    and the speakers it held out for early stopping (``validation_speakers_``) are checked to be
    none of the speakers it is scored on.
    """

    speakers: np.ndarray

    def with_speakers(self, speakers: np.ndarray) -> GroupedEstimatorSearch:
        """This search with the rows' speakers set."""
        self.speakers = np.asarray(speakers)
        return self

    def fit_point(
        self, index: int, x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray
    ) -> Any:
        model = clone(self.estimator).set_params(**self.points[index])
        model.fit(x[train], y[train], groups=self.speakers[train])
        check_early_stopping(model.validation_speakers_, self.speakers[test], "an inner fold")
        return model

    def refit(self, index: int, shared: Any, x: np.ndarray, y: np.ndarray) -> Any:
        model = clone(self.estimator).set_params(**self.points[index])
        return model.fit(x, y, groups=self.speakers[self.refit_rows_])


class ForestSearch(EstimatorSearch):
    """Random forests: one fit of the largest ``n_estimators`` scores every smaller one.

    A forest draws its trees' seeds one after another from ``random_state``, so the first
    ``n`` trees of a larger forest are the trees a forest of ``n`` would grow, and their vote
    (a regression forest's mean) is that forest's. Candidates that differ only in
    ``n_estimators`` share a fit.
    """

    def groups(self, n_features: int) -> list[Group]:
        by_rest: dict[str, list[int]] = {}
        for index, point in enumerate(self.points):
            rest = {key: value for key, value in point.items() if key != "n_estimators"}
            by_rest.setdefault(point_key(rest), []).append(index)
        groups = []
        for members in by_rest.values():
            trees = max(self._trees(self.points[index]) for index in members)
            split = _features_per_split(self.points[members[0]], self.estimator, n_features)
            groups.append(Group(tuple(members), cost=float(trees * split)))
        return groups

    def _trees(self, point: dict[str, Any]) -> int:
        return int(point.get("n_estimators", self.estimator.get_params()["n_estimators"]))

    def fit_group(
        self, group: Group, shared: Any, x: np.ndarray, y: np.ndarray, fold: tuple
    ) -> list[Record]:
        train, test = fold
        largest = max(group.candidates, key=lambda index: self._trees(self.points[index]))
        start = time.perf_counter()
        forest = clone(self.estimator).set_params(**self.points[largest])
        forest.fit(x[train], y[train])
        fit_seconds = time.perf_counter() - start
        trees = forest.estimators_
        out = []
        for index in group.candidates:
            start = time.perf_counter()
            count = self._trees(self.points[index])
            forest.estimators_ = trees[:count]
            forest.n_estimators = count
            score = self.score(y[test], forest.predict(x[test]))
            share = fit_seconds * count / len(trees)
            out.append((score, share, time.perf_counter() - start))
        return out


def _features_per_split(point: dict[str, Any], estimator: BaseEstimator, n_features: int) -> int:
    """How many features a tree considers per split (its cost grows with it)."""
    option = point.get("max_features", estimator.get_params().get("max_features", "sqrt"))
    if option in ("sqrt", "auto"):
        return max(1, int(math.sqrt(n_features)))
    if option == "log2":
        return max(1, int(math.log2(n_features)))
    if option is None:
        return n_features
    if isinstance(option, float):
        return max(1, int(option * n_features))
    return int(option)
