"""What captions and the closing summary say beside the numbers: the chance level, the SSL
layer, and intervals over too few folds."""

from __future__ import annotations

import os
import re
import time

import numpy as np
import pandas as pd
import pytest

from serflow.closing_summary import closing_summary
from serflow.dimensional_results import ccc_matrix
from serflow.fold_ids import FOLD_FOLDER_PATTERN, fold_folder, fold_of_folder
from serflow.layer_choice import layer_choice_note
from serflow.results_matrix import chance_level, few_folds_caption
from serflow.stats import MIN_INTERVAL_FOLDS, interval_note
from serflow.summary import cross_corpus_chance


def test_an_interval_over_fewer_than_5_folds_says_it_is_not_meaningful():
    assert MIN_INTERVAL_FOLDS == 5
    assert interval_note(2) == "(2 folds: interval not meaningful)"
    assert interval_note(4) == "(4 folds: interval not meaningful)"
    assert interval_note(5) == "" and interval_note(10) == ""
    assert few_folds_caption(2) == (
        "; with 2 folds (fewer than 5) an interval over the folds is not meaningful"
    )
    assert few_folds_caption(5) == ""


def test_ccc_cells_over_few_folds_carry_the_note():
    row = {"feature_set": "egemaps", "regressor": "svr", "dimension": "arousal"}
    summary = pd.DataFrame(
        [
            {**row, "folds": 2, "ccc": 0.5, "ccc_sd": 0.1, "ccc_ci_low": 0.4, "ccc_ci_high": 0.6,
             "interval_note": interval_note(2)},
            {**row, "feature_set": "compare", "folds": 6, "ccc": 0.3, "ccc_sd": 0.1,
             "ccc_ci_low": 0.2, "ccc_ci_high": 0.4, "interval_note": interval_note(6)},
        ]
    )  # fmt: skip
    _, texts = ccc_matrix(summary, "arousal", ["egemaps", "compare"], ["svr"])
    column = texts["Support Vector Regression"]
    assert column["egemaps"] == "0.500 ± 0.100 [0.400, 0.600] (2 folds: interval not meaningful)"
    assert column["compare"] == "0.300 ± 0.100 [0.200, 0.400]"


def _choice(fold: str, layer, selection: str = "auto", feature_set: str = "w2v") -> dict:
    return {"feature_set": feature_set, "fold": fold, "layer": layer, "selection": selection}


def test_the_layer_note_names_each_ssl_feature_sets_layer_over_the_folds():
    assert layer_choice_note([]) == ""
    assert layer_choice_note([_choice("holdout", 2)]) == (
        ". SSL layer: w2v layer 2 (chosen by inner CV on the training speakers)"
    )
    folds = [_choice(f"speaker-0{i}", layer) for i, layer in enumerate([3, 2, 3, 3, 2])]
    folds += [_choice(f"speaker-0{i}", 4, "4", "hubert") for i in range(5)]
    folds += [_choice(f"speaker-0{i}", "weighted", "weighted", "wavlm") for i in range(5)]
    assert layer_choice_note(folds) == (
        ". SSL layers: w2v layer 3 in 3 folds, layer 2 in 2 folds (chosen by inner CV on the "
        "training speakers); hubert layer 4 in all 5 folds (fixed in config); wavlm every "
        "layer, weighed by the classifier"
    )


def test_chance_is_100_over_the_classes_of_each_jobs_test_rows():
    seven = {e: 0.5 for e in "abcdefg"}
    assert chance_level([{"recall": seven}] * 3) == pytest.approx(100 / 7)
    # a fold whose test speaker has 4 of the classes: the mean a constant classifier gets
    four = {e: 0.5 for e in "abcd"}
    assert chance_level([{"recall": seven}, {"recall": four}]) == pytest.approx((100 / 7 + 25) / 2)


def test_cross_corpus_chance_follows_each_cells_test_classes():
    cell = {"feature_set": "egemaps", "classifier": "lr"}
    scores = [
        {**cell, "train_dataset": "a", "test_dataset": "a", "recall": dict.fromkeys("xyzw", 1)},
        {**cell, "train_dataset": "a", "test_dataset": "b", "recall": dict.fromkeys("xy", 1)},
        {**cell, "train_dataset": "b", "test_dataset": "a", "uar": None, "missing": "why"},
        {**cell, "classifier": "svm", "train_dataset": "b", "test_dataset": "b",
         "recall": dict.fromkeys("x", 1)},
    ]  # fmt: skip
    chance = cross_corpus_chance(scores, "egemaps", "lr", ["a", "b"])
    np.testing.assert_array_equal(chance.to_numpy(), [[25.0, 50.0], [np.nan, np.nan]])


def test_fold_folders_have_no_doubled_holdout():
    assert fold_folder("holdout", "holdout") == "holdout"
    assert fold_folder("loso", "speaker-03") == "loso/speaker-03"
    for scheme, fold in [("holdout", "holdout"), ("repeated_holdout", "repeat-01")]:
        folder = fold_folder(scheme, fold)
        assert re.fullmatch(FOLD_FOLDER_PATTERN, folder)
        assert fold_of_folder(folder) == (scheme, fold)
    assert not re.fullmatch(FOLD_FOLDER_PATTERN, "holdout/holdout")
    assert not re.fullmatch(FOLD_FOLDER_PATTERN, "loso/repeat-01/x")


def test_closing_summary_prints_each_matrix_and_says_which_this_run_did_not_remake(tmp_path):
    fresh, old = tmp_path / "a.md", tmp_path / "b.md"
    fresh.write_text("Test UAR (%) on a. SSL layer: w2v layer 2\n\n| x |\n")
    old.write_text("Test UAR (%) on b\n")
    started = time.time() - 60
    os.utime(old, (started - 60, started - 60))
    text = closing_summary([fresh, tmp_path / "missing.md", old], started)
    assert text == (
        f"serflow: results\n\n--- {fresh}\nTest UAR (%) on a. SSL layer: w2v layer 2\n\n| x |"
        f"\n\n--- {old} (not remade by this run)\nTest UAR (%) on b\n"
    )
    assert closing_summary([tmp_path / "missing.md"], started) == ""
