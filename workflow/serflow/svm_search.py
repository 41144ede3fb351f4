"""SVM grid search that computes the Gram matrix once and reuses it for every kernel and C.

scikit-learn's ``SVC`` evaluates its kernel inside libsvm, one dot product of two feature rows
at a time, in every fit: a grid of kernels x gamma x C x folds recomputes the same dot products
hundreds of times. Every kernel that ``SVC`` offers is a function of the dot product (and of the
squared norms, for rbf), so this module computes ``X @ X.T`` once for all training rows, derives
each (kernel, gamma, degree, coef0) kernel from it element-wise, slices the folds out of it and
fits ``SVC(kernel="precomputed")`` for every C. Candidates that differ only in a parameter their
kernel ignores (gamma of the linear kernel) share one fit. Linear-kernel fits go through
:class:`~serflow.linear_svm.CappedLinearSVC`, which solves a class pair as a QP when libsvm has
not finished it in ``ITERATION_LIMIT`` SMO iterations (no pair reached it on the EmoDB-sized
corpora measured; where one does, its decision values are the exact optimum's, not SMO's).

The search reproduces ``GridSearchCV(SVC(), points, cv=StratifiedKFold(k),
scoring="recall_macro")``: same folds, same candidate order, same per-split scores up to floating
point rounding of the kernel values, same ranking and tie-breaking (lowest rank, first index),
and a refit of the best candidate on all training rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.svm import SVC

from serflow.cv_search import CachedGridSearch, Group, Record
from serflow.linear_svm import ITERATION_LIMIT, LINEAR_PARAMS, CappedLinearSVC

#: The parameters each kernel reads, with SVC's defaults; the others are ignored by that kernel.
KERNEL_PARAMS: dict[str, dict[str, Any]] = {
    "linear": {},
    "rbf": {"gamma": "scale"},
    "poly": {"gamma": "scale", "degree": 3, "coef0": 0.0},
    "sigmoid": {"gamma": "scale", "coef0": 0.0},
}
#: SVC parameters that are passed on unchanged to the precomputed-kernel SVC.
PASSED_PARAMS = {
    "C",
    "shrinking",
    "tol",
    "cache_size",
    "class_weight",
    "max_iter",
    "decision_function_shape",
    "break_ties",
}


@dataclass(frozen=True)
class KernelSpec:
    """One kernel function: its name and the parameters it reads (None where it reads none)."""

    kernel: str
    gamma: float | str | None = None
    degree: int | None = None
    coef0: float | None = None

    def gamma_for(self, x: np.ndarray) -> float:
        """The numeric gamma SVC would use when fitted on rows ``x`` ("scale", "auto" resolved)."""
        if self.gamma == "scale":
            variance = x.var()
            return 1.0 / (x.shape[1] * variance) if variance != 0 else 1.0
        if self.gamma == "auto":
            return 1.0 / x.shape[1]
        return float(self.gamma)


def supports(
    points: list[dict[str, Any]], passed: frozenset[str] | set[str] = PASSED_PARAMS
) -> bool:
    """Whether every grid point can be searched with precomputed kernels.

    That is the case when each point names a built-in kernel (or none, meaning rbf), a gamma
    that is a positive number, "scale" or "auto", and otherwise only parameters that libsvm
    uses the same way with a precomputed kernel (``passed``: SVC's, or another libsvm
    model's such as SVR's).
    """
    for point in points:
        kernel = point.get("kernel", "rbf")
        if not isinstance(kernel, str) or kernel not in KERNEL_PARAMS:
            return False
        gamma = point.get("gamma", "scale")
        if isinstance(gamma, str):
            if gamma not in ("scale", "auto"):
                return False
        elif isinstance(gamma, bool) or not isinstance(gamma, int | float) or gamma <= 0:
            return False
        allowed = set(passed) | {"kernel", "gamma", "degree", "coef0"}
        if not set(point) <= allowed:
            return False
    return True


def split_point(
    point: dict[str, Any], passed: frozenset[str] | set[str] = PASSED_PARAMS
) -> tuple[KernelSpec, tuple[tuple[str, Any], ...]]:
    """A grid point as its kernel and the remaining parameters of ``passed`` (sorted, hashable).

    Parameters the kernel ignores are dropped, so that points differing only in them map to
    the same fit.
    """
    kernel = point.get("kernel", "rbf")
    reads = {key: point.get(key, default) for key, default in KERNEL_PARAMS[kernel].items()}
    if isinstance(reads.get("gamma"), int | float):
        reads["gamma"] = float(reads["gamma"])
    if "degree" in reads:
        reads["degree"] = int(reads["degree"])
    if "coef0" in reads:
        reads["coef0"] = float(reads["coef0"])
    spec = KernelSpec(kernel, **reads)
    rest = tuple(sorted((key, value) for key, value in point.items() if key in passed))
    return spec, rest


def fit_svc(
    spec: KernelSpec,
    params: dict[str, Any],
    kernel: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    seed: int,
) -> SVC | CappedLinearSVC:
    """``SVC(kernel="precomputed", **params)`` fitted on ``kernel``, the kernel of rows ``x``.

    A linear kernel with SVC's default ``max_iter`` goes to :class:`CappedLinearSVC`: the same
    one-vs-one fits and votes, except that a class pair which libsvm's SMO cannot solve within
    ``ITERATION_LIMIT`` iterations is solved exactly as a QP (on large non-separable corpora a
    single linear fit at C=1000 otherwise takes minutes).
    """
    if spec.kernel == "linear" and set(params) <= LINEAR_PARAMS:
        return CappedLinearSVC(**params).fit(kernel, y, x)
    return SVC(kernel="precomputed", random_state=seed, **params).fit(kernel, y)


def _powi(base: np.ndarray, times: int) -> np.ndarray:
    """``base ** times`` by repeated squaring, multiplied in the order libsvm's powi uses."""
    result = np.ones_like(base)
    factor = base.copy()
    while times > 0:
        if times % 2 == 1:
            result = result * factor
        factor = factor * factor
        times //= 2
    return result


def kernel_from_gram(
    spec: KernelSpec,
    gram: np.ndarray,
    row_norms: np.ndarray,
    col_norms: np.ndarray,
    gamma: float,
) -> np.ndarray:
    """A kernel block from the dot products ``gram`` of its rows and columns.

    ``row_norms`` and ``col_norms`` are the squared norms of the rows and columns (used by
    rbf only). The formulas and their order of operations are libsvm's, with SVC's defaults.
    """
    if spec.kernel == "linear":
        return gram
    if spec.kernel == "rbf":
        distances = (row_norms[:, None] + col_norms[None, :]) - 2.0 * gram
        return np.exp(-gamma * distances)
    if spec.kernel == "poly":
        return _powi(gamma * gram + spec.coef0, spec.degree)
    if spec.kernel == "sigmoid":
        return np.tanh(gamma * gram + spec.coef0)
    raise ValueError(f"kernel {spec.kernel!r} is not one of {sorted(KERNEL_PARAMS)}")


class PrecomputedSVMSearch(CachedGridSearch):
    """Grid search of ``SVC`` over ``points`` with kernels derived from one Gram matrix.

    After :meth:`fit` it has GridSearchCV's ``cv_results_``, ``best_index_``, ``best_params_``,
    ``best_score_``, ``n_splits_`` and ``refit_time_``; ``best_estimator_`` is the refitted
    ``SVC(kernel="precomputed")``, and :meth:`predict` computes the kernel between new rows and
    the training rows for it. Options as :class:`~serflow.cv_search.CachedGridSearch`; the
    (kernel, fold) tasks run on ``n_jobs`` threads, as libsvm releases the GIL while fitting.
    """

    prefer = "threads"
    #: The parameters passed on to the precomputed-kernel model (besides the kernel's own).
    passed_params = PASSED_PARAMS

    def check_points(self) -> None:
        if not self.points:
            raise ValueError("the SVM grid has no point")
        if not supports(self.points, self.passed_params):
            raise ValueError(
                f"the SVM grid {self.points} has a point that precomputed kernels cannot "
                "reproduce; use GridSearchCV for it"
            )

    def fit(self, features: np.ndarray, labels: np.ndarray) -> PrecomputedSVMSearch:
        """Cross-validate every point on kernels from one Gram matrix, then refit the best."""
        self.check_points()
        self.kernel_fits_ = [split_point(point, self.passed_params) for point in self.points]
        return super().fit(features, labels)

    def identity(self) -> str:
        return (
            f"SVC(random_state={self.seed}) on precomputed kernels, linear class pairs "
            f"solved as a QP after {ITERATION_LIMIT} SMO iterations"
        )

    @staticmethod
    def _as_input(features: np.ndarray) -> np.ndarray:
        # SVC fits float64; the same values give the same dot products.
        return np.ascontiguousarray(features, dtype=np.float64)

    def groups(self, n_features: int) -> list[Group]:
        by_kernel: dict[KernelSpec, list[int]] = {}
        for index, (spec, _) in enumerate(self.kernel_fits_):
            by_kernel.setdefault(spec, []).append(index)
        return [Group(tuple(members)) for members in by_kernel.values()]

    def prepare(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gram = x @ x.T
        return gram, np.ascontiguousarray(np.diag(gram))

    def fit_group(
        self, group: Group, shared: Any, x: np.ndarray, y: np.ndarray, fold: tuple
    ) -> list[Record]:
        gram, norms = shared
        train, test = fold
        spec = self.kernel_fits_[group.candidates[0]][0]
        start = time.perf_counter()
        gamma = spec.gamma_for(x[train]) if spec.gamma is not None else 0.0
        train_kernel = kernel_from_gram(
            spec, gram[np.ix_(train, train)], norms[train], norms[train], gamma
        )
        test_kernel = kernel_from_gram(
            spec, gram[np.ix_(test, train)], norms[test], norms[train], gamma
        )
        distinct = list(dict.fromkeys(self.kernel_fits_[index][1] for index in group.candidates))
        kernel_seconds = (time.perf_counter() - start) / len(distinct)
        by_params: dict[tuple, Record] = {}
        for params in distinct:
            start = time.perf_counter()
            model = self.fit_kernel_model(spec, dict(params), train_kernel, y[train], x[train])
            fitted = time.perf_counter()
            score = self.score(y[test], model.predict(test_kernel))
            by_params[params] = (
                score,
                fitted - start + kernel_seconds,
                time.perf_counter() - fitted,
            )
        return [by_params[self.kernel_fits_[index][1]] for index in group.candidates]

    def refit(self, index: int, shared: Any, x: np.ndarray, y: np.ndarray) -> SVC:
        gram, norms = shared
        self._spec, params = self.kernel_fits_[index]
        self._train, self._train_norms = x, norms
        self._gamma = self._spec.gamma_for(x) if self._spec.gamma is not None else 0.0
        kernel = kernel_from_gram(self._spec, gram, norms, norms, self._gamma)
        return self.fit_kernel_model(self._spec, dict(params), kernel, y, x)

    def fit_kernel_model(
        self,
        spec: KernelSpec,
        params: dict[str, Any],
        kernel: np.ndarray,
        y: np.ndarray,
        x: np.ndarray,
    ) -> Any:
        """The model fitted on a precomputed ``kernel`` of rows ``x``: :func:`fit_svc`."""
        return fit_svc(spec, params, kernel, y, x, self.seed)

    def decision_kernel(self, features: np.ndarray) -> np.ndarray:
        """The best kernel between ``features`` (rows) and the training rows (columns)."""
        x = self._as_input(features)
        gram = x @ self._train.T
        norms = np.einsum("ij,ij->i", x, x)
        return kernel_from_gram(self._spec, gram, norms, self._train_norms, self._gamma)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """What the refitted best model predicts for each row of ``features`` (the SVC's
        emotion, the SVR's value)."""
        return self.best_estimator_.predict(self.decision_kernel(features))
