"""serflow predict with bundles exported by the real workflow on a small generated demo corpus."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr
import yaml

from workflow_runner import demo_config, run_snakemake, write_config

pytestmark = pytest.mark.workflow

SERFLOW = str(Path(sys.executable).with_name("serflow"))
EXPORTED = [("egemaps", "svm"), ("egemaps", "lr"), ("hybrid_byols", "lr")]
TEST_SPEAKERS = ["03", "13", "16"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The demo benchmark (eGeMAPS and hybrid BYOL-S with random weights; LR and SVM) with
    three models exported."""
    workdir = tmp_path_factory.mktemp("predict_run")
    config = demo_config(
        feature_sets=["egemaps", "hybrid_byols"],
        classifiers=["lr", "svm"],
        export={"models": [{"feature_set": f, "classifier": c} for f, c in EXPORTED]},
    )
    write_config(workdir, config)
    run_snakemake(workdir, "--cores", "2")
    return workdir


def corpus_files(workdir: Path, speakers: list[str]) -> list[Path]:
    """The demo corpus' wav files of ``speakers``, sorted."""
    wav = workdir / "resources" / "demo" / "demo" / "wav"
    return sorted(path for path in wav.glob("*.wav") if path.name[:2] in speakers)


def read_predictions(path: Path) -> pd.DataFrame:
    """A predict CSV with its text columns as strings (empty, not NaN) and scores as floats."""
    text = ["speaker", "predicted", "normalisation", "error"]
    table = pd.read_csv(path, dtype=dict.fromkeys(text, str))
    table[text] = table[text].fillna("")
    return table


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SERFLOW, "predict", *args], capture_output=True, text=True)


def test_bundle_records_what_it_was_trained_with(exported):
    manifest = json.loads((exported / "results/demo/models/egemaps/svm/manifest.json").read_text())
    split = json.loads((exported / "results/demo/split.json").read_text())["folds"][0]
    best = json.loads(
        (exported / "results/demo/classification/egemaps/svm/best_params.json").read_text()
    )
    assert manifest["training_speakers"] == split["train_speakers"]
    assert manifest["test_speakers"] == TEST_SPEAKERS
    assert manifest["best_params"] == best["best_params"]
    # the classes in the order the benchmark numbers them: EmoDB's letters A E F L N T W
    assert manifest["labels"] == [
        "fear", "disgust", "happiness", "boredom", "neutral", "sadness", "anger"
    ]  # fmt: skip
    assert manifest["scores"] == "decision"
    assert manifest["extractor"]["opensmile_feature_set"] == "eGeMAPSv02"
    assert manifest["audio"] == {"sample_rate": 16000, "resampler": "soxr_hq"}
    assert manifest["normalisation"]["trained_with"] == "per_speaker"
    assert len(manifest["config_sha256"]) == 64 and manifest["n_features"] == 88
    lr = json.loads((exported / "results/demo/models/egemaps/lr/manifest.json").read_text())
    assert lr["scores"] == "probability"
    byols = json.loads((exported / "results/demo/models/hybrid_byols/lr/manifest.json").read_text())
    assert byols["extractor"]["name"] == "byols" and byols["n_features"] == 2048
    assert byols["extractor"]["checkpoint"]["path"].endswith("cvt_random_state_dict.pth")
    assert byols["extractor"]["logmel_stats"]["n_clips"] == 10 * 7 * 2


@pytest.mark.parametrize(("feature_set", "classifier"), EXPORTED)
def test_predicting_the_test_speakers_reproduces_the_benchmark(
    exported, tmp_path, feature_set, classifier
):
    """Folder per speaker through the CLI: predictions.parquet exactly."""
    folder = tmp_path / "recordings"
    for path in corpus_files(exported, TEST_SPEAKERS):
        (folder / path.name[:2]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name[:2] / path.name)
    out = tmp_path / "predicted.csv"
    bundle = exported / "results/demo/models" / feature_set / classifier
    result = run_cli(str(bundle), str(folder), "-o", str(out))
    assert result.returncode == 0, result.stderr
    predicted = read_predictions(out)
    predicted["utterance"] = predicted["file"].map(lambda f: Path(f).stem)
    benchmark = pd.read_parquet(
        exported / "results/demo/classification" / feature_set / classifier / "predictions.parquet"
    )
    merged = benchmark.merge(predicted, on="utterance", validate="one_to_one")
    assert len(merged) == len(benchmark) == len(predicted) == 3 * 7 * 2
    assert (merged["speaker_x"] == merged["speaker_y"]).all()
    assert (merged["normalisation"] == "speaker").all()
    assert merged["predicted_x"].tolist() == merged["predicted_y"].tolist()
    kind = "decision" if classifier == "svm" else "probability"
    labels = sorted(benchmark["emotion"].unique())
    scores = predicted[[f"{kind}_{label}" for label in labels]].to_numpy()
    if kind == "probability":
        np.testing.assert_allclose(scores.sum(axis=1), 1.0, rtol=1e-6)
        assert (np.array(labels)[scores.argmax(axis=1)] == predicted["predicted"]).all()


def test_cli_on_mixed_rates_and_channels_with_an_unreadable_file(exported, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    sources = corpus_files(exported, ["03"])[:4]
    expected = {}
    for i, path in enumerate(sources):
        samples, rate = sf.read(path, dtype="float32")
        assert rate == 16000
        if i == 0:  # as it is
            sf.write(folder / "a_mono16k.wav", samples, rate, subtype="FLOAT")
        elif i == 1:  # stereo, 44.1 kHz, 16-bit
            resampled = soxr.resample(samples, rate, 44100)
            stereo = np.column_stack([resampled, 0.5 * resampled])
            sf.write(folder / "b_stereo44k.wav", stereo, 44100, subtype="PCM_16")
        elif i == 2:  # 8 kHz FLAC
            sf.write(folder / "c_8k.flac", soxr.resample(samples, rate, 8000), 8000)
        else:  # the first clip again, as two identical channels at 16 kHz
            stereo = np.column_stack([expected["a"], expected["a"]])
            sf.write(folder / "d_same_as_a_stereo.wav", stereo, rate, subtype="FLOAT")
        expected.setdefault("a", samples)
    (folder / "e_broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk that is no audio")
    sf.write(folder / "f_tiny.wav", expected["a"][:50], 16000, subtype="FLOAT")  # 3 ms
    (folder / "notes.txt").write_text("not a recording; ignored")
    out = tmp_path / "out.csv"
    bundle = exported / "results/demo/models/egemaps/lr"
    result = run_cli(str(bundle), str(folder), "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = read_predictions(out)
    assert [Path(f).name for f in table["file"]] == [
        "a_mono16k.wav",
        "b_stereo44k.wav",
        "c_8k.flac",
        "d_same_as_a_stereo.wav",
        "e_broken.wav",
        "f_tiny.wav",
    ]
    labels = json.loads((bundle / "manifest.json").read_text())["labels"]
    readable, broken, tiny = table.iloc[:4], table.iloc[4], table.iloc[5]
    assert set(readable["predicted"]) <= set(labels) and (readable["error"] == "").all()
    assert (readable["normalisation"] == "training").all()
    probabilities = readable[[f"probability_{label}" for label in labels]].to_numpy(float)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    # two identical channels are the mono clip: the same features, the same prediction
    np.testing.assert_allclose(probabilities[3], probabilities[0], rtol=1e-6)
    assert broken["predicted"] == "" and broken["error"] != ""
    assert np.isnan(broken[[f"probability_{label}" for label in labels]].to_numpy(float)).all()
    assert "e_broken.wav not predicted" in result.stderr
    # decodable but too short for openSMILE's features: listed, not predicted
    assert tiny["predicted"] == "" and "no value for some features" in tiny["error"]
    assert "training data's statistics" in result.stderr and "no speaker given" in result.stderr
    assert "decode" in result.stderr  # the progress bar
    assert "4 of 6 recording(s) predicted" in result.stderr


def test_csv_input_with_too_few_recordings_per_speaker_falls_back(exported, tmp_path):
    files = corpus_files(exported, ["13"])[:3]
    listing = tmp_path / "list.csv"
    pd.DataFrame({"file": [str(f) for f in files], "speaker": "13"}).to_csv(listing, index=False)
    out = tmp_path / "out.csv"
    bundle = exported / "results/demo/models/egemaps/svm"
    result = run_cli(str(bundle), str(listing), "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = read_predictions(out)
    assert (table["normalisation"] == "training").all()
    assert "fewer than 10 recordings: ['13']" in result.stderr
    # with the threshold lowered, the three are normalised as a speaker of their own
    result = run_cli(str(bundle), str(listing), "-o", str(out), "--min-utterances", "3")
    assert result.returncode == 0, result.stderr
    assert (pd.read_csv(out)["normalisation"] == "speaker").all()


def test_bundles_that_cannot_be_used_are_refused_naming_the_file(exported, tmp_path):
    recording = corpus_files(exported, ["03"])[0]
    out = tmp_path / "out.csv"

    def copy_bundle(name: str) -> tuple[Path, dict]:
        folder = tmp_path / name
        shutil.copytree(exported / "results/demo/models/egemaps/svm", folder)
        return folder, json.loads((folder / "manifest.json").read_text())

    other_version, manifest = copy_bundle("other_version")
    manifest["serflow_version"] = "9.9.9"
    (other_version / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli(str(other_version), str(recording), "-o", str(out))
    assert result.returncode == 2
    assert f"{other_version / 'manifest.json'} was made by serflow 9.9.9" in result.stderr

    damaged, _ = copy_bundle("damaged")
    with open(damaged / "model.skops", "r+b") as stream:
        stream.seek(200)
        stream.write(b"\x00" * 16)
    result = run_cli(str(damaged), str(recording), "-o", str(out))
    assert result.returncode == 2 and f"{damaged / 'model.skops'} is damaged" in result.stderr

    byols, manifest = copy_bundle("byols")
    manifest["feature_set"] = "hybrid_byols"
    manifest["extractor"] = {
        "name": "byols",
        "checkpoint": {"path": str(tmp_path / "gone.pth"), "sha256": "0" * 64},
    }
    (byols / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli(str(byols), str(recording), "-o", str(out))
    assert result.returncode == 2
    assert f"the BYOL-S checkpoint {tmp_path / 'gone.pth'}" in result.stderr
    assert "--checkpoint" in result.stderr

    # a real BYOL-S bundle given a checkpoint other than its own
    result = run_cli(
        str(exported / "results/demo/models/hybrid_byols/lr"),
        str(recording),
        "-o",
        str(out),
        "--checkpoint",
        str(Path(__file__).parent / "data/byols/default_random_state_dict.pth"),
    )
    assert result.returncode == 2 and "is not the one the model was trained with" in result.stderr

    result = run_cli(str(tmp_path / "byols"), str(tmp_path / "missing_dir"), "-o", str(out))
    assert result.returncode == 2 and "missing_dir does not exist" in result.stderr
    assert not out.exists()


def test_predict_rule_writes_the_same_predictions(exported, tmp_path):
    listing = exported / "test_speakers.csv"
    files = corpus_files(exported, TEST_SPEAKERS)
    pd.DataFrame({"file": [str(f) for f in files], "speaker": [f.name[:2] for f in files]}).to_csv(
        listing, index=False
    )
    config = yaml.safe_load((exported / "config.yaml").read_text())
    config["predict"] = {"input": str(listing)}
    write_config(exported, config, name="predict.yaml")
    run_snakemake(exported, "--cores", "2", configfile="predict.yaml")
    log = (exported / "logs/demo/export_model/egemaps/svm.log").read_text()
    assert log.count("(export.train_on: ") == 1  # the bundles were not made again
    table = pd.read_csv(exported / "results/demo/predictions/egemaps/svm.csv")
    benchmark = pd.read_parquet(
        exported / "results/demo/classification/egemaps/svm/predictions.parquet"
    )
    assert [Path(f).stem for f in table["file"]] == benchmark["utterance"].tolist()
    assert table["predicted"].tolist() == benchmark["predicted"].tolist()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"export": {"models": [{"feature_set": "compare", "classifier": "rf"}]}},
            "export.models names (compare, rf), which the benchmark does not run",
        ),
        (
            {
                "export": {"models": [{"feature_set": "egemaps", "classifier": "lr"}]},
                "predict": {"input": "/nowhere/recordings"},
            },
            "predict.input '/nowhere/recordings' does not exist",
        ),
        ({"predict": {"input": "."}}, "predict.input is set but export.models is empty"),
        (
            {"export": {"models": [{"feature_set": "egemaps", "classifer": "lr"}]}},
            "classifer",
        ),
    ],
)
def test_bad_export_settings_stop_the_run_before_any_job(tmp_path, settings, message):
    config = demo_config(feature_sets=["egemaps"], classifiers=["lr", "svm"], **settings)
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
