"""TESS (two speakers) through the real workflow: alone under LOSO with a speaker-grouped inner
CV, and in a cross-corpus run with a RAVDESS-layout and a SAVEE-layout corpus whose TESS
diagonal cannot run a grid search. Generated corpora in each corpus's naming, not real speech."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from serflow.demo_layouts import plan_layout, write_layout

from workflow_runner import run_snakemake, write_config

pytestmark = pytest.mark.workflow

EMOTIONS = ["anger", "happiness", "neutral", "sadness"]
ONE_POINT_LR = {"lr": [{"C": [1.0], "solver": ["lbfgs"]}]}
TWO_POINT_SVM = {"svm": [{"C": [1.0, 10.0], "kernel": ["linear"]}]}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    """TESS with its two speakers, RAVDESS and SAVEE with four; two short clips per emotion."""
    root = tmp_path_factory.mktemp("small_corpora")
    locations = {}
    for fmt, speakers in [("tess", 2), ("ravdess", 4), ("savee", 4)]:
        clips = plan_layout(
            fmt,
            speakers=speakers,
            clips_per_class=2,
            emotions=EMOTIONS,
            min_duration_s=0.5,
            max_duration_s=0.7,
        )
        locations[fmt] = write_layout(root / fmt, fmt, clips)
    return locations


def _folder(fmt: str, path: Path) -> dict:
    return {"format": fmt, "source": "folder", "path": str(path)}


def test_tess_under_loso_with_grouped_inner_cv(corpora, tmp_path):
    config = {
        "datasets": {"tess": _folder("tess", corpora["tess"])},
        "feature_sets": ["egemaps"],
        "classifiers": ["lr"],
        "grids": {"lr": [{"C": [0.1, 1.0], "solver": ["lbfgs"]}]},
        "cv_folds": 2,
        "evaluation": {"scheme": "loso", "inner_cv": "group"},
    }
    write_config(tmp_path, config)
    # a grid search needs two training speakers per fold: found before any audio is decoded
    failed = run_snakemake(tmp_path, "--cores", "2", check=False)
    text = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "datasets.tess: evaluation.inner_cv group" in text
    assert "evaluation.inner_cv: kfold" in text and "one-point grid" in text
    assert (tmp_path / "results/tess/metadata.parquet").exists()
    assert not (tmp_path / "results/tess/audio").exists()
    # the fix: a one-point grid is fitted without inner CV, and the run completes
    write_config(tmp_path, {**config, "grids": ONE_POINT_LR})
    run_snakemake(tmp_path, "--cores", "2")
    matrix = pd.read_csv(tmp_path / "results/tess/results_matrix.loso.csv", index_col=0)
    assert list(matrix.index) == ["egemaps"]
    job = tmp_path / "results/tess/classification/egemaps/lr/loso"
    for fold in sorted(job.iterdir()):
        best = json.loads((fold / "best_params.json").read_text())
        assert best["cv_uar"] is None and best["selection"].startswith("none")
        assert best["best_params"] == {"C": 1.0, "solver": "lbfgs"}
        cv_results = pd.read_csv(fold / "cv_results.csv")
        assert len(cv_results) == 1 and cv_results["rank_test_score"].tolist() == [1]


def test_cross_corpus_with_tess_completes_with_its_missing_cell_explained(corpora, tmp_path):
    config = {
        "datasets": {name: _folder(name, path) for name, path in corpora.items()},
        "feature_sets": ["egemaps"],
        "classifiers": ["svm"],
        "grids": TWO_POINT_SVM,
        "cv_folds": 2,
        "cross_corpus": {"emotions": EMOTIONS},
    }
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "--cores", "2")
    terminal = result.stdout + result.stderr
    table = pd.read_csv(tmp_path / "results/cross_corpus/cross_corpus.csv", keep_default_na=False)
    assert len(table) == 9
    missing = table[table["missing"] != ""]
    # the grid search on TESS's one hold-out training speaker: the only missing cell
    assert missing[["classifier", "train", "test"]].values.tolist() == [["svm", "tess", "tess"]]
    (reason,) = missing["missing"]
    assert "1 training speaker(s) on its hold-out split" in reason
    assert "cross_corpus.diagonal: false" in reason
    computed = table[table["missing"] == ""]
    assert pd.to_numeric(computed["uar"]).between(0, 100).all()
    markdown = (tmp_path / "results/cross_corpus/cross_corpus.md").read_text()
    assert "tess → tess missing: dataset tess has 1 training speaker(s)" in markdown
    assert "| tess | missing |" in markdown
    # said in the terminal: once the metadata is read, and by the cell's job
    assert "cross-corpus cells will be missing: dataset tess" in terminal
    assert "tess -> tess is missing" in terminal
    scores = json.loads(
        (tmp_path / "results/cross_corpus/egemaps/svm/tess__tess/scores.json").read_text()
    )
    assert scores["uar"] is None and scores["missing"] == reason
    # asked to be strict, a fresh run stops once the metadata is read, before any audio
    strict_dir = tmp_path / "strict"
    write_config(strict_dir, {**config, "cross_corpus": {"emotions": EMOTIONS, "strict": True}})
    strict = run_snakemake(strict_dir, "--cores", "2", check=False)
    assert strict.returncode != 0
    assert "(cross_corpus.strict: true stops here)" in strict.stdout + strict.stderr
    assert (strict_dir / "results/tess/metadata.parquet").exists()
    assert not (strict_dir / "results/tess/audio").exists()
