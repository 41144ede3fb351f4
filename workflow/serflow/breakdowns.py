"""Breakdowns of the pooled test predictions: UAR and recall per speaker and per gender, the
speaker-level interval of each UAR, and the calibration of the classifiers' probabilities.

A single UAR hides who it was earned on: a few speakers or one gender can carry it. Expected
calibration error (ECE) says how far the probability a classifier gives its predicted class is
from how often that prediction is right; it needs probabilities (``confidence`` in the
predictions: LR and RF, any classifier with ``predict_proba``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.evaluation import emotion_order, rows_of
from serflow.metrics import uar
from serflow.speaker_bootstrap import grouped_bootstrap_uar

#: Equal-width confidence bins of the expected calibration error.
ECE_BINS = 10


def recall_by(
    pooled: pd.DataFrame, by: str, feature_sets: list[str], classifiers: list[str]
) -> pd.DataFrame:
    """UAR and per-emotion recall (%) for every (feature set, classifier) and value of ``by``
    (a column of ``pooled``: speaker or gender), with the number of test rows."""
    names = emotion_order(pooled["emotion"])
    rows = []
    for feature_set in feature_sets:
        for classifier in classifiers:
            part = rows_of(pooled, feature_set, classifier)
            for value, group in part.groupby(by, sort=True):
                truth, predicted = group["emotion"].to_numpy(), group["predicted"].to_numpy()
                recall = {
                    name: 100 * float(np.mean(predicted[truth == name] == name))
                    if np.any(truth == name)
                    else np.nan
                    for name in names
                }
                rows.append(
                    {
                        "feature_set": feature_set,
                        "classifier": classifier,
                        by: value,
                        "n": len(group),
                        "uar": 100 * uar(truth, predicted),
                        **recall,
                    }
                )
    return pd.DataFrame(rows, columns=["feature_set", "classifier", by, "n", "uar", *names])


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS
) -> float:
    """ECE: the mean over equal-width confidence bins of |accuracy − mean confidence|, each
    bin weighted by its share of the rows (a confidence of 1 falls in the last bin)."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        rows = which == b
        if rows.any():
            total += rows.mean() * abs(correct[rows].mean() - confidence[rows].mean())
    return float(total)


def calibration_table(
    pooled: pd.DataFrame, feature_sets: list[str], classifiers: list[str]
) -> pd.DataFrame:
    """ECE, accuracy and mean confidence (%) of every (feature set, classifier) whose
    predictions carry probabilities; the others are left out."""
    rows = []
    columns = ["feature_set", "classifier", "n", "accuracy", "mean_confidence", "ece"]
    if "confidence" not in pooled.columns:
        return pd.DataFrame(rows, columns=columns)
    for feature_set in feature_sets:
        for classifier in classifiers:
            part = rows_of(pooled, feature_set, classifier)
            if part.empty or part["confidence"].isna().any():
                continue
            correct = (part["emotion"] == part["predicted"]).to_numpy()
            confidence = part["confidence"].to_numpy()
            rows.append(
                {
                    "feature_set": feature_set,
                    "classifier": classifier,
                    "n": len(part),
                    "accuracy": 100 * float(correct.mean()),
                    "mean_confidence": 100 * float(confidence.mean()),
                    "ece": 100 * expected_calibration_error(confidence, correct),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def uar_intervals(
    pooled: pd.DataFrame,
    feature_sets: list[str],
    classifiers: list[str],
    *,
    confidence: float = 0.95,
    resamples: int = 10000,
    seed: int = 0,
) -> pd.DataFrame:
    """The pooled test UAR (%) of every (feature set, classifier) with two percentile bootstrap
    intervals: over test speakers (a speaker's utterances drawn together; the one to report)
    and over utterances (as if independent; shown to compare, it is too narrow)."""
    rows = []
    for feature_set in feature_sets:
        for classifier in classifiers:
            part = rows_of(pooled, feature_set, classifier)
            truth, predicted = part["emotion"].to_numpy(), part["predicted"].to_numpy()
            settings = {"confidence": confidence, "resamples": resamples, "seed": seed}
            speaker = grouped_bootstrap_uar(truth, predicted, part["speaker"], **settings)
            utterance = grouped_bootstrap_uar(truth, predicted, np.arange(len(part)), **settings)
            rows.append(
                {
                    "feature_set": feature_set,
                    "classifier": classifier,
                    "n_test": len(part),
                    "n_speakers": part["speaker"].nunique(),
                    "uar": 100 * uar(truth, predicted),
                    "speaker_ci_low": 100 * speaker[0],
                    "speaker_ci_high": 100 * speaker[1],
                    "utterance_ci_low": 100 * utterance[0],
                    "utterance_ci_high": 100 * utterance[1],
                }
            )
    return pd.DataFrame(rows)
