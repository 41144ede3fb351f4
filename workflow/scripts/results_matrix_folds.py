"""Rule results_matrix_folds: the results matrix of a multi-fold scheme (repeated_holdout, loso):
mean ± sd of the test UAR over the outer folds with a bootstrap interval, UAR per fold, per-class
recall, paired feature-set comparison and confusion matrices."""

from serflow.dataset_config import results_settings
from serflow.fold_ids import SCHEME_NAMES
from serflow.layer_choice import layer_choice_note
from serflow.logs import log_to_file
from serflow.plots import plot_heatmap, plot_uar_per_fold
from serflow.protocol_card import card_line
from serflow.protocol_outputs import write_protocol_outputs
from serflow.results_matrix import (
    build_fold_matrix,
    fallback_note,
    few_folds_caption,
    fold_uar_table,
    matrix_markdown,
    summarise_folds,
)
from serflow.scheme_outputs import read_fold_results, write_scheme_outputs
from serflow.tables import read_json, read_parquet, write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
feature_sets, classifiers = params.feature_sets, params.classifiers
dataset, scheme = snakemake.wildcards.dataset, snakemake.wildcards.scheme
scores, pooled = read_fold_results(snakemake.input.scores, snakemake.input.predictions)
n_folds = pooled["fold"].nunique()
described = f"{SCHEME_NAMES[scheme]} ({scheme}, {n_folds} outer folds)"

card = write_protocol_outputs(
    pooled,
    scores,
    read_parquet(snakemake.input.metadata),
    output=snakemake.output,
    params=params,
    dataset=dataset,
    log=log,
)
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
layers = layer_choice_note([read_json(path) for path in snakemake.input.layers])
caption = (
    f"Test UAR (%) on {dataset}, {described}: mean ± sd over the folds "
    f"[{level} interval of the mean: percentile bootstrap over the folds, "
    f"{params.bootstrap_resamples} resamples, seed {params.seed}]{few_folds_caption(n_folds)}"
    f"{fallback_note(scores)}. {card_line(card)}{layers}"
)
log.info("%s\n%s", caption, texts.to_string())
write_csv(texts, snakemake.output.csv)
write_text(matrix_markdown(texts, caption), snakemake.output.markdown)
plot_heatmap(
    means,
    f"serflow: test UAR (%) on {dataset}, {scheme}: mean ± sd [{level} CI]",
    snakemake.output.heatmap,
    labels=texts.map(lambda text: text.replace(" [", "\n[").replace(" (", "\n(")),
    chance=card["chance_uar"],
    axis_titles=("classifier", "feature set"),
)
write_csv(summary, snakemake.output.summary, index=False, float_format="%.2f")
write_csv(folds, snakemake.output.folds, index=False, float_format="%.2f")
plot_uar_per_fold(
    folds,
    feature_sets,
    classifiers,
    f"Test UAR per outer fold on {dataset}\n{described}",
    snakemake.output.folds_plot,
    chance=card["chance_uar"],
)
write_scheme_outputs(
    pooled,
    output=snakemake.output,
    params=params,
    settings=results_settings(snakemake.config, dataset),
    heading=f"{dataset}, {described}",
    log=log,
)
