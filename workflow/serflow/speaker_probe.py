"""The speaker-information probe: how well the speaker can be told from a feature set, before
and after per-speaker normalisation.

A feature set that identifies speakers well can let a classifier key on who speaks rather than
how; per-speaker normalisation is meant to remove that. The probe is a logistic regression that
predicts the speaker, scored by accuracy in stratified cross-validation over utterances: here
the speakers must be on both sides (a speaker-grouped split could never name a held-out one).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

#: Cross-validation folds of the probe (fewer where a speaker has fewer utterances).
PROBE_FOLDS = 5


def speaker_accuracy(
    features: pd.DataFrame, speakers: pd.Series, *, folds: int = PROBE_FOLDS, seed: int = 0
) -> float:
    """Mean speaker-identification accuracy of a standardised logistic regression over
    stratified (by speaker) shuffled folds of the utterances of ``features``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table = features.sort_values("utterance", ignore_index=True)
    labels = table["utterance"].map(speakers).to_numpy()
    values = table.drop(columns="utterance").to_numpy(dtype=np.float64)
    smallest = int(pd.Series(labels).value_counts().min())
    splits = min(folds, smallest)
    if splits < 2:
        raise ValueError(
            "the speaker probe needs at least two utterances of every speaker; a speaker has "
            f"{smallest}"
        )
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    cv = StratifiedKFold(n_splits=splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # lbfgs on thousands of correlated features: not converged
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", message="Line Search failed")
        scores = cross_val_score(probe, values, labels, cv=cv, scoring="accuracy")
    return float(np.mean(scores))


def probe_row(
    feature_set: str,
    raw: pd.DataFrame,
    normalised: pd.DataFrame,
    speakers: pd.Series,
    *,
    seed: int = 0,
) -> dict:
    """The probe's accuracies (%) on one feature set before and after normalisation."""
    return {
        "feature_set": feature_set,
        "n_utterances": len(raw),
        "n_speakers": int(raw["utterance"].map(speakers).nunique()),
        "chance": 100.0 * float(raw["utterance"].map(speakers).value_counts(normalize=True).max()),
        "accuracy_raw": 100 * speaker_accuracy(raw, speakers, seed=seed),
        "accuracy_normalised": 100 * speaker_accuracy(normalised, speakers, seed=seed),
    }
