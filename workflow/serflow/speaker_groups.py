"""Whether every step that groups clips by speaker has the speakers it needs.

The outer folds (hold-out, repeated hold-out, LOSO), a speaker-grouped inner CV
(``evaluation.inner_cv: group``), the layer choice of SSL encoders (``layer: auto``) and the
cross-corpus grid search all need a number of speakers
that only the metadata tells. :func:`check_dataset` checks them right after a dataset's
build_metadata checkpoint, before any audio is decoded, and says what to do; the cross-corpus
job asks :func:`cross_corpus_cell_problem` the same question for its cell. A one-point grid needs
no inner CV (:func:`serflow.classifiers.needs_selection`), so no speaker groups for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from serflow.dataset_config import split_settings
from serflow.grids import grid_points
from serflow.split import PROTOCOL_KEYS, SplitError, outer_split

#: The fewest speaker groups a speaker-grouped cross-validation can have.
MIN_GROUPS = 2

#: The fix that always works: no inner CV at all.
ONE_POINT_FIX = (
    "give every classifier a one-point grid (grids.<classifier>), fitted without inner CV"
)


class SpeakerGroupError(ValueError):
    """A dataset with too few speakers for a configured step; the message names the fixes."""


def selection_needed(classifiers: list[str], grids: dict[str, Any]) -> bool:
    """Whether any classifier's grid has several points, so that an inner CV must choose one."""
    return any(len(grid_points(grids[classifier])) > 1 for classifier in classifiers)


def outer_split_settings(name: str, scheme: str, config: dict[str, Any]) -> dict[str, Any]:
    """What :func:`serflow.split.outer_split` takes for ``scheme`` on dataset ``name``: only the
    settings that scheme reads (so that changing another's does not rerun its split)."""
    split = split_settings(name, config["datasets"][name], config["split"])
    if scheme == "holdout":
        drawn = {key: value for key, value in split.items() if key not in PROTOCOL_KEYS}
        return {**drawn, "cv_folds": config["cv_folds"]}
    if scheme == "repeated_holdout":
        return {
            "repeats": config["evaluation"]["repeats"],
            "test_fraction": split["test_fraction"],
            "seed": split["seed"],
            "cv_folds": config["cv_folds"],
        }
    return {"cv_folds": config["cv_folds"]}


def inner_cv_problem(name: str, scheme: str, fold: dict, n_speakers: int, cv_folds: int) -> str:
    """Why a grouped inner CV cannot run on ``fold``'s training speakers, with fixes that work."""
    n_train = len(fold["train_speakers"])
    fixes = []
    if n_train >= MIN_GROUPS:
        fixes.append(f"lower cv_folds to {n_train}")
    if scheme != "loso" and n_speakers - 1 >= cv_folds:
        fixes.append("test fewer speakers (split.test_fraction or split.test_speakers)")
    fixes += [
        "set evaluation.inner_cv: kfold (stratified folds; model selection then sees its "
        "validation speakers in training, so it is speaker-dependent)",
        ONE_POINT_FIX,
    ]
    return (
        f"datasets.{name}: evaluation.inner_cv group needs cv_folds ({cv_folds}) training "
        f"speakers in every outer fold, but {scheme} fold {fold['fold']} trains on {n_train} "
        f"({', '.join(fold['train_speakers'])}) of the corpus's {n_speakers}: "
        + "; or ".join(fixes)
    )


def ssl_layer_problems(name: str, scheme: str, split: dict, config: dict) -> list[str]:
    """Why ``layer: auto`` of an SSL feature set cannot choose its layer on some outer fold:
    the choice is a speaker-grouped inner CV of cv_folds folds over the fold's training
    speakers (serflow.ssl.layers), whatever the classifiers' grids."""
    cv_folds = config["cv_folds"]
    encoders = config["ssl"]["encoders"]
    auto = [
        feature_set
        for feature_set in config["feature_sets"]
        if feature_set in encoders and (encoders[feature_set] or {}).get("layer") == "auto"
    ]
    fewest = min(split["folds"], key=lambda fold: len(fold["train_speakers"]))
    n_train = len(fewest["train_speakers"])
    if not auto or n_train >= cv_folds:
        return []
    fixes = [f"lower cv_folds to {n_train}"] if n_train >= MIN_GROUPS else []
    fixes.append(
        "fix the layer (ssl.encoders.<name>.layer: a layer number, e.g. one the UAR-per-layer "
        "curve of another corpus favours)"
    )
    return [
        f"datasets.{name}: ssl.encoders.{feature_set}.layer auto chooses the layer by a "
        f"speaker-grouped inner CV of cv_folds ({cv_folds}) folds, but {scheme} fold "
        f"{fewest['fold']} trains on {n_train} speaker(s): " + "; or ".join(fixes)
        for feature_set in auto
    ]


def cross_corpus_cell_problem(
    train: str, n_train: int, *, diagonal: bool, selecting: bool
) -> str | None:
    """Why the cross-corpus cell trained on ``train`` (``n_train`` training speakers) cannot
    be computed, or None; the grid search there groups its folds by speaker."""
    if not selecting or n_train >= MIN_GROUPS:
        return None
    where = "on its hold-out split (the diagonal cell)" if diagonal else "in all"
    other = (
        "or set cross_corpus.diagonal: false to leave the within-corpus cells out"
        if diagonal
        else f"or leave {train} out of the cross-corpus run"
    )
    return (
        f"dataset {train} has {n_train} training speaker(s) {where}; the speaker-grouped "
        f"cross-validation of the grid search needs {MIN_GROUPS}: {ONE_POINT_FIX}, {other}"
    )


def check_dataset(name: str, metadata: pd.DataFrame | str | Path, config: dict) -> list[str]:
    """Check every speaker-grouped step of dataset ``name`` on its metadata; return warnings.

    Raises :class:`SpeakerGroupError`, all problems in one message, for an outer split that
    cannot be made, a grouped inner CV with fewer training speakers than ``cv_folds``, and
    ``cross_corpus.emotions`` naming an emotion the dataset lacks. A cross-corpus cell that
    cannot be computed is a warning (the cell is reported missing), or an error with
    ``cross_corpus.strict``.
    """
    if not isinstance(metadata, pd.DataFrame):
        metadata = pd.read_parquet(metadata)
    selecting = selection_needed(config["classifiers"], config["grids"])
    scheme = config["evaluation"]["scheme"]
    n_speakers = metadata["speaker"].nunique()
    errors, warnings = [], []
    split = _outer_split(name, metadata, scheme, config, errors)
    if split and selecting and config["evaluation"]["inner_cv"] == "group":
        for fold in split["folds"]:
            if len(fold["train_speakers"]) < config["cv_folds"]:
                errors.append(inner_cv_problem(name, scheme, fold, n_speakers, config["cv_folds"]))
                break
    if split:
        errors += ssl_layer_problems(name, scheme, split, config)
    cross_corpus = config["cross_corpus"]
    if cross_corpus["emotions"]:
        emotions = cross_corpus["emotions"]
        present = sorted(set(metadata["emotion"]))
        missing = sorted(set(emotions) - set(present))
        if missing:
            errors.append(
                f"datasets.{name} has no utterance of {', '.join(missing)}, which "
                f"cross_corpus.emotions lists (it has {', '.join(present)}): remove "
                f"{'them' if len(missing) > 1 else 'it'} from cross_corpus.emotions, or map an "
                f"emotion of the corpus onto {'them' if len(missing) > 1 else 'it'} with "
                f"datasets.{name}.emotions"
            )
        shared = set(metadata.loc[metadata["emotion"].isin(emotions), "speaker"])
        cells = [(False, len(shared))]
        if cross_corpus["diagonal"]:
            holdout = (
                split
                if scheme == "holdout"
                else _outer_split(name, metadata, "holdout", config, errors)
            )
            if holdout:
                (fold,) = holdout["folds"]
                cells.append((True, len(shared & set(fold["train_speakers"]))))
        for diagonal, n_train in cells:
            problem = cross_corpus_cell_problem(
                name, n_train, diagonal=diagonal, selecting=selecting
            )
            if problem and cross_corpus["strict"]:
                errors.append(f"{problem} (cross_corpus.strict: true stops here)")
            elif problem:
                warnings.append(f"cross-corpus cells will be missing: {problem}")
    if errors:
        raise SpeakerGroupError("\n".join(errors))
    return warnings


def _outer_split(
    name: str, metadata: pd.DataFrame, scheme: str, config: dict, errors: list[str]
) -> dict | None:
    """The outer split of ``scheme``, or None with its problem added to ``errors``; None also
    for published folds (split.folds_file), which are read as published."""
    if scheme not in ("holdout", "repeated_holdout", "loso"):
        return None
    try:
        return outer_split(metadata, scheme, **outer_split_settings(name, scheme, config))
    except SplitError as error:
        errors.append(f"datasets.{name}: {error}")
        return None
