"""Rules tune_regressor(_fold): per dimension, a grid search by CCC on an outer fold's training
speakers (speaker-grouped inner CV), scores on its test speakers."""

import json

import pandas as pd

from serflow.fold_ids import HOLDOUT_FOLD_ID
from serflow.kernel_memory import MemoryBudget, record_fields
from serflow.logs import log_to_file
from serflow.regression import dimension_scores, target_column, train_and_test
from serflow.tables import read_parquet, write_csv, write_json, write_parquet

log = log_to_file(snakemake.log[0])
feature_set, regressor = snakemake.wildcards.feature_set, snakemake.wildcards.regressor
dimensions = snakemake.params.dimensions
with open(snakemake.input.split) as stream:
    folds = {fold["fold"]: fold for fold in json.load(stream)["folds"]}
fold = folds[getattr(snakemake.wildcards, "fold", HOLDOUT_FOLD_ID)]
columns = ["utterance", "speaker", *map(target_column, dimensions)]
outcomes = train_and_test(
    read_parquet(snakemake.input.features),
    read_parquet(snakemake.input.metadata, columns=columns),
    fold,
    regressor,
    snakemake.params.grid,
    dimensions,
    cv_folds=snakemake.params.cv_folds,
    seed=snakemake.params.seed,
    n_jobs=snakemake.threads,
    cache_dir=snakemake.params.cache_dir,
    memory_budget=MemoryBudget.from_config(snakemake.params.svm_memory),
)
fallback = record_fields(outcomes[0].svm_memory)
scores = {
    "feature_set": feature_set,
    "regressor": regressor,
    "fold": fold["fold"],
    "test_speakers": fold["test_speakers"],
    "n_test": int(len(outcomes[0].predictions)),
    "dimensions": {},
    **fallback,
}
best, tables = {}, []
for outcome in outcomes:
    frame = outcome.predictions
    scores["dimensions"][outcome.dimension] = dimension_scores(frame["true"], frame["predicted"])
    best[outcome.dimension] = {
        "best_params": outcome.tuning.best_params,
        "cv_ccc": float(outcome.tuning.search.best_score_),
    }
    table = outcome.tuning.cv_results()
    table.insert(0, "dimension", outcome.dimension)
    tables.append(table)
    log.info(
        "%s/%s fold %s, %s: best %s, CV CCC %.4f, test CCC %.4f",
        feature_set,
        regressor,
        fold["fold"],
        outcome.dimension,
        outcome.tuning.best_params,
        best[outcome.dimension]["cv_ccc"],
        scores["dimensions"][outcome.dimension]["ccc"],
    )
    model = outcome.tuning.search.best_estimator_
    if hasattr(model, "training_record"):  # the mlp_regressor's refit: its early stopping
        best[outcome.dimension]["training"] = model.training_record()
        for epoch in model.history_:
            log.info(
                "%s refit epoch %3d: training loss %.4f, validation CCC %s",
                outcome.dimension,
                epoch["epoch"],
                epoch["train_loss"],
                f"{epoch['validation_ccc']:.4f}" if "validation_ccc" in epoch else "-",
            )
write_json({"dimensions": best, **fallback}, snakemake.output.best_params)
write_csv(pd.concat(tables, ignore_index=True), snakemake.output.cv_results, index=False)
write_parquet(
    pd.concat([o.predictions for o in outcomes], ignore_index=True), snakemake.output.predictions
)
write_json(scores, snakemake.output.scores)
