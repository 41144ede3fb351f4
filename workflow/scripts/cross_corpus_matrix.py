"""Rule cross_corpus_matrix: the train x test UAR matrix of every feature set and classifier,
as one long table, Markdown and a heatmap each."""

from pathlib import Path

from serflow.classifier_registry import CLASSIFIER_NAMES
from serflow.logs import log_to_file
from serflow.plots import plot_heatmap
from serflow.results_matrix import matrix_markdown
from serflow.summary import (
    cell_labels,
    cross_corpus_chance,
    cross_corpus_matrix,
    cross_corpus_table,
    missing_cells,
)
from serflow.tables import read_json, write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
scores = [read_json(path) for path in snakemake.input.scores]
table = cross_corpus_table(scores)
write_csv(table, snakemake.output.csv, index=False, float_format="%.1f")
heatmaps = {Path(path).name: path for path in snakemake.output.heatmaps}
sections = []
for feature_set in params.feature_sets:
    for classifier in params.classifiers:
        matrix = cross_corpus_matrix(table, feature_set, classifier, params.datasets)
        title = f"{feature_set} · {CLASSIFIER_NAMES[classifier]}"
        caption = f"Cross-corpus test UAR (%), {title}, emotions {', '.join(params.emotions)}"
        reasons = missing_cells(table, feature_set, classifier)
        for line in reasons:
            log.warning("%s: %s", title, line)
        caption += "".join(f"\n\n{line}" for line in reasons)
        log.info("%s\n%s", caption, matrix.to_string())
        labels = cell_labels(table, feature_set, classifier, params.datasets)
        sections.append(matrix_markdown(labels, caption))
        plot_heatmap(
            matrix,
            f"train (rows) → test (columns): {title}",
            heatmaps[f"{feature_set}.{classifier}.png"],
            labels=labels,
            chance=cross_corpus_chance(scores, feature_set, classifier, params.datasets).to_numpy(),
            axis_titles=("test dataset", "train dataset"),
        )
write_text("\n".join(sections), snakemake.output.markdown)
