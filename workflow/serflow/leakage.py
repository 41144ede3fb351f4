"""The leakage guard: no test speaker, test sentence or test utterance may reach training or any
selection.

Every classification job calls these before it fits anything; a violation stops the job with
:class:`LeakageError` naming what leaked. By construction the splits never leak, so the guard
is what makes that a checked fact rather than a promise (tests make it fire).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class LeakageError(RuntimeError):
    """Test data reached training or selection."""


def guarded_columns(fold: dict) -> list[str]:
    """What the fold keeps apart: utterances always; speakers unless it is a published
    speaker-dependent fold (split.folds_file, reported as such); sentences where text-disjoint."""
    columns = ["utterance"]
    if not fold.get("speaker_dependent", False):
        columns.append("speaker")
    if "train_texts" in fold:
        columns.append("text")
    return columns


def check_fold(fold: dict) -> None:
    """A fold's test speakers (and test sentences, test utterances where it lists them) must not
    be among its training ones."""
    pairs = {"speaker": "speakers", "text": "texts", "utterance": "utterances"}
    for column in guarded_columns(fold):
        name = pairs[column]
        shared = sorted(set(fold.get(f"train_{name}", [])) & set(fold.get(f"test_{name}", [])))
        if shared:
            raise LeakageError(
                f"fold {fold.get('fold', '?')}: {column}(s) {', '.join(map(str, shared[:5]))} "
                f"are both training and test {name}; the split file was changed or is broken: "
                "delete it and rerun"
            )


def check_rows(
    training: pd.DataFrame, test: pd.DataFrame, columns: tuple[str, ...] | list[str] = ()
) -> None:
    """The training and test rows must share no value of ``columns`` (by default utterance and
    speaker; :func:`guarded_columns` says which for a fold)."""
    for column in columns or ("utterance", "speaker"):
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
