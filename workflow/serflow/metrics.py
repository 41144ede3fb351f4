"""The one definition of UAR that every score, table and report of serflow uses."""

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
