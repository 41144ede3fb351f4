"""Small and lopsided corpora: a one-point grid is fitted without inner CV (the numbers a search
would give), and every speaker-grouped step is checked from the metadata, naming fixes that
work for the corpus (TESS has two speakers)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from serflow.classifiers import NO_SELECTION, tune
from serflow.cv_search import EstimatorSearch, ForestSearch
from serflow.experiment import train_and_test
from serflow.grids import expand_grid
from serflow.speaker_groups import SpeakerGroupError, check_dataset
from serflow.split import SplitError, outer_split
from serflow.svm_search import PrecomputedSVMSearch

from conftest import gaussian_problem

ONE_POINT = {
    "lr": {"C": [1.0], "solver": ["lbfgs"]},
    "svm": {"C": [1.0], "gamma": ["scale"], "kernel": ["rbf"]},
    "rf": {"n_estimators": [20], "max_features": ["sqrt"]},
}


def searched_as_before(classifier: str, points, x, y):
    """The search as it ran before one-point grids skipped it: 5-fold CV, then the refit."""
    from serflow.classifiers import make_estimator

    if classifier == "svm":
        return PrecomputedSVMSearch(points, cv_folds=5).fit(x, y)
    search = ForestSearch if classifier == "rf" else EstimatorSearch
    return search(make_estimator(classifier, 0), points, cv_folds=5).fit(x, y)


@pytest.mark.parametrize("classifier", ["lr", "svm", "rf"])
def test_a_one_point_grid_is_fitted_without_cv_and_predicts_as_the_search(classifier):
    x_train, y_train, x_test, _ = gaussian_problem(20, 0.7)
    points, _ = expand_grid(classifier, ONE_POINT[classifier])
    tuned = tune(classifier, points, x_train, y_train)
    before = searched_as_before(classifier, points, x_train, y_train)
    assert tuned.search.n_fitted_tasks_ == 0 and not tuned.selected
    np.testing.assert_array_equal(tuned.search.predict(x_test), before.predict(x_test))
    record = tuned.selection_record()
    assert record == {"best_params": before.best_params_, "cv_uar": None, "selection": NO_SELECTION}
    table = tuned.cv_results()
    assert list(table["rank_test_score"]) == [1] and table["mean_test_score"].isna().all()
    assert not [column for column in table.columns if column.startswith("split")]


def corpus(speakers: int, clips: int = 6) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and metadata of ``speakers`` speakers x four emotions x ``clips`` clips."""
    rng = np.random.default_rng(0)
    emotions = ["anger", "happiness", "neutral", "sadness"]
    rows = [
        (f"s{s}_{e}_{k}", f"s{s}", emotion)
        for s in range(speakers)
        for e, emotion in enumerate(emotions)
        for k in range(clips)
    ]
    metadata = pd.DataFrame(rows, columns=["utterance", "speaker", "emotion"])
    centres = rng.normal(size=(4, 8))
    values = centres[[emotions.index(e) for e in metadata["emotion"]]] + rng.normal(
        size=(len(metadata), 8)
    )
    features = pd.DataFrame(values, columns=[f"f{i}" for i in range(8)]).astype(np.float32)
    return features.assign(utterance=metadata["utterance"]), metadata


@pytest.mark.parametrize(
    ("scheme", "settings"),
    [
        ("holdout", {"test_fraction": 0.3, "cv_folds": 2}),
        ("repeated_holdout", {"repeats": 2, "test_fraction": 0.3, "cv_folds": 2}),
        ("loso", {"cv_folds": 2}),
    ],
)
def test_one_point_grids_in_every_scheme_give_the_searched_numbers(scheme, settings):
    features, metadata = corpus(4)
    folds = outer_split(metadata, scheme, **settings)["folds"]
    for classifier in ["lr", "svm"]:
        for fold in folds:
            direct = train_and_test(features, metadata, fold, classifier, ONE_POINT[classifier])
            train = metadata[metadata["speaker"].isin(fold["train_speakers"])].sort_values(
                "utterance"
            )
            test = metadata[metadata["speaker"].isin(fold["test_speakers"])].sort_values(
                "utterance"
            )
            table = features.set_index("utterance")
            order = sorted(metadata["emotion"].unique())
            y = np.array([order.index(e) for e in train["emotion"]])
            points, _ = expand_grid(classifier, ONE_POINT[classifier])
            x_train = table.loc[train["utterance"]].to_numpy(np.float32)
            before = searched_as_before(classifier, points, x_train, y)
            expected = np.asarray(order)[before.predict(table.loc[test["utterance"]].to_numpy())]
            assert list(direct.predictions["predicted"]) == list(expected)
            assert direct.inner_folds == []


def test_grouped_inner_cv_on_one_training_speaker_runs_with_a_one_point_grid():
    features, metadata = corpus(2)  # TESS: two speakers, a hold-out of 1 vs 1
    fold = {"fold": "loso_s0", "train_speakers": ["s1"], "test_speakers": ["s0"]}
    outcome = train_and_test(features, metadata, fold, "lr", ONE_POINT["lr"], inner_cv="group")
    assert len(outcome.predictions) == 24
    with pytest.raises(SplitError, match="needs at least cv_folds"):
        train_and_test(
            features, metadata, fold, "lr", {"C": [0.1, 1.0]}, inner_cv="group", cv_folds=2
        )


def config(**changes) -> dict:
    """The config keys check_dataset reads, with the schema's defaults."""
    settings = {
        "datasets": {"tess": {"split": {}}, "ravdess": {"split": {}}},
        "split": {"test_fraction": 0.3, "seed": 0, "test_speakers": []},
        "cv_folds": 5,
        "classifiers": ["lr"],
        "grids": {"lr": {"C": [0.1, 1.0]}},
        "evaluation": {"scheme": "holdout", "inner_cv": "kfold", "repeats": 5},
        "cross_corpus": {"emotions": [], "diagonal": True, "strict": False},
        "feature_sets": ["egemaps"],
        "ssl": {"encoders": {}},
    }
    for key, value in changes.items():
        settings[key] = {**settings[key], **value} if isinstance(value, dict) else value
    return settings


def test_tess_under_loso_with_grouped_inner_cv_gets_fixes_that_can_work():
    _, metadata = corpus(2)
    with pytest.raises(SpeakerGroupError) as error:
        check_dataset("tess", metadata, config(evaluation={"scheme": "loso", "inner_cv": "group"}))
    message = str(error.value)
    assert "datasets.tess" in message and "evaluation.inner_cv group" in message
    assert "evaluation.inner_cv: kfold" in message and "one-point grid" in message
    assert "lower cv_folds" not in message  # one training speaker: no cv_folds can work
    # with five speakers under loso, lowering cv_folds to 4 works, and is said
    _, larger = corpus(5)
    with pytest.raises(SpeakerGroupError, match="lower cv_folds to 4"):
        check_dataset("tess", larger, config(evaluation={"scheme": "loso", "inner_cv": "group"}))
    # a one-point grid needs no speaker groups
    assert (
        check_dataset(
            "tess",
            metadata,
            config(evaluation={"scheme": "loso", "inner_cv": "group"}, grids={"lr": {"C": [1.0]}}),
        )
        == []
    )


def test_ssl_layer_auto_needs_cv_folds_training_speakers_whatever_the_grid():
    _, metadata = corpus(3)
    settings = config(
        evaluation={"scheme": "loso"},
        grids={"lr": {"C": [1.0]}},
        feature_sets=["egemaps", "tiny"],
        ssl={"encoders": {"tiny": {"layer": "auto"}}},
    )
    with pytest.raises(SpeakerGroupError) as error:
        check_dataset("tess", metadata, settings)
    message = str(error.value)
    assert "datasets.tess: ssl.encoders.tiny.layer auto" in message
    assert "trains on 2 speaker(s)" in message and "lower cv_folds to 2" in message
    assert "ssl.encoders.<name>.layer: a layer number" in message
    fixed = {**settings, "ssl": {"encoders": {"tiny": {"layer": 3}}}}
    assert check_dataset("tess", metadata, fixed) == []
    assert check_dataset("tess", metadata, {**settings, "cv_folds": 2}) == []


def test_an_outer_split_that_cannot_be_made_names_the_dataset():
    _, metadata = corpus(2)
    with pytest.raises(SpeakerGroupError, match=r"datasets\.tess: evaluation\.repeats 5"):
        check_dataset("tess", metadata, config(evaluation={"scheme": "repeated_holdout"}))


def test_cross_corpus_emotions_and_the_tess_diagonal_are_checked_from_the_metadata():
    _, metadata = corpus(2)
    cross = {"emotions": ["anger", "surprise"]}
    with pytest.raises(SpeakerGroupError, match=r"datasets\.tess has no utterance of surprise"):
        check_dataset("tess", metadata, config(cross_corpus=cross))
    cross = {"emotions": ["anger", "sadness"]}
    (warning,) = check_dataset("tess", metadata, config(cross_corpus=cross))
    assert "1 training speaker(s) on its hold-out split" in warning
    assert "cross_corpus.diagonal: false" in warning and "one-point grid" in warning
    with pytest.raises(SpeakerGroupError, match="cross_corpus.strict"):
        check_dataset("tess", metadata, config(cross_corpus={**cross, "strict": True}))
    assert check_dataset("tess", metadata, config(cross_corpus={**cross, "diagonal": False})) == []


def test_best_params_json_of_a_one_point_grid_says_no_selection_ran(tmp_path):
    from serflow.tables import write_json

    x_train, y_train, _, _ = gaussian_problem(10, 0.7)
    points, _ = expand_grid("lr", ONE_POINT["lr"])
    path = write_json(tune("lr", points, x_train, y_train).selection_record(), tmp_path / "b.json")
    assert json.loads(path.read_text())["selection"].startswith("none")
