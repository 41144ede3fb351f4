"""Published outer folds (``split.folds_file``): EmoBox's JSONL lists or a CSV, read as given.

Two layouts are read, both matched to the corpus by file name (the name without its folder and
ending, e.g. ``03a01Fa`` for ``wav/03a01Fa.wav``):

- a folder of EmoBox's JSONL lists: every ``*.jsonl`` below it whose name says ``train`` or
  ``test`` and whose name or folder says ``fold_N``; one JSON object a line with the audio's
  path under ``wav`` (or ``path``, or else its ``key``);
- a CSV file with the columns ``utterance``, ``fold`` and ``partition`` (train or test).

Folds that put a speaker on both sides are read and marked ``speaker_dependent`` (the protocol
card then says so); an utterance on both sides of one fold, or a listed file that the corpus
lacks, is an error naming the file and line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd

from serflow.fold_ids import published_fold_id
from serflow.split import SplitError

_PARTITIONS = ("train", "test")


def file_stem(value: str) -> str:
    """The file name of ``value`` without folder and ending (both / and \\ separate folders)."""
    name = PureWindowsPath(PurePosixPath(str(value)).name).name
    return name.rsplit(".", 1)[0] if "." in name else name


def _jsonl_fold(path: Path) -> tuple[str, str] | None:
    """(fold, partition) that an EmoBox list's name and folder say, or None when they do not."""
    name = path.name.lower()
    partitions = [part for part in _PARTITIONS if part in name]
    found = re.search(r"fold_?(\d+)", name) or re.search(r"fold_?(\d+)", path.parent.name.lower())
    if len(partitions) != 1 or found is None:
        return None
    return found.group(1), partitions[0]


def read_jsonl_folds(folder: Path) -> list[tuple[str, str, str, str]]:
    """(fold, partition, file stem, where) of every line of the EmoBox lists below ``folder``."""
    rows = []
    lists = [path for path in sorted(folder.rglob("*.jsonl")) if _jsonl_fold(path)]
    if not lists:
        raise SplitError(
            f"split.folds_file {folder}: no EmoBox fold list below it (files *train*fold_N.jsonl "
            "and *test*fold_N.jsonl, or train/test .jsonl files in fold_N folders)"
        )
    for path in lists:
        fold, partition = _jsonl_fold(path)
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}, line {number}"
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise SplitError(f"split.folds_file: {where} is not JSON: {error}") from None
            audio = next((entry[key] for key in ("wav", "path", "key") if key in entry), None)
            if not isinstance(entry, dict) or audio is None:
                raise SplitError(
                    f"split.folds_file: {where} names no audio (a 'wav', 'path' or 'key' field)"
                )
            rows.append((fold, partition, file_stem(audio), where))
    return rows


def read_csv_folds(path: Path) -> list[tuple[str, str, str, str]]:
    """(fold, partition, file stem, where) of every row of a CSV ``utterance,fold,partition``."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = sorted({"utterance", "fold", "partition"} - set(table.columns))
    if missing:
        raise SplitError(
            f"split.folds_file {path} lacks the column(s) {missing}; a fold CSV has the columns "
            "utterance, fold, partition (train or test)"
        )
    rows = []
    for number, row in enumerate(table.itertuples(index=False), start=2):
        where = f"{path}, line {number}"
        if row.partition not in _PARTITIONS or not re.fullmatch(r"[A-Za-z0-9_]+", row.fold):
            raise SplitError(
                f"split.folds_file: {where}: partition {row.partition!r} must be train or test "
                f"and fold {row.fold!r} letters, digits or _"
            )
        rows.append((row.fold, row.partition, file_stem(row.utterance), where))
    return rows


def _fold_order(fold: str) -> tuple[int, str]:
    return (int(fold), "") if fold.isdigit() else (10**9, fold)


def read_folds_file(metadata: pd.DataFrame, location: str | Path) -> dict:
    """The outer folds that ``location`` (an EmoBox folder or a fold CSV) defines, as a split.

    Every fold lists its ``train_utterances`` and ``test_utterances`` (the corpus's ids), their
    speakers, the speakers on both sides and whether there are any (``speaker_dependent``).
    """
    location = Path(location)
    if location.is_dir():
        rows = read_jsonl_folds(location)
    elif location.is_file():
        rows = read_csv_folds(location)
    else:
        raise SplitError(
            f"split.folds_file {location} does not exist; give EmoBox's folder of fold lists or "
            "a CSV utterance,fold,partition"
        )
    stems = metadata["path"].map(file_stem)
    twice = sorted(stems[stems.duplicated()].unique())
    if twice:
        raise SplitError(
            f"split.folds_file is matched by file name, but the corpus has several files named "
            f"{twice[:5]}; give a fold CSV with the corpus's utterance ids"
        )
    utterance_of = dict(zip(stems, metadata["utterance"], strict=True))
    utterance_of.update({u: u for u in metadata["utterance"]})
    speaker_of = dict(zip(metadata["utterance"], metadata["speaker"], strict=True))
    parts: dict[str, dict[str, set[str]]] = {}
    for fold, partition, stem, where in rows:
        utterance = utterance_of.get(stem)
        if utterance is None:
            raise SplitError(
                f"split.folds_file: {where} lists {stem!r}, which is not a file of the corpus; "
                "use the fold lists of this corpus (or remove the line)"
            )
        parts.setdefault(fold, {"train": set(), "test": set()})[partition].add(utterance)
    folds = []
    for fold in sorted(parts, key=_fold_order):
        train, test = parts[fold]["train"], parts[fold]["test"]
        both = sorted(train & test)
        if not train or not test or both:
            raise SplitError(
                f"split.folds_file {location}: fold {fold} has {len(train)} training and "
                f"{len(test)} test utterance(s){f', and {both[:5]} on both sides' if both else ''}"
                "; every fold needs both lists and no utterance in both"
            )
        train_speakers = sorted({speaker_of[u] for u in train})
        test_speakers = sorted({speaker_of[u] for u in test})
        shared = sorted(set(train_speakers) & set(test_speakers))
        folds.append(
            {
                "fold": published_fold_id(fold),
                "train_speakers": train_speakers,
                "test_speakers": test_speakers,
                "train_utterances": sorted(train),
                "test_utterances": sorted(test),
                "shared_speakers": shared,
                "speaker_dependent": bool(shared),
                "unlisted": int(len(metadata) - len(train) - len(test)),
            }
        )
    return {"scheme": "folds", "folds_file": str(location), "folds": folds}
