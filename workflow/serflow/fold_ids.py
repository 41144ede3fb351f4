"""The ids of outer evaluation folds: the one place their format is written.

Standard library only, so that the workflow can import it when it is parsed.
"""

from __future__ import annotations

#: The fold id of the single hold-out split.
HOLDOUT_FOLD_ID = "holdout"

#: A regular expression that matches the fold ids of repeated_holdout and loso, and nothing else.
FOLD_ID_PATTERN = r"repeat-\d+|speaker-[^/]+"


def repeat_fold_ids(repeats: int) -> list[str]:
    """Fold ids of ``repeats`` repeated hold-outs: ``repeat-00``, ``repeat-01``, ...

    The workflow knows them from config alone, so that its DAG is complete before any job runs.
    """
    return [f"repeat-{i:02d}" for i in range(repeats)]


def speaker_fold_id(speaker: str) -> str:
    """Fold id of leaving ``speaker`` out, e.g. ``speaker-03``."""
    return f"speaker-{speaker}"
