"""Model bundles: the refit reproduces the search's model, and a bundle loads back safely."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import skops.io

from serflow.bundle import (
    TRUSTED_TYPES,
    BundleError,
    canonical_skops,
    export_description,
    export_fold,
    load_bundle,
    refit_best,
    save_bundle,
    training_statistics,
)
from serflow.classifiers import tune
from serflow.experiment import encode
from serflow.grids import expand_grid
from serflow.kernel_svm import KernelSVM, one_vs_rest_scores
from serflow.linear_svm import CappedLinearSVC

from conftest import gaussian_problem

GRIDS = {
    "lr": [{"C": [0.01, 1.0], "solver": ["lbfgs", "newton-cg"]}],
    "svm": [{"C": [0.1, 10.0], "gamma": [1.0e-3, 0.1], "kernel": ["rbf", "poly", "linear"]}],
    # a grid the precomputed search cannot take: the SVM is searched as a plain SVC
    "svm_plain": [{"C": [1.0], "kernel": ["rbf"], "gamma": [0.05], "verbose": [False]}],
    "rf": [{"n_estimators": [10, 30], "max_features": ["sqrt"], "bootstrap": [True, False]}],
    "knn": [{"n_neighbors": [3, 9], "weights": ["distance"]}],
    "xgb": [{"n_estimators": [5, 10], "max_depth": [2]}],
}


@pytest.mark.parametrize("grid_name", sorted(GRIDS))
def test_refit_best_predicts_what_the_search_predicted(grid_name):
    classifier = grid_name.split("_")[0]
    x_train, y_train, x_test, _ = gaussian_problem(30, 0.4)
    points, _ = expand_grid(classifier, GRIDS[grid_name], n_classes=4)
    search = tune(classifier, points, x_train, y_train, seed=3).search
    best = json.loads(json.dumps(search.best_params_))  # as best_params.json gives it back
    model = refit_best(classifier, GRIDS[grid_name], best, x_train, y_train, seed=3)
    assert isinstance(model, KernelSVM) == (grid_name == "svm")
    np.testing.assert_array_equal(model.predict(x_test), search.predict(x_test))
    if classifier in ("lr", "knn", "xgb"):
        np.testing.assert_array_equal(
            model.predict_proba(x_test), search.best_estimator_.predict_proba(x_test)
        )


def test_kernel_svm_scores_give_the_predicted_class_the_most_votes():
    x_train, y_train, x_test, _ = gaussian_problem(20, 0.5)
    for point in [{"kernel": "rbf", "C": 1.0, "gamma": 0.01}, {"kernel": "linear", "C": 10.0}]:
        model = KernelSVM(point).fit(x_train, y_train)
        scores = model.decision_function(x_test)
        assert scores.shape == (len(x_test), 4)
        # the whole part of a score is the class's one-vs-one votes: the prediction has the most
        # (libsvm breaks a tie in votes by class order, not by the confidence part)
        votes = np.round(scores)
        predicted = np.searchsorted(model.classes_, model.predict(x_test))
        np.testing.assert_array_equal(votes[np.arange(len(votes)), predicted], votes.max(axis=1))
        assert (scores.argmax(axis=1) == predicted).mean() > 0.9


def test_one_vs_rest_scores_count_votes():
    # three classes, pairs (0,1), (0,2), (1,2): class 0 beats both, 2 beats 1
    values = np.array([[1.0, 2.0, -0.5]])
    scores = one_vs_rest_scores(values, 3)
    assert np.round(scores[0]).tolist() == [2.0, 0.0, 1.0]


def _bundle(tmp_path, point):
    x_train, y_train, x_test, _ = gaussian_problem(12, 0.5)
    labels = sorted(set(y_train))  # the classifier is fitted on class numbers
    model = KernelSVM(point).fit(x_train, encode(y_train, labels))
    mean, std = training_statistics(x_train)
    folder = tmp_path / "bundle"
    names = [f"f{i}" for i in range(x_train.shape[1])]
    save_bundle(folder, model, names, mean, std, {"feature_set": "egemaps"}, labels)
    return folder, model, x_test


def test_bundle_round_trip_predicts_the_same(tmp_path):
    folder, model, x_test = _bundle(tmp_path, {"kernel": "linear", "C": 1.0})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["labels"] == sorted("WLTN") and manifest["scores"] == "decision"
    assert manifest["serflow_version"] and len(manifest["model_sha256"]) == 64
    loaded = load_bundle(folder)
    labels = np.array(sorted("WLTN"))
    np.testing.assert_array_equal(loaded.predict(x_test), labels[model.predict(x_test)])
    np.testing.assert_array_equal(loaded.class_scores(x_test), model.decision_function(x_test))
    assert loaded.feature_names == [f"f{i}" for i in range(12)]


def test_damaged_or_foreign_bundles_are_refused_naming_the_file(tmp_path):
    folder, _, _ = _bundle(tmp_path, {"kernel": "rbf", "C": 1.0, "gamma": 0.1})
    manifest_path, model_path = folder / "manifest.json", folder / "model.skops"
    manifest = json.loads(manifest_path.read_text())

    manifest_path.write_text(json.dumps({**manifest, "serflow_version": "0.0.1"}))
    with pytest.raises(BundleError, match=rf"{manifest_path}.*serflow 0\.0\.1"):
        load_bundle(folder)

    manifest_path.write_text(json.dumps(manifest))
    data = bytearray(model_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_path.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=rf"{model_path} is damaged"):
        load_bundle(folder)

    # a file whose digest was updated but is not a skops archive at all
    model_path.write_bytes(b"not a zip")
    manifest["model_sha256"] = hashlib.sha256(b"not a zip").hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=rf"{model_path} cannot be loaded"):
        load_bundle(folder)

    manifest_path.write_text("{not json")
    with pytest.raises(BundleError, match=rf"{manifest_path} is damaged"):
        load_bundle(folder)

    with pytest.raises(BundleError, match="does not exist"):
        load_bundle(tmp_path / "nowhere")


def test_same_model_gives_a_byte_identical_bundle(tmp_path):
    """skops names array files by object id and stamps the time: both are made canonical."""
    x_train, y_train, x_test, _ = gaussian_problem(12, 0.5)
    mean, std = training_statistics(x_train)
    names = [f"f{i}" for i in range(12)]
    digests = []
    for name in ["first", "second"]:
        # a model fitted anew: other objects, other ids
        labels = sorted(set(y_train))
        model = KernelSVM({"kernel": "linear", "C": 1.0}).fit(x_train, encode(y_train, labels))
        save_bundle(tmp_path / name, model, names, mean, std, {"feature_set": "egemaps"}, labels)
        digests.append((tmp_path / name / "model.skops").read_bytes())
    assert digests[0] == digests[1]
    assert (tmp_path / "first/manifest.json").read_text() == (
        tmp_path / "second/manifest.json"
    ).read_text()
    np.testing.assert_array_equal(
        load_bundle(tmp_path / "second").predict(x_test), np.array(labels)[model.predict(x_test)]
    )


def test_linear_pairs_solved_as_qps_survive_the_bundle_format():
    """CappedLinearSVC keeps the QP solutions of stalled class pairs: skops must keep them."""
    x_train, y_train, x_test, _ = gaussian_problem(10, 0.3)
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    model = CappedLinearSVC(iteration_limit=3, C=100.0).fit(x_train @ x_train.T, y_train, x_train)
    assert len(model.solved_as_qp_) == 6  # every pair stopped at 3 SMO iterations
    data = canonical_skops(skops.io.dumps(model))
    assert skops.io.get_untrusted_types(data=data) == ["serflow.linear_svm.CappedLinearSVC"]
    loaded = skops.io.loads(data, trusted=TRUSTED_TYPES)
    kernel = x_test @ x_train.T
    np.testing.assert_array_equal(loaded.decision_values(kernel), model.decision_values(kernel))
    np.testing.assert_array_equal(loaded.predict(kernel), model.predict(kernel))


def test_xgboost_bundle_loads_with_only_its_trusted_types(tmp_path):
    """skops holds XGBoost's wrapper and Booster (its model bytes, read by XGBoost's own
    reader): the bundle loads trusting exactly those and predicts the same probabilities."""
    x_train, y_train, x_test, _ = gaussian_problem(12, 0.5)
    labels = sorted(set(y_train))
    model = refit_best("xgb", GRIDS["xgb"], {"n_estimators": 5, "max_depth": 2},
                       x_train, encode(y_train, labels), seed=1)  # fmt: skip
    mean, std = training_statistics(x_train)
    names = [f"f{i}" for i in range(x_train.shape[1])]
    folder = tmp_path / "bundle"
    manifest = save_bundle(folder, model, names, mean, std, {"feature_set": "egemaps"}, labels)
    assert manifest["scores"] == "probability"
    # the Booster's bytes file gets a random name from skops: made canonical too
    save_bundle(tmp_path / "again", model, names, mean, std, {"feature_set": "egemaps"}, labels)
    assert (tmp_path / "again/model.skops").read_bytes() == (folder / "model.skops").read_bytes()
    untrusted = skops.io.get_untrusted_types(file=folder / "model.skops")
    assert sorted(untrusted) == [
        "serflow.xgb_classifier.LabelledXGBClassifier",
        "xgboost.core.Booster",
        "xgboost.sklearn.XGBClassifier",
    ]
    assert set(untrusted) <= set(TRUSTED_TYPES)
    loaded = load_bundle(folder)
    np.testing.assert_array_equal(loaded.class_scores(x_test), model.predict_proba(x_test))
    assert loaded.predict(x_test).tolist() == [labels[c] for c in model.predict(x_test)]


def test_export_trains_on_the_split_or_on_every_speaker_and_says_so_under_loso():
    fold = {"train_speakers": ["03", "08"], "test_speakers": ["11"]}
    assert export_fold(fold, ["11", "08", "03"], "split_training") == fold
    deployable = export_fold(fold, ["11", "08", "03"], "all_speakers")
    assert deployable["train_speakers"] == ["03", "08", "11"] and deployable["test_speakers"] == []
    loso = export_description("split_training", "loso")
    assert "hold-out split's training speakers" in loso and "evaluation.scheme loso" in loso
    assert "every speaker" in export_description("all_speakers", "holdout")
    assert "evaluation.scheme" not in export_description("all_speakers", "holdout")
