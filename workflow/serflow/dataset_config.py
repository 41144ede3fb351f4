"""The ``datasets:`` config: which corpora a run covers, checked before any job runs.

Standard library only (and PyYAML): the process that runs Snakemake imports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: Formats whose corpus has a public download (used when a dataset's ``url`` is empty).
DOWNLOAD_URLS = {
    "emodb": "http://emodb.bilderbar.info/download/download.zip",
    "ravdess": "https://zenodo.org/record/1188976/files/Audio_Speech_Actors_01-24.zip",
}

#: Formats with a checksum list that ``verify_checksums`` compares the files with.
CHECKSUM_FORMATS = ("emodb",)

#: Names of results folders that are not datasets.
RESERVED_NAMES = ("summary", "cross_corpus")

#: Formats that are listed by a table rather than named by a folder layout.
TABLE_FORMATS = ("csv", "audformat")

OLD_KEYS = """\
dataset: and corpus: were replaced by datasets:, one named entry per corpus. For example,
    dataset: emodb
    corpus: {source: zip, path: /data/emodb/download.zip}
is now
    datasets:
      emodb: {format: emodb, source: zip, path: /data/emodb/download.zip}
and several corpora can run together (see config/README.md)."""


class DatasetConfigError(ValueError):
    """A dataset entry that cannot work; the message names the key and the fix."""


def command_line_datasets(config: dict[str, Any], command_line: dict[str, Any]) -> None:
    """Let ``datasets`` given with --configfile or --config replace the default ones whole.

    Snakemake merges dicts key by key, so config/demo.yaml's ``datasets`` would otherwise run
    next to config/config.yaml's EmoDB; lists replace the defaults, and so does this dict.
    """
    if "datasets" in (command_line or {}):
        config["datasets"] = dict(command_line["datasets"])


def fill_source(name: str, settings: dict[str, Any] | None, schema: dict[str, Any]) -> None:
    """Check that a dataset entry has its required keys, before the schema's own check (whose
    message dumps the schema without naming the entry). A missing ``source`` is ``folder`` when
    ``path`` is a folder (or a csv dataset's manifest file), set in place; otherwise an error
    naming ``datasets.<name>.source`` and its values, as for a missing ``format``."""
    key = f"datasets.{name}"
    if not isinstance(settings, dict):
        raise DatasetConfigError(f"{key} is empty: give its format and source (config/README.md)")
    choices = schema["properties"]
    if "format" not in settings:
        raise DatasetConfigError(
            f"{key}.format is missing: set it to one of {', '.join(choices['format']['enum'])}"
        )
    if "source" in settings:
        return
    path = Path(os.path.expandvars(os.path.expanduser(settings.get("path", "") or "")))
    if settings.get("path") and (path.is_dir() or (settings["format"] == "csv" and path.is_file())):
        settings["source"] = "folder"
        return
    raise DatasetConfigError(
        f"{key}.source is missing: set it to one of {', '.join(choices['source']['enum'])} "
        f"({choices['source']['description']}); with a folder as {key}.path it is folder"
    )


def expand_path(settings: dict[str, Any]) -> None:
    """``~`` and environment variables in a dataset's ``path`` expanded, in place."""
    settings["path"] = os.path.expandvars(os.path.expanduser(settings.get("path", "")))


def source_problems(name: str, settings: dict[str, Any]) -> list[str]:
    """What keeps a dataset entry from working, one message per problem (empty: fine)."""
    key, fmt, source, path = (
        f"datasets.{name}",
        settings["format"],
        settings["source"],
        settings["path"],
    )
    problems = []
    if name in RESERVED_NAMES:
        problems.append(f"{key}: {name} names a results folder of its own; rename the dataset")
    if source in ("download", "demo") and path:
        problems.append(
            f"{key}.path is {path!r} but {key}.source is {source}, which does not read it: set "
            f"{key}.source: zip for a zip or {key}.source: folder for a folder, or leave the "
            "path empty"
        )
    if source in ("zip", "folder"):
        if not path:
            problems.append(f"{key}.source is {source} but {key}.path is empty: set it")
        elif not Path(path).exists():
            problems.append(f"{key}.path {path!r} does not exist")
        elif source == "zip" and Path(path).is_dir():
            problems.append(
                f"{key}.path {path!r} is a folder but {key}.source is zip: set {key}.source: "
                "folder to read it, or point the path at the zip"
            )
        elif source == "folder" and Path(path).is_file() and fmt != "csv":
            problems.append(
                f"{key}.path {path!r} is a file but {key}.source is folder: set {key}.source: "
                "zip for a zip, or point the path at the corpus folder"
            )
        elif fmt == "csv" and not Path(path).is_file():
            problems.append(f"{key}.path {path!r}: a csv dataset's path is its CSV manifest file")
    if fmt in TABLE_FORMATS and source in ("download", "zip"):
        problems.append(
            f"{key}: a {fmt} dataset is read from a folder (source: folder with the "
            f"{'CSV file' if fmt == 'csv' else 'database folder'} as path) or generated "
            "(source: demo); unpack the archive and point the path at it"
        )
    if source == "download" and not (settings["url"] or DOWNLOAD_URLS.get(fmt)):
        problems.append(
            f"{key}: {fmt} has no public download; get the corpus, then set {key}.source: zip "
            f"or folder and {key}.path"
        )
    if settings["verify_checksums"] and fmt not in CHECKSUM_FORMATS:
        problems.append(
            f"{key}.verify_checksums: serflow has checksums for {', '.join(CHECKSUM_FORMATS)} "
            f"only; set it to false for a {fmt} dataset"
        )
    if settings["split"].get("use_database_splits") and fmt != "audformat":
        problems.append(f"{key}.split.use_database_splits needs an audformat database")
    return problems


def download_url(settings: dict[str, Any]) -> str:
    """The zip a download dataset fetches: its ``url`` or the format's public one."""
    return settings["url"] or DOWNLOAD_URLS[settings["format"]]


def test_speaker_problems(datasets: dict[str, Any], test_speakers: list[str]) -> list[str]:
    """With several datasets, global test speakers must name their dataset (``dataset:id``)."""
    problems = []
    for speaker in test_speakers:
        name, _, own = str(speaker).rpartition(":")
        if not name and len(datasets) > 1:
            problems.append(
                f"split.test_speakers: {speaker!r} could be a speaker of any of the datasets "
                f"{', '.join(datasets)}: write it as <dataset>:{speaker}, or give each dataset "
                "its own datasets.<name>.split.test_speakers"
            )
        elif name and name not in datasets:
            problems.append(f"split.test_speakers: {speaker!r} names no configured dataset")
    return problems


def split_settings(name: str, settings: dict[str, Any], split: dict[str, Any]) -> dict[str, Any]:
    """The split of one dataset: its own ``split`` keys over the global ones, with the global
    test speakers that belong to it (``dataset:id`` qualified, or plain ids)."""
    merged = {key: value for key, value in split.items() if key != "test_speakers"}
    own = []
    for speaker in split.get("test_speakers", []):
        dataset, _, speaker_id = str(speaker).rpartition(":")
        if dataset in ("", name):
            own.append(speaker_id)
    merged["test_speakers"] = own
    merged.update(settings.get("split", {}))
    merged.setdefault("use_database_splits", False)
    return merged
