"""Corpus formats: each one's naming and layout parsed into utterance, speaker, gender, label,
canonical emotion and its own fields; bad names and unknown labels named with the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from serflow.emotions import EmotionError, canonical_name, check_selection, select_emotions
from serflow.formats import FormatError, read_entries


def _touch(root: Path, *names: str) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return root


def _fields(entries) -> dict[str, dict]:
    return {entry.utterance: entry.fields for entry in entries if entry.problem is None}


def test_emodb_names_and_a_bad_name(tmp_path):
    _touch(tmp_path, "03a01Wa.wav", "16b10Tc.wav", "notes.txt", "bad_name.wav")
    entries = read_entries("emodb", tmp_path, {})
    fields = _fields(entries)
    assert fields["03a01Wa"] == {
        "utterance": "03a01Wa",
        "speaker": "03",
        "gender": "male",
        "label": "W",
        "emotion": "anger",
        "text": "a01",
    }
    assert fields["16b10Tc"]["emotion"] == "sadness" and fields["16b10Tc"]["gender"] == "female"
    (bad,) = [entry for entry in entries if entry.problem]
    assert "bad_name.wav" in bad.problem and "SSTTTEV" in bad.problem


def test_ravdess_actor_folders_song_left_out_and_unknown_code(tmp_path):
    _touch(
        tmp_path,
        "Actor_01/03-01-05-02-01-01-01.wav",
        "Actor_12/03-01-02-01-02-02-12.wav",
        "Actor_12/03-02-03-01-01-01-12.wav",  # song
        "Actor_12/03-01-09-01-01-01-12.wav",  # no emotion 09
    )
    entries = read_entries("ravdess", tmp_path, {})
    fields = _fields(entries)
    assert fields["03-01-05-02-01-01-01"] == {
        "utterance": "03-01-05-02-01-01-01",
        "speaker": "01",
        "gender": "male",
        "intensity": "strong",
        "statement": "Kids are talking by the door",
        "repetition": 1,
        "text": "01",
        "label": "05",
        "emotion": "anger",
    }
    assert fields["03-01-02-01-02-02-12"]["emotion"] == "calm"
    assert fields["03-01-02-01-02-02-12"]["gender"] == "female"
    ignored = [entry for entry in entries if entry.ignored]
    assert len(ignored) == 1 and "song" in ignored[0].ignored
    (unknown,) = [entry for entry in entries if entry.problem]
    assert "'09'" in unknown.problem and "03-01-09-01-01-01-12.wav" in unknown.problem


def test_cremad_sex_from_video_demographics(tmp_path):
    _touch(tmp_path, "AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1002_IEO_HAP_HI.wav")
    (tmp_path / "VideoDemographics.csv").write_text(
        "ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,Not Hispanic\n"
        "1002,21,Female,Caucasian,Not Hispanic\n"
    )
    fields = _fields(read_entries("cremad", tmp_path / "AudioWAV", {}))
    assert fields["1001_DFA_ANG_XX"]["gender"] == "male"
    assert fields["1002_IEO_HAP_HI"] == {
        "utterance": "1002_IEO_HAP_HI",
        "speaker": "1002",
        "gender": "female",
        "sentence": "IEO",
        "text": "IEO",
        "level": "high",
        "label": "HAP",
        "emotion": "happiness",
    }
    # without the demographics file gender is unknown
    alone = _touch(tmp_path / "elsewhere", "1003_TIE_SAD_LO.wav")
    assert _fields(read_entries("cremad", alone, {}))["1003_TIE_SAD_LO"]["gender"] == "unknown"


def test_tess_folders_of_any_case(tmp_path):
    _touch(
        tmp_path,
        "OAF_angry/OAF_back_angry.wav",
        "yaf_pleasant_surprised/YAF_bean_ps.wav",
        "OAF_Neutral/OAF_base_neutral.wav",
    )
    fields = _fields(read_entries("tess", tmp_path, {}))
    assert fields["OAF_back_angry"]["emotion"] == "anger"
    assert fields["YAF_bean_ps"] == {
        "utterance": "YAF_bean_ps",
        "speaker": "YAF",
        "gender": "female",
        "word": "bean",
        "text": "bean",
        "label": "ps",
        "emotion": "surprise",
    }
    assert fields["OAF_base_neutral"]["speaker"] == "OAF"


def test_savee_flat_and_speaker_folders(tmp_path):
    _touch(tmp_path, "ALL/DC_a01.wav", "ALL/JE_sa15.wav", "AudioData/KL/su03.wav", "ALL/XX_a01.wav")
    entries = read_entries("savee", tmp_path, {})
    fields = _fields(entries)
    assert fields["DC_a01"]["emotion"] == "anger" and fields["DC_a01"]["speaker"] == "DC"
    assert fields["JE_sa15"]["emotion"] == "sadness" and fields["JE_sa15"]["number"] == 15
    # the sentence id every SAVEE speaker shares: emotion code and number
    assert fields["JE_sa15"]["text"] == "sa15" and fields["KL_su03"]["text"] == "su03"
    assert fields["KL_su03"]["emotion"] == "surprise" and fields["KL_su03"]["gender"] == "male"
    assert [entry.path.name for entry in entries if entry.problem] == ["XX_a01.wav"]


def test_csv_manifest_relative_paths_and_labels(tmp_path):
    _touch(tmp_path, "audio/a.wav", "audio/sub/b.wav", "audio/c.wav")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,speaker,emotion,gender\n"
        "audio/a.wav,s1,Angry,F\naudio/sub/b.wav,s2,happiness,M\naudio/c.wav,s2,grumpy,M\n"
        "audio/missing.wav,s3,sad,F\n"
    )
    entries = read_entries("csv", manifest, {})
    fields = _fields(entries)
    assert fields["audio/a"] == {
        "utterance": "audio/a",
        "speaker": "s1",
        "gender": "f",
        "label": "Angry",
        "emotion": "anger",
    }
    assert fields["audio/sub/b"]["emotion"] == "happiness"
    problems = sorted(entry.problem for entry in entries if entry.problem)
    assert "'grumpy'" in problems[0] and "line 4 of" in problems[0]
    assert "audio/missing.wav does not exist" in problems[1]


def test_csv_manifest_without_a_required_column(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,speaker,emotion\nx.wav,s1,sad\n")
    with pytest.raises(FormatError, match=r"m\.csv lacks the column\(s\) file"):
        read_entries("csv", manifest, {})


def test_emotion_vocabulary_and_selection():
    assert canonical_name("Fearful") == "fear" and canonical_name("pleasant surprise") == "surprise"
    assert canonical_name("grumpy") is None
    emotions = pd.Series(["calm", "neutral", "anger", "fear"])
    assert select_emotions(emotions, None).tolist() == emotions.tolist()
    kept = select_emotions(emotions, ["anger", "neutral"])
    assert kept.isna().tolist() == [True, False, False, True]
    merged = select_emotions(emotions, {"calm": "neutral", "neutral": "neutral", "anger": "anger"})
    assert merged.tolist()[:3] == ["neutral", "neutral", "anger"] and pd.isna(merged[3])
    check_selection({"calm": "neutral"}, "datasets.ravdess.emotions")
    with pytest.raises(EmotionError, match="datasets.x.emotions: angry is not an emotion"):
        check_selection(["angry"], "datasets.x.emotions")
