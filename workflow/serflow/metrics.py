"""The one definition of each score: UAR for categories; CCC, Pearson and MAE for dimensions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import recall_score


def uar(y_true: np.ndarray | pd.Series, y_pred: np.ndarray | pd.Series) -> float:
    """Unweighted average recall: scikit-learn's ``recall_score(average="macro")``.

    This is the notebook's score (its ``grid.score``). The classes are those in ``y_true`` or
    ``y_pred``: a class that is predicted but absent from ``y_true`` counts with recall 0, as
    in scikit-learn's classification report (the workflow warns when a test fold lacks a class).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UndefinedMetricWarning)
        return float(
            recall_score(np.asarray(y_true), np.asarray(y_pred), average="macro", zero_division=0)
        )


def chance_uar(n_classes: int) -> float:
    """UAR (%) of a constant classifier on ``n_classes`` classes, the chance level: recall 100
    on the class it always predicts, 0 on the others."""
    return 100.0 / n_classes


#: CCC of a constant prediction, the chance level of the dimensional scores (see :func:`ccc`).
CHANCE_CCC = 0.0


def ccc(y_true: np.ndarray | pd.Series, y_pred: np.ndarray | pd.Series) -> float:
    """Lin's concordance correlation coefficient, the primary score of dimensional emotion.

    ``2 cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))^2)`` with population (1/n)
    moments, as the AVEC and MSP-Podcast challenges compute it: 1 for predictions equal to the
    truth, 0 for a constant prediction; a shift or rescaling of the predictions lowers it, unlike
    Pearson's r. ``nan`` when both are constant.
    """
    truth, predicted = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    mean_t, mean_p = truth.mean(), predicted.mean()
    covariance = np.mean((truth - mean_t) * (predicted - mean_p))
    denominator = truth.var() + predicted.var() + (mean_t - mean_p) ** 2
    return float(2.0 * covariance / denominator) if denominator > 0 else float("nan")


def pearson(y_true: np.ndarray | pd.Series, y_pred: np.ndarray | pd.Series) -> float:
    """Pearson's correlation of predictions and truth; 0 when either is constant (no linear
    relation can be read from it)."""
    truth, predicted = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    spread = truth.std() * predicted.std()
    if spread == 0:
        return 0.0
    return float(np.mean((truth - truth.mean()) * (predicted - predicted.mean())) / spread)


def mae(y_true: np.ndarray | pd.Series, y_pred: np.ndarray | pd.Series) -> float:
    """Mean absolute error, in the dimension's own units."""
    return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))
