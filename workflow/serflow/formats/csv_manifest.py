"""A CSV manifest: columns ``file``, ``speaker``, ``emotion`` (and optionally ``gender``), one row
per audio file, paths relative to the CSV's folder (or absolute); with the dataset's ``targets``
also a column per dimension (e.g. ``arousal``) of numbers in the target's range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from serflow.formats.entries import (
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
    wanted = [*REQUIRED, *(target_column(name, target) for name, target in targets.items())]
    missing = [column for column in wanted if column not in table.columns]
    if missing:
        raise FormatError(
            f"{manifest} lacks the column(s) {', '.join(missing)}; a CSV manifest has the "
            f"columns {', '.join(REQUIRED)}, optionally gender, and one per target of the "
            f"dataset's targets (it has {list(table.columns)})"
        )
    # resolved like each file's path, so that ids are paths below it also for a manifest given
    # by a relative path (a generated demo's)
    root = manifest.parent.resolve()
    found = []
    columns = {name: target_column(name, target) for name, target in targets.items()}
    values = table[list(columns.values())].to_dict("records")
    for line, (row, raw) in enumerate(
        zip(table.itertuples(index=False), values, strict=True), start=2
    ):
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
        entry = free_text_emotion(path, fields, row.emotion, where)
        raw_targets = {name: raw[column] for name, column in columns.items()}
        found.append(with_targets(entry, raw_targets, targets, where))
    return found
