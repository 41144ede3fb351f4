"""Rules results_matrix(_folds): the results matrix of an evaluation scheme, its per-class
recall, paired feature-set comparison, confusion matrices and (for several folds) UAR per fold."""

import json
from pathlib import Path

import yaml

from serflow.classifiers import CLASSIFIER_NAMES
from serflow.evaluation import (
    compare_feature_sets,
    confusion_table,
    pool_predictions,
    recall_table,
    rows_of,
)
from serflow.logs import log_to_file
from serflow.plots import plot_confusion, plot_heatmap, plot_uar_per_fold
from serflow.results_matrix import (
    build_fold_matrix,
    build_matrix,
    fold_uar_table,
    matrix_markdown,
    summarise_folds,
)
from serflow.split import SCHEME_NAMES
from serflow.tables import read_parquet, write_csv, write_parquet, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
feature_sets, classifiers = params.feature_sets, params.classifiers
dataset = snakemake.wildcards.dataset
scheme = getattr(snakemake.wildcards, "scheme", "holdout")
scores = []
for path in snakemake.input.scores:
    with open(path) as stream:
        scores.append(json.load(stream))
pooled = pool_predictions(scores, [read_parquet(path) for path in snakemake.input.predictions])
n_folds = pooled["fold"].nunique()
if scheme == "holdout":
    described = f"{SCHEME_NAMES[scheme]}, test speakers {', '.join(scores[0]['test_speakers'])}"
else:
    described = f"{SCHEME_NAMES[scheme]} ({scheme}, {n_folds} outer folds)"

if scheme == "holdout":
    matrix = build_matrix(scores, feature_sets, classifiers)
    caption = f"Test UAR (%) on {dataset}, test speakers {', '.join(scores[0]['test_speakers'])}"
    log.info("%s\n%s", caption, matrix.to_string())
    write_csv(matrix, snakemake.output.csv, float_format="%.1f")
    write_text(matrix_markdown(matrix, caption), snakemake.output.markdown)
    plot_heatmap(matrix, f"serflow: test UAR (%) on {dataset}", snakemake.output.heatmap)
else:
    folds = fold_uar_table(scores)
    summary = summarise_folds(
        folds,
        pooled,
        feature_sets,
        classifiers,
        confidence=params.confidence,
        resamples=params.bootstrap_resamples,
        seed=params.seed,
    )
    means, texts = build_fold_matrix(summary, feature_sets, classifiers)
    level = f"{100 * params.confidence:g}%"
    caption = (
        f"Test UAR (%) on {dataset}, {described}: mean ± sd over the folds "
        f"[{level} interval of the mean: percentile bootstrap over the folds, "
        f"{params.bootstrap_resamples} resamples, seed {params.seed}]"
    )
    log.info("%s\n%s", caption, texts.to_string())
    write_csv(texts, snakemake.output.csv)
    write_text(matrix_markdown(texts, caption), snakemake.output.markdown)
    plot_heatmap(
        means,
        f"serflow: test UAR (%) on {dataset}, {scheme}: mean ± sd [{level} CI]",
        snakemake.output.heatmap,
        labels=texts.map(lambda text: text.replace(" [", "\n[")),
    )
    write_csv(summary, snakemake.output.summary, index=False, float_format="%.2f")
    write_csv(folds, snakemake.output.folds, index=False, float_format="%.2f")
    plot_uar_per_fold(
        folds,
        feature_sets,
        classifiers,
        f"Test UAR per outer fold on {dataset}\n{described}",
        snakemake.output.folds_plot,
        chance=100 / pooled["emotion"].nunique(),
    )

recall = recall_table(pooled, feature_sets, classifiers)
write_csv(recall, snakemake.output.recall, float_format="%.1f")
comparison = compare_feature_sets(
    pooled, feature_sets, classifiers, permutations=params.permutations, seed=params.seed
)
log.info("paired comparison of feature sets:\n%s", comparison.to_string())
comparison = comparison.round(
    {"uar_a": 2, "uar_b": 2, "difference": 2, "mcnemar_p": 4, "permutation_p": 4}
)
write_csv(comparison, snakemake.output.comparison, index=False)
write_parquet(pooled, snakemake.output.predictions)
settings = {key: value for key, value in snakemake.config.items() if key != "threads"}
write_text(yaml.safe_dump(settings, sort_keys=False), snakemake.output.config)
plots = {Path(path).name: path for path in snakemake.output.confusion}
for feature_set in feature_sets:
    for classifier in classifiers:
        part = rows_of(pooled, feature_set, classifier)
        pooled_uar = recall.loc[(feature_set, classifier), "uar"]
        plot_confusion(
            confusion_table(part),
            f"{feature_set} · {CLASSIFIER_NAMES[classifier]}: UAR {pooled_uar:.1f}%"
            f"{' pooled over the folds' if n_folds > 1 else ''}\n{dataset}, {described}",
            plots[f"{feature_set}.{classifier}.png"],
        )
