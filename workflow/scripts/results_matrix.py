"""Rule results_matrix: feature sets x classifiers, test UAR in %, as CSV, Markdown and PNG."""

import json

from serflow.logs import log_to_file
from serflow.results_matrix import build_matrix, matrix_markdown, plot_heatmap
from serflow.tables import write_csv, write_text

log = log_to_file(snakemake.log[0])
scores = []
for path in snakemake.input.scores:
    with open(path) as stream:
        scores.append(json.load(stream))
matrix = build_matrix(scores, snakemake.params.feature_sets, snakemake.params.classifiers)
dataset = snakemake.wildcards.dataset
caption = f"Test UAR (%) on {dataset}, test speakers {', '.join(scores[0]['test_speakers'])}"
log.info("%s\n%s", caption, matrix.to_string())
write_csv(matrix, snakemake.output.csv, float_format="%.1f")
write_text(matrix_markdown(matrix, caption), snakemake.output.markdown)
plot_heatmap(matrix, f"serflow: test UAR (%) on {dataset}", snakemake.output.heatmap)
