"""GridSearchCV's ``cv_results_`` from a search's records, and the candidate it chooses."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import rankdata


def results_table(points: list[dict[str, Any]], records: np.ndarray) -> dict[str, Any]:
    """GridSearchCV's ``cv_results_`` from (candidate, fold, [score, fit s, score s]) records.

    Means, standard deviations and ranks are computed as GridSearchCV computes them (ranks by
    ``method="min"``), so that equal scores give equal ranks and the first wins.
    """
    no_folds = records.shape[1] == 0  # a one-point grid, fitted without cross-validation
    if no_folds:
        records = np.full((len(points), 1, 3), np.nan)
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
    for fold in range(0 if no_folds else scores.shape[1]):
        table[f"split{fold}_test_score"] = scores[:, fold]
    means = np.average(scores, axis=1)
    table["mean_test_score"] = means
    table["std_test_score"] = np.sqrt(np.average((scores - means[:, None]) ** 2, axis=1))
    table["rank_test_score"] = (
        np.ones(len(points), dtype=np.int32)
        if no_folds
        else rankdata(-means, method="min").astype(np.int32)
    )
    return table


def best_candidate(table: dict[str, Any]) -> int:
    """The index of the best-ranked candidate; of equal ranks, the first in grid order."""
    return int(table["rank_test_score"].argmin())
