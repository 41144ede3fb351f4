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

FEATURE_SETS = ["compare", "egemaps", "hybrid_byols"]
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
            # confidence: the predicted class's probability (the calibration), none for the SVM
            # the sentence id (text) too; and the predicted class's probability (calibration's
            # confidence) where the classifier gives one, not the SVM
            columns = ["utterance", "speaker", "emotion", "text", "predicted"]
            columns += [] if classifier == "svm" else ["confidence"]
            assert list(predictions.columns) == columns
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
            if classifier == "rf":  # SMALL_GRIDS' one rf point is fitted without inner CV
                assert best["cv_uar"] is None and best["selection"].startswith("none")
            else:
                assert 0 <= best["cv_uar"] <= 1
            assert best["best_params"]
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
    for feature_set, n_features in [("compare", 6373), ("egemaps", 88), ("hybrid_byols", 2048)]:
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


# --- evaluation schemes: repeated hold-out, leave one speaker out, report (issue 5) --------------

#: Cell text of a multi-fold results matrix: mean ± sd [interval].
FOLD_CELL = r"^\d+\.\d ± \d+\.\d \[\d+\.\d, \d+\.\d\]$"
#: The feature sets and classifier(s) that the multi-fold runs below fit, to stay quick.
RUN_FEATURE_SETS = ["compare", "egemaps"]


def _scheme_config(demo_run: Path, name: str, evaluation: dict, **changes) -> str:
    """The demo run's config with an evaluation section (and other changes), as ``name``."""
    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    config["evaluation"] = evaluation
    config.update(changes)
    write_config(demo_run, config, name)
    return name


def test_switching_to_repeated_holdout_reruns_classification_only(demo_run):
    name = _scheme_config(demo_run, "repeated.yaml", {"scheme": "repeated_holdout", "repeats": 5})
    assert planned_jobs(demo_run, name) == {
        "split_speakers_folds": 1,
        "tune_classifier_fold": 5 * len(FEATURE_SETS) * len(CLASSIFIERS),
        "results_matrix_folds": 1,
    }


def test_switching_inner_cv_to_group_refits_without_new_features_or_split(demo_run):
    name = _scheme_config(demo_run, "group.yaml", {"scheme": "holdout", "inner_cv": "group"})
    assert planned_jobs(demo_run, name) == {
        "tune_classifier": len(FEATURE_SETS) * len(CLASSIFIERS),
        "results_matrix": 1,
    }


@pytest.fixture(scope="module")
def loso_run(demo_run) -> dict:
    """Switch the demo run to loso: plan it before and after its split checkpoint, then run it
    for two feature sets with the SVM (one thread per job, two jobs at a time)."""
    everything = _scheme_config(demo_run, "loso_all.yaml", {"scheme": "loso"})
    before = planned_jobs(demo_run, everything)
    run_snakemake(demo_run, "--cores", "2", "results/demo/split.loso.json", configfile=everything)
    after = planned_jobs(demo_run, everything)
    name = _scheme_config(
        demo_run, "loso.yaml", {"scheme": "loso"},
        feature_sets=RUN_FEATURE_SETS, classifiers=["svm"], threads={"tune": 1},
    )  # fmt: skip
    run_snakemake(demo_run, "--cores", "2", configfile=name)
    return {"before": before, "after": after, "config": name}


def test_loso_folds_come_from_the_split_checkpoint_and_rerun_classification_only(loso_run):
    # the dry run cannot know the folds before the checkpoint has listed the speakers
    assert loso_run["before"] == {"split_speakers_folds": 1, "results_matrix_folds": 1}
    assert loso_run["after"] == {
        "tune_classifier_fold": 10 * len(FEATURE_SETS) * len(CLASSIFIERS),
        "results_matrix_folds": 1,
    }


def test_loso_runs_ten_folds_per_job_and_reports_mean_sd_and_interval(demo_run, loso_run):
    results = demo_run / "results" / "demo"
    speakers = ["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]
    folds = pd.read_csv(results / "evaluation/loso/uar_per_fold.csv", dtype={"test_speakers": str})
    for feature_set in RUN_FEATURE_SETS:
        part = folds[(folds["feature_set"] == feature_set) & (folds["classifier"] == "svm")]
        assert part["fold"].tolist() == [f"speaker-{s}" for s in speakers]
        assert part["test_speakers"].tolist() == speakers
        for speaker in speakers:
            job = results / f"classification/{feature_set}/svm/loso/speaker-{speaker}"
            predictions = pd.read_parquet(job / "predictions.parquet")
            assert set(predictions["speaker"]) == {speaker} and len(predictions) == 14
    matrix = pd.read_csv(results / "results_matrix.loso.csv", index_col="feature_set")
    assert list(matrix.index) == RUN_FEATURE_SETS
    assert list(matrix.columns) == ["Support Vector Machine"]
    assert matrix["Support Vector Machine"].str.match(FOLD_CELL).all()
    summary = pd.read_csv(results / "evaluation/loso/uar_summary.csv")
    for row in summary.itertuples():
        uars = folds[(folds["feature_set"] == row.feature_set)]["uar"]
        assert row.n_folds == 10
        assert row.uar_mean == pytest.approx(uars.mean(), abs=0.01)
        assert row.ci_low <= row.uar_mean <= row.ci_high
        assert matrix.loc[row.feature_set, "Support Vector Machine"].startswith(
            f"{row.uar_mean:.1f} ± {row.uar_sd:.1f} ["
        )
    caption = (results / "results_matrix.loso.md").read_text().splitlines()[0]
    assert "leave one speaker out (loso, 10 outer folds)" in caption
    assert "bootstrap over the folds" in caption
    pooled = pd.read_parquet(results / "evaluation/loso/predictions.parquet")
    assert (pooled.groupby("feature_set")["utterance"].nunique() == 140).all()
    assert len(pooled) == 2 * 140
    recall = pd.read_csv(results / "evaluation/loso/recall_per_class.csv")
    assert list(recall.columns)[2:] == [
        "anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness", "uar"
    ]  # fmt: skip
    (comparison,) = pd.read_csv(results / "evaluation/loso/comparison.csv").to_dict("records")
    assert (comparison["feature_set_a"], comparison["feature_set_b"]) == ("compare", "egemaps")
    assert comparison["n"] == 140 and 0 < comparison["permutation_p"] <= 1
    for feature_set in RUN_FEATURE_SETS:
        assert (results / f"evaluation/loso/confusion/{feature_set}.svm.png").stat().st_size > 5000
    assert (results / "evaluation/loso/uar_per_fold.png").stat().st_size > 5000
    assert "scheme: loso" in (results / "evaluation/loso/config.yaml").read_text()
    # the hold-out results are still there and up to date
    assert planned_jobs(demo_run) == {}


@pytest.fixture(scope="module")
def repeated_run(demo_run) -> Path:
    """Five repeated hold-outs with speaker-grouped inner CV, for two feature sets with LR."""
    name = _scheme_config(
        demo_run, "repeated_group.yaml",
        {"scheme": "repeated_holdout", "repeats": 5, "inner_cv": "group"},
        feature_sets=RUN_FEATURE_SETS, classifiers=["lr"], threads={"tune": 1},
    )  # fmt: skip
    run_snakemake(demo_run, "--cores", "2", configfile=name)
    return demo_run / "results" / "demo"


def test_repeated_holdout_runs_five_distinct_splits_per_job(repeated_run):
    folds = pd.read_csv(repeated_run / "evaluation/repeated_holdout/uar_per_fold.csv", dtype=str)
    for feature_set in RUN_FEATURE_SETS:
        part = folds[folds["feature_set"] == feature_set]
        assert part["fold"].tolist() == [f"repeat-{i:02d}" for i in range(5)]
        assert part["test_speakers"].nunique() == 5
        assert all(len(speakers.split()) == 3 for speakers in part["test_speakers"])
    matrix = pd.read_csv(repeated_run / "results_matrix.repeated_holdout.csv", index_col=0)
    assert matrix["Logistic Regression"].str.match(FOLD_CELL).all()
    caption = (repeated_run / "results_matrix.repeated_holdout.md").read_text()
    assert "repeated speaker hold-out (repeated_holdout, 5 outer folds)" in caption


def test_group_inner_cv_in_the_workflow_validates_on_unseen_speakers(demo_run, repeated_run):
    split = json.loads((repeated_run / "split.repeated_holdout.json").read_text())
    logs = demo_run / "logs/demo/tune_classifier/compare/lr/repeated_holdout"
    for fold in split["folds"]:
        lines = [
            line
            for line in (logs / f"{fold['fold']}.log").read_text().splitlines()
            if "inner fold" in line and "(group)" in line
        ]
        assert len(lines) == 5
        validated = set()
        for line in lines:
            validation, training = (
                set(yaml.safe_load(part.split("speakers ", 1)[1]))
                for part in line.split(", training")
            )
            assert not validation & training
            assert validation | training == set(fold["train_speakers"])
            validated |= validation
        assert validated == set(fold["train_speakers"])


def test_same_multi_fold_config_twice_gives_identical_tables(demo_run, repeated_run):
    tables = [
        "results_matrix.repeated_holdout.csv",
        "results_matrix.repeated_holdout.md",
        "split.repeated_holdout.json",
        *(
            f"evaluation/repeated_holdout/{name}"
            for name in ["uar_summary.csv", "uar_per_fold.csv", "recall_per_class.csv",
                         "comparison.csv", "config.yaml"]
        ),
    ]  # fmt: skip
    first = {name: (repeated_run / name).read_bytes() for name in tables}
    job = repeated_run / "classification/compare/lr/repeated_holdout/repeat-00/scores.json"
    fitted = job.stat().st_mtime_ns
    # recompute the split, every fold's grid search and the tables
    run_snakemake(
        demo_run, "--cores", "2", "--forcerun", "split_speakers_folds", "tune_classifier_fold",
        "results_matrix_folds", configfile="repeated_group.yaml",
    )  # fmt: skip
    assert job.stat().st_mtime_ns > fitted
    for name in tables:
        assert (repeated_run / name).read_bytes() == first[name], name


def test_html_report_shows_the_matrix_and_a_confusion_matrix_in_chromium(demo_run, loso_run):
    report = demo_run / "results" / "report.loso.html"
    run_snakemake(demo_run, "--report", str(report), configfile=loso_run["config"])
    assert report.stat().st_size > 100_000
    from report_browser import ReportBrowser, find_chromium

    if find_chromium() is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    matrix = pd.read_csv(demo_run / "results/demo/results_matrix.loso.csv", index_col=0)
    with ReportBrowser(report) as browser:
        browser.click_menu("Results matrix")
        browser.wait_for("document.querySelectorAll('tr').length > 1")
        browser.click_result(["results_matrix.loso.csv"], "info")
        browser.wait_for("document.querySelector('table.docutils') !== null")
        shown = browser.text()
        assert "evaluation.scheme: loso" in shown
        for cell in matrix["Support Vector Machine"]:
            assert cell in shown
        browser.reload()
        browser.click_menu("Confusion matrices")
        browser.wait_for("document.querySelectorAll('tr').length > 1")
        browser.click_result(["egemaps", "svm"], "view")
        browser.wait_for("document.querySelector('img[src^=\"data:image/png\"]') !== null")
        image = browser.shown_image()
        assert image["width"] == 640 and image["height"] == 540
        browser.click_result(["egemaps", "svm"], "info")
        browser.wait_for("document.body.innerText.includes('Confusion matrix of one')")
        browser.screenshot(demo_run / "results" / "report_confusion.png")
        browser.reload()
        browser.click_menu("Configuration")
        browser.wait_for("document.querySelectorAll('tr').length > 1")
        browser.click_result(["config.yaml"], "info")
        browser.wait_for("document.body.innerText.includes('inner_cv')")


def test_html_report_of_the_holdout_run(demo_run):
    report = demo_run / "results" / "report.html"
    run_snakemake(demo_run, "--report", str(report))
    html = report.read_text()
    for name in ["results_matrix.csv", "results_matrix.png", "recall_per_class.csv",
                 "comparison.csv", "compare.svm.png"]:  # fmt: skip
        assert name in html


# --- the kernel SVM's memory budget (issue 14) ---------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "named"),
    [({"fallback": "swap"}, "swap"), ({"budget_mb": 0}, "budget_mb")],
)
def test_svm_memory_values_are_checked_when_the_workflow_is_parsed(tmp_path, setting, named):
    write_config(tmp_path, demo_config(svm_memory=setting))
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert named in result.stdout + result.stderr


def test_svm_over_its_memory_budget_falls_back_to_a_linear_svm_and_says_so(tmp_path):
    """With svm_memory.fallback linear, a budget the demo's Gram matrices exceed gives a linear
    SVM, recorded in the results and the bundle, and warned about in the terminal."""
    config = demo_config(
        feature_sets=["egemaps"],
        classifiers=["svm"],
        svm_memory={"budget_mb": 0.1, "fallback": "linear"},
        export={"models": [{"feature_set": "egemaps", "classifier": "svm"}]},
    )
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "--cores", "2")
    tuned = tmp_path / "results" / "demo" / "classification" / "egemaps" / "svm"
    best = json.loads((tuned / "best_params.json").read_text())
    assert best["svm_memory"]["fallback"] == "linear"
    assert best["svm_memory"]["estimate_mb"] > 0.1
    assert set(best["best_params"]) == {"C"}
    assert json.loads((tuned / "scores.json").read_text())["svm_memory"] == best["svm_memory"]
    cv_results = pd.read_csv(tuned / "cv_results.csv")
    assert set(cv_results["svm_memory_fallback"]) == {"linear"}
    models = tmp_path / "results" / "demo" / "models" / "egemaps" / "svm"
    manifest = json.loads((models / "manifest.json").read_text())
    assert manifest["svm_memory"] == best["svm_memory"]
    assert "svm_memory.fallback linear" in result.stderr and "LinearSVC" in result.stderr
    matrix = (tmp_path / "results" / "demo" / "results_matrix.md").read_text()
    assert "a fall-back instead of the full kernel SVM search for egemaps (linear)" in matrix
