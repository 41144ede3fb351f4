"""Rule cross_corpus_dimensional_matrix: per (feature set, regressor, dimension) the train ×
test CCC matrix on the common [0, 1] scale, as one long table, Markdown and a heatmap each."""

from pathlib import Path

from serflow.classifier_registry import CLASSIFIER_NAMES
from serflow.dimensional_cross_corpus import ccc_matrix, cross_corpus_table
from serflow.logs import log_to_file
from serflow.metrics import CHANCE_CCC
from serflow.plots import plot_heatmap
from serflow.results_matrix import matrix_markdown
from serflow.tables import read_json, write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
scores = [read_json(path) for path in snakemake.input.scores]
table = cross_corpus_table(scores)
write_csv(table, snakemake.output.csv, index=False, float_format="%.4f")
heatmaps = {Path(path).name: path for path in snakemake.output.heatmaps}
sections = []
for dimension, datasets in params.datasets.items():
    scales = ", ".join(
        f"{name} {params.ranges[name][dimension][0]:g}-{params.ranges[name][dimension][1]:g}"
        for name in datasets
    )
    for feature_set in params.feature_sets:
        for regressor in params.regressors:
            values, labels, reasons = ccc_matrix(table, feature_set, regressor, dimension, datasets)
            title = f"{feature_set} · {CLASSIFIER_NAMES[regressor]} · {dimension}"
            caption = (
                f"Cross-corpus test CCC, {title}: each dataset's {dimension} ratings mapped "
                f"linearly onto [0, 1] from its range ({scales}) before training and scoring"
            )
            for line in reasons:
                log.warning("%s: %s", title, line)
            caption += "".join(f"\n\n{line}" for line in reasons)
            log.info("%s\n%s", caption, labels.to_string())
            sections.append(matrix_markdown(labels, caption))
            plot_heatmap(
                values,
                f"train (rows) → test (columns): {title}",
                heatmaps[f"{feature_set}.{regressor}.{dimension}.png"],
                labels=labels,
                chance=CHANCE_CCC,
                axis_titles=("test dataset", "train dataset"),
                bounds=(-1, 1),
                score="test CCC",
                digits=3,
            )
write_text("\n".join(sections), snakemake.output.markdown)
