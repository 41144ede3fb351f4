"""Grid search of support vector regression on the SVM's precomputed kernels.

SVR is libsvm's epsilon-regression: its kernels are the SVM's, so the search is
:class:`~serflow.svm_search.PrecomputedSVMSearch` (one Gram matrix for every kernel, C and
epsilon, the same ``svm_memory`` budget) with ``SVR(kernel="precomputed")`` as the model and
the regression's parameters passed on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.svm import SVR

from serflow.svm_search import KernelSpec, PrecomputedSVMSearch

#: SVR parameters passed on unchanged to the precomputed-kernel SVR.
SVR_PASSED_PARAMS = frozenset({"C", "epsilon", "shrinking", "tol", "cache_size", "max_iter"})


class PrecomputedSVRSearch(PrecomputedSVMSearch):
    """:class:`~serflow.svm_search.PrecomputedSVMSearch` fitting ``SVR`` (no randomness)."""

    passed_params = SVR_PASSED_PARAMS

    def identity(self) -> str:
        return "SVR on precomputed kernels"

    def fit_kernel_model(
        self,
        spec: KernelSpec,
        params: dict[str, Any],
        kernel: np.ndarray,
        y: np.ndarray,
        x: np.ndarray,
    ) -> SVR:
        return SVR(kernel="precomputed", **params).fit(kernel, y)
