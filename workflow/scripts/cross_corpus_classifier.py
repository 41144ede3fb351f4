"""Rule cross_corpus_classifier: tune on every speaker of one dataset (speaker-grouped inner
CV), test on every speaker of another, on the shared emotions; on the diagonal, the dataset's
own hold-out split."""

import json

import pandas as pd

from serflow.cross_corpus import CrossCorpusError, holdout_fold, pair_fold, shared_rows
from serflow.evaluation import test_scores
from serflow.experiment import train_and_test
from serflow.kernel_memory import MemoryBudget, record_fields
from serflow.logs import log_to_file
from serflow.tables import read_parquet, write_json, write_parquet

log = log_to_file(snakemake.log[0])
wildcards, params = snakemake.wildcards, snakemake.params
names = (
    [wildcards.train] if wildcards.train == wildcards.test else [wildcards.train, wildcards.test]
)
parts = [
    shared_rows(
        name,
        read_parquet(snakemake.input[f"{role}_features"]),
        read_parquet(
            snakemake.input[f"{role}_metadata"], columns=["utterance", "speaker", "emotion"]
        ),
        params.emotions,
    )
    for name, role in zip(names, ["train", "test"], strict=False)
]
features = pd.concat([part[0] for part in parts], ignore_index=True)
metadata = pd.concat([part[1] for part in parts], ignore_index=True)
split = None
if wildcards.train == wildcards.test:
    with open(snakemake.input.split) as stream:
        split = holdout_fold(json.load(stream))
fold = pair_fold(wildcards.train, wildcards.test, metadata, split)
# the inner CV groups by speaker: as many folds as training speakers allow
cv_folds = min(params.cv_folds, len(fold["train_speakers"]))
if cv_folds < 2:
    raise CrossCorpusError(
        f"dataset {wildcards.train} has {len(fold['train_speakers'])} training speaker(s); "
        "speaker-grouped cross-validation needs two"
    )
log.info(
    "train on %s (%d speakers), test on %s (%d speakers), emotions %s, %d-fold grouped CV",
    wildcards.train,
    len(fold["train_speakers"]),
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
    "feature_set": wildcards.feature_set,
    "classifier": wildcards.classifier,
    "train_dataset": wildcards.train,
    "test_dataset": wildcards.test,
    "fold": fold["fold"],
    "best_params": outcome.tuning.best_params,
    "cv_uar": outcome.tuning.best_cv_uar,
    **test_scores(outcome.predictions),
    **record_fields(outcome.svm_memory),  # a search over svm_memory.budget_mb says so
}
log.info("%s -> %s: UAR %.4f", wildcards.train, wildcards.test, scores["uar"])
write_json(scores, snakemake.output.scores)
write_parquet(outcome.predictions, snakemake.output.predictions)
