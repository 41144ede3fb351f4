"""One small demo run with what nkululeko users expect: knn and XGBoost, a fused feature set,
oversampled training parts, and export on the split or on every speaker."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workflow_runner import demo_config, planned_jobs, run_snakemake, write_config

pytestmark = pytest.mark.workflow

SERFLOW = str(Path(sys.executable).with_name("serflow"))
TEST_SPEAKERS = ["03", "13", "16"]
FUSED = "egemaps+compare"
GRIDS = {"knn": [{"n_neighbors": [5]}], "xgb": [{"n_estimators": [10], "max_depth": [2]}]}


def config(train_on: str) -> dict:
    return demo_config(
        feature_sets=["egemaps", FUSED],
        classifiers=["knn", "xgb"],
        grids=GRIDS,
        balance="oversample",
        export={
            "models": [{"feature_set": "egemaps", "classifier": c} for c in ("knn", "xgb")],
            "train_on": train_on,
        },
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("classifier_options")
    write_config(workdir, config("split_training"))
    run_snakemake(workdir, "--cores", "2")
    return workdir


def test_results_matrix_has_the_new_classifiers_and_the_fused_set(run):
    matrix = pd.read_csv(run / "results/demo/results_matrix.csv", index_col=0)
    assert list(matrix.columns) == ["k-Nearest Neighbours", "XGBoost"]
    assert list(matrix.index) == ["egemaps", FUSED]
    assert matrix.notna().all().all()


def test_fused_table_joins_both_sets_prefixed_and_is_normalised_after_joining(run):
    features = run / "results/demo/features"
    egemaps, compare = (pd.read_parquet(features / f"{n}.parquet") for n in ("egemaps", "compare"))
    fused = pd.read_parquet(features / f"{FUSED}.parquet")
    assert fused.shape == (len(egemaps), 1 + 88 + 6373)
    assert fused.columns[1] == f"egemaps.{egemaps.columns[1]}"
    assert fused.columns[-1] == f"compare.{compare.columns[-1]}"
    np.testing.assert_array_equal(fused.iloc[:, 1:89].to_numpy(), egemaps.iloc[:, 1:].to_numpy())
    normalised = pd.read_parquet(features / f"{FUSED}.normalised.parquet")
    metadata = pd.read_parquet(run / "results/demo/metadata.parquet")
    table = normalised.merge(metadata[["utterance", "speaker"]], on="utterance")
    means = table.groupby("speaker")[list(normalised.columns[1:50])].mean()
    assert np.abs(means.to_numpy()).max() < 1e-4


def test_tuning_oversampled_the_training_parts(run):
    log = (run / "logs/demo/tune_classifier/egemaps/xgb.log").read_text()
    assert "classes balanced by oversample in every training part" in log


def test_exported_knn_and_xgb_predict_the_test_speakers_as_the_benchmark(run, tmp_path):
    folder = tmp_path / "recordings"
    for path in sorted((run / "resources/demo/demo/wav").glob("*.wav")):
        if path.name[:2] in TEST_SPEAKERS:
            (folder / path.name[:2]).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / path.name[:2] / path.name)
    for classifier in ("knn", "xgb"):
        bundle = run / "results/demo/models/egemaps" / classifier
        manifest = json.loads((bundle / "manifest.json").read_text())
        assert manifest["train_on"] == "split_training" and manifest["balance"] == "oversample"
        assert manifest["test_speakers"] == TEST_SPEAKERS and manifest["scores"] == "probability"
        out = tmp_path / f"{classifier}.csv"
        result = subprocess.run(
            [SERFLOW, "predict", str(bundle), str(folder), "-o", str(out)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        predicted = pd.read_csv(out)
        predicted["utterance"] = predicted["file"].map(lambda f: Path(f).stem)
        benchmark = pd.read_parquet(
            run / "results/demo/classification/egemaps" / classifier / "predictions.parquet"
        )
        merged = benchmark.merge(predicted, on="utterance", validate="one_to_one")
        assert len(merged) == len(benchmark) == 3 * 7 * 2
        assert merged["predicted_x"].tolist() == merged["predicted_y"].tolist()


def test_train_on_all_speakers_reruns_only_the_export(run):
    write_config(run, config("all_speakers"))
    assert planned_jobs(run) == {"export_model": 2}
    run_snakemake(run, "--cores", "2")
    manifest = json.loads((run / "results/demo/models/egemaps/xgb/manifest.json").read_text())
    metadata = pd.read_parquet(run / "results/demo/metadata.parquet")
    assert manifest["train_on"] == "all_speakers" and manifest["test_speakers"] == []
    assert manifest["training_speakers"] == sorted(metadata["speaker"].unique())
    assert manifest["n_training_utterances"] == len(metadata)
    assert "every speaker of the dataset" in manifest["fit"]
