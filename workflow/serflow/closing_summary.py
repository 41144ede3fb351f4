"""The run's closing summary: the results matrices among the workflow's targets, as their
Markdown files hold them (caption first: protocol, SSL layer, notes on intervals over too few
folds), printed when a run ends so that its last screen is the answer. Standard library only:
the workflow calls it from ``onsuccess``."""

from __future__ import annotations

import os
from pathlib import Path


def closing_summary(paths: list[str | os.PathLike], since: float) -> str:
    """Each of ``paths`` that exists, under a line naming it, ``(not remade by this run)`` for
    one last written before ``since`` (the run's start, a time.time()); empty when none
    exists."""
    blocks = []
    for path in map(Path, paths):
        if not path.is_file():
            continue
        stale = " (not remade by this run)" if path.stat().st_mtime < since else ""
        blocks.append(f"--- {path}{stale}\n{path.read_text().rstrip()}")
    if not blocks:
        return ""
    return "serflow: results\n\n" + "\n\n".join(blocks) + "\n"
