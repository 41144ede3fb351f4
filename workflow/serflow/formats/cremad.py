"""CREMA-D: ``AAAA_SSS_EEE_LL.wav`` (actor 1001-1091, sentence, emotion, level).

The actors' sex comes from ``VideoDemographics.csv`` (columns ActorID, Sex) when it is in the
corpus folder or the folder above it; otherwise gender is ``unknown``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from serflow.formats.entries import TEXT_COLUMN, Entry, audio_files, labelled

#: CREMA-D's emotion codes -> canonical names.
LABELS = {
    "ANG": "anger",
    "DIS": "disgust",
    "FEA": "fear",
    "HAP": "happiness",
    "NEU": "neutral",
    "SAD": "sadness",
}
LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}

_NAME = re.compile(
    r"^(?P<actor>\d{4})_(?P<sentence>[A-Z]{3})_(?P<emotion>[A-Z]{3})_(?P<level>\w\w)$"
)


def entries(folder: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per audio file below ``folder`` (e.g. its AudioWAV folder)."""
    sexes = _demographics(folder)
    return [_entry(path, sexes) for path in audio_files(folder)]


def _demographics(folder: Path) -> dict[str, str]:
    """ActorID -> male/female from VideoDemographics.csv next to or above the audio."""
    for candidate in (folder / "VideoDemographics.csv", folder.parent / "VideoDemographics.csv"):
        if candidate.is_file():
            with open(candidate, newline="") as stream:
                return {
                    row["ActorID"].strip(): row["Sex"].strip().lower()
                    for row in csv.DictReader(stream)
                }
    return {}


def _entry(path: Path, sexes: dict[str, str]) -> Entry:
    match = _NAME.match(path.stem)
    if match is None:
        return Entry(
            path,
            problem=(
                f"{path}: not named like CREMA-D (ActorID_Sentence_Emotion_Level.wav, e.g. "
                "1001_DFA_ANG_XX.wav); rename or remove it"
            ),
        )
    parts = match.groupdict()
    fields = {
        "utterance": path.stem,
        "speaker": parts["actor"],
        "gender": sexes.get(parts["actor"], "unknown"),
        "sentence": parts["sentence"],
        TEXT_COLUMN: parts["sentence"],
        "level": LEVELS.get(parts["level"], parts["level"]),
    }
    return labelled(path, fields, parts["emotion"], LABELS, "CREMA-D emotion")
