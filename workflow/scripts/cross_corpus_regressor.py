"""Rule cross_corpus_regressor: per shared dimension, tune a regressor on one dataset
(speaker-grouped inner CV by CCC), test it on another; on the diagonal, the dataset's own
hold-out split. Targets are on the common [0, 1] scale. A cell that cannot be computed is
written as missing, with its reason, unless cross_corpus.strict asks to stop."""

import pandas as pd

from serflow.cross_corpus import CrossCorpusError, cell_fold, cell_rows
from serflow.dimensional_cross_corpus import scaled_rows
from serflow.kernel_memory import MemoryBudget, record_fields
from serflow.logs import log_to_file
from serflow.regression import dimension_scores, target_column, train_and_test
from serflow.split import SplitError
from serflow.tables import read_parquet, write_json, write_parquet

log = log_to_file(snakemake.log[0])
wildcards, params = snakemake.wildcards, snakemake.params
dimensions = params.dimensions
cell = {
    "feature_set": wildcards.feature_set,
    "regressor": wildcards.regressor,
    "train_dataset": wildcards.train,
    "test_dataset": wildcards.test,
    "fold": f"{wildcards.train}__{wildcards.test}",
}


def compute_cell() -> tuple[dict, pd.DataFrame]:
    """The cell's scores and test predictions; CrossCorpusError when it cannot be computed."""
    diagonal = wildcards.train == wildcards.test
    columns = ["utterance", "speaker", *map(target_column, dimensions)]
    features, metadata = cell_rows(
        wildcards.train,
        wildcards.test,
        lambda name, role: scaled_rows(
            name,
            read_parquet(snakemake.input[f"{role}_features"]),
            read_parquet(snakemake.input[f"{role}_metadata"], columns=columns),
            {dimension: params.ranges[name][dimension] for dimension in dimensions},
        ),
    )
    split_file = snakemake.input.split if diagonal else None
    fold = cell_fold(wildcards.train, wildcards.test, metadata, split_file, params.grid)
    n_train = len(fold["train_speakers"])
    if n_train < 2:
        raise CrossCorpusError(f"{wildcards.train} has one training speaker; its CV needs two")
    cv_folds = min(params.cv_folds, n_train)
    log.info(
        "train on %s (%d speakers), test on %s (%d speakers), dimensions %s on [0, 1], "
        "%d-fold grouped CV",
        wildcards.train,
        n_train,
        wildcards.test,
        len(fold["test_speakers"]),
        dimensions,
        cv_folds,
    )
    outcomes = train_and_test(
        features,
        metadata,
        fold,
        wildcards.regressor,
        params.grid,
        dimensions,
        cv_folds=cv_folds,
        seed=params.seed,
        n_jobs=snakemake.threads,
        cache_dir=params.cache_dir,
        memory_budget=MemoryBudget.from_config(params.svm_memory),
    )
    scores = {
        **cell,
        "n_test": int(len(outcomes[0].predictions)),
        "dimensions": {
            o.dimension: {
                **dimension_scores(o.predictions["true"], o.predictions["predicted"]),
                "best_params": o.tuning.best_params,
            }
            for o in outcomes
        },
        **record_fields(outcomes[0].svm_memory),
    }
    for dimension, values in scores["dimensions"].items():
        log.info(
            "%s -> %s, %s: CCC %.4f", wildcards.train, wildcards.test, dimension, values["ccc"]
        )
    return scores, pd.concat([o.predictions for o in outcomes], ignore_index=True)


try:
    scores, predictions = compute_cell()
except (CrossCorpusError, SplitError) as error:
    if params.strict:
        raise
    log.warning(
        "cross-corpus %s/%s %s -> %s is missing: %s",
        wildcards.feature_set,
        wildcards.regressor,
        wildcards.train,
        wildcards.test,
        error,
    )
    scores = {**cell, "n_test": 0, "dimensions": dict.fromkeys(dimensions), "missing": str(error)}
    names = ["utterance", "speaker", "dimension", "true", "predicted"]
    predictions = pd.DataFrame({name: pd.Series(dtype=object) for name in names})
write_json(scores, snakemake.output.scores)
write_parquet(predictions, snakemake.output.predictions)
