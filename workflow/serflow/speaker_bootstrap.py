"""Speaker-level uncertainty of a test UAR: a bootstrap over test speakers.

Utterances of one speaker are correlated (same voice, same recording session), so resampling
utterances one by one, as if independent, gives intervals that are too narrow. Here whole
speakers are drawn with replacement: each resample's UAR counts every utterance of a speaker
as many times as the speaker was drawn. The UAR of a resample is that of
:func:`serflow.metrics.uar` (classes in the truth or the predictions), computed from per-speaker
count tables so that 10,000 resamples take milliseconds.
"""

from __future__ import annotations

import numpy as np


def _counts(truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray):
    """Per group × class (those in the truth or the predictions): true, correct and predicted
    rows."""
    return _counts_over(truth, predicted, groups, np.union1d(truth, predicted))


def _uar_of_weights(weights: np.ndarray, counts) -> np.ndarray:
    """UAR of each row of ``weights`` (how often each group was drawn)."""
    n_true, n_correct, n_predicted = (weights @ table for table in counts)
    present = (n_true > 0) | (n_predicted > 0)
    recall = np.divide(n_correct, n_true, out=np.zeros_like(n_correct), where=n_true > 0)
    return (recall * present).sum(axis=1) / present.sum(axis=1)


def bootstrap_weights(n_groups: int, resamples: int, seed: int) -> np.ndarray:
    """``resamples`` × ``n_groups``: how often each group is drawn in each resample (seeded)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_groups, size=(resamples, n_groups))
    weights = np.zeros((resamples, n_groups))
    np.add.at(weights, (np.repeat(np.arange(resamples), n_groups), draws.ravel()), 1)
    return weights


def grouped_bootstrap_uar(
    truth: np.ndarray,
    predicted: np.ndarray,
    groups: np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = 10000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the UAR, drawing whole ``groups`` (speakers) with
    replacement; pass one group per row for the utterance-level bootstrap. (nan, nan) with
    fewer than two groups."""
    counts = _counts(truth, predicted, groups)
    n_groups = counts[0].shape[0]
    if n_groups < 2:
        return float("nan"), float("nan")
    uars = _uar_of_weights(bootstrap_weights(n_groups, resamples, seed), counts)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(uars, [alpha, 1.0 - alpha])
    return float(low), float(high)


def paired_speaker_bootstrap(
    truth: np.ndarray,
    predicted_a: np.ndarray,
    predicted_b: np.ndarray,
    groups: np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = 10000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Interval of UAR(A) − UAR(B) with speakers drawn together for both systems, and the
    two-sided bootstrap p-value ``2 × min(P(diff ≤ 0), P(diff ≥ 0))`` (at most 1)."""
    labels = np.union1d(truth, np.union1d(predicted_a, predicted_b))
    # both systems count over the same classes: add every label to both tables
    counts_a = _counts_over(truth, predicted_a, groups, labels)
    counts_b = _counts_over(truth, predicted_b, groups, labels)
    n_groups = counts_a[0].shape[0]
    if n_groups < 2:
        return float("nan"), float("nan"), float("nan")
    weights = bootstrap_weights(n_groups, resamples, seed)
    differences = _uar_of_weights(weights, counts_a) - _uar_of_weights(weights, counts_b)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [alpha, 1.0 - alpha])
    p_value = min(1.0, 2.0 * min(np.mean(differences <= 0), np.mean(differences >= 0)))
    return float(low), float(high), float(p_value)


def _counts_over(
    truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group × class of ``labels`` (a superset of the rows' classes): true, correct and
    predicted rows."""
    truth, predicted, groups = map(np.asarray, (truth, predicted, groups))
    _, group_index = np.unique(groups, return_inverse=True)
    shape = (int(group_index.max()) + 1 if len(group_index) else 0, len(labels))
    n_true, n_correct, n_predicted = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    true_class, predicted_class = np.searchsorted(labels, truth), np.searchsorted(labels, predicted)
    np.add.at(n_true, (group_index, true_class), 1)
    np.add.at(n_correct, (group_index, true_class), (truth == predicted).astype(float))
    np.add.at(n_predicted, (group_index, predicted_class), 1)
    return n_true, n_correct, n_predicted
