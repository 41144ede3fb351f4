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

import hashlib
import json
import math
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from joblib import Parallel, delayed, parallel_config
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from serflow.metrics import uar
from serflow.tables import current_umask

Folds = list[tuple[np.ndarray, np.ndarray]]
#: (UAR on the validation rows, fit seconds, score seconds) of one candidate on one fold.
Record = tuple[float, float, float]


@dataclass(frozen=True)
class Group:
    """Candidates (indices into the grid) that one fit per fold scores, and its relative cost."""

    candidates: tuple[int, ...]
    cost: float = 1.0


class CachedGridSearch(BaseEstimator):
    """Base of the searches: folds, scheduling, cache, ``cv_results_`` and the best candidate.

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
        Explicit (training rows, validation rows) pairs used instead, when given.
    seed
        Seed of every estimator that has randomness.
    n_jobs
        Parallel workers.
    cache_dir
        Folder of the score cache; ``None`` computes everything.
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
    ) -> None:
        self.points = points
        self.cv_folds = cv_folds
        self.folds = folds
        self.seed = seed
        self.n_jobs = n_jobs
        self.cache_dir = cache_dir

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
        if self.folds is None:
            folds = list(StratifiedKFold(n_splits=self.cv_folds).split(x, y))
        else:
            folds = [(np.asarray(train), np.asarray(test)) for train, test in self.folds]
        cache_file = self._cache_file(x, y, folds)
        cached = self._read_cache(cache_file)
        keys = [self._point_key(point) for point in self.points]

        # A task is one group on one fold, restricted to the candidates not in the cache.
        tasks = []
        for group in self.groups(x.shape[1]):
            for fold in range(len(folds)):
                missing = [i for i in group.candidates if f"{keys[i]}|{fold}" not in cached]
                if missing:
                    tasks.append((Group(tuple(missing), group.cost), fold))
        # Longest first, so that no worker is left with a long fit while the other idles.
        tasks.sort(key=lambda task: -task[0].cost)
        shared = self.prepare(x, y)
        backend = {"processes": "loky", "threads": "threading"}[self.prefer]
        # Workers get one BLAS thread each: loky workers through their environment (which
        # otherwise inherits the thread count Snakemake exports for the whole job), threads
        # through the process-wide limit.
        with (
            parallel_config(backend=backend, inner_max_num_threads=1)
            if backend == "loky"
            else parallel_config(backend=backend),
            threadpool_limits(limits=1),
        ):
            outcomes = Parallel(n_jobs=self.n_jobs)(
                delayed(self._run_task)(group, shared, x, y, folds[fold]) for group, fold in tasks
            )
        records = dict(cached)
        for (group, fold), outcome in zip(tasks, outcomes, strict=True):
            for index, record in zip(group.candidates, outcome, strict=True):
                records[f"{keys[index]}|{fold}"] = record
        if tasks:
            self._write_cache(cache_file, records)
        self.n_fitted_tasks_ = len(tasks)
        self.n_computed_scores_ = sum(len(group.candidates) for group, _ in tasks)

        table = np.array(
            [[records[f"{key}|{fold}"] for fold in range(len(folds))] for key in keys],
            dtype=np.float64,
        )
        self.n_splits_ = len(folds)
        self.cv_results_ = results_table(self.points, table)
        self.best_index_ = int(self.cv_results_["rank_test_score"].argmin())
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        start = time.perf_counter()
        with threadpool_limits(limits=1):
            self.best_estimator_ = self.refit(self.best_index_, shared, x, y)
        self.refit_time_ = time.perf_counter() - start
        self.classes_ = self.best_estimator_.classes_
        return self

    def _run_task(
        self, group: Group, shared: Any, x: np.ndarray, y: np.ndarray, fold: tuple
    ) -> list[Record]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            return self.fit_group(group, shared, x, y, fold)

    @staticmethod
    def _as_input(features: np.ndarray) -> np.ndarray:
        return np.asarray(features)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Labels predicted by the refitted best candidate."""
        return self.best_estimator_.predict(self._as_input(features))

    def class_probabilities(self, features: np.ndarray) -> np.ndarray | None:
        """Class probabilities (columns in ``classes_`` order) of the refitted best candidate,
        or None where it gives none (an SVM without Platt scaling): what calibration needs."""
        if not hasattr(self.best_estimator_, "predict_proba"):
            return None
        return self.best_estimator_.predict_proba(self._as_input(features))

    # -- the cache ----------------------------------------------------------------------------

    def _point_key(self, point: dict[str, Any]) -> str:
        return json.dumps(plain_params(point), sort_keys=True)

    def _cache_file(self, x: np.ndarray, y: np.ndarray, folds: Folds) -> Path | None:
        """One file per data x labels x folds x estimator x library version."""
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256()
        digest.update(f"{x.dtype}{x.shape}".encode())
        digest.update(np.ascontiguousarray(x).tobytes())
        digest.update("\0".join(map(str, y)).encode())
        for train, test in folds:
            digest.update(np.asarray(train, dtype=np.int64).tobytes() + b"|")
            digest.update(np.asarray(test, dtype=np.int64).tobytes() + b"/")
        digest.update(f"{self.identity()} sklearn {sklearn.__version__}".encode())
        return Path(self.cache_dir) / f"{digest.hexdigest()[:32]}.json"

    @staticmethod
    def _read_cache(path: Path | None) -> dict[str, Record]:
        if path is None or not path.exists():
            return {}
        try:
            return {key: tuple(value) for key, value in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            return {}  # an unreadable cache is recomputed, never trusted

    @staticmethod
    def _write_cache(path: Path | None, records: dict[str, Record]) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(handle, 0o666 & ~current_umask())
        with os.fdopen(handle, "w") as stream:
            json.dump({key: list(value) for key, value in sorted(records.items())}, stream)
        os.replace(temp, path)


class EstimatorSearch(CachedGridSearch):
    """Any scikit-learn classifier, each (candidate, fold) fitted as GridSearchCV fits it."""

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
    ) -> None:
        super().__init__(
            points, cv_folds=cv_folds, folds=folds, seed=seed, n_jobs=n_jobs, cache_dir=cache_dir
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
            model = clone(self.estimator).set_params(**self.points[index])
            model.fit(x[train], y[train])
            fitted = time.perf_counter()
            score = uar(y[test], model.predict(x[test]))
            out.append((score, fitted - start, time.perf_counter() - fitted))
        return out

    def refit(self, index: int, shared: Any, x: np.ndarray, y: np.ndarray) -> Any:
        return clone(self.estimator).set_params(**self.points[index]).fit(x, y)


class ForestSearch(EstimatorSearch):
    """Random forests: one fit of the largest ``n_estimators`` scores every smaller one.

    A forest draws its trees' seeds one after another from ``random_state``, so the first
    ``n`` trees of a larger forest are the trees a forest of ``n`` would grow, and their vote
    is that forest's vote. Candidates that differ only in ``n_estimators`` share a fit.
    """

    def groups(self, n_features: int) -> list[Group]:
        by_rest: dict[str, list[int]] = {}
        for index, point in enumerate(self.points):
            rest = {key: value for key, value in point.items() if key != "n_estimators"}
            by_rest.setdefault(self._point_key(rest), []).append(index)
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
            score = uar(y[test], forest.predict(x[test]))
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


def results_table(points: list[dict[str, Any]], records: np.ndarray) -> dict[str, Any]:
    """GridSearchCV's ``cv_results_`` from (candidate, fold, [score, fit s, score s]) records.

    Means, standard deviations and ranks are computed as GridSearchCV computes them (ranks by
    ``method="min"``), so that equal scores give equal ranks and the first wins.
    """
    scores, fit_times, score_times = records[..., 0], records[..., 1], records[..., 2]
    table: dict[str, Any] = {
        "mean_fit_time": fit_times.mean(axis=1),
        "std_fit_time": fit_times.std(axis=1),
        "mean_score_time": score_times.mean(axis=1),
        "std_score_time": score_times.std(axis=1),
    }
    for key in sorted({key for point in points for key in point}):
        column = np.ma.MaskedArray(np.empty(len(points), dtype=object), mask=True)
        for index, point in enumerate(points):
            if key in point:
                column[index] = point[key]
        table[f"param_{key}"] = column
    table["params"] = [dict(point) for point in points]
    for fold in range(scores.shape[1]):
        table[f"split{fold}_test_score"] = scores[:, fold]
    means = np.average(scores, axis=1)
    table["mean_test_score"] = means
    table["std_test_score"] = np.sqrt(np.average((scores - means[:, None]) ** 2, axis=1))
    table["rank_test_score"] = rankdata(-means, method="min").astype(np.int32)
    return table


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with numpy scalars turned into plain Python values (for JSON)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
