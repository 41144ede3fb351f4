"""Rule export_regressor: the benchmark's best regressor of one (feature set, regressor) for
every dimension, refitted on the hold-out split's training speakers and saved as one bundle
for `serflow predict` (one output column per dimension)."""

from pathlib import Path

from serflow.bundle import extractor_record, normalisation_record, training_statistics
from serflow.classifier_registry import LINEAR_SVR_FALLBACK
from serflow.dimensional_bundle import refit_regressor, save_regressor_bundle
from serflow.kernel_memory import record_fields, subsample_rows
from serflow.logs import log_to_file
from serflow.regression import rows_of, target_column
from serflow.tables import read_json, read_parquet

log = log_to_file(snakemake.log[0])
params = snakemake.params
feature_set, regressor = snakemake.wildcards.feature_set, snakemake.wildcards.regressor
dimensions = params.dimensions
(fold,) = read_json(snakemake.input.split)["folds"]
tuned = read_json(snakemake.input.best_params)
columns = ["utterance", "speaker", *map(target_column, dimensions)]
metadata = read_parquet(snakemake.input.metadata, columns=columns)
speakers = fold["train_speakers"]
# the rows tune_regressor trained on, in its order
x_train, train_ids = rows_of(read_parquet(snakemake.input.features), metadata, speakers, dimensions)
over_budget = tuned.get("svm_memory")
speaker_of_row = train_ids["speaker"].to_numpy()
rows = subsample_rows(over_budget, speaker_of_row, speaker_of_row, params.seed)
if rows is not None:
    log.warning(
        "%s/%s: refitted on the %d of %d training clips the search subsampled (svm_memory)",
        feature_set,
        regressor,
        len(rows),
        len(train_ids),
    )
fitted_rows = train_ids if rows is None else train_ids.iloc[rows].reset_index(drop=True)
x_fitted = x_train if rows is None else x_train[rows]
# an SVR over svm_memory.budget_mb with fallback linear searched LinearSVR over the grid's C
linear = over_budget is not None and over_budget["fallback"] == "linear"
fitted = LINEAR_SVR_FALLBACK if linear else regressor
models, best = {}, {}
for dimension in dimensions:
    best[dimension] = tuned["dimensions"][dimension]["best_params"]
    models[dimension] = refit_regressor(
        fitted,
        params.grid,
        best[dimension],
        x_fitted,
        fitted_rows[target_column(dimension)].to_numpy(dtype="float64"),
        params.seed,
        groups=fitted_rows["speaker"].to_numpy(),
    )
raw = read_parquet(snakemake.input.raw_features)
raw_train = raw[raw["utterance"].isin(train_ids["utterance"])].sort_values("utterance")
mean, std = training_statistics(raw_train.drop(columns="utterance").to_numpy())
manifest = save_regressor_bundle(
    Path(snakemake.output.manifest).parent,
    models,
    params.ranges,
    list(raw.columns[1:]),
    mean,
    std,
    {
        "dataset": snakemake.wildcards.dataset,
        "feature_set": feature_set,
        "classifier": regressor,
        "best_params": best,
        "seed": params.seed,
        "audio": params.audio,
        "extractor": extractor_record(
            params.extractor,
            feature_set,
            snakemake.input.get("logmel_stats"),
            snakemake.input.get("checkpoint"),
        ),
        "normalisation": normalisation_record(params.min_utterances, train_ids["speaker"]),
        "training_speakers": [str(speaker) for speaker in speakers],
        "test_speakers": [str(speaker) for speaker in fold["test_speakers"]],
        "n_training_utterances": len(train_ids),
        "config_sha256": params.config_sha256,
        **record_fields(over_budget),
    },
)
log.info(
    "%s/%s: %s refitted on %d utterances of %d speakers, dimensions %s",
    feature_set,
    regressor,
    best,
    len(train_ids),
    len(speakers),
    manifest["dimensions"],
)
