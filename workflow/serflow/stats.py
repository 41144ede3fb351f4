"""Uncertainty and paired tests for UAR: a bootstrap interval, McNemar and a permutation test.

Every random draw comes from a generator seeded by the caller, so that the same inputs and seed
give the same numbers on every run.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest

#: Below this many outer folds a bootstrap interval over the folds is printed with a note that
#: it is not meaningful: 2 to 4 fold scores give a handful of distinct resampled means.
MIN_INTERVAL_FOLDS = 5


def interval_note(n_folds: int) -> str:
    """The note printed beside an interval over ``n_folds`` folds: ``(2 folds: interval not
    meaningful)`` below :data:`MIN_INTERVAL_FOLDS` folds, else empty."""
    if n_folds >= MIN_INTERVAL_FOLDS:
        return ""
    return f"({n_folds} fold{'s' * (n_folds != 1)}: interval not meaningful)"


def bootstrap_mean_interval(
    values: np.ndarray | list[float],
    *,
    confidence: float = 0.95,
    resamples: int = 10000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``.

    The values (e.g. one UAR per outer fold) are drawn with replacement ``resamples`` times;
    the interval is the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the
    resampled means. With fewer than two values there is no spread to resample: (nan, nan).
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[int, int, float]:
    """McNemar's exact test on paired correct/incorrect outcomes of two classifiers.

    Returns the number of rows only A got right, only B got right, and the two-sided p-value
    of the binomial test that both are equally likely (1.0 when they never disagree).
    """
    correct_a, correct_b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    only_a = int(np.sum(correct_a & ~correct_b))
    only_b = int(np.sum(~correct_a & correct_b))
    if only_a + only_b == 0:
        return only_a, only_b, 1.0
    p_value = binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue
    return only_a, only_b, float(min(1.0, p_value))


def uar_weights(truth: np.ndarray, n_labels: int | None = None) -> np.ndarray:
    """Per-row weights ``w`` such that ``UAR = sum(w * correct)``: 1 / (labels × class size).

    ``n_labels`` is the number of classes UAR averages over (:func:`serflow.metrics.uar`: those
    in the truth or the predictions); by default those in ``truth``.
    """
    truth = np.asarray(truth)
    classes, index, counts = np.unique(truth, return_inverse=True, return_counts=True)
    return 1.0 / ((n_labels or len(classes)) * counts[index])


def paired_permutation_uar(
    truth: np.ndarray,
    predicted_a: np.ndarray,
    predicted_b: np.ndarray,
    *,
    permutations: int = 10000,
    seed: int = 0,
) -> tuple[float, float]:
    """UAR(A) − UAR(B) and its two-sided p-value from a paired permutation test.

    Under the null hypothesis the two systems are exchangeable on every row, so each row's
    pair of predictions is swapped with probability 1/2; since UAR is a weighted sum of
    correct rows, a swap flips the sign of that row's term of the difference. UAR averages over
    the classes in the truth or either prediction, so the difference is that of
    :func:`serflow.metrics.uar` whenever both systems' predictions and the truth hold the same
    classes (always when the truth holds every class). The p-value is
    ``(1 + #{|permuted| >= |observed|}) / (1 + permutations)``.
    """
    truth = np.asarray(truth)
    # UAR's classes: those in the truth or either system's predictions (serflow.metrics.uar)
    labels = np.union1d(truth, np.union1d(predicted_a, predicted_b))
    terms = uar_weights(truth, len(labels)) * (
        (np.asarray(predicted_a) == truth).astype(float)
        - (np.asarray(predicted_b) == truth).astype(float)
    )
    observed = float(terms.sum())
    terms = terms[terms != 0]
    if len(terms) == 0:
        return observed, 1.0
    rng = np.random.default_rng(seed)
    tolerance = 1e-12 * max(1.0, abs(observed))
    at_least, done = 0, 0
    while done < permutations:  # in chunks, to bound memory
        size = min(2000, permutations - done)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(size, len(terms)))
        at_least += int(np.sum(np.abs(signs @ terms) >= abs(observed) - tolerance))
        done += size
    return observed, (1 + at_least) / (1 + permutations)
