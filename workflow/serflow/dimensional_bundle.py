"""Model bundles of task dimensional: a regressor refitted per dimension from the grid search's
best point, saved in one bundle that `serflow predict` applies to write one column per
dimension (see :mod:`serflow.bundle` for the bundle's layout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits

from serflow.bundle import write_bundle
from serflow.classifier_registry import spec
from serflow.grids import expand_grid
from serflow.kernel_svr import KernelSVR
from serflow.svm_search import supports
from serflow.svr_search import SVR_PASSED_PARAMS


def refit_regressor(
    regressor: str, grid: Any, best_params: dict[str, Any], features: np.ndarray,
    targets: np.ndarray, seed: int, groups: np.ndarray | None = None,
) -> BaseEstimator:  # fmt: skip
    """The best grid point fitted on all training rows as the search's refit fits it
    (:func:`serflow.regression.make_search`): an SVR whose grid the precomputed kernels
    support as :class:`KernelSVR`, any other regressor (and the LinearSVR fall-back) as its
    estimator. One BLAS thread, as in the search's refit. A regressor that fits on speakers
    (``mlp_regressor``) gets the training rows' speakers ``groups``."""
    with threadpool_limits(limits=1):
        if spec(regressor).search == "kernel_svr":
            points, _ = expand_grid(regressor, grid)
            if supports(points, SVR_PASSED_PARAMS):
                return KernelSVR(best_params).fit(features, targets)
        estimator = clone(spec(regressor).make(seed)).set_params(**best_params)
        x, y = np.asarray(features), np.asarray(targets, dtype=np.float64)
        if spec(regressor).speaker_groups:
            if groups is None:
                raise ValueError(f"{regressor} is refitted on the training rows' speakers")
            return estimator.fit(x, y, groups=np.asarray(groups))
        return estimator.fit(x, y)


def save_regressor_bundle(
    folder: str | Path,
    regressors: dict[str, BaseEstimator],
    ranges: dict[str, list[float]],
    feature_names: list[str],
    training_mean: np.ndarray,
    training_std: np.ndarray,
    manifest: dict[str, Any],
) -> dict[str, Any]:
    """Write the bundle of one regressor per dimension (``regressors``, in the order of the
    output's columns), recording the task, the dimensions and each one's rating scale."""
    fields = {
        **manifest,
        "task": "dimensional",
        "dimensions": list(regressors),
        "ranges": {dimension: list(ranges[dimension]) for dimension in regressors},
    }
    return write_bundle(folder, regressors, feature_names, training_mean, training_std, fields)
