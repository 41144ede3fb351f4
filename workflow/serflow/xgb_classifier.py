"""XGBoost's gradient-boosted trees as a serflow classifier: any labels, one thread, seeded.

XGBoost's own ``XGBClassifier`` wants the classes numbered 0 .. k-1, all present; the
benchmark's training parts need not be (a speaker-grouped inner fold may lack an emotion, and
a caller may pass emotion names). :class:`LabelledXGBClassifier` numbers whatever labels it is
fitted on, fits an ``XGBClassifier`` on the numbers and answers with the labels, as
scikit-learn's classifiers do. It fits on one thread by default (XGBoost's histogram trees are
then deterministic for a seed) and can weight the classes of its training rows equally
(``class_weight="balanced"``, see :mod:`serflow.balance`).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from xgboost import XGBClassifier

#: The XGBoost parameters a grid may set (others keep XGBoost's defaults).
BOOSTER_PARAMS = (
    "n_estimators",
    "max_depth",
    "learning_rate",
    "subsample",
    "colsample_bytree",
    "min_child_weight",
    "gamma",
    "reg_alpha",
    "reg_lambda",
    "tree_method",
)


class LabelledXGBClassifier(ClassifierMixin, BaseEstimator):
    """``xgboost.XGBClassifier`` fitted on any labels; parameters as XGBoost's (``None``: its
    default), ``n_jobs`` 1 and ``random_state`` 0 unless set.

    ``class_weight`` is ``None`` or ``"balanced"``: each training row weighted inversely to its
    class's frequency among the rows it is fitted on (scikit-learn's meaning). Fitted state:
    ``classes_`` (the labels, sorted) and ``booster_`` (the fitted ``XGBClassifier``).
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's class attribute
        "n_estimators": [Interval(Integral, 1, None, closed="left"), None],
        "max_depth": [Interval(Integral, 0, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "subsample": [Interval(Real, 0, 1, closed="right"), None],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right"), None],
        "min_child_weight": [Interval(Real, 0, None, closed="left"), None],
        "gamma": [Interval(Real, 0, None, closed="left"), None],
        "reg_alpha": [Interval(Real, 0, None, closed="left"), None],
        "reg_lambda": [Interval(Real, 0, None, closed="left"), None],
        "tree_method": [StrOptions({"hist", "approx", "exact", "auto"}), None],
        "class_weight": [StrOptions({"balanced"}), None],
        "n_jobs": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_estimators: int | None = None,
        max_depth: int | None = None,
        learning_rate: float | None = None,
        subsample: float | None = None,
        colsample_bytree: float | None = None,
        min_child_weight: float | None = None,
        gamma: float | None = None,
        reg_alpha: float | None = None,
        reg_lambda: float | None = None,
        tree_method: str | None = None,
        class_weight: str | None = None,
        n_jobs: int = 1,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.gamma = gamma
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.tree_method = tree_method
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> LabelledXGBClassifier:  # noqa: N803 - scikit-learn's name
        """Fit on labels of any kind (numbered in sorted order for XGBoost)."""
        self._validate_params()
        classes, codes = np.unique(np.asarray(y), return_inverse=True)
        settings = {name: getattr(self, name) for name in BOOSTER_PARAMS}
        booster = XGBClassifier(
            **{name: value for name, value in settings.items() if value is not None},
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            verbosity=0,
        )
        weights = compute_sample_weight("balanced", codes) if self.class_weight else None
        self.booster_ = booster.fit(np.asarray(X), codes, sample_weight=weights)
        self.classes_ = classes
        return self

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        """Class probabilities, columns in the order of ``classes_``."""
        probabilities = self.booster_.predict_proba(np.asarray(X))
        if len(self.classes_) == 1:
            return np.ones((len(probabilities), 1))
        return probabilities

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """The label of the most probable class of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
