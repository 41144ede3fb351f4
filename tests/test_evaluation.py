"""Outer folds (repeated hold-out, leave one speaker out), inner folds, and their evaluation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score
from sklearn.model_selection import StratifiedKFold

from serflow.evaluation import compare_feature_sets, pool_predictions, recall_table
from serflow.experiment import train_and_test
from serflow.metrics import uar
from serflow.plots import plot_confusion, plot_uar_per_fold, row_normalised
from serflow.results_matrix import build_fold_matrix, fold_uar_table, summarise_folds
from serflow.split import (
    SplitError,
    holdout_split,
    inner_folds,
    loso_split,
    outer_split,
    repeat_fold_ids,
    repeated_holdout_split,
)
from serflow.stats import (
    bootstrap_mean_interval,
    mcnemar_exact,
    paired_permutation_uar,
    uar_weights,
)

SPEAKERS = ["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]
EMOTIONS = "WLEAFTN"
EMODB_EMOTIONS = dict(
    zip(
        EMOTIONS,
        ["anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral"],
        strict=True,
    )
)


def _metadata(per_class: int = 2, speakers=SPEAKERS) -> pd.DataFrame:
    rows = [
        {"utterance": f"{s}a0{v}{e}a", "speaker": s, "emotion": e}
        for s in speakers
        for e in EMOTIONS
        for v in range(per_class)
    ]
    return pd.DataFrame(rows).sort_values("utterance", ignore_index=True)


# --- outer folds -------------------------------------------------------------------------------


def test_loso_has_one_fold_per_speaker_tested_on_that_speaker_alone():
    split = loso_split(_metadata())
    assert split["scheme"] == "loso"
    assert [fold["fold"] for fold in split["folds"]] == [f"speaker-{s}" for s in SPEAKERS]
    for fold, speaker in zip(split["folds"], SPEAKERS, strict=True):
        assert fold["test_speakers"] == [speaker]
        assert fold["train_speakers"] == [s for s in SPEAKERS if s != speaker]


def test_repeated_holdout_draws_distinct_seeded_splits_starting_with_the_holdout():
    split = repeated_holdout_split(_metadata(), repeats=5, test_fraction=0.3, seed=4)
    folds = split["folds"]
    assert [fold["fold"] for fold in folds] == repeat_fold_ids(5)
    assert len({tuple(fold["test_speakers"]) for fold in folds}) == 5
    for fold in folds:
        assert len(fold["test_speakers"]) == 3
        assert not set(fold["test_speakers"]) & set(fold["train_speakers"])
        assert sorted(fold["test_speakers"] + fold["train_speakers"]) == SPEAKERS
    (holdout,) = holdout_split(_metadata(), test_fraction=0.3, seed=4)["folds"]
    assert folds[0]["test_speakers"] == holdout["test_speakers"]
    assert repeated_holdout_split(_metadata(), repeats=5, test_fraction=0.3, seed=4) == split
    other = repeated_holdout_split(_metadata(), repeats=5, test_fraction=0.3, seed=5)
    assert other != split


def test_repeated_holdout_refuses_more_repeats_than_there_are_splits():
    with pytest.raises(SplitError, match="evaluation.repeats 5"):
        repeated_holdout_split(_metadata(speakers=SPEAKERS[:4]), repeats=5, test_fraction=0.3)


def test_outer_split_names_an_unknown_scheme():
    with pytest.raises(SplitError, match="evaluation.scheme 'kfold'"):
        outer_split(_metadata(), "kfold")


# --- inner folds ---------------------------------------------------------------------------------


def _training_rows(n_speakers: int = 7) -> pd.DataFrame:
    return _metadata(per_class=3, speakers=SPEAKERS[:n_speakers])


def test_group_inner_cv_never_shares_a_speaker_between_training_and_validation():
    rows = _training_rows()
    labels, speakers = rows["emotion"].to_numpy(), rows["speaker"].to_numpy()
    folds = inner_folds(labels, speakers, "group", 5)
    assert len(folds) == 5
    validated = np.concatenate([validation for _, validation in folds])
    assert sorted(validated) == list(range(len(rows)))  # every row validated exactly once
    for train, validation in folds:
        assert len(validation) > 0
        assert not set(speakers[train]) & set(speakers[validation])
        assert sorted(np.concatenate([train, validation])) == list(range(len(rows)))
    assert inner_folds(labels, speakers, "group", 5)[0][1].tolist() == folds[0][1].tolist()


def test_kfold_inner_cv_is_the_notebooks_and_mixes_speakers():
    rows = _training_rows()
    labels, speakers = rows["emotion"].to_numpy(), rows["speaker"].to_numpy()
    folds = inner_folds(labels, speakers, "kfold", 5)
    expected = StratifiedKFold(n_splits=5).split(np.zeros(len(labels)), labels)
    for (train, validation), (train_e, validation_e) in zip(folds, expected, strict=True):
        assert train.tolist() == train_e.tolist() and validation.tolist() == validation_e.tolist()
    assert any(set(speakers[train]) & set(speakers[validation]) for train, validation in folds)


def test_group_inner_cv_needs_as_many_training_speakers_as_folds():
    rows = _training_rows(n_speakers=3)
    with pytest.raises(SplitError, match="evaluation.inner_cv group.*3"):
        inner_folds(rows["emotion"].to_numpy(), rows["speaker"].to_numpy(), "group", 5)


def _learnable_features(metadata: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Six noisy features whose means depend on the emotion: real data for a quick fit."""
    rng = np.random.default_rng(seed)
    codes = metadata["emotion"].map({e: i for i, e in enumerate(EMOTIONS)}).to_numpy()
    values = rng.normal(size=(len(metadata), 6)) + np.eye(7)[codes][:, :6] * 1.5
    table = pd.DataFrame(values.astype(np.float32), columns=[f"f{i}" for i in range(6)])
    return table.assign(utterance=metadata["utterance"].to_numpy())[["utterance", *table.columns]]


@pytest.mark.parametrize("classifier", ["lr", "svm"])
def test_grid_search_with_group_inner_cv_validates_on_unseen_speakers(classifier):
    metadata = _metadata(per_class=3)
    (fold,) = holdout_split(metadata, test_speakers=["03", "13", "16"])["folds"]
    grids = {
        "lr": [{"C": [0.1, 1.0], "solver": ["lbfgs"]}],
        "svm": [{"C": [1.0], "kernel": ["rbf", "linear"], "gamma": [0.1]}],
    }
    outcome = train_and_test(
        _learnable_features(metadata), metadata, fold, classifier, grids[classifier],
        cv_folds=5, inner_cv="group",
    )  # fmt: skip
    speakers = outcome.training["speaker"].to_numpy()
    assert set(speakers) == set(fold["train_speakers"])
    # the folds the grid search was actually given
    searched = list(outcome.tuning.search.folds)
    assert len(searched) == 5
    for (train, validation), (kept_train, kept_validation) in zip(
        searched, outcome.inner_folds, strict=True
    ):
        assert train.tolist() == kept_train.tolist()
        assert validation.tolist() == kept_validation.tolist()
        assert not set(speakers[train]) & set(speakers[validation])
    assert "split4_test_score" in outcome.tuning.cv_results()
    assert set(outcome.predictions["speaker"]) == {"03", "13", "16"}
    assert uar(outcome.predictions["emotion"], outcome.predictions["predicted"]) > 1 / 7


# --- statistics ----------------------------------------------------------------------------------


def test_bootstrap_interval_brackets_the_mean_and_is_seeded():
    values = [40.0, 55.0, 47.0, 61.0, 38.0, 52.0, 44.0, 58.0, 49.0, 50.0]
    low, high = bootstrap_mean_interval(values, confidence=0.95, resamples=5000, seed=1)
    assert low < np.mean(values) < high
    assert min(values) < low and high < max(values)
    assert bootstrap_mean_interval(values, resamples=5000, seed=1) == (low, high)
    narrower = bootstrap_mean_interval(values, confidence=0.5, resamples=5000, seed=1)
    assert low < narrower[0] < narrower[1] < high
    assert all(np.isnan(bootstrap_mean_interval([50.0])))


def test_mcnemar_exact_counts_disagreements_and_tests_them():
    a = np.array([True] * 10 + [False] * 6 + [True] * 4)
    b = np.array([True] * 10 + [True] * 6 + [False] * 0 + [True] * 4)
    assert mcnemar_exact(a, b) == (0, 6, pytest.approx(2 * 0.5**6))
    assert mcnemar_exact(a, a) == (0, 0, 1.0)


def test_uar_weights_sum_correct_rows_to_the_uar():
    truth = np.array(list("WWWLLNNNNN"))
    predicted = np.array(list("WWLLLNNWNN"))
    assert np.sum(uar_weights(truth) * (predicted == truth)) == pytest.approx(uar(truth, predicted))


def test_permutation_test_matches_the_exact_sign_flip_distribution():
    truth = np.array(list("WWWWLLLLNNNN"))
    predicted_a = np.array(list("WWWWLLLWNNNL"))
    predicted_b = np.array(list("WLLWLNLWNWNL"))
    difference, p_value = paired_permutation_uar(
        truth, predicted_a, predicted_b, permutations=20000, seed=3
    )
    assert difference == pytest.approx(uar(truth, predicted_a) - uar(truth, predicted_b))
    terms = uar_weights(truth) * ((predicted_a == truth) * 1.0 - (predicted_b == truth))
    terms = terms[terms != 0]
    flips = [np.dot(signs, terms) for signs in itertools.product([-1, 1], repeat=len(terms))]
    exact = np.mean(np.abs(flips) >= abs(difference) - 1e-12)
    assert p_value == pytest.approx(exact, abs=0.01)
    again = paired_permutation_uar(truth, predicted_a, predicted_b, permutations=20000, seed=3)
    assert again == (difference, p_value)
    assert paired_permutation_uar(truth, predicted_a, predicted_a) == (0.0, 1.0)


# --- tables of several folds ---------------------------------------------------------------------


def _fold_predictions(speaker: str, correct: int) -> pd.DataFrame:
    """Predictions of one speaker's 7 utterances, the first ``correct`` of them right."""
    emotions = [EMODB_EMOTIONS[letter] for letter in EMOTIONS]
    predicted = emotions[:correct] + [emotions[(i + 1) % 7] for i in range(correct, 7)]
    return pd.DataFrame(
        {
            "utterance": [f"{speaker}a01{letter}a" for letter in EMOTIONS],
            "speaker": speaker,
            "emotion": emotions,
            "predicted": predicted,
        }
    )


def _pooled_run():
    """Two feature sets × one classifier × three leave-one-speaker-out folds."""
    correct = {"compare": [7, 4, 1], "egemaps": [5, 5, 2]}
    scores, tables = [], []
    for feature_set in ["egemaps", "compare"]:  # job order must not matter
        for k, speaker in enumerate(["03", "08", "09"]):
            table = _fold_predictions(speaker, correct[feature_set][k])
            scores.append(
                {
                    "feature_set": feature_set,
                    "classifier": "lr",
                    "fold": f"speaker-{speaker}",
                    "test_speakers": [speaker],
                    "n_test": 7,
                    "uar": uar(table["emotion"], table["predicted"]),
                }
            )
            tables.append(table)
    return scores, tables


def test_fold_summary_matrix_recall_and_comparison_of_pooled_folds():
    scores, tables = _pooled_run()
    pooled = pool_predictions(scores, tables)
    assert list(pooled.columns) == [
        "feature_set", "classifier", "fold", "utterance", "speaker", "emotion", "predicted"
    ]  # fmt: skip
    assert pooled["feature_set"].tolist()[:21] == ["compare"] * 21
    folds = fold_uar_table(scores)
    summary = summarise_folds(
        folds, pooled, ["compare", "egemaps"], ["lr"], resamples=2000, seed=0
    ).set_index("feature_set")
    compare = summary.loc["compare"]
    fold_uars = 100 * np.array([7, 4, 1]) / 7
    assert compare["n_folds"] == 3
    assert compare["uar_mean"] == pytest.approx(fold_uars.mean())
    assert compare["uar_sd"] == pytest.approx(fold_uars.std(ddof=1))
    assert compare["ci_low"] <= compare["uar_mean"] <= compare["ci_high"]
    assert compare["uar_pooled"] == pytest.approx(100 * 12 / 21)
    means, texts = build_fold_matrix(summary.reset_index(), ["compare", "egemaps"], ["lr"])
    assert means.loc["compare", "Logistic Regression"] == round(fold_uars.mean(), 1)
    assert compare["interval_note"] == "(3 folds: interval not meaningful)"
    assert texts.loc["compare", "Logistic Regression"] == (
        f"{fold_uars.mean():.1f} ± {fold_uars.std(ddof=1):.1f} "
        f"[{compare['ci_low']:.1f}, {compare['ci_high']:.1f}] (3 folds: interval not meaningful)"
    )
    recall = recall_table(pooled, ["compare", "egemaps"], ["lr"])
    assert list(recall.columns) == [
        "anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness", "uar"
    ]  # fmt: skip
    assert recall.loc[("compare", "lr"), "anger"] == pytest.approx(100.0)  # right in every fold
    assert recall.loc[("compare", "lr"), "neutral"] == pytest.approx(100 / 3)
    assert recall.loc[("compare", "lr"), "uar"] == pytest.approx(compare["uar_pooled"])
    comparison = compare_feature_sets(pooled, ["compare", "egemaps"], ["lr"], permutations=2000)
    (row,) = comparison.to_dict("records")
    assert (row["feature_set_a"], row["feature_set_b"], row["n"]) == ("compare", "egemaps", 21)
    assert row["difference"] == pytest.approx(row["uar_a"] - row["uar_b"])
    assert 0 < row["permutation_p"] <= 1 and 0 < row["mcnemar_p"] <= 1
    again = compare_feature_sets(pooled, ["compare", "egemaps"], ["lr"], permutations=2000)
    pd.testing.assert_frame_equal(comparison, again)


def test_comparison_refuses_feature_sets_tested_on_different_folds():
    scores, tables = _pooled_run()
    pooled = pool_predictions(scores, tables)
    pooled = pooled[~((pooled["feature_set"] == "egemaps") & (pooled["fold"] == "speaker-09"))]
    with pytest.raises(ValueError, match="same utterances and folds"):
        compare_feature_sets(pooled, ["compare", "egemaps"], ["lr"])


def test_plots_are_written_identically_twice(tmp_path):
    scores, tables = _pooled_run()
    pooled = pool_predictions(scores, tables)
    counts = pd.crosstab(pooled["emotion"], pooled["predicted"])
    assert np.allclose(row_normalised(counts).sum(axis=1), 100)
    folds = fold_uar_table(scores)
    for name in ["a", "b"]:
        plot_confusion(counts, "confusion", tmp_path / f"confusion_{name}.png")
        plot_uar_per_fold(
            folds, ["compare", "egemaps"], ["lr"], "folds", tmp_path / f"f_{name}.png"
        )
    assert (tmp_path / "confusion_a.png").read_bytes() == (
        tmp_path / "confusion_b.png"
    ).read_bytes()
    assert (tmp_path / "f_a.png").read_bytes() == (tmp_path / "f_b.png").read_bytes()
    assert (tmp_path / "f_a.png").stat().st_size > 1000


def test_paired_difference_is_the_uar_difference_when_the_truth_lacks_a_predicted_class():
    # a test fold without anger (W), which both systems predict: UAR averages over W, L, N
    truth = np.array(list("LLLLNNNN"))
    predicted_a = np.array(list("LLLWNNWN"))
    predicted_b = np.array(list("LWLWNWWN"))
    difference, _ = paired_permutation_uar(truth, predicted_a, predicted_b, permutations=200)
    macro_a = recall_score(truth, predicted_a, average="macro", zero_division=0)
    macro_b = recall_score(truth, predicted_b, average="macro", zero_division=0)
    assert difference == pytest.approx(macro_a - macro_b)
    assert difference == pytest.approx(uar(truth, predicted_a) - uar(truth, predicted_b))
