"""Rule export_model: the benchmark's best model of one (feature set, classifier), refitted on the
hold-out split's training speakers or on every speaker (export.train_on) and saved as a bundle
for `serflow predict`."""

from pathlib import Path

import numpy as np

from serflow.bundle import (
    export_description,
    export_fold,
    extractor_record,
    normalisation_record,
    refit_best,
    save_bundle,
    training_statistics,
)
from serflow.experiment import class_order, encode, labelled_rows
from serflow.fold_rows import part_rows
from serflow.kernel_memory import MemoryBudget, fitted_classifier, record_fields, subsample_rows
from serflow.logs import log_to_file
from serflow.protocol_card import job_card
from serflow.tables import read_json, read_parquet

log = log_to_file(snakemake.log[0])
feature_set, classifier = snakemake.wildcards.feature_set, snakemake.wildcards.classifier
(fold,) = read_json(snakemake.input.split)["folds"]
tuned = read_json(snakemake.input.best_params)
best_params = tuned["best_params"]
metadata = read_parquet(snakemake.input.metadata)
metadata = metadata[
    [c for c in ["utterance", "speaker", "label", "emotion", "text"] if c in metadata]
]
train_on = snakemake.params.train_on
fold = export_fold(fold, metadata["speaker"].unique().tolist(), train_on)
speakers, test_speakers = fold["train_speakers"], fold["test_speakers"]
description = export_description(train_on, snakemake.params.scheme)
log.info("%s/%s (export.train_on: %s): %s", feature_set, classifier, train_on, description)
# split_training: the rows tune_classifier trained on, in its order
x_train, train_emotions, train_ids = labelled_rows(
    read_parquet(snakemake.input.features), metadata, fold, "train"
)
# classes numbered as tune_classifier numbers them, so that the refit is the same fit
order = class_order(metadata)
y_train = encode(train_emotions, order)
# a search over svm_memory.budget_mb refitted on its subsample (the same rows again) or fitted
# the linear SVM instead: the bundle's model is the one the search refitted
over_budget = tuned.get("svm_memory")
rows = subsample_rows(over_budget, train_ids["speaker"].to_numpy(), y_train, snakemake.params.seed)
if rows is not None:
    log.warning(
        "%s/%s: refitted on the %d of %d training clips the search subsampled (svm_memory)",
        feature_set,
        classifier,
        len(rows),
        len(y_train),
    )
    x_train, y_train = x_train[rows], y_train[rows]
train_speakers = train_ids["speaker"].to_numpy()
estimator = refit_best(
    fitted_classifier(classifier, over_budget),
    snakemake.params.grid,
    best_params,
    x_train,
    y_train,
    snakemake.params.seed,
    memory_budget=MemoryBudget.from_config(snakemake.params.svm_memory),
    balance=snakemake.params.balance,
    groups=train_speakers if rows is None else train_speakers[rows],
)
raw = read_parquet(snakemake.input.raw_features)
raw_train = raw[raw["utterance"].isin(train_ids["utterance"])].sort_values("utterance")
mean, std = training_statistics(raw_train.drop(columns="utterance").to_numpy())

extractor = extractor_record(
    snakemake.params.extractor,
    feature_set,
    snakemake.input.get("logmel_stats"),
    snakemake.input.get("checkpoint"),
)
manifest = save_bundle(
    Path(snakemake.output.manifest).parent,
    estimator,
    list(raw.columns[1:]),
    mean,
    std,
    {
        "dataset": snakemake.wildcards.dataset,
        "feature_set": feature_set,
        "classifier": classifier,
        "best_params": best_params,
        "seed": snakemake.params.seed,
        "balance": snakemake.params.balance,
        "audio": snakemake.params.audio,
        "extractor": extractor,
        "normalisation": normalisation_record(
            snakemake.params.min_utterances, train_ids["speaker"]
        ),
        "train_on": train_on,
        "evaluation_scheme": snakemake.params.scheme,
        "fit": description,
        "training_speakers": [str(speaker) for speaker in speakers],
        "test_speakers": [str(speaker) for speaker in test_speakers],
        "n_training_utterances": len(train_ids),
        "config_sha256": snakemake.params.config_sha256,
        "protocol": job_card(
            scheme="holdout",
            fold=fold,
            training=train_ids,
            test=part_rows(metadata, fold, "test"),
            classes=order,
            metadata_path=snakemake.input.metadata,
            split_path=snakemake.input.split,
            encoder=snakemake.params.encoder,
        ),
        **record_fields(over_budget),
    },
    labels=order,
)
log.info(
    "%s/%s: %s refitted on %d utterances of %d speakers, %s scores, classes %s",
    feature_set,
    classifier,
    best_params,
    len(train_ids),
    len(speakers),
    manifest["scores"],
    manifest["labels"],
)
log.info("training accuracy %.4f", float(np.mean(estimator.predict(x_train) == y_train)))
