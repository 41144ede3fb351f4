"""Linear-kernel SVC with an exact QP solve for the class pairs where libsvm stalls.

``SVC`` trains one binary SVM per pair of classes with libsvm's SMO solver. With a linear kernel
and a large C on data that are not separable, SMO can need tens of millions of iterations for
one pair (minutes, at 10x EmoDB's size), although the problem is a small quadratic programme: a
weight per feature, an intercept and a slack per clip. :class:`CappedLinearSVC` fits ``SVC`` with
an iteration limit per pair; a pair whose SMO run reaches it is solved again by
:func:`solve_linear_svm`, an interior-point method on the primal problem, which reaches the same
optimum, more tightly than SMO's stopping tolerance, in a few dozen linear solves of the size of
the feature count.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator
from sklearn.svm import SVC

#: SMO iterations on one class pair after which the pair is solved as a QP instead. On the
#: EmoDB-sized corpora no linear pair needs more than about 8,000; at 10x, C=100 needs 46 million.
ITERATION_LIMIT = 100_000
#: SVC parameters CappedLinearSVC takes (class weights would need a C per class in the QP).
LINEAR_PARAMS = {"C", "shrinking", "tol", "cache_size"}


def solve_linear_svm(
    features: np.ndarray,
    signs: np.ndarray,
    c: float,
    *,
    tolerance: float = 1e-8,
    max_iterations: int = 100,
) -> tuple[np.ndarray, float]:
    """Solve the soft-margin linear SVM on ``features`` with labels ``signs`` (+1/-1).

    The primal problem, min 1/2 |w|^2 + c sum(xi) subject to signs * (features @ w + b) >= 1 - xi
    and xi >= 0, is solved by Mehrotra's predictor-corrector interior-point method; each Newton
    step is one symmetric solve in (w, b), so the cost is rows x features^2 per iteration.

    Returns
    -------
    dual_coef, intercept
        ``signs * alpha`` (libsvm's ``dual_coef_``: the decision function is
        ``kernel @ dual_coef + intercept``) and the intercept ``b``.
    """
    n_rows, n_features = features.shape
    # Row i of g is signs[i] * [features[i], 1]: the margin of row i is g[i] @ v, v = [w, b].
    g = np.hstack([signs[:, None] * features, signs[:, None]])
    regularised = np.r_[np.ones(n_features), 0.0]
    v = np.zeros(n_features + 1)
    # alpha/surplus and slack_dual/slack are the complementary pairs, all kept positive.
    point = _Point(
        alpha=np.full(n_rows, c / 2),
        surplus=np.ones(n_rows),
        slack=np.ones(n_rows),
        slack_dual=np.full(n_rows, c / 2),
    )
    for _ in range(max_iterations):
        residuals = _Residuals(
            v=regularised * v - g.T @ point.alpha,
            slack=c - point.alpha - point.slack_dual,
            margin=g @ v + point.slack - 1.0 - point.surplus,
        )
        gap = point.alpha @ point.surplus + point.slack_dual @ point.slack
        objective = 0.5 * v[:n_features] @ v[:n_features] + c * point.slack.sum()
        v_scale = 1.0 + max(np.abs(v).max(), np.abs(g.T @ point.alpha).max())
        if (
            np.abs(residuals.v).max() < 100 * tolerance * v_scale
            and np.abs(residuals.slack).max() < tolerance * (1.0 + c)
            and np.abs(residuals.margin).max() < tolerance
            and gap < tolerance * (1.0 + abs(objective))
        ):
            return signs * point.alpha, float(v[n_features])
        weights = 1.0 / (point.slack / point.slack_dual + point.surplus / point.alpha)
        solve = _normal_equations((g * weights[:, None]).T @ g + np.diag(regularised))
        # Predictor: the affine-scaling direction; corrector: re-centred, second-order terms.
        dv, affine = _newton(g, point, residuals, weights, solve, 0.0, None)
        moved = point.step(affine, _step_to_boundary(point, affine))
        mean = gap / (2 * n_rows)
        affine_mean = (moved.alpha @ moved.surplus + moved.slack_dual @ moved.slack) / (2 * n_rows)
        dv, direction = _newton(
            g, point, residuals, weights, solve, (affine_mean / mean) ** 3 * mean, affine
        )
        step = min(1.0, 0.995 * _step_to_boundary(point, direction))
        v += step * dv
        point = point.step(direction, step)
    raise RuntimeError(
        f"the linear SVM QP ({n_rows} rows x {n_features} features, C={c}) did not converge in "
        f"{max_iterations} interior-point iterations; check the feature table for huge values"
    )


@dataclass(frozen=True)
class _Point:
    """The interior point's positive variables (or a step in them)."""

    alpha: np.ndarray
    surplus: np.ndarray
    slack: np.ndarray
    slack_dual: np.ndarray

    def step(self, direction: _Point, length: float) -> _Point:
        """This point moved ``length`` along ``direction``."""
        return _Point(
            *(
                getattr(self, name) + length * getattr(direction, name)
                for name in ("alpha", "surplus", "slack", "slack_dual")
            )
        )


@dataclass(frozen=True)
class _Residuals:
    """Stationarity in (w, b), stationarity in the slacks, and the margin constraints."""

    v: np.ndarray
    slack: np.ndarray
    margin: np.ndarray


def _newton(
    g: np.ndarray,
    point: _Point,
    residuals: _Residuals,
    weights: np.ndarray,
    solve: Callable[[np.ndarray], np.ndarray],
    centring: float,
    affine: _Point | None,
) -> tuple[np.ndarray, _Point]:
    """The Newton direction towards complementarity ``centring`` (with Mehrotra's correction
    from the ``affine`` predictor direction when given), reduced to one solve in (w, b)."""
    r_complement = point.alpha * point.surplus - centring
    r_slack_complement = point.slack_dual * point.slack - centring
    if affine is not None:
        r_complement = r_complement + affine.alpha * affine.surplus
        r_slack_complement = r_slack_complement + affine.slack_dual * affine.slack
    rho = (
        -residuals.margin
        + (r_slack_complement + point.slack * residuals.slack) / point.slack_dual
        - r_complement / point.alpha
    )
    dv = solve(-residuals.v + g.T @ (weights * rho))
    d_alpha = weights * (rho - g @ dv)
    d_slack = (point.slack * (d_alpha - residuals.slack) - r_slack_complement) / point.slack_dual
    return dv, _Point(
        alpha=d_alpha,
        surplus=-(r_complement + point.surplus * d_alpha) / point.alpha,
        slack=d_slack,
        slack_dual=-(r_slack_complement + point.slack_dual * d_slack) / point.slack,
    )


def _normal_equations(matrix: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A solver for the symmetric positive (semi)definite ``matrix``, scaled to unit diagonal.

    Cholesky after the scaling; least squares when the matrix is numerically singular, as it can
    be close to the optimum, where some weights grow without bound.
    """
    scale = 1.0 / np.sqrt(np.diag(matrix))
    scaled = matrix * scale[:, None] * scale[None, :]
    try:
        factor = scipy.linalg.cho_factor(scaled)
    except np.linalg.LinAlgError:
        return lambda rhs: scale * scipy.linalg.lstsq(scaled, scale * rhs)[0]
    return lambda rhs: scale * scipy.linalg.cho_solve(factor, scale * rhs)


def _step_to_boundary(point: _Point, direction: _Point) -> float:
    """The largest step in [0, 1] along ``direction`` that keeps ``point`` non-negative."""
    step = 1.0
    for name in ("alpha", "surplus", "slack", "slack_dual"):
        value, change = getattr(point, name), getattr(direction, name)
        falling = change < 0
        if falling.any():
            step = min(step, float((-value[falling] / change[falling]).min()))
    return step


class CappedLinearSVC(BaseEstimator):
    """``SVC(kernel="precomputed")`` on a linear kernel, with stalled class pairs solved as QPs.

    libsvm fits all one-vs-one pairs as usual, but stops each after ``iteration_limit`` SMO
    iterations; the pairs that reached the limit are solved again by :func:`solve_linear_svm`
    (which needs the feature rows). Predictions are libsvm's one-vs-one votes (ties to the first
    class in sorted order) on libsvm's decision values, with the QP's decision values for the
    re-solved pairs: where no pair reaches the limit, they are exactly ``SVC``'s.

    Parameters
    ----------
    C, shrinking, tol, cache_size
        As ``SVC``'s (the parameters the QP can honour: ``LINEAR_PARAMS``).
    iteration_limit
        SMO iterations per pair before the pair is solved as a QP.
    """

    def __init__(
        self,
        C: float = 1.0,  # noqa: N803 - SVC's name
        shrinking: bool = True,
        tol: float = 1e-3,
        cache_size: float = 200,
        iteration_limit: int = ITERATION_LIMIT,
    ) -> None:
        self.C = C
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.iteration_limit = iteration_limit

    def fit(self, kernel: np.ndarray, labels: np.ndarray, features: np.ndarray) -> CappedLinearSVC:
        """Fit on ``kernel`` (= features @ features.T) and ``labels``."""
        self.svc_ = SVC(
            kernel="precomputed",
            C=self.C,
            shrinking=self.shrinking,
            tol=self.tol,
            cache_size=self.cache_size,
            max_iter=self.iteration_limit,
            decision_function_shape="ovo",
        )
        with warnings.catch_warnings():
            # stopping at the limit is expected: those pairs are solved as QPs below
            warnings.filterwarnings("ignore", message="Solver terminated early")
            self.svc_.fit(kernel, labels)
        self.classes_ = self.svc_.classes_
        self.pairs_ = [
            (i, j) for i in range(len(self.classes_)) for j in range(i + 1, len(self.classes_))
        ]
        # pair -> (training rows, dual coefficients, intercept) of its exact solution
        self.solved_as_qp_: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}
        for pair in np.flatnonzero(self.svc_.n_iter_ >= self.iteration_limit):
            i, j = self.pairs_[pair]
            rows = np.flatnonzero((labels == self.classes_[i]) | (labels == self.classes_[j]))
            signs = np.where(labels[rows] == self.classes_[i], 1.0, -1.0)
            dual_coef, intercept = solve_linear_svm(features[rows], signs, float(self.C))
            self.solved_as_qp_[int(pair)] = (rows, dual_coef, intercept)
        return self

    def decision_values(self, kernel: np.ndarray) -> np.ndarray:
        """One column per class pair (i, j): positive votes for class i, as in libsvm."""
        values = self.svc_.decision_function(kernel)
        # scikit-learn flips the sign of a two-class SVC's decision function
        values = values.reshape(len(kernel), -1) if len(self.classes_) > 2 else -values[:, None]
        for pair, (rows, dual_coef, intercept) in self.solved_as_qp_.items():
            values[:, pair] = kernel[:, rows] @ dual_coef + intercept
        return values

    def predict(self, kernel: np.ndarray) -> np.ndarray:
        """Class with the most pair votes for each row of ``kernel`` (columns: training rows)."""
        values = self.decision_values(kernel)
        votes = np.zeros((len(kernel), len(self.classes_)), dtype=np.int64)
        for pair, (i, j) in enumerate(self.pairs_):
            first = values[:, pair] > 0
            votes[first, i] += 1
            votes[~first, j] += 1
        return self.classes_[votes.argmax(axis=1)]
