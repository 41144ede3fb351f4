"""SAVEE: ``DC_a01.wav`` (speaker DC, JE, JK or KL, all male; emotion code and number), or
``DC/a01.wav`` as in the original AudioData folders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from serflow.formats.entries import TEXT_COLUMN, Entry, audio_files, labelled

#: SAVEE's emotion codes -> canonical names.
LABELS = {
    "a": "anger",
    "d": "disgust",
    "f": "fear",
    "h": "happiness",
    "n": "neutral",
    "sa": "sadness",
    "su": "surprise",
}
SPEAKERS = ("DC", "JE", "JK", "KL")

_NAME = re.compile(r"^(?:(?P<speaker>[A-Z]{2})_)?(?P<emotion>sa|su|[adfhn])(?P<number>\d\d)$")


def entries(folder: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per audio file below ``folder``."""
    return [_entry(path) for path in audio_files(folder)]


def _entry(path: Path) -> Entry:
    match = _NAME.match(path.stem)
    speaker = (match and match["speaker"]) or path.parent.name
    if match is None or speaker not in SPEAKERS:
        return Entry(
            path,
            problem=(
                f"{path}: not named like SAVEE (DC_a01.wav: speaker DC, JE, JK or KL, emotion "
                "code a, d, f, h, n, sa or su, and a number; or a01.wav in a speaker's folder); "
                "rename or remove it"
            ),
        )
    fields = {
        "utterance": f"{speaker}_{match['emotion']}{match['number']}",
        "speaker": speaker,
        "gender": "male",
        "number": int(match["number"]),
        # the speakers read the same sentences: a sentence is an emotion code and its number
        TEXT_COLUMN: f"{match['emotion']}{match['number']}",
    }
    return labelled(path, fields, match["emotion"], LABELS, "SAVEE emotion")
