"""Obtaining the corpus through the real workflow: download, local zip or folder, bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from serflow.demo import generate_demo_corpus

from workflow_runner import run_snakemake, write_config

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """28 short EmoDB-named clips: two speakers, every emotion twice."""
    folder = tmp_path_factory.mktemp("corpus") / "wav"
    generate_demo_corpus(
        folder, speakers=["03", "08"], clips_per_class=2, min_duration_s=0.5, max_duration_s=0.8
    )
    return folder


def _zip_of(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for wav in sorted(folder.glob("*.wav")):
            zf.write(wav, f"wav/{wav.name}")
        zf.writestr("erkennung.txt", "recognition rates")
    return archive


def _config(source: str, **corpus) -> dict:
    return {
        "datasets": {"corpus": {"format": "emodb", "source": source, **corpus}},
    }


METADATA = "results/corpus/metadata.parquet"


def test_download_rule_fetches_and_unpacks_from_a_local_server(small_corpus, http_server, tmp_path):
    url, root, _ = http_server
    _zip_of(small_corpus, root / "download.zip")
    write_config(tmp_path, _config("download", url=f"{url}/download.zip"))
    run_snakemake(tmp_path, "--cores", "1", METADATA)
    metadata = pd.read_parquet(tmp_path / METADATA)
    assert len(metadata) == 28 and set(metadata["speaker"]) == {"03", "08"}
    assert (tmp_path / "resources/corpus/download.zip").exists()
    assert all(
        Path(p).parent == tmp_path / "resources/corpus/unpacked/wav" for p in metadata["path"]
    )


def test_offline_download_fails_saying_how_to_give_a_local_copy(closed_port_url, tmp_path):
    write_config(
        tmp_path,
        {
            **_config("download", url=closed_port_url),
            "download": {"retries": 1, "timeout_s": 5},
        },
    )
    result = run_snakemake(tmp_path, "--cores", "1", METADATA, check=False)
    assert result.returncode != 0
    log = (tmp_path / "logs/corpus/download_corpus.log").read_text()
    assert "offline" in log and "datasets.corpus.source: zip" in log
    assert "datasets.corpus.path" in log
    assert not (tmp_path / "resources/corpus/download.zip").exists()


def test_local_zip_and_folder_run_offline(small_corpus, tmp_path):
    archive = _zip_of(small_corpus, tmp_path / "download.zip")
    write_config(tmp_path / "zip", _config("zip", path=str(archive)))
    run_snakemake(tmp_path / "zip", "--cores", "1", METADATA)
    write_config(tmp_path / "folder", _config("folder", path=str(small_corpus)))
    run_snakemake(tmp_path / "folder", "--cores", "1", METADATA)
    from_zip = pd.read_parquet(tmp_path / "zip" / METADATA).drop(columns="path")
    from_folder = pd.read_parquet(tmp_path / "folder" / METADATA).drop(columns="path")
    pd.testing.assert_frame_equal(from_zip, from_folder)


def test_missing_local_path_is_named(tmp_path):
    write_config(tmp_path, _config("folder", path=str(tmp_path / "nowhere")))
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0 and "nowhere" in result.stderr + result.stdout


@pytest.fixture
def damaged_corpus(small_corpus, tmp_path) -> Path:
    """A copy of the small corpus with a corrupt wav and a badly named file."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    for wav in small_corpus.glob("*.wav"):
        (folder / wav.name).write_bytes(wav.read_bytes())
    (folder / "03a01Wf.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEbroken")
    first = sorted(small_corpus.glob("08*.wav"))[0]
    (folder / "recording.wav").write_bytes(first.read_bytes())
    return folder


def test_corrupt_file_stops_the_run_naming_it_and_leaves_no_metadata(damaged_corpus, tmp_path):
    (damaged_corpus / "recording.wav").unlink()
    write_config(tmp_path / "run", _config("folder", path=str(damaged_corpus)))
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA, check=False)
    assert result.returncode != 0
    log = (tmp_path / "run/logs/corpus/build_metadata.log").read_text()
    assert "03a01Wf.wav cannot be decoded" in log and "skip_bad_files" in log
    assert not (tmp_path / "run" / METADATA).exists()


def test_skip_bad_files_warns_and_lists_what_was_skipped(damaged_corpus, tmp_path):
    config = _config("folder", path=str(damaged_corpus), skip_bad_files=True)
    write_config(tmp_path / "run", config)
    run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    log = (tmp_path / "run/logs/corpus/build_metadata.log").read_text()
    assert "skipped 2 file(s) in all: 03a01Wf.wav, recording.wav" in log
    assert len(pd.read_parquet(tmp_path / "run" / METADATA)) == 28


def test_training_split_without_an_emotion_stops_the_split(small_corpus, tmp_path):
    folder = tmp_path / "no_disgust"
    folder.mkdir()
    for wav in small_corpus.glob("*.wav"):
        if not (wav.name.startswith("08") and wav.name[5] == "E"):
            (folder / wav.name).write_bytes(wav.read_bytes())
    config = _config("folder", path=str(folder))
    config["split"] = {"test_speakers": ["03"]}
    config["cv_folds"] = 2
    write_config(tmp_path / "run", config)
    result = run_snakemake(
        tmp_path / "run", "--cores", "1", "results/corpus/split.json", check=False
    )
    assert result.returncode != 0
    log = (tmp_path / "run/logs/corpus/split_speakers.log").read_text()
    assert "emotion disgust" in log and "split.test_speakers" in log
    # with no utterance at all of the emotion, fewer folds would not help
    assert "lower cv_folds" not in log
    assert not (tmp_path / "run/results/corpus/split.json").exists()
