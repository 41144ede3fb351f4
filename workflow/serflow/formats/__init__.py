"""Corpus formats: how each corpus names or lists its files, speakers and emotions.

A format turns a corpus location (a folder, or the CSV / audformat database that lists the
files) into :class:`Entry` rows: one per audio file, with the utterance id, speaker, gender,
the corpus's own emotion label, its canonical emotion and the corpus's other fields, or with
the problem that keeps the file out. Decoding and checking the audio is the corpus builder's
job (:mod:`serflow.corpus`), the same for every format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from serflow.formats import audformat_db, cremad, csv_manifest, emodb, ravdess, savee, tess
from serflow.formats.entries import Entry, FormatError, audio_files, unread_files

#: format name -> function(location, settings) -> entries, sorted by utterance id.
FORMATS: dict[str, Callable[[Path, dict[str, Any]], list[Entry]]] = {
    "emodb": emodb.entries,
    "ravdess": ravdess.entries,
    "cremad": cremad.entries,
    "tess": tess.entries,
    "savee": savee.entries,
    "audformat": audformat_db.entries,
    "csv": csv_manifest.entries,
}

#: Formats whose corpus is a folder of audio files named by the format's scheme.
FOLDER_FORMATS = ("emodb", "ravdess", "cremad", "tess", "savee")
#: Files a folder format reads besides the audio.
READS_ALSO = {"cremad": ("VideoDemographics.csv",)}

__all__ = ["FOLDER_FORMATS", "FORMATS", "Entry", "FormatError", "audio_files", "read_entries"]


def read_entries(format_name: str, location: str | Path, settings: dict[str, Any]) -> list[Entry]:
    """The entries of the corpus at ``location`` in ``format_name``, sorted by utterance id;
    in a folder format, also a note for each file that is not audio (nothing is left out
    unnamed)."""
    if format_name not in FORMATS:
        raise FormatError(f"unknown corpus format {format_name!r}; use one of {list(FORMATS)}")
    entries = FORMATS[format_name](Path(location), settings)
    if format_name in FOLDER_FORMATS:
        read = {entry.path for entry in entries}
        entries += unread_files(Path(location), read, READS_ALSO.get(format_name, ()))
    return sorted(entries, key=lambda entry: (entry.utterance, str(entry.path)))
