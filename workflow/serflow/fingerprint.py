"""Cheap fingerprints of a corpus on disk, computed when the workflow is parsed.

Standard library only: the process that runs Snakemake imports it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def listing_digest(path: str | os.PathLike) -> str:
    """A cheap fingerprint of a corpus: SHA-256 of the name, size and mtime of its wav files.

    For a folder, its ``.wav`` files (the ones :func:`list_wavs` reads); for a zip, the zip
    itself. Replacing, adding or removing a file changes it, without reading any audio: one
    ``stat`` per file. Empty when the path does not exist (the rules then name the problem).
    """
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_dir():
        with os.scandir(path) as entries:
            stats = sorted(
                (entry.name, entry.stat())
                for entry in entries
                if entry.name.lower().endswith(".wav") and entry.is_file()
            )
    elif path.is_file():
        stats = [(path.name, path.stat())]
    else:
        return ""
    for name, stat in stats:
        digest.update(f"{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
