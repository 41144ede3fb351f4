"""Rule datasets_summary: every dataset's results matrix in one table and heatmap."""

import numpy as np
import pandas as pd

from serflow.logs import log_to_file
from serflow.plots import plot_heatmap
from serflow.results_matrix import matrix_markdown
from serflow.summary import datasets_summary, fold_means
from serflow.tables import read_json, write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
matrices = {}
for name, path in zip(params.datasets, snakemake.input.matrices, strict=True):
    table = pd.read_csv(path)
    if params.scheme == "holdout":
        matrices[name] = table.set_index("feature_set")
    else:
        classifiers = list(dict.fromkeys(table["classifier"]))
        matrices[name] = fold_means(table, classifiers)
summary = datasets_summary(matrices)
caption = f"Test UAR (%) per dataset and feature set ({params.scheme})"
log.info("%s\n%s", caption, summary.to_string())
write_csv(summary, snakemake.output.csv, float_format="%.1f")
write_text(matrix_markdown(summary, caption), snakemake.output.markdown)
# each dataset's chance level, as its results matrix's protocol card measured it
chance = {
    name: read_json(path)["chance_uar"]
    for name, path in zip(params.datasets, snakemake.input.cards, strict=True)
}
flat = summary.set_axis([f"{d} · {f}" for d, f in summary.index], axis=0)
plot_heatmap(
    flat,
    f"serflow: test UAR (%), {params.scheme}",
    snakemake.output.heatmap,
    chance=np.array([[chance[name]] for name, _ in summary.index]),
    axis_titles=("classifier", "dataset · feature set"),
)
