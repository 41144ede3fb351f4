"""The capped linear SVC is libsvm's where libsvm converges, and the same optimum where not."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.svm import SVC

from serflow.linear_svm import CappedLinearSVC, solve_linear_svm

from conftest import gaussian_problem


def primal_objective(x: np.ndarray, signs: np.ndarray, dual_coef, intercept, c: float) -> float:
    """1/2 |w|^2 + c * total hinge loss, with w from the dual coefficients."""
    w = x.T @ dual_coef
    return 0.5 * w @ w + c * np.maximum(0.0, 1.0 - signs * (x @ w + intercept)).sum()


def overlapping_pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping Gaussian classes in 10 dimensions, 150 rows: not separable."""
    rng = np.random.default_rng(seed)
    signs = np.where(rng.random(150) < 0.5, 1.0, -1.0)
    x = rng.normal(size=(150, 10)) + 0.6 * signs[:, None] * rng.normal(size=10)
    return x, signs


@pytest.mark.parametrize("c", [0.01, 1.0, 100.0])
def test_is_svc_when_libsvm_converges(c: float) -> None:
    x_train, y_train, x_test, _ = gaussian_problem(30, 0.9)
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    kernel, test_kernel = x_train @ x_train.T, x_test @ x_train.T
    reference = SVC(kernel="precomputed", C=c).fit(kernel, y_train)
    ours = CappedLinearSVC(C=c).fit(kernel, y_train, x_train)
    assert ours.solved_as_qp_ == {}
    assert len(ours.pairs_) == 6
    np.testing.assert_array_equal(ours.predict(test_kernel), reference.predict(test_kernel))
    np.testing.assert_array_equal(ours.predict(kernel), reference.predict(kernel))


@pytest.mark.parametrize("c", [0.1, 10.0, 1000.0])
def test_qp_reaches_the_svm_optimum(c: float) -> None:
    x, signs = overlapping_pair()
    dual_coef, intercept = solve_linear_svm(x, signs, c)
    alpha = dual_coef * signs
    # dual feasibility: box constraints and the equality constraint of the SVM dual
    assert alpha.min() >= 0.0 and alpha.max() <= c
    assert abs(dual_coef.sum()) < 1e-6 * c * len(x)
    # libsvm run to a tight tolerance reaches the same optimum: objective and decisions
    svc = SVC(kernel="linear", C=c, tol=1e-7).fit(x, signs)
    libsvm_coef = np.zeros(len(x))
    libsvm_coef[svc.support_] = svc.dual_coef_[0]
    ours = primal_objective(x, signs, dual_coef, intercept, c)
    reference = primal_objective(x, signs, libsvm_coef, svc.intercept_[0], c)
    assert ours <= reference * (1 + 1e-9)  # at least as close to the optimum as libsvm
    assert ours == pytest.approx(reference, rel=1e-3)
    decisions = x @ (x.T @ dual_coef) + intercept
    clear = np.abs(svc.decision_function(x)) > 1e-2
    np.testing.assert_array_equal(np.sign(decisions[clear]), svc.predict(x)[clear])


def test_pairs_over_the_iteration_limit_are_solved_as_qp() -> None:
    x_train, y_train, x_test, _ = gaussian_problem(30, 0.4, seed=3)
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    kernel, test_kernel = x_train @ x_train.T, x_test @ x_train.T
    reference = SVC(kernel="precomputed", C=10.0).fit(kernel, y_train)
    capped = CappedLinearSVC(iteration_limit=5, C=10.0).fit(kernel, y_train, x_train)
    assert sorted(capped.solved_as_qp_) == list(range(6))
    # the same optimum up to libsvm's tolerance: the same votes on all but boundary cases
    agreement = (capped.predict(test_kernel) == reference.predict(test_kernel)).mean()
    assert agreement >= 0.95
    assert (capped.predict(kernel) == reference.predict(kernel)).mean() >= 0.97


@pytest.mark.parametrize("iteration_limit", [100_000, 3])
def test_two_classes(iteration_limit: int) -> None:
    x, signs = overlapping_pair(1)
    labels = np.where(signs > 0, "A", "W")
    kernel = x @ x.T
    reference = SVC(kernel="precomputed", C=1.0).fit(kernel, labels)
    ours = CappedLinearSVC(iteration_limit=iteration_limit, C=1.0).fit(kernel, labels, x)
    assert len(ours.solved_as_qp_) == (iteration_limit == 3)
    agreement = (ours.predict(kernel) == reference.predict(kernel)).mean()
    assert agreement == 1.0 if iteration_limit > 3 else agreement >= 0.97


def test_rejects_parameters_the_qp_does_not_take() -> None:
    with pytest.raises(TypeError, match="class_weight"):
        CappedLinearSVC(C=1.0, class_weight="balanced")
