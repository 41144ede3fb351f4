"""Rule cross_corpus_classifier: tune on every speaker of one dataset (speaker-grouped inner
CV), test on every speaker of another, on the shared emotions; on the diagonal, the dataset's
own hold-out split. A cell that cannot be computed is written as missing, with its reason,
unless cross_corpus.strict asks to stop."""

import pandas as pd

from serflow.cross_corpus import (
    CrossCorpusError,
    cell_fold,
    cell_rows,
    missing_cell,
    shared_rows,
)
from serflow.evaluation import test_scores
from serflow.experiment import train_and_test
from serflow.kernel_memory import MemoryBudget, record_fields
from serflow.logs import log_to_file
from serflow.split import SplitError
from serflow.tables import read_parquet, write_json, write_parquet

log = log_to_file(snakemake.log[0])
wildcards, params = snakemake.wildcards, snakemake.params
cell = {
    "feature_set": wildcards.feature_set,
    "classifier": wildcards.classifier,
    "train_dataset": wildcards.train,
    "test_dataset": wildcards.test,
    "fold": f"{wildcards.train}__{wildcards.test}",
}


def compute_cell() -> tuple[dict, pd.DataFrame]:
    """The cell's scores and test predictions; CrossCorpusError when it cannot be computed."""
    diagonal = wildcards.train == wildcards.test
    features, metadata = cell_rows(
        wildcards.train,
        wildcards.test,
        lambda name, role: shared_rows(
            name,
            read_parquet(snakemake.input[f"{role}_features"]),
            read_parquet(
                snakemake.input[f"{role}_metadata"], columns=["utterance", "speaker", "emotion"]
            ),
            params.emotions,
        ),
    )
    split_file = snakemake.input.split if diagonal else None
    fold = cell_fold(wildcards.train, wildcards.test, metadata, split_file, params.grid)
    n_train = len(fold["train_speakers"])
    # the inner CV groups by speaker: as many folds as training speakers allow
    cv_folds = min(params.cv_folds, n_train)
    log.info(
        "train on %s (%d speakers), test on %s (%d speakers), emotions %s, %d-fold grouped CV",
        wildcards.train,
        n_train,
        wildcards.test,
        len(fold["test_speakers"]),
        params.emotions,
        cv_folds,
    )
    outcome = train_and_test(
        features,
        metadata,
        fold,
        wildcards.classifier,
        params.grid,
        cv_folds=cv_folds,
        inner_cv="group",
        seed=params.seed,
        n_jobs=snakemake.threads,
        cache_dir=params.cache_dir,
        memory_budget=MemoryBudget.from_config(params.svm_memory),
        balance=params.balance,
    )
    scores = {
        **cell,
        "fold": fold["fold"],
        **outcome.tuning.selection_record(),
        **test_scores(outcome.predictions),
        **record_fields(outcome.svm_memory),  # a search over svm_memory.budget_mb says so
    }
    log.info("%s -> %s: UAR %.4f", wildcards.train, wildcards.test, scores["uar"])
    return scores, outcome.predictions


try:
    scores, predictions = compute_cell()
except (CrossCorpusError, SplitError) as error:
    if params.strict:
        raise
    log.warning(
        "cross-corpus %s/%s %s -> %s is missing: %s",
        wildcards.feature_set,
        wildcards.classifier,
        wildcards.train,
        wildcards.test,
        error,
    )
    scores, predictions = missing_cell(cell, str(error))
write_json(scores, snakemake.output.scores)
write_parquet(predictions, snakemake.output.predictions)
