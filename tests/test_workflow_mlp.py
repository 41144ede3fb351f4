"""The mlp classifier and SUPERB's weighted sum of layers through the real workflow, in one run
on the smallest demo corpus: eGeMAPS with an exported mlp bundle, and a tiny random wav2vec 2.0
model (save_pretrained, no download) with ``layer: weighted``, under repeated hold-out."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from serflow.experiment import train_and_test
from serflow.ssl import save_random_encoder

from workflow_runner import SNAKEMAKE, demo_config, run_snakemake, write_config

pytestmark = pytest.mark.workflow

#: 2 grid points (a linear head and one hidden layer), few epochs: a cheap search.
MLP_GRID = [
    {
        "hidden_layers": [[], [16]],
        "learning_rate": [0.01],
        "max_epochs": [15],
        "patience": [4],
    }
]
TEST_SPEAKERS = ["03", "13", "16"]
SERFLOW = str(Path(SNAKEMAKE).with_name("serflow"))


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory) -> Path:
    """One run for every test here: eGeMAPS and a tiny random wav2vec 2.0 with
    ``layer: weighted``, both with the mlp (speaker-grouped inner CV), two repeated hold-out
    folds, and the eGeMAPS mlp exported (tuned on the hold-out split)."""
    workdir = tmp_path_factory.mktemp("mlp_workflow")
    model = save_random_encoder(workdir / "tiny-wav2vec2", "wav2vec2")
    config = demo_config(
        feature_sets=["egemaps", "w2v"],
        classifiers=["mlp"],
        ssl={"encoders": {"w2v": {"model": str(model), "layer": "weighted"}}},
        evaluation={"scheme": "repeated_holdout", "repeats": 2, "inner_cv": "group"},
        export={"models": [{"feature_set": "egemaps", "classifier": "mlp"}]},
    )
    config["grids"] = {"mlp": MLP_GRID}
    write_config(workdir, config)
    run_snakemake(workdir, "--cores", "2")
    return workdir


def test_mlp_cell_and_its_training_record(mlp_run):
    results = mlp_run / "results/demo"
    matrix = pd.read_csv(results / "results_matrix.repeated_holdout.csv")
    assert "Multi-Layer Perceptron" in matrix.columns
    assert sorted(matrix.iloc[:, 0]) == ["egemaps", "w2v"]
    # two folds: every interval says it is not meaningful, in the matrix, caption and summary
    assert (
        matrix["Multi-Layer Perceptron"].str.endswith("] (2 folds: interval not meaningful)").all()
    )
    caption = (results / "results_matrix.repeated_holdout.md").read_text().splitlines()[0]
    assert "with 2 folds (fewer than 5) an interval over the folds is not meaningful" in caption
    assert caption.endswith("SSL layer: w2v every layer, weighed by the classifier")
    summary = pd.read_csv(results / "evaluation/repeated_holdout/uar_summary.csv")
    assert (summary["interval_note"] == "(2 folds: interval not meaningful)").all()
    folder = results / "classification/egemaps/mlp"
    tuned = json.loads((folder / "best_params.json").read_text())
    assert tuned["best_params"]["hidden_layers"] in ([], [16])
    training = tuned["training"]
    assert 1 <= training["best_epoch"] <= training["epochs_run"] <= 15
    assert training["stopped_early"] == (training["epochs_run"] < 15)
    split = json.loads((results / "split.json").read_text())["folds"][0]
    # early stopping chose its epoch on training speakers only
    assert training["validation_speakers"]
    assert set(training["validation_speakers"]) <= set(split["train_speakers"])
    assert not set(training["validation_speakers"]) & set(split["test_speakers"])
    assert len(pd.read_csv(folder / "cv_results.csv")) == 2
    log = (mlp_run / "logs/demo/tune_classifier/egemaps/mlp.log").read_text()
    epochs = [line for line in log.splitlines() if "refit epoch" in line]
    assert len(epochs) == training["epochs_run"]
    assert "training loss" in epochs[0] and "validation UAR" in epochs[0]


def test_mlp_predictions_are_identical_in_a_second_run(mlp_run):
    """The hold-out search again, in this process: the same predictions and choice, bit for bit."""
    results = mlp_run / "results/demo"
    folder = results / "classification/egemaps/mlp"
    outcome = train_and_test(
        pd.read_parquet(results / "features/egemaps.normalised.parquet"),
        pd.read_parquet(results / "metadata.parquet"),
        json.loads((results / "split.json").read_text())["folds"][0],
        "mlp",
        MLP_GRID,
        inner_cv="group",
    )
    first = pd.read_parquet(folder / "predictions.parquet")
    pd.testing.assert_frame_equal(outcome.predictions, first)
    tuned = json.loads((folder / "best_params.json").read_text())
    assert outcome.tuning.best_params == tuned["best_params"]
    assert outcome.tuning.best_cv_uar == tuned["cv_uar"]
    assert outcome.tuning.search.best_estimator_.training_record() == tuned["training"]


def test_exported_mlp_predicts_what_the_benchmark_predicted(mlp_run, tmp_path):
    bundle = mlp_run / "results/demo/models/egemaps/mlp"
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["scores"] == "probability"
    assert manifest["weights_file"] == "model.safetensors"
    assert (bundle / "model.safetensors").read_bytes()[8:9] == b"{"  # safetensors header
    recordings = tmp_path / "recordings"
    wav = mlp_run / "resources/demo/demo/wav"
    for path in sorted(wav.glob("*.wav")):
        if path.name[:2] in TEST_SPEAKERS:
            (recordings / path.name[:2]).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, recordings / path.name[:2] / path.name)
    out = tmp_path / "predicted.csv"
    result = subprocess.run(
        [SERFLOW, "predict", str(bundle), str(recordings), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    predicted = pd.read_csv(out, keep_default_na=False)
    predicted["utterance"] = predicted["file"].map(lambda f: Path(f).stem)
    benchmark = pd.read_parquet(
        mlp_run / "results/demo/classification/egemaps/mlp/predictions.parquet"
    )
    merged = benchmark.merge(predicted, on="utterance", validate="one_to_one")
    assert len(merged) == len(benchmark) == 3 * 7 * 2
    assert merged["predicted_x"].tolist() == merged["predicted_y"].tolist()
    scores = predicted[[c for c in predicted.columns if c.startswith("probability_")]]
    np.testing.assert_allclose(scores.to_numpy().sum(axis=1), 1.0, rtol=1e-6)


def test_layer_weighted_end_to_end_with_its_weights_in_the_report(mlp_run):
    results = mlp_run / "results/demo"
    folds = sorted(p.name for p in (results / "classification/w2v/mlp/repeated_holdout").iterdir())
    assert len(folds) == 2
    for fold in folds:
        folder = results / "features/ssl/w2v/repeated_holdout" / fold
        assert json.loads((folder / "layer.json").read_text())["layer"] == "weighted"
        columns = pd.read_parquet(folder / "features.normalised.parquet").columns
        assert columns[0] == "utterance" and columns[1] == "l00_mean_0000"
        assert {c[:3] for c in columns[1:]} == {"l00", "l01", "l02", "l03"}
    weights = pd.read_csv(results / "evaluation/repeated_holdout/layer_weights/w2v.csv")
    assert weights["layer"].tolist() == [0, 1, 2, 3]
    assert (weights["folds"] == 2).all()
    assert weights["weight"].sum() == pytest.approx(1.0, abs=1e-5)
    assert (weights["weight_min"] <= weights["weight"]).all()
    # the weights are learned: not the equal weights they start from
    assert not np.allclose(weights["weight"], 0.25, atol=1e-6)
    for fold in folds:
        record = json.loads(
            (
                results / f"classification/w2v/mlp/repeated_holdout/{fold}/best_params.json"
            ).read_text()
        )["training"]
        assert len(record["layer_weights"]) == 4
    png = results / "evaluation/repeated_holdout/layer_weights/w2v.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert (results / "evaluation/repeated_holdout/uar_per_layer/w2v.png").is_file()
    report = mlp_run / "report.html"
    run_snakemake(mlp_run, "--cores", "1", "--report", str(report))
    assert "Layer weights" in report.read_text(errors="replace")
