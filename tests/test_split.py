import random

import pandas as pd
import pytest

from serflow.split import SplitError, draw_test_speakers, holdout_split

SPEAKERS = ["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]


def _metadata(per_class: int = 2, speakers=SPEAKERS, emotions="WLEAFTN"):
    rows = [
        {"utterance": f"{s}a0{v}{e}a", "speaker": s, "emotion": e}
        for s in speakers
        for e in emotions
        for v in range(per_class)
    ]
    return pd.DataFrame(rows)


def test_seeded_draw_is_speaker_disjoint_reproducible_and_the_notebooks():
    split = holdout_split(_metadata(), test_fraction=0.3, seed=7)
    (fold,) = split["folds"]
    assert len(fold["test_speakers"]) == 3
    assert not set(fold["test_speakers"]) & set(fold["train_speakers"])
    assert sorted(fold["test_speakers"] + fold["train_speakers"]) == SPEAKERS
    assert holdout_split(_metadata(), test_fraction=0.3, seed=7) == split
    assert fold["test_speakers"] == sorted(random.Random(7).sample(SPEAKERS, 3))


def test_different_seeds_give_different_splits():
    draws = {tuple(draw_test_speakers(SPEAKERS, 0.3, seed)) for seed in range(10)}
    assert len(draws) > 5


def test_listed_test_speakers_are_used_and_unknown_ones_refused():
    (fold,) = holdout_split(_metadata(), test_speakers=["16", "03", "13"])["folds"]
    assert fold["test_speakers"] == ["03", "13", "16"]
    with pytest.raises(SplitError, match=r"split.test_speakers.*'99'"):
        holdout_split(_metadata(), test_speakers=["99"])


def test_training_split_without_an_emotion_is_refused_naming_it():
    metadata = _metadata(per_class=3)
    metadata = metadata[~((metadata["emotion"] == "E") & (metadata["speaker"] != "03"))]
    with pytest.raises(SplitError, match=r"no utterance of emotion E,"):
        holdout_split(metadata, test_speakers=["03"], cv_folds=2)


def test_too_few_per_class_for_cv_is_refused():
    with pytest.raises(SplitError, match="5-fold cross-validation"):
        holdout_split(_metadata(per_class=1, speakers=SPEAKERS[:4]), test_speakers=["03"])
