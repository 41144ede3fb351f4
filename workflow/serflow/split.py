"""Speaker-independent splits: the outer train/test folds and the grid search's inner folds."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd

from serflow.fold_ids import HOLDOUT_FOLD_ID, SCHEME_NAMES, repeat_fold_ids, speaker_fold_id


class SplitError(ValueError):
    """A split that cannot train or test a classifier; the message names the setting to change."""


def draw_test_speakers(speakers: list[str], test_fraction: float, seed: int) -> list[str]:
    """Draw ``int(test_fraction × n)`` test speakers (at least one) with a seeded generator.

    The draw is Python's ``random.Random(seed).sample`` over the sorted speakers, the notebook's
    own method, so that the same seed gives the same speakers as the notebook pipeline script.
    """
    pool = sorted(set(speakers))
    n_test = max(1, int(test_fraction * len(pool)))
    if n_test >= len(pool):
        raise SplitError(
            f"split.test_fraction {test_fraction} leaves no training speaker among "
            f"{len(pool)}; lower it"
        )
    return sorted(random.Random(seed).sample(pool, n_test))


def holdout_split(
    metadata: pd.DataFrame,
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
    test_speakers: list[str] | None = None,
    cv_folds: int = 5,
    use_database_splits: bool = False,
) -> dict:
    """A speaker-disjoint split: listed ``test_speakers``, the speakers of an audformat
    database's test tables (``use_database_splits``) or a seeded draw of them.

    Checks that the training part holds every emotion of the corpus, each often enough for
    ``cv_folds``-fold stratified cross-validation, and that the test part is not empty.
    """
    speakers = sorted(metadata["speaker"].unique())
    if use_database_splits:
        test_speakers = database_test_speakers(metadata)
    if test_speakers:
        unknown = sorted(set(test_speakers) - set(speakers))
        if unknown:
            raise SplitError(
                f"split.test_speakers names speaker(s) {unknown} that are not in the corpus "
                f"(speakers: {speakers}); fix the list"
            )
        test = sorted(set(test_speakers))
        if len(test) == len(speakers):
            raise SplitError("split.test_speakers lists every speaker; leave some for training")
        how = "listed in split.test_speakers"
    else:
        test = draw_test_speakers(speakers, test_fraction, seed)
        how = f"drawn with split.seed {seed} and split.test_fraction {test_fraction}"
    train = [s for s in speakers if s not in test]
    check_training_classes(metadata, train, cv_folds, how)
    return {
        "scheme": "holdout",
        "folds": [{"fold": HOLDOUT_FOLD_ID, "train_speakers": train, "test_speakers": test}],
    }


def database_test_speakers(metadata: pd.DataFrame) -> list[str]:
    """The speakers of the database's test split; an error naming any speaker that is also in
    its training split (the split would not be speaker-independent)."""
    if "database_split" not in metadata.columns:
        raise SplitError("split.use_database_splits needs an audformat dataset (database_split)")
    test = set(metadata.loc[metadata["database_split"] == "test", "speaker"])
    both = sorted(test & set(metadata.loc[metadata["database_split"] != "test", "speaker"]))
    if both:
        raise SplitError(
            f"the database's test and training tables share speaker(s) {both}: its split is not "
            "speaker-independent; set split.use_database_splits: false (serflow then splits by "
            "speaker) or list split.test_speakers"
        )
    return sorted(test)


def check_training_classes(
    metadata: pd.DataFrame, train_speakers: list[str], cv_folds: int, how: str
) -> None:
    """Raise :class:`SplitError` when the training speakers lack an emotion or have too few."""
    emotions = sorted(metadata["emotion"].unique())
    counts = metadata[metadata["speaker"].isin(train_speakers)]["emotion"].value_counts()
    for emotion in emotions:
        count = int(counts.get(emotion, 0))
        if count == 0:
            raise SplitError(
                f"the training speakers {train_speakers} (test speakers {how}) have no "
                f"utterance of emotion {emotion}, which the classifiers "
                "could then never predict; choose other test speakers (split.test_speakers or "
                "split.seed), or add recordings of that emotion by the training speakers"
            )
        if count < cv_folds:
            raise SplitError(
                f"the training speakers {train_speakers} (test speakers {how}) have {count} "
                f"utterance(s) of emotion {emotion}, fewer than the "
                f"{cv_folds} that {cv_folds}-fold cross-validation needs; choose other test "
                "speakers (split.test_speakers or split.seed) or lower cv_folds"
            )


def repeated_holdout_split(
    metadata: pd.DataFrame,
    *,
    repeats: int = 5,
    test_fraction: float = 0.3,
    seed: int = 0,
    cv_folds: int = 5,
) -> dict:
    """``repeats`` different seeded draws of test speakers, one outer fold each.

    The draws use the notebook's method with the seeds ``seed``, ``seed + 1``, ... in turn,
    skipping a seed whose test speakers were drawn before, so that no split is repeated; the
    first fold is therefore the hold-out split of the same ``seed``. Each fold records its seed.
    """
    speakers = sorted(metadata["speaker"].unique())
    n_test = max(1, int(test_fraction * len(speakers)))
    if math.comb(len(speakers), n_test) < repeats:
        raise SplitError(
            f"evaluation.repeats {repeats} is more than the {math.comb(len(speakers), n_test)} "
            f"different ways to choose {n_test} test speakers from {len(speakers)}; lower it"
        )
    folds, seen, draw_seed = [], set(), seed
    for fold_id in repeat_fold_ids(repeats):
        test = draw_test_speakers(speakers, test_fraction, draw_seed)
        while tuple(test) in seen:
            draw_seed += 1
            test = draw_test_speakers(speakers, test_fraction, draw_seed)
        seen.add(tuple(test))
        train = [s for s in speakers if s not in test]
        check_training_classes(
            metadata, train, cv_folds, f"of {fold_id}, drawn with seed {draw_seed}"
        )
        folds.append(
            {"fold": fold_id, "seed": draw_seed, "train_speakers": train, "test_speakers": test}
        )
        draw_seed += 1
    return {"scheme": "repeated_holdout", "folds": folds}


def loso_split(metadata: pd.DataFrame, *, cv_folds: int = 5) -> dict:
    """Leave one speaker out: one outer fold per speaker, tested on that speaker alone."""
    speakers = sorted(metadata["speaker"].unique())
    if len(speakers) < 2:
        raise SplitError(
            f"evaluation.scheme loso needs at least two speakers; the corpus has {speakers}"
        )
    folds = []
    for speaker in speakers:
        train = [s for s in speakers if s != speaker]
        check_training_classes(metadata, train, cv_folds, f"left out: {speaker}")
        folds.append(
            {"fold": speaker_fold_id(speaker), "train_speakers": train, "test_speakers": [speaker]}
        )
    return {"scheme": "loso", "folds": folds}


#: Split keys that say which protocol to run (serflow.text_split, serflow.folds_file), not how
#: to draw the speakers: :func:`outer_split` does not take them.
PROTOCOL_KEYS = ("disjoint", "folds_file")


def outer_split(metadata: pd.DataFrame, scheme: str, **settings) -> dict:
    """The outer folds of ``scheme`` (one of :data:`SCHEME_NAMES`) with that scheme's settings."""
    if scheme == "holdout":
        return holdout_split(metadata, **settings)
    if scheme == "repeated_holdout":
        return repeated_holdout_split(metadata, **settings)
    if scheme == "loso":
        return loso_split(metadata, **settings)
    raise SplitError(f"evaluation.scheme {scheme!r} is unknown; use one of {list(SCHEME_NAMES)}")


def inner_folds(
    labels: np.ndarray, speakers: np.ndarray, inner_cv: str, cv_folds: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, validation) row indices of the grid search's cross-validation.

    ``kfold`` is the notebook's StratifiedKFold without shuffling: validation rows share
    speakers with training rows, so model selection sees the validation speakers.
    ``group`` is StratifiedGroupKFold by speaker without shuffling: each speaker's rows are in
    one validation fold only, so the selection is speaker-independent like the test.
    scikit-learn is imported here, not by the outer splits' rules, which do not need it.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    labels, speakers = np.asarray(labels), np.asarray(speakers)
    if inner_cv == "kfold":
        return list(StratifiedKFold(n_splits=cv_folds).split(np.zeros(len(labels)), labels))
    if inner_cv == "group":
        n_speakers = len(np.unique(speakers))
        if n_speakers < cv_folds:
            raise SplitError(
                f"evaluation.inner_cv group needs at least cv_folds ({cv_folds}) training "
                f"speakers, but there are {n_speakers}; lower cv_folds or test fewer speakers"
            )
        splitter = StratifiedGroupKFold(n_splits=cv_folds)
        return list(splitter.split(np.zeros(len(labels)), labels, groups=speakers))
    raise SplitError(f"evaluation.inner_cv {inner_cv!r} is unknown; use kfold or group")
