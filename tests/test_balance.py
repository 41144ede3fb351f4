"""Class balancing acts on training rows only: each inner fold's training part and the refit."""

from __future__ import annotations

import numpy as np
import pytest

from serflow.balance import oversample, oversampled_folds, weighted_points
from serflow.bundle import refit_best
from serflow.classifiers import tune
from serflow.grids import expand_grid
from serflow.split import inner_folds

from conftest import gaussian_problem


def unbalanced(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four Gaussian classes of 40, 20, 10 and 6 rows (class numbers), with speaker ids."""
    x, y, _, _ = gaussian_problem(10, 0.8, seed)
    keep = np.concatenate(
        [np.flatnonzero(y == c)[:n] for c, n in zip(np.unique(y), [40, 20, 10, 6], strict=True)]
    )
    labels = np.searchsorted(np.unique(y), y[keep])
    speakers = np.array([f"s{i % 4}" for i in range(len(keep))])
    return x[keep], labels, speakers


def test_oversampling_equalises_classes_from_the_rows_given_seeded():
    _, y, _ = unbalanced()
    rows = np.arange(0, len(y), 2)
    drawn = oversample(rows, y, seed=4)
    counts = np.bincount(y[drawn])
    assert len(set(counts)) == 1 and counts[0] == np.bincount(y[rows]).max()
    assert set(drawn) == set(rows)  # only copies of the rows given, each original kept
    np.testing.assert_array_equal(drawn, oversample(rows, y, seed=4))
    assert not np.array_equal(drawn, oversample(rows, y, seed=5))


def test_validation_rows_are_never_oversampled_or_leaked():
    x, y, speakers = unbalanced()
    folds = inner_folds(y, speakers, "group", 4)
    balanced = oversampled_folds(folds, y, seed=0)
    for (train, validation), (new_train, new_validation) in zip(folds, balanced, strict=True):
        np.testing.assert_array_equal(new_validation, validation)
        assert set(new_train) == set(train) and not set(new_train) & set(validation)
        assert len(set(np.bincount(y[new_train]))) == 1


@pytest.mark.parametrize(
    ("classifier", "grid"),
    [
        # two points each: a one-point grid is fitted without inner CV
        ("lr", {"C": [0.1, 1.0], "solver": ["lbfgs"]}),
        ("svm", {"C": [1.0, 10.0], "gamma": [0.1], "kernel": ["rbf"]}),
        ("xgb", {"n_estimators": [5, 10], "max_depth": [2]}),
        ("knn", {"n_neighbors": [3, 5]}),
        # fits on speakers: oversampled rows keep their speakers (refit and bundle alike)
        ("mlp", {"hidden_layers": [[8]], "max_epochs": [5], "learning_rate": [0.01, 0.001]}),
    ],
)
def test_balanced_search_refit_is_what_the_bundle_refits(classifier, grid):
    """The search balances its folds' training parts and its refit; the export's refit_best
    repeats the refit exactly (class weights through best_params, oversampling by seed)."""
    x, y, speakers = unbalanced(seed=1)
    # speaker-grouped inner folds, as a classifier that stops early on speakers needs
    folds = inner_folds(y, speakers, "group", 3) if classifier == "mlp" else None
    for balance in ("class_weight", "oversample"):
        if balance == "class_weight" and classifier == "knn":
            continue  # refused at parse time (test_config_check)
        points = weighted_points(expand_grid(classifier, grid, n_classes=4)[0], balance)
        search = tune(classifier, points, x, y, cv_folds=3, seed=2, folds=folds, groups=speakers,
                      oversample=balance == "oversample").search  # fmt: skip
        plain = tune(classifier, expand_grid(classifier, grid, n_classes=4)[0], x, y, cv_folds=3,
                     folds=folds, groups=speakers)  # fmt: skip
        model = refit_best(classifier, grid, search.best_params_, x, y, seed=2, balance=balance,
                           groups=speakers)  # fmt: skip
        np.testing.assert_array_equal(model.predict(x), search.predict(x))
        assert search.best_params_.get("class_weight") == (
            "balanced" if balance == "class_weight" else None
        )
        # balancing is a different model: scores differ from the unbalanced search's
        assert not np.array_equal(
            search.cv_results_["split0_test_score"], plain.search.cv_results_["split0_test_score"]
        ) or not np.array_equal(search.predict(x), plain.search.predict(x))
