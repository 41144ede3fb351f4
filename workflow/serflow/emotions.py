"""One emotion vocabulary for every corpus, and the selection a dataset's ``emotions:`` makes.

Every corpus format maps its own labels to these canonical names (its mapping lives with its
parser in :mod:`serflow.formats`); free-text labels (CSV, audformat) are matched through
:data:`SYNONYMS`. A dataset keeps all of its emotions by default; ``emotions:`` as a list keeps
a subset, as a mapping renames or merges them (``{calm: neutral, neutral: neutral, ...}``), and
what it does not name is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

#: The canonical emotion names, alphabetical.
CANONICAL: tuple[str, ...] = (
    "anger",
    "boredom",
    "calm",
    "contempt",
    "disgust",
    "excitement",
    "fear",
    "frustration",
    "happiness",
    "neutral",
    "sadness",
    "surprise",
)

#: Other spellings of the canonical names found in corpora and manifests (lower case).
SYNONYMS: dict[str, str] = {
    "angry": "anger",
    "ang": "anger",
    "bored": "boredom",
    "calmness": "calm",
    "disgusted": "disgust",
    "dis": "disgust",
    "excited": "excitement",
    "fearful": "fear",
    "afraid": "fear",
    "fea": "fear",
    "frustrated": "frustration",
    "happy": "happiness",
    "joy": "happiness",
    "hap": "happiness",
    "neu": "neutral",
    "sad": "sadness",
    "surprised": "surprise",
    "pleasant_surprise": "surprise",
    "pleasant surprise": "surprise",
    "ps": "surprise",
}


class EmotionError(ValueError):
    """An emotion label or an ``emotions:`` selection that serflow cannot use."""


def canonical_name(label: str) -> str | None:
    """The canonical name of a free-text label (case and spacing ignored), or None."""
    key = str(label).strip().lower()
    if key in CANONICAL:
        return key
    return SYNONYMS.get(key) or SYNONYMS.get(key.replace("_", " "))


def check_selection(selection: Sequence[str] | Mapping[str, str] | None, key: str) -> None:
    """Raise :class:`EmotionError` naming ``key`` if ``selection`` names a non-canonical emotion.

    Checked when the workflow is parsed, before any job runs.
    """
    if selection is None:
        return
    names = list(selection) + (list(selection.values()) if isinstance(selection, Mapping) else [])
    unknown = sorted({str(name) for name in names} - set(CANONICAL))
    if unknown:
        raise EmotionError(
            f"{key}: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not an emotion "
            f"serflow knows; use the canonical names {', '.join(CANONICAL)}"
        )


def select_emotions(
    emotions: pd.Series, selection: Sequence[str] | Mapping[str, str] | None
) -> pd.Series:
    """The canonical emotion of each row after ``selection``; NaN for rows it leaves out."""
    if selection is None:
        return emotions
    if isinstance(selection, Mapping):
        return emotions.map(dict(selection))
    keep = set(selection)
    return emotions.where(emotions.isin(keep))
