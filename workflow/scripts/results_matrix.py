"""Rule results_matrix: the hold-out results matrix (test UAR in %), its per-class recall,
paired feature-set comparison and confusion matrices."""

from serflow.dataset_config import results_settings
from serflow.fold_ids import SCHEME_NAMES
from serflow.layer_choice import layer_choice_note
from serflow.logs import log_to_file
from serflow.plots import plot_heatmap
from serflow.protocol_card import card_line
from serflow.protocol_outputs import write_protocol_outputs
from serflow.results_matrix import build_matrix, fallback_note, matrix_markdown
from serflow.scheme_outputs import read_fold_results, write_scheme_outputs
from serflow.tables import read_json, read_parquet, write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
feature_sets, classifiers = params.feature_sets, params.classifiers
dataset = snakemake.wildcards.dataset
scores, pooled = read_fold_results(snakemake.input.scores, snakemake.input.predictions)
test_speakers = ", ".join(scores[0]["test_speakers"])

card = write_protocol_outputs(
    pooled,
    scores,
    read_parquet(snakemake.input.metadata),
    output=snakemake.output,
    params=params,
    dataset=dataset,
    log=log,
)
matrix = build_matrix(scores, feature_sets, classifiers)
layers = layer_choice_note([read_json(path) for path in snakemake.input.layers])
caption = (
    f"Test UAR (%) on {dataset}, test speakers {test_speakers}{fallback_note(scores)}. "
    f"{card_line(card)}{layers}"
)
log.info("%s\n%s", caption, matrix.to_string())
write_csv(matrix, snakemake.output.csv, float_format="%.1f")
write_text(matrix_markdown(matrix, caption), snakemake.output.markdown)
plot_heatmap(
    matrix,
    f"serflow: test UAR (%) on {dataset}",
    snakemake.output.heatmap,
    chance=card["chance_uar"],
    axis_titles=("classifier", "feature set"),
)
write_scheme_outputs(
    pooled,
    output=snakemake.output,
    params=params,
    settings=results_settings(snakemake.config, dataset),
    heading=f"{dataset}, {SCHEME_NAMES['holdout']}, test speakers {test_speakers}",
    log=log,
)
