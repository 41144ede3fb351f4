"""Rule dimensional_results_matrix: one dimension's test CCC matrix (feature sets × regressors;
for several outer folds mean ± sd [bootstrap interval]) and its predicted-vs-true scatter."""

from serflow.dimensional_results import ccc_matrix, read_results, summary_table
from serflow.fold_ids import SCHEME_NAMES
from serflow.layer_choice import layer_choice_note
from serflow.logs import log_to_file
from serflow.metrics import CHANCE_CCC
from serflow.plots import plot_heatmap, plot_predicted_vs_true
from serflow.results_matrix import few_folds_caption, matrix_markdown
from serflow.tables import read_json, write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
dataset, scheme = snakemake.wildcards.dataset, snakemake.wildcards.scheme
dimension = snakemake.wildcards.dimension
scores, pooled = read_results(snakemake.input.scores, snakemake.input.predictions)
if dimension not in params.ranges:
    raise ValueError(f"{dimension} is not a target of datasets.{dataset}: {list(params.ranges)}")
summary = summary_table(
    scores,
    pooled,
    confidence=params.confidence,
    resamples=params.bootstrap_resamples,
    seed=params.seed,
)
means, texts = ccc_matrix(summary, dimension, params.feature_sets, params.regressors)
n_folds = pooled["fold"].nunique()
described = f"{SCHEME_NAMES[scheme]} ({scheme}, {n_folds} outer fold{'s' * (n_folds > 1)})"
low, high = params.ranges[dimension]
level = f"{100 * params.confidence:g}%"
spread = (
    f": mean ± sd over the folds [{level} interval of the mean: percentile bootstrap over the "
    f"folds, {params.bootstrap_resamples} resamples, seed {params.seed}]"
    f"{few_folds_caption(n_folds)}"
    if n_folds > 1
    else ""
)
layers = layer_choice_note([read_json(path) for path in snakemake.input.layers])
caption = (
    f"Test CCC of {dimension} (rated {low:g}-{high:g}) on {dataset}, {described}{spread}; "
    f"regressors tuned by speaker-grouped inner CV scored by CCC{layers}"
)
log.info("%s\n%s", caption, texts.to_string())
write_csv(texts if n_folds > 1 else means, snakemake.output.csv)
write_text(matrix_markdown(texts, caption), snakemake.output.markdown)
plot_heatmap(
    means,
    f"serflow: test CCC of {dimension} on {dataset}, {scheme}",
    snakemake.output.heatmap,
    labels=texts.map(lambda text: text.replace(" [", "\n[").replace(" (", "\n("))
    if n_folds > 1
    else None,
    chance=CHANCE_CCC,
    axis_titles=("regressor", "feature set"),
    bounds=(-1, 1),
    score="test CCC",
    digits=3,
)
plot_predicted_vs_true(
    pooled[pooled["dimension"] == dimension],
    params.feature_sets,
    params.regressors,
    (low, high),
    f"{dimension} on {dataset}: predicted vs true, test speakers, {described}",
    snakemake.output.scatter,
)
