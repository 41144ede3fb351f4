"""The precomputed-kernel SVM search gives GridSearchCV's scores, selection and predictions."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics.pairwise import polynomial_kernel, rbf_kernel, sigmoid_kernel
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

import serflow.svm_search
from serflow.classifiers import tune
from serflow.cv_search import EstimatorSearch
from serflow.grids import as_param_grid, expand_grid
from serflow.linear_svm import CappedLinearSVC
from serflow.svm_search import (
    KernelSpec,
    PrecomputedSVMSearch,
    kernel_from_gram,
    split_point,
    supports,
)

from conftest import gaussian_problem

GRID = [
    {
        "C": [0.1, 1.0, 10.0, 100.0],
        "gamma": [1e-3, 1e-2, 0.1, 1.0],
        "kernel": ["rbf", "poly", "sigmoid", "linear"],
    },
    {"C": [1.0], "gamma": ["scale", "auto"], "kernel": ["rbf", "poly"]},
    {"C": [1.0], "kernel": ["poly"], "degree": [2], "coef0": [1.0]},
]


def problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four overlapping Gaussian classes in 30 dimensions."""
    return gaussian_problem(30, 0.9, seed)


@pytest.fixture(scope="module")
def searches() -> tuple[PrecomputedSVMSearch, GridSearchCV, np.ndarray]:
    x_train, y_train, x_test, _ = problem()
    points, _ = expand_grid("svm", GRID)
    ours = PrecomputedSVMSearch(points, cv_folds=5, seed=0, n_jobs=2).fit(x_train, y_train)
    reference = GridSearchCV(
        SVC(random_state=0),
        param_grid=as_param_grid(points),
        cv=StratifiedKFold(n_splits=5),
        scoring="recall_macro",
    ).fit(x_train, y_train)
    return ours, reference, x_test


def test_split_scores_equal_gridsearchcv(searches) -> None:
    ours, reference, _ = searches
    assert ours.n_splits_ == 5
    for fold in range(5):
        key = f"split{fold}_test_score"
        np.testing.assert_allclose(ours.cv_results_[key], reference.cv_results_[key], atol=1e-9)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], atol=1e-9
    )
    np.testing.assert_allclose(
        ours.cv_results_["std_test_score"], reference.cv_results_["std_test_score"], atol=1e-9
    )
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"], reference.cv_results_["rank_test_score"]
    )
    # The problem is hard enough that the candidates do not all score alike.
    assert len(np.unique(ours.cv_results_["mean_test_score"])) > 10


def test_selection_and_predictions_equal_gridsearchcv(searches) -> None:
    ours, reference, x_test = searches
    assert ours.cv_results_["params"] == reference.cv_results_["params"]
    assert ours.best_index_ == reference.best_index_
    assert ours.best_params_ == reference.best_params_
    assert ours.best_score_ == pytest.approx(reference.best_score_, abs=1e-12)
    np.testing.assert_array_equal(ours.predict(x_test), reference.predict(x_test))


def test_ties_go_to_the_first_candidate(searches) -> None:
    ours, _, _ = searches
    means = ours.cv_results_["mean_test_score"]
    assert ours.best_index_ == int(np.flatnonzero(means == means.max())[0])


def test_linear_kernel_ignores_gamma(searches) -> None:
    ours, _, _ = searches
    table = ours.cv_results_
    for c in (0.1, 1.0, 10.0, 100.0):
        rows = [
            index
            for index, point in enumerate(table["params"])
            if point.get("kernel") == "linear" and point["C"] == c
        ]
        assert len(rows) == 4
        assert len({table["mean_test_score"][index] for index in rows}) == 1


def test_results_table_has_gridsearchcv_columns(searches) -> None:
    ours, reference, _ = searches
    assert set(ours.cv_results_) == set(reference.cv_results_)
    assert (ours.cv_results_["mean_fit_time"] > 0).all()


def test_kernels_match_scikit_learn() -> None:
    x, _, y, _ = problem(seed=1)
    x, y = x.astype(np.float64), y.astype(np.float64)
    gram = y @ x.T
    y_norms, x_norms = np.einsum("ij,ij->i", y, y), np.einsum("ij,ij->i", x, x)
    expected = {
        KernelSpec("linear"): y @ x.T,
        KernelSpec("rbf", 0.05): rbf_kernel(y, x, gamma=0.05),
        KernelSpec("poly", 0.05, 3, 0.0): polynomial_kernel(y, x, degree=3, gamma=0.05, coef0=0),
        KernelSpec("poly", 0.1, 2, 1.0): polynomial_kernel(y, x, degree=2, gamma=0.1, coef0=1),
        KernelSpec("sigmoid", 0.01, None, 0.0): sigmoid_kernel(y, x, gamma=0.01, coef0=0),
    }
    for spec, kernel in expected.items():
        gamma = spec.gamma if spec.gamma is not None else 0.0
        ours = kernel_from_gram(spec, gram, y_norms, x_norms, gamma)
        np.testing.assert_allclose(ours, kernel, rtol=1e-10, atol=1e-12, err_msg=str(spec))


def test_points_map_to_kernels_and_svc_parameters() -> None:
    linear_a, params_a = split_point({"C": 1.0, "gamma": 0.1, "kernel": "linear"})
    linear_b, params_b = split_point({"C": 1.0, "gamma": 10.0, "kernel": "linear"})
    assert linear_a == linear_b == KernelSpec("linear")
    assert params_a == params_b == (("C", 1.0),)
    assert split_point({"C": 2.0})[0] == KernelSpec("rbf", "scale")
    assert split_point({"kernel": "poly", "gamma": 1})[0] == KernelSpec("poly", 1.0, 3, 0.0)


def test_supports_only_what_it_reproduces() -> None:
    assert supports([{"C": 1.0, "gamma": 0.1, "kernel": "rbf", "class_weight": "balanced"}])
    assert not supports([{"kernel": "precomputed"}])
    assert not supports([{"kernel": "rbf", "gamma": 0.0}])
    assert not supports([{"kernel": "rbf", "gamma": "median"}])
    assert not supports([{"kernel": "rbf", "verbose": True}])
    x, y = np.eye(4), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="cannot reproduce"):
        PrecomputedSVMSearch([{"kernel": "rbf", "gamma": -1.0}]).fit(x, y)
    with pytest.raises(ValueError, match="no point"):
        PrecomputedSVMSearch([]).fit(x, y)


def test_tune_uses_it_for_svm_and_agrees_across_jobs() -> None:
    x_train, y_train, x_test, _ = problem(seed=2)
    points, _ = expand_grid("svm", {"C": [0.1, 10.0], "gamma": [0.01, 1.0], "kernel": ["rbf"]})
    one = tune("svm", points, x_train, y_train, n_jobs=1)
    two = tune("svm", points, x_train, y_train, n_jobs=2)
    assert isinstance(one.search, PrecomputedSVMSearch)
    assert one.best_params == two.best_params
    assert one.cv_results()["mean_test_score"].tolist() == (
        two.cv_results()["mean_test_score"].tolist()
    )
    np.testing.assert_array_equal(one.search.predict(x_test), two.search.predict(x_test))


def test_tune_fits_other_svm_points_as_gridsearchcv_does() -> None:
    x_train, y_train, x_test, _ = problem(seed=3)
    points = [{"C": c, "kernel": "rbf", "verbose": False} for c in (0.1, 1.0, 10.0)]
    result = tune("svm", points, x_train, y_train)
    assert isinstance(result.search, EstimatorSearch)
    reference = GridSearchCV(
        SVC(random_state=0), as_param_grid(points), cv=StratifiedKFold(5), scoring="recall_macro"
    ).fit(x_train, y_train)
    assert result.cv_results()["mean_test_score"].tolist() == pytest.approx(
        reference.cv_results_["mean_test_score"].tolist(), abs=1e-12
    )
    assert result.best_params == reference.best_params_
    np.testing.assert_array_equal(result.search.predict(x_test), reference.predict(x_test))


def test_given_folds_match_gridsearchcv_on_them() -> None:
    x_train, y_train, x_test, _ = problem(seed=4)
    groups = np.arange(len(y_train)) % 3
    folds = [(np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in range(3)]
    points, _ = expand_grid(
        "svm", {"C": [0.1, 1.0, 10.0], "gamma": [0.01, 0.1], "kernel": ["rbf", "sigmoid", "linear"]}
    )
    ours = tune("svm", points, x_train, y_train, folds=folds, n_jobs=2)
    reference = GridSearchCV(
        SVC(random_state=0), as_param_grid(points), cv=folds, scoring="recall_macro"
    ).fit(x_train, y_train)
    assert ours.search.n_splits_ == 3
    np.testing.assert_allclose(
        ours.cv_results()["mean_test_score"], reference.cv_results_["mean_test_score"], atol=1e-9
    )
    assert ours.best_params == reference.best_params_
    np.testing.assert_array_equal(ours.search.predict(x_test), reference.predict(x_test))


def test_cache_scores_only_new_candidates(tmp_path) -> None:
    x_train, y_train, x_test, _ = problem(seed=5)
    grid = {"C": [0.1, 1.0], "gamma": [0.01, 0.1], "kernel": ["rbf", "linear"]}
    small, _ = expand_grid("svm", grid)
    large, _ = expand_grid("svm", {**grid, "C": [0.1, 1.0, 10.0]})
    tune("svm", small, x_train, y_train, cache_dir=tmp_path)
    again = tune("svm", large, x_train, y_train, cache_dir=tmp_path, n_jobs=2)
    assert again.search.n_computed_scores_ == 4 * 5  # C=10 with 2 rbf + 2 linear points
    fresh = tune("svm", large, x_train, y_train)
    assert again.cv_results()["mean_test_score"].tolist() == (
        fresh.cv_results()["mean_test_score"].tolist()
    )
    np.testing.assert_array_equal(again.search.predict(x_test), fresh.search.predict(x_test))


def test_linear_pairs_over_the_limit_go_through_the_qp_in_the_search(monkeypatch) -> None:
    # the real search with a limit of 5 SMO iterations: every linear class pair of every fold
    # and of the refit is solved as a QP on that fold's own feature rows
    fitted: list[CappedLinearSVC] = []

    class Capped(CappedLinearSVC):
        def fit(self, kernel, labels, features):
            np.testing.assert_allclose(kernel, features @ features.T, rtol=1e-12)
            fitted.append(super().fit(kernel, labels, features))
            return fitted[-1]

    monkeypatch.setattr(
        serflow.svm_search, "CappedLinearSVC", functools.partial(Capped, iteration_limit=5)
    )
    x_train, y_train, x_test, _ = problem(seed=6)
    points, _ = expand_grid("svm", {"C": [0.1, 10.0], "kernel": ["linear"]})
    ours = tune("svm", points, x_train, y_train, n_jobs=2)
    reference = GridSearchCV(
        SVC(random_state=0), as_param_grid(points), cv=StratifiedKFold(5), scoring="recall_macro"
    ).fit(x_train, y_train)
    assert len(fitted) == 2 * 5 + 1  # two C values on five folds, and the refit
    assert all(len(model.solved_as_qp_) == 6 for model in fitted)
    # the same optimum as libsvm's up to its tolerance: mean CV UARs within one clip per fold
    np.testing.assert_allclose(
        ours.cv_results()["mean_test_score"], reference.cv_results_["mean_test_score"], atol=0.06
    )
    agreement = (ours.search.predict(x_test) == reference.predict(x_test)).mean()
    assert agreement >= 0.95


@pytest.mark.parametrize(
    "search",
    [
        PrecomputedSVMSearch([{"C": 1.0, "kernel": "linear"}], cv_folds=3, seed=1),
        CappedLinearSVC(C=10.0, iteration_limit=50),
    ],
)
def test_searches_keep_the_estimator_contract(search) -> None:
    # __init__ stores the parameters as given, clone round-trips them, fit leaves them alone
    params = search.get_params()
    assert clone(search).get_params() == params
    x, y = np.random.default_rng(0).normal(size=(30, 4)), np.repeat([0, 1, 2], 10)
    if isinstance(search, CappedLinearSVC):
        search.fit(x @ x.T, y, x)
    else:
        search.fit(x, y)
    assert search.get_params() == params
    assert list(search.classes_) == [0, 1, 2]
