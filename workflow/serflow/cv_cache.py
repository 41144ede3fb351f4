"""The score cache of a grid search: every (candidate, fold) score kept in a file keyed by the
data, the labels, the folds, the estimator and scikit-learn's version, so that a rerun after a
grid change fits only the new candidates."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from serflow.tables import current_umask

Folds = list[tuple[np.ndarray, np.ndarray]]
#: (UAR on the validation rows, fit seconds, score seconds) of one candidate on one fold.
Record = tuple[float, float, float]


def point_key(point: dict[str, Any]) -> str:
    """A grid point as the cache names it (plain values, keys sorted)."""
    return json.dumps(plain_params(point), sort_keys=True)


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with numpy scalars turned into plain Python values (for JSON)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}


class ScoreCache:
    """The cache file of one search: ``cache_dir`` (``None``: no cache) and what, besides the
    data and a point, determines a score (``identity``: estimator class and seed)."""

    def __init__(self, cache_dir: str | Path | None, identity: str) -> None:
        self.cache_dir = cache_dir
        self.identity = identity

    def path(self, x: np.ndarray, y: np.ndarray, folds: Folds) -> Path | None:
        """One file per data x labels x folds x estimator x library version."""
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256()
        digest.update(f"{x.dtype}{x.shape}".encode())
        digest.update(np.ascontiguousarray(x).tobytes())
        digest.update("\0".join(map(str, y)).encode())
        for train, test in folds:
            digest.update(np.asarray(train, dtype=np.int64).tobytes() + b"|")
            digest.update(np.asarray(test, dtype=np.int64).tobytes() + b"/")
        digest.update(f"{self.identity} sklearn {sklearn.__version__}".encode())
        return Path(self.cache_dir) / f"{digest.hexdigest()[:32]}.json"

    @staticmethod
    def read(path: Path | None) -> dict[str, Record]:
        """The records of ``path`` by ``"<point key>|<fold>"``; an unreadable file is ignored
        (recomputed, never trusted)."""
        if path is None or not path.exists():
            return {}
        try:
            return {key: tuple(value) for key, value in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            return {}

    @staticmethod
    def write(path: Path | None, records: dict[str, Record]) -> None:
        """Every record, written under a temporary name and renamed (mode from the umask)."""
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(handle, 0o666 & ~current_umask())
        with os.fdopen(handle, "w") as stream:
            json.dump({key: list(value) for key, value in sorted(records.items())}, stream)
        os.replace(temp, path)
