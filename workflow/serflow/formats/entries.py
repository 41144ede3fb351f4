"""What a corpus format reports for one audio file, and helpers every format shares."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serflow.emotions import canonical_name

#: The metadata column of an utterance's sentence (text) id, whatever the format calls it (EmoDB
#: text, RAVDESS statement, CREMA-D sentence, TESS word, SAVEE sentence; CSV and audformat a
#: configured column): what ``split.disjoint: [speaker, text]`` keeps apart.
TEXT_COLUMN = "text"

#: File endings read as audio (anything libsndfile decodes; wav in every corpus here).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")


class FormatError(ValueError):
    """A corpus that does not follow its format; the message names the file and the fix."""


@dataclass
class Entry:
    """One audio file of a corpus.

    ``fields`` holds utterance, speaker, gender, label (the corpus's own), emotion (canonical)
    and the format's other fields; ``problem`` says why the file cannot be used (a bad name, an
    unknown label), ``ignored`` why a good file is not part of the speech corpus (e.g. a RAVDESS
    song); at most one of the two is set.
    """

    path: Path
    fields: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    ignored: str | None = None

    @property
    def utterance(self) -> str:
        return str(self.fields.get("utterance", self.path.stem))


def audio_files(folder: Path, *, recursive: bool = True) -> list[Path]:
    """The audio files under ``folder`` (or directly in it), sorted, macOS metadata left out."""
    if not folder.is_dir():
        raise FormatError(f"corpus folder {folder} does not exist or is not a folder")
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        path
        for path in pattern
        if path.suffix.lower() in AUDIO_SUFFIXES
        and path.is_file()
        and not path.name.startswith("._")
        and "__MACOSX" not in path.parts
    )


def labelled(
    path: Path, fields: dict[str, Any], label: str, labels: dict[str, str], what: str
) -> Entry:
    """An entry whose emotion is ``labels[label]``, or one with the problem of an unknown label
    (naming the file, the label and the labels the format has)."""
    emotion = labels.get(label)
    if emotion is None:
        return Entry(
            path,
            fields,
            problem=(
                f"{path}: {what} label {label!r} is not one of {', '.join(labels)}; rename or "
                "remove the file"
            ),
        )
    return Entry(path, {**fields, "label": label, "emotion": emotion})


def free_text_emotion(path: Path, fields: dict[str, Any], label: str, where: str) -> Entry:
    """An entry whose emotion is the canonical name of a free-text ``label``."""
    emotion = canonical_name(label)
    if emotion is None:
        return Entry(
            path,
            fields,
            problem=(
                f"{path}: emotion label {label!r} ({where}) is not an emotion serflow knows; "
                "use a canonical name (anger, boredom, calm, disgust, fear, happiness, neutral, "
                "sadness, surprise, ...) or a common spelling of one"
            ),
        )
    return Entry(path, {**fields, "label": str(label), "emotion": emotion})


def relative_id(path: Path, root: Path) -> str:
    """An utterance id from a path below ``root``: the relative path without its ending."""
    relative = os.path.relpath(path, root)
    return str(Path(relative).with_suffix("")).replace(os.sep, "/")
