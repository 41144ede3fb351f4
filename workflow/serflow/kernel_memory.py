"""The memory a precomputed-kernel SVM holds, and what a job does when it exceeds the budget.

:class:`~serflow.svm_search.PrecomputedSVMSearch` keeps the Gram matrix of all n training rows
(n x n float64) while it runs, and each of its (kernel, fold) tasks derives a train x train and a
validation x train kernel from it; ``n_jobs`` tasks run at once on threads. At 16,000 training
clips the Gram matrix alone is 2 GB. :func:`search_memory` counts, from n and the fold layout and
before anything is allocated, the bytes of every matrix the search holds at once in each of its
phases; the config's ``svm_memory.budget_mb`` bounds the largest, and
``svm_memory.fallback`` says what happens beyond it (:func:`plan_training_rows`).

What is counted: float64 matrices of n x n (Gram), fold-sized kernel blocks with numpy's
temporaries while :func:`~serflow.svm_search.kernel_from_gram` derives them
(``DERIVATION_BLOCKS``), libsvm's kernel cache (at most ``cache_size`` MiB per fit, float32
entries) and the kernel of the rows predicted afterwards. Not counted: the feature rows
themselves (n x features), which the job's ``mem_mb`` covers with the feature table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import effective_n_jobs

from serflow.classifier_registry import LINEAR_FALLBACK
from serflow.svm_search import split_point

log = logging.getLogger(__name__)

#: Bytes of a float64 matrix entry (the kernels) and of a libsvm cache entry (float32).
FLOAT64_BYTES = 8
LIBSVM_CACHE_ENTRY_BYTES = 4
#: Bytes per MB of the budget (decimal, as Snakemake's ``mem_mb``).
BYTES_PER_MB = 1_000_000
#: SVC's default kernel cache, in MiB (libsvm allocates ``cache_size * 2**20`` bytes at most).
DEFAULT_CACHE_SIZE_MB = 200
#: Matrices of a kernel block's size alive at once while ``kernel_from_gram`` derives it: the Gram
#: block it is given, numpy's temporaries and the result (rbf: norms sum, 2 x Gram, distances,
#: then distances, -gamma x distances, exp; poly: base, result and factor of the power, the new
#: product; sigmoid: gamma x Gram, + coef0, tanh; linear: the Gram block is the kernel).
DERIVATION_BLOCKS = {"linear": 1, "rbf": 4, "poly": 5, "sigmoid": 3}
#: What the results say the ``linear`` fall-back fitted instead of the kernel SVM.
LINEAR_FALLBACK_MODEL = (
    "LinearSVC (liblinear, one-vs-rest, squared hinge) over the SVM grid's C values: "
    "no rbf, poly or sigmoid kernel"
)


class KernelMemoryError(RuntimeError):
    """A kernel SVM would exceed ``svm_memory.budget_mb``; the message says what to change."""


@dataclass(frozen=True)
class MemoryBudget:
    """``svm_memory`` of the config: the budget in MB and what to do beyond it."""

    budget_mb: float
    fallback: str = "error"

    @classmethod
    def from_config(cls, settings: dict[str, Any] | None) -> MemoryBudget | None:
        """The budget of a config's ``svm_memory`` mapping (``None``: no budget)."""
        if settings is None:
            return None
        return cls(float(settings["budget_mb"]), str(settings["fallback"]))


@dataclass(frozen=True)
class KernelMemory:
    """Bytes the kernel SVM holds at once in each phase of a search, a refit and a prediction.

    ``gram``: the shared Gram matrix and squared norms (held through the search and its refit);
    ``fold_task``: the largest (kernel, fold) task; ``parallel_tasks``: how many run at once;
    ``refit``: beyond the Gram, while the best point is refitted on all rows; ``predict``: the
    kernel of the rows predicted after the fit (the Gram is freed by then).
    """

    gram: int
    fold_task: int
    parallel_tasks: int
    refit: int
    predict: int

    @property
    def peak(self) -> int:
        """The most bytes held at once: the largest of the three phases."""
        search = self.gram + self.parallel_tasks * self.fold_task
        return max(search, self.gram + self.refit, self.predict)

    @property
    def peak_mb(self) -> float:
        return self.peak / BYTES_PER_MB


def libsvm_cache_bytes(n_rows: int, cache_size_mb: float) -> int:
    """The most libsvm's kernel cache holds for a fit on ``n_rows``: its size, or every entry."""
    return min(int(cache_size_mb * 2**20), n_rows * n_rows * LIBSVM_CACHE_ENTRY_BYTES)


def grid_kernels(points: list[dict[str, Any]]) -> list[str]:
    """The kernels the SVM grid uses, in first-use order."""
    return list(dict.fromkeys(split_point(point)[0].kernel for point in points))


def fold_task_bytes(kernel: str, n_train: int, n_validation: int, cache_size_mb: float) -> int:
    """Peak bytes of one task: deriving the train and validation kernels, then the fit.

    The train kernel is kept while the validation kernel is derived and while libsvm fits.
    """
    blocks = DERIVATION_BLOCKS[kernel]
    train, validation = n_train * n_train, n_validation * n_train
    cache = libsvm_cache_bytes(n_train, cache_size_mb)
    return max(
        blocks * train * FLOAT64_BYTES,
        (train + blocks * validation) * FLOAT64_BYTES,
        (train + validation) * FLOAT64_BYTES + cache,
    )


def refit_bytes(kernel: str, n_rows: int, cache_size_mb: float) -> int:
    """Peak bytes of the refit on all rows beyond the Gram matrix it derives the kernel from."""
    blocks = DERIVATION_BLOCKS[kernel]
    # the linear kernel is the Gram matrix itself; any other is one more n x n matrix
    kept = 0 if kernel == "linear" else n_rows * n_rows * FLOAT64_BYTES
    derive = (blocks - 1) * n_rows * n_rows * FLOAT64_BYTES
    return max(derive, kept + libsvm_cache_bytes(n_rows, cache_size_mb))


def search_memory(
    points: list[dict[str, Any]],
    n_rows: int,
    fold_rows: list[tuple[int, int]],
    *,
    n_jobs: int = 1,
    n_predict: int = 0,
) -> KernelMemory:
    """What a kernel SVM on ``n_rows`` training rows holds at once, before it allocates anything.

    ``fold_rows`` are the (training, validation) row counts of the search's folds (none for a
    plain fit, as :class:`~serflow.kernel_svm.KernelSVM`); ``n_jobs`` tasks of the
    ``len(kernels) x len(folds)`` run at once; ``n_predict`` rows are predicted afterwards.
    """
    kernels = grid_kernels(points)
    specs = {split_point(point)[0] for point in points}
    cache_mb = max(float(point.get("cache_size", DEFAULT_CACHE_SIZE_MB)) for point in points)
    fold_task = max(
        (fold_task_bytes(k, train, valid, cache_mb) for k in kernels for train, valid in fold_rows),
        default=0,
    )
    blocks = max(DERIVATION_BLOCKS[kernel] for kernel in kernels)
    return KernelMemory(
        gram=(n_rows * n_rows + n_rows) * FLOAT64_BYTES,
        fold_task=fold_task,
        parallel_tasks=min(effective_n_jobs(n_jobs), len(specs) * len(fold_rows)),
        refit=max(refit_bytes(kernel, n_rows, cache_mb) for kernel in kernels),
        predict=blocks * n_predict * n_rows * FLOAT64_BYTES,
    )


def fold_sizes(folds: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, int]]:
    """The (training, validation) row counts of (training, validation) index pairs."""
    return [(len(train), len(validation)) for train, validation in folds]


def over_budget_message(what: str, memory: KernelMemory, n_rows: int, budget: MemoryBudget) -> str:
    """One message: what would exceed ``svm_memory.budget_mb``, by how much, and what to do."""
    return (
        f"{what}: the kernel SVM on {n_rows} training clips would hold {memory.peak_mb:.0f} MB of "
        f"kernel matrices at once ({n_rows} x {n_rows} Gram matrix, {memory.parallel_tasks} "
        f"fold fit(s) in parallel), over svm_memory.budget_mb = {budget.budget_mb:g} MB "
        f"(svm_memory.fallback: {budget.fallback}). Raise svm_memory.budget_mb (and the job's "
        "memory), lower threads.tune, set svm_memory.fallback: subsample (the same kernel "
        "search on a speaker-stratified subsample of the training clips that fits) or linear "
        "(a linear SVM through liblinear on all clips, no rbf kernel), or train on fewer clips"
    )


def within_budget(memory: KernelMemory, budget: MemoryBudget | None) -> bool:
    """Whether ``memory`` fits ``budget`` (always, without one)."""
    return budget is None or memory.peak <= budget.budget_mb * BYTES_PER_MB


def subsample_size(n_rows: int, fits: Callable[[int], bool], minimum: int) -> int:
    """The largest row count from ``minimum`` to ``n_rows`` for which ``fits(count)`` holds.

    ``fits`` must be monotone (true up to some count, false above); 0 when not even
    ``minimum`` rows fit.
    """
    if not fits(minimum):
        return 0
    low, high = minimum, n_rows
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def largest_remainder(total: int, sizes: list[int]) -> list[int]:
    """``total`` split in proportion to ``sizes``: each its share rounded down, the rest one
    each to the largest remainders (ties: the first)."""
    exact = [total * size / sum(sizes) for size in sizes]
    quotas = [int(share) for share in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda i: (quotas[i] - exact[i], i))
    for i in by_remainder[: total - sum(quotas)]:
        quotas[i] += 1
    return quotas


def stratified_subsample(
    speakers: np.ndarray, labels: np.ndarray, size: int, seed: int
) -> np.ndarray:
    """Sorted indices of ``size`` rows: each speaker in its share of the rows, and within a
    speaker each label in its share (:func:`largest_remainder`, speakers and labels sorted).

    The rows of a (speaker, label) cell are a seeded draw, so the same inputs and seed give the
    same subsample.
    """
    speakers, labels = np.asarray(speakers).astype(str), np.asarray(labels).astype(str)
    rng = np.random.default_rng(seed)
    by_speaker = sorted(set(speakers))
    sizes = [int(np.sum(speakers == speaker)) for speaker in by_speaker]
    chosen = []
    for speaker, quota in zip(by_speaker, largest_remainder(size, sizes), strict=True):
        rows = np.flatnonzero(speakers == speaker)
        by_label = sorted(set(labels[rows]))
        cells = [rows[labels[rows] == label] for label in by_label]
        counts = largest_remainder(quota, [len(cell) for cell in cells])
        chosen += [rng.permutation(cell)[:count] for cell, count in zip(cells, counts, strict=True)]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def fallback_record(
    budget: MemoryBudget, memory: KernelMemory, rows: int, n_rows: int
) -> dict[str, Any]:
    """What the results record about a search beyond the budget (absent within it)."""
    record = {
        "fallback": budget.fallback,
        "training_clips": rows,
        "of_training_clips": n_rows,
        "estimate_mb": round(memory.peak_mb, 1),
        "budget_mb": budget.budget_mb,
    }
    if budget.fallback == "linear":
        record["model"] = LINEAR_FALLBACK_MODEL
    return record


def record_fields(record: dict[str, Any] | None) -> dict[str, Any]:
    """``{"svm_memory": record}`` for a result file, nothing within the budget (so that results
    within it stay byte-identical)."""
    return {"svm_memory": record} if record else {}


def fitted_classifier(classifier: str, record: dict[str, Any] | None) -> str:
    """The classifier id a search fits: the linear fall-back's where ``record`` says so."""
    if record is not None and record["fallback"] == "linear":
        return LINEAR_FALLBACK
    return classifier


def linear_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The linear fall-back's grid: the SVM grid's C values (SVC's 1.0 if none), in order."""
    values = dict.fromkeys(point.get("C", 1.0) for point in points)
    return [{"C": value} for value in values]


def largest_fitting_subsample(
    points: list[dict[str, Any]],
    speakers: np.ndarray,
    labels: np.ndarray,
    folds_of: Callable[[np.ndarray], list[tuple[np.ndarray, np.ndarray]]],
    budget: MemoryBudget,
    *,
    n_jobs: int = 1,
    n_predict: int = 0,
    seed: int = 0,
    minimum: int = 2,
) -> np.ndarray | None:
    """The rows of the largest :func:`stratified_subsample` (at least ``minimum``) whose search
    on the folds ``folds_of(rows)`` gives fits ``budget``; ``None`` when none does."""

    def rows_of(size: int) -> np.ndarray:
        return stratified_subsample(speakers, labels, size, seed)

    def fits(size: int) -> bool:
        try:
            folds = fold_sizes(folds_of(rows_of(size)))
        except ValueError:  # too few clips (or speakers) left for the folds
            return False
        estimate = search_memory(points, size, folds, n_jobs=n_jobs, n_predict=n_predict)
        return within_budget(estimate, budget)

    size = subsample_size(len(labels), fits, min(minimum, len(labels)))
    return rows_of(size) if size else None


def plan_training_rows(
    what: str,
    points: list[dict[str, Any]],
    speakers: np.ndarray,
    labels: np.ndarray,
    folds_of: Callable[[np.ndarray], list[tuple[np.ndarray, np.ndarray]]],
    budget: MemoryBudget | None,
    *,
    n_jobs: int = 1,
    n_predict: int = 0,
    seed: int = 0,
    minimum: int = 2,
) -> tuple[np.ndarray | None, dict | None]:
    """The training rows a kernel SVM search on ``labels`` may use within ``budget``, and the
    record of the fall-back (:func:`fallback_record`).

    ``(None, None)``: all rows fit (or there is no budget). Beyond the budget, ``error`` raises
    :class:`KernelMemoryError`; ``subsample`` returns the rows of the largest
    :func:`stratified_subsample` whose search, on the folds ``folds_of(rows)`` gives, fits;
    ``linear`` keeps all rows, and the record says to fit :data:`LINEAR_FALLBACK` instead
    (:func:`fitted_classifier`). ``minimum`` rows are the least a search can run on.
    """
    n_rows = len(labels)
    everything = np.arange(n_rows)
    memory = search_memory(
        points, n_rows, fold_sizes(folds_of(everything)), n_jobs=n_jobs, n_predict=n_predict
    )
    if within_budget(memory, budget):
        return None, None
    message = over_budget_message(what, memory, n_rows, budget)
    if budget.fallback == "linear":
        log.warning(
            "%s: svm_memory.fallback linear: the kernel SVM on all %d training clips would hold "
            "%.0f MB, over svm_memory.budget_mb = %g MB; fitting %s instead. Its scores are a "
            "linear model's, not the rbf SVM's",
            what,
            n_rows,
            memory.peak_mb,
            budget.budget_mb,
            LINEAR_FALLBACK_MODEL,
        )
        return None, fallback_record(budget, memory, n_rows, n_rows)
    if budget.fallback != "subsample":
        raise KernelMemoryError(message)
    rows = largest_fitting_subsample(
        points,
        speakers,
        labels,
        folds_of,
        budget,
        n_jobs=n_jobs,
        n_predict=n_predict,
        seed=seed,
        minimum=minimum,
    )
    if rows is None:
        raise KernelMemoryError(f"{message}. Not even {minimum} clips would fit: raise the budget")
    size = len(rows)
    log.warning(
        "%s: svm_memory.fallback subsample: the kernel SVM search runs on %d of the %d "
        "training clips (speaker- and emotion-stratified, seed %d), since all of them would hold "
        "%.0f MB, over svm_memory.budget_mb = %g MB; its scores are a subsample's",
        what,
        size,
        n_rows,
        seed,
        memory.peak_mb,
        budget.budget_mb,
    )
    return rows, fallback_record(budget, memory, size, n_rows)


def subsample_rows(
    record: dict | None, speakers: np.ndarray, labels: np.ndarray, seed: int
) -> np.ndarray | None:
    """The training rows of a subsampled search, drawn again from its ``record`` (``None``: the
    search used every row), so that a refit uses exactly the rows the search refitted on."""
    if record is None or record["fallback"] != "subsample":
        return None
    return stratified_subsample(speakers, labels, int(record["training_clips"]), seed)
