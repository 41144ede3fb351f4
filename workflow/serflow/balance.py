"""Class balancing (config ``balance``), applied to training rows only.

``class_weight`` weights each training row inversely to its class's frequency among the rows a
model is fitted on (scikit-learn's ``class_weight="balanced"``, set on every grid point);
``oversample`` draws extra rows of the smaller classes, with replacement and seeded, until every
class has as many as the largest. Both act where a model is fitted: on the training part of each
inner CV fold and on the refit's rows. Validation and test rows are never weighted or copied, so
every score is measured on the data as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The values of ``balance``; the default (schema) is ``none``.
BALANCES = ("none", "class_weight", "oversample")


def weighted_points(points: list[dict[str, Any]], balance: str) -> list[dict[str, Any]]:
    """``points`` with ``class_weight: balanced`` added under ``balance: class_weight``."""
    if balance != "class_weight":
        return points
    return [{**point, "class_weight": "balanced"} for point in points]


def oversample(rows: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """``rows`` (indices into ``labels``) and, per smaller class, extra rows of that class drawn
    with replacement (seeded) up to the largest class's count; sorted, so duplicates sit beside
    their original."""
    rows = np.asarray(rows)
    classes, counts = np.unique(labels[rows], return_counts=True)
    rng = np.random.default_rng(seed)
    extra = [
        rng.choice(rows[labels[rows] == cls], size=counts.max() - count, replace=True)
        for cls, count in zip(classes, counts, strict=True)
        if count < counts.max()
    ]
    return np.sort(np.concatenate([rows, *extra]), kind="stable")


def oversampled_folds(
    folds: list[tuple[np.ndarray, np.ndarray]], labels: np.ndarray, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each fold's training rows oversampled (:func:`oversample`, seed + fold number), its
    validation rows as they are."""
    return [
        (oversample(train, labels, seed + k), np.asarray(validation))
        for k, (train, validation) in enumerate(folds)
    ]
