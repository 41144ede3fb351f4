"""The kernel SVM's memory budget: the estimate, and what a search beyond the budget does."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from serflow.bundle import load_bundle, refit_best, save_bundle
from serflow.experiment import train_and_test
from serflow.kernel_memory import (
    BYTES_PER_MB,
    LINEAR_FALLBACK_MODEL,
    KernelMemoryError,
    MemoryBudget,
    fitted_classifier,
    fold_sizes,
    search_memory,
    stratified_subsample,
    subsample_rows,
)
from serflow.kernel_svm import KernelSVM
from serflow.results_matrix import fallback_note
from serflow.split import holdout_split
from serflow.svm_search import PrecomputedSVMSearch, kernel_from_gram, split_point

SVM_GRID = [{"C": [1.0, 10.0], "gamma": [0.1], "kernel": ["rbf", "linear"]}]
#: libsvm's kernel cache is C memory that tracemalloc does not see: this grid gives it no room.
NO_CACHE = {"cache_size": 1e-9}
#: O(n) allocations the estimate leaves out (labels, indices, libsvm's coefficients), per row.
PER_ROW_BYTES = 1000


def emotion_corpus(speakers: int = 10, per_cell: int = 7, seed: int = 0):
    """Metadata and learnable features of ``speakers`` x 4 emotions x ``per_cell`` clips."""
    rng = np.random.default_rng(seed)
    emotions = ["anger", "happiness", "neutral", "sadness"]
    rows = [
        (f"{s:02d}_{e}_{k}", f"{s:02d}", e, i)
        for s in range(speakers)
        for i, e in enumerate(emotions)
        for k in range(per_cell)
    ]
    metadata = pd.DataFrame(rows, columns=["utterance", "speaker", "emotion", "code"])
    values = rng.normal(size=(len(rows), 5)) + 1.2 * np.eye(5)[metadata["code"]]
    features = pd.DataFrame(values.astype(np.float32), columns=[f"x{i}" for i in range(5)])
    features.insert(0, "utterance", metadata["utterance"])
    return features, metadata.drop(columns="code")


def holdout_fold(metadata: pd.DataFrame) -> dict:
    (fold,) = holdout_split(metadata, test_speakers=["01", "04", "08"])["folds"]
    return fold


def random_rows(n_rows: int = 200, n_features: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_rows, n_features)), rng.integers(0, 3, n_rows)


# --- the estimate ----------------------------------------------------------------------------


def test_estimate_counts_the_gram_matrix_and_each_folds_kernels_as_the_search_makes_them():
    x, y = random_rows()
    point = {"C": 1.0, "kernel": "linear", **NO_CACHE}
    folds = list(StratifiedKFold(5).split(x, y))
    memory = search_memory([point], len(y), fold_sizes(folds))
    gram, norms = PrecomputedSVMSearch([point]).prepare(x, y)
    assert memory.gram == gram.nbytes + norms.nbytes
    spec = split_point(point)[0]
    kernels = []
    for train, test in folds:
        train_kernel = kernel_from_gram(
            spec, gram[np.ix_(train, train)], norms[train], norms[train], 0
        )
        test_kernel = kernel_from_gram(
            spec, gram[np.ix_(test, train)], norms[test], norms[train], 0
        )
        kernels.append(train_kernel.nbytes + test_kernel.nbytes)
    # the linear kernel is its Gram block: a task holds its train and validation kernels
    assert memory.fold_task == max(kernels)
    assert memory.peak == gram.nbytes + norms.nbytes + max(kernels)


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly", "sigmoid"])
def test_estimate_is_the_traced_peak_of_a_real_search_and_prediction(kernel):
    x, y = random_rows(n_rows=300)
    x_new, _ = random_rows(n_rows=90, seed=1)
    points = [{"C": 1.0, "kernel": kernel, "gamma": 0.1, **NO_CACHE}]
    folds = fold_sizes(StratifiedKFold(5).split(x, y))
    memory = search_memory(points, len(y), folds, n_predict=len(x_new))
    tracemalloc.start()
    try:
        search = PrecomputedSVMSearch(points, n_jobs=1).fit(x, y)
        search.predict(x_new)
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert memory.peak <= traced_peak <= memory.peak + PER_ROW_BYTES * len(y)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_estimate_of_a_plain_fit_is_the_traced_peak_of_the_export_refit(kernel):
    x, y = random_rows(n_rows=300)
    point = {"C": 1.0, "kernel": kernel, "gamma": 0.1, **NO_CACHE}
    memory = search_memory([point], len(y), [], n_predict=len(y))
    assert (memory.fold_task, memory.parallel_tasks) == (0, 0)
    tracemalloc.start()
    try:
        KernelSVM(point).fit(x, y).predict(x)  # export_model's refit and training accuracy
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert memory.peak <= traced_peak <= memory.peak + PER_ROW_BYTES * len(y)


def test_parallel_fits_each_hold_their_own_fold_kernels():
    points = [{"C": 1.0, "kernel": "rbf", "gamma": 0.1}, {"C": 1.0, "kernel": "linear"}]
    folds = [(160, 40)] * 5
    alone = search_memory(points, 200, folds, n_jobs=1)
    two = search_memory(points, 200, folds, n_jobs=2)
    many = search_memory(points, 200, folds, n_jobs=64)
    assert (alone.parallel_tasks, two.parallel_tasks, many.parallel_tasks) == (1, 2, 10)
    assert two.peak == two.gram + 2 * two.fold_task > alone.peak
    # rbf derives its train kernel through 4 blocks of 160 x 160 float64
    assert alone.fold_task == 4 * 160 * 160 * 8


# --- beyond the budget ---------------------------------------------------------------------------


def tiny_budget(fallback: str) -> MemoryBudget:
    """A budget that a 196-clip search (0.3 MB Gram matrix) exceeds but a smaller one fits."""
    return MemoryBudget(budget_mb=1.0, fallback=fallback)


def test_error_stops_before_fitting_naming_the_keys_the_estimate_and_n():
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    with pytest.raises(KernelMemoryError) as caught:
        train_and_test(
            features, metadata, fold, "svm", SVM_GRID, n_jobs=2, memory_budget=tiny_budget("error")
        )
    message = str(caught.value)
    for part in ["svm_memory.budget_mb = 1 MB", "svm_memory.fallback", "196 training clips",
                 "threads.tune", "subsample"]:  # fmt: skip
        assert part in message
    assert float(message.split("would hold ")[1].split(" MB")[0]) > 1


def test_subsample_searches_a_stratified_subsample_within_the_budget_deterministically():
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    budget = tiny_budget("subsample")
    runs = [
        train_and_test(features, metadata, fold, "svm", SVM_GRID, n_jobs=2, memory_budget=budget)
        for _ in range(2)
    ]
    first, second = runs
    record = first.svm_memory
    assert record["fallback"] == "subsample" and record["of_training_clips"] == 196
    kept = record["training_clips"]
    assert len(first.training) == kept < 196
    assert record["estimate_mb"] > budget.budget_mb
    folds = fold_sizes(first.inner_folds)
    memory = search_memory(first.tuning.search.points, kept, folds, n_jobs=2, n_predict=84)
    assert memory.peak <= budget.budget_mb * BYTES_PER_MB
    # every training speaker and emotion keeps its share
    shares = first.training.groupby(["speaker", "emotion"]).size()
    assert shares.max() - shares.min() <= 1 and len(shares) == 7 * 4
    # a fitted model of the documented kind: the search refitted and predicted every test clip
    assert first.tuning.search.best_estimator_.classes_.tolist() == [0, 1, 2, 3]
    assert len(first.predictions) == 3 * 4 * 7
    assert first.training.equals(second.training)
    assert first.predictions.equals(second.predictions)
    assert first.tuning.best_params == second.tuning.best_params


def test_subsample_with_speaker_grouped_folds_keeps_enough_speakers_for_them():
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    outcome = train_and_test(
        features, metadata, fold, "svm", SVM_GRID, inner_cv="group",
        memory_budget=tiny_budget("subsample"),
    )  # fmt: skip
    assert outcome.svm_memory["training_clips"] == len(outcome.training) < 196
    speakers = outcome.training["speaker"].to_numpy()
    assert set(speakers) == set(fold["train_speakers"])
    for train, validation in outcome.inner_folds:
        assert not set(speakers[train]) & set(speakers[validation])


def test_export_refit_redraws_the_searchs_subsample_and_guards_its_own_fit():
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    outcome = train_and_test(
        features, metadata, fold, "svm", SVM_GRID, memory_budget=tiny_budget("subsample")
    )
    training = metadata[metadata["speaker"].isin(fold["train_speakers"])]
    training = training.sort_values("utterance", ignore_index=True)
    codes = training["emotion"].map({"anger": 0, "happiness": 1, "neutral": 2, "sadness": 3})
    rows = subsample_rows(outcome.svm_memory, training["speaker"].to_numpy(), codes.to_numpy(), 0)
    assert training["utterance"].iloc[rows].tolist() == outcome.training["utterance"].tolist()
    assert subsample_rows(None, training["speaker"].to_numpy(), codes.to_numpy(), 0) is None
    x, y = random_rows()
    with pytest.raises(KernelMemoryError, match="export_model.*svm_memory.budget_mb"):
        refit_best("svm", SVM_GRID, {"C": 1.0, "gamma": 0.1, "kernel": "rbf"}, x, y, 0,
                   memory_budget=MemoryBudget(0.5))  # fmt: skip


def test_linear_fits_a_linear_svm_on_every_clip_over_the_grids_c_values(tmp_path):
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    budget = tiny_budget("linear")
    first, second = [
        train_and_test(features, metadata, fold, "svm", SVM_GRID, n_jobs=2, memory_budget=budget)
        for _ in range(2)
    ]
    record = first.svm_memory
    assert record["fallback"] == "linear" and record["model"] == LINEAR_FALLBACK_MODEL
    assert "no rbf" in record["model"]
    assert record["training_clips"] == record["of_training_clips"] == len(first.training) == 196
    search = first.tuning.search
    assert search.points == [{"C": 1.0}, {"C": 10.0}]
    assert isinstance(search.best_estimator_, LinearSVC)
    assert len(search.best_estimator_.coef_) == 4  # one-vs-rest: a weight vector per emotion
    assert first.predictions.equals(second.predictions)
    # the export refits the same linear model, and it survives a bundle
    training = first.training
    x = features.set_index("utterance").loc[training["utterance"]].to_numpy()
    codes = training["emotion"].map({"anger": 0, "happiness": 1, "neutral": 2, "sadness": 3})
    classifier = fitted_classifier("svm", record)
    model = refit_best(classifier, SVM_GRID, first.tuning.best_params, x, codes.to_numpy(), 0)
    test = features[features["utterance"].isin(first.predictions["utterance"])]
    test_rows = test.sort_values("utterance").drop(columns="utterance").to_numpy()
    np.testing.assert_array_equal(model.predict(test_rows), search.predict(test_rows))
    labels = ["anger", "happiness", "neutral", "sadness"]
    names = list(features.columns[1:])
    mean, std = np.zeros(len(names)), np.ones(len(names))
    save_bundle(tmp_path, model, names, mean, std, {"svm_memory": record}, labels)
    bundle = load_bundle(tmp_path)
    assert bundle.manifest["scores"] == "decision"
    assert bundle.manifest["svm_memory"]["fallback"] == "linear"


def test_stratified_subsample_keeps_each_cells_share_and_depends_only_on_the_seed():
    speakers = np.repeat(["a", "b", "c"], [60, 30, 10])
    labels = np.tile([0, 1], 50)
    rows = stratified_subsample(speakers, labels, 50, seed=3)
    assert len(rows) == 50 and np.all(np.diff(rows) > 0)
    counts = pd.Series(speakers[rows]).value_counts().to_dict()
    assert counts == {"a": 30, "b": 15, "c": 5}
    assert np.array_equal(rows, stratified_subsample(speakers, labels, 50, seed=3))
    assert not np.array_equal(rows, stratified_subsample(speakers, labels, 50, seed=4))


# --- within the budget ---------------------------------------------------------------------------


def test_within_the_budget_results_are_byte_identical_to_a_search_without_one():
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    outcomes = [
        train_and_test(features, metadata, fold, "svm", SVM_GRID, n_jobs=2, memory_budget=budget)
        for budget in [None, MemoryBudget(2000, "subsample"), MemoryBudget(2000, "error")]
    ]
    reference = parquet_bytes(outcomes[0].predictions)
    for outcome in outcomes[1:]:
        assert outcome.svm_memory is None
        assert parquet_bytes(outcome.predictions) == reference
        assert outcome.tuning.best_params == outcomes[0].tuning.best_params
        scores = outcome.tuning.cv_results().filter(like="test_score")
        assert scores.equals(outcomes[0].tuning.cv_results().filter(like="test_score"))


def parquet_bytes(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_the_results_matrix_caption_names_the_svm_cells_from_a_fallback():
    scores = [
        {"feature_set": "compare", "classifier": "svm", "svm_memory": {"fallback": "linear"}},
        {"feature_set": "egemaps", "classifier": "svm"},
        {"feature_set": "compare", "classifier": "lr"},
    ]
    assert fallback_note(scores[1:]) == ""
    assert fallback_note(scores).endswith("kernel SVM search for compare (linear)")


def test_subsample_stops_when_not_even_the_smallest_search_fits():
    features, metadata = emotion_corpus()
    fold = holdout_fold(metadata)
    with pytest.raises(KernelMemoryError, match="Not even 20 clips would fit"):
        train_and_test(
            features,
            metadata,
            fold,
            "svm",
            SVM_GRID,
            memory_budget=MemoryBudget(0.001, "subsample"),
        )
