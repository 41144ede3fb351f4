"""Test-set scores of a tuned classifier: UAR, per-class report and confusion matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix

from serflow.classifiers import uar
from serflow.emodb import EMOTIONS


def emotion_order(labels: pd.Series | np.ndarray) -> list[str]:
    """The emotion letters present in ``labels``, in EmoDB's documentation order."""
    present = set(np.asarray(labels))
    return [e for e in EMOTIONS if e in present] + sorted(present - set(EMOTIONS))


def test_scores(predictions: pd.DataFrame) -> dict:
    """UAR, accuracy and per-class recall from a table with ``emotion`` and ``predicted``."""
    truth, predicted = predictions["emotion"].to_numpy(), predictions["predicted"].to_numpy()
    recall = {
        EMOTIONS.get(e, e): float(np.mean(predicted[truth == e] == e)) for e in emotion_order(truth)
    }
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
        target_names=[EMOTIONS.get(e, e) for e in labels],
        digits=3,
        zero_division=0,
    )


def confusion_table(predictions: pd.DataFrame) -> pd.DataFrame:
    """Counts with true emotions as rows and predicted emotions as columns, by name."""
    labels = emotion_order(pd.concat([predictions["emotion"], predictions["predicted"]]))
    names = [EMOTIONS.get(e, e) for e in labels]
    counts = confusion_matrix(predictions["emotion"], predictions["predicted"], labels=labels)
    return pd.DataFrame(counts, index=pd.Index(names, name="emotion"), columns=names)
