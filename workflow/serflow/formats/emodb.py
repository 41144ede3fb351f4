"""EmoDB: ``SSTTTEV.wav`` directly in the corpus folder (speaker, text, emotion letter, version)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serflow.emodb import EMOTIONS, parse_utterance, speaker_gender
from serflow.formats.entries import TEXT_COLUMN, Entry, audio_files, relative_name


def entries(folder: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per audio file in ``folder``; audio below it is left out with a warning naming
    it (EmoDB's zip has every file in wav/, and a copy in a sub-folder would repeat an id)."""
    found = [
        Entry(
            path,
            ignored=f"{relative_name(path, folder)}: in a sub-folder; an EmoDB corpus has its "
            f"files directly in {folder}: move the file there to use it",
            warn=True,
        )
        for path in audio_files(folder)
        if path.parent != folder
    ]
    for path in audio_files(folder, recursive=False):
        try:
            parts = parse_utterance(path.stem)
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
