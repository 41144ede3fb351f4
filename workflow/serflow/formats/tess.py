"""TESS: ``OAF_word_emotion.wav`` and ``YAF_word_emotion.wav`` (two female speakers, older and
younger), in folders named per speaker and emotion, of any case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serflow.formats.entries import TEXT_COLUMN, Entry, audio_files, labelled

#: TESS's emotion words (lower case) -> canonical names; ``ps`` is pleasant surprise.
LABELS = {
    "angry": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happiness",
    "neutral": "neutral",
    "ps": "surprise",
    "sad": "sadness",
}
SPEAKERS = ("OAF", "YAF")


def entries(folder: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per audio file below ``folder``."""
    return [_entry(path) for path in audio_files(folder)]


def _entry(path: Path) -> Entry:
    parts = path.stem.split("_")
    speaker = parts[0].upper()
    if len(parts) != 3 or speaker not in SPEAKERS:
        return Entry(
            path,
            problem=(
                f"{path}: not named like TESS (OAF_word_emotion.wav or YAF_word_emotion.wav, "
                "e.g. OAF_back_angry.wav); rename or remove it"
            ),
        )
    fields = {
        "utterance": f"{speaker}_{parts[1].lower()}_{parts[2].lower()}",
        "speaker": speaker,
        "gender": "female",
        "word": parts[1].lower(),
        TEXT_COLUMN: parts[1].lower(),
    }
    return labelled(path, fields, parts[2].lower(), LABELS, "TESS emotion")
