"""Task dimensional end to end on the smallest generated csv demo corpus with synthetic arousal
and valence: CCC matrices (hold-out and leave one speaker out), scores, scatter plots, report,
export and predict, for ridge, SVR and the mlp_regressor (a PyTorch head)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workflow_runner import planned_jobs, run_snakemake, write_config

DIMENSIONS = ["arousal", "valence"]
EXPORTED = ["ridge", "svr", "mlp_regressor"]
NAMES = ["Ridge Regression", "Support Vector Regression", "Multi-Layer Perceptron Regression"]
# one point, a few epochs: the run shows the mlp_regressor's path, not what it can learn
MLP_GRID = {"hidden_layers": [[8]], "learning_rate": [0.01], "max_epochs": [20], "patience": [5]}
SERFLOW = str(Path(sys.executable).with_name("serflow"))


def dimensional_config(**overrides) -> dict:
    config = {
        "task": "dimensional",
        "datasets": {
            "dim": {
                "format": "csv",
                "source": "demo",
                "demo": {
                    "clips_per_class": 2,
                    "speakers": 4,
                    "min_duration_s": 0.6,
                    "max_duration_s": 0.9,
                },  # fmt: skip
                "targets": {"arousal": {"range": [1, 5]}, "valence": {"range": [1, 5]}},
            }
        },
        "feature_sets": ["egemaps"],
        "regressors": EXPORTED,
        "grids": {
            "ridge": {"alpha": [10.0]},
            "svr": {"C": [1.0], "kernel": ["rbf"]},
            "mlp_regressor": MLP_GRID,
        },
        "cv_folds": 2,
        # fits of a few ms each: worker processes (each importing torch) would cost more
        "threads": {"tune": 1},
        "split": {"test_speakers": ["spk04"]},
        "evaluation": {"scheme": "loso", "bootstrap_resamples": 200},
        # the test speaker's 8 clips are normalised per speaker, as in the benchmark
        "export": {
            "models": [{"feature_set": "egemaps", "classifier": r} for r in EXPORTED],
            "min_utterances": 2,
        },
    }
    config.update(overrides)
    return config


def two_dataset_config(**overrides) -> dict:
    """The run's config: ``dim`` (arousal and valence rated 1-5, test speaker spk04) and a
    smaller ``dim2`` (3 speakers, arousal only, on a 0-10 scale, test speaker spk03), arousal
    across corpora."""
    config = dimensional_config(**overrides)
    first = config["datasets"]["dim"]
    first["split"] = config.pop("split")
    second = {
        **first,
        "demo": {**first["demo"], "speakers": 3},
        "targets": {"arousal": {"range": [0, 10]}},
        "split": {"test_speakers": ["spk03"]},
    }
    config["datasets"]["dim2"] = second
    config["cross_corpus"] = {"dimensions": ["arousal"]}
    return config


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dimensional")
    write_config(workdir, two_dataset_config())
    holdout = [f"results/dim/dimensional/holdout/{d}/results_matrix.csv" for d in DIMENSIONS] + [
        "results/dim/dimensional/holdout/scores.csv"
    ]
    run_snakemake(workdir, "--cores", "2", "all", *holdout)
    # predict.input (not part of the results' config digest): only the predictions run now
    write_predict_input(workdir)
    write_config(workdir, two_dataset_config(predict={"input": "predict.csv"}))
    run_snakemake(workdir, "--cores", "2", "all")
    run_snakemake(workdir, "--cores", "1", "--report", "report.html")
    return workdir


def held_out_clips(workdir: Path) -> pd.DataFrame:
    """The hold-out test speaker's clips (file, speaker), from the benchmark's metadata."""
    metadata = pd.read_parquet(workdir / "results/dim/metadata.parquet")
    rows = metadata[metadata["speaker"] == "spk04"].sort_values("utterance")
    return pd.DataFrame({"file": rows["path"].to_numpy(), "speaker": "spk04"})


def write_predict_input(workdir: Path) -> None:
    held_out_clips(workdir).to_csv(workdir / "predict.csv", index=False)


def test_the_loso_ccc_matrix_has_one_cell_per_regressor_with_an_interval(run):
    folder = run / "results/dim/dimensional/loso"
    for dimension in DIMENSIONS:
        matrix = pd.read_csv(folder / dimension / "results_matrix.csv", index_col=0)
        assert list(matrix.columns) == NAMES
        assert matrix.index.tolist() == ["egemaps"]
        assert all(" ± " in cell and "[" in cell for cell in matrix.iloc[0])
        assert all(cell.endswith("] (4 folds: interval not meaningful)") for cell in matrix.iloc[0])
        markdown = (folder / dimension / "results_matrix.md").read_text()
        assert f"Test CCC of {dimension} (rated 1-5)" in markdown and "4 outer folds" in markdown
        assert (
            "with 4 folds (fewer than 5) an interval over the folds is not meaningful" in markdown
        )
        assert (folder / dimension / "scatter.png").stat().st_size > 10_000
    scores = pd.read_csv(folder / "scores.csv")
    assert set(scores["dimension"]) == set(DIMENSIONS) and set(scores["folds"]) == {4}
    # the synthetic arousal follows loudness and pitch: the regressors learn it
    arousal = scores[scores["dimension"] == "arousal"].set_index("regressor")
    assert (arousal.loc[["ridge", "svr"], "pooled_ccc"] > 0.5).all()
    assert np.isfinite(scores["ccc"]).all() and scores["ccc"].between(-1, 1).all()
    assert {"pearson", "mae", "ccc_ci_low", "ccc_ci_high"} <= set(scores.columns)
    assert (scores["interval_note"] == "(4 folds: interval not meaningful)").all()


def test_each_fold_tests_its_own_speaker_and_writes_every_dimension(run):
    folder = run / "results/dim/regression/egemaps/svr/loso"
    files = sorted(folder.glob("*/predictions.parquet"))
    predictions = [pd.read_parquet(p) for p in files]
    assert len(predictions) == 4
    for table in predictions:
        assert table["speaker"].nunique() == 1
        assert set(table["dimension"]) == set(DIMENSIONS)
    cv = pd.read_csv(files[0].with_name("cv_results.csv"))
    assert set(cv["dimension"]) == set(DIMENSIONS)


def test_the_holdout_matrix_and_the_report(run):
    matrix = pd.read_csv(run / "results/dim/dimensional/holdout/arousal/results_matrix.csv")
    assert matrix.shape == (1, 4) and matrix.iloc[0, 1:].between(-1, 1).all()
    report = (run / "report.html").read_text()
    assert "Dimensional CCC matrix" in report and "predicted vs true" in report


def test_both_tasks_on_one_corpus_plan_classifiers_and_regressors(tmp_path):
    config = dimensional_config(task=["categorical", "dimensional"], classifiers=["lr"])
    config["evaluation"] = {"scheme": "holdout"}
    write_config(tmp_path, config)
    jobs = planned_jobs(tmp_path)
    assert jobs["tune_classifier"] == 1 and jobs["tune_regressor"] == len(EXPORTED)
    assert jobs["dimensional_results_matrix"] == 2 and jobs["results_matrix"] == 1


def holdout_predictions(workdir: Path, regressor: str) -> pd.DataFrame:
    """The benchmark's hold-out test predictions, one column per dimension, by clip path."""
    folder = workdir / f"results/dim/regression/egemaps/{regressor}"
    table = pd.read_parquet(folder / "predictions.parquet")
    wide = table.pivot(index="utterance", columns="dimension", values="predicted")
    metadata = pd.read_parquet(workdir / "results/dim/metadata.parquet").set_index("utterance")
    return wide.set_axis(metadata.loc[wide.index, "path"].to_numpy(), axis=0)


@pytest.mark.parametrize("regressor", EXPORTED)
def test_export_and_predict_reproduce_the_benchmark_test_predictions(run, regressor):
    folder = run / f"results/dim/models/egemaps/{regressor}"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["task"] == "dimensional" and manifest["dimensions"] == DIMENSIONS
    assert manifest["ranges"] == {d: [1, 5] for d in DIMENSIONS}
    assert manifest["test_speakers"] == ["spk04"] and "spk04" not in manifest["training_speakers"]
    best = json.loads(
        (run / f"results/dim/regression/egemaps/{regressor}/best_params.json").read_text()
    )
    assert manifest["best_params"] == {d: best["dimensions"][d]["best_params"] for d in DIMENSIONS}
    expected = holdout_predictions(run, regressor)
    # the predict_emotions rule (predict.input) and the serflow command give the same table
    by_rule = pd.read_csv(run / f"results/dim/predictions/egemaps/{regressor}.csv")
    output = run / f"cli_{regressor}.csv"
    done = subprocess.run(
        [SERFLOW, "predict", str(folder), str(run / "predict.csv"), "-o", str(output)],
        capture_output=True,
        text=True,
        cwd=run,
    )
    assert done.returncode == 0, done.stderr
    assert "arousal, valence" in done.stderr
    by_cli = pd.read_csv(output)
    for table in (by_rule, by_cli):
        assert list(table.columns) == ["file", "speaker", "normalisation", "error", *DIMENSIONS]
        assert (table["normalisation"] == "speaker").all() and table["error"].isna().all()
        assert len(table) == len(expected) == 8
        got = table.set_index("file").loc[expected.index, DIMENSIONS].to_numpy()
        np.testing.assert_allclose(got, expected[DIMENSIONS].to_numpy(), rtol=1e-6, atol=1e-9)


def test_the_mlp_regressor_stops_early_on_training_speakers_and_bundles_safetensors(run):
    folder = run / "results/dim/regression/egemaps/mlp_regressor"
    for best_params in [
        folder / "best_params.json",
        *sorted(folder.glob("loso/*/best_params.json")),
    ]:
        tested = json.loads(best_params.with_name("scores.json").read_text())["test_speakers"]
        for dimension in DIMENSIONS:
            training = json.loads(best_params.read_text())["dimensions"][dimension]["training"]
            assert training["validation_speakers"] and training["epochs_run"] <= 20
            assert not set(training["validation_speakers"]) & set(tested)
    log = (run / "logs/dim/tune_regressor/egemaps/mlp_regressor.log").read_text()
    assert "arousal refit epoch   1" in log and "validation CCC" in log
    manifest = json.loads(
        (run / "results/dim/models/egemaps/mlp_regressor/manifest.json").read_text()
    )
    assert manifest["weights_file"] == "model.safetensors" and manifest["weights_sha256"]


def test_the_summary_across_datasets_shows_each_dataset_with_arousal(run):
    folder = run / "results/summary/dimensional"
    assert [p.name for p in folder.iterdir()] == ["arousal"]  # valence: one dataset only
    summary = pd.read_csv(folder / "arousal/results_matrix.csv", index_col=[0, 1])
    assert summary.index.tolist() == [("dim", "egemaps"), ("dim2", "egemaps")]
    assert list(summary.columns) == NAMES
    for name in ["dim", "dim2"]:
        scores = pd.read_csv(run / f"results/{name}/dimensional/loso/scores.csv")
        ridge = scores[(scores["dimension"] == "arousal") & (scores["regressor"] == "ridge")]
        assert summary.loc[(name, "egemaps"), "Ridge Regression"] == round(ridge["ccc"].item(), 3)
    markdown = (folder / "arousal/results_matrix.md").read_text()
    assert "dim 1-5, dim2 0-10" in markdown
    assert (folder / "arousal/results_matrix.png").stat().st_size > 5_000


def test_the_cross_corpus_matrix_on_the_shared_dimension_on_one_scale(run):
    folder = run / "results/cross_corpus/dimensional"
    table = pd.read_csv(folder / "cross_corpus.csv", keep_default_na=False)
    assert set(table["dimension"]) == {"arousal"}
    cells = set(zip(table["regressor"], table["train"], table["test"], strict=True))
    assert cells == {(r, a, b) for r in EXPORTED for a in ["dim", "dim2"] for b in ["dim", "dim2"]}
    assert (table["missing"] == "").all() and table["ccc"].between(-1, 1).all()
    # off the diagonal every speaker of the test corpus is tested, on the common [0, 1] scale
    cell = folder / "egemaps/ridge/dim__dim2"
    predictions = pd.read_parquet(cell / "predictions.parquet")
    metadata = pd.read_parquet(run / "results/dim2/metadata.parquet")
    assert (
        len(predictions) == len(metadata) and predictions["speaker"].str.startswith("dim2:").all()
    )
    expected = metadata.set_index("dim2:" + metadata["utterance"])["target_arousal"] / 10
    np.testing.assert_allclose(predictions["true"], expected.loc[predictions["utterance"]])
    trained = json.loads((cell / "scores.json").read_text())
    assert list(trained["dimensions"]) == ["arousal"] and trained["n_test"] == len(metadata)
    markdown = (folder / "cross_corpus.md").read_text()
    assert "mapped linearly onto [0, 1] from its range (dim 1-5, dim2 0-10)" in markdown
    for regressor in EXPORTED:
        assert (folder / f"egemaps.{regressor}.arousal.png").stat().st_size > 5_000
