"""Reading and writing the workflow's Parquet tables, atomically and keyed by utterance."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def current_umask() -> int:
    """The process' umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_path(path: Path) -> Path:
    """A fresh temporary file next to ``path`` so that the final rename stays on one file system.

    ``mkstemp`` makes it 0600 whatever the umask; it gets the mode a plain ``open`` would give
    (0666 less the umask), so that results on a shared file system are as readable as any file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
    finally:
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


def read_json(path: str | os.PathLike) -> Any:
    """A JSON file's content (scores.json, split.json, best_params.json)."""
    with open(path) as stream:
        return json.load(stream)


def write_json(data: Any, path: str | os.PathLike) -> Path:
    """Write JSON (indented, keys in insertion order, newline at the end) atomically."""
    return write_text(json.dumps(data, indent=2) + "\n", path)


def write_csv(table: pd.DataFrame, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Write a CSV atomically."""
    return atomic_write(path, lambda temp: table.to_csv(temp, **kwargs))


class NonFiniteFeatures(ValueError):
    """A feature table with NaN or infinite values; the message names utterances and set."""


def require_finite(features: pd.DataFrame, feature_set: str) -> None:
    """Raise :class:`NonFiniteFeatures` when a row of a feature table (``utterance`` then one
    column per feature) holds a NaN or infinite value, naming those utterances.

    One such row would spread NaN to every row of its speaker in per-speaker normalisation, and
    then some classifiers fail and others silently train on it.
    """
    values = features.drop(columns="utterance").to_numpy(dtype=np.float64)
    bad_rows = ~np.isfinite(values).all(axis=1)
    if not bad_rows.any():
        return
    counts = (~np.isfinite(values[bad_rows])).sum(axis=1)
    named = [
        f"{utterance} ({count} of {values.shape[1]})"
        for utterance, count in zip(features["utterance"][bad_rows], counts, strict=True)
    ]
    raise NonFiniteFeatures(
        f"feature set {feature_set}: {int(bad_rows.sum())} utterance(s) have non-finite feature "
        f"values: {', '.join(named[:20])}{' …' if len(named) > 20 else ''}. Such clips are too "
        "short or hold no usable signal: replace or remove those files (corpus.min_duration_s "
        "refuses short clips up front, corpus.skip_bad_files skips them)"
    )
