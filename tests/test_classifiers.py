"""tune() gives GridSearchCV's results for every classifier, and its cache skips done fits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from serflow.classifiers import make_estimator, tune
from serflow.cv_search import ForestSearch
from serflow.grids import as_param_grid, expand_grid

from conftest import gaussian_problem

LR_GRID = {"C": [1e-3, 1e-1, 10.0], "solver": ["newton-cg", "lbfgs"]}
RF_GRID = {
    "n_estimators": [5, 10, 20],
    "max_features": ["log2", "sqrt"],
    "bootstrap": [True, False],
}


def problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four overlapping Gaussian classes in 40 dimensions."""
    return gaussian_problem(40, 0.7, seed)


def reference(classifier: str, points: list[dict], x: np.ndarray, y: np.ndarray) -> GridSearchCV:
    """The notebook's GridSearchCV on one BLAS thread (thread counts change rounding)."""
    with threadpool_limits(limits=1):
        return GridSearchCV(
            make_estimator(classifier, 0),
            param_grid=as_param_grid(points),
            cv=StratifiedKFold(n_splits=5),
            scoring="recall_macro",
        ).fit(x, y)


KNN_GRID = {"n_neighbors": [3, 7], "weights": ["uniform", "distance"]}
XGB_GRID = {"n_estimators": [5, 10], "max_depth": [2]}


@pytest.mark.parametrize(
    ("classifier", "grid"),
    [("lr", LR_GRID), ("rf", RF_GRID), ("knn", KNN_GRID), ("xgb", XGB_GRID)],
)
def test_tune_equals_gridsearchcv(classifier: str, grid: dict) -> None:
    x_train, y_train, x_test, _ = problem()
    points, _ = expand_grid(classifier, grid)
    ours = tune(classifier, points, x_train, y_train, n_jobs=2)
    theirs = reference(classifier, points, x_train, y_train)
    table = ours.cv_results()
    for fold in range(5):
        key = f"split{fold}_test_score"
        np.testing.assert_allclose(table[key], theirs.cv_results_[key], atol=1e-9)
    np.testing.assert_array_equal(table["rank_test_score"], theirs.cv_results_["rank_test_score"])
    assert ours.best_params == theirs.best_params_
    assert ours.best_cv_uar == pytest.approx(theirs.best_score_, abs=1e-12)
    np.testing.assert_array_equal(ours.search.predict(x_test), theirs.predict(x_test))


def test_forest_sizes_share_one_fit() -> None:
    points, _ = expand_grid("rf", RF_GRID)
    search = ForestSearch(make_estimator("rf", 0), points)
    groups = search.groups(n_features=40)
    assert len(groups) == 4  # max_features x bootstrap; every n_estimators in each
    assert sorted(len(group.candidates) for group in groups) == [3, 3, 3, 3]
    # a group's cost grows with the features a split looks at: sqrt(40) = 6 > log2(40) = 5
    cost = {points[group.candidates[0]]["max_features"]: group.cost for group in groups}
    assert cost["sqrt"] > cost["log2"]


def test_cache_refits_only_new_points(tmp_path, caplog) -> None:
    x_train, y_train, x_test, _ = problem(seed=1)
    small, _ = expand_grid("lr", {"C": [1e-2, 1.0], "solver": ["lbfgs"]})
    large, _ = expand_grid("lr", {"C": [1e-2, 1.0, 100.0], "solver": ["lbfgs"]})

    caplog.set_level("INFO", logger="serflow.cv_search")
    first = tune("lr", small, x_train, y_train, cache_dir=tmp_path)
    assert first.search.n_fitted_tasks_ == 2 * 5 and first.search.n_cached_points_ == 0
    again = tune("lr", large, x_train, y_train, cache_dir=tmp_path, n_jobs=2)
    assert again.search.n_fitted_tasks_ == 1 * 5 and again.search.n_cached_points_ == 2
    # the tune log says how much of the grid came from the cache
    first_line, again_line = [r.getMessage() for r in caplog.records if "CV cache" in r.message]
    assert first_line.startswith("CV cache: 0 of 2 grid points had all 5 fold scores cached")
    assert again_line.startswith("CV cache: 2 of 3 grid points had all 5 fold scores cached")
    assert again_line.endswith("; 1 computed now")
    fresh = tune("lr", large, x_train, y_train)
    assert again.cv_results()["mean_test_score"].tolist() == (
        fresh.cv_results()["mean_test_score"].tolist()
    )
    assert again.best_params == fresh.best_params
    np.testing.assert_array_equal(again.search.predict(x_test), fresh.search.predict(x_test))
    assert tune("lr", large, x_train, y_train, cache_dir=tmp_path).search.n_fitted_tasks_ == 0


def test_cache_is_keyed_by_data_and_estimator(tmp_path) -> None:
    x_train, y_train, _, _ = problem(seed=2)
    # two points: a one-point grid runs no CV, so it has no scores to cache
    points, _ = expand_grid("lr", {"C": [0.1, 1.0], "solver": ["lbfgs"]})
    tune("lr", points, x_train, y_train, cache_dir=tmp_path)
    changed = x_train.copy()
    changed[0, 0] += 1.0
    assert tune("lr", points, changed, y_train, cache_dir=tmp_path).search.n_fitted_tasks_ == 10
    assert tune("lr", points, x_train, y_train, cache_dir=tmp_path, seed=1).search.n_fitted_tasks_
    assert len(list(tmp_path.glob("*.json"))) == 3


def test_unreadable_cache_is_recomputed(tmp_path) -> None:
    x_train, y_train, _, _ = problem(seed=3)
    points, _ = expand_grid("lr", {"C": [0.1, 1.0], "solver": ["lbfgs"]})
    expected = tune("lr", points, x_train, y_train, cache_dir=tmp_path).best_cv_uar
    (cache_file,) = tmp_path.glob("*.json")
    cache_file.write_text("{not json")
    result = tune("lr", points, x_train, y_train, cache_dir=tmp_path)
    assert result.search.n_fitted_tasks_ == 10
    assert result.best_cv_uar == expected
    assert len(json.loads(cache_file.read_text())) == 10


def test_xgb_takes_any_labels_and_is_deterministic() -> None:
    """XGBoost itself wants classes 0 .. k-1: the wrapper fits emotion names, or numbers with
    gaps (a training part without one class), and the same seed gives the same model."""
    x_train, y_train, x_test, _ = problem(seed=2)
    names = np.array(["anger", "boredom", "fear", "neutral"])[
        np.searchsorted(np.unique(y_train), y_train)
    ]
    first = make_estimator("xgb", 5).set_params(n_estimators=8).fit(x_train, names)
    again = make_estimator("xgb", 5).set_params(n_estimators=8).fit(x_train, names)
    assert first.get_params()["n_jobs"] == 1
    assert set(first.predict(x_test)) <= set(names) and list(first.classes_) == sorted(set(names))
    np.testing.assert_array_equal(first.predict_proba(x_test), again.predict_proba(x_test))
    gaps = np.array([0, 2, 5, 6])[np.searchsorted(np.unique(y_train), y_train)]
    model = make_estimator("xgb", 5).set_params(n_estimators=8).fit(x_train, gaps)
    assert list(model.classes_) == [0, 2, 5, 6] and set(model.predict(x_test)) <= {0, 2, 5, 6}
