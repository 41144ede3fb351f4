"""The evaluation schemes and the ids of their outer folds: the one place they are written.

Standard library only, so that the workflow can import it when it is parsed.
"""

from __future__ import annotations

#: The outer evaluation schemes (evaluation.scheme), each with its name in captions; every
#: scheme but holdout has several outer folds.
SCHEME_NAMES = {
    "holdout": "one speaker hold-out",
    "repeated_holdout": "repeated speaker hold-out",
    "loso": "leave one speaker out",
    "folds": "published folds (split.folds_file)",
}
MULTI_FOLD_SCHEMES = [scheme for scheme in SCHEME_NAMES if scheme != "holdout"]

#: The fold id of the single hold-out split.
HOLDOUT_FOLD_ID = "holdout"

#: A regular expression that matches the fold ids of repeated_holdout and loso, and nothing else.
FOLD_ID_PATTERN = r"repeat-\d+|speaker-[^/]+|fold-[A-Za-z0-9_]+"

#: A regular expression that matches every :func:`fold_folder`, and nothing else.
FOLD_FOLDER_PATTERN = rf"{HOLDOUT_FOLD_ID}|(?:{'|'.join(MULTI_FOLD_SCHEMES)})/(?:{FOLD_ID_PATTERN})"


def fold_folder(scheme: str, fold: str) -> str:
    """The folder of one outer fold's files below a per-fold tree: ``holdout`` for the single
    hold-out (whose one fold needs no folder of its own), else ``<scheme>/<fold>``."""
    return HOLDOUT_FOLD_ID if scheme == "holdout" else f"{scheme}/{fold}"


def fold_of_folder(folder: str) -> tuple[str, str]:
    """(scheme, fold id) of a :func:`fold_folder`."""
    if folder == HOLDOUT_FOLD_ID:
        return "holdout", HOLDOUT_FOLD_ID
    scheme, fold = folder.split("/")
    return scheme, fold


def repeat_fold_ids(repeats: int) -> list[str]:
    """Fold ids of ``repeats`` repeated hold-outs: ``repeat-00``, ``repeat-01``, ...

    The workflow knows them from config alone, so that its DAG is complete before any job runs.
    """
    return [f"repeat-{i:02d}" for i in range(repeats)]


def speaker_fold_id(speaker: str) -> str:
    """Fold id of leaving ``speaker`` out, e.g. ``speaker-03``."""
    return f"speaker-{speaker}"


def speaker_text_fold_id(speaker: str, text: str) -> str:
    """Fold id of leaving ``speaker`` and sentence ``text`` out, e.g. ``speaker-03-text-a01``."""
    return f"{speaker_fold_id(speaker)}-text-{text}"


def published_fold_id(fold: str) -> str:
    """Fold id of a published fold (split.folds_file) numbered or named ``fold``: ``fold-1``."""
    return f"fold-{fold}"
