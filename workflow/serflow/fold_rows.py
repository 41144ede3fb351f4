"""Which metadata rows an outer fold trains and tests on: the one definition every job uses.

A fold names its parts by speakers (``train_speakers``/``test_speakers``), optionally narrowed
to sentences (``train_texts``/``test_texts``, a text-disjoint split), or lists its utterances
outright (``train_utterances``/``test_utterances``, published folds read from a file).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.formats.entries import TEXT_COLUMN

PARTS = ("train", "test")


def part_mask(metadata: pd.DataFrame, fold: dict, part: str) -> np.ndarray:
    """A boolean mask of the rows of ``metadata`` in the fold's ``part`` (train or test)."""
    if part not in PARTS:
        raise ValueError(f"part {part!r} is not one of {PARTS}")
    if f"{part}_utterances" in fold:
        return metadata["utterance"].isin(fold[f"{part}_utterances"]).to_numpy()
    mask = metadata["speaker"].isin(fold[f"{part}_speakers"]).to_numpy()
    if f"{part}_texts" in fold:
        if TEXT_COLUMN not in metadata.columns:
            raise KeyError(
                f"fold {fold.get('fold', '?')} is text-disjoint but the metadata has no "
                f"{TEXT_COLUMN!r} column; rebuild the metadata"
            )
        mask = mask & metadata[TEXT_COLUMN].isin(fold[f"{part}_texts"]).to_numpy()
    return mask


def part_rows(metadata: pd.DataFrame, fold: dict, part: str) -> pd.DataFrame:
    """The rows of ``metadata`` in the fold's ``part``."""
    return metadata[part_mask(metadata, fold, part)]
