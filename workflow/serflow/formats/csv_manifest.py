"""A CSV manifest: columns ``file``, ``speaker``, ``emotion`` (and optionally ``gender``), one row
per audio file, paths relative to the CSV's folder (or absolute)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from serflow.formats.entries import (
    TEXT_COLUMN,
    Entry,
    FormatError,
    free_text_emotion,
    relative_id,
)

REQUIRED = ("file", "speaker", "emotion")


def entries(manifest: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per row of the CSV ``manifest``."""
    if not manifest.is_file():
        raise FormatError(
            f"{manifest} is not a file; a csv dataset's path is its CSV manifest (columns "
            f"{', '.join(REQUIRED)}[, gender])"
        )
    table = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    missing = [column for column in REQUIRED if column not in table.columns]
    if missing:
        raise FormatError(
            f"{manifest} lacks the column(s) {', '.join(missing)}; a CSV manifest has the "
            f"columns {', '.join(REQUIRED)} and optionally gender (it has {list(table.columns)})"
        )
    text_column = settings.get("text_column", "")
    if text_column and text_column not in table.columns:
        raise FormatError(
            f"{manifest} has no column {text_column!r} (the dataset's text_column, the sentence "
            f"id); name one of {list(table.columns)} or leave text_column empty"
        )
    root = manifest.parent
    found = []
    for line, row in enumerate(table.itertuples(index=False), start=2):
        path = (root / row.file).resolve() if not Path(row.file).is_absolute() else Path(row.file)
        where = f"line {line} of {manifest}"
        if not row.file or not row.speaker:
            found.append(Entry(path, problem=f"{where}: empty file or speaker"))
            continue
        if not path.is_file():
            found.append(
                Entry(
                    path,
                    problem=f"{where}: {row.file} does not exist (paths are relative to "
                    f"the CSV's folder {root})",
                )
            )
            continue
        fields = {
            "utterance": relative_id(path, root) if path.is_relative_to(root) else path.stem,
            "speaker": str(row.speaker),
            "gender": (getattr(row, "gender", "") or "unknown").lower(),
        }
        if text_column:
            fields[TEXT_COLUMN] = str(table.at[line - 2, text_column])
        found.append(free_text_emotion(path, fields, row.emotion, where))
    return found
