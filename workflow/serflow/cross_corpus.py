"""Cross-corpus experiments: train on one dataset, test on another, on a shared set of emotions.

Rows of different datasets are told apart by qualified ids (``dataset:speaker``,
``dataset:utterance``), so speakers of two corpora never collide. Off the diagonal the model is
trained on every speaker of the training dataset and tested on every speaker of the other; on
the diagonal (a dataset against itself) on the dataset's own hold-out split, so that every cell
is speaker-independent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from serflow.fold_ids import HOLDOUT_FOLD_ID


class CrossCorpusError(ValueError):
    """A cross-corpus setting that the datasets cannot satisfy."""


def qualify(values: pd.Series, dataset: str) -> pd.Series:
    """``dataset:value`` for each value: ids that are unique across datasets."""
    return dataset + ":" + values.astype(str)


def shared_rows(
    dataset: str, features: pd.DataFrame, metadata: pd.DataFrame, emotions: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``dataset`` with one of ``emotions``, with qualified utterance and speaker
    ids; an error naming the dataset when it lacks one of the emotions."""
    missing = sorted(set(emotions) - set(metadata["emotion"]))
    if missing:
        raise CrossCorpusError(
            f"dataset {dataset} has no utterance of {', '.join(missing)}; cross_corpus.emotions "
            f"must be emotions every dataset has (it has {sorted(set(metadata['emotion']))})"
        )
    kept = metadata[metadata["emotion"].isin(emotions)]
    table = kept[["utterance", "speaker", "emotion"]].assign(
        utterance=qualify(kept["utterance"], dataset), speaker=qualify(kept["speaker"], dataset)
    )
    rows = features[features["utterance"].isin(kept["utterance"])]
    rows = rows.assign(utterance=qualify(rows["utterance"], dataset))
    return rows, table.reset_index(drop=True)


def pair_fold(
    train: str, test: str, metadata: pd.DataFrame, holdout_fold: dict | None = None
) -> dict:
    """The fold of one (training dataset, test dataset) cell over qualified speakers.

    ``metadata`` holds both datasets' shared rows. The diagonal takes ``holdout_fold`` (the
    training dataset's hold-out split); the other cells every speaker of each dataset.
    """
    speakers = metadata["speaker"]
    if train == test:
        if holdout_fold is None:
            raise ValueError("the diagonal needs the dataset's hold-out split")
        return {
            "fold": f"{train}__{test}",
            "train_speakers": sorted(qualify(pd.Series(holdout_fold["train_speakers"]), train)),
            "test_speakers": sorted(qualify(pd.Series(holdout_fold["test_speakers"]), test)),
        }
    return {
        "fold": f"{train}__{test}",
        "train_speakers": sorted(set(speakers[speakers.str.startswith(f"{train}:")])),
        "test_speakers": sorted(set(speakers[speakers.str.startswith(f"{test}:")])),
    }


def holdout_fold(split: dict) -> dict:
    """The single fold of a hold-out split file."""
    (fold,) = [fold for fold in split["folds"] if fold["fold"] == HOLDOUT_FOLD_ID]
    return fold


def missing_cell(cell: dict, reason: str) -> tuple[dict, pd.DataFrame]:
    """The scores of a cell that could not be computed (UAR None, with the ``missing`` reason)
    and its empty predictions table, so that the matrix still runs and shows why."""
    predictions = pd.DataFrame(
        {name: pd.Series(dtype=str) for name in ["utterance", "speaker", "emotion", "predicted"]}
    )
    return {**cell, "uar": None, "n_test": 0, "missing": reason}, predictions


def cell_rows(
    train: str, test: str, read_dataset: Callable[[str, str], tuple[pd.DataFrame, pd.DataFrame]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and metadata of a cross-corpus cell, pooled: the training dataset's rows and,
    off the diagonal, the test dataset's. ``read_dataset(name, role)`` gives one dataset's
    (features, metadata), role ``train`` or ``test`` naming the rule's inputs."""
    names = [train] if train == test else [train, test]
    parts = [read_dataset(name, role) for name, role in zip(names, ["train", "test"], strict=False)]
    features = pd.concat([part[0] for part in parts], ignore_index=True)
    return features, pd.concat([part[1] for part in parts], ignore_index=True)


def cell_fold(
    train: str, test: str, metadata: pd.DataFrame, split_file: str | None, grid: Any
) -> dict:
    """The checked fold of one cell (:func:`pair_fold`; the diagonal reads the training
    dataset's hold-out ``split_file``); :class:`CrossCorpusError` when its training speakers
    are too few for the grid search's speaker-grouped CV."""
    from serflow.classifiers import needs_selection
    from serflow.grids import grid_points
    from serflow.speaker_groups import cross_corpus_cell_problem

    diagonal = train == test
    split = None
    if diagonal:
        with open(split_file) as stream:
            split = holdout_fold(json.load(stream))
    fold = pair_fold(train, test, metadata, split)
    problem = cross_corpus_cell_problem(
        train,
        len(fold["train_speakers"]),
        diagonal=diagonal,
        selecting=needs_selection(grid_points(grid)),
    )
    if problem:
        raise CrossCorpusError(problem)
    return fold
