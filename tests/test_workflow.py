"""The real workflow, run by Snakemake in a temp dir on a small generated demo corpus."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from workflow_runner import demo_config, planned_jobs, run_snakemake, write_config

pytestmark = pytest.mark.workflow

FEATURE_SETS = ["compare", "egemaps"]
CLASSIFIERS = ["lr", "svm", "rf"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """The whole workflow on the small demo corpus, run once for this module."""
    workdir = tmp_path_factory.mktemp("demo_run")
    write_config(workdir, demo_config())
    run_snakemake(workdir, "--cores", "2")
    return workdir


def test_results_matrix_is_made_from_every_job(demo_run):
    results = demo_run / "results" / "demo"
    matrix = pd.read_csv(results / "results_matrix.csv", index_col="feature_set")
    assert list(matrix.index) == FEATURE_SETS
    assert list(matrix.columns) == [
        "Logistic Regression",
        "Support Vector Machine",
        "Random Forest Classification",
    ]
    for feature_set in FEATURE_SETS:
        for classifier, column in zip(CLASSIFIERS, matrix.columns, strict=True):
            job = results / "classification" / feature_set / classifier
            scores = json.loads((job / "scores.json").read_text())
            assert matrix.loc[feature_set, column] == round(100 * scores["uar"], 1)
            assert scores["test_speakers"] == ["03", "13", "16"]
            predictions = pd.read_parquet(job / "predictions.parquet")
            assert list(predictions.columns) == ["utterance", "speaker", "emotion", "predicted"]
            assert set(predictions["speaker"]) == {"03", "13", "16"}
            assert len(predictions) == 3 * 7 * 2
            recall = (
                (predictions["emotion"] == predictions["predicted"])
                .groupby(predictions["emotion"])
                .mean()
                .mean()
            )
            assert scores["uar"] == pytest.approx(recall)
            best = json.loads((job / "best_params.json").read_text())
            assert 0 <= best["cv_uar"] <= 1 and best["best_params"]
            cv_results = pd.read_csv(job / "cv_results.csv")
            assert "mean_test_score" in cv_results and len(cv_results) >= 1
            confusion = pd.read_csv(job / "confusion_matrix.csv", index_col=0)
            assert confusion.to_numpy().sum() == len(predictions)
            assert "macro avg" in (job / "classification_report.txt").read_text()
    # the demo corpus is learnable but not trivially so
    assert matrix.to_numpy().max() > 100 / 7 + 10
    assert (results / "results_matrix.png").stat().st_size > 1000
    assert "| compare |" in (results / "results_matrix.md").read_text()


def test_feature_tables_are_keyed_float32_and_normalised_per_speaker(demo_run):
    results = demo_run / "results" / "demo"
    metadata = pd.read_parquet(results / "metadata.parquet")
    assert len(metadata) == 10 * 7 * 2 and metadata["utterance"].is_monotonic_increasing
    assert set(metadata["sample_rate"]) == {16000}
    for feature_set, n_features in [("compare", 6373), ("egemaps", 88)]:
        raw = pd.read_parquet(results / "features" / f"{feature_set}.parquet")
        assert raw.shape == (len(metadata), n_features + 1)
        assert raw["utterance"].tolist() == metadata["utterance"].tolist()
        assert (raw.dtypes.iloc[1:] == "float32").all()
        normalised = pd.read_parquet(results / "features" / f"{feature_set}.normalised.parquet")
        assert not normalised.isna().any().any()
        per_speaker = normalised.drop(columns="utterance").groupby(metadata["speaker"].to_numpy())
        assert per_speaker.mean().abs().to_numpy().max() < 1e-4


def test_same_config_twice_gives_identical_results(demo_run, tmp_path):
    shutil.copy(demo_run / "config.yaml", tmp_path / "config.yaml")
    run_snakemake(tmp_path, "--cores", "2")
    for name in ["results_matrix.csv", "results_matrix.md", "split.json", "metadata.parquet"]:
        first = (demo_run / "results" / "demo" / name).read_bytes()
        if name == "metadata.parquet":  # holds absolute paths of the temp dirs
            a = pd.read_parquet(demo_run / "results" / "demo" / name).drop(columns="path")
            b = pd.read_parquet(tmp_path / "results" / "demo" / name).drop(columns="path")
            pd.testing.assert_frame_equal(a, b)
        else:
            assert first == (tmp_path / "results" / "demo" / name).read_bytes()
    for feature_set in FEATURE_SETS:
        a = pd.read_parquet(demo_run / f"results/demo/features/{feature_set}.parquet")
        b = pd.read_parquet(tmp_path / f"results/demo/features/{feature_set}.parquet")
        pd.testing.assert_frame_equal(a, b)


def _changed_config(demo_run: Path, change) -> str:
    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    change(config)
    write_config(demo_run, config, "changed.yaml")
    return "changed.yaml"


def test_nothing_is_rerun_when_nothing_changed(demo_run):
    assert planned_jobs(demo_run) == {}


def test_grid_change_reruns_only_that_classifier_and_the_matrix(demo_run):
    def change(config):
        config["grids"]["svm"] = [{"C": [0.1, 1.0], "gamma": [1.0e-3], "kernel": ["rbf"]}]

    assert planned_jobs(demo_run, _changed_config(demo_run, change)) == {
        "tune_classifier": len(FEATURE_SETS),
        "results_matrix": 1,
    }


def test_split_change_reruns_classification_only(demo_run):
    def change(config):
        config["split"] = {"test_speakers": ["08", "10", "12"]}

    assert planned_jobs(demo_run, _changed_config(demo_run, change)) == {
        "split_speakers": 1,
        "tune_classifier": len(FEATURE_SETS) * len(CLASSIFIERS),
        "results_matrix": 1,
    }


def test_dropping_a_classifier_shrinks_the_matrix_without_refitting(demo_run):
    def change(config):
        config["classifiers"] = ["lr", "rf"]

    assert planned_jobs(demo_run, _changed_config(demo_run, change)) == {"results_matrix": 1}


def test_unknown_config_key_stops_the_run_naming_it(tmp_path):
    config = copy.deepcopy(demo_config())
    config["split"]["test_fractoin"] = 0.2
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert "test_fractoin" in result.stdout + result.stderr
