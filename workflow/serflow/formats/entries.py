"""What a corpus format reports for one audio file, and helpers every format shares."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serflow.emotions import canonical_name

#: The metadata column of an utterance's sentence (text) id, whatever the format calls it (EmoDB
#: text, RAVDESS statement, CREMA-D sentence, TESS word, SAVEE sentence; CSV and audformat a
#: configured column): what ``split.disjoint: [speaker, text]`` keeps apart.
TEXT_COLUMN = "text"

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


def target_column(dimension: str, target: dict[str, Any]) -> str:
    """The column that holds ``dimension`` (a dataset's ``targets`` entry; its name by
    default)."""
    return str(target.get("column") or dimension)


def with_targets(
    entry: Entry, raw: dict[str, Any], targets: dict[str, dict[str, Any]], where: str
) -> Entry:
    """``entry`` with a ``target_<dimension>`` field per configured target, or with the problem
    of the first value that is missing, not a finite number or outside the target's range.

    ``raw`` maps each dimension to the value its column holds for this file; ``where`` says
    where the row is (the manifest line, the table), for the message.
    """
    if entry.problem or not targets:
        return entry
    fields = dict(entry.fields)
    for dimension, target in targets.items():
        column, value = target_column(dimension, target), raw.get(dimension)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        low, high = target["range"]
        if not math.isfinite(number) or not low <= number <= high:
            what = "is not a finite number" if not math.isfinite(number) else "is out of range"
            return Entry(
                entry.path,
                entry.fields,
                problem=(
                    f"{entry.path}: column {column!r} ({where}) value {value!r} {what} "
                    f"[{low}, {high}] for target {dimension}; correct or remove the row"
                ),
            )
        fields[f"target_{dimension}"] = number
    return Entry(entry.path, fields, ignored=entry.ignored)
