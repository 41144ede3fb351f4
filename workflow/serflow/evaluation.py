"""Test-set scores: UAR, per-class recall, confusion matrix, pooled folds and paired tests."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix

from serflow.metrics import uar
from serflow.speaker_bootstrap import paired_speaker_bootstrap
from serflow.stats import mcnemar_exact, paired_permutation_uar


def emotion_order(labels: pd.Series | np.ndarray) -> list[str]:
    """The emotions present in ``labels``, alphabetically."""
    return sorted(set(np.asarray(labels)))


def test_scores(predictions: pd.DataFrame) -> dict:
    """UAR, accuracy and per-class recall from a table with ``emotion`` and ``predicted``."""
    truth, predicted = predictions["emotion"].to_numpy(), predictions["predicted"].to_numpy()
    recall = {e: float(np.mean(predicted[truth == e] == e)) for e in emotion_order(truth)}
    return {
        "uar": uar(truth, predicted),
        "accuracy": float(np.mean(truth == predicted)),
        "n_test": int(len(truth)),
        "recall": recall,
    }


def report_text(predictions: pd.DataFrame) -> str:
    """scikit-learn's classification report with emotion names."""
    labels = emotion_order(pd.concat([predictions["emotion"], predictions["predicted"]]))
    return classification_report(
        predictions["emotion"],
        predictions["predicted"],
        labels=labels,
        target_names=labels,
        digits=3,
        zero_division=0,
    )


def confusion_table(predictions: pd.DataFrame) -> pd.DataFrame:
    """Counts with true emotions as rows and predicted emotions as columns, by name."""
    labels = emotion_order(pd.concat([predictions["emotion"], predictions["predicted"]]))
    names = labels
    counts = confusion_matrix(predictions["emotion"], predictions["predicted"], labels=labels)
    return pd.DataFrame(counts, index=pd.Index(names, name="emotion"), columns=names)


def pool_predictions(scores: list[dict], predictions: list[pd.DataFrame]) -> pd.DataFrame:
    """Every job's test predictions in one table, labelled by feature set, classifier and fold.

    ``scores[i]`` (a job's scores.json) says whose predictions ``predictions[i]`` are. Rows are
    sorted by feature set, classifier, fold and utterance; ``confidence`` is NaN for the jobs
    whose classifier gives no probabilities.
    """
    if len(scores) != len(predictions):
        raise ValueError(f"{len(scores)} score files but {len(predictions)} prediction tables")
    parts = [
        table.assign(
            feature_set=score["feature_set"], classifier=score["classifier"], fold=score["fold"]
        )
        for score, table in zip(scores, predictions, strict=True)
    ]
    columns = ["feature_set", "classifier", "fold", "utterance", "speaker", "emotion", "predicted"]
    pooled = pd.concat(parts, ignore_index=True)
    # the probability of the predicted class, where a classifier gives probabilities (LR, RF)
    columns += ["confidence"] if "confidence" in pooled.columns else []
    return pooled[columns].sort_values(columns[:4], ignore_index=True)


def rows_of(table: pd.DataFrame, feature_set: str, classifier: str) -> pd.DataFrame:
    """The rows of ``table`` that belong to one (feature set, classifier)."""
    return table[(table["feature_set"] == feature_set) & (table["classifier"] == classifier)]


def recall_table(
    pooled: pd.DataFrame, feature_sets: list[str], classifiers: list[str]
) -> pd.DataFrame:
    """Recall (%) of each emotion, and UAR, for every (feature set, classifier).

    Computed on the predictions pooled over the outer folds; rows follow the config's order,
    columns EmoDB's emotion order by name.
    """
    names = emotion_order(pooled["emotion"])
    rows = []
    for feature_set in feature_sets:
        for classifier in classifiers:
            scores = test_scores(rows_of(pooled, feature_set, classifier))
            rows.append(
                {
                    "feature_set": feature_set,
                    "classifier": classifier,
                    **{name: 100 * scores["recall"].get(name, np.nan) for name in names},
                    "uar": 100 * scores["uar"],
                }
            )
    return pd.DataFrame(rows).set_index(["feature_set", "classifier"])


def compare_feature_sets(
    pooled: pd.DataFrame,
    feature_sets: list[str],
    classifiers: list[str],
    *,
    permutations: int = 10000,
    seed: int = 0,
    confidence: float = 0.95,
    resamples: int = 10000,
) -> pd.DataFrame:
    """Paired tests of every two feature sets under the same classifier and outer folds.

    The predictions of the two feature sets are paired by (fold, utterance). ``difference`` is
    UAR(a) − UAR(b) in points; ``permutation_p`` is the paired permutation test of it
    (:func:`serflow.stats.paired_permutation_uar`), ``mcnemar_p`` McNemar's exact test of
    the rows that one feature set gets right and the other wrong. ``speaker_ci_low``/``high``
    and ``speaker_p`` are the same difference at speaker level: a bootstrap over test speakers
    (:func:`serflow.speaker_bootstrap.paired_speaker_bootstrap`, ``resamples`` draws).
    """
    keys = ["fold", "utterance"]
    rows = []
    for classifier in classifiers:
        of_classifier = pooled[pooled["classifier"] == classifier]
        for a, b in itertools.combinations(feature_sets, 2):
            first = of_classifier[of_classifier["feature_set"] == a]
            second = of_classifier[of_classifier["feature_set"] == b]
            pairs = first.merge(second, on=keys, suffixes=("_a", "_b"), validate="one_to_one")
            if len(pairs) != len(first) or len(pairs) != len(second):
                raise ValueError(
                    f"{a} and {b} with {classifier} were not tested on the same utterances "
                    "and folds; rerun their classification with the same split"
                )
            truth = pairs["emotion_a"].to_numpy()
            predicted_a = pairs["predicted_a"].to_numpy()
            predicted_b = pairs["predicted_b"].to_numpy()
            difference, permutation_p = paired_permutation_uar(
                truth, predicted_a, predicted_b, permutations=permutations, seed=seed
            )
            only_a, only_b, mcnemar_p = mcnemar_exact(predicted_a == truth, predicted_b == truth)
            speaker_low, speaker_high, speaker_p = paired_speaker_bootstrap(
                truth,
                predicted_a,
                predicted_b,
                pairs["speaker_a"].to_numpy(),
                confidence=confidence,
                resamples=resamples,
                seed=seed,
            )
            rows.append(
                {
                    "classifier": classifier,
                    "feature_set_a": a,
                    "feature_set_b": b,
                    "n": len(pairs),
                    "uar_a": 100 * uar(truth, predicted_a),
                    "uar_b": 100 * uar(truth, predicted_b),
                    "difference": 100 * difference,
                    "only_a_correct": only_a,
                    "only_b_correct": only_b,
                    "mcnemar_p": mcnemar_p,
                    "permutation_p": permutation_p,
                    "speaker_ci_low": 100 * speaker_low,
                    "speaker_ci_high": 100 * speaker_high,
                    "speaker_p": speaker_p,
                }
            )
    columns = [
        "classifier", "feature_set_a", "feature_set_b", "n", "uar_a", "uar_b", "difference",
        "only_a_correct", "only_b_correct", "mcnemar_p", "permutation_p", "speaker_ci_low",
        "speaker_ci_high", "speaker_p",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
