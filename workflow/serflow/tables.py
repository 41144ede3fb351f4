"""Reading and writing the workflow's Parquet tables, atomically and keyed by utterance."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd


def _temp_path(path: Path) -> Path:
    """A fresh temporary file next to ``path`` so that the final rename stays on one file system."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def atomic_write(path: str | os.PathLike, write) -> Path:
    """Call ``write(temp_path)`` and move the result to ``path`` only once it is complete."""
    path = Path(path)
    temp = _temp_path(path)
    try:
        write(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def write_parquet(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``table`` to Parquet without its index, atomically."""
    return atomic_write(path, lambda temp: table.to_parquet(temp, index=False))


def read_parquet(path: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet table written by :func:`write_parquet`."""
    return pd.read_parquet(path, columns=columns)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write a text file atomically."""
    return atomic_write(path, lambda temp: Path(temp).write_text(text))


def write_json(data: Any, path: str | os.PathLike) -> Path:
    """Write JSON (indented, keys in insertion order, newline at the end) atomically."""
    return write_text(json.dumps(data, indent=2) + "\n", path)


def write_csv(table: pd.DataFrame, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Write a CSV atomically."""
    return atomic_write(path, lambda temp: table.to_csv(temp, **kwargs))
