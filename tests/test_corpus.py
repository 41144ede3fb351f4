import zipfile

import pandas as pd
import pytest

from serflow.corpus import (
    METADATA_COLUMNS,
    CorpusError,
    build_metadata,
    check_sums,
    list_wavs,
    unpack_zip,
)
from serflow.download import sha256sum
from serflow.formats import read_entries

from conftest import write_tone


def describe(folder, **options):
    """build_metadata of an EmoDB-named folder: (metadata, skipped)."""
    corpus = build_metadata(read_entries("emodb", folder, {}), **options)
    return corpus.metadata, corpus.skipped


def test_metadata_has_one_sorted_row_per_utterance(tone_dir):
    metadata, skipped = describe(tone_dir)
    assert list(metadata.columns) == [*METADATA_COLUMNS, "text", "duration_s", "sample_rate"]
    assert len(skipped) == 0
    assert metadata["utterance"].tolist() == sorted(metadata["utterance"])
    row = metadata.set_index("utterance").loc["08a01Wb"]
    assert (row.speaker, row.gender, row.text, row.label, row.emotion) == (
        "08",
        "female",
        "a01",
        "W",
        "anger",
    )
    assert row.sample_rate == 16000 and row.duration_s == pytest.approx(0.5)


def test_bad_name_is_an_error_naming_the_file_or_is_skipped(tone_dir):
    write_tone(tone_dir / "take2.wav")
    with pytest.raises(CorpusError, match="take2.wav"):
        describe(tone_dir)
    metadata, skipped = describe(tone_dir, skip_bad_files=True)
    assert list(skipped.reasons) == ["take2.wav"] and len(metadata) == 8


@pytest.mark.parametrize("content", [b"", b"RIFF\x10\x00\x00\x00WAVEjunkjunk"])
def test_corrupt_or_empty_wav_is_an_error_naming_the_file(tone_dir, content):
    (tone_dir / "03a01Wc.wav").write_bytes(content)
    with pytest.raises(CorpusError, match="03a01Wc.wav"):
        describe(tone_dir)
    metadata, skipped = describe(tone_dir, skip_bad_files=True)
    assert "03a01Wc.wav" in skipped.reasons and "03a01Wc" not in set(metadata["utterance"])


def test_wav_with_no_samples_is_an_error(tone_dir):
    write_tone(tone_dir / "03a01Wc.wav", seconds=0)
    with pytest.raises(CorpusError, match="03a01Wc.wav holds no audio samples"):
        describe(tone_dir)


def test_speaker_with_a_single_utterance_is_an_error(tone_dir):
    write_tone(tone_dir / "16a01Na.wav")
    with pytest.raises(CorpusError, match="speaker 16 has a single utterance"):
        describe(tone_dir)
    metadata, skipped = describe(tone_dir, skip_bad_files=True)
    assert "16" not in set(metadata["speaker"]) and "16a01Na.wav" in skipped.reasons


def test_folder_without_wavs_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no .wav files in"):
        list_wavs(tmp_path)
    with pytest.raises(CorpusError, match="does not exist"):
        list_wavs(tmp_path / "missing")


def test_checksums_report_a_partial_or_changed_corpus(tone_dir, tmp_path):
    wavs = list_wavs(tone_dir)
    sums = tmp_path / "SHA256SUMS"
    lines = [f"{sha256sum(w)}  {w.name}" for w in wavs] + ["0" * 64 + "  16b10Na.wav"]
    sums.write_text("\n".join(lines) + "\n")
    assert check_sums(wavs, sums) == [
        "partial corpus: 8 of the 9 expected files found; missing: 16b10Na.wav"
    ]
    write_tone(wavs[0], freq=999)
    assert any("differ from the official EmoDB: 03a01Na.wav" in f for f in check_sums(wavs, sums))


def test_unpack_zip_takes_the_wavs_from_any_folder(tone_dir, tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for wav in list_wavs(tone_dir):
            zf.write(wav, f"wav/{wav.name}")
        zf.writestr("erkennung.txt", "not audio")
    out = tmp_path / "unpacked" / "wav"
    unpack_zip(archive, out)
    assert sorted(p.name for p in out.iterdir()) == [w.name for w in list_wavs(tone_dir)]
    assert not (tmp_path / "unpacked" / "wav.partial").exists()


def test_unpack_refuses_a_broken_zip_and_leaves_nothing(tmp_path):
    archive = tmp_path / "download.zip"
    archive.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CorpusError, match="not a readable zip"):
        unpack_zip(archive, tmp_path / "out" / "wav")
    assert not (tmp_path / "out" / "wav").exists()


def test_metadata_types_survive_parquet(tone_dir, tmp_path):
    from serflow.tables import read_parquet, write_parquet

    metadata, _ = describe(tone_dir)
    write_parquet(metadata, tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "m.parquet"), metadata)
