"""Any corpus through the real workflow: every format on a generated tree with its real naming
and layout (48 kHz stereo files and extra RIFF chunks included), several datasets in one run, a
cross-corpus matrix, and the leakage guard."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from serflow.audio import read_audio_shards
from serflow.demo_layouts import plan_layout, write_layout
from serflow.experiment import train_and_test
from serflow.leakage import LeakageError

from workflow_runner import planned_jobs, run_snakemake, write_config

pytestmark = pytest.mark.workflow

LR = {"lr": [{"C": [1.0], "solver": ["lbfgs"]}]}
FORMATS = ["ravdess", "cremad", "tess", "savee", "csv", "audformat"]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    """One small generated corpus per format; the path a dataset's config names."""
    root = tmp_path_factory.mktemp("corpora")
    locations = {}
    for fmt in FORMATS:
        clips = plan_layout(
            fmt,
            speakers={"tess": 2, "savee": 4}.get(fmt, 4),
            clips_per_class=2,
            sample_rates=(16000, 48000),
            stereo_every=3,
            min_duration_s=0.5,
            max_duration_s=0.7,
        )
        locations[fmt] = write_layout(root / fmt, fmt, clips)
    return locations


def _folder(fmt: str, path: Path, **settings) -> dict:
    return {"format": fmt, "source": "folder", "path": str(path), **settings}


def test_every_format_by_changing_config_only(corpora, tmp_path):
    config = {
        "datasets": {fmt: _folder(fmt, path) for fmt, path in corpora.items()},
        "feature_sets": ["egemaps"],
    }
    config["datasets"]["ravdess"]["emotions"] = {
        "calm": "neutral",
        "neutral": "neutral",
        "anger": "anger",
        "happiness": "happiness",
        "sadness": "sadness",
    }
    write_config(tmp_path, config)
    targets = [f"results/{fmt}/metadata.parquet" for fmt in FORMATS]
    targets += ["results/ravdess/features/egemaps.parquet"]
    run_snakemake(tmp_path, "--cores", "2", *targets)
    tables = {fmt: pd.read_parquet(tmp_path / f"results/{fmt}/metadata.parquet") for fmt in FORMATS}

    ravdess = tables["ravdess"]
    # calm merged into neutral, the other emotions left out
    assert sorted(ravdess["emotion"].unique()) == ["anger", "happiness", "neutral", "sadness"]
    assert set(ravdess.loc[ravdess["emotion"] == "neutral", "label"]) == {"01", "02"}
    assert set(ravdess["gender"]) == {"male", "female"}
    assert {"intensity", "statement", "repetition"} <= set(ravdess.columns)
    assert set(ravdess["sample_rate"]) == {16000, 48000}  # 48 kHz files decoded
    clips, rate = read_audio_shards(sorted(tmp_path.glob("results/ravdess/audio/*.parquet")))
    # every clip, stereo and 48 kHz ones too, at 16 kHz mono
    assert sorted(clips) == ravdess["utterance"].tolist() and rate == 16000

    cremad = tables["cremad"]
    assert sorted(cremad["emotion"].unique()) == [
        "anger", "disgust", "fear", "happiness", "neutral", "sadness"
    ]  # fmt: skip
    assert set(cremad["gender"]) == {"male", "female"}  # from VideoDemographics.csv
    assert {"sentence", "level"} <= set(cremad.columns)
    assert set(tables["tess"]["speaker"]) == {"OAF", "YAF"}
    assert "surprise" in set(tables["tess"]["emotion"])
    assert set(tables["savee"]["speaker"]) == {"DC", "JE", "JK", "KL"}
    csv = tables["csv"]
    assert csv["utterance"].str.startswith("audio/").all() and set(csv["gender"]) == {
        "male",
        "female",
    }
    audformat_table = tables["audformat"]
    assert set(audformat_table["database_split"]) == {"train", "test"}
    for fmt, table in tables.items():
        assert table["utterance"].is_unique and table["utterance"].is_monotonic_increasing, fmt
        assert table["duration_s"].between(0.45, 0.75).all(), fmt


def test_an_unknown_label_names_the_file_and_the_label(corpora, tmp_path):
    manifest = corpora["csv"]
    table = pd.read_csv(manifest)
    table.loc[3, "emotion"] = "grumpy"
    bad = manifest.parent / "bad_manifest.csv"
    table.to_csv(bad, index=False)
    write_config(tmp_path, {"datasets": {"mine": _folder("csv", bad)}})
    result = run_snakemake(tmp_path, "--cores", "1", "results/mine/metadata.parquet", check=False)
    assert result.returncode != 0
    log = (tmp_path / "logs/mine/build_metadata.log").read_text()
    assert "'grumpy'" in log and "line 5 of" in log and "datasets.mine.skip_bad_files" in log


def test_byte_identical_files_under_two_names_are_reported(corpora, tmp_path):
    folder = tmp_path / "savee"
    folder.mkdir()
    for wav in sorted(corpora["savee"].rglob("*.wav")):
        (folder / wav.name).write_bytes(wav.read_bytes())
    first = sorted(folder.glob("DC_a*.wav"))[0]
    (folder / "DC_a09.wav").write_bytes(first.read_bytes())
    write_config(tmp_path / "run", {"datasets": {"savee": _folder("savee", folder)}})
    result = run_snakemake(tmp_path / "run", "--cores", "1", "results/savee/metadata.parquet")
    assert f"byte-identical files under different names: {first.name}, DC_a09.wav" in (
        result.stdout + result.stderr
    )


def test_old_keys_get_the_new_form(tmp_path):
    write_config(tmp_path, {"dataset": "emodb", "corpus": {"source": "demo"}})
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "were replaced by datasets:" in text and "emodb: {format: emodb" in text


def test_plain_test_speakers_with_two_datasets_must_be_qualified(corpora, tmp_path):
    config = {
        "datasets": {f: _folder(f, corpora[f]) for f in ("savee", "tess")},
        "split": {"test_speakers": ["DC"]},
    }
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert "write it as <dataset>:DC" in result.stdout + result.stderr


def test_adding_a_dataset_plans_only_its_jobs_and_the_summary(corpora, tmp_path):
    base = {
        "datasets": {f: _folder(f, corpora[f]) for f in ("ravdess", "cremad")},
        "feature_sets": ["egemaps"],
        "classifiers": ["lr"],
        "grids": LR,
        "cv_folds": 2,
    }
    write_config(tmp_path, base)
    two = planned_jobs(tmp_path)
    assert two["build_metadata"] == 2 and two["tune_classifier"] == 2
    assert two["datasets_summary"] == 1
    # after a run of the two, a third dataset adds its own jobs and the summary, nothing else
    run_snakemake(tmp_path, "--cores", "2")
    write_config(
        tmp_path,
        {**base, "datasets": {**base["datasets"], "savee": _folder("savee", corpora["savee"])}},
    )  # noqa: E501
    three = planned_jobs(tmp_path)
    # the audio shards are planned from the new metadata table, once build_metadata has run
    assert three == {
        "build_metadata": 1,
        "merge_feature_shards": 1,
        "normalise_per_speaker": 1,
        "split_speakers": 1,
        "tune_classifier": 1,
        "results_matrix": 1,
        "datasets_summary": 1,
        "speaker_probe": 1,
    }


def test_three_corpora_with_a_cross_corpus_matrix_never_share_a_speaker(corpora, tmp_path):
    emotions = ["anger", "happiness", "neutral", "sadness"]
    config = {
        "datasets": {
            "ravdess": _folder("ravdess", corpora["ravdess"]),
            "cremad": _folder("cremad", corpora["cremad"]),
            "mine": _folder("csv", corpora["csv"]),
        },
        "feature_sets": ["egemaps"],
        "classifiers": ["lr"],
        "grids": LR,
        "cv_folds": 2,
        "cross_corpus": {"emotions": emotions},
    }
    write_config(tmp_path, config)
    run_snakemake(tmp_path, "--cores", "2")
    summary = pd.read_csv(tmp_path / "results/summary/results_matrix.csv")
    assert list(summary["dataset"]) == ["ravdess", "cremad", "mine"]
    table = pd.read_csv(tmp_path / "results/cross_corpus/cross_corpus.csv")
    assert len(table) == 9 and table["uar"].between(0, 100).all()
    assert (tmp_path / "results/cross_corpus/egemaps.lr.png").stat().st_size > 0
    markdown = (tmp_path / "results/cross_corpus/cross_corpus.md").read_text()
    # the report has a section for the datasets' summary and one for cross-corpus
    run_snakemake(tmp_path, "--report", "report.zip")
    with zipfile.ZipFile(tmp_path / "report.zip") as report:
        names = [Path(name).name for name in report.namelist()]
        html = report.read("report/report.html").decode()
    assert names.count("results_matrix.png") == 4  # three datasets and their summary
    assert names.count("egemaps.lr.png") == 4  # three confusion matrices and the cross-corpus one
    assert "cross_corpus.csv" in names
    assert "Datasets" in html and "Cross-corpus" in html
    assert "| train \\ test | ravdess | cremad | mine |" in markdown
    for train in config["datasets"]:
        split = json.loads((tmp_path / f"results/{train}/split.json").read_text())
        (fold,) = split["folds"]
        assert not set(fold["train_speakers"]) & set(fold["test_speakers"])
        for test in config["datasets"]:
            cell = tmp_path / f"results/cross_corpus/egemaps/lr/{train}__{test}"
            predictions = pd.read_parquet(cell / "predictions.parquet")
            scores = json.loads((cell / "scores.json").read_text())
            assert set(predictions["emotion"]) <= set(emotions)
            tested = set(predictions["speaker"])
            assert all(speaker.startswith(f"{test}:") for speaker in tested)
            if train == test:  # within-corpus: the dataset's own test speakers
                assert tested == {f"{test}:{s}" for s in fold["test_speakers"]}
            else:  # every speaker of the test dataset
                metadata = pd.read_parquet(tmp_path / f"results/{test}/metadata.parquet")
                assert tested == {f"{test}:{s}" for s in metadata["speaker"]}
            assert scores["train_dataset"] == train and scores["test_dataset"] == test


def test_the_leakage_guard_fires_on_a_split_that_shares_a_speaker():
    features = pd.DataFrame({"utterance": list("abcdef"), "f0": [0.0, 1, 2, 3, 4, 5]})
    metadata = pd.DataFrame(
        {
            "utterance": list("abcdef"),
            "speaker": ["s1", "s1", "s2", "s2", "s3", "s3"],
            "emotion": ["anger", "sadness"] * 3,
        }
    )
    fold = {"fold": "holdout", "train_speakers": ["s1", "s2"], "test_speakers": ["s2", "s3"]}
    with pytest.raises(LeakageError, match="s2 are both training and test speakers"):
        train_and_test(features, metadata, fold, "lr", LR["lr"], cv_folds=2)


def test_a_tampered_split_file_stops_the_classifier(corpora, tmp_path):
    config = {
        "datasets": {"savee": _folder("savee", corpora["savee"])},
        "feature_sets": ["egemaps"],
        "classifiers": ["lr"],
        "grids": LR,
        "cv_folds": 2,
        "split": {"test_speakers": ["KL"]},
    }
    write_config(tmp_path, config)
    split_file = tmp_path / "results/savee/split.json"
    run_snakemake(tmp_path, "--cores", "2", str(split_file.relative_to(tmp_path)))
    split = json.loads(split_file.read_text())
    split["folds"][0]["train_speakers"].append("KL")
    split_file.write_text(json.dumps(split))
    result = run_snakemake(
        tmp_path, "--cores", "2", "results/savee/classification/egemaps/lr/scores.json",
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    log = (tmp_path / "logs/savee/tune_classifier/egemaps/lr.log").read_text()
    assert "LeakageError" in log and "KL are both training and test speakers" in log


def test_database_splits_of_an_audformat_database(corpora, tmp_path):
    config = {
        "datasets": {
            "db": _folder("audformat", corpora["audformat"], split={"use_database_splits": True})
        },  # noqa: E501
        "feature_sets": ["egemaps"],
    }
    write_config(tmp_path, config)
    run_snakemake(tmp_path, "--cores", "1", "results/db/split.json")
    (fold,) = json.loads((tmp_path / "results/db/split.json").read_text())["folds"]
    metadata = pd.read_parquet(tmp_path / "results/db/metadata.parquet")
    tested = set(metadata.loc[metadata["database_split"] == "test", "speaker"])
    assert set(fold["test_speakers"]) == tested and tested


def test_a_demo_corpus_in_another_format(tmp_path):
    config = {
        "datasets": {
            "tess_demo": {
                "format": "tess",
                "source": "demo",
                "demo": {"clips_per_class": 2, "min_duration_s": 0.5, "max_duration_s": 0.6},
            }
        }
    }
    write_config(tmp_path, config)
    run_snakemake(tmp_path, "--cores", "1", "results/tess_demo/metadata.parquet")
    metadata = pd.read_parquet(tmp_path / "results/tess_demo/metadata.parquet")
    assert len(metadata) == 2 * 7 * 2 and set(metadata["speaker"]) == {"OAF", "YAF"}
    assert set(metadata["sample_rate"]) == {16000, 48000}
    wavs = list((tmp_path / "resources/tess_demo/demo/wav").rglob("*.wav"))
    assert {wav.parent.name for wav in wavs} >= {"OAF_angry", "yaf_pleasant_surprised"}
