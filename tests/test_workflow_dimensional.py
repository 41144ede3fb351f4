"""Task dimensional end to end on the smallest generated csv demo corpus with synthetic arousal
and valence: CCC matrices (hold-out and leave one speaker out), scores, scatter plots, report."""

from __future__ import annotations

import pandas as pd
import pytest

from workflow_runner import planned_jobs, run_snakemake, write_config

DIMENSIONS = ["arousal", "valence"]


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
        "regressors": ["ridge", "svr"],
        "grids": {"ridge": {"alpha": [10.0]}, "svr": {"C": [1.0], "kernel": ["rbf"]}},
        "cv_folds": 2,
        "split": {"test_speakers": ["spk04"]},
        "evaluation": {"scheme": "loso", "bootstrap_resamples": 200},
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dimensional")
    write_config(workdir, dimensional_config())
    holdout = [f"results/dim/dimensional/holdout/{d}/results_matrix.csv" for d in DIMENSIONS] + [
        "results/dim/dimensional/holdout/scores.csv"
    ]
    run_snakemake(workdir, "--cores", "2", "all", *holdout)
    run_snakemake(workdir, "--cores", "1", "--report", "report.html")
    return workdir


def test_the_loso_ccc_matrix_has_one_cell_per_regressor_with_an_interval(run):
    folder = run / "results/dim/dimensional/loso"
    for dimension in DIMENSIONS:
        matrix = pd.read_csv(folder / dimension / "results_matrix.csv", index_col=0)
        assert list(matrix.columns) == ["Ridge Regression", "Support Vector Regression"]
        assert matrix.index.tolist() == ["egemaps"]
        assert all(" ± " in cell and "[" in cell for cell in matrix.iloc[0])
        markdown = (folder / dimension / "results_matrix.md").read_text()
        assert f"Test CCC of {dimension} (rated 1-5)" in markdown and "4 outer folds" in markdown
        assert (folder / dimension / "scatter.png").stat().st_size > 10_000
    scores = pd.read_csv(folder / "scores.csv")
    assert set(scores["dimension"]) == set(DIMENSIONS) and set(scores["folds"]) == {4}
    # the synthetic arousal follows loudness and pitch: the regressors learn it
    arousal = scores[scores["dimension"] == "arousal"]
    assert (arousal["pooled_ccc"] > 0.5).all()
    assert {"pearson", "mae", "ccc_ci_low", "ccc_ci_high"} <= set(scores.columns)


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
    assert matrix.shape == (1, 3) and -1 <= matrix.iloc[0, 1] <= 1
    report = (run / "report.html").read_text()
    assert "Dimensional: CCC matrix" in report and "predicted vs true" in report


def test_both_tasks_on_one_corpus_plan_classifiers_and_regressors(tmp_path):
    config = dimensional_config(task=["categorical", "dimensional"], classifiers=["lr"])
    config["evaluation"] = {"scheme": "holdout"}
    write_config(tmp_path, config)
    jobs = planned_jobs(tmp_path)
    assert jobs["tune_classifier"] == 1 and jobs["tune_regressor"] == 2
    assert jobs["dimensional_results_matrix"] == 2 and jobs["results_matrix"] == 1
