"""An audformat database (what audb publishes): a folder with ``db.yaml``, its tables and media.

The dataset's settings name the table and the columns that hold the emotion and the speaker
(``table``, ``emotion_column``, ``speaker_column``; optionally ``gender_column``). Gender is
also read from the speaker scheme's labels when they carry it. Files in tables whose split is a
test split are marked ``database_split: test`` (the others ``train``), for the dataset's
``split.use_database_splits``. The dataset's ``targets`` name float columns of the same table
(e.g. ``arousal``), one per dimension.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serflow.formats.entries import (
    TEXT_COLUMN,
    Entry,
    FormatError,
    free_text_emotion,
    relative_id,
    target_column,
    with_targets,
)


def entries(root: Path, settings: dict[str, Any]) -> list[Entry]:
    """One entry per file of the configured table of the database at ``root``."""
    import audformat

    if not (root / "db.yaml").is_file():
        raise FormatError(
            f"{root} is not an audformat database (no db.yaml); give the database's folder"
        )
    db = audformat.Database.load(str(root), load_data=True)
    table_id = settings.get("table", "emotion")
    if table_id not in db.tables:
        raise FormatError(
            f"{root}: the database has no table {table_id!r}; it has {list(db.tables)}"
        )
    table = db[table_id].get()
    if table.index.nlevels != 1:
        raise FormatError(
            f"{root}: table {table_id!r} is segmented; serflow needs a filewise table (one emotion "
            "per file)"
        )
    columns = {
        "emotion": settings.get("emotion_column", "emotion"),
        "speaker": settings.get("speaker_column", "speaker"),
    }
    targets = settings.get("targets") or {}
    target_columns = {name: target_column(name, target) for name, target in targets.items()}
    keys = {what: f"{what}_column" for what in columns} | {
        name: f"targets.{name}.column" for name in target_columns
    }
    for what, column in [*columns.items(), *target_columns.items()]:
        if column not in table.columns:
            raise FormatError(
                f"{root}: table {table_id!r} has no column {column!r} for the {what}; set the "
                f"dataset's {keys[what]} to one of {list(table.columns)}"
            )
    gender_column = settings.get("gender_column", "")
    text_column = settings.get("text_column", "")
    if text_column and text_column not in table.columns:
        raise FormatError(
            f"{root}: table {table_id!r} has no column {text_column!r} for the sentence id; set "
            f"the dataset's text_column to one of {list(table.columns)} or leave it empty"
        )
    genders = _speaker_genders(db, db[table_id].columns[columns["speaker"]].scheme_id)
    test_files = _test_files(db)
    found = []
    for file, row in table.iterrows():
        path = (root / file).resolve()
        speaker = row[columns["speaker"]]
        if not path.is_file():
            found.append(Entry(path, problem=f"{root}: {file} (table {table_id!r}) does not exist"))
            continue
        if speaker is None or speaker != speaker:  # missing
            found.append(
                Entry(path, problem=f"{root}: {file} has no speaker in table {table_id!r}")
            )
            continue
        gender = row[gender_column] if gender_column else genders.get(str(speaker), "unknown")
        fields = {
            "utterance": relative_id(path, root),
            "speaker": str(speaker),
            "gender": str(gender).lower() if gender == gender else "unknown",
            "database_split": "test" if file in test_files else "train",
        }
        if text_column:
            fields[TEXT_COLUMN] = str(row[text_column])
        where = f"table {table_id!r}"
        entry = free_text_emotion(path, fields, row[columns["emotion"]], where)
        raw = {name: row[column] for name, column in target_columns.items()}
        found.append(with_targets(entry, raw, targets, where))
    return found


def _speaker_genders(db: Any, scheme_id: str | None) -> dict[str, str]:
    """Speaker -> gender from the speaker scheme's labels, where they say it."""
    if not scheme_id or scheme_id not in db.schemes:
        return {}
    labels = db.schemes[scheme_id].labels
    if not isinstance(labels, dict):
        return {}
    genders = {}
    for speaker, info in labels.items():
        if isinstance(info, dict):
            gender = info.get("gender", info.get("sex"))
            if gender:
                genders[str(speaker)] = str(gender).lower()
    return genders


def _test_files(db: Any) -> set[str]:
    """The files of every table whose split is of type test."""
    files: set[str] = set()
    for table in db.tables.values():
        split = db.splits.get(table.split_id) if table.split_id else None
        if split is not None and split.type == "test":
            files.update(table.files)
    return files
