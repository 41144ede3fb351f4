"""RAVDESS: ``Actor_XX/MM-VV-EE-II-SS-RR-AA.wav``, seven two-digit fields.

Modality MM (03: audio only), vocal channel VV (01: speech, 02: song), emotion EE, intensity II
(01 normal, 02 strong), statement SS, repetition RR and actor AA (odd: male, even: female).
Speech audio is the corpus; song or video files found beside it are left out with a note.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from serflow.formats.entries import TEXT_COLUMN, Entry, audio_files, labelled

#: RAVDESS's emotion codes -> canonical names.
LABELS = {
    "01": "neutral",
    "02": "calm",
    "03": "happiness",
    "04": "sadness",
    "05": "anger",
    "06": "fear",
    "07": "disgust",
    "08": "surprise",
}
INTENSITIES = {"01": "normal", "02": "strong"}
STATEMENTS = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}

_NAME = re.compile(
    r"^(?P<modality>\d\d)-(?P<channel>\d\d)-(?P<emotion>\d\d)-(?P<intensity>\d\d)-"
    r"(?P<statement>\d\d)-(?P<repetition>\d\d)-(?P<actor>\d\d)$"
)


def entries(folder: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per audio file below ``folder`` (the Actor_XX folders or one flat folder)."""
    return [_entry(path) for path in audio_files(folder)]


def _entry(path: Path) -> Entry:
    match = _NAME.match(path.stem)
    if match is None:
        return Entry(
            path,
            problem=(
                f"{path}: not named like RAVDESS (MM-VV-EE-II-SS-RR-AA.wav, seven two-digit "
                "fields, e.g. 03-01-05-02-01-01-12.wav); rename or remove it"
            ),
        )
    parts = match.groupdict()
    if parts["modality"] != "03" or parts["channel"] != "01":
        kind = "song" if parts["channel"] == "02" else f"modality {parts['modality']}"
        return Entry(path, ignored=f"{path.name}: RAVDESS {kind}, not speech audio (03-01)")
    actor = parts["actor"]
    fields = {
        "utterance": path.stem,
        "speaker": actor,
        "gender": "male" if int(actor) % 2 else "female",
        "intensity": INTENSITIES.get(parts["intensity"], parts["intensity"]),
        "statement": STATEMENTS.get(parts["statement"], parts["statement"]),
        "repetition": int(parts["repetition"]),
        TEXT_COLUMN: parts["statement"],
    }
    return labelled(path, fields, parts["emotion"], LABELS, "RAVDESS emotion")
