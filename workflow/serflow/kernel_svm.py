"""The SVM that the precomputed-kernel search refits, as one estimator that takes feature rows.

:class:`~serflow.svm_search.PrecomputedSVMSearch` refits its best point as
``SVC(kernel="precomputed")`` (or :class:`~serflow.linear_svm.CappedLinearSVC`) on a kernel it
derives from the Gram matrix of the training rows, and predicts by computing the kernel between
new rows and the training rows. :class:`KernelSVM` does the same fit and the same prediction
with the same arithmetic, but keeps the training rows itself, so that a trained model can be
saved and applied to feature rows of new recordings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from serflow.linear_svm import CappedLinearSVC
from serflow.svm_search import KernelSpec, fit_svc, kernel_from_gram, split_point


def one_vs_rest_scores(values: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class scores from one-vs-one decision values (column per pair (i, j), i < j,
    positive for i): each class's votes plus its summed confidence squashed into (-1/3, 1/3),
    as libsvm-based classifiers report them, so the largest score is the vote winner."""
    votes = np.zeros((len(values), n_classes))
    confidence = np.zeros((len(values), n_classes))
    pair = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            first = values[:, pair] > 0
            votes[first, i] += 1
            votes[~first, j] += 1
            confidence[:, i] += values[:, pair]
            confidence[:, j] -= values[:, pair]
            pair += 1
    return votes + confidence / (3 * (np.abs(confidence) + 1))


def training_kernel(
    spec: KernelSpec, features: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The float64 training rows, their squared norms (the Gram matrix's diagonal), gamma
    resolved on them and their kernel, computed as the precomputed-kernel search's refit does."""
    x = np.ascontiguousarray(features, dtype=np.float64)
    gram = x @ x.T
    norms = np.ascontiguousarray(np.diag(gram))
    gamma = spec.gamma_for(x) if spec.gamma is not None else 0.0
    return x, norms, gamma, kernel_from_gram(spec, gram, norms, norms, gamma)


class KernelSVM(ClassifierMixin, BaseEstimator):
    """``SVC`` on a kernel computed from feature rows as the precomputed-kernel search does.

    Parameters
    ----------
    point
        One SVM grid point (kernel, C, gamma, ...), as in the search's grid.
    seed
        ``random_state`` of the SVC.
    """

    def __init__(self, point: dict[str, Any] | None = None, seed: int = 0) -> None:
        self.point = point
        self.seed = seed

    def _spec(self) -> tuple[KernelSpec, dict[str, Any]]:
        spec, params = split_point(dict(self.point or {}))
        return spec, dict(params)

    def fit(self, features: np.ndarray, labels: np.ndarray) -> KernelSVM:
        """Fit on all rows, with the operations of ``PrecomputedSVMSearch.prepare`` and
        ``refit``: the Gram matrix of the float64 rows, its diagonal as the squared norms, the
        kernel derived from it with gamma resolved on these rows."""
        y = np.asarray(labels)
        spec, params = self._spec()
        x, self.train_norms_, self.gamma_, kernel = training_kernel(spec, features)
        self.train_rows_ = x
        self.svc_ = fit_svc(spec, params, kernel, y, x, self.seed)
        self.classes_ = self.svc_.classes_
        return self

    def kernel(self, features: np.ndarray) -> np.ndarray:
        """The kernel between ``features`` (rows) and the training rows (columns)."""
        x = np.ascontiguousarray(features, dtype=np.float64)
        gram = x @ self.train_rows_.T
        norms = np.einsum("ij,ij->i", x, x)
        spec, _ = self._spec()
        return kernel_from_gram(spec, gram, norms, self.train_norms_, self.gamma_)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The class each row is predicted to have (the search's prediction)."""
        return self.svc_.predict(self.kernel(features))

    def decision_function(self, features: np.ndarray) -> np.ndarray:
        """One score per row and class (see :func:`one_vs_rest_scores`); not probabilities."""
        kernel = self.kernel(features)
        n_classes = len(self.classes_)
        if isinstance(self.svc_, CappedLinearSVC):
            values = self.svc_.decision_values(kernel)
        else:
            values = self.svc_.decision_function(kernel)
            if n_classes == 2:
                # scikit-learn's two-class value is positive for the second class
                return np.column_stack([-values, values])
            if self.svc_.decision_function_shape == "ovr":
                return values
        return one_vs_rest_scores(values.reshape(len(kernel), -1), n_classes)
