"""EmoDB: ``SSTTTEV.wav`` directly in the corpus folder (speaker, text, emotion letter, version)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serflow.emodb import EMOTIONS, parse_utterance, speaker_gender
from serflow.formats.entries import TEXT_COLUMN, Entry, audio_files


def entries(folder: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per wav file in ``folder`` (not below it: EmoDB's zip has them all in wav/)."""
    found = []
    for path in audio_files(folder, recursive=False):
        try:
            parts = parse_utterance(path.name)
        except ValueError as error:
            found.append(Entry(path, problem=f"{path}: {error}"))
            continue
        fields = {
            "utterance": parts.utterance,
            "speaker": parts.speaker,
            "gender": speaker_gender(parts.speaker),
            "label": parts.emotion,
            "emotion": EMOTIONS[parts.emotion],
            TEXT_COLUMN: parts.text,
        }
        found.append(Entry(path, fields))
    return found
