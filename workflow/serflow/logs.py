"""Sending a rule script's messages, warnings and progress bars to the rule's log file."""

from __future__ import annotations

import logging
import os
import re
import sys
from datetime import datetime
from pathlib import Path


def log_to_file(path: str) -> logging.Logger:
    """Route logging, warnings and stderr (progress bars) of this process to ``path``.

    Snakemake shows the log of a failed job, so everything a user needs to see goes there.
    """
    stream = open(path, "a", buffering=1)  # noqa: SIM115 - stays open for the process' life
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    return logging.getLogger("serflow")


_WARNING_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ WARNING (.*)$")
#: How captured Python warnings (a library's ConvergenceWarning, ...) start: path:line: Category
_PYTHON_WARNING = re.compile(r"^\S+:\d+: \w*Warning: ")


def run_warnings(log_dir: str | os.PathLike, since: float) -> list[str]:
    """serflow's warnings logged at or after ``since`` (a time.time()) under ``log_dir``.

    Each line is ``log file: message``; Python warnings captured from libraries are left out.
    Logs are appended to, so the time stamp of each line says whether this run wrote it.
    """
    start = datetime.fromtimestamp(int(since))
    lines = []
    for path in sorted(Path(log_dir).rglob("*.log")):
        if path.stat().st_mtime < int(since):
            continue
        for line in path.read_text(errors="replace").splitlines():
            match = _WARNING_LINE.match(line)
            if not match or _PYTHON_WARNING.match(match.group(2)):
                continue
            if datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S") >= start:
                lines.append(f"{path}: {match.group(2)}")
    return lines
