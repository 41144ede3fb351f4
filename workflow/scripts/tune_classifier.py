"""Rules tune_classifier(_fold): grid search on an outer fold's training speakers, scores on its
test speakers."""

import json

from serflow.evaluation import confusion_table, report_text, test_scores
from serflow.experiment import train_and_test
from serflow.fold_ids import HOLDOUT_FOLD_ID
from serflow.kernel_memory import MemoryBudget, record_fields
from serflow.logs import log_to_file
from serflow.protocol_card import job_card
from serflow.tables import read_parquet, write_csv, write_json, write_parquet, write_text

log = log_to_file(snakemake.log[0])
feature_set, classifier = snakemake.wildcards.feature_set, snakemake.wildcards.classifier
with open(snakemake.input.split) as stream:
    folds = {fold["fold"]: fold for fold in json.load(stream)["folds"]}
# tune_classifier has the hold-out split's single fold; tune_classifier_fold names its fold
fold = folds[getattr(snakemake.wildcards, "fold", HOLDOUT_FOLD_ID)]
metadata = read_parquet(snakemake.input.metadata)
# the sentence ids, where the corpus has them: the protocol card counts those shared
metadata = metadata[
    [c for c in ["utterance", "speaker", "label", "emotion", "text"] if c in metadata]
]
outcome = train_and_test(
    read_parquet(snakemake.input.features),
    metadata,
    fold,
    classifier,
    snakemake.params.grid,
    cv_folds=snakemake.params.cv_folds,
    inner_cv=snakemake.params.inner_cv,
    seed=snakemake.params.seed,
    n_jobs=snakemake.threads,
    cache_dir=snakemake.params.cache_dir,
    memory_budget=MemoryBudget.from_config(snakemake.params.svm_memory),
    balance=snakemake.params.balance,
)
fallback = record_fields(outcome.svm_memory)  # a search over svm_memory.budget_mb says so
speakers = outcome.training["speaker"].to_numpy()
for k, (train, validation) in enumerate(outcome.inner_folds):
    log.info(
        "inner fold %d (%s): validation speakers %s, training speakers %s",
        k,
        snakemake.params.inner_cv,
        sorted(set(speakers[validation])),
        sorted(set(speakers[train])),
    )
missing = sorted(set(outcome.training["emotion"]) - set(outcome.predictions["emotion"]))
if missing:
    log.warning(
        "%s/%s fold %s: the test speakers %s have no utterance of emotion(s) %s; the test UAR "
        "averages over the classes that are present or predicted (scikit-learn's macro recall)",
        feature_set,
        classifier,
        fold["fold"],
        fold["test_speakers"],
        ", ".join(missing),
    )
scores = {
    "feature_set": feature_set,
    "classifier": classifier,
    "fold": fold["fold"],
    "test_speakers": fold["test_speakers"],
    **test_scores(outcome.predictions),
    **fallback,
    "protocol": job_card(
        scheme=getattr(snakemake.wildcards, "scheme", "holdout"),
        fold=fold,
        training=outcome.training,
        test=outcome.predictions,
        classes=sorted(metadata["emotion"].unique()),
        metadata_path=snakemake.input.metadata,
        split_path=snakemake.input.split,
        encoder=snakemake.params.encoder,
    ),
}
log.info(
    "%s/%s fold %s: best %s, CV UAR %s, test UAR %.4f",
    feature_set,
    classifier,
    fold["fold"],
    outcome.tuning.best_params,
    f"{outcome.tuning.best_cv_uar:.4f}" if outcome.tuning.selected else "none (one grid point)",
    scores["uar"],
)
model = outcome.tuning.search.best_estimator_
training = {"training": model.training_record()} if hasattr(model, "training_record") else {}
for epoch in getattr(model, "history_", []):  # the refit's training log (mlp)
    log.info(
        "refit epoch %3d: training loss %.4f, validation UAR %s",
        epoch["epoch"],
        epoch["train_loss"],
        f"{epoch['validation_uar']:.4f}" if "validation_uar" in epoch else "-",
    )
if training:
    log.info("refit training: %s", training["training"])
write_json(
    {**outcome.tuning.selection_record(), **fallback, **training}, snakemake.output.best_params
)
cv_results = outcome.tuning.cv_results()
if outcome.svm_memory:
    # which model these rows are: the kernel SVM's subsample, or the linear SVM fitted instead
    cv_results.insert(0, "svm_memory_fallback", outcome.svm_memory["fallback"])
write_csv(cv_results, snakemake.output.cv_results, index=False)
write_parquet(outcome.predictions, snakemake.output.predictions)
write_json(scores, snakemake.output.scores)
write_text(report_text(outcome.predictions), snakemake.output.report)
write_csv(confusion_table(outcome.predictions), snakemake.output.confusion_matrix)
