"""Downloading a file over HTTP(S) with a timeout, retries and a SHA-256 check."""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from serflow.tables import atomic_write

_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A download that could not be completed; the message says what to do instead."""


def sha256sum(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url: str, target: Path, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "serflow"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(target, "wb") as out:
        for block in iter(lambda: response.read(_CHUNK), b""):
            out.write(block)


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    sha256: str | None = None,
    retries: int = 3,
    timeout: float = 30.0,
    backoff_s: float = 1.0,
    local_hint: str = "",
) -> Path:
    """Download ``url`` to ``dest``; retry on network errors; verify ``sha256`` when given.

    The file appears at ``dest`` only when complete and verified. ``local_hint`` is added to the
    error message to say how to give a local copy instead (e.g. the config key to set).
    """
    dest = Path(dest)
    last_error: Exception | None = None
    fetched = False
    for attempt in range(1, retries + 1):
        try:
            atomic_write(dest, lambda temp: _fetch(url, Path(temp), timeout))
            fetched = True
            break
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            last_error = error
            if isinstance(error, urllib.error.HTTPError) and 400 <= error.code < 500:
                break  # the server answered: asking again will not help
            if attempt < retries:
                time.sleep(backoff_s * attempt)
    if not fetched:
        raise DownloadError(
            f"could not download {url} to {dest} after {retries} attempt(s): {last_error}. "
            f"If this machine is offline, give a local copy instead. {local_hint}".strip()
        )
    if sha256 is not None:
        actual = sha256sum(dest)
        if actual != sha256.lower():
            dest.unlink()
            raise DownloadError(
                f"checksum mismatch for {url}: expected SHA-256 {sha256}, got {actual}; the "
                f"download was removed. The server may serve another version of the file. "
                f"{local_hint}".strip()
            )
    return dest
