import re

import numpy as np
import pytest
from sklearn.model_selection import ParameterGrid

from serflow import grids
from serflow.grids import as_param_grid, expand_grid, remembered_invalid_values


def test_dict_grid_keeps_parametergrid_order():
    grid = {"C": [0.1, 1.0, 10.0], "gamma": [1e-3, 1e-2], "kernel": ["rbf", "linear"]}
    points, rejected = expand_grid("svm", grid)
    assert points == list(ParameterGrid(grid)) and rejected == []


def test_notebook_lr_grid_drops_what_scikit_learn_rejects():
    notebook = {
        "penalty": ["l1", "l2"],
        "C": list(np.logspace(-4, 2, 7)),
        "solver": ["newton-cg", "lbfgs", "liblinear"],
    }
    points, rejected = expand_grid("lr", notebook, n_classes=7)
    assert len(points) == 14 and len(rejected) == 28
    assert {(p["penalty"], p["solver"]) for p in points} == {("l2", "newton-cg"), ("l2", "lbfgs")}
    kept = [p for p in ParameterGrid(notebook) if p in points]
    assert points == kept  # same relative order as the notebook's candidates
    binary, _ = expand_grid("lr", notebook, n_classes=2)
    assert {"l1", "l2"} == {p["penalty"] for p in binary if p["solver"] == "liblinear"}


def test_rf_auto_is_not_fitted():
    points, rejected = expand_grid("rf", {"max_features": ["auto", "sqrt"], "n_estimators": [10]})
    assert points == [{"max_features": "sqrt", "n_estimators": 10}]
    assert "auto" in rejected[0]


def test_list_of_dicts_is_merged_in_canonical_order_without_duplicates():
    grid = [
        {"C": [10.0], "solver": ["lbfgs"]},
        {"C": [1.0, 10.0], "solver": ["newton-cg", "lbfgs"]},
    ]
    points, _ = expand_grid("lr", grid)
    assert points == [
        {"C": 10.0, "solver": "lbfgs"},
        {"C": 10.0, "solver": "newton-cg"},
        {"C": 1.0, "solver": "lbfgs"},
        {"C": 1.0, "solver": "newton-cg"},
    ]
    assert list(ParameterGrid(as_param_grid(points))) == points


def test_a_grid_with_nothing_valid_is_an_error():
    with pytest.raises(ValueError, match=r"grids\.rf has no valid point"):
        expand_grid("rf", {"max_features": ["auto"]})


def test_a_checked_grid_is_answered_from_the_cache(tmp_path, monkeypatch):
    bad = {"C": [1.0], "kernel": ["foo"]}
    lines = remembered_invalid_values("svm", bad, tmp_path)
    assert lines and "grids.svm[0].kernel: 'foo'" in lines[0]

    def not_again(*args):
        raise AssertionError("checked again")

    monkeypatch.setattr(grids, "invalid_values", not_again)
    assert remembered_invalid_values("svm", bad, tmp_path) == lines
    with pytest.raises(AssertionError, match="checked again"):
        remembered_invalid_values("svm", {"C": [2.0]}, tmp_path)


def test_an_unreadable_cache_is_checked_again(tmp_path):
    grid = {"C": [1.0], "gamma": ["scale"]}
    path = tmp_path / f"{grids.grid_check_key('svm', grid)}.json"
    path.write_text("{not json")
    assert remembered_invalid_values("svm", grid, tmp_path) == []
    assert path.read_text() == "[]"
    (tmp_path / "a_file").write_text("")
    assert remembered_invalid_values("svm", grid, tmp_path / "a_file" / "cache") == []


@pytest.mark.parametrize(
    ("classifier", "grid", "message"),
    [
        ("knn", {"n_neighbors": [0]}, r"grids\.knn\[0\]\.n_neighbors: 0 is not a valid value"),
        ("knn", {"n_neighbours": [3]}, r"did you mean n_neighbors"),
        ("xgb", {"max_depth": [-1]}, r"grids\.xgb\[0\]\.max_depth: -1 is not a valid value"),
        ("xgb", {"learning_rate": [0.0]}, r"grids\.xgb\[0\]\.learning_rate"),
        ("xgb", {"eta": [0.1]}, r"eta is not a parameter of xgb"),
    ],
)
def test_knn_and_xgb_grids_are_checked_without_data(classifier, grid, message):
    (line,) = grids.invalid_values(classifier, grid)
    assert re.search(message, line), line


def test_default_knn_and_xgb_grids_are_valid():
    from serflow.config_check import read_schema

    from workflow_runner import REPO

    schema = read_schema(REPO / "workflow/schemas/config.schema.yaml")
    for classifier in ("knn", "xgb"):
        default = schema["properties"]["grids"]["properties"][classifier]["default"]
        assert grids.invalid_values(classifier, default) == []
        assert len(expand_grid(classifier, default)[0]) >= 4
