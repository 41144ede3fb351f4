"""Bad input as a hostile user would give it: every file of a corpus is read or left out by name,
utterance ids stay unique for distinct files, zips with links are refused clearly, and a dataset
entry without its source names the entry."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml

from serflow import dataset_config
from serflow.corpus import CorpusError, build_metadata, unpack_zip
from serflow.formats import read_entries

from conftest import write_tone
from workflow_runner import REPO, run_snakemake, write_config


def _write(path: Path, fmt: str | None = None, seconds: float = 0.4) -> Path:
    """A short tone in the container that ``path``'s ending (or ``fmt``) names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 16000
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, 0.3 * np.sin(2 * np.pi * 220 * t), rate, format=fmt)
    return path


def test_emodb_reads_every_container_and_names_what_it_leaves_out(tmp_path):
    corpus = tmp_path / "emodb"
    _write(corpus / "03a01Wa.wav")
    _write(corpus / "03a01Wb.flac")
    _write(corpus / "03a01Na.ogg")
    _write(corpus / "03a02Na.mp3", fmt="MP3")
    _write(corpus / "extra" / "08a01Wa.wav")
    (corpus / "notes.txt").write_text("not audio")
    entries = read_entries("emodb", corpus, {})
    used = {entry.utterance for entry in entries if not entry.problem and not entry.ignored}
    assert used == {"03a01Wa", "03a01Wb", "03a01Na", "03a02Na"}
    left_out = {entry.path.name: entry.ignored for entry in entries if entry.ignored}
    assert "extra/08a01Wa.wav" in left_out["08a01Wa.wav"]
    assert "sub-folder" in left_out["08a01Wa.wav"]
    assert "notes.txt" in left_out["notes.txt"] and "not an audio file" in left_out["notes.txt"]
    corpus_table = build_metadata(entries, key="datasets.emodb")
    assert sorted(corpus_table.metadata["utterance"]) == sorted(used)
    # audio left out of the corpus is a warning (it reaches the terminal), other files a note
    assert any("08a01Wa.wav" in finding for finding in corpus_table.findings)
    assert "notes.txt" in corpus_table.ignored


def test_every_folder_format_names_a_file_it_does_not_read(tmp_path):
    corpus = tmp_path / "tess"
    _write(corpus / "OAF_angry" / "OAF_back_angry.wav")
    _write(corpus / "OAF_angry" / "OAF_bar_angry.wav")
    (corpus / "OAF_angry" / "readme.pdf").write_bytes(b"%PDF")
    entries = read_entries("tess", corpus, {})
    (ignored,) = [entry for entry in entries if entry.ignored]
    assert "OAF_angry/readme.pdf" in ignored.ignored


def _manifest(tmp_path: Path, rows: list[str]) -> Path:
    manifest = tmp_path / "lists" / "manifest.csv"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("file,speaker,emotion\n" + "\n".join(rows) + "\n")
    return manifest


def test_csv_absolute_paths_with_one_file_name_are_distinct_utterances(tmp_path):
    files = [
        write_tone(_mkdir(tmp_path / "o1") / "a.wav", freq=200),
        write_tone(_mkdir(tmp_path / "o2") / "a.wav", freq=300),
        write_tone(tmp_path / "o1" / "b.wav", freq=400),
        write_tone(tmp_path / "o2" / "b.wav", freq=500),
    ]
    emotions = ["anger", "anger", "neutral", "neutral"]
    rows = [
        f"{path},{path.parent.name},{emotion}"
        for path, emotion in zip(files, emotions, strict=True)
    ]
    corpus = build_metadata(read_entries("csv", _manifest(tmp_path, rows), {}))
    assert sorted(corpus.metadata["utterance"]) == ["o1/a", "o1/b", "o2/a", "o2/b"]


def test_a_file_listed_twice_names_both_csv_lines(tmp_path):
    wav = write_tone(_mkdir(tmp_path / "o1") / "a.wav")
    other = write_tone(tmp_path / "o1" / "b.wav", freq=300)
    manifest = _manifest(tmp_path, [f"{wav},s1,anger", f"{other},s1,neutral", f"{wav},s1,anger"])
    with pytest.raises(CorpusError, match=r"line 4 .*line 2") as error:
        build_metadata(read_entries("csv", manifest, {}), key="datasets.mine")
    assert str(manifest) in str(error.value)
    kept = build_metadata(read_entries("csv", manifest, {}), skip_bad_files=True)
    assert sorted(kept.metadata["utterance"]) == ["o1/a", "o1/b"]  # one copy kept, not none


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _symlink_member(archive: zipfile.ZipFile, name: str, target: str) -> None:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix, whose mode bits say "symbolic link"
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(info, target)


@pytest.mark.parametrize("flatten", [False, True])
def test_a_zip_with_a_symlink_member_names_the_zip_and_the_member(tmp_path, flatten):
    wav = write_tone(tmp_path / "03-01-05-01-01-01-01.wav")
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(wav, f"wav/Actor_01/{wav.name}")
        _symlink_member(zf, "wav/Actor_05", "Actor_01")
        zf.write(wav, "wav/Actor_05/03-01-05-01-01-01-05.wav")
        _symlink_member(zf, "wav/03a01Wa.wav", "Actor_01/x.wav")
    out = tmp_path / "unpacked" / "wav"
    with pytest.raises(CorpusError) as error:
        unpack_zip(archive, out, flatten=flatten)
    message = str(error.value)
    assert str(archive) in message and "symbolic link" in message
    assert "wav/Actor_05" in message or "wav/03a01Wa.wav" in message
    assert not out.exists() and not out.with_name("wav.partial").exists()


def test_a_zip_whose_file_and_folder_share_a_name_names_both(tmp_path):
    wav = write_tone(tmp_path / "x.wav")
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("wav/Actor_05", "a plain file")
        zf.write(wav, "wav/Actor_05/x.wav")
    with pytest.raises(CorpusError, match=r"wav/Actor_05/x\.wav.*wav/Actor_05"):
        unpack_zip(archive, tmp_path / "unpacked" / "wav", flatten=False)


def test_a_dataset_without_source_names_the_entry(tmp_path):
    schema = yaml.safe_load((REPO / "workflow/schemas/dataset.schema.yaml").read_text())
    with pytest.raises(dataset_config.DatasetConfigError, match=r"datasets\.mine\.source"):
        dataset_config.fill_source(
            "mine", {"format": "ravdess", "path": str(tmp_path / "no")}, schema
        )
    with pytest.raises(dataset_config.DatasetConfigError, match=r"datasets\.mine\.format"):
        dataset_config.fill_source("mine", {"source": "demo"}, schema)
    # a folder path says what the source is
    settings = {"format": "ravdess", "path": str(tmp_path)}
    dataset_config.fill_source("mine", settings, schema)
    assert settings["source"] == "folder"


def test_a_dataset_without_source_fails_at_parse_time_naming_it(tmp_path):
    write_config(tmp_path, {"datasets": {"mine": {"format": "ravdess"}}})
    result = run_snakemake(tmp_path, "-n", check=False)
    text = result.stdout + result.stderr
    assert result.returncode != 0
    assert "datasets.mine.source" in text
    assert "$schema" not in text and "properties" not in text  # no schema dump
