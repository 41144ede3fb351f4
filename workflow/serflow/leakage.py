"""The leakage guard: no test speaker or test utterance may reach training or any selection.

Every classification job calls these before it fits anything; a violation stops the job with
:class:`LeakageError` naming what leaked. By construction the splits never leak, so the guard
is what makes that a checked fact rather than a promise (tests make it fire).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class LeakageError(RuntimeError):
    """Test data reached training or selection."""


def check_fold(fold: dict) -> None:
    """A fold's test speakers must not be among its training speakers."""
    shared = sorted(set(fold["train_speakers"]) & set(fold["test_speakers"]))
    if shared:
        raise LeakageError(
            f"fold {fold.get('fold', '?')}: speaker(s) {', '.join(shared)} are both training and "
            "test speakers; the split file was changed or is broken: delete it and rerun"
        )


def check_rows(training: pd.DataFrame, test: pd.DataFrame) -> None:
    """The training and test rows (utterance, speaker) must share no utterance and no speaker."""
    for column in ("utterance", "speaker"):
        shared = sorted(set(training[column]) & set(test[column]))
        if shared:
            raise LeakageError(
                f"{len(shared)} {column}(s) are in both the training and the test rows, e.g. "
                f"{', '.join(map(str, shared[:5]))}"
            )


def check_selection_rows(folds: list[tuple[np.ndarray, np.ndarray]], n_training: int) -> None:
    """The inner folds of a selection (grid search, layer choice) index training rows only."""
    for k, (train, validation) in enumerate(folds):
        rows = np.concatenate([np.asarray(train), np.asarray(validation)])
        if len(rows) and (rows.min() < 0 or rows.max() >= n_training):
            raise LeakageError(
                f"inner fold {k} of the selection uses rows outside the {n_training} training rows"
            )


def check_early_stopping(
    validation_speakers: list[str], held_out_speakers: np.ndarray | list[str], where: str
) -> None:
    """The speakers a model stopped its training on (its own validation part) must not be
    speakers it is scored on (an inner fold's validation speakers, an outer fold's test ones)."""
    shared = sorted(set(map(str, validation_speakers)) & set(map(str, held_out_speakers)))
    if shared:
        raise LeakageError(
            f"{where}: early stopping used speaker(s) {', '.join(shared)}, which the model is "
            "scored on; its validation part must be drawn from its training speakers only"
        )
