"""The SVR that the precomputed-kernel search refits, as one estimator that takes feature rows.

:class:`~serflow.svr_search.PrecomputedSVRSearch` refits its best point as
``SVR(kernel="precomputed")`` on a kernel derived from the training rows' Gram matrix and
predicts from the kernel between new rows and the training rows. :class:`KernelSVR` does the
same fit and prediction with the same arithmetic but keeps the training rows itself, so that an
exported regressor predicts from feature rows what the benchmark predicted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.svm import SVR

from serflow.kernel_svm import training_kernel
from serflow.svm_search import kernel_from_gram, split_point
from serflow.svr_search import SVR_PASSED_PARAMS


class KernelSVR(RegressorMixin, BaseEstimator):
    """``SVR`` on a kernel computed from feature rows as the precomputed-kernel search does.

    Parameters
    ----------
    point
        One SVR grid point (kernel, C, epsilon, gamma, ...), as in the search's grid.
    """

    def __init__(self, point: dict[str, Any] | None = None) -> None:
        self.point = point

    def fit(self, features: np.ndarray, targets: np.ndarray) -> KernelSVR:
        """Fit on all rows with the search's refit: the float64 Gram matrix, its diagonal as
        the squared norms, the kernel with gamma resolved on these rows."""
        spec, params = split_point(dict(self.point or {}), SVR_PASSED_PARAMS)
        self.train_rows_, self.train_norms_, self.gamma_, kernel = training_kernel(spec, features)
        self.svr_ = SVR(kernel="precomputed", **dict(params)).fit(kernel, np.asarray(targets))
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The value predicted for each row (the search's prediction)."""
        x = np.ascontiguousarray(features, dtype=np.float64)
        spec, _ = split_point(dict(self.point or {}), SVR_PASSED_PARAMS)
        gram = x @ self.train_rows_.T
        norms = np.einsum("ij,ij->i", x, x)
        kernel = kernel_from_gram(spec, gram, norms, self.train_norms_, self.gamma_)
        return self.svr_.predict(kernel)
