"""Text-disjoint splits (``split.disjoint: [speaker, text]``): test speakers *and* test sentences
kept out of training and every selection.

Emotional speech corpora have each speaker read the same sentences, so a split by speaker alone
still tests on sentences the classifier was trained on. Here each outer fold also draws test
sentences; training keeps the training speakers' utterances of the other sentences, the test the
test speakers' utterances of the test sentences. The utterances that belong to neither (a
training speaker saying a test sentence, a test speaker saying a training sentence) are left out
and counted in the fold (``left_out_train``, ``left_out_test``).
"""

from __future__ import annotations

import random

import pandas as pd

from serflow.fold_ids import speaker_text_fold_id
from serflow.fold_rows import part_rows
from serflow.formats.entries import TEXT_COLUMN
from serflow.split import SplitError

#: What split.disjoint may list; speaker is always among them.
DISJOINT_UNITS = ("speaker", "text")


def check_disjoint(disjoint: list[str], key: str = "split.disjoint") -> bool:
    """Whether ``disjoint`` asks for text-disjoint folds; an error for anything but speaker/text."""
    unknown = sorted(set(disjoint) - set(DISJOINT_UNITS))
    if unknown or "speaker" not in disjoint:
        raise SplitError(
            f"{key} {list(disjoint)} is not a list of {list(DISJOINT_UNITS)} with speaker in it; "
            "write [speaker] or [speaker, text]"
        )
    return "text" in disjoint


def corpus_texts(metadata: pd.DataFrame, dataset: str) -> list[str]:
    """The sentence ids of the corpus, sorted; an error naming the dataset and key when the
    corpus has none (its format writes no sentence id, or the configured column is empty)."""
    if TEXT_COLUMN not in metadata.columns or metadata[TEXT_COLUMN].isna().any():
        raise SplitError(
            f"datasets.{dataset}: split.disjoint [speaker, text] needs a sentence id for every "
            f"utterance, but the metadata has no complete {TEXT_COLUMN!r} column; EmoDB, RAVDESS, "
            "CREMA-D, TESS and SAVEE write one, csv and audformat datasets name it in "
            f"datasets.{dataset}.text_column; or set split.disjoint: [speaker]"
        )
    texts = sorted(set(metadata[TEXT_COLUMN].astype(str)))
    if len(texts) < 2:
        raise SplitError(
            f"datasets.{dataset}: split.disjoint [speaker, text] needs at least two sentences, "
            f"the corpus has {texts}; set split.disjoint: [speaker]"
        )
    return texts


def draw_test_texts(texts: list[str], test_fraction: float, seed: int) -> list[str]:
    """``int(test_fraction × n)`` test sentences (at least one, never all), seeded draw."""
    pool = sorted(set(texts))
    n_test = min(max(1, int(test_fraction * len(pool))), len(pool) - 1)
    return sorted(random.Random(seed).sample(pool, n_test))


def narrow_fold(metadata: pd.DataFrame, fold: dict, test_texts: list[str]) -> dict:
    """The speaker fold ``fold`` narrowed to ``test_texts`` for testing and the other sentences
    for training, with the counts of the utterances that this leaves out."""
    texts = sorted(set(metadata[TEXT_COLUMN].astype(str)))
    narrowed = {
        **fold,
        "train_texts": [text for text in texts if text not in test_texts],
        "test_texts": sorted(test_texts),
    }
    speakers = {part: set(fold[f"{part}_speakers"]) for part in ("train", "test")}
    said = metadata[TEXT_COLUMN].astype(str)
    narrowed["left_out_train"] = int(
        (metadata["speaker"].isin(speakers["train"]) & said.isin(test_texts)).sum()
    )
    narrowed["left_out_test"] = int(
        (metadata["speaker"].isin(speakers["test"]) & ~said.isin(test_texts)).sum()
    )
    return narrowed


def check_fold_rows(metadata: pd.DataFrame, fold: dict, cv_folds: int, dataset: str) -> None:
    """The narrowed fold must train on every emotion, each ``cv_folds`` times, and test on rows."""
    train = part_rows(metadata, fold, "train")
    counts = train["emotion"].value_counts()
    for emotion in sorted(metadata["emotion"].unique()):
        if int(counts.get(emotion, 0)) < cv_folds:
            raise SplitError(
                f"datasets.{dataset}: fold {fold['fold']} of split.disjoint [speaker, text] "
                f"(test speakers {fold['test_speakers']}, test sentences {fold['test_texts']}) "
                f"trains on {int(counts.get(emotion, 0))} utterance(s) of emotion {emotion}, "
                f"fewer than cv_folds ({cv_folds}); lower split.test_fraction or cv_folds, "
                "choose another split.seed, or set split.disjoint: [speaker]"
            )
    if part_rows(metadata, fold, "test").empty:
        raise SplitError(
            f"datasets.{dataset}: fold {fold['fold']} of split.disjoint [speaker, text] has no "
            f"test utterance: its test speakers {fold['test_speakers']} never say its test "
            f"sentences {fold['test_texts']}; choose another split.seed or split.test_fraction"
        )


def text_disjoint_split(
    metadata: pd.DataFrame,
    split: dict,
    *,
    test_fraction: float,
    seed: int,
    cv_folds: int,
    dataset: str,
) -> dict:
    """The speaker split ``split`` (holdout, repeated_holdout or loso) made text-disjoint.

    Hold-out folds draw their test sentences with their own seed (``split.seed``, or a repeat's
    seed); leave one speaker out becomes leave one speaker and one sentence out: one fold per
    (speaker, sentence) that the speaker says, every other speaker and sentence training.
    """
    texts = corpus_texts(metadata, dataset)
    folds = []
    if split["scheme"] == "loso":
        said = metadata.assign(text=metadata[TEXT_COLUMN].astype(str))
        for fold in split["folds"]:
            (speaker,) = fold["test_speakers"]
            for text in sorted(set(said.loc[said["speaker"] == speaker, "text"])):
                folds.append(
                    narrow_fold(
                        metadata, {**fold, "fold": speaker_text_fold_id(speaker, text)}, [text]
                    )
                )
    else:
        for fold in split["folds"]:
            draw = draw_test_texts(texts, test_fraction, fold.get("seed", seed))
            folds.append(narrow_fold(metadata, fold, draw))
    for fold in folds:
        check_fold_rows(metadata, fold, cv_folds, dataset)
    return {**split, "disjoint": ["speaker", "text"], "folds": folds}
