"""Rule tune_classifier: grid search on the training speakers, scores on the test speakers."""

import json

from serflow.evaluation import confusion_table, report_text, test_scores
from serflow.experiment import train_and_test
from serflow.logs import log_to_file
from serflow.tables import read_parquet, write_csv, write_json, write_parquet, write_text

log = log_to_file(snakemake.log[0])
feature_set, classifier = snakemake.wildcards.feature_set, snakemake.wildcards.classifier
with open(snakemake.input.split) as stream:
    (fold,) = json.load(stream)["folds"]
outcome = train_and_test(
    read_parquet(snakemake.input.features),
    read_parquet(snakemake.input.metadata, columns=["utterance", "speaker", "emotion"]),
    fold,
    classifier,
    snakemake.params.grid,
    cv_folds=snakemake.params.cv_folds,
    seed=snakemake.params.seed,
    n_jobs=snakemake.threads,
)
scores = {
    "feature_set": feature_set,
    "classifier": classifier,
    "fold": fold["fold"],
    "test_speakers": fold["test_speakers"],
    **test_scores(outcome.predictions),
}
log.info(
    "%s/%s: best %s, CV UAR %.4f, test UAR %.4f",
    feature_set,
    classifier,
    outcome.tuning.best_params,
    outcome.tuning.best_cv_uar,
    scores["uar"],
)
write_json(
    {"best_params": outcome.tuning.best_params, "cv_uar": outcome.tuning.best_cv_uar},
    snakemake.output.best_params,
)
write_csv(outcome.tuning.cv_results(), snakemake.output.cv_results, index=False)
write_parquet(outcome.predictions, snakemake.output.predictions)
write_json(scores, snakemake.output.scores)
write_text(report_text(outcome.predictions), snakemake.output.report)
write_csv(confusion_table(outcome.predictions), snakemake.output.confusion_matrix)
