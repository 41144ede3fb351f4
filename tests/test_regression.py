"""Dimensional scores (CCC, Pearson, MAE), the CCC-scored grid searches and the targets read
from csv manifests and audformat tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVR

from serflow.corpus import CorpusError, build_metadata
from serflow.demo_layouts import clip_targets, plan_layout, write_layout
from serflow.formats import FormatError, read_entries
from serflow.metrics import ccc, mae, pearson
from serflow.regression import grouped_folds, make_search, train_and_test

TARGETS = {"arousal": {"range": [1, 5]}, "valence": {"column": "valence", "range": [1, 5]}}


def test_ccc_against_a_hand_computation():
    truth, predicted = [1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 4.0, 5.0]
    # means 2.5 and 3.25; population variances 1.25 and 1.6875; covariance
    # ((-1.5)(-1.25) + (-0.5)(-1.25) + (0.5)(0.75) + (1.5)(1.75)) / 4 = 1.375
    expected = 2 * 1.375 / (1.25 + 1.6875 + 0.75**2)
    assert ccc(truth, predicted) == pytest.approx(expected)  # 0.7857...
    assert ccc(truth, truth) == pytest.approx(1.0)
    assert ccc(truth, [5.0, 5.0, 5.0, 5.0]) == 0.0
    # a shift keeps Pearson's r at 1 but lowers CCC
    assert pearson(truth, np.add(truth, 1)) == pytest.approx(1.0)
    assert ccc(truth, np.add(truth, 1)) == pytest.approx(2 * 1.25 / (2.5 + 1.0))
    assert mae(truth, predicted) == pytest.approx(0.75)


def regression_data(n_speakers=6, per_speaker=12, seed=0):
    rng = np.random.default_rng(seed)
    n = n_speakers * per_speaker
    x = rng.normal(size=(n, 8))
    y = x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=n)
    speakers = np.repeat([f"s{i}" for i in range(n_speakers)], per_speaker)
    return x, y, speakers


def test_grouped_folds_keep_each_speaker_in_one_validation_fold():
    _, _, speakers = regression_data()
    folds = grouped_folds(speakers, 3)
    assert len(folds) == 3
    for train, validation in folds:
        assert not set(speakers[train]) & set(speakers[validation])
    with pytest.raises(ValueError, match="at least cv_folds"):
        grouped_folds(speakers[:24], 3)


def test_the_svr_search_on_precomputed_kernels_matches_grid_search_cv_by_ccc():
    x, y, speakers = regression_data()
    folds = grouped_folds(speakers, 3)
    grid = [
        {"C": [0.1, 1.0], "epsilon": [0.1], "gamma": [0.01, 0.1], "kernel": ["rbf"]},
        {"C": [0.01], "kernel": ["linear"]},
    ]
    from serflow.grids import expand_grid

    points, _ = expand_grid("svr", grid)
    search = make_search("svr", points, folds=folds, seed=0).fit(x, y)
    reference = GridSearchCV(
        SVR(), [{k: [v] for k, v in p.items()} for p in points], cv=folds, scoring=_ccc_scorer
    ).fit(x, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], atol=1e-6
    )
    assert search.best_params_ == reference.best_params_
    np.testing.assert_allclose(search.predict(x[:5]), reference.predict(x[:5]), atol=1e-6)


def _ccc_scorer(estimator, x, y):
    return ccc(y, estimator.predict(x))


def test_ridge_is_chosen_by_ccc_and_predicts_the_test_speakers():
    x, y, speakers = regression_data()
    features = pd.DataFrame(x, columns=[f"f{i}" for i in range(8)])
    features.insert(0, "utterance", [f"u{i:03d}" for i in range(len(y))])
    metadata = pd.DataFrame(
        {"utterance": features["utterance"], "speaker": speakers, "target_arousal": y}
    )
    fold = {"fold": "holdout", "train_speakers": [f"s{i}" for i in range(4)],
            "test_speakers": ["s4", "s5"]}  # fmt: skip
    grid = {"alpha": [1.0, 1.0e6]}  # a huge alpha predicts about the mean: CCC near 0
    [outcome] = train_and_test(features, metadata, fold, "ridge", grid, ["arousal"], cv_folds=2)
    assert outcome.tuning.best_params == {"alpha": 1.0}
    predictions = outcome.predictions
    assert set(predictions["speaker"]) == {"s4", "s5"} and len(predictions) == 24
    assert ccc(predictions["true"], predictions["predicted"]) > 0.8


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    root = tmp_path_factory.mktemp("layouts")
    clips = plan_layout("csv", speakers=2, clips_per_class=2, min_duration_s=0.3,
                        max_duration_s=0.4)  # fmt: skip
    manifest = write_layout(root / "csv", "csv", clips)
    database = write_layout(root / "audformat", "audformat", clips)
    return clips, manifest, database


def test_targets_come_from_the_csv_manifest_and_the_audformat_table(layouts):
    clips, manifest, database = layouts
    expected = clip_targets(clips)
    entries = read_entries("csv", manifest, {"targets": TARGETS})
    np.testing.assert_allclose([e.fields["target_arousal"] for e in entries], expected["arousal"])
    # the audformat demo rates on 0-1
    scaled = {"arousal": {"range": [0, 1]}}
    entries = read_entries("audformat", database, {"targets": scaled})
    np.testing.assert_allclose(
        [e.fields["target_arousal"] for e in entries], (expected["arousal"] - 1) / 4, atol=1e-4
    )


def test_a_bad_target_value_names_the_file_and_the_column(layouts, tmp_path):
    clips, manifest, _ = layouts
    table = pd.read_csv(manifest, dtype=str)
    table.loc[1, "valence"] = "n/a"
    table.loc[2, "arousal"] = "9.0"
    bad = manifest.parent / "bad.csv"
    table.to_csv(bad, index=False)
    entries = read_entries("csv", bad, {"targets": TARGETS})
    with pytest.raises(CorpusError, match=rf"{table.loc[1, 'file']}: column 'valence' .*'n/a'"):
        build_metadata(entries)
    kept = build_metadata(entries, skip_bad_files=True)
    assert len(kept.metadata) == len(table) - 2
    assert "is out of range [1, 5]" in " ".join(kept.skipped.reasons.values())
    with pytest.raises(FormatError, match="lacks the column"):
        read_entries("csv", bad, {"targets": {"dominance": {"range": [1, 5]}}})
