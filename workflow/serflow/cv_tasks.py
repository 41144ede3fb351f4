"""The work of a grid search: its folds, and the (fit group, fold) tasks that are not in the
cache, run longest first on ``n_jobs`` workers of one BLAS thread each."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from serflow.cv_cache import Folds, Record


@dataclass(frozen=True)
class Group:
    """Candidates (indices into the grid) that one fit per fold scores, and its relative cost."""

    candidates: tuple[int, ...]
    cost: float = 1.0


#: A task: the candidates of one group still to score, and the fold's index.
Task = tuple[Group, int]


def plan_folds(
    x: np.ndarray, y: np.ndarray, cv_folds: int, folds: Folds | None, n_points: int
) -> Folds:
    """The given (training rows, validation rows) pairs, or StratifiedKFold without shuffling
    (GridSearchCV's ``cv=k`` for classifiers). No folds (an empty list) only for a one-point
    grid, which is fitted without cross-validation."""
    if folds is None:
        return list(StratifiedKFold(n_splits=cv_folds).split(x, y))
    if not folds and n_points > 1:
        raise ValueError("a grid of several points needs cross-validation folds to choose")
    return [(np.asarray(train), np.asarray(test)) for train, test in folds]


def plan_tasks(
    groups: list[Group], n_folds: int, keys: list[str], cached: dict[str, Record]
) -> list[Task]:
    """One task per group and fold, restricted to the candidates not in the cache, longest
    first, so that no worker is left with a long fit while the other idles."""
    tasks = []
    for group in groups:
        for fold in range(n_folds):
            missing = [i for i in group.candidates if f"{keys[i]}|{fold}" not in cached]
            if missing:
                tasks.append((Group(tuple(missing), group.cost), fold))
    tasks.sort(key=lambda task: -task[0].cost)
    return tasks


FitGroup = Callable[[Group, Any, np.ndarray, np.ndarray, tuple], list[Record]]


def _quietly(fit_group: FitGroup, *args: Any) -> list[Record]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        return fit_group(*args)


def run_tasks(
    fit_group: FitGroup,
    tasks: list[Task],
    shared: Any,
    x: np.ndarray,
    y: np.ndarray,
    folds: Folds,
    *,
    n_jobs: int,
    prefer: str,
) -> list[list[Record]]:
    """The records of every task, in task order.

    ``prefer`` is "processes" (loky, for fits that hold the GIL) or "threads". Workers get one
    BLAS thread each: loky workers through their environment (which otherwise inherits the
    thread count Snakemake exports for the whole job), threads through the process-wide limit.
    """
    backend = {"processes": "loky", "threads": "threading"}[prefer]
    with (
        parallel_config(backend=backend, inner_max_num_threads=1)
        if backend == "loky"
        else parallel_config(backend=backend),
        threadpool_limits(limits=1),
    ):
        return Parallel(n_jobs=n_jobs)(
            delayed(_quietly)(fit_group, group, shared, x, y, folds[fold]) for group, fold in tasks
        )
