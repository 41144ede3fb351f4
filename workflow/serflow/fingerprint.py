"""Cheap fingerprints of a corpus on disk, computed when the workflow is parsed, and the SHA-256
of a file.

Standard library only: the process that runs Snakemake imports it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def listing_digest(path: str | os.PathLike, *, recursive: bool = False) -> str:
    """A cheap fingerprint of a corpus: SHA-256 of the name, size and mtime of its files.

    For a folder, the ``.wav`` files directly in it (EmoDB's layout) or, ``recursive``, every
    file below it (corpora in sub-folders, with their CSV or database files); for a file (a
    zip, a CSV manifest), the file itself and, for a CSV, every file below its folder.
    Replacing, adding or removing a file changes it, without reading any audio: one ``stat``
    per file. Empty when the path does not exist (the rules then name the problem).
    """
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_dir() and recursive:
        stats = sorted(_walk(path))
    elif path.is_dir():
        with os.scandir(path) as entries:
            stats = sorted(
                (entry.name, entry.stat())
                for entry in entries
                if entry.name.lower().endswith(".wav") and entry.is_file()
            )
    elif path.is_file() and recursive:
        stats = sorted(_walk(path.parent))
    elif path.is_file():
        stats = [(path.name, path.stat())]
    else:
        return ""
    for name, stat in stats:
        digest.update(f"{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _walk(folder: Path) -> list[tuple[str, os.stat_result]]:
    """(relative path, stat) of every file below ``folder``."""
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            full = os.path.join(root, name)
            found.append((os.path.relpath(full, folder), os.stat(full)))
    return found


def files_digest(paths: list[str]) -> str:
    """SHA-256 of the path, size and mtime of each file, in the order given: a file replaced,
    even by an older copy, changes it. One ``stat`` per file."""
    digest = hashlib.sha256()
    for path in paths:
        stat = os.stat(path)
        digest.update(f"{path}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
