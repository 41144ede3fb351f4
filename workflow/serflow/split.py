"""Speaker-independent train/test splits."""

from __future__ import annotations

import random

import pandas as pd

from serflow.emodb import EMOTIONS


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
) -> dict:
    """A speaker-disjoint split: listed ``test_speakers`` or a seeded draw of them.

    Checks that the training part holds every emotion of the corpus, each often enough for
    ``cv_folds``-fold stratified cross-validation, and that the test part is not empty.
    """
    speakers = sorted(metadata["speaker"].unique())
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
        "folds": [{"fold": "holdout", "train_speakers": train, "test_speakers": test}],
    }


def check_training_classes(
    metadata: pd.DataFrame, train_speakers: list[str], cv_folds: int, how: str
) -> None:
    """Raise :class:`SplitError` when the training speakers lack an emotion or have too few."""
    emotions = sorted(metadata["emotion"].unique(), key=list(EMOTIONS).index)
    counts = metadata[metadata["speaker"].isin(train_speakers)]["emotion"].value_counts()
    for emotion in emotions:
        count = int(counts.get(emotion, 0))
        if count < cv_folds:
            raise SplitError(
                f"the training speakers {train_speakers} (test speakers {how}) have {count} "
                f"utterance(s) of emotion {emotion} ({EMOTIONS[emotion]}), fewer than the "
                f"{cv_folds} that {cv_folds}-fold cross-validation needs; choose other test "
                "speakers (split.test_speakers or split.seed) or lower cv_folds"
            )
