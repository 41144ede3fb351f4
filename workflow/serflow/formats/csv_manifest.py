"""A CSV manifest: columns ``file``, ``speaker``, ``emotion`` (and optionally ``gender``), one row
per audio file, paths relative to the CSV's folder (or absolute).

An utterance id is the file's path, without its ending, relative to the folder that holds the
CSV and every listed file: ``o1/a.wav`` and ``o2/a.wav`` are two utterances, whatever the CSV's
place. A file listed on two lines is an error naming both lines. With the dataset's ``targets``
the manifest also has a column per dimension (e.g. ``arousal``) of numbers in the target's range.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from serflow.formats.entries import (
    TEXT_COLUMN,
    Entry,
    FormatError,
    free_text_emotion,
    relative_id,
    target_column,
    with_targets,
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
    targets = settings.get("targets") or {}
    columns = {name: target_column(name, target) for name, target in targets.items()}
    missing = [column for column in [*REQUIRED, *columns.values()] if column not in table.columns]
    if missing:
        raise FormatError(
            f"{manifest} lacks the column(s) {', '.join(missing)}; a CSV manifest has the "
            f"columns {', '.join(REQUIRED)}, optionally gender, and one per target of the "
            f"dataset's targets (it has {list(table.columns)})"
        )
    text_column = settings.get("text_column", "")
    if text_column and text_column not in table.columns:
        raise FormatError(
            f"{manifest} has no column {text_column!r} (the dataset's text_column, the sentence "
            f"id); name one of {list(table.columns)} or leave text_column empty"
        )
    # resolved like each file's path, also for a manifest given by a relative path
    root = manifest.parent.resolve()
    paths = [
        (root / row.file).resolve() if not Path(row.file).is_absolute() else Path(row.file)
        for row in table.itertuples(index=False)
    ]
    # the folder above the CSV and every listed file: ids relative to it are distinct
    id_root = root
    if not all(path.is_relative_to(root) for path in paths):
        id_root = Path(os.path.commonpath([root, *paths]))
    values = table[list(columns.values())].to_dict("records")
    found, lines = [], {}
    for line, (row, path, raw) in enumerate(
        zip(table.itertuples(index=False), paths, values, strict=True), start=2
    ):
        where = f"line {line} of {manifest}"
        if not row.file or not row.speaker:
            found.append(Entry(path, problem=f"{where}: empty file or speaker"))
            continue
        if path in lines:
            found.append(
                Entry(
                    path,
                    problem=f"{where}: {row.file} is also listed on line {lines[path]}; keep one "
                    "of the two lines",
                )
            )
            continue
        lines[path] = line
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
            "utterance": relative_id(path, id_root),
            "speaker": str(row.speaker),
            "gender": (getattr(row, "gender", "") or "unknown").lower(),
        }
        if text_column:
            fields[TEXT_COLUMN] = str(table.at[line - 2, text_column])
        entry = free_text_emotion(path, fields, row.emotion, where)
        raw_targets = {name: raw[column] for name, column in columns.items()}
        found.append(with_targets(entry, raw_targets, targets, where))
    return found
