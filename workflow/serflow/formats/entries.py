"""What a corpus format reports for one audio file, and helpers every format shares."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serflow.emotions import canonical_name

#: File endings read as audio: the containers libsndfile decodes (corpora and `serflow predict`).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".au")


class FormatError(ValueError):
    """A corpus that does not follow its format; the message names the file and the fix."""


@dataclass
class Entry:
    """One audio file of a corpus.

    ``fields`` holds utterance, speaker, gender, label (the corpus's own), emotion (canonical)
    and the format's other fields; ``problem`` says why the file cannot be used (a bad name, an
    unknown label), ``ignored`` why a good file is not part of the speech corpus (e.g. a RAVDESS
    song); at most one of the two is set. ``warn`` marks an ignored file that the user may have
    meant to be read (audio in a folder the format does not look into): a warning, not a note.
    """

    path: Path
    fields: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    ignored: str | None = None
    warn: bool = False

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
        if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file() and not is_macos_metadata(path)
    )


def is_macos_metadata(path: Path) -> bool:
    """Whether ``path`` is macOS Finder metadata (an AppleDouble ``._*`` or under ``__MACOSX``)."""
    return path.name.startswith("._") or "__MACOSX" in path.parts


def unread_files(folder: Path, read: set[Path], reads_also: tuple[str, ...] = ()) -> list[Entry]:
    """A note for every file below ``folder`` that no entry reads and that is not audio, so
    that nothing in a corpus folder is left out without its name in the log. ``reads_also``
    names files the format reads besides the audio (CREMA-D's VideoDemographics.csv)."""
    notes = []
    for path in sorted(folder.rglob("*")):
        if path in read or path.name in reads_also or is_macos_metadata(path):
            continue
        if path.is_file() and path.suffix.lower() not in AUDIO_SUFFIXES:
            ending = path.suffix or "no ending"
            notes.append(
                Entry(
                    path,
                    ignored=f"{relative_name(path, folder)}: not an audio file ({ending}); "
                    f"serflow reads {', '.join(AUDIO_SUFFIXES)}",
                )
            )
    return notes


def relative_name(path: Path, root: Path) -> str:
    """``path`` below ``root`` as a relative path with forward slashes."""
    return os.path.relpath(path, root).replace(os.sep, "/")


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
